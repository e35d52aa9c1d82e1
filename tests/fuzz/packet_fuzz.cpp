// libFuzzer target: the packet dissector. The first byte picks the link type, the rest is the
// frame. Any input must be read without going outside the buffer, with every tunnel open, and
// what the dissector reports must lie inside the frame; what pmacctd accounts of it (tunnels,
// fragments) must be one packet of a known IP version.
//
// Build with the project (cmake -DPMACCT_FUZZ=ON with clang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pmacct/packet/dissector.hpp"
#include "pmacct/packet/packet_accounting.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pmacct::packet;
    if (size == 0) return 0;
    constexpr LinkType kLinks[] = {LinkType::kEthernet, LinkType::kRawIp,     LinkType::kNull,
                                   LinkType::kLoop,     LinkType::kLinuxSll,  LinkType::kLinuxSll2,
                                   LinkType::kPpp,      LinkType::kCiscoHdlc, LinkType::kIeee80211,
                                   LinkType::kRadiotap};
    const LinkType link = kLinks[data[0] % (sizeof kLinks / sizeof kLinks[0])];
    const std::span<const std::uint8_t> frame(data + 1, size - 1);
    PacketInfo info;
    dissect(link, frame, Options::every_tunnel(), info);
    if (info.mpls_depth > info.mpls_labels.size()) std::abort();
    for (const IpLayer* l : {&info.ip, &info.inner}) {
        if (l->l3_offset > frame.size() || l->l4_offset > frame.size() || l->payload_offset > frame.size()) std::abort();
        if (l->has_ports && l->l4_offset + 4 > frame.size()) std::abort();
        if (l->version != 0 && l->version != 4 && l->version != 6) std::abort();
    }
    if (info.inner.version != 0 && info.tunnel == TunnelKind::kNone) std::abort();
    static PacketAccountant accountant(1024, true, Options::every_tunnel());
    pmacct::FlowRecord r;
    if (accountant.account(link, frame, pmacct::Timestamp{1700000000, 0}, r)) {
        if (r.packets == 0 || (r.src_ip.family != 4 && r.src_ip.family != 6)) std::abort();
        if (!r.tunnel_src_ip.empty() && r.tunnel_src_ip.family != 4 && r.tunnel_src_ip.family != 6) std::abort();
    }
    return 0;
}
