//! ACCT003 `passwd-syntax`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports lines of the host root's `etc/passwd` that the C library skips (not seven
    /// fields, an empty name, a uid or gid that is not a number) and users listed twice.
    ///
    /// ## Why is this bad?
    /// An account on a skipped line does not exist for sshd ("Invalid user"); for a repeated
    /// name, only the first line counts, so edits to the second do nothing.
    ///
    /// ## Example
    /// ```text
    /// alice:x:1000:1000:/home/alice:/bin/bash
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// alice:x:1000:1000::/home/alice:/bin/bash
    /// ```
    ///
    /// ## References
    /// - passwd(5)
    pub static RULE = {
        code: "ACCT003",
        name: "passwd-syntax",
        category: Access,
        severity: Warning,
        since: "0.2.0",
        sources: ["passwd(5)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let (Some(file), Some(accounts)) = (ctx.host.logins.passwd, ctx.host.facts.accounts.as_ref()) else { return };
    for bad in &accounts.bad_passwd {
        out.push(
            Violation::new(Location { file, span: bad.span }, format!("this passwd line {}", bad.message))
                .help("fix the line: `name:password:uid:gid:gecos:home:shell`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn short_and_duplicate_lines() {
        let mut t = Tree::with_key();
        t.passwd.push_str("carol:x:1003\nalice:x:1:1::/tmp:/bin/sh\n");
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 2, "{f:?}");
    }
}
