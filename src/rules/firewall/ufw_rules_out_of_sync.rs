//! FW203 `ufw-rules-out-of-sync`.

use crate::ast::iptables::Family;
use crate::ast::ufw::UserLineKind;
use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::firewall::ufw::Ufw;
use crate::model::firewall::ufw_app::spec_list;
use crate::model::firewall::ufw_tuple::{Action, NoteKind, ReadTuple, UfwRule, UserRules, normalise, port_items};
use crate::model::reach::{self, Listener};
use crate::rules::Context;
use crate::source::{Location, Span};
use std::collections::{HashMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Reports ufw state that the `ufw` command will not keep or cannot use: lines of
    /// `user.rules`/`user6.rules` that no `### tuple ###` comment generates (hand edits), lines a
    /// tuple generates that are missing, tuples ufw skips as malformed or reads differently
    /// than they look, text that makes every `ufw` command fail (bytes that are not UTF-8,
    /// ` comment=` twice on a line), tuples whose application profile is missing or now lists
    /// other ports, and application profiles in `/etc/ufw/applications.d` that ufw skips or
    /// overrides.
    ///
    /// ## Why is this bad?
    /// The `ufw` command rewrites `user.rules` and `user6.rules` in full on `ufw enable`,
    /// `ufw reload`, `ufw logging` and every rule change, and writes the iptables lines only
    /// from the tuple comments. A rule added by editing the file works until then and silently
    /// disappears the next time anyone runs `ufw allow`: if it was the rule admitting SSH on a
    /// custom port, that is a lockout waiting to happen. The reverse also holds: a line deleted
    /// by hand comes back. A malformed tuple is dropped with a warning nobody reads, and
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
    let user_chain = |line: &str| {
        let mut w = line.split_whitespace();
        let (Some(cmd), Some(chain)) = (w.next(), w.next()) else { return false };
        matches!(cmd, "-A" | "--append" | "-I" | "--insert")
            && ["input", "output", "forward"].iter().any(|d| chain == format!("{}-user-{d}", f.prefix()))
    };
    let generated: Vec<(usize, Vec<String>)> = f
        .tuples
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.outcome.as_ref().ok().map(|r| (i, r.lines().iter().map(|l| normalise(l)).collect())))
        .collect();
    let expected: HashSet<&str> = generated.iter().flat_map(|(_, ls)| ls.iter().map(String::as_str)).collect();
    let tuple_at_line: HashMap<usize, usize> = f.tuples.iter().enumerate().map(|(i, t)| (t.line, i)).collect();

    // Lines ufw would not write, grouped under the tuple (or look-alike) they follow.
    let mut present: HashSet<String> = HashSet::new();
    let mut groups: HashMap<Head, Vec<usize>> = HashMap::new();
    let mut loose: Vec<usize> = Vec::new();
    let mut head: Option<Head> = None;
    for (i, line) in f.ast.lines.iter().enumerate() {
        let inside = block.as_ref().is_some_and(|b| b.contains(&i));
        match &line.kind {
            UserLineKind::RulesStart | UserLineKind::RulesEnd => head = None,
            UserLineKind::Tuple(_) | UserLineKind::BadTuple { .. } => {
                head = tuple_at_line.get(&i).copied().map(Head::Tuple)
            }
            UserLineKind::LooksLikeTuple => head = Some(Head::LookAlike(i)),
            UserLineKind::Other => {
                let norm = text(line.span);
                if inside || block.is_none() {
                    present.insert(norm.clone());
                }
                if (inside || user_chain(&norm)) && !expected.contains(norm.as_str()) {
                    match head.filter(|_| inside) {
                        Some(h) => groups.entry(h).or_default().push(i),
                        None => loose.push(i),
                    }
                }
            }
            UserLineKind::Blank | UserLineKind::Comment => {}
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

    // Tuples: generated lines missing from the file, paired with hand-edited lines below them.
    for (ti, lines) in &generated {
        let t = &f.tuples[*ti];
        let Ok(rule) = &t.outcome else { continue };
        let missing: Vec<&String> = lines.iter().filter(|l| !present.contains(l.as_str())).collect();
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
                        loss(&have, f, &ssh_ports)
                    ),
                )
                .help("make the change with the ufw command (`ufw delete` the rule, add the one you want); rules ufw cannot express belong in /etc/ufw/before.rules")
                .related(at(t.span), "ufw regenerates the line from this tuple"),
            );
        }
        for &li in &mine[paired..] {
            out.push(orphan(&text(f.ast.lines[li].span), at(f.ast.lines[li].span), f, &ssh_ports));
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

    // Lines that follow no tuple (or come outside the rules block).
    for &li in &loose {
        let span = f.ast.lines[li].span;
        out.push(orphan(&text(span), at(span), f, &ssh_ports));
    }
}

/// A line no tuple generates.
fn orphan(line: &str, at: Location, f: &UserRules, ssh_ports: &[u16]) -> Violation {
    let help = match suggest(line, f) {
        Some(cmd) => format!(
            "add it with the ufw command instead (`{cmd}`); hand-written rules that must stay belong in /etc/ufw/before{}.rules",
            if f.v6 { "6" } else { "" }
        ),
        None => format!(
            "add it with the ufw command instead (`ufw allow …`); hand-written rules that must stay belong in /etc/ufw/before{}.rules",
            if f.v6 { "6" } else { "" }
        ),
    };
    Violation::new(
        at,
        format!(
            "`{line}` is not generated by any `### tuple ###` comment: {REWRITE} rewrites {} without it{}",
            f.name,
            loss(line, f, ssh_ports)
        ),
    )
    .help(help)
}

