// The core-to-plugin ring: a single-producer single-consumer queue of fixed-size records, in a
// shared anonymous mapping made before fork (the core produces, one plugin consumes).
//
// Records are written in batches ("slots" of plugin_buffer_size bytes); the ring holds
// plugin_pipe_size bytes of slots. The producer never blocks: a batch is written in a staging
// slot of its own and copied into the ring when complete; when every slot is full then, it is
// dropped, and the drop is counted in the shared header (both sides see the counters). The consumer sleeps on an eventfd and is
// woken only when it said it was going to sleep, so there is no syscall per batch under load.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pmacct/base/result.hpp"

namespace pmacct::ipc {

// Counters kept in the shared header.
struct RingStats {
    std::uint64_t batches_written = 0;   // published to the consumer
    std::uint64_t records_written = 0;
    std::uint64_t batches_dropped = 0;   // lost because the ring was full
    std::uint64_t records_dropped = 0;
    std::uint64_t wakeups = 0;           // eventfd writes by the producer
};

// One published batch: `records` records of record_size() bytes each, back to back (or, on a
// message ring, `records` messages message_stride() apart).
struct Batch {
    const std::uint8_t* data = nullptr;
    std::uint32_t records = 0;
    // Batches the producer dropped (ring full) between the previous batch and this one: the
    // consumer's "Missing data detected" moment, as pmacct's sequence check gives it.
    std::uint32_t dropped_before = 0;
};

class Ring {
public:
    Ring() = default;
    // `capacity_bytes` (plugin_pipe_size) is cut into slots of `batch_bytes` (plugin_buffer_size);
    // both are raised to hold at least one record and two slots. Call before fork.
    static Result<Ring> create(std::size_t capacity_bytes, std::size_t batch_bytes,
                               std::size_t record_size);
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    Ring(Ring&& o) noexcept;
    Ring& operator=(Ring&& o) noexcept;
    ~Ring();

    std::size_t record_size() const;
    std::size_t batch_bytes() const;        // slot size actually used
    std::size_t slot_count() const;
    std::size_t records_per_batch() const;

    // --- producer (core) ---------------------------------------------------------------
    // Room for the next record of the current batch (record_size() bytes). Never fails.
    // (Inline, as commit() and pending(): the core calls them for every record.)
    std::uint8_t* reserve() { return staging_ + kSlotHeaderBytes + std::size_t{write_count_} * record_size_; }
    // The record at reserve() is complete. Publishes the batch when it is full.
    void commit() {
        if (++write_count_ == records_per_batch_) publish();
    }
    // Publishes the current batch even if partial (idle input, timers, shutdown). No-op when empty.
    void flush();
    // Every slot holds a published batch the consumer has not released: a batch started now
    // would be dropped. For producers that may wait (replaying a savefile) instead of dropping.
    bool full() const;
    // Published batches the consumer has not released yet, and how many it has released so far
    // (moves while the consumer works).
    std::size_t slots_in_use() const;
    std::uint64_t released() const;
    // Records in the batch being written, not yet published.
    std::uint32_t pending() const { return write_count_; }
    // After the last flush(): tells the consumer that no more data will come, and wakes it.
    void close();

    // --- producer, messages of varying size (the tee plugin's datagrams) -------------------
    // A ring carries either fixed-size records or messages, never both. A message is at most
    // record_size() bytes (the size given to create()); a batch holds as many whole messages
    // as fit, each starting message_stride() bytes after the previous one, and a Batch's
    // `records` counts them. The message itself must tell the consumer its length.
    static constexpr std::size_t message_stride(std::size_t bytes) { return (bytes + 7) / 8 * 8; }
    // Room for a message of `bytes` (<= record_size()); publishes the current batch first when
    // the message does not fit in it.
    std::uint8_t* reserve_message(std::size_t bytes);
    // The message at reserve_message() is complete, `bytes` long.
    void commit_message(std::size_t bytes);

    // --- consumer (plugin) -------------------------------------------------------------
    // The oldest published batch not yet released; false when there is none.
    bool peek(Batch& out) const;
    // Done with the batch peek() returned: its slot can be reused.
    void release();
    // Waits up to `timeout_ms` (-1: forever) for a batch or close(). Returns immediately when a
    // batch is already there. Safe against lost wake-ups. Spins a few microseconds before it
    // sleeps; returns early when a signal interrupts the sleep.
    void wait(int timeout_ms);
    // For a consumer polling several fds: announce sleep with prepare_sleep() (false: data is
    // already there, do not sleep), poll event_fd() for POLLIN, then call after_wakeup().
    //
    // `wake_at` > 1 is a nap: the producer wakes the consumer only once that many batches are
    // waiting (or at close()), so a busy consumer takes many batches per wake-up. The consumer
    // must then poll with a timeout, which bounds how long fewer batches wait.
    bool prepare_sleep(std::uint32_t wake_at = 1);
    void after_wakeup();
    int event_fd() const;
    // close() was called and every batch was released.
    bool finished() const;
    bool closed() const;

    // --- both sides --------------------------------------------------------------------
    RingStats stats() const;
    // The consumer has announced sleep (prepare_sleep()) and nobody has woken it yet. For
    // diagnostics and tests.
    bool consumer_sleeping() const;

private:
    // Per-slot header: u32 record count, u32 dropped_before; keeps records 8-byte aligned.
    static constexpr std::size_t kSlotHeaderBytes = 8;
    struct Header;
    std::uint8_t* slot_at(std::uint64_t index) const;
    void publish();
    void wake_consumer(bool always);
    bool empty_and_open() const;
    void unmap();

    Header* header_ = nullptr;
    std::uint8_t* slots_ = nullptr;
    std::uint8_t* staging_ = nullptr;  // producer-private slot: the batch being written
    std::size_t map_bytes_ = 0;
    int event_fd_ = -1;
    // Geometry, copied out of the shared header so the hot paths never touch it.
    std::size_t record_size_ = 0;
    std::size_t batch_bytes_ = 0;
    std::size_t slot_count_ = 0;
    std::uint32_t records_per_batch_ = 0;
    // Producer state (core process only).
    std::uint32_t write_count_ = 0;
    std::size_t write_bytes_ = 0;  // message rings: bytes of the batch being written
    std::uint64_t head_ = 0;       // batches published (the producer's copy of the shared head)
    std::uint64_t tail_seen_ = 0;  // last shared tail read: re-read only when the ring looks full
    std::uint32_t dropped_since_publish_ = 0;  // goes into the next batch's dropped_before
    // Consumer state (plugin process only): last shared head read, re-read only when it has
    // consumed up to it, so a busy consumer does not pull the producer's cache line per batch.
    mutable std::uint64_t head_seen_ = 0;
};

}  // namespace pmacct::ipc
