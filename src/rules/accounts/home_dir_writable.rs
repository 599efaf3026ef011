//! PERM001 `home-dir-writable`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks each account's home directory the way sshd's StrictModes does before it reads
    /// the account's authorized keys: owned by the user or root, and not writable by group or
    /// others (Debian's sshd lets the group write when the group's only member is the user).
    ///
    /// ## Why is this bad?
    /// With StrictModes on (the default), sshd logs "Authentication refused: bad ownership or
    /// modes for directory" and ignores every key of that user: key logins fail and the user is
    /// locked out if keys are all they have. With StrictModes off, anyone who can write to the
    /// home can add a key and log in as the user.
    ///
    /// ## Example
    /// ```text
    /// drwxrwxrwx alice alice /home/alice
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// drwxr-xr-x alice alice /home/alice   (chmod 755 /home/alice)
    /// ```
    ///
    /// ## References
    /// - sshd(8) FILES (~/.ssh/authorized_keys), sshd_config(5) StrictModes
    pub static RULE = {
        code: "PERM001",
        name: "home-dir-writable",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["sshd_config(5) StrictModes", "misc.c safe_path", "Debian user-group-modes.patch"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::walk_findings(
        ctx,
        |user, _, u| !u.is_file && user.home.as_ref().is_some_and(|h| h.path == u.path),
        out,
        "home directory",
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn writable_home() {
        let f = run_tree_modes(&super::RULE, &Tree::with_key(), &[("/home/alice", 0o777, None)]);
        let Some(f) = f else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("writable by others"), "{}", f[0].message);
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Error);
    }

    #[test]
    fn strict_modes_off_is_a_warning() {
        let mut t = Tree::with_key();
        t.config = "StrictModes no\n".into();
        let Some(f) = run_tree_modes(&super::RULE, &t, &[("/home/alice", 0o777, None)]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Warning);
    }

    #[test]
    fn pass() {
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[]) else { return };
        assert!(f.is_empty(), "{f:?}");
        // The user's own single-member group may write (Debian).
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[("/home/alice", 0o775, None)]) else {
            return;
        };
        assert!(f.is_empty(), "{f:?}");
    }
}
