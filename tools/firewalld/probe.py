#!/usr/bin/env python3
"""probe.py [-t SECONDS] SRC DST PORT [SRC DST PORT ...]
TCP connect from SRC to DST:PORT, all probes concurrently (non-blocking connect + select), default timeout 1.0 s.
Prints one line per probe, in argument order: SRC DST PORT open|refused|unreach(ERRNO)|timeout
  open        handshake completed (the listener accepted)
  refused     ECONNREFUSED: TCP RST, or ICMP port-unreachable
  unreach(..) EHOSTUNREACH (ICMPv4 host/admin-prohibited), EACCES (ICMPv6 admin-prohibited), ...
  timeout     nothing came back (DROP)"""
import errno
import select
import socket
import sys
import time

args = sys.argv[1:]
timeout = 1.0
if args[:1] == ["-t"]:
    timeout, args = float(args[1]), args[2:]
probes = [(args[i], args[i + 1], int(args[i + 2])) for i in range(0, len(args), 3)]
socks, result = {}, {}
for idx, (src, dst, port) in enumerate(probes):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.bind((src, 0))
        rc = s.connect_ex((dst, port))
    except OSError as e:
        rc = e.errno
    if rc in (0, errno.EINPROGRESS):
        socks[s] = idx
    else:
        result[idx] = "unreach(%s)" % errno.errorcode.get(rc, rc)
        s.close()
end = time.time() + timeout
while socks and time.time() < end:
    _, w, _ = select.select([], list(socks), [], max(0.0, end - time.time()))
    for s in w:
        idx = socks.pop(s)
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        result[idx] = ("open" if err == 0 else "refused" if err == errno.ECONNREFUSED
                       else "unreach(%s)" % errno.errorcode.get(err, err))
        s.close()
for s, idx in socks.items():
    result[idx] = "timeout"
    s.close()
for idx, (src, dst, port) in enumerate(probes):
    print(src, dst, port, result[idx], flush=True)
