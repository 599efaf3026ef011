//! The sshd oracle for the differential tests: test cases as host-root trees (loaded from
//! `fixtures/differential/sshd/` or generated), host-key generation, and one shell script per
//! worker that, inside a private mount namespace (`unshare -m`), bind-mounts each case's
//! `etc/ssh` over `/etc/ssh`, and its `etc/passwd`, `etc/group`, `etc/services` and `etc/hosts`
//! (or the defaults below) over the machine's, since sshd looks up users and groups (`Match
//! Group`), service names (`Port ssh`) and host names (`ListenAddress`) through them; then it runs
//! `sshd -t` and `sshd -T [-C spec]`. The machine's own files are never written: the mounts exist
//! only inside the namespace, and the script refuses to run outside one.
//!
//! Fixture layout (`fixtures/differential/sshd/<case>/`):
//! - `etc/…` (and any other directory): the host root, e.g. `etc/ssh/sshd_config`, drop-ins,
//!   included files, optional `etc/passwd`, `etc/group`, `etc/services`, `etc/hosts`;
//! - `specs`: one `sshd -C` spec per line, an empty line meaning plain `sshd -T`, `#` comments
//!   (no file: plain `sshd -T` only);
//! - `README`: optional one-line description;
//! - `NO_HOST_KEYS`: marker, copy no generated host keys into the root;
//! - `HOST_KEYS`: manifest replacing the default keys, lines `SOURCE DEST MODE` where SOURCE is
//!   `ed25519`, `ecdsa`, `rsa` (a generated key) or `case` (the case's own file at DEST), DEST is
//!   relative to the root and MODE octal;
//! - `expected/`: what sshd said (written by `SSHLINT_BLESS=1`, for review only: the tests always
//!   compare with the live sshd).
//!
//! Cases without their own `etc/passwd`, `etc/group`, `etc/services` or `etc/hosts` get the small
//! defaults below, so that sshd and sshlint see the same accounts, service and host names on
//! every machine.

use super::{Output, TempDir, crate_root, env_flag, run_with_limit, shared};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};
use std::{fs, io, thread};

pub const SSHD: &str = "/usr/sbin/sshd";
/// The release the oracle must be (Debian 12's `OpenSSH_9.2p1 Debian-2+deb12uN`), passed to
/// sshlint as `--openssh`.
pub const OPENSSH_VERSION: &str = "9.2";

pub const DEFAULT_PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sshd:x:102:65534::/run/sshd:/usr/sbin/nologin
alice:x:1001:1001:Alice:/home/alice:/bin/bash
bob:x:1002:1002:Bob:/home/bob:/bin/bash
carol:x:1003:1003:Carol:/home/carol:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
";

pub const DEFAULT_GROUP: &str = "\
root:x:0:
daemon:x:1:
wheel:x:10:bob
sudo:x:27:alice
users:x:100:alice,bob,carol
alice:x:1001:
bob:x:1002:
carol:x:1003:
sshusers:x:2000:alice,carol
nogroup:x:65534:
";

pub const DEFAULT_SERVICES: &str = "\
ftp\t\t21/tcp
ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol
smtp\t\t25/tcp\t\tmail
http\t\t80/tcp\t\twww
https\t\t443/tcp
submission\t587/tcp
imaps\t\t993/tcp
";

/// Every name maps to one address: with several, getaddrinfo's order depends on the machine's
/// own network configuration (RFC 6724 sorting), which would make sshd's output vary.
pub const DEFAULT_HOSTS: &str = "\
127.0.0.1\tlocalhost
::1\t\tip6-localhost ip6-loopback
192.0.2.44\tsshgw.example
";

/// The name-service files mounted over the machine's (after `etc/ssh`) when a case runs.
const MOUNTED_FILES: [(&str, &str); 4] = [
    ("etc/passwd", DEFAULT_PASSWD),
    ("etc/group", DEFAULT_GROUP),
    ("etc/services", DEFAULT_SERVICES),
    ("etc/hosts", DEFAULT_HOSTS),
];

/// Why the oracle cannot run here, or `None` when it can. Computed once per process.
pub fn oracle_unavailable() -> Option<String> {
    static REASON: OnceLock<Option<String>> = OnceLock::new();
    REASON.get_or_init(probe_oracle).clone()
}

