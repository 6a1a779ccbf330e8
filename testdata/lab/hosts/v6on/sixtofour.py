#!/usr/bin/python3
"""Emulates a Windows PC with its transition interfaces left on, where the
kernel has no sit module. Every second:
- an ICMPv6 echo request from its 6to4 address 2002:<v4>::1, encapsulated
  in IPv4 protocol 41 to the office router (which drops it): unicast, seen
  only from a mirror port;
- an LLMNR query for "isatap" (224.0.0.252:5355), as the ISATAP client
  sends when DNS has no isatap name: multicast, seen by every port.
Only lab addresses: argv[1] is the host's IPv4, argv[2] the router's."""
import socket, struct, sys, time

src4, dst4 = sys.argv[1], sys.argv[2]
o = [int(x) for x in src4.split(".")]
src6 = bytes([0x20, 0x02] + o + [0] * 9 + [1])
dst6 = bytes([0x20, 0x02, 203, 0, 113, 1] + [0] * 9 + [1])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 41)
ll = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ll.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
ll.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(src4))
seq = 0
while True:
    seq = (seq + 1) & 0xFFFF
    icmp = struct.pack("!BBHHH", 128, 0, 0, 0x0604, seq) + b"sdn-lab 6to4"
    pseudo = src6 + dst6 + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64) + src6 + dst6 + icmp
    s.sendto(ip6, (dst4, 0))
    q = struct.pack("!HHHHHH", seq, 0, 1, 0, 0, 0) + b"\x06isatap\x00" + struct.pack("!HH", 1, 1)
    ll.sendto(q, ("224.0.0.252", 5355))
    time.sleep(1)
