//! Finding what to lint: walking paths (walkdir), detecting file kinds, inferring host roots,
//! and reading files *inside* a host root without ever leaving it: absolute paths and symlink
//! targets resolve against the root, FIFOs and devices are never opened, reads are bounded.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Largest file sshlint reads (sshd configs are kilobytes; this bounds pathological input).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
const MAX_SYMLINKS: usize = 40;

/// What kind of file a path holds, as far as sshlint cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    SshdConfig,
    SshdDropIn,
    /// iptables-save / iptables-restore input for IPv4 (`rules.v4`, a dump).
    IptablesSave,
    /// The same for IPv6 (`rules.v6`, `ip6tables-save` output).
    Ip6tablesSave,
    /// ufw's `before/after/user(6).rules`.
    UfwRules,
    /// `/etc/ufw/ufw.conf`.
    UfwConf,
    /// `/etc/default/ufw`.
    UfwDefault,
    /// An application profile in `/etc/ufw/applications.d/`.
    UfwApplication,
    /// `/etc/firewalld/firewalld.conf`.
    FirewalldConf,
    /// A firewalld zone, policy, service, ipset, icmptype or helper file.
    FirewalldXml,
    /// sshlint's built-in copy of firewalld's stock definitions (the root has no
    /// `/usr/lib/firewalld`).
    FirewalldStock,
    /// A systemd unit file or drop-in read for sshd's socket unit (`ssh.socket`,
    /// `ssh.socket.d/*.conf`). Only read through a host root.
    SystemdUnit,
    /// An authorized keys file sshd would read for an account (through a host root).
    AuthorizedKeys,
    /// The root's `etc/passwd`, when it has lines to report.
    Passwd,
    /// A home, `~/.ssh`, key file or private key whose owner and mode a finding is about
    /// (its content is not what the finding reads).
    LoginPath,
    /// sshlint's own configuration file, when a finding points into it (SL001).
    SshlintConfig,
    Unknown,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::SshdConfig => "sshd_config",
            FileKind::SshdDropIn => "sshd_config_dropin",
            FileKind::IptablesSave => "iptables-save",
            FileKind::Ip6tablesSave => "ip6tables-save",
            FileKind::UfwRules => "ufw-rules",
            FileKind::UfwConf => "ufw-conf",
            FileKind::UfwDefault => "ufw-default",
            FileKind::UfwApplication => "ufw-application",
            FileKind::FirewalldConf => "firewalld-conf",
            FileKind::FirewalldXml => "firewalld-xml",
            FileKind::FirewalldStock => "firewalld-stock-builtin",
            FileKind::SystemdUnit => "systemd-unit",
            FileKind::AuthorizedKeys => "authorized-keys",
            FileKind::Passwd => "passwd",
            FileKind::LoginPath => "login-path",
            FileKind::SshlintConfig => "sshlint-config",
            FileKind::Unknown => "unknown",
        }
    }

    pub fn is_firewall(self) -> bool {
        matches!(
            self,
            FileKind::IptablesSave
                | FileKind::Ip6tablesSave
                | FileKind::UfwRules
                | FileKind::UfwConf
                | FileKind::UfwDefault
                | FileKind::UfwApplication
                | FileKind::FirewalldConf
                | FileKind::FirewalldXml
                | FileKind::FirewalldStock
        )
    }
}

/// Classify by path: `sshd_config`, `sshd_config.d/*.conf`, `rules.v4`/`rules.v6`,
/// `iptables-save` dumps, ufw's files.
pub fn kind_from_path(path: &Path) -> FileKind {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    match (parent, name) {
        (_, "sshd_config") => FileKind::SshdConfig,
        ("sshd_config.d", n) if n.ends_with(".conf") => FileKind::SshdDropIn,
        (_, "rules.v4" | "iptables.rules" | "iptables-save" | "iptables-save.txt") => FileKind::IptablesSave,
        ("sysconfig", "iptables") => FileKind::IptablesSave,
        (_, "rules.v6" | "ip6tables.rules" | "ip6tables-save" | "ip6tables-save.txt") => FileKind::Ip6tablesSave,
        ("sysconfig", "ip6tables") => FileKind::Ip6tablesSave,
        ("ufw", "ufw.conf") => FileKind::UfwConf,
        ("ufw", n) if n.ends_with(".rules") => FileKind::UfwRules,
        ("default", "ufw") => FileKind::UfwDefault,
        ("firewalld", "firewalld.conf") => FileKind::FirewalldConf,
        (_, n) if n.ends_with(".xml") && in_firewalld_tree(path) => FileKind::FirewalldXml,
        _ => FileKind::Unknown,
    }
}

