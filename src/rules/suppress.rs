//! Suppressions, applied in one place after the rules ran: inline `sshlint: ignore[…]` comments
//! in the linted files (found by [`crate::syntax::suppression`]) and `[[suppress]]` entries
//! from `sshlint.toml`. Reports SL001 for suppressions that suppress nothing and SL004 for
//! `sshlint:` comments that are not valid suppressions. Never reads files itself.

use super::meta::{invalid_suppression, unused_suppression};
use super::{RuleMeta, Selection, by_code, finding};
use crate::diagnostic::{Finding, Violation};
use crate::discover::FileKind;
use crate::source::{FileId, Location, SourceMap, Span};
use crate::syntax::suppression::{CommentStyle, Directive, Target, directives};
use std::collections::HashMap;

/// A `[[suppress]]` entry of the configuration file.
#[derive(Clone, Debug)]
pub struct Configured {
    pub rule: &'static RuleMeta,
    /// Globs over paths relative to the configuration file's directory; empty: everywhere.
    pub paths: Vec<String>,
    pub reason: String,
    /// The entry in the configuration file (for SL001).
    pub span: Span,
}

/// How one unit used a configured entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Use {
    /// Its rule did not run here.
    #[default]
    Idle,
    /// Its rule ran and it suppressed nothing.
    Unused,
    /// It suppressed at least one finding.
    Used,
}

/// The comment syntax of a file kind, `None` for kinds that have no comments or whose text is
/// not the user's (built-in stock definitions).
pub fn comment_style(kind: FileKind) -> Option<CommentStyle> {
    use FileKind::*;
    let hash = |trailing, semicolon| Some(CommentStyle::Hash { trailing, semicolon });
    match kind {
        SshdConfig | SshdDropIn | AuthorizedKeys => hash(true, false),
        IptablesSave | Ip6tablesSave | UfwRules | UfwConf | UfwDefault | FirewalldConf => hash(false, false),
        UfwApplication | SystemdUnit => hash(false, true),
        FirewalldXml => Some(CommentStyle::Xml),
        FirewalldStock | Passwd | LoginPath | SshlintConfig | Unknown => None,
    }
}

/// One unit's findings after suppression, and how each configured entry was used.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub uses: Vec<Use>,
}

