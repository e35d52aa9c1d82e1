#include "pmacct/base/strings.hpp"

#include <algorithm>
#include <charconv>

namespace pmacct {

std::string_view trim(std::string_view s) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && to_lower(a) == to_lower(b);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (true) {
        auto pos = s.find(sep);
        out.push_back(trim(s.substr(0, pos)));
        if (pos == std::string_view::npos) return out;
        s = s.substr(pos + 1);
    }
}

namespace {

std::optional<std::uint64_t> parse_in_base(std::string_view s, int base) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view s) { return parse_in_base(s, 10); }

std::optional<std::uint64_t> parse_u64(std::string_view s) {
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) return parse_in_base(s.substr(2), 16);
    return parse_in_base(s, 10);
}

std::optional<std::int64_t> parse_i64(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string join(const std::vector<std::string>& pieces, char sep) {
    std::string out;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (i > 0) out += sep;
        out += pieces[i];
    }
    return out;
}

}  // namespace pmacct
