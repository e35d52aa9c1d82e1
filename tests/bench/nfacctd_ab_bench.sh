#!/usr/bin/env bash
# Two nfacctd binaries fed at the same time, each by its own sender of the same NetFlow, on
# loopback: an A/B comparison that the machine's noise (other guests, other processes) hits on
# both sides alike. Runs one after the other differ by 30% on a VM; side by side, a change of a
# few nanoseconds a record shows.
#
#   [NF_VERSION=5|9|10] [BUILD_DIR=build] tests/bench/nfacctd_ab_bench.sh BINARY_A BINARY_B [DATAGRAMS] [RATE] [RUNS]
#
# One print plugin on the 5-tuple (10k distinct flows, 30 records per datagram) in each. Every run
# prints, for A and B, the CPU nanoseconds per record of the core and of the plugin; the runs
# alternate which binary starts first. Not a pass/fail test: it prints figures.
set -euo pipefail
a=$1
b=$2
datagrams=${3:-200000}
rate=${4:-20000}
runs=${5:-6}
version=${NF_VERSION:-9}
build=${BUILD_DIR:-build}  # for the sender (v5gen)
source "$(dirname "$0")/bench_common.sh"

ns_per_record() { echo "$(( ($2 - $1) / records ))"; }

# run_pair LABEL BINARY LABEL BINARY: the first pair member starts first.
run_pair() {
    local i
    local -a names=("$1" "$3") bins=("$2" "$4") pids ports kids core0 plugin0
    for i in 0 1; do
        ports[i]=$((20000 + RANDOM % 20000))
        cat > "$work/$i.conf" <<EOC
nfacctd_ip: 127.0.0.1
nfacctd_port: ${ports[i]}
nfacctd_pipe_size: 33554432
EOC
        print_plugin_conf "$work/$i.csv" >> "$work/$i.conf"
        "${bins[i]}" -f "$work/$i.conf" 2> "$work/$i.log" &
        pids[i]=$!
    done
    sleep 1.5
    for i in 0 1; do
        kids[i]=$(pgrep -P "${pids[i]}")
        core0[i]=$(cpu_of_process "${pids[i]}")
        plugin0[i]=$(cpu_of_process "${kids[i]}")
    done
    "$gen" send 127.0.0.1 "${ports[0]}" "$datagrams" 10000 30 "$rate" "$version" > /dev/null &
    local s0=$!
    "$gen" send 127.0.0.1 "${ports[1]}" "$datagrams" 10000 30 "$rate" "$version" > /dev/null &
    local s1=$!
    wait "$s0" "$s1"
    # Until core and plugin are idle: a napping plugin may still have batches to fold.
    for i in 0 1; do wait_idle cpu_of "${pids[i]}" 20; done
    local line=""
    for i in 0 1; do
        line+="$(printf '%s core=%4s plugin=%4s   ' "${names[i]}" \
            "$(ns_per_record "${core0[i]}" "$(cpu_of_process "${pids[i]}")")" \
            "$(ns_per_record "${plugin0[i]}" "$(cpu_of_process "${kids[i]}")")")"
        stop_daemon "${pids[i]}"
    done
    echo "$line"
}

records=$((datagrams * 30))
echo "version=$version datagrams=$datagrams rate=$rate records_per_datagram=30 distinct_flows=10000 (ns per record)"
echo "A=$a"
echo "B=$b"
for ((r = 0; r < runs; ++r)); do
    if ((r % 2 == 0)); then run_pair A "$a" B "$b"; else run_pair B "$b" A "$a"; fi
done
