// ring_bench: throughput of the core-to-plugin ring across fork, for a few geometries.
//
//   ring_bench [records] [record_size]
//
// The parent produces `records` records as fast as it can and closes the ring; the forked child
// consumes them (touching every byte, as a plugin hashing its keys would). Prints, per geometry,
// the producer's and the consumer's rates, drops and eventfd wake-ups. Figures, not pass/fail.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pmacct/ipc/ring.hpp"

namespace {

using pmacct::ipc::Batch;
using pmacct::ipc::Ring;
using pmacct::ipc::RingStats;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Geometry {
    std::size_t pipe_size;    // plugin_pipe_size
    std::size_t buffer_size;  // plugin_buffer_size
};

// Child: consume until finished; report records seen and the elapsed time through `fd`.
void consume(Ring& ring, int fd) {
    std::uint64_t seen = 0;
    std::uint64_t sum = 0;
    const Clock::time_point t0 = Clock::now();
    Batch b;
    for (;;) {
        if (!ring.peek(b)) {
            if (ring.finished()) break;
            ring.wait(-1);
            continue;
        }
        const std::size_t bytes = std::size_t{b.records} * ring.record_size();
        for (std::size_t i = 0; i < bytes; i += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, b.data + i, sizeof w);
            sum += w;
        }
        seen += b.records;
        ring.release();
    }
    const double secs = seconds_since(t0);
    char line[128];
    const int n =
        std::snprintf(line, sizeof line, "%llu %.6f %llu\n", static_cast<unsigned long long>(seen),
                      secs, static_cast<unsigned long long>(sum & 1));
    if (n > 0 && ::write(fd, line, static_cast<std::size_t>(n)) < 0) ::_exit(2);
}

bool run(const Geometry& g, std::uint64_t records, std::size_t record_size) {
    auto created = Ring::create(g.pipe_size, g.buffer_size, record_size);
    if (!created) {
        std::fprintf(stderr, "ring: %s\n", created.error().c_str());
        return false;
    }
    Ring ring = std::move(*created);
    int fds[2];
    if (::pipe(fds) != 0) return false;
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        ::close(fds[0]);
        consume(ring, fds[1]);
        ::_exit(0);
    }
    ::close(fds[1]);

    const Clock::time_point t0 = Clock::now();
    for (std::uint64_t seq = 0; seq < records; ++seq) {
        std::uint8_t* rec = ring.reserve();
        std::memcpy(rec, &seq, sizeof seq);
        std::memset(rec + sizeof seq, 0x5a, record_size - sizeof seq);
        ring.commit();
    }
    ring.close();
    const double produce_secs = seconds_since(t0);

    char buf[128] = {};
    std::size_t got = 0;
    for (ssize_t n = 0; got < sizeof buf - 1; got += static_cast<std::size_t>(n)) {
        n = ::read(fds[0], buf + got, sizeof buf - 1 - got);
        if (n <= 0) break;
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    unsigned long long seen = 0;
    double consume_secs = 0;
    unsigned long long ignored = 0;
    if (std::sscanf(buf, "%llu %lf %llu", &seen, &consume_secs, &ignored) != 3) return false;

    const RingStats s = ring.stats();
    std::printf(
        "pipe %9zu buffer %6zu (%5zu slots x %4zu rec)  produce %7.1f Mrec/s  consume %7.1f "
        "Mrec/s  dropped %5.2f%%  batches %8llu  wakeups %6llu\n",
        g.pipe_size, g.buffer_size, ring.slot_count(), ring.records_per_batch(),
        static_cast<double>(records) / produce_secs / 1e6,
        static_cast<double>(seen) / consume_secs / 1e6,
        100.0 * static_cast<double>(s.records_dropped) / static_cast<double>(records),
        static_cast<unsigned long long>(s.batches_written),
        static_cast<unsigned long long>(s.wakeups));
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20'000'000;
    std::size_t record_size = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 64;
    if (record_size < 8) record_size = 8;
    std::printf("%llu records of %zu bytes\n", static_cast<unsigned long long>(records),
                record_size);
    const Geometry geometries[] = {
        {4'096'000, 10'240},   // pmacct's defaults
        {10'240'000, 10'240},  // INTERNALS: "buffer 10KB / pipe 10MB"
        {65'536, 4'096},       // a small ring: drops expected
        {64'000'000, 65'536},  // large batches
    };
    for (const Geometry& g : geometries) {
        if (!run(g, records, record_size)) return 1;
    }
    return 0;
}