/// `…/firewalld/{zones,services,policies,ipsets,icmptypes,helpers}/X.xml`, or a combined zone's
/// `…/firewalld/zones/DIR/X.xml`.
fn in_firewalld_tree(path: &Path) -> bool {
    use crate::ast::firewalld::ObjectKind;
    let names: Vec<&str> = path.iter().rev().skip(1).take(3).filter_map(|c| c.to_str()).collect();
    match names.as_slice() {
        [kind, "firewalld", ..] => ObjectKind::ALL.iter().any(|k| k.dir() == *kind),
        [_, "zones", "firewalld"] => true,
        _ => false,
    }
}

/// A firewalld XML document (its root element), for a file named outside a firewalld tree.
fn looks_like_firewalld(text: &str) -> bool {
    use crate::ast::firewalld::ObjectKind;
    let body = text.trim_start_matches('\u{feff}');
    let mut rest = body;
    // Skip the XML declaration, comments and a DOCTYPE.
    while let Some(tag) = rest.trim_start().strip_prefix('<') {
        if tag.starts_with('?') || tag.starts_with('!') {
            rest = tag.split_once('>').map_or("", |(_, r)| r);
            continue;
        }
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        return ObjectKind::ALL.iter().any(|k| k.as_str() == name);
    }
    false
}

/// An iptables-save file: a `*table` line and a `COMMIT` line.
fn looks_like_iptables(text: &str) -> bool {
    let mut table = false;
    for line in text.lines() {
        if matches!(line.trim_end(), "*filter" | "*nat" | "*mangle" | "*raw" | "*security") {
            table = true;
        } else if table && line.trim_end() == "COMMIT" {
            return true;
        }
    }
    false
}

/// Classify by content when the path says nothing: an sshd config has directive lines whose
/// first word is an sshd keyword.
pub fn kind_from_content(bytes: &[u8]) -> FileKind {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    if looks_like_iptables(&String::from_utf8_lossy(bytes)) {
        return FileKind::IptablesSave;
    }
    let mut known = 0;
    let mut lines = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        lines += 1;
        let word = line.split([' ', '\t', '=']).next().unwrap_or("");
        if crate::model::sshd::keywords::lookup(crate::model::sshd::version::Version::NEWEST, word).is_some() {
            known += 1;
        }
    }
    if lines > 0 && known * 2 > lines { FileKind::SshdConfig } else { FileKind::Unknown }
}

/// If `path` is under `<root>/etc/ssh/`, `<root>/etc/ufw/`, `<root>/etc/iptables/`, or is
/// `<root>/etc/default/ufw` or `<root>/etc/sysconfig/ip(6)tables`, the root.
pub fn infer_root(path: &Path) -> Option<PathBuf> {
    let comps: Vec<Component> = path.components().collect();
    for i in (0..comps.len().saturating_sub(1)).rev() {
        let next = comps.get(i + 1).map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
        let leaf = comps.get(i + 2).map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
        let host_dir = match next.as_str() {
            "ssh" | "ufw" | "iptables" | "firewalld" => true,
            "default" => leaf == "ufw" && i + 3 == comps.len(),
            "sysconfig" => matches!(leaf.as_str(), "iptables" | "ip6tables") && i + 3 == comps.len(),
            _ => false,
        };
        if comps[i].as_os_str() == "etc" && host_dir {
            let root: PathBuf = comps[..i].iter().collect();
            return Some(if root.as_os_str().is_empty() { PathBuf::from(".") } else { root });
        }
    }
    None
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    NotFound,
    IsDirectory,
    /// A FIFO, socket or device: never opened.
    NotRegular(&'static str),
    PermissionDenied,
    TooLarge(u64),
    SymlinkLoop,
    Other(String),
}

impl ReadError {
    pub fn describe(&self) -> String {
        match self {
            ReadError::NotFound => "does not exist".into(),
            ReadError::IsDirectory => "is a directory".into(),
            ReadError::NotRegular(k) => format!("is a {k}, not a regular file"),
            ReadError::PermissionDenied => "cannot be read (permission denied)".into(),
            ReadError::TooLarge(n) => format!("is {n} bytes, more than sshlint reads ({MAX_FILE_BYTES})"),
            ReadError::SymlinkLoop => "is a symlink loop".into(),
            ReadError::Other(e) => e.clone(),
        }
    }
}

fn io_error(e: &std::io::Error) -> ReadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound,
        std::io::ErrorKind::PermissionDenied => ReadError::PermissionDenied,
        _ if e.raw_os_error() == Some(40) => ReadError::SymlinkLoop,
        _ if e.raw_os_error() == Some(20) => ReadError::NotFound,
        _ => ReadError::Other(e.to_string()),
    }
}

