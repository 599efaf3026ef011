#!/usr/bin/python3
"""fwd_oracle.py - batch offline oracle for firewalld 1.3.3 config trees.

Usage: fwd_oracle.py [--default-config DIR] [TREE ...]      (tree paths also read from stdin if none given)
TREE is a firewalld *system config* directory (what --system-config takes: firewalld.conf, zones/, services/ ...).

Runs, in ONE python process, per tree exactly what `firewall-offline-cmd --system-config=TREE
--default-config=DIR --check-config` runs (Firewall(offline=True).start() + check_on_disk_config()), and
then dumps the loaded configuration. Prints one JSON object per tree (one line each):
  tree, code (0 or firewalld error code; 2 for non-FirewallError exceptions, like the CLI),
  error (message or null), start_failed (offline start() raised -> it fell back to stock config),
  log ([level, message] lines firewalld logged), default_zone,
  zones {name: settings incl. target/interfaces/sources/services/ports/rules_str ...} (runtime view,
  combined zones merged), policies, services, ipsets, icmptypes {name: settings}, helpers [names].
Must run as root with the system python (/usr/bin/python3) because firewalld's modules live there.
"""
import json
import sys

from firewall import config
from firewall.errors import FirewallError
from firewall.core.logger import log, LogTarget
from firewall.core.fw import Firewall
from firewall.core.io.functions import check_on_disk_config


class Capture(LogTarget):
    def __init__(self):
        super().__init__()
        self.lines = []

    def write(self, data, level, logger, is_debug=0):
        if data.strip():
            self.lines.append(data.rstrip("\n"))


def jsonable(v):
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    return v


def run_tree(tree, default_config):
    config.set_system_config_paths(tree)
    config.set_default_config_paths(default_config)
    cap = Capture()
    log.setInfoLogging("*", cap, [log.FATAL, log.ERROR, log.WARNING])
    log.setDebugLogLevel(log.NO_DEBUG)
    log.setFormat("%(label)s%(message)s")
    res = {"tree": tree, "code": 0, "error": None, "start_failed": False}
    fw = Firewall(offline=True)
    try:
        try:
            fw.start()
        except Exception:
            res["start_failed"] = True
            raise
        check_on_disk_config(fw)
    except FirewallError as e:
        res["code"], res["error"] = e.code, str(e)
    except Exception as e:  # the CLI maps these to exit code 2 ("Configuration error: ...")
        res["code"], res["error"] = 2, "%s: %s" % (type(e).__name__, e)
    try:
        res["default_zone"] = fw.get_default_zone()
        res["zones"] = {z: jsonable(fw.zone.get_config_with_settings_dict(z)) for z in fw.zone.get_zones()}
        for z in res["zones"]:  # list_rules() returns a set: take the file order from the zone object instead
            res["zones"][z]["rules_str"] = list(fw.zone.get_zone(z).rules_str)
        res["policies"] = {p: jsonable(fw.policy.get_config_with_settings_dict(p))
                           for p in fw.policy.get_policies_not_derived_from_zone()}
        res["services"] = {s: jsonable(fw.service.get_service(s).export_config_dict())
                           for s in fw.service.get_services()}
        res["ipsets"] = {i: jsonable(fw.ipset.get_ipset(i).export_config_dict()) for i in fw.ipset.get_ipsets()}
        res["icmptypes"] = {i: jsonable(fw.icmptype.get_icmptype(i).export_config_dict())
                            for i in fw.icmptype.get_icmptypes()}
        res["helpers"] = sorted(fw.helper.get_helpers())
    except Exception as e:
        res["dump_error"] = "%s: %s" % (type(e).__name__, e)
    res["log"] = cap.lines
    return res


def main():
    args = sys.argv[1:]
    default_config = "/usr/lib/firewalld"
    if args[:1] == ["--default-config"]:
        default_config, args = args[1], args[2:]
    trees = args or [l.strip() for l in sys.stdin if l.strip()]
    for t in trees:
        print(json.dumps(run_tree(t, default_config), sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
