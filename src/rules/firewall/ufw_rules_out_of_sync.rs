//! FW203 `ufw-rules-out-of-sync`.

use crate::ast::iptables::{Command, CommandKind, Family, IptablesAst, Line, TargetKind};
use crate::ast::ufw::UserLineKind;
use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::firewall::ufw::Ufw;
use crate::model::firewall::ufw_app::spec_list;
use crate::model::firewall::ufw_tuple::{
    Action, NoteKind, ReadTuple, UfwRule, UserRules, frame_lines, interface_ok, normalise, port_items,
    rate_limit_lines, valid_address,
};
use crate::model::reach::{self, Listener};
use crate::rules::Context;
use crate::source::{Location, Span};
use std::collections::{HashMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Reports ufw state that the `ufw` command will not keep or cannot use: lines of
    /// `user.rules`/`user6.rules` that no `### tuple ###` comment generates (hand edits), lines a
    /// tuple generates that are missing or stand out of tuple order, hand edits of the parts ufw
    /// writes itself (the chain declarations, the `### LOGGING ###` and `### RATE LIMITING ###`
    /// sections), tuples ufw skips as malformed or reads differently than they look, text that
    /// makes every `ufw` command fail (bytes that are not UTF-8, ` comment=` twice on a line, a
    /// missing `/etc/ufw/applications.d`), tuples whose application profile is missing or now
    /// lists other ports, and application profiles that ufw skips or overrides.
    ///
    /// ## Why is this bad?
    /// The `ufw` command rewrites `user.rules` and `user6.rules` in full on `ufw enable`,
    /// `ufw reload`, `ufw logging` and every rule change, and writes the iptables lines only
    /// from the tuple comments, in tuple order, with a header and logging and rate limiting
    /// sections of its own. A rule added by editing the file works until then and silently
    /// disappears the next time anyone runs `ufw allow`: if it was the rule admitting SSH on a
    /// custom port, that is a lockout waiting to happen. A line moved above another by hand
    /// moves back, and the two swap precedence again. The reverse also holds: a line deleted by
    /// hand comes back. A malformed tuple is dropped with a warning nobody reads, and
    /// `ufw app update NAME` rewrites application rules to whatever the profile says now.
    ///
    /// ## Example
    /// ```text
    /// ### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
    /// -A ufw-user-input -p tcp --dport 22 -j ACCEPT
    /// -A ufw-user-input -p tcp --dport 2222 -j ACCEPT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// # written by `ufw allow 2222/tcp`
    /// ### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
    /// -A ufw-user-input -p tcp --dport 22 -j ACCEPT
    ///
    /// ### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in
    /// -A ufw-user-input -p tcp --dport 2222 -j ACCEPT
    /// ```
    ///
    /// ## References
    /// - ufw-framework(8), ufw(8) (APPLICATION INTEGRATION)
    /// - reference/firewalls.md §2.1, §2.3 (checked against ufw 0.36.2 by `tests/ufw_tuples.rs`)
    pub static RULE = {
        code: "FW203",
        name: "ufw-rules-out-of-sync",
        category: Hygiene,
        severity: Warning,
        since: "0.1.0",
        sources: ["ufw-framework(8)", "ufw(8)"],
    }
}

/// When ufw rewrites the user rules files.
const REWRITE: &str = "the next `ufw enable`, `ufw reload` or rule change";

/// At most this many related labels per finding.
const MAX_RELATED: usize = 8;

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let Some(u) = &ctx.firewall.ufw else { return };
    let listeners = reach::listeners(ctx.host, ctx.sshd_present);
    for f in &u.user {
        if f.v6 && !cli_reads_ipv6(u) {
            continue;
        }
        check_file(ctx, u, f, &listeners, out);
    }
    for p in &u.apps.problems {
        let mut v = Violation::new(p.at, p.message.clone()).help(p.help);
        for (at, label) in p.related.iter().take(MAX_RELATED) {
            v = v.related(*at, label.clone());
        }
        out.push(v);
    }
}

/// The ufw command reads (and rewrites) `user6.rules` only with `IPV6=yes`; without
/// /etc/default/ufw (a partial copy) both files are checked.
fn cli_reads_ipv6(u: &Ufw) -> bool {
    u.default_file.is_none() || u.settings.get("IPV6").is_some_and(|s| s.value.eq_ignore_ascii_case("yes"))
}

/// What a line follows: the tuple (index in `UserRules::tuples`) or look-alike comment (line
/// index) above it in the same block.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Head {
    Tuple(usize),
    LookAlike(usize),
}

