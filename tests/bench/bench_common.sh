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

# SIGINT, up to 10 s to exit, then SIGKILL.
stop_daemon() {
    kill -INT "$1"
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
