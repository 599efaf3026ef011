//! SSHD405 `x11-forwarding-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `X11Forwarding yes`, globally or in a Match block.
    ///
    /// ## Why is this bad?
    /// X11 forwarding exposes the client display to the server side and widens the attack surface of the session.
    ///
    /// ## Example
    /// ```text
    /// X11Forwarding yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// X11Forwarding no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.6
    pub static RULE = {
        code: "SSHD405",
        name: "x11-forwarding-enabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.6"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::X11Forwarding,
        true,
        |_, n| n != 0,
        |_, _| "`X11Forwarding` is `yes`: clients can forward X11 displays through this host".to_string(),
        "set `X11Forwarding no` unless users need remote X applications",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "X11Forwarding yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "X11Forwarding no\n").is_empty());
    }
}