fn check_file(ctx: &Context, u: &Ufw, f: &UserRules, listeners: &[Listener], out: &mut Vec<Violation>) {
    let src = ctx.sources.get(f.file);
    let at = |span: Span| Location { file: f.file, span };
    let text = |span: Span| normalise(src.slice(span));
    let block = f.ast.rules_block();
    if src.lossy {
        let start = src.text.find(crate::source::is_escaped_byte).unwrap_or(0);
        let len = src.text[start..].chars().next().map_or(0, char::len_utf8);
        out.push(
            Violation::new(
                at(Span::new(start, start + len)),
                format!("{} is not valid UTF-8: every `ufw` command stops with a Python UnicodeDecodeError while reading it", f.name),
            )
            .help("remove the bytes that are not UTF-8 (comments included)"),
        );
    }
    let parsed = Parsed::new(u, f);
    let services = |n: &str| ctx.firewall.service_port(n);
    let user_chain = |line: &str| {
        let mut w = line.split_whitespace();
        let (Some(cmd), Some(chain)) = (w.next(), w.next()) else { return false };
        matches!(cmd, "-A" | "--append" | "-I" | "--insert")
            && ["input", "output", "forward"].iter().any(|d| chain == format!("{}-user-{d}", f.prefix()))
    };
    // The lines ufw writes for the tuples, in the order it writes them, each with its tuple.
    let mut written: Vec<(String, usize)> = Vec::new();
    let mut spans: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for (i, t) in f.tuples.iter().enumerate() {
        let Ok(rule) = &t.outcome else { continue };
        let start = written.len();
        written.extend(rule.lines().iter().map(|l| (normalise(l), i)));
        spans.push((i, start..written.len()));
    }
    let mut positions: HashMap<&str, std::collections::VecDeque<usize>> = HashMap::new();
    for (pos, (line, _)) in written.iter().enumerate() {
        positions.entry(line.as_str()).or_default().push_back(pos);
    }
    let frame = frame_lines(f.v6);
    let has_rules_marker = f.ast.lines.iter().any(|l| l.kind == UserLineKind::RulesStart);

    // Each line of the file: a line ufw writes for a tuple (in `order`, with its place among
    // them), a second copy of one, a line of ufw's own frame, or a hand edit.
    let mut matched = vec![false; written.len()];
    let mut order: Vec<(usize, usize)> = Vec::new();
    let mut first_copy: HashMap<String, usize> = HashMap::new();
    let mut copies: Vec<(usize, usize)> = Vec::new();
    let mut groups: HashMap<Head, Vec<usize>> = HashMap::new();
    let mut loose: Vec<usize> = Vec::new();
    let mut framed: Vec<(usize, Section)> = Vec::new();
    let mut present: HashSet<String> = HashSet::new();
    let mut head: Option<Head> = None;
    let mut section = Section::Head;
    for (i, line) in f.ast.lines.iter().enumerate() {
        let inside = block.as_ref().is_some_and(|b| b.contains(&i));
        let region = block.as_ref().is_none_or(|b| b.contains(&i));
        match &line.kind {
            UserLineKind::RulesStart => {
                head = None;
                section = Section::Rules;
            }
            UserLineKind::RulesEnd => {
                head = None;
                section = Section::AfterRules;
            }
            UserLineKind::Tuple(_) | UserLineKind::BadTuple { .. } => {
                head = parsed.tuple_at_line.get(&i).copied().map(Head::Tuple)
            }
            UserLineKind::LooksLikeTuple => head = Some(Head::LookAlike(i)),
            UserLineKind::Comment => section = section.after_marker(&text(line.span)),
            UserLineKind::Other => {
                let norm = text(line.span);
                present.insert(norm.clone());
                let pos = if region { positions.get_mut(norm.as_str()).and_then(|q| q.pop_front()) } else { None };
                if let Some(pos) = pos {
                    matched[pos] = true;
                    order.push((i, pos));
                    first_copy.entry(norm.clone()).or_insert(i);
                } else if region && positions.contains_key(norm.as_str()) {
                    copies.push((i, first_copy.get(&norm).copied().unwrap_or(i)));
                } else if frame.contains(&norm) || positions.contains_key(norm.as_str()) {
                    // ufw's own line (for this or another log level or policy), or a tuple's
                    // line outside the rules section (the tuple reports it missing).
                } else if let Some(h) = head.filter(|_| inside) {
                    groups.entry(h).or_default().push(i);
                } else if inside || user_chain(&norm) {
                    loose.push(i);
                } else {
                    framed.push((i, if has_rules_marker { section } else { Section::Unmarked }));
                }
                if norm == "COMMIT" {
                    section = Section::AfterCommit;
                }
            }
            UserLineKind::Blank => {}
        }
        if line.comment_markers >= 2 {
            out.push(
                Violation::new(
                    at(line.span),
                    "this line holds ` comment=` more than once: ufw cannot split it and every `ufw` command stops with a Python ValueError",
                )
                .help("keep ` comment=` once, at the end of a tuple line (add comments with `ufw … comment 'TEXT'`)"),
            );
        }
    }
    let family = if f.v6 { Family::Ipv6 } else { Family::Ipv4 };
    let ssh_ports = reach::ports(listeners, family);
    let group = |h: Head| groups.get(&h).map_or(&[][..], Vec::as_slice);
    let file_name = &f.name;
    let loss_of = |li: usize| loss(parsed.summary(li).as_ref(), f, &ssh_ports, &services);

    // Tuples: generated lines missing from the file, paired with hand-edited lines below them.
    for (ti, range) in &spans {
        let t = &f.tuples[*ti];
        let Ok(rule) = &t.outcome else { continue };
        let missing: Vec<&String> = range.clone().filter(|&p| !matched[p]).map(|p| &written[p].0).collect();
        let mine = group(Head::Tuple(*ti));
        let paired = missing.len().min(mine.len());
        for (&li, want) in mine.iter().zip(missing.iter()) {
            let span = f.ast.lines[li].span;
            let have = text(span);
            out.push(
                Violation::new(
                    at(span),
                    format!(
                        "`{have}` is not what its `### tuple ###` generates (`{want}`): {REWRITE} writes the tuple's line back{}",
                        loss_of(li)
                    ),
                )
                .help("make the change with the ufw command (`ufw delete` the rule, add the one you want); rules ufw cannot express belong in /etc/ufw/before.rules")
                .related(at(t.span), "ufw regenerates the line from this tuple"),
            );
        }
        for &li in &mine[paired..] {
            out.push(orphan(
                li,
                &text(f.ast.lines[li].span),
                at(f.ast.lines[li].span),
                &parsed,
                f,
                &ssh_ports,
                &services,
            ));
        }
        if missing.len() > paired {
            let rest = &missing[paired..];
            let more = match rest.len() {
                1 => String::new(),
                2 => " and 1 more line".to_string(),
                n => format!(" and {} more lines", n - 1),
            };
            out.push(
                Violation::new(
                    at(t.span),
                    format!(
                        "this tuple generates `{}`{more}, missing from {file_name}: {REWRITE} writes it back",
                        rest[0]
                    ),
                )
                .help("remove rules with `ufw delete` (see `ufw status numbered`), not by editing the file"),
            );
        }
        notes(ctx, u, f, t, rule, &ssh_ports, out);
    }
    if !u.apps.dir_exists {
        apps_dir_missing(u, f, out);
    }

    // Tuples ufw skips, with the lines below them.
    for (ti, t) in f.tuples.iter().enumerate() {
        let Err(skipped) = &t.outcome else { continue };
        let mine = group(Head::Tuple(ti));
        let with = match mine.len() {
            0 => String::new(),
            1 => " and the line below it".to_string(),
            n => format!(" and the {n} lines below it"),
        };
        let mut v = Violation::new(
            at(skipped.span),
            format!(
                "ufw skips this tuple with “Skipping malformed tuple” because {}: {REWRITE} drops it{with}",
                skipped.reason
            ),
        )
        .help("add the rule with the ufw command (`ufw allow …`) and remove the hand-written tuple");
        for &li in mine.iter().take(MAX_RELATED) {
            v = v.related(at(f.ast.lines[li].span), "dropped with it");
        }
        out.push(v);
    }

    // Comments that look like tuples but are not read as one.
    for (li, line) in f.ast.lines.iter().enumerate().filter(|(_, l)| l.kind == UserLineKind::LooksLikeTuple) {
        let mine = group(Head::LookAlike(li));
        if mine.is_empty() {
            continue;
        }
        let n = if mine.len() == 1 {
            "the line below it".to_string()
        } else {
            format!("the {} lines below it", mine.len())
        };
        let mut v = Violation::new(
            at(line.span),
            format!(
                "this comment is not a tuple ufw reads (a tuple line starts with exactly `### tuple ###`): {REWRITE} drops {n}"
            ),
        )
        .help("add the rule with the ufw command (`ufw allow …`) instead of writing the file");
        for &l in mine.iter().take(MAX_RELATED) {
            v = v.related(at(f.ast.lines[l].span), "dropped at the next rewrite");
        }
        out.push(v);
    }

    // Lines on the user chains that follow no tuple (or come outside the rules block).
    for &li in &loose {
        let span = f.ast.lines[li].span;
        out.push(orphan(li, &text(span), at(span), &parsed, f, &ssh_ports, &services));
    }

    // Second copies of a tuple's line: the first copy decides, the rewrite keeps one.
    for &(li, first) in &copies {
        let span = f.ast.lines[li].span;
        out.push(
            Violation::new(
                at(span),
                format!(
                    "`{}` repeats line {}: ufw writes it once, and {REWRITE} drops this copy",
                    text(span),
                    first + 1
                ),
            )
            .help("delete the copy")
            .related(at(f.ast.lines[first].span), "the line ufw keeps")
            .severity(Severity::Info),
        );
    }

    reordered(f, &order, &written, &text, out);
    frame_edits(f, &framed, &present, &parsed, &loss_of, &text, out);
}

/// Which part of the file a line is in, by the markers ufw writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Head,
    Rules,
    AfterRules,
    Logging,
    RateLimiting,
    AfterCommit,
    /// The file has no `### RULES ###` marker.
    Unmarked,
}

