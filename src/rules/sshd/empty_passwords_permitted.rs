//! SSHD403 `empty-passwords-permitted`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `PermitEmptyPasswords yes`, globally or in a Match block. On by default.
    ///
    /// ## Why is this bad?
    /// Any account whose password is empty (service accounts, freshly created users) becomes reachable from the network without credentials.
    ///
    /// ## Example
    /// ```text
    /// PermitEmptyPasswords yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitEmptyPasswords no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.11
    pub static RULE = {
        code: "SSHD403",
        name: "empty-passwords-permitted",
        category: Hardening,
        severity: Error,
        opt_in: false,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.11"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::PermitEmptyPasswords,
        true,
        |_, n| n != 0,
        |_, _| "`PermitEmptyPasswords` is `yes`: accounts with an empty password can log in with none".to_string(),
        "set `PermitEmptyPasswords no`",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "PermitEmptyPasswords yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PermitEmptyPasswords no\n").is_empty());
    }
}
