#!/bin/bash
# behave.sh OUTDIR TREE... : behavioural oracle. For each firewalld system-config TREE: load it into the firewalld running
# in netns fwdr-fw (ns-up.sh + fwd-start.sh on /tmp/fwd-research/live/cur must have been run), by `firewall-cmd --reload`;
# if the reload fails or leaves state!=running, restart the daemon instead (SIGKILL + start) so the result is what a
# *boot* with that tree gives (stock fallback). Then probe a fixed source x port matrix from netns fwdr-peer.
# Writes OUTDIR/<treename>.txt : how it was loaded, state, default zone, probe verdicts; and <treename>.nft.
S=/tmp/fwd-research/scripts; NS=/tmp/fwd-research/ns; OUT=$1; shift; mkdir -p $OUT
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$NS/bus.sock
FC="ip netns exec fwdr-fw firewall-cmd"
PROBES=""
for src in 192.0.2.2,192.0.2.1 192.0.2.3,192.0.2.1 198.51.100.7,198.51.100.1 198.51.100.2,198.51.100.1 2001:db8::2,2001:db8::1; do
  s=${src%,*}; d=${src#*,}
  for p in 22 2222 23; do PROBES="$PROBES $s $d $p"; done
done
for t in "$@"; do
  name=$(basename $t); ln -sfn "$t" /tmp/fwd-research/live/cur
  how=reload; r=$($FC --reload 2>&1); rc=$?; st=$($FC --state 2>&1)
  if [ $rc -ne 0 ] || [ "$st" != running ]; then
    how="restart(reload rc=$rc: $r)"
    kill -9 $(cat $NS/firewalld.pid) 2>/dev/null; sleep 0.1
    # a fresh firewalld only deletes 'table inet firewalld' if it created it itself: remove the stale one first,
    # otherwise the new rules are merged into the old chains
    ip netns exec fwdr-fw nft delete table inet firewalld 2>/dev/null
    st=$($S/fwd-start.sh /tmp/fwd-research/live/cur $NS/fw-cur.log)
  fi
  {
    echo "load: $how"; echo "state: $($FC --state 2>&1)"; echo "default-zone: $($FC --get-default-zone 2>&1)"
    ip netns exec fwdr-peer /usr/bin/python3 $S/probe.py -t 1.5 $PROBES
  } > $OUT/$name.txt
  ip netns exec fwdr-fw nft list ruleset > $OUT/$name.nft
done
