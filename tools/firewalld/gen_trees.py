#!/usr/bin/env python3
"""gen_trees.py SEED N OUTDIR [--lab] : write N seeded random firewalld system-config trees OUTDIR/tNNNN/
(firewalld.conf, zones/, services/, policies/, ipsets/). Addresses only from 192.0.2.0/24, 198.51.100.0/24,
2001:db8::/32. About 1 tree in 8 gets a deliberate defect (malformed XML, bad target, unknown service, ...).
Interfaces used: vfw (the veth in the test netns) and eth1..eth3. Zones sometimes also get overlapping, adjacent
or duplicate <port> entries (PORT_GROUPS), drawn from a second random stream so that --lab trees stay as they were.
About one tree in three gets forward-ports (zone <forward-port> and rich-rule ones, local redirects between the lab's
ports 22, 2222 and 2201 and, outside --lab, DNAT to another address), from a third stream: earlier trees keep their
other contents.

--lab: trees for tests/behaviour_firewall.rs: zone sources are drawn from that lab's client addresses and the
networks around them, and the interfaces bound are its placeholders @IFACE@ (the server's link) and @IFACE2@ (the
router link) besides eth1 and eth2."""
import os
import re
import random
import sys

SERVICES = ["ssh", "http", "https", "dhcpv6-client", "cockpit", "mysvc"]
SRC4 = ["192.0.2.0/24", "192.0.2.2", "192.0.2.3", "198.51.100.0/24", "198.51.100.7", "198.51.100.0/25"]
SRC6 = ["2001:db8::/64", "2001:db8::2"]
PORTS = ["22", "2222", "23", "2200-2230"]
TARGETS = [None, None, None, "ACCEPT", "DROP", "%%REJECT%%", "default"]
# Overlapping, contained, adjacent, duplicate, reversed (N-M with N > M) and single (N-N) port entries (firewalld coalesces overlapping ranges of
# one protocol when it reads a zone); only in the default mode, from a second random stream.
PORT_GROUPS = [["2200-2230", "2222"], ["22", "22-23"], ["22", "23"], ["2220-2225", "2225-2240"],
               ["2222", "2200-2230", "2231"], ["22", "22"], ["2210-2220", "2200-2230"], ["53"],
               ["2230-2200", "2222"], ["22-22", "22-23"]]
# Service bodies for mysvc.xml and ssh.xml (default mode only): includes (a cycle through ssh and mysvc
# too), duplicate and reversed ports, protocol-only entries, destinations.
SERVICE_BODIES = [
    '<port port="2222" protocol="tcp"/><port port="2222" protocol="tcp"/><port port="22" protocol="udp"/>',
    '<port port="2201" protocol="tcp"/><include service="https"/><include service="https"/>',
    '<include service="mysvc"/><port port="2230-2200" protocol="tcp"/>',
    '<include service="ssh"/><port port="" protocol="gre"/><protocol value="icmp"/>',
    '<port port="2222" protocol="tcp"/><destination ipv4="192.0.2.0/24" ipv6="2001:db8::/64"/>',
    '<port port="2201" protocol="sctp"/><destination ipv6="2001:db8::/64"/><include service="http"/>',
]
DEFECTS = ["malformed", "badtarget", "unksvc", "unksvc_rich", "iface2", "src2", "baddefzone",
           "unkipset", "action_outside", "rule_nofamily", "longname", "emptyfile"]


LAB_SRC4 = ["192.0.2.0/24", "192.0.2.10", "192.0.2.200", "192.0.2.128/25", "198.51.100.7", "198.51.100.0/24"]
LAB_SRC6 = ["2001:db8::/64", "2001:db8::10", "2001:db8::beef", "2001:db8:1::/64", "2001:db8:1::7", "2001:db8::/32"]
LAB_IFACES = ["@IFACE@", "@IFACE2@", "eth1", "eth2"]


def use_lab():
    global SRC4, SRC6
    SRC4, SRC6 = LAB_SRC4, LAB_SRC6


