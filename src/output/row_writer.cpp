#include "pmacct/output/row_writer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <iterator>
#include <limits>

#include <fmt/format.h>

namespace pmacct::output {
namespace {

using aggregate::KeyField;
using detail::Column;
using detail::Render;
using primitives::ValueKind;

// How pmacct prints each primitive. Formatted output is printf("%-<width>s" + <pad> spaces)
// under a header left-aligned in <header_width> characters; the figures were measured on
// Debian's pmacct 1.7.7 (tests/data/output) or, for primitives 1.7.7 does not know, follow the
// same pattern (docs/OUTPUT-FORMATS.md).
struct Style {
    std::string_view name;
    Render render;
    bool json_string;
    std::uint8_t header_width;
    std::uint8_t width;
    std::uint8_t pad;
};

constexpr bool kNum = false;
constexpr bool kStr = true;

constexpr Style kStyles[] = {
    {"tag", Render::kUint, kNum, 12, 10, 2},
    {"tag2", Render::kUint, kNum, 12, 10, 2},
    {"label", Render::kLabel, kStr, 0, 0, 2},
    {"class", Render::kClass, kStr, 18, 16, 2},
    {"class_frame", Render::kClass, kStr, 18, 16, 2},
    {"src_mac", Render::kMac, kStr, 19, 17, 2},
    {"dst_mac", Render::kMac, kStr, 19, 17, 2},
    {"sum_mac", Render::kMac, kStr, 19, 17, 2},
    {"vlan", Render::kUint, kNum, 7, 5, 2},
    {"in_vlan", Render::kUint, kNum, 9, 7, 2},
    {"out_vlan", Render::kUint, kNum, 10, 8, 2},
    {"in_cvlan", Render::kUint, kNum, 10, 8, 2},
    {"out_cvlan", Render::kUint, kNum, 11, 9, 2},
    {"cos", Render::kUint, kNum, 4, 2, 2},
    {"etype", Render::kHex, kStr, 7, 5, 2},
    {"src_as", Render::kUint, kNum, 12, 10, 2},
    {"dst_as", Render::kUint, kNum, 12, 10, 2},
    {"sum_as", Render::kUint, kNum, 12, 10, 2},
    {"std_comm", Render::kString, kStr, 0, 0, 2},
    {"ext_comm", Render::kString, kStr, 0, 0, 2},
    {"lrg_comm", Render::kString, kStr, 0, 0, 2},
    {"src_std_comm", Render::kString, kStr, 0, 0, 2},
    {"src_ext_comm", Render::kString, kStr, 0, 0, 2},
    {"src_lrg_comm", Render::kString, kStr, 0, 0, 2},
    {"as_path", Render::kString, kStr, 0, 0, 2},
    {"src_as_path", Render::kString, kStr, 0, 0, 2},
    {"local_pref", Render::kUint, kNum, 9, 7, 2},
    {"src_local_pref", Render::kUint, kNum, 9, 7, 2},
    {"med", Render::kUint, kNum, 8, 6, 2},
    {"src_med", Render::kUint, kNum, 8, 6, 2},
    {"src_roa", Render::kRoa, kStr, 8, 6, 2},
    {"dst_roa", Render::kRoa, kStr, 8, 6, 2},
    {"peer_src_as", Render::kUint, kNum, 12, 10, 2},
    {"peer_dst_as", Render::kUint, kNum, 12, 10, 2},
    {"peer_src_ip", Render::kIp, kStr, 47, 45, 2},
    {"peer_dst_ip", Render::kIp, kStr, 47, 45, 2},
    {"in_iface", Render::kUint, kNum, 12, 10, 2},
    {"out_iface", Render::kUint, kNum, 12, 10, 2},
    {"mpls_vpn_rd", Render::kRd, kStr, 20, 18, 2},
    {"mpls_pw_id", Render::kUint, kNum, 12, 10, 2},
    {"vrf_name", Render::kString, kStr, 0, 0, 2},
    {"ingress_vrf_name", Render::kString, kStr, 0, 0, 2},
    {"egress_vrf_name", Render::kString, kStr, 0, 0, 2},
    {"in_iface_name", Render::kString, kStr, 0, 0, 2},
    {"out_iface_name", Render::kString, kStr, 0, 0, 2},
    {"src_host", Render::kIp, kStr, 47, 45, 2},
    {"sum_host", Render::kIp, kStr, 47, 45, 2},
    {"sum", Render::kIp, kStr, 47, 45, 2},
    {"src_net", Render::kIp, kStr, 47, 45, 2},
    {"sum_net", Render::kIp, kStr, 47, 45, 2},
    {"dst_host", Render::kIp, kStr, 47, 45, 2},
    {"dst_net", Render::kIp, kStr, 47, 45, 2},
    {"src_mask", Render::kUint, kNum, 10, 8, 2},
    {"dst_mask", Render::kUint, kNum, 10, 8, 2},
    {"src_port", Render::kUint, kNum, 10, 8, 2},
    {"sum_port", Render::kUint, kNum, 10, 8, 2},
    {"dst_port", Render::kUint, kNum, 10, 8, 2},
    {"tcpflags", Render::kTcpFlags, kNum, 11, 9, 2},
    {"proto", Render::kProto, kStr, 12, 10, 2},
    {"tos", Render::kTos, kNum, 7, 5, 2},
    {"flow_label", Render::kUint, kNum, 12, 10, 2},
    {"src_host_country", Render::kString, kStr, 12, 10, 2},
    {"dst_host_country", Render::kString, kStr, 12, 10, 2},
    {"src_host_pocode", Render::kString, kStr, 14, 12, 2},
    {"dst_host_pocode", Render::kString, kStr, 14, 12, 2},
    // Two columns each ("%f  " under 14-character headers: pmacct's columns do not line up).
    {"src_host_coords", Render::kLatitude, kNum, 14, 0, 2},
    {"dst_host_coords", Render::kLatitude, kNum, 14, 0, 2},
    {"sampling_rate", Render::kUint, kNum, 14, 7, 7},
    {"sampling_direction", Render::kSamplingDirection, kStr, 19, 1, 19},
    {"post_nat_src_host", Render::kIp, kStr, 47, 45, 2},
    {"post_nat_dst_host", Render::kIp, kStr, 47, 45, 2},
    {"post_nat_src_port", Render::kUint, kNum, 19, 17, 2},
    {"post_nat_dst_port", Render::kUint, kNum, 19, 17, 2},
    {"nat_event", Render::kUint, kNum, 10, 8, 2},
    {"fw_event", Render::kUint, kNum, 10, 8, 2},
    {"fwd_status", Render::kFwdStatus, kNum, 12, 10, 2},
    {"mpls_label_top", Render::kUint, kNum, 16, 14, 2},
    {"mpls_label_bottom", Render::kUint, kNum, 19, 17, 2},
    {"mpls_stack_depth", Render::kUint, kNum, 18, 16, 2},
    {"mpls_label_stack", Render::kString, kStr, 0, 0, 2},
    {"tunnel_src_mac", Render::kMac, kStr, 19, 17, 2},
    {"tunnel_dst_mac", Render::kMac, kStr, 19, 17, 2},
    {"tunnel_src_host", Render::kIp, kStr, 47, 45, 2},
    {"tunnel_dst_host", Render::kIp, kStr, 47, 45, 2},
    {"tunnel_proto", Render::kProto, kStr, 17, 15, 2},
    {"tunnel_tos", Render::kTos, kNum, 12, 10, 2},
    {"tunnel_flow_label", Render::kUint, kNum, 19, 17, 2},
    {"tunnel_src_port", Render::kUint, kNum, 17, 15, 2},
    {"tunnel_dst_port", Render::kUint, kNum, 17, 15, 2},
    {"tunnel_tcpflags", Render::kTunnelTcpFlags, kNum, 18, 16, 2},
    {"vxlan", Render::kUint, kNum, 10, 8, 2},
    {"nvgre", Render::kUint, kNum, 10, 8, 2},
    {"timestamp_start", Render::kTimestamp, kStr, 31, 30, 1},
    {"timestamp_end", Render::kTimestamp, kStr, 31, 30, 1},
    {"timestamp_arrival", Render::kTimestamp, kStr, 31, 30, 1},
    {"timestamp_export", Render::kTimestamp, kStr, 31, 30, 1},
    {"export_proto_seqno", Render::kUint, kNum, 20, 18, 2},
    {"export_proto_version", Render::kUint, kNum, 22, 20, 2},
    {"export_proto_sysid", Render::kUint, kNum, 20, 18, 2},
    {"path_delay_avg_usec", Render::kUint, kNum, 21, 19, 2},
    {"path_delay_min_usec", Render::kUint, kNum, 21, 19, 2},
    {"path_delay_max_usec", Render::kUint, kNum, 21, 19, 2},
    {"srv6_seg_ipv6_list", Render::kString, kStr, 0, 0, 2},
};

// A primitive without a style (none today) falls back on its value kind.
Style style_of(const primitives::PrimitiveSpec& spec) {
    for (const auto& s : kStyles) {
        if (s.name == spec.name) return s;
    }
    switch (spec.kind) {
        case ValueKind::kIp: return {spec.name, Render::kIp, kStr, 47, 45, 2};
        case ValueKind::kMac: return {spec.name, Render::kMac, kStr, 19, 17, 2};
        case ValueKind::kTimestamp: return {spec.name, Render::kTimestamp, kStr, 31, 30, 1};
        case ValueKind::kRd: return {spec.name, Render::kRd, kStr, 20, 18, 2};
        case ValueKind::kString:
        case ValueKind::kCountry:
        case ValueKind::kPostalCode: return {spec.name, Render::kString, kStr, 0, 0, 2};
        case ValueKind::kCoordinates: return {spec.name, Render::kLatitude, kNum, 14, 0, 2};
        default: break;
    }
    const auto w = static_cast<std::uint8_t>(spec.header.size());
    return {spec.name, Render::kUint, kNum, static_cast<std::uint8_t>(w + 2), w, 2};
}

// Position in an order table (csv_order / json_order); unknown names go last.
std::size_t position(std::span<const std::string_view> order, std::string_view name) {
    auto it = std::find(order.begin(), order.end(), name);
    return static_cast<std::size_t>(it - order.begin());
}

// "A B" -> "A" / "B" (coordinates carry two names).
std::string_view first_word(std::string_view s) {
    return s.substr(0, s.find(' '));
}
std::string_view second_word(std::string_view s) {
    auto sp = s.find(' ');
    return sp == std::string_view::npos ? s : s.substr(sp + 1);
}

void append_uint(std::string& out, std::uint64_t v) {
    fmt::format_int f(v);
    out.append(f.data(), f.size());
}

void append_int(std::string& out, std::int64_t v) {
    fmt::format_int f(v);
    out.append(f.data(), f.size());
}

// JSON integers are json_int_t (signed 64-bit) in pmacct: values above INT64_MAX wrap.
void append_json_uint(std::string& out, std::uint64_t v) {
    append_int(out, static_cast<std::int64_t>(v));
}

void pad_to(std::string& out, std::size_t start, std::size_t width) {
    std::size_t len = out.size() - start;
    if (len < width) out.append(width - len, ' ');
}

// Writers into a caller's buffer (one append per value: std::string::push_back per character
// costs more than the formatting).
char* put_2digits(char* p, unsigned v) {
    p[0] = static_cast<char>('0' + (v / 10) % 10);
    p[1] = static_cast<char>('0' + v % 10);
    return p + 2;
}

char* put_octet(char* p, unsigned v) {
    if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *p++ = static_cast<char>('0' + (v / 10) % 10);
    *p++ = static_cast<char>('0' + v % 10);
    return p;
}

char* put_ipv4(char* p, const std::uint8_t* b) {
    for (int i = 0; i < 4; ++i) {
        if (i > 0) *p++ = '.';
        p = put_octet(p, b[i]);
    }
    return p;
}

constexpr char kHexDigits[] = "0123456789abcdef";

// RFC 4291 text as glibc's inet_ntop writes it: the longest run (first of equal runs) of two or
// more zero groups is "::", hex digits lower case without leading zeros, and an IPv4-compatible
// (::a.b.c.d with both last groups non-zero) or IPv4-mapped (::ffff:a.b.c.d) address ends in a
// dotted quad.
char* put_ipv6(char* p, const std::uint8_t* b) {
    unsigned words[8];
    for (int i = 0; i < 8; ++i) words[i] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
    int best = -1;
    int best_len = 0;
    for (int i = 0; i < 8;) {
        if (words[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && words[j] == 0) ++j;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2) best = -1;
    for (int i = 0; i < 8; ++i) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best) *p++ = ':';
            continue;
        }
        if (i != 0) *p++ = ':';
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
            return put_ipv4(p, b + 12);
        }
        const unsigned w = words[i];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned nibble = (w >> shift) & 0xF;
            if (nibble != 0 || started || shift == 0) {
                *p++ = kHexDigits[nibble];
                started = true;
            }
        }
    }
    if (best >= 0 && best + best_len == 8) *p++ = ':';
    return p;
}

