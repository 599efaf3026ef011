//! One host's sshd, assembled: its configuration loaded from the host root (or a lone file),
//! the host facts sshd consults (accounts, services, /etc/hosts), the startup pass, and the
//! checks sshd makes after reading the file (sshd.c: AuthorizedKeysCommandUser, satisfiable
//! AuthenticationMethods, bindable ListenAddress).

use super::algorithms::AlgClass;
use super::dump::{self, BadListen};
use super::effective::{self, Effective};
use super::eval::{self, HostFacts, Problem, ProblemKind, Startup};
use super::keywords::Opt;
use super::load::{self, Loaded, Origin};
use super::matching::Connection;
use super::version::Version;
use crate::discover::HostRoot;
use crate::model::accounts::Accounts;
use crate::model::socket::{self, SocketUnit};
use crate::source::{Location, SourceMap};
use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The sshd side of one host.
#[derive(Debug)]
pub struct SshdHost {
    pub root: Option<HostRoot>,
    pub loaded: Loaded,
    pub facts: HostFacts,
    pub startup: Startup,
    /// Problems found after the file was read (still sshd refusing to start).
    pub post: Vec<Problem>,
    /// The systemd socket unit that starts sshd (`ssh.socket`), when the host root has one.
    pub socket: Option<SocketUnit>,
    /// The login-time files of every account (empty without a host root).
    pub logins: crate::model::logins::Logins,
    global: Rc<Effective>,
    hosts_file: Option<Vec<(IpAddr, Vec<String>)>>,
    cache: RefCell<HashMap<Connection, Result<Rc<Effective>, String>>>,
}

impl SshdHost {
    /// Load `/etc/ssh/sshd_config` of a host root. `requested` is `--openssh`; without it the
    /// release installed in the root (its dpkg database) is used, else the newest modelled.
    pub fn from_root(root: HostRoot, requested: Option<Version>, sources: &mut SourceMap) -> SshdHost {
        let installed = installed_release(&root);
        let mut facts = host_facts(Some(&root), requested.or(installed).unwrap_or_default());
        facts.debian |= installed.is_some();
        let loaded = load::load(&Origin::Root(&root), "/etc/ssh/sshd_config", None, sources);
        let mut host = SshdHost::finish(Some(root), loaded, facts);
        host.socket = host.root.as_ref().and_then(|r| socket::load(r, &host, sources));
        if !host.startup.fatal() {
            host.logins = crate::model::logins::Logins::load(&host, sources);
        }
        host
    }

    /// Load a config file that belongs to no host root.
    pub fn from_file(path: &Path, version: Version, sources: &mut SourceMap) -> SshdHost {
        let facts = host_facts(None, version);
        let loaded = load::load(&Origin::Lone, &path.to_string_lossy(), Some(path.to_path_buf()), sources);
        SshdHost::finish(None, loaded, facts)
    }

    /// Load from text already read (standard input); its Includes are not checked.
    pub fn from_text(name: PathBuf, text: Vec<u8>, version: Version, sources: &mut SourceMap) -> SshdHost {
        let facts = host_facts(None, version);
        let loaded = load::load_bytes(&Origin::Lone, &name.to_string_lossy(), name.clone(), text, sources);
        SshdHost::finish(None, loaded, facts)
    }

    fn finish(root: Option<HostRoot>, loaded: Loaded, facts: HostFacts) -> SshdHost {
        let startup = eval::startup(&loaded, &facts);
        let global = Rc::new(effective::global(&startup, &facts));
        let hosts_file = root.as_ref().and_then(|r| r.read("/etc/hosts").ok()).map(|b| parse_hosts(&b));
        let mut host = SshdHost {
            root,
            loaded,
            facts,
            startup,
            post: Vec::new(),
            socket: None,
            logins: Default::default(),
            global,
            hosts_file,
            cache: RefCell::default(),
        };
        if !host.startup.fatal() && host.loaded.main.is_some() {
            host.post = host.post_checks();
        }
        host
    }

    pub fn version(&self) -> Version {
        self.facts.version
    }

    /// True when sshd would refuse to start (`sshd -t` fails) for configuration reasons.
    pub fn fatal(&self) -> bool {
        self.startup.fatal() || self.post.iter().any(|p| p.fatal)
    }

