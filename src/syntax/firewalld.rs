//! firewalld XML files to [`Object`]s, the way firewalld 1.3's SAX readers load them
//! (`firewall/core/io/{zone,policy,service,ipset,icmptype,helper}.py`, facts in
//! `docs/research/firewalld-1.3.3.md` §1.4, §6).
//!
//! roxmltree checks well-formedness (where firewalld's expat raises, so does it); the element
//! walk below then replays firewalld's handler: per-kind element and attribute whitelists,
//! required attributes, the checks that abort a file, the rich-rule state machine with its
//! `_rule_error` flag (set by a stray action outside `<rule>`, it skips everything up to the
//! next `</rule>`), and the rule checks that only drop a rule. No entity beyond XML's five is
//! expanded: a DOCTYPE is reported instead.

use crate::ast::firewalld::{
    Action, ActionKind, Effect, Element, ForwardPort, Issue, Object, ObjectKind, PortEntry, RichRule, RuleAddr, Spanned,
};
use crate::source::Span;

/// `/etc/protocols` as Debian's netbase ships it: what firewalld's `getprotobyname` accepts.
pub const PROTOCOLS: &[(&str, u8)] = &[
    ("ip", 0),
    ("hopopt", 0),
    ("icmp", 1),
    ("igmp", 2),
    ("ggp", 3),
    ("ipencap", 4),
    ("st", 5),
    ("tcp", 6),
    ("egp", 8),
    ("igp", 9),
    ("pup", 12),
    ("udp", 17),
    ("hmp", 20),
    ("xns-idp", 22),
    ("rdp", 27),
    ("iso-tp4", 29),
    ("dccp", 33),
    ("xtp", 36),
    ("ddp", 37),
    ("idpr-cmtp", 38),
    ("ipv6", 41),
    ("ipv6-route", 43),
    ("ipv6-frag", 44),
    ("idrp", 45),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("skip", 57),
    ("ipv6-icmp", 58),
    ("ipv6-nonxt", 59),
    ("ipv6-opts", 60),
    ("rspf", 73),
    ("vmtp", 81),
    ("eigrp", 88),
    ("ospf", 89),
    ("ax.25", 93),
    ("ipip", 94),
    ("etherip", 97),
    ("encap", 98),
    ("pim", 103),
    ("ipcomp", 108),
    ("vrrp", 112),
    ("l2tp", 115),
    ("isis", 124),
    ("sctp", 132),
    ("fc", 133),
    ("mobility-header", 135),
    ("udplite", 136),
    ("mpls-in-ip", 137),
    ("manet", 138),
    ("hip", 139),
    ("shim6", 140),
    ("wesp", 141),
    ("rohc", 142),
    ("ethernet", 143),
];

/// A protocol by name or number as firewalld's `checkProtocol` takes it: its number.
pub fn protocol_number(p: &str) -> Option<u8> {
    if let Ok(n) = p.trim().parse::<i64>() {
        return u8::try_from(n).ok();
    }
    PROTOCOLS.iter().find(|(name, _)| *name == p).map(|&(_, n)| n)
}

/// A port range as firewalld's `getPortRange` reads it: `N`, `N-M` (either order; `N-N` is
/// port N), or names of the host's services (`resolve`) in place of numbers. `None` when
/// firewalld's `check_port` fails: no reading, a number above 65535, or a dash that splits the
/// text into ports in more than one way.
pub fn port_range(p: &str, resolve: &dyn Fn(&str) -> Option<u16>) -> Option<(u16, u16)> {
    let id = |s: &str| -> Option<u16> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u32>().ok().filter(|&n| n <= 65535).map(|n| n as u16)
        } else {
            resolve(s)
        }
    };
    if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
        return id(p).map(|n| (n, n));
    }
    // Every split at a dash, the whole text first; an empty right side means the left alone
    // (so `22-` is port 22), and a whole-text match ends the search.
    let parts: Vec<&str> = p.split('-').collect();
    let mut matched = Vec::new();
    for i in (1..=parts.len()).rev() {
        let (a, b) = (parts[..i].join("-"), parts[i..].join("-"));
        if !b.is_empty() {
            if let (Some(a), Some(b)) = (id(&a), id(&b)) {
                matched.push((a.min(b), a.max(b)));
            }
        } else if let Some(a) = id(&a) {
            matched.push((a, a));
            if i == parts.len() {
                break;
            }
        }
    }
    match matched.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// firewalld's `checkIP`/`checkIP6` (inet_pton) with an optional mask (`/N`, or a dotted
/// mask for IPv4).
pub fn check_address(family: &str, s: &str) -> bool {
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => {
            if a.is_empty() || m.is_empty() {
                return false;
            }
            (a, Some(m))
        }
        None => (s, None),
    };
    match family {
        "ipv4" => {
            if addr.parse::<std::net::Ipv4Addr>().is_err() {
                return false;
            }
            match mask {
                None => true,
                Some(m) if m.contains('.') => m.parse::<std::net::Ipv4Addr>().is_ok(),
                Some(m) => py_int(m).is_some_and(|i| (0..=32).contains(&i)),
            }
        }
        _ => {
            if !check_ip6(addr) {
                return false;
            }
            mask.is_none_or(|m| py_int(m).is_some_and(|i| (0..=128).contains(&i)))
        }
    }
}

/// inet_pton(AF_INET6) accepts what Rust's parser accepts (zone indexes are refused by both).
fn check_ip6(s: &str) -> bool {
    s.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Python's `int(s)`: surrounding whitespace, a sign and underscores between digits allowed.
fn py_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    t.replace('_', "").parse::<i64>().ok()
}

/// firewalld's `check_mac`: `xx:xx:xx:xx:xx:xx` in hex.
pub fn check_mac(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17 && (0..17).all(|i| if i % 3 == 2 { b[i] == b':' } else { b[i].is_ascii_hexdigit() })
}

/// firewalld's `checkInterface`.
pub fn check_interface(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= 16 && !s.contains([' ', '/', '!', '*'])
}

/// Reject types firewalld accepts per family (`firewall/core/base.py` REJECT_TYPES).
pub fn reject_type_ok(family: &str, t: &str) -> bool {
    const V4: &[&str] = &[
        "icmp-host-prohibited",
        "host-prohib",
        "icmp-net-unreachable",
        "net-unreach",
        "icmp-host-unreachable",
        "host-unreach",
        "icmp-port-unreachable",
        "port-unreach",
        "icmp-proto-unreachable",
        "proto-unreach",
        "icmp-net-prohibited",
        "net-prohib",
        "tcp-reset",
        "tcp-rst",
        "icmp-admin-prohibited",
        "admin-prohib",
    ];
    const V6: &[&str] = &[
        "icmp6-adm-prohibited",
        "adm-prohibited",
        "icmp6-no-route",
        "no-route",
        "icmp6-addr-unreachable",
        "addr-unreach",
        "icmp6-port-unreachable",
        "port-unreach",
        "tcp-reset",
    ];
    match family {
        "ipv4" => V4.contains(&t),
        "ipv6" => V6.contains(&t),
        _ => false,
    }
}

