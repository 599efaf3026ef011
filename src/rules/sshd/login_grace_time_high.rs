//! SSHD410 `login-grace-time-high`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `LoginGraceTime` above 60 seconds or unlimited (0), including the default 120.
    ///
    /// ## Why is this bad?
    /// Slow or idle unauthenticated connections occupy MaxStartups slots; a long grace time makes it cheap to exhaust them.
    ///
    /// ## Example
    /// ```text
    /// LoginGraceTime 0
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// LoginGraceTime 60
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.17
    pub static RULE = {
        code: "SSHD410",
        name: "logingracetime-too-high",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.17"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::LoginGraceTime,
        true,
        |_, n| n == 0 || n > 60,
        |_, n| {
            if n == 0 {
                "`LoginGraceTime` is `0` (no limit): unauthenticated connections can hold a MaxStartups slot forever"
                    .to_string()
            } else {
                format!(
                    "`LoginGraceTime` is `{n}` seconds: unauthenticated connections hold a MaxStartups slot that long"
                )
            }
        },
        "set `LoginGraceTime 60` or less",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "LoginGraceTime 0\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "LoginGraceTime 60\n").is_empty());
    }
}
