//! The `ufw` command's side of `user.rules`/`user6.rules` (ufw 0.36): each `### tuple ###`
//! comment read into the rule ufw keeps (`UFWRule` as `_read_rules` builds it) or the reason ufw
//! skips it, and the iptables-restore lines ufw writes for a rule (`format_rule` and
//! `_get_rules_from_formatted`: `proto any` with a port becomes a tcp and a udp line, `reject`
//! over tcp resets, `deny` drops, `limit` becomes the three `recent` lines, `_log` and
//! `_log-all` add the `ufw-user-logging-*` lines, application rules carry
//! `-m comment --comment 'dapp_NAME'`), and the frame ufw writes around them: the chain
//! declarations, the logging section for the log level and default policies, the rate limiting
//! section. ufw regenerates the whole file from the tuples on `ufw enable`, `ufw reload`,
//! `ufw logging` and every rule change, so comparing those lines with the file's text tells what
//! a rewrite would drop, bring back or put in another order.
//!
//! This module works on text only; it must not depend on the iptables AST or evaluate packets.
//! Facts: reference/firewalls.md §2.3, checked against the real ufw by `tests/ufw_tuples.rs`.

use crate::ast::ufw::{Tuple, UserLineKind, UserRulesAst, Word};
use crate::source::{FileId, Span};
use crate::syntax::ufw::{PortItem, port_item};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Protocols `UFWRule.set_protocol` accepts (besides `any`).
pub const PROTOCOLS: &[&str] = &["tcp", "udp", "ipv6", "esp", "ah", "igmp", "gre", "vrrp"];
/// Protocols that take no port (`util.portless_protocols`).
pub const PORTLESS: &[&str] = &["ipv6", "esp", "ah", "igmp", "gre", "vrrp"];

/// One user rules file as the ufw command reads it.
#[derive(Clone, Debug)]
pub struct UserRules {
    /// `user.rules` or `user6.rules`.
    pub name: String,
    pub file: FileId,
    pub v6: bool,
    pub ast: UserRulesAst,
    /// Every `### tuple ###` line in file order, as ufw reads it.
    pub tuples: Vec<ReadTuple>,
}

impl UserRules {
    /// Parse `text` (the file `file`) and read its tuples.
    pub fn read(name: &str, file: FileId, v6: bool, text: &str, services: &dyn Fn(&str) -> Option<u16>) -> Self {
        let ast = crate::syntax::ufw::parse_user_rules(text);
        let tuples = ast
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| match &l.kind {
                UserLineKind::Tuple(t) => {
                    let mut r = read_tuple(i, l.span, t, v6, services);
                    // With ` comment=` twice ufw never gets to the comment: it stops reading.
                    if l.comment_markers >= 2 {
                        r.notes.retain(|n| !matches!(n.kind, NoteKind::CommentNotHex(_)));
                    }
                    Some(r)
                }
                UserLineKind::BadTuple { fields } => Some(ReadTuple {
                    line: i,
                    span: l.span,
                    outcome: Err(Skipped { span: l.span, reason: bad_length(*fields) }),
                    notes: Vec::new(),
                }),
                _ => None,
            })
            .collect();
        UserRules { name: name.to_string(), file, v6, ast, tuples }
    }

    /// `ufw` or `ufw6`.
    pub fn prefix(&self) -> &'static str {
        if self.v6 { "ufw6" } else { "ufw" }
    }
}

fn bad_length(fields: usize) -> String {
    match fields {
        0 => "it has no fields".to_string(),
        1 => "it has 1 field, not 6 to 9".to_string(),
        n => format!("it has {n} fields, not 6 to 9"),
    }
}

/// A tuple comment and what ufw makes of it.
#[derive(Clone, Debug)]
pub struct ReadTuple {
    /// Index of the line in [`UserRules::ast`].
    pub line: usize,
    /// The whole line.
    pub span: Span,
    pub outcome: Result<UfwRule, Skipped>,
    /// Surprises of a tuple ufw does read.
    pub notes: Vec<Note>,
}

/// ufw warns "Skipping malformed tuple" and leaves the tuple out of its rules: the next rewrite
/// of the file drops it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The field at fault (the whole line for a bad field count).
    pub span: Span,
    /// Why, as a clause ("`TCP` is not a protocol ufw knows").
    pub reason: String,
}

/// Something a readable tuple does that its author probably did not mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub kind: NoteKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// `set_action` reads any word but allow/reject/limit as `deny`.
    UnknownAction(String),
    /// `proto any` with a port list or range: `format_rule` writes no port match at all.
    PortsDropped,
    /// An address of the other family: `normalize_address` fails and ufw refuses every rule
    /// change of the family ("Could not normalize … address").
    OtherFamily(String),
    /// `comment=` that is not hex: `ufw show added` (and the comments of `ufw status`) stop with
    /// a Python `binascii.Error`.
    CommentNotHex(String),
}

/// `allow`, `deny`, `reject` or `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
    Reject,
    Limit,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Deny => "deny",
            Action::Reject => "reject",
            Action::Limit => "limit",
        }
    }
}

/// The `_log` / `_log-all` suffix of an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogType {
    None,
    Log,
    LogAll,
}

