//! Where a new TCP connection (a SYN, conntrack state NEW) to one port ends up, for every
//! source address at once. The packet walks the hooks in priority order (raw, mangle and nat
//! PREROUTING, then mangle, filter and security INPUT, then nat INPUT), following jumps, gotos,
//! returns and policies. Sources travel as interval sets; a rule whose outcome depends on state
//! the files do not hold (rate limits, recent lists, sets, marks, an unknown interface, an
//! unmodelled module) splits the traffic into "condition holds" and "does not hold", so every
//! source ends with the set of verdicts it can get (`reference/firewalls.md` §1.4).

use super::addr::{self, AddrSet};
use super::ruleset::{Entry, Policy, Ruleset, Table};
use crate::ast::iptables::{Family, MatchRef, OptRef, TableName, TargetKind};
use crate::source::Location;
use crate::syntax::iptables::c_uint;
use std::collections::{BTreeSet, HashMap};

/// What the connection's first packet looks like.
#[derive(Clone)]
pub struct Packet<'a> {
    pub family: Family,
    pub dport: u16,
    /// The interface it arrives on (`--iface`); `None`: unknown, so rules naming an interface
    /// other than `lo` are conditional.
    pub iface: Option<&'a str>,
    /// The destination address when it is known (a specific ListenAddress).
    pub dst: Option<u128>,
    /// Port names (the host's /etc/services, else a built-in table).
    pub services: &'a dyn Fn(&str) -> Option<u16>,
    /// A later packet of the connection (ACK, conntrack ESTABLISHED) instead of the first SYN.
    pub established: bool,
    /// sshd's reply (SYN-ACK, then data) leaving through the OUTPUT hooks: source and
    /// destination swap, `dport` is the port sshd answers from, the client is the destination.
    pub reply: bool,
    /// The port the client connected to, before any nat (conntrack's `--ctorigdstport`).
    pub orig_dport: u16,
    /// The host's answer to a REJECT (conntrack RELATED, leaving by OUTPUT).
    pub refusal: Option<Answer>,
    /// How an IPv6 client reaches the host (`trace --via`); `None`: either way.
    pub via: Option<Via>,
    /// A neighbour-discovery packet (ICMPv6 type 135 or 136, hop limit 255, conntrack
    /// UNTRACKED) instead of a TCP one.
    pub icmp6: Option<u8>,
    /// The connection's destination was translated by nat (DNAT, REDIRECT): conntrack's virtual
    /// `--ctstate DNAT` holds for its packets after nat PREROUTING.
    pub dnat: bool,
}

/// How a client reaches the host, which decides who resolves the host's IPv6 link-layer
/// address: the client itself, or the last router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Via {
    /// The client is on one of the host's links: its own neighbour solicitation, from its own
    /// address, reaches the host.
    Link,
    /// The client is behind a router: the router solicits from its link-local address (and the
    /// host's route back names that address, as routes learned from router advertisements do).
    Router,
}

/// ICMPv6 neighbour solicitation.
const NS: u8 = 135;
/// ICMPv6 neighbour advertisement.
const NA: u8 = 136;

/// What a REJECT sends back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `--reject-with tcp-reset`: a TCP RST (with ACK).
    Reset,
    /// Any other `--reject-with`: an ICMP error of the packet's family.
    Icmp,
}

impl<'a> Packet<'a> {
    /// The first packet (SYN) of a new connection to `dport`.
    pub fn syn(
        family: Family,
        dport: u16,
        iface: Option<&'a str>,
        dst: Option<u128>,
        services: &'a dyn Fn(&str) -> Option<u16>,
    ) -> Packet<'a> {
        Packet {
            family,
            dport,
            iface,
            dst,
            services,
            established: false,
            reply: false,
            orig_dport: dport,
            refusal: None,
            via: None,
            icmp6: None,
            dnat: false,
        }
    }
}

/// Why a rule may or may not match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CondKind {
    /// recent `--update/--rcheck`, `hashlimit --hashlimit-above`, `connlimit --connlimit-above`:
    /// holds for connections over a limit (history-dependent).
    RateLimit,
    /// `limit`, `hashlimit --hashlimit-upto`, `connlimit --connlimit-upto`: holds while under
    /// the limit.
    UnderLimit,
    /// ipset contents (not in the files).
    Set,
    /// Packet or connection marks, statistic, time, owner and other external state.
    State,
    /// The interface the packet arrives on.
    Interface,
    /// The destination address.
    Destination,
    /// The client's source port.
    SourcePort,
    /// A module or target sshlint does not model.
    NotModelled,
    /// Whether an IPv6 client is on the host's link or behind a router (`trace --via`).
    Link,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cond {
    pub kind: CondKind,
    /// Short description: `-m recent --update --seconds 30 --hitcount 6`.
    pub text: String,
    pub at: Location,
}

/// A final verdict for some sources.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Accept,
    /// REJECT, with the `--reject-with` type (`tcp-reset`, `icmp-port-unreachable`, …).
    Refuse(String),
    Drop,
    /// DNAT to another machine: the connection never reaches this host's sshd.
    Away(String),
    /// Decided by something not modelled (a queue to user space, an unknown target, a chain
    /// nesting too deep).
    Unknown(String),
}

impl Verdict {
    pub fn class(&self) -> Class {
        match self {
            Verdict::Accept => Class::Open,
            Verdict::Refuse(_) => Class::Refused,
            Verdict::Drop => Class::Dropped,
            Verdict::Away(_) | Verdict::Unknown(_) => Class::Conditional,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Verdict::Accept => "accepted".into(),
            Verdict::Refuse(k) if k == "tcp-reset" => "reset (REJECT --reject-with tcp-reset)".into(),
            Verdict::Refuse(k) => format!("refused (REJECT --reject-with {k})"),
            Verdict::Drop => "dropped".into(),
            Verdict::Away(to) => format!("redirected to {to}"),
            Verdict::Unknown(why) => why.clone(),
        }
    }
}

/// What a client sees (DESIGN.md `trace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Open,
    Refused,
    Dropped,
    Conditional,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Open => "open",
            Class::Refused => "refused",
            Class::Dropped => "dropped",
            Class::Conditional => "conditional",
        }
    }
}

/// What decided a verdict: a rule, or a built-in chain's policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Decider {
    Rule { at: Location, table: TableName, chain: String },
    Policy { at: Option<Location>, table: TableName, chain: String, policy: Policy },
}

impl Decider {
    pub fn location(&self) -> Option<Location> {
        match self {
            Decider::Rule { at, .. } => Some(*at),
            Decider::Policy { at, .. } => *at,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Decider::Rule { table, chain, .. } => format!("a rule in {} {chain}", table.as_str()),
            Decider::Policy { table, chain, policy, at } => format!(
                "the {}policy {} of {} {chain}",
                if at.is_some() { "" } else { "default " },
                policy.as_str(),
                table.as_str()
            ),
        }
    }
}

/// Some sources, one way through the rules.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub src: AddrSet,
    pub verdict: Verdict,
    pub by: Decider,
    /// Conditions assumed on this path: (condition, holds).
    pub assumed: Vec<(Cond, bool)>,
    /// A nat rule that changed the destination port on the way.
    pub redirected: Option<(Location, u16)>,
    /// The SYN got through but the connection's later packets did not: the TCP handshake
    /// completes, then the session hangs (or is reset).
    pub after_handshake: bool,
    /// Decided on a packet leaving the host (OUTPUT, POSTROUTING), not on the client's packet
    /// arriving.
    pub reply: Option<Reply>,
    /// Decided on IPv6 neighbour discovery, before the client's first TCP packet.
    pub neighbour: Option<Neighbour>,
}

/// The neighbour-discovery packet a ruleset stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Neighbour {
    /// ICMPv6 type: 135 (solicitation, coming in) or 136 (the host's advertisement, going out).
    pub icmp6: u8,
    /// Who solicits: the client itself, or the router in front of the host.
    pub via: Via,
}

impl Neighbour {
    /// The incoming solicitation, not the host's advertisement.
    pub fn is_solicitation(self) -> bool {
        self.icmp6 == NS
    }
}

