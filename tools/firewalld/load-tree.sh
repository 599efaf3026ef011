#!/bin/bash
# load-tree.sh TREE_ETC_DIR OUTDIR : point /tmp/fwd-research/live/cur at the tree, `firewall-cmd --reload` (firewalld must be
# running with --system-config=/tmp/fwd-research/live/cur), save ruleset and reload result in OUTDIR.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/tmp/fwd-research/ns/bus.sock
mkdir -p "$2"; ln -sfn "$1" /tmp/fwd-research/live/cur
t0=$(date +%s.%N)
r=$(ip netns exec fwdr-fw firewall-cmd --reload 2>&1); rc=$?
t1=$(date +%s.%N)
echo "reload rc=$rc ($r) $(echo "$t1-$t0"|bc)s state=$(ip netns exec fwdr-fw firewall-cmd --state 2>&1)"
ip netns exec fwdr-fw nft list ruleset > "$2/ruleset.nft"
