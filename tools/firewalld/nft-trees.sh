#!/bin/bash
# nft-trees.sh : build the trees used to study the generated nft ruleset (under /tmp/fwd-research/nft-trees/NAME/etc)
S=/tmp/fwd-research/scripts; B=/tmp/fwd-research/nft-trees
hdr='<?xml version="1.0" encoding="utf-8"?>'
w() { mkdir -p "$(dirname "$T/$1")"; printf '%s\n%s\n' "$hdr" "$2" > "$T/$1"; }
new() { T=$B/$1/etc; $S/mktree.sh $T; sed -i "s/^DefaultZone=.*/DefaultZone=$2/" $T/firewalld.conf; }

# A: default zone public with everything; source-bound DROP and ACCEPT zones; negative/positive policies
new A public
w zones/public.xml '<zone>
  <service name="ssh"/>
  <port port="2222" protocol="tcp"/>
  <protocol value="gre"/>
  <source-port port="5000" protocol="udp"/>
  <icmp-block name="echo-request"/>
  <rule family="ipv4" priority="-10"><source address="198.51.100.7"/><drop/></rule>
  <rule family="ipv4"><source address="192.0.2.3"/><port port="22" protocol="tcp"/><reject type="tcp-reset"/></rule>
  <rule family="ipv4"><source address="192.0.2.0/24" invert="True"/><port port="2223" protocol="tcp"/><accept><limit value="3/m"/></accept></rule>
  <rule family="ipv4"><service name="ssh"/><log prefix="SSH " level="info"><limit value="1/m"/></log></rule>
  <rule family="ipv4"><port port="2224" protocol="tcp"/><log prefix="L2224 "/><accept/></rule>
  <rule family="ipv4"><port port="2225" protocol="tcp"/><log prefix="D2225 "/><drop/></rule>
  <rule family="ipv6" priority="5"><source address="2001:db8::/64"/><port port="2226" protocol="tcp"/><accept/></rule>
  <rule priority="32767"><port port="2227" protocol="tcp"/><reject/></rule>
  <rule family="ipv4" priority="-32768"><source address="198.51.100.9"/><audit/><accept/></rule>
  <rule family="ipv4"><source address="192.0.2.5"/><mark set="0x10"/></rule>
  <rule family="ipv4"><icmp-type name="echo-request"/><accept/></rule>
  <rule family="ipv4"><destination address="192.0.2.1"/><port port="2228" protocol="tcp"/><accept/></rule>
  <rule><source mac="02:00:00:00:00:01"/><port port="2229" protocol="tcp"/><accept/></rule>
  <rule family="ipv4"><source ipset="adm"/><service name="ssh"/><accept/></rule>
</zone>'
w ipsets/adm.xml '<ipset type="hash:net"><entry>192.0.2.128/25</entry></ipset>'
w zones/mgmt.xml '<zone target="DROP"><source address="198.51.100.0/24"/><service name="ssh"/></zone>'
w zones/tru.xml '<zone target="ACCEPT"><source address="2001:db8::/64"/></zone>'
w zones/aaa.xml '<zone target="%%REJECT%%"><source address="198.51.100.128/25"/><source ipset="adm"/><service name="ssh"/></zone>'
w policies/prepol.xml '<policy target="CONTINUE" priority="-100"><ingress-zone name="ANY"/><egress-zone name="HOST"/>
  <rule family="ipv4"><source address="198.51.100.2"/><port port="22" protocol="tcp"/><reject/></rule></policy>'
w policies/postpol.xml '<policy target="REJECT" priority="100"><ingress-zone name="public"/><egress-zone name="HOST"/><port port="2230" protocol="tcp"/></policy>'
w policies/mgmtpol.xml '<policy target="ACCEPT" priority="-50"><ingress-zone name="mgmt"/><egress-zone name="HOST"/></policy>'

# B: interface-bound zones and target variants; default zone drop
new B drop
w zones/ifz.xml '<zone target="%%REJECT%%"><interface name="vfw"/><service name="ssh"/><icmp-block-inversion/><icmp-block name="echo-request"/></zone>'
w zones/zz.xml '<zone target="default"><source address="192.0.2.3"/><port port="2222" protocol="tcp"/></zone>'
w zones/bb.xml '<zone><source address="192.0.2.0/24"/><port port="2223" protocol="tcp"/></zone>'
w zones/cc.xml '<zone target="ACCEPT"><interface name="eth9"/></zone>'

# C: source-order test: names sorted vs prefix length; mac + ipset sources
new C trusted
w zones/zlong.xml '<zone target="ACCEPT"><source address="192.0.2.3/32"/></zone>'
w zones/ashort.xml '<zone target="DROP"><source address="192.0.2.0/24"/></zone>'
w zones/mmac.xml '<zone target="DROP"><source address="02:00:00:00:00:99"/></zone>'
w zones/v6z.xml '<zone><source address="2001:db8::2/128"/><service name="ssh"/></zone>'

# D: combined zone + stock ssh override + service with destination and include
new D public
w services/ssh.xml '<service><port port="2200" protocol="tcp"/></service>'
w services/mysvc.xml '<service><port port="2201" protocol="tcp"/><include service="ssh"/><destination ipv4="192.0.2.1"/></service>'
w zones/public.xml '<zone><service name="ssh"/><service name="mysvc"/></zone>'
w zones/combo/a.xml '<zone><source address="198.51.100.0/24"/></zone>'
w zones/combo/b.xml '<zone target="DROP"><service name="ssh"/></zone>'
