#!/usr/bin/env python3
"""Write to stdout an iptables-save style dump shaped like kube-proxy's iptables mode for N services.

Usage: gen_kube_proxy.py N [--endpoints AVG]

The shape follows kube-proxy's own restore input (pkg/proxy/iptables/proxier.go and the fixtures in
proxier_test.go): filter chains KUBE-PROXY-FIREWALL, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES,
KUBE-FIREWALL, KUBE-FORWARD and KUBE-SERVICES jumped to from INPUT/FORWARD/OUTPUT; nat KUBE-SERVICES
-> KUBE-SVC-<hash> -> KUBE-SEP-<hash> with `-m statistic --mode random --probability`, DNAT
`--to-destination`, KUBE-MARK-MASQ, KUBE-POSTROUTING, KUBE-NODEPORTS -> KUBE-EXT-<hash>, KUBE-FW-<hash>
(loadBalancerSourceRanges, including its target-less last rule) and KUBE-SVL-<hash>
(externalTrafficPolicy: Local). Options are in kube-proxy's order, not iptables-save's canonical one
(`-m comment ... -m tcp -p tcp -d IP --dport P ! -s CIDR`), and comments are quoted only when they
contain a space (`ns/svc:port` bare, `"ns/svc:port cluster IP"` quoted), as kube-proxy writes them.
Rules of one service are written together (kube-proxy's write order), so a chain's rules are not
contiguous in the file. Hashes are computed as kube-proxy does (base32 of sha256, 16 characters).

The host part: `:INPUT DROP`, loopback, ESTABLISHED/RELATED, ICMP, SSH (tcp/22) and kubelet
(tcp/10250) accepted after the kube-proxy jumps.

Deterministic: the same N gives the same bytes. With the default of 2.25 endpoints per service (mean)
N=20000 gives 250,022 lines and 27.4 MB. The file loads with `iptables-restore` (nft backend).
"""
import argparse
import base64
import hashlib
import sys

CLUSTER_CIDR = "10.128.0.0/14"  # pod network (2^18 addresses): endpoints live here
POD_NET = 10 << 24 | 128 << 16
SVC_NET = 172 << 24 | 30 << 16  # service network 172.30.0.0/16: cluster IPs
EXT_NET = 198 << 24 | 18 << 16  # 198.18.0.0/15 (benchmark range): load-balancer IPs
NODE_IP = "192.0.2.10"

WORDS = ["api", "web", "auth", "billing", "search", "cache", "metrics", "front", "backend",
         "worker", "gateway", "db", "queue", "notify", "pay", "stock", "orders", "users", "reports",
         "ingest", "mailer", "cron", "thumbs", "ledger"]
PORTS = [("http", "tcp", 80, 8080), ("https", "tcp", 443, 8443), ("grpc", "tcp", 9090, 9090),
         ("", "tcp", 8080, 8080), ("metrics", "tcp", 9100, 9100), ("dns", "udp", 53, 5353),
         ("http", "tcp", 80, 80), ("redis", "tcp", 6379, 6379)]


def ip(n):
    return f"{n >> 24 & 255}.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def chain_hash(prefix, *parts):
    # kube-proxy: servicePortChainName / endpointChainName = prefix + base32(sha256(...))[:16]
    h = hashlib.sha256("".join(parts).encode()).digest()
    return prefix + base64.b32encode(h).decode()[:16]


def comment(text):
    # kube-proxy quotes a comment only when it has to
    return f'"{text}"' if (" " in text or not text) else text


def h32(i, salt):
    return int.from_bytes(hashlib.blake2b(f"{salt}:{i}".encode(), digest_size=4).digest(), "big")