def rich(r, family):
    prio = r.choice([0, 0, 0, -10, -1, 5, 100])
    src = r.choice(SRC4 if family == "ipv4" else SRC6)
    parts = ['<rule family="%s"%s>' % (family, ' priority="%d"' % prio if prio else "")]
    if r.random() < 0.8:
        parts.append('<source address="%s"%s/>' % (src, ' invert="True"' if r.random() < 0.15 else ""))
    el = r.random()
    if el < 0.5:
        parts.append('<port port="%s" protocol="tcp"/>' % r.choice(PORTS))
    elif el < 0.8:
        parts.append('<service name="%s"/>' % r.choice(SERVICES[:5]))
    if r.random() < 0.2:
        parts.append('<log prefix="x "/>')
    act = r.choice(["accept", "reject", "drop", "reject_rst", "accept_limit"])
    parts.append({"accept": "<accept/>", "reject": "<reject/>", "drop": "<drop/>",
                  "reject_rst": '<reject type="%s"/>' % ("tcp-reset"),
                  "accept_limit": '<accept><limit value="3/m"/></accept>'}[act])
    parts.append("</rule>")
    return "".join(parts)


def zone_xml(r, target, binds, extra=None):
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<zone%s>" % (' target="%s"' % target if target else "")]
    out += binds
    for s in r.sample(SERVICES[:5], r.randint(0, 2)):
        out.append('<service name="%s"/>' % s)
    for p in r.sample(PORTS, r.randint(0, 2)):
        out.append('<port port="%s" protocol="tcp"/>' % p)
    if extra is not None and extra.random() < 0.4:
        for _ in range(extra.randint(1, 2)):
            proto = extra.choice(["tcp", "tcp", "udp"])
            group = list(extra.choice(PORT_GROUPS))
            extra.shuffle(group)
            out += ['<port port="%s" protocol="%s"/>' % (p, proto) for p in group]
    for _ in range(r.randint(0, 3)):
        out.append(rich(r, r.choice(["ipv4", "ipv4", "ipv6"])))
    out.append("</zone>")
    return "\n".join(out) + "\n"