impl Outcome {
    /// How the client ends up with this verdict, for messages.
    pub fn explain(&self) -> String {
        let (v, by) = (self.verdict.describe(), self.by.describe());
        if let Some(n) = self.neighbour {
            let (packet, loss) = match n.via {
                Via::Link => (
                    "the client's",
                    "the client never learns the host's link-layer address, so its SYN is never sent: it times out",
                ),
                Via::Router => (
                    "the router's",
                    "the router cannot deliver the client's packets: the client times out (or hears \"No route to host\")",
                ),
            };
            return if n.is_solicitation() {
                format!(
                    "IPv6 neighbour discovery fails: {packet} neighbour solicitation (ICMPv6 type 135, conntrack UNTRACKED) is {v} by {by}; {loss}"
                )
            } else {
                let to = if n.via == Via::Link { "the client" } else { "the router" };
                format!(
                    "IPv6 neighbour discovery fails: the host's neighbour advertisement to {to} (ICMPv6 type 136, conntrack UNTRACKED) is {v} by {by}; {loss}"
                )
            };
        }
        match (&self.reply, self.after_handshake) {
            (Some(Reply::Sshd), false) => format!(
                "the SYN gets through, but sshd's reply (the SYN-ACK) is {v} by {by}: the client waits and times out"
            ),
            (Some(Reply::Sshd), true) => format!(
                "the SYN gets through, but sshd's later packets are {v} by {by}: the TCP handshake completes, then the session hangs"
            ),
            (Some(Reply::Refusal(kind)), _) => format!(
                "the connection is refused (REJECT --reject-with {kind}), but the answer is {v} by {by}: the client hears nothing and times out"
            ),
            (None, true) => format!(
                "the SYN gets through, but the connection's later packets are {v} by {by}: the TCP handshake completes, then the session hangs or is reset"
            ),
            (None, false) => format!("{v} by {by}"),
        }
    }
}

/// Which of the host's packets was stopped on its way out.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reply {
    /// sshd's SYN-ACK, or (with `after_handshake`) its later packets.
    Sshd,
    /// The answer to a REJECT (`--reject-with` type): the client hears nothing instead.
    Refusal(String),
}

/// Sources that share the same possible outcomes.
#[derive(Clone, Debug)]
pub struct Region {
    pub src: AddrSet,
    /// Indices into [`Evaluation::outcomes`].
    pub outcomes: Vec<usize>,
}

/// The result for one (ruleset, packet).
#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub outcomes: Vec<Outcome>,
    pub regions: Vec<Region>,
}

impl Evaluation {
    pub fn class_of(&self, region: &Region) -> Class {
        let classes: BTreeSet<Class> = region.outcomes.iter().map(|&i| self.outcomes[i].verdict.class()).collect();
        match classes.len() {
            1 => classes.into_iter().next().unwrap_or(Class::Conditional),
            _ => Class::Conditional,
        }
    }

    /// The region holding one address.
    pub fn region_of(&self, n: u128) -> Option<&Region> {
        self.regions.iter().find(|r| r.src.contains(n))
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled rules

#[derive(Clone, Debug)]
enum Target {
    Accept,
    Drop,
    Refuse(String),
    Return,
    Continue,
    Jump(usize),
    Goto(usize),
    /// nat: new destination port (REDIRECT, or DNAT to this host).
    Redirect(u16),
    Away(String),
    Unknown(String),
}

#[derive(Clone, Debug)]
struct CRule {
    at: Location,
    src: Option<AddrSet>,
    /// `Err(())`: can never match this packet.
    conds: Result<Vec<Cond>, ()>,
    target: Target,
}

fn port_range(spec: &str, services: &dyn Fn(&str) -> Option<u16>) -> Option<(u16, u16)> {
    let one =
        |s: &str| -> Option<u16> { if s.bytes().all(|c| c.is_ascii_digit()) { s.parse().ok() } else { services(s) } };
    match spec.split_once(':') {
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { one(a)? };
            let hi = if b.is_empty() { 65535 } else { one(b)? };
            Some((lo.min(hi), hi.max(lo)))
        }
        None => one(spec).map(|p| (p, p)),
    }
}

/// A port, range (`a:b`, `:b`, `a:`) or comma-separated list of them, names resolved.
pub fn port_list(spec: &str, services: &dyn Fn(&str) -> Option<u16>) -> Option<Vec<(u16, u16)>> {
    spec.split(',').map(|p| port_range(p, services)).collect()
}

/// Three-valued match of one condition against the packet.
enum Tri {
    Yes,
    No,
    Maybe(CondKind, String),
}

fn negate(t: Tri, neg: bool) -> Tri {
    match (t, neg) {
        (Tri::Yes, true) => Tri::No,
        (Tri::No, true) => Tri::Yes,
        (t, _) => t,
    }
}

fn opt_text(module: Option<&str>, o: OptRef) -> String {
    let mut s = String::new();
    if let Some(m) = module {
        s.push_str("-m ");
        s.push_str(m);
        s.push(' ');
    }
    if o.is_negated() {
        s.push_str("! ");
    }
    s.push_str(o.name());
    for a in o.args() {
        s.push(' ');
        s.push_str(a);
    }
    s
}

fn iface_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('+') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

struct Compiler<'a> {
    pkt: &'a Packet<'a>,
    /// Compiling the raw table (before connection tracking).
    raw: bool,
}

