//! The ruleset firewalld 1.3.3 generates for incoming traffic, as iptables chains of the same
//! shape (`docs/research/firewalld-1.3.3.md` §4):
//!
//! ```text
//! INPUT: RELATED,ESTABLISHED accept · lo accept · INVALID drop · -j INPUT_ZONES · reject
//! INPUT_ZONES: source bindings of all zones by zone name · interface bindings · -g IN_<default>
//! IN_<zone>: -j INPUT_POLICIES_pre · _pre · _deny · _allow · _post · -j INPUT_POLICIES_post · target
//! ```
//!
//! Every generated line points at the element it comes from.

use super::{Config, Firewalld, Loaded};
use crate::ast::firewalld::{ActionKind, Element, ObjectKind, RichRule, RuleAddr};
use crate::ast::iptables::Family;
use crate::model::firewall::ruleset::{Batch, Origin, Ruleset};
use crate::source::{Location, Span};
use crate::syntax::firewalld::{port_range, protocol_number};
use crate::syntax::iptables::parse_family;

/// ICMP type numbers of firewalld's icmptype names: (IPv4, IPv6).
const ICMP_TYPES: &[(&str, Option<u8>, Option<u8>)] = &[
    ("echo-reply", Some(0), Some(129)),
    ("echo-request", Some(8), Some(128)),
    ("destination-unreachable", Some(3), Some(1)),
    ("source-quench", Some(4), None),
    ("redirect", Some(5), Some(137)),
    ("router-advertisement", Some(9), Some(134)),
    ("router-solicitation", Some(10), Some(133)),
    ("time-exceeded", Some(11), Some(3)),
    ("parameter-problem", Some(12), Some(4)),
    ("timestamp-request", Some(13), None),
    ("timestamp-reply", Some(14), None),
    ("packet-too-big", None, Some(2)),
    ("neighbour-solicitation", None, Some(135)),
    ("neighbour-advertisement", None, Some(136)),
    ("mld-listener-query", None, Some(130)),
    ("mld-listener-report", None, Some(131)),
    ("mld-listener-done", None, Some(132)),
    ("mld2-listener-report", None, Some(143)),
];

fn fam_name(f: Family) -> &'static str {
    if f == Family::Ipv6 { "ipv6" } else { "ipv4" }
}

fn addr_family(a: &str) -> Family {
    if a.contains(':') { Family::Ipv6 } else { Family::Ipv4 }
}

fn is_mac(a: &str) -> bool {
    crate::syntax::firewalld::check_mac(a)
}

/// A chain-name-safe form of a zone or policy name.
fn chain_part(name: &str, index: usize) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_string()
    } else {
        format!("n{index}")
    }
}

/// (protocol, `--dport` text or empty for a protocol-only entry) that a service opens for the
/// given families: its own entries unless its `<destination>` excludes them all, then its
/// includes with their own destinations.
pub(super) fn service_entries(config: &Config, name: &str, families: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    service_walk(config, name, families, &mut seen, &mut |proto, port, _| out.push((proto, port)));
    out
}

/// A visitor of service entries: (protocol, port text, destination).
type Visit<'v> = dyn FnMut(String, String, Option<String>) + 'v;

/// Visit a service's entries: (protocol, port text, destination for the family).
fn service_walk(config: &Config, name: &str, families: &[&str], seen: &mut Vec<String>, visit: &mut Visit<'_>) {
    if seen.iter().any(|s| s == name) {
        return;
    }
    seen.push(name.to_string());
    let Some(part) = config.get(ObjectKind::Service, name).and_then(|p| p.first()) else { return };
    for inc in &part.obj.includes {
        service_walk(config, &inc.value, families, seen, visit);
    }
    let o = &part.obj;
    for fam in families {
        let dest = if *fam == "ipv4" { &o.destination_v4 } else { &o.destination_v6 };
        if (o.destination_v4.is_some() || o.destination_v6.is_some()) && dest.is_none() {
            continue;
        }
        for p in &o.ports {
            visit(p.protocol.clone(), p.port.clone(), dest.clone());
        }
        for p in &o.protocols {
            visit(p.value.clone(), String::new(), dest.clone());
        }
    }
}

struct Gen<'a> {
    family: Family,
    config: &'a Config,
    resolve: &'a dyn Fn(&str) -> Option<u16>,
    text: String,
    origins: Vec<(u32, Location)>,
    elements: Vec<Location>,
}

