//! SSHD205 `logingracetime-too-low`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `LoginGraceTime` under 20 seconds (0 means no limit and is not reported).
    ///
    /// ## Why is this bad?
    /// Interactive logins, second factors and high-latency links need more than a few seconds; sshd disconnects them mid-login (and 9.8+ also penalises the source).
    ///
    /// ## Example
    /// ```text
    /// LoginGraceTime 5
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// LoginGraceTime 60
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) LoginGraceTime
    pub static RULE = {
        code: "SSHD205",
        name: "logingracetime-too-low",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) LoginGraceTime"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::LoginGraceTime,
        false,
        |_, n| n > 0 && n < 20,
        |_, n| {
            format!(
                "`LoginGraceTime` is `{n}` seconds: logins that take longer (typing a password, 2FA, slow links) are cut off"
            )
        },
        "allow at least 20 seconds (the default is 120)",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "LoginGraceTime 5\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "LoginGraceTime 60\n").is_empty());
    }
}
