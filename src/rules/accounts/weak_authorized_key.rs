//! KEYS003 `weak-authorized-key`.

use crate::ast::authorized_keys::KeyKind;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::logins::key_refusal;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports authorized keys that sshd still accepts but that are weak: RSA under 2048 bits,
    /// and DSA where the target still accepts it.
    ///
    /// ## Why is this bad?
    /// 1024-bit RSA and DSA are within reach of well-funded attackers, and the next OpenSSH
    /// upgrade (or a `RequiredRSASize` raise) refuses them, locking the key's owner out.
    ///
    /// ## Example
    /// ```text
    /// ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDDlhW8… (1024 bits)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6yWzAF…   (ssh-keygen -t ed25519)
    /// ```
    ///
    /// ## References
    /// - NIST SP 800-57 Part 1 Rev. 5, 5.6.1 (comparable strengths)
    pub static RULE = {
        code: "KEYS003",
        name: "weak-authorized-key",
        category: Crypto,
        severity: Warning,
        since: "0.2.0",
        sources: ["NIST SP 800-57 Part 1 Rev. 5"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    for (user, _, text) in super::key_texts(ctx) {
        let Some(file) = text.file else { continue };
        let Ok(e) = ctx.host.effective(Some(&super::generic_connection(ctx, &user.name))) else { continue };
        for entry in text.keys.lines.iter().filter(|e| e.problems.is_empty()) {
            let Some(key) = &entry.key else { continue };
            let weak = match key.kind {
                KeyKind::Rsa if key.bits < 2048 => format!("a {}-bit RSA key", key.bits),
                KeyKind::Dsa => "a DSA key".to_string(),
                _ => continue,
            };
            // Refused keys are KEYS002's.
            if key_refusal(&e, key, false).is_some() {
                continue;
            }
            out.push(
                Violation::new(
                    Location { file, span: key.type_span },
                    format!("{weak} is weak and the next upgrade may refuse it"),
                )
                .help("replace it with an Ed25519 key (`ssh-keygen -t ed25519`)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn short_rsa() {
        let mut t = Tree::with_key();
        t.keys = include_str!("../../../fixtures/authorized_keys/keys/rsa_1024.pub").into();
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        t.keys = include_str!("../../../fixtures/authorized_keys/keys/rsa_2048.pub").into();
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
