//! ufw as `ufw-init start` builds it (ufw 0.36, /lib/ufw/ufw-init-functions): the shell
//! settings in /etc/default/ufw and /etc/ufw/ufw.conf, then for each family the primary chains,
//! the reject and tracking rules of the default policies, the skip-to-policy chains,
//! before.rules, after.rules, user.rules (each an `iptables-restore -n`, failing on its own),
//! the hook of the user chains at the end of ufw-before-input, and the built-in policies last.
//! `IPV6=no` loads a DROP-everything IPv6 table that only lets `lo` through.
//! `reference/firewalls.md` §2.2; checked against the real ufw-init by the tests.

use super::ruleset::{Batch, Origin, Problem, Ruleset};
use crate::ast::iptables::{Family, IptablesAst};
use crate::discover::HostRoot;
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::syntax::iptables::parse_family;

/// One `KEY=value` of a shell settings file, with its line.
#[derive(Clone, Debug)]
pub struct Setting {
    pub value: String,
    pub at: Location,
}

/// `/etc/default/ufw` and `/etc/ufw/ufw.conf` as the shell sources them (later assignments
/// win; quotes removed).
#[derive(Clone, Debug, Default)]
pub struct UfwSettings {
    pub vars: Vec<(String, Setting)>,
}

impl UfwSettings {
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.vars.iter().rev().find(|(k, _)| k == key).map(|(_, s)| s)
    }
    fn is_yes(&self, key: &str) -> bool {
        self.get(key).is_some_and(|s| s.value == "yes" || s.value == "YES")
    }
}

/// Read `KEY=value` lines the way `sh` would for these simple files: comments, blank lines,
/// single or double quotes around the value.
pub fn parse_settings(text: &str, file: FileId, into: &mut UfwSettings) {
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        // sh keeps a carriage return in the value (`ENABLED=yes\r` is not yes).
        let line = raw.trim_end_matches('\n');
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else { continue };
        if key.is_empty() || !key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            continue;
        }
        let value = value.split([' ', '\t']).next().unwrap_or(value);
        let value = if value.len() >= 2
            && ((value.starts_with('"') && value.ends_with('"')) || (value.starts_with('\'') && value.ends_with('\'')))
        {
            &value[1..value.len() - 1]
        } else {
            value
        };
        let indent = line.len() - trimmed.len();
        let at = Location { file, span: Span::new(start + indent, start + line.len()) };
        into.vars.push((key.to_string(), Setting { value: value.to_string(), at }));
    }
}

/// ufw's files in one host root.
#[derive(Debug)]
pub struct Ufw {
    pub settings: UfwSettings,
    /// `ufw.conf` and `default/ufw` were both found and non-empty (ufw-init aborts otherwise).
    pub complete: bool,
    pub enabled: bool,
    pub conf_file: Option<FileId>,
    pub default_file: Option<FileId>,
    /// Rules files by name (`before.rules`, `user6.rules`, …) with their parse.
    pub rules: Vec<(String, FileId, IptablesAst)>,
    /// What ufw-init would build, per family (only when enabled and complete).
    pub built: Vec<Built>,
    /// `user.rules`/`user6.rules` as the `ufw` command reads them: its `### tuple ###` comments.
    pub user: Vec<super::ufw_tuple::UserRules>,
    /// `/etc/ufw/applications.d` as the `ufw` command reads it.
    pub apps: super::ufw_app::Applications,
}

impl Ufw {
    /// Whether user.rules/user6.rules hold rules added with the ufw command.
    pub fn has_user_rules(&self) -> bool {
        self.rules.iter().any(|(n, _, ast)| {
            n.starts_with("user")
                && ast.tables.iter().any(|t| {
                    t.lines.iter().any(|l| {
                        matches!(l, crate::ast::iptables::Line::Command(c) if c.chain.as_ref().is_some_and(|w| ast.text(w).ends_with("-user-input")))
                    })
                })
        })
    }
}

const RULE_FILES: &[&str] =
    &["before.rules", "after.rules", "user.rules", "before6.rules", "after6.rules", "user6.rules"];