/// Elements and attributes each kind accepts: (element, required, optional).
type Whitelist = &'static [(&'static str, &'static [&'static str], &'static [&'static str])];

const RULE_PARTS: Whitelist = &[
    ("short", &[], &[]),
    ("description", &[], &[]),
    ("service", &["name"], &[]),
    ("port", &["port", "protocol"], &[]),
    ("icmp-block", &["name"], &[]),
    ("icmp-type", &["name"], &[]),
    ("forward-port", &["port", "protocol"], &["to-port", "to-addr"]),
    ("rule", &[], &["family", "priority"]),
    ("source", &[], &["address", "mac", "invert", "family", "ipset"]),
    ("destination", &[], &["address", "invert", "ipset"]),
    ("protocol", &["value"], &[]),
    ("source-port", &["port", "protocol"], &[]),
    ("log", &[], &["prefix", "level"]),
    ("nflog", &[], &["group", "prefix", "queue-size"]),
    ("audit", &[], &[]),
    ("accept", &[], &[]),
    ("reject", &[], &["type"]),
    ("drop", &[], &[]),
    ("mark", &["set"], &[]),
    ("limit", &["value"], &["burst"]),
    ("tcp-mss-clamp", &[], &["value"]),
];

const ZONE_ONLY: Whitelist = &[
    ("zone", &[], &["name", "immutable", "target", "version", "ingress-priority", "egress-priority"]),
    ("forward", &[], &[]),
    ("interface", &["name"], &[]),
    ("icmp-block-inversion", &[], &[]),
    ("masquerade", &[], &["enabled"]),
];

const POLICY_ONLY: Whitelist = &[
    ("policy", &["target"], &["version", "priority"]),
    ("masquerade", &[], &[]),
    ("ingress-zone", &["name"], &[]),
    ("egress-zone", &["name"], &[]),
    ("disable", &[], &[]),
];

const SERVICE: Whitelist = &[
    ("short", &[], &[]),
    ("description", &[], &[]),
    ("service", &[], &["name", "version"]),
    ("port", &[], &["port", "protocol"]),
    ("protocol", &[], &["value"]),
    ("module", &[], &["name"]),
    ("destination", &[], &["ipv4", "ipv6"]),
    ("source-port", &[], &["port", "protocol"]),
    ("include", &[], &["service"]),
    ("helper", &[], &["name"]),
];

const IPSET: Whitelist = &[
    ("short", &[], &[]),
    ("description", &[], &[]),
    ("ipset", &["type"], &["version"]),
    ("option", &["name"], &["value"]),
    ("entry", &[], &[]),
];

const ICMPTYPE: Whitelist = &[
    ("short", &[], &[]),
    ("description", &[], &[]),
    ("icmptype", &[], &["name", "version"]),
    ("destination", &[], &["ipv4", "ipv6"]),
];

const HELPER: Whitelist = &[
    ("short", &[], &[]),
    ("description", &[], &[]),
    ("helper", &["module"], &["name", "version", "family"]),
    ("port", &[], &["port", "protocol"]),
];

fn lookup(kind: ObjectKind, name: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    let lists: &[Whitelist] = match kind {
        ObjectKind::Zone => &[ZONE_ONLY, RULE_PARTS],
        ObjectKind::Policy => &[POLICY_ONLY, RULE_PARTS],
        ObjectKind::Service => &[SERVICE],
        ObjectKind::Ipset => &[IPSET],
        ObjectKind::Icmptype => &[ICMPTYPE],
        ObjectKind::Helper => &[HELPER],
    };
    lists.iter().flat_map(|l| l.iter()).find(|(n, ..)| *n == name).map(|&(_, req, opt)| (req, opt))
}

/// Ipset types firewalld accepts.
pub const IPSET_TYPES: &[&str] = &[
    "hash:ip",
    "hash:ip,port",
    "hash:ip,port,ip",
    "hash:ip,port,net",
    "hash:ip,mark",
    "hash:net",
    "hash:net,net",
    "hash:net,port",
    "hash:net,port,net",
    "hash:net,iface",
    "hash:mac",
];

/// The firewalld release whose reader is replayed: `None` when the host root does not say.
/// Elements and attributes newer than 1.3 are accepted when the release is unknown (firewalld
/// 1.x's own tools never write them), with a warning that 1.x refuses the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dialect {
    pub version: Option<[u32; 3]>,
}

impl Dialect {
    pub const V1_3_3: Dialect = Dialect { version: Some([1, 3, 3]) };

    pub fn describe(self) -> String {
        self.version.map_or_else(|| "unknown".to_string(), |[a, b, c]| format!("{a}.{b}.{c}"))
    }
}

