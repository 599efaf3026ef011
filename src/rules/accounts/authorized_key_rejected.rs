//! KEYS002 `authorized-key-rejected`.

use crate::ast::authorized_keys::ProblemKind;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::logins::key_refusal;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports authorized keys that sshd reads but refuses at login on the target OpenSSH: a
    /// type `PubkeyAcceptedAlgorithms` excludes (`ssh-dss` is off by default since 7.0, plain
    /// `ssh-rsa` signatures since 8.8), an RSA key below `RequiredRSASize`, or a `from=` list
    /// sshd cannot parse.
    ///
    /// ## Why is this bad?
    /// The line looks fine and the key is in place, yet the login fails with "Permission denied
    /// (publickey)". Typically an old DSA key or a short RSA key after an upgrade.
    ///
    /// ## Example
    /// ```text
    /// ssh-dss AAAAB3NzaC1kc3MAAACBAP… old-laptop
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6yWzAF… new-laptop   (ssh-keygen -t ed25519)
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) PubkeyAcceptedAlgorithms, RequiredRSASize
    pub static RULE = {
        code: "KEYS002",
        name: "authorized-key-rejected",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["sshd_config(5) PubkeyAcceptedAlgorithms", "sshd_config(5) RequiredRSASize"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    for (user, _, text) in super::key_texts(ctx) {
        let Some(file) = text.file else { continue };
        let Ok(e) = ctx.host.effective(Some(&super::generic_connection(ctx, &user.name))) else { continue };
        for entry in &text.keys.lines {
            if let Some(p) = entry.problems.iter().find(|p| p.kind == ProblemKind::Refused) {
                out.push(
                    Violation::new(Location { file, span: p.span }, p.message.clone()).help("fix the `from=` list"),
                );
                continue;
            }
            let Some(key) = entry.key.as_ref().filter(|_| entry.problems.is_empty()) else { continue };
            let Some(r) = key_refusal(&e, key, false) else { continue };
            let span = key.type_span;
            let mut v = Violation::new(Location { file, span }, format!("sshd refuses this key: {}", r.reason))
                .help("replace it with an Ed25519 key (`ssh-keygen -t ed25519`) or a 3072-bit RSA key");
            if let Some(at) = r.at {
                v = v.related(at, "set here");
            }
            out.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn dsa_and_short_rsa() {
        let mut t = Tree::with_key();
        t.keys = format!(
            "{}{}",
            include_str!("../../../fixtures/authorized_keys/keys/dsa_1024.pub"),
            include_str!("../../../fixtures/authorized_keys/keys/rsa_1024.pub")
        );
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("ssh-dss"), "{}", f[0].message);
        t.config = "RequiredRSASize 2048\n".into();
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 2, "{f:?}");
    }
}
