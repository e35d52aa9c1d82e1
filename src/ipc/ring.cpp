// The core-to-plugin ring (see ring.hpp for the contract).
//
// Layout of the shared mapping (one mmap(MAP_SHARED | MAP_ANONYMOUS), made before fork):
//
//   Header             head and the counters (written by the producer), tail (consumer),
//                      sleeping/closed, geometry; each group on its own 64-byte cache line
//   slot 0 .. N-1      batch_bytes each: u32 record count, u32 batches dropped just before
//                      this one, then the records
//   staging slot       the producer's alone: the batch being written
//
// head counts the batches published and tail the batches released; both only grow (64 bits do
// not wrap in practice), batch i lives in slot i % N, and head - tail is the number of slots in
// use. The producer owns slot head % N while head - tail < N; the consumer owns slot tail % N
// while tail < head.
//
// Staging. Records are written into the staging slot, which only the producer's CPU touches and
// so stays in its cache; publish() copies the batch into slot head % N in one memcpy. Writing
// records straight into the ring stalled on every cache line the consumer's CPU had read (about
// a fifth of the core's time); one bulk copy overlaps those transfers. When the ring is full at
// publish(), the batch is dropped and counted instead.
//
// Wake-ups. The consumer sleeps on an eventfd, and the producer writes to it only when the
// consumer said it was going to sleep, so a busy consumer costs no syscall at all. The handshake
// is Dekker's store-buffering pattern:
//
//   producer (publish/close)              consumer (prepare_sleep)
//   head.store(h + 1, release)            sleeping.store(1)
//   fence(seq_cst)                        fence(seq_cst)
//   if sleeping.load() != 0               if head.load() != tail or closed: do not sleep
//       sleeping = 0, write eventfd       else poll(eventfd)
//
// Both fences are in the single total order S of seq_cst operations. If the producer's fence
// comes first, the consumer's load of head after its own fence sees the new head (or a later
// one) and it does not sleep. If the consumer's fence comes first, the producer's load of
// sleeping sees 1 (or a later value: 0 only after a wake-up, when the consumer is awake and will
// recheck head before sleeping again), and it writes the eventfd, which makes the consumer's
// poll() return whether it is already in poll() or about to enter it. Either way a published
// batch or a close() is never left unnoticed by a sleeping consumer. Spurious wake-ups (an
// eventfd count left over from an earlier race) are harmless: wait() rechecks and sleeps again.
//
// Naps. `sleeping` holds how many waiting batches end the sleep (1 for a real sleep). With more,
// the producer skips the wake-up while fewer are waiting: the consumer has promised to come back
// by itself (poll timeout), so those batches are late, never lost. close() always wakes.
#include "pmacct/ipc/ring.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include <fmt/format.h>

