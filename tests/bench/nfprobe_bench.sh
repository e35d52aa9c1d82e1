#!/usr/bin/env bash
# pmacctd with the nfprobe plugin replaying a savefile, ours and Debian's pmacct 1.7.7 one after
# the other: the CPU time of core and plugin together per packet, until every flow is exported
# (IPFIX to a UDP sink on loopback, which counts datagrams and records).
#
#   tests/bench/nfprobe_bench.sh [BUILD_DIR] [PACKETS]
#
# The capture: Ethernet/IPv4 TCP and UDP packets of 10k distinct 5-tuples (write_bench_pcap).
# Not a pass/fail test: it prints figures.
set -euo pipefail
build=${1:-build}
packets=${2:-1000000}
source "$(dirname "$0")/bench_common.sh"

pcap="$work/traffic.pcap"
write_bench_pcap "$pcap" "$packets"

# A sink counting what it gets until SIGTERM; prints "datagrams records".
sink() {
    exec python3 - "$1" "$2" <<'PY'
import signal, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
s.bind(('127.0.0.1', int(sys.argv[1])))
datagrams = records = 0
def done(*_):
    open(sys.argv[2], 'w').write(f'{datagrams} {records}\n')
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True:
    d = s.recv(65535)
    datagrams += 1
    at = 16  # IPFIX: count the records of the data sets of template 1024 (57 bytes each)
    while at + 4 <= len(d):
        sid, length = struct.unpack('!HH', d[at:at + 4])
        if length < 4:
            break
        if sid == 1024:
            records += (length - 4) // 57
        at += length
PY
}

run() {
    local name=$1 binary=$2 port=$((20000 + RANDOM % 20000))
    local conf="$work/$name.conf" counts="$work/$name.counts"
    sink "$port" "$counts" &
    local sink_pid=$!
    cat > "$conf" <<EOC
pcap_savefile: $pcap
pcap_savefile_wait: true
pcap_savefile_delay: 2
plugins: nfprobe[np]
aggregate[np]: src_host, dst_host, src_port, dst_port, proto, tos
nfprobe_receiver: 127.0.0.1:$port
nfprobe_version: 10
nfprobe_maxflows: 65536
EOC
    # pmacct drops what does not fit its plugin pipe while replaying a file; ours waits for room.
    [[ $name == pmacct ]] && printf 'plugin_pipe_size: 256000000\nplugin_buffer_size: 102400\n' >> "$conf"
    sleep 0.5
    "$binary" -f "$conf" 2> "$work/$name.log" &
    local pid=$! now
    now=$(cpu_after_startup cpu_of "$pid")
    # The flows are exported at the stop (their default timeouts are long).
    stop_daemon "$pid"
    sleep 1
    kill -TERM "$sink_pid"
    wait "$sink_pid" 2>/dev/null || true
    printf "%-9s cpu=%7ss  packets=%s  %s packets per CPU-second  (%s us/packet)  datagrams,flows=%s\n" \
        "$name" "$now" "$packets" "$(echo "scale=0; $packets / $now" | bc)" \
        "$(echo "scale=4; $now * 1000000 / $packets" | bc)" "$(tr ' ' ',' < "$counts")"
}

run pmacct-ng "$build/daemons/pmacctd"
if [[ -x /usr/sbin/pmacctd ]]; then run pmacct /usr/sbin/pmacctd; fi
