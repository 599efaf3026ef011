#!/bin/bash
# daemon-cases.sh [CASE...] : for each case build a tree (base: DefaultZone=drop, zone mgmt = source 198.51.100.0/24 + ssh),
# apply the case's modification, start firewalld in netns fwdr-fw, record state / default zone / probes / nft ruleset, stop.
S=/tmp/fwd-research/scripts; D=/tmp/fwd-research/daemon-cases; mkdir -p $D
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/tmp/fwd-research/ns/bus.sock
hdr='<?xml version="1.0" encoding="utf-8"?>'
zone() { printf '%s\n%s\n' "$hdr" "$2" > "$T/zones/$1.xml"; }
svc()  { printf '%s\n%s\n' "$hdr" "$2" > "$T/services/$1.xml"; }
pol()  { printf '%s\n%s\n' "$hdr" "$2" > "$T/policies/$1.xml"; }
base() { T=$D/$1/etc; $S/mktree.sh $T; sed -i 's/^DefaultZone=.*/DefaultZone=drop/' $T/firewalld.conf
         zone mgmt '<zone><source address="198.51.100.0/24"/><service name="ssh"/></zone>'; }
setup() {
  case $1 in
    valid) ;;
    malformed_other) zone other '<zone><service name="ssh"></zone>' ;;
    unksvc_zone) zone other '<zone><service name="nosuch"/></zone>' ;;
    unksvc_rich) zone other '<zone><source address="192.0.2.3"/><rule family="ipv4"><source address="192.0.2.0/24"/><service name="nosuch"/><accept/></rule></zone>' ;;
    unksvc_rich_unused) zone other '<zone><rule family="ipv4"><source address="192.0.2.0/24"/><service name="nosuch"/><accept/></rule></zone>' ;;
    iface2) zone other '<zone><interface name="vfw"/></zone>'; zone other2 '<zone><interface name="vfw"/></zone>' ;;
    src2) zone other '<zone><source address="198.51.100.0/24"/></zone>' ;;
    baddefzone) sed -i 's/^DefaultZone=.*/DefaultZone=nosuch/' $T/firewalld.conf ;;
    unkipset_src) zone other '<zone><source ipset="nosuchset"/></zone>' ;;
    unkipset_rich) zone other '<zone><source address="192.0.2.3"/><rule family="ipv4"><source ipset="nosuchset"/><service name="ssh"/><accept/></rule></zone>' ;;
    combined_bad) mkdir $T/zones/combo; printf '%s\n<zone><service name="nosuch"/></zone>\n' "$hdr" > $T/zones/combo/a.xml ;;
    combined_ok) mkdir $T/zones/combo; printf '%s\n<zone><source address="192.0.2.3"/></zone>\n' "$hdr" > $T/zones/combo/a.xml; printf '%s\n<zone><port port="2222" protocol="tcp"/></zone>\n' "$hdr" > $T/zones/combo/b.xml ;;
    action_outside) zone mgmt '<zone><source address="198.51.100.0/24"/><accept/><service name="ssh"/></zone>' ;;
    rule_noaction) zone mgmt '<zone><source address="198.51.100.0/24"/><service name="ssh"/><rule family="ipv4"><source address="198.51.100.7"/><port port="22" protocol="tcp"/></rule></zone>' ;;
    rule_reject_nofamily) zone mgmt '<zone><source address="198.51.100.0/24"/><service name="ssh"/><rule><source address="198.51.100.7"/><port port="22" protocol="tcp"/><reject/></rule></zone>' ;;
    pol_prio0) pol p0 '<policy target="REJECT" priority="0"><ingress-zone name="ANY"/><egress-zone name="HOST"/><rule family="ipv4"><source address="198.51.100.7"/><port port="22" protocol="tcp"/><reject type="tcp-reset"/></rule></policy>' ;;
    pol_unkzone) pol p1 '<policy target="CONTINUE"><ingress-zone name="nosuch"/><egress-zone name="HOST"/></policy>' ;;
    unk_icmpblock) zone other '<zone><icmp-block name="nosuchicmp"/></zone>' ;;
    lockdown_bad) printf 'garbage' > $T/lockdown-whitelist.xml ;;
    direct_bad) printf '%s\n<direct><rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-j NOSUCHTARGET</rule></direct>\n' "$hdr" > $T/direct.xml ;;
    noconf) rm $T/firewalld.conf ;;
    backend_iptables) sed -i 's/^FirewallBackend=.*/FirewallBackend=iptables/' $T/firewalld.conf ;;
    unksvc_rich_defzone) sed -i 's/^DefaultZone=.*/DefaultZone=other/' $T/firewalld.conf; zone other '<zone><rule family="ipv4"><source address="192.0.2.0/24"/><service name="nosuch"/><accept/></rule></zone>' ;;
    unksvc_rich_pol_any) pol p1 '<policy target="CONTINUE" priority="-5"><ingress-zone name="ANY"/><egress-zone name="HOST"/><rule family="ipv4"><service name="nosuch"/><accept/></rule></policy>' ;;
    unksvc_rich_pol_inactive) zone other '<zone/>'; pol p1 '<policy target="CONTINUE" priority="-5"><ingress-zone name="other"/><egress-zone name="HOST"/><rule family="ipv4"><service name="nosuch"/><accept/></rule></policy>' ;;
    target_default_literal) zone zz '<zone target="default"><source address="192.0.2.3"/><port port="2222" protocol="tcp"/></zone>' ;;
    unkipset_inactive) zone other '<zone><rule family="ipv4"><source ipset="nosuchset"/><service name="ssh"/><accept/></rule></zone>' ;;
    *) echo "unknown case $1"; return 1 ;;
  esac
}
for c in "$@"; do
  base $c; setup $c || continue
  out=$D/$c; $S/fwd-stop.sh
  st=$($S/fwd-start.sh $T $out/firewalld.log)
  {
    echo "### $c: $st"
    echo "default-zone: $(ip netns exec fwdr-fw firewall-cmd --get-default-zone 2>&1)"
    echo "active-zones: $(ip netns exec fwdr-fw firewall-cmd --get-active-zones 2>&1 | tr '\n' ' ')"
    grep -E ' (ERROR|WARNING):' $out/firewalld.log | sed 's/^[0-9-]* [0-9:]* //' | sort -u | head -8
    ip netns exec fwdr-peer /usr/bin/python3 $S/probe.py 192.0.2.2 192.0.2.1 22 192.0.2.3 192.0.2.1 22 198.51.100.7 198.51.100.1 22 198.51.100.2 198.51.100.1 2222 2001:db8::2 2001:db8::1 22
  } | tee $out/result.txt
  ip netns exec fwdr-fw nft list ruleset > $out/ruleset.nft 2>&1
  ip netns exec fwdr-fw iptables-save > $out/iptables-save.txt 2>&1
done
$S/fwd-stop.sh
