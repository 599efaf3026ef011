//! The values sshd holds for one evaluation (its `ServerOptions`): typed per option, each with
//! the line(s) that set it, plus the compiled-in defaults of each release.

use super::algorithms::{self, AlgClass};
use super::keywords::{COUNT, Opt};
use super::version::Version;
use crate::source::Location;

/// A stored value. Enumerations hold the number sshd stores (see [`Multistate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Num(i64),
    Text(String),
    List(Vec<String>),
    Nums(Vec<i64>),
    Subsystems(Vec<Subsystem>),
    Listen(Vec<Listen>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subsystem {
    pub name: String,
    /// Command and arguments joined by single spaces, as `sshd -T` prints them.
    pub args: String,
}

/// One `ListenAddress` line (before the cross product with `Port`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    pub host: String,
    pub port: Option<u16>,
    pub rdomain: Option<String>,
}

/// A value and where it came from (one location per list element for accumulating lists).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    pub val: Val,
    pub at: Vec<Location>,
}

/// Everything set by configuration lines in one pass.
#[derive(Clone, Debug)]
pub struct Settings {
    slots: Vec<Option<Setting>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { slots: vec![None; COUNT] }
    }
}

impl Settings {
    pub fn get(&self, opt: Opt) -> Option<&Setting> {
        self.slots[opt.index()].as_ref()
    }
    pub fn is_set(&self, opt: Opt) -> bool {
        self.slots[opt.index()].is_some()
    }
    pub fn set(&mut self, opt: Opt, val: Val, at: Location) {
        self.slots[opt.index()] = Some(Setting { val, at: vec![at] });
    }
    pub fn set_with(&mut self, opt: Opt, setting: Setting) {
        self.slots[opt.index()] = Some(setting);
    }
    pub fn clear(&mut self, opt: Opt) {
        self.slots[opt.index()] = None;
    }
    /// Append list items (accumulating keywords).
    pub fn push_items(&mut self, opt: Opt, items: Vec<String>, at: Location) {
        if items.is_empty() {
            return;
        }
        let slot = &mut self.slots[opt.index()];
        match slot {
            Some(Setting { val: Val::List(v), at: locs }) => {
                locs.extend(std::iter::repeat_n(at, items.len()));
                v.extend(items);
            }
            _ => {
                let n = items.len();
                *slot = Some(Setting { val: Val::List(items), at: vec![at; n] });
            }
        }
    }
    pub fn num(&self, opt: Opt) -> Option<i64> {
        match self.get(opt)?.val {
            Val::Num(n) => Some(n),
            _ => None,
        }
    }
    pub fn text(&self, opt: Opt) -> Option<&str> {
        match &self.get(opt)?.val {
            Val::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn list(&self, opt: Opt) -> Option<&[String]> {
        match &self.get(opt)?.val {
            Val::List(l) => Some(l),
            _ => None,
        }
    }
    pub fn nums(&self, opt: Opt) -> Option<&[i64]> {
        match &self.get(opt)?.val {
            Val::Nums(l) => Some(l),
            _ => None,
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Setting)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    }
}

/// A keyword whose words map to stored numbers; the first word with a number is what
/// `sshd -T` prints.
pub struct Multistate(pub &'static [(&'static str, i64)]);

impl Multistate {
    pub fn parse(&self, word: &str) -> Option<i64> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(word)).map(|&(_, v)| v)
    }
    pub fn format(&self, value: i64) -> &'static str {
        self.0.iter().find(|&&(_, v)| v == value).map_or("UNKNOWN", |&(k, _)| k)
    }
}

