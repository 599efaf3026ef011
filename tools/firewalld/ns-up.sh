#!/bin/bash
# ns-up.sh : create netns fwdr-fw (firewall host) and fwdr-peer (client) joined by a veth pair.
#   fw   side: vfw  192.0.2.1/24 198.51.100.1/24 2001:db8::1/64
#   peer side: vpeer 192.0.2.2/24 192.0.2.3/24 198.51.100.2/24 198.51.100.7/24 2001:db8::2/64
set -e
ip netns add fwdr-fw
ip netns add fwdr-peer
ip link add vfw netns fwdr-fw type veth peer name vpeer netns fwdr-peer
for n in fwdr-fw fwdr-peer; do ip -n $n link set lo up; done
ip -n fwdr-fw addr add 192.0.2.1/24 dev vfw
ip -n fwdr-fw addr add 198.51.100.1/24 dev vfw
ip -n fwdr-fw addr add 2001:db8::1/64 dev vfw nodad
ip -n fwdr-peer addr add 192.0.2.2/24 dev vpeer
ip -n fwdr-peer addr add 192.0.2.3/24 dev vpeer
ip -n fwdr-peer addr add 198.51.100.2/24 dev vpeer
ip -n fwdr-peer addr add 198.51.100.7/24 dev vpeer
ip -n fwdr-peer addr add 2001:db8::2/64 dev vpeer nodad
ip -n fwdr-fw link set vfw up
ip -n fwdr-peer link set vpeer up
# per-netns ICMP error rate limits would turn rapid REJECTs into apparent timeouts
ip netns exec fwdr-fw sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
