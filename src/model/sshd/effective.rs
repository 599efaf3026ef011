//! The configuration sshd uses for one connection: global values, overridden by every value
//! the matching Match blocks set (`copy_set_server_options`), with compiled-in defaults for
//! the rest. Lists from Match blocks replace global lists; Subsystems merge by name (9.5+).

use super::algorithms::{self, AlgClass};
use super::eval::{self, HostFacts, Startup};
use super::keywords::Opt;
use super::load::Loaded;
use super::matching::Connection;
use super::settings::{self, Setting, Settings, Val};
use super::version::Version;
use crate::source::Location;

/// Effective settings for one evaluation.
#[derive(Clone, Debug)]
pub struct Effective {
    pub version: Version,
    /// A Debian/Ubuntu build (see `HostFacts::debian`).
    pub debian: bool,
    pub set: Settings,
}

/// The global configuration (what `sshd -T` prints without `-C`, minus Match all effects that
/// the blank test connection applies).
pub fn global(startup: &Startup, host: &HostFacts) -> Effective {
    Effective { version: host.version, debian: host.debian, set: startup.settings.clone() }
}

/// The configuration for `conn`, or the fatal message sshd's test mode stops with.
pub fn for_connection(
    loaded: &Loaded,
    host: &HostFacts,
    startup: &Startup,
    conn: &Connection,
) -> Result<Effective, String> {
    let matched = eval::connection_pass(loaded, host, conn)?;
    let mut set = startup.settings.clone();
    clear_on_none(&mut set, host.version);
    copy_set(&mut set, matched, host.version);
    let e = Effective { version: host.version, debian: host.debian, set };
    // assemble_algorithms runs again after the copy: a Match value that leaves no usable
    // algorithm is fatal for this connection.
    if let Some((opt, spec)) = e.unusable_algorithms().into_iter().next() {
        return Err(format!("`{} {spec}` leaves no algorithm this release supports", opt.canonical()));
    }
    Ok(e)
}

/// `fill_default_server_options` turns a global `ChannelTimeout none` and
/// `AuthenticationMethods any` into "unset" (values copied from Match blocks stay as written).
fn clear_on_none(set: &mut Settings, v: Version) {
    // 10.3: `AuthorizedKeysFile none` leaves no file at all.
    if v.at_least(10, 3)
        && let Some(s) = set.get(Opt::AuthorizedKeysFile)
        && matches!(&s.val, Val::List(l) if l.len() == 1 && l[0].eq_ignore_ascii_case("none"))
    {
        let at = s.at.clone();
        set.set_with(Opt::AuthorizedKeysFile, Setting { val: Val::List(Vec::new()), at });
    }
    for (opt, word) in [(Opt::ChannelTimeout, "none"), (Opt::AuthenticationMethods, "any")] {
        if set.list(opt).is_some_and(|l| l.len() == 1 && l[0].eq_ignore_ascii_case(word)) {
            set.clear(opt);
        }
    }
}

/// `copy_set_server_options`: every option a matching block set wins over the global one.
fn copy_set(dst: &mut Settings, src: Settings, v: Version) {
    for (i, s) in src.iter() {
        let opt = opt_from_index(i);
        match (opt, &s.val) {
            (Opt::Subsystem, Val::Subsystems(new)) if v.at_least(9, 5) => {
                let mut merged = match dst.get(opt) {
                    Some(Setting { val: Val::Subsystems(l), at }) => (l.clone(), at.clone()),
                    _ => (Vec::new(), Vec::new()),
                };
                for (sub, loc) in new.iter().zip(&s.at) {
                    match merged.0.iter().position(|x| x.name == sub.name) {
                        Some(p) => {
                            merged.0[p] = sub.clone();
                            merged.1[p] = *loc;
                        }
                        None => {
                            merged.0.push(sub.clone());
                            merged.1.push(*loc);
                        }
                    }
                }
                dst.set_with(opt, Setting { val: Val::Subsystems(merged.0), at: merged.1 });
            }
            (Opt::RekeyLimit, Val::Nums(new)) => {
                // Limit and interval are separate fields; an unset one (-1) keeps the global.
                let mut merged = dst.nums(opt).map(<[i64]>::to_vec).unwrap_or_else(|| vec![-1, -1]);
                for (m, &n) in merged.iter_mut().zip(new) {
                    if n != -1 {
                        *m = n;
                    }
                }
                dst.set_with(opt, Setting { val: Val::Nums(merged), at: s.at.clone() });
            }
            _ if copied_from_match(opt, v) => dst.set_with(opt, s.clone()),
            // Not in copy_set_server_options: a global-only keyword after `Match all`.
            _ => {}
        }
    }
}