/// Apply suppressions to one unit's findings. `relative` maps a file to its path relative to the
/// configuration file's directory (`None` outside it), for configured entries.
pub fn apply(
    sources: &SourceMap,
    files: &[(FileId, FileKind)],
    findings: Vec<Finding>,
    selection: &Selection,
    configured: &[Configured],
    relative: &dyn Fn(FileId) -> Option<String>,
) -> Outcome {
    // Inline directives, per file.
    let mut inline: Vec<(FileId, Directive)> = Vec::new();
    for &(id, kind) in files {
        let Some(style) = comment_style(kind) else { continue };
        inline.extend(directives(&sources.get(id).text, style).into_iter().map(|d| (id, d)));
    }
    // (directive index, code index) → used
    let mut used: Vec<Vec<bool>> =
        inline.iter().map(|(_, d)| vec![false; d.parsed.as_ref().map_or(0, |p| p.codes.len())]).collect();
    let mut uses: Vec<Use> =
        configured.iter().map(|c| if selection.enabled(c.rule) { Use::Unused } else { Use::Idle }).collect();
    // Directives by (file, covered line); `None` for the whole file.
    let mut by_line: HashMap<(FileId, Option<usize>), Vec<usize>> = HashMap::new();
    for (k, (id, d)) in inline.iter().enumerate() {
        match d.target {
            Target::File => by_line.entry((*id, None)).or_default().push(k),
            Target::Line(Some(n)) => by_line.entry((*id, Some(n))).or_default().push(k),
            Target::Line(None) | Target::MisplacedFile => {}
        }
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut rel_cache: Vec<(FileId, Option<String>)> = Vec::new();
    for f in findings {
        let file = f.location.file;
        let line = sources.get(file).line_col(f.location.span.start).0.saturating_sub(1);
        let mut suppressed = false;
        let here = by_line.get(&(file, Some(line))).into_iter().chain(by_line.get(&(file, None))).flatten();
        for &k in here {
            let Some((_, Directive { parsed: Ok(p), .. })) = inline.get(k) else { continue };
            for (c, (code, _)) in p.codes.iter().enumerate() {
                if by_code(code).is_some_and(|r| r.meta.code == f.code) {
                    suppressed = true;
                    if let Some(u) = used.get_mut(k).and_then(|u| u.get_mut(c)) {
                        *u = true;
                    }
                }
            }
        }
        for (k, c) in configured.iter().enumerate() {
            if c.rule.code != f.code {
                continue;
            }
            let matches = c.paths.is_empty() || {
                let rel = match rel_cache.iter().find(|(id, _)| *id == file) {
                    Some((_, r)) => r.clone(),
                    None => {
                        let r = relative(file);
                        rel_cache.push((file, r.clone()));
                        r
                    }
                };
                rel.is_some_and(|r| c.paths.iter().any(|g| crate::discover::path_glob(g, &r)))
            };
            if matches {
                suppressed = true;
                if let Some(u) = uses.get_mut(k) {
                    *u = Use::Used;
                }
            }
        }
        if !suppressed {
            kept.push(f);
        }
    }
    kept.extend(directive_findings(&inline, &used, selection));
    Outcome { findings: kept, uses }
}

/// SL001 and SL004 for inline directives.
fn directive_findings(inline: &[(FileId, Directive)], used: &[Vec<bool>], selection: &Selection) -> Vec<Finding> {
    let mut out = Vec::new();
    let unused = &unused_suppression::RULE;
    let invalid = &invalid_suppression::RULE;
    for ((file, d), used) in inline.iter().zip(used) {
        let at = |span: Span| Location { file: *file, span };
        let p = match &d.parsed {
            Ok(p) => p,
            Err(e) => {
                if selection.enabled(invalid) {
                    let v = Violation::new(at(d.span), format!("this `sshlint:` comment is not a suppression: {e}"))
                        .help("write `sshlint: ignore[CODE] reason`, or `sshlint: ignore-file[CODE] reason` at the top of the file");
                    out.push(finding(invalid, v, selection));
                }
                continue;
            }
        };
        if selection.enabled(invalid) {
            if d.target == Target::MisplacedFile {
                let v = Violation::new(
                    at(d.span),
                    "`ignore-file` is not in the comment block at the top of the file, so it suppresses nothing",
                )
                .help("move it above the file's first line of configuration");
                out.push(finding(invalid, v, selection));
            }
            if p.reason.is_none() {
                let v = Violation::new(at(d.span), "the suppression gives no reason")
                    .help("say after the brackets why the finding is accepted: `sshlint: ignore[SSHD401] reason`");
                out.push(finding(invalid, v, selection));
            }
            for (code, span) in &p.codes {
                if by_code(code).is_none() {
                    let v = Violation::new(at(*span), format!("`{code}` names no rule"))
                        .help("use a code or name from `sshlint rules`");
                    out.push(finding(invalid, v, selection));
                }
            }
        }
        if d.target == Target::MisplacedFile || !selection.enabled(unused) {
            continue;
        }
        for ((code, span), &hit) in p.codes.iter().zip(used) {
            let Some(rule) = by_code(code) else { continue };
            if hit || !selection.enabled(rule.meta) {
                continue;
            }
            let place = match d.target {
                Target::File => "in this file".to_string(),
                Target::Line(Some(n)) => format!("on line {}", n + 1),
                Target::Line(None) | Target::MisplacedFile => "after this comment".to_string(),
            };
            let v = Violation::new(
                at(*span),
                format!("the suppression of `{}` suppresses nothing: no `{}` finding {place}", code, rule.meta.code),
            )
            .help("remove it, or put it on the line the finding points at (or the line above)");
            out.push(finding(unused, v, selection));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(text: &str, configured: &[Configured]) -> (Vec<(String, usize)>, Vec<Use>) {
        let mut sources = SourceMap::default();
        let host = crate::model::sshd::host::SshdHost::from_text(
            "sshd_config".into(),
            text.as_bytes().to_vec(),
            crate::model::sshd::version::Version::new(9, 2),
            &mut sources,
        );
        let fw = crate::model::firewall::Firewall::default();
        let opts = super::super::CheckOptions::default();
        let ctx =
            super::super::Context { host: &host, firewall: &fw, sshd_present: true, sources: &sources, options: &opts };
        let sel = Selection { select: vec!["all".into(), "hardening".into()], ..Default::default() };
        let found = super::super::check_host(&ctx, &sel);
        let files = vec![(host.loaded.files[0].id, FileKind::SshdConfig)];
        let out = apply(&sources, &files, found, &sel, configured, &|_| Some("etc/ssh/sshd_config".into()));
        let f = out
            .findings
            .iter()
            .map(|f| (f.code.to_string(), sources.get(f.location.file).line_col(f.location.span.start).0))
            .collect();
        (f, out.uses)
    }

    fn codes_at(found: &[(String, usize)], line: usize) -> Vec<&str> {
        found.iter().filter(|(_, l)| *l == line).map(|(c, _)| c.as_str()).collect()
    }

    fn meta_at(found: &[(String, usize)], line: usize) -> Vec<&str> {
        codes_at(found, line).into_iter().filter(|c| c.starts_with("SL")).collect()
    }

    #[test]
    fn line_above_and_same_line() {
        let (found, _) = lint("PermitRootLogin yes\n", &[]);
        assert!(codes_at(&found, 1).contains(&"SSHD401"), "{found:?}");
        let (found, _) = lint("# sshlint: ignore[SSHD401] lab\nPermitRootLogin yes\n", &[]);
        assert!(!codes_at(&found, 2).contains(&"SSHD401"), "{found:?}");
        assert!(!found.iter().any(|(c, _)| c.starts_with("SL")), "{found:?}");
        let (found, _) = lint("PermitRootLogin yes # sshlint: ignore[root-login-permitted] lab\n", &[]);
        assert!(!codes_at(&found, 1).contains(&"SSHD401"), "{found:?}");
    }

    #[test]
    fn unused_and_invalid() {
        let (found, _) = lint("# sshlint: ignore[SSHD401] lab\nPermitRootLogin no\n", &[]);
        assert_eq!(meta_at(&found, 1), ["SL001"]);
        let (found, _) = lint("# sshlint: ignore[SSHD401]\nPermitRootLogin yes\n", &[]);
        assert_eq!(meta_at(&found, 1), ["SL004"]);
        assert!(!codes_at(&found, 2).contains(&"SSHD401"));
        let (found, _) = lint("# sshlint: ignore[NOPE1] r\nPermitRootLogin yes\n", &[]);
        assert_eq!(meta_at(&found, 1), ["SL004"]);
        assert!(codes_at(&found, 2).contains(&"SSHD401"));
        let (found, _) = lint("# sshlint: ignroe[SSHD401] r\nPermitRootLogin yes\n", &[]);
        assert_eq!(meta_at(&found, 1), ["SL004"]);
    }

    #[test]
    fn file_level() {
        let (found, _) = lint("# sshlint: ignore-file[SSHD401] lab\n\nPort 22\nPermitRootLogin yes\n", &[]);
        assert!(!found.iter().any(|(c, _)| c == "SSHD401" || c.starts_with("SL")), "{found:?}");
    }

    #[test]
    fn configured_entries() {
        let rule = by_code("SSHD401").map(|r| r.meta).unwrap_or(&unused_suppression::RULE);
        let entry = |paths: &[&str]| Configured {
            rule,
            paths: paths.iter().map(|s| s.to_string()).collect(),
            reason: "lab".into(),
            span: Span::default(),
        };
        let (found, uses) = lint("PermitRootLogin yes\n", &[entry(&["etc/ssh/**"])]);
        assert!(!found.iter().any(|(c, _)| c == "SSHD401"));
        assert_eq!(uses, [Use::Used]);
        let (found, uses) = lint("PermitRootLogin yes\n", &[entry(&["other/**"])]);
        assert!(found.iter().any(|(c, _)| c == "SSHD401"));
        assert_eq!(uses, [Use::Unused]);
        let (_, uses) = lint("PermitRootLogin no\n", &[entry(&[])]);
        assert_eq!(uses, [Use::Unused]);
    }
}