/// Read a regular file with a size bound; never opens FIFOs, sockets or devices.
pub fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let meta = fs::metadata(path).map_err(|e| io_error(&e))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(ReadError::IsDirectory);
    }
    if !ft.is_file() {
        use std::os::unix::fs::FileTypeExt;
        let what = if ft.is_fifo() {
            "FIFO"
        } else if ft.is_socket() {
            "socket"
        } else if ft.is_char_device() {
            "character device"
        } else if ft.is_block_device() {
            "block device"
        } else {
            "special file"
        };
        return Err(ReadError::NotRegular(what));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let file = fs::File::open(path).map_err(|e| io_error(&e))?;
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut buf).map_err(|e| io_error(&e))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(buf.len() as u64));
    }
    Ok(buf)
}

/// A directory standing for `/` of one audited machine. Paths given to it are absolute paths
/// *on that machine* (`/etc/ssh/sshd_config`).
#[derive(Clone, Debug)]
pub struct HostRoot {
    pub dir: PathBuf,
    /// lstat results by real path: `Some(target)` for a symlink, `None` otherwise.
    links: std::cell::RefCell<rustc_hash::FxHashMap<std::ffi::OsString, Option<PathBuf>>>,
    /// Directory listings by real path (`None`: not a readable directory).
    dirs: std::cell::RefCell<rustc_hash::FxHashMap<std::ffi::OsString, Option<std::rc::Rc<Vec<Entry>>>>>,
    /// Directories that exist but could not be listed (permission denied).
    denied: std::cell::RefCell<Vec<PathBuf>>,
    /// Real paths known not to be directories (missing, or a file): nothing lies under them, so
    /// lookups below them need no syscall.
    absent: std::cell::RefCell<rustc_hash::FxHashSet<std::ffi::OsString>>,
    /// The root directory, opened on first use for `fstatat`.
    fd: std::cell::OnceCell<std::rc::Rc<fs::File>>,
}

/// A path resolved inside the root: its real components and the directories searched.
struct Walk {
    parts: Vec<String>,
    searched: Vec<String>,
}

/// `/a/b` from `["a", "b"]`; `/` for none.
fn host_path_of(parts: &[String]) -> String {
    if parts.is_empty() { "/".into() } else { parts.iter().map(|p| format!("/{p}")).collect() }
}

/// A directory entry as read_dir reports it (no extra stat).
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    symlink: bool,
}

