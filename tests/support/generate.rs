//! A seeded generator of random sshd host roots for the differential tests: Include trees
//! (drop-ins, nested includes, globs, includes inside Match), Match blocks with random criteria,
//! quoting, `=` separators, mixed-case keywords, deprecated and misspelt keywords, valid and
//! invalid values from per-keyword pools, duplicate keywords, and 2–4 `-C` specs per case.
//! A fifth of the values of keywords with a grammar (numbers, times, MaxStartups, IPQoS,
//! RekeyLimit, algorithm lists, user patterns, …) are built at random; about 40% of the cases carry
//! one or two deliberate faults, so sshd refuses a good share of them. The generator never
//! decides what is valid: sshd does.

use super::Rng;
use super::sshd::Case;

/// One keyword's value pools. `in_match`: allowed inside Match on 9.2 (`SSHCFG_ALL`).
struct Keyword {
    name: &'static str,
    in_match: bool,
    valid: &'static [&'static str],
    invalid: &'static [&'static str],
}

const fn kw(
    name: &'static str,
    in_match: bool,
    valid: &'static [&'static str],
    invalid: &'static [&'static str],
) -> Keyword {
    Keyword { name, in_match, valid, invalid }
}

const YES_NO: &[&str] = &["yes", "no", "YES", "No", "\"yes\"", "'no'"];
const BAD_YES_NO: &[&str] = &["maybe", "true", "1", "no#x", "yes no", "on"];
const G: bool = false;
const M: bool = true;