impl Section {
    /// The section after a comment line (`### LOGGING ###` and the like).
    fn after_marker(self, comment: &str) -> Section {
        match comment {
            "### LOGGING ###" => Section::Logging,
            "### RATE LIMITING ###" => Section::RateLimiting,
            "### END LOGGING ###" | "### END RATE LIMITING ###" => Section::AfterRules,
            _ => self,
        }
    }

    /// " in the `### LOGGING ###` section" and the like.
    fn place(self) -> &'static str {
        match self {
            Section::Head => " in the header (before `### RULES ###`)",
            Section::Rules => " in the rules section",
            Section::AfterRules => " after `### END RULES ###`",
            Section::Logging => " in the `### LOGGING ###` section",
            Section::RateLimiting => " in the `### RATE LIMITING ###` section",
            Section::AfterCommit => " after `COMMIT`",
            Section::Unmarked => "",
        }
    }
}

/// Tuple lines that stand in another order than ufw writes them. ufw writes the rules in the
/// order of their tuples, each tuple's lines below it; the longest run of lines already in
/// that order stays, every other line is reported with one kept line it is on the wrong side
/// of (a line outside the run is always on the wrong side of some kept line).
fn reordered(
    f: &UserRules,
    order: &[(usize, usize)],
    written: &[(String, usize)],
    text: &dyn Fn(Span) -> String,
    out: &mut Vec<Violation>,
) {
    let keep = longest_increasing(&order.iter().map(|&(_, pos)| pos).collect::<Vec<_>>());
    let kept: Vec<(usize, usize)> = keep.iter().map(|&k| order[k]).collect();
    let mut in_run = vec![false; order.len()];
    for &k in &keep {
        in_run[k] = true;
    }
    let at = |span: Span| Location { file: f.file, span };
    for (k, &(li, pos)) in order.iter().enumerate() {
        if in_run[k] {
            continue;
        }
        // Kept lines above it that ufw writes below it, else kept lines below it that ufw
        // writes above it (`kept` is in file order and in ufw's order).
        let above = kept.partition_point(|&(l, _)| l < li);
        let first_later = kept[..above].partition_point(|&(_, p)| p < pos);
        let last_earlier = kept[above..].partition_point(|&(_, p)| p < pos);
        let (other, ufw_above) = match (kept[..above].get(first_later), last_earlier.checked_sub(1)) {
            (Some(&(l, _)), _) => (l, true),
            (None, Some(j)) => match kept.get(above + j) {
                Some(&(l, _)) => (l, false),
                None => continue,
            },
            (None, None) => continue,
        };
        let span = f.ast.lines[li].span;
        let other_span = f.ast.lines[other].span;
        let (here, there) = if ufw_above { ("below", "above") } else { ("above", "below") };
        let tuple = f.tuples.get(written[pos].1).map(|t| t.span);
        let mut v = Violation::new(
            at(span),
            format!(
                "`{}` stands {here} `{}` (line {}), but ufw writes it {there} that line (the rules follow the order of their `### tuple ###` comments): {REWRITE} moves it back and the two lines swap precedence",
                text(span),
                text(other_span),
                other + 1
            ),
        )
        .help("change the order with the ufw command (`ufw delete` the rule, then `ufw insert NUM …`; see `ufw status numbered`), not by moving lines")
        .related(at(other_span), format!("ufw writes this line {here} the other"));
        if let Some(t) = tuple {
            v = v.related(at(t), "ufw writes the line from this tuple");
        }
        out.push(v);
    }
}

/// Indices of one longest strictly increasing subsequence of `xs` (patience sorting,
/// O(n log n)).
fn longest_increasing(xs: &[usize]) -> Vec<usize> {
    // tails[k]: index of the smallest tail of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; xs.len()];
    for (i, &x) in xs.iter().enumerate() {
        let k = tails.partition_point(|&t| xs[t] < x);
        prev[i] = k.checked_sub(1).map(|j| tails[j]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        out.push(i);
        cur = prev[i];
    }
    out.reverse();
    out
}

/// Hand edits outside the rules of the tuples: lines ufw never writes there (at any log level
/// or policy), and the rate limiting lines that decide packets when they are missing.
fn frame_edits(
    f: &UserRules,
    framed: &[(usize, Section)],
    present: &HashSet<String>,
    parsed: &Parsed,
    loss_of: &dyn Fn(usize) -> String,
    text: &dyn Fn(Span) -> String,
    out: &mut Vec<Violation>,
) {
    let at = |span: Span| Location { file: f.file, span };
    let before = if f.v6 { "/etc/ufw/before6.rules or after6.rules" } else { "/etc/ufw/before.rules or after.rules" };
    // The rate limiting lines decide packets only for rules that jump to their chains (the
    // `limit` tuples); without them a missing line changes nothing.
    let jump = |chain: &str| {
        let jump = format!(" -j {chain}");
        present.iter().any(|l| l.ends_with(&jump) || l.contains(&format!("{jump} ")))
    };
    let mut missing: Vec<String> = rate_limit_lines(f.v6)
        .into_iter()
        .filter(|l| !present.contains(l) && l.split_whitespace().nth(1).is_some_and(jump))
        .collect();
    for &(li, section) in framed {
        let span = f.ast.lines[li].span;
        let have = text(span);
        let summary = parsed.summary(li);
        // Lines that only log (or skip logging): what ufw's own lines there do.
        let logging = summary.as_ref().is_some_and(|s| match s.target.as_deref() {
            Some("LOG" | "NFLOG" | "ULOG") => true,
            Some("RETURN") => s.chain.contains("-logging-"),
            _ => false,
        });
        let declaration = have.starts_with(':');
        let chain = summary.as_ref().map(|s| s.chain.as_str());
        let pair =
            missing.iter().position(|m| !logging && chain.is_some_and(|c| m.split_whitespace().nth(1) == Some(c)));
        let v = match pair {
            Some(k) => {
                let want = missing.remove(k);
                Violation::new(
                    at(span),
                    format!(
                        "`{have}` is not what ufw writes{} (`{want}`): {REWRITE} writes ufw's line back",
                        section.place()
                    ),
                )
            }
            None => Violation::new(
                at(span),
                format!(
                    "`{have}` is not a line ufw writes{}: {REWRITE} rewrites {} without it{}",
                    section.place(),
                    f.name,
                    loss_of(li)
                ),
            ),
        };
        let v = if logging {
            v.help(format!(
                "set the log level with `ufw logging LEVEL`; logging that must stay belongs in {before}, which ufw does not rewrite"
            ))
            .severity(Severity::Info)
        } else if declaration {
            v.help(format!("declare chains of your own in {before}, which ufw does not rewrite"))
                .severity(Severity::Info)
        } else {
            v.help(format!("rules that must stay belong in {before}, which ufw does not rewrite"))
        };
        out.push(v);
    }
    if missing.is_empty() {
        return;
    }
    let marker = f
        .ast
        .lines
        .iter()
        .find(|l| text(l.span) == "### RATE LIMITING ###")
        .or_else(|| f.ast.lines.iter().find(|l| l.kind == UserLineKind::RulesEnd))
        .or(f.ast.lines.first())
        .map(|l| l.span)
        .unwrap_or_default();
    for want in missing {
        out.push(
            Violation::new(
                at(marker),
                format!("ufw writes `{want}` in the `### RATE LIMITING ###` section, missing from {}: {REWRITE} writes it back", f.name),
            )
            .help("leave the rate limiting lines as ufw writes them; rules that must stay belong in /etc/ufw/before.rules"),
        );
    }
}

/// One finding for the tuples of a file that name application profiles when
/// /etc/ufw/applications.d is missing: ufw cannot load its profiles, so every command fails.
fn apps_dir_missing(u: &Ufw, f: &UserRules, out: &mut Vec<Violation>) {
    let at = |span: Span| Location { file: f.file, span };
    let mut apps = f.tuples.iter().filter_map(|t| {
        let rule = t.outcome.as_ref().ok()?;
        let name = rule.dapp.as_ref().or(rule.sapp.as_ref())?;
        Some((t, rule, name.replace("%20", " ")))
    });
    let Some((first, rule, name)) = apps.next() else { return };
    let ports = if rule.dapp.is_some() { &rule.dport } else { &rule.sport };
    let mut v = Violation::new(
        at(first.span),
        format!(
            "this tuple refers to application `{name}`, but /etc/ufw/applications.d does not exist: every `ufw` command stops with “ERROR: Profiles directory does not exist” (the rule itself keeps {ports}/{})",
            rule.protocol
        ),
    )
    .help("create /etc/ufw/applications.d (the ufw package ships it) and restore the profiles (reinstall the packages that ship them), or replace application rules with port rules (`ufw allow 22/tcp`)");
    for (t, _, name) in apps.take(MAX_RELATED) {
        v = v.related(at(t.span), format!("also refers to application `{name}`"));
    }
    // A partial copy of /etc/ufw (a configuration repository) may leave the directory out.
    if !u.complete {
        v = v.severity(Severity::Info);
    }
    out.push(v);
}

/// A line no tuple generates.
fn orphan(
    li: usize,
    line: &str,
    at: Location,
    parsed: &Parsed,
    f: &UserRules,
    ssh_ports: &[u16],
    services: &dyn Fn(&str) -> Option<u16>,
) -> Violation {
    let summary = parsed.summary(li);
    let before = if f.v6 { "6" } else { "" };
    let help = match summary.as_ref().and_then(|s| suggest(s, f, services)) {
        Some(cmd) => format!(
            "add it with the ufw command instead (`{cmd}`); hand-written rules that must stay belong in /etc/ufw/before{before}.rules"
        ),
        None => format!(
            "add it with the ufw command (`ufw allow …`, `ufw deny …`) if ufw can express it; hand-written rules that must stay belong in /etc/ufw/before{before}.rules"
        ),
    };
    Violation::new(
        at,
        format!(
            "`{line}` is not generated by any `### tuple ###` comment: {REWRITE} rewrites {} without it{}",
            f.name,
            loss(summary.as_ref(), f, ssh_ports, services)
        ),
    )
    .help(help)
}

/// The iptables parse of a user rules file, by line.
struct Parsed<'a> {
    ast: Option<&'a IptablesAst>,
    /// For each line of the file, its command in `ast`.
    commands: Vec<Option<&'a Command>>,
    tuple_at_line: HashMap<usize, usize>,
}