/// The document with its DOCTYPE declaration (internal subset included) replaced by spaces,
/// newlines kept; `None` without one.
fn blank_doctype(body: &str) -> Option<String> {
    let start = body.find("<!DOCTYPE")?;
    let (mut depth, mut quote) = (0u32, None::<char>);
    let mut end = None;
    for (i, c) in body[start..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth = depth.saturating_sub(1),
            (None, '>') if depth == 0 => {
                end = Some(start + i + 1);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let mut out = String::with_capacity(body.len());
    out.push_str(&body[..start]);
    for c in body[start..end].chars() {
        // As many bytes as the character had, so every offset after it stays put.
        let blank = if c == '\n' { "\n" } else { "    " };
        out.push_str(&blank[..c.len_utf8().min(blank.len())]);
    }
    out.push_str(&body[end..]);
    Some(out)
}

/// A problem that aborts the file.
struct Abort(Issue);

struct Reader<'a> {
    kind: ObjectKind,
    obj: Object,
    rule: Option<RichRule>,
    rule_error: bool,
    /// Which part of the current rule a `<limit>` attaches to: 1 action, 2 log, 3 audit.
    limit_ok: u8,
    /// A limit on a log or audit part, checked when the rule ends.
    part_limits: Vec<String>,
    /// Keys of the rules kept so far (duplicates are dropped).
    rule_keys: std::collections::HashSet<String>,
    resolve: &'a dyn Fn(&str) -> Option<u16>,
    dialect: Dialect,
}

fn fatal(span: Span, message: impl Into<String>) -> Abort {
    Abort(Issue { span, message: message.into(), effect: Effect::Fatal })
}

impl Reader<'_> {
    /// An element or attribute added after 1.3: an older known release refuses it as it does
    /// any unknown one; an unknown release gets the benefit of the doubt, with a warning.
    fn newer(&mut self, what: &str, since: [u32; 3], span: Span) -> Result<(), Abort> {
        let [major, minor, _] = since;
        match self.dialect.version {
            Some(v) if v < since => Err(fatal(
                span,
                format!(
                    "{what} needs firewalld {major}.{minor} or later; firewalld {} refuses the file",
                    self.dialect.describe()
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.dropped(
                    span,
                    format!(
                        "{what} needs firewalld {major}.{minor} or later, and firewalld 1.x refuses the whole file; \
                         no firewalld release was found under the root, so sshlint reads it as a newer one"
                    ),
                );
                Ok(())
            }
        }
    }

    fn dropped(&mut self, span: Span, message: impl Into<String>) {
        self.obj.issues.push(Issue { span, message: message.into(), effect: Effect::Dropped });
    }

    /// A warning that also sets `_rule_error`: everything up to the next `</rule>` is skipped.
    fn rule_error(&mut self, span: Span, message: impl Into<String>) {
        let mut m = message.into();
        if self.rule.is_none() {
            m.push_str("; firewalld then skips every element after it up to the next `</rule>`");
        }
        self.dropped(span, m);
        self.rule_error = true;
    }

    fn port_ok(&self, port: &str) -> bool {
        port_range(port, self.resolve).is_some()
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)], span: Span) -> Result<(), Abort> {
        if self.rule_error {
            return Ok(());
        }
        let Some((required, optional)) = lookup(self.kind, name) else {
            return Err(fatal(span, format!("unexpected element `<{name}>` in a {} file", self.kind.as_str())));
        };
        for r in required {
            if !attrs.iter().any(|(n, _)| n == r) {
                return Err(fatal(span, format!("`<{name}>` lacks the required attribute `{r}`")));
            }
        }
        if let Some((n, _)) = attrs.iter().find(|(n, _)| !required.contains(n) && !optional.contains(n)) {
            return Err(fatal(span, format!("`<{name}>` has an attribute firewalld does not accept: `{n}`")));
        }
        let get = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        let req = |k: &str| get(k).unwrap_or_default();
        match self.kind {
            ObjectKind::Zone | ObjectKind::Policy => self.zone_or_policy(name, &get, &req, span),
            ObjectKind::Service => self.service(name, &get, span),
            ObjectKind::Ipset => {
                match name {
                    "ipset" => {
                        let t = req("type");
                        if !IPSET_TYPES.contains(&t.as_str()) {
                            return Err(fatal(span, format!("ipset type `{t}` is not one firewalld knows")));
                        }
                        self.obj.ipset_type = Some(t);
                    }
                    "option" => self.obj.options.push((req("name"), get("value"))),
                    _ => {}
                }
                Ok(())
            }
            ObjectKind::Icmptype => {
                if name == "destination" {
                    for (fam, slot) in [("ipv4", 0), ("ipv6", 1)] {
                        if let Some(v) = get(fam)
                            && matches!(v.to_ascii_lowercase().as_str(), "yes" | "true")
                        {
                            if slot == 0 {
                                self.obj.destination_v4 = Some(v);
                            } else {
                                self.obj.destination_v6 = Some(v);
                            }
                        }
                    }
                }
                Ok(())
            }
            ObjectKind::Helper => Ok(()),
        }
    }

    fn service(&mut self, name: &str, get: &dyn Fn(&str) -> Option<String>, span: Span) -> Result<(), Abort> {
        let missing =
            |a: &str| fatal(span, format!("`<{name}>` lacks the attribute `{a}` (firewalld fails reading it)"));
        match name {
            "port" => {
                let port = get("port").ok_or_else(|| missing("port"))?;
                let protocol = get("protocol").ok_or_else(|| missing("protocol"))?;
                if port.is_empty() {
                    if protocol_number(&protocol).is_none() {
                        return Err(fatal(span, format!("`{protocol}` is not a protocol")));
                    }
                    push_unique(&mut self.obj.protocols, protocol, span);
                } else {
                    self.check_port(&port, &protocol, span)?;
                    if !self.obj.ports.iter().any(|p| p.port == port && p.protocol == protocol) {
                        self.obj.ports.push(PortEntry { port, protocol, span });
                    }
                }
            }
            "protocol" => {
                let v = get("value").ok_or_else(|| missing("value"))?;
                if protocol_number(&v).is_none() {
                    return Err(fatal(span, format!("`{v}` is not a protocol")));
                }
                push_unique(&mut self.obj.protocols, v, span);
            }
            "source-port" => {
                let port = get("port").ok_or_else(|| missing("port"))?;
                let protocol = get("protocol").ok_or_else(|| missing("protocol"))?;
                self.check_port(&port, &protocol, span)?;
                self.obj.source_ports.push(PortEntry { port, protocol, span });
            }
            "destination" => {
                for fam in ["ipv4", "ipv6"] {
                    if let Some(v) = get(fam) {
                        if !check_address(fam, &v) {
                            return Err(fatal(span, format!("`{v}` is not an {fam} address")));
                        }
                        let slot =
                            if fam == "ipv4" { &mut self.obj.destination_v4 } else { &mut self.obj.destination_v6 };
                        if slot.is_none() {
                            *slot = Some(v);
                        }
                    }
                }
            }
            "include" => {
                let s = get("service").ok_or_else(|| missing("service"))?;
                push_unique(&mut self.obj.includes, s, span);
            }
            "helper" => {
                let s = get("name").ok_or_else(|| missing("name"))?;
                push_unique(&mut self.obj.helpers, s, span);
            }
            "module" => {
                get("name").ok_or_else(|| missing("name"))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn check_port(&self, port: &str, protocol: &str, span: Span) -> Result<(), Abort> {
        if !self.port_ok(port) {
            return Err(fatal(span, format!("`{port}` is not a port or port range")));
        }
        if !matches!(protocol, "tcp" | "udp" | "sctp" | "dccp") {
            return Err(fatal(span, format!("`{protocol}` is not tcp, udp, sctp or dccp")));
        }
        Ok(())
    }

    fn zone_or_policy(
        &mut self,
        name: &str,
        get: &dyn Fn(&str) -> Option<String>,
        req: &dyn Fn(&str) -> String,
        span: Span,
    ) -> Result<(), Abort> {
        let in_rule = self.rule.is_some();
        // Rule parts (`common_startElement`).
        let element = |e: Element| Spanned { value: e, span };
        match name {
            "short" | "description" => return Ok(()),
            "service" | "port" | "protocol" | "tcp-mss-clamp" | "icmp-block" | "icmp-type" | "forward-port"
            | "source-port"
                if in_rule =>
            {
                let e = match name {
                    "service" => Element::Service(req("name")),
                    "port" => Element::Port { port: req("port"), protocol: req("protocol") },
                    "protocol" => Element::Protocol(req("value")),
                    "tcp-mss-clamp" => Element::TcpMssClamp,
                    "icmp-block" => Element::IcmpBlock(req("name")),
                    "icmp-type" => Element::IcmpType(req("name")),
                    "forward-port" => Element::ForwardPort {
                        port: req("port"),
                        protocol: req("protocol"),
                        to_port: get("to-port").unwrap_or_default(),
                        to_addr: get("to-addr").unwrap_or_default(),
                    },
                    _ => Element::SourcePort { port: req("port"), protocol: req("protocol") },
                };
                if self.rule.as_ref().is_some_and(|r| r.element.is_some()) {
                    self.rule_error(span, "a rich rule with more than one element is dropped");
                } else if let Some(r) = self.rule.as_mut() {
                    r.element = Some(element(e));
                }
                return Ok(());
            }
            "masquerade" if in_rule => {
                if self.rule.as_ref().is_some_and(|r| r.element.is_some()) {
                    self.rule_error(span, "a rich rule with more than one element is dropped");
                } else if let Some(r) = self.rule.as_mut() {
                    r.element = Some(element(Element::Masquerade));
                }
                return Ok(());
            }
            "service" => {
                push_unique(&mut self.obj.services, req("name"), span);
                return Ok(());
            }
            "port" => {
                let (port, protocol) = (req("port"), req("protocol"));
                self.check_port(&port, &protocol, span)?;
                if !self.obj.ports.iter().any(|p| p.port == port && p.protocol == protocol) {
                    self.obj.ports.push(PortEntry { port, protocol, span });
                }
                return Ok(());
            }
            "protocol" => {
                let v = req("value");
                if protocol_number(&v).is_none() {
                    return Err(fatal(span, format!("`{v}` is not a protocol")));
                }
                push_unique(&mut self.obj.protocols, v, span);
                return Ok(());
            }
            "tcp-mss-clamp" | "icmp-type" => {
                self.dropped(span, format!("`<{name}>` outside a `<rule>` is ignored"));
                return Ok(());
            }
            "icmp-block" => {
                push_unique(&mut self.obj.icmp_blocks, req("name"), span);
                return Ok(());
            }
            "masquerade" => {
                self.obj.masquerade = true;
                return Ok(());
            }
            "forward-port" => {
                let (port, protocol) = (req("port"), req("protocol"));
                let (to_port, to_addr) = (get("to-port").unwrap_or_default(), get("to-addr").unwrap_or_default());
                self.check_port(&port, &protocol, span)?;
                if !to_port.is_empty() && !self.port_ok(&to_port) {
                    return Err(fatal(span, format!("`{to_port}` is not a port or port range")));
                }
                if !to_addr.is_empty() && !check_address("ipv4", &to_addr) && !check_address("ipv6", &to_addr)
                    || to_addr.contains('/')
                {
                    return Err(fatal(span, format!("to-addr `{to_addr}` is not a valid address")));
                }
                self.obj.forward_ports.push(ForwardPort { port, protocol, to_port, to_addr, span });
                return Ok(());
            }
            "source-port" => {
                let (port, protocol) = (req("port"), req("protocol"));
                self.check_port(&port, &protocol, span)?;
                self.obj.source_ports.push(PortEntry { port, protocol, span });
                return Ok(());
            }
            "destination" => {
                let Some(r) = self.rule.as_mut() else {
                    self.rule_error(span, "`<destination>` outside a `<rule>`");
                    return Ok(());
                };
                if r.destination.is_some() {
                    self.dropped(span, "a second `<destination>` in a rule is ignored");
                    return Ok(());
                }
                let (address, ipset) =
                    (get("address").filter(|s| !s.is_empty()), get("ipset").filter(|s| !s.is_empty()));
                if address.is_none() && ipset.is_none() {
                    return Err(fatal(span, "`<destination>` without address or ipset (firewalld fails reading it)"));
                }
                let invert = is_true(get("invert"));
                r.destination = Some(RuleAddr { address, mac: None, ipset, invert, span });
                return Ok(());
            }
            "accept" | "reject" | "drop" | "mark" => {
                let Some(r) = self.rule.as_mut() else {
                    self.rule_error(span, format!("action `<{name}>` outside a `<rule>`"));
                    return Ok(());
                };
                if r.action.is_some() {
                    self.rule_error(span, "a rich rule with more than one action is dropped");
                    return Ok(());
                }
                let kind = match name {
                    "accept" => ActionKind::Accept,
                    "reject" => ActionKind::Reject(get("type")),
                    "drop" => ActionKind::Drop,
                    _ => ActionKind::Mark(req("set")),
                };
                r.action = Some(Action { kind, limit: None, span });
                self.limit_ok = 1;
                return Ok(());
            }
            "log" | "nflog" => {
                let Some(r) = self.rule.as_ref() else {
                    self.dropped(span, format!("`<{name}>` outside a `<rule>` is ignored"));
                    return Ok(());
                };
                if r.log {
                    self.dropped(span, "a second log in a rule is ignored");
                    return Ok(());
                }
                if name == "log" {
                    if let Some(level) = get("level")
                        && !["emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"]
                            .contains(&level.as_str())
                    {
                        self.rule_error(span, format!("log level `{level}` is invalid: the rule is dropped"));
                        return Ok(());
                    }
                } else {
                    for a in ["group", "queue-size"] {
                        if let Some(v) = get(a)
                            && !py_int(&v).is_some_and(|n| (0..=65535).contains(&n))
                        {
                            self.rule_error(span, format!("nflog {a} `{v}` is invalid: the rule is dropped"));
                            return Ok(());
                        }
                    }
                }
                if let Some(p) = get("prefix")
                    && (p.is_empty() || p.chars().count() > 127)
                {
                    self.rule_error(span, "a log prefix must have 1 to 127 characters: the rule is dropped");
                    return Ok(());
                }
                if let Some(r) = self.rule.as_mut() {
                    r.log = true;
                }
                self.limit_ok = 2;
                return Ok(());
            }
            "audit" => {
                let Some(r) = self.rule.as_mut() else {
                    self.dropped(span, "`<audit>` outside a `<rule>` is ignored");
                    return Ok(());
                };
                if r.audit {
                    self.rule_error(span, "a second `<audit>` in a rule: the rule is dropped");
                    return Ok(());
                }
                r.audit = true;
                self.limit_ok = 3;
                return Ok(());
            }
            "rule" => {
                let family = get("family");
                if let Some(f) = &family
                    && f != "ipv4"
                    && f != "ipv6"
                {
                    self.rule_error(span, format!("rule family `{f}` is invalid: the rule is dropped"));
                    return Ok(());
                }
                let priority = match get("priority") {
                    None => 0,
                    Some(p) => match py_int(&p) {
                        Some(n) => i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }),
                        None => {
                            return Err(fatal(
                                span,
                                format!("rule priority `{p}` is not an integer (firewalld fails reading the file)"),
                            ));
                        }
                    },
                };
                self.rule = Some(RichRule {
                    span,
                    family,
                    priority,
                    source: None,
                    destination: None,
                    element: None,
                    log: false,
                    audit: false,
                    action: None,
                });
                self.part_limits.clear();
                return Ok(());
            }
            "limit" => {
                if self.limit_ok == 0 {
                    self.rule_error(span, "`<limit>` outside an action, log or audit");
                    return Ok(());
                }
                if let Some(b) = get("burst") {
                    self.newer("`<limit burst=…>`", [2, 2, 0], span)?;
                    if !py_int(&b).is_some_and(|n| (0..=10_000_000).contains(&n)) {
                        return Err(fatal(span, format!("limit burst `{b}` is not a packet count in 0..10000000")));
                    }
                }
                let value = normalise_limit(&req("value"));
                match (self.limit_ok, self.rule.as_mut()) {
                    (1, Some(RichRule { action: Some(a), .. })) => {
                        if a.limit.is_some() {
                            self.rule_error(span, "a second `<limit>`: the rule is dropped");
                        } else {
                            a.limit = Some(value);
                        }
                    }
                    _ => self.part_limits.push(value),
                }
                return Ok(());
            }
            _ => {}
        }
        // Zone- and policy-only elements.
        match (self.kind, name) {
            (ObjectKind::Zone, "zone") => {
                if let Some(t) = get("target") {
                    if !["ACCEPT", "%%REJECT%%", "DROP", "default", ""].contains(&t.as_str()) {
                        return Err(fatal(
                            span,
                            format!("`{t}` is not a zone target (ACCEPT, DROP, %%REJECT%% or default)"),
                        ));
                    }
                    self.obj.target = (t != "default" && !t.is_empty()).then_some(Spanned { value: t, span });
                }
                for attr in ["ingress-priority", "egress-priority"] {
                    let Some(p) = get(attr) else { continue };
                    self.newer(&format!("`{attr}`"), [2, 0, 0], span)?;
                    let Some(n) = py_int(&p).and_then(|n| i32::try_from(n).ok()) else {
                        return Err(fatal(span, format!("{attr} `{p}` is not an integer")));
                    };
                    if !(-32768..=32767).contains(&n) {
                        return Err(fatal(span, format!("{attr} {n} is outside -32768..32767")));
                    }
                    if attr == "ingress-priority" {
                        self.obj.ingress_priority = Some(Spanned { value: n, span });
                    }
                }
            }
            (ObjectKind::Policy, "disable") => {
                self.newer("`<disable/>`", [2, 4, 0], span)?;
                self.obj.disabled = true;
            }
            (ObjectKind::Policy, "policy") => {
                if let Some(p) = get("priority") {
                    let Some(n) = py_int(&p) else {
                        return Err(fatal(span, format!("policy priority `{p}` is not an integer")));
                    };
                    self.obj.priority = Some(Spanned {
                        value: i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX }),
                        span,
                    });
                }
                let t = req("target");
                if !["CONTINUE", "ACCEPT", "REJECT", "DROP", ""].contains(&t.as_str()) {
                    return Err(fatal(
                        span,
                        format!("`{t}` is not a policy target (CONTINUE, ACCEPT, REJECT or DROP)"),
                    ));
                }
                if !t.is_empty() {
                    self.obj.target = Some(Spanned { value: t, span });
                }
            }
            (_, "ingress-zone") => push_unique(&mut self.obj.ingress, req("name"), span),
            (_, "egress-zone") => push_unique(&mut self.obj.egress, req("name"), span),
            (_, "forward") => {}
            (_, "icmp-block-inversion") => self.obj.icmp_block_inversion = true,
            (_, "interface") => {
                if in_rule {
                    self.rule_error(span, "`<interface>` inside a rule: the rule is dropped");
                } else {
                    push_unique(&mut self.obj.interfaces, req("name"), span);
                }
            }
            (ObjectKind::Policy, "source") => {
                let Some(r) = self.rule.as_mut() else {
                    self.rule_error(span, "`<source>` outside a `<rule>` in a policy");
                    return Ok(());
                };
                if r.source.is_some() {
                    self.rule_error(span, "a rich rule with more than one source is dropped");
                    return Ok(());
                }
                r.source = Some(rule_source(get, span)?);
            }
            (_, "source") => {
                if let Some(r) = self.rule.as_mut() {
                    if r.source.is_some() {
                        self.rule_error(span, "a rich rule with more than one source is dropped");
                        return Ok(());
                    }
                    let s = rule_source(get, span)?;
                    if let Some(r) = self.rule.as_mut() {
                        r.source = Some(s);
                    }
                    return Ok(());
                }
                let (address, ipset) = (get("address"), get("ipset"));
                match (&address, &ipset) {
                    (None, None) => self.dropped(span, "a zone `<source>` without address or ipset is ignored"),
                    (Some(_), Some(_)) => {
                        self.dropped(span, "a zone `<source>` with both address and ipset is ignored")
                    }
                    _ if get("invert").is_some() => {
                        self.dropped(span, "`invert` is not allowed on a zone `<source>`: the source is ignored")
                    }
                    (Some(a), None) => {
                        if !check_address("ipv4", a) && !check_address("ipv6", a) && !check_mac(a) {
                            return Err(fatal(span, format!("`{a}` is not an address, network or MAC address")));
                        }
                        push_unique(&mut self.obj.sources, a.clone(), span);
                    }
                    (None, Some(set)) => push_unique(&mut self.obj.sources, format!("ipset:{set}"), span),
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, name: &str) {
        match name {
            "rule" => {
                if let Some(r) = self.rule.take()
                    && !self.rule_error
                {
                    match check_rule(&r, &self.part_limits, self.resolve) {
                        Err(why) => self.dropped(r.span, format!("firewalld drops this rich rule: {why}")),
                        Ok(()) => {
                            if !self.rule_keys.insert(rule_key(&r)) {
                                self.dropped(r.span, "the same rich rule again: ignored");
                            } else {
                                self.obj.rules.push(r);
                            }
                        }
                    }
                }
                self.rule = None;
                self.rule_error = false;
            }
            "accept" | "reject" | "drop" | "mark" | "log" | "audit" => self.limit_ok = 0,
            _ => {}
        }
    }
}

/// What firewalld compares to find a duplicate rule (its text form): everything but spans.
fn rule_key(r: &RichRule) -> String {
    let addr = |a: &Option<RuleAddr>| {
        a.as_ref().map_or(String::new(), |a| format!("{:?} {:?} {:?} {}", a.address, a.mac, a.ipset, a.invert))
    };
    format!(
        "{:?}",
        (
            &r.family,
            r.priority,
            addr(&r.source),
            addr(&r.destination),
            r.element.as_ref().map(|e| &e.value),
            r.log,
            r.audit,
            r.action.as_ref().map(|a| (&a.kind, &a.limit)),
        )
    )
}

fn is_true(v: Option<String>) -> bool {
    v.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "yes" | "true"))
}