#[rustfmt::skip]
const KEYWORDS: &[Keyword] = &[
    kw("Port", G, &["22", "2222", "2200", "ssh", "65535", "22"], &["0", "65536", "abc", "-1", "22x", "22 23"]),
    kw("ListenAddress", G, &["0.0.0.0", "[::]:2222", "192.0.2.55:2222", "[2001:db8::5]", "127.0.0.1", "::", "192.0.2.7"], &["192.0.2.1:99999", "[::1", "192.0.2.1:0"]),
    kw("AddressFamily", G, &["any", "inet", "inet6", "INET"], &["ipv4", "both"]),
    kw("LoginGraceTime", G, &["120", "30", "1m", "1h30m", "0", "2m30s", "90s", "1W"], &["1x", "-1", "1h-1", "30 s"]),
    kw("PermitRootLogin", M, &["yes", "no", "prohibit-password", "without-password", "forced-commands-only", "YES"], &["maybe", "true", "no-password"]),
    kw("PasswordAuthentication", M, YES_NO, BAD_YES_NO),
    kw("PubkeyAuthentication", M, YES_NO, BAD_YES_NO),
    kw("KbdInteractiveAuthentication", M, YES_NO, BAD_YES_NO),
    kw("ChallengeResponseAuthentication", M, YES_NO, BAD_YES_NO),
    kw("PermitEmptyPasswords", M, YES_NO, BAD_YES_NO),
    kw("HostbasedAuthentication", M, YES_NO, BAD_YES_NO),
    kw("KerberosAuthentication", M, YES_NO, BAD_YES_NO),
    kw("GSSAPIAuthentication", M, YES_NO, BAD_YES_NO),
    kw("X11Forwarding", M, YES_NO, BAD_YES_NO),
    kw("X11UseLocalhost", M, YES_NO, BAD_YES_NO),
    kw("X11DisplayOffset", M, &["10", "0", "20"], &["-1", "ten"]),
    kw("PermitTTY", M, YES_NO, BAD_YES_NO),
    kw("PermitUserRC", M, YES_NO, BAD_YES_NO),
    kw("AllowAgentForwarding", M, YES_NO, BAD_YES_NO),
    kw("DisableForwarding", M, YES_NO, BAD_YES_NO),
    kw("ExposeAuthInfo", M, YES_NO, BAD_YES_NO),
    kw("StreamLocalBindUnlink", M, YES_NO, BAD_YES_NO),
    kw("HostbasedUsesNameFromPacketOnly", M, YES_NO, BAD_YES_NO),
    kw("AllowTcpForwarding", M, &["yes", "no", "local", "remote", "all", "LOCAL"], &["both", "maybe"]),
    kw("AllowStreamLocalForwarding", M, &["yes", "no", "local", "remote", "all"], &["both"]),
    kw("GatewayPorts", M, &["no", "yes", "clientspecified"], &["maybe", "client"]),
    kw("IgnoreRhosts", M, &["yes", "no", "shosts-only"], &["maybe"]),
    kw("PermitTunnel", M, &["yes", "no", "point-to-point", "ethernet"], &["YES", "maybe", "Ethernet"]),
    kw("MaxAuthTries", M, &["6", "3", "1", "0", "10"], &["-1", "three", "2147483648", "99999999999"]),
    kw("MaxSessions", M, &["10", "0", "1", "64"], &["-2", "x"]),
    kw("ClientAliveInterval", M, &["0", "300", "5m", "1h"], &["-5", "x", "5q"]),
    kw("ClientAliveCountMax", M, &["0", "3", "10"], &["-1", "x"]),
    kw("RequiredRSASize", M, &["1024", "2048", "3072"], &["x", "-1"]),
    kw("UnusedConnectionTimeout", M, &["none", "0", "1h", "30s"], &["x", "-1"]),
    kw("ChannelTimeout", M, &["session=5m", "agent-connection=1h", "session:command=10m", "*=1m", "x11-connection=30s session=1h"], &["session", "session=x", "global=1h"]),
    kw("PubkeyAuthOptions", M, &["none", "touch-required", "verify-required", "touch-required verify-required"], &["bogus"]),
    kw("LogLevel", M, &["INFO", "VERBOSE", "verbose", "DEBUG", "DEBUG3", "QUIET", "ERROR"], &["LOUD", "debug4"]),
    kw("LogVerbose", M, &["kex.c:*:1000", "sshd.c:*,auth.c:*"], &[]),
    kw("SyslogFacility", G, &["AUTH", "AUTHPRIV", "LOCAL0", "local7", "auth", "DAEMON"], &["FOO", "LOCAL8"]),
    kw("UseDNS", G, YES_NO, BAD_YES_NO),
    kw("UsePAM", G, YES_NO, BAD_YES_NO),
    kw("PrintMotd", G, YES_NO, BAD_YES_NO),
    kw("PrintLastLog", G, YES_NO, BAD_YES_NO),
    kw("TCPKeepAlive", G, YES_NO, BAD_YES_NO),
    kw("KeepAlive", G, YES_NO, BAD_YES_NO),
    kw("StrictModes", G, YES_NO, BAD_YES_NO),
    kw("IgnoreUserKnownHosts", G, YES_NO, BAD_YES_NO),
    kw("GSSAPICleanupCredentials", G, YES_NO, BAD_YES_NO),
    kw("GSSAPIStrictAcceptorCheck", G, YES_NO, BAD_YES_NO),
    kw("KerberosOrLocalPasswd", G, YES_NO, BAD_YES_NO),
    kw("KerberosTicketCleanup", G, YES_NO, BAD_YES_NO),
    kw("Compression", G, &["yes", "no", "delayed"], &["zlib", "maybe"]),
    kw("FingerprintHash", G, &["sha256", "md5", "SHA256"], &["sha1", "sha512"]),
    kw("PermitUserEnvironment", G, &["yes", "no", "LANG,LC_*", "YES"], &[]),
    kw("StreamLocalBindMask", M, &["0177", "0111", "077", "0"], &["0999", "abc", "01777"]),
    kw("MaxStartups", G, &["10:30:100", "5", "20:30:60", "10:30:10", "100", "3:50:10"], &["10:30:5", "10:0:60", "0", "10:101:100", "a:b:c", "10:30"]),
    kw("PerSourceMaxStartups", G, &["none", "1", "10"], &["0", "-1", "x"]),
    kw("PerSourceNetBlockSize", G, &["24", "24:64", "32:128", "16:48"], &["33", "24:129", "x"]),
    kw("IPQoS", M, &["af21", "cs1 cs1", "lowdelay throughput", "af11 af12", "ef", "0x10", "none"], &["foo", "af21 af22 af23"]),
    kw("RekeyLimit", M, &["default", "1G", "512M 1h", "default none", "4G 30m"], &["1X", "1G 1x"]),
    kw("Ciphers", G, &["aes128-ctr,aes256-ctr", "+aes128-cbc", "-chacha20-poly1305@openssh.com", "^aes256-gcm@openssh.com", "aes256-gcm@openssh.com", "-*cbc", "+3des-cbc"], &["foo-cipher", "aes128-ctr,bogus", "rc4"]),
    kw("MACs", G, &["hmac-sha2-256,hmac-sha2-512", "-hmac-sha1*", "+hmac-md5", "^hmac-sha2-512-etm@openssh.com", "umac-128-etm@openssh.com"], &["hmac-foo"]),
    kw("KexAlgorithms", G, &["curve25519-sha256", "+diffie-hellman-group1-sha1", "-ecdh-sha2-*", "^sntrup761x25519-sha512@openssh.com", "curve25519-sha256,diffie-hellman-group14-sha256"], &["curve25519-sha256,foo-bar", "mlkem768x25519-sha256"]),
    kw("HostKeyAlgorithms", G, &["ssh-ed25519", "+ssh-dss", "-ssh-rsa", "rsa-sha2-512,rsa-sha2-256,ssh-ed25519"], &["ssh-foo"]),
    kw("PubkeyAcceptedAlgorithms", M, &["+ssh-rsa", "ssh-ed25519,rsa-sha2-256", "-ssh-rsa*"], &["ssh-bogus"]),
    kw("PubkeyAcceptedKeyTypes", M, &["+ssh-rsa", "ssh-ed25519"], &["ssh-bogus"]),
    kw("CASignatureAlgorithms", M, &["ssh-ed25519", "-ssh-rsa"], &["foo"]),
    kw("HostbasedAcceptedAlgorithms", M, &["ssh-ed25519", "+ssh-rsa"], &["bogus"]),
    kw("HostKey", G, &["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ecdsa_key", "ssh_host_ed25519_key"], &[]),
    kw("PidFile", G, &["/run/sshd.pid", "none"], &[]),
    kw("XAuthLocation", G, &["/usr/bin/xauth"], &[]),
    kw("ModuliFile", G, &["/etc/ssh/moduli"], &[]),
    kw("SecurityKeyProvider", G, &["internal"], &[]),
    kw("HostKeyAgent", G, &["none", "/run/agent.sock"], &[]),
    kw("VersionAddendum", G, &["none", "hello world", "Corp # c"], &[]),
    kw("Subsystem", G, &["sftp /usr/lib/openssh/sftp-server", "sftp internal-sftp", "sftp internal-sftp -l INFO"], &["sftp"]),
    kw("AuthorizedKeysFile", M, &[".ssh/authorized_keys", "none", ".ssh/authorized_keys .ssh/authorized_keys2", "%h/.ssh/keys", "/etc/ssh/keys/%u"], &[]),
    kw("AuthorizedKeysCommand", M, &["none"], &["relative/cmd"]),
    kw("AuthorizedKeysCommandUser", M, &["nobody"], &[]),
    kw("AuthorizedPrincipalsFile", M, &["none", "/etc/ssh/principals/%u"], &[]),
    kw("TrustedUserCAKeys", M, &["/etc/ssh/user_ca.pub", "none"], &[]),
    kw("RevokedKeys", M, &["none", "/etc/ssh/revoked"], &[]),
    kw("Banner", M, &["none", "/etc/issue.net", "\"/etc/is sue\""], &["\"/etc/issue"]),
    kw("ChrootDirectory", M, &["none", "/srv/%u", "%h"], &[]),
    kw("ForceCommand", M, &["internal-sftp", "/bin/echo hi # not a comment", "/usr/bin/true"], &[]),
    kw("AcceptEnv", M, &["LANG LC_*", "GIT_*", "COLORTERM", "TZ"], &["LANG=x"]),
    kw("SetEnv", M, &["FOO=bar", "A=1 B=2", "\"X=a b\""], &["FOO"]),
    kw("PermitOpen", M, &["any", "none", "localhost:80", "192.0.2.1:*", "[2001:db8::1]:443 *:8080"], &["localhost", "host:99999"]),
    kw("PermitListen", M, &["any", "none", "8080", "localhost:8080", "*:9000"], &["foo:bar", "99999"]),
    kw("AllowUsers", M, &["alice", "alice bob", "root@192.0.2.0/24", "*@198.51.100.*", "'bob smith'", "alice#x", "bob@h.example", "carol alice # comment"], &["root@10.0.0.0/33", "bob@192.0.2.0/40"]),
    kw("DenyUsers", M, &["mallory", "root", "carol@192.0.2.*"], &["x@1.2.3.4/99"]),
    kw("AllowGroups", M, &["sudo", "wheel sshusers", "users"], &[]),
    kw("DenyGroups", M, &["nogroup", "wheel"], &[]),
    kw("AuthenticationMethods", M, &["any", "publickey", "publickey,password", "publickey,keyboard-interactive", "password", "keyboard-interactive:pam", "publickey publickey,password"], &["pubkey", "any publickey"]),
    kw("DebianBanner", G, YES_NO, BAD_YES_NO),
    kw("GSSAPIKeyExchange", G, YES_NO, BAD_YES_NO),
    kw("GSSAPIStoreCredentialsOnRekey", G, YES_NO, BAD_YES_NO),
];

