// libFuzzer target: the templates file reader (nfacctd_templates_file), ours and pmacct's
// layouts. Whatever the text, the templates it installs must then decode data without reading
// outside the datagram.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "pmacct/flow/netflow_v9.hpp"
#include "pmacct/flow/templates_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pmacct;
    flow::TemplateDecoder decoder;
    const auto loaded =
        flow::parse_templates(decoder, std::string_view(reinterpret_cast<const char*>(data), size));
    // Each line installs at most one template per version.
    if (decoder.template_count() > 2 * loaded.installed) std::abort();
    // A v9 and an IPFIX datagram from the seeds' exporter, data sets 256 and 257 of 200 bytes.
    for (const std::uint8_t version : {std::uint8_t{9}, std::uint8_t{10}}) {
        std::vector<std::uint8_t> d(version == 9 ? 20 : 16, 0);
        d[1] = version;
        for (const std::uint8_t id : {std::uint8_t{0}, std::uint8_t{1}}) {
            d.insert(d.end(), {0x01, id, 0x00, 204});
            for (int i = 0; i < 200; ++i) d.push_back(static_cast<std::uint8_t>(i * 37 + id));
        }
        if (version == 10) {
            d[2] = static_cast<std::uint8_t>(d.size() >> 8);
            d[3] = static_cast<std::uint8_t>(d.size());
        }
        std::uint64_t records = 0;
        const auto result = decoder.decode(d, IpAddress::v4(0xC0000201), Timestamp{1700000000, 0},
                                           [&](const FlowRecord&) { ++records; });
        if (records != result.records || records > d.size()) std::abort();
    }
    return 0;
}
