//! Rules no packet can reach: shadowed by an earlier rule of the same chain that matches
//! everything they match and always ends the walk (Batfish's BLOCKING_LINES), rules whose own
//! conditions contradict each other (INDEPENDENTLY_UNMATCHABLE), and user chains nothing jumps
//! to. Sound rather than complete: a rule is only called unreachable when that is certain.

use super::addr::{self, AddrSet};
use super::ruleset::{Entry, Ruleset, Table, is_extension};
use crate::ast::iptables::{Family, OptRef, RuleRef, TargetKind};
use crate::source::Location;
use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;
use std::borrow::Cow;
use std::rc::Rc;

#[derive(Clone, Debug)]
pub enum Why {
    /// An earlier rule matches every packet this one matches and ends the walk.
    Shadowed { by: Location, same_action: bool, by_action: String },
    /// Its own conditions cannot all hold.
    Contradictory(String),
    /// A user chain with rules that no rule jumps to.
    UnusedChain(String),
}

#[derive(Clone, Debug)]
pub struct Unreachable {
    pub at: Location,
    pub table: &'static str,
    pub chain: String,
    pub why: Why,
}

/// What a rule matches, as far as comparing rules goes. It borrows the rule's text, so the
/// boxes of a long chain (kube-proxy's KUBE-SERVICES) cost no allocation each.
#[derive(Clone, Debug)]
struct MatchBox<'a> {
    proto: Option<(Cow<'a, str>, bool)>,
    src: AddrSet,
    dst: AddrSet,
    dports: Option<Ports>,
    iface: Option<(&'a str, bool)>,
    /// The connection states matched, as bits of [`STATES`].
    states: Option<u8>,
    /// Other conditions; `stateful` when one of them keeps state between packets (two rules
    /// with the same `-m limit` options do not match the same packets).
    other: SmallVec<[Other<'a>; 1]>,
    stateful: bool,
    /// Options this model cannot compare (e.g. a negated port list).
    opaque: bool,
    empty: Option<&'static str>,
}

type Ports = SmallVec<[(u16, u16); 2]>;

/// A condition compared as written: the match it belongs to (none for a base parameter) and
/// the option.
#[derive(Clone, Copy, Debug)]
struct Other<'a> {
    module: Option<&'a str>,
    opt: OptRef<'a>,
}

impl PartialEq for Other<'_> {
    fn eq(&self, o: &Other) -> bool {
        self.module == o.module
            && self.opt.is_negated() == o.opt.is_negated()
            && self.opt.canonical() == o.opt.canonical()
            && self.opt.args().eq(o.opt.args())
    }
}

const STATES: &[&str] = &["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"];
const ALL_STATES: u8 = (1 << STATES.len()) - 1;

fn ports(spec: &str) -> Option<Ports> {
    let builtin = |n: &str| crate::ast::iptables::SERVICES.iter().find(|(name, _)| *name == n).map(|&(_, p)| p);
    super::eval::port_list(spec, &builtin).map(Ports::from_vec)
}

