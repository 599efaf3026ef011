//! The rule catalogue and the checker. A rule is a file: its metadata (declared with
//! [`declare_rule!`]) and a pure `check` over the model. The checker, here and only here,
//! attaches codes, names and configured severities, and applies `--select`/`--ignore`.

pub mod accounts;
pub mod docs;
pub mod firewall;
pub mod meta;
pub mod sshd;
pub mod suppress;

use crate::diagnostic::{Finding, Severity, Violation};
use crate::model::sshd::host::SshdHost;
use crate::source::SourceMap;

/// Rule families, shown in `sshlint rules` and rules.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// sshd refuses the configuration or ignores a line.
    Validity,
    /// Someone who must log in cannot.
    Access,
    /// Connections reset or dropped before login.
    Connection,
    /// Key exchange, ciphers, MACs, host keys.
    Crypto,
    /// Opt-in hardening baselines (CIS, dev-sec).
    Hardening,
    /// Firewall rules that do nothing or are not loaded.
    Hygiene,
    /// sshlint's own findings about its input.
    Meta,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Validity => "validity",
            Category::Access => "access",
            Category::Connection => "connection",
            Category::Crypto => "crypto",
            Category::Hardening => "hardening",
            Category::Hygiene => "hygiene",
            Category::Meta => "meta",
        }
    }
}

/// Everything users read about a rule; the only rule prose in the code base.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    /// Off unless selected (`--select hardening` or the code).
    pub opt_in: bool,
    pub since: &'static str,
    pub sources: &'static [&'static str],
    /// Markdown: `## What it does`, `## Why is this bad?`, `## Example`, `Use instead:`,
    /// `## References`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown (doc comments carry one leading space per line).
    pub fn doc_text(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence of "What it does", on one line.
    pub fn summary(&self) -> String {
        let doc = self.doc_text();
        let body = doc.split("## What it does").nth(1).unwrap_or(&doc);
        let para = body.trim_start().split("\n\n").next().unwrap_or("").trim();
        let para = para.split_whitespace().collect::<Vec<_>>().join(" ");
        let cut = [para.find(". "), para.find(": ")].into_iter().flatten().min();
        let first = cut.map_or(para.as_str(), |i| &para[..i]);
        first.trim_end_matches('.').to_string()
    }

    /// The whole "What it does" section: each paragraph on one line, paragraphs separated by a
    /// blank line (SARIF `fullDescription`).
    pub fn description(&self) -> String {
        let doc = self.doc_text();
        let body = doc.split("## What it does").nth(1).unwrap_or(&doc);
        let section = body.split("\n## ").next().unwrap_or("");
        section
            .split("\n\n")
            .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Declare a rule's metadata. Doc comments become the rule's documentation.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            category: $cat:ident,
            severity: $sev:ident,
            $(opt_in: $opt_in:literal,)?
            since: $since:literal,
            sources: [$($src:literal),* $(,)?] $(,)?
        }
    ) => {
        pub static $ident: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            code: $code,
            name: $name,
            category: $crate::rules::Category::$cat,
            severity: $crate::diagnostic::Severity::$sev,
            opt_in: false $(|| $opt_in)?,
            since: $since,
            sources: &[$($src),*],
            doc: concat!($($doc, "\n"),*),
        };
    };
}

/// What rules see: one host's model plus what the user said must keep working.
pub struct Context<'a> {
    pub host: &'a SshdHost,
    pub firewall: &'a crate::model::firewall::Firewall,
    /// The host has an sshd_config (else `host` is sshd's defaults, for the firewall rules).
    pub sshd_present: bool,
    pub sources: &'a SourceMap,
    pub options: &'a CheckOptions,
}

/// User requirements that rules check against.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Accounts that must keep SSH access (`--user`).
    pub users: Vec<String>,
    /// Sources that must keep SSH access (`--from`).
    pub from: Vec<String>,
    /// How strictly SSHD301 rates algorithms (`--crypto-profile`).
    pub crypto_profile: CryptoProfile,
}

/// Algorithm ratings for SSHD301.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CryptoProfile {
    /// Practical weaknesses (SHA-1, MD5, 1024-bit DH, 3DES, DSA, 64-bit tags) that the
    /// configuration adds beyond the release's defaults.
    #[default]
    Broken,
    /// Everything ssh-audit's database fails, defaults included (also NIST curves and ECDSA).
    SshAudit,
}