fn rule_source(get: &dyn Fn(&str) -> Option<String>, span: Span) -> Result<RuleAddr, Abort> {
    let nonempty = |k: &str| get(k).filter(|s| !s.is_empty());
    let (address, mac, ipset) = (nonempty("address"), nonempty("mac").map(|m| m.to_uppercase()), nonempty("ipset"));
    if address.is_none() && mac.is_none() && ipset.is_none() {
        return Err(fatal(span, "a rule `<source>` without address, mac or ipset (firewalld fails reading it)"));
    }
    Ok(RuleAddr { address, mac, ipset, invert: is_true(get("invert")), span })
}

/// `N/second` → `N/s`, as firewalld stores a limit.
fn normalise_limit(v: &str) -> String {
    if let Some((n, unit)) = v.split_once('/')
        && !unit.contains('/')
        && ["second", "minute", "hour", "day"].contains(&unit)
    {
        return format!("{n}/{}", &unit[..1]);
    }
    v.to_string()
}

fn check_limit(v: &str) -> Result<(), String> {
    let bad = || Err(format!("limit `{v}` is invalid"));
    let Some((rate, unit)) = v.split_once('/') else { return bad() };
    if unit.contains('/') {
        return bad();
    }
    let Some(rate) = py_int(rate) else { return bad() };
    if rate < 1 || !["s", "m", "h", "d"].contains(&unit) {
        return bad();
    }
    if rate == 1 && unit == "d" {
        return Err(format!("limit `{v}` is too slow for iptables"));
    }
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => 86400,
    };
    if 10000 * mult < rate {
        return Err(format!("limit `{v}` is too fast"));
    }
    Ok(())
}