def endpoint_count(i, avg):
    r = h32(i, "ep") % 1000
    if r < 40:
        return 0                       # 4 %: no endpoints (REJECT in filter KUBE-SERVICES)
    if r < 50:
        return 12 + r % 9              # 1 %: big deployments, 12..20 endpoints
    # the rest: 1..k endpoints, scaled so that the mean is close to avg
    base = max(1.0, (avg - 0.01 * 16) / 0.95)
    k = int(2 * base - 1)
    frac = 2 * base - 1 - k
    return 1 + h32(i, "n") % (k + (1 if (h32(i, "f") % 1000) / 1000 < frac else 0))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of services (service ports)")
    ap.add_argument("--endpoints", type=float, default=2.25, help="mean endpoints per service")
    ap.add_argument("--large-cluster", action="store_true",
                    help="drop the comments of KUBE-SVC->KUBE-SEP and KUBE-SEP rules, as kube-proxy does "
                         "above 1000 endpoints (largeClusterEndpointsThreshold)")
    args = ap.parse_args()
    n = args.n

    f_chains = ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY",
                "KUBE-NODEPORTS", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"]
    f_rules = []          # filter rules after the fixed head
    n_chains = ["KUBE-KUBELET-CANARY", "KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
                "KUBE-PROXY-CANARY", "KUBE-SERVICES"]
    n_rules = []
    pod = 2                # next endpoint address in the pod network
    ext = 1                # next load-balancer address
    for i in range(n):
        ns = f"{WORDS[h32(i, 'ns') % len(WORDS)]}-{i // 40}"
        svc = f"{WORDS[h32(i, 'svc') % len(WORDS)]}-{i % 40}"
        pname, proto, port, tport = PORTS[h32(i, "port") % len(PORTS)]
        spn = f"{ns}/{svc}:{pname}" if pname else f"{ns}/{svc}"
        cip = ip(SVC_NET + 10 + i)
        kind = h32(i, "kind") % 100
        nodeport = 30000 + (i * 7) % 2768 if kind < 12 else None      # 12 % NodePort or LB
        lb = kind < 3                                                   # 3 % LoadBalancer
        local = kind < 1                                                # 1 % eTP: Local
        ranges = kind == 2                                              # loadBalancerSourceRanges
        neps = endpoint_count(i, args.endpoints)
        if local and neps == 0:
            neps = 1
        svc_chain = chain_hash("KUBE-SVC-", spn, proto)
        ext_chain = chain_hash("KUBE-EXT-", spn, proto)
        fw_chain = chain_hash("KUBE-FW-", spn, proto)
        svl_chain = chain_hash("KUBE-SVL-", spn, proto)
        lbip = None
        if lb:
            lbip = ip(EXT_NET + ext)
            ext += 1
        pm = f"-m {proto} -p {proto}"
        c = comment

        if neps == 0:
            f_rules.append(f"-A KUBE-SERVICES -m comment --comment {c(spn + ' has no endpoints')} {pm} -d {cip} --dport {port} -j REJECT")
            if nodeport:
                f_rules.append(f"-A KUBE-EXTERNAL-SERVICES -m comment --comment {c(spn + ' has no endpoints')} -m addrtype --dst-type LOCAL {pm} --dport {nodeport} -j REJECT")
            if lbip:
                f_rules.append(f"-A KUBE-EXTERNAL-SERVICES -m comment --comment {c(spn + ' has no endpoints')} {pm} -d {lbip} --dport {port} -j REJECT")
            continue

        eps = []
        for _ in range(neps):
            eps.append(f"{ip(POD_NET + pod)}:{tport}")
            pod += 1
            if pod & 255 in (0, 255):
                pod += 2
        sep_chains = [chain_hash("KUBE-SEP-", spn, proto, ep) for ep in eps]

        n_chains.append(svc_chain)
        if nodeport or lb:
            n_chains.append(ext_chain)
        if ranges:
            n_chains.append(fw_chain)
            f_rules.append(f"-A KUBE-PROXY-FIREWALL -m comment --comment {c(spn + ' traffic not accepted by ' + fw_chain)} {pm} -d {lbip} --dport {port} -j DROP")
        if local:
            n_chains.append(svl_chain)
            hc = 32000 + i % 700
            f_rules.append(f"-A KUBE-NODEPORTS -m comment --comment {c(spn + ' health check node port')} -m tcp -p tcp --dport {hc} -j ACCEPT")
        n_chains.extend(sep_chains)

        n_rules.append(f"-A KUBE-SERVICES -m comment --comment {c(spn + ' cluster IP')} {pm} -d {cip} --dport {port} -j {svc_chain}")
        if lbip:
            target = fw_chain if ranges else ext_chain
            n_rules.append(f"-A KUBE-SERVICES -m comment --comment {c(spn + ' loadbalancer IP')} {pm} -d {lbip} --dport {port} -j {target}")
        n_rules.append(f"-A {svc_chain} -m comment --comment {c(spn + ' cluster IP')} {pm} -d {cip} --dport {port} ! -s {CLUSTER_CIDR} -j KUBE-MARK-MASQ")
        if ranges:
            n_rules.append(f"-A {fw_chain} -m comment --comment {c(spn + ' loadbalancer IP')} -s 203.0.113.0/25 -j {ext_chain}")
            n_rules.append(f"-A {fw_chain} -m comment --comment {c('other traffic to ' + spn + ' will be dropped by KUBE-PROXY-FIREWALL')}")
        if nodeport:
            n_rules.append(f"-A KUBE-NODEPORTS -m comment --comment {c(spn)} {pm} --dport {nodeport} -j {ext_chain}")
        if nodeport or lb:
            if local:
                n_rules.append(f"-A {ext_chain} -m comment --comment {c('pod traffic for ' + spn + ' external destinations')} -s {CLUSTER_CIDR} -j {svc_chain}")
                n_rules.append(f"-A {ext_chain} -m comment --comment {c('masquerade LOCAL traffic for ' + spn + ' external destinations')} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ")
                n_rules.append(f"-A {ext_chain} -m comment --comment {c('route LOCAL traffic for ' + spn + ' external destinations')} -m addrtype --src-type LOCAL -j {svc_chain}")
                n_rules.append(f"-A {ext_chain} -j {svl_chain}")
            else:
                n_rules.append(f"-A {ext_chain} -m comment --comment {c('masquerade traffic for ' + spn + ' external destinations')} -j KUBE-MARK-MASQ")
                n_rules.append(f"-A {ext_chain} -j {svc_chain}")
        def epc(text):
            return "" if args.large_cluster else f" -m comment --comment {c(text)}"
        for k, (ep, sep) in enumerate(zip(eps, sep_chains)):
            prob = "" if k == neps - 1 else f" -m statistic --mode random --probability {1.0 / (neps - k):0.10f}"
            n_rules.append(f"-A {svc_chain}{epc(spn + ' -> ' + ep)}{prob} -j {sep}")
        if local:
            n_rules.append(f"-A {svl_chain}{epc(spn + ' -> ' + eps[0])} -j {sep_chains[0]}")
        for ep, sep in zip(eps, sep_chains):
            n_rules.append(f"-A {sep}{epc(spn)} -s {ep.rsplit(':', 1)[0]} -j KUBE-MARK-MASQ")
            n_rules.append(f"-A {sep}{epc(spn)} {pm} -j DNAT --to-destination {ep}")

    out = sys.stdout
    w = out.write
    w("# Generated by gen_kube_proxy.py (kube-proxy iptables mode, %d services)\n" % n)
    w("*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      ":POSTROUTING ACCEPT [0:0]\n:KUBE-KUBELET-CANARY - [0:0]\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n")
    w("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
    for ch in f_chains:
        w(f":{ch} - [0:0]\n")
    w('-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n'
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS\n'
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n'
      "-A INPUT -j KUBE-FIREWALL\n"
      "-A INPUT -i lo -j ACCEPT\n"
      "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
      "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
      '-A INPUT -p tcp -m tcp --dport 22 -m comment --comment "host: ssh" -j ACCEPT\n'
      "-A INPUT -p tcp -m tcp --dport 10250 -m comment --comment kubelet -j ACCEPT\n"
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n'
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n'
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n'
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n'
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'
      "-A OUTPUT -j KUBE-FIREWALL\n"
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n'
      "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n'
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n')
    for r in f_rules:
        w(r + "\n")
    w("COMMIT\n")
    w("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n")
    for ch in n_chains:
        w(f":{ch} - [0:0]\n")
    w('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\n'
      "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
      "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
      "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n')
    for r in n_rules:
        w(r + "\n")
    w('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n')
    w("COMMIT\n")


if __name__ == "__main__":
    main()
