// libFuzzer target: the NetFlow v9 / IPFIX decoder (templates, options, data, frame sections).
// An input is one datagram, or, when it starts with 0xFF, a sequence of datagrams each preceded
// by a 2-byte big-endian length (so template + data pairs can be mutated together). Templates
// learnt from earlier inputs stay: the decoder is shared, as a collector's is. Nothing may be
// read outside the input, and no datagram may give more records than it has bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pmacct/flow/netflow_v9.hpp"

namespace {

void decode_one(pmacct::flow::TemplateDecoder& decoder, std::span<const std::uint8_t> datagram) {
    using namespace pmacct;
    const IpAddress exporter = IpAddress::v4(0xC0000201);
    std::uint64_t records = 0;
    std::uint64_t sum = 0;
    const flow::V9DecodeResult result =
        decoder.decode(datagram, exporter, Timestamp{1700000000, 0}, [&](const FlowRecord& r) {
            ++records;
            sum += r.bytes + r.packets + r.src_port + static_cast<std::uint64_t>(r.time_start.sec) +
                   r.src_ip.bytes[0] + r.dst_mac.bytes[5];
        });
    if (records != result.records || records > datagram.size()) std::abort();
    (void)sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pmacct;
    static flow::TemplateDecoder plain;
    static flow::TemplateDecoder scaled([] {
        flow::TemplateOptions o;
        o.renormalize = true;
        o.use_ip_next_hop = true;
        return o;
    }());
    // Bound the template tables a long run builds (a collector's are bounded by its exporters).
    if (plain.template_count() > 4096) plain = flow::TemplateDecoder();
    if (scaled.template_count() > 4096) scaled = flow::TemplateDecoder(scaled.options());
    const std::span<const std::uint8_t> input(data, size);
    for (flow::TemplateDecoder* decoder : {&plain, &scaled}) {
        if (size == 0 || data[0] != 0xFF) {
            decode_one(*decoder, input);
            continue;
        }
        std::size_t at = 1;
        while (at + 2 <= size) {
            const std::size_t len = (std::size_t{data[at]} << 8) | data[at + 1];
            at += 2;
            if (len > size - at) break;
            decode_one(*decoder, input.subspan(at, len));
            at += len;
        }
    }
    return 0;
}