/// `Rich_Rule.check()`: what makes firewalld drop a rule with a warning.
fn check_rule(r: &RichRule, part_limits: &[String], resolve: &dyn Fn(&str) -> Option<u16>) -> Result<(), String> {
    let family = r.family.as_deref();
    if family.is_none() {
        if r.source.as_ref().is_some_and(|s| s.address.is_some()) || r.destination.is_some() {
            return Err("a source or destination address needs `family`".into());
        }
        if matches!(r.element.as_ref().map(|e| &e.value), Some(Element::ForwardPort { .. })) {
            return Err("forward-port needs `family`".into());
        }
    }
    if !(-32768..=32767).contains(&r.priority) {
        return Err(format!("priority {} is outside -32768..32767", r.priority));
    }
    let element = r.element.as_ref().map(|e| &e.value);
    if element.is_none() && (!r.log || r.priority == 0) {
        if r.action.is_none() {
            return Err("no element and no action".into());
        }
        if r.source.is_none() && r.destination.is_none() && r.priority == 0 {
            return Err("no element, no source and no destination".into());
        }
    }
    if !matches!(
        element,
        Some(Element::IcmpBlock(_) | Element::ForwardPort { .. } | Element::Masquerade | Element::TcpMssClamp)
    ) && !r.log
        && !r.audit
        && r.action.is_none()
    {
        return Err("no action, no log and no audit".into());
    }
    if let Some(s) = &r.source {
        if let Some(a) = &s.address {
            let Some(f) = family else { return Err("a source address needs `family`".into()) };
            if s.mac.is_some() || s.ipset.is_some() {
                return Err("a source with an address and a mac or ipset".into());
            }
            if !check_address(f, a) {
                return Err(format!("`{a}` is not an {f} address"));
            }
        } else if let Some(m) = &s.mac {
            if s.ipset.is_some() {
                return Err("a source with a mac and an ipset".into());
            }
            if !check_mac(m) {
                return Err(format!("`{m}` is not a MAC address"));
            }
        } else if let Some(set) = &s.ipset
            && !ipset_name_ok(set)
        {
            return Err(format!("`{set}` is not a valid ipset name"));
        }
    }
    if let Some(d) = &r.destination {
        if let Some(a) = &d.address {
            let Some(f) = family else { return Err("a destination address needs `family`".into()) };
            if d.ipset.is_some() {
                return Err("a destination with an address and an ipset".into());
            }
            if !check_address(f, a) {
                return Err(format!("`{a}` is not an {f} address"));
            }
        } else if let Some(set) = &d.ipset
            && !ipset_name_ok(set)
        {
            return Err(format!("`{set}` is not a valid ipset name"));
        }
    }
    let port_ok = |p: &str| port_range(p, resolve).is_some();
    let proto_ok = |p: &str| matches!(p, "tcp" | "udp" | "sctp" | "dccp");
    match element {
        Some(Element::Service(n)) if n.is_empty() => return Err("an empty service name".into()),
        Some(Element::Port { port, protocol }) | Some(Element::SourcePort { port, protocol }) => {
            if !port_ok(port) {
                return Err(format!("`{port}` is not a port or port range"));
            }
            if !proto_ok(protocol) {
                return Err(format!("`{protocol}` is not tcp, udp, sctp or dccp"));
            }
        }
        Some(Element::Protocol(p)) if protocol_number(p).is_none() => return Err(format!("`{p}` is not a protocol")),
        Some(Element::Masquerade) => {
            if r.action.is_some() {
                return Err("masquerade with an action".into());
            }
            if r.source.as_ref().is_some_and(|s| s.mac.is_some()) {
                return Err("masquerade with a mac source".into());
            }
        }
        Some(Element::IcmpBlock(n)) => {
            if n.is_empty() {
                return Err("an empty icmp-block name".into());
            }
            if r.action.is_some() {
                return Err("icmp-block with an action".into());
            }
        }
        Some(Element::IcmpType(n)) if n.is_empty() => return Err("an empty icmp-type name".into()),
        Some(Element::ForwardPort { port, protocol, to_port, to_addr }) => {
            if !port_ok(port) {
                return Err(format!("`{port}` is not a port or port range"));
            }
            if !proto_ok(protocol) {
                return Err(format!("`{protocol}` is not tcp, udp, sctp or dccp"));
            }
            if to_port.is_empty() && to_addr.is_empty() {
                return Err("forward-port without to-port or to-addr".into());
            }
            if !to_port.is_empty() && !port_ok(to_port) {
                return Err(format!("`{to_port}` is not a port or port range"));
            }
            if !to_addr.is_empty() && (to_addr.contains('/') || !check_address(family.unwrap_or(""), to_addr)) {
                return Err(format!("`{to_addr}` is not an address of the rule's family"));
            }
            if r.action.is_some() {
                return Err("forward-port with an action".into());
            }
        }
        Some(Element::TcpMssClamp) if r.action.is_some() => return Err("tcp-mss-clamp with an action".into()),
        _ => {}
    }
    for l in part_limits {
        check_limit(l)?;
    }
    if r.audit
        && !matches!(
            r.action.as_ref().map(|a| &a.kind),
            Some(ActionKind::Accept | ActionKind::Reject(_) | ActionKind::Drop)
        )
    {
        return Err("audit needs an accept, reject or drop action".into());
    }
    if let Some(a) = &r.action {
        match &a.kind {
            ActionKind::Reject(Some(t)) => {
                let Some(f) = family else { return Err("a reject type needs `family`".into()) };
                if !reject_type_ok(f, t) {
                    return Err(format!("`{t}` is not a reject type for {f}"));
                }
            }
            ActionKind::Mark(m) => {
                let u32ok = |s: &str| {
                    let s = s.trim();
                    let n = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                        i64::from_str_radix(h, 16).ok()
                    } else {
                        py_int(s)
                    };
                    n.is_some_and(|n| (0..=u32::MAX as i64).contains(&n))
                };
                let ok = match m.split_once('/') {
                    Some((v, mask)) => !mask.contains('/') && u32ok(v) && u32ok(mask),
                    None => u32ok(m),
                };
                if !ok {
                    return Err(format!("mark `{m}` is invalid"));
                }
            }
            _ => {}
        }
        if let Some(l) = &a.limit {
            check_limit(l)?;
        }
    }
    Ok(())
}

