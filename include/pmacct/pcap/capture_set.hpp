// The interfaces pmacctd captures from (pcap_interface, or every interface of
// pcap_interfaces_map), each with the index and direction its packets are accounted with:
// opened together, reconfigured when the map is read again (interfaces kept open when their
// direction did not change), those that cannot be opened retried on request
// (pcap_interface_wait).
//
//   pcap::CaptureSet set(options, pcap::IfindexPolicy::kSys);
//   for (auto& why : set.configure({{.name = "eth0", .direction = 1}})) log(why);
//   poll(set.poll_fds()...); set.dispatch([&](const auto& device, const pcap::Frame& f) { ... });
#pragma once

#include <poll.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmacct/base/result.hpp"
#include "pmacct/packet/dissector.hpp"
#include "pmacct/pcap/live_capture.hpp"

namespace pmacct::pcap {

// pcap_ifindex: where an interface's index comes from.
enum class IfindexPolicy : std::uint8_t {
    kNone,  // 0
    kSys,   // the system's (if_nametoindex)
    kHash,  // a hash of the name (Jenkins' lookup2, seed 0: the value 1.7.7 gives)
    kMap,   // pcap_interfaces_map's ifindex
};
std::optional<IfindexPolicy> ifindex_policy(std::string_view name);  // "none", "sys", ...

// Jenkins' lookup2 hash ("jhash") of `bytes` with seed `initval`.
std::uint32_t jhash(std::string_view bytes, std::uint32_t initval);

struct DeviceSpec {
    std::string name;            // empty: the first device libpcap lists
    std::uint32_t ifindex = 0;   // from the map (used with IfindexPolicy::kMap)
    std::uint8_t direction = 0;  // 0 both ways, 1 in, 2 out
};

class CaptureSet {
public:
    struct Device {
        DeviceSpec spec;
        std::uint32_t ifindex = 0;  // after the policy
        packet::LinkType link = packet::LinkType::kEthernet;
        std::optional<LiveCapture> capture;  // empty while it cannot be opened
        std::string error;                   // why, then
    };

    // `base`: filter, snaplen and promisc for every interface (its interface and direction are
    // the specs').
    CaptureSet(LiveOptions base, IfindexPolicy policy) : base_(std::move(base)), policy_(policy) {}

    // The devices of `specs` from now on: those already open with the same direction stay open,
    // the others are opened, those no longer named are closed. Why each that cannot be opened
    // could not (it stays closed, see reopen()).
    std::vector<std::string> configure(const std::vector<DeviceSpec>& specs);
    // The closed devices tried again; why each still cannot be opened.
    std::vector<std::string> reopen();
    bool all_open() const;

    const std::vector<Device>& devices() const { return devices_; }
    // A pollfd per open device, appended to `out`.
    void poll_fds(std::vector<pollfd>& out) const;
    // Every frame waiting on every open device to `on_frame`: how many; a device that broke is
    // closed and its error returned (the others are still read).
    Result<int> dispatch(const std::function<void(const Device&, const Frame&)>& on_frame);

private:
    std::string open(Device& d);

    LiveOptions base_;
    IfindexPolicy policy_;
    std::vector<Device> devices_;
};

}  // namespace pmacct::pcap
