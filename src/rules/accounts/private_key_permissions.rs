//! PERM004 `private-key-permissions`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks the private keys in each account's `~/.ssh` (`id_*` without `.pub`): a key owned
    /// by the user must not be readable or writable by group or others. Also checks
    /// `~/.ssh/config`, which ssh refuses to read when someone other than the user or root
    /// owns it or when others can write it.
    ///
    /// ## Why is this bad?
    /// ssh refuses such a key ("UNPROTECTED PRIVATE KEY FILE!", "bad permissions: ignore key"),
    /// so logins from this account to other hosts, deploy jobs and git pulls that use it fail;
    /// and anyone who can read it can use the key. A `~/.ssh/config` others can write makes
    /// every ssh run of the account exit with "Bad owner or permissions".
    ///
    /// ## Example
    /// ```text
    /// -rw-r--r-- alice alice /home/alice/.ssh/id_ed25519
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -rw------- alice alice /home/alice/.ssh/id_ed25519   (chmod 600)
    /// ```
    ///
    /// ## References
    /// - ssh(1) FILES (~/.ssh/id_*), sshkey.c sshkey_perm_ok
    pub static RULE = {
        code: "PERM004",
        name: "private-key-permissions",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["ssh(1) FILES", "authfile.c sshkey_perm_ok"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let none = crate::model::accounts::Accounts::default();
    let accounts = ctx.host.facts.accounts.as_ref().unwrap_or(&none);
    for user in &ctx.host.logins.users {
        if let Some(cfg) = &user.client_config
            && let Some(why) = crate::model::logins::insecure(accounts, &cfg.stat, user.uid, ctx.host.facts.debian)
        {
            out.push(
                Violation::new(
                    super::file_start(cfg.id),
                    format!("`{}` of `{}` {why}: ssh exits with \"Bad owner or permissions\"", cfg.path, user.name),
                )
                .help(format!("`chown {0} {1}; chmod 600 {1}`", user.name, cfg.path)),
            );
        }
        for key in &user.private_keys {
            if key.stat.uid != user.uid || key.stat.mode & 0o077 == 0 {
                continue;
            }
            out.push(
                Violation::new(
                    super::file_start(key.id),
                    format!(
                        "private key `{}` of `{}` has mode {}: ssh refuses a private key others can read",
                        key.path,
                        user.name,
                        super::mode(key.stat.mode)
                    ),
                )
                .help(format!("`chmod 600 {}`", key.path)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn readable_private_key() {
        let mut t = Tree::with_key();
        t.files.push(("home/alice/.ssh/id_ed25519".into(), "not checked\n".into()));
        t.files.push(("home/alice/.ssh/id_ed25519.pub".into(), "x\n".into()));
        let k = "/home/alice/.ssh/id_ed25519";
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(k, 0o644, Some((1000, 1000)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(k, 0o600, Some((1000, 1000)))]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn writable_client_config() {
        let mut t = Tree::with_key();
        t.files.push(("home/alice/.ssh/config".into(), "Host *\n".into()));
        let c = "/home/alice/.ssh/config";
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(c, 0o666, Some((1000, 1000)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("Bad owner"), "{}", f[0].message);
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(c, 0o644, Some((1000, 1000)))]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
