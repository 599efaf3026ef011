//! One host's firewall: the iptables-save files iptables-persistent (or an admin) restores at
//! boot, and ufw as ufw-init assembles it, each turned into the kernel tables it would load, and
//! evaluated for new SSH connections (`reference/firewalls.md`).

pub mod addr;
pub mod eval;
pub mod firewalld;
pub mod ruleset;
pub mod shadow;
pub mod ufw;
pub mod ufw_app;
pub mod ufw_tuple;

use crate::ast::iptables::{Family, IptablesAst};
use crate::discover::{FileKind, HostRoot};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax::iptables::parse_family;
use addr::AddrSet;
use eval::{Evaluation, Packet, Via};
use ruleset::{Batch, Origin, Problem, Ruleset};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// An iptables-save file restored as a whole (iptables-persistent, a live dump).
    Iptables,
    Ufw,
    Firewalld,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Iptables => "iptables",
            BackendKind::Ufw => "ufw",
            BackendKind::Firewalld => "firewalld",
        }
    }
}

/// The tables one backend leaves in the kernel for one family.
#[derive(Debug)]
pub struct Backend {
    pub kind: BackendKind,
    pub family: Family,
    /// `None` when the file would not load (the host keeps whatever it had).
    pub ruleset: Option<Ruleset>,
    /// The file the ruleset comes from (iptables) or ufw's user rules file of the family.
    pub file: Option<FileId>,
    /// Why the ruleset is unknown when it is `None` for another reason than a file that does
    /// not load.
    pub unknown: Option<String>,
}

