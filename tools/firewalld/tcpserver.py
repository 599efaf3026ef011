#!/usr/bin/env python3
"""tcpserver.py PORT... : accept-and-close TCP listener on [::] (dual stack) for each port; runs until killed, max 1 hour."""
import socket, sys, selectors, time
sel = selectors.DefaultSelector()
for p in map(int, sys.argv[1:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", p)); s.listen(64); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
end = time.time() + 3600
while time.time() < end:
    for key, _ in sel.select(timeout=1):
        try:
            c, _ = key.fileobj.accept(); c.close()
        except OSError:
            pass
