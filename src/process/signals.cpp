#include "pmacct/process/signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace pmacct::process {
namespace {

constexpr std::array<int, kSignalCount> kNumbers = {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGCHLD};

std::atomic<unsigned> g_pending{0};
std::atomic<bool> g_stop{false};
std::atomic<int> g_wake_write{-1};
int g_wake_read = -1;
std::array<std::function<void()>, kSignalCount> g_callbacks;

void handler(int signo) {
    const int saved_errno = errno;
    for (unsigned i = 0; i < kSignalCount; ++i) {
        if (kNumbers[i] == signo) g_pending.fetch_or(1U << i);
    }
    if (signo == SIGINT || signo == SIGTERM) g_stop.store(true);
    int fd = g_wake_write.load();
    if (fd >= 0) {
        char c = 0;
        [[maybe_unused]] ssize_t n = ::write(fd, &c, 1);  // a full pipe already wakes the loop
    }
    errno = saved_errno;
}

}  // namespace

int signal_number(Signal s) { return kNumbers[static_cast<unsigned>(s)]; }

Result<void> Signals::install() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        return fail(fmt::format("cannot create the signal pipe: {}", std::strerror(errno)));
    }
    int old_write = g_wake_write.exchange(fds[1]);
    if (old_write >= 0) ::close(old_write);
    if (g_wake_read >= 0) ::close(g_wake_read);
    g_wake_read = fds[0];

    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int signo : kNumbers) {
        if (::sigaction(signo, &sa, nullptr) != 0) {
            return fail(fmt::format("cannot install a handler for signal {}: {}", signo,
                                    std::strerror(errno)));
        }
    }
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    ::sigaction(SIGPIPE, &ign, nullptr);
    return ok();
}

void Signals::on(Signal s, std::function<void()> callback) {
    g_callbacks[static_cast<unsigned>(s)] = std::move(callback);
}

int Signals::wake_fd() { return g_wake_read; }

unsigned Signals::dispatch() {
    if (g_wake_read >= 0) {
        char buf[64];
        while (::read(g_wake_read, buf, sizeof buf) > 0) {
        }
    }
    unsigned pending = g_pending.exchange(0);
    unsigned handled = 0;
    for (unsigned i = 0; i < kSignalCount; ++i) {
        if ((pending & (1U << i)) == 0) continue;
        ++handled;
        if (g_callbacks[i]) g_callbacks[i]();
    }
    return handled;
}

bool Signals::stop_requested() { return g_stop.load(); }

bool Signals::pending() { return g_pending.load(std::memory_order_relaxed) != 0; }

void Signals::reset() {
    for (auto& cb : g_callbacks) cb = nullptr;
    g_pending.store(0);
    g_stop.store(false);
}

}  // namespace pmacct::process
