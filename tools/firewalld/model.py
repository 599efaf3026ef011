#!/usr/bin/python3
"""model.py ORACLE_JSONL BEHAVE_DIR STOCK_JSON : a small reference model of firewalld 1.3.3 (nftables backend) INPUT
verdicts for NEW TCP connections, written from FACTS.md, checked against the behavioural results.

For each tree in ORACLE_JSONL (output of fwd_oracle.py) reads BEHAVE_DIR/<tree>.txt (output of behave.sh), predicts
each probe line "SRC DST PORT VERDICT" and prints mismatches plus a summary. Packets arrive on interface "vfw".
Verdict vocabulary = probe.py's: open | refused | unreach(EHOSTUNREACH) / unreach(EACCES) | timeout.
Rules whose action carries a <limit> are 'conditional': probes they decide are not compared."""
import ipaddress
import json
import os
import re
import sys

IFACE = "vfw"


def fam_of(addr):
    return "ipv6" if ":" in addr else "ipv4"


def addr_in(addr, net):
    try:
        return ipaddress.ip_address(addr) in ipaddress.ip_network(net, strict=False)
    except ValueError:
        return False


def port_in(port, spec):
    if "-" in spec:
        a, b = spec.split("-")
        return int(a) <= port <= int(b)
    return port == int(spec)


def parse_rich(s):
    """Minimal parser for the canonical rich-rule strings firewalld prints."""
    r = {"family": None, "priority": 0, "source": None, "src_invert": False, "src_ipset": None,
         "src_mac": None, "dest": None, "dest_invert": False, "element": None, "action": None,
         "reject_type": None, "limit": False}
    m = re.search(r'priority="(-?\d+)"', s)
    if m:
        r["priority"] = int(m.group(1))
    m = re.search(r'family="(ipv4|ipv6)"', s)
    if m:
        r["family"] = m.group(1)
    m = re.search(r'source (NOT )?(address|ipset|mac)="([^"]+)"', s)
    if m:
        r["src_invert"] = bool(m.group(1))
        r[{"address": "source", "ipset": "src_ipset", "mac": "src_mac"}[m.group(2)]] = m.group(3)
    m = re.search(r'destination (NOT )?address="([^"]+)"', s)
    if m:
        r["dest_invert"], r["dest"] = bool(m.group(1)), m.group(2)
    m = re.search(r' (service name|port port|protocol value|source-port port|icmp-block name|icmp-type name|'
                  r'masquerade|forward-port port|tcp-mss-clamp)(?:="([^"]*)")?(?: protocol="([^"]+)")?', s)
    if m:
        r["element"] = (m.group(1).split()[0], m.group(2), m.group(3))
    m = re.search(r' (accept|reject|drop|mark)( type="([^"]+)")?( limit value="[^"]+")?$', s)
    if m:
        r["action"], r["reject_type"], r["limit"] = m.group(1), m.group(3), bool(m.group(4))
    return r