void append_ip(std::string& out, const std::uint8_t* p, bool formatted) {
    char buf[48];
    const std::uint8_t family = p[0];
    if (family == 4) {
        out.append(buf, put_ipv4(buf, p + 1));
    } else if (family == 6) {
        out.append(buf, put_ipv6(buf, p + 1));
    } else if (formatted) {
        out += "::";  // pmacct's empty address in fixed-width output
    }
}

void append_mac(std::string& out, const std::uint8_t* p) {
    char buf[17];
    for (int i = 0; i < 6; ++i) {
        if (i > 0) buf[3 * i - 1] = ':';
        buf[3 * i] = kHexDigits[p[i] >> 4];
        buf[3 * i + 1] = kHexDigits[p[i] & 0x0F];
    }
    out.append(buf, sizeof buf);
}

std::uint32_t be(const std::uint8_t* p, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}

// Route distinguisher key bytes: [0] origin, [1] type, [2..7] administrator and assigned number
// as on the wire (RFC 4364). Printed "type:admin:number" as pmacct's bgp_rd2str; a bare VRF id
// (what an exporter sends when it has no RD) as "vrfid:N".
void append_rd(std::string& out, const std::uint8_t* p) {
    const std::uint8_t type = p[1];
    switch (type) {
        case 0:
            fmt::format_to(std::back_inserter(out), "0:{}:{}", be(p + 2, 2), be(p + 4, 4));
            break;
        case 1: {
            char buf[16];
            out += "1:";
            out.append(buf, put_ipv4(buf, p + 2));
            fmt::format_to(std::back_inserter(out), ":{}", be(p + 6, 2));
            break;
        }
        case 2:
            fmt::format_to(std::back_inserter(out), "2:{}:{}", be(p + 2, 4), be(p + 6, 2));
            break;
        case kRdTypeVrfId: fmt::format_to(std::back_inserter(out), "vrfid:{}", be(p + 2, 4)); break;
        default: out += "unknown"; break;
    }
}

