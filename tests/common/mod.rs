//! Helpers shared by the `cli` and `bad_input` integration tests: temporary host roots, running
//! the `sshlint` binary with a timeout, the JSON contract and the human summary line.
//!
//! Each test binary compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const BIN: &str = env!("CARGO_BIN_EXE_sshlint");
/// No single run of the binary may take longer than this: a guard against hangs, not a speed
/// test (speed is measured by `benches/`). The slowest legitimate run, 100,000 `Port` lines
/// rendered for a terminal by a debug build, takes about 9 s alone on 2 cores and more while
/// other tests run beside it.
pub const TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Temporary directories

/// A unique directory under the system temp dir, removed (modes restored first) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        // `sshlint-cli-…`, `sshlint-bad_input-…`: which test binary made it.
        let suite = env!("CARGO_CRATE_NAME");
        let path = std::env::temp_dir().join(format!("sshlint-{suite}-{tag}-{}-{n}-{nanos}", std::process::id()));
        fs::create_dir(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        // Readable by `nobody` whatever the umask.
        set_mode(&path, 0o755);
        TempDir { path }
    }

    /// A host root holding `etc/ssh/sshd_config` with `text`.
    pub fn with_config(tag: &str, text: &str) -> TempDir {
        let t = TempDir::new(tag);
        t.write("etc/ssh/sshd_config", text);
        t
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.path.join(rel)
    }

    /// Create `rel` and its missing parents with mode 0755.
    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let mut p = self.path.clone();
        for part in Path::new(rel).components() {
            p.push(part);
            if fs::symlink_metadata(&p).is_err() {
                fs::create_dir(&p).unwrap_or_else(|e| panic!("mkdir {}: {e}", p.display()));
                set_mode(&p, 0o755);
            }
        }
        p
    }

    /// Write a file (mode 0644), creating its parent directories.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        if let Some(parent) = Path::new(rel).parent() {
            self.mkdir(&parent.to_string_lossy());
        }
        let p = self.join(rel);
        fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        set_mode(&p, 0o644);
        p
    }

    pub fn symlink(&self, rel: &str, target: impl AsRef<Path>) -> PathBuf {
        if let Some(parent) = Path::new(rel).parent() {
            self.mkdir(&parent.to_string_lossy());
        }
        let p = self.join(rel);
        symlink(target.as_ref(), &p).unwrap_or_else(|e| panic!("symlink {}: {e}", p.display()));
        p
    }

    pub fn mkfifo(&self, rel: &str) -> PathBuf {
        if let Some(parent) = Path::new(rel).parent() {
            self.mkdir(&parent.to_string_lossy());
        }
        let p = self.join(rel);
        let st = Command::new("mkfifo").arg(&p).status().expect("run mkfifo");
        assert!(st.success(), "mkfifo {} failed: {st}", p.display());
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        make_removable(&self.path);
        let _ = fs::remove_dir_all(&self.path);
    }
}

pub fn set_mode(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()));
}

/// Give every directory under `p` (not following symlinks) rwx for its owner.
pub fn make_removable(p: &Path) {
    let Ok(meta) = fs::symlink_metadata(p) else { return };
    if !meta.is_dir() {
        return;
    }
    let _ = fs::set_permissions(p, fs::Permissions::from_mode(0o755));
    if let Ok(rd) = fs::read_dir(p) {
        for e in rd.flatten() {
            make_removable(&e.path());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the binary

/// How a run ended, with everything it printed. Each test file adds its own `assert_exit`.
pub struct Output {
    pub what: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl Output {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// A crash is a failure whatever the case: a signal, Rust's panic exit code, a panic
    /// message.
    pub fn assert_no_crash(&self) {
        assert!(
            self.status.signal().is_none(),
            "{}: killed by signal {:?}\nstderr:\n{}",
            self.what,
            self.status.signal(),
            tail(&self.stderr())
        );
        assert_ne!(self.code(), Some(101), "{}: exit code 101 (panic)\nstderr:\n{}", self.what, tail(&self.stderr()));
        assert!(!self.stderr().contains("panicked"), "{}: panicked\nstderr:\n{}", self.what, tail(&self.stderr()));
    }

    /// Exactly this exit code, and no crash.
    pub fn assert_exit(&self, code: i32) -> &Output {
        self.assert_no_crash();
        assert_eq!(
            self.code(),
            Some(code),
            "{}: exit code\nstdout:\n{}\nstderr:\n{}",
            self.what,
            tail(&self.stdout()),
            self.stderr()
        );
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not JSON ({e})\nstdout:\n{}\nstderr:\n{}",
                self.what,
                tail(&self.stdout()),
                tail(&self.stderr())
            )
        })
    }
}

/// The last 3000 characters of `s`, for failure messages.
pub fn tail(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 3000 {
        return s.to_string();
    }
    format!("…{}", chars[chars.len() - 3000..].iter().collect::<String>())
}

/// `sshlint ARGS…`.
pub fn sshlint<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    c.env_remove("NO_COLOR");
    c
}

