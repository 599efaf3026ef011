#!/usr/bin/python3
"""oracle_summary.py TREE... : for each firewalld system-config tree, what firewalld 1.3.3 starts with at boot,
as one JSON line: {"tree", "fallback" (check-config code or apply-time failure, see model.py), "why",
"default_zone", "zones": {name: {"target", "services", "ports", "sources", "interfaces", "rules": count}}}.
The zones are those of the configuration that runs (stock after a fallback). Uses fwd_oracle.py's batch
oracle (firewalld's own modules, the --check-config code path) and model.py's apply-time checks."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import json  # noqa: E402
import fwd_oracle  # noqa: E402
from model import apply_time_failure  # noqa: E402


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
                }
                for name, z in cfg.get("zones", {}).items()
            }
        print(json.dumps(out, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
