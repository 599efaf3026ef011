//! SSHD404 `strict-modes-disabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `StrictModes no`.
    ///
    /// ## Why is this bad?
    /// With StrictModes off, anyone who can write to a home or ~/.ssh can add a key and log in as that user.
    ///
    /// ## Example
    /// ```text
    /// StrictModes no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// StrictModes yes
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2 (sshd_config)
    pub static RULE = {
        code: "SSHD404",
        name: "strict-modes-disabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2 (sshd_config)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::StrictModes,
        true,
        |_, n| n == 0,
        |_, _| "`StrictModes` is `no`: sshd trusts key files in directories other users can write".to_string(),
        "set `StrictModes yes` and fix the permissions it complains about",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "StrictModes no\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "StrictModes yes\n").is_empty());
    }
}
