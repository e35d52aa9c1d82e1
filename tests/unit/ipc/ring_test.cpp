// The core-to-plugin ring: ordering and content, drops when full, fork, wake-ups.
//
// The cross-process tests fork: the child runs plain code (no gtest assertions, which would not
// reach the parent) and sends a report back through a pipe; the parent asserts on it, and kills
// the child if it does not report in time (a lost wake-up shows up as a consumer stuck in wait).
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pmacct/ipc/ring.hpp"

namespace pmacct::ipc {
namespace {

using namespace std::chrono_literals;

// Test records: a sequence number and a check word derived from it, 16 bytes.
constexpr std::size_t kRecordSize = 16;

std::uint64_t check_word(std::uint64_t seq) {
    return (seq * 0x9E3779B97F4A7C15ULL) ^ 0xA5A5A5A5ULL;
}

void put_record(std::uint8_t* p, std::uint64_t seq) {
    const std::uint64_t check = check_word(seq);
    std::memcpy(p, &seq, sizeof seq);
    std::memcpy(p + sizeof seq, &check, sizeof check);
}

std::uint64_t seq_of(const std::uint8_t* p) {
    std::uint64_t seq = 0;
    std::memcpy(&seq, p, sizeof seq);
    return seq;
}

bool record_ok(const std::uint8_t* p) {
    std::uint64_t check = 0;
    std::memcpy(&check, p + sizeof(std::uint64_t), sizeof check);
    return check == check_word(seq_of(p));
}

void write_record(Ring& ring, std::uint64_t seq) {
    put_record(ring.reserve(), seq);
    ring.commit();
}

// Sequence numbers of every record of every published batch, releasing them.
std::vector<std::uint64_t> drain(Ring& ring) {
    std::vector<std::uint64_t> out;
    Batch b;
    while (ring.peek(b)) {
        for (std::uint32_t i = 0; i < b.records; ++i) {
            const std::uint8_t* rec = b.data + std::size_t{i} * kRecordSize;
            EXPECT_TRUE(record_ok(rec)) << "record " << seq_of(rec) << " is corrupt";
            out.push_back(seq_of(rec));
        }
        ring.release();
    }
    return out;
}

std::vector<std::uint64_t> iota(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = from; i < to; ++i) v.push_back(i);
    return v;
}

Ring make_ring(std::size_t capacity, std::size_t batch, std::size_t record = kRecordSize) {
    auto r = Ring::create(capacity, batch, record);
    EXPECT_TRUE(r.has_value()) << r.error();
    return std::move(*r);
}

// A ring of `slots` slots of `batch` bytes.
Ring ring_of(std::size_t slots, std::size_t batch) {
    return make_ring(slots * batch, batch);
}

std::int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);  // system-wide: comparable across processes
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

// --- fork helpers ---------------------------------------------------------------------------

// A forked child running `body(report_fd)`, then _exit(0).
class Child {
public:
    template <typename Body>
    explicit Child(Body body) {
        int fds[2];
        if (::pipe(fds) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::close(fds[0]);
            body(fds[1]);
            ::_exit(0);
        }
        ::close(fds[1]);
        fd_ = fds[0];
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (fd_ >= 0) ::close(fd_);
    }

    [[nodiscard]] bool started() const { return pid_ > 0 && fd_ >= 0; }

    // Reads the child's report; false when it does not come within `timeout`.
    template <typename Report>
    bool read_report(Report& out, std::chrono::milliseconds timeout) {
        auto* p = reinterpret_cast<std::uint8_t*>(&out);  // NOLINT: trivially copyable report
        std::size_t got = 0;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (got < sizeof out) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
            const ssize_t n = ::read(fd_, p + got, sizeof out - got);
            if (n <= 0) return false;
            got += static_cast<std::size_t>(n);
        }
        return true;
    }

    // Waits for the child to exit; its exit status, or -1 when it had to be killed.
    int join(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
                return -1;
            }
            std::this_thread::sleep_for(1ms);
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
    int fd_ = -1;
};

template <typename Report>
void send_report(int fd, const Report& r) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&r);  // NOLINT: trivially copyable
    std::size_t done = 0;
    while (done < sizeof r) {
        const ssize_t n = ::write(fd, p + done, sizeof r - done);
        if (n <= 0) ::_exit(3);
        done += static_cast<std::size_t>(n);
    }
}

