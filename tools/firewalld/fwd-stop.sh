#!/bin/bash
# fwd-stop.sh : stop the firewalld started by fwd-start.sh (SIGTERM by pid, wait)
NS=/tmp/fwd-research/ns
if [ -f $NS/firewalld.pid ]; then p=$(cat $NS/firewalld.pid); kill $p 2>/dev/null; for i in $(seq 100); do kill -0 $p 2>/dev/null || break; sleep 0.05; done; rm -f $NS/firewalld.pid; fi
