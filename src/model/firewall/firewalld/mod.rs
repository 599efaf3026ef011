//! firewalld as it starts at boot (nftables backend of firewalld 1.3.3): `firewalld.conf`, the
//! stock objects under `/usr/lib/firewalld` overridden whole by same-named `/etc/firewalld`
//! files, combined zones, the checks that make firewalld fall back to its full stock
//! configuration, and the ruleset it generates, written as iptables chains of the same shape
//! (zone dispatch, `_pre/_deny/_allow/_post`, policies, targets) so the packet model, `trace`
//! and the FW1xx rules work on it as on any other backend.
//!
//! Facts: `docs/research/firewalld-1.3.3.md` (§2 fallback, §4 generated ruleset) and
//! `reference/firewalls.md` §3.

mod build;

use crate::ast::firewalld::{Effect, Element, Object, ObjectKind};
use crate::ast::iptables::Family;
use crate::discover::{HostRoot, ReadError};
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::syntax::firewalld::{Dialect, check_interface, parse, parse_at};
use std::collections::BTreeMap;

use super::ruleset::{Problem, Ruleset};

/// Built-in stock definitions (`tools/firewalld/gen_stock.py`), for roots without
/// `/usr/lib/firewalld`: (release, its text). The 2.x set serves every 2.x release (services
/// are only ever added); a root whose release is unknown gets 1.3.3's, the release modelled.
const STOCKS: [([u32; 3], &str); 2] =
    [([1, 3, 3], include_str!("stock-1.3.3.txt")), ([2, 5, 0], include_str!("stock-2.5.0.txt"))];

/// The built-in stock definitions for a release: (release, text).
fn stock_for(dialect: Dialect) -> ([u32; 3], &'static str) {
    let two = dialect.version.is_some_and(|v| v[0] >= 2);
    STOCKS[usize::from(two)]
}

/// Which FW0xx rule a finding belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// FW010: a file or element firewalld refuses or drops.
    Invalid,
    /// FW011: a service, zone, ipset or icmptype that does not exist.
    UnknownReference,
    /// FW012: DefaultZone missing or naming no zone.
    BadDefaultZone,
    /// FW013: an interface or source bound to two zones.
    ConflictingBinding,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub code: Code,
    pub at: Location,
    pub message: String,
    /// firewalld starts with its stock configuration because of this.
    pub fallback: bool,
    pub related: Vec<(Location, String)>,
}

/// One loaded XML object (a combined zone has several).
#[derive(Clone, Debug)]
pub struct Loaded {
    pub name: String,
    pub file: FileId,
    pub obj: Object,
    /// From `/etc/firewalld` (user configuration) rather than the stock directory.
    pub user: bool,
}

impl Loaded {
    pub fn at(&self, span: Span) -> Location {
        Location { file: self.file, span }
    }
}

/// The objects of one configuration, by kind and name (a zone may have several parts).
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub objects: BTreeMap<(ObjectKind, String), Vec<Loaded>>,
    pub default_zone: String,
    /// Where DefaultZone is set (firewalld.conf), if it is.
    pub default_zone_at: Option<Location>,
    /// FirewallBackend=iptables (the reject answers differ).
    pub iptables_backend: bool,
}

impl Config {
    pub fn get(&self, kind: ObjectKind, name: &str) -> Option<&[Loaded]> {
        self.objects.get(&(kind, name.to_string())).map(Vec::as_slice)
    }
    pub fn has(&self, kind: ObjectKind, name: &str) -> bool {
        self.objects.contains_key(&(kind, name.to_string()))
    }
    pub fn names(&self, kind: ObjectKind) -> impl Iterator<Item = (&str, &[Loaded])> {
        self.objects.iter().filter(move |((k, _), _)| *k == kind).map(|((_, n), v)| (n.as_str(), v.as_slice()))
    }
    /// A zone's `ingress-priority` (firewalld 2.x), 0 without one (combined zones: the first
    /// part that sets it).
    pub fn ingress_priority(&self, zone: &str) -> i32 {
        self.get(ObjectKind::Zone, zone)
            .unwrap_or_default()
            .iter()
            .find_map(|p| p.obj.ingress_priority.as_ref().map(|s| s.value))
            .unwrap_or(0)
    }

