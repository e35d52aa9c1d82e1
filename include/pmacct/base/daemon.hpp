// The programs of the suite, and sets of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pmacct {

enum class Daemon : std::uint8_t {
    kPmacctd,
    kUacctd,
    kNfacctd,
    kSfacctd,
    kPmbgpd,
    kPmbmpd,
    kPmtelemetryd,
};

inline constexpr int kDaemonCount = 7;

using DaemonMask = std::uint8_t;

constexpr DaemonMask mask_of(Daemon d) { return static_cast<DaemonMask>(1U << static_cast<unsigned>(d)); }

inline constexpr DaemonMask kPm = mask_of(Daemon::kPmacctd);
inline constexpr DaemonMask kUa = mask_of(Daemon::kUacctd);
inline constexpr DaemonMask kNf = mask_of(Daemon::kNfacctd);
inline constexpr DaemonMask kSf = mask_of(Daemon::kSfacctd);
inline constexpr DaemonMask kBgpd = mask_of(Daemon::kPmbgpd);
inline constexpr DaemonMask kBmpd = mask_of(Daemon::kPmbmpd);
inline constexpr DaemonMask kTeled = mask_of(Daemon::kPmtelemetryd);

// Packet capture daemons (libpcap, NFLOG).
inline constexpr DaemonMask kCapture = kPm | kUa;
// Flow collectors (NetFlow/IPFIX, sFlow).
inline constexpr DaemonMask kFlow = kNf | kSf;
// Every daemon that accounts traffic through plugins.
inline constexpr DaemonMask kTraffic = kCapture | kFlow;
// Every daemon that can run a BGP thread or is the BGP collector.
inline constexpr DaemonMask kWithBgp = kTraffic | kBgpd;
// Every daemon that can run a BMP thread or is the BMP collector.
inline constexpr DaemonMask kWithBmp = kTraffic | kBmpd;
// Every daemon that can run a telemetry thread or is the telemetry collector.
inline constexpr DaemonMask kWithTelemetry = kTraffic | kTeled;
inline constexpr DaemonMask kAllDaemons = static_cast<DaemonMask>((1U << kDaemonCount) - 1);

constexpr bool in_mask(DaemonMask m, Daemon d) { return (m & mask_of(d)) != 0; }

// "nfacctd", "pmbgpd", ...
std::string_view daemon_name(Daemon d);
std::optional<Daemon> daemon_from_name(std::string_view name);

}  // namespace pmacct