fn probe_oracle() -> Option<String> {
    if !Path::new(SSHD).exists() {
        return Some("sshd not installed (apt-get install openssh-server)".into());
    }
    for (tool, package) in
        [("unshare", "util-linux"), ("mount", "mount"), ("timeout", "coreutils"), ("ssh-keygen", "openssh-client")]
    {
        if find_in_path(tool).is_none() {
            return Some(format!("{tool} not found (apt-get install {package})"));
        }
    }
    if !is_root() {
        return Some("not running as root (sshd is run inside `unshare -m`, which needs root)".into());
    }
    let mounted = MOUNTED_FILES.iter().map(|(path, _)| format!("/{path}"));
    for file in std::iter::once("/etc/ssh".to_string()).chain(mounted) {
        if !Path::new(&file).exists() {
            let hint = if file == "/etc/services" { " (apt-get install netbase)" } else { "" };
            return Some(format!("{file} does not exist, so a test root's copy cannot be mounted over it{hint}"));
        }
    }
    // `sshd -V` is an unknown option in 9.2; the usage message starts with the version.
    let version = Command::new(SSHD).arg("-V").output();
    let banner = match &version {
        Ok(out) => String::from_utf8_lossy(&out.stderr).to_string(),
        Err(e) => return Some(format!("cannot run {SSHD}: {e}")),
    };
    let wanted = format!("OpenSSH_{OPENSSH_VERSION}");
    let first = banner.lines().next().unwrap_or("").trim().to_string();
    if !first.starts_with(&format!("{wanted},")) && !first.starts_with(&format!("{wanted}p")) {
        return Some(format!("{SSHD} is `{first}`, but the corpus models {wanted} (Debian 12's openssh-server)"));
    }
    match Command::new("unshare").args(["-m", "--propagation", "private", "true"]).output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!("`unshare -m` does not work here: {}", String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => Some(format!("cannot run unshare: {e}")),
    }
}

/// Returns true when the oracle can run. Otherwise fails the test if `SSHLINT_REQUIRE_ORACLES=1`
/// (CI), or prints why the test is skipped and returns false.
pub fn oracle_ready(test: &str) -> bool {
    let Some(reason) = oracle_unavailable() else {
        return true;
    };
    if env_flag("SSHLINT_REQUIRE_ORACLES") {
        panic!("{test}: SSHLINT_REQUIRE_ORACLES=1 but the sshd oracle is missing: {reason}");
    }
    eprintln!("{test}: skipped: {reason}");
    false
}

fn find_in_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(tool))
        .find(|p| p.is_file())
}

fn is_root() -> bool {
    // The effective uid, the second field of `Uid:` in `/proc/self/status` (no libc needed).
    fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .any(|line| line.strip_prefix("Uid:").is_some_and(|ids| ids.split_whitespace().nth(1) == Some("0")))
    })
}

/// Host keys generated once for the tests running at the same time (`ssh-keygen`).
pub struct HostKeys {
    dir: TempDir,
}

pub const KEY_TYPES: [&str; 3] = ["rsa", "ecdsa", "ed25519"];
/// Size of the generated RSA host key; corpus cases about `RequiredRSASize` rely on it.
pub const RSA_BITS: &str = "2048";

impl HostKeys {
    /// The private key of `kind` (`rsa`, `ecdsa`, `ed25519`).
    pub fn key(&self, kind: &str) -> PathBuf {
        self.dir.path().join(format!("ssh_host_{kind}_key"))
    }

