//! FW003 `chain-loop`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::ruleset::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports user chains that jump to each other in a circle reachable from a built-in
    /// chain.
    ///
    /// ## Why is this bad?
    /// The kernel refuses the table ("Too many links"), so the ruleset does not load. A loop
    /// that no built-in chain reaches is accepted and only dead weight.
    ///
    /// ## Example
    /// ```text
    /// *filter
    /// :A - [0:0]
    /// :B - [0:0]
    /// -A INPUT -j A
    /// -A A -j B
    /// -A B -j A
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *filter
    /// :A - [0:0]
    /// :B - [0:0]
    /// -A INPUT -j A
    /// -A A -j B
    /// -A B -j RETURN
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables(8) TARGETS
    /// - reference/firewalls.md §1.1
    pub static RULE = {
        code: "FW003",
        name: "chain-loop",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["iptables(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems_of(ctx, ProblemKind::Loop, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        let text = "*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -j A\nCOMMIT\n";
        assert_eq!(run_firewall(&super::RULE, text).len(), 1);
    }

    #[test]
    fn pass() {
        // Not reachable from a built-in chain: the kernel accepts it.
        assert!(run_firewall(&super::RULE, "*filter\n:X - [0:0]\n-A X -j X\nCOMMIT\n").is_empty());
    }
}
