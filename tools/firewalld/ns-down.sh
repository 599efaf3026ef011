#!/bin/bash
# ns-down.sh : kill processes started in fwdr-* namespaces (by pid, from ip netns pids) and delete the namespaces
for n in fwdr-fw fwdr-peer; do
  for p in $(ip netns pids $n 2>/dev/null); do kill $p 2>/dev/null; done
done
sleep 1
for n in fwdr-fw fwdr-peer; do
  for p in $(ip netns pids $n 2>/dev/null); do kill -9 $p 2>/dev/null; done
  ip netns del $n 2>/dev/null
done
rm -f /tmp/fwd-research/ns/bus.sock
true
