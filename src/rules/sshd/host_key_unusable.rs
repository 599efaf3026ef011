//! SSHD303 `host-key-unusable`.

use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::sshd::keywords::Opt;
use crate::platform;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// When the host root holds host keys (a live system or an image), checks each
    /// `HostKey` (or the default keys): the file exists, is a private key, and is not
    /// readable by group or others when owned by root. Reports an error when none can be
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

/// Why sshd would not load a host key, or `None` when it would.
pub fn key_problem(root: &crate::discover::HostRoot, path: &str) -> Option<String> {
    let real = match root.resolve(path) {
        Ok(r) => r,
        Err(e) => return Some(e.describe()),
    };
    let Some(st) = platform::stat(&real) else { return Some("does not exist".into()) };
    if !st.regular {
        return Some("is not a regular file".into());
    }
    if st.uid == 0 && st.mode & 0o077 != 0 {
        return Some(format!("has mode {:04o}: sshd refuses private keys readable by others", st.mode));
    }
    let bytes = match crate::discover::read_bounded(&real) {
        Ok(b) => b,
        Err(e) => return Some(e.describe()),
    };
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let known = [
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----",
        "-----BEGIN EC PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN DSA PRIVATE KEY-----",
    ];
    if !known.iter().any(|k| text.contains(k)) {
        return Some("is not a private key".into());
    }
    None
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let Some(root) = &host.root else { return };
    if host.startup.fatal() {
        return;
    }
    let g = host.global();
    let keys = g.list(Opt::HostKey);
    let configured = g.origin(Opt::HostKey).is_some();
    let any_key_files =
        keys.iter().any(|k| root.exists(k)) || root.glob("/etc/ssh/ssh_host_*key*").iter().any(|_| true);
    if !any_key_files {
        return;
    }
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    let fallback = Location { file: main, span: Default::default() };
    let locs = host.startup.settings.get(Opt::HostKey).map(|s| s.at.clone()).unwrap_or_default();
    let mut usable = 0;
    let mut problems = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match key_problem(root, key) {
            None => usable += 1,
            Some(p) => problems.push((i, key.clone(), p)),
        }
    }
    if usable == 0 {
        let detail = problems.iter().map(|(_, k, p)| format!("`{k}` {p}")).collect::<Vec<_>>().join("; ");
        let at = locs.first().copied().unwrap_or(fallback);
        let mut v = Violation::new(
            at,
            format!("no host key can be loaded ({detail}): sshd exits with \"no hostkeys available\""),
        )
        .help("generate keys with `ssh-keygen -A` and keep private keys mode 0600, owned by root")
        .fatal();
        for &l in locs.iter().skip(1) {
            v = v.related(l, "also unusable");
        }
        out.push(v);
        return;
    }
    if configured {
        for (i, key, p) in problems {
            let at = locs.get(i).copied().unwrap_or(fallback);
            out.push(
                Violation::new(at, format!("host key `{key}` {p}: sshd skips it"))
                    .help("fix the file or remove the `HostKey` line")
                    .severity(Severity::Warning),
            );
        }
    }
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