impl Compiler<'_> {
    fn rule(&self, e: &Entry) -> CRule {
        let (rule, at) = (e.rule(), e.at);
        let family = self.pkt.family;
        let mut src: Option<AddrSet> = None;
        let mut conds: Vec<Cond> = Vec::new();
        let mut never = false;
        let add_src = |set: AddrSet, src: &mut Option<AddrSet>| {
            *src = Some(match src.take() {
                Some(s) => s.intersect(&set),
                None => set,
            });
        };
        let tri = |t: Tri, conds: &mut Vec<Cond>, never: &mut bool| match t {
            Tri::Yes => {}
            Tri::No => *never = true,
            Tri::Maybe(kind, text) => conds.push(Cond { kind, text, at }),
        };
        // On sshd's reply the client is the destination and the host the source.
        let (client, host) = if self.pkt.reply { ("--destination", "--source") } else { ("--source", "--destination") };
        let (iface_in, iface_out) =
            if self.pkt.reply { ("--out-interface", "--in-interface") } else { ("--in-interface", "--out-interface") };
        for o in rule.params() {
            let neg = o.is_negated();
            let arg = o.arg().unwrap_or("");
            match o.canonical() {
                "--protocol" => {
                    let p = arg.to_ascii_lowercase();
                    // Neighbour discovery, or an ICMP error of the packet's own family.
                    let icmp = self.pkt.icmp6.is_some() || self.pkt.refusal == Some(Answer::Icmp);
                    let yes = match family {
                        _ if !icmp => matches!(p.as_str(), "tcp" | "6" | "all" | "0"),
                        Family::Ipv4 => matches!(p.as_str(), "icmp" | "1" | "all" | "0"),
                        Family::Ipv6 => matches!(p.as_str(), "icmpv6" | "ipv6-icmp" | "58" | "all" | "0"),
                    };
                    tri(negate(if yes { Tri::Yes } else { Tri::No }, neg), &mut conds, &mut never);
                }
                c if c == client => match addr::parse_net_list(arg, family) {
                    Some(set) => add_src(if neg { set.complement(family) } else { set }, &mut src),
                    None => tri(
                        Tri::Maybe(
                            CondKind::NotModelled,
                            format!("`{}`: host names are not resolved", opt_text(None, o)),
                        ),
                        &mut conds,
                        &mut never,
                    ),
                },
                c if c == host => {
                    tri(self.destination(addr::parse_net_list(arg, family), neg, o), &mut conds, &mut never)
                }
                c if c == iface_in => tri(self.iface(arg, neg, o), &mut conds, &mut never),
                // The hook has no interface on that side (the kernel refuses the option in
                // built-in chains of the hook; a user chain may still carry it).
                c if c == iface_out => tri(negate(Tri::No, neg), &mut conds, &mut never),
                "--fragment" => tri(negate(Tri::No, neg), &mut conds, &mut never),
                _ => {}
            }
        }
        for m in rule.matches() {
            let tris = match self.pkt.icmp6 {
                Some(kind) => self.discovery_module(m, kind, &mut |set| add_src(set, &mut src)),
                None => self.module(m, &mut |set| add_src(set, &mut src)),
            };
            for t in tris {
                tri(t, &mut conds, &mut never);
            }
        }
        let target = self.target(e);
        CRule { at, src, conds: if never { Err(()) } else { Ok(conds) }, target }
    }

    fn destination(&self, set: Option<AddrSet>, neg: bool, o: OptRef) -> Tri {
        let family = self.pkt.family;
        let Some(set) = set else {
            return Tri::Maybe(CondKind::NotModelled, format!("`{}`: host names are not resolved", opt_text(None, o)));
        };
        if self.pkt.icmp6 == Some(NS) && !self.pkt.reply {
            // A solicitation goes to the solicited-node multicast address of the address it
            // asks about: ff02::1:ff00:0/104 plus that address's last 24 bits.
            let base = 0xff02_0000_0000_0000_0000_0001_ff00_0000_u128;
            let to = match self.pkt.dst {
                Some(d) => AddrSet::range(base | (d & 0xff_ffff), base | (d & 0xff_ffff)),
                None => AddrSet::range(base, base | 0xff_ffff),
            };
            return match (to.is_subset(&set), to.intersect(&set).is_empty()) {
                (true, _) => negate(Tri::Yes, neg),
                (_, true) => negate(Tri::No, neg),
                _ => Tri::Maybe(
                    CondKind::Destination,
                    format!(
                        "`{}` (the solicited-node address of the address the client connects to)",
                        opt_text(None, o)
                    ),
                ),
            };
        }
        if let Some(d) = self.pkt.dst {
            return negate(if set.contains(d) { Tri::Yes } else { Tri::No }, neg);
        }
        if set.is_full(family) {
            return negate(Tri::Yes, neg);
        }
        // A connection from another machine never has a loopback or multicast destination.
        let never: &[&str] = match family {
            Family::Ipv4 => &["127.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "0.0.0.0/32"],
            Family::Ipv6 => &["::1/128", "ff00::/8", "::/128"],
        };
        let impossible =
            never.iter().filter_map(|c| addr::parse_net(c, family)).fold(AddrSet::empty(), |acc, s| acc.union(&s));
        if set.is_subset(&impossible) {
            return negate(Tri::No, neg);
        }
        Tri::Maybe(CondKind::Destination, format!("`{}` (which address the client connects to)", opt_text(None, o)))
    }

    fn iface(&self, pattern: &str, neg: bool, o: OptRef) -> Tri {
        match self.pkt.iface {
            Some(name) => negate(if iface_matches(pattern, name) { Tri::Yes } else { Tri::No }, neg),
            // Connections from another machine do not arrive on the loopback interface.
            None if pattern == "lo" => negate(Tri::No, neg),
            None => Tri::Maybe(
                CondKind::Interface,
                format!(
                    "`{}` (the interface it {})",
                    opt_text(None, o),
                    if self.pkt.reply { "leaves by" } else { "arrives on" }
                ),
            ),
        }
    }

    fn module(&self, m: MatchRef, add_src: &mut dyn FnMut(AddrSet)) -> Vec<Tri> {
        let family = self.pkt.family;
        let name = m.name().to_ascii_lowercase();
        let services = self.pkt.services;
        let dport = self.pkt.dport;
        let mut out = Vec::new();
        let mname = if m.implicit() { None } else { Some(m.name()) };
        let maybe = |kind: CondKind, o: OptRef| Tri::Maybe(kind, format!("`{}`", opt_text(mname, o)));
        match name.as_str() {
            "tcp" => {
                // sshd's port is the destination port of the client's packets and the source
                // port of sshd's replies; the other side is the client's (unknown) port.
                let (server_port, client_port) = if self.pkt.reply {
                    ("--source-port", "--destination-port")
                } else {
                    ("--destination-port", "--source-port")
                };
                for o in m.options() {
                    let neg = o.is_negated();
                    let arg = o.arg().unwrap_or("");
                    out.push(match o.canonical() {
                        c if c == server_port => match port_range(arg, services) {
                            Some((lo, hi)) => negate(if (lo..=hi).contains(&dport) { Tri::Yes } else { Tri::No }, neg),
                            None => maybe(CondKind::NotModelled, o),
                        },
                        c if c == client_port => match port_range(arg, services) {
                            Some((0, 65535)) => negate(Tri::Yes, neg),
                            _ => maybe(CondKind::SourcePort, o),
                        },
                        // SYN set, ACK/RST/FIN clear: only the client's first packet.
                        "--syn" => negate(if self.pkt.established || self.pkt.reply { Tri::No } else { Tri::Yes }, neg),
                        "--tcp-flags" => {
                            let flags = |s: &str| -> u8 {
                                s.split(',')
                                    .map(|f| match f {
                                        "FIN" => 1,
                                        "SYN" => 2,
                                        "RST" => 4,
                                        "PSH" => 8,
                                        "ACK" => 16,
                                        "URG" => 32,
                                        "ALL" => 63,
                                        _ => 0,
                                    })
                                    .fold(0, |a, b| a | b)
                            };
                            let mask = flags(arg);
                            let comp = flags(o.args().nth(1).unwrap_or(""));
                            // SYN; SYN-ACK (sshd's first reply); ACK (any later packet).
                            let packet = match (self.pkt.reply, self.pkt.established) {
                                _ if self.pkt.refusal.is_some() => 20,
                                (false, false) => 2,
                                (true, false) => 18,
                                (_, true) => 16,
                            };
                            negate(if packet & mask == comp { Tri::Yes } else { Tri::No }, neg)
                        }
                        _ => maybe(CondKind::NotModelled, o),
                    });
                }
            }
            // IPv6 extension headers a plain SYN does not carry: the match fails whatever its
            // options say.
            "rt" | "frag" | "hbh" | "dst" => out.push(Tri::No),
            "icmp" | "icmp6" | "icmpv6" if self.pkt.refusal == Some(Answer::Icmp) => {
                out.push(Tri::Maybe(CondKind::NotModelled, "the ICMP type of a REJECT's answer".into()))
            }
            "udp" | "icmp" | "icmp6" | "icmpv6" | "sctp" | "dccp" | "udplite" | "mh" | "ah" | "esp" => {
                out.push(Tri::No)
            }
            "multiport" => {
                for o in m.options() {
                    let neg = o.is_negated();
                    let list = port_list(o.arg().unwrap_or(""), services);
                    let hit = list.as_ref().map(|l| l.iter().any(|&(lo, hi)| (lo..=hi).contains(&dport)));
                    let server_ports = if self.pkt.reply { "--source-ports" } else { "--destination-ports" };
                    out.push(match (o.canonical(), hit) {
                        (_, None) => maybe(CondKind::NotModelled, o),
                        (c, Some(h)) if c == server_ports => negate(if h { Tri::Yes } else { Tri::No }, neg),
                        ("--ports", Some(true)) => negate(Tri::Yes, neg),
                        _ => maybe(CondKind::SourcePort, o),
                    });
                }
            }
            "conntrack" | "state" => {
                for o in m.options() {
                    let neg = o.is_negated();
                    let arg = o.arg().unwrap_or("");
                    out.push(match o.canonical() {
                        "--ctstate" | "--state" => {
                            // raw PREROUTING runs before conntrack: every packet is INVALID there.
                            // sshd's replies, SYN-ACK included, belong to an ESTABLISHED
                            // connection.
                            let state = if self.raw {
                                "INVALID"
                            } else if self.pkt.refusal.is_some() {
                                "RELATED"
                            } else if self.pkt.established || self.pkt.reply {
                                "ESTABLISHED"
                            } else {
                                "NEW"
                            };
                            let dnat = self.pkt.dnat && !self.raw;
                            let hit = arg
                                .split(',')
                                .any(|s| s.eq_ignore_ascii_case(state) || (dnat && s.eq_ignore_ascii_case("DNAT")));
                            negate(if hit { Tri::Yes } else { Tri::No }, neg)
                        }
                        "--ctproto" => {
                            let p = arg.to_ascii_lowercase();
                            negate(if matches!(p.as_str(), "tcp" | "6" | "all") { Tri::Yes } else { Tri::No }, neg)
                        }
                        "--ctorigsrc" => match addr::parse_net(arg, family) {
                            Some(set) => {
                                add_src(if neg { set.complement(family) } else { set });
                                Tri::Yes
                            }
                            None => maybe(CondKind::NotModelled, o),
                        },
                        "--ctorigdstport" => match port_range(arg, services) {
                            Some((lo, hi)) => {
                                negate(if (lo..=hi).contains(&self.pkt.orig_dport) { Tri::Yes } else { Tri::No }, neg)
                            }
                            None => maybe(CondKind::NotModelled, o),
                        },
                        "--ctdir" => {
                            let dir = if self.pkt.reply { "REPLY" } else { "ORIGINAL" };
                            negate(if arg.eq_ignore_ascii_case(dir) { Tri::Yes } else { Tri::No }, neg)
                        }
                        "--ctorigsrcport" => maybe(CondKind::SourcePort, o),
                        "--ctorigdst" | "--ctrepldst" | "--ctreplsrc" => maybe(CondKind::Destination, o),
                        _ => maybe(CondKind::State, o),
                    });
                }
            }
            "iprange" => {
                for o in m.options() {
                    let neg = o.is_negated();
                    let set = addr::parse_range(o.arg().unwrap_or(""), family);
                    let (client, host) =
                        if self.pkt.reply { ("--dst-range", "--src-range") } else { ("--src-range", "--dst-range") };
                    out.push(match (o.canonical(), set) {
                        (c, Some(set)) if c == client => {
                            add_src(if neg { set.complement(family) } else { set });
                            Tri::Yes
                        }
                        (c, Some(set)) if c == host => match self.pkt.dst {
                            Some(d) => negate(if set.contains(d) { Tri::Yes } else { Tri::No }, neg),
                            None => maybe(CondKind::Destination, o),
                        },
                        _ => maybe(CondKind::NotModelled, o),
                    });
                }
            }
            "addrtype" => {
                for o in m.options() {
                    let neg = o.is_negated();
                    let types: Vec<String> = o.arg().unwrap_or("").split(',').map(|t| t.to_ascii_uppercase()).collect();
                    let (client, host) =
                        if self.pkt.reply { ("--dst-type", "--src-type") } else { ("--src-type", "--dst-type") };
                    out.push(match o.canonical() {
                        // The host's own address is of type LOCAL; another machine's is UNICAST.
                        c if c == host => {
                            // IPv6 also classes the host's own global address as UNICAST.
                            let hit = types
                                .iter()
                                .any(|t| t == "LOCAL" || (t == "UNICAST" && self.pkt.family == Family::Ipv6));
                            negate(if hit { Tri::Yes } else { Tri::No }, neg)
                        }
                        c if c == client => {
                            negate(if types.iter().any(|t| t == "UNICAST") { Tri::Yes } else { Tri::No }, neg)
                        }
                        _ => Tri::Yes,
                    });
                }
            }
            "pkttype" => {
                for o in m.options() {
                    let neg = o.is_negated();
                    let hit =
                        o.arg().is_some_and(|t| t.eq_ignore_ascii_case("unicast") || t.eq_ignore_ascii_case("host"));
                    out.push(negate(if hit { Tri::Yes } else { Tri::No }, neg));
                }
            }
            "comment" => {}
            "hl" | "ttl" => {
                let text = std::iter::once(format!("-m {}", m.name()))
                    .chain(m.options().map(|o| opt_text(None, o)))
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Tri::Maybe(
                    CondKind::State,
                    format!("`{text}` (the hop limit depends on the client's distance)"),
                ));
            }
            "recent" => {
                let check = m.options().any(|o| matches!(o.canonical(), "--rcheck" | "--update" | "--remove"));
                if check {
                    let text = std::iter::once(format!("-m {}", m.name()))
                        .chain(
                            m.options()
                                .filter(|o| !matches!(o.canonical(), "--mask" | "--rsource"))
                                .map(|o| opt_text(None, o)),
                        )
                        .collect::<Vec<_>>()
                        .join(" ");
                    out.push(Tri::Maybe(CondKind::RateLimit, format!("`{text}`")));
                }
            }
            "limit" | "hashlimit" | "connlimit" => {
                let text = std::iter::once(format!("-m {}", m.name()))
                    .chain(m.options().map(|o| opt_text(None, o)))
                    .collect::<Vec<_>>()
                    .join(" ");
                let over = m.options().any(|o| matches!(o.canonical(), "--hashlimit-above" | "--connlimit-above"));
                let kind = if over { CondKind::RateLimit } else { CondKind::UnderLimit };
                out.push(Tri::Maybe(kind, format!("`{text}`")));
            }
            "set" => {
                let text = m.options().next().map_or_else(|| "-m set".to_string(), |o| opt_text(Some("set"), o));
                out.push(Tri::Maybe(CondKind::Set, format!("`{text}` (the set's contents are not in the files)")));
            }
            "mark" | "connmark" | "statistic" | "time" | "owner" | "quota" | "connbytes" | "cgroup" | "socket"
            | "helper" | "cpu" | "nfacct" | "rateest" => {
                let text = std::iter::once(format!("-m {}", m.name()))
                    .chain(m.options().map(|o| opt_text(None, o)))
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(Tri::Maybe(CondKind::State, format!("`{text}`")));
            }
            other => out.push(Tri::Maybe(
                CondKind::NotModelled,
                format!("`-m {other}` (not modelled by sshlint, treated as conditional)"),
            )),
        }
        out
    }

    /// A match module against a neighbour-discovery packet: ICMPv6 of `kind`, hop limit 255,
    /// no conntrack entry (UNTRACKED, or INVALID in raw PREROUTING before conntrack runs), to
    /// the solicited-node multicast address when it is a solicitation coming in.
    fn discovery_module(&self, m: MatchRef, kind: u8, add_src: &mut dyn FnMut(AddrSet)) -> Vec<Tri> {
        let name = m.name().to_ascii_lowercase();
        let mname = if m.implicit() { None } else { Some(m.name()) };
        let maybe = |o: OptRef| Tri::Maybe(CondKind::NotModelled, format!("`{}`", opt_text(mname, o)));
        let yes_no = |hit: bool, neg: bool| negate(if hit { Tri::Yes } else { Tri::No }, neg);
        let incoming = !self.pkt.reply;
        match name.as_str() {
            "icmp6" | "icmpv6" => m
                .options()
                .map(|o| match (o.canonical(), o.arg().and_then(icmp6_type)) {
                    ("--icmpv6-type", Some((t, code))) => {
                        yes_no(t == kind && code.is_none_or(|c| c == 0), o.is_negated())
                    }
                    _ => maybe(o),
                })
                .collect(),
            "hl" => m
                .options()
                .map(|o| match (o.canonical(), o.arg().and_then(c_uint)) {
                    ("--hl-eq", Some(n)) => yes_no(n == 255, o.is_negated()),
                    ("--hl-lt", Some(n)) => yes_no(255 < n, o.is_negated()),
                    ("--hl-gt", Some(n)) => yes_no(255 > n, o.is_negated()),
                    _ => maybe(o),
                })
                .collect(),
            "conntrack" | "state" => {
                // Without a conntrack entry the match tests the state and nothing else; with no
                // state option it fails (xt_conntrack).
                let state = |o: &OptRef| matches!(o.canonical(), "--ctstate" | "--state");
                if !m.options().any(|o| state(&o)) {
                    return vec![Tri::No];
                }
                let bit = if self.raw { "INVALID" } else { "UNTRACKED" };
                m.options()
                    .filter(state)
                    .map(|o| {
                        let hit = o.arg().unwrap_or("").split(',').any(|s| s.eq_ignore_ascii_case(bit));
                        yes_no(hit, o.is_negated())
                    })
                    .collect()
            }
            "pkttype" if incoming => m
                .options()
                .map(|o| yes_no(o.arg().is_some_and(|t| t.eq_ignore_ascii_case("multicast")), o.is_negated()))
                .collect(),
            "addrtype" if incoming => m
                .options()
                .map(|o| {
                    let types = o.arg().unwrap_or("");
                    let has = |want: &str| types.split(',').any(|t| t.eq_ignore_ascii_case(want));
                    match o.canonical() {
                        "--dst-type" => yes_no(has("MULTICAST"), o.is_negated()),
                        "--src-type" => yes_no(has("UNICAST"), o.is_negated()),
                        _ => Tri::Yes,
                    }
                })
                .collect(),
            "tcp" | "udp" | "icmp" | "sctp" | "dccp" | "udplite" | "mh" | "ah" | "esp" | "multiport" | "rt"
            | "frag" | "hbh" | "dst" | "ttl" => vec![Tri::No],
            _ => self.module(m, add_src),
        }
    }

    fn target(&self, e: &Entry) -> Target {
        let Some(t) = e.rule().target() else { return Target::Continue };
        let name = t.name();
        if self.pkt.icmp6.is_some() {
            match name {
                // No ICMP error answers a packet to a multicast address, nor one the host sends
                // itself: the neighbour-discovery packet is simply lost.
                "REJECT" => return Target::Drop,
                // Neighbour discovery is never tracked anyway.
                "NOTRACK" | "CT" => return Target::Continue,
                _ => {}
            }
        }
        let opt = |n: &str| t.options().find(|o| o.canonical() == n).and_then(|o| o.arg()).map(str::to_string);
        if !super::ruleset::is_extension(name) {
            return match e.jump() {
                Some(i) if t.kind() == TargetKind::Goto => Target::Goto(i),
                Some(i) => Target::Jump(i),
                None => Target::Unknown(format!("jump to undefined chain `{name}`")),
            };
        }
        match name {
            "ACCEPT" => Target::Accept,
            "DROP" => Target::Drop,
            "RETURN" => Target::Return,
            "REJECT" => Target::Refuse(opt("--reject-with").unwrap_or_else(|| {
                if self.pkt.family == Family::Ipv4 { "icmp-port-unreachable" } else { "icmp6-port-unreachable" }.into()
            })),
            "REDIRECT" => {
                let port = opt("--to-ports")
                    .and_then(|p| p.split(['-', ':']).next().and_then(|s| s.parse::<u16>().ok()))
                    .unwrap_or(self.pkt.dport);
                Target::Redirect(port)
            }
            "DNAT" => {
                let to = opt("--to-destination").unwrap_or_default();
                let (host, port) = split_host_port(&to);
                let port = port.unwrap_or(self.pkt.dport);
                let local = host.is_empty()
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback() || self.pkt.dst.is_some_and(|d| d == addr::to_int(ip)));
                if local { Target::Redirect(port) } else { Target::Away(to) }
            }
            "SNAT" | "MASQUERADE" | "NETMAP" => Target::Accept,
            "QUEUE" | "NFQUEUE" => Target::Unknown(format!("queued to a user-space program (`-j {name}`)")),
            "SYNPROXY" | "TPROXY" | "CLUSTERIP" => Target::Unknown(format!("`-j {name}` is not modelled")),
            // Untracked packets never match --ctstate NEW/ESTABLISHED later on.
            "NOTRACK" => Target::Unknown("connection tracking is turned off (`-j NOTRACK`): not modelled".into()),
            "CT" if t.options().any(|o| o.canonical() == "--notrack" || o.name() == "--notrack") => {
                Target::Unknown("connection tracking is turned off (`-j CT --notrack`): not modelled".into())
            }
            _ => Target::Continue,
        }
    }
}