/// The options `copy_set_server_options` copies from matching blocks.
fn copied_from_match(opt: Opt, v: Version) -> bool {
    use Opt::*;
    match opt {
        PasswordAuthentication
        | GSSAPIAuthentication
        | PubkeyAuthentication
        | PubkeyAuthOptions
        | KerberosAuthentication
        | HostbasedAuthentication
        | HostbasedUsesNameFromPacketOnly
        | KbdInteractiveAuthentication
        | PermitRootLogin
        | PermitEmptyPasswords
        | IgnoreRhosts
        | AllowTcpForwarding
        | AllowStreamLocalForwarding
        | AllowAgentForwarding
        | DisableForwarding
        | ExposeAuthInfo
        | PermitTunnel
        | GatewayPorts
        | StreamLocalBindUnlink
        | X11DisplayOffset
        | X11Forwarding
        | X11UseLocalhost
        | PermitTTY
        | PermitUserRC
        | MaxSessions
        | MaxAuthTries
        | ClientAliveCountMax
        | ClientAliveInterval
        | IPQoS
        | RekeyLimit
        | LogLevel
        | RequiredRSASize
        | UnusedConnectionTimeout
        | StreamLocalBindMask
        | Banner
        | TrustedUserCAKeys
        | RevokedKeys
        | AuthorizedKeysCommand
        | AuthorizedKeysCommandUser
        | AuthorizedPrincipalsFile
        | AuthorizedPrincipalsCommand
        | AuthorizedPrincipalsCommandUser
        | HostbasedAcceptedAlgorithms
        | PubkeyAcceptedAlgorithms
        | CASignatureAlgorithms
        | RDomain
        | AuthorizedKeysFile
        | AllowUsers
        | DenyUsers
        | AllowGroups
        | DenyGroups
        | AcceptEnv
        | SetEnv
        | AuthenticationMethods
        | PermitOpen
        | PermitListen
        | ChannelTimeout
        | LogVerbose
        | ForceCommand
        | ChrootDirectory => true,
        Subsystem => v.at_least(9, 5),
        RefuseConnection => v.at_least(9, 9),
        PAMServiceName => v.at_least(9, 8),
        GSSAPIDelegateCredentials => v.at_least(10, 3),
        _ => false,
    }
}

fn opt_from_index(i: usize) -> Opt {
    super::keyword_data::ALL_OPTS[i]
}

impl Effective {
    /// The stored or default value.
    pub fn value(&self, opt: Opt) -> Option<Val> {
        self.set.get(opt).map(|s| s.val.clone()).or_else(|| settings::default_value(opt, self.version, self.debian))
    }
    /// Where the value was set, `None` for a default.
    pub fn origin(&self, opt: Opt) -> Option<Location> {
        self.set.get(opt).and_then(|s| s.at.first().copied())
    }
    pub fn num(&self, opt: Opt) -> i64 {
        match self.value(opt) {
            Some(Val::Num(n)) => n,
            _ => 0,
        }
    }
    pub fn flag(&self, opt: Opt) -> bool {
        self.num(opt) != 0
    }
    pub fn nums(&self, opt: Opt) -> Vec<i64> {
        match self.value(opt) {
            Some(Val::Nums(n)) => n,
            _ => Vec::new(),
        }
    }
    pub fn list(&self, opt: Opt) -> Vec<String> {
        match self.value(opt) {
            Some(Val::List(l)) => l,
            _ => Vec::new(),
        }
    }
    pub fn text(&self, opt: Opt) -> Option<String> {
        match self.value(opt) {
            Some(Val::Text(t)) => Some(t),
            _ => None,
        }
    }
    /// An algorithm list after `+`/`-`/`^` assembly against the release's defaults.
    pub fn algorithms(&self, opt: Opt) -> Vec<String> {
        let class = AlgClass::of(opt);
        let spec = self.text(opt).unwrap_or_default();
        algorithms::assemble(class, self.version, &spec)
            .unwrap_or_else(|_| algorithms::server_default(class, self.version).iter().map(|s| s.to_string()).collect())
    }
    /// Algorithm options whose configured value assembles to nothing sshd accepts.
    pub fn unusable_algorithms(&self) -> Vec<(Opt, String)> {
        let mut out = Vec::new();
        for opt in [
            Opt::Ciphers,
            Opt::MACs,
            Opt::KexAlgorithms,
            Opt::HostKeyAlgorithms,
            Opt::PubkeyAcceptedAlgorithms,
            Opt::HostbasedAcceptedAlgorithms,
            Opt::CASignatureAlgorithms,
        ] {
            let class = AlgClass::of(opt);
            let Some(spec) = self.set.text(opt) else { continue };
            if algorithms::assemble(class, self.version, spec).is_err() {
                out.push((opt, spec.to_string()));
            }
        }
        out
    }

    /// The ports sshd listens on (Port lines, or 22).
    pub fn ports(&self) -> Vec<u16> {
        self.nums(Opt::Port).into_iter().filter_map(|p| u16::try_from(p).ok()).collect()
    }
    /// `AuthenticationMethods` lists (empty = `any`).
    pub fn auth_methods(&self) -> Vec<String> {
        let l = self.list(Opt::AuthenticationMethods);
        if l.len() == 1 && l[0] == "any" { Vec::new() } else { l }
    }
}