impl HostRoot {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        HostRoot {
            dir: dir.into(),
            links: Default::default(),
            dirs: Default::default(),
            denied: Default::default(),
            absent: Default::default(),
            fd: Default::default(),
        }
    }

    /// The entries of a real directory, read once.
    fn listing(&self, dir: &Path) -> Option<std::rc::Rc<Vec<Entry>>> {
        if let Some(hit) = self.dirs.borrow().get(dir.as_os_str()) {
            return hit.clone();
        }
        if dir.parent().is_some_and(|p| self.absent.borrow().contains(p.as_os_str())) {
            self.absent.borrow_mut().insert(dir.as_os_str().to_owned());
            self.dirs.borrow_mut().insert(dir.as_os_str().to_owned(), None);
            return None;
        }
        let read = fs::read_dir(dir);
        match &read {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                self.denied.borrow_mut().push(dir.to_path_buf())
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                self.absent.borrow_mut().insert(dir.as_os_str().to_owned());
            }
            _ => {}
        }
        let list = read.ok().map(|rd| {
            let mut v: Vec<Entry> = rd
                .filter_map(|e| e.ok())
                .map(|e| Entry {
                    name: e.file_name().to_string_lossy().into_owned(),
                    symlink: e.file_type().is_ok_and(|t| t.is_symlink()),
                })
                .collect();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            std::rc::Rc::new(v)
        });
        self.dirs.borrow_mut().insert(dir.as_os_str().to_owned(), list.clone());
        list
    }

    /// Whether `dir` (a real path) holds an entry `name`, as `lstat` sees it (a dangling symlink
    /// counts): from the directory's listing when it has one.
    fn entry_exists(&self, dir: &Path, name: &str) -> bool {
        match self.listing(dir) {
            Some(list) => list.binary_search_by(|e| e.name.as_str().cmp(name)).is_ok(),
            None if self.absent.borrow().contains(dir.as_os_str()) => false,
            None => fs::symlink_metadata(dir.join(name)).is_ok(),
        }
    }

    fn link_target(&self, path: &Path) -> Result<Option<PathBuf>, ReadError> {
        if let Some(hit) = self.links.borrow().get(path.as_os_str()) {
            return Ok(hit.clone());
        }
        // A parent listing answers "missing" and "not a symlink" without a syscall, and so does
        // a parent that is not a directory at all.
        if let (Some(parent), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) {
            match self.listing(parent) {
                Some(list) => match list.binary_search_by(|e| e.name.as_str().cmp(name)) {
                    Err(_) => return Ok(None),
                    Ok(i) if !list[i].symlink => return Ok(None),
                    Ok(_) => {}
                },
                None if self.absent.borrow().contains(parent.as_os_str()) => return Ok(None),
                None => {}
            }
        }
        let target = match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => Some(fs::read_link(path).map_err(|e| io_error(&e))?),
            _ => None,
        };
        self.links.borrow_mut().insert(path.as_os_str().to_owned(), target.clone());
        Ok(target)
    }

    /// The real path of a host path, resolving symlinks inside the root: absolute targets are
    /// re-rooted and `..` never climbs above the root.
    pub fn resolve(&self, host_path: &str) -> Result<PathBuf, ReadError> {
        self.walk(host_path).map(|w| self.join(&w.parts))
    }

    /// `realpath(3)` inside the root, as a host path (`/home/alice/.ssh/authorized_keys`).
    pub fn realpath(&self, host_path: &str) -> Result<String, ReadError> {
        self.walk(host_path).map(|w| host_path_of(&w.parts))
    }

    /// The directories a lookup of `host_path` searches (host paths, in order, each once), and
    /// its real path: what needs search permission for `open(2)` to reach the file.
    pub fn lookup(&self, host_path: &str) -> Result<(String, Vec<String>), ReadError> {
        self.walk(host_path).map(|w| (host_path_of(&w.parts), w.searched))
    }

    /// Owner, mode and type of a host path after resolving it inside the root, read with
    /// `fstatat(root, path, AT_SYMLINK_NOFOLLOW)` relative to the root directory opened once, so
    /// nothing outside the root is ever looked at.
    pub fn stat(&self, host_path: &str) -> Result<crate::platform::FileStat, ReadError> {
        let w = self.walk(host_path)?;
        let fd = self.root_fd().map_err(|e| io_error(&e))?;
        let rel: PathBuf = w.parts.iter().collect();
        crate::platform::lstat_at(fd.as_ref(), &rel).map_err(|e| io_error(&std::io::Error::from(e)))
    }

    fn root_fd(&self) -> std::io::Result<std::rc::Rc<fs::File>> {
        if let Some(fd) = self.fd.get() {
            return Ok(std::rc::Rc::clone(fd));
        }
        let fd = std::rc::Rc::new(fs::File::open(&self.dir)?);
        Ok(std::rc::Rc::clone(self.fd.get_or_init(|| fd)))
    }

    fn walk(&self, host_path: &str) -> Result<Walk, ReadError> {
        let mut parts: Vec<String> = Vec::new();
        let mut searched: Vec<String> = Vec::new();
        let mut pending: Vec<String> = split_path(host_path).into_iter().rev().collect();
        let mut links = 0usize;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." | "" => continue,
                ".." => {
                    parts.pop();
                    continue;
                }
                _ => {}
            }
            let dir = host_path_of(&parts);
            if !searched.contains(&dir) {
                searched.push(dir);
            }
            let candidate = self.join(&parts).join(&part);
            match self.link_target(&candidate)? {
                Some(target) => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(ReadError::SymlinkLoop);
                    }
                    let target = target.to_string_lossy().into_owned();
                    if target.starts_with('/') {
                        parts.clear();
                    }
                    for p in split_path(&target).into_iter().rev() {
                        pending.push(p);
                    }
                }
                None => parts.push(part),
            }
        }
        Ok(Walk { parts, searched })
    }

    fn join(&self, parts: &[String]) -> PathBuf {
        let mut p = self.dir.clone();
        for part in parts {
            p.push(part);
        }
        p
    }

    /// Read a host path (bounded, regular files only).
    pub fn read(&self, host_path: &str) -> Result<Vec<u8>, ReadError> {
        read_bounded(&self.resolve(host_path)?)
    }

    /// Whether listing the directory at a host path was refused (permission denied).
    pub fn is_denied(&self, host_path: &str) -> bool {
        self.resolve(host_path).is_ok_and(|real| {
            let _ = self.listing(&real);
            self.denied.borrow().contains(&real)
        })
    }

    pub fn exists(&self, host_path: &str) -> bool {
        let Ok(real) = self.resolve(host_path) else { return false };
        match (real.parent(), real.file_name().and_then(|n| n.to_str())) {
            (Some(parent), Some(name)) => match self.listing(parent) {
                Some(list) => list.binary_search_by(|e| e.name.as_str().cmp(name)).is_ok() && real.exists(),
                None => real.exists(),
            },
            _ => real.exists(),
        }
    }

    pub fn is_dir(&self, host_path: &str) -> bool {
        self.resolve(host_path).is_ok_and(|p| p.is_dir())
    }

    /// glob(3) with no flags, as sshd's Include uses it: `*`, `?` and `[...]` per path
    /// component, leading dots only matched literally, results sorted in byte order.
    /// Returns host paths.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        let comps = split_path(pattern);
        let mut current = vec![String::new()];
        for (i, comp) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let mut next = Vec::new();
            for base in &current {
                if !has_magic(comp) {
                    let p = format!("{base}/{comp}");
                    if last {
                        // glob(3) checks a literal name with lstat: a dangling or looping
                        // symlink still matches (and then fails to open, as in sshd).
                        let parent = self.resolve(if base.is_empty() { "/" } else { base });
                        if parent.is_ok_and(|d| self.entry_exists(&d, comp)) {
                            next.push(p);
                        }
                    } else {
                        next.push(p);
                    }
                    continue;
                }
                let Ok(dir) = self.resolve(if base.is_empty() { "/" } else { base }) else { continue };
                let Some(entries) = self.listing(&dir) else { continue };
                let names: Vec<&str> = entries
                    .iter()
                    .map(|e| e.name.as_str())
                    .filter(|n| glob_component(n.as_bytes(), comp.as_bytes()))
                    .collect();
                for n in names {
                    let p = format!("{base}/{n}");
                    if !last && !self.is_dir(&p) {
                        continue;
                    }
                    next.push(p);
                }
            }
            current = next;
        }
        current.sort();
        current
    }
}

