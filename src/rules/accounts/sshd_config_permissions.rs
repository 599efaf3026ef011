//! PERM006 `sshd-config-permissions`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks that `sshd_config` and every file it includes can be written only by root:
    /// owned by root, not writable by others, and not writable by a group other than root.
    ///
    /// ## Why is this bad?
    /// Whoever can write sshd's configuration can add `PermitRootLogin yes`, an
    /// `AuthorizedKeysCommand` or a `Match` block for themselves, and becomes root at the next
    /// restart.
    ///
    /// ## Example
    /// ```text
    /// -rw-rw-r-- root adm /etc/ssh/sshd_config.d/50-local.conf
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -rw------- root root /etc/ssh/sshd_config.d/50-local.conf   (chmod 600, chown root:root)
    /// ```
    ///
    /// ## References
    /// - CIS Debian Linux 12 Benchmark 5.1.1 (permissions on /etc/ssh/sshd_config)
    pub static RULE = {
        code: "PERM006",
        name: "sshd-config-permissions",
        category: Access,
        severity: Warning,
        since: "0.2.0",
        sources: ["CIS Debian Linux 12 Benchmark 5.1.1"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let Some(root) = &host.root else { return };
    let none = crate::model::accounts::Accounts::default();
    let accounts = host.facts.accounts.as_ref().unwrap_or(&none);
    for file in &host.loaded.files {
        let Ok(st) = root.realpath(&file.host_path).and_then(|real| root.stat(&real)) else { continue };
        let why = if st.uid != 0 {
            let owner =
                accounts.user_by_uid(st.uid).map_or_else(|| format!("uid {}", st.uid), |u| format!("`{}`", u.name));
            format!("is owned by {owner}")
        } else if st.mode & 0o002 != 0 {
            format!("is writable by everyone (mode {})", super::mode(st.mode))
        } else if st.mode & 0o020 != 0 && st.gid != 0 {
            let group =
                accounts.group_by_gid(st.gid).map_or_else(|| format!("gid {}", st.gid), |g| format!("`{}`", g.name));
            format!("is writable by group {group} (mode {})", super::mode(st.mode))
        } else {
            continue;
        };
        out.push(
            Violation::new(
                super::file_start(file.id),
                format!("`{}` {why}: whoever can write sshd's configuration can make themselves root", file.host_path),
            )
            .help(format!("`chown root:root {0}; chmod 600 {0}`", file.host_path)),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn writable_config() {
        let c = "/etc/ssh/sshd_config";
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[(c, 0o666, Some((0, 0)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[(c, 0o664, Some((0, 50)))]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[(c, 0o644, Some((0, 0)))]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
