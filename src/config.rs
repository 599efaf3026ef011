//! `sshlint.toml` (or `.sshlint.toml`): finding it, reading it with spans, checking every value,
//! and what each key means. Produces the settings a run uses; never prints. [`KEYS`] is the one
//! source for `sshlint init` and the README's configuration reference.
//!
//! Precedence, lowest first: defaults, the file's top-level keys, each `[[overrides]]` entry
//! whose `paths` match the host root (or lone file) being linted, in file order, then the
//! command line. `select` and scalar keys replace; `ignore` and `[severity]` add.

use crate::diagnostic::Severity;
use crate::model::sshd::version::Version;
use crate::rules::suppress::Configured;
use crate::rules::{self, CryptoProfile, Selection};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Names looked for in each directory, in this order; both in one directory is an error.
pub const FILE_NAMES: [&str; 2] = ["sshlint.toml", ".sshlint.toml"];

/// A configuration problem, pointing into the file when it can.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// The file's text (empty when it could not be read).
    pub text: String,
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
}

/// One group of settings: the file's top level, an override, or the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Severity)>,
    pub fail_on: Option<Severity>,
    pub openssh: Option<Version>,
    pub users: Option<Vec<String>>,
    pub admin_sources: Option<Vec<String>>,
    pub hardening: Option<bool>,
    pub crypto_profile: Option<CryptoProfile>,
}

/// Settings for the host roots and files that `paths` match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// Globs over paths relative to the configuration file's directory.
    pub paths: Vec<String>,
    pub settings: Settings,
}

/// A configuration file, read and checked.
#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    /// The directory holding the file, absolute: `paths` are relative to it.
    pub dir: PathBuf,
    pub text: String,
    pub settings: Settings,
    pub overrides: Vec<Override>,
    pub suppress: Vec<Configured>,
}

/// The file's settings that apply to a run: what the command line adds goes in `cli`.
#[derive(Clone, Debug, Default)]
pub struct Project {
    pub config: Option<Config>,
    pub cli: Settings,
}

impl Settings {
    /// Layer these settings over `sel`, `check` and `version`.
    pub fn apply(&self, sel: &mut Selection, check: &mut rules::CheckOptions, version: &mut Option<Version>) {
        if let Some(s) = &self.select {
            sel.select.clone_from(s);
        }
        sel.ignore.extend(self.ignore.iter().cloned());
        sel.severities.extend(self.severity.iter().cloned());
        match self.hardening {
            Some(true) => {
                if sel.select.is_empty() {
                    sel.select.push("all".into());
                }
                sel.select.push("hardening".into());
                sel.ignore.retain(|s| !s.eq_ignore_ascii_case("hardening"));
            }
            Some(false) => {
                sel.select.retain(|s| !s.eq_ignore_ascii_case("hardening"));
            }
            None => {}
        }
        if let Some(v) = self.openssh {
            *version = Some(v);
        }
        if let Some(u) = &self.users {
            check.users.clone_from(u);
        }
        if let Some(a) = &self.admin_sources {
            check.from.clone_from(a);
        }
        if let Some(p) = self.crypto_profile {
            check.crypto_profile = p;
        }
    }
}

impl Project {
    /// The settings for a host root or lone file at `path` (as given on the command line):
    /// the top level, the overrides whose `paths` match it, then the command line.
    pub fn resolve(
        &self,
        path: Option<&Path>,
        sel: &mut Selection,
        check: &mut rules::CheckOptions,
        version: &mut Option<Version>,
    ) {
        if let Some(c) = &self.config {
            c.settings.apply(sel, check, version);
            if let Some(rel) = path.and_then(|p| c.relative(p)) {
                for o in c.overrides.iter().filter(|o| o.paths.iter().any(|g| crate::discover::path_glob(g, &rel))) {
                    o.settings.apply(sel, check, version);
                }
            }
        }
        self.cli.apply(sel, check, version);
    }

    /// Whether any override could change the settings for some path.
    pub fn has_overrides(&self) -> bool {
        self.config.as_ref().is_some_and(|c| !c.overrides.is_empty())
    }

    pub fn fail_on(&self) -> Severity {
        self.cli.fail_on.or(self.config.as_ref().and_then(|c| c.settings.fail_on)).unwrap_or(Severity::Error)
    }
}