/// A rule as ufw holds it after reading a tuple (`UFWRule`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UfwRule {
    pub action: Action,
    pub log: LogType,
    /// `route:` rules go to `ufw-user-forward`.
    pub forward: bool,
    /// `any` or one of [`PROTOCOLS`].
    pub protocol: String,
    /// `any`, or the items as written with service names replaced by their number.
    pub dport: String,
    pub sport: String,
    /// A list or a range in either port: written with `-m multiport`.
    pub multi: bool,
    /// Lower-cased; the family's "anywhere" (`0.0.0.0/0`, `::/0`) for `any` and the other
    /// family's "anywhere".
    pub dst: String,
    pub src: String,
    /// Application names as written in the tuple (`WWW%20Full`).
    pub dapp: Option<String>,
    pub sapp: Option<String>,
    /// `out` rather than `in`.
    pub outgoing: bool,
    pub iface_in: String,
    pub iface_out: String,
    pub v6: bool,
}

/// The tuple's fields with the text ufw reads.
fn read_tuple(line: usize, span: Span, t: &Tuple, v6: bool, services: &dyn Fn(&str) -> Option<u16>) -> ReadTuple {
    let mut notes = Vec::new();
    let outcome = build(t, v6, services, &mut notes);
    if let Some(c) = &t.comment
        && !c.text.chars().all(|ch| ch.is_ascii_hexdigit())
    {
        notes.push(Note { span: c.span, kind: NoteKind::CommentNotHex(c.text.clone()) });
    }
    if outcome.is_err() {
        notes.clear();
    }
    ReadTuple { line, span, outcome, notes }
}

fn skip(w: &Word, reason: String) -> Skipped {
    Skipped { span: w.span, reason }
}

fn build(
    t: &Tuple,
    v6: bool,
    services: &dyn Fn(&str) -> Option<u16>,
    notes: &mut Vec<Note>,
) -> Result<UfwRule, Skipped> {
    // DIRECTION[_IFACE]: the part before the first `_` is the direction.
    let (outgoing_word, iface_in, iface_out) = match &t.direction {
        None => ("in".to_string(), String::new(), String::new()),
        Some(d) => interfaces(d)?,
    };
    // ACTION: `route:` prefix, then `allow|deny|reject|limit` with `_log`/`_log-all`.
    let mut action_text = t.action.text.as_str();
    let forward = action_text.contains(':');
    if forward {
        action_text = action_text.split(':').nth(1).unwrap_or("");
    }
    let lower = action_text.to_lowercase();
    let mut parts = lower.split('_');
    let word = parts.next().unwrap_or("");
    let action = match word {
        "allow" => Action::Allow,
        "reject" => Action::Reject,
        "limit" => Action::Limit,
        other => {
            if other != "deny" {
                notes.push(Note { span: t.action.span, kind: NoteKind::UnknownAction(action_text.to_string()) });
            }
            Action::Deny
        }
    };
    let log = match parts.next().unwrap_or("") {
        "" => LogType::None,
        "log" => LogType::Log,
        "log-all" => LogType::LogAll,
        other => return Err(skip(&t.action, format!("`{other}` is not a log type (`log` or `log-all`)"))),
    };
    if t.protocol.text != "any" && !PROTOCOLS.contains(&t.protocol.text.as_str()) {
        return Err(skip(&t.protocol, format!("`{}` is not a protocol ufw knows", t.protocol.text)));
    }
    let mut multi = false;
    let dport = port(&t.dport, services, &mut multi)?;
    let sport = port(&t.sport, services, &mut multi)?;
    let src = address(&t.src)?;
    let dst = address(&t.dst)?;
    if outgoing_word != "in" && outgoing_word != "out" {
        let d = t.direction.as_ref().unwrap_or(&t.action);
        return Err(skip(d, format!("`{outgoing_word}` is not a direction (`in` or `out`)")));
    }
    if let Some(d) = &t.direction {
        for name in [&iface_in, &iface_out].into_iter().filter(|n| !n.is_empty()) {
            if let Err(why) = interface_ok(name) {
                return Err(skip(d, format!("interface `{name}` {why}")));
            }
        }
    }
    let mut rule = UfwRule {
        action,
        log,
        forward,
        protocol: t.protocol.text.clone(),
        dport,
        sport,
        multi,
        dst,
        src,
        dapp: None,
        sapp: None,
        outgoing: outgoing_word == "out",
        iface_in,
        iface_out,
        v6,
    };
    if let Some((d, s)) = &t.apps {
        rule.dapp = (d.text != "-").then(|| d.text.clone());
        rule.sapp = (s.text != "-").then(|| s.text.clone());
    }
    // `set_v6`: "anywhere" of either family becomes the file's own.
    let anywhere = if v6 { "::/0" } else { "0.0.0.0/0" };
    for (a, w) in [(&mut rule.dst, &t.dst), (&mut rule.src, &t.src)] {
        if matches!(a.as_str(), "any" | "0.0.0.0/0" | "::/0") {
            *a = anywhere.to_string();
        } else if a.contains(':') != v6 {
            notes.push(Note { span: w.span, kind: NoteKind::OtherFamily(a.clone()) });
        }
    }
    if rule.protocol == "any" && rule.multi {
        let w = if rule.dport != "any" { &t.dport } else { &t.sport };
        notes.push(Note { span: w.span, kind: NoteKind::PortsDropped });
    }
    Ok(rule)
}

