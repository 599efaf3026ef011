//! sshd started through systemd socket activation: `ssh.socket` (Debian, Ubuntu) or
//! `sshd.socket` (Fedora, Arch, SUSE). When such a unit is enabled and not masked, systemd owns
//! the listening sockets and hands them to sshd, so the unit's `ListenStream=` list, not
//! sshd_config's `Port`/`ListenAddress`, decides where SSH is reachable (Ubuntu ≥ 22.10 by
//! default). This module loads the unit as systemd does from a host root (systemd.unit(5): the
//! fragment found first on the unit path, drop-ins from every directory merged by file name),
//! applies `ListenStream=`/`BindIPv6Only=` (systemd.socket(5)), and models Ubuntu's
//! `sshd-socket-generator`, which rewrites the list from sshd_config at boot and on every
//! `systemctl daemon-reload`. Reads only through [`HostRoot`]; never follows a path out of it.

use crate::ast::iptables::Family;
use crate::ast::systemd::{UnitFileAst, UnitItem};
use crate::discover::{HostRoot, ReadError};
use crate::model::sshd::dump;
use crate::model::sshd::host::SshdHost;
use crate::model::sshd::keywords::Opt;
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::syntax;
use std::net::IpAddr;

/// Socket units that start sshd, with the service each is paired with, in the order looked at.
const UNITS: [(&str, &str); 2] = [("ssh.socket", "ssh.service"), ("sshd.socket", "sshd.service")];

/// Where the generator writes (its "normal" output directory).
const GENERATOR_OUT: &str = "/run/systemd/generator";

/// The system unit load path, highest precedence first (systemd.unit(5) "UNIT FILE LOAD PATH";
/// the `.control`, transient and early/late generator directories are left out). `/lib` is
/// the split-/usr location Debian still uses.
pub(crate) const UNIT_DIRS: [&str; 6] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    GENERATOR_OUT,
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Where systemd looks for generators, highest precedence first (systemd.generator(7)).
const GENERATOR_DIRS: [&str; 5] = [
    "/run/systemd/system-generators",
    "/etc/systemd/system-generators",
    "/usr/local/lib/systemd/system-generators",
    "/usr/lib/systemd/system-generators",
    "/lib/systemd/system-generators",
];

/// Ubuntu's generator (openssh-server ≥ 1:9.6p1 in 24.04).
pub const GENERATOR: &str = "sshd-socket-generator";

/// The drop-in the generator writes under `/run/systemd/generator/ssh.socket.d/`.
const GENERATOR_DROP_IN: &str = "addresses.conf";

/// The generator gives up (and writes nothing) past this many listen addresses.
const GENERATOR_MAX: usize = 16;

/// Whether systemd would start the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitState {
    /// An empty unit file or a symlink to /dev/null, at this host path.
    Masked(String),
    /// Not pulled in at boot: no `sockets.target.wants/` link.
    Disabled,
    /// Enabled through this link (host path).
    Enabled(String),
}

/// What Ubuntu's sshd-socket-generator does on this host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Generator {
    /// Not installed (or the unit is not `ssh.socket`).
    Absent,
    /// Masked (host path of the /dev/null link or empty file).
    Masked(String),
    /// Installed, but sshd_config listens on the defaults (port 22, every address, any family):
    /// it writes nothing and the unit's own `ListenStream=` stays.
    Idle,
    /// Installed and it writes its drop-in from sshd_config.
    Writes,
    /// It writes its drop-in, but a drop-in of the same name in a directory that takes
    /// precedence (the `addresses.conf` Ubuntu 22.10–23.10 migrated into /etc) hides it: that
    /// file's host path, and where it was read (`None` for a link to /dev/null).
    Shadowed { path: String, at: Option<Location> },
    /// It fails and writes nothing (the reason).
    Fails(String),
}

/// One `ListenStream=` entry in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listen {
    /// The `ListenStream=` line, or the sshd_config line the generator took it from.
    pub at: Location,
    pub addr: ListenAddr,
    /// Written by sshd-socket-generator (not in any file on disk).
    pub generated: bool,
}