    /// Zones with an interface or source (firewalld's active zones).
    pub fn active_zones(&self) -> Vec<&str> {
        self.names(ObjectKind::Zone)
            .filter(|(_, parts)| parts.iter().any(|p| !p.obj.interfaces.is_empty() || !p.obj.sources.is_empty()))
            .map(|(n, _)| n)
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct Firewalld {
    pub conf_file: Option<FileId>,
    /// Every XML file read from the root, with its kind.
    pub files: Vec<(FileId, ObjectKind)>,
    /// The built-in stock bundle, when the root has no `/usr/lib/firewalld`.
    pub stock_file: Option<FileId>,
    pub findings: Vec<Finding>,
    /// firewalld would start with its stock configuration.
    pub fallback: bool,
    /// The configuration that runs (the user's, or the stock one after a fallback).
    pub running: Config,
    pub built: Vec<(Family, Ruleset, Vec<Problem>)>,
    /// Locations of rules generated from configuration elements (services, ports, rich rules):
    /// the ones FW201 may report.
    pub element_rules: Vec<Location>,
    /// Files read from /etc/firewalld.
    pub user_files: Vec<FileId>,
    /// The firewalld release found under the root (its python package), whose reader the XML
    /// goes through.
    pub dialect: Dialect,
    /// The generated chain of each zone and policy and what it stands for ("zone `public`").
    pub chain_owners: Vec<(String, String)>,
    /// Whether systemd starts firewalld at boot.
    pub service: Service,
    /// Files of /etc/firewalld that use DTD entities, which firewalld expands and sshlint does
    /// not: what firewalld runs is unknown while there is one.
    pub unexpanded: Vec<Location>,
}

/// `firewalld.conf` keys firewalld 1.3 and 2.x know.
const CONF_KEYS: &[&str] = &[
    "DefaultZone",
    "MinimalMark",
    "CleanupOnExit",
    "CleanupModulesOnExit",
    "Lockdown",
    "IPv6_rpfilter",
    "IndividualCalls",
    "LogDenied",
    "AutomaticHelpers",
    "FirewallBackend",
    "FlushAllOnReload",
    "RFC3964_IPv4",
    "AllowZoneDrifting",
    "NftablesFlowtable",
    "NftablesCounters",
    "NftablesTableOwner",
    "ReloadPolicy",
    "StrictForwardPorts",
];

/// Whether systemd starts firewalld at boot, from the root's unit files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Service {
    /// `multi-user.target.wants/firewalld.service` (host path of the link).
    Enabled(String),
    /// A link to /dev/null or an empty unit file (host path).
    Masked(String),
    /// The unit is installed (host path of the unit file) and nothing pulls it in. Without the
    /// `dbus-org.fedoraproject.FirewallD1.service` alias that enabling creates, D-Bus cannot
    /// start it on demand either.
    Disabled(String),
    /// The root holds no unit of firewalld (a configuration repository): assumed to run.
    #[default]
    Unknown,
}

impl Service {
    /// firewalld's rules are in the kernel after boot (or may be: unknown counts as running).
    pub fn runs(&self) -> bool {
        matches!(self, Service::Enabled(_) | Service::Unknown)
    }
}

/// Read firewalld.service's state in the root.
pub fn service(root: &HostRoot) -> Service {
    use crate::model::socket::{UNIT_DIRS, is_dev_null, present};
    const UNIT: &str = "firewalld.service";
    for dir in UNIT_DIRS {
        let path = format!("{dir}/{UNIT}");
        if is_dev_null(root, &path) || root.read(&path).is_ok_and(|b| b.is_empty()) {
            return Service::Masked(path);
        }
    }
    for dir in UNIT_DIRS {
        let link = format!("{dir}/multi-user.target.wants/{UNIT}");
        if present(root, &link) {
            return Service::Enabled(link);
        }
    }
    match UNIT_DIRS.iter().map(|dir| format!("{dir}/{UNIT}")).find(|p| root.exists(p)) {
        Some(unit) => Service::Disabled(unit),
        None => Service::Unknown,
    }
}

/// Whether a root has firewalld configuration.
pub fn present(root: &HostRoot) -> bool {
    root.is_dir("/etc/firewalld")
}

/// Allowed name characters besides letters and digits, per kind (`ADDITIONAL_ALNUM_CHARS`).
fn name_ok(kind: ObjectKind, name: &str) -> Result<(), String> {
    let extra: &[char] = match kind {
        ObjectKind::Zone | ObjectKind::Policy => &['_', '-', '/'],
        ObjectKind::Service | ObjectKind::Icmptype => &['_', '-'],
        ObjectKind::Ipset => &['_', '-', ':', '.'],
        ObjectKind::Helper => &['-', '.'],
    };
    if name.is_empty() {
        return Err("a name can't be empty".into());
    }
    if let Some(c) = name.chars().find(|c| !c.is_alphanumeric() && !extra.contains(c)) {
        return Err(format!("`{c}` is not allowed in the name `{name}`"));
    }
    let max = match kind {
        ObjectKind::Zone => 17,
        ObjectKind::Policy => 18,
        _ => usize::MAX,
    };
    let checked = name.split('/').next().unwrap_or(name);
    let n = checked.chars().count();
    if n > max {
        return Err(format!("the {} name `{checked}` has {n} characters; firewalld allows {max}", kind.as_str()));
    }
    Ok(())
}

struct Reader<'a> {
    root: &'a HostRoot,
    sources: &'a mut SourceMap,
    resolve: &'a dyn Fn(&str) -> Option<u16>,
    fw: Firewalld,
}

