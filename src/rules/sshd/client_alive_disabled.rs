//! SSHD409 `client-alive-disabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports `ClientAliveInterval 0` (the default).
    ///
    /// ## Why is this bad?
    /// Sessions whose client vanished keep their shell, agents and forwarded ports open indefinitely.
    ///
    /// ## Example
    /// ```text
    /// ClientAliveInterval 0
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ClientAliveInterval 300
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.16
    pub static RULE = {
        code: "SSHD409",
        name: "client-alive-disabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.16"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::ClientAliveInterval,
        true,
        |_, n| n == 0,
        |_, _| "`ClientAliveInterval` is `0`: dead and idle sessions are never detected".to_string(),
        "set `ClientAliveInterval 300` with `ClientAliveCountMax 3`",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "ClientAliveInterval 0\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "ClientAliveInterval 300\n").is_empty());
    }
}