impl Gen<'_> {
    fn line(&mut self, line: &str, at: Location) {
        self.origins.push((self.text.len() as u32, at));
        self.text.push_str(line);
        self.text.push('\n');
    }

    fn element(&mut self, line: &str, at: Location) {
        self.line(line, at);
        self.elements.push(at);
    }

    fn fam(&self) -> &'static str {
        fam_name(self.family)
    }

    fn icmp_proto(&self) -> &'static str {
        if self.family == Family::Ipv6 { "-p ipv6-icmp" } else { "-p icmp" }
    }

    fn admin_reject(&self) -> &'static str {
        if self.family == Family::Ipv6 {
            "-j REJECT --reject-with icmp6-adm-prohibited"
        } else if self.config.iptables_backend {
            "-j REJECT --reject-with icmp-host-prohibited"
        } else {
            "-j REJECT --reject-with icmp-admin-prohibited"
        }
    }

    fn icmp_match(&self, name: &str) -> Option<String> {
        let &(_, v4, v6) = ICMP_TYPES.iter().find(|(n, ..)| *n == name)?;
        match self.family {
            Family::Ipv4 => v4.map(|t| format!("-p icmp -m icmp --icmp-type {t}")),
            Family::Ipv6 => v6.map(|t| format!("-p ipv6-icmp -m icmp6 --icmpv6-type {t}")),
        }
    }

    fn port_match(&self, proto: &str, port: &str, flag: &str) -> Option<String> {
        let (a, b) = port_range(port, self.resolve)?;
        let range = if a == b { a.to_string() } else { format!("{a}:{b}") };
        Some(format!("-p {proto} -m {proto} {flag} {range}"))
    }

    /// The matches of a service's entries in this family, with the service's `<destination>`
    /// unless `with_dest` is false (a rich rule's own destination takes its place).
    fn service_matches(&self, name: &str, with_dest: bool) -> Vec<String> {
        let mut out = Vec::new();
        let fam = [self.fam()];
        service_walk(self.config, name, &fam, &mut Vec::new(), &mut |proto, port, dest| {
            let d = dest.filter(|_| with_dest).map(|d| format!(" -d {d}")).unwrap_or_default();
            let m = if port.is_empty() {
                protocol_number(&proto).map(|n| format!("-p {n}"))
            } else {
                self.port_match(&proto, &port, "--dport")
            };
            out.extend(m.map(|m| format!("{m}{d}")));
        });
        out
    }

    /// An address match (`-s`/`-d`), or `None` when it can never match in this family.
    fn addr_match(&self, a: &RuleAddr, flag: &str, dir: &str) -> Option<String> {
        let not = if a.invert { "! " } else { "" };
        if let Some(addr) = &a.address {
            if addr_family(addr) != self.family {
                return if a.invert { Some(String::new()) } else { None };
            }
            return Some(format!("{not}{flag} {addr}"));
        }
        if let Some(mac) = &a.mac {
            return Some(format!("-m mac {not}--mac-source {mac}"));
        }
        if let Some(set) = &a.ipset {
            if self.ipset_family(set) != Some(self.family) {
                return if a.invert { Some(String::new()) } else { None };
            }
            return Some(format!("-m set {not}--match-set {set} {dir}"));
        }
        Some(String::new())
    }

    fn ipset_family(&self, name: &str) -> Option<Family> {
        let set = self.config.get(ObjectKind::Ipset, name)?.first()?;
        if set.obj.ipset_type.as_deref() == Some("hash:mac") {
            return Some(self.family);
        }
        let v6 = set.obj.options.iter().any(|(k, v)| k == "family" && v.as_deref() == Some("inet6"));
        Some(if v6 { Family::Ipv6 } else { Family::Ipv4 })
    }

    /// A rich rule's family, source and destination as matches (each with a leading space), or
    /// `None` when the rule cannot match in this family.
    fn rule_addrs(&self, r: &RichRule) -> Option<String> {
        if r.family.as_deref().is_some_and(|f| f != self.fam()) {
            return None;
        }
        let mut common = String::new();
        for (a, flag, dir) in [(&r.source, "-s", "src"), (&r.destination, "-d", "dst")] {
            if let Some(a) = a {
                let m = self.addr_match(a, flag, dir)?;
                if !m.is_empty() {
                    common.push(' ');
                    common.push_str(&m);
                }
            }
        }
        Some(common)
    }

    /// The iptables lines of one rich rule's matches and target (several for a service).
    fn rich(&self, r: &RichRule) -> Vec<String> {
        let Some(common) = self.rule_addrs(r) else { return Vec::new() };
        let Some(action) = &r.action else { return Vec::new() };
        let limit = action.limit.as_ref().map(|l| format!(" -m limit --limit {l}")).unwrap_or_default();
        let target = match &action.kind {
            ActionKind::Accept => "-j ACCEPT".to_string(),
            ActionKind::Drop => "-j DROP".to_string(),
            ActionKind::Mark(_) => return Vec::new(),
            ActionKind::Reject(t) => {
                let t = match t.as_deref() {
                    None => {
                        if self.family == Family::Ipv6 {
                            "icmp6-port-unreachable"
                        } else {
                            "icmp-port-unreachable"
                        }
                    }
                    Some("tcp-rst") => "tcp-reset",
                    Some("host-prohib") => "icmp-host-prohibited",
                    Some("net-unreach") => "icmp-net-unreachable",
                    Some("host-unreach") => "icmp-host-unreachable",
                    Some("port-unreach") if self.family == Family::Ipv6 => "icmp6-port-unreachable",
                    Some("port-unreach") => "icmp-port-unreachable",
                    Some("proto-unreach") => "icmp-proto-unreachable",
                    Some("net-prohib") => "icmp-net-prohibited",
                    Some("admin-prohib") => "icmp-admin-prohibited",
                    Some("adm-prohibited") => "icmp6-adm-prohibited",
                    Some("no-route") => "icmp6-no-route",
                    Some("addr-unreach") => "icmp6-addr-unreachable",
                    Some(other) => other,
                };
                format!("-j REJECT --reject-with {t}")
            }
        };
        let tcp_only = target.ends_with("tcp-reset");
        let matches: Vec<String> = match r.element.as_ref().map(|e| &e.value) {
            None => vec![if tcp_only { "-p tcp".to_string() } else { String::new() }],
            Some(Element::Service(s)) => self.service_matches(s, r.destination.is_none()),
            Some(Element::Port { port, protocol }) => self.port_match(protocol, port, "--dport").into_iter().collect(),
            Some(Element::SourcePort { port, protocol }) => {
                self.port_match(protocol, port, "--sport").into_iter().collect()
            }
            Some(Element::Protocol(p)) => protocol_number(p).map(|n| format!("-p {n}")).into_iter().collect(),
            Some(Element::IcmpType(n)) | Some(Element::IcmpBlock(n)) => self.icmp_match(n).into_iter().collect(),
            Some(Element::Masquerade | Element::ForwardPort { .. } | Element::TcpMssClamp) => Vec::new(),
        };
        matches.into_iter().map(|m| format!("{m}{common}{limit} {target}")).collect()
    }

    /// Zone dispatch in this family: (match, zone, element) of every source and interface binding,
    /// ordered by the zone's ingress-priority (firewalld 2.x; 0 without one), then sources
    /// before interfaces, then zone name. The default zone comes after them all.
    fn bindings<'z>(&self, active: &[&'z str]) -> Vec<(String, &'z str, Location)> {
        let config = self.config;
        let mut out: Vec<(i32, u8, String, &'z str, Location)> = Vec::new();
        for &z in active {
            let prio = config.ingress_priority(z);
            for part in config.get(ObjectKind::Zone, z).unwrap_or_default() {
                for s in &part.obj.sources {
                    let m = if let Some(set) = s.value.strip_prefix("ipset:") {
                        (self.ipset_family(set) == Some(self.family)).then(|| format!("-m set --match-set {set} src"))
                    } else if is_mac(&s.value) {
                        Some(format!("-m mac --mac-source {}", s.value))
                    } else {
                        (addr_family(&s.value) == self.family).then(|| format!("-s {}", s.value))
                    };
                    if let Some(m) = m {
                        out.push((prio, 1, m, z, part.at(s.span)));
                    }
                }
                for i in &part.obj.interfaces {
                    out.push((prio, 2, format!("-i {}", i.value), z, part.at(i.span)));
                }
            }
        }
        // Stable: zones stay in name order within a priority and kind.
        out.sort_by_key(|&(prio, kind, ..)| (prio, kind));
        out.into_iter().map(|(_, _, m, z, at)| (m, z, at)).collect()
    }

    /// firewalld's nat PREROUTING, for forward-ports: dispatched by zone like INPUT, each zone
    /// (and each policy towards the host) in its own `PRE_` chain.
    fn nat(&mut self, zones: &[(&str, String)], policies: &[(i32, &str, &[Loaded])], active: &[&str], base: Location) {
        let config = self.config;
        let subs = ["pre", "allow", "post"];
        self.line("*nat", base);
        for c in ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] {
            self.line(&format!(":{c} ACCEPT [0:0]"), base);
        }
        for c in ["PREROUTING_ZONES", "PREROUTING_POLICIES_pre", "PREROUTING_POLICIES_post"] {
            self.line(&format!(":{c} - [0:0]"), base);
        }
        let zone_at =
            |z: &str| config.get(ObjectKind::Zone, z).and_then(|p| p.first()).map_or(base, |p| p.at(p.obj.root));
        let policy_chains: Vec<String> =
            policies.iter().enumerate().map(|(i, (_, p, _))| format!("PN_{}", chain_part(p, i))).collect();
        for (z, c) in zones {
            for s in ["", "_pre", "_allow", "_post"] {
                self.line(&format!(":{c}{s} - [0:0]"), zone_at(z));
            }
        }
        for ((_, _, parts), c) in policies.iter().zip(&policy_chains) {
            let at = parts.first().map_or(base, |l| l.at(l.obj.root));
            for s in ["", "_pre", "_allow", "_post"] {
                self.line(&format!(":{c}{s} - [0:0]"), at);
            }
        }
        self.line("-A PREROUTING -j PREROUTING_ZONES", base);
        let chain_of = |z: &str| zones.iter().find(|(n, _)| *n == z).map(|(_, c)| c.clone());
        for (m, z, at) in self.bindings(active) {
            if let Some(c) = chain_of(z) {
                self.line(&format!("-A PREROUTING_ZONES {m} -g {c}"), at);
            }
        }
        if let Some(c) = chain_of(&config.default_zone) {
            self.line(&format!("-A PREROUTING_ZONES -g {c}"), base);
        }
        for ((prio, _, parts), c) in policies.iter().zip(&policy_chains) {
            let Some(part) = parts.first() else { continue };
            let list = if *prio < 0 { "PREROUTING_POLICIES_pre" } else { "PREROUTING_POLICIES_post" };
            self.policy_jumps(list, c, part, active);
            for s in subs {
                self.line(&format!("-A {c} -j {c}_{s}"), part.at(part.obj.root));
            }
            self.forward_body(c, parts);
        }
        for (z, c) in zones {
            let at = zone_at(z);
            self.line(&format!("-A {c} -j PREROUTING_POLICIES_pre"), at);
            for s in subs {
                self.line(&format!("-A {c} -j {c}_{s}"), at);
            }
            self.line(&format!("-A {c} -j PREROUTING_POLICIES_post"), at);
            self.forward_body(c, config.get(ObjectKind::Zone, z).unwrap_or_default());
        }
        self.line("COMMIT", base);
    }

    /// The jumps from `list` to a policy's chain `target`, one per binding of its ingress zones
    /// in this family (one unconditional jump for ANY and HOST).
    fn policy_jumps(&mut self, list: &str, target: &str, part: &Loaded, active: &[&str]) {
        for z in &part.obj.ingress {
            if z.value == "ANY" || z.value == "HOST" {
                self.line(&format!("-A {list} -j {target}"), part.at(z.span));
                continue;
            }
            if !active.contains(&z.value.as_str()) {
                continue;
            }
            for zp in self.config.get(ObjectKind::Zone, &z.value).unwrap_or_default() {
                for s in &zp.obj.sources {
                    if !s.value.starts_with("ipset:") && !is_mac(&s.value) && addr_family(&s.value) == self.family {
                        self.line(&format!("-A {list} -s {} -j {target}", s.value), part.at(z.span));
                    }
                }
                for itf in &zp.obj.interfaces {
                    self.line(&format!("-A {list} -i {} -j {target}", itf.value), part.at(z.span));
                }
            }
        }
    }

    /// The nat rule of a forward-port (REDIRECT to a local port, DNAT to another address), or
    /// `None` when it does not apply to this family: a zone's or policy's `<forward-port>`
    /// without an IPv6 `to-addr` is IPv4 only.
    fn forward_port(
        &self,
        port: &str,
        protocol: &str,
        to_port: &str,
        to_addr: &str,
        rich: bool,
    ) -> Option<(String, String)> {
        if !rich && self.family != if to_addr.contains(':') { Family::Ipv6 } else { Family::Ipv4 } {
            return None;
        }
        let m = self.port_match(protocol, port, "--dport")?;
        let to = if to_port.is_empty() {
            None
        } else {
            let (a, b) = port_range(to_port, self.resolve)?;
            Some(if a == b { a.to_string() } else { format!("{a}-{b}") })
        };
        let target = match (to_addr, to) {
            ("", Some(to)) => format!("-j REDIRECT --to-ports {to}"),
            ("", None) => return None,
            (addr, None) => format!("-j DNAT --to-destination {addr}"),
            (addr, Some(to)) if addr.contains(':') => format!("-j DNAT --to-destination [{addr}]:{to}"),
            (addr, Some(to)) => format!("-j DNAT --to-destination {addr}:{to}"),
        };
        Some((m, target))
    }

    /// The nat PREROUTING chains `{chain}_pre/_allow/_post` of a zone or policy: its
    /// forward-ports (allow, after them the priority-0 rich ones) and the rich forward-ports of
    /// other priorities, in priority order.
    fn forward_body(&mut self, chain: &str, parts: &[Loaded]) {
        let mut rich: Vec<(i32, &Loaded, &RichRule)> = parts
            .iter()
            .flat_map(|part| part.obj.rules.iter().map(move |r| (r.priority, part, r)))
            .filter(|(_, _, r)| matches!(r.element.as_ref().map(|e| &e.value), Some(Element::ForwardPort { .. })))
            .collect();
        // Stable: rules of one priority stay in file order.
        rich.sort_by_key(|x| x.0);
        let mut lines: Vec<(&str, String, Location)> = Vec::new();
        for (_, part, r) in rich.iter().filter(|x| x.0 < 0) {
            lines.extend(self.rich_forward(r).map(|l| ("pre", l, part.at(element_span(r)))));
        }
        for part in parts {
            for f in &part.obj.forward_ports {
                let line = self.forward_port(&f.port, &f.protocol, &f.to_port, &f.to_addr, false);
                lines.extend(line.map(|(m, t)| ("allow", format!("{m} {t}"), part.at(f.span))));
            }
        }
        for (prio, part, r) in rich.iter().filter(|x| x.0 >= 0) {
            let sub = if *prio == 0 { "allow" } else { "post" };
            lines.extend(self.rich_forward(r).map(|l| (sub, l, part.at(element_span(r)))));
        }
        for (sub, l, at) in lines {
            self.element(&format!("-A {chain}_{sub} {l}"), at);
        }
    }

    /// A rich rule's forward-port in this family, with its source and destination.
    fn rich_forward(&self, r: &RichRule) -> Option<String> {
        let Some(Element::ForwardPort { port, protocol, to_port, to_addr }) = r.element.as_ref().map(|e| &e.value)
        else {
            return None;
        };
        let common = self.rule_addrs(r)?;
        let (m, target) = self.forward_port(port, protocol, to_port, to_addr, true)?;
        Some(format!("{m}{common} {target}"))
    }

    /// The `_pre/_deny/_allow/_post` chains of a zone or policy and their contents.
    fn body(&mut self, chain: &str, parts: &[Loaded], zone: bool) {
        let mut pre: Vec<(i32, &Loaded, &RichRule)> = Vec::new();
        let mut post: Vec<(i32, &Loaded, &RichRule)> = Vec::new();
        let mut deny: Vec<(&Loaded, &RichRule)> = Vec::new();
        let mut allow: Vec<(&Loaded, &RichRule)> = Vec::new();
        for part in parts {
            for r in &part.obj.rules {
                match r.priority {
                    p if p < 0 => pre.push((p, part, r)),
                    p if p > 0 => post.push((p, part, r)),
                    _ => match (&r.element, &r.action) {
                        (Some(e), _) if matches!(e.value, Element::IcmpBlock(_)) => deny.push((part, r)),
                        (_, Some(a)) if matches!(a.kind, ActionKind::Reject(_) | ActionKind::Drop) => {
                            deny.push((part, r))
                        }
                        (_, Some(_)) => allow.push((part, r)),
                        _ => {}
                    },
                }
            }
        }
        pre.sort_by_key(|x| x.0);
        post.sort_by_key(|x| x.0);
        let rich_line = |g: &mut Self, sub: &str, part: &Loaded, r: &RichRule| {
            let at = part.at(r.span);
            let lines = if let (Some(Element::IcmpBlock(n)), None) = (r.element.as_ref().map(|e| &e.value), &r.action) {
                g.icmp_match(n).map(|m| vec![format!("{m} {}", g.admin_reject())]).unwrap_or_default()
            } else {
                g.rich(r)
            };
            for l in lines {
                g.element(&format!("-A {chain}_{sub} {l}"), at);
            }
        };
        for (_, part, r) in &pre {
            rich_line(self, "pre", part, r);
        }
        let inversion = zone && parts.iter().any(|p| p.obj.icmp_block_inversion);
        for part in parts {
            for b in &part.obj.icmp_blocks {
                if let Some(m) = self.icmp_match(&b.value) {
                    let t = if inversion { "-j ACCEPT" } else { self.admin_reject() };
                    let sub = if inversion { "allow" } else { "deny" };
                    self.element(&format!("-A {chain}_{sub} {m} {t}"), part.at(b.span));
                }
            }
        }
        for (part, r) in &deny {
            rich_line(self, "deny", part, r);
        }
        for part in parts {
            for s in &part.obj.services {
                for m in self.service_matches(&s.value, true) {
                    self.element(&format!("-A {chain}_allow {m} -j ACCEPT"), part.at(s.span));
                }
            }
            for p in &part.obj.ports {
                if let Some(m) = self.port_match(&p.protocol, &p.port, "--dport") {
                    self.element(&format!("-A {chain}_allow {m} -j ACCEPT"), part.at(p.span));
                }
            }
            for p in &part.obj.source_ports {
                if let Some(m) = self.port_match(&p.protocol, &p.port, "--sport") {
                    self.element(&format!("-A {chain}_allow {m} -j ACCEPT"), part.at(p.span));
                }
            }
        }
        for (part, r) in &allow {
            rich_line(self, "allow", part, r);
        }
        for part in parts {
            for p in &part.obj.protocols {
                if let Some(n) = protocol_number(&p.value) {
                    self.element(&format!("-A {chain}_allow -p {n} -j ACCEPT"), part.at(p.span));
                }
            }
        }
        for (_, part, r) in &post {
            rich_line(self, "post", part, r);
        }
    }
}