impl Reader<'_> {
    fn invalid(&mut self, at: Location, message: String, fallback: bool) {
        self.fw.findings.push(Finding { code: Code::Invalid, at, message, fallback, related: Vec::new() });
    }

    /// Read one XML file of the root into `config`.
    fn load(&mut self, config: &mut Config, kind: ObjectKind, host_path: &str, name: &str, user: bool) {
        let bytes = match self.root.read(host_path) {
            Ok(b) => b,
            Err(e) => {
                // firewalld fails reading it (a directory named *.xml, permission denied).
                let id = self
                    .sources
                    .add(SourceFile::new(self.root.dir.join(host_path.trim_start_matches('/')), Vec::new()));
                self.fw.files.push((id, kind));
                let why = if e == ReadError::IsDirectory { "is a directory".to_string() } else { e.describe() };
                self.invalid(
                    Location { file: id, span: Span::default() },
                    format!("{host_path} {why}: firewalld fails loading its {} files", kind.as_str()),
                    user,
                );
                return;
            }
        };
        let file = SourceFile::new(self.root.dir.join(host_path.trim_start_matches('/')), bytes);
        let obj = parse(&file.text, file.lossy, kind, self.resolve, self.fw.dialect);
        let id = self.sources.add(file);
        self.fw.files.push((id, kind));
        if user {
            self.fw.user_files.push(id);
        }
        let at = |span| Location { file: id, span };
        if let Err(why) = name_ok(kind, name) {
            self.invalid(at(obj.root), why, user);
        }
        if let Some(issue) = obj.issues.iter().find(|i| i.effect == Effect::Unexpanded) {
            // Neither loaded nor a reason to fall back: unknown.
            self.fw.findings.push(Finding {
                code: Code::Invalid,
                at: at(issue.span),
                message: issue.message.clone(),
                fallback: false,
                related: Vec::new(),
            });
            if user {
                self.fw.unexpanded.push(at(issue.span));
            }
            return;
        }
        for issue in &obj.issues {
            let fatal = issue.effect == Effect::Fatal;
            let m = if fatal {
                format!("{}: firewalld fails loading this {}", issue.message, kind.as_str())
            } else {
                issue.message.clone()
            };
            self.invalid(at(issue.span), m, fatal && user);
        }
        if user && obj.fatal().is_some() {
            // Not part of any configuration: the fallback decides what runs.
            return;
        }
        let key = (kind, name.split('/').next().unwrap_or(name).to_string());
        let loaded = Loaded { name: name.to_string(), file: id, obj, user };
        let slot = config.objects.entry(key).or_default();
        if name.contains('/') {
            slot.retain(|l| l.name.contains('/'));
            slot.push(loaded);
        } else {
            // Same name: the /etc file replaces the stock one whole.
            *slot = vec![loaded];
        }
    }

    fn load_stock_bundle(&mut self, config: &mut Config) {
        let (release, text) = stock_for(self.fw.dialect);
        let [a, b, c] = release;
        let id = self.sources.add(SourceFile::new(
            std::path::PathBuf::from(format!("<built-in firewalld {a}.{b}.{c} stock definitions>")),
            text.as_bytes().to_vec(),
        ));
        self.fw.stock_file = Some(id);
        let mut offset = 0usize;
        let mut header: Option<&str> = None;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            if let Some(h) = line.strip_prefix("@@ ") {
                header = Some(h.trim_end());
                continue;
            }
            let Some(h) = header.take() else { continue };
            let Some((dir, file)) = h.split_once('/') else { continue };
            let Some(kind) = ObjectKind::ALL.into_iter().find(|k| k.dir() == dir) else { continue };
            let name = file.trim_end_matches(".xml");
            let obj = parse_at(line.trim_end(), start, false, kind, self.resolve, Dialect { version: Some(release) });
            config
                .objects
                .insert((kind, name.to_string()), vec![Loaded { name: name.to_string(), file: id, obj, user: false }]);
        }
    }

    fn xml_names(&self, dir: &str) -> Vec<(String, String)> {
        self.root
            .glob(&format!("{dir}/*.xml"))
            .into_iter()
            .filter_map(|p| {
                let file = p.rsplit('/').next()?.to_string();
                Some((p.clone(), file.strip_suffix(".xml")?.to_string()))
            })
            .collect()
    }

    fn read_conf(&mut self, config: &mut Config) {
        config.default_zone = "public".into();
        let path = "/etc/firewalld/firewalld.conf";
        let bytes = match self.root.read(path) {
            Ok(b) => b,
            Err(ReadError::NotFound) => return,
            Err(e) => {
                let id = self.sources.add(SourceFile::new(self.root.dir.join(&path[1..]), Vec::new()));
                self.fw.conf_file = Some(id);
                self.fw.findings.push(Finding {
                    code: Code::BadDefaultZone,
                    at: Location { file: id, span: Span::default() },
                    message: format!(
                        "{path} {}: firewalld uses its built-in settings (DefaultZone=public)",
                        e.describe()
                    ),
                    fallback: false,
                    related: Vec::new(),
                });
                return;
            }
        };
        let file = SourceFile::new(self.root.dir.join(&path[1..]), bytes);
        let text = file.text.clone();
        let id = self.sources.add(file);
        self.fw.conf_file = Some(id);
        let mut seen: Vec<String> = Vec::new();
        for (start, line) in crate::syntax::lines(&text) {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let at = Location { file: id, span: Span::new(start, start + line.len()) };
            let parts: Vec<&str> = t.split('=').collect();
            if parts.len() != 2 {
                self.invalid(at, format!("`{t}` is not `KEY=VALUE`: firewalld ignores the line"), false);
                continue;
            }
            let (key, value) = (parts[0].trim(), parts[1].trim());
            if !CONF_KEYS.contains(&key) {
                self.invalid(at, format!("`{key}` is not a firewalld.conf option: firewalld ignores it"), false);
                continue;
            }
            if seen.iter().any(|k| k == key) {
                self.invalid(at, format!("`{key}` is set again: firewalld keeps the first value"), false);
                continue;
            }
            seen.push(key.to_string());
            match key {
                "DefaultZone" => {
                    config.default_zone = value.to_string();
                    config.default_zone_at = Some(at);
                }
                "FirewallBackend" => config.iptables_backend = value == "iptables",
                _ => {}
            }
        }
    }
}

/// Load the firewalld configuration of a host root. `resolve` names ports (the root's
/// services).
/// The firewalld release installed under the root: `VERSION = '…'` in its python package.
pub fn installed_version(root: &HostRoot) -> Option<[u32; 3]> {
    let candidates =
        ["/usr/lib/python3*/dist-packages", "/usr/lib/python3*/site-packages", "/usr/lib64/python3*/site-packages"];
    candidates.iter().flat_map(|dir| root.glob(&format!("{dir}/firewall/config/__init__.py"))).find_map(|path| {
        let text = String::from_utf8_lossy(&root.read(&path).ok()?).into_owned();
        let line = text.lines().find(|l| l.trim_start().starts_with("VERSION"))?;
        let value = line.split_once('=')?.1.trim().trim_matches(['\'', '"']);
        let mut parts =
            value.split('.').map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok());
        Some([parts.next()??, parts.next().flatten().unwrap_or(0), parts.next().flatten().unwrap_or(0)])
    })
}

