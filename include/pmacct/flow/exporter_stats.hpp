// Per-exporter statistics of a flow collector (pmacct's xflow_status table): datagrams, bytes
// and export sequence checks per (exporter address, source id), plus the datagrams discarded
// as malformed. SIGUSR1 prints them (report_lines) in nfacctd's words:
//
//   +++
//   stats [0.0.0.0:2100] agent=192.0.2.1:0 time=1795337227 packets=7 bytes=648
//       seq_good=5 seq_jmp_fwd=1 seq_jmp_bck=1          (one line; wrapped here)
//   stats [0.0.0.0:2100] time=1795337227 discarded_packets=2
//   ---
//
// Sequence rule (as nfacctd 1.7.7): the first datagram of an exporter counts as good; then a
// datagram is good when its sequence equals the previous datagram's sequence plus that
// datagram's increment (v5: its record count; v9: 1; IPFIX: its data record count), 32-bit
// wrap-around included. Otherwise it is a forward jump when greater than expected, a backward
// jump when smaller, and the expectation restarts from it.
// With the checks disabled (nfacctd_disable_checks: true, pmacct's default) every datagram counts
// as seq_good and no jump is ever reported, as nfacctd 1.7.7 does.
//
// Memory is bounded: at most `max_exporters` entries; datagrams of exporters beyond the cap are
// counted in untracked() and nowhere else. Not thread-safe (one per input loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pmacct/record/flow_record.hpp"

namespace pmacct::flow {

inline constexpr std::size_t kDefaultMaxExporters = 4096;

struct ExporterKey {
    IpAddress address;
    std::uint32_t source_id = 0;  // v5: NetflowV5Header::source_id(); v9/IPFIX: source id / domain
    friend bool operator==(const ExporterKey&, const ExporterKey&) = default;
};

// FNV-1a over the address family, bytes and source id; `more` continues it (tables keyed by an
// exporter and something else, e.g. a template id).
std::size_t exporter_hash(const ExporterKey& k, std::uint64_t more = 0) noexcept;

struct ExporterCounters {
    std::uint64_t packets = 0;  // datagrams
    std::uint64_t bytes = 0;    // UDP payload bytes
    std::uint32_t seq_good = 0;
    std::uint32_t seq_jmp_fwd = 0;
    std::uint32_t seq_jmp_bck = 0;
    Timestamp last_seen;
    std::uint32_t last_sequence = 0;
    std::uint32_t last_increment = 0;
};

enum class SequenceCheck : std::uint8_t {
    kFirst,  // first datagram of this exporter, or checks disabled (counted as good)
    kGood,
    kJumpForward,
    kJumpBackward,
    kUntracked,  // the table is full; nothing was checked
};

struct SequenceResult {
    SequenceCheck check = SequenceCheck::kFirst;
    std::uint32_t expected = 0;  // meaningful for jumps
    std::uint32_t received = 0;
    bool jump() const {
        return check == SequenceCheck::kJumpForward || check == SequenceCheck::kJumpBackward;
    }
};

class ExporterStats {
public:
    // check_sequence: !nfacctd_disable_checks.
    explicit ExporterStats(std::size_t max_exporters = kDefaultMaxExporters,
                           bool check_sequence = true);

    // One call per datagram that decoded: its sequence number, its increment (see above), its
    // size in bytes and when it arrived.
    SequenceResult update(const ExporterKey& key, std::uint32_t sequence, std::uint32_t increment,
                          std::size_t bytes, Timestamp arrival);
    // One call per datagram discarded as malformed.
    void count_discarded() { ++discarded_; }

    std::uint64_t discarded() const { return discarded_; }
    // Datagrams not accounted because the table was full.
    std::uint64_t untracked() const { return untracked_; }
    std::size_t size() const { return table_.size(); }
    std::size_t max_exporters() const { return max_exporters_; }
    bool check_sequence() const { return check_sequence_; }
    const ExporterCounters* find(const ExporterKey& key) const;

    // The SIGUSR1 report (without log prefixes): "+++", one "stats [...] agent=..." line per
    // exporter (sorted by address, then source id), the discarded_packets line, "---".
    // `collector` is the listening address as text ("0.0.0.0", "::", "127.0.0.1").
    std::vector<std::string> report_lines(std::string_view collector, std::uint16_t port,
                                          std::int64_t now) const;

private:
    struct KeyHash {
        std::size_t operator()(const ExporterKey& k) const noexcept;
    };

    std::size_t max_exporters_;
    bool check_sequence_;
    std::unordered_map<ExporterKey, ExporterCounters, KeyHash> table_;
    std::uint64_t discarded_ = 0;
    std::uint64_t untracked_ = 0;
};

// nfacctd's INFO line for a sequence jump (without log prefix):
// "expecting flow '106' but received '200' collector=127.0.0.1:2100 agent=192.0.2.1:0".
std::string sequence_jump_message(const SequenceResult& result, std::string_view collector,
                                  std::uint16_t port, const ExporterKey& key);

}  // namespace pmacct::flow
