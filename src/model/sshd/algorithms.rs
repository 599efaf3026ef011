//! Algorithm names per OpenSSH release: what each build accepts, the server defaults that
//! `sshd -T` prints, and the `+`/`-`/`^` list assembly of kex.c. Data only plus list logic.
//!
//! Build model: 9.2 is Debian 12's 9.2p1 (GSSAPI patch, backported IANA name
//! `sntrup761x25519-sha512`, no XMSS). Later releases are a default `./configure` of the
//! tagged portable sources on Linux with OpenSSL and zlib: DSA is compiled out from 9.8 on
//! (`--enable-dsa-keys` became opt-in) and removed in 10.0, XMSS is never built (opt-in,
//! removed in 10.1), ML-KEM768/X25519 exists from 9.9, `mlkem768nistp256-sha256` from 10.5,
//! the webauthn certificate type from 10.3, and the experimental
//! `ssh-mldsa44-ed25519@openssh.com` key type from 10.4 (compiled in by default but not in
//! any default list). Debian-patch artefacts (gss names in `KexAlgorithms`, the `null` key
//! type) are modelled for 9.2 only; `GSSAPIKexAlgorithms` data is the same for every release.
//!
//! Parse-time rules (servconf.c): a leading `-` skips validation, a leading `+`/`^` is
//! stripped first; validators stop at the first empty element, so anything after `,,` is
//! never checked. Ciphers/MACs need at least one element from 10.4 on. Key lists accept
//! exact names, (before 9.9) case-insensitive short names such as `RSA`, and any wildcard
//! element that matches or negates some key type; `CASignatureAlgorithms` refuses exact
//! certificate names from 9.4 on. `GSSAPIKexAlgorithms` has no prefix handling.
//!
//! Assembly (kex_assemble_names): `+` appends the given names to the default up to the first
//! empty element, `^` prepends all of them, a plain list is used as given; every element is
//! then expanded as a wildcard against the build's full list (unsupported names vanish,
//! first occurrence wins, a `!` element is an error, an empty result is an error). `-`
//! removes default entries matching the whole pattern list; if that removes everything,
//! `sshd -T` prints the default because the options are assembled a second time, while the
//! running daemon offers an empty list and every connection fails (see [`removes_all`]).
//!
//! Confirmed against Debian 12's `/usr/sbin/sshd -T` (9.2p1): all eight default lines;
//! the supported lists (`ssh -Q cipher|mac|kex|kex-gss|key-sig|sig`); empty elements
//! (`a,,b`, `,a`, trailing comma, `,` alone), unknown names before and after `,,`,
//! duplicates, wildcards in plain/`+`/`-`/`^` lists, `-` alone, `-*`, `-!x`, `!` elements,
//! short names and `null` in key lists, certificate names in CASignatureAlgorithms, gss
//! names in KexAlgorithms, and `+`/`-` prefixes on GSSAPIKexAlgorithms (340 hand-picked and
//! ~890 random values, all identical). `Ciphers -*` was also run as a daemon: it offered an
//! empty cipher list ("no matching cipher found"). Later releases are derived from the
//! tagged sources only. See the tests.

use super::pattern::{ListMatch, pattern_list};
use super::version::Version;

/// Which list a keyword's value is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlgClass {
    /// `Ciphers`
    Cipher,
    /// `MACs`
    Mac,
    /// `KexAlgorithms`
    Kex,
    /// `HostKeyAlgorithms`, `PubkeyAcceptedAlgorithms`, `HostbasedAcceptedAlgorithms`
    Key,
    /// `CASignatureAlgorithms`
    CaSig,
    /// Debian's `GSSAPIKexAlgorithms`
    GssKex,
}

impl AlgClass {
    /// The list a keyword's value is checked against.
    pub fn of(opt: super::keywords::Opt) -> AlgClass {
        use super::keywords::Opt;
        match opt {
            Opt::Ciphers => AlgClass::Cipher,
            Opt::MACs => AlgClass::Mac,
            Opt::KexAlgorithms => AlgClass::Kex,
            Opt::CASignatureAlgorithms => AlgClass::CaSig,
            Opt::GSSAPIKexAlgorithms => AlgClass::GssKex,
            _ => AlgClass::Key,
        }
    }