    fn generate() -> Result<HostKeys, String> {
        let dir = TempDir::new("hostkeys").map_err(|e| format!("temp dir: {e}"))?;
        let keys = HostKeys { dir };
        let jobs: Vec<_> = KEY_TYPES
            .iter()
            .map(|kind| {
                let path = keys.key(kind);
                let mut command = Command::new("ssh-keygen");
                command.args(["-q", "-N", "", "-C", "", "-t", kind, "-f"]);
                command.arg(&path);
                if *kind == "rsa" {
                    command.args(["-b", RSA_BITS]);
                }
                thread::spawn(move || run_with_limit(&mut command, Duration::from_secs(60)))
            })
            .collect();
        for (kind, job) in KEY_TYPES.iter().zip(jobs) {
            match job.join() {
                Ok(Ok(out)) if out.status == Some(0) => {}
                Ok(Ok(out)) => {
                    return Err(format!(
                        "ssh-keygen -t {kind} failed ({}): {}",
                        out.status_text(),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                Ok(Err(e)) => return Err(format!("cannot run ssh-keygen: {e}")),
                Err(_) => return Err("ssh-keygen thread panicked".into()),
            }
        }
        Ok(keys)
    }
}

/// The shared host keys (generated on first use, removed when the last user is done).
pub fn host_keys() -> Arc<Result<HostKeys, String>> {
    static SLOT: Mutex<Weak<Result<HostKeys, String>>> = Mutex::new(Weak::new());
    shared(&SLOT, HostKeys::generate)
}

/// One entry of a case's host root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    File(Vec<u8>),
    Symlink(PathBuf),
    Dir,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyPlan {
    /// The three generated keys at `etc/ssh/ssh_host_{rsa,ecdsa,ed25519}_key`, mode 0600.
    Default,
    /// No keys at all (`NO_HOST_KEYS`).
    None,
    /// `HOST_KEYS`: (source, destination relative to the root, mode); source `case` means the
    /// case's own file at the destination, which only gets its mode set.
    Manifest(Vec<(String, PathBuf, u32)>),
}

/// A test case: a host root plus the `-C` specs to dump it with.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    /// Paths relative to the host root.
    pub entries: BTreeMap<PathBuf, Entry>,
    /// `""` means plain `sshd -T`.
    pub specs: Vec<String>,
    pub keys: KeyPlan,
    /// Where a corpus case was loaded from (for blessing); `None` for generated cases.
    pub fixture: Option<PathBuf>,
}

pub const SSHD_CONFIG: &str = "etc/ssh/sshd_config";

impl Case {
    pub fn new(name: impl Into<String>) -> Case {
        Case { name: name.into(), entries: BTreeMap::new(), specs: Vec::new(), keys: KeyPlan::Default, fixture: None }
    }

    pub fn file(&mut self, path: impl Into<PathBuf>, content: impl Into<Vec<u8>>) {
        self.entries.insert(path.into(), Entry::File(content.into()));
    }

    /// True when any of the case's files contains a `Match` keyword (case-insensitively, even in
    /// a comment; used only to check the corpus gives such cases enough specs).
    pub fn mentions_match(&self) -> bool {
        self.entries.values().any(|entry| match entry {
            Entry::File(bytes) => bytes.windows(5).any(|w| w.eq_ignore_ascii_case(b"match")),
            _ => false,
        })
    }

    /// Loads `fixtures/differential/sshd/<case>/`.
    pub fn load_fixture(dir: &Path) -> Result<Case, String> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .ok_or_else(|| format!("{}: no name", dir.display()))?;
        let mut case = Case::new(name);
        case.fixture = Some(dir.to_path_buf());
        let specs = match fs::read_to_string(dir.join("specs")) {
            Ok(text) => parse_specs(&text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => vec![String::new()],
            Err(e) => return Err(format!("{}/specs: {e}", dir.display())),
        };
        case.specs = specs;
        let no_keys = dir.join("NO_HOST_KEYS").exists();
        let manifest = dir.join("HOST_KEYS");
        case.keys = match (no_keys, manifest.exists()) {
            (true, true) => return Err(format!("{}: both NO_HOST_KEYS and HOST_KEYS", dir.display())),
            (true, false) => KeyPlan::None,
            (false, true) => parse_key_manifest(&manifest)?,
            (false, false) => KeyPlan::Default,
        };
        let mut top: Vec<_> = fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        top.sort_by_key(|e| e.file_name());
        for item in top {
            let file_name = item.file_name().to_string_lossy().to_string();
            let kind = item.file_type().map_err(|e| format!("{}: {e}", item.path().display()))?;
            match file_name.as_str() {
                "specs" | "README" | "NO_HOST_KEYS" | "HOST_KEYS" | "expected" => {}
                _ if kind.is_dir() => {
                    load_tree(&item.path(), Path::new(&file_name), &mut case.entries)?;
                }
                _ => {
                    return Err(format!(
                        "{}: unexpected file at the top of a case (host-root files go under etc/)",
                        item.path().display()
                    ));
                }
            }
        }
        if !case.entries.contains_key(Path::new(SSHD_CONFIG)) {
            return Err(format!("{}: no {SSHD_CONFIG}", dir.display()));
        }
        Ok(case)
    }

    /// Writes the host root into `root` (an empty directory) with the default name-service files
    /// (hard links to the copies in `defaults`, see [`write_defaults`]) and the host keys the case
    /// asks for (default keys are hard links too: same content and mode 0600 in every root).
    pub fn materialize(&self, root: &Path, keys: &HostKeys, defaults: &Path) -> io::Result<()> {
        fs::create_dir_all(root.join("etc/ssh"))?;
        for (path, entry) in &self.entries {
            let target = root.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            match entry {
                Entry::File(bytes) => fs::write(&target, bytes)?,
                Entry::Symlink(to) => symlink(to, &target)?,
                Entry::Dir => fs::create_dir_all(&target)?,
            }
        }
        for (path, _) in MOUNTED_FILES {
            if !self.entries.contains_key(Path::new(path)) {
                link_or_copy(&defaults.join(path), &root.join(path))?;
            }
        }
        let manifest = match &self.keys {
            KeyPlan::None => return Ok(()),
            KeyPlan::Default => {
                for kind in KEY_TYPES {
                    let target = root.join(format!("etc/ssh/ssh_host_{kind}_key"));
                    link_or_copy(&keys.key(kind), &target)?;
                }
                return Ok(());
            }
            KeyPlan::Manifest(lines) => lines,
        };
        for (source, dest, mode) in manifest {
            let target = root.join(dest);
            if source != "case" {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::copy(keys.key(source), &target)?;
            }
            fs::set_permissions(&target, fs::Permissions::from_mode(*mode))?;
        }
        Ok(())
    }

    /// Every file of the case with numbered lines and escaped control bytes, for a report.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for (path, entry) in &self.entries {
            match entry {
                Entry::File(bytes) => {
                    let _ = writeln!(out, "  {} ({} bytes):", path.display(), bytes.len());
                    out.push_str(&super::numbered_listing(bytes));
                }
                Entry::Symlink(to) => {
                    let _ = writeln!(out, "  {} -> {}", path.display(), to.display());
                }
                Entry::Dir => {
                    let _ = writeln!(out, "  {}/ (empty directory)", path.display());
                }
            }
        }
        match &self.keys {
            KeyPlan::Default => {}
            KeyPlan::None => out.push_str("  (no host keys: NO_HOST_KEYS)\n"),
            KeyPlan::Manifest(lines) => {
                for (source, dest, mode) in lines {
                    let _ = writeln!(out, "  host key {source} at {} mode {mode:o}", dest.display());
                }
            }
        }
        out
    }
}

