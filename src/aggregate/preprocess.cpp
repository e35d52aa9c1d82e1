#include "pmacct/aggregate/preprocess.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pmacct/base/strings.hpp"

namespace pmacct::aggregate {

Result<Preprocess> Preprocess::parse(std::string_view spec, bool all) {
    Preprocess p;
    p.all_ = all;
    for (auto item : split(spec, ',')) {
        if (item.empty()) continue;
        auto eq = item.find('=');
        const std::string name = to_lower(trim(item.substr(0, eq)));
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : trim(item.substr(eq + 1));
        struct Known {
            std::string_view name;
            Metric metric;
            bool min;
        };
        static constexpr Known kChecks[] = {
            {"minp", Metric::kPackets, true},          {"maxp", Metric::kPackets, false},
            {"minb", Metric::kBytes, true},            {"maxb", Metric::kBytes, false},
            {"minf", Metric::kFlows, true},            {"maxf", Metric::kFlows, false},
            {"minbpp", Metric::kBytesPerPacket, true}, {"maxbpp", Metric::kBytesPerPacket, false},
            {"minppf", Metric::kPacketsPerFlow, true}, {"maxppf", Metric::kPacketsPerFlow, false},
        };
        bool found = false;
        for (const auto& k : kChecks) {
            if (k.name != name) continue;
            auto n = parse_decimal(value);
            if (!n) return fail(fmt::format("{}: '{}' is not a whole number", name, value));
            p.checks_.push_back({k.metric, k.min, *n});
            found = true;
        }
        if (found) continue;
        if (name == "qnum" || name == "fss" || name == "fsrc" || name == "usrf" || name == "adjb" ||
            name == "recover") {
            p.sql_only_.push_back(name);
            continue;
        }
        return fail(fmt::format("unknown preprocess check '{}'", name));
    }
    return p;
}

bool Preprocess::accept(const Counters& c) const {
    if (checks_.empty()) return true;
    for (const auto& k : checks_) {
        // Ratios compare exactly (bytes >= value x packets), without integer division.
        std::uint64_t num = 0;
        std::uint64_t den = 1;
        switch (k.metric) {
            case Metric::kPackets: num = c.packets; break;
            case Metric::kBytes: num = c.bytes; break;
            case Metric::kFlows: num = c.flows; break;
            case Metric::kBytesPerPacket:
                num = c.bytes;
                den = c.packets;
                break;
            case Metric::kPacketsPerFlow:
                num = c.packets;
                den = c.flows;
                break;
        }
        bool pass = false;
        if (den == 0) {
            pass = !k.min;  // no packets (or flows): the ratio counts as 0
        } else {
            const unsigned __int128 scaled = static_cast<unsigned __int128>(k.value) * den;
            pass = k.min ? num >= scaled : num <= scaled;
        }
        if (pass && !all_) return true;
        if (!pass && all_) return false;
    }
    return all_;
}

bool Preprocess::uses_flows() const {
    return std::any_of(checks_.begin(), checks_.end(), [](const Check& c) {
        return c.metric == Metric::kFlows || c.metric == Metric::kPacketsPerFlow;
    });
}

}  // namespace pmacct::aggregate