/// Whether `path` (components separated by `/`) matches a configuration glob: `*`, `?` and
/// `[...]` within one component (a leading dot needs no special care), `**` as a whole
/// component for any number of components, including none, so `hosts/legacy/**` also matches
/// `hosts/legacy` itself. Used for `sshlint.toml`'s `paths`.
pub fn path_glob(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    let comps: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    glob_components(&pat, &comps)
}

/// `ok[i][j]`: `pat[i..]` matches `comps[j..]` (filled backwards, so no `**` backtracking).
fn glob_components(pat: &[&str], comps: &[&str]) -> bool {
    let width = comps.len() + 1;
    let mut ok = vec![false; (pat.len() + 1) * width];
    ok[pat.len() * width + comps.len()] = true;
    for i in (0..pat.len()).rev() {
        for j in (0..=comps.len()).rev() {
            let here = if pat[i] == "**" {
                ok[(i + 1) * width + j] || (j < comps.len() && ok[i * width + j + 1])
            } else {
                j < comps.len() && fnmatch(comps[j].as_bytes(), pat[i].as_bytes()) && ok[(i + 1) * width + j + 1]
            };
            ok[i * width + j] = here;
        }
    }
    ok[0]
}

/// `p` made absolute against `cwd`, with `.` and `..` folded lexically (symlinks not followed).
pub fn lexical_absolute(cwd: &Path, p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::Prefix(_) | Component::RootDir | Component::Normal(_) => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
        }
    }
    out
}

