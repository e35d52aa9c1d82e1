// The tee plugin: replicates the datagrams the core hands it (see plugin::TeeMessage) to the
// pools of receivers of its tee_receivers map, as UDP from its own sockets or, with
// tee_transparent, from the exporter's address and port (raw sockets). See CONFIG-KEYS and
// QUICKSTART XV.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pmacct/base/files.hpp"
#include "pmacct/maps/tee_receivers.hpp"
#include "pmacct/plugin/plugin.hpp"
#include "pmacct/plugin/tee_message.hpp"
#include "tee_queues.hpp"

namespace pmacct::plugins::tee {

// The receiver (0 to n-1) of a balanced pool of `n` that gets `m`, as 1.7.7 picks it. `rr_next`
// is the pool's round-robin position.
std::size_t balance_index(maps::TeeBalance alg, const plugin::TeeMessage& m, std::size_t n,
                          std::size_t& rr_next);

// What the plugin has done since it started.
struct TeeCounters {
    std::uint64_t sent = 0;     // datagrams handed to the kernel (one per receiver)
    std::uint64_t failed = 0;   // sends the kernel refused (ENOBUFS, EMSGSIZE, ...): datagram lost
    std::uint64_t refused = 0;  // ICMP unreachable from a receiver reported on its socket
    std::uint64_t unbridged = 0;  // transparent: exporter and receiver of different families
    std::uint64_t malformed = 0;  // impossible message lengths (the rest of their batch dropped)
    std::uint64_t queued = 0;     // messages handed to Kafka/ZeroMQ receivers
};

class TeePlugin final : public plugin::Plugin {
public:
    TeePlugin();
    ~TeePlugin() override;
    TeePlugin(const TeePlugin&) = delete;
    TeePlugin& operator=(const TeePlugin&) = delete;

    const TeeCounters& counters() const { return counters_; }

protected:
    Result<void> do_init(plugin::Environment& env) override;
    void do_record(const std::uint8_t* /*key*/, const aggregate::Counters& /*counters*/) override {}
    void do_batch(const std::uint8_t* data, std::uint32_t records,
                  std::size_t record_size) override;
    void do_reload() override;
    int do_finish(plugin::FinishReason reason) override;

private:
    struct Receiver;
    struct Pool;

    Result<void> load_map();
    std::vector<Pool> make_pools(const maps::TeeReceivers& map);
    Result<void> open_udp(Receiver& r);
    void replicate(const plugin::TeeMessage& m, std::span<const std::uint8_t> payload);
    void enqueue(Receiver& r, const plugin::TeeMessage& m, std::span<const std::uint8_t> payload);
    void flush(Receiver& r);
    void flush_all();
    // A pool that is a message queue: its emitter, taken over from the pools before a reload
    // when they had the same target, else opened. Null when it cannot be used.
    std::unique_ptr<QueueEmitter> queue_for(const maps::TeePool& mp, std::vector<Pool>& previous);
    void emit(QueueEmitter& q, const plugin::TeeMessage& m, std::span<const std::uint8_t> payload);
    // Waits for every queue's messages to leave, at most `timeout_ms` each.
    void finish_queues(std::vector<Pool>& pools, int timeout_ms);

    std::string path_;
    std::string kafka_config_;  // tee_kafka_config_file
    maps::TeeLimits limits_;
    bool transparent_ = false;
    bool refresh_ = true;
    std::size_t pipe_size_ = 0;
    bool pipe_size_logged_ = false;
    IpAddress source_ip_;   // tee_source_ip; empty: the kernel picks
    std::uint8_t tos_ = 0;  // tee_ipprec << 5
    UniqueFd raw4_;         // transparent mode
    UniqueFd raw6_;
    std::vector<Pool> pools_;
    std::vector<Receiver*> dirty_;  // receivers with queued datagrams
    // Transparent mode: the one's-complement sum of the current payload, computed once for all
    // its receivers.
    std::uint64_t payload_sum_ = 0;
    bool payload_sum_valid_ = false;
    // The message queue receivers get for the current payload, built once for all of them.
    std::vector<std::uint8_t> queue_message_;
    std::size_t queue_message_size_ = 0;
    TeeCounters counters_;
};

std::unique_ptr<plugin::Plugin> make();

}  // namespace pmacct::plugins::tee
