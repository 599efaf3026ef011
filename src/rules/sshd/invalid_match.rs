//! SSHD004 `invalid-match`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a Match line sshd cannot parse: an unknown criterion, a criterion without its argument, `All` combined with others, a bad CIDR or LocalPort.
    ///
    /// ## Why is this bad?
    /// sshd stops with `Bad Match condition` and does not start.
    ///
    /// ## Example
    /// ```text
    /// Match User alice Address 10.0.0.0/33
    /// Match Usr bob
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Match User alice Address 10.0.0.0/8
    /// Match User bob
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) Match
    pub static RULE = {
        code: "SSHD004",
        name: "invalid-match",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5) Match"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::InvalidMatch, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "Match User alice Address 10.0.0.0/33\nMatch Usr bob\n");
        assert!(!f.is_empty(), "expected findings");
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "Match User alice Address 10.0.0.0/8\nMatch User bob\n").is_empty());
    }
}