pub const FLAG: Multistate = Multistate(&[("yes", 1), ("no", 0)]);
pub const IGNORE_RHOSTS: Multistate = Multistate(&[("yes", 1), ("no", 0), ("shosts-only", 2)]);
pub const ADDRESS_FAMILY: Multistate = Multistate(&[("inet", 2), ("inet6", 10), ("any", 0)]);
pub const PERMIT_ROOT_LOGIN: Multistate = Multistate(&[
    ("without-password", 2),
    ("prohibit-password", 2),
    ("forced-commands-only", 1),
    ("yes", 3),
    ("no", 0),
]);
/// Since 10.1 `sshd -T` prints `prohibit-password`.
pub const PERMIT_ROOT_LOGIN_10_1: Multistate = Multistate(&[
    ("prohibit-password", 2),
    ("without-password", 2),
    ("forced-commands-only", 1),
    ("yes", 3),
    ("no", 0),
]);
pub const COMPRESSION: Multistate = Multistate(&[("yes", 2), ("delayed", 2), ("no", 0)]);
pub const GATEWAY_PORTS: Multistate = Multistate(&[("clientspecified", 2), ("yes", 1), ("no", 0)]);
pub const TCP_FORWARDING: Multistate = Multistate(&[("yes", 3), ("all", 3), ("no", 0), ("remote", 2), ("local", 1)]);
/// Compared case-sensitively by sshd.
pub const PERMIT_TUNNEL: Multistate = Multistate(&[("no", 0), ("point-to-point", 1), ("ethernet", 2), ("yes", 3)]);
/// log.c `log_levels[]` order: the first name of a level is what `sshd -T` prints.
pub const LOG_LEVEL: Multistate = Multistate(&[
    ("SILENT", 0),
    ("QUIET", 0),
    ("FATAL", 1),
    ("ERROR", 2),
    ("INFO", 3),
    ("VERBOSE", 4),
    ("DEBUG", 5),
    ("DEBUG1", 5),
    ("DEBUG2", 6),
    ("DEBUG3", 7),
]);
pub const SYSLOG_FACILITY: Multistate = Multistate(&[
    ("DAEMON", 0),
    ("USER", 1),
    ("AUTH", 2),
    ("AUTHPRIV", 3),
    ("LOCAL0", 4),
    ("LOCAL1", 5),
    ("LOCAL2", 6),
    ("LOCAL3", 7),
    ("LOCAL4", 8),
    ("LOCAL5", 9),
    ("LOCAL6", 10),
    ("LOCAL7", 11),
]);
pub const FINGERPRINT_HASH: Multistate =
    Multistate(&[("MD5", 0), ("SHA1", 1), ("SHA256", 2), ("SHA384", 3), ("SHA512", 4)]);
/// IPQoS names (misc.c `ipqos[]`); `none` is stored as INT_MAX.
pub const IPQOS: Multistate = Multistate(&[
    ("none", i32::MAX as i64),
    ("af11", 0x28),
    ("af12", 0x30),
    ("af13", 0x38),
    ("af21", 0x48),
    ("af22", 0x50),
    ("af23", 0x58),
    ("af31", 0x68),
    ("af32", 0x70),
    ("af33", 0x78),
    ("af41", 0x88),
    ("af42", 0x90),
    ("af43", 0x98),
    ("cs0", 0x00),
    ("cs1", 0x20),
    ("cs2", 0x40),
    ("cs3", 0x60),
    ("cs4", 0x80),
    ("cs5", 0xa0),
    ("cs6", 0xc0),
    ("cs7", 0xe0),
    ("ef", 0xb8),
    ("le", 0x04),
    ("lowdelay", 0x10),
    ("throughput", 0x08),
    ("reliability", 0x04),
]);

/// Parse an IPQoS word as release `v` does: names (10.1 reads the old TOS names as `none`;
/// 10.3 adds `va`), then a number (0x/0 prefixes until 9.7, decimal only from 9.8).
pub fn parse_ipqos(word: &str, v: Version) -> Option<i64> {
    let lower = word.to_ascii_lowercase();
    if v.at_least(10, 1) && matches!(lower.as_str(), "lowdelay" | "throughput" | "reliability") {
        return Some(i64::from(i32::MAX));
    }
    if v.at_least(10, 3) && lower == "va" {
        return Some(0xb0);
    }
    if let Some(n) = IPQOS.parse(word) {
        return Some(n);
    }
    let n = if v.at_least(9, 8) {
        crate::syntax::values::strtonum(word, 0, 255).ok()
    } else {
        crate::syntax::values::c_long_base0(word)
    };
    n.filter(|n| (0..=255).contains(n))
}