/// `--icmpv6-type`: a number, `type/code`, or one of ip6tables' names; (type, code if fixed).
fn icmp6_type(spec: &str) -> Option<(u8, Option<u8>)> {
    if let Some((t, c)) = spec.split_once('/') {
        return Some((t.parse().ok()?, Some(c.parse().ok()?)));
    }
    if let Ok(t) = spec.parse() {
        return Some((t, None));
    }
    let named = match spec.to_ascii_lowercase().as_str() {
        "destination-unreachable" => (1, None),
        "no-route" => (1, Some(0)),
        "communication-prohibited" => (1, Some(1)),
        "beyond-scope" => (1, Some(2)),
        "address-unreachable" => (1, Some(3)),
        "port-unreachable" => (1, Some(4)),
        "failed-policy" => (1, Some(5)),
        "reject-route" => (1, Some(6)),
        "packet-too-big" => (2, None),
        "time-exceeded" | "ttl-exceeded" => (3, None),
        "ttl-zero-during-transit" => (3, Some(0)),
        "ttl-zero-during-reassembly" => (3, Some(1)),
        "parameter-problem" => (4, None),
        "bad-header" => (4, Some(0)),
        "unknown-header-type" => (4, Some(1)),
        "unknown-option" => (4, Some(2)),
        "echo-request" | "ping" => (128, None),
        "echo-reply" | "pong" => (129, None),
        "router-solicitation" => (133, None),
        "router-advertisement" => (134, None),
        "neighbour-solicitation" | "neighbor-solicitation" => (135, None),
        "neighbour-advertisement" | "neighbor-advertisement" => (136, None),
        "redirect" => (137, None),
        _ => return None,
    };
    Some(named)
}

