#!/usr/bin/env bash
# The tee plugin replicating NetFlow, ours and Debian's pmacct 1.7.7 side by side, on loopback.
#
#   [NF_VERSION=5|9|10] [TEE_MAP=complex] tests/bench/tee_bench.sh [BUILD_DIR] [DATAGRAMS] [RATES...]
#
# One tee plugin, one pool of two receivers (every datagram is sent twice). With TEE_MAP=complex
# a pre_tag_map on input interfaces makes both replicate flows one per datagram (QUICKSTART
# XVa); otherwise whole datagrams are replicated. For each rate (datagrams per second, 0 = as
# fast as one sender goes) it reports the datagrams the receivers got and the CPU time of the
# daemon (core and plugin) per datagram received. Not a pass/fail test: it prints figures.
set -euo pipefail
build=${1:-build}
datagrams=${2:-20000}
shift 2 2>/dev/null || true
rates=("$@")
[[ ${#rates[@]} -gt 0 ]] || rates=(10000 0)
version=${NF_VERSION:-9}
source "$(dirname "$0")/bench_common.sh"

# Two receivers counting what they get until 2 s of silence; the count goes to $work/$1.count.
receive() {
    python3 - "$@" <<'PY' &
import select, socket, sys, time
socks = []
for port in sys.argv[2:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    s.bind(("127.0.0.1", int(port)))
    s.setblocking(False)
    socks.append(s)
n, last = 0, time.time()
while time.time() - last < 4:
    r, _, _ = select.select(socks, [], [], 0.2)
    for s in r:
        while True:
            try:
                s.recv(65535)
            except BlockingIOError:
                break
            n += 1
            last = time.time()
open(sys.argv[1], "w").write(str(n))
PY
}

run_one() {
    local name=$1 binary=$2 rate=$3 port=$((20000 + RANDOM % 20000))
    local r1=$((port + 1)) r2=$((port + 2)) conf="$work/$name.conf"
    echo "id=1 ip=127.0.0.1:$r1,127.0.0.1:$r2" > "$work/receivers.lst"
    echo "set_tag=1 ip=0.0.0.0/0 in=1" > "$work/pretag.map"
    cat > "$conf" <<EOC
nfacctd_ip: 127.0.0.1
nfacctd_port: $port
nfacctd_pipe_size: 33554432
plugins: tee[a]
tee_receivers[a]: $work/receivers.lst
tee_pipe_size: 8388608
plugin_pipe_size: 67108864
plugin_buffer_size: 102400
EOC
    [[ ${TEE_MAP:-} == complex ]] && echo "pre_tag_map[a]: $work/pretag.map" >> "$conf"
    rm -f "$work/$name.count"
    receive "$work/$name.count" "$r1" "$r2"
    local receiver=$!
    "$binary" -f "$conf" 2> "$work/$name.log" &
    local pid=$!
    sleep 1.5
    local startup
    startup=$(cpu_of "$pid")
    "$gen" send 127.0.0.1 "$port" "$datagrams" 10000 30 "$rate" "$version" > /dev/null
    wait_idle cpu_of "$pid" 60
    local cpu
    cpu=$(echo "scale=3; $(cpu_of "$pid") - $startup" | bc)
    wait "$receiver" || true
    stop_daemon "$pid"
    local got
    got=$(cat "$work/$name.count" 2>/dev/null || echo 0)
    printf "%-9s rate=%-6s datagrams_sent=%-7s received=%-8s cpu=%7ss  %s us/datagram received\n" \
        "$name" "$rate" "$datagrams" "$got" "$cpu" "$(echo "scale=3; $cpu * 1000000 / ($got + 1)" | bc)"
}

if [[ $(id -u) -eq 0 ]]; then sysctl -qw net.core.rmem_max=33554432 net.core.wmem_max=33554432 || true; fi
echo "version=$version datagrams=$datagrams records_per_datagram=30 map=${TEE_MAP:-none} receivers=2"
for rate in "${rates[@]}"; do
    run_one pmacct-ng "$ours" "$rate"
    if [[ -x /usr/sbin/nfacctd ]]; then run_one pmacct "/usr/sbin/nfacctd" "$rate"; fi
done