/// firewalld's `check_ipset_name`: at most 32 characters.
fn ipset_name_ok(s: &str) -> bool {
    s.chars().count() <= 32
}

fn push_unique(list: &mut Vec<Spanned<String>>, value: String, span: Span) {
    if !list.iter().any(|s| s.value == value) {
        list.push(Spanned { value, span });
    }
}

/// The start tag of an element: from `<` to its `>`, skipping quoted attribute values.
fn start_tag(text: &str, from: usize) -> Span {
    let bytes = text.as_bytes();
    let mut quote = 0u8;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if quote != 0 {
            if b == quote {
                quote = 0;
            }
        } else if b == b'"' || b == b'\'' {
            quote = b;
        } else if b == b'>' {
            return Span::new(from, i + 1);
        }
        i += 1;
    }
    Span::new(from, from + 1)
}

/// Whether the text declares a single-byte encoding firewalld's expat honours.
fn declares_single_byte(text: &str) -> bool {
    let head: String = text.chars().take(200).collect::<String>().to_ascii_lowercase();
    head.starts_with("<?xml")
        && ["iso-8859-1", "latin1", "latin-1", "us-ascii", "iso8859-1"].iter().any(|e| {
            head.split("?>").next().is_some_and(|d| d.contains(&format!("\"{e}\"")) || d.contains(&format!("'{e}'")))
        })
}