std::string_view rd_origin(std::uint8_t origin) {
    static constexpr std::array<std::string_view, 5> kOrigins = {"unknown", "bgp", "bmp", "flow",
                                                                 "map"};
    return origin < kOrigins.size() ? kOrigins[origin] : kOrigins[0];
}

std::string_view roa_code(std::uint64_t v) {
    static constexpr std::array<std::string_view, 5> kRoa = {"u", "i", "v", "V", "U"};
    return v < kRoa.size() ? kRoa[v] : kRoa[0];
}

// RFC 7270 forwardingStatus (status in the top two bits, reason code below), named as pmacct's
// fwd_status_encode_as_string does.
std::string_view fwd_status_name(std::uint64_t v) {
    switch (v) {
        case 0: return "UNKNOWN Unclassified";
        case 64: return "FORWARDED Unknown";
        case 65: return "FORWARDED Fragmented";
        case 66: return "FORWARDED Not Fragmented";
        case 128: return "DROPPED Unknown";
        case 129: return "DROPPED ACL deny";
        case 130: return "DROPPED ACL drop";
        case 131: return "DROPPED Unroutable";
        case 132: return "DROPPED Adjacency";
        case 133: return "DROPPED Fragmentation and DF set";
        case 134: return "DROPPED Bad header checksum";
        case 135: return "DROPPED Bad total Length";
        case 136: return "DROPPED Bad header length";
        case 137: return "DROPPED bad TTL";
        case 138: return "DROPPED Policer";
        case 139: return "DROPPED WRED";
        case 140: return "DROPPED RPF";
        case 141: return "DROPPED For us";
        case 142: return "DROPPED Bad output interface";
        case 143: return "DROPPED Hardware";
        case 192: return "CONSUMED Unknown";
        case 193: return "CONSUMED Punt Adjacency";
        case 194: return "CONSUMED Incomplete Adjacency";
        case 195: return "CONSUMED For us";
        default: return "UNKNOWN";
    }
}

