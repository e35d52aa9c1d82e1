#include "pmacct/flow/exporter_stats.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pmacct/base/hash.hpp"
#include "pmacct/base/unaligned.hpp"

namespace pmacct::flow {

std::size_t exporter_hash(const ExporterKey& k, std::uint64_t more) noexcept {
    // Every datagram looks its exporter up (and its templates): a word at a time.
    std::uint64_t h = fold_multiply(load_u64(k.address.bytes.data()) ^ kHashMul0, kHashMul1 ^ k.address.family);
    h = fold_multiply(h ^ load_u64(k.address.bytes.data() + 8), kHashMul0);
    h = fold_multiply(h ^ k.source_id, kHashMul1);
    return static_cast<std::size_t>(fold_multiply(h ^ more, kHashMul2));
}

std::size_t ExporterStats::KeyHash::operator()(const ExporterKey& k) const noexcept { return exporter_hash(k); }

ExporterStats::ExporterStats(std::size_t max_exporters, bool check_sequence)
    : max_exporters_(max_exporters), check_sequence_(check_sequence) {
    table_.reserve(std::min<std::size_t>(max_exporters_, 256));
}

SequenceResult ExporterStats::update(const ExporterKey& key, std::uint32_t sequence,
                                     std::uint32_t increment, std::size_t bytes,
                                     Timestamp arrival) {
    SequenceResult result;
    result.received = sequence;
    auto it = table_.find(key);
    if (it == table_.end()) {
        if (table_.size() >= max_exporters_) {
            ++untracked_;
            result.check = SequenceCheck::kUntracked;
            return result;
        }
        it = table_.emplace(key, ExporterCounters{}).first;
    }
    ExporterCounters& c = it->second;
    if (c.packets == 0 || !check_sequence_) {
        result.check = SequenceCheck::kFirst;
        ++c.seq_good;
    } else {
        result.expected = c.last_sequence + c.last_increment;
        if (sequence == result.expected) {
            result.check = SequenceCheck::kGood;
            ++c.seq_good;
        } else if (sequence > result.expected) {
            result.check = SequenceCheck::kJumpForward;
            ++c.seq_jmp_fwd;
        } else {
            result.check = SequenceCheck::kJumpBackward;
            ++c.seq_jmp_bck;
        }
    }
    c.last_sequence = sequence;
    c.last_increment = increment;
    ++c.packets;
    c.bytes += bytes;
    c.last_seen = arrival;
    return result;
}

const ExporterCounters* ExporterStats::find(const ExporterKey& key) const {
    auto it = table_.find(key);
    return it == table_.end() ? nullptr : &it->second;
}

std::vector<std::string> ExporterStats::report_lines(std::string_view collector, std::uint16_t port,
                                                     std::int64_t now) const {
    std::vector<const std::pair<const ExporterKey, ExporterCounters>*> entries;
    entries.reserve(table_.size());
    for (const auto& e : table_) entries.push_back(&e);
    std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        const ExporterKey& x = a->first;
        const ExporterKey& y = b->first;
        if (x.address.family != y.address.family) return x.address.family < y.address.family;
        if (x.address.bytes != y.address.bytes) return x.address.bytes < y.address.bytes;
        return x.source_id < y.source_id;
    });

    std::vector<std::string> lines;
    lines.reserve(entries.size() + 3);
    lines.emplace_back("+++");
    for (const auto* e : entries) {
        const ExporterCounters& c = e->second;
        lines.push_back(fmt::format(
            "stats [{}:{}] agent={}:{} time={} packets={} bytes={} seq_good={} seq_jmp_fwd={} "
            "seq_jmp_bck={}",
            collector, port, e->first.address.to_string(), e->first.source_id, now, c.packets,
            c.bytes, c.seq_good, c.seq_jmp_fwd, c.seq_jmp_bck));
    }
    lines.push_back(fmt::format("stats [{}:{}] time={} discarded_packets={}", collector, port, now,
                                discarded_));
    lines.emplace_back("---");
    return lines;
}

std::string sequence_jump_message(const SequenceResult& result, std::string_view collector,
                                  std::uint16_t port, const ExporterKey& key) {
    return fmt::format("expecting flow '{}' but received '{}' collector={}:{} agent={}:{}",
                       result.expected, result.received, collector, port, key.address.to_string(),
                       key.source_id);
}

}  // namespace pmacct::flow