// --- geometry -------------------------------------------------------------------------------

TEST(RingGeometry, CapacityIsCutIntoWholeSlots) {
    Ring r = make_ring(10 * 1024 + 100, 1024);
    EXPECT_EQ(r.record_size(), kRecordSize);
    EXPECT_EQ(r.batch_bytes(), 1024u);
    EXPECT_EQ(r.slot_count(), 10u);
    // A slot starts with a small header: fewer than 1024 / 16 records fit.
    EXPECT_GT(r.records_per_batch(), 0u);
    EXPECT_LT(r.records_per_batch(), 1024u / kRecordSize);
    EXPECT_GE(r.records_per_batch(), 1024u / kRecordSize - 1);
}

TEST(RingGeometry, TooSmallSizesAreRaisedToOneRecordAndTwoSlots) {
    Ring r = make_ring(0, 0, 100);
    EXPECT_EQ(r.records_per_batch(), 1u);
    EXPECT_GE(r.batch_bytes(), 100u);
    EXPECT_EQ(r.slot_count(), 2u);

    Ring s = make_ring(1500, 1000);  // room for one slot only
    EXPECT_EQ(s.slot_count(), 2u);
}

TEST(RingGeometry, ZeroRecordSizeIsAnError) {
    auto r = Ring::create(4096, 1024, 0);
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().find("record size"), std::string::npos);
}

TEST(RingGeometry, ImpossibleSizesAreErrorsNotCrashes) {
    EXPECT_FALSE(Ring::create(4096, std::size_t{1} << 40, kRecordSize).has_value());
    EXPECT_FALSE(Ring::create(~std::size_t{0}, 4096, kRecordSize).has_value());
}

// --- single process -------------------------------------------------------------------------

TEST(RingSingleProcess, RecordsComeOutInOrderWithTheirContent) {
    Ring ring = ring_of(64, 256);
    const std::size_t per_batch = ring.records_per_batch();
    const std::uint64_t total = 3 * per_batch + per_batch / 2;
    for (std::uint64_t i = 0; i < total; ++i) write_record(ring, i);

    // Full batches were published by commit(); the last one is still being written.
    EXPECT_EQ(ring.pending(), per_batch / 2);
    EXPECT_EQ(drain(ring), iota(0, 3 * per_batch));
    Batch b;
    EXPECT_FALSE(ring.peek(b));

    ring.flush();
    EXPECT_EQ(ring.pending(), 0u);
    ASSERT_TRUE(ring.peek(b));
    EXPECT_EQ(b.records, per_batch / 2);
    EXPECT_EQ(drain(ring), iota(3 * per_batch, total));

    const RingStats s = ring.stats();
    EXPECT_EQ(s.batches_written, 4u);
    EXPECT_EQ(s.records_written, total);
    EXPECT_EQ(s.batches_dropped, 0u);
    EXPECT_EQ(s.records_dropped, 0u);
    EXPECT_EQ(s.wakeups, 0u);  // nobody was sleeping: no eventfd write
}

// A message ring (the tee plugin's): messages of any size up to the largest, as many per batch
// as fit, in order and intact; one that does not fit starts the next batch.
TEST(RingMessages, MessagesOfVaryingSizeComeOutWholeAndInOrder) {
    auto made = Ring::create(1 << 16, 1024, 600);  // messages of up to 600 bytes, 1 KB batches
    ASSERT_TRUE(made.has_value()) << made.error();
    Ring ring = std::move(*made);
    std::vector<std::vector<std::uint8_t>> sent;
    for (std::size_t i = 0; i < 40; ++i) {
        const std::size_t len = 4 + (i * 37) % 597;  // 4 .. 600, most not multiples of 8
        std::vector<std::uint8_t> m(len);
        const auto n = static_cast<std::uint32_t>(len);
        std::memcpy(m.data(), &n, 4);
        for (std::size_t j = 4; j < len; ++j) m[j] = static_cast<std::uint8_t>(i * 31 + j);
        std::memcpy(ring.reserve_message(len), m.data(), len);
        ring.commit_message(len);
        sent.push_back(std::move(m));
    }
    ring.flush();
    std::vector<std::vector<std::uint8_t>> got;
    std::size_t batches = 0;
    Batch b;
    while (ring.peek(b)) {
        ++batches;
        const std::uint8_t* p = b.data;
        std::size_t used = 0;
        for (std::uint32_t i = 0; i < b.records; ++i) {
            std::uint32_t n = 0;
            std::memcpy(&n, p, 4);
            got.emplace_back(p, p + n);
            p += Ring::message_stride(n);
            used += Ring::message_stride(n);
        }
        EXPECT_LE(used + 8, ring.batch_bytes());
        ring.release();
    }
    EXPECT_EQ(got, sent);
    EXPECT_GT(batches, 10u);  // 40 messages of ~300 bytes do not fit in a few 1 KB batches
    EXPECT_LT(batches, 40u);  // but small ones share a batch
    EXPECT_EQ(ring.stats().records_written, 40u);
}