void append_tcp_flags_array(std::string& out, std::uint64_t flags) {
    static constexpr std::array<std::string_view, 8> kNames = {"FIN", "SYN", "RST", "PSH",
                                                               "ACK", "URG", "ECE", "CWR"};
    out += '[';
    bool first = true;
    for (std::size_t bit = 0; bit < kNames.size(); ++bit) {
        if ((flags & (1U << bit)) == 0) continue;
        if (!first) out += ", ";
        out += '"';
        out += kNames[bit];
        out += '"';
        first = false;
    }
    out += ']';
}

// A JSON string as jansson writes it (UTF-8 kept as is, control characters escaped).
// Well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1FU;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0FU;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;  // cut short
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3FU);
        }
        constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n + 1;
    }
    return true;
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04X}", static_cast<unsigned>(c));
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

// A JSON real as jansson writes it: "%.17g", ".0" added when it would read as an integer,
// exponent without '+' or leading zeros.
void append_json_real(std::string& out, double v) {
    char buf[40];
    auto res = fmt::format_to_n(buf, sizeof buf - 3, "{:.17g}", v);
    std::string_view s(buf, res.size);
    std::size_t e = s.find('e');
    if (s.find('.') == std::string_view::npos && e == std::string_view::npos) {
        out.append(s);
        out += ".0";
        return;
    }
    if (e == std::string_view::npos) {
        out.append(s);
        return;
    }
    out.append(s.substr(0, e + 1));
    std::string_view exp = s.substr(e + 1);
    if (!exp.empty() && exp.front() == '-') {
        out += '-';
        exp.remove_prefix(1);
    } else if (!exp.empty() && exp.front() == '+') {
        exp.remove_prefix(1);
    }
    while (exp.size() > 1 && exp.front() == '0') exp.remove_prefix(1);
    out.append(exp);
}