pub type CheckFn = fn(&Context, &mut Vec<Violation>);

/// A rule: metadata plus its check (`None` for rules whose findings the pipeline produces,
/// like unreadable files).
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: Option<CheckFn>,
}

/// Every rule, in code order.
pub fn all() -> &'static [Rule] {
    &ALL
}

static ALL: std::sync::LazyLock<Vec<Rule>> = std::sync::LazyLock::new(|| {
    let mut v: Vec<Rule> = sshd::RULES.iter().map(|r| Rule { meta: r.meta, check: r.check }).collect();
    v.extend(firewall::RULES.iter().map(|r| Rule { meta: r.meta, check: r.check }));
    v.extend(accounts::RULES.iter().map(|r| Rule { meta: r.meta, check: r.check }));
    // Findings about suppressions, made by `suppress` after the rules ran.
    v.push(Rule { meta: &meta::unused_suppression::RULE, check: None });
    v.push(Rule { meta: &meta::invalid_suppression::RULE, check: None });
    let group =
        |code: &str| ["SSHD", "FW", "PERM", "KEYS", "ACCT"].iter().position(|p| code.starts_with(p)).unwrap_or(5);
    v.sort_by_key(|r| (group(r.meta.code), r.meta.code));
    v
});

pub fn by_code(code: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.meta.code.eq_ignore_ascii_case(code) || r.meta.name == code)
}

/// Which rules run and at what severity.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Codes, code prefixes (`SSHD1`), names, categories (`hardening`) or `all`.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Per-code severity overrides.
    pub severities: Vec<(String, Severity)>,
}

fn selector_matches(sel: &str, meta: &RuleMeta) -> bool {
    let s = sel.trim();
    s.eq_ignore_ascii_case("all")
        || meta.code.to_ascii_uppercase().starts_with(&s.to_ascii_uppercase()) && !s.is_empty()
        || meta.name == s
        || meta.category.as_str() == s.to_ascii_lowercase()
}

/// How precisely a selector names a rule: a code or name over a longer prefix over a shorter one
/// over a category over `all`; `None` when it does not match.
fn specificity(sel: &str, meta: &RuleMeta) -> Option<usize> {
    if !selector_matches(sel, meta) {
        return None;
    }
    let s = sel.trim();
    Some(if s.eq_ignore_ascii_case(meta.code) || s == meta.name {
        usize::MAX
    } else if s.eq_ignore_ascii_case("all") {
        0
    } else if meta.category.as_str() == s.to_ascii_lowercase() {
        1
    } else {
        1 + s.len()
    })
}

impl Selection {
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        if self.ignore.iter().any(|s| selector_matches(s, meta)) {
            return false;
        }
        if meta.opt_in {
            return self.select.iter().any(|s| !s.eq_ignore_ascii_case("all") && selector_matches(s, meta));
        }
        self.select.is_empty() || self.select.iter().any(|s| selector_matches(s, meta))
    }

    /// Whether a selector names at least one rule (for usage errors).
    pub fn known_selector(sel: &str) -> bool {
        all().iter().any(|r| selector_matches(sel, r.meta))
    }
}

/// Turn a rule's violation into a finding: the one place codes and severities are attached.
pub fn finding(meta: &'static RuleMeta, v: Violation, selection: &Selection) -> Finding {
    // The most specific selector wins; among equals, the later one.
    let configured = selection
        .severities
        .iter()
        .enumerate()
        .filter_map(|(i, (sel, sev))| Some(((specificity(sel, meta)?, i), *sev)))
        .max_by_key(|&(rank, _)| rank)
        .map(|(_, sev)| sev);
    Finding {
        code: meta.code,
        name: meta.name,
        severity: configured.or(v.severity).unwrap_or(meta.severity),
        location: v.location,
        message: v.message,
        help: v.help,
        related: v.related,
        fatal: v.fatal,
    }
}