impl<'a> Parsed<'a> {
    fn new(u: &'a Ufw, f: &UserRules) -> Parsed<'a> {
        let ast = u.rules.iter().find(|(_, id, _)| *id == f.file).map(|(_, _, ast)| ast);
        let mut commands = vec![None; f.ast.lines.len()];
        for line in ast.iter().flat_map(|a| a.tables.iter()).flat_map(|t| t.lines.iter()) {
            let Line::Command(c) = line else { continue };
            // The line of the file the command starts on.
            let i = f.ast.lines.partition_point(|l| l.span.start <= c.span.start);
            if let Some(slot) = i.checked_sub(1).and_then(|i| commands.get_mut(i)) {
                *slot = Some(c);
            }
        }
        let tuple_at_line = f.tuples.iter().enumerate().map(|(i, t)| (t.line, i)).collect();
        Parsed { ast, commands, tuple_at_line }
    }

    fn summary(&self, line: usize) -> Option<Summary> {
        summarise(self.ast?, self.commands.get(line).copied().flatten()?)
    }
}

/// A condition of a rule and whether it is negated (`! -s 10.0.0.0/8`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cond {
    neg: bool,
    text: String,
}

/// What a rule line matches and does, read from its iptables parse: the parts a reader cares
/// about and the ufw command can write, and whether it has anything else.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Summary {
    chain: String,
    /// `-A` without counters (`-I` puts the rule first, which `ufw allow` does not).
    append: bool,
    /// Lower-cased, `6`/`17` read as `tcp`/`udp`; `-p all` is no condition.
    proto: Option<Cond>,
    /// `--dport` of the tcp/udp match or `--dports` of multiport, as written.
    dports: Option<Cond>,
    src: Option<Cond>,
    iface: Option<Cond>,
    target: Option<String>,
    /// The target's options with their arguments (`--reject-with tcp-reset`).
    target_options: Vec<String>,
    /// Anything else: another option or match, a goto, an option given twice.
    other: bool,
}

fn put(slot: &mut Option<Cond>, other: &mut bool, neg: bool, text: &str) {
    *other |= slot.is_some();
    *slot = Some(Cond { neg, text: text.to_string() });
}

fn summarise(ast: &IptablesAst, c: &Command) -> Option<Summary> {
    if !matches!(c.kind, CommandKind::Append | CommandKind::Insert) {
        return None;
    }
    let mut s = Summary {
        chain: ast.text(c.chain.as_ref()?).to_string(),
        append: c.kind == CommandKind::Append && c.counters().is_none(),
        ..Summary::default()
    };
    let rule = ast.rule(c.rule);
    for o in rule.params() {
        let arg = o.arg().unwrap_or("");
        let neg = o.is_negated();
        match o.canonical() {
            "--protocol" => match arg.to_ascii_lowercase().as_str() {
                "all" | "0" if !neg => {}
                "6" | "tcp" => put(&mut s.proto, &mut s.other, neg, "tcp"),
                "17" | "udp" => put(&mut s.proto, &mut s.other, neg, "udp"),
                p => put(&mut s.proto, &mut s.other, neg, p),
            },
            "--source" => put(&mut s.src, &mut s.other, neg, arg),
            "--in-interface" => put(&mut s.iface, &mut s.other, neg, arg),
            _ => s.other = true,
        }
    }
    for m in rule.matches() {
        let name = m.name().to_ascii_lowercase();
        for o in m.options() {
            let arg = o.arg().unwrap_or("");
            match (name.as_str(), o.canonical()) {
                ("tcp" | "udp", "--destination-port") | ("multiport", "--destination-ports") => {
                    put(&mut s.dports, &mut s.other, o.is_negated(), arg)
                }
                // ufw's own `-m comment --comment 'dapp_NAME'`; no other comment changes packets.
                ("comment", _) => {}
                _ => s.other = true,
            }
        }
    }
    if let Some(t) = rule.target() {
        s.other |= t.kind() == TargetKind::Goto;
        s.target = Some(t.name().to_string());
        s.target_options =
            t.options().map(|o| std::iter::once(o.canonical()).chain(o.args()).collect::<Vec<_>>().join(" ")).collect();
    }
    Some(s)
}