double read_double(const std::uint8_t* key, std::size_t offset) {
    double d = 0;
    std::memcpy(&d, key + offset, sizeof d);
    return d;
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

// The local zone's UTC offset at `sec` (localtime_r). localtime_r takes a lock and searches the
// zone's transitions on every call; offsets change on minute boundaries at most, so each thread
// keeps the offset of the last minute it asked for, keyed also on the zone tzset() loaded.
long local_offset(std::int64_t sec) {
    struct Cache {
        std::int64_t minute = std::numeric_limits<std::int64_t>::min();
        long offset = 0;
        const char* zone = nullptr;
        long zone_offset = 0;
    };
    thread_local Cache cache;
    const std::int64_t minute = sec >= 0 ? sec / 60 : (sec - 59) / 60;
    if (minute == cache.minute && cache.zone == ::tzname[0] && cache.zone_offset == ::timezone) {
        return cache.offset;
    }
    const auto t = static_cast<std::time_t>(sec);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    cache = {minute, tm.tm_gmtoff, ::tzname[0], ::timezone};
    return tm.tm_gmtoff;
}

bool is_event(const aggregate::Counters& c) {
    return c.flow_type == FlowType::kEvent || c.flow_type == FlowType::kOption;
}

}  // namespace

std::optional<Format> format_from_name(std::string_view name) {
    if (name == "formatted") return Format::kFormatted;
    if (name == "csv") return Format::kCsv;
    if (name == "event_formatted") return Format::kEventFormatted;
    if (name == "event_csv") return Format::kEventCsv;
    if (name == "json") return Format::kJson;
    return std::nullopt;
}

Result<void> check_layout(const aggregate::KeyLayout& layout, Format format) {
    if (format != Format::kFormatted && format != Format::kEventFormatted) return ok();
    for (const auto& f : layout.fields()) {
        if ((f.spec->flags & primitives::kVariableLength) != 0) {
            return fail(
                "variable-length primitives, ie. label as_path std_comm etc., are not supported in "
                "print plugin with formatted output. Please switch to one of the other supported "
                "output formats (ie. csv, json, avro).");
        }
    }
    return ok();
}

RowWriter::RowWriter(const aggregate::KeyLayout& layout, Format format, Options options)
    : format_(format), options_(std::move(options)) {
    for (const auto& f : layout.fields()) {
        const auto& spec = *f.spec;
        if (spec.name == "flows") {
            flows_ = true;
            continue;
        }
        if (spec.kind == ValueKind::kNone) continue;
        Style st = style_of(spec);
        if (f.custom != nullptr) {
            // pmacct pads a custom column to its value's text width or its name, the wider.
            const auto w = static_cast<std::uint8_t>(std::min<std::size_t>(
                std::max<std::size_t>(f.custom->text_width(), spec.name.size()), 200));
            st = Style{spec.name, Render::kCustom, kStr, static_cast<std::uint8_t>(w + 2), w, 2};
        }
        Column c;
        c.field = f;
        c.name = spec.name;
        c.render = st.render;
        c.json_string = st.json_string;
        c.header_width = st.header_width;
        c.width = st.width;
        c.pad = st.pad;
        c.header = spec.header;
        c.json_key = spec.json_key;
        if (st.render == Render::kLatitude) {
            c.header = first_word(spec.header);
            c.json_key = first_word(spec.json_key);
            columns_.push_back(c);
            c.render = Render::kLongitude;
            c.header = second_word(spec.header);
            c.json_key = second_word(spec.json_key);
        }
        columns_.push_back(c);
    }
    if (options_.stitching) {
        for (const bool max : {false, true}) {
            Column c;
            c.render = max ? Render::kStitchMax : Render::kStitchMin;
            c.name = max ? "timestamp_max" : "timestamp_min";
            c.header = max ? "TIMESTAMP_MAX" : "TIMESTAMP_MIN";
            c.json_key = c.name;
            c.json_string = true;
            c.header_width = 31;
            c.width = 30;
            c.pad = 1;
            columns_.push_back(c);
        }
    }
    // Positions are doubled so the stitching columns can sit between two primitives: after
    // timestamp_export in CSV / formatted, after timestamp_arrival in JSON (as pmacct).
    const auto csv = primitives::csv_order();
    const auto csv_position = [&](const Column& c) {
        if (c.field.spec == nullptr) return 2 * position(csv, "timestamp_export") + 1;
        if (c.render == Render::kCustom) return 2 * csv.size();
        return 2 * position(csv, c.name);
    };
    std::stable_sort(columns_.begin(), columns_.end(),
                     [&](const Column& a, const Column& b) { return csv_position(a) < csv_position(b); });

    const auto json = primitives::json_order();
    json_columns_ = columns_;
    if (flows_) {
        Column c;
        c.field.spec = primitives::find("flows");
        c.name = "flows";
        c.render = Render::kFlows;
        c.json_key = "flows";
        json_columns_.push_back(c);
    }
    // Custom primitives go after timestamp_export, before stamp_inserted/updated and flows.
    const std::size_t flows_at = 2 * position(json, "flows");
    const auto json_position = [&](const Column& c) {
        if (c.render == Render::kCustom) return flows_at;
        if (c.field.spec == nullptr) return 2 * position(json, "timestamp_arrival") + 1;
        return 2 * position(json, c.name);
    };
    std::stable_sort(json_columns_.begin(), json_columns_.end(),
                     [&](const Column& a, const Column& b) { return json_position(a) < json_position(b); });
    // stamp_inserted / stamp_updated come after timestamp_export, before flows.
    json_stamps_at_ = json_columns_.size();
    for (std::size_t i = 0; i < json_columns_.size(); ++i) {
        // Custom primitives (unknown to the order table) come before the stamps.
        if (json_columns_[i].render == Render::kCustom) continue;
        if (json_position(json_columns_[i]) >= flows_at) {
            json_stamps_at_ = i;
            break;
        }
    }
}

