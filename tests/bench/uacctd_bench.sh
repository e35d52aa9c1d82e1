#!/usr/bin/env bash
# uacctd on NFLOG, ours and Debian's pmacct 1.7.7 one after the other on the same traffic: the
# CPU time of the daemon (core and plugin) per packet.
#
#   [THRESHOLD=N] tests/bench/uacctd_bench.sh [BUILD_DIR] [PACKETS] [RATE]
#
# In a network namespace made for the run, an nftables rule logs every UDP datagram sent to
# 127.0.0.1:9995 to an NFLOG group; v5gen sends PACKETS datagrams there at RATE per second
# (default 50000). uacctd_threshold is THRESHOLD (default 1, uacctd's default). One print plugin
# on the 5-tuple. Reports packets accounted against those sent, and the CPU time of the daemon
# from the first packet until it is idle again, per packet. Needs root. Not a pass/fail test.
set -euo pipefail
build=${1:-build}
packets=${2:-500000}
rate=${3:-50000}
threshold=${THRESHOLD:-1}
source "$(dirname "$0")/bench_common.sh"
ours="$build/daemons/uacctd"
[[ -x $ours ]] || { echo "no $ours: configure with -DENABLE_NFLOG=ON" >&2; exit 1; }

ns="pmng-bench-$$"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" nft -f - <<'EOF'
table inet bench {
    chain out { type filter hook output priority 0; udp dport 9995 log group 7; }
}
EOF
# Something to receive the datagrams, so that no ICMP error comes back to the sender.
ip netns exec "$ns" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 9995))
time.sleep(3600)" &
sink=$!
trap 'kill $sink 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT

run_one() {
    local name=$1 binary=$2
    local conf="$work/$name.conf" out="$work/$name.csv"
    cat > "$conf" <<EOC
uacctd_group: 7
uacctd_threshold: $threshold
uacctd_nl_size: 2097152
EOC
    print_plugin_conf "$out" >> "$conf"
    [[ $name == pmacct ]] && printf 'plugin_pipe_size: 256000000\nplugin_buffer_size: 102400\n' >> "$conf"
    rm -f "$out"
    ip netns exec "$ns" "$binary" -f "$conf" 2> "$work/$name.log" &
    local pid=$!
    sleep 1.5
    local startup
    startup=$(cpu_of "$pid")
    ip netns exec "$ns" "$gen" send 127.0.0.1 9995 "$packets" 1 1 "$rate" > /dev/null
    wait_idle cpu_of "$pid" 60
    local cpu
    cpu=$(echo "scale=3; $(cpu_of "$pid") - $startup" | bc)
    stop_daemon "$pid"
    local got
    got=$(awk -F, 'NR>1 {s+=$(NF-1)} END {print s+0}' "$out" 2>/dev/null || echo 0)
    printf '%-10s packets %8d of %8d  cpu %7.3f s  %6.3f us/packet\n' "$name" "$got" "$packets" "$cpu" \
        "$(echo "scale=6; $cpu * 1000000 / $packets" | bc)"
}

echo "uacctd: $packets UDP datagrams at $rate/s, uacctd_threshold $threshold"
run_one pmacct-ng "$ours"
if [[ -x /usr/sbin/uacctd ]]; then run_one pmacct /usr/sbin/uacctd; fi