/// Read ufw's files from a root; `None` when the root has no ufw configuration. `services`
/// resolves port names in tuples and profiles (the root's /etc/services).
pub fn load(
    root: &HostRoot,
    services: &dyn Fn(&str) -> Option<u16>,
    sources: &mut SourceMap,
    unreadable: &mut Vec<(std::path::PathBuf, String)>,
) -> Option<Ufw> {
    let mut read = |host_path: &str, sources: &mut SourceMap| -> Option<(FileId, std::sync::Arc<str>)> {
        let bytes = match root.read(host_path) {
            Ok(b) => b,
            Err(crate::discover::ReadError::NotFound) => return None,
            Err(e) => {
                unreadable.push((root.dir.join(host_path.trim_start_matches('/')), e.describe()));
                return None;
            }
        };
        let file = SourceFile::new(root.dir.join(host_path.trim_start_matches('/')), bytes);
        let text = file.text.clone();
        Some((sources.add(file), text))
    };
    if !root.exists("/etc/ufw") && !root.exists("/etc/default/ufw") {
        return None;
    }
    let conf = read("/etc/ufw/ufw.conf", sources);
    let default = read("/etc/default/ufw", sources);
    let mut rules = Vec::new();
    let mut user = Vec::new();
    for name in RULE_FILES {
        if let Some((id, text)) = read(&format!("/etc/ufw/{name}"), sources) {
            let family = if name.contains('6') { Family::Ipv6 } else { Family::Ipv4 };
            if name.starts_with("user") {
                user.push(super::ufw_tuple::UserRules::read(name, id, family == Family::Ipv6, &text, services));
            }
            rules.push((name.to_string(), id, parse_family(text, family)));
        }
    }
    if conf.is_none() && default.is_none() && rules.is_empty() {
        return None;
    }
    let mut settings = UfwSettings::default();
    // ufw-init sources default/ufw first, then ufw.conf.
    let complete = matches!((&default, &conf), (Some((_, d)), Some((_, c))) if !d.is_empty() && !c.is_empty());
    if let Some((id, text)) = &default {
        parse_settings(text, *id, &mut settings);
    }
    if let Some((id, text)) = &conf {
        parse_settings(text, *id, &mut settings);
    }
    let enabled = complete && settings.is_yes("ENABLED");
    let mut ufw = Ufw {
        settings,
        complete,
        enabled,
        conf_file: conf.map(|c| c.0),
        default_file: default.map(|d| d.0),
        rules,
        built: Vec::new(),
        user,
        apps: super::ufw_app::load(root, services, sources, unreadable),
    };
    if enabled {
        ufw.built = build(&ufw, &[]);
    }
    Some(ufw)
}

/// One family's ruleset as ufw-init builds it, with the problems of each restore run (the
/// file, or `None` for ufw-init's own lines).
pub type Built = (Family, Ruleset, Vec<(Option<FileId>, Vec<Problem>)>);