pub fn load(root: &HostRoot, resolve: &dyn Fn(&str) -> Option<u16>, sources: &mut SourceMap) -> Firewalld {
    let dialect = Dialect { version: installed_version(root) };
    let fw = Firewalld { dialect, service: service(root), ..Firewalld::default() };
    let mut r = Reader { root, sources, resolve, fw };
    let mut user = Config::default();
    let mut stock = Config::default();
    let has_stock_dir = root.is_dir("/usr/lib/firewalld/zones");
    if has_stock_dir {
        for kind in ObjectKind::ALL {
            for (path, name) in r.xml_names(&format!("/usr/lib/firewalld/{}", kind.dir())) {
                r.load(&mut stock, kind, &path, &name, false);
            }
        }
    } else {
        r.load_stock_bundle(&mut stock);
    }
    r.read_conf(&mut user);
    let mut config = Config { objects: stock.objects.clone(), ..user };
    for kind in ObjectKind::ALL {
        let dir = format!("/etc/firewalld/{}", kind.dir());
        if !root.is_dir(&dir) {
            continue;
        }
        for (path, name) in r.xml_names(&dir) {
            r.load(&mut config, kind, &path, &name, true);
        }
        if kind == ObjectKind::Zone {
            // Combined zones: /etc/firewalld/zones/DIR/*.xml.
            for sub in root.glob(&format!("{dir}/*")) {
                if !root.is_dir(&sub) || sub.ends_with(".xml") {
                    continue;
                }
                let Some(dname) = sub.rsplit('/').next().map(str::to_string) else { continue };
                for (path, name) in r.xml_names(&sub) {
                    r.load(&mut config, kind, &path, &format!("{dname}/{name}"), true);
                }
            }
        }
    }
    let mut fw = r.fw;
    check(&config, &mut fw);
    let default_ok = config.has(ObjectKind::Zone, &config.default_zone);
    if !default_ok {
        let fallback = ["public", "external", "block"].into_iter().find(|z| config.has(ObjectKind::Zone, z));
        let chosen = fallback.unwrap_or("public").to_string();
        let at = config.default_zone_at.or_else(|| fw.conf_file.map(|f| Location { file: f, span: Span::default() }));
        if let Some(at) = at {
            let message = if config.default_zone_at.is_some() {
                format!(
                    "the default zone `{}` (DefaultZone) does not exist: firewalld uses `{chosen}` instead",
                    config.default_zone
                )
            } else {
                format!("no DefaultZone is set: firewalld uses `{chosen}`")
            };
            fw.findings.push(Finding { code: Code::BadDefaultZone, at, message, fallback: false, related: Vec::new() });
        }
        config.default_zone = chosen;
    } else if config.default_zone_at.is_none()
        && let Some(f) = fw.conf_file
    {
        fw.findings.push(Finding {
            code: Code::BadDefaultZone,
            at: Location { file: f, span: Span::default() },
            message: "no DefaultZone is set: firewalld uses `public`".into(),
            fallback: false,
            related: Vec::new(),
        });
    }
    fw.fallback = fw.findings.iter().any(|f| f.fallback);
    fw.running = if fw.fallback {
        Config { objects: stock.objects, default_zone: "public".into(), default_zone_at: None, iptables_backend: false }
    } else {
        config
    };
    build::build(&mut fw, resolve);
    let user_files = fw.user_files.clone();
    fw.element_rules.retain(|l| user_files.contains(&l.file));
    fw
}

