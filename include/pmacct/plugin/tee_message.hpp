// What the core hands a tee plugin: one datagram to replicate, with the exporter it came from
// and the tags pre_tag_map gave it. On the plugin's ring (a message ring, see ipc::Ring) each
// message is this header followed by `length` bytes of datagram.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pmacct::plugin {

struct TeeMessage {
    std::uint32_t length = 0;       // datagram bytes after this header
    std::uint8_t family = 0;        // the exporter's address family: 4 or 6
    std::uint8_t broadcast = 0;     // 1: to every receiver of every pool, whatever its tags
                                    // (templates and options when flows are dissected)
    std::uint16_t port = 0;         // the exporter's UDP source port
    std::uint8_t address[16] = {};  // the exporter's address (the first 4 bytes for IPv4)
    std::uint64_t tag = 0;
    std::uint64_t tag2 = 0;
};
static_assert(sizeof(TeeMessage) == 40);

// The longest datagram a message carries (the UDP maximum), and so the largest message.
constexpr std::size_t kTeeMaxDatagram = 65535;
constexpr std::size_t kTeeMaxMessage = sizeof(TeeMessage) + kTeeMaxDatagram;

}  // namespace pmacct::plugin
