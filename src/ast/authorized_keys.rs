//! authorized_keys files (sshd(8) "AUTHORIZED_KEYS FILE FORMAT") as sshd 9.2 reads them: one
//! [`Entry`] per line that is not blank or a comment, with the options, the key and what sshd
//! refuses, all with byte spans into the file. Plain data; the reading lives in
//! `syntax::authorized_keys`.

use crate::source::Span;

/// A parsed authorized_keys file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizedKeys {
    /// Every line sshd looks at (blank and `#` lines are left out), in file order.
    pub lines: Vec<Entry>,
}

/// One line sshd tries to read a key from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number (sshd counts `\n`-terminated lines, as getline() returns them).
    pub number: u32,
    /// The line without its `\n`, from its first byte (leading blanks included).
    pub span: Span,
    /// The options field (sshd(8) "options"), when the line has one.
    pub options_span: Option<Span>,
    /// The options sshd parsed, in order, up to the first one it refused.
    pub options: Vec<KeyOption>,
    /// The key sshd reads from the line; `None` when it cannot read one.
    pub key: Option<PublicKey>,
    /// The comment after the key (to the end of the line, trailing `\r` left out).
    pub comment: Option<Span>,
    /// Why sshd skips the line or refuses its key; empty when the key can be used.
    pub problems: Vec<Problem>,
}

impl Entry {
    /// True when sshd reads the key and its options without refusing anything.
    pub fn is_usable(&self) -> bool {
        self.key.is_some() && self.problems.is_empty()
    }

    /// True when sshd reads the key and its options (a later check such as `from=` may still refuse
    /// it at login).
    pub fn is_read(&self) -> bool {
        self.key.is_some() && self.problems.iter().all(|p| p.kind == ProblemKind::Refused)
    }

    /// The `restrict` option is present.
    pub fn is_restricted(&self) -> bool {
        self.options.iter().any(|o| o.kind == OptionKind::Restrict)
    }

    /// The forced command (`command="…"`), if any.
    pub fn command(&self) -> Option<&str> {
        self.options.iter().find_map(|o| match &o.kind {
            OptionKind::Command(c) => Some(c.as_str()),
            _ => None,
        })
    }

    /// The `from="…"` patterns, if the option is present.
    pub fn from_patterns(&self) -> Option<&[FromPattern]> {
        self.options.iter().find_map(|o| match &o.kind {
            OptionKind::From(p) => Some(p.as_slice()),
            _ => None,
        })
    }

    /// The earliest `expiry-time="…"` (sshd keeps the earliest of several).
    pub fn expiry(&self) -> Option<ExpiryTime> {
        self.options
            .iter()
            .filter_map(|o| match o.kind {
                OptionKind::ExpiryTime(t) => Some(t),
                _ => None,
            })
            .min_by_key(|t| t.epoch)
    }
}

/// Something sshd refuses, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The bytes at fault.
    pub span: Span,
    /// Lower-case, short, says what sshd does ("… : sshd skips this line").
    pub message: String,
    /// At which stage sshd gives up.
    pub kind: ProblemKind,
}

/// At which stage sshd gives up on a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// No key can be read from the line (bad type name, base64, key data): sshd skips it.
    Key,
    /// The key is read but `sshauthopt_parse` refuses the options: sshd skips the line.
    Options,
    /// Read and parsed, but refused when the key matches at login (an invalid `from=` list).
    Refused,
}

/// One option of the options field (sshd(8) "AUTHORIZED_KEYS FILE FORMAT").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOption {
    /// The option as written, name and quoted value.
    pub span: Span,
    /// The quoted value with its quotes, for options that take one.
    pub value_span: Option<Span>,
    /// What the option says.
    pub kind: OptionKind,
}

