//! `--format json`: the machine-readable contract (schema version 1).
//!
//! ```text
//! {
//!   "version": 1,
//!   "findings": [{
//!     "code": "SSHD102", "name": "user-locked-out", "severity": "error|warning|info",
//!     "path": "etc/ssh/sshd_config", "line": 3, "column": 1, "end_line": 3, "end_column": 17,
//!     "message": "…", "help": "…" | null,
//!     "related": [{"path", "line", "column", "end_line", "end_column", "message"}],
//!     "fatal": true            // sshd would refuse to start because of this finding
//!   }],
//!   "files": [{"path": "…", "kind": "sshd_config|sshd_config_dropin|iptables-save|ip6tables-save|ufw-rules|ufw-conf|ufw-default|ufw-application|firewalld-conf|firewalld-xml|firewalld-stock-builtin|systemd-unit|authorized-keys|passwd|login-path|sshlint-config|unknown"}],
//!   "summary": {"errors": 0, "warnings": 0, "infos": 0, "files": 1, "hosts": 1, "fatal": false}
//! }
//! ```
//! Lines and columns are 1-based; columns count characters. Fields are only ever added.

use super::{path_of, position};
use crate::diagnostic::Severity;
use crate::lint::{LintResult, Unit};
use crate::source::Location;
use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    findings: Vec<FindingJson<'a>>,
    files: Vec<FileJson>,
    summary: Summary,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    #[serde(flatten)]
    at: Pos,
    message: String,
    help: Option<String>,
    related: Vec<RelatedJson<'a>>,
    fatal: bool,
}

#[derive(Serialize)]
struct Pos {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct RelatedJson<'a> {
    #[serde(flatten)]
    at: Pos,
    message: &'a str,
}

#[derive(Serialize)]
struct FileJson {
    path: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    files: usize,
    hosts: usize,
    fatal: bool,
}

fn pos(unit: &Unit, loc: Location) -> Pos {
    let ((line, column), (end_line, end_column)) = position(unit, loc);
    Pos { path: path_of(unit, loc), line, column, end_line, end_column }
}

pub fn render(r: &LintResult) -> String {
    let findings = r
        .findings()
        .map(|(u, f)| FindingJson {
            code: f.code,
            name: f.name,
            severity: f.severity.as_str(),
            at: pos(u, f.location),
            message: crate::report::human::display_safe(&f.message),
            help: f.help.as_deref().map(crate::report::human::display_safe),
            related: f.related.iter().map(|l| RelatedJson { at: pos(u, l.location), message: &l.message }).collect(),
            fatal: f.fatal,
        })
        .collect();
    let files = r
        .units
        .iter()
        .flat_map(|u| {
            u.files.iter().map(move |(id, kind)| FileJson {
                path: u.sources.get(*id).path.display().to_string(),
                kind: kind.as_str(),
            })
        })
        .collect();
    let doc = Doc {
        version: 1,
        findings,
        files,
        summary: Summary {
            errors: r.count(Severity::Error),
            warnings: r.count(Severity::Warning),
            infos: r.count(Severity::Info),
            files: r.file_count(),
            hosts: r.hosts(),
            fatal: r.findings().any(|(_, f)| f.fatal),
        },
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