/// The cross-reference checks of `check_on_disk_config` and the daemon's start, and the
/// apply-time errors `--check-config` misses (§1.4, §2.2).
fn check(config: &Config, fw: &mut Firewalld) {
    let mut push = |code: Code, at: Location, message: String, related: Vec<(Location, String)>| {
        fw.findings.push(Finding { code, at, message, fallback: true, related });
    };
    let active: Vec<&str> = config.active_zones();
    let default_zone =
        if config.has(ObjectKind::Zone, &config.default_zone) { config.default_zone.as_str() } else { "public" };
    let applied_zone = |z: &str| active.contains(&z) || z == default_zone;
    // Policies firewalld applies: each side lists ANY/HOST or an active zone.
    let policy_applied = |p: &Object| {
        !p.disabled
            && p.ingress.iter().any(|z| z.value == "ANY" || z.value == "HOST" || active.contains(&z.value.as_str()))
    };
    for kind in [ObjectKind::Zone, ObjectKind::Policy] {
        let what = if kind == ObjectKind::Zone { "zone" } else { "policy" };
        for (name, parts) in config.names(kind) {
            for part in parts.iter().filter(|p| p.user) {
                let o = &part.obj;
                let applied = if kind == ObjectKind::Zone { applied_zone(name) } else { policy_applied(o) };
                if kind == ObjectKind::Zone && config.has(ObjectKind::Policy, name) {
                    push(
                        Code::Invalid,
                        part.at(o.root),
                        format!("zone `{name}` has the same name as a policy"),
                        vec![],
                    );
                }
                // A policy named like a stock zone (a user zone of that name is reported above).
                let stock_zone = config.get(ObjectKind::Zone, name).is_some_and(|z| z.iter().all(|p| !p.user));
                if kind == ObjectKind::Policy && stock_zone {
                    push(
                        Code::Invalid,
                        part.at(o.root),
                        format!("policy `{name}` has the same name as the stock zone `{name}`"),
                        vec![],
                    );
                }
                let refs = o
                    .services
                    .iter()
                    .map(|s| (ObjectKind::Service, "names service", s))
                    .chain(o.icmp_blocks.iter().map(|i| (ObjectKind::Icmptype, "blocks ICMP type", i)));
                for (rkind, verb, r) in refs {
                    if !config.has(rkind, &r.value) {
                        let m = format!("{what} `{name}` {verb} `{}`, which does not exist", r.value);
                        push(Code::UnknownReference, part.at(r.span), m, vec![]);
                    }
                }
                for f in &o.forward_ports {
                    if f.to_port.is_empty() && f.to_addr.is_empty() {
                        push(Code::Invalid, part.at(f.span), "a forward-port needs to-port or to-addr".into(), vec![]);
                    }
                }
                if kind == ObjectKind::Policy {
                    check_policy_zones(config, part, name, &mut push);
                }
                for z in o.ingress.iter().chain(&o.egress) {
                    if z.value != "ANY" && z.value != "HOST" && !config.has(ObjectKind::Zone, &z.value) {
                        push(
                            Code::UnknownReference,
                            part.at(z.span),
                            format!("policy `{name}` names zone `{}`, which does not exist", z.value),
                            vec![],
                        );
                    }
                }
                for i in &o.interfaces {
                    if !check_interface(&i.value) {
                        push(
                            Code::Invalid,
                            part.at(i.span),
                            format!("`{}` is not a valid interface name", i.value),
                            vec![],
                        );
                    }
                }
                if applied {
                    for s in o.sources.iter().filter_map(|s| s.value.strip_prefix("ipset:").map(|n| (n, s.span))) {
                        if !config.has(ObjectKind::Ipset, s.0) {
                            push(
                                Code::UnknownReference,
                                part.at(s.1),
                                format!(
                                    "zone `{name}` binds ipset `{}`, which does not exist (firewall-offline-cmd --check-config misses this; the daemon fails applying it)",
                                    s.0
                                ),
                                vec![],
                            );
                        }
                    }
                }
                for rule in &o.rules {
                    check_rule_refs(config, rule, part, what, name, applied, &mut push);
                }
            }
        }
    }
    // Interfaces and sources bound to two zones.
    let mut bound: BTreeMap<(bool, String), (String, Location)> = BTreeMap::new();
    for (name, parts) in config.names(ObjectKind::Zone) {
        for part in parts {
            for (is_if, s) in
                part.obj.interfaces.iter().map(|s| (true, s)).chain(part.obj.sources.iter().map(|s| (false, s)))
            {
                let key = (is_if, s.value.clone());
                match bound.get(&key) {
                    Some((other, at)) if other != name => push(
                        Code::ConflictingBinding,
                        part.at(s.span),
                        format!(
                            "{} `{}` is bound to zone `{name}` and to zone `{other}`",
                            if is_if { "interface" } else { "source" },
                            s.value
                        ),
                        vec![(*at, format!("bound to `{other}` here"))],
                    ),
                    Some(_) => {}
                    None => {
                        bound.insert(key, (name.to_string(), part.at(s.span)));
                    }
                }
            }
        }
    }
    // Service includes.
    for (name, parts) in config.names(ObjectKind::Service) {
        for part in parts.iter().filter(|p| p.user) {
            for inc in &part.obj.includes {
                if !config.has(ObjectKind::Service, &inc.value) {
                    push(
                        Code::UnknownReference,
                        part.at(inc.span),
                        format!("service `{name}` includes service `{}`, which does not exist", inc.value),
                        vec![],
                    );
                }
            }
        }
    }
}

/// What firewalld's full check (run at every start, a failure makes it fall back) requires of
/// a policy's ingress and egress zones, and of the masquerade, forward-ports and marks that
/// depend on them.
fn check_policy_zones(
    config: &Config,
    part: &Loaded,
    name: &str,
    push: &mut impl FnMut(Code, Location, String, Vec<(Location, String)>),
) {
    let o = &part.obj;
    let has = |side: &[crate::ast::firewalld::Spanned<String>], z: &str| side.iter().any(|x| x.value == z);
    for (side, what) in [(&o.ingress, "ingress"), (&o.egress, "egress")] {
        let special = side.iter().find(|z| z.value == "ANY" || z.value == "HOST");
        if let Some(sp) = special
            && let Some(other) = side.iter().find(|z| z.value != sp.value)
        {
            push(
                Code::Invalid,
                part.at(other.span),
                format!(
                    "policy `{name}` lists `{}` next to `{}` as {what} zones: firewalld takes several regular zones, or ANY alone, or HOST alone",
                    other.value, sp.value
                ),
                vec![(part.at(sp.span), format!("`{}` here", sp.value))],
            );
        }
    }
    if let Some(h) = o.ingress.iter().find(|z| z.value == "HOST")
        && has(&o.egress, "HOST")
    {
        push(
            Code::Invalid,
            part.at(h.span),
            format!("policy `{name}` has HOST as both ingress and egress zone"),
            vec![],
        );
    }
    let host_out = has(&o.egress, "HOST");
    let with_interfaces = |z: &str| {
        config.get(ObjectKind::Zone, z).is_some_and(|parts| parts.iter().any(|p| !p.obj.interfaces.is_empty()))
    };
    // (element, `None` for a masquerade or the forward-port's to-addr)
    let mut checks: Vec<(Span, Option<&str>)> = Vec::new();
    if o.masquerade {
        checks.push((o.root, None));
    }
    for f in &o.forward_ports {
        checks.push((f.span, Some(f.to_addr.as_str())));
    }
    for r in &o.rules {
        match r.element.as_ref().map(|e| (&e.value, e.span)) {
            Some((Element::Masquerade, span)) => checks.push((span, None)),
            Some((Element::ForwardPort { to_addr, .. }, span)) => checks.push((span, Some(to_addr.as_str()))),
            _ => {}
        }
        if let Some(a) = r.action.as_ref().filter(|a| matches!(a.kind, crate::ast::firewalld::ActionKind::Mark(_))) {
            for z in o.egress.iter().filter(|z| with_interfaces(&z.value) && z.value != "ANY" && z.value != "HOST") {
                push(
                    Code::Invalid,
                    part.at(a.span),
                    format!(
                        "policy `{name}` marks packets towards zone `{}`, which has interfaces: firewalld refuses a mark there",
                        z.value
                    ),
                    vec![(part.at(z.span), "egress zone".into())],
                );
            }
        }
    }
    for (span, to_addr) in checks {
        let at = part.at(span);
        let problem = match to_addr {
            None if host_out => Some("masquerade is invalid towards the egress zone HOST".to_string()),
            None if has(&o.ingress, "HOST") => Some("masquerade is invalid from the ingress zone HOST".to_string()),
            None => o.ingress.iter().find(|z| config.iptables_backend && with_interfaces(&z.value)).map(|z| {
                format!("masquerade needs the nftables backend when ingress zone `{}` has interfaces", z.value)
            }),
            Some(addr) if host_out => {
                (!addr.is_empty()).then(|| "a forward-port with to-addr is invalid towards the egress zone HOST".into())
            }
            Some(_) if o.egress.is_empty() => None,
            Some("") => Some("a forward-port needs to-addr when the egress zone is ANY or a zone".into()),
            Some(_) => o
                .egress
                .iter()
                .find(|z| !has(&o.egress, "ANY") && with_interfaces(&z.value))
                .map(|z| format!("a forward-port cannot go to egress zone `{}`, which has interfaces", z.value)),
        };
        if let Some(p) = problem {
            push(Code::Invalid, at, format!("policy `{name}`: {p}"), vec![]);
        }
    }
}

