//! SSHD302 `no-common-algorithm`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::algorithms;
use crate::model::sshd::keywords::Opt;
use crate::model::sshd::version::Version;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports an effective `KexAlgorithms`, `Ciphers`, `MACs` or `HostKeyAlgorithms` list
    /// that shares no algorithm with what current OpenSSH clients (8.x to 10.x, default
    /// settings) offer, or that sshd would offer empty.
    ///
    /// ## Why is this bad?
    /// Every handshake fails ("no matching key exchange method found", "no matching
    /// cipher"): nobody can connect, although sshd runs.
    ///
    /// ## Example
    /// ```text
    /// Ciphers aes128-cbc
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr
    /// ```
    ///
    /// ## References
    /// - ssh_config(5) defaults of OpenSSH 8.2 to 10.x
    pub static RULE = {
        code: "SSHD302",
        name: "no-common-algorithm",
        category: Crypto,
        severity: Error,
        since: "0.1.0",
        sources: ["ssh_config(5)", "myproposal.h KEX_CLIENT_*"],
    }
}

const CLIENT_KEX: &[&str] = &[
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group-exchange-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
];
const AEAD: &[&str] = &["chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"];
const CLIENT_HOSTKEY: &[&str] = &[
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    if host.fatal() {
        return;
    }
    let g = host.global();
    // Clients propose the same ciphers and MACs as sshd's compiled-in defaults (one list for
    // both sides in myproposal.h), whatever their version.
    let client_ciphers = algorithms::server_default(algorithms::AlgClass::Cipher, Version::new(9, 2));
    let client_macs = algorithms::server_default(algorithms::AlgClass::Mac, Version::new(9, 2));
    let ciphers = g.algorithms(Opt::Ciphers);
    let shared: Vec<&String> = ciphers.iter().filter(|c| client_ciphers.contains(&c.as_str())).collect();
    // With only AEAD ciphers in common, no MAC is negotiated at all.
    let all_aead = !shared.is_empty() && shared.iter().all(|c| AEAD.contains(&c.as_str()));
    for (opt, client, class) in [
        (Opt::KexAlgorithms, CLIENT_KEX, algorithms::AlgClass::Kex),
        (Opt::Ciphers, client_ciphers, algorithms::AlgClass::Cipher),
        (Opt::MACs, client_macs, algorithms::AlgClass::Mac),
        (Opt::HostKeyAlgorithms, CLIENT_HOSTKEY, algorithms::AlgClass::Key),
    ] {
        if opt == Opt::MACs && all_aead {
            continue;
        }
        let Some(at) = g.origin(opt) else { continue };
        let spec = g.text(opt).unwrap_or_default();
        let empty = algorithms::removes_all(class, host.version(), &spec);
        let list = g.algorithms(opt);
        if !empty && list.iter().any(|a| client.contains(&a.as_str())) {
            continue;
        }
        let msg = if empty {
            format!("`{} {spec}` removes every algorithm: sshd offers none and every handshake fails", opt.canonical())
        } else {
            format!(
                "`{}` shares nothing with current OpenSSH clients (`{}`): every handshake fails",
                opt.canonical(),
                list.join(",")
            )
        };
        out.push(Violation::new(at, msg).help(format!(
            "include at least one of `{}`",
            client.iter().filter(|a| !a.contains("-cert-")).take(3).copied().collect::<Vec<_>>().join("`, `")
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "Ciphers aes128-cbc\n").len(), 1);
        assert_eq!(run(&super::RULE, "KexAlgorithms diffie-hellman-group1-sha1\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "Ciphers aes256-gcm@openssh.com\nMACs hmac-md5\n").is_empty());
        assert!(run(&super::RULE, "KexAlgorithms curve25519-sha256\n").is_empty());
    }
}
