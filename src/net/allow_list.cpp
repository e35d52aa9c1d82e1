#include "pmacct/net/allow_list.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::net {

std::vector<AllowList::Skipped> AllowList::parse(std::string_view text) {
    std::vector<Skipped> skipped;
    std::vector<Prefix> prefixes;
    for_each_map_line(text, [&](int line_no, std::string_view line) {
        const auto slash = line.find('/');
        Prefix p;
        if (!IpAddress::parse(line.substr(0, slash), p.address)) {
            skipped.push_back({line_no, fmt::format("'{}' is not an address or prefix", line)});
            return;
        }
        const unsigned max_bits = p.address.family == 4 ? 32 : 128;
        p.bits = static_cast<std::uint8_t>(max_bits);
        if (slash != std::string_view::npos) {
            const auto bits = parse_u64(line.substr(slash + 1));
            if (!bits || *bits > max_bits) {
                skipped.push_back({line_no, fmt::format("'{}' has a bad prefix length", line)});
                return;
            }
            p.bits = static_cast<std::uint8_t>(*bits);
        }
        p.address = p.address.masked(p.bits);
        prefixes.push_back(p);
    });
    prefixes_ = std::move(prefixes);
    active_ = true;
    return skipped;
}

Result<std::vector<AllowList::Skipped>> AllowList::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return fail(fmt::format("cannot read '{}'", path));
    std::stringstream buf;
    buf << in.rdbuf();
    return parse(buf.str());
}

}  // namespace pmacct::net
