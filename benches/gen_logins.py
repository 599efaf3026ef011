#!/usr/bin/env python3
"""Generate one host root with N accounts, each with a home, ~/.ssh and an authorized_keys of
K keys (the fixture keys, some with options), for the login-model benchmark.
Usage: gen_logins.py DIR N [K]"""
import os, sys

out, n = sys.argv[1], int(sys.argv[2])
k = int(sys.argv[3]) if len(sys.argv) > 3 else 5
here = os.path.dirname(os.path.abspath(__file__))
keydir = os.path.join(here, "..", "fixtures", "authorized_keys", "keys")
keys = [open(os.path.join(keydir, f)).read().strip() for f in sorted(os.listdir(keydir)) if f.endswith(".pub")]
os.makedirs(os.path.join(out, "etc/ssh"), exist_ok=True)
os.makedirs(os.path.join(out, "bin"), exist_ok=True)
with open(os.path.join(out, "bin/sh"), "w") as f:
    f.write("#!/bin/sh\n")
os.chmod(os.path.join(out, "bin/sh"), 0o755)
with open(os.path.join(out, "etc/ssh/sshd_config"), "w") as f:
    f.write("PasswordAuthentication no\nAuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\n"
            "Match Group admins\n  AllowTcpForwarding yes\n")
passwd = ["root:x:0:0:root:/root:/bin/sh"]
group = ["root:x:0:", "admins:x:500:" + ",".join(f"u{i}" for i in range(0, n, 7))]
for i in range(n):
    uid = 10000 + i
    passwd.append(f"u{i}:x:{uid}:{uid}::/home/u{i}:/bin/sh")
    group.append(f"u{i}:x:{uid}:")
    ssh = os.path.join(out, f"home/u{i}/.ssh")
    os.makedirs(ssh, exist_ok=True)
    lines = []
    for j in range(k):
        key = keys[(i + j) % len(keys)]
        lines.append(('from="192.0.2.0/24",restrict ' if j % 3 == 0 else "") + key)
    with open(os.path.join(ssh, "authorized_keys"), "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(ssh, 0o700)
    if os.geteuid() == 0:
        for p in (os.path.join(out, f"home/u{i}"), ssh, os.path.join(ssh, "authorized_keys")):
            os.chown(p, uid, uid)
with open(os.path.join(out, "etc/passwd"), "w") as f:
    f.write("\n".join(passwd) + "\n")
with open(os.path.join(out, "etc/group"), "w") as f:
    f.write("\n".join(group) + "\n")
