//! The tables the kernel ends up with after one or more iptables-restore runs: each `*table …
//! COMMIT` batch applied the way iptables-restore 1.8 (nf_tables) applies it (a table flushed
//! unless `--noflush`, chain lines flushing user chains and setting built-in policies, every
//! command in order), and the checks the kernel and iptables make on the result (undefined
//! chains, loops reachable from a built-in chain, targets outside their table or hook).
//!
//! A batch with an error is not applied: the host keeps what it had (`reference/firewalls.md`
//! §1.1, §1.3; checked by `tests/differential_iptables.rs`).

use crate::ast::iptables::{
    Command, CommandKind, Family, IptablesAst, Line, RuleId, RuleRef, Store, TableName, TargetKind,
};
use crate::diagnostic::Label;
use crate::source::{FileId, Location, Span};
use rustc_hash::FxHashMap as HashMap;
use smallvec::SmallVec;
use std::rc::Rc;

/// Which check a problem comes from (the rules layer maps these to FW002–FW004).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    UndefinedChain,
    Loop,
    InvalidUse,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub at: Location,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Label>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    Accept,
    Drop,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Accept => "ACCEPT",
            Policy::Drop => "DROP",
        }
    }
}

/// One rule as loaded, with where it came from. 32 bytes: a kube-proxy ruleset has hundreds
/// of thousands.
#[derive(Clone)]
pub struct Entry {
    store: Rc<Store>,
    rule: RuleId,
    /// The chain the rule jumps or goes to, by index ([`Entry::NO_JUMP`] for a target
    /// extension or a chain that does not exist).
    jump: u32,
    pub at: Location,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("rule", &self.rule()).field("jump", &self.jump()).field("at", &self.at).finish()
    }
}

impl Entry {
    const NO_JUMP: u32 = u32::MAX;

    pub fn new(store: Rc<Store>, rule: RuleId, at: Location) -> Entry {
        Entry { store, rule, jump: Entry::NO_JUMP, at }
    }

    /// The index of the chain this rule jumps or goes to (`None` for a target extension).
    pub fn jump(&self) -> Option<usize> {
        (self.jump != Entry::NO_JUMP).then_some(self.jump as usize)
    }

    /// The rule as written. An `-E` rename of the chain it jumps to does not change it: the
    /// chain's current name is [`Table::target_name`].
    pub fn rule(&self) -> RuleRef<'_> {
        self.store.rule(self.rule)
    }
}

/// A chain's rules: most chains of a big ruleset (kube-proxy's per-endpoint chains) have one
/// or two, which stay inline.
pub type Rules = SmallVec<[Entry; 2]>;

#[derive(Clone, Debug)]
pub struct Chain {
    pub name: Rc<str>,
    pub builtin: bool,
    pub policy: Policy,
    /// The line that set the policy (`:INPUT DROP`, `-P`), if any did.
    pub policy_at: Option<Location>,
    /// The line that declared a user chain.
    pub decl: Option<Location>,
    pub rules: Rules,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: TableName,
    pub chains: Vec<Chain>,
    /// Chain name → index (kube-proxy tables have tens of thousands of chains).
    index: HashMap<Rc<str>, u32>,
}

impl Table {
    fn fresh(name: TableName) -> Table {
        let chains = name
            .builtin_chains()
            .iter()
            .map(|c| Chain {
                name: (*c).into(),
                builtin: true,
                policy: Policy::Accept,
                policy_at: None,
                decl: None,
                rules: Rules::new(),
            })
            .collect();
        let mut t = Table { name, chains, index: HashMap::default() };
        t.reindex();
        t
    }

    pub fn chain(&self, name: &str) -> Option<usize> {
        self.index.get(name).map(|&i| i as usize)
    }

    /// The name of the chain a rule jumps or goes to as it is now (after any `-E`), or the
    /// target extension's name.
    pub fn target_name<'a>(&'a self, e: &'a Entry) -> Option<&'a str> {
        match e.jump().and_then(|j| self.chains.get(j)) {
            Some(c) => Some(&c.name),
            None => e.rule().target_name(),
        }
    }