fn split_path(p: &str) -> Vec<String> {
    p.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// fnmatch for one path component (no FNM_PERIOD escape: a leading `.` must match literally).
fn glob_component(name: &[u8], pat: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pat.first() != Some(&b'.') {
        return false;
    }
    fnmatch(name, pat)
}

fn fnmatch(s: &[u8], p: &[u8]) -> bool {
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    si += 1;
                    pi += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, len)) = bracket(&p[pi..], s[si]) {
                        if matched {
                            si += 1;
                            pi += len;
                            continue;
                        }
                    } else if s[si] == b'[' {
                        si += 1;
                        pi += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && p[pi + 1] == s[si] => {
                    si += 1;
                    pi += 2;
                    continue;
                }
                c if c == s[si] => {
                    si += 1;
                    pi += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// A `[...]` class at the start of `p`: (matches c, length of the class).
fn bracket(p: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// Why a firewalld file is not linted alone: what it means depends on the whole tree.
const FIREWALLD_LONE: &str = "is a firewalld file, read as part of a host root (`<root>/etc/firewalld/`): firewalld loads the tree as a whole (overrides, references, fallback), so name the root or put the file under `<root>/etc/firewalld/zones/` (or services/, policies/, …)";

/// The sshd files found under the paths the user named.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Host roots to audit, each with its main sshd_config.
    pub hosts: Vec<PathBuf>,
    /// Files linted on their own (not under any host root).
    pub lone: Vec<PathBuf>,
    /// Paths named explicitly that are not a kind sshlint knows, or that could not be read.
    pub unknown: Vec<(PathBuf, String)>,
}

/// Walk the named paths. `root` forces one host root for everything.
pub fn discover(paths: &[PathBuf], root: Option<&Path>) -> Discovery {
    let mut d = Discovery::default();
    if let Some(r) = root {
        d.hosts.push(r.to_path_buf());
        return d;
    }
    for path in paths {
        let meta = match fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                d.unknown.push((path.clone(), io_error(&e).describe()));
                continue;
            }
        };
        if meta.is_dir() && kind_from_path(path) == FileKind::SshdConfig {
            d.unknown.push((path.clone(), "is a directory, not an sshd_config file".into()));
        } else if meta.is_dir() {
            walk_dir(path, &mut d);
        } else {
            if let Some(root) = login_file_root(path) {
                d.hosts.push(root);
                continue;
            }
            match kind_from_path(path) {
                FileKind::Unknown => match read_bounded(path) {
                    Ok(bytes) if kind_from_content(&bytes) != FileKind::Unknown => d.lone.push(path.clone()),
                    Ok(bytes) if looks_like_firewalld(&String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])) => {
                        d.unknown.push((path.clone(), FIREWALLD_LONE.into()))
                    }
                    Ok(_) => d.unknown.push((path.clone(), "is not a file kind sshlint knows".into())),
                    Err(e) => d.unknown.push((path.clone(), e.describe())),
                },
                FileKind::UfwConf | FileKind::UfwDefault if infer_root(path).is_none() => d.unknown.push((
                    path.clone(),
                    "is read as part of a host root (`<root>/etc/ufw/`, `<root>/etc/default/ufw`): name the root"
                        .into(),
                )),
                FileKind::FirewalldConf | FileKind::FirewalldXml if infer_root(path).is_none() => {
                    d.unknown.push((path.clone(), FIREWALLD_LONE.into()))
                }
                _ => add_file(path, &mut d),
            }
        }
    }
    d.hosts.sort();
    d.hosts.dedup();
    d.lone.sort();
    d.lone.dedup();
    d
}

/// Files sshlint reads only through a host root, as paths inside the root: accounts, `.ssh` in
/// homes, systemd units, stock firewalld, the package database.
fn read_through_root(inside: &[&str]) -> bool {
    match inside {
        ["etc", "passwd" | "group" | "shadow" | "services"] | ["var", "lib", "dpkg", "status"] => true,
        // Host keys, moduli and anything else beside sshd_config.
        ["etc", "ssh", _, ..] => true,
        ["etc" | "run", "systemd", ..] | ["lib" | "usr", "systemd", ..] | ["usr", "lib", "systemd", ..] => true,
        ["usr", "lib", "firewalld" | "ufw", ..] | ["lib", "ufw", ..] => true,
        ["home", _, ".ssh", _, ..] | ["root", ".ssh", _, ..] => true,
        _ => false,
    }
}

/// The host root of a named file that sshlint reads only through a root (`hosts/web/etc/passwd`,
/// `hosts/web/home/alice/.ssh/authorized_keys`, an `ssh.socket` drop-in): the nearest ancestor
/// that holds a host's configuration and under which the file sits where sshd or systemd reads
/// it. `None` for any other file, which keeps its old meaning (a lone file, or unknown).
fn login_file_root(path: &Path) -> Option<PathBuf> {
    let comps: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    for split in (0..comps.len()).rev() {
        let inside: Vec<&str> = comps.get(split..)?.iter().map(String::as_str).collect();
        if !read_through_root(&inside) {
            continue;
        }
        let root: PathBuf = comps.get(..split)?.iter().collect();
        let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
        let etc = root.join("etc");
        let is_host = fs::symlink_metadata(etc.join("ssh/sshd_config")).is_ok()
            || ["ufw", "iptables", "firewalld"].iter().any(|d| etc.join(d).is_dir());
        if is_host {
            return Some(root);
        }
    }
    None
}

fn add_file(path: &Path, d: &mut Discovery) {
    match infer_root(path) {
        Some(root) => d.hosts.push(root),
        None => d.lone.push(path.to_path_buf()),
    }
}

