//! Rendering effective settings exactly as `sshd -T` prints them (servconf.c `dump_config`) for
//! a Debian-patched build of the target release: keyword spelling, order, value formatting,
//! listen addresses expanded with ports, one line per accumulated value.

use super::effective::Effective;
use super::keywords::Opt;
use super::settings::{self, Listen, Val};
use super::version::Version;
use crate::syntax::values::ip_numeric;
use std::fmt::Write;
use std::net::IpAddr;

/// How to turn a name into addresses for `ListenAddress` (the host's /etc/hosts).
pub type Resolver<'a> = &'a dyn Fn(&str) -> Option<Vec<IpAddr>>;

/// Why the listen addresses cannot be rendered (sshd: "bad addr or host").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadListen(pub String);

/// Every address sshd would bind, in `sshd -T` order.
pub fn listen_addresses(e: &Effective, resolve: Resolver) -> Result<Vec<(IpAddr, u16)>, BadListen> {
    let family = e.num(Opt::AddressFamily);
    let ports = e.ports();
    let entries: Vec<Listen> = match e.value(Opt::ListenAddress) {
        Some(Val::Listen(l)) if !l.is_empty() => l,
        _ => vec![Listen { host: String::new(), port: None, rdomain: None }],
    };
    let mut out = Vec::new();
    for entry in &entries {
        let addrs: Vec<IpAddr> = if entry.host.is_empty() {
            let mut v = Vec::new();
            if family != 10 {
                v.push(IpAddr::from([0, 0, 0, 0]));
            }
            if family != 2 {
                v.push(IpAddr::from([0u16; 8]));
            }
            v
        } else {
            let found = ip_numeric(&entry.host).map(|ip| vec![ip]).or_else(|| resolve(&entry.host));
            let Some(found) = found else {
                return Err(BadListen(format!("`ListenAddress {}` does not resolve", entry.host)));
            };
            let filtered: Vec<IpAddr> =
                found.into_iter().filter(|ip| family == 0 || (family == 2) == ip.is_ipv4()).collect();
            if filtered.is_empty() {
                return Err(BadListen(format!(
                    "`ListenAddress {}` has no address in the configured AddressFamily",
                    entry.host
                )));
            }
            filtered
        };
        let entry_ports: Vec<u16> = match entry.port {
            Some(p) => vec![p],
            None => ports.clone(),
        };
        for p in entry_ports {
            // getaddrinfo's list is pushed onto a stack and printed back to front.
            for ip in addrs.iter().rev() {
                out.push((*ip, p));
            }
        }
    }
    Ok(out)
}

