#!/bin/bash
# check.sh DIR : run firewall-offline-cmd --check-config against DIR, print rc and output
out=$(firewall-offline-cmd --system-config="$1" --default-config=/usr/lib/firewalld --check-config 2>&1); rc=$?
echo "rc=$rc"; [ -n "$out" ] && echo "$out"
