//! SSHD203 `maxsessions-too-low`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// maxsessions_too_low1
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
    let host = ctx.host;
    let mut seen = Vec::new();
    for (e, _) in super::samples::evaluations(host) {
        let Some(at) = e.origin(Opt::MaxSessions) else { continue };
        let n = e.num(Opt::MaxSessions);
        if seen.contains(&at) || !(n < 2) {
            continue;
        }
        seen.push(at);
        out.push(
            Violation::new(
                at,
                format!(
                    "`MaxSessions` is `{n}`: {}",
                    if n == 0 {
                        "no shell, exec or subsystem session can open".to_string()
                    } else {
                        "a multiplexed connection cannot open a second session".to_string()
                    }
                ),
            )
            .help("allow at least 2 sessions (the default is 10) unless multiplexing is meant to be off"),
        );
    }
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
