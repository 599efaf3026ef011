//! Helpers shared by the integration tests: temporary directories, a seeded PRNG, running the
//! `sshlint` binary with a time limit, escaping bytes for failure reports, a line diff, and a
//! mismatch collector. The sshd oracle lives in `sshd.rs`, the login oracle (the real sshd and
//! ssh client over trees of accounts and key files) in `logins.rs`, the random case generator in
//! `generate.rs`. Nothing here may touch files outside the temporary directories it creates.
// Each test target that declares `mod support;` uses only part of it.
#![allow(dead_code)]

pub mod generate;
pub mod logins;
pub mod rng;
pub mod sshd;

pub use rng::Rng;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, fs, thread};

/// The crate root (where `Cargo.toml` and `fixtures/` live).
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when the environment variable is set to `1`.
pub fn env_flag(name: &str) -> bool {
    env::var(name).is_ok_and(|v| v == "1")
}

/// A directory under the system temp dir, removed (recursively) when dropped unless
/// `SSHLINT_DIFF_KEEP=1`, in which case its path is printed so a failure can be replayed by hand.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> io::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let base = env::temp_dir();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!("sshlint-{label}-{}-{n}-{nanos}", std::process::id()));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if env_flag("SSHLINT_DIFF_KEEP") {
            eprintln!("kept temporary directory {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// A value built once and shared by the tests that run at the same time; it is dropped (and its
/// temporary files removed) when the last of them lets go, and rebuilt if a later test asks again.
pub fn shared<T>(slot: &'static Mutex<Weak<T>>, init: impl FnOnce() -> T) -> Arc<T> {
    let mut guard = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(value) = guard.upgrade() {
        return value;
    }
    let value = Arc::new(init());
    *guard = Arc::downgrade(&value);
    value
}

/// The generator seed: `SSHLINT_DIFF_SEED` (decimal or `0x` hex) or a fixed default, so that CI
/// runs are reproducible.
pub fn seed_from_env(default: u64) -> u64 {
    match env::var("SSHLINT_DIFF_SEED") {
        Ok(text) => {
            let text = text.trim();
            let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("SSHLINT_DIFF_SEED={text:?} is not a number: {e}"))
        }
        Err(_) => default,
    }
}

/// A positive integer from the environment, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    match env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|e| panic!("{name}={text:?} is not a number: {e}")),
        Err(_) => default,
    }
}

/// What a finished child process left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    /// Exit status; `None` if killed by a signal or by the time limit.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
}

impl Output {
    pub fn status_text(&self) -> String {
        match (self.timed_out, self.status) {
            (true, _) => "killed after the time limit".to_string(),
            (false, Some(code)) => format!("exit {code}"),
            (false, None) => "killed by a signal".to_string(),
        }
    }
}

/// Runs a command with stdin closed, collecting its output, killing it after `limit`.
pub fn run_with_limit(command: &mut Command, limit: Duration) -> io::Result<Output> {
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let mut pause = Duration::from_micros(100);
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    };
    Ok(Output {
        status: if timed_out { None } else { status.code() },
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        timed_out,
    })
}

/// Runs the `sshlint` binary built for this test run.
pub fn sshlint<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_sshlint"));
    command.args(args).env_remove("RUST_BACKTRACE");
    run_with_limit(&mut command, Duration::from_secs(30)).unwrap_or_else(|e| Output {
        status: None,
        stdout: Vec::new(),
        stderr: format!("could not run sshlint: {e}").into_bytes(),
        timed_out: false,
    })
}

/// Maps `f` over `items` on up to `available_parallelism()` threads, keeping the order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    parallel_map_on(threads, items, f)
}

/// [`parallel_map`] on `threads` threads, for work that mostly waits on other processes.
pub fn parallel_map_on<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.clamp(1, 16).min(items.len().max(1));
    let next = AtomicU64::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= items.len() {
                        break;
                    }
                    let r = f(&items[i]);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was mapped"))
        .collect()
}

