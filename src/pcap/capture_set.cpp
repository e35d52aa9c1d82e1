#include "pmacct/pcap/capture_set.hpp"

#include <net/if.h>

#include <algorithm>

#include <fmt/format.h>

namespace pmacct::pcap {
namespace {

void jhash_mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
    a -= b; a -= c; a ^= c >> 13;
    b -= c; b -= a; b ^= a << 8;
    c -= a; c -= b; c ^= b >> 13;
    a -= b; a -= c; a ^= c >> 12;
    b -= c; b -= a; b ^= a << 16;
    c -= a; c -= b; c ^= b >> 5;
    a -= b; a -= c; a ^= c >> 3;
    b -= c; b -= a; b ^= a << 10;
    c -= a; c -= b; c ^= b >> 15;
}

std::uint32_t le32(const unsigned char* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

std::uint32_t jhash(std::string_view bytes, std::uint32_t initval) {
    const auto* k = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t len = bytes.size();
    std::uint32_t a = 0x9e3779b9;
    std::uint32_t b = 0x9e3779b9;
    std::uint32_t c = initval;
    while (len >= 12) {
        a += le32(k);
        b += le32(k + 4);
        c += le32(k + 8);
        jhash_mix(a, b, c);
        k += 12;
        len -= 12;
    }
    c += static_cast<std::uint32_t>(bytes.size());
    // The last bytes: the first byte of c is the length, so c takes them from its second byte.
    for (std::size_t i = len; i-- > 0;) {
        const std::uint32_t v = k[i];
        if (i >= 8) c += v << (8 * (i - 7));
        else if (i >= 4) b += v << (8 * (i - 4));
        else a += v << (8 * i);
    }
    jhash_mix(a, b, c);
    return c;
}

std::optional<IfindexPolicy> ifindex_policy(std::string_view name) {
    if (name == "none") return IfindexPolicy::kNone;
    if (name == "sys") return IfindexPolicy::kSys;
    if (name == "hash") return IfindexPolicy::kHash;
    if (name == "map") return IfindexPolicy::kMap;
    return std::nullopt;
}

std::string CaptureSet::open(Device& d) {
    LiveOptions o = base_;
    o.interface = d.spec.name;
    o.direction = d.spec.direction;
    auto cap = LiveCapture::open(o);
    if (!cap) return d.error = cap.error();
    const auto link = packet::link_type_from_dlt(cap->datalink());
    if (!link) {
        return d.error = fmt::format("pcap_interface '{}': link type {} is not supported", cap->interface(),
                                     cap->datalink());
    }
    d.link = *link;
    const std::string& name = cap->interface();
    switch (policy_) {
        case IfindexPolicy::kNone: d.ifindex = 0; break;
        case IfindexPolicy::kSys: d.ifindex = ::if_nametoindex(name.c_str()); break;
        case IfindexPolicy::kHash: d.ifindex = jhash(name, 0); break;
        case IfindexPolicy::kMap: d.ifindex = d.spec.ifindex; break;
    }
    d.capture.emplace(std::move(*cap));
    d.error.clear();
    return {};
}

std::vector<std::string> CaptureSet::configure(const std::vector<DeviceSpec>& specs) {
    std::vector<Device> next;
    next.reserve(specs.size());
    std::vector<std::string> errors;
    for (const DeviceSpec& s : specs) {
        auto same = std::find_if(devices_.begin(), devices_.end(), [&](const Device& d) {
            return d.capture && d.spec.name == s.name && d.spec.direction == s.direction;
        });
        Device& d = next.emplace_back();
        if (same != devices_.end()) {
            d = std::move(*same);
            d.spec = s;
            if (policy_ == IfindexPolicy::kMap) d.ifindex = s.ifindex;
            continue;
        }
        d.spec = s;
        if (std::string why = open(d); !why.empty()) errors.push_back(std::move(why));
    }
    devices_ = std::move(next);  // the devices not kept are closed here
    return errors;
}

std::vector<std::string> CaptureSet::reopen() {
    std::vector<std::string> errors;
    for (Device& d : devices_) {
        if (d.capture) continue;
        if (std::string why = open(d); !why.empty()) errors.push_back(std::move(why));
    }
    return errors;
}

bool CaptureSet::all_open() const {
    return std::all_of(devices_.begin(), devices_.end(), [](const Device& d) { return d.capture.has_value(); });
}

void CaptureSet::poll_fds(std::vector<pollfd>& out) const {
    for (const Device& d : devices_) {
        if (d.capture) out.push_back({d.capture->fd(), POLLIN, 0});
    }
}

Result<int> CaptureSet::dispatch(const std::function<void(const Device&, const Frame&)>& on_frame) {
    int total = 0;
    std::string broken;
    for (Device& d : devices_) {
        if (!d.capture) continue;
        const Device& device = d;
        auto n = d.capture->dispatch([&](const Frame& f) { on_frame(device, f); });
        if (!n) {
            d.error = n.error();
            d.capture.reset();
            if (broken.empty()) broken = n.error();
            continue;
        }
        total += *n;
    }
    if (!broken.empty()) return fail(broken);
    return total;
}

}  // namespace pmacct::pcap
