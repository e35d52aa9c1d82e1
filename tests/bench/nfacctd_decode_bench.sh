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

run_one() {
    local name=$1 binary=$2 pcap=$3 records=$4
    local conf="$work/$name.conf" out="$work/$name.csv"
    cat > "$conf" <<EOC
pcap_savefile: $pcap
pcap_savefile_wait: true
pcap_savefile_delay: 2
plugins: print[p]
print_output[p]: csv
print_output_file[p]: $out
print_refresh_time[p]: 3600
print_num_protos: true
aggregate[p]: src_host, dst_host, src_port, dst_port, proto
EOC
    # pmacct drops what does not fit its plugin pipe while replaying a file; ours waits for room.
    [[ $name == pmacct ]] && printf 'plugin_pipe_size: 256000000\nplugin_buffer_size: 102400\n' >> "$conf"
    rm -f "$out"
    "$binary" -f "$conf" 2> "$work/$name.log" &
    local pid=$! startup
    # Start-up (libraries, plugins, rings) is left out: the replay starts after a 2 s delay.
    sleep 1.5
    startup=$(core_cpu "$pid")
    sleep 1
    # Until the core is idle: the whole savefile went through.
    wait_idle core_cpu "$pid" 240
    local now
    now=$(core_cpu "$pid")
    stop_daemon "$pid"
    local got
    got=$(awk -F, 'NR>1 {s+=$(NF-1)} END {print s+0}' "$out" 2>/dev/null || echo 0)
    now=$(echo "scale=3; $now - $startup" | bc)
    printf "%-9s core_cpu=%7ss  records=%s  %s records per CPU-second  (%s us/record)  packets_out=%s\n" \
        "$name" "$now" "$records" "$(echo "scale=0; $records / $now" | bc)" \
        "$(echo "scale=4; $now * 1000000 / $records" | bc)" "$got"
}

for v in "${versions[@]}"; do
    pcap="$work/v$v.pcap"
    made=$("$gen" pcap "$pcap" "$datagrams" 10000 30 "$v")
    records=$(sed -n 's/^records=\([0-9]*\).*/\1/p' <<< "$made")
    echo "version=$v datagrams=$datagrams $made"
    run_one pmacct-ng "$ours" "$pcap" "$records"
    if [[ -x /usr/sbin/nfacctd ]]; then run_one pmacct /usr/sbin/nfacctd "$pcap" "$records"; fi
    rm -f "$pcap"
done
