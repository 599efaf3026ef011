#!/usr/bin/env python3
"""Generate a config repository of N host roots: sshd_config plus three drop-ins each.
Usage: gen_repo.py DIR N"""
import os, random, sys

out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
MAIN = """# generated host {i}
Include /etc/ssh/sshd_config.d/*.conf
Port {port}
ListenAddress 0.0.0.0
PermitRootLogin {prl}
PasswordAuthentication {pw}
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding {x11}
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups 10:30:{full}
ClientAliveInterval {cai}
AllowUsers {users}
Match Address 198.51.100.0/24
    PasswordAuthentication yes
    AllowUsers {users} backup
Match User deploy
    ForceCommand /usr/local/bin/deploy
    AllowTcpForwarding no
"""
DROPINS = [
    "# cloud-init\nPasswordAuthentication {pw2}\n",
    "# hardening\nKexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256\nCiphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com\nMACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com\nLoginGraceTime 30\nMaxAuthTries {mat}\n",
    "# site\nBanner /etc/issue.net\nLogLevel VERBOSE\nMatch Group sftponly\n    ChrootDirectory %h\n    ForceCommand internal-sftp\n",
]
for i in range(n):
    d = os.path.join(out, f"host{i:05d}", "etc", "ssh", "sshd_config.d")
    os.makedirs(d, exist_ok=True)
    users = " ".join(rnd.sample(["alice", "bob", "carol", "deploy", "ops", "root"], 3))
    with open(os.path.join(d, "..", "sshd_config"), "w") as f:
        f.write(MAIN.format(i=i, port=rnd.choice([22, 22, 2222]), prl=rnd.choice(["no", "prohibit-password"]),
                            pw=rnd.choice(["no", "yes"]), x11=rnd.choice(["no", "yes"]), full=rnd.choice([60, 100]),
                            cai=rnd.choice([0, 300]), users=users))
    for j, t in enumerate(DROPINS):
        with open(os.path.join(d, f"{10 * (j + 1)}-gen.conf"), "w") as f:
            f.write(t.format(pw2=rnd.choice(["no", "yes"]), mat=rnd.choice([3, 4, 6])))
