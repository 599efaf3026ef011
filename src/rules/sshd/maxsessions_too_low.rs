//! SSHD203 `maxsessions-too-low`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `MaxSessions` below 2, globally or in a Match block.
    ///
    /// ## Why is this bad?
    /// OpenSSH connection multiplexing (ControlMaster, used by Ansible) runs several sessions over one connection; with 1 the second fails with "channel: open failed", with 0 no session opens at all.
    ///
    /// ## Example
    /// ```text
    /// MaxSessions 1
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// MaxSessions 10
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) MaxSessions
    pub static RULE = {
        code: "SSHD203",
        name: "maxsessions-too-low",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) MaxSessions"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let what = |n: i64| {
        if n == 0 {
            "no shell, exec or subsystem session can open"
        } else {
            "a multiplexed connection cannot open a second session"
        }
    };
    super::samples::report_setting(
        ctx,
        Opt::MaxSessions,
        false,
        |_, n| n < 2,
        |_, n| format!("`MaxSessions` is `{n}`: {}", what(n)),
        "allow at least 2 sessions (the default is 10) unless multiplexing is meant to be off",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "MaxSessions 1\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "MaxSessions 10\n").is_empty());
    }
}
