//! SSHD301 `weak-algorithm`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::algorithms::{self, AlgClass};
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports algorithms with known practical weaknesses that the configuration adds to
    /// `KexAlgorithms`, `Ciphers`, `MACs`, `HostKeyAlgorithms` or `PubkeyAcceptedAlgorithms`
    /// beyond the target release's defaults: SHA-1 and MD5
    /// based MACs, key exchanges and signatures, 1024-bit Diffie-Hellman, 3DES, DSA and
    /// 64-bit-tag MACs (ratings from ssh-audit's database). Policy-only concerns such as
    /// NIST curves are not reported; `--crypto-profile ssh-audit` reports everything
    /// ssh-audit fails, the release's defaults included.
    ///
    /// ## Why is this bad?
    /// A downgrade-capable attacker or a weak client ends up on these; audits (PCI, CIS)
    /// flag them, and OpenSSH removes them in later releases, which then breaks the clients
    /// that depended on them.
    ///
    /// ## Example
    /// ```text
    /// KexAlgorithms +diffie-hellman-group1-sha1
    /// MACs +hmac-md5
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256
    /// ```
    ///
    /// ## References
    /// - ssh-audit algorithm database
    /// - RFC 9142 (key exchange method updates)
    pub static RULE = {
        code: "SSHD301",
        name: "weak-algorithm",
        category: Crypto,
        severity: Warning,
        since: "0.1.0",
        sources: ["ssh-audit ssh2_kexdb.py", "RFC 9142"],
    }
}

/// The weakness of an algorithm, if it has a practical one.
pub fn weakness(name: &str) -> Option<&'static str> {
    Some(match name {
        "diffie-hellman-group1-sha1" => "1024-bit modulus, SHA-1 (Logjam)",
        "diffie-hellman-group14-sha1" | "diffie-hellman-group-exchange-sha1" => "SHA-1",
        "3des-cbc" => "3DES with a 64-bit block",
        "blowfish-cbc" | "cast128-cbc" => "64-bit block cipher",
        "arcfour" | "arcfour128" | "arcfour256" => "RC4",
        "hmac-md5" | "hmac-md5-96" | "hmac-md5-etm@openssh.com" | "hmac-md5-96-etm@openssh.com" => "MD5",
        "hmac-sha1" | "hmac-sha1-96" | "hmac-sha1-etm@openssh.com" | "hmac-sha1-96-etm@openssh.com" => "SHA-1",
        "umac-64@openssh.com" | "umac-64-etm@openssh.com" => "64-bit tag",
        "ssh-rsa" | "ssh-rsa-cert-v01@openssh.com" => "SHA-1 signatures",
        "ssh-dss" | "ssh-dss-cert-v01@openssh.com" => "DSA (1024-bit, SHA-1)",
        _ => return None,
    })
}

/// ssh-audit's FAIL rating (reference/ssh-algorithms.md) beyond [`weakness`].
pub fn ssh_audit_failure(name: &str) -> Option<&'static str> {
    weakness(name).or(Some(match name {
        "ecdh-sha2-nistp256" | "ecdh-sha2-nistp384" | "ecdh-sha2-nistp521" => "NIST P-curve",
        "mlkem768nistp256-sha256" | "mlkem1024nistp384-sha384" => "NIST P-curve",
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" | "ecdsa-sha2-nistp521" => {
            "NIST P-curve, weak RNG can leak the key"
        }
        "sk-ecdsa-sha2-nistp256@openssh.com" | "webauthn-sk-ecdsa-sha2-nistp256@openssh.com" => "NIST P-curve",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com"
        | "ecdsa-sha2-nistp384-cert-v01@openssh.com"
        | "ecdsa-sha2-nistp521-cert-v01@openssh.com"
        | "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com" => "NIST P-curve",
        _ => return None,
    }))
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let strict = ctx.options.crypto_profile == crate::rules::CryptoProfile::SshAudit;
    if host.fatal() {
        return;
    }
    let g = host.global();
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    for opt in [Opt::KexAlgorithms, Opt::Ciphers, Opt::MACs, Opt::HostKeyAlgorithms, Opt::PubkeyAcceptedAlgorithms] {
        let class = AlgClass::of(opt);
        // The release's own defaults are upstream's judgement; report what the config adds.
        let defaults = algorithms::server_default(class, host.version());
        let weak: Vec<String> = g
            .algorithms(opt)
            .into_iter()
            .filter(|a| strict || !defaults.contains(&a.as_str()))
            .filter_map(|a| {
                let why = if strict { ssh_audit_failure(&a) } else { weakness(&a) };
                why.map(|w| format!("`{a}` ({w})"))
            })
            .collect();
        if weak.is_empty() {
            continue;
        }
        let at = g.origin(opt).unwrap_or(Location { file: main, span: Default::default() });
        let msg = format!("`{}` enables {}", opt.canonical(), weak.join(", "));
        out.push(Violation::new(at, msg).help(format!(
            "remove them, e.g. `{} -{}`",
            opt.canonical(),
            first_name(&weak)
        )));
    }
}

fn first_name(weak: &[String]) -> String {
    weak.first().and_then(|w| w.split('`').nth(1)).unwrap_or("").to_string()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "KexAlgorithms +diffie-hellman-group1-sha1\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("diffie-hellman-group1-sha1"));
    }

    #[test]
    fn ssh_audit_profile_reports_defaults() {
        let opts =
            crate::rules::CheckOptions { crypto_profile: crate::rules::CryptoProfile::SshAudit, ..Default::default() };
        let f = crate::rules::testing::run_with(&super::RULE, "Port 22\n", &opts);
        assert!(f.iter().any(|x| x.message.contains("ecdh-sha2-nistp256")), "{f:?}");
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "MACs hmac-sha2-256-etm@openssh.com\nKexAlgorithms curve25519-sha256\n").is_empty());
    }
}