fn intersect_ports(a: &[(u16, u16)], b: &[(u16, u16)]) -> Ports {
    let mut out = Ports::new();
    for &(a1, a2) in a {
        for &(b1, b2) in b {
            let lo = a1.max(b1);
            let hi = a2.min(b2);
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    out
}

fn ports_subset(inner: &[(u16, u16)], outer: &[(u16, u16)]) -> bool {
    let mut sorted = Ports::from_slice(outer);
    sorted.sort_unstable();
    inner.iter().all(|&(a, b)| {
        // Each inner range must be covered by the union of outer ranges.
        let mut cur = u32::from(a);
        for &(lo, hi) in &sorted {
            if u32::from(lo) <= cur && cur <= u32::from(hi) {
                cur = u32::from(hi) + 1;
            }
        }
        cur > u32::from(b)
    })
}

fn build(rule: RuleRef<'_>, family: Family) -> MatchBox<'_> {
    let mut b = MatchBox {
        proto: None,
        src: AddrSet::full(family),
        dst: AddrSet::full(family),
        dports: None,
        iface: None,
        states: None,
        other: SmallVec::new(),
        stateful: false,
        opaque: false,
        empty: None,
    };
    for o in rule.params() {
        let neg = o.is_negated();
        let arg = o.arg().unwrap_or("");
        match o.canonical() {
            "--protocol" => {
                let p: Cow<str> = match arg {
                    "6" => "tcp".into(),
                    "17" => "udp".into(),
                    "0" if !neg => continue,
                    _ if arg.eq_ignore_ascii_case("all") && !neg => continue,
                    _ if arg.bytes().any(|c| c.is_ascii_uppercase()) => arg.to_ascii_lowercase().into(),
                    _ => arg.into(),
                };
                b.proto = Some((p, neg));
            }
            "--source" | "--destination" => match addr::parse_net_list(arg, family) {
                Some(set) => {
                    let set = if neg { set.complement(family) } else { set };
                    if o.canonical() == "--source" {
                        b.src = b.src.intersect(&set);
                    } else {
                        b.dst = b.dst.intersect(&set);
                    }
                }
                None => b.opaque = true,
            },
            "--in-interface" => b.iface = Some((arg, neg)),
            _ => b.other.push(Other { module: None, opt: o }),
        }
    }
    for m in rule.matches() {
        let name = m.name();
        if name == "comment" {
            continue;
        }
        for o in m.options() {
            let neg = o.is_negated();
            let arg = o.arg().unwrap_or("");
            match (name, o.canonical()) {
                ("tcp" | "udp", "--destination-port") | ("multiport", "--destination-ports") if !neg => {
                    match ports(arg) {
                        Some(p) => {
                            let next = match &b.dports {
                                Some(prev) => intersect_ports(prev, &p),
                                None => p,
                            };
                            if next.is_empty() {
                                b.empty = Some("its destination-port conditions exclude each other");
                            }
                            b.dports = Some(next);
                        }
                        None => b.opaque = true,
                    }
                }
                ("conntrack", "--ctstate") | ("state", "--state") => {
                    let mut listed = 0u8;
                    for s in arg.split(',') {
                        match STATES.iter().position(|k| k.eq_ignore_ascii_case(s)) {
                            Some(i) => listed |= 1 << i,
                            // SNAT and DNAT are flags on top of the other states, not states
                            // of their own.
                            None => b.opaque = true,
                        }
                    }
                    let set = if neg { ALL_STATES & !listed } else { listed };
                    let next = b.states.map_or(set, |prev| prev & set);
                    if next == 0 {
                        b.empty = Some("its connection-state conditions exclude each other");
                    }
                    b.states = Some(next);
                }
                ("iprange", "--src-range") => match addr::parse_range(arg, family) {
                    Some(set) => b.src = b.src.intersect(&if neg { set.complement(family) } else { set }),
                    None => b.opaque = true,
                },
                ("comment", _) => {}
                ("recent", "--set")
                    if !m.options().any(|x| {
                        x.canonical() != "--set"
                            && x.canonical() != "--name"
                            && x.canonical() != "--mask"
                            && x.canonical() != "--rsource"
                            && x.canonical() != "--rdest"
                    }) => {}
                _ => {
                    if matches!(
                        name,
                        // Stateful matches, and fields a target between two rules can change.
                        "recent"
                            | "limit"
                            | "hashlimit"
                            | "connlimit"
                            | "statistic"
                            | "quota"
                            | "set"
                            | "mark"
                            | "connmark"
                            | "dscp"
                            | "tos"
                            | "ttl"
                            | "hl"
                            | "ecn"
                            | "tcpmss"
                            | "length"
                    ) {
                        b.stateful = true;
                    }
                    b.other.push(Other { module: Some(name), opt: o });
                }
            }
        }
    }
    if b.src.is_empty() {
        b.empty = Some("its source-address conditions exclude each other");
    }
    b
}

/// Every packet `inner` matches, `outer` matches too.
fn covers(outer: &MatchBox, inner: &MatchBox) -> bool {
    if outer.opaque || outer.stateful || inner.opaque {
        return false;
    }
    let proto_ok = match (&outer.proto, &inner.proto) {
        (None, _) => true,
        (Some(o), Some(i)) => o == i,
        (Some(_), None) => false,
    };
    let dports_ok = match (&outer.dports, &inner.dports) {
        (None, _) => true,
        (Some(o), Some(i)) => ports_subset(i, o),
        (Some(_), None) => false,
    };
    let iface_ok = match (&outer.iface, &inner.iface) {
        (None, _) => true,
        (Some(o), Some(i)) => o == i,
        (Some(_), None) => false,
    };
    let states_ok = match (outer.states, inner.states) {
        (None, _) => true,
        (Some(o), Some(i)) => i & !o == 0,
        (Some(o), None) => o == ALL_STATES,
    };
    proto_ok
        && dports_ok
        && iface_ok
        && states_ok
        && inner.src.is_subset(&outer.src)
        && inner.dst.is_subset(&outer.dst)
        && outer.other.iter().all(|c| inner.other.contains(c))
}

/// What a rule does to a packet it matches, if that ends the walk through its chain.
fn terminal_action(table: &Table, e: &Entry, family: Family, depth: usize, memo: &Memo) -> Option<String> {
    let t = e.rule().target()?;
    let name = t.name();
    match name {
        "ACCEPT" | "DROP" | "RETURN" => Some(name.to_string()),
        "REJECT" => Some(
            format!(
                "REJECT {}",
                t.options().find(|o| o.canonical() == "--reject-with").and_then(|o| o.arg()).unwrap_or("")
            )
            .trim_end()
            .to_string(),
        ),
        _ if is_extension(name) => None,
        // Named as the chain is now (after any `-E`).
        _ if t.kind() == TargetKind::Goto => Some(format!("-g {}", table.target_name(e).unwrap_or(name))),
        _ => {
            // A jump to a chain every packet leaves with a verdict.
            let i = e.jump()?;
            let name = table.target_name(e).unwrap_or(name);
            always_decides(table, i, family, depth + 1, memo).map(|a| format!("{a} via {name}"))
        }
    }
}

/// `always_decides` per chain, computed once (the answer does not depend on the depth it is
/// asked from: tables with loops are refused before this runs).
/// Per chain index: not asked yet (`None`), or the answer.
type Memo = std::cell::RefCell<Vec<Option<Option<Rc<str>>>>>;

fn always_decides(table: &Table, chain: usize, family: Family, depth: usize, memo: &Memo) -> Option<String> {
    if let Some(Some(hit)) = memo.borrow().get(chain) {
        return hit.as_deref().map(str::to_string);
    }
    let answer = always_decides_uncached(table, chain, family, depth, memo);
    if let Some(slot) = memo.borrow_mut().get_mut(chain) {
        *slot = Some(answer.as_deref().map(Rc::from));
    }
    answer
}

fn always_decides_uncached(table: &Table, chain: usize, family: Family, depth: usize, memo: &Memo) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let mut actions: Vec<String> = Vec::new();
    for e in &table.chains[chain].rules {
        // Only whether the rule matches everything matters here: most rules of a big
        // ruleset have a match other than a comment, and such a rule is not universal.
        let plain = e.rule().params().len() == 0 && e.rule().matches().all(|m| m.name() == "comment");
        let b = if plain { None } else { Some(build(e.rule(), family)) };
        // A rule before the catch-all that may send the packet back to the caller.
        if let Some(t) = e.rule().target() {
            let returns = t.name() == "RETURN"
                || (t.kind() == TargetKind::Goto
                    && e.jump().is_none_or(|j| always_decides(table, j, family, depth + 1, memo).is_none()));
            if returns {
                return None;
            }
        }
        let universal = b.is_none_or(|b| {
            b.proto.is_none()
                && b.dports.is_none()
                && b.iface.is_none()
                && b.states.is_none()
                && b.other.is_empty()
                && !b.opaque
                && !b.stateful
                && b.src.is_full(family)
                && b.dst.is_full(family)
        });
        if universal {
            let a = terminal_action(table, e, family, depth, memo)?;
            if a == "RETURN" {
                return None;
            }
            actions.retain(|x| *x != a);
            return Some(if actions.is_empty() { a } else { format!("{} or {a}", actions.join(", ")) });
        }
        if let Some(a) = terminal_action(table, e, family, depth, memo) {
            actions.push(a);
        }
    }
    None
}

/// The rules of a chain so far that end the walk, indexed so that long chains of rules for
/// distinct destination addresses or ports (kube-proxy's KUBE-SERVICES and KUBE-NODEPORTS) are
/// not compared pairwise: a rule for one destination address (or port) can only cover rules
/// for that same address (or port).
#[derive(Default)]
struct Earlier<'a> {
    /// Keyed by (single destination address, single destination port) of the covering rule;
    /// each list in chain order: (position, rule, what it matches, its action).
    buckets: HashMap<Key, Vec<(usize, &'a Entry, MatchBox<'a>, String)>>,
    count: usize,
}

type Key = (Option<u128>, Option<u16>);

fn key_of(b: &MatchBox) -> Key {
    let dst = match b.dst.ranges() {
        [(lo, hi)] if lo == hi => Some(*lo),
        _ => None,
    };
    let port = match b.dports.as_deref() {
        Some([(lo, hi)]) if lo == hi => Some(*lo),
        _ => None,
    };
    (dst, port)
}

impl<'a> Earlier<'a> {
    fn push(&mut self, e: &'a Entry, b: MatchBox<'a>, action: String) {
        let key = key_of(&b);
        self.buckets.entry(key).or_default().push((self.count, e, b, action));
        self.count += 1;
    }

    /// The earliest rule that matches every packet `b` matches.
    fn first_covering(&self, b: &MatchBox) -> Option<(&'a Entry, &MatchBox<'a>, &String)> {
        let (dst, port) = key_of(b);
        // The buckets whose rules can cover `b`: any address and port, its address, its port,
        // both (a key with a `None` where `b` has one is the same bucket twice, harmlessly).
        let keys = [(None, None), (dst, None), (None, port), (dst, port)];
        keys.iter()
            .filter_map(|k| self.buckets.get(k))
            .filter_map(|list| list.iter().find(|(_, _, qb, _)| covers(qb, b)))
            .min_by_key(|(pos, ..)| *pos)
            .map(|(_, e, qb, action)| (*e, qb, action))
    }
}

/// Per chain: the position (chain, rule) of the one unconditional `-j` that walks it in place,
/// or `None` when it is analysed on its own.
fn inlinable(table: &Table) -> Vec<Option<(usize, usize)>> {
    let n = table.chains.len();
    let mut refs: Vec<Vec<(usize, usize, bool)>> = vec![Vec::new(); n];
    for (ci, chain) in table.chains.iter().enumerate() {
        for (ri, e) in chain.rules.iter().enumerate() {
            if let Some(j) = e.jump()
                && let Some(slot) = refs.get_mut(j)
            {
                let plain_jump = e.rule().target().is_some_and(|t| t.kind() != TargetKind::Goto)
                    && e.rule().params().len() == 0
                    && e.rule().matches().all(|m| m.name() == "comment");
                slot.push((ci, ri, plain_jump));
            }
        }
    }
    (0..n)
        .map(|j| {
            let chain = &table.chains[j];
            let returns = chain.rules.iter().any(|e| e.rule().target().is_some_and(|t| t.name() == "RETURN"));
            match refs[j].as_slice() {
                [(ci, ri, true)] if !chain.builtin && !returns && *ci != j => Some((*ci, *ri)),
                _ => None,
            }
        })
        .collect()
}

/// One table's walk for [`unreachable`].
struct Walk<'a, 'o> {
    table: &'a Table,
    family: Family,
    memo: &'a Memo,
    report: &'a dyn Fn(&Entry) -> bool,
    inline: &'a [Option<(usize, usize)>],
    /// Chains walked so far (each once: an inlined chain with its caller).
    visited: Vec<bool>,
    out: &'o mut Vec<Unreachable>,
}

impl<'a> Walk<'a, '_> {
    /// Walk chain `ci` with the rules before it (`earlier`), descending into inlined chains.
    fn chain(&mut self, ci: usize, earlier: &mut Earlier<'a>, depth: usize) {
        let (table, family) = (self.table, self.family);
        self.visited[ci] = true;
        let chain = &table.chains[ci];
        for (ri, e) in chain.rules.iter().enumerate() {
            let b = build(e.rule(), family);
            let mut shadowed = false;
            if (self.report)(e) {
                if let Some(why) = &b.empty {
                    self.out.push(Unreachable {
                        at: e.at,
                        table: table.name.as_str(),
                        chain: chain.name.to_string(),
                        why: Why::Contradictory(why.to_string()),
                    });
                } else if let Some((q, _, action)) = earlier.first_covering(&b) {
                    let mine = terminal_action(table, e, family, 0, self.memo)
                        .or_else(|| table.target_name(e).map(str::to_string))
                        .unwrap_or_default();
                    let strip = |s: &str| s.split(" via ").next().unwrap_or(s).to_string();
                    self.out.push(Unreachable {
                        at: e.at,
                        table: table.name.as_str(),
                        chain: chain.name.to_string(),
                        why: Why::Shadowed {
                            by: q.at,
                            same_action: strip(&mine) == strip(action),
                            by_action: action.clone(),
                        },
                    });
                    shadowed = true;
                }
            }
            // A jump no packet takes leads nowhere: its chain is analysed on its own (later).
            if let Some(j) = e.jump()
                && !shadowed
                && self.inline.get(j).copied().flatten() == Some((ci, ri))
                && !self.visited[j]
                && depth < 16
            {
                self.chain(j, earlier, depth + 1);
                continue;
            }
            if b.empty.is_none()
                && let Some(action) = terminal_action(table, e, family, 0, self.memo)
            {
                earlier.push(e, b, action);
            }
        }
    }
}