/// `in`, `out_eth1`, `in_eth0!out_eth1` → (direction word, in-interface, out-interface).
fn interfaces(d: &Word) -> Result<(String, String, String), Skipped> {
    let text = d.text.as_str();
    let direction = text.split('_').next().unwrap_or("").to_string();
    if !text.contains('_') {
        return Ok((direction, String::new(), String::new()));
    }
    let after = |s: &str| s.split_once('_').map(|(_, r)| r.to_string()).unwrap_or_default();
    let mut pieces = text.split('!');
    let first = pieces.next().unwrap_or("");
    if let Some(second) = pieces.next()
        && has_iface(text, "in_")
        && has_iface(text, "out_")
    {
        return Ok((direction, after(first), after(second)));
    }
    if text.starts_with("in_") {
        Ok((direction, after(text), String::new()))
    } else if text.starts_with("out_") {
        Ok((direction, String::new(), after(text)))
    } else {
        Err(skip(d, format!("`{text}` is not `in_IFACE`, `out_IFACE` or `in_IFACE!out_IFACE`")))
    }
}

/// `re.search(r'in_\w+')`: the prefix followed by a word character somewhere in the text.
fn has_iface(text: &str, prefix: &str) -> bool {
    text.match_indices(prefix)
        .any(|(i, _)| text[i + prefix.len()..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_'))
}

/// `UFWRule.set_interface`'s checks.
pub fn interface_ok(name: &str) -> Result<(), &'static str> {
    if name.contains('!') {
        return Err("contains `!`");
    }
    if name.contains(':') {
        return Err("is an alias (contains `:`)");
    }
    if name == "." || name == ".." {
        return Err("is `.` or `..`");
    }
    if name.chars().count() > 15 {
        return Err("is longer than 15 characters");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.+,=%@".contains(c)) {
        return Err("has characters ufw does not allow");
    }
    Ok(())
}

/// `UFWRule.set_port`: `any`, or at most 15 comma-separated numbers, ranges and service names.
fn port(w: &Word, services: &dyn Fn(&str) -> Option<u16>, multi: &mut bool) -> Result<String, Skipped> {
    let text = w.text.as_str();
    if text == "any" {
        return Ok(text.to_string());
    }
    let items = port_items(text, services).map_err(|why| skip(w, why))?;
    if items.len() > 1 || items.iter().any(|(_, range)| *range) {
        *multi = true;
    }
    Ok(items.into_iter().map(|(s, _)| s).collect::<Vec<_>>().join(","))
}

/// The items of a port list as ufw writes them back, each with whether it is a range; or why
/// ufw refuses the list.
pub fn port_items(text: &str, services: &dyn Fn(&str) -> Option<u16>) -> Result<Vec<(String, bool)>, String> {
    if text.starts_with([',', ':']) || text == "," || text == ":" {
        return Err(format!("`{text}` is not a port list"));
    }
    if text.matches([',', ':']).count() > 14 {
        return Err(format!("`{text}` has more than 15 ports (iptables' multiport limit)"));
    }
    // Python's int(): any number of leading zeros.
    let number = |s: &str| {
        let digits = s.trim_start_matches('0');
        if digits.len() > 5 { None } else { digits.parse::<u32>().ok().filter(|n| (1..=65535).contains(n)) }
    };
    let mut out = Vec::new();
    for item in text.split(',') {
        match port_item(item) {
            PortItem::Range(lo, hi) => match (number(lo), number(hi)) {
                (Some(a), Some(b)) if a < b => out.push((item.to_string(), true)),
                _ => return Err(format!("`{item}` is not a port range (1 to 65535, low before high)")),
            },
            PortItem::Number(n) if number(n).is_some() => out.push((item.to_string(), false)),
            PortItem::Number(_) => return Err(format!("`{item}` is not a port (1 to 65535)")),
            PortItem::Name(name) => match services(name) {
                Some(p) => out.push((p.to_string(), false)),
                None => return Err(format!("`{item}` is neither a port nor a service in /etc/services")),
            },
            PortItem::Bad => return Err(format!("`{item}` is not a port")),
        }
    }
    Ok(out)
}

/// `set_src`/`set_dst`: lower-cased, `any` or an address `valid_address` accepts.
fn address(w: &Word) -> Result<String, Skipped> {
    let a = w.text.to_lowercase();
    if a == "any" || valid_v4(&a) || valid_v6(&a) {
        Ok(a)
    } else {
        Err(skip(w, format!("`{}` is not an address", w.text)))
    }
}

/// `util.valid_address`: an address or network of either family as ufw accepts it.
pub fn valid_address(a: &str) -> bool {
    valid_v4(a) || valid_v6(a)
}

/// `util.valid_address4`: `A.B.C.D`, optionally `/0`…`/32` or `/` a dotted netmask.
fn valid_v4(a: &str) -> bool {
    if a.len() > 31 || !a.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '/') {
        return false;
    }
    let parts: Vec<&str> = a.split('/').collect();
    if parts.len() > 2 || parts[0].parse::<Ipv4Addr>().is_err() {
        return false;
    }
    parts.get(1).is_none_or(|m| cidr(m, 32) || dotted_quad(m))
}

/// `util.valid_address6`: an IPv6 address, optionally `/0`…`/128`.
fn valid_v6(a: &str) -> bool {
    if a.len() > 43 || !a.chars().all(|c| c.is_ascii_hexdigit() || ":./".contains(c)) {
        return false;
    }
    let parts: Vec<&str> = a.split('/').collect();
    if parts.len() > 2 || parts[0].parse::<Ipv6Addr>().is_err() {
        return false;
    }
    parts.get(1).is_none_or(|m| cidr(m, 128))
}

fn cidr(m: &str, max: u32) -> bool {
    !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()) && m.parse::<u32>().is_ok_and(|n| n <= max)
}