namespace pmacct::ipc {

namespace {

constexpr std::size_t kCacheLine = 64;
// Slots (Ring::kSlotHeaderBytes of header, then records) keep records 8-byte aligned.
constexpr std::size_t kSlotAlign = 8;
// Batches are counted in u32 records; 1 GiB is far beyond any sensible plugin_buffer_size.
constexpr std::size_t kMaxBatchBytes = std::size_t{1} << 30;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the ring's shared header needs address-free 64-bit atomics");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// How long wait() polls the ring before it goes to sleep on the eventfd.
constexpr std::chrono::microseconds kSpinBeforeSleep{20};

// Tells the CPU we are spinning (lets the sibling hyper-thread run, saves power).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

constexpr std::size_t round_up(std::size_t v, std::size_t to) {
    return (v + to - 1) / to * to;
}

// Counters have a single writer (the producer): a plain load + store is enough, no locked RMW.
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

struct Ring::Header {
    // Written by the producer: published batches, and the counters that go with them.
    alignas(kCacheLine) std::atomic<std::uint64_t> head{0};
    std::atomic<std::uint64_t> batches_written{0};
    std::atomic<std::uint64_t> records_written{0};
    std::atomic<std::uint64_t> batches_dropped{0};
    std::atomic<std::uint64_t> records_dropped{0};
    std::atomic<std::uint64_t> wakeups{0};
    // Written by the consumer: released batches.
    alignas(kCacheLine) std::atomic<std::uint64_t> tail{0};
    // Set by the consumer before it sleeps (to the number of waiting batches that should wake
    // it), cleared by whoever ends the sleep. On its own line: the producer reads it at every
    // publish, the consumer writes it only when it runs dry.
    alignas(kCacheLine) std::atomic<std::uint32_t> sleeping{0};
    std::atomic<std::uint32_t> closed{0};
    // Fixed at create(); kept here so a debugger (or a future reader) sees the whole ring.
    alignas(kCacheLine) std::uint64_t record_size = 0;
    std::uint64_t batch_bytes = 0;
    std::uint64_t slot_count = 0;
    std::uint64_t records_per_batch = 0;
};

Result<Ring> Ring::create(std::size_t capacity_bytes, std::size_t batch_bytes,
                          std::size_t record_size) {
    if (record_size == 0) return fail("ring: the record size must not be zero");
    if (record_size > kMaxBatchBytes - kSlotHeaderBytes) {
        return fail(fmt::format("ring: record size {} is too large", record_size));
    }
    if (batch_bytes > kMaxBatchBytes) {
        return fail(fmt::format("ring: plugin_buffer_size {} is too large (max {})", batch_bytes,
                                kMaxBatchBytes));
    }
    batch_bytes = round_up(std::max(batch_bytes, kSlotHeaderBytes + record_size), kSlotAlign);
    const std::size_t slot_count = std::max<std::size_t>(capacity_bytes / batch_bytes, 2);
    const std::size_t header_bytes = round_up(sizeof(Header), kCacheLine);
    // slot_count slots plus the staging slot.
    if (slot_count > (std::numeric_limits<std::size_t>::max() - header_bytes) / batch_bytes - 1) {
        return fail(fmt::format("ring: plugin_pipe_size {} is too large", capacity_bytes));
    }
    const std::size_t map_bytes = header_bytes + (slot_count + 1) * batch_bytes;

    // MAP_POPULATE: the core (which keeps its page tables across fork) would otherwise take a
    // page fault for every page of its first pass over the ring, each one costly on virtual
    // machines; the plugin's read faults map 16 pages at a time.
    void* map = ::mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE,
                       -1, 0);
    if (map == MAP_FAILED) {
        return fail(fmt::format("ring: cannot map {} bytes of shared memory: {}", map_bytes,
                                std::strerror(errno)));
    }
    // CLOEXEC: the descriptor survives fork() (the plugin needs it) but not exec().
    const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0) {
        const int err = errno;
        ::munmap(map, map_bytes);
        return fail(fmt::format("ring: cannot create the eventfd: {}", std::strerror(err)));
    }

    Ring r;
    r.header_ = new (map) Header{};
    r.header_->record_size = record_size;
    r.header_->batch_bytes = batch_bytes;
    r.header_->slot_count = slot_count;
    r.header_->records_per_batch = (batch_bytes - kSlotHeaderBytes) / record_size;
    r.slots_ = static_cast<std::uint8_t*>(map) + header_bytes;
    r.staging_ = r.slots_ + slot_count * batch_bytes;
    r.map_bytes_ = map_bytes;
    r.event_fd_ = efd;
    r.record_size_ = record_size;
    r.batch_bytes_ = batch_bytes;
    r.slot_count_ = slot_count;
    r.records_per_batch_ =
        static_cast<std::uint32_t>((batch_bytes - kSlotHeaderBytes) / record_size);
    return r;
}

Ring::Ring(Ring&& o) noexcept
    : header_(std::exchange(o.header_, nullptr)),
      slots_(std::exchange(o.slots_, nullptr)),
      staging_(std::exchange(o.staging_, nullptr)),
      map_bytes_(std::exchange(o.map_bytes_, 0)),
      event_fd_(std::exchange(o.event_fd_, -1)),
      record_size_(std::exchange(o.record_size_, 0)),
      batch_bytes_(std::exchange(o.batch_bytes_, 0)),
      slot_count_(std::exchange(o.slot_count_, 0)),
      records_per_batch_(std::exchange(o.records_per_batch_, 0)),
      write_count_(std::exchange(o.write_count_, 0)),
      write_bytes_(std::exchange(o.write_bytes_, 0)),
      head_(std::exchange(o.head_, 0)),
      tail_seen_(std::exchange(o.tail_seen_, 0)),
      dropped_since_publish_(std::exchange(o.dropped_since_publish_, 0)),
      head_seen_(std::exchange(o.head_seen_, 0)) {}

Ring& Ring::operator=(Ring&& o) noexcept {
    if (this != &o) {
        unmap();
        header_ = std::exchange(o.header_, nullptr);
        slots_ = std::exchange(o.slots_, nullptr);
        staging_ = std::exchange(o.staging_, nullptr);
        map_bytes_ = std::exchange(o.map_bytes_, 0);
        event_fd_ = std::exchange(o.event_fd_, -1);
        record_size_ = std::exchange(o.record_size_, 0);
        batch_bytes_ = std::exchange(o.batch_bytes_, 0);
        slot_count_ = std::exchange(o.slot_count_, 0);
        records_per_batch_ = std::exchange(o.records_per_batch_, 0);
        write_count_ = std::exchange(o.write_count_, 0);
        write_bytes_ = std::exchange(o.write_bytes_, 0);
        head_ = std::exchange(o.head_, 0);
        tail_seen_ = std::exchange(o.tail_seen_, 0);
        dropped_since_publish_ = std::exchange(o.dropped_since_publish_, 0);
        head_seen_ = std::exchange(o.head_seen_, 0);
    }
    return *this;
}

