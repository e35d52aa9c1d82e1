#include "pmacct/base/daemon.hpp"

#include <array>

namespace pmacct {
namespace {

constexpr std::array<std::string_view, kDaemonCount> kNames = {
    "pmacctd", "uacctd", "nfacctd", "sfacctd", "pmbgpd", "pmbmpd", "pmtelemetryd"};

}  // namespace

std::string_view daemon_name(Daemon d) { return kNames[static_cast<std::size_t>(d)]; }

std::optional<Daemon> daemon_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) return static_cast<Daemon>(i);
    }
    return std::nullopt;
}

}  // namespace pmacct