/// A `ListenStream=` address (systemd.socket(5)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    /// A bare port: IPv6 any address, IPv4 too unless `BindIPv6Only=ipv6-only`.
    Port(u16),
    /// `v.w.x.y:z` or `[x]:y` (a `%dev` scope is dropped).
    Inet(IpAddr, u16),
    /// Not TCP/IP: an AF_UNIX path or abstract name, `vsock:`, or another `Listen*=` kind.
    Local,
}

/// Something systemd logs about the unit files (and then ignores, unless `fatal`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitProblem {
    pub at: Location,
    pub message: String,
    pub help: Option<String>,
    /// The unit cannot be loaded at all.
    pub fatal: bool,
}

/// A listening socket the unit opens, as the firewall sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpListen {
    pub family: Family,
    pub port: u16,
    /// `None`: every address of the family.
    pub addr: Option<IpAddr>,
    pub at: Location,
    pub generated: bool,
}

/// The socket unit of one host, as systemd would load it.
#[derive(Clone, Debug)]
pub struct SocketUnit {
    /// `ssh.socket` or `sshd.socket`.
    pub unit: &'static str,
    pub state: UnitState,
    /// The unit file and the drop-ins read, in the order applied.
    pub files: Vec<FileId>,
    /// `ListenStream=` (and other `Listen*=`) entries in force, in order.
    pub listens: Vec<Listen>,
    /// The last `ListenStream=` with an empty value (it empties the list).
    pub reset: Option<Location>,
    /// `BindIPv6Only=` is not `ipv6-only`: an IPv6 wildcard accepts IPv4 too.
    pub dual_stack: bool,
    pub generator: Generator,
    pub problems: Vec<UnitProblem>,
    /// Where the unit file starts (for findings about the unit as a whole).
    pub fragment: Option<Location>,
    /// systemd cannot load the unit (a fatal problem): it listens nowhere.
    pub broken: bool,
}

impl SocketUnit {
    /// The unit decides where sshd listens: enabled and not masked.
    pub fn decides(&self) -> bool {
        matches!(self.state, UnitState::Enabled(_))
    }

    /// The TCP sockets the unit opens (none when it cannot be loaded or has no `Listen*=`).
    pub fn tcp(&self) -> Vec<TcpListen> {
        let mut out = Vec::new();
        if self.broken {
            return out;
        }
        for l in &self.listens {
            let mut push = |family, port, addr: Option<IpAddr>| {
                let addr = addr.filter(|a| !a.is_unspecified());
                out.push(TcpListen { family, port, addr, at: l.at, generated: l.generated });
            };
            match l.addr {
                ListenAddr::Port(p) => {
                    push(Family::Ipv6, p, None);
                    if self.dual_stack {
                        push(Family::Ipv4, p, None);
                    }
                }
                ListenAddr::Inet(ip @ IpAddr::V4(_), p) => push(Family::Ipv4, p, Some(ip)),
                ListenAddr::Inet(ip @ IpAddr::V6(_), p) => {
                    push(Family::Ipv6, p, Some(ip));
                    if self.dual_stack && ip.is_unspecified() {
                        push(Family::Ipv4, p, None);
                    }
                }
                ListenAddr::Local => {}
            }
        }
        out
    }

    /// Nothing is left to listen on: systemd refuses to load a socket unit without `Listen*=`.
    pub fn empty(&self) -> bool {
        self.listens.is_empty()
    }
}

/// Load the host's sshd socket unit, if one exists. `host` is the sshd side already loaded
/// (the generator reads sshd_config); the files read are added to `sources`.
pub fn load(root: &HostRoot, host: &SshdHost, sources: &mut SourceMap) -> Option<SocketUnit> {
    let mut found: Vec<SocketUnit> =
        UNITS.iter().filter_map(|&(unit, service)| load_unit(root, host, unit, service, sources)).collect();
    // Both present (unusual): the one that is enabled, else the Debian name.
    let pick = found.iter().position(SocketUnit::decides).unwrap_or(0);
    (pick < found.len()).then(|| found.swap_remove(pick))
}

/// Where a host path really is, for the source map.
fn display(root: &HostRoot, host_path: &str) -> std::path::PathBuf {
    root.dir.join(host_path.trim_start_matches('/'))
}