fn check_rule_refs(
    config: &Config,
    rule: &crate::ast::firewalld::RichRule,
    part: &Loaded,
    what: &str,
    name: &str,
    applied: bool,
    push: &mut impl FnMut(Code, Location, String, Vec<(Location, String)>),
) {
    let missed = " (firewall-offline-cmd --check-config misses this; the daemon fails applying it at boot)";
    match rule.element.as_ref().map(|e| (&e.value, e.span)) {
        Some((Element::IcmpBlock(n) | Element::IcmpType(n), span)) if !config.has(ObjectKind::Icmptype, n) => push(
            Code::UnknownReference,
            part.at(span),
            format!("a rich rule of {what} `{name}` names ICMP type `{n}`, which does not exist"),
            vec![],
        ),
        Some((Element::Service(s), span)) if applied && !config.has(ObjectKind::Service, s) => push(
            Code::UnknownReference,
            part.at(span),
            format!("a rich rule of {what} `{name}` names service `{s}`, which does not exist{missed}"),
            vec![],
        ),
        _ => {}
    }
    if !applied {
        return;
    }
    for a in rule.source.iter().chain(&rule.destination) {
        if let Some(set) = &a.ipset
            && !config.has(ObjectKind::Ipset, set)
        {
            push(
                Code::UnknownReference,
                part.at(a.span),
                format!("a rich rule of {what} `{name}` names ipset `{set}`, which does not exist{missed}"),
                vec![],
            );
        }
    }
    // tcp-reset on anything that is not TCP: nft refuses the rule and the start fails.
    if let Some(crate::ast::firewalld::Action {
        kind: crate::ast::firewalld::ActionKind::Reject(Some(t)), span, ..
    }) = &rule.action
        && (t == "tcp-reset" || t == "tcp-rst")
        && let Some(e) = &rule.element
    {
        let families: Vec<&str> = rule.family.as_deref().map_or(vec!["ipv4", "ipv6"], |f| vec![f]);
        let non_tcp = match &e.value {
            Element::Port { protocol, .. } => protocol != "tcp",
            Element::Service(s) => build::service_entries(config, s, &families).iter().any(|(p, _)| p != "tcp"),
            Element::Protocol(_) | Element::IcmpBlock(_) | Element::IcmpType(_) => true,
            _ => false,
        };
        if non_tcp {
            push(
                Code::Invalid,
                part.at(*span),
                format!("`reject type=\"{t}\"` on traffic that is not TCP: nftables refuses the rule{missed}"),
                vec![],
            );
        }
    }
}

impl Firewalld {
    /// Why firewalld falls back, for the messages of the findings that cause it.
    /// A generated chain in firewalld's terms: "zone `public`", "zone `public` (allow rules)".
    pub fn describe_chain(&self, chain: &str) -> Option<String> {
        // An exact match first: a zone may be called `x_allow` next to a zone `x`.
        let exact = self.chain_owners.iter().find(|(c, _)| c == chain).map(|(_, owner)| owner.clone());
        exact.or_else(|| {
            self.chain_owners.iter().find_map(|(c, owner)| match chain.strip_prefix(c.as_str())?.strip_prefix('_')? {
                part @ ("pre" | "deny" | "allow" | "post") => Some(format!("{owner} ({part} rules)")),
                _ => None,
            })
        })
    }

    pub fn fallback_note() -> &'static str {
        "firewalld then starts with its full stock configuration: every file in /etc/firewalld is ignored, DefaultZone is `public`, and the public zone accepts SSH on port 22 from everywhere"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempTree;

    const PY: &str = "usr/lib/python3/dist-packages/firewall/config/__init__.py";

    fn load_tree(files: &[(&str, &str)]) -> (Firewalld, SourceMap) {
        let tree = TempTree::new(files);
        let mut sources = SourceMap::default();
        let fw = load(&HostRoot::new(tree.path()), &|_| None, &mut sources);
        (fw, sources)
    }

    /// The INPUT_ZONES lines of the IPv4 ruleset, as written.
    fn dispatch(fw: &Firewalld, sources: &SourceMap) -> Vec<String> {
        let (_, rs, _) = fw.built.iter().find(|(f, ..)| *f == Family::Ipv4).expect("an IPv4 ruleset");
        let Some(table) = rs.tables.iter().find(|t| t.name.as_str() == "filter") else { return Vec::new() };
        let Some(chain) = table.chains.iter().find(|c| &*c.name == "INPUT_ZONES") else { return Vec::new() };
        chain.rules.iter().map(|e| sources.get(e.at.file).slice(e.at.span).to_string()).collect()
    }