    /// Effective settings for a connection; `None` is `sshd -T` without `-C` (a blank test
    /// connection: only `Match all` applies).
    pub fn effective(&self, conn: Option<&Connection>) -> Result<Rc<Effective>, String> {
        let blank = Connection::default();
        let conn = conn.unwrap_or(&blank);
        if let Some(hit) = self.cache.borrow().get(conn) {
            return hit.clone();
        }
        let e = effective::for_connection(&self.loaded, &self.facts, &self.startup, conn).map(Rc::new);
        self.cache.borrow_mut().insert(conn.clone(), e.clone());
        e
    }

    /// Effective settings of the global section alone.
    pub fn global(&self) -> &Effective {
        &self.global
    }

    /// The global settings, shared.
    pub fn global_rc(&self) -> Rc<Effective> {
        Rc::clone(&self.global)
    }

    /// `sshd -T [-C spec]` output.
    pub fn dump(&self, conn: Option<&Connection>) -> Result<String, String> {
        let e = self.effective(conn)?;
        dump::dump(&e, &|n| self.resolve(n)).map_err(|BadListen(m)| m)
    }

    /// Resolve a host name through the root's /etc/hosts (never the network).
    pub fn resolve(&self, name: &str) -> Option<Vec<IpAddr>> {
        let mut out = Vec::new();
        match &self.hosts_file {
            Some(entries) => {
                for (addr, names) in entries {
                    if names.iter().any(|w| w.eq_ignore_ascii_case(name)) && !out.contains(addr) {
                        out.push(*addr);
                    }
                }
            }
            None if name.eq_ignore_ascii_case("localhost") => out.push(IpAddr::from([127, 0, 0, 1])),
            None => {}
        }
        (!out.is_empty()).then_some(out)
    }

    fn post_checks(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let g = &self.global;
        let main_loc =
            || Location { file: self.loaded.files[self.loaded.main.unwrap_or(0)].id, span: Default::default() };
        for (cmd, user) in [
            (Opt::AuthorizedKeysCommand, Opt::AuthorizedKeysCommandUser),
            (Opt::AuthorizedPrincipalsCommand, Opt::AuthorizedPrincipalsCommandUser),
        ] {
            if g.text(cmd).is_some_and(|c| !c.eq_ignore_ascii_case("none")) && g.text(user).is_none() {
                out.push(Problem {
                    kind: ProblemKind::InvalidValue,
                    at: g.origin(cmd).unwrap_or_else(main_loc),
                    message: format!("`{}` is set without `{}`", cmd.canonical(), user.canonical()),
                    help: Some(format!("add `{} <user>` naming an unprivileged account", user.canonical())),
                    fatal: true,
                    severity: None,
                    related: Vec::new(),
                });
            }
        }
        let methods = g.auth_methods();
        if !methods.is_empty() && !methods.iter().any(|m| method_list_enabled(g, m)) {
            out.push(Problem {
                kind: ProblemKind::UnsatisfiableAuthMethods,
                at: g.origin(Opt::AuthenticationMethods).unwrap_or_else(main_loc),
                message: format!(
                    "`AuthenticationMethods {}` needs a method that is disabled: sshd refuses to start",
                    methods.join(" ")
                ),
                help: Some("enable the methods the list names, or list only enabled ones".into()),
                fatal: true,
                severity: None,
                related: Vec::new(),
            });
        }
        if let Err(BadListen(m)) = dump::listen_addresses(g, &|n| self.resolve(n)) {
            out.push(Problem {
                kind: ProblemKind::InvalidValue,
                at: g.origin(Opt::ListenAddress).unwrap_or_else(main_loc),
                message: format!("{m} through the host's /etc/hosts: sshd exits at startup unless DNS answers"),
                help: Some("use a literal address (sshd resolves names once, at startup)".into()),
                fatal: true,
                severity: None,
                related: Vec::new(),
            });
        }
        for (opt, spec) in g.unusable_algorithms() {
            out.push(Problem {
                kind: ProblemKind::InvalidValue,
                at: g.origin(opt).unwrap_or_else(main_loc),
                message: format!(
                    "`{} {spec}` leaves no algorithm this release supports: sshd exits at startup",
                    opt.canonical()
                ),
                help: Some(format!("list supported names with `ssh -Q {}`", AlgClass::of(opt).query_name())),
                fatal: true,
                severity: None,
                related: Vec::new(),
            });
        }
        out.extend(self.host_key_problems(main_loc()));
        out
    }