/// Deprecated, unsupported, ignored and alias keywords: logged (or not) and accepted by 9.2.
const OLD_KEYWORDS: &[&str] = &[
    "UsePrivilegeSeparation sandbox",
    "UsePrivilegeSeparation yes",
    "Protocol 2",
    "KeyRegenerationInterval 3600",
    "ServerKeyBits 1024",
    "RSAAuthentication yes",
    "RhostsRSAAuthentication no",
    "UseLogin no",
    "PAMAuthenticationViaKbdInt no",
    "KerberosTgtPassing no",
    "KerberosGetAFSToken no",
    "AFSTokenPassing no",
    "GSSAPIUseSessionCredCache no",
    "CheckMail no",
    "AuthorizedKeysFile2 .ssh/authorized_keys2",
    "ReverseMappingCheck yes",
    "VerifyReverseMapping no",
    "RhostsAuthentication no",
    "DSAAuthentication yes",
    "SKeyAuthentication no",
    "HostDSAKey /etc/ssh/ssh_host_ed25519_key",
];

/// Keywords that do not exist (typos and keywords from other programs or later releases).
const MISSPELT: &[&str] = &[
    "PasswordAuthenticaton no",
    "PermitRootLgin no",
    "Prot 22",
    "MaxStartup 10",
    "AllowUser alice",
    "X11Forward no",
    "ClientAliveIntervall 30",
    "Port: 22",
    "StrictHostKeyChecking no",
    "PerSourcePenalties no",
    "RefuseConnection no",
    "\u{feff}Port 22",
];