/// Parse one firewalld XML file. `lossy`: the bytes were not UTF-8 (see [`crate::source`]);
/// `resolve` names ports (the host's services).
pub fn parse(
    text: &str,
    lossy: bool,
    kind: ObjectKind,
    resolve: &dyn Fn(&str) -> Option<u16>,
    dialect: Dialect,
) -> Object {
    parse_at(text, 0, lossy, kind, resolve, dialect)
}

/// [`parse`] for a text that starts at byte `base` of its file (the built-in stock bundle).
pub fn parse_at(
    text: &str,
    base: usize,
    lossy: bool,
    kind: ObjectKind,
    resolve: &dyn Fn(&str) -> Option<u16>,
    dialect: Dialect,
) -> Object {
    let mut obj = Object::default();
    if lossy && !declares_single_byte(text) {
        let at = text.char_indices().find(|(_, c)| (*c as u32) >= 0x10_FF00).map_or(0, |(i, _)| i);
        obj.issues.push(Issue {
            span: Span::new(at + base, at + base + 1),
            message: "not valid UTF-8, and no other encoding is declared: firewalld cannot read the file".into(),
            effect: Effect::Fatal,
        });
        return obj;
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let shift = text.len() - body.len() + base;
    // A DOCTYPE is blanked out (offsets kept) rather than read: firewalld's expat reads it and
    // expands the entities it declares, sshlint expands none. A document that uses none of
    // them reads the same either way; one that does is reported (DtdDetected below).
    let blanked = blank_doctype(body);
    let body_parsed = blanked.as_deref().unwrap_or(body);
    let opts = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 2_000_000, ..Default::default() };
    let parsed = match roxmltree::Document::parse_with_options(body_parsed, opts) {
        Err(roxmltree::Error::UnknownEntityReference(..)) if blanked.is_some() => Err(roxmltree::Error::DtdDetected),
        other => other,
    };
    let original = body;
    let body = body_parsed;
    let doc = match parsed {
        Ok(d) => d,
        Err(e) => {
            let e_is_dtd = matches!(e, roxmltree::Error::DtdDetected);
            // roxmltree has no position for a document that ends too early: point at its end,
            // where it was cut off.
            let end = body.trim_end().len().saturating_sub(1);
            let at = match &e {
                roxmltree::Error::DtdDetected => original.find("<!DOCTYPE").unwrap_or(0),
                roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream => end,
                _ => offset_of(body, e.pos()),
            } + shift;
            let message = match e {
                roxmltree::Error::DtdDetected => "the file uses an entity its DOCTYPE declares: firewalld expands it and loads what results (a nested one can stall its start for minutes and end in a fallback), sshlint expands no DTD entity, so what this file configures is unknown; write it without a DOCTYPE".to_string(),
                roxmltree::Error::UnknownEntityReference(name, _) => format!("entity `&{name};` is not defined: not well-formed XML"),
                roxmltree::Error::UnclosedRootNode | roxmltree::Error::UnexpectedEndOfStream => {
                    "not well-formed XML: the file ends before its root element is closed (truncated?)".to_string()
                }
                e => format!("not well-formed XML: {e}"),
            };
            let effect = if e_is_dtd { Effect::Unexpanded } else { Effect::Fatal };
            obj.issues.push(Issue { span: Span::new(at, (at + 1).min(text.len() + base)), message, effect });
            return obj;
        }
    };
    let root = start_tag(body, doc.root_element().range().start);
    obj.root = Span::new(root.start as usize + shift, root.end as usize + shift);
    let mut r = Reader {
        kind,
        obj,
        rule: None,
        rule_error: false,
        limit_ok: 0,
        part_limits: Vec::new(),
        rule_keys: Default::default(),
        resolve,
        dialect,
    };
    // Depth-first, with an explicit stack: (node, entered).
    let mut stack = vec![(doc.root_element(), false)];
    while let Some((node, entered)) = stack.pop() {
        let name = node.tag_name().name();
        if entered {
            r.end(name);
            continue;
        }
        let tag = start_tag(body, node.range().start);
        let span = Span::new(tag.start as usize + shift, tag.end as usize + shift);
        let tag_text = &body[tag.range()];
        let mut attrs: Vec<(&str, &str)> = node.attributes().map(|a| (a.name(), a.value())).collect();
        // Namespace declarations are attributes to firewalld's parser.
        if tag_text.split_whitespace().any(|w| w.starts_with("xmlns")) {
            attrs.push(("xmlns", ""));
        }
        if let Err(Abort(issue)) = r.start(name, &attrs, span) {
            r.obj.issues.push(issue);
            return r.obj;
        }
        stack.push((node, true));
        let children: Vec<_> = node.children().filter(|c| c.is_element()).collect();
        stack.extend(children.into_iter().rev().map(|c| (c, false)));
    }
    r.obj
}

