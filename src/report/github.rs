//! `--format github`: GitHub Actions workflow commands, one per finding.

use super::{path_of, position};
use crate::diagnostic::Severity;
use crate::lint::LintResult;

/// Escape a workflow-command message (`%`, CR, LF).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a workflow-command property (also `:` and `,`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A path as GitHub matches it against the repository: without leading `./` (what `sshlint .`
/// prints), which annotations would otherwise not attach to.
fn repo_path(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/');
    }
    p
}

pub fn render(r: &LintResult) -> String {
    let mut out = String::new();
    for (u, f) in r.findings() {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let ((l, c), (el, ec)) = position(u, f.location);
        let title = format!("{} {}", f.code, f.name);
        let mut msg = crate::report::human::display_safe(&f.message);
        if let Some(h) = &f.help {
            msg.push_str("\nhelp: ");
            msg.push_str(&crate::report::human::display_safe(h));
        }
        out.push_str(&format!(
            "::{level} file={},line={l},col={c},endLine={el},endColumn={ec},title={}::{}\n",
            escape_property(repo_path(&path_of(u, f.location))),
            escape_property(&title),
            escape_data(&msg)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_leading_dot_slash() {
        assert_eq!(repo_path("./hosts/web/etc/ssh/sshd_config"), "hosts/web/etc/ssh/sshd_config");
        assert_eq!(repo_path(".//./a"), "a");
        assert_eq!(repo_path("/abs/x"), "/abs/x");
        assert_eq!(repo_path(".ssh/x"), ".ssh/x");
    }

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
