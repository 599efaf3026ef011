//! SSHD406 `hostbased-authentication-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `HostbasedAuthentication yes`.
    ///
    /// ## Why is this bad?
    /// Host-based trust means any root (or user) on a trusted host can log in here as the same user.
    ///
    /// ## Example
    /// ```text
    /// HostbasedAuthentication yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// HostbasedAuthentication no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.9
    pub static RULE = {
        code: "SSHD406",
        name: "hostbased-authentication-enabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.9"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::HostbasedAuthentication,
        true,
        |_, n| n != 0,
        |_, _| "`HostbasedAuthentication` is `yes`: trust is delegated to other hosts and their users".to_string(),
        "set `HostbasedAuthentication no`",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "HostbasedAuthentication yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "HostbasedAuthentication no\n").is_empty());
    }
}
