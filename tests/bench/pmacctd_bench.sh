#!/usr/bin/env bash
# pmacctd replaying a savefile, ours and Debian's pmacct 1.7.7 side by side: the CPU time of the
# core process (reading frames, dissecting, building keys, handing them to the plugin), per packet.
#
#   tests/bench/pmacctd_bench.sh [BUILD_DIR] [PACKETS]
#
# The capture: Ethernet/IPv4 TCP and UDP packets of 10k distinct 5-tuples, written by python3.
# One print plugin on the 5-tuple, whose own CPU is not counted. Not a pass/fail test.
set -euo pipefail
build=${1:-build}
packets=${2:-1000000}
source "$(dirname "$0")/bench_common.sh"
ours="$build/daemons/pmacctd"

pcap="$work/traffic.pcap"
write_bench_pcap "$pcap" "$packets"

replay_bench pmacct-ng "$ours" "$pcap" "$packets" packet
if [[ -x /usr/sbin/pmacctd ]]; then replay_bench pmacct /usr/sbin/pmacctd "$pcap" "$packets" packet; fi
