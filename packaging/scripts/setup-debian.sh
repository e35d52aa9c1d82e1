#!/usr/bin/env bash
# Installs every Debian 12 package pmacct-ng needs to build and to run its test suite.
# Idempotent and non-interactive: packages already present are left alone.
#   packaging/scripts/setup-debian.sh           build + test dependencies
#   packaging/scripts/setup-debian.sh --build   build dependencies only
set -euo pipefail

build_pkgs=(
    build-essential cmake ninja-build ccache pkg-config git
    libfmt-dev
    libpcap-dev libnetfilter-log-dev libjansson-dev librdkafka-dev librabbitmq-dev
    libmariadb-dev libpq-dev libsqlite3-dev libzmq3-dev libmaxminddb-dev libndpi-dev
    libavro-dev libhiredis-dev
)
test_pkgs=(
    libgtest-dev libgmock-dev libbenchmark-dev
    python3
    # Debian's pmacct 1.7.7: the reference implementation tests compare against.
    pmacct
    # An independent NetFlow v5/v9/IPFIX exporter (tests/integration/softflowd_test.cpp).
    softflowd
    # An independent packet dissector (tests/unit/packet/dissector_test.cpp).
    tshark
    # NFLOG rules for uacctd in test namespaces (tests/integration/uacctd_test.cpp).
    nftables
    # A real sFlow agent: Open vSwitch's bridge in test namespaces (sfacctd_ovs_test.cpp).
    openvswitch-switch
    # Live traffic on a veth for pmacctd (pmacctd_live_test.cpp).
    tcpreplay curl
)

want=("${build_pkgs[@]}")
[[ "${1:-}" == "--build" ]] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "setup-debian: all ${#want[@]} packages already installed"
    exit 0
fi

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "setup-debian: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-debian: done"
