#!/usr/bin/env bash
# pmacctd replaying a savefile, ours and Debian's pmacct 1.7.7 side by side: the CPU time of the
# core process (reading frames, dissecting, building keys, handing them to the plugin), per packet.
#
#   tests/bench/pmacctd_bench.sh [BUILD_DIR] [PACKETS]
#
# The capture: Ethernet/IPv4 TCP and UDP packets of 10k distinct 5-tuples, written by python3.
# One print plugin on the 5-tuple, whose own CPU is not counted. Not a pass/fail test.
set -euo pipefail
build=${1:-build}
packets=${2:-1000000}
source "$(dirname "$0")/bench_common.sh"
ours="$build/daemons/pmacctd"

pcap="$work/traffic.pcap"
python3 - "$pcap" "$packets" <<'PY'
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

replay_bench pmacct-ng "$ours" "$pcap" "$packets" packet
if [[ -x /usr/sbin/pmacctd ]]; then replay_bench pmacct /usr/sbin/pmacctd "$pcap" "$packets" packet; fi