/// The host path is a symlink (possibly through others) to /dev/null.
pub(crate) fn is_dev_null(root: &HostRoot, host_path: &str) -> bool {
    root.resolve(host_path).is_ok_and(|p| p == root.dir.join("dev/null"))
}

/// A name in a directory that exists, even as a dangling symlink (systemd looks at the name of
/// a `.wants/` entry, not at its target).
pub(crate) fn present(root: &HostRoot, host_path: &str) -> bool {
    !root.glob(host_path).is_empty()
}

fn load_unit(
    root: &HostRoot,
    host: &SshdHost,
    unit: &'static str,
    service: &str,
    sources: &mut SourceMap,
) -> Option<SocketUnit> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    // The unit file: the first on the load path.
    let mut fragment = None;
    for dir in UNIT_DIRS {
        let path = format!("{dir}/{unit}");
        if is_dev_null(root, &path) {
            return Some(bare(unit, UnitState::Masked(path)));
        }
        match root.read(&path) {
            Ok(bytes) if bytes.is_empty() => return Some(bare(unit, UnitState::Masked(path))),
            Ok(bytes) => {
                fragment = Some((path, bytes));
                break;
            }
            Err(ReadError::NotFound | ReadError::IsDirectory) => {}
            Err(e) => {
                let id = sources.add(SourceFile::new(display(root, &path), Vec::new()));
                files.push(id);
                let problem = unreadable_problem(&e, &path, unit, Location { file: id, span: Span::default() });
                // Only sshlint is shut out: systemd reads it, so which ports it opens is unknown
                // and sshd_config is used instead.
                if !problem.fatal {
                    let mut s = bare(unit, UnitState::Disabled);
                    s.files = files;
                    s.problems.push(problem);
                    return Some(s);
                }
                problems.push(problem);
                break;
            }
        }
    }
    let state = enablement(root, unit, service);
    let unreadable = !problems.is_empty();
    let (frag_path, frag_bytes) = match fragment {
        Some(f) => f,
        None if unreadable => (String::new(), Vec::new()),
        None => return None,
    };
    let generator = if unit == "ssh.socket" { generator_state(root, host) } else { Generator::Absent };
    let mut socket = SocketUnit {
        unit,
        state,
        files,
        listens: Vec::new(),
        reset: None,
        dual_stack: true,
        generator,
        problems,
        fragment: None,
        broken: unreadable,
    };
    if unreadable {
        return Some(socket);
    }
    let id = sources.add(SourceFile::new(display(root, &frag_path), frag_bytes));
    socket.fragment = Some(Location { file: id, span: Span::default() });
    socket.files.push(id);
    apply(&mut socket, id, sources);
    let generated = generated_listens(host, &socket.generator);
    let installed = !matches!(socket.generator, Generator::Absent | Generator::Masked(_));
    let writes = matches!(socket.generator, Generator::Writes);
    for drop_in in drop_ins(root, unit, installed, writes) {
        match drop_in {
            DropIn::Generator => {
                socket.reset = None;
                socket.listens.clear();
                socket.listens.extend(generated.iter().cloned());
            }
            DropIn::Shadowing(path) => {
                let at = read_drop_in(root, &path, &mut socket, sources)
                    .map(|file| Location { file, span: Span::default() });
                socket.generator = Generator::Shadowed { path, at };
            }
            DropIn::File(path) => {
                read_drop_in(root, &path, &mut socket, sources);
            }
        }
    }
    if socket.empty() && socket.decides() && !socket.broken {
        let at = socket.reset.or(socket.fragment).unwrap_or_default();
        socket.problems.push(UnitProblem {
            at,
            message: format!(
                "{unit} has no `ListenStream=` left: systemd refuses to load it, and nothing listens for SSH"
            ),
            help: Some("add `ListenStream=22` (or the port clients use) after the empty `ListenStream=`".into()),
            fatal: true,
        });
        socket.broken = true;
    }
    Some(socket)
}

/// A unit whose files say nothing (masked, or unreadable to sshlint).
fn bare(unit: &'static str, state: UnitState) -> SocketUnit {
    SocketUnit {
        unit,
        state,
        files: Vec::new(),
        listens: Vec::new(),
        reset: None,
        dual_stack: true,
        generator: Generator::Absent,
        problems: Vec::new(),
        fragment: None,
        broken: false,
    }
}

