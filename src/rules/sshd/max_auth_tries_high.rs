//! SSHD408 `max-auth-tries-high`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `MaxAuthTries` above 4, including the default 6.
    ///
    /// ## Why is this bad?
    /// A high limit gives password-guessing tools more attempts per connection.
    ///
    /// ## Example
    /// ```text
    /// MaxAuthTries 10
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// MaxAuthTries 4
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.7
    pub static RULE = {
        code: "SSHD408",
        name: "maxauthtries-too-high",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.7"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::MaxAuthTries,
        true,
        |_, n| n > 4,
        |_, n| format!("`MaxAuthTries` is `{n}`: each connection may try {n} passwords or keys"),
        "set `MaxAuthTries 4` or lower (but at least 3, see SSHD204)",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "MaxAuthTries 10\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "MaxAuthTries 4\n").is_empty());
    }
}