void RowWriter::header(std::string& out) const {
    switch (format_) {
        case Format::kJson: return;
        case Format::kFormatted:
        case Format::kEventFormatted: {
            for (const auto& c : columns_) {
                std::size_t start = out.size();
                out.append(c.header);
                pad_to(out, start, c.header_width);
            }
            if (format_ == Format::kFormatted) {
                out += "PACKETS               ";
                if (flows_) out += "FLOWS                 ";
                out += "BYTES";
            }
            out += '\n';
            return;
        }
        case Format::kCsv:
        case Format::kEventCsv: {
            bool first = true;
            for (const auto& c : columns_) {
                if (!first) out += options_.separator;
                out.append(c.header);
                first = false;
            }
            if (format_ == Format::kCsv) {
                if (!first) out += options_.separator;
                out += "PACKETS";
                if (flows_) {
                    out += options_.separator;
                    out += "FLOWS";
                }
                out += options_.separator;
                out += "BYTES";
            }
            out += '\n';
            return;
        }
    }
}

void RowWriter::row(const std::uint8_t* key, const aggregate::Counters& counters,
                    const RowContext& ctx, std::string& out) const {
    switch (format_) {
        case Format::kJson: row_json(key, counters, ctx, out); return;
        case Format::kFormatted:
        case Format::kEventFormatted: {
            for (const auto& c : columns_) {
                std::size_t start = out.size();
                append_value(c, key, counters, out);
                pad_to(out, start, c.width);
                out.append(c.pad, ' ');
            }
            if (format_ == Format::kFormatted) {
                std::size_t start = out.size();
                append_uint(out, counters.packets);
                pad_to(out, start, 20);
                out += "  ";
                if (flows_) {
                    start = out.size();
                    append_uint(out, counters.flows);
                    pad_to(out, start, 20);
                    out += "  ";
                }
                append_uint(out, counters.bytes);
            }
            out += '\n';
            return;
        }
        case Format::kCsv:
        case Format::kEventCsv: {
            bool first = true;
            for (const auto& c : columns_) {
                if (!first) out += options_.separator;
                append_value(c, key, counters, out);
                first = false;
            }
            if (format_ == Format::kCsv) {
                if (!first) out += options_.separator;
                append_uint(out, counters.packets);
                if (flows_) {
                    out += options_.separator;
                    append_uint(out, counters.flows);
                }
                out += options_.separator;
                append_uint(out, counters.bytes);
            }
            out += '\n';
            return;
        }
    }
}

void RowWriter::row_json(const std::uint8_t* key, const aggregate::Counters& counters,
                         const RowContext& ctx, std::string& out) const {
    const bool event = is_event(counters);
    out += "{\"event_type\": \"purge\"";
    for (std::size_t i = 0; i <= json_columns_.size(); ++i) {
        if (i == json_stamps_at_ && ctx.history) {
            out += ", \"stamp_inserted\": \"";
            append_time(ctx.stamp_inserted, false, 0, out);
            out += "\", \"stamp_updated\": \"";
            append_time(ctx.stamp_updated, false, 0, out);
            out += '"';
        }
        if (i == json_columns_.size()) break;
        const Column& c = json_columns_[i];
        if (c.render == Render::kFlows) {
            if (event) continue;
            out += ", \"flows\": ";
            append_json_uint(out, counters.flows);
            continue;
        }
        if (c.render == Render::kCustom && c.field.custom->semantics == primitives::CustomSemantics::kStr &&
            !valid_utf8(aggregate::read_string(c.field, key))) {
            continue;  // pmacct's JSON encoder refuses such a string and leaves the key out
        }
        out += ", \"";
        out.append(c.json_key);
        out += "\": ";
        append_json_value(c, key, counters, out);
        if (c.render == Render::kRd) {
            out += ", \"mpls_vpn_rd_origin\": \"";
            out += rd_origin(key[c.field.offset]);
            out += '"';
        }
    }
    if (!event) {
        out += ", \"packets\": ";
        append_json_uint(out, counters.packets);
        out += ", \"bytes\": ";
        append_json_uint(out, counters.bytes);
    }
    out += "}\n";
}

