//! SSHD002 `invalid-value`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a value sshd rejects: a missing or extra argument, unbalanced quotes, a bad number, time, enumeration, MaxStartups spec, algorithm name, pattern or CIDR.
    ///
    /// ## Why is this bad?
    /// sshd stops with a fatal error on the first such line, so the daemon does not start (or does not come back after a reload).
    ///
    /// ## Example
    /// ```text
    /// PermitRootLogin maybe
    /// MaxStartups 10:30:5
    /// Port 22 23
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitRootLogin prohibit-password
    /// MaxStartups 10:30:100
    /// Port 22
    /// Port 23
    /// ```
    ///
    /// ## References
    /// - sshd_config(5)
    pub static RULE = {
        code: "SSHD002",
        name: "invalid-value",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5)", "servconf.c process_server_config_line_depth"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::InvalidValue, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "PermitRootLogin maybe\nMaxStartups 10:30:5\nPort 22 23\n");
        assert!(!f.is_empty(), "expected findings");
    }

    #[test]
    fn pass() {
        assert!(
            run(&super::RULE, "PermitRootLogin prohibit-password\nMaxStartups 10:30:100\nPort 22\nPort 23\n")
                .is_empty()
        );
    }
}