Ring::~Ring() {
    unmap();
}

// Each process unmaps its own view and closes its own descriptor: after fork the core and the
// plugin both hold one, and the memory goes away with the last of them.
void Ring::unmap() {
    if (header_ != nullptr) ::munmap(header_, map_bytes_);
    if (event_fd_ >= 0) ::close(event_fd_);
    header_ = nullptr;
    slots_ = nullptr;
    staging_ = nullptr;
    map_bytes_ = 0;
    event_fd_ = -1;
    write_count_ = 0;
    write_bytes_ = 0;
}

std::size_t Ring::record_size() const {
    return record_size_;
}
std::size_t Ring::batch_bytes() const {
    return batch_bytes_;
}
std::size_t Ring::slot_count() const {
    return slot_count_;
}
std::size_t Ring::records_per_batch() const {
    return records_per_batch_;
}

std::uint8_t* Ring::slot_at(std::uint64_t index) const {
    return slots_ + static_cast<std::size_t>(index % slot_count_) * batch_bytes_;
}

// --- producer ------------------------------------------------------------------------------

std::uint8_t* Ring::reserve_message(std::size_t bytes) {
    assert(header_ != nullptr && bytes <= record_size_);
    if (kSlotHeaderBytes + write_bytes_ + message_stride(bytes) > batch_bytes_) publish();
    return staging_ + kSlotHeaderBytes + write_bytes_;
}

void Ring::commit_message(std::size_t bytes) {
    write_bytes_ += message_stride(bytes);
    ++write_count_;
}

void Ring::flush() {
    if (write_count_ != 0) publish();
}

bool Ring::full() const {
    return head_ - header_->tail.load(std::memory_order_acquire) >= slot_count_;
}

std::size_t Ring::slots_in_use() const {
    return static_cast<std::size_t>(head_ - header_->tail.load(std::memory_order_relaxed));
}

std::uint64_t Ring::released() const {
    return header_->tail.load(std::memory_order_relaxed);
}