impl Config {
    /// `path` relative to the configuration's directory, with `/` separators; `None` when it
    /// lies outside. Lexical: `..` and `.` are folded, symlinks are not followed.
    pub fn relative(&self, path: &Path) -> Option<String> {
        let abs = absolute(path);
        let rest = abs.strip_prefix(&self.dir).ok()?;
        Some(rest.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"))
    }
}

/// `path` made absolute against the current directory, with `.` and `..` folded lexically.
pub fn absolute(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    crate::discover::lexical_absolute(&cwd, path)
}

/// The configuration file for a run over `paths`: searched upward from the deepest directory
/// holding all of them (the current directory when there are none).
pub fn find(paths: &[PathBuf]) -> Result<Option<PathBuf>, ConfigError> {
    let dirs: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| {
            let a = absolute(p);
            if a.is_dir() { a } else { a.parent().map(Path::to_path_buf).unwrap_or(a) }
        })
        .collect();
    let mut start = match dirs.split_first() {
        None => absolute(Path::new(".")),
        Some((first, rest)) => {
            let mut common = first.clone();
            while !rest.iter().all(|d| d.starts_with(&common)) {
                if !common.pop() {
                    break;
                }
            }
            common
        }
    };
    loop {
        let found: Vec<PathBuf> = FILE_NAMES.iter().map(|n| start.join(n)).filter(|p| p.is_file()).collect();
        match found.as_slice() {
            [one] => return Ok(Some(shown(one))),
            [a, b, ..] => {
                return Err(ConfigError {
                    path: a.clone(),
                    text: String::new(),
                    span: None,
                    message: format!("both `{}` and `{}` exist", a.display(), b.display()),
                    help: Some("keep one of them (or name one with --config)".into()),
                });
            }
            [] => {}
        }
        if !start.pop() {
            return Ok(None);
        }
    }
}

/// `path` relative to the current directory when it lies inside it (as people typed it).
fn shown(path: &Path) -> PathBuf {
    let cwd = absolute(Path::new("."));
    path.strip_prefix(&cwd).map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Read and check a configuration file.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let fail = |message: String| {
        vec![ConfigError { path: path.to_path_buf(), text: String::new(), span: None, message, help: None }]
    };
    let bytes = match crate::discover::read_bounded(path) {
        Ok(b) => b,
        Err(e) => return Err(fail(format!("cannot read `{}`: it {}", path.display(), e.describe()))),
    };
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(fail(format!("`{}` is larger than 1 MiB", path.display())));
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(fail(format!("`{}` is not UTF-8 (TOML must be)", path.display())));
    };
    let dir = absolute(path).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("/"));
    parse(path, &dir, &text)
}