const TIME_UNITS: &[&str] = &["", "s", "m", "h", "d", "w", "S", "M", "H", "D", "W", "x"];
const QOS: &[&str] = &[
    "af11",
    "af12",
    "af13",
    "af21",
    "af22",
    "af23",
    "af31",
    "af32",
    "af33",
    "af41",
    "af42",
    "af43",
    "cs0",
    "cs1",
    "cs2",
    "cs3",
    "cs4",
    "cs5",
    "cs6",
    "cs7",
    "ef",
    "le",
    "lowdelay",
    "throughput",
    "reliability",
    "none",
    "0x10",
    "8",
    "0xb8",
    "AF21",
    "bogus",
];
const CIPHERS: &[&str] = &[
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "3des-cbc",
    "rijndael-cbc@lysator.liu.se",
];
const MACS: &[&str] = &[
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
    "hmac-md5",
    "hmac-sha1-96",
    "hmac-md5-etm@openssh.com",
];
const KEX: &[&str] = &[
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
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group-exchange-sha1",
    "sntrup761x25519-sha512",
    "mlkem768x25519-sha256",
];
const KEY_ALGORITHMS: &[&str] = &[
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
    "ssh-dss",
    "rsa-sha2-256-cert-v01@openssh.com",
    "ssh-rsa-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
];
const LOG_LEVELS: &[&str] =
    &["QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3", "SILENT"];
const FACILITIES: &[&str] = &[
    "DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6",
    "LOCAL7", "KERN", "MAIL",
];
const CHANNEL_TYPES: &[&str] = &[
    "session",
    "agent-connection",
    "direct-tcpip",
    "direct-streamlocal@openssh.com",
    "forwarded-tcpip",
    "forwarded-streamlocal@openssh.com",
    "x11-connection",
    "tun-connection",
    "session:shell",
    "session:command",
    "session:subsystem:sftp",
    "*",
    "global",
];

/// Match criteria that sshd 9.2 accepts.
const CRITERIA: &[&str] = &[
    "User alice",
    "User bob,carol",
    "User !root,*",
    "User *,!root",
    "User al*",
    "User ALICE",
    "User root",
    "User !alice",
    "User=bob",
    "Group sudo",
    "Group wheel,!nogroup",
    "Group sshusers",
    "Group users",
    "Group nosuchgroup",
    "Host h.example",
    "Host *.example",
    "Host !bad.example,*",
    "Address 192.0.2.0/24",
    "Address 198.51.100.*",
    "Address 2001:db8::/32",
    "Address !192.0.2.5,192.0.2.0/24",
    "Address 10.0.0.0/8",
    "Address 192.0.2.10",
    "Address *",
    "LocalAddress 198.51.100.1",
    "LocalAddress 198.51.100.0/24",
    "LocalAddress 2001:db8::1",
    "LocalPort 22",
    "LocalPort 2222",
    "RDomain x",
    "RDomain *",
];

/// Match lines sshd 9.2 rejects (faults).
const BAD_MATCH: &[&str] = &[
    "Match Address 192.0.2.0/33",
    "Match Address 192.0.2.1/24",
    "Match Foo bar",
    "Match User",
    "Match All User alice",
    "Match LocalPort abc",
    "Match",
    "Match User alice Bar",
    "Match LocalAddress 2001:db8::/129",
];

const USERS: &[&str] = &["alice", "bob", "carol", "root"];
const ADDRS: &[&str] = &[
    "192.0.2.5",
    "192.0.2.10",
    "192.0.2.200",
    "198.51.100.7",
    "198.51.100.1",
    "2001:db8::1",
    "2001:db8:1::42",
    "10.1.2.3",
];
const HOSTS: &[&str] = &["h.example", "other.example", "bad.example"];
const LADDRS: &[&str] = &["198.51.100.1", "2001:db8::1", "192.0.2.1"];

/// Faults a case can carry; each makes sshd refuse the configuration in most contexts.
#[derive(Clone, Copy, Debug)]
enum Fault {
    InvalidValue,
    Misspelt,
    GlobalInMatch,
    BadMatch,
    MissingArgument,
    ExtraArgument,
    UnbalancedQuote,
}

const FAULTS: &[Fault] = &[
    Fault::InvalidValue,
    Fault::InvalidValue,
    Fault::InvalidValue,
    Fault::Misspelt,
    Fault::GlobalInMatch,
    Fault::BadMatch,
    Fault::MissingArgument,
    Fault::ExtraArgument,
    Fault::UnbalancedQuote,
];

struct Gen {
    rng: Rng,
}

/// One file being built.
#[derive(Default)]
struct File {
    lines: Vec<String>,
}