    /// Declare a user chain (`:NAME - [0:0]` or `-N NAME`), noting it as created by this run.
    fn create(&mut self, name: &str, decl: Location, created: &mut Vec<Rc<str>>) {
        let name: Rc<str> = name.into();
        created.push(name.clone());
        self.index.insert(name.clone(), self.chains.len() as u32);
        let policy_at = None;
        self.chains.push(Chain {
            name,
            builtin: false,
            policy: Policy::Accept,
            policy_at,
            decl: Some(decl),
            rules: Rules::new(),
        });
    }

    fn reindex(&mut self) {
        self.index = self.chains.iter().enumerate().map(|(i, c)| (c.name.clone(), i as u32)).collect();
    }

    /// The chain a rule jumps or goes to, if it names one that exists.
    fn resolve(&self, e: &Entry) -> u32 {
        e.rule()
            .target_name()
            .filter(|n| !is_extension(n))
            .and_then(|n| self.index.get(n).copied())
            .unwrap_or(Entry::NO_JUMP)
    }

    /// Resolve the jumps and gotos that did not resolve when their rule was added (the chain
    /// was declared later), so that walks through the table do not look chain names up.
    fn link(&mut self) {
        let mut chains = std::mem::take(&mut self.chains);
        for e in chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
            if e.jump == Entry::NO_JUMP {
                e.jump = self.resolve(e);
            }
        }
        self.chains = chains;
    }
}

/// Every table of one address family.
#[derive(Clone, Debug)]
pub struct Ruleset {
    pub family: Family,
    pub tables: Vec<Table>,
}

/// One iptables-restore run: a parsed file, whether `--noflush` was given, and where its lines
/// come from.
pub struct Batch<'a> {
    pub ast: &'a IptablesAst,
    pub file: FileId,
    pub noflush: bool,
    pub at: Origin<'a>,
}

/// Where the lines of a batch point.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// At themselves, in `Batch::file`.
    File,
    /// Lines sshlint synthesises (ufw-init's own): at the configuration line they stand for.
    Fixed(Location),
    /// Lines synthesised from many configuration elements (firewalld): `(offset, location)`
    /// sorted by offset; a line points where the last entry at or before its start does.
    Lines(&'a [(u32, Location)]),
}

impl Origin<'_> {
    pub fn locate(&self, file: FileId, span: Span) -> Location {
        match self {
            Origin::File => Location { file, span },
            Origin::Fixed(at) => *at,
            Origin::Lines(map) => {
                let i = map.partition_point(|(o, _)| *o <= span.start);
                map.get(i.wrapping_sub(1)).map_or(Location { file, span }, |(_, at)| *at)
            }
        }
    }
}

pub use crate::ast::iptables::is_target_extension as is_extension;

/// The netfilter hooks a built-in chain is attached to.
fn hook_of(chain: &str) -> u8 {
    match chain {
        "PREROUTING" => 1,
        "INPUT" => 2,
        "FORWARD" => 4,
        "OUTPUT" => 8,
        "POSTROUTING" => 16,
        _ => 0,
    }
}