/// Policies firewalld applies whose egress lists one of `egress` and that `keep` accepts, as
/// (priority, name, parts) in firewalld's order: not `<disable/>`d, with an ingress of ANY, HOST
/// or an active zone.
fn applied_policies<'c>(
    config: &'c Config,
    active: &[&str],
    egress: &[&str],
    keep: &dyn Fn(&[Loaded]) -> bool,
) -> Vec<(i32, &'c str, &'c [Loaded])> {
    let mut out: Vec<(i32, &str, &[Loaded])> = config
        .names(ObjectKind::Policy)
        .filter(|(_, parts)| {
            keep(parts)
                && parts.first().map(|p| &p.obj).is_some_and(|o| {
                    !o.disabled
                        && o.egress.iter().any(|z| egress.contains(&z.value.as_str()))
                        && o.ingress
                            .iter()
                            .any(|z| z.value == "ANY" || z.value == "HOST" || active.contains(&z.value.as_str()))
                })
        })
        .map(|(n, parts)| (parts.first().and_then(|p| p.obj.priority.as_ref()).map_or(-1, |p| p.value), n, parts))
        .collect();
    out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    out
}

/// Build the IPv4 and IPv6 rulesets of the running configuration.
pub(super) fn build(fw: &mut Firewalld, resolve: &dyn Fn(&str) -> Option<u16>) {
    let config = &fw.running;
    let base = fw
        .running
        .default_zone_at
        .or_else(|| fw.conf_file.map(|file| Location { file, span: Span::default() }))
        .or_else(|| {
            config.get(ObjectKind::Zone, &config.default_zone).and_then(|p| p.first()).map(|p| p.at(p.obj.root))
        })
        .unwrap_or_default();
    let active = config.active_zones();
    let mut zones: Vec<&str> = active.clone();
    if !zones.contains(&config.default_zone.as_str()) {
        zones.push(config.default_zone.as_str());
    }
    zones.sort();
    let chain_of = |z: &str| {
        let i = zones.iter().position(|x| *x == z).unwrap_or(0);
        format!("IN_{}", chain_part(z, i))
    };
    // Active policies towards the host (a `<disable/>`d one is not applied).
    let policies = applied_policies(config, &active, &["HOST"], &|_| true);
    let chain_owners: Vec<(String, String)> = zones
        .iter()
        .map(|z| (chain_of(z), format!("zone `{z}`")))
        .chain(
            policies
                .iter()
                .enumerate()
                .map(|(i, (_, p, _))| (format!("PO_{}", chain_part(p, i)), format!("policy `{p}`"))),
        )
        .collect();
    // Zones and policies towards the host with forward-ports: firewalld's nat PREROUTING.
    let forwards = |parts: &[Loaded]| {
        parts.iter().any(|p| {
            !p.obj.forward_ports.is_empty()
                || p.obj
                    .rules
                    .iter()
                    .any(|r| matches!(r.element.as_ref().map(|e| &e.value), Some(Element::ForwardPort { .. })))
        })
    };
    let nat_zones: Vec<(&str, String)> =
        zones.iter().enumerate().map(|(i, z)| (*z, format!("PRE_{}", chain_part(z, i)))).collect();
    let nat_policies = applied_policies(config, &active, &["HOST", "ANY"], &forwards);
    let forwarding =
        !nat_policies.is_empty() || zones.iter().any(|z| forwards(config.get(ObjectKind::Zone, z).unwrap_or_default()));
    let mut chain_owners = chain_owners;
    if forwarding {
        chain_owners.extend(nat_zones.iter().map(|(z, c)| (c.clone(), format!("forward-ports of zone `{z}`"))));
        chain_owners.extend(
            nat_policies
                .iter()
                .enumerate()
                .map(|(i, (_, p, _))| (format!("PN_{}", chain_part(p, i)), format!("forward-ports of policy `{p}`"))),
        );
    }
    let mut out = Vec::new();
    let mut elements = Vec::new();
    for family in [Family::Ipv4, Family::Ipv6] {
        let mut g = Gen { family, config, resolve, text: String::new(), origins: Vec::new(), elements: Vec::new() };
        g.line("*filter", base);
        for c in ["INPUT ACCEPT", "FORWARD ACCEPT", "OUTPUT ACCEPT"] {
            g.line(&format!(":{c} [0:0]"), base);
        }
        g.line(":INPUT_ZONES - [0:0]", base);
        g.line(":INPUT_POLICIES_pre - [0:0]", base);
        g.line(":INPUT_POLICIES_post - [0:0]", base);
        let subs = ["pre", "deny", "allow", "post"];
        for z in &zones {
            let c = chain_of(z);
            let at = config.get(ObjectKind::Zone, z).and_then(|p| p.first()).map_or(base, |p| p.at(p.obj.root));
            g.line(&format!(":{c} - [0:0]"), at);
            for s in subs {
                g.line(&format!(":{c}_{s} - [0:0]"), at);
            }
        }
        for (i, (_, p, parts)) in policies.iter().enumerate() {
            let c = format!("PO_{}", chain_part(p, i));
            let at = parts.first().map_or(base, |l| l.at(l.obj.root));
            g.line(&format!(":{c} - [0:0]"), at);
            for s in subs {
                g.line(&format!(":{c}_{s} - [0:0]"), at);
            }
        }
        g.line("-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", base);
        if forwarding {
            // nftables: `ct status dnat accept`; the iptables backend lists DNAT with the states
            // above. firewalld 2.3's StrictForwardPorts accepts only its own forward-ports here,
            // which are the only nat rules modelled.
            g.line("-A INPUT -m conntrack --ctstate DNAT -j ACCEPT", base);
        }
        g.line("-A INPUT -i lo -j ACCEPT", base);
        g.line("-A INPUT -m conntrack --ctstate INVALID -j DROP", base);
        g.line("-A INPUT -j INPUT_ZONES", base);
        let final_reject = g.admin_reject();
        g.line(&format!("-A INPUT {final_reject}"), base);
        let bindings = g.bindings(&active);
        for (m, z, at) in &bindings {
            g.line(&format!("-A INPUT_ZONES {m} -g {}", chain_of(z)), *at);
        }
        let dz = config.default_zone.clone();
        g.line(&format!("-A INPUT_ZONES -g {}", chain_of(&dz)), base);
        // Policies: jumped from every zone chain, matched by their ingress zones' bindings.
        for (i, (prio, _, parts)) in policies.iter().enumerate() {
            let Some(part) = parts.first() else { continue };
            let c = format!("PO_{}", chain_part(policies[i].1, i));
            let list = if *prio < 0 { "INPUT_POLICIES_pre" } else { "INPUT_POLICIES_post" };
            g.policy_jumps(list, &c, part, &active);
            for s in ["pre", "deny", "allow", "post"] {
                g.line(&format!("-A {c} -j {c}_{s}"), part.at(part.obj.root));
            }
            g.body(&c, parts, false);
            let t = part.obj.target.as_ref().map_or("CONTINUE", |t| t.value.as_str());
            let target = match t {
                "ACCEPT" => Some("-j ACCEPT".to_string()),
                "DROP" => Some("-j DROP".to_string()),
                "REJECT" => Some(g.admin_reject().to_string()),
                _ => None,
            };
            if let Some(target) = target {
                let at = part.obj.target.as_ref().map_or(part.at(part.obj.root), |t| part.at(t.span));
                g.line(&format!("-A {c} {target}"), at);
            }
        }
        for z in &zones {
            let c = chain_of(z);
            let parts = config.get(ObjectKind::Zone, z).unwrap_or_default();
            let root = parts.first().map_or(base, |p| p.at(p.obj.root));
            g.line(&format!("-A {c} -j INPUT_POLICIES_pre"), root);
            for s in subs {
                g.line(&format!("-A {c} -j {c}_{s}"), root);
            }
            g.line(&format!("-A {c} -j INPUT_POLICIES_post"), root);
            g.body(&c, parts, true);
            // Combined zones always have the default target.
            let target = if parts.len() == 1 { parts[0].obj.target.as_ref() } else { None };
            let at = target.map_or(root, |t| parts.first().map_or(base, |p| p.at(t.span)));
            match target.map(|t| t.value.as_str()) {
                Some("ACCEPT") => g.line(&format!("-A {c} -j ACCEPT"), at),
                Some("DROP") => g.line(&format!("-A {c} -j DROP"), at),
                Some(_) => {
                    let r = g.admin_reject();
                    g.line(&format!("-A {c} {r}"), at);
                }
                None => {
                    let inversion = parts.iter().any(|p| p.obj.icmp_block_inversion);
                    let icmp = g.icmp_proto();
                    if inversion {
                        let r = g.admin_reject();
                        g.line(&format!("-A {c} {icmp} {r}"), at);
                    } else {
                        g.line(&format!("-A {c} {icmp} -j ACCEPT"), at);
                    }
                    let reject = if config.iptables_backend {
                        if family == Family::Ipv6 {
                            "-j REJECT --reject-with icmp6-port-unreachable"
                        } else {
                            "-j REJECT --reject-with icmp-port-unreachable"
                        }
                    } else {
                        g.admin_reject()
                    };
                    g.line(&format!("-A {c} {reject}"), at);
                }
            }
        }
        g.line("COMMIT", base);
        if forwarding {
            g.nat(&nat_zones, &nat_policies, &active, base);
        }
        let ast = parse_family(g.text.as_str(), family);
        let mut rs = Ruleset::new(family);
        let problems = rs.apply(&Batch { ast: &ast, file: base.file, noflush: false, at: Origin::Lines(&g.origins) });
        let mut problems = problems;
        for e in ast.errors() {
            problems.push(crate::model::firewall::ruleset::Problem {
                kind: crate::model::firewall::ruleset::ProblemKind::InvalidUse,
                at: Origin::Lines(&g.origins).locate(base.file, e.span),
                message: format!("sshlint could not model a generated firewalld rule: {}", e.message),
                help: None,
                related: Vec::new(),
            });
        }
        elements.extend(g.elements);
        out.push((family, rs, problems));
    }
    fw.built = out;
    fw.element_rules = elements;
    fw.chain_owners = chain_owners;
}

/// Where a rich rule's element is written (the rule itself when it has none).
fn element_span(r: &RichRule) -> Span {
    r.element.as_ref().map_or(r.span, |e| e.span)
}
