//! SSHD401 `root-login-permitted`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `PermitRootLogin` other than `no`, including the default `prohibit-password`.
    ///
    /// ## Why is this bad?
    /// A direct root login leaves no record of who used it and makes root the target of every password-guessing run.
    ///
    /// ## Example
    /// ```text
    /// PermitRootLogin yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitRootLogin no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.10
    pub static RULE = {
        code: "SSHD401",
        name: "root-login-permitted",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.10"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::PermitRootLogin,
        true,
        |_, n| n != 0,
        |_, n| {
            format!(
                "`PermitRootLogin` is `{}`: root can log in over SSH",
                crate::model::sshd::settings::PERMIT_ROOT_LOGIN_10_1.format(n)
            )
        },
        "set `PermitRootLogin no` and log in as a named user with sudo",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "PermitRootLogin yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PermitRootLogin no\n").is_empty());
    }
}
