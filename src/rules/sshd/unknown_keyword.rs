//! SSHD001 `unknown-keyword`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a keyword sshd does not know in the target release.
    ///
    /// ## Why is this bad?
    /// sshd logs `Bad configuration option` for the line, counts it, and refuses to start once the file is read: the daemon stays down (or a restart leaves it down).
    ///
    /// ## Example
    /// ```text
    /// Bogus yes
    /// PermitRootLogn no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitRootLogin no
    /// ```
    ///
    /// ## References
    /// - sshd_config(5)
    pub static RULE = {
        code: "SSHD001",
        name: "unknown-keyword",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5)", "servconf.c parse_token"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::UnknownKeyword, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "Bogus yes\nPermitRootLogn no\n");
        assert!(!f.is_empty(), "expected findings");
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PermitRootLogin no\n").is_empty());
    }
}