TEST(RingSingleProcess, FlushOfAnEmptyBatchPublishesNothing) {
    Ring ring = make_ring(4096, 256);
    ring.flush();
    (void)ring.reserve();  // reserved but never committed
    ring.flush();
    Batch b;
    EXPECT_FALSE(ring.peek(b));
    EXPECT_EQ(ring.stats().batches_written, 0u);
    write_record(ring, 7);
    ring.flush();
    EXPECT_EQ(drain(ring), std::vector<std::uint64_t>{7});
}

TEST(RingSingleProcess, PeekShowsTheSameBatchUntilReleased) {
    Ring ring = make_ring(4096, 256);
    write_record(ring, 1);
    ring.flush();
    write_record(ring, 2);
    ring.flush();
    Batch a;
    Batch again;
    ASSERT_TRUE(ring.peek(a));
    ASSERT_TRUE(ring.peek(again));
    EXPECT_EQ(a.data, again.data);
    EXPECT_EQ(seq_of(a.data), 1u);
    ring.release();
    ASSERT_TRUE(ring.peek(a));
    EXPECT_EQ(seq_of(a.data), 2u);
    ring.release();
    EXPECT_FALSE(ring.peek(a));
    ring.release();  // nothing peeked: no effect
    write_record(ring, 3);
    ring.flush();
    EXPECT_EQ(drain(ring), std::vector<std::uint64_t>{3});
}

TEST(RingSingleProcess, FinishedOnlyAfterCloseAndTheLastRelease) {
    Ring ring = make_ring(4096, 256);
    write_record(ring, 1);
    EXPECT_FALSE(ring.closed());
    ring.close();  // publishes the pending record first
    EXPECT_TRUE(ring.closed());
    EXPECT_FALSE(ring.finished());
    EXPECT_EQ(drain(ring), std::vector<std::uint64_t>{1});
    EXPECT_TRUE(ring.finished());
}

TEST(RingSingleProcess, SlotsAreReusedAroundTheRing) {
    Ring ring = ring_of(3, 128);
    ASSERT_EQ(ring.slot_count(), 3u);
    std::uint64_t seq = 0;
    for (int round = 0; round < 50; ++round) {
        const std::uint64_t first = seq;
        for (std::size_t i = 0; i < 2 * ring.records_per_batch() + 1; ++i)
            write_record(ring, seq++);
        ring.flush();
        EXPECT_EQ(drain(ring), iota(first, seq));
    }
    EXPECT_EQ(ring.stats().records_dropped, 0u);
}

TEST(RingSingleProcess, SleepHandshake) {
    Ring ring = make_ring(4096, 256);
    ASSERT_GE(ring.event_fd(), 0);
    ASSERT_TRUE(ring.prepare_sleep());  // empty: the consumer may sleep
    EXPECT_TRUE(ring.consumer_sleeping());
    EXPECT_FALSE(readable(ring.event_fd()));

    write_record(ring, 1);
    ring.flush();  // sees the sleeper: one eventfd write
    EXPECT_FALSE(ring.consumer_sleeping());
    EXPECT_TRUE(readable(ring.event_fd()));
    EXPECT_EQ(ring.stats().wakeups, 1u);
    ring.after_wakeup();
    EXPECT_FALSE(readable(ring.event_fd()));

    // Data there: do not sleep, and the producer is not asked to wake anybody.
    EXPECT_FALSE(ring.prepare_sleep());
    EXPECT_FALSE(ring.consumer_sleeping());
    write_record(ring, 2);
    ring.flush();
    EXPECT_EQ(ring.stats().wakeups, 1u);
    EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{1, 2}));

    // close() wakes a sleeper, and a closed ring is never slept on.
    ASSERT_TRUE(ring.prepare_sleep());
    ring.close();
    EXPECT_TRUE(readable(ring.event_fd()));
    ring.after_wakeup();
    EXPECT_FALSE(ring.prepare_sleep());
}