/// ", and tcp port 2222 is no longer accepted (sshd listens on port 2222)".
fn loss(s: Option<&Summary>, f: &UserRules, ssh_ports: &[u16], services: &dyn Fn(&str) -> Option<u16>) -> String {
    let Some(s) = s else { return String::new() };
    let limit_accept = format!("{}-user-limit-accept", f.prefix());
    let verb = match s.target.as_deref() {
        Some(t) if t == "ACCEPT" || t == limit_accept => "accepted",
        Some("DROP" | "REJECT") => "blocked by it",
        _ => return String::new(),
    };
    let (mut what, plural) = match (&s.proto, &s.dports) {
        (Some(p), _) if p.neg => (format!("traffic other than {}", p.text), false),
        (Some(p), Some(d)) if d.neg => (format!("{} ports other than {}", p.text, d.text), true),
        (Some(p), Some(d)) if d.text.contains([',', ':']) => (format!("{} ports {}", p.text, d.text), true),
        (Some(p), Some(d)) => (format!("{} port {}", p.text, d.text), false),
        (Some(p), None) => (format!("{} traffic", p.text), false),
        (None, _) => ("traffic".to_string(), false),
    };
    if let Some(src) = &s.src {
        what += &format!(" from {}{}", if src.neg { "anywhere but " } else { "" }, src.text);
    }
    if let Some(i) = &s.iface {
        what += &format!(" on {}{}", if i.neg { "any interface but " } else { "" }, i.text);
    }
    let are = if plural { "are" } else { "is" };
    let mut out = format!(", and {what} {are} no longer {verb}");
    let input = s.chain.starts_with(&format!("{}-", f.prefix())) && s.chain.ends_with("-input");
    let tcp = s.proto.as_ref().is_none_or(|p| !p.neg && p.text == "tcp");
    let admits = |port: u16| match &s.dports {
        None => true,
        Some(d) => crate::model::firewall::eval::port_list(&d.text, services)
            .is_some_and(|ranges| ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi) != d.neg),
    };
    let ports: Vec<String> = ssh_ports.iter().filter(|&&p| admits(p)).map(u16::to_string).collect();
    if input && verb == "accepted" && tcp && !ports.is_empty() {
        let many = if ports.len() > 1 { "ports" } else { "port" };
        out += &format!(" (sshd listens on {many} {})", ports.join(", "));
    }
    out
}

/// Whether a port list (`--dport(s)`, `22`, `6000:6010`, `80,443`, names) covers a port.
fn covers(ports: &str, port: u16, services: &dyn Fn(&str) -> Option<u16>) -> bool {
    crate::model::firewall::eval::port_list(ports, services)
        .is_some_and(|ranges| ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi))
}

/// The ufw command that writes exactly this rule (`ufw allow 2222/tcp`), when there is one: an
/// appended `ufw-user-input` rule of protocol, destination ports, source and input interface,
/// none negated, accepting, dropping or rejecting the way ufw does. Anything else gets no
/// suggestion rather than one that writes another rule.
fn suggest(s: &Summary, f: &UserRules, services: &dyn Fn(&str) -> Option<u16>) -> Option<String> {
    if s.other || !s.append || s.chain != format!("{}-user-input", f.prefix()) {
        return None;
    }
    if [&s.proto, &s.dports, &s.src, &s.iface].into_iter().flatten().any(|c| c.neg) {
        return None;
    }
    let proto = match s.proto.as_ref().map(|p| p.text.as_str()) {
        None => None,
        Some(p @ ("tcp" | "udp")) => Some(p),
        Some(_) => return None,
    };
    let options: Vec<&str> = s.target_options.iter().map(String::as_str).collect();
    let action = match (s.target.as_deref()?, options.as_slice()) {
        ("ACCEPT", []) => "allow",
        ("DROP", []) => "deny",
        // ufw resets tcp and answers other protocols with the default ICMP error.
        ("REJECT", ["--reject-with tcp-reset"]) if proto == Some("tcp") => "reject",
        ("REJECT", []) if proto != Some("tcp") => "reject",
        _ => return None,
    };
    let ports = match &s.dports {
        None => None,
        Some(d) => Some(ufw_ports(&d.text, services)?),
    };
    if ports.is_some() && proto.is_none() {
        return None;
    }
    let src = match &s.src {
        Some(a) if a.text.contains(',') || !valid_address(&a.text) => return None,
        Some(a) => Some(a.text.as_str()),
        None => None,
    };
    if let Some(i) = &s.iface
        && (i.text.is_empty() || interface_ok(&i.text).is_err())
    {
        return None;
    }
    if src.is_none() && s.iface.is_none() {
        return match (ports, proto) {
            (Some(d), Some(p)) => Some(format!("ufw {action} {d}/{p}")),
            _ => None,
        };
    }
    let mut cmd = format!("ufw {action}");
    if let Some(i) = &s.iface {
        cmd += &format!(" in on {}", i.text);
    }
    cmd += &format!(" from {}", src.unwrap_or("any"));
    if let Some(d) = ports {
        cmd += &format!(" to any port {d}");
    }
    if let Some(p) = proto {
        cmd += &format!(" proto {p}");
    }
    Some(cmd)
}

/// A `--dport(s)` value as ufw takes it: numbers and `low:high` ranges from 1 to 65535, at
/// most 15 ports (a range counts twice).
fn ufw_ports(text: &str, services: &dyn Fn(&str) -> Option<u16>) -> Option<String> {
    let ranges = crate::model::firewall::eval::port_list(text, services)?;
    if ranges.iter().map(|&(lo, hi)| if lo == hi { 1 } else { 2 }).sum::<usize>() > 15 {
        return None;
    }
    let items: Option<Vec<String>> = ranges
        .iter()
        .map(|&(lo, hi)| match (lo, hi) {
            (0, _) => None,
            (lo, hi) if lo == hi => Some(lo.to_string()),
            (lo, hi) => Some(format!("{lo}:{hi}")),
        })
        .collect();
    Some(items?.join(","))
}