impl Gen {
    /// Applies random cosmetic variations sshd ignores: keyword case, separator, quoting,
    /// indentation, trailing comments.
    fn line(&mut self, keyword: &str, value: &str, indent: bool) -> String {
        let rng = &mut self.rng;
        let keyword = match rng.below(100) {
            0..=69 => keyword.to_string(),
            70..=84 => keyword.to_ascii_lowercase(),
            85..=94 => keyword.to_ascii_uppercase(),
            _ => keyword
                .chars()
                .map(|c| if rng.percent(50) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect(),
        };
        let keyword = if rng.percent(2) { format!("\"{keyword}\"") } else { keyword };
        let sep = *rng.pick(&[" ", " ", " ", " ", " ", " ", " ", "\t", "=", " = ", "  ", " =", "= "]);
        let plain_token = !value.is_empty()
            && !value.contains([' ', '"', '\'', '#'])
            && !keyword.eq_ignore_ascii_case("ForceCommand")
            && !keyword.eq_ignore_ascii_case("AuthorizedKeysCommand");
        let value = if plain_token && rng.percent(8) {
            format!("\"{value}\"")
        } else if plain_token && rng.percent(3) {
            format!("'{value}'")
        } else {
            value.to_string()
        };
        let lead = if indent {
            *rng.pick(&["\t", "  ", "    ", ""])
        } else {
            *rng.pick(&["", "", "", "", "", "", "", "", " ", "\t"])
        };
        let trail = match rng.below(100) {
            0..=3 => " # note",
            4..=5 => "   ",
            6 => "\t",
            // A form feed is trailing whitespace; a NUL ends the line.
            7 => " \x0c",
            8 => "\0 junk after a NUL",
            _ => "",
        };
        format!("{lead}{keyword}{sep}{value}{trail}")
    }

    /// A directive from the keyword's pool of valid values or, for a fifth of them, a value
    /// built at random (which may or may not be valid: sshd decides).
    fn valid_directive(&mut self, in_match: bool, indent: bool) -> String {
        let pool: Vec<&Keyword> = KEYWORDS.iter().filter(|k| !in_match || k.in_match).collect();
        let k = *self.rng.pick(&pool);
        let value = match self.rng.percent(20) {
            true => self.fuzz_value(k.name),
            false => None,
        };
        let value = value.unwrap_or_else(|| self.rng.pick(k.valid).to_string());
        self.line(k.name, &value, indent)
    }

    /// A random value for the keywords whose grammar invites it; `None` for the others.
    fn fuzz_value(&mut self, keyword: &str) -> Option<String> {
        let value = match keyword {
            "MaxAuthTries" | "MaxSessions" | "ClientAliveCountMax" | "X11DisplayOffset" | "RequiredRSASize" => {
                self.fuzz_int()
            }
            "LoginGraceTime" | "ClientAliveInterval" => self.fuzz_time(),
            "UnusedConnectionTimeout" => {
                if self.rng.percent(20) {
                    "none".to_string()
                } else {
                    self.fuzz_time()
                }
            }
            "Port" => self.rng.below(70_000).to_string(),
            "MaxStartups" => {
                let (a, b, c) = (self.rng.below(40), self.rng.below(110), self.rng.below(140));
                match self.rng.below(4) {
                    0 => a.to_string(),
                    1 => format!("{a}:{b}"),
                    _ => format!("{a}:{b}:{c}"),
                }
            }
            "PerSourceMaxStartups" => match self.rng.below(3) {
                0 => "none".to_string(),
                _ => self.fuzz_int(),
            },
            "PerSourceNetBlockSize" => {
                let v4 = self.rng.below(36);
                match self.rng.percent(50) {
                    true => v4.to_string(),
                    false => format!("{v4}:{}", self.rng.below(132)),
                }
            }
            "IPQoS" => {
                let first = self.rng.pick(QOS).to_string();
                match self.rng.percent(60) {
                    true => format!("{first} {}", self.rng.pick(QOS)),
                    false => first,
                }
            }
            "RekeyLimit" => {
                let size = match self.rng.below(5) {
                    0 => "default".to_string(),
                    1 => "none".to_string(),
                    _ => format!("{}{}", self.rng.below(5000), self.rng.pick(&["", "K", "M", "G", "k", "m", "g"])),
                };
                match self.rng.percent(50) {
                    true => format!("{size} {}", self.fuzz_time()),
                    false => size,
                }
            }
            "StreamLocalBindMask" => {
                let mask = self.rng.below(0o1000);
                match self.rng.below(3) {
                    0 => format!("{mask:o}"),
                    1 => format!("0{mask:o}"),
                    _ => format!("{mask:04o}"),
                }
            }
            "Ciphers" => self.fuzz_algorithms(CIPHERS),
            "MACs" => self.fuzz_algorithms(MACS),
            "KexAlgorithms" => self.fuzz_algorithms(KEX),
            "HostKeyAlgorithms"
            | "PubkeyAcceptedAlgorithms"
            | "CASignatureAlgorithms"
            | "HostbasedAcceptedAlgorithms" => self.fuzz_algorithms(KEY_ALGORITHMS),
            "LogLevel" => {
                let level = *self.rng.pick(LOG_LEVELS);
                self.random_case(level)
            }
            "SyslogFacility" => {
                let facility = *self.rng.pick(FACILITIES);
                self.random_case(facility)
            }
            "ChannelTimeout" => {
                let n = self.rng.range(1, 3);
                let parts: Vec<String> =
                    (0..n).map(|_| format!("{}={}", self.rng.pick(CHANNEL_TYPES), self.fuzz_time())).collect();
                parts.join(" ")
            }
            "AllowUsers" | "DenyUsers" => {
                let n = self.rng.range(1, 3);
                let parts: Vec<String> = (0..n).map(|_| self.fuzz_user_pattern()).collect();
                parts.join(" ")
            }
            "PermitOpen" | "PermitListen" => {
                let host = self.rng.pick(&["", "localhost:", "*:", "192.0.2.1:", "[2001:db8::1]:", "h.example:"]);
                let port = match self.rng.below(4) {
                    0 => "*".to_string(),
                    _ => self.rng.below(70_000).to_string(),
                };
                format!("{host}{port}")
            }
            "SetEnv" => format!(
                "{}={}",
                self.rng.pick(&["FOO", "LANG", "A_B", "x"]),
                self.rng.pick(&["", "1", "a=b", "\"q r\""])
            ),
            _ => return None,
        };
        Some(value)
    }

    fn fuzz_int(&mut self) -> String {
        match self.rng.below(10) {
            0 => format!("-{}", self.rng.below(10)),
            1 => self
                .rng
                .pick(&["2147483647", "2147483648", "4294967296", "0x10", "010", "+3", "1e3", "3.5"])
                .to_string(),
            2..=4 => self.rng.below(10).to_string(),
            _ => self.rng.below(5000).to_string(),
        }
    }

    fn fuzz_time(&mut self) -> String {
        let n = self.rng.range(1, 3);
        let mut out = String::new();
        for _ in 0..n {
            out.push_str(&self.rng.below(100).to_string());
            let unit = *self.rng.pick(TIME_UNITS);
            out.push_str(unit);
        }
        out
    }

    /// One to three names (an unknown one now and then, wildcards for removals), with a
    /// `+`, `-` or `^` prefix or none.
    fn fuzz_algorithms(&mut self, names: &[&str]) -> String {
        let prefix = *self.rng.pick(&["", "", "+", "-", "^"]);
        let n = self.rng.range(1, 3);
        let mut parts = Vec::new();
        for _ in 0..n {
            let name = match self.rng.percent(8) {
                true => "no-such-algorithm".to_string(),
                false => self.rng.pick(names).to_string(),
            };
            let name = match (prefix, self.rng.percent(20), name.find('-')) {
                ("-", true, Some(at)) => format!("{}*", &name[..at]),
                _ => name,
            };
            parts.push(name);
        }
        format!("{prefix}{}", parts.join(","))
    }

    fn fuzz_user_pattern(&mut self) -> String {
        let user = *self.rng.pick(&["alice", "bob", "*", "!root", "a?ice", "root", "*o*"]);
        match self.rng.below(5) {
            0 => format!("{user}@{}", self.rng.pick(&["h.example", "*.example", "192.0.2.*", "!10.*"])),
            1 => format!("{user}@192.0.2.0/{}", self.rng.below(36)),
            2 => format!("{user}@2001:db8::/{}", self.rng.below(132)),
            _ => user.to_string(),
        }
    }

    fn random_case(&mut self, word: &str) -> String {
        match self.rng.below(3) {
            0 => word.to_ascii_lowercase(),
            1 => word.to_ascii_uppercase(),
            _ => word.to_string(),
        }
    }

    fn filler(&mut self, file: &mut File) {
        let rng = &mut self.rng;
        match rng.below(100) {
            0..=5 => file.lines.push(String::new()),
            6..=9 => file.lines.push("# managed by the generator".into()),
            10..=11 => file.lines.push("#Port 2222".into()),
            12 => file.lines.push("   # indented comment".into()),
            13 => file.lines.push("\t".into()),
            _ => {}
        }
    }

    /// A fault line for a global (`in_match == false`) or Match context.
    fn fault_line(&mut self, fault: Fault, in_match: bool, indent: bool) -> String {
        match fault {
            Fault::InvalidValue => {
                let pool: Vec<&Keyword> =
                    KEYWORDS.iter().filter(|k| !k.invalid.is_empty() && (!in_match || k.in_match)).collect();
                let k = *self.rng.pick(&pool);
                let value = *self.rng.pick(k.invalid);
                self.line(k.name, value, indent)
            }
            Fault::Misspelt => self.rng.pick(MISSPELT).to_string(),
            Fault::GlobalInMatch => {
                let pool: Vec<&Keyword> = KEYWORDS.iter().filter(|k| !k.in_match).collect();
                let k = *self.rng.pick(&pool);
                let value = *self.rng.pick(k.valid);
                self.line(k.name, value, indent)
            }
            Fault::BadMatch => self.rng.pick(BAD_MATCH).to_string(),
            Fault::MissingArgument => {
                let pool: Vec<&Keyword> = KEYWORDS.iter().filter(|k| !in_match || k.in_match).collect();
                let k = *self.rng.pick(&pool);
                let sep = *self.rng.pick(&["", " ", "=", " # nothing"]);
                format!("{}{sep}", k.name)
            }
            Fault::ExtraArgument => {
                let k = *self.rng.pick(&[
                    "PasswordAuthentication yes no",
                    "Port 22 23",
                    "MaxAuthTries 3 4",
                    "LogLevel INFO VERBOSE",
                    "PermitRootLogin no yes",
                    "Banner /a /b",
                ]);
                let (name, value) = k.split_once(' ').unwrap_or((k, ""));
                self.line(name, value, indent)
            }
            Fault::UnbalancedQuote => {
                let k = *self.rng.pick(&[
                    "Banner \"/etc/issue",
                    "AllowUsers 'alice",
                    "PasswordAuthentication \"no",
                    "AcceptEnv LANG \"LC_*",
                ]);
                let (name, value) = k.split_once(' ').unwrap_or((k, ""));
                format!("{name} {value}")
            }
        }
    }

    fn match_line(&mut self) -> String {
        let rng = &mut self.rng;
        if rng.percent(8) {
            return (*rng.pick(&["Match All", "Match all", "match ALL"])).to_string();
        }
        let n = if rng.percent(70) { 1 } else { 2 };
        let mut parts = Vec::new();
        for _ in 0..n {
            parts.push(rng.pick(CRITERIA).to_string());
        }
        let trail = if rng.percent(5) { " # why" } else { "" };
        let keyword = *rng.pick(&["Match", "Match", "Match", "match", "MATCH"]);
        format!("{keyword} {}{trail}", parts.join(" "))
    }

    /// 2–4 distinct specs.
    fn specs(&mut self) -> Vec<String> {
        let n = self.rng.range(2, 4);
        let mut specs: Vec<String> = Vec::new();
        while specs.len() < n {
            let spec = self.spec();
            if !specs.contains(&spec) {
                specs.push(spec);
            }
        }
        specs
    }

    fn spec(&mut self) -> String {
        let rng = &mut self.rng;
        if rng.percent(12) {
            return String::new();
        }
        let mut parts = Vec::new();
        if rng.percent(95) {
            parts.push(format!("user={}", rng.pick(USERS)));
        }
        if rng.percent(85) {
            parts.push(format!("addr={}", rng.pick(ADDRS)));
        }
        if rng.percent(40) {
            parts.push(format!("host={}", rng.pick(HOSTS)));
        }
        if rng.percent(40) {
            parts.push(format!("laddr={}", rng.pick(LADDRS)));
        }
        if rng.percent(85) {
            parts.push(format!("lport={}", rng.pick(&["22", "2222"])));
        }
        if rng.percent(10) {
            parts.push("rdomain=x".to_string());
        }
        if parts.is_empty() {
            parts.push("user=alice".to_string());
        }
        // sshd accepts the fields in any order.
        for i in (1..parts.len()).rev() {
            let j = rng.below(i + 1);
            parts.swap(i, j);
        }
        parts.join(",")
    }
}

/// Where faults may go.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Global,
    Match,
}

