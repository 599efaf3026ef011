//! SSHD106 `match-never-matches`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::matching::CriterionKind;
use crate::model::sshd::pattern::only_negations;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports Match blocks no connection can enter: a criterion whose list holds only
    /// negations (`Match User !root` matches nobody, not everyone but root), a user or
    /// group name that exists on the host only in another letter case, a group the host
    /// does not have, or a `LocalPort` sshd does not listen on.
    ///
    /// ## Why is this bad?
    /// The settings in the block silently never apply; restrictions meant for a set of
    /// users or networks are not enforced.
    ///
    /// ## Example
    /// ```text
    /// Match User !root
    ///     PasswordAuthentication no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Match User *,!root
    ///     PasswordAuthentication no
    /// ```
    ///
    /// ## References
    /// - ssh_config(5) PATTERNS: "a negated match will never produce a positive result by itself"
    pub static RULE = {
        code: "SSHD106",
        name: "match-never-matches",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["ssh_config(5) PATTERNS", "sshd_config(5) Match"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let ports = host.global().ports();
    for block in &host.startup.blocks {
        for (c, &at) in block.line.criteria.iter().zip(&block.arg_locs) {
            let listy = matches!(
                c.kind,
                CriterionKind::User
                    | CriterionKind::Group
                    | CriterionKind::Host
                    | CriterionKind::Address
                    | CriterionKind::LocalAddress
                    | CriterionKind::RDomain
            );
            if listy && !c.arg.is_empty() && only_negations(&c.arg) {
                let positive = c.arg.split(',').map(|e| e.trim_start_matches('!')).collect::<Vec<_>>().join(",!");
                out.push(
                    Violation::new(
                        at,
                        format!("`Match {} {}` has only negated patterns and never matches", c.kind.name(), c.arg),
                    )
                    .help(format!("add a positive pattern: `{} *,!{positive}`", c.kind.name())),
                );
                continue;
            }
            if c.kind == CriterionKind::LocalPort
                && let Ok(p) = c.arg.parse::<u16>()
                && !ports.contains(&p)
            {
                let listening = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
                out.push(
                    Violation::new(at, format!("`Match LocalPort {p}` never matches: sshd listens on {listening}"))
                        .help(format!("add `Port {p}` or fix the port in the Match line")),
                );
            }
            let Some(accounts) = host.facts.accounts.as_ref() else { continue };
            match c.kind {
                CriterionKind::User => {
                    for name in c.arg.split(',').filter(|e| !e.starts_with('!') && !e.contains(['*', '?'])) {
                        if accounts.user(name).is_none()
                            && let Some(real) = accounts.users.iter().find(|u| u.name.eq_ignore_ascii_case(name))
                        {
                            out.push(
                                Violation::new(at, format!("`Match User {name}` never matches: the account is `{}` (user names are case-sensitive)", real.name))
                                    .help(format!("write `{}`", real.name)),
                            );
                        }
                    }
                }
                CriterionKind::Group => {
                    for name in c.arg.split(',').filter(|e| !e.starts_with('!') && !e.contains(['*', '?'])) {
                        if !accounts.has_group(name) {
                            out.push(
                                Violation::new(
                                    at,
                                    format!("`Match Group {name}` never matches: the host has no group `{name}`"),
                                )
                                .help("fix the group name or create the group"),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::{run, run_tree};

    #[test]
    fn negation_only() {
        assert_eq!(run(&super::RULE, "Match User !root\n  X11Forwarding no\n").len(), 1);
        assert_eq!(run(&super::RULE, "Match LocalPort 2222\n  X11Forwarding no\n").len(), 1);
    }

    #[test]
    fn case_and_missing_group() {
        let f = run_tree(
            &super::RULE,
            &[
                (
                    "etc/ssh/sshd_config",
                    "Match User Alice\n  X11Forwarding no\nMatch Group admins\n  X11Forwarding no\n",
                ),
                ("etc/passwd", "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"),
                ("etc/group", "root:x:0:\nalice:x:1000:\n"),
            ],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 2, "{f:?}");
    }

    #[test]
    fn pass() {
        assert!(
            run(&super::RULE, "Match User *,!root\n  X11Forwarding no\nMatch LocalPort 22\n  X11Forwarding no\n")
                .is_empty()
        );
    }
}