fn dotted_quad(m: &str) -> bool {
    let q: Vec<&str> = m.split('.').collect();
    q.len() == 4
        && q.iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 255))
}

impl UfwRule {
    /// `ufw` or `ufw6`.
    pub fn prefix(&self) -> &'static str {
        if self.v6 { "ufw6" } else { "ufw" }
    }

    /// `input`, `output` or `forward`.
    pub fn suffix(&self) -> &'static str {
        if self.forward {
            "forward"
        } else if self.outgoing {
            "output"
        } else {
            "input"
        }
    }

    /// The user chain the rule goes to (`ufw-user-input`, …).
    pub fn chain(&self) -> String {
        format!("{}-user-{}", self.prefix(), self.suffix())
    }

    fn is_anywhere(a: &str) -> bool {
        a == "0.0.0.0/0" || a == "::/0"
    }

    /// The rule's matches and pseudo-target as `format_rule` writes them.
    fn formatted(&self) -> String {
        let mut s = String::new();
        if !self.iface_in.is_empty() {
            s += &format!(" -i {}", self.iface_in);
        }
        if !self.iface_out.is_empty() {
            s += &format!(" -o {}", self.iface_out);
        }
        let (dport, sport) = (self.dport != "any", self.sport != "any");
        if self.protocol == "any" {
            s += " -p all";
        } else {
            s += &format!(" -p {}", self.protocol);
            if self.multi {
                s += " -m multiport";
                if dport && sport {
                    s += &format!(" --dports {} -m multiport --sports {}", self.dport, self.sport);
                } else if dport {
                    s += &format!(" --dports {}", self.dport);
                } else if sport {
                    s += &format!(" --sports {}", self.sport);
                }
            }
        }
        if !Self::is_anywhere(&self.dst) {
            s += &format!(" -d {}", self.dst);
        }
        if !self.multi && dport {
            s += &format!(" --dport {}", self.dport);
        }
        if !Self::is_anywhere(&self.src) {
            s += &format!(" -s {}", self.src);
        }
        if !self.multi && sport {
            s += &format!(" --sport {}", self.sport);
        }
        let log = match self.log {
            LogType::None => "",
            LogType::Log => "_log",
            LogType::LogAll => "_log-all",
        };
        s += &match self.action {
            Action::Allow => format!(" -j ACCEPT{log}"),
            Action::Reject if self.protocol == "tcp" => format!(" -j REJECT{log} --reject-with tcp-reset"),
            Action::Reject => format!(" -j REJECT{log}"),
            Action::Limit => format!(" -j LIMIT{log}"),
            Action::Deny => format!(" -j DROP{log}"),
        };
        if self.dapp.is_some() || self.sapp.is_some() {
            let apps: Vec<String> = [("dapp", &self.dapp), ("sapp", &self.sapp)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}_{v}")))
                .collect();
            s += &format!(" -m comment --comment '{}'", apps.join(","));
        }
        s.trim_matches(crate::syntax::ufw::py_space).to_string()
    }

    /// The iptables-restore lines ufw writes for this rule, in order, without newlines.
    pub fn lines(&self) -> Vec<String> {
        let (prefix, suffix) = (self.prefix(), self.suffix());
        let rule = format!("-A {} {}", self.chain(), self.formatted());
        // `-p all`: tcp and udp halves when a port is named anywhere in the line, else no -p.
        let mut snippets = Vec::new();
        if rule.contains("-p all ") {
            if rule.contains("port ") {
                snippets.push(add_tcp_reset(&rule).replace("-p all ", "-p tcp "));
                snippets.push(rule.replace("-p all ", "-p udp "));
            } else {
                snippets.push(rule.replace("-p all ", ""));
            }
        } else {
            snippets.push(rule);
        }
        let logging = format!("{prefix}-user-logging-{suffix}");
        let mut logged = Vec::new();
        for s in snippets {
            match split_log(&s) {
                Some((pre, word, all, post)) => {
                    let policy = match word.to_ascii_lowercase().as_str() {
                        "accept" => "ALLOW",
                        "limit" => "LIMIT",
                        _ => "BLOCK",
                    };
                    let mut lstr =
                        format!("-m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix \"[UFW {policy}] \"");
                    if !all {
                        lstr = format!("-m conntrack --ctstate NEW {lstr}");
                    }
                    logged.push(rename_chain(&format!("{pre}{lstr}"), &logging));
                    logged.push(rename_chain(&format!("{pre}-j RETURN"), &logging));
                    logged.push(format!("{pre}-j {logging}"));
                    logged.push(format!("{pre}-j {word}{post}"));
                }
                None => logged.push(s),
            }
        }
        let mut out = Vec::new();
        for s in logged {
            if s.contains(" -j LIMIT") {
                out.push(s.replace(" -j LIMIT", " -m conntrack --ctstate NEW -m recent --set"));
                out.push(s.replace(
                    " -j LIMIT",
                    &format!(" -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j {prefix}-user-limit"),
                ));
                out.push(s.replace(" -j LIMIT", &format!(" -j {prefix}-user-limit-accept")));
            } else {
                out.push(s);
            }
        }
        out
    }
}