    /// The `ssh -Q` query listing this class's names.
    pub fn query_name(self) -> &'static str {
        match self {
            AlgClass::Cipher => "cipher",
            AlgClass::Mac => "mac",
            AlgClass::Kex | AlgClass::GssKex => "kex",
            AlgClass::Key => "key",
            AlgClass::CaSig => "sig",
        }
    }
}

/// Why a list was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlgError {
    /// The named algorithm is not known to this release (`Unsupported KEX algorithm "foo"`).
    Unknown(String),
    /// Empty list or empty element.
    Empty,
}

// ---- what each build accepts (order of cipher_alg_list, mac_alg_list, kex_alg_list,
// ---- sshkey_alg_list) ----

const CIPHERS: &[&str] = &[
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
];

const MACS: &[&str] = &[
    "hmac-sha1",
    "hmac-sha1-96",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-md5",
    "hmac-md5-96",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "hmac-sha1-96-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com",
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
];

/// Debian 9.2p1: upstream 9.2 plus the backported IANA sntrup name.
const KEX_92: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
];

/// Upstream 9.3 - 9.8.
const KEX_93: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512@openssh.com",
];

/// 9.9 - 10.4.
const KEX_99: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "mlkem768x25519-sha256",
];

/// 10.5 adds the NIST P-256 ML-KEM hybrid.
const KEX_105: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "mlkem768nistp256-sha256",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "mlkem768x25519-sha256",
];

/// 9.2 - 9.7: every key type including certificates and signature-only names.
const KEY_92: &[&str] = &[
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
    "ssh-dss-cert-v01@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-512-cert-v01@openssh.com",
];

/// 9.8 - 10.2: DSA compiled out.
const KEY_98: &[&str] = &[
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-512-cert-v01@openssh.com",
];

/// 10.3: webauthn certificates.
const KEY_103: &[&str] = &[
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-512-cert-v01@openssh.com",
];

/// 10.4 - 10.5: experimental ML-DSA-44/Ed25519 composite (built by default, not defaulted).
const KEY_104: &[&str] = &[
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ssh-mldsa44-ed25519@openssh.com",
    "ssh-mldsa44-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-512-cert-v01@openssh.com",
];

/// Signature algorithms (plain key types incl. signature-only), 9.2 - 9.7.
const SIG_92: &[&str] = &[
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
    "ssh-rsa",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// 9.8 - 10.3.
const SIG_98: &[&str] = &[
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// 10.4 - 10.5.
const SIG_104: &[&str] = &[
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ssh-mldsa44-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
    "rsa-sha2-256",
    "rsa-sha2-512",
];

/// Debian's GSSAPI key exchange name prefixes (`ssh -Q kex-gss` order).
const GSS_KEX: &[&str] = &[
    "gss-gex-sha1-",
    "gss-group1-sha1-",
    "gss-group14-sha1-",
    "gss-group14-sha256-",
    "gss-group16-sha512-",
    "gss-nistp256-sha256-",
    "gss-curve25519-sha256-",
];

// ---- compiled-in server defaults (myproposal.h, ssh-gss.h) ----

const DEF_CIPHER_92: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
];

const DEF_CIPHER_100: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
];

const DEF_MAC: &[&str] = &[
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
];