    /// sshd loads each HostKey (or the defaults) and exits when none loads. Checked only when
    /// the root holds host keys (a live system or an image), not for a bare config repository.
    fn host_key_problems(&self, fallback: Location) -> Vec<Problem> {
        let Some(root) = &self.root else { return Vec::new() };
        let g = &self.global;
        let keys = g.list(Opt::HostKey);
        let locs = self.startup.settings.get(Opt::HostKey).map(|s| s.at.clone()).unwrap_or_default();
        let has_keys = keys.iter().any(|k| root.exists(k)) || !root.glob("/etc/ssh/ssh_host_*key*").is_empty();
        if !has_keys {
            return Vec::new();
        }
        let min_rsa = g.num(Opt::RequiredRSASize);
        let mut bad = Vec::new();
        let mut usable = 0;
        for (i, key) in keys.iter().enumerate() {
            if key.eq_ignore_ascii_case("none") {
                continue;
            }
            match host_key_problem(root, key, min_rsa) {
                None => usable += 1,
                Some(why) => bad.push((i, key.clone(), why)),
            }
        }
        let mut out = Vec::new();
        // Debian's GSSAPI key exchange patch lets sshd start without host keys.
        let gss_only = g.flag(Opt::GSSAPIKeyExchange);
        if usable == 0 && gss_only {
            out.push(Problem {
                kind: ProblemKind::HostKey,
                at: locs.first().copied().unwrap_or(fallback),
                message: "no host key can be loaded: only clients doing GSSAPI key exchange can connect".into(),
                help: Some("generate keys with `ssh-keygen -A` and keep private keys mode 0600, owned by root".into()),
                fatal: false,
                severity: None,
                related: Vec::new(),
            });
        } else if usable == 0 {
            let detail = bad.iter().map(|(_, k, p)| format!("`{k}` {p}")).collect::<Vec<_>>().join("; ");
            let related = locs
                .iter()
                .skip(1)
                .map(|&l| crate::diagnostic::Label { location: l, message: "also unusable".into() })
                .collect();
            out.push(Problem {
                kind: ProblemKind::HostKey,
                at: locs.first().copied().unwrap_or(fallback),
                message: format!("no host key can be loaded ({detail}): sshd exits with \"no hostkeys available\""),
                help: Some("generate keys with `ssh-keygen -A` and keep private keys mode 0600, owned by root".into()),
                fatal: true,
                severity: None,
                related,
            });
        } else if g.origin(Opt::HostKey).is_some() {
            for (i, key, why) in bad {
                out.push(Problem {
                    kind: ProblemKind::HostKey,
                    at: locs.get(i).copied().unwrap_or(fallback),
                    message: format!("host key `{key}` {why}: sshd skips it"),
                    help: Some("fix the file or remove the `HostKey` line".into()),
                    fatal: false,
                    severity: Some(crate::diagnostic::Severity::Warning),
                    related: Vec::new(),
                });
            }
        }
        out
    }
}

/// Why sshd would not load a host key (`sshkey_load_private`, `sshkey_perm_ok`, RequiredRSASize).
pub fn host_key_problem(root: &HostRoot, path: &str, min_rsa_bits: i64) -> Option<String> {
    let real = match root.resolve(path) {
        Ok(r) => r,
        Err(e) => return Some(e.describe()),
    };
    let Some(st) = crate::platform::stat(&real) else { return Some("does not exist".into()) };
    if !st.is_regular() {
        return Some("is not a regular file".into());
    }
    if st.uid == 0 && st.mode & 0o077 != 0 {
        return Some(format!("has mode {:04o}: sshd refuses private keys readable by others", st.mode));
    }
    let bytes = match crate::discover::read_bounded(&real) {
        Ok(b) => b,
        // Run without root on a live system: sshd (root) can read it, sshlint cannot check.
        Err(crate::discover::ReadError::PermissionDenied) if crate::platform::euid() != 0 => return None,
        Err(e) => return Some(e.describe()),
    };
    match crate::syntax::keys::parse_private_key(&bytes) {
        Err(e) => Some(e.0),
        Ok(k) if k.encrypted => Some("is protected by a passphrase".into()),
        Ok(k) if k.rsa_bits.is_some_and(|b| i64::from(b) < min_rsa_bits) => {
            Some(format!("is a {}-bit RSA key, below `RequiredRSASize {min_rsa_bits}`", k.rsa_bits.unwrap_or(0)))
        }
        Ok(_) => None,
    }
}

