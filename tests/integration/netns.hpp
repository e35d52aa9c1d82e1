// Network namespaces for live-capture tests (pmacctd on a veth pair, uacctd on NFLOG): made by
// the test with `ip netns add`, joined by veth pairs, removed at the end; and UDP traffic sent
// from inside one of them. Nothing leaves the namespaces.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon.hpp"
#include "run_program.hpp"
#include "test_support.hpp"

namespace pmacct::testing {

inline constexpr const char* kIp = "/usr/sbin/ip";

inline bool ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kIp};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv).exit_code == 0;
}

// Two namespaces, "a" and "b", joined by the veth pair pmng0 (a, 192.0.2.1) - pmng0 (b,
// 192.0.2.2), IPv6 off (unless asked for) so that no neighbour discovery adds packets. Removed
// at the end.
class Namespaces {
public:
    explicit Namespaces(bool ipv6 = false) {
        const std::string tag = std::to_string(::getpid());
        a_ = "pmng-a-" + tag;
        b_ = "pmng-b-" + tag;
        ok_ = ip({"netns", "add", a_}) && ip({"netns", "add", b_});
        for (const auto& ns : {a_, b_}) {
            for (const char* key : {"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}) {
                if (ipv6) break;
                ok_ = ok_ && run_program({kIp, "netns", "exec", ns, "/usr/sbin/sysctl", "-qw", key}).exit_code == 0;
            }
            ok_ = ok_ && ip({"-n", ns, "link", "set", "lo", "up"});
        }
        ok_ = ok_ && link("pmng0", "192.0.2");
    }
    ~Namespaces() {
        ip({"netns", "del", a_});
        ip({"netns", "del", b_});
    }
    Namespaces(const Namespaces&) = delete;
    Namespaces& operator=(const Namespaces&) = delete;

    bool ok() const { return ok_; }
    const std::string& a() const { return a_; }
    const std::string& b() const { return b_; }
    // A veth pair `name` between a (`net`.1/24) and b (`net`.2/24), both ends up.
    bool link(const std::string& name, const std::string& net) {
        return ip({"-n", a_, "link", "add", name, "type", "veth", "peer", "name", name, "netns", b_}) &&
               ip({"-n", a_, "addr", "add", net + ".1/24", "dev", name}) &&
               ip({"-n", b_, "addr", "add", net + ".2/24", "dev", name}) &&
               ip({"-n", a_, "link", "set", name, "up"}) && ip({"-n", b_, "link", "set", name, "up"});
    }

private:
    std::string a_, b_;
    bool ok_ = false;
};

struct Datagrams {
    std::uint16_t src_port;
    std::uint16_t dst_port;
    std::size_t payload;
    int count;
    int per_pause = 1;  // datagrams sent between two 2 ms pauses
};

// Sends `what` from namespace `ns` (source `from`) to `to`, IPv4 or IPv6 addresses; true when
// every datagram was sent.
inline bool send_from(const std::string& ns, const char* from, const char* to, const std::vector<Datagrams>& what) {
    const bool v6 = std::string_view(to).find(':') != std::string_view::npos;
    auto address = [v6](const char* ip, std::uint16_t port, sockaddr_storage& a) {
        a = {};
        if (v6) {
            auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons(port);
            ::inet_pton(AF_INET6, ip, &a6->sin6_addr);
            return static_cast<socklen_t>(sizeof(sockaddr_in6));
        }
        auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        ::inet_pton(AF_INET, ip, &a4->sin_addr);
        return static_cast<socklen_t>(sizeof(sockaddr_in));
    };
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!enter_netns(ns)) ::_exit(1);
        for (const auto& d : what) {
            const int s = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
            sockaddr_storage a{};
            socklen_t len = address(from, d.src_port, a);
            if (::bind(s, reinterpret_cast<sockaddr*>(&a), len) != 0) ::_exit(2);
            len = address(to, d.dst_port, a);
            const std::vector<char> payload(d.payload, 'x');
            for (int i = 0; i < d.count; ++i) {
                if (::sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&a), len) < 0) {
                    ::_exit(3);
                }
                if ((i + 1) % d.per_pause == 0) ::usleep(2000);
            }
            ::close(s);
        }
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

inline std::vector<std::string> rows_of(const std::string& path) {
    std::vector<std::string> rows;
    for (const auto& r : parse_csv(read_file(path)).rows) {
        std::string line;
        for (const auto& cell : r) line += cell + ",";
        rows.push_back(line);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

}  // namespace pmacct::testing
