//! Writing findings for people and machines: human (miette), JSON, SARIF, GitHub annotations.
//! All formats are written from the same [`crate::diagnostic::Finding`] data.

pub mod config;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod trace;

use crate::lint::{LintResult, Unit};
use crate::source::Location;

/// 1-based start and end (line, column) of a location.
pub fn position(unit: &Unit, loc: Location) -> ((usize, usize), (usize, usize)) {
    let f = unit.sources.get(loc.file);
    (f.line_col(loc.span.start), f.line_col(loc.span.end))
}

pub fn path_of(unit: &Unit, loc: Location) -> String {
    unit.sources.get(loc.file).path.display().to_string()
}

/// "N errors, N warnings, N infos in N files (N hosts)".
pub fn summary_line(r: &LintResult) -> String {
    use crate::diagnostic::Severity::*;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {} in {} ({})",
        plural(r.count(Error), "error"),
        plural(r.count(Warning), "warning"),
        plural(r.count(Info), "info"),
        plural(r.file_count(), "file"),
        plural(r.hosts(), "host")
    )
}
