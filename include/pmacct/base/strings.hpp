// Small string helpers used while parsing configuration and maps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmacct {

// Removes spaces, tabs, CR and LF at both ends.
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
// Splits on `sep`, trimming each piece; keeps empty pieces.
std::vector<std::string_view> split(std::string_view s, char sep);
// The pieces joined by `sep` (empty pieces keep their separators).
std::string join(const std::vector<std::string>& pieces, char sep);
// Digits only: no sign, no 0x prefix, no spaces.
std::optional<std::uint64_t> parse_decimal(std::string_view s);
// Decimal, or hexadecimal with a 0x prefix; the whole string must be a number.
std::optional<std::uint64_t> parse_u64(std::string_view s);
std::optional<std::int64_t> parse_i64(std::string_view s);

// Calls fn(line_number, line) for each line of a map-like file, trimmed, leaving out blank lines
// and comments ('!' or '#' first). Lines count from 1.
template <typename Fn>
void for_each_map_line(std::string_view text, Fn&& fn) {
    int line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (line.empty() || line.front() == '!' || line.front() == '#') continue;
        fn(line_no, line);
    }
}

}  // namespace pmacct