/// `systemctl enable` links the unit into `sockets.target.wants/` (`WantedBy=sockets.target`);
/// Ubuntu's unit also has `RequiredBy=ssh.service`, which starts it with the service.
fn enablement(root: &HostRoot, unit: &str, service: &str) -> UnitState {
    for dir in UNIT_DIRS {
        let link = format!("{dir}/sockets.target.wants/{unit}");
        if present(root, &link) {
            return UnitState::Enabled(link);
        }
    }
    let service_enabled = UNIT_DIRS.iter().any(|dir| {
        present(root, &format!("{dir}/multi-user.target.wants/{service}"))
            || present(root, &format!("{dir}/multi-user.target.wants/sshd.service"))
    });
    if service_enabled {
        for dir in UNIT_DIRS {
            let link = format!("{dir}/{service}.requires/{unit}");
            if present(root, &link) {
                return UnitState::Enabled(link);
            }
        }
    }
    UnitState::Disabled
}

/// A drop-in to apply, in order.
enum DropIn {
    File(String),
    /// The generator's `addresses.conf`, computed rather than read.
    Generator,
    /// A file that hides the generator's drop-in (same name, higher precedence).
    Shadowing(String),
}

/// The drop-ins systemd applies, in order: every `<unit>.d/*.conf` and `socket.d/*.conf` on the
/// load path, one per file name (the unit's own directories before `socket.d/`, then load-path
/// order), sorted by file name. With the generator installed, what `/run/systemd/generator` holds
/// is replaced by what it writes now (a reload empties that directory and reruns it).
fn drop_ins(root: &HostRoot, unit: &str, generator_installed: bool, generator_writes: bool) -> Vec<DropIn> {
    let mut chosen: Vec<(String, DropIn)> = Vec::new();
    let mut take = |name: String, d: DropIn| {
        if !chosen.iter().any(|(n, _)| *n == name) {
            chosen.push((name, d));
        }
    };
    for dir in UNIT_DIRS {
        let unit_dir = format!("{dir}/{unit}.d");
        if generator_installed && dir == GENERATOR_OUT {
            if generator_writes {
                take(GENERATOR_DROP_IN.to_string(), DropIn::Generator);
            }
            continue;
        }
        for path in root.glob(&format!("{unit_dir}/*.conf")) {
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            let shadows = generator_writes && name == GENERATOR_DROP_IN;
            take(name, if shadows { DropIn::Shadowing(path) } else { DropIn::File(path) });
        }
    }
    for dir in UNIT_DIRS {
        for path in root.glob(&format!("{dir}/socket.d/*.conf")) {
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            take(name, DropIn::File(path));
        }
    }
    chosen.sort_by(|a, b| a.0.cmp(&b.0));
    chosen.into_iter().map(|(_, d)| d).collect()
}

/// Read and apply one drop-in; its file id when it was read.
fn read_drop_in(root: &HostRoot, path: &str, socket: &mut SocketUnit, sources: &mut SourceMap) -> Option<FileId> {
    // A drop-in linked to /dev/null masks same-named ones and says nothing.
    if is_dev_null(root, path) {
        return None;
    }
    match root.read(path) {
        Ok(bytes) => {
            let id = sources.add(SourceFile::new(display(root, path), bytes));
            socket.files.push(id);
            apply(socket, id, sources);
            Some(id)
        }
        Err(ReadError::NotFound | ReadError::IsDirectory) => None,
        Err(e) => {
            let id = sources.add(SourceFile::new(display(root, path), Vec::new()));
            socket.files.push(id);
            let problem = unreadable_problem(&e, path, socket.unit, Location { file: id, span: Span::default() });
            socket.broken |= problem.fatal;
            socket.problems.push(problem);
            Some(id)
        }
    }
}

/// A unit file that cannot be read. Permission denied to sshlint running as another user than
/// root is sshlint's problem, not systemd's (it runs as root).
fn unreadable_problem(e: &ReadError, path: &str, unit: &str, at: Location) -> UnitProblem {
    if *e == ReadError::PermissionDenied && crate::platform::euid() != 0 {
        return UnitProblem {
            at,
            message: format!("`{path}` {}: sshlint cannot check {unit}", e.describe()),
            help: Some("run sshlint as root to audit a live system".into()),
            fatal: false,
        };
    }
    UnitProblem {
        at,
        message: format!("`{path}` {}: systemd cannot load {unit}", e.describe()),
        help: Some("check the file and its permissions".into()),
        fatal: true,
    }
}