/// Byte offset of a roxmltree position (1-based row, column in characters).
fn offset_of(text: &str, pos: roxmltree::TextPos) -> usize {
    let mut offset = 0usize;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == pos.row as usize {
            return offset
                + line.char_indices().nth((pos.col as usize).saturating_sub(1)).map_or(line.len(), |(o, _)| o);
        }
        offset += line.len();
    }
    text.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(xml: &str) -> Object {
        parse(xml, false, ObjectKind::Zone, &|n| (n == "ssh").then_some(22), Dialect::V1_3_3)
    }

    /// A DOCTYPE whose entities the document does not use changes nothing: the rest is read
    /// exactly, at the same offsets (a multi-byte character in the DTD included).
    #[test]
    fn doctype_without_entity_use_is_read_exactly() {
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE zone [ <!-- é --> <!ENTITY a \"x\"> ]>\n<zone><service name=\"ssh\"/></zone>";
        let z = zone(xml);
        assert!(z.issues.is_empty(), "{:?}", z.issues);
        let svc = &z.services[0];
        assert_eq!(&xml[svc.span.range()], "<service name=\"ssh\"/>");
        let z = zone(&xml.replace("<zone>", "<zone><short>&a;</short>"));
        assert!(z.issues.iter().any(|i| i.effect == Effect::Unexpanded), "{:?}", z.issues);
    }

    fn in_release(kind: ObjectKind, xml: &str, version: Option<[u32; 3]>) -> Object {
        parse(xml, false, kind, &|_| None, Dialect { version })
    }

    /// 2.x additions: refused by an older known release like any unknown attribute, accepted
    /// by one that has them, accepted with a warning when the release is unknown.
    #[test]
    fn newer_releases_elements_and_attributes() {
        let prio = r#"<zone ingress-priority="-10" egress-priority="5"><service name="ssh"/></zone>"#;
        let z = in_release(ObjectKind::Zone, prio, Some([1, 3, 3]));
        assert_eq!(z.fatal().map(|i| i.message.contains("2.0 or later")), Some(true), "{:?}", z.issues);
        let z = in_release(ObjectKind::Zone, prio, Some([2, 0, 0]));
        assert!(z.issues.is_empty(), "{:?}", z.issues);
        assert_eq!(z.ingress_priority.map(|p| p.value), Some(-10));
        let z = in_release(ObjectKind::Zone, prio, None);
        assert!(z.fatal().is_none() && z.issues.len() == 2, "{:?}", z.issues);
        assert_eq!(z.ingress_priority.map(|p| p.value), Some(-10));
        for bad in [r#"<zone ingress-priority="x"/>"#, r#"<zone ingress-priority="40000"/>"#] {
            assert!(in_release(ObjectKind::Zone, bad, Some([2, 1, 0])).fatal().is_some(), "{bad}");
        }

        let burst = r#"<zone><rule><service name="ssh"/><accept><limit value="3/m" burst="5"/></accept></rule></zone>"#;
        assert!(in_release(ObjectKind::Zone, burst, Some([2, 1, 0])).fatal().is_some());
        let z = in_release(ObjectKind::Zone, burst, Some([2, 2, 0]));
        assert!(z.issues.is_empty() && z.rules.len() == 1, "{:?}", z.issues);
        let bad = burst.replace("burst=\"5\"", "burst=\"-1\"");
        assert!(in_release(ObjectKind::Zone, &bad, Some([2, 5, 0])).fatal().is_some());

        let disabled =
            r#"<policy target="DROP"><ingress-zone name="ANY"/><egress-zone name="HOST"/><disable/></policy>"#;
        assert!(in_release(ObjectKind::Policy, disabled, Some([2, 3, 0])).fatal().is_some());
        let p = in_release(ObjectKind::Policy, disabled, Some([2, 4, 0]));
        assert!(p.issues.is_empty() && p.disabled, "{:?}", p.issues);
    }

    #[test]
    fn stray_action_skips_to_the_next_rule_end() {
        let z = zone(
            r#"<zone><drop/><service name="http"/><rule><source address="1.2.3.4"/><accept/></rule><service name="ssh"/></zone>"#,
        );
        let names: Vec<&str> = z.services.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(names, ["ssh"]);
        assert!(z.rules.is_empty());
        assert!(z.fatal().is_none());
    }

    #[test]
    fn a_rule_written_twice_is_kept_once() {
        let rule = r#"<rule family="ipv4"><source address="192.0.2.1"/><port port="22" protocol="tcp"/><drop/></rule>"#;
        let z = zone(&format!(
            "<zone>{rule}\n{rule}<rule family=\"ipv4\"><source address=\"192.0.2.2\"/><port port=\"22\" protocol=\"tcp\"/><drop/></rule></zone>"
        ));
        assert_eq!(z.rules.len(), 2);
        assert!(z.issues.iter().any(|i| i.message.contains("same rich rule")));
    }

    #[test]
    fn unknown_element_and_attribute_are_fatal() {
        assert!(zone("<zone><unknowntag/></zone>").fatal().is_some());
        assert!(zone(r#"<zone><service name="ssh" foo="bar"/></zone>"#).fatal().is_some());
        assert!(zone(r#"<zone xmlns="urn:x"/>"#).fatal().is_some());
        assert!(zone(r#"<zone><port port="22"/></zone>"#).fatal().is_some());
        assert!(zone(r#"<zone target="REJECT"/>"#).fatal().is_some());
        assert!(zone(r#"<zone><port port="99999" protocol="tcp"/></zone>"#).fatal().is_some());
    }

    #[test]
    fn rich_rule_checks_drop_the_rule_only() {
        let z = zone(
            r#"<zone><rule><source address="192.0.2.1"/><reject/></rule><rule family="ipv4"><port port="22" protocol="tcp"/><reject type="tcp-reset"/></rule><service name="ssh"/></zone>"#,
        );
        assert_eq!(z.rules.len(), 1);
        assert_eq!(z.services.len(), 1);
        assert!(z.issues.iter().any(|i| i.message.contains("family")));
    }

    #[test]
    fn dtd_and_malformed_xml_are_diagnosed_not_expanded() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE z [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><zone><short>&b;</short></zone>"#;
        let z = zone(bomb);
        assert!(z.issues.iter().any(|i| i.effect == Effect::Unexpanded && i.message.contains("DOCTYPE")));
        assert!(z.services.is_empty(), "nothing is read from it");
        let z = zone("<zone>\n  <service name=\"ssh\">\n</zone>");
        assert!(z.fatal().is_some_and(|i| i.span.start > 0));
        assert!(zone("").fatal().is_some());
    }

    #[test]
    fn port_ranges_as_firewalld_reads_them() {
        let r = |s: &str| port_range(s, &|n| (n == "ssh").then_some(22));
        assert_eq!(r("22"), Some((22, 22)));
        assert_eq!(r("1000-2000"), Some((1000, 2000)));
        assert_eq!(r("2000-1000"), Some((1000, 2000)));
        assert_eq!(r("22-22"), Some((22, 22)));
        assert_eq!(r("22-"), Some((22, 22)));
        assert_eq!(r("-22"), None);
        assert_eq!(r("ssh-2000"), Some((22, 2000)));
        assert_eq!(r("70000-80"), None);
        assert_eq!(r("ssh"), Some((22, 22)));
        assert_eq!(r("65536"), None);
        assert_eq!(r(""), None);
    }

    #[test]
    fn reversed_and_single_port_ranges_load() {
        let z = zone(
            r#"<zone><port port="2230-2200" protocol="tcp"/><port port="22-22" protocol="udp"/><rule><port port="30-20" protocol="tcp"/><accept/></rule></zone>"#,
        );
        assert_eq!(z.fatal(), None);
        assert_eq!(z.ports.len(), 2);
        assert_eq!(z.rules.len(), 1);
    }
}