fn hook_names(mask: u8) -> String {
    ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Ruleset {
    pub fn new(family: Family) -> Ruleset {
        Ruleset { family, tables: Vec::new() }
    }

    /// The rule loaded from a location.
    pub fn entry_at(&self, at: Location) -> Option<&Entry> {
        self.tables.iter().flat_map(|t| t.chains.iter()).flat_map(|c| c.rules.iter()).find(|e| e.at == at)
    }

    pub fn table(&self, name: TableName) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    fn table_mut(&mut self, name: TableName) -> &mut Table {
        if let Some(i) = self.tables.iter().position(|t| t.name == name) {
            return &mut self.tables[i];
        }
        self.tables.push(Table::fresh(name));
        let last = self.tables.len() - 1;
        &mut self.tables[last]
    }

    /// Apply one restore run. Returns the problems that make it fail; on failure nothing of
    /// the batch is applied.
    pub fn apply(&mut self, batch: &Batch) -> Vec<Problem> {
        // iptables-restore stops at the first line it cannot parse: nothing of the run is
        // loaded (the syntax errors themselves are FW001's).
        if !batch.ast.errors().is_empty() {
            return Vec::new();
        }
        let mut next = self.clone();
        let mut problems = Vec::new();
        for t in &batch.ast.tables {
            let Some(name) = t.name else { continue };
            if !batch.noflush {
                let fresh = Table::fresh(name);
                *next.table_mut(name) = fresh;
            } else {
                next.table_mut(name);
            }
            let mut created: Vec<Rc<str>> = Vec::new();
            let store = &batch.ast.store;
            let text = |w: &crate::ast::iptables::Word| store.text(w);
            for line in &t.lines {
                let at = |span: Span| batch.at.locate(batch.file, span);
                match line {
                    Line::Invalid(_) => {}
                    Line::Chain(d) => {
                        let table = next.table_mut(name);
                        let (name, policy) = (text(&d.name), text(&d.policy));
                        if d.builtin && policy == "-" {
                            // `:INPUT -` leaves the built-in chain's policy as it is.
                        } else if d.builtin {
                            match parse_policy(policy) {
                                Some(p) => {
                                    if let Some(i) = table.chain(name) {
                                        table.chains[i].policy = p;
                                        table.chains[i].policy_at = Some(at(d.span));
                                    }
                                }
                                None => problems.push(invalid(
                                    at(d.policy.span()),
                                    format!(
                                        "`{policy}` is not a chain policy: a built-in chain's policy is ACCEPT or DROP"
                                    ),
                                )),
                            }
                        } else {
                            match table.chain(name) {
                                Some(i) => table.chains[i].rules.clear(),
                                None => table.create(name, at(d.span), &mut created),
                            }
                        }
                    }
                    Line::Command(c) => {
                        let table = next.table_mut(name);
                        if let Some(p) = command(table, store, c, at(c.span), &mut created) {
                            problems.push(p);
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            return problems;
        }
        for t in &mut next.tables {
            t.link();
            problems.extend(check_table(t));
        }
        if problems.is_empty() {
            *self = next;
        }
        problems
    }
}

fn parse_policy(s: &str) -> Option<Policy> {
    match s {
        "ACCEPT" => Some(Policy::Accept),
        "DROP" => Some(Policy::Drop),
        _ => None,
    }
}

fn invalid(at: Location, message: String) -> Problem {
    Problem { kind: ProblemKind::InvalidUse, at, message, help: None, related: Vec::new() }
}

fn undefined(at: Location, message: String) -> Problem {
    Problem { kind: ProblemKind::UndefinedChain, at, message, help: None, related: Vec::new() }
}

/// Apply one command; the problem that makes iptables-restore fail, if any.
fn command(
    table: &mut Table,
    store: &Rc<Store>,
    c: &Command,
    at: Location,
    created: &mut Vec<Rc<str>>,
) -> Option<Problem> {
    let chain_name = c.chain.as_ref().map(|w| store.text(w));
    let idx = chain_name.and_then(|n| table.chain(n));
    let missing = |n: &str| {
        Some(
            undefined(at, format!("chain `{n}` does not exist in table {}", table.name.as_str()))
                .with_help("declare it first (`:NAME - [0:0]` or `-N NAME`) in the same table block"),
        )
    };
    let rulenum = c.rulenum().and_then(|w| store.text(w).parse::<usize>().ok());
    match c.kind {
        CommandKind::Append | CommandKind::Insert => {
            let name = chain_name?;
            let Some(i) = idx else { return missing(name) };
            let mut entry = Entry::new(store.clone(), c.rule, at);
            entry.jump = table.resolve(&entry);
            let rules = &mut table.chains[i].rules;
            if c.kind == CommandKind::Append {
                rules.push(entry);
            } else {
                let n = rulenum.unwrap_or(1).max(1);
                if n > rules.len() + 1 {
                    return Some(invalid(
                        at,
                        format!("insertion index {n} is past the end of chain `{name}` ({} rules)", rules.len()),
                    ));
                }
                rules.insert(n - 1, entry);
            }
            None
        }
        CommandKind::Delete => {
            let name = chain_name?;
            let Some(i) = idx else { return missing(name) };
            let rules = &mut table.chains[i].rules;
            let pos = match rulenum {
                Some(n) if n >= 1 && n <= rules.len() => Some(n - 1),
                Some(_) => None,
                None => rules.iter().position(|e| same_rule(e.rule(), store.rule(c.rule))),
            };
            match pos {
                Some(p) => {
                    rules.remove(p);
                    None
                }
                None => Some(invalid(at, format!("`-D` names a rule that is not in chain `{name}`"))),
            }
        }
        CommandKind::Replace => Some(
            invalid(at, "`-R` makes iptables-restore 1.8.9 (nf_tables) crash, so the file does not load".into())
                .with_help("delete the rule and insert the new one (`-D` then `-I`)"),
        ),
        CommandKind::Flush => {
            match (chain_name, idx) {
                (None, _) => table.chains.iter_mut().for_each(|ch| ch.rules.clear()),
                (Some(_), Some(i)) => table.chains[i].rules.clear(),
                (Some(n), None) => return missing(n),
            }
            None
        }
        CommandKind::NewChain => {
            let name = chain_name?;
            if idx.is_some() {
                return Some(invalid(at, format!("chain `{name}` already exists")));
            }
            table.create(name, at, created);
            None
        }
        CommandKind::DeleteChain => {
            let victims: Vec<usize> = match (chain_name, idx) {
                (None, _) => (0..table.chains.len()).filter(|&i| !table.chains[i].builtin).collect(),
                (Some(_), Some(i)) if !table.chains[i].builtin => vec![i],
                (Some(n), Some(_)) => {
                    return Some(invalid(at, format!("`{n}` is a built-in chain and cannot be deleted")));
                }
                (Some(n), None) => return missing(n),
            };
            let mut doomed = vec![false; table.chains.len()];
            for &i in &victims {
                doomed[i] = true;
            }
            // Chains a rule of a chain that stays jumps to.
            let mut referenced = vec![false; table.chains.len()];
            let kept = table.chains.iter().enumerate().filter(|(k, _)| !doomed[*k]);
            for j in kept.flat_map(|(_, c)| c.rules.iter()).filter_map(Entry::jump) {
                referenced[j] = true;
            }
            for &i in &victims {
                let ch = &table.chains[i];
                if (chain_name.is_some() && !ch.rules.is_empty()) || referenced[i] {
                    return Some(invalid(
                        at,
                        format!("chain `{}` is not empty or still referenced, so it cannot be deleted", ch.name),
                    ));
                }
            }
            // The chains that stay move down: renumber the jumps to them.
            let mut renumber = vec![Entry::NO_JUMP; doomed.len()];
            let mut next = 0;
            for (i, gone) in doomed.iter().enumerate() {
                if !gone {
                    renumber[i] = next;
                    next += 1;
                }
            }
            let mut i = 0;
            table.chains.retain(|_| {
                i += 1;
                !doomed[i - 1]
            });
            for e in table.chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
                if let Some(j) = e.jump() {
                    e.jump = renumber.get(j).copied().unwrap_or(Entry::NO_JUMP);
                }
            }
            table.reindex();
            None
        }
        CommandKind::Policy => {
            let name = chain_name?;
            let Some(i) = idx else { return missing(name) };
            if !table.chains[i].builtin {
                return Some(invalid(
                    at,
                    format!("`{name}` is not a built-in chain: only built-in chains have a policy"),
                ));
            }
            let word = store.text(c.policy_or_new_name()?);
            match parse_policy(word) {
                Some(p) => {
                    table.chains[i].policy = p;
                    table.chains[i].policy_at = Some(at);
                    None
                }
                None => Some(invalid(
                    at,
                    format!("`{word}` is not a chain policy: a built-in chain's policy is ACCEPT or DROP"),
                )),
            }
        }
        CommandKind::Rename => {
            let name = chain_name?;
            let Some(i) = idx else { return missing(name) };
            let new = store.text(c.policy_or_new_name()?);
            if created.iter().any(|c| &**c == name) {
                return Some(
                    invalid(
                        at,
                        format!("iptables-restore (nf_tables) cannot rename chain `{name}` created in the same file"),
                    )
                    .with_help("declare the chain under its final name"),
                );
            }
            if table.chain(new).is_some() {
                return Some(invalid(at, format!("chain `{new}` already exists")));
            }
            // Rules jump to the chain by index: they follow it to its new name.
            table.chains[i].name = new.into();
            table.reindex();
            None
        }
        CommandKind::Check | CommandKind::List | CommandKind::ListRules | CommandKind::Zero => None,
    }
}

impl Problem {
    fn with_help(mut self, help: &str) -> Problem {
        self.help = Some(help.to_string());
        self
    }
}

/// Rules compared the way `-D` compares them: same options and arguments (addresses
/// normalised), in any order of modules.
fn same_rule(a: RuleRef, b: RuleRef) -> bool {
    fn sig(r: RuleRef) -> Vec<String> {
        let mut v: Vec<String> = r
            .params()
            .map(|o| {
                let args: Vec<String> = o
                    .args()
                    .map(|w| {
                        if matches!(o.canonical(), "--source" | "--destination") && !w.contains('/') {
                            format!("{w}/{}", if w.contains(':') { 128 } else { 32 })
                        } else {
                            w.to_string()
                        }
                    })
                    .collect();
                format!("{}{} {}", if o.is_negated() { "!" } else { "" }, o.canonical(), args.join(" "))
            })
            .collect();
        for m in r.matches() {
            for o in m.options() {
                let args: Vec<&str> = o.args().collect();
                v.push(format!(
                    "{}:{}{} {}",
                    m.name(),
                    if o.is_negated() { "!" } else { "" },
                    o.canonical(),
                    args.join(" ")
                ));
            }
        }
        v.sort();
        if let Some(t) = r.target() {
            v.push(format!("{:?} {}", t.kind(), t.name()));
            for o in t.options() {
                let args: Vec<&str> = o.args().collect();
                v.push(format!("{} {}", o.canonical(), args.join(" ")));
            }
        }
        v
    }
    sig(a) == sig(b)
}

/// What the kernel (and iptables' final checks) refuse in a committed table: jumps to chains
/// that do not exist or to built-in chains, loops reachable from a built-in chain, and targets
/// used outside the table or hooks they are valid in.
fn check_table(t: &Table) -> Vec<Problem> {
    let mut out = Vec::new();
    // Hooks each chain is reachable from, and the first jump that reaches a chain again.
    let n = t.chains.len();
    let mut hooks = vec![0u8; n];
    for (i, ch) in t.chains.iter().enumerate() {
        if ch.builtin {
            hooks[i] = hook_of(&ch.name);
        }
    }
    // Jumps out of each chain, flat: chain i's are `edges[starts[i]..starts[i + 1]]`.
    let mut starts = Vec::with_capacity(n + 1);
    let mut edges: Vec<(usize, Location)> = Vec::new();
    for ch in &t.chains {
        starts.push(edges.len());
        edges.extend(ch.rules.iter().filter_map(|e| e.jump().map(|j| (j, e.at))));
    }
    starts.push(edges.len());
    let jumps = |i: usize| &edges[starts[i]..starts[i + 1]];
    // Propagate hooks along jumps (worklist).
    let mut work: Vec<usize> = (0..n).filter(|&i| hooks[i] != 0).collect();
    while let Some(i) = work.pop() {
        for &(j, _) in jumps(i) {
            if !t.chains[j].builtin && hooks[j] | hooks[i] != hooks[j] {
                hooks[j] |= hooks[i];
                work.push(j);
            }
        }
    }
    for (i, ch) in t.chains.iter().enumerate() {
        for e in &ch.rules {
            let rule = e.rule();
            let Some(target) = rule.target() else { continue };
            let name = target.name();
            if is_extension(name) {
                if let Some(p) = target_problem(t.name, name, rule, hooks[i], e.at) {
                    out.push(p);
                }
            } else {
                match e.jump() {
                    None => out.push(
                        undefined(
                            e.at,
                            format!(
                                "`{} {name}`: there is no chain `{name}` in table {} and no target extension of that name",
                                if target.kind() == TargetKind::Goto { "-g" } else { "-j" },
                                t.name.as_str()
                            ),
                        )
                        .with_help(if name.chars().any(|c| c.is_ascii_lowercase()) && is_extension(&name.to_ascii_uppercase()) {
                            "target names are case-sensitive: write it in upper case"
                        } else {
                            "declare the chain in this table block, or fix the name"
                        }),
                    ),
                    Some(j) if t.chains[j].builtin => out.push(invalid(
                        e.at,
                        format!("`{}` is a built-in chain: rules cannot jump to it", t.chains[j].name),
                    )),
                    Some(_) => {}
                }
            }
            // `-o` where there is no output interface yet, `-i` where there is no input one.
            for o in rule.params() {
                if matches!(o.canonical(), "--source" | "--destination")
                    && o.is_negated()
                    && o.arg().is_some_and(|a| a.ends_with("/0"))
                {
                    out.push(invalid(
                        e.at,
                        format!(
                            "`! {} {}` matches nothing: iptables (nf_tables) refuses it",
                            o.name(),
                            o.arg().unwrap_or("")
                        ),
                    ));
                }
                let bad_hooks = match o.canonical() {
                    "--out-interface" => 1 | 2,
                    "--in-interface" => 8 | 16,
                    _ => 0,
                };
                if ch.builtin && hook_of(&ch.name) & bad_hooks != 0 {
                    out.push(invalid(e.at, format!("`{}` cannot be used in chain {}", o.name(), ch.name)));
                }
            }
        }
    }
    // Loops reachable from a built-in chain.
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for start in 0..n {
        if t.chains[start].builtin {
            // (chain, position in its jumps)
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            state[start] = 1;
            while let Some((node, pos)) = stack.last_mut() {
                let Some(&(next, at)) = jumps(*node).get(*pos) else {
                    state[*node] = 2;
                    stack.pop();
                    continue;
                };
                *pos += 1;
                match state[next] {
                    0 => {
                        state[next] = 1;
                        stack.push((next, 0));
                    }
                    1 => {
                        let path: Vec<String> = stack
                            .iter()
                            .skip_while(|(c, _)| *c != next)
                            .map(|(c, _)| t.chains[*c].name.to_string())
                            .chain(std::iter::once(t.chains[next].name.to_string()))
                            .collect();
                        out.push(Problem {
                            kind: ProblemKind::Loop,
                            at,
                            message: format!(
                                "chains jump in a circle ({}), reachable from {}: the kernel refuses the table (\"Too many links\")",
                                path.join(" → "),
                                t.chains[start].name
                            ),
                            help: Some("remove one of the jumps in this circle".into()),
                            related: Vec::new(),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    out.sort_by_key(|p| (p.at.file, p.at.span.start));
    out.dedup_by(|a, b| a.at == b.at && a.message == b.message);
    out
}

/// A target extension used where the kernel refuses it.
fn target_problem(table: TableName, name: &str, rule: RuleRef, hooks: u8, at: Location) -> Option<Problem> {
    let allowed: Option<(&[TableName], u8)> = match name {
        "REJECT" => Some((&[TableName::Filter], 2 | 4 | 8)),
        "DNAT" | "REDIRECT" => Some((&[TableName::Nat], 1 | 8)),
        "SNAT" => Some((&[TableName::Nat], 2 | 16)),
        "MASQUERADE" => Some((&[TableName::Nat], 16)),
        "CT" | "NOTRACK" => Some((&[TableName::Raw], 1 | 8)),
        "TPROXY" => Some((&[TableName::Mangle], 1)),
        "DROP" if table == TableName::Nat => {
            return Some(invalid(at, "the nat table is not for filtering: iptables refuses DROP there".into()));
        }
        _ => None,
    };
    if let Some((tables, hook_mask)) = allowed {
        if !tables.contains(&table) {
            let names: Vec<&str> = tables.iter().map(|t| t.as_str()).collect();
            return Some(
                invalid(
                    at,
                    format!("`{name}` is valid only in the {} table, not in {}", names.join("/"), table.as_str()),
                )
                .with_help("move the rule to a chain of that table"),
            );
        }
        if hooks & !hook_mask != 0 {
            return Some(invalid(
                at,
                format!(
                    "`{name}` is valid only in {} but this rule is reached from {}",
                    hook_names(hook_mask),
                    hook_names(hooks & !hook_mask)
                ),
            ));
        }
    }
    if name == "REJECT" {
        let reset = rule.target().and_then(|t| t.option("--reject-with")).is_some_and(|w| w == "tcp-reset");
        let tcp_only = rule.params().any(|o| {
            o.canonical() == "--protocol"
                && !o.is_negated()
                && o.arg().is_some_and(|p| p.eq_ignore_ascii_case("tcp") || p == "6")
        });
        if reset && !tcp_only {
            return Some(
                invalid(
                    at,
                    "`--reject-with tcp-reset` on a rule that does not match only TCP: the kernel refuses it".into(),
                )
                .with_help("add `-p tcp`, or reject with an ICMP type"),
            );
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::iptables::parse;

    /// Apply files in order, the first flushing, the rest with `--noflush`; the problems of each.
    fn load(files: &[&str]) -> (Ruleset, Vec<Vec<Problem>>) {
        let mut rs = Ruleset::new(Family::Ipv4);
        let problems = files
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let ast = parse(*text);
                assert!(ast.errors().is_empty(), "{:?}", ast.errors());
                rs.apply(&Batch { ast: &ast, file: FileId(i as u32), noflush: i > 0, at: Origin::File })
            })
            .collect();
        (rs, problems)
    }

    fn jump_of_first_input_rule(rs: &Ruleset) -> Option<&str> {
        let t = rs.table(TableName::Filter)?;
        let input = t.chain("INPUT")?;
        t.target_name(t.chains[input].rules.first()?)
    }

    const BASE: &str =
        "*filter\n:INPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n:C - [0:0]\n-A INPUT -j C\n-A C -j DROP\nCOMMIT\n";

    #[test]
    fn a_renamed_chain_keeps_its_jumps() {
        let (rs, problems) = load(&[BASE, "*filter\n-E C RENAMED\nCOMMIT\n"]);
        assert!(problems.iter().all(Vec::is_empty), "{problems:?}");
        assert_eq!(jump_of_first_input_rule(&rs), Some("RENAMED"));
        let t = rs.table(TableName::Filter).unwrap();
        assert_eq!(t.chain("C"), None);
        // The old name is gone: a new jump to it is a jump to nothing.
        let (_, problems) = load(&[BASE, "*filter\n-E C RENAMED\nCOMMIT\n", "*filter\n-A INPUT -j C\nCOMMIT\n"]);
        assert_eq!(problems[2].len(), 1);
        assert_eq!(problems[2][0].kind, ProblemKind::UndefinedChain);
    }

    #[test]
    fn deleting_a_chain_renumbers_the_jumps_to_the_chains_after_it() {
        let (rs, problems) = load(&[BASE, "*filter\n-X B\n-X A\nCOMMIT\n"]);
        assert!(problems.iter().all(Vec::is_empty), "{problems:?}");
        assert_eq!(jump_of_first_input_rule(&rs), Some("C"));
        let t = rs.table(TableName::Filter).unwrap();
        let input = &t.chains[t.chain("INPUT").unwrap()];
        assert_eq!(input.rules[0].jump(), t.chain("C"));
    }

    #[test]
    fn a_referenced_chain_cannot_be_deleted() {
        let (rs, problems) = load(&[BASE, "*filter\n-F C\n-X C\nCOMMIT\n"]);
        assert_eq!(problems[1].len(), 1, "{problems:?}");
        assert!(problems[1][0].message.contains("still referenced"));
        // The failed batch left the ruleset as it was.
        assert_eq!(jump_of_first_input_rule(&rs), Some("C"));
    }
}