/// `addr[:port[-port]]`, `[v6addr]:port`, `:port`.
fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, tail) = rest.split_once(']').unwrap_or((rest, ""));
        let port = tail.strip_prefix(':').and_then(|p| p.split('-').next()).and_then(|p| p.parse().ok());
        return (host, port);
    }
    if s.matches(':').count() > 1 {
        return (s, None);
    }
    match s.split_once(':') {
        Some((h, p)) => (h.split('-').next().unwrap_or(h), p.split('-').next().and_then(|p| p.parse().ok())),
        None => (s.split('-').next().unwrap_or(s), None),
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

#[derive(Clone, Debug)]
struct Token {
    src: AddrSet,
    assumed: Vec<(Cond, bool)>,
    redirected: Option<(Location, u16)>,
    dport: u16,
    /// The rule that accepted it at an earlier stage (for the report).
    accepted_by: Option<Decider>,
}

/// Paths through conditional rules are split at most this many times per evaluation; beyond
/// that the rest of the traffic is reported as undecided.
const SPLIT_BUDGET: usize = 4096;
/// Rule visits (rule × path) per walk; chain graphs where many rules jump to the same chains
/// would otherwise take exponential time. Beyond it, the rest is reported as undecided.
const VISIT_BUDGET: usize = 5_000_000;
const MAX_DEPTH: usize = 64;

struct Walker<'a> {
    pkt: &'a Packet<'a>,
    table: &'a Table,
    /// Chains compiled on first use (a kube-proxy nat table has 10⁵ rules the SSH port never
    /// reaches).
    compiled: Vec<Option<std::rc::Rc<Vec<CRule>>>>,
    splits: usize,
    visits: usize,
}

enum Ending {
    Verdict(Verdict, Decider, Token),
}

