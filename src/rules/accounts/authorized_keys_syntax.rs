//! KEYS001 `authorized-keys-syntax`.

use crate::ast::authorized_keys::ProblemKind;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reads every authorized keys file sshd would consult as sshd 9.2 does and reports each
    /// line it skips: a key type it does not know, base64 that does not decode, key data that
    /// does not match its type (or an RSA modulus under 1024 bits), or an options field it
    /// refuses (unknown option, missing quote, bad `expiry-time`).
    ///
    /// ## Why is this bad?
    /// sshd skips such a line without telling the client: the key on it never works, often
    /// after a copy-paste broke the line or an option was misspelled.
    ///
    /// ## Example
    /// ```text
    /// no-port-forwarding,comand="backup" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6yWzAF… backup@ci
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// no-port-forwarding,command="backup" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM6yWzAF… backup@ci
    /// ```
    ///
    /// ## References
    /// - sshd(8) AUTHORIZED_KEYS FILE FORMAT
    pub static RULE = {
        code: "KEYS001",
        name: "authorized-keys-syntax",
        category: Access,
        severity: Error,
        since: "0.2.0",
        sources: ["sshd(8) AUTHORIZED_KEYS FILE FORMAT", "auth2-pubkeyfile.c", "auth-options.c sshauthopt_parse"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    for (_, _, text) in super::key_texts(ctx) {
        let Some(file) = text.file else { continue };
        for entry in &text.keys.lines {
            let Some(p) = entry.problems.iter().find(|p| p.kind != ProblemKind::Refused) else { continue };
            out.push(
                Violation::new(Location { file, span: p.span }, p.message.clone())
                    .help("fix the line (`ssh-keygen -l -f FILE` reads keys the way sshd does)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn skipped_lines() {
        let mut t = Tree::with_key();
        t.keys = format!("badopt {0}\nssh-ed25519 AAAA\n{0}", t.keys);
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 2, "{f:?}");
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