/// The full `sshd -T` text.
pub fn dump(e: &Effective, resolve: Resolver) -> Result<String, BadListen> {
    let v = e.version;
    let mut o = String::new();
    let name = |opt: Opt| opt.dump_name(v);
    let yn = |b: i64| match b {
        0 => "no",
        1 => "yes",
        _ => "UNKNOWN",
    };
    macro_rules! line {
        ($($arg:tt)*) => {{
            let _ = writeln!(o, $($arg)*);
        }};
    }
    let int = |o: &mut String, opt: Opt| {
        let _ = writeln!(o, "{} {}", name(opt), e.num(opt));
    };
    let flag = |o: &mut String, opt: Opt| {
        let _ = writeln!(o, "{} {}", name(opt), yn(e.num(opt)));
    };
    let multi = |o: &mut String, opt: Opt| {
        let table = settings::multistate(opt, v).unwrap_or(&settings::FLAG);
        let _ = writeln!(o, "{} {}", name(opt), table.format(e.num(opt)));
    };
    let string = |o: &mut String, opt: Opt| {
        let s = e.text(opt);
        let shown = match s.as_deref() {
            None => "none",
            Some(t) if clears_on_none(opt) && t.eq_ignore_ascii_case("none") => "none",
            Some(t) => t,
        };
        let _ = writeln!(o, "{} {}", name(opt), shown);
    };
    let algs = |o: &mut String, opt: Opt| {
        let _ = writeln!(o, "{} {}", name(opt), e.algorithms(opt).join(","));
    };
    let array = |o: &mut String, opt: Opt| {
        for item in e.list(opt) {
            let _ = writeln!(o, "{} {}", name(opt), item);
        }
    };
    let oneline = |o: &mut String, opt: Opt, empty: Option<&str>| {
        let items = e.list(opt);
        if items.is_empty() {
            if let Some(word) = empty {
                let _ = writeln!(o, "{} {}", name(opt), word);
            }
            return;
        }
        let _ = writeln!(o, "{} {}", name(opt), items.join(" "));
    };

    for p in e.ports() {
        line!("{} {}", lower(v, "port", "Port"), p);
    }
    multi(&mut o, Opt::AddressFamily);
    for (ip, port) in listen_addresses(e, resolve)? {
        match ip {
            IpAddr::V6(a) => line!("{} [{}]:{}", lower(v, "listenaddress", "ListenAddress"), a, port),
            IpAddr::V4(a) => line!("{} {}:{}", lower(v, "listenaddress", "ListenAddress"), a, port),
        }
    }
    flag(&mut o, Opt::UsePAM);
    if v.at_least(9, 8) {
        let pam = e.text(Opt::PAMServiceName).unwrap_or_else(|| "sshd".into());
        line!("{} {}", name(Opt::PAMServiceName), pam);
    }
    int(&mut o, Opt::LoginGraceTime);
    int(&mut o, Opt::X11DisplayOffset);
    int(&mut o, Opt::MaxAuthTries);
    int(&mut o, Opt::MaxSessions);
    int(&mut o, Opt::ClientAliveInterval);
    int(&mut o, Opt::ClientAliveCountMax);
    int(&mut o, Opt::RequiredRSASize);
    line!("{} 0{:o}", name(Opt::StreamLocalBindMask), e.num(Opt::StreamLocalBindMask));
    match e.num(Opt::UnusedConnectionTimeout) {
        0 => line!("{} none", name(Opt::UnusedConnectionTimeout)),
        n => line!("{} {}", name(Opt::UnusedConnectionTimeout), n),
    }
    multi(&mut o, Opt::PermitRootLogin);
    multi(&mut o, Opt::IgnoreRhosts);
    flag(&mut o, Opt::IgnoreUserKnownHosts);
    flag(&mut o, Opt::HostbasedAuthentication);
    flag(&mut o, Opt::HostbasedUsesNameFromPacketOnly);
    flag(&mut o, Opt::PubkeyAuthentication);
    flag(&mut o, Opt::KerberosAuthentication);
    flag(&mut o, Opt::KerberosOrLocalPasswd);
    flag(&mut o, Opt::KerberosTicketCleanup);
    flag(&mut o, Opt::GSSAPIAuthentication);
    flag(&mut o, Opt::GSSAPICleanupCredentials);
    if v.at_least(10, 3) {
        flag(&mut o, Opt::GSSAPIDelegateCredentials);
    }
    if e.debian {
        flag(&mut o, Opt::GSSAPIKeyExchange);
    }
    if e.debian || v.at_least(10, 3) {
        flag(&mut o, Opt::GSSAPIStrictAcceptorCheck);
    }
    if e.debian {
        flag(&mut o, Opt::GSSAPIStoreCredentialsOnRekey);
        line!("{} {}", name(Opt::GSSAPIKexAlgorithms), e.algorithms(Opt::GSSAPIKexAlgorithms).join(","));
    }
    flag(&mut o, Opt::PasswordAuthentication);
    flag(&mut o, Opt::KbdInteractiveAuthentication);
    flag(&mut o, Opt::PrintMotd);
    flag(&mut o, Opt::PrintLastLog);
    flag(&mut o, Opt::X11Forwarding);
    flag(&mut o, Opt::X11UseLocalhost);
    flag(&mut o, Opt::PermitTTY);
    flag(&mut o, Opt::PermitUserRC);
    flag(&mut o, Opt::StrictModes);
    flag(&mut o, Opt::TCPKeepAlive);
    flag(&mut o, Opt::PermitEmptyPasswords);
    multi(&mut o, Opt::Compression);
    multi(&mut o, Opt::GatewayPorts);
    flag(&mut o, Opt::UseDNS);
    multi(&mut o, Opt::AllowTcpForwarding);
    flag(&mut o, Opt::AllowAgentForwarding);
    flag(&mut o, Opt::DisableForwarding);
    multi(&mut o, Opt::AllowStreamLocalForwarding);
    flag(&mut o, Opt::StreamLocalBindUnlink);
    line!("{} {}", name(Opt::FingerprintHash), settings::FINGERPRINT_HASH.format(e.num(Opt::FingerprintHash)));
    flag(&mut o, Opt::ExposeAuthInfo);
    if v.at_least(9, 9) {
        flag(&mut o, Opt::RefuseConnection);
    }
    string(&mut o, Opt::PidFile);
    string(&mut o, Opt::ModuliFile);
    string(&mut o, Opt::XAuthLocation);
    algs(&mut o, Opt::Ciphers);
    algs(&mut o, Opt::MACs);
    string(&mut o, Opt::Banner);
    string(&mut o, Opt::ForceCommand);
    string(&mut o, Opt::ChrootDirectory);
    string(&mut o, Opt::TrustedUserCAKeys);
    if !v.at_least(10, 3) {
        string(&mut o, Opt::RevokedKeys);
    }
    string(&mut o, Opt::SecurityKeyProvider);
    string(&mut o, Opt::AuthorizedPrincipalsFile);
    let addendum = e.text(Opt::VersionAddendum).unwrap_or_default();
    line!("{} {}", name(Opt::VersionAddendum), if addendum.is_empty() { "none" } else { addendum.as_str() });
    string(&mut o, Opt::AuthorizedKeysCommand);
    string(&mut o, Opt::AuthorizedKeysCommandUser);
    string(&mut o, Opt::AuthorizedPrincipalsCommand);
    string(&mut o, Opt::AuthorizedPrincipalsCommandUser);
    string(&mut o, Opt::HostKeyAgent);
    algs(&mut o, Opt::KexAlgorithms);
    algs(&mut o, Opt::CASignatureAlgorithms);
    algs(&mut o, Opt::HostbasedAcceptedAlgorithms);
    algs(&mut o, Opt::HostKeyAlgorithms);
    algs(&mut o, Opt::PubkeyAcceptedAlgorithms);
    if v.at_least(9, 8) {
        string(&mut o, Opt::SshdSessionPath);
    }
    if v.at_least(10, 0) {
        string(&mut o, Opt::SshdAuthPath);
    }
    if v.at_least(9, 8) {
        string(&mut o, Opt::PerSourcePenaltyExemptList);
    }
    line!("{} {}", name(Opt::LogLevel), settings::LOG_LEVEL.format(e.num(Opt::LogLevel)));
    line!("{} {}", name(Opt::SyslogFacility), settings::SYSLOG_FACILITY.format(e.num(Opt::SyslogFacility)));
    oneline(&mut o, Opt::AuthorizedKeysFile, None);
    if v.at_least(10, 3) {
        oneline(&mut o, Opt::RevokedKeys, None);
    }
    for key in e.list(Opt::HostKey) {
        line!("{} {}", name(Opt::HostKey), if key.eq_ignore_ascii_case("none") { "(null)" } else { key.as_str() });
    }
    array(&mut o, Opt::HostCertificate);
    array(&mut o, Opt::AllowUsers);
    array(&mut o, Opt::DenyUsers);
    array(&mut o, Opt::AllowGroups);
    array(&mut o, Opt::DenyGroups);
    array(&mut o, Opt::AcceptEnv);
    array(&mut o, Opt::SetEnv);
    oneline(&mut o, Opt::AuthenticationMethods, Some("any"));
    oneline(&mut o, Opt::LogVerbose, None);
    // Upstream 9.3 prints `none` for an empty ChannelTimeout; Debian 12's 9.2 prints nothing.
    oneline(&mut o, Opt::ChannelTimeout, if v.at_least(9, 3) { Some("none") } else { None });
    if let Some(Val::Subsystems(subs)) = e.value(Opt::Subsystem) {
        for s in subs {
            line!("{} {} {}", lower(v, "subsystem", "Subsystem"), s.name, s.args);
        }
    }
    let ms = e.nums(Opt::MaxStartups);
    let rate = if ms.get(1).copied().unwrap_or(-1) == -1 { 30 } else { ms[1] };
    line!(
        "{} {}:{}:{}",
        lower(v, "maxstartups", "MaxStartups"),
        ms.first().copied().unwrap_or(10),
        rate,
        ms.get(2).copied().unwrap_or(100)
    );
    match e.num(Opt::PerSourceMaxStartups) {
        n if n == i64::from(i32::MAX) => line!("{} none", lower(v, "persourcemaxstartups", "PerSourceMaxStartups")),
        n => line!("{} {}", lower(v, "persourcemaxstartups", "PerSourceMaxStartups"), n),
    }
    let nb = e.nums(Opt::PerSourceNetBlockSize);
    line!(
        "{} {}:{}",
        lower(v, "persourcenetblocksize", "PerSourceNetBlockSize"),
        nb.first().copied().unwrap_or(32),
        nb.get(1).copied().unwrap_or(128)
    );
    line!("{} {}", name(Opt::PermitTunnel), settings::PERMIT_TUNNEL.format(e.num(Opt::PermitTunnel)));
    let q = e.nums(Opt::IPQoS);
    line!(
        "{} {} {}",
        lower(v, "ipqos", "IPQoS"),
        settings::format_ipqos(q.first().copied().unwrap_or(0x10), v),
        settings::format_ipqos(q.get(1).copied().unwrap_or(0x08), v)
    );
    let rk = e.nums(Opt::RekeyLimit);
    let rk0 = rk.first().copied().filter(|&n| n != -1).unwrap_or(0);
    let rk1 = rk.get(1).copied().filter(|&n| n != -1).unwrap_or(0);
    line!("{} {} {}", lower(v, "rekeylimit", "RekeyLimit"), rk0 as u64, rk1);
    for opt in [Opt::PermitOpen, Opt::PermitListen] {
        let items = e.list(opt);
        line!(
            "{} {}",
            lower(v, opt.canonical().to_ascii_lowercase().as_str(), opt.canonical()),
            if items.is_empty() { "any".to_string() } else { items.join(" ") }
        );
    }
    match e.value(Opt::PermitUserEnvironment) {
        Some(Val::Text(t)) => line!("{} {}", lower(v, "permituserenvironment", "PermitUserEnvironment"), t),
        _ => flag(&mut o, Opt::PermitUserEnvironment),
    }
    let pko = e.num(Opt::PubkeyAuthOptions);
    let mut words = String::new();
    if pko == 0 {
        words.push_str(" none");
    }
    if pko & 1 != 0 {
        words.push_str(" touch-required");
    }
    if pko & 2 != 0 {
        words.push_str(" verify-required");
    }
    line!("{}{}", lower(v, "pubkeyauthoptions", "PubkeyAuthOptions"), words);
    if v.at_least(9, 8) {
        penalties(&mut o, e, v);
    }
    Ok(o)
}

