//! SSHD407 `ignore-rhosts-disabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `IgnoreRhosts no`.
    ///
    /// ## Why is this bad?
    /// Rhosts files let users grant password-less access to their account from other hosts without the administrator knowing.
    ///
    /// ## Example
    /// ```text
    /// IgnoreRhosts no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// IgnoreRhosts yes
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.8
    pub static RULE = {
        code: "SSHD407",
        name: "ignore-rhosts-disabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.8"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::IgnoreRhosts,
        true,
        |_, n| n == 0,
        |_, _| "`IgnoreRhosts` is `no`: users' .rhosts and .shosts files are honoured".to_string(),
        "set `IgnoreRhosts yes`",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "IgnoreRhosts no\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "IgnoreRhosts yes\n").is_empty());
    }
}
