//! FW011 `firewalld-unknown-reference`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::firewalld::Code;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a service, zone, ipset or ICMP type that a zone, policy, service include or rich
    /// rule names and that exists neither in /etc/firewalld nor among the stock definitions.
    /// Unknown services and ipsets inside rich rules, and unknown ipsets bound to a zone, are
    /// missed by `firewall-offline-cmd --check-config`; the daemon still fails on them when it
    /// applies that zone or policy at boot.
    ///
    /// ## Why is this bad?
    /// firewalld falls back to its full stock configuration: every file in /etc/firewalld is
    /// ignored and the public zone with SSH open becomes the default.
    ///
    /// ## Example
    /// ```text
    /// <zone><source address="192.0.2.0/24"/><service name="sshh"/></zone>
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// <zone><source address="192.0.2.0/24"/><service name="ssh"/></zone>
    /// ```
    ///
    /// ## References
    /// - firewalld.zone(5)
    /// - docs/research/firewalld-1.3.3.md §1.4, §2.2
    pub static RULE = {
        code: "FW011",
        name: "firewalld-unknown-reference",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["firewalld.zone(5)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::firewalld_findings(ctx, Code::UnknownReference, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const CONF: (&str, &str) = ("etc/firewalld/firewalld.conf", "DefaultZone=drop\n");

    #[test]
    fn fail() {
        let rich = "<zone><source address=\"192.0.2.0/24\"/><rule family=\"ipv4\"><service name=\"nosuch\"/><accept/></rule></zone>";
        let f = run_tree(&super::RULE, &[CONF, ("etc/firewalld/zones/mgmt.xml", rich)], &CheckOptions::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("--check-config misses"), "{}", f[0].message);
        let f = run_tree(
            &super::RULE,
            &[CONF, ("etc/firewalld/zones/mgmt.xml", "<zone><service name=\"sshh\"/></zone>")],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn pass() {
        // The same rich rule in a zone nothing binds is never applied.
        let unused = "<zone><rule family=\"ipv4\"><service name=\"nosuch\"/><accept/></rule></zone>";
        let f = run_tree(&super::RULE, &[CONF, ("etc/firewalld/zones/other.xml", unused)], &CheckOptions::default());
        assert!(f.is_empty(), "{f:?}");
    }
}