/// Wait for `child` at most [`TIMEOUT`] (counted from `start`); kill it and fail on a hang.
pub fn wait_bounded(child: &mut Child, start: Instant, what: &str) -> ExitStatus {
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return st,
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{what}: still running after {TIMEOUT:?} (a hang): killed");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("{what}: wait failed: {e}"),
        }
    }
}

/// Read `r` to the end on a thread of its own.
pub fn drain<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        v
    })
}

/// Spawn, feed stdin, collect stdout and stderr, and wait at most [`TIMEOUT`]: a run that takes
/// longer is killed and fails the test.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Output {
    let what = format!("{cmd:?}");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{what}: cannot spawn: {e}"));
    let feeder = child.stdin.take().map(|mut w| {
        let data = stdin.unwrap_or_default().to_vec();
        std::thread::spawn(move || {
            let _ = w.write_all(&data);
        })
    });
    let out_t = drain(child.stdout.take().expect("stdout piped"));
    let err_t = drain(child.stderr.take().expect("stderr piped"));
    let status = wait_bounded(&mut child, start, &what);
    let elapsed = start.elapsed();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    Output { what, status, stdout, stderr, elapsed }
}

// ---------------------------------------------------------------------------------------------
// The JSON contract and the human summary line

pub const FINDING_KEYS: &[&str] = &[
    "code",
    "name",
    "severity",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "message",
    "help",
    "related",
    "fatal",
];
pub const RELATED_KEYS: &[&str] = &["path", "line", "column", "end_line", "end_column", "message"];

pub fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}

pub fn uint(v: &Value, key: &str, ctx: &dyn fmt::Display) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("{ctx}: `{key}` is not an unsigned integer: {v}"))
}

pub fn check_position(v: &Value, ctx: &dyn fmt::Display) {
    assert!(v["path"].is_string(), "{ctx}: path: {v}");
    let (l, c, el, ec) =
        (uint(v, "line", ctx), uint(v, "column", ctx), uint(v, "end_line", ctx), uint(v, "end_column", ctx));
    assert!(l >= 1 && c >= 1 && el >= 1 && ec >= 1, "{ctx}: positions are 1-based: {v}");
    assert!((el, ec) >= (l, c), "{ctx}: end before start: {v}");
    assert!(v["message"].is_string(), "{ctx}: message: {v}");
}

/// "<run>: finding <json>", formatted only when an assertion fails.
pub struct Ctx<'a>(pub &'a str, pub &'a Value);

impl fmt::Display for Ctx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: finding {}", self.0, self.1)
    }
}