TEST(RingSingleProcess, SlotsInUseAndReleasedFollowTheConsumer) {
    Ring ring = make_ring(4096, 256);
    EXPECT_EQ(ring.slots_in_use(), 0u);
    EXPECT_EQ(ring.released(), 0u);
    for (std::uint64_t i = 0; i < 3; ++i) {
        write_record(ring, i);
        ring.flush();
    }
    EXPECT_EQ(ring.slots_in_use(), 3u);
    Batch b;
    ASSERT_TRUE(ring.peek(b));
    ring.release();
    EXPECT_EQ(ring.slots_in_use(), 2u);
    EXPECT_EQ(ring.released(), 1u);
    EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(ring.slots_in_use(), 0u);
    EXPECT_EQ(ring.released(), 3u);
}

TEST(RingSingleProcess, ANapIsEndedOnlyByEnoughBatchesOrClose) {
    Ring ring = make_ring(4096, 256);  // 16 slots
    ASSERT_TRUE(ring.prepare_sleep(3));
    write_record(ring, 1);
    ring.flush();
    write_record(ring, 2);
    ring.flush();
    // Two batches wait: the napping consumer comes back by its own timeout, nobody wakes it.
    EXPECT_TRUE(ring.consumer_sleeping());
    EXPECT_FALSE(readable(ring.event_fd()));
    EXPECT_EQ(ring.stats().wakeups, 0u);
    write_record(ring, 3);
    ring.flush();  // the third ends the nap
    EXPECT_FALSE(ring.consumer_sleeping());
    EXPECT_TRUE(readable(ring.event_fd()));
    EXPECT_EQ(ring.stats().wakeups, 1u);
    ring.after_wakeup();
    EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{1, 2, 3}));

    // Fewer batches than asked already there: the nap may start; as many: it may not.
    write_record(ring, 4);
    ring.flush();
    EXPECT_TRUE(ring.prepare_sleep(2));
    ring.after_wakeup();
    write_record(ring, 5);
    ring.flush();
    EXPECT_FALSE(ring.prepare_sleep(2));
    EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{4, 5}));

    // close() ends any nap.
    ASSERT_TRUE(ring.prepare_sleep(8));
    ring.close();
    EXPECT_TRUE(readable(ring.event_fd()));
}

TEST(RingSingleProcess, WaitReturnsAtOnceWithDataAndHonoursTheTimeout) {
    Ring ring = make_ring(4096, 256);
    auto t0 = std::chrono::steady_clock::now();
    ring.wait(50);
    const auto empty_wait = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(empty_wait, 45ms);
    EXPECT_LT(empty_wait, 2s);
    EXPECT_FALSE(ring.consumer_sleeping());

    write_record(ring, 1);
    ring.flush();
    t0 = std::chrono::steady_clock::now();
    ring.wait(3000);  // would sleep the whole 3 s if it ignored the batch already there
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    ring.wait(0);
}

TEST(RingSingleProcess, MoveTransfersTheRing) {
    Ring a = make_ring(4096, 256);
    const int fd = a.event_fd();
    write_record(a, 5);
    Ring b = std::move(a);
    EXPECT_EQ(b.event_fd(), fd);
    EXPECT_EQ(a.event_fd(), -1);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
    EXPECT_EQ(b.pending(), 1u);
    b.flush();

    Ring c = make_ring(4096, 256);
    c = std::move(b);  // c's own ring is unmapped, b's taken over
    EXPECT_EQ(c.event_fd(), fd);
    EXPECT_EQ(drain(c), std::vector<std::uint64_t>{5});
    { Ring gone = std::move(c); }
    EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed by the last owner, once
}

// --- full ring ------------------------------------------------------------------------------