/// Builds case number `index` of the run seeded with `seed`.
pub fn generate_case(seed: u64, index: usize) -> Case {
    let mut g = Gen { rng: Rng::for_item(seed, index as u64) };
    let mut case = Case::new(format!("gen-{index:05}"));

    // Random values are invalid now and then, so about 60% of cases get no deliberate fault;
    // that keeps sshd's accept/refuse mix near even.
    let fault_count = match g.rng.below(100) {
        0..=61 => 0,
        62..=91 => 1,
        _ => 2,
    };
    let mut faults: Vec<(Fault, Slot, usize)> = (0..fault_count)
        .map(|_| {
            let fault = *g.rng.pick(FAULTS);
            let slot = match fault {
                Fault::GlobalInMatch | Fault::BadMatch => Slot::Match,
                _ if g.rng.percent(30) => Slot::Match,
                _ => Slot::Global,
            };
            (fault, slot, g.rng.below(4))
        })
        .collect();

    // The include layout.
    let layout = g.rng.below(100);
    let dropin_dir = "etc/ssh/sshd_config.d";
    let mut files: Vec<(String, File)> = vec![("etc/ssh/sshd_config".to_string(), File::default())];
    let mut main_head = Vec::new();
    if layout >= 30 {
        let include = match g.rng.below(6) {
            0 => "Include sshd_config.d/*.conf",
            1 => "include /etc/ssh/sshd_config.d/*",
            2 => "Include=/etc/ssh/sshd_config.d/*.conf",
            _ => "Include /etc/ssh/sshd_config.d/*.conf",
        };
        main_head.push(include.to_string());
        let names = ["00-first.conf", "10-a.conf", "2-b.conf", "50-cloud-init.conf", "99-last.conf", "Z.conf"];
        let count = g.rng.range(1, 3);
        let mut chosen: Vec<&str> = Vec::new();
        while chosen.len() < count {
            let name = *g.rng.pick(&names);
            if !chosen.contains(&name) {
                chosen.push(name);
            }
        }
        for name in chosen {
            files.push((format!("{dropin_dir}/{name}"), File::default()));
        }
        if g.rng.percent(15) {
            // Not matched by `*.conf` globs.
            case.file(format!("{dropin_dir}/ignored.conf.bak"), "Bogus yes\n");
        }
    }
    if layout >= 70 && files.len() > 1 {
        // A nested include from the first drop-in.
        let (line, path) = match g.rng.below(4) {
            0 => ("Include extra.conf", "etc/ssh/extra.conf"),
            1 => ("Include /etc/ssh/extra/*.conf", "etc/ssh/extra/1.conf"),
            2 => ("Include /etc/ssh/extra/[0-9]*.conf", "etc/ssh/extra/5.conf"),
            _ => ("Include missing-file.conf /etc/ssh/extra/*.conf", "etc/ssh/extra/x.conf"),
        };
        files[1].1.lines.push(line.to_string());
        files.push((path.to_string(), File::default()));
    }
    if g.rng.percent(5) {
        main_head.push("Include /etc/ssh/does-not-exist/*.conf".to_string());
    }

    // Global directives spread over the files, then Match blocks at the end of some files.
    let file_count = files.len();
    for (f, (_, file)) in files.iter_mut().enumerate() {
        let late_include = f == 0 && g.rng.percent(25);
        if f == 0 && !late_include {
            file.lines.append(&mut main_head);
        }
        let count = if f == 0 { g.rng.range(2, 8) } else { g.rng.range(1, 4) };
        for _ in 0..count {
            g.filler(file);
            let roll = g.rng.below(100);
            let line = if roll < 6 { g.rng.pick(OLD_KEYWORDS).to_string() } else { g.valid_directive(false, false) };
            file.lines.push(line);
            if g.rng.percent(12) {
                // The same keyword again, maybe with another value.
                let again = file.lines.last().cloned().unwrap_or_default();
                let keyword = again.split([' ', '\t', '=']).find(|t| !t.is_empty()).unwrap_or("");
                let keyword = keyword.trim_matches('"');
                if let Some(k) = KEYWORDS.iter().find(|k| k.name.eq_ignore_ascii_case(keyword)) {
                    let value = *g.rng.pick(k.valid);
                    let line = g.line(k.name, value, false);
                    file.lines.push(line);
                }
            }
        }
        if late_include {
            // After the main file's own settings, which therefore win over the drop-ins'.
            file.lines.append(&mut main_head);
        }
        // Global faults go into a random file.
        for (fault, slot, target) in faults.iter_mut() {
            if *slot == Slot::Global && *target % file_count == f {
                let line = g.fault_line(*fault, false, false);
                let at = g.rng.below(file.lines.len() + 1);
                file.lines.insert(at, line);
                *target = usize::MAX;
            }
        }
    }
    let mut match_faults: Vec<Fault> = faults
        .iter()
        .filter(|(_, slot, target)| *slot == Slot::Match && *target != usize::MAX)
        .map(|(fault, _, _)| *fault)
        .collect();
    let mut blocks = if match_faults.is_empty() { g.rng.below(4) } else { g.rng.range(1, 3) };
    let mut match_include = 0;
    while blocks > 0 {
        blocks -= 1;
        let f = if g.rng.percent(70) { 0 } else { g.rng.below(file_count) };
        let fault = if blocks == 0 || g.rng.percent(50) { match_faults.pop() } else { None };
        let header = match fault {
            Some(Fault::BadMatch) => g.fault_line(Fault::BadMatch, true, false),
            _ => g.match_line(),
        };
        let mut body = Vec::new();
        for _ in 0..g.rng.range(1, 4) {
            let line = g.valid_directive(true, true);
            body.push(line);
        }
        if let Some(fault) = fault.filter(|f| !matches!(f, Fault::BadMatch)) {
            let line = g.fault_line(fault, true, true);
            let at = g.rng.below(body.len() + 1);
            body.insert(at, line);
        }
        if g.rng.percent(15) {
            match_include += 1;
            let path = format!("etc/ssh/match-{match_include}.conf");
            body.push(format!("\tInclude /{path}"));
            let mut inc = File::default();
            for _ in 0..g.rng.range(1, 2) {
                let line = g.valid_directive(true, false);
                inc.lines.push(line);
            }
            if g.rng.percent(25) {
                // A Match inside an included file ends at that file's end.
                inc.lines.push(g.match_line());
                let line = g.valid_directive(true, true);
                inc.lines.push(line);
            }
            case.file(path, render(&inc, false));
        }
        let file = &mut files[f].1;
        file.lines.push(header);
        file.lines.extend(body);
    }
    // A Match-slot fault left over (more faults than blocks) goes at the end of the main file,
    // which is inside its last Match block when it has one.
    for fault in match_faults {
        let line = g.fault_line(fault, false, false);
        files[0].1.lines.push(line);
    }

    for (path, file) in &files {
        let crlf = g.rng.percent(4);
        case.file(path.clone(), render(file, crlf));
    }
    case.specs = g.specs();
    case
}

fn render(file: &File, crlf: bool) -> Vec<u8> {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    for line in &file.lines {
        out.push_str(line);
        out.push_str(eol);
    }
    out.into_bytes()
}