/// Writes the default name-service files under `dir` (`dir/etc/passwd`, …).
pub fn write_defaults(dir: &Path) -> io::Result<()> {
    for (path, content) in MOUNTED_FILES {
        let target = dir.join(path);
        fs::create_dir_all(target.parent().unwrap_or(dir))?;
        fs::write(&target, content)?;
    }
    Ok(())
}

fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    if fs::hard_link(from, to).is_err() {
        fs::copy(from, to)?;
    }
    Ok(())
}

/// Specs file: one spec per line, `#` starts a comment line, an empty line is plain `sshd -T`.
pub fn parse_specs(text: &str) -> Vec<String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|line| line.trim_end_matches('\r').trim().to_string())
        .filter(|line| !line.starts_with('#'))
        .collect()
}

fn parse_key_manifest(path: &Path) -> Result<KeyPlan, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("{}:{}: expected `SOURCE DEST MODE`", path.display(), n + 1);
        let [source, dest, mode] = fields[..] else {
            return Err(bad());
        };
        if source != "case" && !KEY_TYPES.contains(&source) {
            return Err(bad());
        }
        let mode = u32::from_str_radix(mode, 8).map_err(|_| bad())?;
        lines.push((source.to_string(), PathBuf::from(dest), mode));
    }
    Ok(KeyPlan::Manifest(lines))
}

