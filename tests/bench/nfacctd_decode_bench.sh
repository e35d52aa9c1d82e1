#!/usr/bin/env bash
# Decoding alone: a savefile of NetFlow v5, v9 or IPFIX replayed through nfacctd, ours and
# Debian's pmacct 1.7.7 side by side. Reports the CPU time of the core process only (reading the
# savefile, decoding, building keys, handing them to the plugin), per record.
#
#   tests/bench/nfacctd_decode_bench.sh [BUILD_DIR] [DATAGRAMS] [VERSIONS...]
#
# 30 records per datagram, 10k distinct flows, one print plugin on the 5-tuple whose own CPU is
# not counted. Not a pass/fail test: it prints figures.
set -euo pipefail
build=${1:-build}
datagrams=${2:-100000}
shift 2 2>/dev/null || true
versions=("$@")
[[ ${#versions[@]} -gt 0 ]] || versions=(5 9 10)
source "$(dirname "$0")/bench_common.sh"

for v in "${versions[@]}"; do
    pcap="$work/v$v.pcap"
    made=$("$gen" pcap "$pcap" "$datagrams" 10000 30 "$v")
    records=$(sed -n 's/^records=\([0-9]*\).*/\1/p' <<< "$made")
    echo "version=$v datagrams=$datagrams $made"
    replay_bench pmacct-ng "$ours" "$pcap" "$records" record
    if [[ -x /usr/sbin/nfacctd ]]; then replay_bench pmacct /usr/sbin/nfacctd "$pcap" "$records" record; fi
    rm -f "$pcap"
done