/// How ufw and an iptables-save file restored at boot share one host (both configured, ufw
/// enabled). On Debian and Ubuntu the packages exclude each other (ufw Breaks
/// netfilter-persistent), so the root's installed programs decide which one loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Coexistence {
    /// The file's loader and ufw are both installed: the file is restored first (its service
    /// runs before network-pre.target, ufw before network.target), then ufw-init adds its
    /// chains on top. The ufw backends model the combination.
    Combined { loader: &'static str },
    /// ufw is installed and nothing restores the file: it is dead configuration.
    FileUnused { loader: &'static str },
    /// The file's loader is installed and ufw is not: ufw's files are dead configuration.
    UfwUnused { loader: &'static str },
    /// The root holds configuration only (no /usr): each is checked on its own.
    Unknown,
}

/// Another firewall configured on a host where firewalld runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rival {
    /// ufw is enabled: ufw-init loads its iptables chains and firewalld its nftables table, and
    /// both filter every packet.
    Ufw,
    /// An iptables-save file whose loader is not installed next to an enabled firewalld: never
    /// restored.
    FileUnused { loader: &'static str },
    /// An iptables-save file whose loader is installed too (`known`), or a root with
    /// configuration only: both may load.
    File { loader: &'static str, known: bool },
}

/// Programs that restore an iptables-save file at boot, by the file's host path: the package,
/// and files of it whose presence shows it is installed.
fn loader_of(path: &str) -> (&'static str, &'static [&'static str]) {
    if path.starts_with("/etc/iptables/rules.v") {
        ("netfilter-persistent", &["/usr/sbin/netfilter-persistent", "/usr/share/netfilter-persistent"])
    } else if path.starts_with("/etc/sysconfig/") {
        ("iptables-services", &["/usr/libexec/iptables/iptables.init"])
    } else {
        ("iptables.service", &["/usr/lib/systemd/system/iptables.service", "/usr/lib/systemd/system/ip6tables.service"])
    }
}

/// Host paths of iptables-save files restored at boot, with their family.
pub const IPTABLES_PATHS: &[(&str, Family)] = &[
    ("/etc/iptables/rules.v4", Family::Ipv4),
    ("/etc/iptables/rules.v6", Family::Ipv6),
    ("/etc/sysconfig/iptables", Family::Ipv4),
    ("/etc/sysconfig/ip6tables", Family::Ipv6),
    ("/etc/iptables/iptables.rules", Family::Ipv4),
    ("/etc/iptables/ip6tables.rules", Family::Ipv6),
];

/// A parsed iptables-save file and what applying it gave.
#[derive(Debug)]
pub struct IptablesFile {
    pub file: FileId,
    pub ast: IptablesAst,
    pub problems: Vec<Problem>,
}

/// (backend, port, interface, destination, sources).
type EvalKey = (usize, u16, Option<String>, Option<Via>, Option<u128>, Vec<(u128, u128)>);

#[derive(Debug, Default)]
pub struct Firewall {
    pub iptables: Vec<IptablesFile>,
    pub ufw: Option<ufw::Ufw>,
    pub firewalld: Option<firewalld::Firewalld>,
    pub backends: Vec<Backend>,
    /// ufw and iptables-save files on one host: how they combine, and the files concerned.
    pub coexistence: Option<(Coexistence, Vec<FileId>)>,
    /// What loads a firewall next to a running firewalld, with the files concerned.
    pub firewalld_rivals: Vec<(Rival, Vec<FileId>)>,
    /// Firewall files that exist but could not be read (path as found, why).
    pub unreadable: Vec<(PathBuf, String)>,
    services: Vec<(String, u16)>,
    /// The root's /etc/services, every protocol, in file order (`None` without one): what the
    /// ufw command's protocol-blind `getservbyname(name)` reads.
    any_services: Option<Vec<(String, u16)>>,
    cache: RefCell<HashMap<EvalKey, Rc<Evaluation>>>,
}

impl Firewall {
    pub fn is_empty(&self) -> bool {
        self.iptables.is_empty() && self.ufw.is_none() && self.firewalld.is_none() && self.unreadable.is_empty()
    }

    /// Every firewall file read, with its kind for `--format json`'s `files`.
    pub fn files(&self) -> Vec<(FileId, FileKind)> {
        let mut out: Vec<(FileId, FileKind)> = self
            .iptables
            .iter()
            .map(|f| {
                (f.file, if f.ast.family == Family::Ipv6 { FileKind::Ip6tablesSave } else { FileKind::IptablesSave })
            })
            .collect();
        if let Some(u) = &self.ufw {
            out.extend(u.conf_file.map(|id| (id, FileKind::UfwConf)));
            out.extend(u.default_file.map(|id| (id, FileKind::UfwDefault)));
            out.extend(u.rules.iter().map(|(_, id, _)| (*id, FileKind::UfwRules)));
            out.extend(u.apps.files.iter().map(|f| (f.file, FileKind::UfwApplication)));
        }
        if let Some(f) = &self.firewalld {
            out.extend(f.conf_file.map(|id| (id, FileKind::FirewalldConf)));
            out.extend(f.files.iter().map(|(id, _)| (*id, FileKind::FirewalldXml)));
            out.extend(f.stock_file.map(|id| (id, FileKind::FirewalldStock)));
        }
        out
    }

    /// Read the firewall configuration of a host root. `services` are the root's TCP port
    /// names (read with the sshd model's host facts); the ufw command's lookups, which take
    /// any protocol, read the root's /etc/services again (see [`Firewall::any_protocol_port`]).
    pub fn from_root(root: &HostRoot, services: &[(String, u16)], sources: &mut SourceMap) -> Firewall {
        let mut fw = Firewall { services: services.to_vec(), ..Firewall::default() };
        // Which restore service each loaded file needs (by backend index).
        let mut loaders: Vec<(usize, &'static str, bool)> = Vec::new();
        for &(path, family) in IPTABLES_PATHS {
            // One listing of the parent answers "not there" for most hosts.
            if !root.exists(path.rsplit_once('/').map_or("/", |(dir, _)| dir)) {
                continue;
            }
            let bytes = match root.read(path) {
                Ok(b) => b,
                Err(crate::discover::ReadError::NotFound) => continue,
                Err(e) => {
                    fw.unreadable.push((display_path(root, path), e.describe()));
                    continue;
                }
            };
            let file = SourceFile::new(root.dir.join(path.trim_start_matches('/')), bytes);
            let (loader, evidence) = loader_of(path);
            loaders.push((fw.backends.len(), loader, evidence.iter().any(|p| root.exists(p))));
            fw.add_iptables(file, family, sources);
        }
        let mut unreadable = std::mem::take(&mut fw.unreadable);
        let has_firewalld = firewalld::present(root);
        if root.exists("/etc/ufw") || has_firewalld {
            fw.any_services =
                root.read("/etc/services").ok().map(|b| services_any_protocol(&String::from_utf8_lossy(&b)));
        }
        // A root with programs in it says what is installed; one with configuration only does not.
        let system = root.exists("/usr/sbin") || root.exists("/usr/lib");
        let ufw_installed =
            ["/usr/sbin/ufw", "/lib/ufw/ufw-init", "/usr/lib/ufw/ufw-init"].iter().any(|p| root.exists(p));
        fw.ufw = ufw::load(root, &|name| fw.any_protocol_port(name), sources, &mut unreadable);
        fw.unreadable = unreadable;
        if has_firewalld {
            // firewalld checks a port name with getservbyname(name): any protocol.
            fw.firewalld = Some(firewalld::load(root, &|name| fw.any_protocol_port(name), sources));
        }
        let ufw_enabled = fw.ufw.as_ref().is_some_and(|u| u.enabled);
        let loaded: Vec<usize> = loaders.iter().filter(|l| l.2).map(|l| l.0).collect();
        let first = loaders.first().map(|l| l.1);
        let first_loaded = loaders.iter().find(|l| l.2).map(|l| l.1);
        let coexist = match (first.filter(|_| ufw_enabled), system, ufw_installed, first_loaded) {
            (None, ..) => None,
            (Some(_), false, ..) => Some(Coexistence::Unknown),
            (Some(_), true, true, Some(loader)) => Some(Coexistence::Combined { loader }),
            (Some(loader), true, true, None) => Some(Coexistence::FileUnused { loader }),
            (Some(_), true, false, Some(loader)) => Some(Coexistence::UfwUnused { loader }),
            (Some(_), true, false, None) => Some(Coexistence::Unknown),
        };
        if let (Some(Coexistence::Combined { .. }), Some(u)) = (&coexist, fw.ufw.as_mut()) {
            // The files restored before ufw-init runs.
            let base: Vec<(Family, Ruleset)> = loaded
                .iter()
                .filter_map(|&i| fw.backends.get(i))
                .filter_map(|b| Some((b.family, b.ruleset.clone()?)))
                .collect();
            u.built = ufw::build(u, &base);
        }
        if let Some(c) = coexist {
            let files = fw.backends.iter().filter_map(|b| b.file).collect();
            match c {
                // Checked as part of ufw's ruleset, or not loaded at all.
                Coexistence::Combined { .. } | Coexistence::FileUnused { .. } => fw.backends.clear(),
                Coexistence::UfwUnused { .. } | Coexistence::Unknown => {}
            }
            fw.coexistence = Some((c, files));
        }
        let ufw_dead = matches!(fw.coexistence, Some((Coexistence::UfwUnused { .. }, _)));
        if let Some(u) = fw.ufw.as_ref().filter(|_| !ufw_dead) {
            for (family, rs, _) in &u.built {
                let name = if *family == Family::Ipv6 { "user6.rules" } else { "user.rules" };
                let file = u.rules.iter().find(|(n, _, _)| n == name).map(|(_, id, _)| *id);
                fw.backends.push(Backend {
                    kind: BackendKind::Ufw,
                    family: *family,
                    ruleset: Some(rs.clone()),
                    file,
                    unknown: None,
                });
            }
        }
        fw.add_firewalld(system, ufw_enabled && !ufw_dead, &loaders);
        fw
    }

    /// firewalld's rulesets, when systemd starts it, and what else loads a firewall next to it.
    /// Its nftables table and any other table each see every packet, so where both load, SSH
    /// must get through both; Debian's firewalld package breaks netfilter-persistent, and
    /// firewalld.service conflicts with iptables.service (RHEL): a file whose loader is not
    /// installed next to an enabled firewalld is dead configuration.
    fn add_firewalld(&mut self, system: bool, ufw_enabled: bool, loaders: &[(usize, &'static str, bool)]) {
        let Some(f) = &self.firewalld else { return };
        if !f.service.runs() {
            return;
        }
        let mut rivals = Vec::new();
        if ufw_enabled {
            let files = self.backends.iter().filter(|b| b.kind == BackendKind::Ufw).filter_map(|b| b.file).collect();
            rivals.push((Rival::Ufw, files));
        }
        let file_backends: Vec<usize> = loaders
            .iter()
            .map(|l| l.0)
            .filter(|&i| self.backends.get(i).is_some_and(|b| b.kind == BackendKind::Iptables))
            .collect();
        if let Some(&(_, loader, _)) = loaders.first().filter(|_| !file_backends.is_empty()) {
            let files: Vec<FileId> = file_backends.iter().filter_map(|&i| self.backends.get(i)?.file).collect();
            let installed = loaders.iter().any(|l| l.2);
            let enabled = matches!(f.service, firewalld::Service::Enabled(_));
            if system && enabled && !installed {
                // Never restored: drop its rulesets (indices stay valid: removed from the end).
                for &i in file_backends.iter().rev() {
                    self.backends.remove(i);
                }
                rivals.push((Rival::FileUnused { loader }, files));
            } else {
                rivals.push((Rival::File { loader, known: system && enabled }, files));
            }
        }
        // A file with DTD entities: firewalld runs something sshlint cannot read.
        let unknown = (!f.unexpanded.is_empty()).then(|| {
            "a file in /etc/firewalld uses DTD entities, which firewalld expands and sshlint does not (FW010): what firewalld loads is unknown".to_string()
        });
        for (family, rs, _) in &f.built {
            let file = f.unexpanded.first().map(|at| at.file).or(f.conf_file);
            let file = file.or(f.files.first().map(|x| x.0)).or(f.stock_file);
            let ruleset = if unknown.is_some() { None } else { Some(rs.clone()) };
            let unknown = unknown.clone();
            self.backends.push(Backend { kind: BackendKind::Firewalld, family: *family, ruleset, file, unknown });
        }
        self.firewalld_rivals = rivals;
    }

    /// One iptables-save file on its own (a lone file, standard input).
    pub fn from_file(file: SourceFile, family: Family, sources: &mut SourceMap) -> Firewall {
        let mut fw = Firewall::default();
        fw.add_iptables(file, family, sources);
        fw
    }

    /// A ufw rules file on its own (a config repository's copy): ufw-init loads it on top of
    /// its own chains, so only its syntax can be checked.
    pub fn from_fragment(file: SourceFile, family: Family, sources: &mut SourceMap) -> Firewall {
        let ast = parse_family(file.text.clone(), family);
        let id = sources.add(file);
        Firewall { iptables: vec![IptablesFile { file: id, ast, problems: Vec::new() }], ..Firewall::default() }
    }

    fn add_iptables(&mut self, file: SourceFile, family: Family, sources: &mut SourceMap) {
        let ast = parse_family(file.text.clone(), family);
        let id = sources.add(file);
        let mut rs = Ruleset::new(family);
        let problems = rs.apply(&Batch { ast: &ast, file: id, noflush: false, at: Origin::File });
        let loads = problems.is_empty() && ast.errors().is_empty();
        self.backends.push(Backend {
            kind: BackendKind::Iptables,
            family,
            ruleset: loads.then_some(rs),
            file: Some(id),
            unknown: None,
        });
        self.iptables.push(IptablesFile { file: id, ast, problems });
    }

    /// A TCP port name, as iptables and sshd resolve it: the root's TCP names, then the stock
    /// names of [`crate::ast::iptables::SERVICES`].
    pub fn service_port(&self, name: &str) -> Option<u16> {
        self.services
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, p)| p)
            .or_else(|| crate::ast::iptables::SERVICES.iter().find(|(n, _)| *n == name).map(|&(_, p)| p))
    }

    /// A port name as the ufw command (`socket.getservbyname(name)` in `UFWRule.set_port`,
    /// `util.get_services_proto`) and firewalld (`getPortID`) resolve it: no protocol is given, so the first entry of
    /// the root's /etc/services with that name or alias wins whatever its protocol (`mdns` is
    /// 5353, listed for udp only). A root without /etc/services falls back to
    /// [`Firewall::service_port`].
    pub fn any_protocol_port(&self, name: &str) -> Option<u16> {
        match &self.any_services {
            Some(all) => all.iter().find(|(n, _)| n == name).map(|&(_, p)| p),
            None => self.service_port(name),
        }
    }

    /// Evaluate a new TCP connection to `port` through backend `index`, for `sources`.
    pub fn evaluate(
        &self,
        index: usize,
        port: u16,
        iface: Option<&str>,
        via: Option<Via>,
        dst: Option<u128>,
        sources: &AddrSet,
    ) -> Option<Rc<Evaluation>> {
        let backend = self.backends.get(index)?;
        let rs = backend.ruleset.as_ref()?;
        let key = (index, port, iface.map(str::to_string), via, dst, sources.ranges().to_vec());
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Some(hit.clone());
        }
        let services = |n: &str| self.service_port(n);
        let pkt = Packet { via, ..Packet::syn(backend.family, port, iface, dst, &services) };
        let ev = Rc::new(eval::evaluate(rs, &pkt, sources));
        self.cache.borrow_mut().insert(key, ev.clone());
        Some(ev)
    }
}

/// services(5) as glibc reads it, for every protocol: `name port/protocol [alias…]`, `#` to the
/// end of the line a comment; each name and alias with its port, in file order.
fn services_any_protocol(text: &str) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut w = line.split_whitespace();
        let (Some(name), Some(pp)) = (w.next(), w.next()) else { continue };
        let Some((port, proto)) = pp.split_once('/') else { continue };
        let Ok(port) = port.parse::<u16>() else { continue };
        if proto.is_empty() {
            continue;
        }
        out.push((name.to_string(), port));
        out.extend(w.map(|alias| (alias.to_string(), port)));
    }
    out
}

/// Which family a lone iptables-save file is for, from its name and content.
pub fn family_of(path: &std::path::Path, text: &str) -> Family {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name.contains("v6") || name.contains("ip6") || name.contains("6.rules") {
        return Family::Ipv6;
    }
    if text.contains("ipv6-icmp") || text.contains("icmpv6") || text.contains("icmp6") || text.contains(":ufw6-") {
        return Family::Ipv6;
    }
    Family::Ipv4
}

/// Where a finding about the firewall of a host points when nothing more precise exists.
pub fn display_path(root: &HostRoot, host_path: &str) -> PathBuf {
    root.dir.join(host_path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn services_of_every_protocol_in_file_order() {
        let s = super::services_any_protocol(
            "# comment\nssh\t\t22/tcp\nmdns\t\t5353/udp\t\t\t# Multicast DNS\nsyslog 514/udp\nshell 514/tcp cmd\nbad x/tcp\nnoproto 7\n",
        );
        let names: Vec<(&str, u16)> = s.iter().map(|(n, p)| (n.as_str(), *p)).collect();
        assert_eq!(names, [("ssh", 22), ("mdns", 5353), ("syslog", 514), ("shell", 514), ("cmd", 514)]);
    }
}
