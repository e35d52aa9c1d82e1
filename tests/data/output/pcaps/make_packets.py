#!/usr/bin/python3
# Builds packets-l2.pcap: Ethernet frames with VLAN/CoS, MPLS stacks, IPv4/IPv6 and a few
# protocols, used to capture the L2/MPLS golden outputs of Debian's pmacctd 1.7.7.
import sys

from scapy.all import IP, TCP, UDP, ICMP, Dot1Q, Ether, IPv6, Raw, wrpcap
from scapy.contrib.mpls import MPLS

OUT = sys.argv[1] if len(sys.argv) > 1 else "packets-l2.pcap"
T0 = 1680626664.25  # 2023-04-04 16:44:24.25 UTC

pkts = [
    Ether(src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb") / Dot1Q(vlan=100, prio=5) /
    IP(src="192.0.2.1", dst="198.51.100.2", tos=0xb8) / TCP(sport=40000, dport=443, flags="S") /
    Raw(b"x" * 10),
    Ether(src="00:11:22:33:44:55", dst="66:77:88:99:aa:bb") / Dot1Q(vlan=4094, prio=7) /
    IPv6(src="2001:db8:ffff:ffff:ffff:ffff:ffff:fffe", dst="2001:db8::2") /
    UDP(sport=53, dport=5353) / Raw(b"y" * 20),
    Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / MPLS(label=1048575, s=0, ttl=64) /
    MPLS(label=16, s=0, ttl=64) / MPLS(label=3, s=1, ttl=64) /
    IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(),
    Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / MPLS(label=299776, s=1, ttl=64) /
    IP(src="10.0.0.3", dst="10.0.0.4") / UDP(sport=1, dport=2),
    Ether(src="aa:bb:cc:dd:ee:ff", dst="ff:ff:ff:ff:ff:ff") / IP(src="10.9.9.9", dst="10.9.9.10", proto=47) /
    Raw(b"\x00\x00\x08\x00" + bytes(IP(src="172.16.0.1", dst="172.16.0.2") / TCP(sport=22, dport=2222))),
]
for n, p in enumerate(pkts):
    p.time = T0 + n * 0.5
wrpcap(OUT, pkts)
