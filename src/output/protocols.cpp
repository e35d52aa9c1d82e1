// pmacct's table of IP protocol names (`_protocols` in pmacct-data.h), as Debian's pmacct 1.7.7
// prints them in the PROTOCOL column: read back from nfacctd by exporting every protocol number
// once (tests/data/output/protos). Numbers without a name print as numbers.
#include <array>
#include <charconv>

#include "pmacct/output/row_writer.hpp"

namespace pmacct::output {
namespace {

struct Named {
    std::uint8_t number;
    std::string_view name;
};

constexpr Named kNamed[] = {
    {1, "icmp"},        {2, "igmp"},    {3, "ggp"},         {4, "ipencap"},
    {6, "tcp"},         {8, "egp"},     {9, "igp"},         {17, "udp"},
    {18, "mux"},        {41, "ipv6"},   {43, "ipv6-route"}, {44, "ipv6-frag"},
    {46, "rsvp"},       {47, "gre"},    {50, "esp"},        {51, "ah"},
    {55, "mobile"},     {56, "tlsp"},   {58, "ipv6-icmp"},  {59, "ipv6-nonxt"},
    {60, "ipv6-opts"},  {80, "iso-ip"}, {83, "vines"},      {88, "eigrp"},
    {89, "ospf"},       {91, "larp"},   {93, "ax.25"},      {94, "ipip"},
    {98, "encap"},      {102, "pnni"},  {103, "pim"},       {108, "IPcomp"},
    {111, "ipx-in-ip"}, {112, "vrrp"},  {115, "l2tp"},      {124, "isis"},
    {132, "sctp"},      {133, "fc"},
};

constexpr std::array<std::string_view, 256> make_table() {
    std::array<std::string_view, 256> t{};
    for (const auto& n : kNamed) t[n.number] = n.name;
    return t;
}

constexpr std::array<std::string_view, 256> kTable = make_table();

}  // namespace

std::string_view protocol_table_name(std::uint8_t proto) {
    return kTable[proto];
}

std::string protocol_name(std::uint8_t proto) {
    std::string_view name = kTable[proto];
    return name.empty() ? std::to_string(proto) : std::string(name);
}

std::optional<std::uint8_t> protocol_number(std::string_view name) {
    for (const auto& n : kNamed) {
        if (n.name == name) return n.number;
    }
    unsigned value = 0;
    const char* end = name.data() + name.size();
    auto [ptr, ec] = std::from_chars(name.data(), end, value);
    if (name.empty() || ec != std::errc() || ptr != end || value > 255) return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

}  // namespace pmacct::output
