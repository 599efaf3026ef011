//! The tables the kernel ends up with after one or more iptables-restore runs: each `*table …
//! COMMIT` batch applied the way iptables-restore 1.8 (nf_tables) applies it (a table flushed
//! unless `--noflush`, chain lines flushing user chains and setting built-in policies, every
//! command in order), and the checks the kernel and iptables make on the result (undefined
//! chains, loops reachable from a built-in chain, targets outside their table or hook).
//!
//! A batch with an error is not applied: the host keeps what it had (`reference/firewalls.md`
//! §1.1, §1.3; checked by `tests/differential_iptables.rs`).

use crate::ast::iptables::{
    Command, CommandKind, Family, IptablesAst, Line, RuleHandle, RuleRef, Store, TableName, TargetKind,
};
use crate::diagnostic::Label;
use crate::source::{FileId, Location, Span};
use rustc_hash::FxHashMap as HashMap;
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

/// One rule as loaded, with where it came from.
#[derive(Clone, Debug)]
pub struct Entry {
    handle: RuleHandle,
    /// The target's new name after `-E` renamed the chain it jumps to.
    renamed: Option<Rc<str>>,
    /// The chain the rule jumps or goes to, by index (set once the tables are loaded).
    jump: Option<u32>,
    pub at: Location,
}

impl Entry {
    pub fn new(handle: RuleHandle, at: Location) -> Entry {
        Entry { handle, renamed: None, jump: None, at }
    }

    /// The index of the chain this rule jumps or goes to (`None` for a target extension).
    pub fn jump(&self) -> Option<usize> {
        self.jump.map(|j| j as usize)
    }

    /// The rule (with its target renamed by `-E`, if it was).
    pub fn rule(&self) -> RuleRef<'_> {
        self.handle.get().renamed(self.renamed.as_deref())
    }
}

#[derive(Clone, Debug)]
pub struct Chain {
    pub name: String,
    pub builtin: bool,
    pub policy: Policy,
    /// The line that set the policy (`:INPUT DROP`, `-P`), if any did.
    pub policy_at: Option<Location>,
    /// The line that declared a user chain.
    pub decl: Option<Location>,
    pub rules: Vec<Entry>,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub name: TableName,
    pub chains: Vec<Chain>,
    /// Chain name → index (kube-proxy tables have tens of thousands of chains).
    index: HashMap<String, usize>,
}

impl Table {
    fn fresh(name: TableName) -> Table {
        let chains = name
            .builtin_chains()
            .iter()
            .map(|c| Chain {
                name: (*c).to_string(),
                builtin: true,
                policy: Policy::Accept,
                policy_at: None,
                decl: None,
                rules: Vec::new(),
            })
            .collect();
        let mut t = Table { name, chains, index: HashMap::default() };
        t.reindex();
        t
    }