/// The options sshd 9.2 knows (names are case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// `restrict`: no forwarding, no pty, no `~/.ssh/rc` unless later options allow them.
    Restrict,
    /// `cert-authority`: the key is a CA trusted to sign user certificates.
    CertAuthority,
    /// A permission flag: `pty` / `no-pty` and the like.
    Flag {
        /// Which permission.
        flag: Flag,
        /// False for the `no-` form.
        allow: bool,
    },
    /// `command="…"`: the forced command (unescaped).
    Command(String),
    /// `principals="…"`: the certificate principals accepted (comma-separated, unescaped).
    Principals(String),
    /// `from="…"`: the source patterns.
    From(Vec<FromPattern>),
    /// `expiry-time="…"`: after this time the key is refused.
    ExpiryTime(ExpiryTime),
    /// `environment="NAME=value"`.
    Environment {
        /// The variable name.
        name: String,
        /// Everything after the first `=`.
        value: String,
    },
    /// `permitopen="host:port"`.
    PermitOpen(String),
    /// `permitlisten="[host:]port"` (a bare port is recorded as sshd records it, `*:port`).
    PermitListen(String),
    /// `tunnel="n"` or `tunnel="any"` (`None`).
    Tunnel(Option<u32>),
}

/// The permissions that have a `name` and a `no-name` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `port-forwarding`.
    PortForwarding,
    /// `agent-forwarding`.
    AgentForwarding,
    /// `X11-forwarding`.
    X11Forwarding,
    /// `touch-required` (FIDO keys).
    TouchRequired,
    /// `verify-required` (FIDO keys).
    VerifyRequired,
    /// `pty`.
    Pty,
    /// `user-rc`.
    UserRc,
}

/// One entry of a `from=` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromPattern {
    /// Written with a leading `!`.
    pub negated: bool,
    /// The pattern without its `!`: an address, a CIDR block or a wildcard host pattern.
    pub pattern: String,
}

/// An `expiry-time` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExpiryTime {
    /// Seconds since the epoch, reading the time as UTC.
    pub epoch: i64,
    /// Written with `Z` or `UTC`; otherwise sshd reads it in its own local time zone, so the real
    /// instant differs from `epoch` by the host's UTC offset.
    pub utc: bool,
}

/// A public key as sshd decodes it (`sshkey_read`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    /// The type name as written at the start of the key (`ssh-ed25519`, `rsa-sha2-512`, …).
    pub type_name: String,
    /// Where the type name is.
    pub type_span: Span,
    /// Where the base64 key data is.
    pub blob_span: Span,
    /// The algorithm family.
    pub kind: KeyKind,
    /// A certificate (`…-cert-v01@openssh.com`); sshlint does not check its signature.
    pub certificate: bool,
    /// Size as `ssh-keygen -l` prints it: RSA modulus bits and DSA `p` bits (counted from the most
    /// significant set bit), the curve size for ECDSA, 256 for Ed25519.
    pub bits: u32,
    /// The curve of ECDSA keys.
    pub curve: Option<Curve>,
    /// The application string of FIDO (`sk-…`) keys.
    pub sk_application: Option<String>,
}

/// Public key algorithm families (sshkey.c `KEY_*`, certificates folded in).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// `ssh-rsa` (also written `rsa-sha2-256` / `rsa-sha2-512`).
    Rsa,
    /// `ssh-dss`.
    Dsa,
    /// `ecdsa-sha2-nistp*`.
    Ecdsa,
    /// `ssh-ed25519`.
    Ed25519,
    /// `sk-ecdsa-sha2-nistp256@openssh.com` (FIDO).
    EcdsaSk,
    /// `sk-ssh-ed25519@openssh.com` (FIDO).
    Ed25519Sk,
}

impl KeyKind {
    /// The short name `ssh-keygen -l` prints (`RSA`, `ED25519-SK`, …), without `-CERT`.
    pub fn short_name(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::Dsa => "DSA",
            KeyKind::Ecdsa => "ECDSA",
            KeyKind::Ed25519 => "ED25519",
            KeyKind::EcdsaSk => "ECDSA-SK",
            KeyKind::Ed25519Sk => "ED25519-SK",
        }
    }
}

/// The NIST curves OpenSSH uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    /// `nistp256` (secp256r1).
    P256,
    /// `nistp384` (secp384r1).
    P384,
    /// `nistp521` (secp521r1).
    P521,
}

impl Curve {
    /// The curve size in bits.
    pub fn bits(self) -> u32 {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }
}