/// The options of a simple rule line that matter to a reader.
#[derive(Default)]
struct Summary<'a> {
    chain: &'a str,
    proto: Option<&'a str>,
    dports: Option<&'a str>,
    src: Option<&'a str>,
    iface: Option<&'a str>,
    target: Option<&'a str>,
    /// Options other than those above (`-m conntrack`, `-d`, …).
    other: bool,
}

fn summarise(line: &str) -> Summary<'_> {
    let mut s = Summary::default();
    let mut w = line.split_whitespace();
    let _ = w.next();
    s.chain = w.next().unwrap_or("");
    while let Some(opt) = w.next() {
        let slot = match opt {
            "-p" | "--protocol" => &mut s.proto,
            "--dport" | "--dports" | "--destination-port" | "--destination-ports" => &mut s.dports,
            "-s" | "--source" => &mut s.src,
            "-i" | "--in-interface" => &mut s.iface,
            "-j" | "--jump" => &mut s.target,
            "-m" => {
                if w.next().is_some_and(|m| m != "tcp" && m != "udp" && m != "multiport") {
                    s.other = true;
                }
                continue;
            }
            _ => {
                s.other = true;
                continue;
            }
        };
        *slot = w.next();
    }
    s
}

/// ", and tcp port 2222 is no longer accepted (sshd listens on port 2222)".
fn loss(line: &str, f: &UserRules, ssh_ports: &[u16]) -> String {
    let s = summarise(line);
    let accept_targets = ["ACCEPT".to_string(), format!("{}-user-limit-accept", f.prefix())];
    let verb = match s.target {
        Some(t) if accept_targets.iter().any(|a| a == t) => "accepted",
        Some("DROP" | "REJECT") => "blocked by it",
        _ => return String::new(),
    };
    let mut what = match (s.proto, s.dports) {
        (Some(p), Some(d)) if d.contains([',', ':']) => format!("{p} ports {d}"),
        (Some(p), Some(d)) => format!("{p} port {d}"),
        (Some(p), None) => format!("{p} traffic"),
        (None, _) => "traffic".to_string(),
    };
    if let Some(src) = s.src {
        what += &format!(" from {src}");
    }
    if let Some(i) = s.iface {
        what += &format!(" on {i}");
    }
    let mut out = format!(", and {what} is no longer {verb}");
    let ssh = s.chain == format!("{}-user-input", f.prefix())
        && verb == "accepted"
        && s.proto.is_none_or(|p| p == "tcp" || p == "6")
        && s.dports.is_some_and(|d| ssh_ports.iter().any(|p| covers(d, *p)));
    if ssh {
        let ports: Vec<String> =
            ssh_ports.iter().filter(|p| s.dports.is_some_and(|d| covers(d, **p))).map(u16::to_string).collect();
        out += &format!(" (sshd listens on port {})", ports.join(", "));
    }
    out
}

/// Whether a `--dport(s)` value (numbers, as ufw writes them) covers a port.
fn covers(ports: &str, port: u16) -> bool {
    crate::model::firewall::eval::port_list(ports, &|_| None)
        .is_some_and(|ranges| ranges.iter().any(|&(lo, hi)| lo <= port && port <= hi))
}

/// The ufw command for a simple input rule (`ufw allow 2222/tcp`).
fn suggest(line: &str, f: &UserRules) -> Option<String> {
    let s = summarise(line);
    if s.other || s.chain != format!("{}-user-input", f.prefix()) {
        return None;
    }
    let action = match s.target? {
        "ACCEPT" => "allow",
        "DROP" => "deny",
        "REJECT" => "reject",
        _ => return None,
    };
    let proto = s.proto.filter(|p| *p == "tcp" || *p == "udp");
    if s.proto.is_some() && proto.is_none() {
        return None;
    }
    if s.src.is_none() && s.iface.is_none() {
        return match (s.dports, proto) {
            (Some(d), Some(p)) => Some(format!("ufw {action} {d}/{p}")),
            _ => None,
        };
    }
    let mut cmd = format!("ufw {action}");
    if let Some(i) = s.iface {
        cmd += &format!(" in on {i}");
    }
    cmd += &format!(" from {}", s.src.unwrap_or("any"));
    if let Some(d) = s.dports {
        cmd += &format!(" to any port {d}");
    }
    if let Some(p) = proto {
        cmd += &format!(" proto {p}");
    }
    Some(cmd)
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
                let services = |n: &str| ctx.firewall.service_port(n);
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
                            .is_ok_and(|items| covers(&items.into_iter().map(|(s, _)| s).collect::<Vec<_>>().join(","), port))
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
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const HEAD: &str = "*filter\n:ufw-user-input - [0:0]\n:ufw-user-output - [0:0]\n:ufw-user-forward - [0:0]\n:ufw-user-limit - [0:0]\n:ufw-user-limit-accept - [0:0]\n### RULES ###\n";
    const TAIL: &str = "\n### END RULES ###\n\n### LOGGING ###\n### END LOGGING ###\nCOMMIT\n";
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
}
