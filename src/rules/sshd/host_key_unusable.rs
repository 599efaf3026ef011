//! SSHD303 `host-key-unusable`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::eval::ProblemKind;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// When the host root holds host keys (a live system or an image), checks each
    /// `HostKey` (or the default keys): the file exists, is an unencrypted private key, is not
    /// readable by group or others when owned by root, and (RSA) meets `RequiredRSASize`. Reports an error when none can be
    /// loaded, and a warning for each configured key that cannot. A configuration
    /// repository without key files is not checked.
    ///
    /// ## Why is this bad?
    /// sshd skips keys it cannot load ("UNPROTECTED PRIVATE KEY FILE!", "Unable to load
    /// host key") and exits with "no hostkeys available" when none is left: the daemon does
    /// not start.
    ///
    /// ## Example
    /// ```text
    /// HostKey /etc/ssh/ssh_host_ed25519_key   # mode 0644
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// HostKey /etc/ssh/ssh_host_ed25519_key   # mode 0600, owned by root
    /// ```
    ///
    /// ## References
    /// - sshd(8) FILES
    /// - sshd_config(5) HostKey
    pub static RULE = {
        code: "SSHD303",
        name: "host-key-unusable",
        category: Crypto,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd(8) FILES", "sshd_config(5) HostKey", "authfile.c sshkey_perm_ok"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::HostKey, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    #[test]
    fn repository_without_keys_passes() {
        assert!(run_tree(&super::RULE, &[("etc/ssh/sshd_config", "Port 22\n")], &CheckOptions::default()).is_empty());
    }

    #[test]
    fn not_a_key_fails() {
        let f = run_tree(
            &super::RULE,
            &[
                ("etc/ssh/sshd_config", "HostKey /etc/ssh/ssh_host_ed25519_key\n"),
                ("etc/ssh/ssh_host_ed25519_key", "garbage\n"),
            ],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].fatal);
    }
}