/// The release of Debian's openssh-server in the root's package database (dpkg status), as
/// the nearest modelled release; its presence also means a Debian-patched build.
pub fn installed_release(root: &HostRoot) -> Option<Version> {
    let status = root.read("/var/lib/dpkg/status").ok()?;
    let text = String::from_utf8_lossy(&status);
    for para in text.split("\n\n") {
        if !para.lines().any(|l| l == "Package: openssh-server") {
            continue;
        }
        let ver = para.lines().find_map(|l| l.strip_prefix("Version: "))?;
        let upstream = ver.split_once(':').map_or(ver, |(_, v)| v);
        let (maj, rest) = upstream.split_once('.')?;
        let min: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let found = Version::new(maj.parse().ok()?, min.parse().ok()?);
        return Some(Version::ALL.iter().rev().find(|v| **v <= found).copied().unwrap_or(Version::ALL[0]));
    }
    None
}

/// `auth2_methods_valid(list, need_enable=1)`: every method of a list is enabled.
pub fn method_list_enabled(e: &Effective, list: &str) -> bool {
    list.split(',').all(|m| method_enabled(e, m.split(':').next().unwrap_or("")))
}

/// Whether an authentication method is enabled in `e`.
pub fn method_enabled(e: &Effective, method: &str) -> bool {
    match method {
        "none" => true,
        "publickey" => e.flag(Opt::PubkeyAuthentication),
        "password" => e.flag(Opt::PasswordAuthentication),
        "keyboard-interactive" => e.flag(Opt::KbdInteractiveAuthentication),
        "hostbased" => e.flag(Opt::HostbasedAuthentication),
        "gssapi-with-mic" => e.flag(Opt::GSSAPIAuthentication),
        _ => false,
    }
}

fn parse_hosts(bytes: &[u8]) -> Vec<(IpAddr, Vec<String>)> {
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(bytes).lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(addr) = words.next().and_then(|a| a.parse::<IpAddr>().ok()) else { continue };
        out.push((addr, words.map(str::to_string).collect()));
    }
    out
}

fn host_facts(root: Option<&HostRoot>, version: Version) -> HostFacts {
    let mut facts = HostFacts::new(version);
    let Some(root) = root else { return facts };
    let passwd = root.read("/etc/passwd").ok();
    let group = root.read("/etc/group").ok();
    if passwd.is_some() || group.is_some() {
        let passwd = passwd.unwrap_or_default();
        // Decoded as the source map decodes it, so spans into passwd point at the right bytes.
        let p = crate::source::decode_escaped(&passwd);
        let g = group.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        let mut accounts = Accounts::parse(&p, &g);
        accounts.passwd_bytes = passwd;
        if let Ok(shadow) = root.read("/etc/shadow") {
            accounts.add_shadow(&String::from_utf8_lossy(&shadow));
        }
        if let Some(home) = accounts.users.iter().find(|u| u.uid == 0).map(|u| u.home.clone()) {
            facts.root_home = home;
        }
        facts.accounts = Some(accounts);
    }
    if let Ok(b) = root.read("/etc/services") {
        let mut services = Vec::new();
        for line in String::from_utf8_lossy(&b).lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut w = line.split_whitespace();
            let (Some(name), Some(pp)) = (w.next(), w.next()) else { continue };
            let Some((port, proto)) = pp.split_once('/') else { continue };
            if proto != "tcp" {
                continue;
            }
            let Ok(port) = port.parse::<u16>() else { continue };
            services.push((name.to_string(), port));
            for alias in w {
                services.push((alias.to_string(), port));
            }
        }
        facts.services = services;
    }
    facts
}
