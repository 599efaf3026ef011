//! FW002 `undefined-chain`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::ruleset::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a jump or goto to a chain that does not exist in the table (including a target
    /// name in the wrong case, such as `-j accept`), and `-A`, `-D`, `-F` or `-X` naming a chain
    /// that was never declared.
    ///
    /// ## Why is this bad?
    /// The kernel refuses the table, so the ruleset does not load. `iptables-restore --test`
    /// on the nf_tables backend does not notice: only a real load fails, typically at boot.
    ///
    /// ## Example
    /// ```text
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j SSH-IN
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *filter
    /// :SSH-IN - [0:0]
    /// -A INPUT -p tcp --dport 22 -j SSH-IN
    /// -A SSH-IN -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables(8) `-j`, `-g`
    /// - reference/firewalls.md §1.1, §1.3 (real commit in a private network namespace)
    pub static RULE = {
        code: "FW002",
        name: "undefined-chain",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["iptables(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems_of(ctx, ProblemKind::UndefinedChain, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        assert_eq!(run_firewall(&super::RULE, "*filter\n-A INPUT -j NOPE\nCOMMIT\n").len(), 1);
        assert_eq!(run_firewall(&super::RULE, "*filter\n-A INPUT -p all -j accept\nCOMMIT\n").len(), 1);
        assert_eq!(run_firewall(&super::RULE, "*filter\n-A NOSUCH -j ACCEPT\nCOMMIT\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run_firewall(&super::RULE, "*filter\n:A - [0:0]\n-A INPUT -j A\nCOMMIT\n").is_empty());
    }
}