    #[test]
    fn release_comes_from_the_python_package() {
        let tree = TempTree::new(&[(PY, "# comment\nVERSION = '2.1.1'\n")]);
        assert_eq!(installed_version(&HostRoot::new(tree.path())), Some([2, 1, 1]));
        let tree = TempTree::new(&[("etc/firewalld/firewalld.conf", "DefaultZone=public\n")]);
        assert_eq!(installed_version(&HostRoot::new(tree.path())), None);
    }

    /// firewalld 2.x dispatches by (ingress-priority, sources before interfaces, zone name):
    /// an interface zone with priority -10 comes before a source zone with the default 0.
    #[test]
    fn ingress_priority_orders_zone_dispatch() {
        let files = [
            (PY, "VERSION = '2.0.0'\n"),
            ("etc/firewalld/firewalld.conf", "DefaultZone=drop\n"),
            ("etc/firewalld/zones/aaa.xml", "<zone><source address=\"192.0.2.0/24\"/></zone>"),
            ("etc/firewalld/zones/zzz.xml", "<zone ingress-priority=\"-10\"><interface name=\"eth0\"/></zone>"),
        ];
        let (fw, sources) = load_tree(&files);
        assert!(!fw.fallback, "{:?}", fw.findings.iter().map(|f| &f.message).collect::<Vec<_>>());
        let order = dispatch(&fw, &sources);
        let zzz = order.iter().position(|l| l.contains("interface")).expect("the interface binding");
        let aaa = order.iter().position(|l| l.contains("source")).expect("the source binding");
        assert!(zzz < aaa, "{order:?}");

        // The same tree for firewalld 1.3.3: the attribute is refused and firewalld falls back.
        let mut old = files;
        old[0] = (PY, "VERSION = '1.3.3'\n");
        let (fw, _) = load_tree(&old);
        assert!(fw.fallback);
    }

    /// Generated chains named back in firewalld's terms, zone names with underscores included.
    #[test]
    fn chains_are_described_by_their_zone() {
        let (fw, _) = load_tree(&[
            ("etc/firewalld/firewalld.conf", "DefaultZone=x\n"),
            ("etc/firewalld/zones/x.xml", "<zone/>"),
            ("etc/firewalld/zones/x_allow.xml", "<zone><interface name=\"eth1\"/></zone>"),
        ]);
        assert_eq!(fw.describe_chain("IN_x_allow").as_deref(), Some("zone `x_allow`"));
        assert_eq!(fw.describe_chain("IN_x_allow_deny").as_deref(), Some("zone `x_allow` (deny rules)"));
        assert_eq!(fw.describe_chain("IN_x_pre").as_deref(), Some("zone `x` (pre rules)"));
        assert_eq!(fw.describe_chain("INPUT_ZONES"), None);
    }

    #[test]
    fn policy_named_like_a_stock_zone_falls_back() {
        let pol = r#"<policy target="CONTINUE"><ingress-zone name="ANY"/><egress-zone name="HOST"/></policy>"#;
        let conf = ("etc/firewalld/firewalld.conf", "DefaultZone=public\n");
        let (fw, _) = load_tree(&[conf, ("etc/firewalld/policies/public.xml", pol)]);
        assert!(fw.fallback);
        assert!(fw.findings.iter().any(|f| f.message.contains("same name as the stock zone `public`")));
        // A user zone of that name is reported once, as the zone.
        let (fw, _) = load_tree(&[
            conf,
            ("etc/firewalld/policies/public.xml", pol),
            ("etc/firewalld/zones/public.xml", "<zone/>"),
        ]);
        assert_eq!(fw.findings.iter().filter(|f| f.message.contains("same name as")).count(), 1);
        let (fw, _) = load_tree(&[conf, ("etc/firewalld/policies/mypol.xml", pol)]);
        assert!(!fw.fallback);
    }

    /// The rules of one chain of one table in a family, as written in the generated text.
    fn chain_rules(fw: &Firewalld, family: Family, table: &str, chain: &str) -> Vec<String> {
        let (_, rs, _) = fw.built.iter().find(|(f, ..)| *f == family).expect("a ruleset");
        let Some(t) = rs.tables.iter().find(|t| t.name.as_str() == table) else { return Vec::new() };
        let Some(c) = t.chains.iter().find(|c| &*c.name == chain) else { return Vec::new() };
        c.rules
            .iter()
            .map(|e| {
                let r = e.rule();
                let mut words: Vec<&str> = Vec::new();
                let opts = r.params().chain(r.matches().flat_map(|m| m.options()));
                for o in opts.chain(r.target().into_iter().flat_map(|t| t.options())) {
                    words.push(o.name());
                    words.extend(o.args());
                }
                format!("{} -j {}", words.join(" "), r.target_name().unwrap_or("-"))
            })
            .collect()
    }