impl<'a> Walker<'a> {
    fn new(table: &'a Table, pkt: &'a Packet<'a>) -> Walker<'a> {
        Walker { pkt, table, compiled: vec![None; table.chains.len()], splits: 0, visits: 0 }
    }

    fn rules(&mut self, idx: usize) -> std::rc::Rc<Vec<CRule>> {
        if let Some(r) = &self.compiled[idx] {
            return r.clone();
        }
        let c = Compiler { pkt: self.pkt, raw: self.table.name == TableName::Raw };
        let rules: Vec<CRule> = self.table.chains[idx].rules.iter().map(|e| c.rule(e)).collect();
        let rc = std::rc::Rc::new(rules);
        self.compiled[idx] = Some(rc.clone());
        rc
    }

    /// Run tokens through a chain; tokens that fall off the end or RETURN come back.
    fn chain(&mut self, idx: usize, tokens: Vec<Token>, depth: usize, out: &mut Vec<Ending>) -> Vec<Token> {
        let chain_name = self.table.chains[idx].name.to_string();
        let rules = self.rules(idx);
        let family = self.pkt.family;
        if depth > MAX_DEPTH {
            for t in tokens {
                let by = Decider::Rule {
                    at: self.table.chains[idx]
                        .decl
                        .unwrap_or_else(|| rules.first().map_or(Location::default(), |r| r.at)),
                    table: self.table.name,
                    chain: chain_name.clone(),
                };
                out.push(Ending::Verdict(Verdict::Unknown("chains nested deeper than 64 (a loop?)".into()), by, t));
            }
            return Vec::new();
        }
        let mut live = tokens;
        let mut returned = Vec::new();
        for rule in rules.iter() {
            if live.is_empty() {
                break;
            }
            self.visits += live.len();
            if self.visits > VISIT_BUDGET {
                let by = Decider::Rule { at: rule.at, table: self.table.name, chain: chain_name.clone() };
                for t in live.drain(..) {
                    out.push(Ending::Verdict(
                        Verdict::Unknown("too many paths through the chains to follow every one".into()),
                        by.clone(),
                        t,
                    ));
                }
                break;
            }
            let Ok(conds) = &rule.conds else { continue };
            // A rule that only logs or marks changes nothing here, whether it matches or not.
            if matches!(rule.target, Target::Continue) {
                continue;
            }
            let mut matched: Vec<Token> = Vec::new();
            let mut rest: Vec<Token> = Vec::new();
            for tok in live.drain(..) {
                let hit = match &rule.src {
                    Some(s) => tok.src.intersect(s),
                    None => tok.src.clone(),
                };
                if hit.is_empty() {
                    rest.push(tok);
                    continue;
                }
                if rule.src.is_some() {
                    let miss = tok.src.subtract(&hit, family);
                    if !miss.is_empty() {
                        rest.push(Token { src: miss, ..tok.clone() });
                    }
                }
                let tok = Token { src: hit, ..tok };
                // Conditions: each splits the path unless already decided on it.
                let mut branches = vec![(tok, true)];
                for c in conds {
                    let mut next = Vec::new();
                    for (t, still) in branches {
                        if !still {
                            next.push((t, false));
                            continue;
                        }
                        match t.assumed.iter().find(|(a, _)| a == c).map(|&(_, v)| v) {
                            Some(v) => next.push((t, v)),
                            None if self.splits >= SPLIT_BUDGET => {
                                out.push(Ending::Verdict(
                                    Verdict::Unknown("too many conditional rules to follow every path".into()),
                                    Decider::Rule { at: rule.at, table: self.table.name, chain: chain_name.clone() },
                                    t,
                                ));
                            }
                            None => {
                                self.splits += 1;
                                let mut yes = t.clone();
                                yes.assumed.push((c.clone(), true));
                                let mut no = t;
                                no.assumed.push((c.clone(), false));
                                next.push((yes, true));
                                next.push((no, false));
                            }
                        }
                    }
                    branches = next;
                }
                for (t, m) in branches {
                    if m { matched.push(t) } else { rest.push(t) }
                }
            }
            live = rest;
            if matched.is_empty() {
                continue;
            }
            let by = Decider::Rule { at: rule.at, table: self.table.name, chain: chain_name.clone() };
            match &rule.target {
                Target::Continue => live.extend(matched),
                Target::Accept => {
                    out.extend(matched.into_iter().map(|t| Ending::Verdict(Verdict::Accept, by.clone(), t)))
                }
                Target::Drop => out.extend(matched.into_iter().map(|t| Ending::Verdict(Verdict::Drop, by.clone(), t))),
                Target::Refuse(k) => {
                    out.extend(matched.into_iter().map(|t| Ending::Verdict(Verdict::Refuse(k.clone()), by.clone(), t)))
                }
                Target::Away(to) => {
                    out.extend(matched.into_iter().map(|t| Ending::Verdict(Verdict::Away(to.clone()), by.clone(), t)))
                }
                Target::Unknown(why) => out
                    .extend(matched.into_iter().map(|t| Ending::Verdict(Verdict::Unknown(why.clone()), by.clone(), t))),
                Target::Redirect(port) => out.extend(matched.into_iter().map(|mut t| {
                    t.redirected = Some((rule.at, *port));
                    t.dport = *port;
                    Ending::Verdict(Verdict::Accept, by.clone(), t)
                })),
                Target::Return => returned.extend(matched),
                Target::Jump(j) => {
                    let back = self.chain(*j, matched, depth + 1, out);
                    live.extend(back);
                }
                Target::Goto(j) => {
                    let back = self.chain(*j, matched, depth + 1, out);
                    returned.extend(back);
                }
            }
        }
        returned.extend(live);
        returned
    }
}

/// The hooks a packet for a local socket passes, in order.
const IN_STAGES: &[(TableName, &str)] = &[
    (TableName::Raw, "PREROUTING"),
    (TableName::Mangle, "PREROUTING"),
    (TableName::Nat, "PREROUTING"),
    (TableName::Mangle, "INPUT"),
    (TableName::Filter, "INPUT"),
    (TableName::Security, "INPUT"),
    (TableName::Nat, "INPUT"),
];

/// The hooks a local socket's reply passes on its way out, in order. nat OUTPUT and
/// POSTROUTING are not among them: nat only sees the first packet of a connection, never a
/// reply.
const OUT_STAGES: &[(TableName, &str)] = &[
    (TableName::Raw, "OUTPUT"),
    (TableName::Mangle, "OUTPUT"),
    (TableName::Filter, "OUTPUT"),
    (TableName::Security, "OUTPUT"),
    (TableName::Mangle, "POSTROUTING"),
];

/// Evaluate a new TCP connection to `pkt.dport` from `sources` through the ruleset, packet by
/// packet as the handshake and the session go: the client's SYN in, sshd's SYN-ACK out, then a
/// later packet each way. A ruleset that accepts only SYNs, or drops sshd's replies (`:OUTPUT
/// DROP` without an ESTABLISHED accept), times out or starves the session as surely as one that
/// drops the SYN.
pub fn evaluate(rs: &Ruleset, pkt: &Packet, sources: &AddrSet) -> Evaluation {
    let start = vec![Token {
        src: sources.clone(),
        assumed: Vec::new(),
        redirected: None,
        dport: pkt.dport,
        accepted_by: None,
    }];
    let mut finals: Vec<Outcome> = Vec::new();
    let start = discover(rs, pkt, start, &mut finals);
    let syn = Packet { established: false, reply: false, ..pkt.clone() };
    let through = walk_stages(rs, &syn, start, &mut finals, IN_STAGES, false);
    let mut finals = deliver_refusals(rs, pkt, finals);
    // The SYN-ACK: lost, it leaves the client waiting exactly as a dropped SYN does.
    let syn_ack = Packet { established: false, reply: true, ..pkt.clone() };
    let mut lost = Vec::new();
    let through = walk_stages(rs, &syn_ack, through, &mut lost, OUT_STAGES, true);
    finals.extend(lost.into_iter().map(|o| Outcome { reply: Some(Reply::Sshd), verdict: lost_reply(o.verdict), ..o }));
    // Later packets: conntrack keeps the nat mapping, so they see the translated port and skip
    // the nat table.
    let mut after = Vec::new();
    let later = Packet { established: true, reply: false, ..pkt.clone() };
    let through = walk_stages(rs, &later, through, &mut after, IN_STAGES, true);
    let mut after = deliver_refusals(rs, &later, after);
    let later_reply = Packet { established: true, reply: true, ..pkt.clone() };
    let mut lost = Vec::new();
    let done = walk_stages(rs, &later_reply, through, &mut lost, OUT_STAGES, true);
    after.extend(lost.into_iter().map(|o| Outcome { reply: Some(Reply::Sshd), verdict: lost_reply(o.verdict), ..o }));
    for mut o in after {
        o.after_handshake = true;
        // An ICMP error after the handshake is a soft error: the client hangs.
        if matches!(&o.verdict, Verdict::Refuse(k) if k != "tcp-reset") {
            o.verdict = Verdict::Drop;
        }
        finals.push(o);
    }
    for t in done {
        let by = t.accepted_by.unwrap_or(Decider::Policy {
            at: None,
            table: TableName::Filter,
            chain: "INPUT".into(),
            policy: Policy::Accept,
        });
        finals.push(Outcome {
            src: t.src,
            verdict: Verdict::Accept,
            by,
            assumed: t.assumed,
            redirected: t.redirected,
            after_handshake: false,
            reply: None,
            neighbour: None,
        });
    }
    summarise(finals, pkt.family)
}

/// Before an IPv6 client's first TCP packet can leave, the host's link-layer address must be
/// known on the last hop: a neighbour solicitation (ICMPv6 type 135, hop limit 255, to the
/// solicited-node multicast address) comes in, from the client's own address when it is on the
/// host's link or from the router's link-local address when it is not, and the host's
/// advertisement (type 136) goes back out. Both are conntrack UNTRACKED, never NEW or
/// ESTABLISHED, and the nat table never sees them: an ip6tables ruleset that accepts only TCP
/// under a DROP policy times out every IPv6 client whatever its port rules say (measured,
/// `tests/behaviour_firewall.rs`). A packet to a neighbour already in the caches needs none of
/// this, but caches are empty when a ruleset is loaded at boot, and that is the case modelled.
///
/// Returns the tokens that get through; the others end in `finals`. Without `pkt.via`, sources
/// for which the two ways differ are split on a [`CondKind::Link`] condition.
fn discover(rs: &Ruleset, pkt: &Packet, tokens: Vec<Token>, finals: &mut Vec<Outcome>) -> Vec<Token> {
    if pkt.family != Family::Ipv6 {
        return tokens;
    }
    if pkt.via == Some(Via::Link) {
        return solicit(rs, pkt, tokens, Via::Link, finals);
    }
    // The router solicits from its link-local address, whoever the client is: one walk for all.
    let routed = router_discovery(rs, pkt);
    if pkt.via == Some(Via::Router) {
        let mut out = Vec::new();
        for t in tokens {
            routed.apply(t, &mut out, finals);
        }
        return out;
    }
    // Either way: a client with a link-local address is always on the link.
    let link_local = addr::parse_net("fe80::/10", Family::Ipv6).unwrap_or_default();
    let link = |at: Option<Location>| Cond {
        kind: CondKind::Link,
        text: "whether the client is on the host's link or behind a router (IPv6 neighbour discovery)".into(),
        at: at.unwrap_or_default(),
    };
    let with = |assumed: &[(Cond, bool)], src: AddrSet, c: &Cond, holds: bool| {
        let mut assumed = assumed.to_vec();
        assumed.push((c.clone(), holds));
        Token { src, assumed, redirected: None, dport: pkt.dport, accepted_by: None }
    };
    let mut lost = Vec::new();
    let passed = solicit(rs, pkt, tokens, Via::Link, &mut lost);
    let mut out = Vec::new();
    let at = match &routed {
        Routed::Pass => None,
        Routed::Stop(o) | Routed::Maybe(_, o) => o.by.location(),
    };
    for t in passed {
        let routed_src = t.src.subtract(&link_local, Family::Ipv6);
        if matches!(routed, Routed::Pass) || routed_src.is_empty() {
            out.push(t);
            continue;
        }
        let local = t.src.intersect(&link_local);
        let c = link(at);
        out.push(with(&t.assumed, routed_src.clone(), &c, true));
        routed.apply(with(&t.assumed, routed_src, &c, false), &mut out, finals);
        if !local.is_empty() {
            out.push(Token { src: local, ..t });
        }
    }
    for o in lost {
        let routed_src = o.src.subtract(&link_local, Family::Ipv6);
        if matches!(routed, Routed::Stop(_)) || routed_src.is_empty() {
            // Stopped both ways (or a link-local client): no need to say how it came.
            finals.push(o);
            continue;
        }
        let local = o.src.intersect(&link_local);
        let c = link(o.by.location());
        routed.apply(with(&o.assumed, routed_src.clone(), &c, false), &mut out, finals);
        let mut assumed = o.assumed.clone();
        assumed.push((c, true));
        finals.push(Outcome { src: routed_src, assumed, ..o.clone() });
        if !local.is_empty() {
            finals.push(Outcome { src: local, ..o });
        }
    }
    out
}

/// What neighbour discovery through a router gives every routed client alike.
enum Routed {
    Pass,
    /// Stopped on every path (the outcome that covers most router addresses).
    Stop(Outcome),
    /// Through on some paths only: a rate limit, a recent list, or the router's address.
    Maybe(Cond, Outcome),
}

impl Routed {
    /// Continue `t` (a routed client) through this result: tokens that get through go to
    /// `out`, the others end in `finals`.
    fn apply(&self, t: Token, out: &mut Vec<Token>, finals: &mut Vec<Outcome>) {
        match self {
            Routed::Pass => out.push(t),
            Routed::Stop(o) => finals.push(Outcome { src: t.src, assumed: t.assumed, ..o.clone() }),
            Routed::Maybe(c, o) => {
                let mut lost = t.assumed.clone();
                lost.push((c.clone(), false));
                finals.push(Outcome { src: t.src.clone(), assumed: lost, ..o.clone() });
                let mut t = t;
                t.assumed.push((c.clone(), true));
                out.push(t);
            }
        }
    }
}

/// The router's solicitation (from its link-local address, fe80::/64) in and the host's
/// advertisement out.
fn router_discovery(rs: &Ruleset, pkt: &Packet) -> Routed {
    let router = Token {
        src: addr::parse_net("fe80::/64", Family::Ipv6).unwrap_or_default(),
        assumed: Vec::new(),
        redirected: None,
        dport: pkt.dport,
        accepted_by: None,
    };
    let mut lost = Vec::new();
    let passed = solicit(rs, pkt, vec![router], Via::Router, &mut lost);
    let widest = |o: &Outcome| o.src.ranges().iter().map(|(a, b)| b - a).max();
    let Some(stop) = lost.iter().max_by_key(|o| widest(o)).cloned() else { return Routed::Pass };
    if passed.is_empty() {
        return Routed::Stop(stop);
    }
    // Name what decides: the first condition a passing path assumed, else the address.
    let cond = passed.iter().flat_map(|t| t.assumed.iter()).next().map(|(c, _)| c.clone()).unwrap_or_else(|| Cond {
        kind: CondKind::Link,
        text: "the router's link-local address (neighbour discovery is accepted from some only)".into(),
        at: stop.by.location().unwrap_or_default(),
    });
    let cond = Cond { text: format!("{} for the router's neighbour solicitation", cond.text), ..cond };
    Routed::Maybe(cond, stop)
}

/// Walk one solicitation in and the host's advertisement out for `tokens` (sources: the
/// client, or the router's link-local address).
fn solicit(rs: &Ruleset, pkt: &Packet, tokens: Vec<Token>, via: Via, finals: &mut Vec<Outcome>) -> Vec<Token> {
    let mut lost = Vec::new();
    let ns = Packet { icmp6: Some(NS), reply: false, established: false, refusal: None, ..pkt.clone() };
    let through = walk_stages(rs, &ns, tokens, &mut lost, IN_STAGES, true);
    let mark = |lost: Vec<Outcome>, icmp6: u8| {
        lost.into_iter().map(move |o| Outcome { neighbour: Some(Neighbour { icmp6, via }), reply: None, ..o })
    };
    finals.extend(mark(lost, NS));
    let mut lost = Vec::new();
    let na = Packet { icmp6: Some(NA), reply: true, established: false, refusal: None, ..pkt.clone() };
    let through = walk_stages(rs, &na, through, &mut lost, OUT_STAGES, true);
    finals.extend(mark(lost, NA));
    through
}

/// A REJECT answers with a TCP RST or an ICMP error that leaves by OUTPUT like any packet of the
/// host (conntrack RELATED): a ruleset that stops it there turns the refusal into a timeout.
fn deliver_refusals(rs: &Ruleset, pkt: &Packet, outcomes: Vec<Outcome>) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        let Verdict::Refuse(kind) = &o.verdict else {
            out.push(o);
            continue;
        };
        let port = o.redirected.map_or(pkt.dport, |(_, p)| p);
        let answer = Packet {
            reply: true,
            refusal: Some(if kind == "tcp-reset" { Answer::Reset } else { Answer::Icmp }),
            dport: port,
            ..pkt.clone()
        };
        let tok = Token {
            src: o.src.clone(),
            assumed: o.assumed.clone(),
            redirected: o.redirected,
            dport: port,
            accepted_by: None,
        };
        let mut lost = Vec::new();
        let sent = walk_stages(rs, &answer, vec![tok], &mut lost, OUT_STAGES, true);
        for t in sent {
            out.push(Outcome { src: t.src, assumed: t.assumed, ..o.clone() });
        }
        for l in lost {
            out.push(Outcome {
                verdict: lost_reply(l.verdict),
                reply: Some(Reply::Refusal(kind.clone())),
                after_handshake: o.after_handshake,
                ..l
            });
        }
    }
    out
}