class Model:
    def __init__(self, cfg):
        self.cfg = cfg

    def svc_ports(self, name, family, daddr, seen=None):
        """list of (port_spec, proto) the service opens for this family/daddr (includes use their own destination)."""
        seen = seen or set()
        seen.add(name)
        svc = self.cfg["services"].get(name, {})
        out = []
        for inc in svc.get("includes", []):
            if inc not in seen:
                out += self.svc_ports(inc, family, daddr, seen)
        dest = svc.get("destination", {})
        if dest:
            if family not in dest or not addr_in(daddr, dest[family]):
                return out
        return out + [tuple(p) for p in svc.get("ports", [])]

    def ipset_has(self, name, addr):
        ips = self.cfg["ipsets"].get(name)
        if not ips:
            return False
        return any(addr_in(addr, e) for e in ips.get("entries", []))

    def rich_matches(self, r, pkt):
        src, dst, port, fam = pkt
        if r["family"] and r["family"] != fam:
            return False
        if r["source"] is not None:
            if fam_of(r["source"]) != fam:
                return False
            if addr_in(src, r["source"]) == r["src_invert"]:
                return False
        if r["src_ipset"] is not None:
            if self.ipset_has(r["src_ipset"], src) == r["src_invert"]:
                return False
        if r["src_mac"] is not None:
            return False  # probes come from a MAC we do not model
        if r["dest"] is not None:
            if fam_of(r["dest"]) != fam or addr_in(dst, r["dest"]) == r["dest_invert"]:
                return False
        el = r["element"]
        if el is None:
            return True
        kind, val, proto = el
        if kind == "service":
            return any(pr == "tcp" and port_in(port, p) for p, pr in self.svc_ports(val, fam, dst))
        if kind == "port":
            return proto == "tcp" and port_in(port, val)
        if kind == "protocol":
            return val in ("tcp", "6")
        return False  # source-port, icmp-*, masquerade, forward-port, tcp-mss-clamp: never a NEW tcp to us

    def action(self, r, fam):
        a = r["action"]
        if a == "accept":
            return ("cond-accept" if r["limit"] else "accept")
        if a == "drop":
            return "drop" if not r["limit"] else "cond-drop"
        if a == "reject":
            t = r["reject_type"]
            if t in ("tcp-reset", "tcp-rst") or t is None or t in ("icmp-port-unreachable", "icmp6-port-unreachable"):
                v = "refused"
            else:
                v = "admin"
            return v if not r["limit"] else "cond-" + v
        return None  # mark / log-only: continue

    def chains(self, settings, rules):
        """split a zone's/policy's rich rules into pre/log/deny/allow/post lists (verdict rules only)."""
        parsed = [parse_rich(s) for s in rules]
        pre = sorted([r for r in parsed if r["priority"] < 0], key=lambda r: r["priority"])
        post = sorted([r for r in parsed if r["priority"] > 0], key=lambda r: r["priority"])
        deny = [r for r in parsed if r["priority"] == 0 and r["action"] in ("reject", "drop")]
        allow = [r for r in parsed if r["priority"] == 0 and r["action"] == "accept"]
        return pre, deny, allow, post

    def run_rules(self, rules, pkt):
        for r in rules:
            if r["action"] is None:
                continue
            if self.rich_matches(r, pkt):
                v = self.action(r, pkt[3])
                if v:
                    return v
        return None

    def run_settings(self, s, rules_key, pkt):
        """pre, (log), deny, allow, post of one zone or policy; returns a verdict or None (fell through)."""
        src, dst, port, fam = pkt
        pre, deny, allow, post = self.chains(s, s.get(rules_key, []))
        v = self.run_rules(pre, pkt) or self.run_rules(deny, pkt)
        if v:
            return v
        for svc in s.get("services", []):
            if any(pr == "tcp" and port_in(port, p) for p, pr in self.svc_ports(svc, fam, dst)):
                return "accept"
        for p, pr in s.get("ports", []):
            if pr == "tcp" and port_in(port, p):
                return "accept"
        v = self.run_rules(allow, pkt)
        if v:
            return v
        if "tcp" in s.get("protocols", []):
            return "accept"
        return self.run_rules(post, pkt)

    def zone_matches(self, zname, pkt, iface):
        z = self.cfg["zones"][zname]
        src = pkt[0]
        for s in z.get("sources", []):
            if s.startswith("ipset:"):
                if self.ipset_has(s[6:], src):
                    return True
            elif ":" in s and len(s) == 17 and s.count(":") == 5:
                continue  # MAC source
            elif fam_of(s) == pkt[3] and addr_in(src, s):
                return True
        return iface in z.get("interfaces", [])

    def active_zones(self):
        return [z for z, s in sorted(self.cfg["zones"].items()) if s.get("interfaces") or s.get("sources")]

    def dispatch(self, pkt, iface):
        zones = self.active_zones()
        for z in zones:  # source bindings first, by zone name
            s = self.cfg["zones"][z]
            for src in s.get("sources", []):
                if src.startswith("ipset:"):
                    if self.ipset_has(src[6:], pkt[0]):
                        return z
                elif src.count(":") == 5 and len(src) == 17:
                    continue
                elif fam_of(src) == pkt[3] and addr_in(pkt[0], src):
                    return z
        for z in zones:
            if iface in self.cfg["zones"][z].get("interfaces", []):
                return z
        return self.cfg["default_zone"]

    def policies(self, sign, pkt, iface):
        act = set(self.active_zones())
        out = []
        for name, p in self.cfg["policies"].items():
            if "HOST" not in p.get("egress_zones", []):
                continue
            ing = p.get("ingress_zones", [])
            prio = p.get("priority", -1)
            if (sign < 0) != (prio < 0):
                continue
            if "ANY" in ing:
                pass
            elif not any(z in act for z in ing):
                continue  # inactive policy (the default zone does not count as active)
            elif not any(z in act and self.zone_matches(z, pkt, iface) for z in ing):
                continue  # dispatch by the ingress zone's bindings, not by the zone the packet was sent to
            out.append((prio, name, p))
        return [x[2] for x in sorted(out, key=lambda x: (x[0], x[1]))]

    def run_policies(self, sign, pkt, iface):
        for p in self.policies(sign, pkt, iface):
            v = self.run_settings(p, "rich_rules", pkt)
            if v:
                return v
            t = p.get("target", "CONTINUE")
            if t == "ACCEPT":
                return "accept"
            if t == "DROP":
                return "drop"
            if t == "REJECT":
                return "admin"
        return None

    def verdict(self, pkt, iface=IFACE):
        z = self.dispatch(pkt, iface)
        zs = self.cfg["zones"][z]
        v = self.run_policies(-1, pkt, iface) or self.run_settings(zs, "rules_str", pkt) \
            or self.run_policies(+1, pkt, iface)
        if v:
            return v
        t = zs.get("target", "default")
        return {"ACCEPT": "accept", "DROP": "drop"}.get(t, "admin")  # default, "default", %%REJECT%% -> admin


