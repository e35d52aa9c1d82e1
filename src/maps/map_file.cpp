#include "pmacct/maps/map_file.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::maps {
namespace {

// Splits one line into tokens; an error text when it is not a list of key=value.
std::string tokenize(std::string_view line, std::vector<MapToken>& out) {
    if (line.find('|') != std::string_view::npos) return "'|' is not allowed";
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i >= line.size()) break;
        const std::size_t key_start = i;
        while (i < line.size() && line[i] != '=' && line[i] != ' ' && line[i] != '\t') ++i;
        if (i >= line.size() || line[i] != '=') {
            return fmt::format("'{}' is not key=value", line.substr(key_start, i - key_start));
        }
        MapToken t;
        t.key = to_lower(line.substr(key_start, i - key_start));
        if (t.key.empty()) return "a value without a key";
        ++i;  // '='
        if (i < line.size() && line[i] == '\'') {
            const std::size_t close = line.find('\'', i + 1);
            if (close == std::string_view::npos) return fmt::format("{}: the quote is not closed", t.key);
            t.value = std::string(line.substr(i + 1, close - i - 1));
            i = close + 1;
            if (i < line.size() && line[i] != ' ' && line[i] != '\t') {
                return fmt::format("{}: text right after the closing quote", t.key);
            }
        } else {
            const std::size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
            t.value = std::string(line.substr(start, i - start));
        }
        out.push_back(std::move(t));
    }
    return {};
}

}  // namespace

MapText parse_map_text(std::string_view text, const MapLimits& limits) {
    MapText out;
    bool cut = false;
    for_each_map_line(text, [&](int line_no, std::string_view line) {
        if (cut) return;
        if (line.size() > limits.row_len) {
            out.problems.push_back({line_no, fmt::format("line longer than maps_row_len ({}); ignored", limits.row_len)});
            return;
        }
        MapRule rule;
        rule.line = line_no;
        if (std::string why = tokenize(line, rule.tokens); !why.empty()) {
            out.problems.push_back({line_no, std::move(why)});
            return;
        }
        if (out.rules.size() == limits.entries) {
            out.problems.push_back({0, fmt::format("file cut to the first {} entries (maps_entries)", limits.entries)});
            cut = true;
            return;
        }
        out.rules.push_back(std::move(rule));
    });
    return out;
}

Result<MapText> read_map_file(const std::string& path, const MapLimits& limits) {
    std::ifstream in(path);
    if (!in) return fail(fmt::format("cannot read '{}'", path));
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_map_text(buf.str(), limits);
}

}  // namespace pmacct::maps
