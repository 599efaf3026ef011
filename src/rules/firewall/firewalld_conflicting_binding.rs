//! FW013 `firewalld-conflicting-binding`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::firewalld::Code;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports an interface or a source address bound to two zones (two files in
    /// /etc/firewalld/zones, or an /etc override of a stock zone and another zone).
    ///
    /// ## Why is this bad?
    /// firewalld refuses the configuration and starts with its full stock configuration: every
    /// file in /etc/firewalld is ignored.
    ///
    /// ## Example
    /// ```text
    /// zones/mgmt.xml:  <zone><source address="198.51.100.0/24"/><service name="ssh"/></zone>
    /// zones/other.xml: <zone><source address="198.51.100.0/24"/></zone>
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// zones/mgmt.xml:  <zone><source address="198.51.100.0/24"/><service name="ssh"/></zone>
    /// zones/other.xml: <zone><source address="192.0.2.0/24"/></zone>
    /// ```
    ///
    /// ## References
    /// - firewalld.zone(5)
    /// - docs/research/firewalld-1.3.3.md §1.4, §2.2
    pub static RULE = {
        code: "FW013",
        name: "firewalld-conflicting-binding",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["firewalld.zone(5)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::firewalld_findings(ctx, Code::ConflictingBinding, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const CONF: (&str, &str) = ("etc/firewalld/firewalld.conf", "DefaultZone=drop\n");

    #[test]
    fn fail() {
        let f = run_tree(
            &super::RULE,
            &[
                CONF,
                ("etc/firewalld/zones/aa.xml", "<zone><interface name=\"eth1\"/></zone>"),
                ("etc/firewalld/zones/bb.xml", "<zone><interface name=\"eth1\"/></zone>"),
            ],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn pass() {
        let f = run_tree(
            &super::RULE,
            &[
                CONF,
                ("etc/firewalld/zones/aa.xml", "<zone><source address=\"192.0.2.0/24\"/></zone>"),
                ("etc/firewalld/zones/bb.xml", "<zone><source address=\"192.0.2.0/25\"/></zone>"),
            ],
            &CheckOptions::default(),
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