def to_probe(v, fam):
    if v is None:
        return None
    if v.startswith("cond-"):
        return "conditional"
    return {"accept": "open", "drop": "timeout", "refused": "refused",
            "admin": "unreach(EHOSTUNREACH)" if fam == "ipv4" else "unreach(EACCES)"}[v]


def apply_time_failure(cfg):
    """apply-time errors --check-config does not report: unknown ipset / rich-rule service in an applied zone/policy."""
    m = Model(cfg)
    for name, z in cfg["zones"].items():  # combined zones are checked only when merged into the runtime, bound or not
        for svc in z.get("services", []):
            if svc not in cfg["services"]:
                return "unknown service %s in zone %s (a combined zone: --check-config misses it)" % (svc, name)
    applied = set(m.active_zones()) | {cfg["default_zone"]}
    objs = [cfg["zones"][z] for z in applied] + [
        p for p in cfg["policies"].values()
        if "ANY" in p.get("ingress_zones", []) or "HOST" in p.get("ingress_zones", [])
        or set(p.get("ingress_zones", [])) & set(m.active_zones())]
    for o in objs:
        for s in o.get("sources", []):
            if s.startswith("ipset:") and s[6:] not in cfg["ipsets"]:
                return "unknown ipset " + s
        for rs in o.get("rules_str", []) + o.get("rich_rules", []):
            r = parse_rich(rs)
            if r["src_ipset"] and r["src_ipset"] not in cfg["ipsets"]:
                return "unknown ipset in rich rule"
            if r["element"] and r["element"][0] == "service" and r["element"][1] not in cfg["services"]:
                return "unknown service in rich rule"
            if r["action"] == "reject" and r["reject_type"] in ("tcp-reset", "tcp-rst") and r["element"]:
                kind, val, proto = r["element"]
                if kind == "port" and proto != "tcp":
                    return "tcp-reset on a non-tcp port (nft: you cannot use tcp reset with this protocol)"
                if kind == "service":
                    def non_tcp(name, fams, seen):
                        seen.add(name)
                        svc = cfg["services"].get(name, {})
                        dest = svc.get("destination", {})
                        live = [f for f in fams if not dest or f in dest]  # rules are only emitted for these families
                        bad = bool(live) and (any(pr != "tcp" for _, pr in svc.get("ports", [])) or bool(svc.get("protocols")))
                        return bad or any(non_tcp(i, fams, seen) for i in svc.get("includes", []) if i not in seen)
                    if non_tcp(val, [r["family"]] if r["family"] else ["ipv4", "ipv6"], set()):
                        return "tcp-reset on a service with non-tcp ports"
                if kind in ("protocol", "icmp-block", "icmp-type"):
                    return "tcp-reset with a non-tcp element"
    return None


def main():
    oracle, bdir, stock = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
    stats = {"compared": 0, "mismatch": 0, "conditional": 0, "trees": 0, "fallback": 0}
    for line in open(oracle):
        cfg = json.loads(line)
        name = os.path.basename(cfg["tree"])
        bfile = os.path.join(bdir, name + ".txt")
        if not os.path.exists(bfile):
            continue
        stats["trees"] += 1
        why = ("check-config code %d" % cfg["code"]) if cfg["code"] else apply_time_failure(cfg)
        if why:
            stats["fallback"] += 1
            cfg = stock  # boot falls back to the stock config, firewalld.conf defaults (DefaultZone=public)
        m = Model(cfg)
        for l in open(bfile):
            parts = l.split()
            if len(parts) != 4 or parts[0] in ("load:", "state:", "default-zone:"):
                continue
            src, dst, port, seen = parts
            fam = fam_of(src)
            pred = to_probe(m.verdict((src, dst, int(port), fam)), fam)
            if pred == "conditional":
                stats["conditional"] += 1
                continue
            stats["compared"] += 1
            if pred != seen:
                stats["mismatch"] += 1
                print("MISMATCH %s%s: %s %s %s model=%s real=%s" % (name, " (fallback: %s)" % why if why else "",
                                                                  src, dst, port, pred, seen))
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
