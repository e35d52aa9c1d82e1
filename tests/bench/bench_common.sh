# Sourced by the nfacctd benchmarks: paths from the build directory, a work directory removed at
# exit, and CPU time from schedstat (nanoseconds on CPU; clock-tick accounting is too coarse on
# some virtual machines).
gen="$build/tests/v5gen"
ours="$build/daemons/nfacctd"
work=$(mktemp -d /tmp/pmacct-ng-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

# CPU seconds of one process, every thread (not its children).
cpu_of_process() {
    local total=0
    for t in /proc/$1/task/*/schedstat; do
        [[ -r $t ]] && total=$((total + $(awk '{print $1}' "$t")))
    done
    echo "$total"
}

# CPU seconds of a process and its children.
cpu_of() {
    local total=0
    for p in $1 $(pgrep -P "$1" || true); do total=$((total + $(cpu_of_process "$p"))); done
    echo "scale=3; $total / 1000000000" | bc
}

# CPU seconds of a process alone.
core_cpu() {
    echo "scale=3; $(cpu_of_process "$1") / 1000000000" | bc
}

# Waits until `measure pid` (cpu_of or core_cpu) stops changing, at most `tries` half-seconds:
# the daemon has worked through what it was sent.
wait_idle() {
    local measure=$1 pid=$2 tries=${3:-60} prev=-1 now
    for _ in $(seq 1 "$tries"); do
        now=$("$measure" "$pid")
        [[ "$now" == "$prev" ]] && break
        prev=$now
        sleep 0.5
    done
}

# CPU seconds `measure pid` (cpu_of or core_cpu) reports from the end of start-up (libraries,
# plugins, rings: the replay starts after a pcap_savefile_delay of 2 s) until it is idle (the
# whole savefile went through).
cpu_after_startup() {
    local measure=$1 pid=$2 startup
    sleep 1.5
    startup=$("$measure" "$pid")
    sleep 1
    wait_idle "$measure" "$pid" 240
    echo "scale=3; $("$measure" "$pid") - $startup" | bc
}

# SIGINT, up to 10 s to exit, then SIGKILL.
stop_daemon() {
    kill -INT "$1"
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# The print plugin every benchmark runs: the 5-tuple, as CSV to file $1, written at exit.
print_plugin_conf() {
    cat <<EOC
plugins: print[p]
print_output[p]: csv
print_output_file[p]: $1
print_refresh_time[p]: 3600
print_num_protos: true
aggregate[p]: src_host, dst_host, src_port, dst_port, proto
EOC
}

# A savefile replayed through a daemon (pcap_savefile, one print plugin on the 5-tuple): the CPU
# time of its core process alone, from the start of the replay until it is idle, per `unit`.
#   replay_bench NAME BINARY PCAP COUNT UNIT   (NAME pmacct: Debian's, with a larger plugin pipe)
replay_bench() {
    local name=$1 binary=$2 pcap=$3 count=$4 unit=$5
    local conf="$work/$name.conf" out="$work/$name.csv"
    cat > "$conf" <<EOC
pcap_savefile: $pcap
pcap_savefile_wait: true
pcap_savefile_delay: 2
EOC
    print_plugin_conf "$out" >> "$conf"
    # pmacct drops what does not fit its plugin pipe while replaying a file; ours waits for room.
    [[ $name == pmacct ]] && printf 'plugin_pipe_size: 256000000\nplugin_buffer_size: 102400\n' >> "$conf"
    rm -f "$out"
    "$binary" -f "$conf" 2> "$work/$name.log" &
    local pid=$! now got
    now=$(cpu_after_startup core_cpu "$pid")
    stop_daemon "$pid"
    got=$(awk -F, 'NR>1 {s+=$(NF-1)} END {print s+0}' "$out" 2>/dev/null || echo 0)
    printf "%-9s core_cpu=%7ss  %ss=%s  %s %ss per CPU-second  (%s us/%s)  packets_out=%s\n" \
        "$name" "$now" "$unit" "$count" "$(echo "scale=0; $count / $now" | bc)" "$unit" \
        "$(echo "scale=4; $now * 1000000 / $count" | bc)" "$unit" "$got"
}

# Writes PACKETS Ethernet/IPv4 TCP and UDP packets of 10k distinct 5-tuples, 100k a second, to
# PATH (python3): the capture of the pmacctd and nfprobe benchmarks.
#   write_bench_pcap PATH PACKETS
write_bench_pcap() {
    python3 - "$1" "$2" <<'PY'
import random, struct, sys
path, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
flows = [(rnd.randrange(1 << 24), rnd.randrange(1 << 24), rnd.randrange(1024, 65535), rnd.choice([80, 443, 53]),
          rnd.choice([6, 17])) for _ in range(10000)]
with open(path, 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    eth = b'\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00'
    for i in range(n):
        s, d, sp, dp, proto = flows[rnd.randrange(len(flows))]
        l4 = struct.pack('!HHIIBBHHH', sp, dp, 1, 0, 0x50, 0x10, 1000, 0, 0) if proto == 6 else struct.pack('!HHHH', sp, dp, 8, 0)
        ip = struct.pack('!BBHHHBBHII', 0x45, 0, 20 + len(l4), i & 0xFFFF, 0, 64, proto, 0, (10 << 24) | s, (172 << 24) | d)
        frame = eth + ip + l4
        out.write(struct.pack('<IIII', 1700000000 + i // 100000, i % 1000000, len(frame), len(frame)) + frame)
PY
}
