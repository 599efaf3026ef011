//! PERM003 `authorized-keys-permissions`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::logins::Open;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks every authorized keys file sshd would read for an account (each
    /// `AuthorizedKeysFile` path expanded for the user): that the user can open it (sshd opens
    /// it with the user's uid and groups), that it is a regular file, and that it and every
    /// directory above it up to the home pass StrictModes (owned by the user or root, not
    /// writable by group or others).
    ///
    /// ## Why is this bad?
    /// sshd skips a file it cannot open or that StrictModes refuses, so the keys in it never
    /// work; the login fails with "Permission denied (publickey)" and the reason is only in
    /// sshd's log.
    ///
    /// ## Example
    /// ```text
    /// -rw-rw-rw- alice alice /home/alice/.ssh/authorized_keys
    /// -rw------- root  root  /home/bob/.ssh/authorized_keys
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -rw------- alice alice /home/alice/.ssh/authorized_keys
    /// -rw------- bob   bob   /home/bob/.ssh/authorized_keys
    /// ```
    ///
    /// ## References
    /// - sshd(8) AUTHORIZED_KEYS FILE FORMAT, sshd_config(5) AuthorizedKeysFile, StrictModes
    pub static RULE = {
        code: "PERM003",
        name: "authorized-keys-permissions",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["auth2-pubkey.c user_key_allowed2", "auth.c auth_openfile", "misc.c safe_path"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::walk_findings(
        ctx,
        |user, _, u| u.is_file || !([&user.home, &user.ssh_dir].into_iter().flatten().any(|n| n.path == u.path)),
        out,
        "path",
    );
    for user in &ctx.host.logins.users {
        for kf in &user.key_files {
            let Some(id) = kf.id else { continue };
            let (message, help) = match &kf.open {
                Open::Denied { path, stat } => (
                    format!(
                        "sshd opens `{}` as `{}`, who cannot read `{path}` (owner uid {}, group gid {}, mode {}): the keys in it never work",
                        kf.path,
                        user.name,
                        stat.uid,
                        stat.gid,
                        super::mode(stat.mode)
                    ),
                    format!("`chown {} {}` (and let the user search every directory above it)", user.name, kf.path),
                ),
                Open::NotRegular(kind) => (
                    format!("`{}` is a {}, not a regular file: sshd skips it", kf.path, kind.describe()),
                    "replace it with a regular file holding the keys".to_string(),
                ),
                _ => continue,
            };
            let mut v = Violation::new(super::file_start(id), message).help(help);
            if let Some(at) = kf.at {
                v = v.related(at, "AuthorizedKeysFile names it");
            }
            out.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn world_writable_file_and_unreadable_file() {
        let k = "/home/alice/.ssh/authorized_keys";
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[(k, 0o666, None)]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("writable by others"), "{}", f[0].message);
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[(k, 0o600, Some((0, 0)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("cannot read"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