    pub fn chain(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn push_chain(&mut self, chain: Chain) {
        self.index.insert(chain.name.clone(), self.chains.len());
        self.chains.push(chain);
    }

    fn reindex(&mut self) {
        self.index = self.chains.iter().enumerate().map(|(i, c)| (c.name.clone(), i)).collect();
    }

    /// The chain a rule jumps or goes to, if it names one that exists.
    fn resolve(&self, e: &Entry) -> Option<u32> {
        e.rule().target_name().filter(|n| !is_extension(n)).and_then(|n| self.chain(n)).map(|i| i as u32)
    }

    /// Resolve the jumps and gotos to chain indexes, so that walks through the table do not
    /// look chain names up. Rules resolve when they are added; after `-X` or `-E` every rule
    /// is resolved again.
    fn link(&mut self, all: bool) {
        let mut chains = std::mem::take(&mut self.chains);
        for e in chains.iter_mut().flat_map(|c| c.rules.iter_mut()) {
            if all || e.jump.is_none() {
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

/// One iptables-restore run: a parsed file, whether `--noflush` was given, and, for rules
/// sshlint synthesises (ufw-init's own lines), the configuration line they stand for.
pub struct Batch<'a> {
    pub ast: &'a IptablesAst,
    pub file: FileId,
    pub noflush: bool,
    pub at: Option<Location>,
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
        // Chains were deleted or renamed: chain indexes or names changed.
        let mut relink = false;
        for t in &batch.ast.tables {
            let Some(name) = t.name else { continue };
            if !batch.noflush {
                let fresh = Table::fresh(name);
                *next.table_mut(name) = fresh;
            } else {
                next.table_mut(name);
            }
            let mut created: Vec<String> = Vec::new();
            let store = &batch.ast.store;
            let text = |w: &crate::ast::iptables::Word| store.text(w);
            for line in &t.lines {
                let at = |span: Span| batch.at.unwrap_or(Location { file: batch.file, span });
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
                                    at(d.policy.span),
                                    format!(
                                        "`{policy}` is not a chain policy: a built-in chain's policy is ACCEPT or DROP"
                                    ),
                                )),
                            }
                        } else {
                            match table.chain(name) {
                                Some(i) => table.chains[i].rules.clear(),
                                None => {
                                    created.push(name.to_string());
                                    table.push_chain(Chain {
                                        name: name.to_string(),
                                        builtin: false,
                                        policy: Policy::Accept,
                                        policy_at: None,
                                        decl: Some(at(d.span)),
                                        rules: Vec::new(),
                                    });
                                }
                            }
                        }
                    }
                    Line::Command(c) => {
                        relink |= matches!(c.kind, CommandKind::DeleteChain | CommandKind::Rename);
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
            t.link(relink);
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
    created: &mut Vec<String>,
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
            let mut entry = Entry::new(RuleHandle::new(store.clone(), c.rule), at);
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
            created.push(name.to_string());
            table.push_chain(Chain {
                name: name.to_string(),
                builtin: false,
                policy: Policy::Accept,
                policy_at: None,
                decl: Some(at),
                rules: Vec::new(),
            });
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
            let names: std::collections::HashSet<String> =
                victims.iter().map(|&i| table.chains[i].name.clone()).collect();
            // Targets of rules in chains that stay.
            let kept_targets: std::collections::HashSet<&str> = table
                .chains
                .iter()
                .filter(|c| !names.contains(&c.name))
                .flat_map(|c| c.rules.iter())
                .filter_map(|e| e.rule().target_name())
                .collect();
            for &i in &victims {
                let ch = &table.chains[i];
                let referenced = kept_targets.contains(ch.name.as_str());
                if (chain_name.is_some() && !ch.rules.is_empty()) || referenced {
                    return Some(invalid(
                        at,
                        format!("chain `{}` is not empty or still referenced, so it cannot be deleted", ch.name),
                    ));
                }
            }
            table.chains.retain(|ch| !names.contains(&ch.name));
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
            let new = store.text(c.policy_or_new_name()?).to_string();
            if created.iter().any(|c| c == name) {
                return Some(
                    invalid(
                        at,
                        format!("iptables-restore (nf_tables) cannot rename chain `{name}` created in the same file"),
                    )
                    .with_help("declare the chain under its final name"),
                );
            }
            if table.chain(&new).is_some() {
                return Some(invalid(at, format!("chain `{new}` already exists")));
            }
            table.chains[i].name = new.clone();
            table.reindex();
            let renamed: Rc<str> = new.as_str().into();
            for ch in &mut table.chains {
                for e in &mut ch.rules {
                    if e.rule().target_name() == Some(name) {
                        e.renamed = Some(renamed.clone());
                    }
                }
            }
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
    let edges: Vec<Vec<(usize, Location)>> =
        (0..n).map(|i| t.chains[i].rules.iter().filter_map(|e| e.jump().map(|j| (j, e.at))).collect()).collect();
    // Propagate hooks along jumps (worklist).
    let mut work: Vec<usize> = (0..n).filter(|&i| hooks[i] != 0).collect();
    while let Some(i) = work.pop() {
        for &(j, _) in &edges[i] {
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
                match t.chain(name) {
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
                        format!("`{name}` is a built-in chain: rules cannot jump to it"),
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
                let Some(&(next, at)) = edges[*node].get(*pos) else {
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
                            .map(|(c, _)| t.chains[*c].name.clone())
                            .chain(std::iter::once(t.chains[next].name.clone()))
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