fn penalties(o: &mut String, e: &Effective, v: Version) {
    let entries = e.list(Opt::PerSourcePenalties);
    let get =
        |k: &str| entries.iter().find_map(|x| x.split_once(':').filter(|(a, _)| *a == k).map(|(_, b)| b.to_string()));
    let key = lower(v, "persourcepenalties", "PerSourcePenalties");
    if get("enabled").as_deref() == Some("0") {
        let _ = writeln!(o, "{key} no");
        return;
    }
    let grace_default = if v.at_least(9, 9) { 10.0 } else { 20.0 };
    let time = |k: &str, default: f64| {
        let secs = get(k).and_then(|s| s.parse::<f64>().ok()).unwrap_or(default);
        if v.at_least(10, 3) { format!("{secs:.6}") } else { format!("{}", secs as i64) }
    };
    let num = |k: &str| get(k).unwrap_or_else(|| "65536".into());
    let overflow = get("overflow").unwrap_or_else(|| "permissive".into());
    let overflow6 = get("overflow6").unwrap_or_else(|| overflow.clone());
    let mut line = format!(
        "{key} crash:{} authfail:{} noauth:{}",
        time("crash", 90.0),
        time("authfail", 5.0),
        time("noauth", 1.0)
    );
    if v.at_least(10, 3) {
        line.push_str(&format!(" invaliduser:{}", time("invaliduser", 5.0)));
    }
    line.push_str(&format!(" grace-exceeded:{}", time("grace-exceeded", grace_default)));
    if v.at_least(9, 9) {
        line.push_str(&format!(" refuseconnection:{}", time("refuseconnection", 10.0)));
    }
    line.push_str(&format!(
        " max:{} min:{} max-sources4:{} max-sources6:{} overflow:{overflow} overflow6:{overflow6}",
        time("max", 600.0),
        time("min", 15.0),
        num("max-sources4"),
        num("max-sources6")
    ));
    let _ = writeln!(o, "{line}");
}

/// Keywords printed with a literal name: lower case before 10.4, mixed case after.
fn lower(v: Version, low: &str, mixed: &str) -> String {
    if v.at_least(10, 5) { mixed.to_string() } else { low.to_string() }
}

/// Options whose `none` value is cleared to unset by sshd.
fn clears_on_none(opt: Opt) -> bool {
    matches!(
        opt,
        Opt::PidFile
            | Opt::XAuthLocation
            | Opt::Banner
            | Opt::TrustedUserCAKeys
            | Opt::RevokedKeys
            | Opt::SecurityKeyProvider
            | Opt::AuthorizedPrincipalsFile
            | Opt::ForceCommand
            | Opt::ChrootDirectory
            | Opt::HostKeyAgent
    )
}