/// Apply one file's `[Socket]` settings.
fn apply(socket: &mut SocketUnit, file: FileId, sources: &SourceMap) {
    let ast: UnitFileAst = syntax::systemd::parse(&sources.get(file).text);
    let loc = |span: Span| Location { file, span };
    for item in &ast.items {
        let a = match item {
            UnitItem::Section { .. } => continue,
            UnitItem::Invalid { span, error, fatal } => {
                socket.problems.push(UnitProblem {
                    at: loc(*span),
                    message: if *fatal {
                        format!("{error}: systemd refuses to load {}", socket.unit)
                    } else {
                        format!("{error}: systemd ignores the line")
                    },
                    help: Some(
                        if *fatal { "close the section header with `]`" } else { "write settings as `Key=value`" }
                            .into(),
                    ),
                    fatal: *fatal,
                });
                socket.broken |= *fatal;
                continue;
            }
            UnitItem::Assignment(a) => a,
        };
        let socket_key = matches!(a.key.as_str(), "ListenStream" | "BindIPv6Only");
        if a.section.is_none() {
            socket.problems.push(UnitProblem {
                at: loc(a.span),
                message: format!("`{}=` comes before any section header: systemd ignores it", a.key),
                help: Some("put it under `[Socket]`".into()),
                fatal: false,
            });
            continue;
        }
        if a.section.as_deref() != Some("Socket") {
            if socket_key {
                socket.problems.push(UnitProblem {
                    at: loc(a.span),
                    message: format!(
                        "`{}=` is in `[{}]`, not `[Socket]`: systemd ignores it",
                        a.key,
                        a.section.as_deref().unwrap_or_default()
                    ),
                    help: Some("move it under `[Socket]`".into()),
                    fatal: false,
                });
            }
            continue;
        }
        match a.key.as_str() {
            "ListenStream" | "ListenDatagram" | "ListenSequentialPacket" if a.value.is_empty() => {
                socket.listens.clear();
                socket.reset = Some(loc(a.span));
            }
            "ListenStream" => match listen_address(&a.value) {
                Ok(addr) => socket.listens.push(Listen { at: loc(a.span), addr, generated: false }),
                Err(why) => socket.problems.push(UnitProblem {
                    at: loc(a.value_span),
                    message: format!("`ListenStream={}` {why}: systemd ignores it", a.value),
                    help: Some("write a port (`22`), `192.0.2.1:22` or `[2001:db8::1]:22`".into()),
                    fatal: false,
                }),
            },
            "ListenDatagram"
            | "ListenSequentialPacket"
            | "ListenFIFO"
            | "ListenSpecial"
            | "ListenNetlink"
            | "ListenMessageQueue"
            | "ListenUSBFunction" => {
                socket.listens.push(Listen { at: loc(a.span), addr: ListenAddr::Local, generated: false });
            }
            "BindIPv6Only" => match bind_ipv6_only(&a.value) {
                Some(dual) => socket.dual_stack = dual,
                None => socket.problems.push(UnitProblem {
                    at: loc(a.value_span),
                    message: format!(
                        "`BindIPv6Only={}` is not `default`, `both` or `ipv6-only`: systemd ignores it",
                        a.value
                    ),
                    help: Some("use `both` or `ipv6-only`".into()),
                    fatal: false,
                }),
            },
            k if k.eq_ignore_ascii_case("ListenStream") || k.eq_ignore_ascii_case("BindIPv6Only") => {
                socket.problems.push(UnitProblem {
                    at: loc(a.key_span),
                    message: format!("`{k}` is not a systemd setting (names are case-sensitive): systemd ignores it"),
                    help: Some(format!(
                        "spell it `{}`",
                        if k.eq_ignore_ascii_case("ListenStream") { "ListenStream" } else { "BindIPv6Only" }
                    )),
                    fatal: false,
                });
            }
            _ => {}
        }
    }
}

