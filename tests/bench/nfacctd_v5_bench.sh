#!/usr/bin/env bash
# NetFlow v5 (or v9, IPFIX, sFlow) through nfacctd (sfacctd), ours and Debian's pmacct 1.7.7 side
# by side, on loopback.
#
#   [NF_VERSION=9|10|sflow] tests/bench/nfacctd_v5_bench.sh [BUILD_DIR] [DATAGRAMS] [RATES...]
#
# NF_VERSION=9 or 10 sends the same records as NetFlow v9 or IPFIX (one template, re-sent every
# 64 datagrams). NF_VERSION=sflow runs sfacctd instead, on sFlow v5 datagrams of 10 flow samples
# (a record is then a sample).
# One print plugin aggregates on the 5-tuple (10k distinct flows, 30 records per datagram).
# For each rate (datagrams per second, 0 = as fast as one sender can go) it reports, per daemon:
# records received (from the PACKETS total against what was sent), loss, the CPU time start-up
# took, and the CPU time of the core and its plugins from the first datagram until the daemon is
# idle again, per million records. Not a pass/fail test: it prints figures.
set -euo pipefail
build=${1:-build}
datagrams=${2:-20000}
shift 2 2>/dev/null || true
rates=("$@")
[[ ${#rates[@]} -gt 0 ]] || rates=(2000 10000 0)
version=${NF_VERSION:-5}
source "$(dirname "$0")/bench_common.sh"
daemon=nfacctd
per_datagram=30
if [[ $version == sflow ]]; then
    daemon=sfacctd
    per_datagram=10
    ours="$build/daemons/sfacctd"
fi

run_one() {
    local name=$1 binary=$2 rate=$3 port=$((20000 + RANDOM % 20000))
    local out="$work/$name.csv" conf="$work/$name.conf"
    cat > "$conf" <<EOF
${daemon}_ip: 127.0.0.1
${daemon}_port: $port
${daemon}_pipe_size: 33554432
EOF
    print_plugin_conf "$out" >> "$conf"
    rm -f "$out"
    "$binary" -f "$conf" 2> "$work/$name.log" &
    local pid=$!
    sleep 1.5
    # Start-up (loading libraries, forking plugins) is reported apart: the per-record figure is
    # what the traffic costs, measured from here.
    local startup
    startup=$(cpu_of "$pid")
    local sent
    sent=$("$gen" send 127.0.0.1 "$port" "$datagrams" 10000 "$per_datagram" "$rate" "$version")
    # Let the daemon finish what is queued, then measure and stop it.
    wait_idle cpu_of "$pid" 60
    local cpu
    cpu=$(echo "scale=3; $(cpu_of "$pid") - $startup" | bc)
    stop_daemon "$pid"
    local sent_packets sent_records got_packets
    sent_packets=$(sed -n 's/.*packets=\([0-9]*\).*/\1/p' <<< "$sent")
    sent_records=$(sed -n 's/^records=\([0-9]*\).*/\1/p' <<< "$sent")
    got_packets=$(awk -F, 'NR>1 && $1 !~ /^--/ {s+=$(NF-1)} END {print s+0}' "$out" 2>/dev/null || echo 0)
    local received loss per_million
    received=$(echo "scale=0; $sent_records * $got_packets / $sent_packets" | bc)
    loss=$(echo "scale=2; 100 - 100 * $got_packets / $sent_packets" | bc)
    per_million=$(echo "scale=3; $cpu * 1000000 / ($received + 1)" | bc)
    printf "%-8s rate=%-7s records_sent=%-9s received=%-9s loss=%6s%%  startup_cpu=%5ss  cpu=%7ss  cpu_per_million_records=%ss (%s us/record)\n" \
        "$name" "${rate:-max}" "$sent_records" "$received" "$loss" "$startup" "$cpu" "$per_million" \
        "$(echo "scale=3; $per_million" | bc)"
}

# Let SO_RCVBUF (nfacctd_pipe_size) be as large as configured, for both daemons.
if [[ $(id -u) -eq 0 ]]; then sysctl -qw net.core.rmem_max=33554432 || true; fi
echo "net.core.rmem_max=$(cat /proc/sys/net/core/rmem_max)"
echo "version=$version datagrams=$datagrams records_per_datagram=$per_datagram distinct_flows=10000 (rate 0 = as fast as possible)"
for rate in "${rates[@]}"; do
    run_one pmacct-ng "$ours" "$rate"
    if [[ -x /usr/sbin/$daemon ]]; then run_one pmacct "/usr/sbin/$daemon" "$rate"; fi
done
