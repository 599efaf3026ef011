//! PERM002 `ssh-dir-permissions`.

use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks each account's `~/.ssh`: an error when StrictModes refuses it (writable by group
    /// or others, or owned by someone other than the user or root), a warning when it is more
    /// open than `0700`.
    ///
    /// ## Why is this bad?
    /// sshd ignores the authorized keys below a `~/.ssh` that others can write, so the user's
    /// key logins fail. One that others can read exposes which keys are trusted and the
    /// client configuration.
    ///
    /// ## Example
    /// ```text
    /// drwxrwxr-x alice staff /home/alice/.ssh
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// drwx------ alice alice /home/alice/.ssh   (chmod 700 ~/.ssh)
    /// ```
    ///
    /// ## References
    /// - sshd(8) FILES (~/.ssh/), ssh(1) FILES
    pub static RULE = {
        code: "PERM002",
        name: "ssh-dir-permissions",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["sshd(8) FILES", "misc.c safe_path"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let before = out.len();
    super::walk_findings(
        ctx,
        |user, _, u| !u.is_file && user.ssh_dir.as_ref().is_some_and(|d| d.path == u.path),
        out,
        "directory",
    );
    let reported: Vec<_> = out[before..].iter().map(|v| v.location).collect();
    let none = crate::model::accounts::Accounts::default();
    let accounts = ctx.host.facts.accounts.as_ref().unwrap_or(&none);
    for user in &ctx.host.logins.users {
        let Some(dir) = &user.ssh_dir else { continue };
        let at = super::file_start(dir.id);
        if reported.contains(&at) {
            continue;
        }
        let path = &dir.path;
        match crate::model::logins::insecure(accounts, &dir.stat, user.uid, ctx.host.facts.debian) {
            Some(why) => out.push(
                Violation::new(at, format!("`{path}` of `{}` {why}: sshd ignores the keys below it", user.name))
                    .help(format!("`chown {} {path}; chmod 700 {path}`", user.name)),
            ),
            None if dir.stat.mode & 0o077 != 0 => out.push(
                Violation::new(
                    at,
                    format!("`{path}` of `{}` has mode {}, more open than 0700", user.name, super::mode(dir.stat.mode)),
                )
                .help(format!("`chmod 700 {path}`"))
                .severity(Severity::Warning),
            ),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn group_writable_ssh_dir() {
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[("/home/alice/.ssh", 0o777, None)]) else {
            return;
        };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
    }

    #[test]
    fn readable_ssh_dir_is_a_warning() {
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[("/home/alice/.ssh", 0o755, None)]) else {
            return;
        };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