/// Shows bytes with everything but printable ASCII escaped (`\t`, `\r`, `\0`, `\f`, `\xNN`), so
/// control bytes, a BOM or non-UTF-8 input are visible in a failure report.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\0' => out.push_str("\\0"),
            0x0c => out.push_str("\\f"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// A file's lines, numbered, with control bytes escaped; very long files and lines are cut.
pub fn numbered_listing(bytes: &[u8]) -> String {
    const MAX_LINES: usize = 200;
    const MAX_LINE: usize = 300;
    let mut out = String::new();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    for (i, line) in lines.iter().enumerate().take(MAX_LINES) {
        let mut shown = escape_bytes(&line[..line.len().min(MAX_LINE)]);
        if line.len() > MAX_LINE {
            let _ = write!(shown, "… ({} bytes in all)", line.len());
        }
        let _ = writeln!(out, "{:>5} | {shown}", i + 1);
    }
    if lines.len() > MAX_LINES {
        let _ = writeln!(out, "      … {} more lines", lines.len() - MAX_LINES);
    }
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        out.push_str("      (no newline at end of file)\n");
    }
    if bytes.is_empty() {
        out.push_str("      (empty file)\n");
    }
    out
}

/// Escaped text of a process output stream, or `(empty)`.
pub fn show_stream(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "      (empty)\n".to_string();
    }
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut out = String::new();
    for line in body.split(|&b| b == b'\n') {
        out.push_str("      ");
        out.push_str(&escape_bytes(line));
        out.push('\n');
    }
    out
}

/// A unified-style diff of two outputs (`-` expected, `+` actual) with three lines of context.
pub fn unified_diff(expected: &[u8], actual: &[u8]) -> String {
    let split = |b: &[u8]| -> Vec<String> {
        if b.is_empty() {
            return Vec::new();
        }
        let body = b.strip_suffix(b"\n").unwrap_or(b);
        body.split(|&c| c == b'\n').map(escape_bytes).collect()
    };
    let a = split(expected);
    let b = split(actual);
    let ops = diff_ops(&a, &b);
    // Group the edit script into hunks with up to 3 lines of context around changes.
    const CONTEXT: usize = 3;
    let changed: Vec<usize> =
        ops.iter().enumerate().filter(|(_, op)| !matches!(op, DiffOp::Same(..))).map(|(i, _)| i).collect();
    if changed.is_empty() {
        let mut note = String::from("      (no line differences");
        if !expected.ends_with(b"\n") || !actual.ends_with(b"\n") {
            note.push_str("; the outputs differ in their final newline");
        }
        note.push_str(")\n");
        return note;
    }
    let mut out = String::new();
    let mut i = 0;
    while i < changed.len() {
        let start = changed[i].saturating_sub(CONTEXT);
        let mut end = changed[i] + CONTEXT + 1;
        while i + 1 < changed.len() && changed[i + 1] <= end + CONTEXT {
            i += 1;
            end = changed[i] + CONTEXT + 1;
        }
        let end = end.min(ops.len());
        let (mut a_line, mut b_line) = (1, 1);
        for op in &ops[..start] {
            match op {
                DiffOp::Same(..) => {
                    a_line += 1;
                    b_line += 1;
                }
                DiffOp::Del(_) => a_line += 1,
                DiffOp::Add(_) => b_line += 1,
            }
        }
        let a_len = ops[start..end].iter().filter(|op| !matches!(op, DiffOp::Add(_))).count();
        let b_len = ops[start..end].iter().filter(|op| !matches!(op, DiffOp::Del(_))).count();
        let _ = writeln!(out, "      @@ -{a_line},{a_len} +{b_line},{b_len} @@");
        for op in &ops[start..end] {
            let _ = match op {
                DiffOp::Same(x) => writeln!(out, "       {}", shorten(&a[*x])),
                DiffOp::Del(x) => writeln!(out, "      -{}", a[*x]),
                DiffOp::Add(y) => writeln!(out, "      +{}", b[*y]),
            };
        }
        i += 1;
    }
    out
}