fn walk_dir(dir: &Path, d: &mut Discovery) {
    // A directory that is itself a host's /etc (e.g. `sshlint /etc`) or a root.
    let has_config = |ssh: &Path| fs::symlink_metadata(ssh.join("sshd_config")).is_ok();
    let has_firewall = |etc: &Path| {
        etc.join("ufw").is_dir()
            || etc.join("iptables").is_dir()
            || etc.join("firewalld").is_dir()
            || etc.join("sysconfig/iptables").is_file()
            || etc.join("sysconfig/ip6tables").is_file()
    };
    if dir.file_name().is_some_and(|n| n == "etc")
        && (has_config(&dir.join("ssh")) || is_denied_dir(&dir.join("ssh")) || has_firewall(dir))
    {
        let root = dir.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        d.hosts.push(if root.as_os_str().is_empty() { PathBuf::from(".") } else { root });
        return;
    }
    let mut walker = walkdir::WalkDir::new(dir).follow_links(false).max_depth(32).into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                // A directory sshlint may not read: say so rather than skip it silently.
                if let Some(p) = e.path()
                    && e.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
                {
                    d.unknown.push((p.to_path_buf(), "cannot be read (permission denied)".into()));
                }
                continue;
            }
        };
        if is_skipped_dir(&entry) {
            walker.skip_current_dir();
            continue;
        }
        // `<root>/etc/ssh` with an sshd_config: the host is found, its files are read through
        // the root.
        let under_etc = entry.path().parent().and_then(Path::file_name).is_some_and(|n| n == "etc");
        if entry.file_type().is_dir() && entry.file_name() == "ssh" && under_etc && has_config(entry.path()) {
            add_file(&entry.path().join("sshd_config"), d);
            walker.skip_current_dir();
            continue;
        }
        if entry.file_type().is_dir()
            && under_etc
            && (entry.file_name() == "ufw" || entry.file_name() == "iptables" || entry.file_name() == "firewalld")
        {
            if let Some(root) = entry.path().parent().and_then(Path::parent) {
                d.hosts.push(if root.as_os_str().is_empty() { PathBuf::from(".") } else { root.to_path_buf() });
            }
            walker.skip_current_dir();
            continue;
        }
        // A broken sshd_config (dangling link, FIFO, directory) still names a host to report.
        let named_config = entry.file_name() == "sshd_config";
        if !entry.file_type().is_file() && !named_config {
            continue;
        }
        let path = entry.path();
        match kind_from_path(path) {
            FileKind::SshdConfig => add_file(path, d),
            FileKind::IptablesSave | FileKind::Ip6tablesSave => add_file(path, d),
            FileKind::SshdDropIn | FileKind::UfwRules if infer_root(path).is_none() => d.lone.push(path.to_path_buf()),
            _ => {}
        }
    }
}

fn is_denied_dir(p: &Path) -> bool {
    p.is_dir() && fs::read_dir(p).is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}

fn is_skipped_dir(e: &walkdir::DirEntry) -> bool {
    e.depth() > 0
        && e.file_type().is_dir()
        && matches!(e.file_name().to_str(), Some(".git" | "target" | "node_modules" | "proc" | "sys" | "dev"))
}

#[cfg(test)]
mod tests {
    /// Lookups under a path that is missing or a file answer "absent" from the cache; entries
    /// (a dangling symlink too) are still found from listings.
    #[test]
    fn absent_directories_and_listed_entries() {
        let t = crate::testing::TempTree::new(&[
            ("lib", "a file, not a directory\n"),
            ("etc/ssh/sshd_config", "Port 22\n"),
        ]);
        let _ = std::os::unix::fs::symlink("/nowhere", t.path().join("etc/ssh/dangling"));
        let root = super::HostRoot::new(t.path());
        assert!(root.glob("/lib/systemd/system/ssh.socket").is_empty());
        assert!(root.glob("/usr/lib/systemd/system/ssh.socket").is_empty());
        assert!(root.glob("/usr/lib/systemd/system/ssh.socket").is_empty(), "cached");
        assert_eq!(root.glob("/etc/ssh/dangling"), ["/etc/ssh/dangling"]);
        assert_eq!(root.glob("/etc/ssh/sshd_config"), ["/etc/ssh/sshd_config"]);
        assert!(root.resolve("/etc/ssh/sshd_config").is_ok_and(|p| p.is_file()));
        assert!(root.resolve("/lib/x").is_ok_and(|p| !p.exists()));
    }