def forward_ports(f, zone_file):
    """Add forward-ports to a zone file: plain ones (IPv4 unless to-addr is IPv6) and rich ones."""
    ports = ["22", "2222", "2201"]
    out = []
    for _ in range(f.randint(1, 3)):
        port = f.choice(ports)
        to = f.choice([p for p in ports if p != port])
        if f.random() < 0.5:
            out.append('<forward-port port="%s" protocol="tcp" to-port="%s"/>' % (port, to))
            continue
        family = f.choice(["ipv4", "ipv4", "ipv6"])
        prio = f.choice([0, 0, -5, 5])
        src = ""
        if f.random() < 0.6:
            src = '<source address="%s"%s/>' % (f.choice(SRC4 if family == "ipv4" else SRC6),
                                                ' invert="True"' if f.random() < 0.2 else "")
        out.append('<rule family="%s"%s>%s<forward-port port="%s" protocol="tcp" to-port="%s"/></rule>'
                   % (family, ' priority="%d"' % prio if prio else "", src, port, to))
    if SRC4 is not LAB_SRC4 and f.random() < 0.3:
        out.append('<forward-port port="2200-2210" protocol="tcp" to-addr="192.0.2.77"/>')
        out.append('<forward-port port="23" protocol="tcp" to-port="22" to-addr="2001:db8::77"/>')
    text = open(zone_file).read()
    write(zone_file, text.replace("</zone>", "\n".join(out) + "\n</zone>"))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def gen(r, d, extra=None, nat=None):
    for sub in ["zones", "services", "policies", "ipsets", "icmptypes", "helpers"]:
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    names = r.sample(["aa", "mgmt", "public", "work", "zz", "internal", "dmz2"], r.randint(1, 4))
    srcs = r.sample(SRC4 + SRC6, len(SRC4 + SRC6))
    ifaces = list(LAB_IFACES if SRC4 is LAB_SRC4 else ["vfw", "eth1", "eth2", "eth3"])
    for n in names:
        binds = []
        for _ in range(r.randint(0, 2)):
            if srcs and r.random() < 0.6:
                binds.append('<source address="%s"/>' % srcs.pop())
            elif ifaces:
                binds.append('<interface name="%s"/>' % ifaces.pop(r.randrange(len(ifaces))))
        write(os.path.join(d, "zones", n + ".xml"), zone_xml(r, r.choice(TARGETS), binds, extra))
    if r.random() < 0.3:
        body = '<port port="2201" protocol="tcp"/>'
        if extra is not None and extra.random() < 0.5:
            body = extra.choice(SERVICE_BODIES)
        write(os.path.join(d, "services", "mysvc.xml"),
              '<?xml version="1.0" encoding="utf-8"?>\n<service>%s</service>\n' % body)
    if r.random() < 0.2:
        body = '<port port="2222" protocol="tcp"/>'
        if extra is not None and extra.random() < 0.5:
            body = extra.choice(SERVICE_BODIES)
        write(os.path.join(d, "services", "ssh.xml"),
              '<?xml version="1.0" encoding="utf-8"?>\n<service>%s</service>\n' % body)
    if r.random() < 0.3:
        ing = r.choice(["ANY"] + names)
        write(os.path.join(d, "policies", "pol.xml"),
              '<?xml version="1.0" encoding="utf-8"?>\n<policy target="%s" priority="%d"><ingress-zone name="%s"/>'
              '<egress-zone name="HOST"/>%s</policy>\n' % (r.choice(["CONTINUE", "ACCEPT", "REJECT", "DROP"]),
                                                          r.choice([-100, -1, 10]), ing, rich(r, "ipv4")))
    if nat is not None and nat.random() < 0.35:
        forward_ports(nat, os.path.join(d, "zones", nat.choice(names) + ".xml"))
    dz = r.choice(names + ["public", "drop", "block", "trusted"])
    conf = "DefaultZone=%s\nFirewallBackend=nftables\nLogDenied=off\n" % dz
    defect = None
    if r.random() < 0.125:
        defect = r.choice(DEFECTS)
        z = os.path.join(d, "zones", names[0] + ".xml")
        if defect == "malformed":
            write(z, open(z).read().replace("</zone>", "</zon>"))
        elif defect == "badtarget":
            write(z, re.sub(r"<zone[^>]*>", '<zone target="REJECT">', open(z).read(), count=1))
        elif defect == "unksvc":
            write(z, open(z).read().replace("</zone>", '<service name="sshh"/></zone>'))
        elif defect == "unksvc_rich":
            write(z, open(z).read().replace("</zone>", '<rule family="ipv4"><service name="nosuch"/><accept/></rule></zone>'))
        elif defect == "iface2":
            for n in names[:1] + ["dupz"]:
                zz = os.path.join(d, "zones", n + ".xml")
                if not os.path.exists(zz):
                    write(zz, zone_xml(r, None, []))
                write(zz, open(zz).read().replace("</zone>", '<interface name="eth9"/></zone>'))
        elif defect == "src2":
            for n in names[:1] + ["dupz"]:
                zz = os.path.join(d, "zones", n + ".xml")
                if not os.path.exists(zz):
                    write(zz, zone_xml(r, None, []))
                write(zz, open(zz).read().replace("</zone>", '<source address="198.51.100.200"/></zone>'))
        elif defect == "baddefzone":
            conf = conf.replace("DefaultZone=%s" % dz, "DefaultZone=nosuchzone")
        elif defect == "unkipset":
            write(z, open(z).read().replace("</zone>", '<source ipset="nosuchset"/></zone>'))
        elif defect == "action_outside":
            write(z, re.sub(r"(<zone[^>]*>)", r"\1<accept/>", open(z).read(), count=1))
        elif defect == "rule_nofamily":
            write(z, open(z).read().replace("</zone>", '<rule><source address="192.0.2.2"/><reject/></rule></zone>'))
        elif defect == "longname":
            write(os.path.join(d, "zones", "abcdefghijklmnopqr.xml"), zone_xml(r, None, []))
        elif defect == "emptyfile":
            write(os.path.join(d, "zones", "empty.xml"), "")
    write(os.path.join(d, "firewalld.conf"), conf)
    write(os.path.join(d, "DEFECT"), (defect or "none") + "\n")  # ignored by firewalld (not .xml, not a dir)


def main():
    seed, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    lab = sys.argv[4:] == ["--lab"]
    if lab:
        use_lab()
    for i in range(n):
        r = random.Random("%d-%d" % (seed, i))
        extra = None if lab else random.Random("%d-%d-ports" % (seed, i))
        nat = random.Random("%d-%d-nat" % (seed, i))
        gen(r, os.path.join(out, "t%04d" % i), extra, nat)


if __name__ == "__main__":
    main()
