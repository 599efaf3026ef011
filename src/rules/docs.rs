//! Documentation generated from rule metadata: `rules.md`, `sshlint rules --format markdown`,
//! `sshlint explain CODE`.

use super::{RuleMeta, all};

/// `sshlint explain CODE`.
pub fn explain(m: &RuleMeta) -> String {
    let opt = if m.opt_in { ", opt-in" } else { "" };
    let mut s = format!(
        "# {} `{}`\n\nSeverity: {} · Category: {}{opt} · Since: {}\n\n",
        m.code,
        m.name,
        m.severity.as_str(),
        m.category.as_str(),
        m.since
    );
    s.push_str(m.doc_text().trim());
    s.push('\n');
    if !m.sources.is_empty() {
        s.push_str("\nSources: ");
        s.push_str(&m.sources.join("; "));
        s.push('\n');
    }
    s
}

/// The fragment of a rule's section in rules.md (`## SSHD102` → `sshd102`, as GitHub derives
/// heading anchors); SARIF's `helpUri` links to it.
pub fn anchor(m: &RuleMeta) -> String {
    m.code.to_ascii_lowercase()
}

/// The whole catalogue as Markdown (rules.md).
pub fn markdown() -> String {
    let mut s = String::from(
        "# sshlint rules\n\n<!-- Generated from rule metadata by `SSHLINT_BLESS=1 cargo test`; do not edit. -->\n\n",
    );
    s.push_str("| Code | Name | Severity | Category | Summary |\n|---|---|---|---|---|\n");
    for r in all() {
        let m = r.meta;
        let opt = if m.opt_in { " (opt-in)" } else { "" };
        s.push_str(&format!(
            "| [{}](#{}) | `{}` | {} | {}{} | {} |\n",
            m.code,
            anchor(m),
            m.name,
            m.severity.as_str(),
            m.category.as_str(),
            opt,
            m.summary()
        ));
    }
    for r in all() {
        let m = r.meta;
        s.push('\n');
        s.push_str(&format!("## {}\n\n", m.code));
        let body = explain(m);
        let body = body.split_once("\n\n").map_or(body.as_str(), |(_, b)| b);
        s.push_str(&format!("`{}`\n\n", m.name));
        let body: String =
            body.lines().map(|l| if l.starts_with("## ") { format!("#{l}\n") } else { format!("{l}\n") }).collect();
        s.push_str(&body);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchor GitHub gives a Markdown heading: lower case, punctuation other than `-` and `_`
    /// dropped, spaces turned into `-`.
    fn github_anchor(heading: &str) -> String {
        heading
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
            .map(|c| if c == ' ' { '-' } else { c.to_ascii_lowercase() })
            .collect()
    }

    #[test]
    fn anchors_name_the_rule_sections() {
        let md = markdown();
        for r in all() {
            let m = r.meta;
            assert!(md.contains(&format!("\n## {}\n", m.code)), "rules.md has a section for {}", m.code);
            assert_eq!(anchor(m), github_anchor(m.code), "{}", m.code);
            assert!(md.contains(&format!("](#{})", anchor(m))), "the table links to {}", m.code);
        }
    }
}