/// The unreachable rules of a ruleset. `report` says which rules may be reported (rules from
/// files the user wrote, not lines sshlint synthesised).
///
/// A user chain that one unconditional `-j` leads to and nothing else, and that has no RETURN
/// (ufw's `ufw-before-input` → `ufw-user-input`, firewalld's zone chain → `_deny` → `_allow`),
/// is walked in place of that jump: its rules and the caller's share one list of earlier rules,
/// so an ACCEPT, DROP or REJECT in the first chain shadows rules in the chains after it.
pub fn unreachable(rs: &Ruleset, report: &dyn Fn(&Entry) -> bool, unused_chains: bool) -> Vec<Unreachable> {
    let family = rs.family;
    let mut out = Vec::new();
    for table in &rs.tables {
        let memo = Memo::new(vec![None; table.chains.len()]);
        let inline = inlinable(table);
        let visited = vec![false; table.chains.len()];
        let mut walk = Walk { table, family, memo: &memo, report, inline: &inline, visited, out: &mut out };
        // Roots first, then whatever no root reached (a cycle of inlinable chains).
        let roots = (0..table.chains.len()).filter(|&i| inline[i].is_none());
        for ci in roots.chain(0..table.chains.len()) {
            if !walk.visited[ci] {
                walk.chain(ci, &mut Earlier::default(), 0);
            }
        }
        if unused_chains {
            // Chains a built-in chain reaches through jumps and gotos.
            let mut reached = vec![false; table.chains.len()];
            let mut work: Vec<usize> = (0..table.chains.len()).filter(|&i| table.chains[i].builtin).collect();
            for &i in &work {
                reached[i] = true;
            }
            while let Some(i) = work.pop() {
                for e in &table.chains[i].rules {
                    if let Some(j) = e.jump()
                        && !reached[j]
                    {
                        reached[j] = true;
                        work.push(j);
                    }
                }
            }
            for (ci, chain) in table.chains.iter().enumerate().filter(|(_, c)| !c.builtin && !c.rules.is_empty()) {
                let used = reached[ci];
                if !used && let Some(at) = chain.decl {
                    out.push(Unreachable {
                        at,
                        table: table.name.as_str(),
                        chain: chain.name.to_string(),
                        why: Why::UnusedChain(chain.name.to_string()),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::iptables::parse;

    fn unreachable_in(text: &str) -> Vec<(u32, Option<u32>)> {
        let ast = parse(text);
        let mut rs = Ruleset::new(Family::Ipv4);
        let batch = super::super::ruleset::Batch {
            ast: &ast,
            file: FileId(0),
            noflush: false,
            at: super::super::ruleset::Origin::File,
        };
        assert!(rs.apply(&batch).is_empty());
        let line = |at: Location| text[..at.span.start as usize].matches('\n').count() as u32 + 1;
        unreachable(&rs, &|_| true, true)
            .into_iter()
            .map(|u| {
                let by = match u.why {
                    Why::Shadowed { by, .. } => Some(line(by)),
                    _ => None,
                };
                (line(u.at), by)
            })
            .collect()
    }

    /// Earlier rules are indexed by destination address and port: the rule reported as the
    /// shadowing one is still the first in the chain, whichever index holds it.
    #[test]
    fn earliest_covering_rule_across_indexes() {
        let text = "*filter\n:INPUT ACCEPT [0:0]\n\
                    -A INPUT -d 192.0.2.1/32 -j ACCEPT\n\
                    -A INPUT -p tcp -m tcp --dport 22 -j DROP\n\
                    -A INPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT\n\
                    -A INPUT -d 192.0.2.2/32 -p tcp -m tcp --dport 22 -j ACCEPT\n\
                    -A INPUT -d 192.0.2.3/32 -p tcp -m tcp --dport 2222 -j ACCEPT\n\
                    COMMIT\n";
        assert_eq!(unreachable_in(text), vec![(5, Some(3)), (6, Some(4))]);
    }

    /// Thousands of rules for distinct ports and addresses: none shadows another.
    #[test]
    fn distinct_ports_and_addresses_shadow_nothing() {
        let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
        for i in 0..3000 {
            text.push_str(&format!("-A INPUT -p tcp -m tcp --dport {} -j ACCEPT\n", 30000 + i));
            text.push_str(&format!("-A INPUT -d 10.0.{}.{}/32 -p tcp -m tcp --dport 80 -j REJECT\n", i / 250, i % 250));
        }
        text.push_str("-A INPUT -p tcp -m tcp --dport 30005 -j DROP\nCOMMIT\n");
        let n = text.matches('\n').count() as u32;
        assert_eq!(unreachable_in(&text), vec![(n - 1, Some(2 + 2 * 5 + 1))]);
    }
}
