#!/usr/bin/env bash
# The quick start: nfacctd reads a NetFlow v5 capture (examples/netflow-v5.pcap) and shows
# the aggregated traffic twice: printed to the screen by the print plugin, and kept in a memory
# table that the pmacct client queries. Run from anywhere after building (build/ by default).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PMACCT_BUILD_DIR:-build}/daemons

echo "== nfacctd with the print plugin (examples/nfacctd-print.conf.example)"
"$bin/nfacctd" -f examples/nfacctd-print.conf.example 2>/dev/null

echo
echo "== nfacctd with the memory plugin (examples/nfacctd-imt.conf.example), queried by pmacct"
pipe=/tmp/pmacct-ng-quickstart.pipe
"$bin/nfacctd" -f examples/nfacctd-imt.conf.example 2>/dev/null &
daemon=$!
trap 'kill -INT $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [[ -S $pipe ]] && break; sleep 0.05; done
sleep 0.5
echo "+ pmacct -p $pipe -s -T bytes,10"
"$bin/pmacct" -p "$pipe" -s -T bytes,10
echo "+ pmacct -p $pipe -c proto -N 'tcp;udp'   (bytes per protocol)"
"$bin/pmacct" -p "$pipe" -c proto -N 'tcp;udp'
kill -INT $daemon
wait $daemon
trap - EXIT
