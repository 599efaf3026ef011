//! FW004 `invalid-target-use`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::ruleset::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports rules and commands the kernel or iptables refuses when the file is loaded, even
    /// though each line parses: `REJECT --reject-with tcp-reset` on a rule that does not match
    /// only TCP, `REJECT` outside the filter table, `DNAT`/`REDIRECT`/`SNAT`/`MASQUERADE` outside
    /// their nat chains, `DROP` in the nat table, `-o` in INPUT or PREROUTING, jumps to built-in
    /// chains, policies other than ACCEPT/DROP or on user chains, `-I` past the end of a chain,
    /// `-D` of a rule that is not there, deleting a chain in use, `-R` (which crashes
    /// iptables-restore 1.8.9), renaming a chain created in the same file.
    ///
    /// ## Why is this bad?
    /// The ruleset does not load and the host keeps whatever it had. Several of these pass
    /// `iptables-restore --test` on the nf_tables backend and fail only on the real load.
    ///
    /// ## Example
    /// ```text
    /// *filter
    /// -A INPUT --dport 22 -p udp -j REJECT --reject-with tcp-reset
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables-extensions(8) REJECT, DNAT, REDIRECT
    /// - reference/firewalls.md §1.1, §1.3
    pub static RULE = {
        code: "FW004",
        name: "invalid-target-use",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["iptables-extensions(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems_of(ctx, ProblemKind::InvalidUse, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        assert_eq!(
            run_firewall(&super::RULE, "*filter\n-A INPUT -p udp -j REJECT --reject-with tcp-reset\nCOMMIT\n").len(),
            1
        );
        assert_eq!(run_firewall(&super::RULE, "*nat\n-A PREROUTING -p tcp -j REJECT\nCOMMIT\n").len(), 1);
        assert_eq!(run_firewall(&super::RULE, "*filter\n-I INPUT 5 -j ACCEPT\nCOMMIT\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(
            run_firewall(&super::RULE, "*filter\n-A INPUT -p tcp -j REJECT --reject-with tcp-reset\nCOMMIT\n")
                .is_empty()
        );
    }
}
