#include "pmacct/pcap/flow_filter.hpp"

#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "pmacct/base/byte_reader.hpp"

namespace pmacct::pcap {
namespace {

constexpr auto put16 = store_be16;
constexpr auto put32 = store_be32;

}  // namespace

std::size_t synthesize_packet(const FlowRecord& r, std::uint8_t* out) {
    std::uint8_t* p = out;
    std::memcpy(p, r.dst_mac.bytes.data(), 6);
    std::memcpy(p + 6, r.src_mac.bytes.data(), 6);
    p += 12;
    if (r.vlan != 0) {
        put16(p, 0x8100);
        put16(p + 2, static_cast<std::uint16_t>((std::uint16_t{r.cos} << 13) | (r.vlan & 0x0FFF)));
        p += 4;
    }
    const bool v6 = r.src_ip.family == 6 || r.dst_ip.family == 6 || (r.src_ip.empty() && r.type == FlowType::kIpv6);
    const std::uint8_t depth = std::min<std::uint8_t>(r.mpls_stack_depth, static_cast<std::uint8_t>(r.mpls_labels.size()));
    if (depth > 0) {
        put16(p, 0x8847);
        p += 2;
        for (std::uint8_t i = 0; i < depth; ++i) {
            const std::uint32_t bottom = i + 1 == depth ? 0x100U : 0U;
            put32(p, (r.mpls_labels[i] << 12) | bottom | 64U);
            p += 4;
        }
    } else {
        put16(p, v6 ? 0x86DD : 0x0800);
        p += 2;
    }
    const std::uint8_t proto = r.proto;
    const std::size_t l4 = proto == 6 ? 20 : (proto == 17 || proto == 1 || proto == 58) ? 8 : 0;
    std::uint8_t* ip = p;
    if (v6) {
        std::memset(ip, 0, 40);
        put32(ip, (6U << 28) | (std::uint32_t{r.tos} << 20) | (r.flow_label & 0xFFFFF));
        put16(ip + 4, static_cast<std::uint16_t>(l4));
        ip[6] = proto;
        ip[7] = 64;
        std::memcpy(ip + 8, r.src_ip.bytes.data(), 16);
        std::memcpy(ip + 24, r.dst_ip.bytes.data(), 16);
        p += 40;
    } else {
        std::memset(ip, 0, 20);
        ip[0] = 0x45;
        ip[1] = r.tos;
        put16(ip + 2, static_cast<std::uint16_t>(20 + l4));
        ip[8] = 64;
        ip[9] = proto;
        std::memcpy(ip + 12, r.src_ip.bytes.data(), 4);
        std::memcpy(ip + 16, r.dst_ip.bytes.data(), 4);
        p += 20;
    }
    std::memset(p, 0, l4);
    if (proto == 6 || proto == 17) {
        put16(p, r.src_port);
        put16(p + 2, r.dst_port);
        if (proto == 6) {
            p[12] = 0x50;  // data offset: 5 words
            p[13] = r.tcp_flags;
        } else {
            put16(p + 4, 8);
        }
    }
    p += l4;
    return static_cast<std::size_t>(p - out);
}

Result<FlowFilter> FlowFilter::compile(const std::string& expression) {
    pcap_t* dead = ::pcap_open_dead(DLT_EN10MB, 65535);
    if (dead == nullptr) return fail("libpcap cannot compile filters here");
    FlowFilter f;
    f.expression_ = expression;
    const int rc = ::pcap_compile(dead, &f.program_, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN);
    std::string error = rc != 0 ? fmt::format("invalid filter '{}': {}", expression, ::pcap_geterr(dead)) : "";
    ::pcap_close(dead);
    if (rc != 0) return fail(std::move(error));
    return f;
}

FlowFilter::FlowFilter(FlowFilter&& other) noexcept
    : program_(std::exchange(other.program_, bpf_program{})), expression_(std::move(other.expression_)) {}

FlowFilter& FlowFilter::operator=(FlowFilter&& other) noexcept {
    if (this != &other) {
        ::pcap_freecode(&program_);
        program_ = std::exchange(other.program_, bpf_program{});
        expression_ = std::move(other.expression_);
    }
    return *this;
}

FlowFilter::~FlowFilter() { ::pcap_freecode(&program_); }

bool FlowFilter::matches(const FlowRecord& r) const {
    const std::size_t n = synthesize_packet(r, packet_.data());
    return ::bpf_filter(program_.bf_insns, packet_.data(), static_cast<u_int>(n), static_cast<u_int>(n)) != 0;
}

}  // namespace pmacct::pcap