void RowWriter::append_value(const Column& c, const std::uint8_t* key,
                             const aggregate::Counters& counters, std::string& out) const {
    const KeyField& f = c.field;
    switch (c.render) {
        case Render::kUint:
        case Render::kFwdStatus: append_uint(out, aggregate::read_uint(f, key)); return;
        case Render::kTcpFlags: append_uint(out, counters.tcp_flags); return;
        case Render::kTunnelTcpFlags: append_uint(out, counters.tunnel_tcp_flags); return;
        case Render::kTos: {
            std::uint64_t v = aggregate::read_uint(f, key);
            append_uint(out, options_.tos_encode_as_dscp ? v >> 2 : v);
            return;
        }
        case Render::kHex:
            fmt::format_to(std::back_inserter(out), "{:x}", aggregate::read_uint(f, key));
            return;
        case Render::kIp:
            append_ip(out, key + f.offset,
                      format_ == Format::kFormatted || format_ == Format::kEventFormatted);
            return;
        case Render::kMac: append_mac(out, key + f.offset); return;
        case Render::kProto: {
            const auto proto = static_cast<std::uint8_t>(aggregate::read_uint(f, key));
            std::string_view name =
                options_.num_protos ? std::string_view{} : protocol_table_name(proto);
            if (name.empty()) {
                append_uint(out, proto);
            } else {
                out.append(name);
            }
            return;
        }
        case Render::kTimestamp: append_timestamp(aggregate::read_timestamp(f, key), out); return;
        case Render::kRoa: out.append(roa_code(aggregate::read_uint(f, key))); return;
        case Render::kSamplingDirection: {
            const auto v = aggregate::read_uint(f, key);
            if (v != 0) out += static_cast<char>(v);
            return;
        }
        case Render::kRd: append_rd(out, key + f.offset); return;
        case Render::kString:
        case Render::kLabel: out.append(aggregate::read_string(f, key)); return;
        case Render::kClass: {
            std::string_view s = aggregate::read_string(f, key);
            out.append(s.empty() ? std::string_view("unknown") : s);
            return;
        }
        case Render::kLatitude:
        case Render::kLongitude: {
            const double v =
                read_double(key, f.offset + (c.render == Render::kLongitude ? sizeof(double) : 0));
            fmt::format_to(std::back_inserter(out), "{:f}", v);
            return;
        }
        case Render::kFlows: return;
        case Render::kCustom: append_custom(f, key, out); return;
        case Render::kStitchMin: append_timestamp(counters.time_start, out); return;
        case Render::kStitchMax: append_timestamp(counters.time_end, out); return;
    }
}

void RowWriter::append_custom(const KeyField& f, const std::uint8_t* key, std::string& out) const {
    using primitives::CustomSemantics;
    switch (f.custom->semantics) {
        case CustomSemantics::kUint: append_uint(out, aggregate::read_uint(f, key)); return;
        case CustomSemantics::kHex: fmt::format_to(std::back_inserter(out), "{:x}", aggregate::read_uint(f, key)); return;
        case CustomSemantics::kIp:
            append_ip(out, key + f.offset, format_ == Format::kFormatted || format_ == Format::kEventFormatted);
            return;
        case CustomSemantics::kMac: append_mac(out, key + f.offset); return;
        case CustomSemantics::kStr: out.append(aggregate::read_string(f, key)); return;
        case CustomSemantics::kRaw: {
            // Bytes as upper-case hex pairs joined by '-', as pmacct prints raw values.
            bool first = true;
            for (const std::uint8_t b : aggregate::read_raw(f, key)) {
                if (!first) out += '-';
                first = false;
                out += "0123456789ABCDEF"[b >> 4];
                out += "0123456789ABCDEF"[b & 0x0F];
            }
            return;
        }
    }
}

