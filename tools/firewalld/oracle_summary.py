#!/usr/bin/python3
"""oracle_summary.py TREE... : for each firewalld system-config tree, what firewalld 1.3.3 starts with at boot,
as one JSON line: {"tree", "fallback" (check-config code or apply-time failure, see model.py), "why",
"default_zone", "zones": {name: {"target", "services", "ports", "sources", "interfaces", "rules": count,
"forward_ports": ["PORT/PROTO>TO-PORT@TO-ADDR"...]}},
"services_info": {name: {"ports": ["PORT/PROTO"...], "protocols", "includes", "destination": {"ipv4"?, "ipv6"?}}}}.
zones and services_info are given only when firewalld does not fall back. services_info is what
`firewall-offline-cmd --info-service=NAME` shows for every service a zone names (<service> or a rich rule's
service element) and every service those include, transitively: the definition that wins (/etc over the stock
one), entries as written, duplicates dropped; a name with no definition is left out. Uses fwd_oracle.py's batch
oracle (firewalld's own modules, the --check-config code path) and model.py's apply-time checks."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import json  # noqa: E402
import re  # noqa: E402
import fwd_oracle  # noqa: E402
from model import apply_time_failure  # noqa: E402


def services_info(cfg):
    todo = []
    for z in cfg.get("zones", {}).values():
        todo += z.get("services", [])
        todo += [m.group(1) for r in z.get("rules_str", []) for m in [re.search(r' service name="([^"]+)"', r)] if m]
    out = {}
    while todo:
        name = todo.pop()
        svc = cfg.get("services", {}).get(name)
        if name in out or svc is None:
            continue
        out[name] = {
            "ports": ["%s/%s" % (p, pr) for p, pr in svc.get("ports", [])],
            "protocols": list(svc.get("protocols", [])),
            "includes": list(svc.get("includes", [])),
            "destination": dict(svc.get("destination", {})),
        }
        todo += svc.get("includes", [])
    return out


def main():
    for tree in sys.argv[1:]:
        cfg = fwd_oracle.run_tree(tree, "/usr/lib/firewalld")
        why = ("check-config code %d" % cfg["code"]) if cfg["code"] else apply_time_failure(cfg)
        out = {"tree": tree, "fallback": bool(why), "why": why}
        if not why:
            out["default_zone"] = cfg.get("default_zone")
            out["zones"] = {
                name: {
                    "target": z.get("target", "default"),
                    "services": sorted(z.get("services", [])),
                    "ports": sorted("%s/%s" % (p, pr) for p, pr in z.get("ports", [])),
                    "sources": list(z.get("sources", [])),
                    "interfaces": list(z.get("interfaces", [])),
                    "rules": len(z.get("rules_str", [])),
                    "forward_ports": sorted("%s/%s>%s@%s" % tuple(f) for f in z.get("forward_ports", [])),
                }
                for name, z in cfg.get("zones", {}).items()
            }
            out["services_info"] = services_info(cfg)
        print(json.dumps(out, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