/// `iptos2str` of release `v`.
pub fn format_ipqos(value: i64, v: Version) -> String {
    if v.at_least(10, 3) && value == 0xb0 {
        return "va".into();
    }
    let old_names = ["lowdelay", "throughput", "reliability"];
    match IPQOS.0.iter().find(|&&(k, x)| x == value && !(v.at_least(10, 1) && old_names.contains(&k))) {
        Some((k, _)) => (*k).to_string(),
        None => format!("0x{value:02x}"),
    }
}

/// The multistate table of an enumerated option, if it is one.
pub fn multistate(opt: Opt, v: Version) -> Option<&'static Multistate> {
    Some(match opt {
        Opt::AddressFamily => &ADDRESS_FAMILY,
        Opt::PermitRootLogin if v.at_least(10, 1) => &PERMIT_ROOT_LOGIN_10_1,
        Opt::PermitRootLogin => &PERMIT_ROOT_LOGIN,
        Opt::IgnoreRhosts => &IGNORE_RHOSTS,
        Opt::Compression => &COMPRESSION,
        Opt::GatewayPorts => &GATEWAY_PORTS,
        Opt::AllowTcpForwarding | Opt::AllowStreamLocalForwarding => &TCP_FORWARDING,
        _ => return None,
    })
}

/// Options holding a yes/no flag.
pub fn is_flag(opt: Opt) -> bool {
    use Opt::*;
    matches!(
        opt,
        UsePAM
            | IgnoreUserKnownHosts
            | HostbasedAuthentication
            | HostbasedUsesNameFromPacketOnly
            | PubkeyAuthentication
            | KerberosAuthentication
            | KerberosOrLocalPasswd
            | KerberosTicketCleanup
            | GSSAPIAuthentication
            | GSSAPICleanupCredentials
            | GSSAPIStrictAcceptorCheck
            | GSSAPIKeyExchange
            | GSSAPIStoreCredentialsOnRekey
            | GSSAPIDelegateCredentials
            | PasswordAuthentication
            | KbdInteractiveAuthentication
            | PrintMotd
            | PrintLastLog
            | X11Forwarding
            | X11UseLocalhost
            | PermitTTY
            | PermitUserRC
            | StrictModes
            | TCPKeepAlive
            | PermitEmptyPasswords
            | UseDNS
            | AllowAgentForwarding
            | DisableForwarding
            | StreamLocalBindUnlink
            | ExposeAuthInfo
            | DebianBanner
            | RefuseConnection
    )
}