/// What the client sees of a reply the host's own rules stop: a REJECT on the way out answers
/// sshd, not the client, so the client hears nothing.
fn lost_reply(v: Verdict) -> Verdict {
    match v {
        Verdict::Refuse(_) => Verdict::Drop,
        v => v,
    }
}

/// Walk tokens through every hook in order; returns the tokens every stage accepted. `later`:
/// a packet after the SYN (no nat table; the SYN's accepting rule stays the reported one).
fn walk_stages(
    rs: &Ruleset,
    pkt: &Packet,
    mut tokens: Vec<Token>,
    finals: &mut Vec<Outcome>,
    stages: &[(TableName, &str)],
    later: bool,
) -> Vec<Token> {
    for &(tname, cname) in stages {
        if later && tname == TableName::Nat {
            continue;
        }
        let Some(table) = rs.table(tname) else { continue };
        let Some(ci) = table.chain(cname) else { continue };
        let chain = &table.chains[ci];
        let policy_by =
            Decider::Policy { at: chain.policy_at, table: tname, chain: cname.to_string(), policy: chain.policy };
        // nat PREROUTING may have changed the port: one walk per destination port. A later
        // packet of the connection is translated at nat's priority too, so raw and mangle
        // PREROUTING still see the port the client wrote.
        let untranslated = later && !pkt.reply && cname == "PREROUTING";
        let port_of = |t: &Token| (if untranslated { pkt.dport } else { t.dport }, t.redirected.is_some());
        let mut ports: Vec<(u16, bool)> = tokens.iter().map(port_of).collect();
        ports.sort_unstable();
        ports.dedup();
        let mut next_tokens = Vec::new();
        for (port, dnat) in ports {
            let group: Vec<Token> = tokens.iter().filter(|t| port_of(t) == (port, dnat)).cloned().collect();
            let p = Packet { dport: port, dnat, ..pkt.clone() };
            let mut w = Walker::new(table, &p);
            let mut ends = Vec::new();
            let back = w.chain(ci, group, 0, &mut ends);
            for t in back {
                let v = if chain.policy == Policy::Accept { Verdict::Accept } else { Verdict::Drop };
                ends.push(Ending::Verdict(v, policy_by.clone(), t));
            }
            for e in ends {
                let Ending::Verdict(v, by, mut t) = e;
                if v == Verdict::Accept {
                    // Report the most telling accept of the SYN: a filter rule, then any rule,
                    // then a policy.
                    let rank = |d: &Decider| match d {
                        Decider::Rule { table: TableName::Filter, .. } => 3,
                        Decider::Rule { .. } => 2,
                        Decider::Policy { table: TableName::Filter, at: Some(_), .. } => 1,
                        Decider::Policy { .. } => 0,
                    };
                    if !later && t.accepted_by.as_ref().is_none_or(|old| rank(&by) >= rank(old)) {
                        t.accepted_by = Some(by);
                    }
                    next_tokens.push(t);
                } else {
                    finals.push(Outcome {
                        src: t.src,
                        verdict: v,
                        by,
                        assumed: t.assumed,
                        redirected: t.redirected,
                        after_handshake: false,
                        reply: None,
                        neighbour: None,
                    });
                }
            }
        }
        tokens = next_tokens;
    }
    tokens
}

/// Merge outcomes that share a verdict and decider, then cut the source space into regions
/// with the same set of possible outcomes.
fn summarise(finals: Vec<Outcome>, family: Family) -> Evaluation {
    let mut merged: Vec<Outcome> = Vec::new();
    type Key = (Verdict, Decider, Option<(Location, u16)>, bool, Option<Reply>, Option<Neighbour>);
    let mut index: HashMap<Key, usize> = HashMap::new();
    for o in finals {
        if o.src.is_empty() {
            continue;
        }
        let key = (o.verdict.clone(), o.by.clone(), o.redirected, o.after_handshake, o.reply.clone(), o.neighbour);
        match index.get(&key) {
            Some(&i) => {
                let m = &mut merged[i];
                m.src = m.src.union(&o.src);
                for a in o.assumed {
                    if !m.assumed.contains(&a) {
                        m.assumed.push(a);
                    }
                }
            }
            None => {
                index.insert(key, merged.len());
                merged.push(o);
            }
        }
    }
    // Sweep the interval boundaries.
    let mut events: Vec<(u128, bool, usize)> = Vec::new(); // (point, is_end_after, outcome)
    for (i, o) in merged.iter().enumerate() {
        for &(a, b) in o.src.ranges() {
            events.push((a, false, i));
            if let Some(e) = b.checked_add(1) {
                events.push((e, true, i));
            }
        }
    }
    events.sort_by_key(|&(p, end, i)| (p, !end, i));
    let mut active: BTreeSet<usize> = BTreeSet::new();
    let mut groups: HashMap<Vec<usize>, AddrSet> = HashMap::new();
    let max = addr::max_of(family);
    let mut k = 0;
    while k < events.len() {
        let point = events[k].0;
        while k < events.len() && events[k].0 == point {
            let (_, end, i) = events[k];
            if end {
                active.remove(&i);
            } else {
                active.insert(i);
            }
            k += 1;
        }
        if active.is_empty() {
            continue;
        }
        let stop = if k < events.len() { events[k].0 - 1 } else { max };
        let key: Vec<usize> = active.iter().copied().collect();
        let seg = AddrSet::range(point, stop);
        let entry = groups.entry(key).or_default();
        *entry = entry.union(&seg);
    }
    let mut regions: Vec<Region> = groups.into_iter().map(|(outcomes, src)| Region { src, outcomes }).collect();
    regions.sort_by_key(|r| r.src.ranges().first().map_or(0, |&(a, _)| a));
    Evaluation { outcomes: merged, regions }
}

