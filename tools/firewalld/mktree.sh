#!/bin/bash
# mktree.sh DIR : make an empty firewalld system-config tree (firewalld.conf copied from the package default)
set -e
d=$1; rm -rf "$d"; mkdir -p "$d"/{zones,services,policies,ipsets,icmptypes,helpers}
cp /etc/firewalld/firewalld.conf "$d"/firewalld.conf