const DEF_KEX_92: &[&str] = &[
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

const DEF_KEX_93: &[&str] = &[
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

const DEF_KEX_99: &[&str] = &[
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "mlkem768x25519-sha256",
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

/// 10.0 moved the finite-field groups to the client-only list.
const DEF_KEX_100: &[&str] = &[
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
];

const DEF_KEY_92: &[&str] = &[
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

const DEF_KEY_103: &[&str] = &[
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

const DEF_SIG_92: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

const DEF_SIG_103: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

const DEF_GSS_KEX: &[&str] = &[
    "gss-group14-sha256-",
    "gss-group16-sha512-",
    "gss-nistp256-sha256-",
    "gss-curve25519-sha256-",
    "gss-group14-sha1-",
    "gss-gex-sha1-",
];

/// Case-insensitive short names `sshkey_type_from_name` accepted for plain key types
/// before 9.9 (`null` is the Debian GSSAPI patch's placeholder type).
fn key_short_names(v: Version) -> &'static [&'static str] {
    if v == Version::new(9, 2) {
        &["ED25519", "ED25519-SK", "ECDSA", "ECDSA-SK", "DSA", "RSA", "null"]
    } else if !v.at_least(9, 8) {
        &["ED25519", "ED25519-SK", "ECDSA", "ECDSA-SK", "DSA", "RSA"]
    } else if !v.at_least(9, 9) {
        &["ED25519", "ED25519-SK", "ECDSA", "ECDSA-SK", "RSA"]
    } else {
        &[]
    }
}

/// Every name the release's build accepts for `class`, in the order sshd lists them.
pub fn supported(class: AlgClass, v: Version) -> &'static [&'static str] {
    match class {
        AlgClass::Cipher => CIPHERS,
        AlgClass::Mac => MACS,
        AlgClass::Kex if !v.at_least(9, 3) => KEX_92,
        AlgClass::Kex if !v.at_least(9, 9) => KEX_93,
        AlgClass::Kex if !v.at_least(10, 5) => KEX_99,
        AlgClass::Kex => KEX_105,
        AlgClass::Key if !v.at_least(9, 8) => KEY_92,
        AlgClass::Key if !v.at_least(10, 3) => KEY_98,
        AlgClass::Key if !v.at_least(10, 4) => KEY_103,
        AlgClass::Key => KEY_104,
        AlgClass::CaSig if !v.at_least(9, 8) => SIG_92,
        AlgClass::CaSig if !v.at_least(10, 4) => SIG_98,
        AlgClass::CaSig => SIG_104,
        AlgClass::GssKex => GSS_KEX,
    }
}

/// The compiled-in server default for `class`, as `sshd -T` prints it.
pub fn server_default(class: AlgClass, v: Version) -> &'static [&'static str] {
    match class {
        AlgClass::Cipher if !v.at_least(10, 0) => DEF_CIPHER_92,
        AlgClass::Cipher => DEF_CIPHER_100,
        AlgClass::Mac => DEF_MAC,
        AlgClass::Kex if !v.at_least(9, 3) => DEF_KEX_92,
        AlgClass::Kex if !v.at_least(9, 9) => DEF_KEX_93,
        AlgClass::Kex if !v.at_least(10, 0) => DEF_KEX_99,
        AlgClass::Kex => DEF_KEX_100,
        AlgClass::Key if !v.at_least(10, 3) => DEF_KEY_92,
        AlgClass::Key => DEF_KEY_103,
        AlgClass::CaSig if !v.at_least(10, 3) => DEF_SIG_92,
        AlgClass::CaSig => DEF_SIG_103,
        AlgClass::GssKex => DEF_GSS_KEX,
    }
}

fn is_cert(name: &str) -> bool {
    name.ends_with("-cert-v01@openssh.com")
}

/// kex_gss_names_valid: a `gss-` name that starts with one of the known prefixes.
fn gss_name_ok(name: &str) -> bool {
    name.starts_with("gss-") && GSS_KEX.iter().any(|p| name.starts_with(p))
}

/// sshkey_names_valid2(name, allow_wildcard=1, plain_only) for one element.
fn key_element_ok(v: Version, elem: &str, plain_only: bool) -> bool {
    // Debian's GSSAPI patch registers a `null` key type that is never listed.
    let null_type: &[&str] = if v.at_least(9, 3) { &[] } else { &["null"] };
    let types = || supported(AlgClass::Key, v).iter().chain(null_type);
    let exact = types().any(|n| *n == elem) || key_short_names(v).iter().any(|s| s.eq_ignore_ascii_case(elem));
    if exact {
        return !(plain_only && is_cert(elem));
    }
    // Not a type name: accepted when it matches (or negates) some key type as a pattern.
    types().any(|n| pattern_list(n, elem, false) != ListMatch::NoMatch)
}

fn element_ok(class: AlgClass, v: Version, elem: &str) -> bool {
    match class {
        AlgClass::Cipher | AlgClass::Mac => supported(class, v).contains(&elem),
        AlgClass::Kex => supported(class, v).contains(&elem) || (!v.at_least(9, 3) && gss_name_ok(elem)),
        AlgClass::Key => key_element_ok(v, elem, false),
        AlgClass::CaSig => key_element_ok(v, elem, v.at_least(9, 4)),
        AlgClass::GssKex => gss_name_ok(elem),
    }
}

/// Validate a keyword value the way servconf.c does at parse time.
pub fn validate(class: AlgClass, v: Version, spec: &str) -> Result<(), AlgError> {
    let body = if class == AlgClass::GssKex {
        spec
    } else if spec.starts_with('-') {
        return Ok(());
    } else {
        spec.strip_prefix(['+', '^']).unwrap_or(spec)
    };
    if body.is_empty() {
        return Err(AlgError::Empty);
    }
    let mut found = false;
    // Like the C validators: stop at the first empty element, unchecked beyond it.
    for elem in body.split(',').take_while(|e| !e.is_empty()) {
        if !element_ok(class, v, elem) {
            return Err(AlgError::Unknown(elem.to_string()));
        }
        found = true;
    }
    let needs_one = matches!(class, AlgClass::Cipher | AlgClass::Mac) && v.at_least(10, 4);
    if needs_one && !found {
        return Err(AlgError::Empty);
    }
    Ok(())
}

/// True for a `-list` that removes every default entry: `sshd -T` then shows the default,
/// but the running daemon offers nothing for this class and no connection can succeed.
pub fn removes_all(class: AlgClass, v: Version, spec: &str) -> bool {
    match spec.strip_prefix('-') {
        Some(rest) if class != AlgClass::GssKex => {
            server_default(class, v).iter().all(|n| pattern_list(n, rest, false) == ListMatch::Matched)
        }
        _ => false,
    }
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The effective list for a configured value (`kex_assemble_names`, as `sshd -T` prints
/// it). Does not validate: call [`validate`] first. An empty `spec` means "not set".
/// Errors are sshd's fatal `assemble_algorithms: ...: invalid argument`: a `!` element
/// (`Unknown`) or nothing left after filtering (`Empty`).
/// `GSSAPIKexAlgorithms` is not assembled by sshd; its elements are returned verbatim.
pub fn assemble(class: AlgClass, v: Version, spec: &str) -> Result<Vec<String>, AlgError> {
    let def = server_default(class, v);
    if spec.is_empty() {
        return Ok(owned(def));
    }
    if class == AlgClass::GssKex {
        return Ok(spec.split(',').map(str::to_string).collect());
    }
    let all = supported(class, v);
    let elems: Vec<&str> = if let Some(rest) = spec.strip_prefix('-') {
        let kept: Vec<&str> =
            def.iter().copied().filter(|n| pattern_list(n, rest, false) != ListMatch::Matched).collect();
        // An empty result is kept by the first pass; `sshd -T` assembles again and an
        // empty list then falls back to the default (the running daemon would offer none).
        return Ok(owned(if kept.is_empty() { def } else { &kept }));
    } else if let Some(rest) = spec.strip_prefix('+') {
        // kex_names_cat stops appending at the first empty element.
        let added = rest.split(',').take_while(|e| !e.is_empty());
        def.iter().copied().chain(added).collect()
    } else if let Some(rest) = spec.strip_prefix('^') {
        rest.split(',').chain(def.iter().copied()).collect()
    } else {
        spec.split(',').collect()
    };
    let mut out: Vec<String> = Vec::new();
    for elem in elems {
        if elem.starts_with('!') {
            return Err(AlgError::Unknown(elem.to_string()));
        }
        for name in all {
            if pattern_list(name, elem, false) == ListMatch::Matched && !out.iter().any(|o| o == name) {
                out.push(name.to_string());
            }
        }
    }
    if out.is_empty() { Err(AlgError::Empty) } else { Ok(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V92: Version = Version::new(9, 2);

    fn ok(class: AlgClass, v: Version, spec: &str) -> String {
        assert_eq!(validate(class, v, spec), Ok(()), "validate {spec:?}");
        assemble(class, v, spec).map(|l| l.join(",")).unwrap_or_else(|e| format!("{e:?}"))
    }

    // Debian 12 `sshd -T -f /dev/null` (9.2p1), verbatim.
    const SSHD_CIPHERS: &str =
        "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
    const SSHD_MACS: &str = "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
    const SSHD_KEX: &str = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";
    const SSHD_KEYS: &str = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
    const SSHD_CASIG: &str = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
    const SSHD_GSS: &str = "gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-";

    #[test]
    fn debian_92_defaults_match_sshd_t() {
        for (class, want) in [
            (AlgClass::Cipher, SSHD_CIPHERS),
            (AlgClass::Mac, SSHD_MACS),
            (AlgClass::Kex, SSHD_KEX),
            (AlgClass::Key, SSHD_KEYS),
            (AlgClass::CaSig, SSHD_CASIG),
            (AlgClass::GssKex, SSHD_GSS),
        ] {
            assert_eq!(server_default(class, V92).join(","), want, "{class:?}");
            assert_eq!(assemble(class, V92, "").map(|l| l.join(",")), Ok(want.to_string()));
        }
    }

    #[test]
    fn debian_92_supported_matches_ssh_q() {
        let q = |c| supported(c, V92).join(" ");
        assert_eq!(
            q(AlgClass::Cipher),
            "3des-cbc aes128-cbc aes192-cbc aes256-cbc aes128-ctr aes192-ctr aes256-ctr aes128-gcm@openssh.com aes256-gcm@openssh.com chacha20-poly1305@openssh.com"
        );
        assert_eq!(supported(AlgClass::Mac, V92).len(), 16);
        assert_eq!(
            q(AlgClass::Kex),
            "diffie-hellman-group1-sha1 diffie-hellman-group14-sha1 diffie-hellman-group14-sha256 diffie-hellman-group16-sha512 diffie-hellman-group18-sha512 diffie-hellman-group-exchange-sha1 diffie-hellman-group-exchange-sha256 ecdh-sha2-nistp256 ecdh-sha2-nistp384 ecdh-sha2-nistp521 curve25519-sha256 curve25519-sha256@libssh.org sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com"
        );
        assert_eq!(
            q(AlgClass::CaSig),
            "ssh-ed25519 sk-ssh-ed25519@openssh.com ecdsa-sha2-nistp256 ecdsa-sha2-nistp384 ecdsa-sha2-nistp521 sk-ecdsa-sha2-nistp256@openssh.com webauthn-sk-ecdsa-sha2-nistp256@openssh.com ssh-dss ssh-rsa rsa-sha2-256 rsa-sha2-512"
        );
        assert_eq!(supported(AlgClass::Key, V92).len(), 21);
        assert_eq!(
            q(AlgClass::GssKex),
            "gss-gex-sha1- gss-group1-sha1- gss-group14-sha1- gss-group14-sha256- gss-group16-sha512- gss-nistp256-sha256- gss-curve25519-sha256-"
        );
    }

    #[test]
    fn defaults_are_filtered_subsets_of_supported() {
        use AlgClass::*;
        for v in Version::ALL {
            assert!(supported(CaSig, v).iter().all(|s| !is_cert(s)));
            for class in [Cipher, Mac, Kex, Key, CaSig, GssKex] {
                let all = supported(class, v);
                let def = server_default(class, v);
                assert!(def.iter().all(|d| all.contains(d)), "{class:?} {v}");
                for (i, n) in all.iter().enumerate() {
                    assert!(!all[i + 1..].contains(n), "duplicate {n} in {class:?} {v}");
                }
                if class != GssKex {
                    assert_eq!(validate(class, v, &def.join(",")), Ok(()), "{class:?} {v}");
                }
            }
        }
    }

    // Each expected value below is what Debian 12's `sshd -T` printed for that value.
    #[test]
    fn assemble_cases_confirmed_against_sshd() {
        use AlgClass::*;
        assert_eq!(ok(Cipher, V92, "+aes128-cbc"), format!("{SSHD_CIPHERS},aes128-cbc"));
        assert_eq!(
            ok(Cipher, V92, "^aes256-ctr"),
            "aes256-ctr,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
        );
        assert_eq!(
            ok(Cipher, V92, "-*-ctr"),
            "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
        );
        assert_eq!(ok(Cipher, V92, "-*-cbc"), SSHD_CIPHERS);
        assert_eq!(ok(Cipher, V92, "-*,!aes256-ctr"), "aes256-ctr");
        assert_eq!(ok(Cipher, V92, "aes256-ctr,aes128-cbc,aes256-ctr"), "aes256-ctr,aes128-cbc");
        // Empty elements: validation stops there, `+` stops appending there, `^` does not.
        assert_eq!(ok(Cipher, V92, "aes256-ctr,,blowfish-cbc"), "aes256-ctr");
        assert_eq!(ok(Cipher, V92, ",aes256-ctr"), "aes256-ctr");
        assert_eq!(ok(Cipher, V92, "+aes128-cbc,,aes256-cbc"), format!("{SSHD_CIPHERS},aes128-cbc"));
        assert_eq!(
            ok(Cipher, V92, "^aes128-cbc,,aes256-ctr"),
            "aes128-cbc,aes256-ctr,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com"
        );
        assert_eq!(ok(Cipher, V92, ","), "Empty");
        // `-` skips validation; removing everything shows the default under -T.
        assert_eq!(ok(Cipher, V92, "-blowfish-cbc"), SSHD_CIPHERS);
        assert_eq!(ok(Cipher, V92, "-*"), SSHD_CIPHERS);
        assert!(removes_all(Cipher, V92, "-*") && !removes_all(Cipher, V92, "-aes*"));
        assert_eq!(
            ok(Mac, V92, "-*sha1*"),
            "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512"
        );
        assert_eq!(
            ok(Kex, V92, "-ecdh-sha2-*,diffie-hellman-*"),
            "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org"
        );
        assert_eq!(ok(Kex, V92, "+gss-group14-sha256-"), SSHD_KEX);
        assert_eq!(ok(Kex, V92, "gss-gex-sha1-foo,curve25519-sha256"), "curve25519-sha256");
        assert_eq!(ok(Key, V92, "+ssh-rsa"), format!("{SSHD_KEYS},ssh-rsa"));
        assert_eq!(ok(Key, V92, "+ssh-rsa*"), format!("{SSHD_KEYS},ssh-rsa,ssh-rsa-cert-v01@openssh.com"));
        assert_eq!(ok(Key, V92, "^ssh-rsa,ssh-dss"), format!("ssh-rsa,ssh-dss,{SSHD_KEYS}"));
        assert_eq!(ok(Key, V92, "-*-cert-v01@openssh.com"), SSHD_CASIG);
        assert_eq!(
            ok(Key, V92, "rsa-sha2-*"),
            "rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com"
        );
        // Accepted at parse time, fatal in assembly.
        assert_eq!(ok(Key, V92, "RSA"), "Empty");
        assert_eq!(ok(Key, V92, "null"), "Empty");
        assert_eq!(ok(Key, V92, "ssh-*,!ssh-rsa"), "Unknown(\"!ssh-rsa\")");
        assert_eq!(ok(CaSig, V92, "ssh-ed25519-cert-v01@openssh.com"), "Empty");
        assert_eq!(
            ok(CaSig, V92, "+*"),
            format!("{SSHD_CASIG},webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-rsa")
        );
        assert_eq!(ok(GssKex, V92, "gss-gex-sha1-,,bogus"), "gss-gex-sha1-,,bogus");
    }

    #[test]
    fn validate_cases_confirmed_against_sshd() {
        use AlgClass::*;
        let unknown = |s: &str| Err(AlgError::Unknown(s.to_string()));
        assert_eq!(validate(Cipher, V92, "aes256-ctr,blowfish-cbc"), unknown("blowfish-cbc"));
        assert_eq!(validate(Cipher, V92, "aes*"), unknown("aes*"));
        assert_eq!(validate(Cipher, V92, "none"), unknown("none"));
        assert_eq!(validate(Cipher, V92, "+"), Err(AlgError::Empty));
        assert_eq!(validate(Cipher, V92, "-"), Ok(()));
        assert_eq!(validate(Mac, V92, "HMAC-SHA2-512"), unknown("HMAC-SHA2-512"));
        assert_eq!(validate(Kex, V92, "^!curve25519-sha256"), unknown("!curve25519-sha256"));
        assert_eq!(validate(Kex, V92, "+mlkem768x25519-sha256"), unknown("mlkem768x25519-sha256"));
        assert_eq!(validate(Key, V92, "!ssh-foo"), unknown("!ssh-foo"));
        assert_eq!(validate(Key, V92, "RSA-CERT"), unknown("RSA-CERT"));
        assert_eq!(validate(Key, V92, "x,ssh-ed25519"), unknown("x"));
        assert_eq!(validate(Key, V92, "ssh-ed25519,,x"), Ok(()));
        assert_eq!(validate(GssKex, V92, "+gss-group1-sha1-"), unknown("+gss-group1-sha1-"));
        assert_eq!(validate(GssKex, V92, "gss-group1-sha1-xyz"), Ok(()));
        assert_eq!(validate(GssKex, V92, "gss-group1-sha1"), unknown("gss-group1-sha1"));
        assert_eq!(validate(GssKex, V92, ","), Ok(()));
    }

    // From the tagged sources (not run).
    #[test]
    fn later_releases() {
        use AlgClass::*;
        let v = |a, b| Version::new(a, b);
        let unknown = |s: &str| Err(AlgError::Unknown(s.to_string()));
        assert_eq!(validate(Key, v(9, 7), "+ssh-dss"), Ok(()));
        assert_eq!(validate(Key, v(9, 8), "+ssh-dss"), unknown("ssh-dss"));
        assert_eq!(validate(Key, v(10, 0), "ssh-dss"), unknown("ssh-dss"));
        assert_eq!(validate(Key, v(9, 8), "RSA"), Ok(()));
        assert_eq!(validate(Key, v(9, 9), "RSA"), unknown("RSA"));
        assert_eq!(validate(CaSig, v(9, 3), "ssh-rsa-cert-v01@openssh.com"), Ok(()));
        assert_eq!(validate(CaSig, v(9, 4), "ssh-rsa-cert-v01@openssh.com"), unknown("ssh-rsa-cert-v01@openssh.com"));
        assert_eq!(validate(CaSig, v(9, 4), "*-cert-v01@openssh.com"), Ok(()));
        assert_eq!(validate(Kex, v(9, 3), "sntrup761x25519-sha512"), unknown("sntrup761x25519-sha512"));
        assert_eq!(validate(Kex, v(9, 3), "gss-gex-sha1-"), unknown("gss-gex-sha1-"));
        assert_eq!(validate(Kex, v(9, 9), "mlkem768x25519-sha256"), Ok(()));
        assert_eq!(validate(Kex, v(10, 4), "mlkem768nistp256-sha256"), unknown("mlkem768nistp256-sha256"));
        assert_eq!(validate(Kex, v(10, 5), "mlkem768nistp256-sha256"), Ok(()));
        assert_eq!(validate(Cipher, v(10, 3), ",aes128-ctr"), Ok(()));
        assert_eq!(validate(Cipher, v(10, 4), ",aes128-ctr"), Err(AlgError::Empty));
        assert_eq!(validate(Mac, v(10, 4), ","), Err(AlgError::Empty));
        assert_eq!(validate(Kex, v(10, 4), ","), Ok(()));
        assert_eq!(
            validate(Key, v(10, 3), "ssh-mldsa44-ed25519@openssh.com"),
            unknown("ssh-mldsa44-ed25519@openssh.com")
        );
        assert_eq!(validate(Key, v(10, 4), "+ssh-mldsa44-ed25519@openssh.com"), Ok(()));
        assert!(!server_default(Key, v(10, 5)).iter().any(|k| k.contains("mldsa")));
        assert_eq!(server_default(Kex, v(10, 0))[0], "mlkem768x25519-sha256");
        assert_eq!(server_default(Cipher, v(10, 0))[1], "aes128-gcm@openssh.com");
        assert!(server_default(CaSig, v(10, 3)).contains(&"webauthn-sk-ecdsa-sha2-nistp256@openssh.com"));
        assert_eq!(assemble(Kex, v(10, 0), "+diffie-hellman-group14-sha256").map(|l| l.len()), Ok(9));
    }
}