/// `BindIPv6Only=`: whether IPv6 wildcards accept IPv4 (`default` follows the kernel's
/// `net.ipv6.bindv6only`, 0 unless changed); booleans are accepted, true meaning ipv6-only.
/// `None` when systemd cannot parse it.
pub fn bind_ipv6_only(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "default" | "both" | "0" | "no" | "false" | "off" | "n" | "f" => Some(true),
        "ipv6-only" | "1" | "yes" | "true" | "on" | "y" | "t" => Some(false),
        _ => None,
    }
}

/// A `ListenStream=` address (systemd.socket(5), `socket_address_parse`). `Err` says why
/// systemd cannot read it.
pub fn listen_address(value: &str) -> Result<ListenAddr, String> {
    if value.starts_with('/') || value.starts_with('@') || value.starts_with("vsock:") {
        return Ok(ListenAddr::Local);
    }
    if let Some(rest) = value.strip_prefix('[') {
        let Some((host, after)) = rest.split_once(']') else { return Err("has no closing `]`".into()) };
        let Some(port) = after.strip_prefix(':') else { return Err("has no `:port` after `]`".into()) };
        let port = port.split_once('%').map_or(port, |(p, _)| p);
        let ip: std::net::Ipv6Addr = host.parse().map_err(|_| format!("has `{host}`, not an IPv6 address"))?;
        return Ok(ListenAddr::Inet(IpAddr::V6(ip), ip_port(port)?));
    }
    if value.matches(':').count() > 1 {
        return Err("is an IPv6 address without brackets".into());
    }
    match value.split_once(':') {
        Some((host, port)) => {
            let port = ip_port(port)?;
            let ip: std::net::Ipv4Addr = host
                .parse()
                .map_err(|_| format!("has `{host}`, not an IPv4 address (IPv6 is written `[address]:port`)"))?;
            Ok(ListenAddr::Inet(IpAddr::V4(ip), port))
        }
        None => Ok(ListenAddr::Port(ip_port(value)?)),
    }
}

/// A TCP port, 1–65535.
fn ip_port(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(0) => Err("has port 0".into()),
        Ok(p) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err(format!("has `{s}`, not a port")),
    }
}

/// Whether Ubuntu's generator is installed and not masked, and what it does with sshd_config.
fn generator_state(root: &HostRoot, host: &SshdHost) -> Generator {
    let mut installed = None;
    for dir in GENERATOR_DIRS {
        let path = format!("{dir}/{GENERATOR}");
        if is_dev_null(root, &path) {
            return Generator::Masked(path);
        }
        if present(root, &path) {
            installed = Some(path);
            break;
        }
    }
    let Some(path) = installed else { return Generator::Absent };
    if root.read(&path).is_ok_and(|b| b.is_empty()) {
        return Generator::Masked(path);
    }
    match generator_output(host) {
        Ok(Some(_)) => Generator::Writes,
        Ok(None) => Generator::Idle,
        Err(why) => Generator::Fails(why),
    }
}

/// The listen addresses the generator writes from sshd_config, with the sshd_config line each
/// comes from; `None` when it writes nothing because they are the defaults.
///
/// Ubuntu's generator parses /etc/ssh/sshd_config (with its Includes) as sshd does and takes
/// every ListenAddress × Port pair (0.0.0.0 and :: on every Port without ListenAddress, as
/// AddressFamily allows). It writes `ListenStream=` (reset) and one `ListenStream=addr:port`
/// per distinct pair, unless every pair is 0.0.0.0 or :: on port 22 with `AddressFamily any`;
/// more than 16 pairs make it fail.
fn generator_output(host: &SshdHost) -> Result<Option<Vec<Listen>>, String> {
    if host.loaded.main_error.is_some() {
        return Err("/etc/ssh/sshd_config cannot be read".into());
    }
    if host.startup.fatal() {
        return Err("sshd_config has errors that stop sshd".into());
    }
    let g = host.global();
    let pairs = dump::listen_addresses(g, &|n| host.resolve(n)).map_err(|dump::BadListen(m)| m)?;
    let family_set = g.num(Opt::AddressFamily) != 0;
    let mut out: Vec<Listen> = Vec::new();
    for (ip, port) in pairs {
        let addr = ListenAddr::Inet(ip, port);
        if !out.iter().any(|l| l.addr == addr) {
            out.push(Listen { at: generator_origin(host, port), addr, generated: true });
        }
    }
    if out.len() > GENERATOR_MAX {
        return Err(format!(
            "sshd_config has {} listen addresses, more than the {GENERATOR_MAX} it handles",
            out.len()
        ));
    }
    let default = |l: &Listen| matches!(l.addr, ListenAddr::Inet(ip, 22) if ip.is_unspecified());
    let custom = family_set || !out.iter().all(default);
    Ok((custom && !out.is_empty()).then_some(out))
}

