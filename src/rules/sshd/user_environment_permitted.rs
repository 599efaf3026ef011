//! SSHD411 `user-environment-permitted`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `PermitUserEnvironment` set to `yes` or a pattern list.
    ///
    /// ## Why is this bad?
    /// Variables such as LD_PRELOAD set through ~/.ssh/environment can bypass ForceCommand and other restrictions.
    ///
    /// ## Example
    /// ```text
    /// PermitUserEnvironment yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitUserEnvironment no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.12
    pub static RULE = {
        code: "SSHD411",
        name: "user-environment-permitted",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.12"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::PermitUserEnvironment,
        true,
        |e, n| n != 0 || e.text(Opt::PermitUserEnvironment).is_some(),
        |e, _| {
            let value = e.text(Opt::PermitUserEnvironment).unwrap_or_else(|| "yes".into());
            format!("`PermitUserEnvironment` is `{value}`: users set environment variables through ~/.ssh/environment")
        },
        "set `PermitUserEnvironment no`",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "PermitUserEnvironment yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PermitUserEnvironment no\n").is_empty());
    }
}
