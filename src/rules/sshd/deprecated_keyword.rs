//! SSHD005 `deprecated-keyword`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports keywords sshd logs as deprecated or unsupported and then ignores.
    ///
    /// ## Why is this bad?
    /// the line has no effect: whatever it was meant to enforce is not enforced, and sshd logs a message at every start.
    ///
    /// ## Example
    /// ```text
    /// UsePrivilegeSeparation sandbox
    /// RSAAuthentication yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PubkeyAuthentication yes
    /// ```
    ///
    /// ## References
    /// - sshd_config(5)
    pub static RULE = {
        code: "SSHD005",
        name: "deprecated-keyword",
        category: Validity,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::Deprecated, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "UsePrivilegeSeparation sandbox\nRSAAuthentication yes\n");
        assert!(!f.is_empty(), "expected findings");
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PubkeyAuthentication yes\n").is_empty());
    }
}