/// The compiled-in default of an option in release `v` (fill_default_server_options), for a
/// Debian-like build. `None` for options whose default is "unset" (`none` in `sshd -T`).
pub fn default_value(opt: Opt, v: Version, debian: bool) -> Option<Val> {
    use Opt::*;
    let n = |x: i64| Some(Val::Num(x));
    let t = |x: &str| Some(Val::Text(x.to_string()));
    let l = |x: &[&str]| Some(Val::List(x.iter().map(|s| s.to_string()).collect()));
    let alg = |c: AlgClass| Some(Val::Text(algorithms::server_default(c, v).join(",")));
    match opt {
        // Debian's sshd is built with PAM; the stock default is "no".
        UsePAM => n(0),
        Port => Some(Val::Nums(vec![22])),
        AddressFamily => n(0),
        PidFile => t("/run/sshd.pid"),
        ModuliFile => t("/etc/ssh/moduli"),
        LoginGraceTime => n(120),
        PermitRootLogin => n(2),
        IgnoreRhosts => n(1),
        IgnoreUserKnownHosts => n(0),
        PrintMotd => n(1),
        PrintLastLog => n(1),
        X11Forwarding => n(0),
        X11DisplayOffset => n(10),
        X11UseLocalhost => n(1),
        XAuthLocation => t("/usr/bin/xauth"),
        PermitTTY => n(1),
        PermitUserRC => n(1),
        StrictModes => n(1),
        TCPKeepAlive => n(1),
        SyslogFacility => n(2),
        LogLevel => n(3),
        HostbasedAuthentication | HostbasedUsesNameFromPacketOnly => n(0),
        PubkeyAuthentication => n(1),
        PubkeyAuthOptions => n(0),
        KerberosAuthentication => n(0),
        KerberosOrLocalPasswd | KerberosTicketCleanup => n(1),
        GSSAPIAuthentication | GSSAPIKeyExchange | GSSAPIStoreCredentialsOnRekey => n(0),
        GSSAPIDelegateCredentials => n(1),
        GSSAPICleanupCredentials | GSSAPIStrictAcceptorCheck => n(1),
        GSSAPIKexAlgorithms => alg(AlgClass::GssKex),
        PasswordAuthentication | KbdInteractiveAuthentication => n(1),
        PermitEmptyPasswords => n(0),
        PermitUserEnvironment => n(0),
        Compression => n(2),
        RekeyLimit => Some(Val::Nums(vec![0, 0])),
        AllowTcpForwarding | AllowStreamLocalForwarding => n(3),
        AllowAgentForwarding => n(1),
        GatewayPorts => n(0),
        MaxStartups => Some(Val::Nums(vec![10, 30, 100])),
        PerSourceMaxStartups => n(i64::from(i32::MAX)),
        PerSourceNetBlockSize => Some(Val::Nums(vec![32, 128])),
        MaxAuthTries => n(6),
        MaxSessions => n(10),
        UseDNS => n(0),
        ClientAliveInterval => n(0),
        ClientAliveCountMax => n(3),
        AuthorizedKeysFile => l(&[".ssh/authorized_keys", ".ssh/authorized_keys2"]),
        PermitTunnel => n(0),
        // Debian keeps the old TOS defaults; upstream moved to af21/cs1 (7.8), then ef/cs0 (10.1).
        IPQoS => Some(Val::Nums(if v.at_least(10, 1) {
            vec![0xb8, 0x00]
        } else if debian {
            vec![0x10, 0x08]
        } else {
            vec![0x48, 0x20]
        })),
        VersionAddendum => t(""),
        StreamLocalBindMask => n(0o177),
        StreamLocalBindUnlink => n(0),
        FingerprintHash => n(2),
        DisableForwarding => n(0),
        ExposeAuthInfo => n(0),
        SecurityKeyProvider => t("internal"),
        RequiredRSASize => n(1024),
        UnusedConnectionTimeout => n(0),
        DebianBanner => n(1),
        RefuseConnection => n(0),
        Ciphers => alg(AlgClass::Cipher),
        MACs => alg(AlgClass::Mac),
        KexAlgorithms => alg(AlgClass::Kex),
        HostKeyAlgorithms | PubkeyAcceptedAlgorithms | HostbasedAcceptedAlgorithms => alg(AlgClass::Key),
        CASignatureAlgorithms => alg(AlgClass::CaSig),
        HostKey => l(&default_host_keys(v)),
        SshdSessionPath => t("/usr/lib/openssh/sshd-session"),
        SshdAuthPath => t("/usr/lib/openssh/sshd-auth"),
        _ => None,
    }
}

/// Host keys sshd loads when no `HostKey` is configured.
pub fn default_host_keys(v: Version) -> Vec<&'static str> {
    let mut keys = vec!["/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "/etc/ssh/ssh_host_ed25519_key"];
    if v.at_least(10, 4) {
        keys.push("/etc/ssh/ssh_host_mldsa44_ed25519_key");
    }
    keys
}