/// Parse configuration text; `dir` is where `paths` are relative to.
pub fn parse(path: &Path, dir: &Path, text: &str) -> Result<Config, Vec<ConfigError>> {
    let err = |span: Option<Range<usize>>, message: String, help: Option<&str>| ConfigError {
        path: path.to_path_buf(),
        text: text.to_string(),
        span,
        message,
        help: help.map(str::to_string),
    };
    let raw: Raw = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let help = e.message().contains("unknown field").then_some("see `sshlint init` for every key");
            return Err(vec![err(e.span(), e.message().trim_end().to_string(), help)]);
        }
    };
    let mut errors = Vec::new();
    let mut check = Checker { errors: &mut errors, err: &err };
    let settings = check.settings(&raw.common());
    let fail_on = raw.fail_on.as_ref().and_then(|f| check.severity(f, "fail-on"));
    let settings = Settings { fail_on, ..settings };
    let mut overrides = Vec::new();
    for o in &raw.overrides {
        if o.get_ref().paths.is_empty() {
            check.fail(
                o.span(),
                "this `[[overrides]]` entry has no `paths`",
                Some("add `paths = [\"hosts/legacy/**\"]`"),
            );
        }
        let paths = o.get_ref().paths.iter().map(|p| check.glob(p)).collect();
        overrides.push(Override { paths, settings: check.settings(&o.get_ref().common()) });
    }
    let mut suppress = Vec::new();
    for s in &raw.suppress {
        let entry = s.get_ref();
        let rule = rules::by_code(entry.rule.get_ref());
        if rule.is_none() {
            check.fail(
                entry.rule.span(),
                &format!("`{}` names no rule", entry.rule.get_ref()),
                Some("give one rule's code or name, as `sshlint rules` lists them"),
            );
        }
        if entry.reason.get_ref().trim().is_empty() {
            check.fail(entry.reason.span(), "the reason is empty", Some("say why the finding is accepted"));
        }
        let paths = entry.paths.iter().map(|p| check.glob(p)).collect();
        if let Some(r) = rule {
            suppress.push(Configured {
                rule: r.meta,
                paths,
                reason: entry.reason.get_ref().clone(),
                span: crate::source::Span::new(s.span().start, s.span().end),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Config {
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        text: text.to_string(),
        settings,
        overrides,
        suppress,
    })
}

type ErrFn<'a> = dyn Fn(Option<Range<usize>>, String, Option<&str>) -> ConfigError + 'a;

/// Checks values and collects every error (not only the first).
struct Checker<'a> {
    errors: &'a mut Vec<ConfigError>,
    err: &'a ErrFn<'a>,
}

impl Checker<'_> {
    fn fail(&mut self, span: Range<usize>, message: &str, help: Option<&str>) {
        self.errors.push((self.err)(Some(span), message.to_string(), help));
    }

    fn settings(&mut self, c: &Common) -> Settings {
        let select = c.select.as_ref().map(|v| self.selectors(v));
        let ignore = c.ignore.as_ref().map(|v| self.selectors(v)).unwrap_or_default();
        if let (Some(sel), Some(ign)) = (&c.select, &c.ignore) {
            for i in ign {
                if sel.iter().any(|s| s.get_ref().trim().eq_ignore_ascii_case(i.get_ref().trim())) {
                    self.fail(
                        i.span(),
                        &format!("`{}` is both selected and ignored", i.get_ref()),
                        Some("remove it from one of `select` and `ignore`"),
                    );
                }
            }
        }
        let mut severity = Vec::new();
        for (k, v) in c.severity.iter().flatten() {
            if !Selection::known_selector(k.get_ref()) {
                self.fail(k.span(), &format!("`{}` names no rule", k.get_ref()), Some(SELECTOR_HELP));
            }
            if let Some(s) = self.severity(v, "a severity") {
                severity.push((k.get_ref().clone(), s));
            }
        }
        let openssh = c.openssh.as_ref().and_then(|v| {
            let parsed = Version::parse(v.get_ref());
            if parsed.is_none() {
                let known = Version::ALL.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
                self.fail(
                    v.span(),
                    &format!("`{}` is not a modelled OpenSSH release", v.get_ref()),
                    Some(&format!("use one of {known}")),
                );
            }
            parsed
        });
        let admin_sources = c.admin_sources.as_ref().map(|v| {
            v.iter()
                .filter(|a| {
                    let ok = valid_cidr(a.get_ref());
                    if !ok {
                        self.fail(
                            a.span(),
                            &format!("`{}` is not an address or CIDR", a.get_ref()),
                            Some("write an address or `address/length`, like `198.51.100.0/24` or `2001:db8::/32`"),
                        );
                    }
                    ok
                })
                .map(|a| a.get_ref().clone())
                .collect()
        });
        let users = c.users.as_ref().map(|v| {
            v.iter()
                .filter(|u| {
                    let ok = !u.get_ref().is_empty() && !u.get_ref().contains([' ', '\t', ':', '\n', '/']);
                    if !ok {
                        self.fail(u.span(), &format!("`{}` is not an account name", u.get_ref()), None);
                    }
                    ok
                })
                .map(|u| u.get_ref().clone())
                .collect()
        });
        let crypto_profile = c.crypto_profile.as_ref().and_then(|p| match p.get_ref().as_str() {
            "broken" => Some(CryptoProfile::Broken),
            "ssh-audit" => Some(CryptoProfile::SshAudit),
            other => {
                self.fail(p.span(), &format!("`{other}` is not a crypto profile"), Some("use `broken` or `ssh-audit`"));
                None
            }
        });
        Settings {
            select,
            ignore,
            severity,
            fail_on: None,
            openssh,
            users,
            admin_sources,
            hardening: c.hardening,
            crypto_profile,
        }
    }

    fn selectors(&mut self, v: &[Spanned<String>]) -> Vec<String> {
        for s in v {
            if !Selection::known_selector(s.get_ref()) {
                self.fail(s.span(), &format!("`{}` names no rule", s.get_ref()), Some(SELECTOR_HELP));
            }
        }
        v.iter().map(|s| s.get_ref().clone()).collect()
    }

    fn severity(&mut self, v: &Spanned<String>, what: &str) -> Option<Severity> {
        let s = Severity::parse(v.get_ref());
        if s.is_none() {
            self.fail(v.span(), &format!("`{}` is not {what}", v.get_ref()), Some("use `error`, `warning` or `info`"));
        }
        s
    }

    fn glob(&mut self, p: &Spanned<String>) -> String {
        if p.get_ref().starts_with('/') {
            self.fail(
                p.span(),
                &format!("`{}` is absolute", p.get_ref()),
                Some("paths are relative to the directory holding the configuration file"),
            );
        }
        p.get_ref().clone()
    }
}