TEST(RingFull, ProducerNeverBlocksAndCountsEveryDroppedRecord) {
    Ring ring = ring_of(4, 256);
    const std::size_t per_batch = ring.records_per_batch();
    // Nobody reads: 4 slots fill up, everything after is dropped, and the producer goes on.
    const std::uint64_t attempted = 1000 * per_batch + per_batch / 3;
    for (std::uint64_t i = 0; i < attempted; ++i) write_record(ring, i);
    ring.flush();
    RingStats s = ring.stats();
    EXPECT_EQ(s.batches_written, 4u);
    EXPECT_EQ(s.records_written, 4 * per_batch);
    EXPECT_EQ(s.records_written + s.records_dropped, attempted);
    EXPECT_EQ(s.batches_dropped, 997u);  // 996 full + the partial one

    // The consumer gets the oldest data, intact, then new batches flow again; the first of them
    // tells how many batches were lost just before it.
    Batch b;
    ASSERT_TRUE(ring.peek(b));
    EXPECT_EQ(b.dropped_before, 0u);
    EXPECT_EQ(drain(ring), iota(0, 4 * per_batch));
    for (std::uint64_t i = attempted; i < attempted + 2 * per_batch; ++i) write_record(ring, i);
    ring.flush();
    ASSERT_TRUE(ring.peek(b));
    EXPECT_EQ(b.dropped_before, 997u);
    EXPECT_EQ(drain(ring), iota(attempted, attempted + 2 * per_batch));
    s = ring.stats();
    EXPECT_EQ(s.records_written + s.records_dropped, attempted + 2 * per_batch);
}

TEST(RingFull, ABatchStartedWhileFullIsKeptIfASlotFreesUpBeforeItIsDone) {
    Ring ring = ring_of(2, 256);
    const std::size_t per_batch = ring.records_per_batch();
    std::uint64_t seq = 0;
    while (ring.stats().batches_written < 2) write_record(ring, seq++);
    const std::uint64_t third = seq;
    write_record(ring, seq++);  // the ring is full: this batch starts in the scratch slot
    Batch b;
    ASSERT_TRUE(ring.peek(b));
    ring.release();  // ... and a slot is free before it is published
    while (seq < third + per_batch) write_record(ring, seq++);
    EXPECT_EQ(ring.stats().records_dropped, 0u);
    EXPECT_EQ(drain(ring), iota(per_batch, third + per_batch));
}

// --- across fork ----------------------------------------------------------------------------

struct ConsumerReport {
    std::uint64_t seen = 0;
    std::uint64_t batches = 0;
    std::uint64_t missing = 0;  // sequence numbers never seen
    std::uint64_t bad = 0;      // corrupt, duplicate or out-of-order records
    std::uint64_t dropped = 0;  // records_dropped as the consumer reads it at the end
    std::uint64_t finished = 0;
    std::uint64_t dropped_batches_seen = 0;  // sum of Batch::dropped_before
};

struct ConsumerMode {
    bool stall = false;     // stop after a few batches until the producer has had to drop some
    bool own_poll = false;  // prepare_sleep() + poll() + after_wakeup() instead of wait()
};

// The plugin side: consumes until close(), checking order and content. It sleeps without a
// timeout, so a lost wake-up leaves it stuck and the parent's deadline catches it.
ConsumerReport consume(Ring& ring, std::uint64_t total, const ConsumerMode& mode) {
    ConsumerReport r;
    std::uint64_t expected = 0;
    Batch b;
    for (;;) {
        if (!ring.peek(b)) {
            if (ring.finished()) break;
            if (!mode.own_poll) {
                ring.wait(-1);
            } else if (ring.prepare_sleep()) {  // no spinning: every run-dry is a sleep
                pollfd pfd{ring.event_fd(), POLLIN, 0};
                ::poll(&pfd, 1, -1);
                ring.after_wakeup();
            }
            continue;
        }
        // A gap before this batch if and only if it says batches were dropped before it.
        if (b.records > 0 && (seq_of(b.data) > expected) != (b.dropped_before > 0)) ++r.bad;
        r.dropped_batches_seen += b.dropped_before;
        for (std::uint32_t i = 0; i < b.records; ++i) {
            const std::uint8_t* rec = b.data + std::size_t{i} * kRecordSize;
            const std::uint64_t seq = seq_of(rec);
            if (!record_ok(rec) || seq < expected || seq >= total) {
                ++r.bad;
                continue;
            }
            r.missing += seq - expected;
            expected = seq + 1;
            ++r.seen;
        }
        ++r.batches;
        ring.release();
        if (mode.stall && r.batches == 10) {
            const auto give_up = std::chrono::steady_clock::now() + 3s;
            while (ring.stats().records_dropped == 0 && !ring.closed() &&
                   std::chrono::steady_clock::now() < give_up) {
                std::this_thread::sleep_for(1ms);
            }
        }
    }
    r.missing += total - expected;
    r.dropped = ring.stats().records_dropped;
    r.finished = ring.finished() ? 1 : 0;
    return r;
}

