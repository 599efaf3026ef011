//! SSHD003 `directive-not-allowed-in-match`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a global-only keyword inside a Match block (including a file included from one).
    ///
    /// ## Why is this bad?
    /// sshd checks Match blocks for syntax at startup and stops with `Directive 'Port' is not allowed within a Match block`. A Match block runs to the next Match line or the end of the file, so a global line placed after it is inside it.
    ///
    /// ## Example
    /// ```text
    /// Match User deploy
    ///     ForceCommand /usr/bin/rsync
    /// Port 2222
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Port 2222
    /// Match User deploy
    ///     ForceCommand /usr/bin/rsync
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) Match
    pub static RULE = {
        code: "SSHD003",
        name: "directive-not-allowed-in-match",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5) Match"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::NotAllowedInMatch, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "Match User deploy\n    ForceCommand /usr/bin/rsync\nPort 2222\n");
        assert!(!f.is_empty(), "expected findings");
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "Port 2222\nMatch User deploy\n    ForceCommand /usr/bin/rsync\n").is_empty());
    }
}