    #[test]
    fn path_globs() {
        use super::path_glob;
        assert!(path_glob("hosts/legacy/**", "hosts/legacy"));
        assert!(path_glob("hosts/legacy/**", "hosts/legacy/etc/ssh/sshd_config"));
        assert!(!path_glob("hosts/legacy/**", "hosts/legacy2/etc"));
        assert!(path_glob("hosts/*", "hosts/web"));
        assert!(!path_glob("hosts/*", "hosts/web/etc"));
        assert!(path_glob("**/sshd_config", "a/b/etc/ssh/sshd_config"));
        assert!(path_glob("./hosts/w?b", "hosts/web"));
        assert!(path_glob("home/*/.ssh", "home/alice/.ssh"));
        assert!(path_glob("**/**/x/**/**", "a/x"));
        let deep = vec!["a"; 200].join("/");
        assert!(!path_glob(&vec!["**"; 50].join("/b/"), &deep));
    }

    use super::*;

    #[test]
    fn kinds_by_path() {
        assert_eq!(kind_from_path(Path::new("/etc/ssh/sshd_config")), FileKind::SshdConfig);
        assert_eq!(kind_from_path(Path::new("x/sshd_config.d/10-a.conf")), FileKind::SshdDropIn);
        assert_eq!(kind_from_path(Path::new("x/ssh_config")), FileKind::Unknown);
        let fwd = |p: &str| kind_from_path(Path::new(p));
        assert_eq!(fwd("h/etc/firewalld/zones/public.xml"), FileKind::FirewalldXml);
        assert_eq!(fwd("h/etc/firewalld/zones/combined/a.xml"), FileKind::FirewalldXml);
        assert_eq!(fwd("h/etc/firewalld/policies/p.xml"), FileKind::FirewalldXml);
        assert_eq!(fwd("h/etc/firewalld/firewalld.conf"), FileKind::FirewalldConf);
        assert_eq!(fwd("h/etc/firewalld/other/p.xml"), FileKind::Unknown);
        assert_eq!(fwd("zones/public.xml"), FileKind::Unknown);
        assert!(looks_like_firewalld("\u{feff}<?xml version=\"1.0\"?>\n<!-- c -->\n<zone target=\"DROP\"/>"));
        assert!(!looks_like_firewalld("<project/>"));
    }

    /// A firewalld file named on its own is audited with its host root; outside a tree it is
    /// refused with the reason.
    #[test]
    fn firewalld_files_lead_to_their_root() {
        let dir = std::env::temp_dir().join(format!("sshlint-fwd-lone-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("h/etc/firewalld/zones")).expect("mkdir");
        let zone = dir.join("h/etc/firewalld/zones/public.xml");
        fs::write(&zone, "<zone/>").expect("write");
        let alone = dir.join("public.xml");
        fs::write(&alone, "<?xml version=\"1.0\"?>\n<zone/>").expect("write");
        let d = discover(&[zone, alone.clone()], None);
        assert_eq!(d.hosts, vec![dir.join("h")]);
        assert!(
            d.unknown.len() == 1 && d.unknown[0].0 == alone && d.unknown[0].1.contains("host root"),
            "{:?}",
            d.unknown
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn roots_from_paths() {
        assert_eq!(infer_root(Path::new("hosts/web/etc/ssh/sshd_config")), Some(PathBuf::from("hosts/web")));
        assert_eq!(infer_root(Path::new("/etc/ssh/sshd_config")), Some(PathBuf::from("/")));
        assert_eq!(infer_root(Path::new("conf/sshd_config")), None);
    }

    #[test]
    fn globbing_components() {
        assert!(fnmatch(b"10-a.conf", b"*.conf"));
        assert!(!glob_component(b".hidden.conf", b"*.conf"));
        assert!(fnmatch(b"a1", b"a[0-9]"));
        assert!(!fnmatch(b"ab", b"a[!b]"));
    }

    #[test]
    fn resolve_stays_inside_root() {
        let dir = std::env::temp_dir().join(format!("sshlint-resolve-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("etc/ssh")).expect("mkdir");
        std::os::unix::fs::symlink("/../../../../etc/shadow", dir.join("etc/ssh/evil")).expect("symlink");
        std::os::unix::fs::symlink("loop", dir.join("etc/ssh/loop")).expect("symlink");
        let root = HostRoot::new(&dir);
        assert_eq!(root.resolve("/etc/ssh/evil").expect("resolves"), dir.join("etc/shadow"));
        assert_eq!(root.read("/etc/ssh/loop"), Err(ReadError::SymlinkLoop));
        let _ = fs::remove_dir_all(&dir);
    }
}