/// Run every enabled rule over one host.
pub fn check_host(ctx: &Context, selection: &Selection) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in all() {
        let Some(check) = rule.check else { continue };
        if !selection.enabled(rule.meta) {
            continue;
        }
        if rule.meta.code.starts_with("SSHD") && !ctx.sshd_present {
            continue;
        }
        let mut vs = Vec::new();
        check(ctx, &mut vs);
        out.extend(vs.into_iter().map(|v| finding(rule.meta, v, selection)));
    }
    out
}

#[cfg(test)]
pub mod testing {
    //! Helpers for rule unit tests: lint a config given as text.
    use super::*;
    use crate::model::sshd::version::Version;

    pub fn run(rule: &'static RuleMeta, config: &str) -> Vec<Finding> {
        run_with(rule, config, &CheckOptions::default())
    }

    pub fn run_with(rule: &'static RuleMeta, config: &str, options: &CheckOptions) -> Vec<Finding> {
        run_version(rule, config, Version::new(9, 2), options)
    }

    pub fn run_version(
        rule: &'static RuleMeta,
        config: &str,
        version: Version,
        options: &CheckOptions,
    ) -> Vec<Finding> {
        let mut sources = SourceMap::default();
        let host = SshdHost::from_text("sshd_config".into(), config.as_bytes().to_vec(), version, &mut sources);
        let fw = crate::model::firewall::Firewall::default();
        let ctx = Context { host: &host, firewall: &fw, sshd_present: true, sources: &sources, options };
        let sel = Selection { select: vec![rule.code.to_string()], ..Default::default() };
        check_host(&ctx, &sel)
    }

    /// Lint an iptables-save file (IPv4) on its own.
    pub fn run_firewall(rule: &'static RuleMeta, text: &str) -> Vec<Finding> {
        run_firewall_with(rule, text, &CheckOptions::default())
    }

    pub fn run_firewall_with(rule: &'static RuleMeta, text: &str, options: &CheckOptions) -> Vec<Finding> {
        let mut sources = SourceMap::default();
        let file = crate::source::SourceFile::new("rules.v4".into(), text.as_bytes().to_vec());
        let fw = crate::model::firewall::Firewall::from_file(file, crate::ast::iptables::Family::Ipv4, &mut sources);
        let host = SshdHost::from_text("none".into(), Vec::new(), Version::new(9, 2), &mut SourceMap::default());
        let ctx = Context { host: &host, firewall: &fw, sshd_present: false, sources: &sources, options };
        let sel = Selection { select: vec![rule.code.to_string()], ..Default::default() };
        check_host(&ctx, &sel)
    }

    use crate::testing::Adjust;
    pub use crate::testing::LoginTree as Tree;

    /// Lint a [`Tree`] built with its modes and owners (then `adjust`); `None` without root.
    pub fn run_tree_modes(rule: &'static RuleMeta, t: &Tree, adjust: &[Adjust]) -> Option<Vec<Finding>> {
        let tree = t.build(adjust)?;
        let mut sources = SourceMap::default();
        let root = crate::discover::HostRoot::new(tree.path());
        let host = SshdHost::from_root(root.clone(), Some(Version::new(9, 2)), &mut sources);
        let fw = crate::model::firewall::Firewall::from_root(&root, &host.facts.services, &mut sources);
        let options = CheckOptions::default();
        let ctx = Context { host: &host, firewall: &fw, sshd_present: true, sources: &sources, options: &options };
        let sel = Selection { select: vec![rule.code.to_string()], ..Default::default() };
        Some(check_host(&ctx, &sel))
    }

    /// Lint a host root tree written from `(path, content)` pairs.
    pub fn run_tree(rule: &'static RuleMeta, files: &[(&str, &str)], options: &CheckOptions) -> Vec<Finding> {
        let tree = crate::testing::TempTree::new(files);
        let mut sources = SourceMap::default();
        let root = crate::discover::HostRoot::new(tree.path());
        let host = SshdHost::from_root(root.clone(), Some(Version::new(9, 2)), &mut sources);
        let fw = crate::model::firewall::Firewall::from_root(&root, &host.facts.services, &mut sources);
        let present = host.loaded.main_error.is_none();
        let ctx = Context { host: &host, firewall: &fw, sshd_present: present, sources: &sources, options };
        let sel = Selection { select: vec![rule.code.to_string()], ..Default::default() };
        check_host(&ctx, &sel)
    }
}
