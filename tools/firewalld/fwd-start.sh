#!/bin/bash
# fwd-start.sh SYSCONF_DIR [LOG] : start private dbus-daemon + firewalld (nofork) inside netns fwdr-fw.
# Waits until firewalld answers `firewall-cmd --state` on the private bus; prints elapsed seconds.
NS=/tmp/fwd-research/ns; SYS=$1; LOG=${2:-$NS/firewalld.log}
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$NS/bus.sock
if [ ! -S $NS/bus.sock ]; then
  ip netns exec fwdr-fw dbus-daemon --config-file=$NS/dbus.conf --nofork --nopidfile > $NS/dbus.log 2>&1 &
  echo $! > $NS/dbus.pid
  for i in $(seq 100); do [ -S $NS/bus.sock ] && break; sleep 0.05; done
fi
t0=$(date +%s.%N)
ip netns exec fwdr-fw env DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS \
  /usr/sbin/firewalld --nofork --nopid --log-target=console --debug=1 \
  --system-config="$SYS" --default-config=/usr/lib/firewalld > "$LOG" 2>&1 &
echo $! > $NS/firewalld.pid
for i in $(seq 600); do
  st=$(ip netns exec fwdr-fw env DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS firewall-cmd --state 2>&1)
  case "$st" in running|failed) break;; esac
  sleep 0.05
done
t1=$(date +%s.%N)
echo "state=$st elapsed=$(echo "$t1 - $t0" | bc)s"