void Ring::publish() {
    Header& h = *header_;
    const std::uint32_t records = write_count_;
    const std::size_t bytes = write_bytes_ != 0 ? write_bytes_ : std::size_t{records} * record_size_;
    write_count_ = 0;
    write_bytes_ = 0;
    if (head_ - tail_seen_ >= slot_count_) {
        // Looks full: acquire the consumer's tail (it is done reading the slots it released).
        tail_seen_ = h.tail.load(std::memory_order_acquire);
        if (head_ - tail_seen_ >= slot_count_) {
            bump(h.batches_dropped, 1);
            bump(h.records_dropped, records);
            if (dropped_since_publish_ != std::numeric_limits<std::uint32_t>::max()) {
                ++dropped_since_publish_;
            }
            return;
        }
    }
    std::uint8_t* slot = slot_at(head_);
    std::memcpy(staging_, &records, sizeof records);
    std::memcpy(staging_ + sizeof records, &dropped_since_publish_, sizeof dropped_since_publish_);
    std::memcpy(slot, staging_, kSlotHeaderBytes + bytes);
    dropped_since_publish_ = 0;
    bump(h.batches_written, 1);
    bump(h.records_written, records);
    ++head_;
    // Release: the slot contents and the counters above are visible to whoever sees this head.
    h.head.store(head_, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // Dekker: see the top of this file
    wake_consumer(false);
}

void Ring::wake_consumer(bool always) {
    Header& h = *header_;
    // The plain load keeps the common case (consumer busy) free of any locked instruction.
    const std::uint32_t wake_at = h.sleeping.load(std::memory_order_relaxed);
    if (wake_at == 0) return;
    // A nap: wake only once enough batches wait (the consumer's tail does not move meanwhile).
    if (!always && wake_at > 1 && head_ - h.tail.load(std::memory_order_relaxed) < wake_at) return;
    if (h.sleeping.exchange(0, std::memory_order_relaxed) == 0) return;
    bump(h.wakeups, 1);
    const std::uint64_t one = 1;
    if (::write(event_fd_, &one, sizeof one) < 0) {
        // EAGAIN only when the counter is about to overflow: the consumer has wake-ups pending.
    }
}

void Ring::close() {
    if (header_ == nullptr) return;
    flush();
    header_->closed.store(1, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // Dekker, as for head in publish()
    wake_consumer(true);
}

// --- consumer ------------------------------------------------------------------------------

bool Ring::peek(Batch& out) const {
    const std::uint64_t tail = header_->tail.load(std::memory_order_relaxed);  // ours
    if (tail == head_seen_) {
        head_seen_ = header_->head.load(std::memory_order_acquire);
        if (tail == head_seen_) return false;
    }
    const std::uint8_t* slot = slot_at(tail);
    std::uint32_t records = 0;
    std::uint32_t dropped_before = 0;
    std::memcpy(&records, slot, sizeof records);
    std::memcpy(&dropped_before, slot + sizeof records, sizeof dropped_before);
    out.data = slot + kSlotHeaderBytes;
    out.records = records;
    out.dropped_before = dropped_before;
    return true;
}

void Ring::release() {
    const std::uint64_t tail = header_->tail.load(std::memory_order_relaxed);
    if (tail == head_seen_) return;  // peek() did not return a batch: nothing to release
    // Release: our reads of the slot are done before the producer may reuse it.
    header_->tail.store(tail + 1, std::memory_order_release);
}

bool Ring::empty_and_open() const {
    return header_->head.load(std::memory_order_relaxed) ==
               header_->tail.load(std::memory_order_relaxed) &&
           header_->closed.load(std::memory_order_relaxed) == 0;
}

bool Ring::prepare_sleep(std::uint32_t wake_at) {
    Header& h = *header_;
    if (wake_at == 0) wake_at = 1;
    h.sleeping.store(wake_at, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // Dekker: see the top of this file
    if (h.closed.load(std::memory_order_acquire) != 0 ||
        h.head.load(std::memory_order_acquire) - h.tail.load(std::memory_order_relaxed) >= wake_at) {
        h.sleeping.store(0, std::memory_order_relaxed);
        return false;
    }
    return true;
}

void Ring::after_wakeup() {
    header_->sleeping.store(0, std::memory_order_relaxed);
    std::uint64_t count = 0;
    if (::read(event_fd_, &count, sizeof count) < 0) {
        // EAGAIN: woken by another descriptor or by the timeout, nothing to drain.
    }
}

void Ring::wait(int timeout_ms) {
    using Clock = std::chrono::steady_clock;
    // A consumer faster than the producer runs dry after nearly every batch: spinning a few
    // microseconds before sleeping catches the next batch without a poll() here and an eventfd
    // write in the producer (measured: wake-ups per batch drop about a hundredfold).
    if (timeout_ms != 0) {
        const Clock::time_point spin_until = Clock::now() + kSpinBeforeSleep;
        do {
            for (int i = 0; i < 32; ++i) {
                if (!empty_and_open()) return;
                cpu_relax();
            }
        } while (Clock::now() < spin_until);
    }
    const Clock::time_point deadline =
        timeout_ms > 0 ? Clock::now() + std::chrono::milliseconds(timeout_ms) : Clock::time_point{};
    for (;;) {
        if (!prepare_sleep()) return;
        int left = timeout_ms;
        if (timeout_ms > 0) {
            const auto rest = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            left = static_cast<int>(std::max<std::chrono::milliseconds::rep>(rest.count(), 0));
        }
        pollfd pfd{event_fd_, POLLIN, 0};
        const int n = ::poll(&pfd, 1, left);
        after_wakeup();
        // Timeout, or a signal: return so the caller can look at its timers and flags. Woken:
        // loop, prepare_sleep() returns false when there is really something to read.
        if (n <= 0) return;
    }
}

int Ring::event_fd() const {
    return event_fd_;
}

bool Ring::finished() const {
    // closed first: close() follows the last publish, so head read after it is final.
    return closed() && header_->head.load(std::memory_order_acquire) ==
                           header_->tail.load(std::memory_order_relaxed);
}

bool Ring::closed() const {
    return header_ != nullptr && header_->closed.load(std::memory_order_acquire) != 0;
}

// --- both sides ----------------------------------------------------------------------------

RingStats Ring::stats() const {
    RingStats s;
    if (header_ == nullptr) return s;
    s.batches_written = header_->batches_written.load(std::memory_order_relaxed);
    s.records_written = header_->records_written.load(std::memory_order_relaxed);
    s.batches_dropped = header_->batches_dropped.load(std::memory_order_relaxed);
    s.records_dropped = header_->records_dropped.load(std::memory_order_relaxed);
    s.wakeups = header_->wakeups.load(std::memory_order_relaxed);
    return s;
}

bool Ring::consumer_sleeping() const {
    return header_ != nullptr && header_->sleeping.load(std::memory_order_relaxed) != 0;
}

}  // namespace pmacct::ipc
