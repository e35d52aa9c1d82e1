#!/usr/bin/python3
# Builds ipfix-values.pcap: IPFIX (v10) records over UDP with edge values for every column
# nfacctd can fill from IPFIX, used to capture the golden outputs of Debian's nfacctd 1.7.7.
import socket
import struct
import sys

from scapy.all import IP, UDP, Ether, Raw, wrpcap

OUT = sys.argv[1] if len(sys.argv) > 1 else "ipfix-values.pcap"
EXPORT_TIME = 1680626679  # 2023-04-04 16:44:39 UTC

# (IE, length, struct code or None for raw bytes)
V4_FIELDS = [
    (8, 4, "4s"), (12, 4, "4s"), (7, 2, "H"), (11, 2, "H"), (4, 1, "B"), (5, 1, "B"),
    (6, 1, "B"), (9, 1, "B"), (13, 1, "B"), (10, 4, "I"), (14, 4, "I"), (16, 4, "I"),
    (17, 4, "I"), (18, 4, "4s"), (56, 6, "6s"), (80, 6, "6s"), (58, 2, "H"), (256, 2, "H"),
    (1, 8, "Q"), (2, 8, "Q"), (3, 8, "Q"), (152, 8, "Q"), (153, 8, "Q"), (90, 8, "8s"),
    (70, 3, "3s"), (34, 4, "I"),
]
# NAT events (nfacctd gives records of a template with natEvent the "event" flow type).
NAT_FIELDS = [
    (8, 4, "4s"), (12, 4, "4s"), (7, 2, "H"), (11, 2, "H"), (4, 1, "B"), (225, 4, "4s"),
    (226, 4, "4s"), (227, 2, "H"), (228, 2, "H"), (230, 1, "B"), (1, 8, "Q"), (2, 8, "Q"),
    (152, 8, "Q"),
]
V6_FIELDS = [
    (27, 16, "16s"), (28, 16, "16s"), (7, 2, "H"), (11, 2, "H"), (4, 1, "B"), (29, 1, "B"),
    (30, 1, "B"), (62, 16, "16s"), (1, 8, "Q"), (2, 8, "Q"), (152, 8, "Q"), (153, 8, "Q"),
]


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def rd(rd_type, admin, val):
    if rd_type == 0:
        return struct.pack("!HHI", 0, admin, val)
    if rd_type == 1:
        return struct.pack("!H4sH", 1, ip4(admin), val)
    return struct.pack("!HIH", 2, admin, val)


def label(v):
    return struct.pack("!I", (v << 4) | 1)[1:]


def v4(src, dst, sport, dport, proto, tos, flags, smask, dmask, iin, iout, sas, das, nh, smac,
       dmac, vlan, etype, octets, pkts, flows, start_ms, end_ms, rdv, mpls, sampling):
    return [ip4(src), ip4(dst), sport, dport, proto, tos, flags, smask, dmask, iin, iout, sas,
            das, ip4(nh), mac(smac), mac(dmac), vlan, etype, octets, pkts, flows, start_ms,
            end_ms, rdv, label(mpls), sampling]


V4_RECORDS = [
    v4("192.0.2.1", "198.51.100.200", 65535, 0, 6, 255, 255, 32, 0, 4294967295, 0,
       4294967295, 0, "203.0.113.254", "00:11:22:aa:bb:cc", "ff:ff:ff:ff:ff:ff", 4095, 0x0800,
       18446744073709551615, 123456789012345, 1, 1680626664123, 1680626678999,
       rd(0, 65535, 4294967295), 1048575, 4294967295),
    v4("10.0.0.1", "10.0.0.2", 53, 1024, 17, 0, 0, 8, 16, 1, 2, 64512, 65000, "0.0.0.0",
       "00:00:00:00:00:00", "01:00:5e:00:00:01", 0, 0x86dd, 100, 1, 1, 1680626664000,
       1680626664001, rd(1, "192.0.2.255", 65535), 0, 1),
    v4("10.0.0.3", "10.0.0.4", 0, 771, 1, 16, 2, 24, 24, 3, 4, 1, 2, "198.18.0.1",
       "02:00:00:00:00:01", "02:00:00:00:00:02", 1, 0x8100, 64, 1, 1, 1680626665500,
       1680626665500, rd(2, 4200000000, 7), 16, 100),
]
# Every protocol number once, to read the protocol names table.
for p in range(256):
    V4_RECORDS.append(
        v4("10.1.0.1", "10.2.0.1", p, 0, p, 0, 0, 0, 0, 0, 0, 0, 0, "0.0.0.0",
           "00:00:00:00:00:00", "00:00:00:00:00:00", 0, 0x0800, 40, 1, 1, 1680626670000,
           1680626670000, rd(0, 0, 0), 0, 0))

V6_RECORDS = [
    [ip6("2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"), ip6("::ffff:192.0.2.7"), 443, 50000, 6, 64,
     48, ip6("fe80::1"), 1500, 3, 1680626666000, 1680626667250],
    [ip6("2001:db8::1"), ip6("2001:db8:0:1::2"), 0, 0, 58, 0, 0, ip6("::"), 80, 1,
     1680626668000, 1680626668000],
]


NAT_RECORDS = [
    [ip4("10.20.0.1"), ip4("8.8.8.8"), 40001, 53, 17, ip4("203.0.113.1"), ip4("8.8.8.8"), 61001,
     53, 1, 0, 0, 1680626669000],
    [ip4("10.20.0.2"), ip4("1.1.1.1"), 40002, 443, 6, ip4("203.0.113.2"), ip4("1.1.1.1"), 65535,
     443, 2, 0, 0, 1680626669500],
]


def template(tid, fields):
    body = struct.pack("!HH", tid, len(fields))
    for ie, ln, _ in fields:
        body += struct.pack("!HH", ie, ln)
    return struct.pack("!HH", 2, 4 + len(body)) + body


def data(tid, fields, records):
    body = b""
    for rec in records:
        for (ie, ln, code), v in zip(fields, rec):
            body += struct.pack("!" + code, v)
    return struct.pack("!HH", tid, 4 + len(body)) + body


def message(seq, sets):
    payload = b"".join(sets)
    return struct.pack("!HHIII", 10, 16 + len(payload), EXPORT_TIME, seq, 7) + payload


def packet(msg):
    return (Ether(src="02:00:00:00:00:aa", dst="02:00:00:00:00:bb") /
            IP(src="192.0.2.100", dst="192.0.2.10") / UDP(sport=4739, dport=2055) / Raw(msg))


pkts = [packet(message(0, [template(256, V4_FIELDS), template(257, V6_FIELDS),
                           template(258, NAT_FIELDS)]))]
seq = 0
for i in range(0, len(V4_RECORDS), 20):
    chunk = V4_RECORDS[i:i + 20]
    pkts.append(packet(message(seq, [data(256, V4_FIELDS, chunk)])))
    seq += len(chunk)
pkts.append(packet(message(seq, [data(257, V6_FIELDS, V6_RECORDS)])))
seq += len(V6_RECORDS)
pkts.append(packet(message(seq, [data(258, NAT_FIELDS, NAT_RECORDS)])))
for n, p in enumerate(pkts):
    p.time = EXPORT_TIME + n * 0.001
wrpcap(OUT, pkts)