const SELECTOR_HELP: &str =
    "use a code (`SSHD102`), a code prefix (`SSHD1`), a name, a category or `all`, as `sshlint rules` lists them";

/// An address or `address/len` with a prefix length that fits the family.
pub fn valid_cidr(s: &str) -> bool {
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let Some(ip) = crate::syntax::values::ip_numeric(addr) else { return false };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    len.is_none_or(|l| {
        !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()) && l.parse::<u32>().is_ok_and(|n| n <= max)
    })
}

/// Declares a raw TOML table holding the keys shared by the top level and `[[overrides]]` plus
/// its own (serde's `flatten` cannot be combined with `deny_unknown_fields` or spans).
macro_rules! with_common_keys {
    ($name:ident { $($field:ident: $ty:ty,)* }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct $name {
            select: Option<Vec<Spanned<String>>>,
            ignore: Option<Vec<Spanned<String>>>,
            severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
            openssh: Option<Spanned<String>>,
            users: Option<Vec<Spanned<String>>>,
            admin_sources: Option<Vec<Spanned<String>>>,
            hardening: Option<bool>,
            crypto_profile: Option<Spanned<String>>,
            $(#[serde(default)] $field: $ty,)*
        }

        impl $name {
            fn common(&self) -> Common {
                Common {
                    select: self.select.clone(),
                    ignore: self.ignore.clone(),
                    severity: self.severity.clone(),
                    openssh: self.openssh.clone(),
                    users: self.users.clone(),
                    admin_sources: self.admin_sources.clone(),
                    hardening: self.hardening,
                    crypto_profile: self.crypto_profile.clone(),
                }
            }
        }
    };
}

/// Keys shared by the top level and `[[overrides]]`.
struct Common {
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    severity: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    openssh: Option<Spanned<String>>,
    users: Option<Vec<Spanned<String>>>,
    admin_sources: Option<Vec<Spanned<String>>>,
    hardening: Option<bool>,
    crypto_profile: Option<Spanned<String>>,
}

with_common_keys!(Raw {
    fail_on: Option<Spanned<String>>,
    overrides: Vec<Spanned<RawOverride>>,
    suppress: Vec<Spanned<RawSuppress>>,
});

with_common_keys!(RawOverride { paths: Vec<Spanned<String>>, });

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSuppress {
    rule: Spanned<String>,
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    reason: Spanned<String>,
}

/// One documented key: what `sshlint init` writes and the README's reference lists.
pub struct KeyDoc {
    /// The key, or a table header (`[severity]`, `[[overrides]]`, `[[suppress]]`).
    pub key: &'static str,
    /// The default as TOML, written live by `init`; `None`: written as a commented example.
    pub default: Option<&'static str>,
    /// An example (commented out in `init`'s output).
    pub example: &'static str,
    /// What it means (Markdown; one paragraph).
    pub doc: &'static str,
}

/// Every key, in the order `init` writes them.
pub const KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "select",
        default: Some("[]"),
        example: r#"select = ["SSHD1", "FW", "user-locked-out"]"#,
        doc: "Rules to run: codes (`SSHD102`), code prefixes (`SSHD1`), names (`user-locked-out`), \
              categories (`access`, `hardening`) or `all`. Empty: every rule that is not opt-in. \
              `--select` replaces it.",
    },
    KeyDoc {
        key: "ignore",
        default: Some("[]"),
        example: r#"ignore = ["SSHD301"]"#,
        doc: "Rules to skip, in the same forms; wins over `select`. `--ignore` adds to it.",
    },
    KeyDoc {
        key: "fail-on",
        default: Some(r#""error""#),
        example: r#"fail-on = "warning""#,
        doc: "The exit code is 1 when a finding at or above this severity remains: `error`, \
              `warning` or `info`. Top level only. `--fail-on` replaces it.",
    },
    KeyDoc {
        key: "openssh",
        default: None,
        example: r#"openssh = "9.2""#,
        doc: "The OpenSSH release the hosts run (9.2 … 10.5). Unset: read from each host root's \
              package database, else the newest modelled release. `--openssh` replaces it.",
    },
    KeyDoc {
        key: "users",
        default: Some("[]"),
        example: r#"users = ["deploy", "alice"]"#,
        doc: "Accounts that must keep SSH access. Empty: every account that holds keys in one of \
              its `AuthorizedKeysFile` paths in the host root. `--user` replaces it.",
    },
    KeyDoc {
        key: "admin-sources",
        default: Some("[]"),
        example: r#"admin-sources = ["198.51.100.0/24", "2001:db8::/32"]"#,
        doc: "Addresses or CIDRs that must keep reaching SSH through the firewall and sshd's \
              access rules. `--from` replaces it.",
    },
    KeyDoc {
        key: "hardening",
        default: Some("false"),
        example: "hardening = true",
        doc: "Also run the opt-in hardening rules (the `hardening` category: CIS and dev-sec \
              baseline checks).",
    },
    KeyDoc {
        key: "crypto-profile",
        default: Some(r#""broken""#),
        example: r#"crypto-profile = "ssh-audit""#,
        doc: "How SSHD301 rates algorithms: `broken` (practical weaknesses the configuration adds) \
              or `ssh-audit` (everything ssh-audit fails, defaults included). \
              `--crypto-profile` replaces it.",
    },
    KeyDoc {
        key: "[severity]",
        default: None,
        example: "[severity]\nSSHD301 = \"error\"\nhardening = \"info\"",
        doc: "Severity per rule: keys are codes, prefixes, names or categories; values `error`, \
              `warning` or `info`. The most specific key wins (a code over a prefix over a \
              category); among equals, the later one (overrides come after the top level).",
    },
    KeyDoc {
        key: "[[overrides]]",
        default: None,
        example: "[[overrides]]\npaths = [\"hosts/legacy/**\"]\nopenssh = \"9.2\"\nignore = [\"SSHD301\"]\n[overrides.severity]\nSSHD401 = \"error\"",
        doc: "Settings for some host roots or files: `paths` are globs relative to this file's \
              directory (`*` within a name, `**` across directories; `dir/**` also matches `dir` \
              itself), matched against each host root or lone file linted. Any key above except \
              `fail-on` may appear (its severity table is `[overrides.severity]`); `select` and \
              single values replace, `ignore` and severities add. Later entries win.",
    },
    KeyDoc {
        key: "[[suppress]]",
        default: None,
        example: "[[suppress]]\nrule = \"SSHD401\"\npaths = [\"hosts/console/etc/ssh/sshd_config\"]\nreason = \"console-only lab host, no network route\"",
        doc: "Accept a rule's findings: `rule` is one code or name, `paths` (optional: everywhere) \
              globs over the files findings point at, relative to this file's directory, and \
              `reason` is required. An entry that suppresses nothing while its rule runs is \
              reported as SL001.",
    },
];

/// The commented file `sshlint init` writes: every key with its default.
pub fn init_template() -> String {
    let mut out = String::from(
        "# sshlint configuration: every key with its default value. Keys written as comments have\n\
         # no fixed default; uncomment and edit the examples. Reference: the README, \"Configuration\".\n",
    );
    for k in KEYS {
        out.push('\n');
        for line in wrap(&k.doc.replace('`', ""), 96) {
            out.push_str("# ");
            out.push_str(&line);
            out.push('\n');
        }
        match k.default {
            Some(d) => {
                out.push_str(&format!("{} = {d}\n", k.key));
                out.push_str(&format!("# example: {}\n", k.example));
            }
            None => {
                for line in k.example.lines() {
                    out.push_str("# ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// The README's configuration reference (between its markers), as Markdown.
pub fn reference_markdown() -> String {
    let mut out = String::from("| key | default | meaning |\n|---|---|---|\n");
    for k in KEYS {
        let default = k.default.map_or("unset".to_string(), |d| format!("`{d}`"));
        out.push_str(&format!("| `{}` | {default} | {} |\n", k.key, k.doc));
    }
    out.push_str("\nExamples:\n\n```toml\n");
    let examples: Vec<&str> = KEYS.iter().map(|k| k.example).collect();
    out.push_str(&examples.join("\n\n"));
    out.push_str("\n```\n");
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config, Vec<ConfigError>> {
        parse(Path::new("sshlint.toml"), Path::new("/repo"), text)
    }

    fn first_error(text: &str) -> (String, String) {
        match parse_str(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => {
                let span = e[0].span.clone().unwrap_or(0..0);
                (e[0].message.clone(), text.get(span).unwrap_or_default().to_string())
            }
        }
    }

    #[test]
    fn the_init_template_is_the_default_configuration() {
        let c = parse_str(&init_template()).map_err(|e| e[0].message.clone());
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        let (mut sel, mut check, mut version) = Default::default();
        c.settings.apply(&mut sel, &mut check, &mut version);
        assert_eq!(format!("{sel:?}"), format!("{:?}", Selection::default()));
        assert_eq!(format!("{check:?}"), format!("{:?}", rules::CheckOptions::default()));
        assert_eq!(version, None);
        assert_eq!(c.settings.fail_on, Some(Severity::Error));
    }

    #[test]
    fn every_example_parses() {
        for k in KEYS {
            assert!(parse_str(k.example).is_ok(), "{}: {:?}", k.key, parse_str(k.example).err());
        }
    }

    #[test]
    fn errors_point_into_the_file() {
        assert_eq!(first_error("selec = []\n"), ("unknown field `selec`, expected one of `select`, `ignore`, `severity`, `openssh`, `users`, `admin-sources`, `hardening`, `crypto-profile`, `fail-on`, `overrides`, `suppress`".into(), "selec".into()));
        assert_eq!(first_error("select = [\"SSHD999\"]\n").1, "\"SSHD999\"");
        assert_eq!(first_error("admin-sources = [\"10.0.0.0/33\"]\n").1, "\"10.0.0.0/33\"");
        assert_eq!(first_error("select = [\"SSHD102\"]\nignore = [\"sshd102\"]\n").1, "\"sshd102\"");
        assert_eq!(first_error("fail-on = \"fatal\"\n").1, "\"fatal\"");
        assert_eq!(first_error("openssh = \"7.4\"\n").1, "\"7.4\"");
        assert_eq!(first_error("[[suppress]]\nrule = \"SSHD401\"\n").0, "missing field `reason`");
        assert_eq!(first_error("[[suppress]]\nrule = \"SSHD4\"\nreason = \"x\"\n").1, "\"SSHD4\"");
        assert_eq!(first_error("[[overrides]]\nfail-on = \"info\"\n").1, "fail-on");
        assert_eq!(first_error("select = [\n").0, "unclosed array, expected `]`");
        assert_eq!(first_error("[severity]\nSSHD102 = \"loud\"\n").1, "\"loud\"");
    }

    #[test]
    fn every_error_is_reported() {
        let e = parse_str("select = [\"NOPE\"]\nadmin-sources = [\"x\"]\n").err().unwrap_or_default();
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn overrides_apply_by_path_then_the_command_line() {
        let c = parse_str(
            "users = [\"alice\"]\nignore = [\"SSHD301\"]\n[[overrides]]\npaths = [\"hosts/legacy/**\"]\nopenssh = \"9.2\"\nignore = [\"SSHD401\"]\n",
        )
        .ok();
        let project = Project { config: c, cli: Settings { users: Some(vec!["bob".into()]), ..Default::default() } };
        let (mut sel, mut check, mut version) = Default::default();
        project.resolve(Some(Path::new("/repo/hosts/legacy")), &mut sel, &mut check, &mut version);
        assert_eq!(sel.ignore, ["SSHD301", "SSHD401"]);
        assert_eq!(version, Version::parse("9.2"));
        assert_eq!(check.users, ["bob"]);
        let (mut sel, mut check, mut version) = Default::default();
        project.resolve(Some(Path::new("/repo/hosts/web")), &mut sel, &mut check, &mut version);
        assert_eq!(sel.ignore, ["SSHD301"]);
        assert_eq!(version, None);
    }

    #[test]
    fn relative_paths() {
        let c = parse_str("").ok();
        let c = c.as_ref();
        assert_eq!(c.and_then(|c| c.relative(Path::new("/repo/hosts/./web/../db"))), Some("hosts/db".into()));
        assert_eq!(c.and_then(|c| c.relative(Path::new("/elsewhere"))), None);
    }
}