/// The sshd_config line a generated address comes from: its ListenAddress, else the Port line
/// of its port, else AddressFamily.
fn generator_origin(host: &SshdHost, port: u16) -> Location {
    let g = host.global();
    if let Some(at) = g.origin(Opt::ListenAddress) {
        return at;
    }
    if let Some(s) = host.startup.settings.get(Opt::Port) {
        let ports = g.nums(Opt::Port);
        if let Some(i) = ports.iter().position(|&p| p == i64::from(port))
            && let Some(at) = s.at.get(i)
        {
            return *at;
        }
    }
    g.origin(Opt::Port).or_else(|| g.origin(Opt::AddressFamily)).unwrap_or_default()
}

/// The generator's `ListenStream=` entries.
fn generated_listens(host: &SshdHost, generator: &Generator) -> Vec<Listen> {
    if !matches!(generator, Generator::Writes) {
        return Vec::new();
    }
    generator_output(host).ok().flatten().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_address_forms() {
        assert_eq!(listen_address("22"), Ok(ListenAddr::Port(22)));
        assert_eq!(listen_address("0.0.0.0:2222"), Ok(ListenAddr::Inet(IpAddr::from([0, 0, 0, 0]), 2222)));
        assert_eq!(listen_address("[::]:22"), Ok(ListenAddr::Inet(IpAddr::from([0u16; 8]), 22)));
        assert_eq!(listen_address("[::1]:2222"), Ok(ListenAddr::Inet(IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1u16]), 2222)));
        assert_eq!(listen_address("[fe80::1]:22%eth0").map(|_| ()), Ok(()));
        assert_eq!(listen_address("/run/ssh.sock"), Ok(ListenAddr::Local));
        assert_eq!(listen_address("@ssh"), Ok(ListenAddr::Local));
        assert_eq!(listen_address("vsock::22"), Ok(ListenAddr::Local));
    }

    #[test]
    fn bad_listen_addresses_say_why() {
        for bad in ["0", "65536", "ssh", "[::1]", "[::1:22", "host:22", "1.2.3.4:", "+22", "[zz]:22", "::1:22"] {
            assert!(listen_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bind_ipv6_only_values() {
        assert_eq!(bind_ipv6_only("both"), Some(true));
        assert_eq!(bind_ipv6_only("default"), Some(true));
        assert_eq!(bind_ipv6_only("ipv6-only"), Some(false));
        assert_eq!(bind_ipv6_only("yes"), Some(false));
        assert_eq!(bind_ipv6_only("no"), Some(true));
        assert_eq!(bind_ipv6_only("v6"), None);
    }

    /// Load the socket unit of a host root written from `(path, content)` pairs.
    fn load_tree(files: &[(&str, &str)]) -> Option<SocketUnit> {
        let tree = crate::testing::TempTree::new(files);
        let mut sources = SourceMap::default();
        let root = HostRoot::new(tree.path());
        let host = SshdHost::from_root(root, Some(crate::model::sshd::version::Version::new(9, 6)), &mut sources);
        host.socket
    }

    const UNIT: (&str, &str) = ("/usr/lib/systemd/system/ssh.socket", "[Socket]\nListenStream=22\n");
    const WANTS: (&str, &str) = ("/etc/systemd/system/sockets.target.wants/ssh.socket", "");
    const GEN: (&str, &str) = ("/usr/lib/systemd/system-generators/sshd-socket-generator", "#!/bin/sh\n");

    fn ports(s: &SocketUnit) -> Vec<(Family, u16)> {
        s.tcp().iter().map(|t| (t.family, t.port)).collect()
    }

    #[test]
    fn generator_writes_nothing_for_the_defaults() {
        let s = load_tree(&[("/etc/ssh/sshd_config", "Port 22\n"), UNIT, WANTS, GEN]).expect("unit");
        assert_eq!(s.generator, Generator::Idle);
        assert!(s.listens.iter().all(|l| !l.generated));
        // The admin's drop-in stays in force then.
        let drop_in = ("/etc/systemd/system/ssh.socket.d/x.conf", "[Socket]\nListenStream=\nListenStream=2222\n");
        let s = load_tree(&[("/etc/ssh/sshd_config", "Port 22\n"), UNIT, WANTS, GEN, drop_in]).expect("unit");
        assert_eq!(ports(&s), [(Family::Ipv6, 2222), (Family::Ipv4, 2222)]);
    }

    #[test]
    fn generator_follows_address_family_and_listen_address() {
        let s = load_tree(&[("/etc/ssh/sshd_config", "AddressFamily inet\n"), UNIT, WANTS, GEN]).expect("unit");
        assert_eq!(s.generator, Generator::Writes);
        assert_eq!(ports(&s), [(Family::Ipv4, 22)]);
        let s =
            load_tree(&[("/etc/ssh/sshd_config", "ListenAddress 192.0.2.1:2200\n"), UNIT, WANTS, GEN]).expect("unit");
        let t = s.tcp();
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].port, t[0].addr), (2200, Some(IpAddr::from([192, 0, 2, 1]))));
        assert!(t[0].generated);
    }

    #[test]
    fn generator_gives_up_past_sixteen_addresses() {
        let config: String = (0..17).map(|i| format!("Port {}\n", 2000 + i)).collect();
        let s = load_tree(&[("/etc/ssh/sshd_config", config.as_str()), UNIT, WANTS, GEN]).expect("unit");
        assert!(matches!(s.generator, Generator::Fails(_)), "{:?}", s.generator);
        assert_eq!(ports(&s), [(Family::Ipv6, 22), (Family::Ipv4, 22)]);
    }

    #[test]
    fn empty_unit_file_is_masked_and_requires_link_needs_the_service() {
        let s = load_tree(&[("/etc/ssh/sshd_config", ""), UNIT, WANTS, ("/etc/systemd/system/ssh.socket", "")])
            .expect("unit");
        assert!(matches!(s.state, UnitState::Masked(_)) && !s.decides());
        let requires = ("/etc/systemd/system/ssh.service.requires/ssh.socket", "");
        let s = load_tree(&[("/etc/ssh/sshd_config", ""), UNIT, requires]).expect("unit");
        assert_eq!(s.state, UnitState::Disabled);
        let service = ("/etc/systemd/system/multi-user.target.wants/ssh.service", "");
        let s = load_tree(&[("/etc/ssh/sshd_config", ""), UNIT, requires, service]).expect("unit");
        assert!(s.decides());
    }

    #[test]
    fn sshd_socket_is_the_other_name() {
        let unit = ("/usr/lib/systemd/system/sshd.socket", "[Socket]\nListenStream=2222\nAccept=yes\n");
        let wants = ("/etc/systemd/system/sockets.target.wants/sshd.socket", "");
        let s = load_tree(&[("/etc/ssh/sshd_config", ""), unit, wants]).expect("unit");
        assert_eq!(s.unit, "sshd.socket");
        assert_eq!(ports(&s), [(Family::Ipv6, 2222), (Family::Ipv4, 2222)]);
        assert!(load_tree(&[("/etc/ssh/sshd_config", "")]).is_none());
    }

    #[test]
    fn random_unit_text_never_panics() {
        let pieces = ["[Socket]", "\n", "ListenStream=", "[::", "]:", "22", "\\", "#", ";", "=", "%", "\u{e9}", " "];
        let mut state: u64 = 0x5eed_1234_abcd_0001;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(state % 24) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let ast = syntax::systemd::parse(&text);
            for a in ast.assignments("Socket") {
                let _ = listen_address(&a.value);
                assert!(a.span.end as usize <= text.len() && a.value_span.end as usize <= text.len());
            }
        }
    }
}
