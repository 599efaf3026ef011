//! FW012 `firewalld-bad-default-zone`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::firewalld::Code;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `DefaultZone` in firewalld.conf that names no zone, or a firewalld.conf
    /// without one, and lines firewalld ignores there.
    ///
    /// ## Why is this bad?
    /// firewalld does not fail: it quietly uses `public` (or `external`, or `block`), so every
    /// interface and source not bound to a zone gets the public zone's rules instead of the
    /// intended ones.
    ///
    /// ## Example
    /// ```text
    /// DefaultZone=interal
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// DefaultZone=internal
    /// ```
    ///
    /// ## References
    /// - firewalld.conf(5)
    /// - docs/research/firewalld-1.3.3.md §1.4, §2.1
    pub static RULE = {
        code: "FW012",
        name: "firewalld-bad-default-zone",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["firewalld.conf(5)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::firewalld_findings(ctx, Code::BadDefaultZone, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    #[test]
    fn fail() {
        let f = run_tree(
            &super::RULE,
            &[("etc/firewalld/firewalld.conf", "DefaultZone=interal\n")],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("uses `public`"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        let f = run_tree(
            &super::RULE,
            &[("etc/firewalld/firewalld.conf", "DefaultZone=internal\n")],
            &CheckOptions::default(),
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