/// Context lines are only there to locate a change; long ones (algorithm lists) are cut.
fn shorten(line: &str) -> String {
    const MAX: usize = 100;
    match line.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

/// The first changed lines of a diff, for one-line summaries: `-old +new` (either may be
/// missing).
pub fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let split = |b: &[u8]| -> Vec<String> {
        let body = b.strip_suffix(b"\n").unwrap_or(b);
        if body.is_empty() { Vec::new() } else { body.split(|&c| c == b'\n').map(escape_bytes).collect() }
    };
    let (a, b) = (split(expected), split(actual));
    let ops = diff_ops(&a, &b);
    let Some(start) = ops.iter().position(|op| !matches!(op, DiffOp::Same(..))) else {
        return "outputs differ only in their final newline".to_string();
    };
    let mut parts = Vec::new();
    for op in ops[start..].iter().take_while(|op| !matches!(op, DiffOp::Same(..))).take(2) {
        match op {
            DiffOp::Del(x) => parts.push(format!("-{}", shorten(&a[*x]))),
            DiffOp::Add(y) => parts.push(format!("+{}", shorten(&b[*y]))),
            DiffOp::Same(..) => {}
        }
    }
    parts.join(" ")
}

enum DiffOp {
    Same(usize),
    Del(usize),
    Add(usize),
}

/// Longest-common-subsequence edit script; outputs here are a few hundred lines at most, and
/// larger inputs fall back to "everything changed" rather than using quadratic memory.
fn diff_ops(a: &[String], b: &[String]) -> Vec<DiffOp> {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > 4_000_000 {
        let mut ops: Vec<DiffOp> = (0..n).map(DiffOp::Del).collect();
        ops.extend((0..m).map(DiffOp::Add));
        return ops;
    }
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] =
                if a[i] == b[j] { lcs[at(i + 1, j + 1)] + 1 } else { lcs[at(i + 1, j)].max(lcs[at(i, j + 1)]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(DiffOp::Same(i));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            ops.push(DiffOp::Del(i));
            i += 1;
        } else {
            ops.push(DiffOp::Add(j));
            j += 1;
        }
    }
    ops
}

/// Collects mismatches and fails once at the end, printing the detail of the first
/// `SSHLINT_DIFF_SHOW` (default 30) and a one-line summary of every one.
pub struct Mismatches {
    what: String,
    hint: String,
    items: Vec<(String, String)>,
}

impl Mismatches {
    /// `hint`: how to rerun a single case, printed after the summary.
    pub fn new(what: &str, hint: &str) -> Mismatches {
        Mismatches { what: what.to_string(), hint: hint.to_string(), items: Vec::new() }
    }

    /// `summary`: one line (case, spec, kind); `detail`: the full report.
    pub fn push(&mut self, summary: String, detail: String) {
        self.items.push((summary, detail));
    }

    /// Panics with the count if anything was collected.
    pub fn finish(self, checked: usize) {
        if self.items.is_empty() {
            eprintln!("{}: {checked} checks, no mismatches", self.what);
            return;
        }
        let show = env_usize("SSHLINT_DIFF_SHOW", 30);
        let mut report = String::new();
        for (i, (summary, detail)) in self.items.iter().enumerate().take(show) {
            let _ = writeln!(report, "\n==================== mismatch {} of {}: {summary}", i + 1, self.items.len());
            report.push_str(detail);
        }
        if self.items.len() > show {
            let _ = writeln!(
                report,
                "\n… details of {} more mismatches not shown (SSHLINT_DIFF_SHOW=N shows more)",
                self.items.len() - show
            );
        }
        let _ = writeln!(report, "\n==================== summary of all mismatches:");
        for (i, (summary, _)) in self.items.iter().enumerate() {
            let _ = writeln!(report, "{:>4}. {summary}", i + 1);
        }
        let _ = writeln!(report, "{}", self.hint);
        eprintln!("{report}");
        panic!("{}: {} mismatches in {checked} checks (details above)", self.what, self.items.len());
    }
}