void RowWriter::append_json_value(const Column& c, const std::uint8_t* key,
                                  const aggregate::Counters& counters, std::string& out) const {
    const KeyField& f = c.field;
    switch (c.render) {
        case Render::kUint: append_json_uint(out, aggregate::read_uint(f, key)); return;
        case Render::kTcpFlags:
        case Render::kTunnelTcpFlags: {
            const std::uint64_t v = c.render == Render::kTcpFlags ? counters.tcp_flags : counters.tunnel_tcp_flags;
            if (options_.tcpflags_encode_as_array) {
                append_tcp_flags_array(out, v);
            } else {
                append_uint(out, v);
            }
            return;
        }
        case Render::kFwdStatus: {
            const auto v = aggregate::read_uint(f, key);
            if (options_.fwd_status_encode_as_string) {
                append_json_string(out, fwd_status_name(v));
            } else {
                append_uint(out, v);
            }
            return;
        }
        case Render::kLatitude:
        case Render::kLongitude:
            append_json_real(
                out,
                read_double(key, f.offset + (c.render == Render::kLongitude ? sizeof(double) : 0)));
            return;
        case Render::kLabel:
            if (options_.label_encode_as_map) {
                // {"key": "value", ...}; a pair without '%' has an empty value.
                out += '{';
                bool first = true;
                std::string_view rest = aggregate::read_string(f, key);
                while (!rest.empty()) {
                    const auto comma = rest.find(',');
                    const std::string_view pair = rest.substr(0, comma);
                    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
                    if (pair.empty()) continue;
                    const auto pct = pair.find('%');
                    if (!first) out += ", ";
                    first = false;
                    append_json_string(out, pair.substr(0, pct));
                    out += ": ";
                    append_json_string(out, pct == std::string_view::npos ? std::string_view() : pair.substr(pct + 1));
                }
                out += '}';
                return;
            }
            append_json_string(out, aggregate::read_string(f, key));
            return;
        case Render::kString:
        case Render::kClass: {
            std::string_view s = aggregate::read_string(f, key);
            if (c.render == Render::kClass && s.empty()) s = "unknown";
            append_json_string(out, s);
            return;
        }
        case Render::kCustom:
            // Every custom value is a JSON string in pmacct.
            if (f.custom->semantics == primitives::CustomSemantics::kStr) {
                append_json_string(out, aggregate::read_string(f, key));
            } else {
                out += '"';
                append_custom(f, key, out);
                out += '"';
            }
            return;
        default:
            if (c.json_string) {
                out += '"';
                append_value(c, key, counters, out);
                out += '"';
            } else {
                append_value(c, key, counters, out);
            }
            return;
    }
}

void RowWriter::append_time(std::int64_t sec, bool with_usec, std::uint32_t usec,
                            std::string& out) const {
    if (options_.timestamps_secs) usec = 0;  // 1.7.7 zeroes the microseconds, still prints them
    if (options_.timestamps_since_epoch) {
        append_int(out, sec);
        if (with_usec) fmt::format_to(std::back_inserter(out), ".{:06}", usec);
        return;
    }
    const long gmtoff = options_.timestamps_utc ? 0 : local_offset(sec);
    const std::int64_t local = sec + gmtoff;
    std::int64_t days = local / 86400;
    std::int64_t rem = local % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    std::int64_t year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civil_from_days(days, year, month, day);
    auto hour = static_cast<unsigned>(rem / 3600);
    auto minute = static_cast<unsigned>(rem % 3600 / 60);
    auto second = static_cast<unsigned>(rem % 60);
    if (sec == 0) {
        // pmacct's unset timestamp: zero digits (the RFC 3339 offset is still the zone's).
        year = 0;
        month = day = hour = minute = second = 0;
    }
    // "YYYY-MM-DD HH:MM:SS.uuuuuu+hh:mm" (a year beyond 0..9999 prints whole, as "%Y" does)
    char buf[64];
    char* q = buf;
    if (year >= 0 && year <= 9999) {
        const auto y = static_cast<unsigned>(year);
        q = put_2digits(q, y / 100);
        q = put_2digits(q, y % 100);
    } else {
        q = fmt::format_to(q, "{}", year);
    }
    *q++ = '-';
    q = put_2digits(q, month);
    *q++ = '-';
    q = put_2digits(q, day);
    *q++ = options_.timestamps_rfc3339 ? 'T' : ' ';
    q = put_2digits(q, hour);
    *q++ = ':';
    q = put_2digits(q, minute);
    *q++ = ':';
    q = put_2digits(q, second);
    if (with_usec) {
        *q++ = '.';
        for (int i = 6; i >= 1; --i) {
            q[i - 1] = static_cast<char>('0' + usec % 10);
            usec /= 10;
        }
        q += 6;
    }
    if (options_.timestamps_rfc3339) {
        // RFC 9557 / current pmacct: the offset is always numeric, UTC is "+00:00".
        *q++ = gmtoff < 0 ? '-' : '+';
        const auto abs_off = static_cast<unsigned long>(gmtoff < 0 ? -gmtoff : gmtoff);
        q = put_2digits(q, static_cast<unsigned>(abs_off / 3600 % 100));
        *q++ = ':';
        q = put_2digits(q, static_cast<unsigned>(abs_off % 3600 / 60));
    }
    out.append(buf, q);
}

void RowWriter::append_timestamp(const Timestamp& t, std::string& out) const {
    append_time(t.sec, true, t.usec, out);
}

std::string RowWriter::format_timestamp(const Timestamp& t) const {
    std::string out;
    append_timestamp(t, out);
    return out;
}

}  // namespace pmacct::output
