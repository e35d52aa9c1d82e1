// Daemons started in the background for the integration tests, and UDP to them on loopback.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {

// A socket of `type` (SOCK_DGRAM, SOCK_STREAM) bound on 127.0.0.1 at a port the kernel picks
// (`port` gets it).
inline int loopback_socket(int type, std::uint16_t& port) {
    int fd = ::socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t l = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
    port = ntohs(a.sin_port);
    return fd;
}

inline int loopback_udp_socket(std::uint16_t& port) { return loopback_socket(SOCK_DGRAM, port); }

// A UDP (TCP) port on 127.0.0.1 that was free a moment ago.
inline std::uint16_t free_udp_port() {
    std::uint16_t port = 0;
    ::close(loopback_udp_socket(port));
    return port;
}
inline std::uint16_t free_tcp_port() {
    std::uint16_t port = 0;
    ::close(loopback_socket(SOCK_STREAM, port));
    return port;
}

// Enters network namespace `ns` (a name under /run/netns, as `ip netns add` makes them).
inline bool enter_netns(const std::string& ns) {
    const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    return fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
}

// A daemon started in the background with `-f conf` (or the arguments `args`), its stdout and
// stderr in `log`, in network namespace `netns` when one is named. `program` is a name in
// PMACCT_PROGRAM_DIR or an absolute path. Killed if still running at the end.
class Daemon {
public:
    Daemon(const std::string& program, const std::string& conf, const std::string& log)
        : Daemon(program, std::vector<std::string>{"-f", conf}, log) {}
    Daemon(const std::string& program, std::vector<std::string> args, const std::string& log,
           const std::string& netns = {}) {
        const std::string path = program_path(program);
        pid_ = ::fork();
        if (pid_ == 0) {
            int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(fd, 2);
            ::dup2(fd, 1);
            if (!netns.empty() && !enter_netns(netns)) ::_exit(126);
            std::vector<char*> argv = {const_cast<char*>(path.c_str())};
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(path.c_str(), argv.data());
            ::_exit(127);
        }
    }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;
    ~Daemon() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    pid_t pid() const { return pid_; }
    // Sends `sig` and waits for the exit; the exit code (128+signal when killed).
    int stop(int sig = SIGINT, int timeout_ms = 30000) {
        ::kill(pid_, sig);
        return wait_exit(timeout_ms);
    }
    // The exit code, or -1 when still running after `timeout_ms`.
    int wait_exit(int timeout_ms = 30000) {
        for (int i = 0; i < timeout_ms / 10; ++i) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                exited_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return -1;
    }

private:
    pid_t pid_ = -1;
    bool exited_ = false;
};

// Datagrams from `source` (a loopback address; any when null) to 127.0.0.1:`port`.
struct Sender {
    int fd = -1;
    sockaddr_in to{};
    explicit Sender(std::uint16_t port, const char* source = nullptr) {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (source != nullptr) {
            sockaddr_in from{};
            from.sin_family = AF_INET;
            ::inet_pton(AF_INET, source, &from.sin_addr);
            ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from);
        }
        to.sin_family = AF_INET;
        to.sin_port = htons(port);
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;
    ~Sender() { ::close(fd); }
    void send(const std::vector<std::uint8_t>& d) {
        ::sendto(fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
};

// What a savefile replay left: the output file's text and, for ours, the exit code and log.
struct DaemonRun {
    std::string text;
    std::string log;
    int exit_code = 0;
};

// Runs `daemon` (nfacctd, sfacctd) over the savefile `conf` names until it is done: ours
// ("ours") until it exits, Debian's ("debian") until SIGINT after 6 s (1.7.7's nfacctd keeps
// running after a savefile; on a loaded machine it may still be starting after 4). Then reads
// `out`.
inline DaemonRun replay_savefile(const std::string& who, const std::string& conf, const std::string& out,
                                 const std::string& daemon = "nfacctd") {
    DaemonRun run;
    if (who == "debian") {
        run_program({"/usr/bin/timeout", "-s", "INT", "-k", "5", "6", "/usr/sbin/" + daemon, "-f", conf}, 20000);
    } else {
        auto r = run_program({daemon, "-f", conf}, 30000);
        run.exit_code = r.exit_code;
        run.log = r.err;
    }
    run.text = read_file(out);
    return run;
}

}  // namespace pmacct::testing