/// `base`: what another service loaded into each family's tables before ufw-init ran.
pub fn build(ufw: &Ufw, base: &[(Family, Ruleset)]) -> Vec<Built> {
    let start = |family: Family| {
        base.iter().find(|(f, _)| *f == family).map_or_else(|| Ruleset::new(family), |(_, rs)| rs.clone())
    };
    let s = &ufw.settings;
    let file_start = |id: Option<FileId>| Location { file: id.unwrap_or_default(), span: Span::default() };
    let enabled_at = s.get("ENABLED").map_or(file_start(ufw.conf_file), |v| v.at);
    let policy = |key: &str| s.get(key).map(|v| (v.value.clone(), v.at));
    let (input, input_at) = policy("DEFAULT_INPUT_POLICY").unwrap_or(("".into(), file_start(ufw.default_file)));
    let (output, output_at) = policy("DEFAULT_OUTPUT_POLICY").unwrap_or(("".into(), file_start(ufw.default_file)));
    let (forward, forward_at) = policy("DEFAULT_FORWARD_POLICY").unwrap_or(("".into(), file_start(ufw.default_file)));
    let ipv6 = s.is_yes("IPV6");
    let ipv6_at = s.get("IPV6").map_or(file_start(ufw.default_file), |v| v.at);
    let mut out = Vec::new();
    let mut families = vec![Family::Ipv4];
    let mut v6_lockdown = None;
    if ipv6 {
        families.push(Family::Ipv6);
    } else {
        let mut rs = start(Family::Ipv6);
        let text = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n";
        let ast = parse_family(text, Family::Ipv6);
        let problems = rs.apply(&Batch { ast: &ast, file: ipv6_at.file, noflush: false, at: Origin::Fixed(ipv6_at) });
        v6_lockdown = Some((Family::Ipv6, rs, vec![(None, problems)]));
    }
    for family in families {
        let t = if family == Family::Ipv6 { "6" } else { "" };
        let mut rs = start(family);
        let mut problems: Vec<(Option<FileId>, Vec<Problem>)> = Vec::new();
        let synth =
            |rs: &mut Ruleset, text: String, at: Location, problems: &mut Vec<(Option<FileId>, Vec<Problem>)>| {
                let ast = parse_family(text, family);
                let p = rs.apply(&Batch { ast: &ast, file: at.file, noflush: true, at: Origin::Fixed(at) });
                if !p.is_empty() {
                    problems.push((None, p));
                }
            };
        let mut primary = String::from("*filter\n");
        for dir in ["input", "output", "forward"] {
            for c in ["before-logging", "before", "after", "after-logging", "reject", "track"] {
                primary.push_str(&format!(":ufw{t}-{c}-{dir} - [0:0]\n"));
            }
        }
        for (chain, dir) in [("INPUT", "input"), ("OUTPUT", "output"), ("FORWARD", "forward")] {
            for c in ["before-logging", "before", "after", "after-logging", "reject", "track"] {
                primary.push_str(&format!("-A {chain} -j ufw{t}-{c}-{dir}\n"));
            }
        }
        primary.push_str("COMMIT\n");
        synth(&mut rs, primary, enabled_at, &mut problems);
        for (pol, at, dir) in
            [(&input, input_at, "input"), (&output, output_at, "output"), (&forward, forward_at, "forward")]
        {
            if pol == "REJECT" {
                synth(&mut rs, format!("*filter\n-A ufw{t}-reject-{dir} -j REJECT\nCOMMIT\n"), at, &mut problems);
            }
            if pol == "ACCEPT" {
                synth(
                    &mut rs,
                    format!(
                        "*filter\n-A ufw{t}-track-{dir} -p tcp -m conntrack --ctstate NEW -j ACCEPT\n-A ufw{t}-track-{dir} -p udp -m conntrack --ctstate NEW -j ACCEPT\nCOMMIT\n"
                    ),
                    at,
                    &mut problems,
                );
            }
        }
        synth(
            &mut rs,
            format!("*filter\n:ufw{t}-logging-deny - [0:0]\n:ufw{t}-logging-allow - [0:0]\nCOMMIT\n"),
            enabled_at,
            &mut problems,
        );
        synth(
            &mut rs,
            format!(
                "*filter\n:ufw{t}-skip-to-policy-input - [0:0]\n:ufw{t}-skip-to-policy-output - [0:0]\n:ufw{t}-skip-to-policy-forward - [0:0]\n-A ufw{t}-skip-to-policy-input -j {input}\n-A ufw{t}-skip-to-policy-output -j {output}\n-A ufw{t}-skip-to-policy-forward -j {forward}\nCOMMIT\n"
            ),
            input_at,
            &mut problems,
        );
        let file = |name: &str| ufw.rules.iter().find(|(n, _, _)| n == name);
        for stem in ["before", "after"] {
            if let Some((_, id, ast)) = file(&format!("{stem}{t}.rules")) {
                let p = rs.apply(&Batch { ast, file: *id, noflush: true, at: Origin::File });
                if !p.is_empty() {
                    problems.push((Some(*id), p));
                }
            }
        }
        if let Some((_, id, ast)) = file(&format!("user{t}.rules")) {
            let mut user = String::from("*filter\n");
            for c in [
                "user-input",
                "user-output",
                "user-forward",
                "user-logging-input",
                "user-logging-output",
                "user-logging-forward",
                "user-limit",
                "user-limit-accept",
            ] {
                user.push_str(&format!(":ufw{t}-{c} - [0:0]\n"));
            }
            user.push_str("COMMIT\n");
            synth(&mut rs, user, enabled_at, &mut problems);
            let p = rs.apply(&Batch { ast, file: *id, noflush: true, at: Origin::File });
            if !p.is_empty() {
                problems.push((Some(*id), p));
            }
            synth(
                &mut rs,
                format!(
                    "*filter\n-A ufw{t}-before-input -j ufw{t}-user-input\n-A ufw{t}-before-output -j ufw{t}-user-output\n-A ufw{t}-before-forward -j ufw{t}-user-forward\nCOMMIT\n"
                ),
                enabled_at,
                &mut problems,
            );
        }
        let builtin = |p: &str| if p == "REJECT" { "DROP".to_string() } else { p.to_string() };
        synth(
            &mut rs,
            format!(
                "*filter\n:INPUT {} [0:0]\n:FORWARD {} [0:0]\n:OUTPUT {} [0:0]\nCOMMIT\n",
                builtin(&input),
                builtin(&forward),
                builtin(&output)
            ),
            input_at,
            &mut problems,
        );
        out.push((family, rs, problems));
    }
    out.extend(v6_lockdown);
    out
}