// The core side: `total` records, with a partial flush now and then.
void produce(Ring& ring, std::uint64_t total) {
    for (std::uint64_t seq = 0; seq < total; ++seq) {
        put_record(ring.reserve(), seq);
        ring.commit();
        if (seq % 1000 == 999) ring.flush();
    }
    ring.close();
}

void run_across_fork(Ring& ring, std::uint64_t total, const ConsumerMode& mode,
                     ConsumerReport& report) {
    Child child([&](int fd) {
        Ring mine = std::move(ring);  // the child's copy, unmapped by the child
        send_report(fd, consume(mine, total, mode));
    });
    ASSERT_TRUE(child.started());
    produce(ring, total);
    ASSERT_TRUE(child.read_report(report, 20s)) << "the consumer did not finish (lost wake-up?)";
    EXPECT_EQ(child.join(5s), 0);
}

TEST(RingAcrossFork, SmallRingLosesWholeBatchesButNeverReordersOrDuplicates) {
    constexpr std::uint64_t kTotal = 20'000'000;
    Ring ring = ring_of(16, 4096);
    ConsumerReport r;
    ASSERT_NO_FATAL_FAILURE(run_across_fork(ring, kTotal, {.stall = true, .own_poll = true}, r));
    EXPECT_EQ(r.bad, 0u);
    EXPECT_EQ(r.finished, 1u);
    const RingStats s = ring.stats();
    EXPECT_EQ(r.seen, s.records_written);
    EXPECT_EQ(r.dropped, s.records_dropped);  // both sides see the same counters
    EXPECT_EQ(r.seen + r.dropped, kTotal);
    EXPECT_EQ(r.missing, r.dropped);  // every gap is a counted drop
    EXPECT_GT(r.dropped, 0u);         // the consumer stalled: the ring had to drop
    EXPECT_EQ(r.batches, s.batches_written);
    // Drops after the last published batch are in the counters only.
    EXPECT_GT(r.dropped_batches_seen, 0u);
    EXPECT_LE(r.dropped_batches_seen, s.batches_dropped);
}

TEST(RingAcrossFork, RingLargeEnoughForTheWholeRunLosesNothing) {
    constexpr std::uint64_t kTotal = 1'000'000;
    // 1000-record flushes of up to 255-record batches: 4 batches per 1000 records.
    Ring ring = ring_of(kTotal / 1000 * 4 + 1, 4096);
    ConsumerReport r;
    ASSERT_NO_FATAL_FAILURE(run_across_fork(ring, kTotal, {.stall = false, .own_poll = false}, r));
    EXPECT_EQ(r.bad, 0u);
    EXPECT_EQ(r.seen, kTotal);
    EXPECT_EQ(r.missing, 0u);
    EXPECT_EQ(r.dropped, 0u);
    EXPECT_EQ(ring.stats().records_dropped, 0u);
}

