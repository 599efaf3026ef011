//! PERM005 `host-key-permissions`.

use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks the owner and mode of each private host key sshd loads (`HostKey`, or the
    /// default `/etc/ssh/ssh_host_*_key`): an error when a root-owned key is readable or
    /// writable by group or others, a warning when the key is owned by another user or group.
    /// A missing or unloadable key is SSHD303's finding.
    ///
    /// ## Why is this bad?
    /// sshd will not load a private key that others can read ("bad permissions"), and exits at
    /// startup when no host key is left. A key owned by another account can be read or replaced
    /// by it, which lets it impersonate the server.
    ///
    /// ## Example
    /// ```text
    /// -rw-r--r-- root root /etc/ssh/ssh_host_ed25519_key
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -rw------- root root /etc/ssh/ssh_host_ed25519_key   (chmod 600)
    /// ```
    ///
    /// ## References
    /// - sshd(8) FILES (/etc/ssh/ssh_host_*_key), authfile.c sshkey_perm_ok
    pub static RULE = {
        code: "PERM005",
        name: "host-key-permissions",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["sshd(8) FILES", "authfile.c sshkey_perm_ok"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let Some(root) = &host.root else { return };
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    let locs = host.startup.settings.get(Opt::HostKey).map(|s| s.at.clone()).unwrap_or_default();
    let none = crate::model::accounts::Accounts::default();
    let accounts = host.facts.accounts.as_ref().unwrap_or(&none);
    for (i, key) in host.global().list(Opt::HostKey).iter().enumerate() {
        // sshd opens the key as root, following symlinks.
        let Ok(st) = root.realpath(key).and_then(|real| root.stat(&real)) else { continue };
        if !st.is_regular() {
            continue;
        }
        let at = locs.get(i).copied().unwrap_or(super::file_start(main));
        let name =
            |uid: u32| accounts.user_by_uid(uid).map_or_else(|| format!("uid {uid}"), |u| format!("`{}`", u.name));
        if st.uid == 0 && st.mode & 0o077 != 0 {
            out.push(
                Violation::new(
                    at,
                    format!(
                        "host key `{key}` has mode {}: sshd will not load a private key others can read",
                        super::mode(st.mode)
                    ),
                )
                .help(format!("`chmod 600 {key}`")),
            );
        } else if st.uid != 0 {
            out.push(
                Violation::new(
                    at,
                    format!(
                        "host key `{key}` is owned by {}, not root: that account can read or replace it",
                        name(st.uid)
                    ),
                )
                .help(format!("`chown root:root {key}; chmod 600 {key}`"))
                .severity(Severity::Warning),
            );
        } else if st.gid != 0 {
            let group =
                accounts.group_by_gid(st.gid).map_or_else(|| format!("gid {}", st.gid), |g| format!("`{}`", g.name));
            out.push(
                Violation::new(at, format!("host key `{key}` belongs to group {group}, not root"))
                    .help(format!("`chgrp root {key}`"))
                    .severity(Severity::Warning),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn readable_host_key() {
        let mut t = Tree::with_key();
        t.config = "HostKey /etc/ssh/ssh_host_ed25519_key\n".into();
        t.files.push(("etc/ssh/ssh_host_ed25519_key".into(), "k\n".into()));
        let k = "/etc/ssh/ssh_host_ed25519_key";
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(k, 0o644, Some((0, 0)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(k, 0o600, Some((1000, 0)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        let Some(f) = run_tree_modes(&super::RULE, &t, &[(k, 0o600, Some((0, 0)))]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