/// Findings about one readable tuple: its notes and its application profiles.
fn notes(
    ctx: &Context,
    u: &Ufw,
    f: &UserRules,
    t: &ReadTuple,
    rule: &UfwRule,
    ssh_ports: &[u16],
    out: &mut Vec<Violation>,
) {
    let at = |span: Span| Location { file: f.file, span };
    let family_name = if f.v6 { "IPv6" } else { "IPv4" };
    let line = t.span;
    for n in &t.notes {
        let v = match &n.kind {
            NoteKind::UnknownAction(a) => Violation::new(
                at(n.span),
                format!("ufw reads the action `{a}` as `deny`: {REWRITE} writes this tuple's rule with `-j DROP`"),
            )
            .help("use `allow`, `deny`, `reject` or `limit` (add rules with the ufw command)"),
            NoteKind::PortsDropped => Violation::new(
                at(n.span),
                format!(
                    "ufw writes `proto any` with a port list or range without any port match (`{}`): the rule matches every port",
                    rule.lines().first().map(|l| normalise(l)).unwrap_or_default()
                ),
            )
            .help("give the protocol: one rule per protocol (`ufw allow 80,443/tcp`)"),
            NoteKind::OtherFamily(a) => Violation::new(
                at(n.span),
                format!(
                    "`{a}` is not an {family_name} address but sits in {}: every `ufw` rule change of the family fails with “Could not normalize … address”",
                    f.name
                ),
            )
            .help(format!("move the rule to {} (re-add it with the ufw command)", if f.v6 { "user.rules" } else { "user6.rules" })),
            NoteKind::CommentNotHex(c) => Violation::new(
                at(n.span),
                format!("the comment `{c}` is not hex: `ufw show added` and `ufw status` stop with a Python binascii.Error"),
            )
            .help("set comments with the ufw command (`ufw allow … comment 'TEXT'`), which hex-encodes them"),
        };
        out.push(v);
    }
    for (app, ports, sport) in [(&rule.dapp, &rule.dport, false), (&rule.sapp, &rule.sport, true)] {
        let Some(app) = app else { continue };
        let name = app.replace("%20", " ");
        match u.apps.get(&name) {
            // Reported once per file (`apps_dir_missing`).
            None if !u.apps.dir_exists => {}
            None => out.push(
                Violation::new(
                    at(line),
                    format!(
                        "this tuple refers to application `{name}`, which has no profile in /etc/ufw/applications.d: the rule keeps {}/{}, but `ufw allow {name}` fails (“Could not find a profile matching”) and `ufw app update` cannot refresh it",
                        ports, rule.protocol
                    ),
                )
                .help("restore the profile (reinstall the package that ships it) or replace the rule with a port rule (`ufw allow 22/tcp`)")
                .severity(Severity::Info),
            ),
            Some(p) if rule.dapp.is_some() != rule.sapp.is_some() => {
                let services = |n: &str| ctx.firewall.any_protocol_port(n);
                let key = |proto: &str, ports: &str| -> Option<(String, Vec<String>)> {
                    let mut items: Vec<String> = port_items(ports, &services).ok()?.into_iter().map(|(s, _)| s).collect();
                    items.sort();
                    Some((proto.to_string(), items))
                };
                let ours = key(&rule.protocol, ports);
                let matches = p.ports.iter().any(|spec| key(&spec.proto, &spec.ports) == ours);
                // The SSH port this rule admits and the profile's ports would not.
                let tcp = |proto: &str| proto == "tcp" || proto == "any";
                let admits = |proto: &str, ports: &str, port: u16| {
                    tcp(proto)
                        && port_items(ports, &services)
                            .is_ok_and(|items| covers(&items.into_iter().map(|(s, _)| s).collect::<Vec<_>>().join(","), port, &services))
                };
                let lost: Vec<String> = ssh_ports
                    .iter()
                    .filter(|&&port| {
                        !sport
                            && !rule.forward
                            && !rule.outgoing
                            && matches!(rule.action, Action::Allow | Action::Limit)
                            && admits(&rule.protocol, ports, port)
                            && !p.ports.iter().any(|spec| admits(&spec.proto, &spec.ports, port))
                    })
                    .map(u16::to_string)
                    .collect();
                let lost = if lost.is_empty() {
                    String::new()
                } else {
                    format!(", and tcp port {} (sshd's) is no longer accepted", lost.join(", "))
                };
                if !matches {
                    out.push(
                        Violation::new(
                            at(line),
                            format!(
                                "this tuple for application `{name}` {} {}/{}, but the profile now says `{}`: `ufw app update {name}` rewrites the rule to the profile's ports{lost}",
                                if sport { "matches source ports" } else { "opens" },
                                ports,
                                rule.protocol,
                                spec_list(&p.ports)
                            ),
                        )
                        .help(format!("run `ufw app update {name}` if the profile is right, or fix the profile"))
                        .related(p.ports_at, "the profile's ports"),
                    );
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::firewall::ufw_tuple::UserRules;
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const HEAD: &str = "*filter\n:ufw-user-input - [0:0]\n:ufw-user-output - [0:0]\n:ufw-user-forward - [0:0]\n:ufw-user-limit - [0:0]\n:ufw-user-limit-accept - [0:0]\n### RULES ###\n";
    const TAIL: &str = "\n### END RULES ###\n\n### LOGGING ###\n### END LOGGING ###\n\n### RATE LIMITING ###\n-A ufw-user-limit -j REJECT\n-A ufw-user-limit-accept -j ACCEPT\n### END RATE LIMITING ###\nCOMMIT\n";
    const SSH_PROFILE: &str = "[OpenSSH]\ntitle=Secure shell server\ndescription=OpenSSH\nports=22/tcp\n";

    fn run(rules: &str, profile: &str) -> Vec<crate::diagnostic::Finding> {
        let user = format!("{HEAD}{rules}{TAIL}");
        run_tree(
            &super::RULE,
            &[
                ("etc/ufw/ufw.conf", "ENABLED=yes\nLOGLEVEL=low\n"),
                (
                    "etc/default/ufw",
                    "IPV6=no\nDEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\nDEFAULT_FORWARD_POLICY=\"DROP\"\n",
                ),
                ("etc/ufw/user.rules", &user),
                ("etc/ufw/applications.d/openssh-server", profile),
                ("etc/ssh/sshd_config", "Port 2222\n"),
            ],
            &CheckOptions::default(),
        )
    }

    #[test]
    fn pass() {
        let f = run(
            "\n### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT -m comment --comment 'dapp_OpenSSH'\n",
            SSH_PROFILE,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn hand_added_line_fails() {
        let f = run(
            "\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("not generated by any"), "{}", f[0].message);
        assert!(f[0].message.contains("sshd listens on port 2222"), "{}", f[0].message);
        assert!(f[0].help.as_deref().is_some_and(|h| h.contains("ufw allow 2222/tcp")));
    }

    #[test]
    fn edited_line_is_paired_with_its_tuple() {
        let f = run(
            "\n### tuple ### limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set\n-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update --seconds 6 --hitcount 20 -j ufw-user-limit\n-A ufw-user-input -p tcp --dport 2222 -j ufw-user-limit-accept\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("--seconds 30 --hitcount 6"), "{}", f[0].message);
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn deleted_line_comes_back() {
        let f = run("\n### tuple ### deny tcp 23 0.0.0.0/0 any 0.0.0.0/0 in\n", SSH_PROFILE);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("writes it back"));
    }

    #[test]
    fn malformed_tuple_takes_its_lines() {
        let f = run(
            "\n### tuple ### allow tcp 2222 0.0.0.0/0 any\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("5 fields") && f[0].message.contains("the line below it"), "{}", f[0].message);
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn missing_and_stale_profiles() {
        let t = "\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT -m comment --comment 'dapp_OpenSSH'\n";
        let f = run(t, "[Other]\ntitle=t\ndescription=d\nports=1/tcp\n");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Info);
        let f = run(t, "[OpenSSH]\ntitle=t\ndescription=d\nports=2222/tcp\n");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("`2222/tcp`"), "{}", f[0].message);
    }

    #[test]
    fn bad_profile_is_reported() {
        let f = run("", "[OpenSSH]\ntitle=t\ndescription=d\nports=22/tcp # ssh\n");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("ufw skips profile `[OpenSSH]`"));
    }

    #[test]
    fn crashing_comment_and_lookalike() {
        let f = run(
            "\n ### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=61 comment=62\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f.iter().any(|x| x.message.contains("not a tuple ufw reads")));
        assert!(f.iter().any(|x| x.message.contains("ValueError")));
    }

    #[test]
    fn thousands_of_reordered_lines_scale() {
        // Every tuple first, then their lines in reverse: all but one line is out of order.
        let mut rules = String::new();
        for p in 1..=20_000u32 {
            rules += &format!("\n### tuple ### allow tcp {p} 0.0.0.0/0 any 0.0.0.0/0 in\n");
        }
        for p in (1..=20_000u32).rev() {
            rules += &format!("-A ufw-user-input -p tcp --dport {p} -j ACCEPT\n");
        }
        let user = format!("{HEAD}{rules}{TAIL}");
        let f = run_tree(
            &super::RULE,
            &[("etc/ufw/ufw.conf", "ENABLED=no\n"), ("etc/ufw/user.rules", &user)],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 19_999);
        assert!(f.iter().all(|x| x.message.contains("swap precedence")));
    }

    #[test]
    fn thousands_of_tuples_and_hand_lines_scale() {
        let mut rules = String::new();
        for p in 1..=20_000u32 {
            rules += &format!(
                "\n### tuple ### allow tcp {p} 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport {p} -j ACCEPT\n-A ufw-user-input -p udp --dport {p} -j ACCEPT\n"
            );
        }
        let user = format!("{HEAD}{rules}{TAIL}");
        let f = run_tree(
            &super::RULE,
            &[("etc/ufw/ufw.conf", "ENABLED=no\n"), ("etc/ufw/user.rules", &user)],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 20_000);
    }

    /// FW203's suggestion and "what is lost" for one line of user.rules (sshd on 22 and 2222).
    fn shape(line: &str) -> (Option<String>, String) {
        use crate::ast::iptables::{Family, Line};
        let text = format!("*filter\n{line}\nCOMMIT\n");
        let ast = crate::syntax::iptables::parse_family(text.as_str(), Family::Ipv4);
        assert!(ast.errors().is_empty(), "{line}: {:?}", ast.errors());
        let services = |n: &str| if n == "ssh" { Some(22) } else { None };
        let f = UserRules::read("user.rules", crate::source::FileId(0), false, "", &services);
        let c = ast.tables[0]
            .lines
            .iter()
            .find_map(|l| if let Line::Command(c) = l { Some(c) } else { None })
            .expect("a command");
        let s = super::summarise(&ast, c);
        let suggestion = s.as_ref().and_then(|s| super::suggest(s, &f, &services));
        (suggestion, super::loss(s.as_ref(), &f, &[22, 2222], &services))
    }

    #[test]
    fn suggestion_reads_the_parsed_rule() {
        let cases: &[(&str, Option<&str>)] = &[
            ("-A ufw-user-input -p tcp --dport 2222 -j ACCEPT", Some("ufw allow 2222/tcp")),
            // Option order, long names, quotes, numeric protocol, service names.
            ("-A ufw-user-input -j ACCEPT --protocol 6 --destination-port \"2222\"", Some("ufw allow 2222/tcp")),
            ("-A ufw-user-input -p tcp -m tcp --dport ssh -j ACCEPT", Some("ufw allow 22/tcp")),
            (
                "-A ufw-user-input -p tcp -m multiport --dports 80,443,6000:6010 -s 10.0.0.0/8 -j ACCEPT",
                Some("ufw allow from 10.0.0.0/8 to any port 80,443,6000:6010 proto tcp"),
            ),
            (
                "-A ufw-user-input --in-interface eth0 -p udp --dport 53 -j DROP",
                Some("ufw deny in on eth0 from any to any port 53 proto udp"),
            ),
            ("-A ufw-user-input -p tcp --dport 1024: -j ACCEPT", Some("ufw allow 1024:65535/tcp")),
            ("-A ufw-user-input -s 192.0.2.7 -j DROP", Some("ufw deny from 192.0.2.7")),
            ("-A ufw-user-input -p udp --dport 69 -j REJECT", Some("ufw reject 69/udp")),
            ("-A ufw-user-input -p tcp --dport 23 -j REJECT --reject-with tcp-reset", Some("ufw reject 23/tcp")),
            ("-A ufw-user-input -p tcp --dport 22 -j ACCEPT -m comment --comment \"admin\"", Some("ufw allow 22/tcp")),
            // What ufw would write differently: no suggestion.
            ("-A ufw-user-input -p tcp --dport 23 -j REJECT", None),
            ("-A ufw-user-input ! -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT", None),
            ("-A ufw-user-input -p tcp ! --dport 22 -j DROP", None),
            ("-I ufw-user-input -p tcp --dport 22 -j ACCEPT", None),
            ("-I ufw-user-input 1 -p tcp --dport 22 -j ACCEPT", None),
            ("-A ufw-user-input -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT", None),
            ("-A ufw-user-input -p tcp --dport 22 -d 192.0.2.1 -j ACCEPT", None),
            ("-A ufw-user-input -p tcp --sport 22 -j ACCEPT", None),
            ("-A ufw-user-input -p tcp --dport :1024 -j ACCEPT", None),
            ("-A ufw-user-input -p gre -s 192.0.2.7 -j ACCEPT", None),
            ("-A ufw-user-input -s 10.0.0.1,10.0.0.2 -j ACCEPT", None),
            ("-A ufw-user-input -s example.org -j ACCEPT", None),
            ("-A ufw-user-input -p tcp --dport 22 -j LOG", None),
            ("-A ufw-user-input -p tcp --dport 22 -g ufw-user-limit-accept", None),
            ("-A ufw-user-output -p tcp --dport 22 -j ACCEPT", None),
            ("-A ufw-user-input -j ACCEPT", None),
        ];
        for (line, want) in cases {
            assert_eq!(shape(line).0.as_deref(), *want, "{line}");
        }
    }

    #[test]
    fn loss_reads_negation_interfaces_and_ssh_ports() {
        assert_eq!(
            shape("-A ufw-user-input -p tcp --destination-port 2222 -j ACCEPT").1,
            ", and tcp port 2222 is no longer accepted (sshd listens on port 2222)"
        );
        assert_eq!(
            shape("-A ufw-user-input ! -s 10.0.0.0/8 -i eth0 -p tcp -m multiport --dports 22,2222 -j ACCEPT").1,
            ", and tcp ports 22,2222 from anywhere but 10.0.0.0/8 on eth0 are no longer accepted (sshd listens on ports 22, 2222)"
        );
        assert_eq!(
            shape("-A ufw-user-input -p tcp ! --dport 22 -j ACCEPT").1,
            ", and tcp ports other than 22 are no longer accepted (sshd listens on port 2222)"
        );
        assert_eq!(
            shape("-A ufw-user-input -s 10.0.0.0/8 -j ACCEPT").1,
            ", and traffic from 10.0.0.0/8 is no longer accepted (sshd listens on ports 22, 2222)"
        );
        assert_eq!(
            shape("-A ufw-user-input -p udp --dport 2222 -j ACCEPT").1,
            ", and udp port 2222 is no longer accepted"
        );
        assert_eq!(
            shape("-A ufw-user-input ! -p udp -j DROP").1,
            ", and traffic other than udp is no longer blocked by it"
        );
        assert_eq!(shape("-A ufw-user-input -p tcp --dport 22 -j LOG").1, "");
    }

    #[test]
    fn longest_run_in_order() {
        assert_eq!(super::longest_increasing(&[0, 1, 2]), [0, 1, 2]);
        assert_eq!(super::longest_increasing(&[1, 0, 2, 3]).len(), 3);
        assert_eq!(super::longest_increasing(&[3, 0, 1, 2]), [1, 2, 3]);
        assert!(super::longest_increasing(&[]).is_empty());
    }

    #[test]
    fn reordered_line_is_reported_with_the_line_it_passed() {
        let f = run(
            "\n### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -s 10.0.0.0/8 -j DROP\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n\n### tuple ### deny any any 0.0.0.0/0 any 10.0.0.0/8 in\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("stands above `-A ufw-user-input -p tcp --dport 2222 -j ACCEPT` (line 11)"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("swap precedence"), "{}", f[0].message);
        assert_eq!(f[0].related.len(), 2);
        // Whole tuples moved with their lines keep their order: ufw writes them as it finds them.
        let f = run(
            "\n### tuple ### deny any any 0.0.0.0/0 any 10.0.0.0/8 in\n-A ufw-user-input -s 10.0.0.0/8 -j DROP\n\n### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n",
            SSH_PROFILE,
        );
        assert!(f.is_empty(), "{f:#?}");
        // The lines of one tuple in another order (the limit rule's `--set` after its check).
        let f = run(
            "\n### tuple ### limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw-user-limit\n-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set\n-A ufw-user-input -p tcp --dport 2222 -j ufw-user-limit-accept\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("recent --update"), "{}", f[0].message);
    }

    #[test]
    fn second_copy_is_info() {
        let f = run(
            "\n### tuple ### allow tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n-A ufw-user-input -p tcp --dport 2222 -j ACCEPT\n",
            SSH_PROFILE,
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("repeats line 10"), "{}", f[0].message);
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Info);
    }

    #[test]
    fn hand_edits_outside_the_rules() {
        let user = format!(
            "{}\n### tuple ### limit tcp 2222 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set\n-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw-user-limit\n-A ufw-user-input -p tcp --dport 2222 -j ufw-user-limit-accept\n\n### END RULES ###\n\n### LOGGING ###\n-A ufw-after-logging-input -j LOG --log-prefix \"[UFW BLOCK] \" -m limit --limit 3/min --limit-burst 10\n-A ufw-after-logging-input -j LOG --log-prefix \"[UFW BLOCK] \" -m limit --limit 30/min\n-A ufw-after-logging-input -p tcp --dport 2222 -j ACCEPT\n-A ufw-after-logging-input -p tcp --dport 80 -j ACCEPT\n### END LOGGING ###\n\n### RATE LIMITING ###\n-A ufw-user-limit -j DROP\n### END RATE LIMITING ###\nCOMMIT\n",
            HEAD.replace(":ufw-user-limit-accept - [0:0]\n", ":ufw-user-limit-accept - [0:0]\n:mine - [0:0]\n")
        );
        let f = run_tree(
            &super::RULE,
            &[
                ("etc/ufw/ufw.conf", "ENABLED=no\n"),
                ("etc/ufw/user.rules", &user),
                ("etc/ssh/sshd_config", "Port 2222\n"),
            ],
            &CheckOptions::default(),
        );
        let m: Vec<&str> = f.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(f.len(), 6, "{m:#?}");
        assert!(m[0].starts_with("`:mine - [0:0]` is not a line ufw writes in the header"), "{}", m[0]);
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Info);
        assert!(m[1].contains("--limit 30/min") && m[1].contains("in the `### LOGGING ###` section"), "{}", m[1]);
        assert_eq!(f[1].severity, crate::diagnostic::Severity::Info);
        assert!(m[2].contains("sshd listens on port 2222"), "{}", m[2]);
        assert_eq!(f[2].severity, crate::diagnostic::Severity::Warning);
        assert!(m[3].contains("tcp port 80 is no longer accepted") && !m[3].contains("sshd"), "{}", m[3]);
        assert!(m[4].contains("`-A ufw-user-limit -j DROP` is not what ufw writes in the `### RATE LIMITING ###` section (`-A ufw-user-limit -j REJECT`)"), "{}", m[4]);
        assert!(m[5].starts_with("ufw writes `-A ufw-user-limit-accept -j ACCEPT`"), "{}", m[5]);
    }

    #[test]
    fn lines_of_other_log_levels_and_the_template_pass() {
        // ufw's packaged template (no LOGGING section, rate limiting inside RULES, no END).
        let template = "*filter\n:ufw-user-input - [0:0]\n:ufw-user-output - [0:0]\n:ufw-user-forward - [0:0]\n:ufw-user-limit - [0:0]\n:ufw-user-limit-accept - [0:0]\n### RULES ###\n-A ufw-user-limit -m limit --limit 3/minute -j LOG --log-prefix \"[UFW LIMIT BLOCK] \"\n-A ufw-user-limit -j REJECT\n-A ufw-user-limit-accept -j ACCEPT\nCOMMIT\n";
        let f = run_tree(
            &super::RULE,
            &[("etc/ufw/ufw.conf", "ENABLED=no\n"), ("etc/ufw/user.rules", template)],
            &CheckOptions::default(),
        );
        assert!(f.is_empty(), "{f:#?}");
        // `ufw logging full` lines with LOGLEVEL=low: ufw's own, for another level.
        let f = run(
            "\n### END RULES ###\n### LOGGING ###\n-I ufw-before-logging-input -j LOG --log-prefix \"[UFW AUDIT] \"\n-I ufw-user-logging-input -j RETURN\n",
            SSH_PROFILE,
        );
        assert!(f.is_empty(), "{f:#?}");
    }

    #[test]
    fn missing_profiles_directory_is_one_finding() {
        let user = format!(
            "{HEAD}\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT -m comment --comment 'dapp_OpenSSH'\n\n### tuple ### allow tcp 80,443 0.0.0.0/0 any 0.0.0.0/0 WWW%20Full - in\n-A ufw-user-input -p tcp -m multiport --dports 80,443 -j ACCEPT -m comment --comment 'dapp_WWW%20Full'\n{TAIL}"
        );
        let mut files = vec![
            ("etc/ufw/ufw.conf", "ENABLED=yes\nLOGLEVEL=low\n"),
            (
                "etc/default/ufw",
                "IPV6=no\nDEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\nDEFAULT_FORWARD_POLICY=\"DROP\"\n",
            ),
            ("etc/ufw/user.rules", &user),
        ];
        let f = run_tree(&super::RULE, &files, &CheckOptions::default());
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("/etc/ufw/applications.d does not exist"), "{}", f[0].message);
        assert!(f[0].message.contains("Profiles directory does not exist"), "{}", f[0].message);
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Warning);
        assert_eq!(f[0].related.len(), 1);
        // A partial copy (no /etc/default/ufw) may leave the directory out: information only.
        files.remove(1);
        let f = run_tree(&super::RULE, &files, &CheckOptions::default());
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Info);
    }

    #[test]
    fn udp_only_service_names_resolve_as_ufw_does() {
        let user = format!(
            "{HEAD}\n### tuple ### allow udp mdns 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p udp --dport 5353 -j ACCEPT\n\n### tuple ### allow tcp isakmp 0.0.0.0/0 any 0.0.0.0/0 Ike - in\n-A ufw-user-input -p tcp --dport 500 -j ACCEPT -m comment --comment 'dapp_Ike'\n{TAIL}"
        );
        let f = run_tree(
            &super::RULE,
            &[
                ("etc/ufw/ufw.conf", "ENABLED=no\n"),
                ("etc/services", "ssh\t\t22/tcp\nisakmp\t\t500/udp\nmdns\t\t5353/udp\t\t\t# Multicast DNS\n"),
                ("etc/ufw/user.rules", &user),
                ("etc/ufw/applications.d/ike", "[Ike]\ntitle=IKE\ndescription=IKE\nports=isakmp/tcp\n"),
            ],
            &CheckOptions::default(),
        );
        assert!(f.is_empty(), "{f:#?}");
    }
}
