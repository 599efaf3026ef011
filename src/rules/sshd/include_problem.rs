//! SSHD006 `include-problem`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `Include` lines that cannot do what they say: a literal path or a glob's
    /// directory that does not exist (warning), an included file that cannot be read, a
    /// special file, or nesting deeper than 16 levels such as an include cycle (error).
    /// A glob that matches no file in an existing directory is normal and not reported.
    ///
    /// ## Why is this bad?
    /// sshd skips a missing include silently, so settings meant to apply are not applied; an
    /// unreadable include or a cycle stops sshd from starting.
    ///
    /// ## Example
    /// ```text
    /// Include /etc/ssh/sshd_conf.d/*.conf
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Include /etc/ssh/sshd_config.d/*.conf
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) Include
    pub static RULE = {
        code: "SSHD006",
        name: "include-problem",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5) Include"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::Include, out);
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    #[test]
    fn missing_directory_warns() {
        let f = run_tree(
            &super::RULE,
            &[("etc/ssh/sshd_config", "Include /etc/ssh/nope.d/*.conf\n")],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(!f[0].fatal);
    }

    #[test]
    fn cycle_is_fatal() {
        let f = run_tree(&super::RULE, &[("etc/ssh/sshd_config", "Include sshd_config\n")], &CheckOptions::default());
        assert!(f.iter().any(|x| x.fatal && x.severity == Severity::Error));
    }

    #[test]
    fn empty_glob_in_existing_dir_passes() {
        let f = run_tree(
            &super::RULE,
            &[
                ("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"),
                ("etc/ssh/sshd_config.d/README", "x"),
            ],
            &CheckOptions::default(),
        );
        assert!(f.is_empty());
    }
}