fn load_tree(dir: &Path, rel: &Path, entries: &mut BTreeMap<PathBuf, Entry>) -> Result<(), String> {
    let mut items: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    if items.is_empty() {
        entries.insert(rel.to_path_buf(), Entry::Dir);
    }
    items.sort_by_key(|e| e.file_name());
    for item in items {
        let path = item.path();
        let rel = rel.join(item.file_name());
        let kind = item.file_type().map_err(|e| format!("{}: {e}", path.display()))?;
        if kind.is_symlink() {
            let to = fs::read_link(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            entries.insert(rel, Entry::Symlink(to));
        } else if kind.is_dir() {
            load_tree(&path, &rel, entries)?;
        } else {
            let bytes = fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            entries.insert(rel, Entry::File(bytes));
        }
    }
    Ok(())
}

pub fn corpus_dir() -> PathBuf {
    crate_root().join("fixtures/differential/sshd")
}

/// Every case under `fixtures/differential/sshd/`, sorted by name.
pub fn load_corpus() -> Result<Vec<Case>, String> {
    let dir = corpus_dir();
    let mut names: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    names.sort();
    names.iter().map(|d| Case::load_fixture(d)).collect()
}

/// What sshd said about one case.
#[derive(Clone, Debug)]
pub struct SshdResult {
    /// `sshd -t`.
    pub test: Output,
    /// `sshd -T [-C spec]` per spec; `None` when `sshd -t` failed (not run).
    pub dumps: Vec<Option<Output>>,
    /// Plain `sshd -T`, run only when `sshd -t` failed.
    pub refused_dump: Option<Output>,
}

impl SshdResult {
    pub fn accepted(&self) -> bool {
        self.test.status == Some(0)
    }
}

/// A set of cases written out and run through sshd. The host roots stay on disk (with their host
/// keys) until this is dropped, so sshlint can be run on the very same trees.
pub struct OracleRun {
    /// Held for its `Drop`, which removes the host roots.
    _work: TempDir,
    pub roots: Vec<PathBuf>,
    pub results: Vec<SshdResult>,
    /// Wall-clock time of writing the roots and running sshd.
    pub elapsed: Duration,
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

const SCRIPT_HEAD: &str = r#"#!/bin/sh
# Generated by tests/support/sshd.rs. Runs inside `unshare -m --propagation private`:
# every mount below is private to this namespace and disappears with it.
set -u
if [ "$(readlink /proc/self/ns/mnt)" = "$1" ]; then
    echo "refusing to run: not in a private mount namespace" >&2
    exit 97
fi
mkdir -p /run/sshd
# sshd resolves a relative HostKey against its working directory; a daemon runs in /.
cd / || exit 98
conf=/etc/ssh/sshd_config
# The default name-service files, mounted once; cases with their own get them mounted on top.
for f in @DEFAULT_FILES@; do
    mount --bind @DEFAULTS@"$f" "$f" || exit 96
done
run() { # OUT-PREFIX SSHD-ARGS...
    p=$1; shift
    timeout 20 /usr/sbin/sshd "$@" >"$p.out" 2>"$p.err" </dev/null
    rc=$?
    echo "$rc" >"$p.rc"
}
case_() { # ROOT OUT MOUNTS SPEC...
    r=$1; o=$2; want=$3; shift 3
    mounted=""
    ok=1
    for f in $want; do
        if mount --bind "$r$f" "$f"; then
            mounted="$f $mounted"
        else
            echo "mount --bind $r$f $f failed" >"$o/error"
            ok=0
            break
        fi
    done
    if [ "$ok" = 1 ]; then
        run "$o/t" -t -f "$conf"
        if [ "$rc" != 0 ]; then
            # Refused: does plain `sshd -T` refuse as well (it loads the same keys)?
            run "$o/refused" -T -f "$conf"
        else
            n=0
            for spec in "$@"; do
                n=$((n + 1))
                if [ -z "$spec" ]; then
                    run "$o/$n" -T -f "$conf"
                else
                    run "$o/$n" -T -f "$conf" -C "$spec"
                fi
            done
        fi
    fi
    for f in $mounted; do
        umount "$f"
    done
    return 0
}
"#;

/// Writes every case under a fresh work directory and runs sshd on all of them, split over
/// as many private mount namespaces as there are cores (at most 4).
pub fn run_oracle(cases: &[Case], keys: &HostKeys, label: &str) -> Result<OracleRun, String> {
    let start = Instant::now();
    let work = TempDir::new(label).map_err(|e| format!("temp dir: {e}"))?;
    let defaults = work.path().join("defaults");
    write_defaults(&defaults).map_err(|e| format!("{}: {e}", defaults.display()))?;
    let mut roots = Vec::with_capacity(cases.len());
    let mut outs = Vec::with_capacity(cases.len());
    for (i, case) in cases.iter().enumerate() {
        for spec in &case.specs {
            if spec.contains(['\n', '\0']) {
                return Err(format!("{}: spec {spec:?} has a newline or NUL", case.name));
            }
        }
        let root = work.path().join("roots").join(format!("{i:05}"));
        let out = work.path().join("out").join(format!("{i:05}"));
        fs::create_dir_all(&root)
            .and_then(|()| fs::create_dir_all(&out))
            .and_then(|()| case.materialize(&root, keys, &defaults))
            .map_err(|e| format!("{}: writing the host root: {e}", case.name))?;
        roots.push(root);
        outs.push(out);
    }
    let parent_ns = fs::read_link("/proc/self/ns/mnt").map_err(|e| format!("reading /proc/self/ns/mnt: {e}"))?;
    let workers = super::env_usize("SSHLINT_DIFF_WORKERS", 2).clamp(1, 8).min(cases.len().max(1));
    let default_files: Vec<String> = MOUNTED_FILES.iter().map(|(p, _)| format!("/{p}")).collect();
    let head = SCRIPT_HEAD
        .replace("@DEFAULT_FILES@", &default_files.join(" "))
        .replace("@DEFAULTS@", &sh_quote(&defaults.to_string_lossy()));
    let mut scripts = Vec::new();
    for w in 0..workers {
        let mut script = head.clone();
        for i in (w..cases.len()).step_by(workers) {
            // etc/ssh, and the name-service files the case brings itself.
            let mut mounts = vec!["/etc/ssh".to_string()];
            for (path, _) in MOUNTED_FILES {
                if cases[i].entries.contains_key(Path::new(path)) {
                    mounts.push(format!("/{path}"));
                }
            }
            let _ = write!(
                script,
                "case_ {} {} {}",
                sh_quote(&roots[i].to_string_lossy()),
                sh_quote(&outs[i].to_string_lossy()),
                sh_quote(&mounts.join(" "))
            );
            for spec in &cases[i].specs {
                let _ = write!(script, " {}", sh_quote(spec));
            }
            script.push('\n');
        }
        let path = work.path().join(format!("oracle-{w}.sh"));
        fs::write(&path, script).map_err(|e| format!("{}: {e}", path.display()))?;
        scripts.push(path);
    }
    let runs: Vec<_> = scripts
        .into_iter()
        .map(|script| {
            let parent_ns = parent_ns.clone();
            thread::spawn(move || {
                let mut command = Command::new("unshare");
                command.args(["-m", "--propagation", "private", "sh"]).arg(&script).arg(&parent_ns);
                run_with_limit(&mut command, Duration::from_secs(900))
            })
        })
        .collect();
    for run in runs {
        let out = run
            .join()
            .map_err(|_| "oracle thread panicked".to_string())?
            .map_err(|e| format!("cannot run unshare: {e}"))?;
        if out.status != Some(0) {
            return Err(format!(
                "the oracle script failed ({}): {}",
                out.status_text(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let mut results = Vec::with_capacity(cases.len());
    for (case, out) in cases.iter().zip(&outs) {
        if let Ok(error) = fs::read_to_string(out.join("error")) {
            return Err(format!("{}: {}", case.name, error.trim()));
        }
        let test = read_output(out, "t").map_err(|e| format!("{}: sshd -t: {e}", case.name))?;
        let mut dumps = Vec::new();
        for n in 1..=case.specs.len() {
            dumps.push(if test.status == Some(0) {
                let dump =
                    read_output(out, &n.to_string()).map_err(|e| format!("{}: sshd -T spec {n}: {e}", case.name))?;
                Some(dump)
            } else {
                None
            });
        }
        let refused_dump = if test.status == Some(0) {
            None
        } else {
            Some(read_output(out, "refused").map_err(|e| format!("{}: sshd -T: {e}", case.name))?)
        };
        results.push(SshdResult { test, dumps, refused_dump });
    }
    Ok(OracleRun { _work: work, roots, results, elapsed: start.elapsed() })
}

fn read_output(dir: &Path, stem: &str) -> io::Result<Output> {
    let rc = fs::read_to_string(dir.join(format!("{stem}.rc")))?;
    let code: i32 = rc.trim().parse().map_err(|_| io::Error::other(format!("bad exit status {rc:?}")))?;
    Ok(Output {
        status: Some(code),
        stdout: fs::read(dir.join(format!("{stem}.out")))?,
        stderr: fs::read(dir.join(format!("{stem}.err")))?,
        // `timeout` exits 124 when it had to kill sshd.
        timed_out: code == 124,
    })
}

/// `expected/sshd-t.txt`: exit status, then sshd's output.
pub fn expected_test_text(out: &Output) -> Vec<u8> {
    let mut text = format!("exit: {}\n", out.status.unwrap_or(-1)).into_bytes();
    push_stream(&mut text, "stdout", &out.stdout);
    push_stream(&mut text, "stderr", &out.stderr);
    text
}

/// `expected/<n>.txt`: the spec, exit status, then sshd's output.
pub fn expected_dump_text(spec: &str, out: &Output) -> Vec<u8> {
    let shown = if spec.is_empty() { "(none: plain sshd -T)" } else { spec };
    let mut text = format!("spec: {shown}\nexit: {}\n", out.status.unwrap_or(-1)).into_bytes();
    push_stream(&mut text, "stdout", &out.stdout);
    push_stream(&mut text, "stderr", &out.stderr);
    text
}

fn push_stream(text: &mut Vec<u8>, name: &str, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    text.extend_from_slice(format!("--- {name}\n").as_bytes());
    text.extend_from_slice(bytes);
    if !bytes.ends_with(b"\n") {
        text.extend_from_slice(b"\n(no newline at end)\n");
    }
}

/// The files `expected/` should hold for a case, by name.
fn expected_files(case: &Case, result: &SshdResult) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    files.insert("sshd-t.txt".to_string(), expected_test_text(&result.test));
    for (n, (spec, dump)) in case.specs.iter().zip(&result.dumps).enumerate() {
        if let Some(dump) = dump {
            files.insert(format!("{}.txt", n + 1), expected_dump_text(spec, dump));
        }
    }
    files
}

/// Rewrites `expected/` of a corpus case with what sshd said (`SSHLINT_BLESS=1`).
pub fn bless(case: &Case, result: &SshdResult) -> io::Result<()> {
    let Some(fixture) = &case.fixture else {
        return Ok(());
    };
    let dir = fixture.join("expected");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    for (name, bytes) in expected_files(case, result) {
        fs::write(dir.join(name), bytes)?;
    }
    Ok(())
}

/// How the live sshd differs from what was blessed into `expected/` (`None`: no difference).
pub fn blessed_drift(case: &Case, result: &SshdResult) -> Option<String> {
    let fixture = case.fixture.as_ref()?;
    let dir = fixture.join("expected");
    let want = expected_files(case, result);
    let mut have = BTreeMap::new();
    if let Ok(items) = fs::read_dir(&dir) {
        for item in items.flatten() {
            let name = item.file_name().to_string_lossy().to_string();
            have.insert(name, fs::read(item.path()).unwrap_or_default());
        }
    }
    if have == want {
        return None;
    }
    let mut report = String::new();
    for (name, bytes) in &want {
        match have.get(name) {
            None => {
                let _ = writeln!(report, "  expected/{name}: missing");
            }
            Some(old) if old != bytes => {
                let _ = writeln!(report, "  expected/{name}: differs (- blessed, + live sshd)");
                report.push_str(&super::unified_diff(old, bytes));
            }
            Some(_) => {}
        }
    }
    for name in have.keys().filter(|n| !want.contains_key(*n)) {
        let _ = writeln!(report, "  expected/{name}: stale (sshd no longer produces it)");
    }
    Some(report)
}
