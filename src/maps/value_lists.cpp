#include "pmacct/maps/value_lists.hpp"

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"
#include "pmacct/output/row_writer.hpp"

namespace pmacct::maps {
namespace {

template <std::size_t N, typename ValueOf>
ValueList<N> parse_list(std::string_view text, std::vector<SkippedLine>& skipped,
                        std::string_view what, ValueOf&& value_of) {
    ValueList<N> list;
    for_each_map_line(text, [&](int line_no, std::string_view line) {
        const std::optional<std::uint64_t> v = value_of(line);
        if (!v || *v >= N) {
            skipped.push_back({line_no, fmt::format("invalid {} '{}'", what, line)});
            return;
        }
        list.add(static_cast<std::size_t>(*v));
    });
    return list;
}

}  // namespace

PortList parse_ports(std::string_view text, std::vector<SkippedLine>& skipped) {
    return parse_list<65536>(text, skipped, "port",
                             [](std::string_view s) { return parse_decimal(s); });
}

ByteList parse_protos(std::string_view text, std::vector<SkippedLine>& skipped) {
    return parse_list<256>(text, skipped, "protocol",
                           [](std::string_view s) -> std::optional<std::uint64_t> {
                               auto n = output::protocol_number(s);
                               if (!n) n = output::protocol_number(to_lower(s));
                               if (!n) return std::nullopt;
                               return *n;
                           });
}

ByteList parse_tos(std::string_view text, std::vector<SkippedLine>& skipped) {
    return parse_list<256>(text, skipped, "ToS value",
                           [](std::string_view s) { return parse_decimal(s); });
}

}  // namespace pmacct::maps
