//! SSHD204 `maxauthtries-too-low`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `MaxAuthTries` below 3, globally or in a Match block.
    ///
    /// ## Why is this bad?
    /// Every key an agent offers counts as an attempt, so a user with several keys is disconnected before the right key is tried.
    ///
    /// ## Example
    /// ```text
    /// MaxAuthTries 1
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// MaxAuthTries 4
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) MaxAuthTries
    pub static RULE = {
        code: "SSHD204",
        name: "maxauthtries-too-low",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) MaxAuthTries"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::MaxAuthTries,
        false,
        |_, n| n < 3,
        |_, n| {
            format!(
                "`MaxAuthTries` is `{n}`: a client whose right key is not among the first {n} it offers is cut off with \"Too many authentication failures\""
            )
        },
        "allow at least 3 attempts, or have clients offer the right key with IdentitiesOnly",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "MaxAuthTries 1\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "MaxAuthTries 4\n").is_empty());
    }
}
