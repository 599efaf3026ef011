//! SSHD402 `password-authentication-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports password authentication left on (the default), globally or in a Match block.
    ///
    /// ## Why is this bad?
    /// Password logins are exposed to guessing and credential stuffing; keys are not.
    ///
    /// ## Example
    /// ```text
    /// PasswordAuthentication yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PasswordAuthentication no
    /// ```
    ///
    /// ## References
    /// - dev-sec ssh-baseline sshd-22
    pub static RULE = {
        code: "SSHD402",
        name: "password-authentication-enabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["dev-sec ssh-baseline sshd-22"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::PasswordAuthentication,
        true,
        |_, n| n != 0,
        |_, _| "`PasswordAuthentication` is `yes`: passwords can be guessed over the network".to_string(),
        "use keys: `PasswordAuthentication no`",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "PasswordAuthentication yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PasswordAuthentication no\n").is_empty());
    }
}
