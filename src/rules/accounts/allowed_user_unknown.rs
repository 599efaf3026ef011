//! ACCT001 `allowed-user-unknown`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::model::sshd::matching::CriterionKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports names in `AllowUsers` and `Match User` that are no account of the host root
    /// (checked only when the root has an `etc/passwd`). Patterns with `*` or `?` and negated
    /// entries are left alone.
    ///
    /// ## Why is this bad?
    /// A name that matches no account is usually a typo: the entry meant for the real user
    /// does nothing, and with `AllowUsers` that user is locked out.
    ///
    /// ## Example
    /// ```text
    /// AllowUsers alcie deploy
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// AllowUsers alice deploy
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) AllowUsers, Match
    pub static RULE = {
        code: "ACCT001",
        name: "allowed-user-unknown",
        category: Access,
        severity: Warning,
        since: "0.2.0",
        sources: ["sshd_config(5) AllowUsers"],
    }
}

fn unknown<'a>(ctx: &Context, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let Some(accounts) = ctx.host.facts.accounts.as_ref() else { return Vec::new() };
    names
        .filter(|n| !n.is_empty() && !n.starts_with('!') && !n.contains(['*', '?']))
        .filter(|n| accounts.user(n).is_none())
        .map(str::to_string)
        .collect()
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    if host.root.is_none() {
        return;
    }
    for rec in host.startup.records.iter().filter(|r| r.opt == Opt::AllowUsers) {
        let names = rec.args.iter().map(|a| a.split('@').next().unwrap_or(a));
        for name in unknown(ctx, names) {
            out.push(
                Violation::new(rec.value, format!("`AllowUsers` names `{name}`, which is no account on this host"))
                    .help("fix the name (user names are case-sensitive) or remove it"),
            );
        }
    }
    for block in &host.startup.blocks {
        for (c, &at) in block.line.criteria.iter().zip(&block.arg_locs) {
            if c.kind != CriterionKind::User {
                continue;
            }
            for name in unknown(ctx, c.arg.split(',')) {
                out.push(
                    Violation::new(at, format!("`Match User` names `{name}`, which is no account on this host"))
                        .help("fix the name (user names are case-sensitive) or remove it"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn typo() {
        let mut t = Tree::with_key();
        t.config = "AllowUsers alcie alice dev* !x bob@10.0.0.1\nMatch User nobody2\n  X11Forwarding no\n".into();
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].message.contains("alcie"));
    }
}
