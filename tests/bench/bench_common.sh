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