#[cfg(test)]
mod tests {
    use super::{Class, Via};
    use crate::ast::iptables::Family;
    use crate::model::firewall::Firewall;
    use crate::model::firewall::addr::AddrSet;
    use crate::source::{SourceFile, SourceMap};

    /// The class an IPv6 client at `from` gets on port 22 through `rules` (an ip6tables-save
    /// file), for each way of reaching the host: (either way, on the link, through a router).
    fn classes(rules: &str, from: &str) -> (Class, Class, Class) {
        let mut sources = SourceMap::default();
        let file = SourceFile::new("rules.v6".into(), rules.as_bytes().to_vec());
        let fw = Firewall::from_file(file, Family::Ipv6, &mut sources);
        let ip: std::net::IpAddr = from.parse().expect("address");
        let class = |via| {
            let ev = fw.evaluate(0, 22, None, via, None, &AddrSet::single(ip)).expect("the ruleset loads");
            let region = ev.region_of(super::addr::to_int(ip)).expect("a region");
            ev.class_of(region)
        };
        (class(None), class(Some(Via::Link)), class(Some(Via::Router)))
    }

    fn with(input: &str) -> String {
        format!("*filter\n:INPUT DROP [0:0]\n{input}\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")
    }

    use Class::{Conditional, Dropped, Open};

    #[test]
    fn neighbour_solicitations_come_from_the_client_or_the_router() {
        let client = "2001:db8::10";
        // Nothing but TCP: both ways time out.
        assert_eq!(classes(&with(""), client), (Dropped, Dropped, Dropped));
        // Global sources only: on-link clients get through, the router's link-local does not.
        assert_eq!(
            classes(&with("-A INPUT -s 2001:db8::/32 -p icmpv6 -j ACCEPT"), client),
            (Conditional, Open, Dropped)
        );
        // Link-local only: the other way round.
        assert_eq!(classes(&with("-A INPUT -s fe80::/10 -p icmpv6 -j ACCEPT"), client), (Conditional, Dropped, Open));
        // A link-local client is always on the link.
        assert_eq!(
            classes(&with("-A INPUT -s 2001:db8::/32 -p icmpv6 -j ACCEPT"), "fe80::10"),
            (Dropped, Dropped, Dropped)
        );
        assert_eq!(classes(&with("-A INPUT -s fe80::/10 -p icmpv6 -j ACCEPT"), "fe80::10"), (Open, Open, Open));
    }

    #[test]
    fn a_conditional_accept_of_the_router_is_conditional() {
        let rules = with("-A INPUT -p ipv6-icmp -m limit --limit 1/min -j ACCEPT");
        assert_eq!(classes(&rules, "2001:db8:1::7"), (Conditional, Conditional, Conditional));
        // Only some router addresses: conditional through a router, open on the link.
        let rules =
            with("-A INPUT -s fe80::1 -p ipv6-icmp -j ACCEPT\n-A INPUT -s 2001:db8::/32 -p ipv6-icmp -j ACCEPT");
        assert_eq!(classes(&rules, "2001:db8::7"), (Conditional, Open, Conditional));
    }

    /// The class of a new connection from 192.0.2.10 to each port, through an IPv4 file.
    fn port_classes(rules: &str, ports: &[u16]) -> Vec<Class> {
        let mut sources = SourceMap::default();
        let file = SourceFile::new("rules.v4".into(), rules.as_bytes().to_vec());
        let fw = Firewall::from_file(file, Family::Ipv4, &mut sources);
        let ip: std::net::IpAddr = "192.0.2.10".parse().expect("address");
        let class = |port| {
            let ev = fw.evaluate(0, port, None, None, None, &AddrSet::single(ip)).expect("the ruleset loads");
            ev.class_of(ev.region_of(super::addr::to_int(ip)).expect("a region"))
        };
        ports.iter().map(|&p| class(p)).collect()
    }

    #[test]
    fn later_packets_meet_raw_prerouting_untranslated() {
        // nat redirects 2222 to 22; raw drops port 22 before nat: the client's packets to 2222
        // never carry 22 there, neither the SYN nor the packets after it.
        let rules = "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 22 -j DROP\nCOMMIT\n\
                     *nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 2222 -j REDIRECT --to-ports 22\nCOMMIT\n";
        assert_eq!(port_classes(rules, &[2222, 22]), [Open, Dropped]);
    }

    /// conntrack's virtual DNAT state holds after nat PREROUTING translated the connection (a
    /// REDIRECT too), and only then: firewalld's `ct status dnat accept` is written this way.
    #[test]
    fn dnat_state_follows_translation() {
        let rules = "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 2201 -j REDIRECT --to-ports 22\nCOMMIT\n\
                     *filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT\nCOMMIT\n";
        assert_eq!(port_classes(rules, &[2201, 22]), [Open, Dropped]);
    }

    #[test]
    fn neighbour_discovery_matches() {
        let c = "2001:db8::10";
        let open = (Open, Open, Open);
        let dropped = (Dropped, Dropped, Dropped);
        for (input, want) in [
            ("-A INPUT -p ipv6-icmp --icmpv6-type neighbor-solicitation -m hl --hl-eq 255 -j ACCEPT", open),
            ("-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135/0 -j ACCEPT", open),
            ("-A INPUT -p ipv6-icmp --icmpv6-type 136 -j ACCEPT", dropped),
            ("-A INPUT -p ipv6-icmp ! --icmpv6-type echo-request -j ACCEPT", open),
            ("-A INPUT -m hl ! --hl-eq 255 -j ACCEPT", dropped),
            ("-A INPUT -m hl --hl-gt 254 -j ACCEPT", open),
            // Untracked: a state test decides alone, other conntrack options are not looked at;
            // without a state test the match fails.
            ("-A INPUT -m conntrack --ctstate UNTRACKED --ctproto tcp -j ACCEPT", open),
            ("-A INPUT -m conntrack ! --ctstate NEW,ESTABLISHED -j ACCEPT", open),
            ("-A INPUT -m conntrack ! --ctproto tcp -j ACCEPT", dropped),
            ("-A INPUT -m state --state INVALID -j ACCEPT", dropped),
            // To the solicited-node multicast address.
            ("-A INPUT -d ff02::1:ff00:0/104 -p icmpv6 -j ACCEPT", open),
            ("-A INPUT -d 2001:db8::/32 -p icmpv6 -j ACCEPT", dropped),
            ("-A INPUT -m pkttype --pkt-type multicast -j ACCEPT", open),
            ("-A INPUT -m addrtype --dst-type MULTICAST -j ACCEPT", open),
            ("-A INPUT -p tcp -j ACCEPT", dropped),
        ] {
            assert_eq!(classes(&with(input), c), want, "{input}");
        }
        // raw PREROUTING sees the solicitation before conntrack (INVALID there); nat never does.
        let raw = "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n";
        assert_eq!(classes(raw, c), dropped);
        let nat = "*nat\n:PREROUTING DROP [0:0]\n-A PREROUTING -p tcp -j ACCEPT\nCOMMIT\n";
        assert_eq!(classes(nat, c), open);
        // The host's advertisement leaves through OUTPUT, untracked.
        let out = |extra: &str| {
            format!(
                "*filter\n:OUTPUT DROP [0:0]\n-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n{extra}COMMIT\n"
            )
        };
        assert_eq!(classes(&out(""), c), dropped);
        assert_eq!(classes(&out("-A OUTPUT -p icmpv6 --icmpv6-type neighbour-advertisement -j ACCEPT\n"), c), open);
        assert_eq!(classes(&out("-A OUTPUT -p icmpv6 --icmpv6-type neighbour-solicitation -j ACCEPT\n"), c), dropped);
        // A REJECT of a solicitation answers nobody.
        assert_eq!(classes(&with("-A INPUT -p icmpv6 -j REJECT"), c), dropped);
    }
}