TEST(RingAcrossFork, TheChildUnmappingItsCopyLeavesTheParentsIntact) {
    Ring ring = make_ring(4096, 256);
    write_record(ring, 1);
    ring.flush();
    Child child([&](int) { Ring mine = std::move(ring); });
    ASSERT_TRUE(child.started());
    EXPECT_EQ(child.join(5s), 0);
    write_record(ring, 2);
    ring.flush();
    EXPECT_EQ(drain(ring), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_GE(::fcntl(ring.event_fd(), F_GETFD), 0);
}

// --- wake-ups -------------------------------------------------------------------------------

struct WakeReport {
    std::int64_t woke_ns = 0;
    std::uint64_t got_batch = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t finished = 0;
};

WakeReport sleep_once(Ring& ring) {
    ring.wait(-1);
    WakeReport r;
    r.woke_ns = monotonic_ns();
    Batch b;
    if (ring.peek(b)) {
        r.got_batch = 1;
        r.first_seq = seq_of(b.data);
        ring.release();
    }
    r.finished = ring.finished() ? 1 : 0;
    return r;
}

// Waits (bounded) until the child has announced sleep, then gives it time to enter poll().
bool wait_until_consumer_sleeps(const Ring& ring) {
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!ring.consumer_sleeping()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(20ms);
    return true;
}

TEST(RingWakeups, FlushWakesAConsumerBlockedInWait) {
    Ring ring = make_ring(4096, 256);
    Child child([&](int fd) { send_report(fd, sleep_once(ring)); });
    ASSERT_TRUE(child.started());
    ASSERT_TRUE(wait_until_consumer_sleeps(ring));
    const std::int64_t sent_ns = monotonic_ns();
    write_record(ring, 42);
    ring.flush();
    WakeReport r;
    ASSERT_TRUE(child.read_report(r, 5s)) << "the consumer was not woken";
    EXPECT_EQ(child.join(5s), 0);
    EXPECT_EQ(r.got_batch, 1u);
    EXPECT_EQ(r.first_seq, 42u);
    EXPECT_LT(r.woke_ns - sent_ns, 100'000'000);
    EXPECT_EQ(ring.stats().wakeups, 1u);
}

TEST(RingWakeups, CloseWakesAConsumerBlockedInWait) {
    Ring ring = make_ring(4096, 256);
    Child child([&](int fd) { send_report(fd, sleep_once(ring)); });
    ASSERT_TRUE(child.started());
    ASSERT_TRUE(wait_until_consumer_sleeps(ring));
    const std::int64_t sent_ns = monotonic_ns();
    ring.close();
    WakeReport r;
    ASSERT_TRUE(child.read_report(r, 5s)) << "close() did not wake the consumer";
    EXPECT_EQ(child.join(5s), 0);
    EXPECT_EQ(r.got_batch, 0u);
    EXPECT_EQ(r.finished, 1u);
    EXPECT_LT(r.woke_ns - sent_ns, 100'000'000);
}

TEST(RingWakeups, ABusyConsumerCostsNoWakeUpPerBatch) {
    // The consumer is slower than the producer (~50 us of blocking work per batch, as when a
    // plugin writes its output), so the ring never runs dry while the producer runs. Sleeping
    // rather than spinning leaves the CPU to the producer even when both share one core.
    Ring ring = ring_of(256, 4096);
    struct Report {
        std::uint64_t batches = 0;
        std::uint64_t bad = 0;
    };
    Child child([&](int fd) {
        Report r;
        std::uint64_t last = 0;
        Batch b;
        for (;;) {
            if (!ring.peek(b)) {
                if (ring.finished()) break;
                ring.wait(-1);
                continue;
            }
            for (std::uint32_t i = 0; i < b.records; ++i) {
                const std::uint8_t* rec = b.data + std::size_t{i} * kRecordSize;
                if (!record_ok(rec) || (last != 0 && seq_of(rec) <= last)) ++r.bad;
                last = seq_of(rec);
            }
            std::this_thread::sleep_for(50us);
            ++r.batches;
            ring.release();
        }
        send_report(fd, r);
    });
    ASSERT_TRUE(child.started());
    // Sustained load for 300 ms.
    const auto stop = std::chrono::steady_clock::now() + 300ms;
    std::uint64_t seq = 1;
    while (std::chrono::steady_clock::now() < stop) {
        for (int i = 0; i < 1000; ++i) write_record(ring, seq++);
    }
    ring.close();
    Report r;
    ASSERT_TRUE(child.read_report(r, 10s)) << "the consumer did not finish";
    EXPECT_EQ(child.join(5s), 0);
    const RingStats s = ring.stats();
    EXPECT_EQ(r.bad, 0u);
    EXPECT_EQ(r.batches, s.batches_written);
    ASSERT_GT(s.batches_written, 500u);
    EXPECT_LT(s.wakeups * 20, s.batches_written)
        << s.wakeups << " wake-ups for " << s.batches_written << " batches";
}

}  // namespace
}  // namespace pmacct::ipc
