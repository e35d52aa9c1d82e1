// libFuzzer target: the sFlow v5 decoder (and, through it, the packet dissector on sampled
// headers, and the counter log). Any input must decode without reading outside the buffer; a
// datagram refused whole gives no record, and no datagram gives more records than it has flow
// samples, nor more counter lines than its counter samples have records. The tee plugin's
// split hands out only whole samples from inside the datagram.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "pmacct/flow/sflow.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pmacct;
    const std::span<const std::uint8_t> datagram(data, size);
    const Timestamp arrival{1700000000, 0};
    flow::SflowOptions renormalize;
    renormalize.renormalize = true;
    for (const flow::SflowOptions& options : {flow::SflowOptions{}, renormalize}) {
        flow::SflowDecoder decoder(options);
        std::uint64_t records = 0;
        std::uint64_t sum = 0;
        std::string lines;
        std::uint64_t seq = 0;
        const flow::SflowDecodeResult result = decoder.decode(
            datagram, arrival,
            [&](const FlowRecord& r) {
                ++records;
                sum += r.bytes + r.packets + r.src_port + r.vlan;
            },
            [&](const flow::SflowCounterSample& c) {
                if (flow::append_counter_lines(c, arrival, seq, lines) > c.record_count) std::abort();
            });
        if (!result.ok() && records != 0) std::abort();
        if (records > result.flow_samples || records != result.records) std::abort();
        (void)sum;
    }
    // Tee dissection: every sample handed out lies inside the datagram and is as long as it
    // says (type, length, then that many bytes), and no more samples than the header counts.
    flow::SflowDecoder splitter;
    std::uint64_t samples = 0;
    const flow::SflowDecodeResult split = splitter.split(datagram, arrival, [&](const FlowRecord&) {
        const auto sample = splitter.current_sample();
        if (sample.data() < data || sample.data() + sample.size() > data + size || sample.size() < 8) std::abort();
        const std::size_t length = (std::size_t{sample[4]} << 24) | (std::size_t{sample[5]} << 16) |
                                   (std::size_t{sample[6]} << 8) | sample[7];
        if (sample.size() != 8 + length) std::abort();
        ++samples;
    });
    if (samples > split.samples || (split.version != 5 && samples != 0)) std::abort();
    return 0;
}