/// Check the document against DESIGN.md / report::json.
pub fn check_doc(doc: &Value, what: &str) {
    assert_eq!(keys(doc), ["version", "findings", "files", "summary"].into_iter().collect(), "{what}: top-level keys");
    assert_eq!(doc["version"], 1, "{what}: version");
    let findings = doc["findings"].as_array().unwrap_or_else(|| panic!("{what}: findings is not an array"));
    let files = doc["files"].as_array().unwrap_or_else(|| panic!("{what}: files is not an array"));
    let paths: BTreeSet<&str> = files
        .iter()
        .map(|f| {
            assert_eq!(keys(f), ["path", "kind"].into_iter().collect(), "{what}: file entry {f}");
            let kind = f["kind"].as_str().unwrap_or("");
            assert!(
                [
                    "sshd_config",
                    "sshd_config_dropin",
                    "iptables-save",
                    "ip6tables-save",
                    "ufw-rules",
                    "ufw-conf",
                    "ufw-default",
                    "ufw-application",
                    "systemd-unit",
                    "authorized-keys",
                    "passwd",
                    "login-path",
                    "sshlint-config",
                    "firewalld-conf",
                    "firewalld-xml",
                    "firewalld-stock-builtin",
                    "unknown"
                ]
                .contains(&kind),
                "{what}: file kind {f}"
            );
            f["path"].as_str().unwrap_or_else(|| panic!("{what}: file path {f}"))
        })
        .collect();
    let mut counts = [0u64; 3];
    for f in findings {
        let ctx = Ctx(what, f);
        assert_eq!(keys(f), FINDING_KEYS.iter().copied().collect(), "{ctx}: keys");
        check_position(f, &ctx);
        let sev = f["severity"].as_str().unwrap_or("");
        let i =
            ["error", "warning", "info"].iter().position(|s| *s == sev).unwrap_or_else(|| panic!("{ctx}: severity"));
        counts[i] += 1;
        assert!(f["fatal"].is_boolean(), "{ctx}: fatal");
        assert!(f["help"].is_string() || f["help"].is_null(), "{ctx}: help");
        assert!(f["code"].as_str().is_some_and(|c| !c.is_empty()), "{ctx}: code");
        assert!(f["name"].as_str().is_some_and(|n| !n.is_empty()), "{ctx}: name");
        assert!(paths.contains(f["path"].as_str().unwrap_or("")), "{ctx}: path is not in `files` {paths:?}");
        for r in f["related"].as_array().unwrap_or_else(|| panic!("{ctx}: related")) {
            assert_eq!(keys(r), RELATED_KEYS.iter().copied().collect(), "{ctx}: related keys");
            check_position(r, &ctx);
        }
    }
    let s = &doc["summary"];
    assert_eq!(s["errors"].as_u64(), Some(counts[0]), "{what}: summary.errors");
    assert_eq!(s["warnings"].as_u64(), Some(counts[1]), "{what}: summary.warnings");
    assert_eq!(s["infos"].as_u64(), Some(counts[2]), "{what}: summary.infos");
    assert_eq!(s["files"].as_u64(), Some(files.len() as u64), "{what}: summary.files");
    let any_fatal = findings.iter().any(|f| f["fatal"] == true);
    assert_eq!(s["fatal"].as_bool(), Some(any_fatal), "{what}: summary.fatal");
}

/// "N errors, N warnings, N infos in N files (N hosts)" (singular for 1) → the five numbers.
pub fn parse_summary(line: &str) -> Option<[u64; 5]> {
    fn count(s: &str, word: &str) -> Option<u64> {
        let (n, w) = s.trim().split_once(' ')?;
        let n: u64 = n.parse().ok()?;
        let expect = if n == 1 { word.to_string() } else { format!("{word}s") };
        (w == expect).then_some(n)
    }
    let (counts, rest) = line.split_once(" in ")?;
    let mut parts = counts.split(", ");
    let e = count(parts.next()?, "error")?;
    let w = count(parts.next()?, "warning")?;
    let i = count(parts.next()?, "info")?;
    if parts.next().is_some() {
        return None;
    }
    let (files, hosts) = rest.strip_suffix(')')?.split_once(" (")?;
    Some([e, w, i, count(files, "file")?, count(hosts, "host")?])
}

/// The five numbers of the JSON summary, in [`parse_summary`]'s order.
pub fn summary_of(doc: &Value) -> [u64; 5] {
    let s = &doc["summary"];
    ["errors", "warnings", "infos", "files", "hosts"].map(|k| s[k].as_u64().unwrap_or(u64::MAX))
}