    /// A zone's `<forward-port>` is IPv4 only unless its to-addr is IPv6; a rich one follows its
    /// family; DNAT'd connections are accepted in INPUT before the zones.
    #[test]
    fn forward_ports_become_nat_rules() {
        let zone = r#"<zone>
            <forward-port port="2201" protocol="tcp" to-port="22"/>
            <forward-port port="23" protocol="tcp" to-addr="2001:db8::5" to-port="22"/>
            <rule family="ipv6" priority="-1"><source address="2001:db8::/64"/><forward-port port="2222" protocol="tcp" to-port="22"/></rule>
        </zone>"#;
        let (fw, _) = load_tree(&[
            ("etc/firewalld/firewalld.conf", "DefaultZone=public\n"),
            ("etc/firewalld/zones/public.xml", zone),
        ]);
        assert!(!fw.fallback, "{:?}", fw.findings);
        let v4 = chain_rules(&fw, Family::Ipv4, "nat", "PRE_public_allow");
        assert_eq!(v4.len(), 1, "{v4:?}");
        assert!(v4[0].contains("--dport 2201") && v4[0].contains("--to-ports 22 -j REDIRECT"), "{v4:?}");
        let v6 = chain_rules(&fw, Family::Ipv6, "nat", "PRE_public_allow");
        assert_eq!(v6.len(), 1, "{v6:?}");
        assert!(v6[0].contains("--dport 23 --to-destination [2001:db8::5]:22 -j DNAT"), "{v6:?}");
        let pre = chain_rules(&fw, Family::Ipv6, "nat", "PRE_public_pre");
        assert!(pre.len() == 1 && pre[0].contains("-s 2001:db8::/64"), "{pre:?}");
        assert!(chain_rules(&fw, Family::Ipv4, "filter", "INPUT").iter().any(|r| r.contains("--ctstate DNAT")));
        assert_eq!(
            fw.describe_chain("PRE_public_allow").as_deref(),
            Some("forward-ports of zone `public` (allow rules)")
        );
        // A zone named like a dispatch chain does not collide with it.
        let (fw, _) = load_tree(&[
            ("etc/firewalld/firewalld.conf", "DefaultZone=public\n"),
            (
                "etc/firewalld/zones/ZONES.xml",
                r#"<zone><source address="192.0.2.0/24"/><forward-port port="2201" protocol="tcp" to-port="22"/></zone>"#,
            ),
        ]);
        assert!(fw.built.iter().all(|(_, _, problems)| problems.is_empty()), "{:?}", fw.built[0].2);
        assert_eq!(chain_rules(&fw, Family::Ipv4, "nat", "PRE_ZONES_allow").len(), 1);
        // Without forward-ports there is no nat table at all.
        let (fw, _) = load_tree(&[("etc/firewalld/firewalld.conf", "DefaultZone=public\n")]);
        assert!(chain_rules(&fw, Family::Ipv4, "nat", "PREROUTING").is_empty());
        assert!(!chain_rules(&fw, Family::Ipv4, "filter", "INPUT").iter().any(|r| r.contains("DNAT")));
    }

    /// firewalld's start-up check of a policy's zones (checked against firewall-offline-cmd in
    /// the differential corpus, `pol_*` cases).
    #[test]
    fn policy_zone_rules_make_firewalld_fall_back() {
        let conf = ("etc/firewalld/firewalld.conf", "DefaultZone=public\n");
        let policy = |body: &str| format!(r#"<policy target="CONTINUE">{body}</policy>"#);
        let bad = [
            r#"<ingress-zone name="ANY"/><ingress-zone name="public"/><egress-zone name="HOST"/>"#,
            r#"<ingress-zone name="HOST"/><egress-zone name="HOST"/>"#,
            r#"<ingress-zone name="public"/><egress-zone name="HOST"/><masquerade/>"#,
            r#"<ingress-zone name="public"/><egress-zone name="HOST"/><forward-port port="22" protocol="tcp" to-addr="192.0.2.9"/>"#,
            r#"<ingress-zone name="public"/><egress-zone name="ANY"/><forward-port port="22" protocol="tcp" to-port="2222"/>"#,
        ];
        for body in bad {
            let (fw, _) = load_tree(&[conf, ("etc/firewalld/policies/p.xml", &policy(body))]);
            assert!(fw.fallback, "{body}");
        }
        let good = [
            r#"<ingress-zone name="public"/><egress-zone name="HOST"/><forward-port port="22" protocol="tcp" to-port="2222"/>"#,
            r#"<ingress-zone name="public"/><egress-zone name="ANY"/><forward-port port="22" protocol="tcp" to-addr="192.0.2.9"/>"#,
        ];
        for body in good {
            let (fw, _) = load_tree(&[conf, ("etc/firewalld/policies/p.xml", &policy(body))]);
            assert!(!fw.fallback, "{body}: {:?}", fw.findings);
        }
    }

    /// Every built-in stock definition reads without an issue in its own release's reader.
    #[test]
    fn stock_bundles_read_cleanly() {
        for (release, text) in STOCKS {
            let mut header = None;
            for line in text.lines() {
                if let Some(h) = line.strip_prefix("@@ ") {
                    header = Some(h);
                    continue;
                }
                let Some((dir, _)) = header.take().and_then(|h| h.split_once('/')) else { continue };
                let Some(kind) = ObjectKind::ALL.into_iter().find(|k| k.dir() == dir) else { continue };
                let obj =
                    crate::syntax::firewalld::parse(line, false, kind, &|_| None, Dialect { version: Some(release) });
                assert!(obj.issues.is_empty(), "{release:?} {dir}: {:?}", obj.issues);
            }
        }
    }

    /// A 2.x root without /usr/lib/firewalld gets 2.x's stock services (`alvr` came after 1.3.3).
    #[test]
    fn stock_copy_follows_the_release() {
        let zone = ("etc/firewalld/zones/public.xml", "<zone><service name=\"alvr\"/></zone>");
        let conf = ("etc/firewalld/firewalld.conf", "DefaultZone=public\n");
        let (fw, sources) = load_tree(&[conf, zone, (PY, "VERSION = '2.2.1'\n")]);
        assert!(!fw.fallback, "{:?}", fw.findings);
        let stock = fw.stock_file.map(|id| sources.get(id).path.display().to_string());
        assert_eq!(stock.as_deref(), Some("<built-in firewalld 2.5.0 stock definitions>"));
        let (fw, _) = load_tree(&[conf, zone, (PY, "VERSION = '1.3.3'\n")]);
        assert!(fw.fallback && fw.findings.iter().any(|f| f.message.contains("`alvr`")), "{:?}", fw.findings);
    }
}
