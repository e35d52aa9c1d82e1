#!/bin/bash
# Regenerates the golden outputs of this directory with Debian's pmacct 1.7.7 daemons
# (/usr/sbin/nfacctd, pmacctd, sfacctd). Usage: ./capture.sh [case ...]
#
# Each case is a directory holding case.conf: a print-plugin configuration without
# print_output / print_output_file, whose first line is a "! test:" comment with
#   daemon=      nfacctd, pmacctd or sfacctd
#   formats=     the print_output values to capture, comma-separated
#   tz=          the TZ the daemon runs with (default UTC)
#   events=      COLUMN=value|value: the rows that are NetFlow events (JSON drops their
#                counters; the test cannot tell from the CSV)
#   timeout=     seconds the daemon runs before SIGINT (default 4)
# For every format the script writes <case>/<format>.conf (the exact configuration that ran)
# and the daemon's output <case>/<format>.txt (<case>/<format>-<bin>.txt with print_history).
# One daemon run per format: 1.7.7 mixes up counters when several print plugins share a run.
# 1.7.7 reading a savefile also, now and then, accounts the first records twice: every format
# with counters is run up to 4 times and the run with the smallest packet total is kept.
set -u
cd "$(dirname "$0")"
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
    cases=()
    for d in */case.conf; do cases+=("${d%/case.conf}"); done
fi
# Total of the PACKETS column (packets keys in JSON) over the files given.
total() {
    python3 - "$@" <<'PY'
import json, sys
t = 0
for name in sys.argv[1:]:
    lines = [l for l in open(name).read().split("\n") if l]
    if name.split("/")[-1].startswith("json"):
        t += sum(json.loads(l).get("packets", 0) % 2**64 for l in lines)
        continue
    sep = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else None)
    head = lines[0].split(sep)
    if "PACKETS" not in head:
        continue
    at = head.index("PACKETS") - len(head)
    t += sum(int(l.split(sep)[at]) for l in lines[1:])
print(t)
PY
}

# The output files of format $f of case $c.
outputs() {
    compgen -G "$c/$f.txt"
    compgen -G "$c/$f-*.txt"
}

for c in "${cases[@]}"; do
    hint=$(head -1 "$c/case.conf")
    daemon=$(sed -n 's/.*daemon=\([a-z]*\).*/\1/p' <<<"$hint")
    formats=$(sed -n 's/.*formats=\([a-z_,]*\).*/\1/p' <<<"$hint")
    tz=$(sed -n 's/.*tz=\([A-Za-z_/]*\).*/\1/p' <<<"$hint")
    wait=$(sed -n 's/.*timeout=\([0-9]*\).*/\1/p' <<<"$hint")
    history=$(grep -c '^print_history' "$c/case.conf")
    rm -f "$c"/*.txt
    for f in ${formats//,/ }; do
        out="$c/$f.txt"
        [ "$history" -gt 0 ] && out="$c/$f-%Y%m%d-%H%M.txt"
        { cat "$c/case.conf"; echo "print_output[p]: $f"; echo "print_output_file[p]: $out"; } \
            >"$c/$f.conf"
        best=""
        tries=1
        [[ $f == event_* ]] || tries=4
        for ((i = 0; i < tries; i++)); do
            rm -f "$c/$f".txt "$c/$f"-*.txt
            # SIGINT, never SIGTERM: 1.7.7 hangs on SIGTERM. The final purge writes the output.
            TZ=${tz:-UTC} timeout -s INT -k 5 "${wait:-4}" "/usr/sbin/$daemon" -f "$c/$f.conf" \
                >"/tmp/capture-$$.log" 2>&1
            grep -E 'ERROR|WARN' "/tmp/capture-$$.log" | grep -v 'connection lost\|no more plugins'
            mapfile -t files < <(outputs)
            if [ ${#files[@]} -eq 0 ]; then
                echo "$c: no output for $f"
                continue
            fi
            [ "$tries" -eq 1 ] && break
            t=$(total "${files[@]}")
            if [ -z "$best" ] || [ "$t" -lt "$best" ]; then
                best=$t
                mkdir -p "/tmp/capture-$$"
                rm -f "/tmp/capture-$$"/*
                cp "${files[@]}" "/tmp/capture-$$/"
            fi
        done
        if [ -n "$best" ]; then
            rm -f "$c/$f".txt "$c/$f"-*.txt
            cp "/tmp/capture-$$"/* "$c/"
            echo "$c/$f: $best packets"
        fi
    done
done
rm -rf "/tmp/capture-$$.log" "/tmp/capture-$$"