/// `-j REJECT`, `-j REJECT_log`, `-j REJECT_log-all` each followed by ` --reject-with tcp-reset`.
fn add_tcp_reset(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 24);
    let mut rest = s;
    while let Some(i) = rest.find("-j REJECT") {
        let mut end = i + "-j REJECT".len();
        if rest[end..].starts_with("_log") {
            end += "_log".len();
            if rest[end..].starts_with("-all") {
                end += "-all".len();
            }
        }
        out.push_str(&rest[..end]);
        out.push_str(" --reject-with tcp-reset");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The last `-j WORD_log[-all]` of a line: (text before `-j`, WORD, `-all` present, text after).
fn split_log(s: &str) -> Option<(&str, &str, bool, &str)> {
    s.rmatch_indices("-j ").find_map(|(i, _)| {
        let after = &s[i + 3..];
        let word_len = after.bytes().take_while(u8::is_ascii_uppercase).count();
        let rest = after[word_len..].strip_prefix("_log")?;
        if word_len == 0 {
            return None;
        }
        let (all, post) = match rest.strip_prefix("-all") {
            Some(p) => (true, p),
            None => (false, rest),
        };
        Some((&s[..i], &after[..word_len], all, post))
    })
}

/// Replace the chain of every `-A CHAIN`/`-D CHAIN` (`(-A|-D) ([a-zA-Z0-9\-]+)`).
fn rename_chain(s: &str, chain: &str) -> String {
    let mut out = String::with_capacity(s.len() + chain.len());
    let mut i = 0;
    while i < s.len() {
        let tail = &s[i..];
        if tail.starts_with("-A ") || tail.starts_with("-D ") {
            let name_len = tail[3..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
            if name_len > 0 {
                out.push_str(&tail[..3]);
                out.push_str(chain);
                i += 3 + name_len;
                continue;
            }
        }
        let c = tail.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// `LOGLEVEL` of ufw.conf (`loglevels` in ufw's backend.py).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Off,
    Low,
    Medium,
    High,
    Full,
}

impl LogLevel {
    pub const ALL: [LogLevel; 5] = [LogLevel::Off, LogLevel::Low, LogLevel::Medium, LogLevel::High, LogLevel::Full];

    pub fn from_name(name: &str) -> Option<LogLevel> {
        LogLevel::ALL.into_iter().find(|l| l.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Low => "low",
            LogLevel::Medium => "medium",
            LogLevel::High => "high",
            LogLevel::Full => "full",
        }
    }
}

/// What `_write_rules` writes around the rules of a user rules file: `head` from `*filter` to
/// `### RULES ###`, `tail` from the blank line before `### END RULES ###` to `COMMIT` (the
/// `### LOGGING ###` section of `_get_logging_rules` and the `### RATE LIMITING ###` section).
/// Between them, each tuple is a blank line, the tuple and its [`UfwRule::lines`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub head: Vec<String>,
    pub tail: Vec<String>,
}

/// The frame ufw writes for a log level and the default policies of input, output and forward
/// (`true` when the policy is deny or reject, which logs `[UFW BLOCK]`; allow logs
/// `[UFW ALLOW]` from `medium` on). The rate limiting chains are assumed supported by the
/// kernel (ufw probes for `recent`; every kernel ufw 0.36 runs on has it).
pub fn frame(v6: bool, level: LogLevel, blocks: [bool; 3]) -> Frame {
    let p = if v6 { "ufw6" } else { "ufw" };
    let dirs = ["input", "output", "forward"];
    let mut head = vec!["*filter".to_string()];
    for c in ["user-input", "user-output", "user-forward"] {
        head.push(format!(":{p}-{c} - [0:0]"));
    }
    for loc in ["before", "user", "after"] {
        for d in dirs {
            head.push(format!(":{p}-{loc}-logging-{d} - [0:0]"));
        }
    }
    for c in ["logging-deny", "logging-allow", "user-limit", "user-limit-accept"] {
        head.push(format!(":{p}-{c} - [0:0]"));
    }
    head.push("### RULES ###".to_string());

    let mut tail: Vec<String> = ["", "### END RULES ###", "", "### LOGGING ###"].map(String::from).to_vec();
    // `" ".join(r).replace('[', '"[').replace('] ', '] "')` of the rule's words.
    let log =
        |chain_cmd: &str, prefix: &str, largs: &str| format!("{chain_cmd} -j LOG --log-prefix \"{prefix} \"{largs}");
    let limit = " -m limit --limit 3/min --limit-burst 10";
    if level == LogLevel::Off {
        for d in dirs {
            tail.push(format!("-I {p}-user-logging-{d} -j RETURN"));
        }
    } else {
        let largs = if level < LogLevel::High { limit } else { "" };
        for (d, block) in dirs.iter().zip(blocks) {
            let c = format!("-A {p}-after-logging-{d}");
            if block {
                tail.push(log(&c, "[UFW BLOCK]", largs));
            } else if level >= LogLevel::Medium {
                tail.push(log(&c, "[UFW ALLOW]", largs));
            }
        }
        if level < LogLevel::Medium {
            tail.push(format!("-I {p}-logging-deny -m conntrack --ctstate INVALID -j RETURN{largs}"));
        } else {
            tail.push(log(
                &format!("-A {p}-logging-deny -m conntrack --ctstate INVALID"),
                "[UFW AUDIT INVALID]",
                largs,
            ));
        }
        tail.push(log(&format!("-A {p}-logging-deny"), "[UFW BLOCK]", largs));
        tail.push(log(&format!("-A {p}-logging-allow"), "[UFW ALLOW]", largs));
        if level >= LogLevel::Medium {
            let largs = match level {
                LogLevel::Medium => " -m conntrack --ctstate NEW -m limit --limit 3/min --limit-burst 10",
                LogLevel::High => limit,
                _ => "",
            };
            for d in dirs {
                tail.push(log(&format!("-I {p}-before-logging-{d}"), "[UFW AUDIT]", largs));
            }
        }
    }
    tail.extend(["### END LOGGING ###", "", "### RATE LIMITING ###"].map(String::from));
    if level != LogLevel::Off {
        tail.push(format!("-A {p}-user-limit -m limit --limit 3/minute -j LOG --log-prefix \"[UFW LIMIT BLOCK] \""));
    }
    tail.extend(rate_limit_lines(v6));
    tail.extend(["### END RATE LIMITING ###", "COMMIT"].map(String::from));
    Frame { head, tail }
}

/// The lines of the `### RATE LIMITING ###` section that decide packets: an over-limit source
/// is rejected, the rest accepted. ufw writes them at every log level.
pub fn rate_limit_lines(v6: bool) -> [String; 2] {
    let p = if v6 { "ufw6" } else { "ufw" };
    [format!("-A {p}-user-limit -j REJECT"), format!("-A {p}-user-limit-accept -j ACCEPT")]
}

/// Every line ufw writes outside the rules of its tuples, at any log level and for any default
/// policies (blank lines and `###` markers included): a line outside the RULES section that is
/// not one of these is a hand edit the next rewrite drops. A line of another level or policy
/// is left alone: `ufw default …` on a disabled firewall changes the policy without rewriting
/// the file.
pub fn frame_lines(v6: bool) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    for level in LogLevel::ALL {
        for bits in 0..8u8 {
            let f = frame(v6, level, [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0]);
            out.extend(f.head);
            out.extend(f.tail);
        }
    }
    out
}

/// Text with runs of whitespace made single spaces and the ends trimmed: how lines are compared.
pub fn normalise(line: &str) -> String {
    line.split(crate::syntax::ufw::py_space).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services(n: &str) -> Option<u16> {
        match n {
            "ssh" => Some(22),
            "http" => Some(80),
            _ => None,
        }
    }

    fn read(line: &str, v6: bool) -> ReadTuple {
        let rules = UserRules::read("user.rules", FileId(0), v6, line, &services);
        rules.tuples.into_iter().next().expect("a tuple line")
    }

    fn lines(tuple: &str) -> Vec<String> {
        read(tuple, false).outcome.expect("readable").lines()
    }

    fn lines6(tuple: &str) -> Vec<String> {
        read(tuple, true).outcome.expect("readable").lines()
    }

    fn skipped(tuple: &str) -> String {
        read(tuple, false).outcome.expect_err("skipped").reason
    }

    #[test]
    fn allow_tcp_port() {
        assert_eq!(
            lines("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in"),
            ["-A ufw-user-input -p tcp --dport 22 -j ACCEPT"]
        );
    }

    #[test]
    fn any_protocol_with_port_is_tcp_and_udp() {
        assert_eq!(
            lines("### tuple ### deny any 22 0.0.0.0/0 any 10.0.0.0/8 in"),
            [
                "-A ufw-user-input -p tcp --dport 22 -s 10.0.0.0/8 -j DROP",
                "-A ufw-user-input -p udp --dport 22 -s 10.0.0.0/8 -j DROP",
            ]
        );
        assert_eq!(
            lines("### tuple ### allow any any 0.0.0.0/0 any 10.0.0.0/8 in"),
            ["-A ufw-user-input -s 10.0.0.0/8 -j ACCEPT"]
        );
    }

    #[test]
    fn reject_resets_tcp_only() {
        assert_eq!(
            lines("### tuple ### reject any 25 0.0.0.0/0 any 0.0.0.0/0 in"),
            [
                "-A ufw-user-input -p tcp --dport 25 -j REJECT --reject-with tcp-reset",
                "-A ufw-user-input -p udp --dport 25 -j REJECT",
            ]
        );
        assert_eq!(
            lines6("### tuple ### reject tcp 24 ::/0 any ::/0 in"),
            ["-A ufw6-user-input -p tcp --dport 24 -j REJECT --reject-with tcp-reset"]
        );
    }

    #[test]
    fn limit_is_three_recent_lines() {
        assert_eq!(
            lines6("### tuple ### limit tcp 22 ::/0 any ::/0 in"),
            [
                "-A ufw6-user-input -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --set",
                "-A ufw6-user-input -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw6-user-limit",
                "-A ufw6-user-input -p tcp --dport 22 -j ufw6-user-limit-accept",
            ]
        );
    }

    #[test]
    fn log_adds_logging_chain_lines() {
        assert_eq!(
            lines("### tuple ### limit_log tcp 8083 0.0.0.0/0 any 0.0.0.0/0 in"),
            [
                "-A ufw-user-logging-input -p tcp --dport 8083 -m conntrack --ctstate NEW -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix \"[UFW LIMIT] \"",
                "-A ufw-user-logging-input -p tcp --dport 8083 -j RETURN",
                "-A ufw-user-input -p tcp --dport 8083 -j ufw-user-logging-input",
                "-A ufw-user-input -p tcp --dport 8083 -m conntrack --ctstate NEW -m recent --set",
                "-A ufw-user-input -p tcp --dport 8083 -m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 -j ufw-user-limit",
                "-A ufw-user-input -p tcp --dport 8083 -j ufw-user-limit-accept",
            ]
        );
        let all = lines("### tuple ### reject_log-all tcp 9000 0.0.0.0/0 any 0.0.0.0/0 in");
        assert_eq!(
            all[0],
            "-A ufw-user-logging-input -p tcp --dport 9000 -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix \"[UFW BLOCK] \""
        );
        assert_eq!(all[3], "-A ufw-user-input -p tcp --dport 9000 -j REJECT --reject-with tcp-reset");
    }

    #[test]
    fn app_rule_with_interface_and_comment() {
        assert_eq!(
            lines(
                "### tuple ### allow tcp 22 0.0.0.0/0 any 192.168.1.0/24 OpenSSH - in_eth0 comment=61646d696e206c616e"
            ),
            [
                "-A ufw-user-input -i eth0 -p tcp --dport 22 -s 192.168.1.0/24 -j ACCEPT -m comment --comment 'dapp_OpenSSH'"
            ]
        );
        assert_eq!(
            lines("### tuple ### allow tcp any 0.0.0.0/0 80,443 10.1.0.0/16 - WWW%20Full in"),
            [
                "-A ufw-user-input -p tcp -m multiport --sports 80,443 -s 10.1.0.0/16 -j ACCEPT -m comment --comment 'sapp_WWW%20Full'"
            ]
        );
    }

    #[test]
    fn multiport_route_and_output() {
        assert_eq!(
            lines("### tuple ### allow tcp 22 0.0.0.0/0 1024:2000 0.0.0.0/0 in"),
            ["-A ufw-user-input -p tcp -m multiport --dports 22 -m multiport --sports 1024:2000 -j ACCEPT"]
        );
        assert_eq!(
            lines("### tuple ### route:allow tcp 22 10.0.0.5 any 0.0.0.0/0 in_eth1!out_eth0"),
            ["-A ufw-user-forward -i eth1 -o eth0 -p tcp -d 10.0.0.5 --dport 22 -j ACCEPT"]
        );
        assert_eq!(
            lines("### tuple ### allow tcp 40 10.0.0.0/8 any 0.0.0.0/0 out_eth0!in_eth1"),
            ["-A ufw-user-output -i eth0 -o eth1 -p tcp -d 10.0.0.0/8 --dport 40 -j ACCEPT"]
        );
        assert_eq!(
            lines("### tuple ### deny any any 203.0.113.0/24 any 0.0.0.0/0 out_eth1"),
            ["-A ufw-user-output -o eth1 -d 203.0.113.0/24 -j DROP"]
        );
    }

    #[test]
    fn old_formats_and_quirks() {
        // Six fields: no direction, read as `in`.
        assert_eq!(
            lines("### tuple ### allow tcp 23 0.0.0.0/0 any 0.0.0.0/0"),
            ["-A ufw-user-input -p tcp --dport 23 -j ACCEPT"]
        );
        // Service names become numbers; `0042` stays as written; `in_` has no interface.
        assert_eq!(
            lines("### tuple ### allow tcp ssh 0.0.0.0/0 any 0.0.0.0/0 in"),
            ["-A ufw-user-input -p tcp --dport 22 -j ACCEPT"]
        );
        assert_eq!(
            lines("### tuple ### allow tcp 0042 0.0.0.0/0 any 0.0.0.0/0 in_"),
            ["-A ufw-user-input -p tcp --dport 0042 -j ACCEPT"]
        );
        // `::/0` in user.rules is IPv4's anywhere.
        assert_eq!(
            lines("### tuple ### allow tcp 33 ::/0 any 0.0.0.0/0 in"),
            ["-A ufw-user-input -p tcp --dport 33 -j ACCEPT"]
        );
    }

    #[test]
    fn unknown_action_is_deny() {
        let t = read("### tuple ### accept tcp 25 0.0.0.0/0 any 0.0.0.0/0 in", false);
        assert_eq!(
            t.outcome.as_ref().map(|r| r.lines()),
            Ok(vec!["-A ufw-user-input -p tcp --dport 25 -j DROP".to_string()])
        );
        assert!(matches!(&t.notes[..], [Note { kind: NoteKind::UnknownAction(a), .. }] if a == "accept"));
    }

    #[test]
    fn any_protocol_with_port_list_loses_the_ports() {
        let t = read("### tuple ### allow any 80,443 0.0.0.0/0 any 0.0.0.0/0 in", false);
        assert_eq!(t.outcome.as_ref().map(|r| r.lines()), Ok(vec!["-A ufw-user-input -j ACCEPT".to_string()]));
        assert!(t.notes.iter().any(|n| n.kind == NoteKind::PortsDropped));
    }

    #[test]
    fn notes_for_comment_and_family() {
        let t = read("### tuple ### allow tcp 34 2001:db8::1 any 0.0.0.0/0 in comment=zz", false);
        assert!(t.outcome.is_ok());
        assert!(t.notes.iter().any(|n| matches!(&n.kind, NoteKind::OtherFamily(a) if a == "2001:db8::1")));
        assert!(t.notes.iter().any(|n| matches!(&n.kind, NoteKind::CommentNotHex(c) if c == "zz")));
        assert!(read("### tuple ### allow tcp 22 ::/0 any ::/0 in comment=6162", true).notes.is_empty());
    }

    #[test]
    fn malformed_tuples_are_skipped() {
        assert!(skipped("### tuple ### allow tcp 22").contains("3 fields"));
        assert!(skipped("### tuple ### allow_foo tcp 26 0.0.0.0/0 any 0.0.0.0/0 in").contains("log type"));
        assert!(skipped("### tuple ### allow tcp 28 0.0.0.0/0 any 0.0.0.0/0 sideways").contains("direction"));
        assert!(skipped("### tuple ### allow tcp 28 0.0.0.0/0 any 0.0.0.0/0 up_eth0").contains("in_IFACE"));
        assert!(skipped("### tuple ### ALLOW TCP 35 0.0.0.0/0 any 0.0.0.0/0 in").contains("protocol"));
        assert!(skipped("### tuple ### allow tcp 50:50 0.0.0.0/0 any 0.0.0.0/0 in").contains("range"));
        assert!(skipped("### tuple ### allow tcp 70000 0.0.0.0/0 any 0.0.0.0/0 in").contains("port"));
        assert!(skipped("### tuple ### allow tcp nosuch 0.0.0.0/0 any 0.0.0.0/0 in").contains("service"));
        assert!(skipped("### tuple ### allow tcp 22 0.0.0.0/0 any 10.0.0.256 in").contains("address"));
        assert!(skipped("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_eth0:1").contains("alias"));
        assert!(skipped("### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in_averyveryverylongname").contains("15"));
        let sixteen = (1..=16).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
        assert!(skipped(&format!("### tuple ### allow tcp {sixteen} 0.0.0.0/0 any 0.0.0.0/0 in")).contains("15"));
        let fifteen = (1..=15).map(|n| n.to_string()).collect::<Vec<_>>().join(",");
        assert!(read(&format!("### tuple ### allow tcp {fifteen} 0.0.0.0/0 any 0.0.0.0/0 in"), false).outcome.is_ok());
    }

    #[test]
    fn non_hex_and_garbage_never_panic() {
        for t in [
            "### tuple ### \u{ff}\u{ff} é é é é é comment=ß",
            "### tuple ### route: any , : any any in_!out_",
            "### tuple ### allow tcp 1:2:3,,, [::] any ::/129 - - in_é",
            "### tuple ### limit_log-all-x any 1,2 1.2.3.4/255.255.255.0 any 0.0.0.0/0 out",
        ] {
            let r = read(t, false);
            if let Ok(rule) = r.outcome {
                let _ = rule.lines();
            }
        }
    }

    #[test]
    fn addresses() {
        assert!(valid_v4("10.0.0.1/255.255.255.0"));
        assert!(valid_v4("10.0.0.0/8"));
        assert!(!valid_v4("10.0.0.0/33"));
        assert!(!valid_v4("10.0.0"));
        assert!(valid_v6("2001:db8::/32"));
        assert!(!valid_v6("2001:db8::/129"));
        assert!(!valid_v6("10.0.0.1"));
    }

    #[test]
    fn chain_rename_and_log_split() {
        assert_eq!(rename_chain("-A ufw-user-input -p tcp", "X"), "-A X -p tcp");
        assert_eq!(
            split_log("-A c -p tcp -j ACCEPT_log-all -m comment"),
            Some(("-A c -p tcp ", "ACCEPT", true, " -m comment"))
        );
        assert_eq!(split_log("-A c -j ACCEPT"), None);
        assert_eq!(add_tcp_reset("-j REJECT_log x"), "-j REJECT_log --reject-with tcp-reset x");
        assert_eq!(normalise("  -A  x\t-j ACCEPT \r"), "-A x -j ACCEPT");
    }

    #[test]
    fn frame_at_low_and_off() {
        let f = frame(false, LogLevel::Low, [true, false, true]);
        assert_eq!(f.head.first().map(String::as_str), Some("*filter"));
        assert_eq!(f.head.len(), 18);
        assert_eq!(
            f.tail,
            [
                "",
                "### END RULES ###",
                "",
                "### LOGGING ###",
                "-A ufw-after-logging-input -j LOG --log-prefix \"[UFW BLOCK] \" -m limit --limit 3/min --limit-burst 10",
                "-A ufw-after-logging-forward -j LOG --log-prefix \"[UFW BLOCK] \" -m limit --limit 3/min --limit-burst 10",
                "-I ufw-logging-deny -m conntrack --ctstate INVALID -j RETURN -m limit --limit 3/min --limit-burst 10",
                "-A ufw-logging-deny -j LOG --log-prefix \"[UFW BLOCK] \" -m limit --limit 3/min --limit-burst 10",
                "-A ufw-logging-allow -j LOG --log-prefix \"[UFW ALLOW] \" -m limit --limit 3/min --limit-burst 10",
                "### END LOGGING ###",
                "",
                "### RATE LIMITING ###",
                "-A ufw-user-limit -m limit --limit 3/minute -j LOG --log-prefix \"[UFW LIMIT BLOCK] \"",
                "-A ufw-user-limit -j REJECT",
                "-A ufw-user-limit-accept -j ACCEPT",
                "### END RATE LIMITING ###",
                "COMMIT",
            ]
        );
        let off = frame(true, LogLevel::Off, [true; 3]);
        assert!(off.tail.contains(&"-I ufw6-user-logging-input -j RETURN".to_string()));
        assert!(!off.tail.iter().any(|l| l.contains("-j LOG")));
        let all = frame_lines(false);
        assert!(all.contains("-I ufw-before-logging-forward -j LOG --log-prefix \"[UFW AUDIT] \""));
        assert!(all.contains("-A ufw-after-logging-output -j LOG --log-prefix \"[UFW ALLOW] \""));
        assert!(!all.iter().any(|l| l.contains("ufw6-")));
        assert_eq!(LogLevel::from_name("medium"), Some(LogLevel::Medium));
        assert_eq!(LogLevel::from_name("on"), None);
    }
}
