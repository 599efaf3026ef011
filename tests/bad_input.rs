//! Malformed and hostile input through the `sshlint` binary: every bad input gets a diagnostic at
//! its file and line, the run goes on, and nothing panics, hangs, reads without bound, escapes
//! the host root or writes into the audited tree (DESIGN.md, "Quality bar").
//!
//! Each case builds a host root in a fresh temporary directory, snapshots the tree (paths,
//! types, sizes, modes, owners, times, contents), runs `sshlint --openssh 9.2 --format json`
//! and `--color never` (human) against it with a 10 s timeout, and checks the exit code, the
//! JSON document, the human summary line and that the tree is unchanged.
//!
//! Some cases need root (mode 000 files are only unreadable to someone else; `mknod`): they run
//! the binary as `nobody` through `setpriv` (or `runuser`) and are skipped with a printed reason
//! when the tests do not run as root, unless `SSHLINT_REQUIRE_ORACLES=1` makes that a failure.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Exit codes of a run that found an error-level problem: 1 (findings), or 2 where the problem
/// is an I/O error (DESIGN.md lists I/O errors under 2, STYLE.md has per-file problems raise
/// the exit status; either is a correct answer, 0 and crashes are not).
const FINDINGS_OR_IO: &[i32] = &[1, 2];
const NOBODY: u32 = 65534;

// ---------------------------------------------------------------------------------------------
// Running the binary

/// bad_input accepts any of several exit codes (see [`FINDINGS_OR_IO`]).
impl Output {
    fn assert_exit_one_of(&self, allowed: &[i32]) {
        self.assert_no_crash();
        assert!(
            self.code().is_some_and(|c| allowed.contains(&c)),
            "{}: exit code {:?}, expected one of {allowed:?}\nstderr:\n{}\nstdout:\n{}",
            self.what,
            self.code(),
            tail(&self.stderr()),
            tail(&self.stdout())
        );
    }
}

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// True when the test may go on as root; otherwise prints why it is skipped (or fails when
/// `SSHLINT_REQUIRE_ORACLES=1`).
fn require_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    let why = format!("{test}: needs root (to run sshlint as `nobody` / create device nodes)");
    assert!(std::env::var("SSHLINT_REQUIRE_ORACLES").as_deref() != Ok("1"), "{why}, and SSHLINT_REQUIRE_ORACLES=1");
    eprintln!("skipped: {why}");
    false
}

/// `sshlint ARGS…` run as `nobody` (uid/gid 65534, no supplementary groups).
fn sshlint_as_nobody<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let has_setpriv = Command::new("setpriv")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let mut c = if has_setpriv {
        let mut c = Command::new("setpriv");
        c.args([format!("--reuid={NOBODY}"), format!("--regid={NOBODY}"), "--clear-groups".to_string()]);
        c
    } else {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]);
        c
    };
    c.arg(BIN).args(args);
    c.env_remove("NO_COLOR");
    c
}

// ---------------------------------------------------------------------------------------------
// Tree snapshots: the audited tree must be byte-for-byte and mode-for-mode unchanged

#[derive(Debug, PartialEq, Eq)]
struct Node {
    kind: &'static str,
    size: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: (i64, i64),
    ctime: (i64, i64),
    link: Option<PathBuf>,
    /// Contents of regular files up to 8 MiB (larger ones: size and times only).
    content: Option<Vec<u8>>,
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut out = BTreeMap::new();
    snap(root, root, &mut out);
    out
}

fn snap(root: &Path, p: &Path, out: &mut BTreeMap<PathBuf, Node>) {
    let Ok(m) = fs::symlink_metadata(p) else { return };
    let ft = m.file_type();
    let kind = if ft.is_dir() {
        "dir"
    } else if ft.is_symlink() {
        "symlink"
    } else if ft.is_file() {
        "file"
    } else {
        "special"
    };
    let content = (ft.is_file() && m.len() <= 8 << 20).then(|| fs::read(p).unwrap_or_default());
    let rel = p.strip_prefix(root).map_or_else(|_| p.to_path_buf(), Path::to_path_buf);
    out.insert(
        rel,
        Node {
            kind,
            size: if ft.is_dir() { 0 } else { m.len() },
            mode: m.mode(),
            uid: m.uid(),
            gid: m.gid(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            link: ft.is_symlink().then(|| fs::read_link(p).unwrap_or_default()),
            content,
        },
    );
    if ft.is_dir()
        && let Ok(rd) = fs::read_dir(p)
    {
        let mut children: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        children.sort();
        for c in children {
            snap(root, &c, out);
        }
    }
}

fn assert_unchanged(before: &BTreeMap<PathBuf, Node>, after: &BTreeMap<PathBuf, Node>, what: &str) {
    for (p, a) in after {
        match before.get(p) {
            None => panic!("{what}: `{}` appeared in the audited tree", p.display()),
            Some(b) => assert!(b == a, "{what}: `{}` changed: before {b:?}, after {a:?}", p.display()),
        }
    }
    for p in before.keys() {
        assert!(after.contains_key(p), "{what}: `{}` disappeared from the audited tree", p.display());
    }
}

// ---------------------------------------------------------------------------------------------
// One audit: JSON and human runs, exit code, contract, unchanged tree

#[derive(Clone, Copy)]
enum User {
    Current,
    Nobody,
}

struct Audit {
    doc: Value,
    human: String,
    json_out: Output,
}

impl Audit {
    fn findings(&self) -> &[Value] {
        self.doc["findings"].as_array().map_or(&[], Vec::as_slice)
    }

    /// Everything sshlint printed in both runs.
    fn all_text(&self) -> String {
        format!("{}\n{}\n{}", self.json_out.stdout(), self.json_out.stderr(), self.human)
    }

    fn codes(&self) -> BTreeSet<String> {
        self.findings().iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect()
    }

    /// A finding with `code` in a file whose path ends with `path_end`, at `line`.
    fn find(&self, code: &str, path_end: &str, line: u64) -> &Value {
        self.findings()
            .iter()
            .find(|f| {
                f["code"] == code && f["path"].as_str().is_some_and(|p| p.ends_with(path_end)) && f["line"] == line
            })
            .unwrap_or_else(|| {
                panic!(
                    "{}: no {code} at {path_end}:{line}; findings:\n{}",
                    self.json_out.what,
                    serde_json::to_string_pretty(&self.doc["findings"]).unwrap_or_default()
                )
            })
    }

    /// Any finding at `path_end:line`.
    fn find_at(&self, path_end: &str, line: u64) -> &Value {
        self.findings()
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(path_end)) && f["line"] == line)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no finding at {path_end}:{line}; findings:\n{}",
                    self.json_out.what,
                    serde_json::to_string_pretty(&self.doc["findings"]).unwrap_or_default()
                )
            })
    }

    fn file_kinds(&self) -> BTreeMap<String, String> {
        self.doc["files"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| {
                        (f["path"].as_str().unwrap_or("").to_string(), f["kind"].as_str().unwrap_or("").to_string())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Lint `target` (`--root DIR` when `root_flag`, else a path argument) with `--openssh 9.2` in
/// JSON and (when `human`) in human form, as `user`, checking the exit code against `exit`,
/// the JSON contract, the human summary line, and that `tree` is unchanged.
fn audit_with(tree: &Path, target: &Path, root_flag: bool, exit: &[i32], user: User, human: bool) -> Audit {
    let target_args: Vec<OsString> =
        if root_flag { vec!["--root".into(), target.into()] } else { vec![target.as_os_str().to_owned()] };
    let mk = |extra: &[&str]| {
        let mut args: Vec<OsString> = vec!["--openssh".into(), "9.2".into()];
        args.extend(extra.iter().map(OsString::from));
        args.extend(target_args.iter().cloned());
        match user {
            User::Current => sshlint(&args),
            User::Nobody => sshlint_as_nobody(&args),
        }
    };
    let before = snapshot(tree);
    let json_out = run(mk(&["--format", "json"]), None);
    json_out.assert_exit_one_of(exit);
    let doc = json_out.json();
    check_doc(&doc, &json_out.what);
    assert_unchanged(&before, &snapshot(tree), &json_out.what);
    let mut human_text = String::new();
    if human {
        let h = run(mk(&["--color", "never"]), None);
        h.assert_exit_one_of(&[json_out.code().unwrap_or(-1)]);
        human_text = h.stdout();
        assert!(!human_text.contains('\u{1b}'), "{}: ANSI escapes with --color never", h.what);
        let last = human_text.lines().last().unwrap_or("");
        let parsed = parse_summary(last).unwrap_or_else(|| {
            panic!("{}: last line is not the summary line: {last:?}\n{}", h.what, tail(&human_text))
        });
        assert_eq!(parsed, summary_of(&doc), "{}: human summary disagrees with the JSON summary", h.what);
        for f in doc["findings"].as_array().into_iter().flatten() {
            let code = f["code"].as_str().unwrap_or("");
            assert!(human_text.contains(code), "{}: human output lacks {code}", h.what);
        }
        assert_unchanged(&before, &snapshot(tree), &h.what);
    }
    Audit { doc, human: human_text, json_out }
}

/// `--root ROOT`, JSON and human.
fn audit_root(root: &Path, exit: &[i32]) -> Audit {
    audit_with(root, root, true, exit, User::Current, true)
}

fn sshd_config(t: &TempDir, text: impl AsRef<[u8]>) -> PathBuf {
    t.write("etc/ssh/sshd_config", text)
}

/// Reproducible binary garbage (xorshift, fixed seed) with NUL bytes at two known places only
/// (a NUL makes sshd join the rest of the line with the next one), followed by blank lines and
/// `BogusAfterGarbage yes`, whose line is returned: the run must get that far.
fn garbage(len: usize, mut seed: u64) -> (Vec<u8>, u64) {
    let mut v: Vec<u8> = (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // No NUL (placed below) and no ESC (`control_bytes_are_not_echoed` covers that).
            match (seed >> 24) as u8 {
                0 => 1,
                0x1b => 0x1c,
                b => b,
            }
        })
        .collect();
    v[len / 40] = 0;
    v[len / 2] = 0;
    v.extend_from_slice(b"\n\n\nBogusAfterGarbage yes\n");
    let last = v.iter().filter(|&&b| b == b'\n').count() as u64;
    (v, last)
}

// ---------------------------------------------------------------------------------------------
// Bytes that are not a config

#[test]
fn binary_garbage_gets_diagnostics_not_a_crash() {
    let t = TempDir::new("garbage");
    let (bytes, last_line) = garbage(4096, 0x5eed_0001);
    sshd_config(&t, &bytes);
    let a = audit_root(t.path(), &[1]);
    assert!(a.codes().contains("SL003"), "binary data is reported as not UTF-8: {:?}", a.codes());
    // The run goes on to the end of the file: the last line is still diagnosed at its line.
    let f = a.find("SSHD001", "etc/ssh/sshd_config", last_line);
    assert!(f["message"].as_str().unwrap_or("").contains("BogusAfterGarbage"), "{f}");
}

/// A config is untrusted input: its bytes are shown in source excerpts, and control
/// characters there reach the terminal (ESC sequences can retitle, clear or rewrite it).
#[test]
fn control_bytes_are_not_echoed() {
    let t = TempDir::new("escapes");
    sshd_config(&t, b"Port 22\nBogus \x1b]0;pwned\x07\x1b[2J\x1b[31mred\n");
    let a = audit_root(t.path(), &[1]);
    a.find("SSHD001", "etc/ssh/sshd_config", 2);
}

#[test]
fn latin1_text_is_reported_and_linted() {
    let t = TempDir::new("latin1");
    sshd_config(&t, b"Port 22\n# Caf\xe9 configuration\nBanner /etc/issue\nPermitRootLogin n\xf6\nBogus x\n");
    let a = audit_root(t.path(), &[1]);
    a.find("SL003", "etc/ssh/sshd_config", 2);
    a.find("SSHD002", "etc/ssh/sshd_config", 4);
    a.find("SSHD001", "etc/ssh/sshd_config", 5);
}

/// SL003's documentation promises U+FFFD for bytes that are not UTF-8; the private-use
/// characters sshlint carries them in internally must not leak into what users read.
#[test]
fn non_utf8_bytes_do_not_leak_internal_escapes() {
    let t = TempDir::new("latin1-escapes");
    sshd_config(&t, b"Port 22\nPermitRootLogin n\xf6\n");
    let a = audit_root(t.path(), &[1]);
    a.find("SSHD002", "etc/ssh/sshd_config", 2);
    let text = a.all_text();
    let leaked: Vec<char> = text.chars().filter(|&c| ('\u{10FF00}'..='\u{10FFFF}').contains(&c)).collect();
    assert!(leaked.is_empty(), "internal escape characters in output: {leaked:?}");
    assert!(!text.contains("\\u{10ff"), "internal escape characters in JSON output");
}

#[test]
fn utf8_bom_before_port_is_an_unknown_keyword() {
    let t = TempDir::new("bom");
    sshd_config(&t, b"\xef\xbb\xbfPort 22\n");
    let a = audit_root(t.path(), &[1]);
    let f = a.find("SSHD001", "etc/ssh/sshd_config", 1);
    assert_eq!(f["column"], 1, "{f}");
    assert_eq!(f["fatal"], true, "sshd refuses the BOM-prefixed keyword: {f}");
}

#[test]
fn crlf_line_endings_are_valid() {
    let t = TempDir::new("crlf");
    sshd_config(&t, "Port 22\r\nPermitRootLogin no\r\nPasswordAuthentication no\r\n");
    let a = audit_root(t.path(), &[0]);
    assert!(a.findings().is_empty(), "CRLF config is clean: {:?}", a.doc["findings"]);

    // Lines and columns still count right, and `\r` is not part of a token.
    let t = TempDir::new("crlf-bad");
    sshd_config(&t, "Port 22\r\nBogus x\r\nPermitRootLogin no\r\n");
    let a = audit_root(t.path(), &[1]);
    let f = a.find("SSHD001", "etc/ssh/sshd_config", 2);
    assert_eq!((f["column"].as_u64(), f["end_column"].as_u64()), (Some(1), Some(6)), "{f}");
    assert_eq!(a.findings().len(), 1, "{:?}", a.doc["findings"]);
}

#[test]
fn nul_byte_mid_line_joins_the_next_line_like_sshd() {
    // sshd's line reader stops at the NUL and the rest of the line is lost; what follows the
    // newline is appended: `PermitRootLogin` + `Port 2222` = `PermitRootLoginPort 2222`.
    let t = TempDir::new("nul");
    sshd_config(&t, b"Port 22\nPermitRootLogin\0 yes\nPort 2222\nX11Forwarding no\n");
    let a = audit_root(t.path(), &[1]);
    let f = a.find("SSHD001", "etc/ssh/sshd_config", 2);
    assert!(f["message"].as_str().unwrap_or("").contains("PermitRootLoginPort"), "{f}");
}

#[test]
fn line_of_200k_characters() {
    let t = TempDir::new("longline");
    let mut text = String::from("Port 22\nBanner /");
    text.push_str(&"a".repeat(200_000));
    text.push_str("\nBogus x\n");
    sshd_config(&t, &text);
    let a = audit_root(t.path(), &[1]);
    a.find("SSHD001", "etc/ssh/sshd_config", 3);
    assert_eq!(a.findings().len(), 1, "{:?}", a.doc["findings"]);
}

#[test]
fn finding_far_into_a_long_line_json() {
    let t = TempDir::new("longline-col");
    let mut text = String::from("Port 22\nBanner /");
    text.push_str(&"a".repeat(200_000));
    text.push_str(" extra\nBogus x\n");
    sshd_config(&t, &text);
    let a = audit_with(t.path(), t.path(), true, &[1], User::Current, false);
    let f = a.find("SSHD002", "etc/ssh/sshd_config", 2);
    assert_eq!(f["column"], 200_010, "column of `extra`: {f}");
    assert_eq!(f["end_column"], 200_015, "{f}");
    a.find("SSHD001", "etc/ssh/sshd_config", 3);
}

/// miette's renderer formats with a width argument that must fit in u16.
#[test]
fn finding_far_into_a_long_line_human() {
    let t = TempDir::new("longline-human");
    let mut text = String::from("Port 22\nBanner /");
    text.push_str(&"a".repeat(200_000));
    text.push_str(" extra\nBogus x\n");
    sshd_config(&t, &text);
    let a = audit_root(t.path(), &[1]);
    a.find("SSHD002", "etc/ssh/sshd_config", 2);
}

/// "did you mean" compares the unknown word against every keyword with a full edit-distance
/// table: time grows with the word's length (200 k characters: ~7 s in a debug build, 2 MB:
/// ~5 s in release, a 64 MB file: minutes).
#[test]
fn long_unknown_keyword_is_fast() {
    let t = TempDir::new("longkeyword");
    let mut text = String::from("Port 22\n");
    text.push_str(&"A".repeat(200_000));
    text.push_str("\nBogus x\n");
    sshd_config(&t, &text);
    let a = audit_with(t.path(), t.path(), true, &[1], User::Current, false);
    a.find("SSHD001", "etc/ssh/sshd_config", 2);
    a.find("SSHD001", "etc/ssh/sshd_config", 3);
    assert!(a.json_out.elapsed < Duration::from_secs(2), "took {:?} for a 200 KB file", a.json_out.elapsed);
}

const PORT_VARIANTS: &[&str] = &[
    "Port 22",
    "port 22",
    "PORT=22",
    "Port  22 ",
    "\tPort\t22",
    "Port \"22\"",
    "Port 0",
    "Port 65536",
    "Port abc",
    "Port",
    "Port 22 23",
    "Port=22\r",
];

fn port_lines(n: usize, variants: &[&str]) -> String {
    let mut s = String::with_capacity(n * 10);
    for i in 0..n {
        s.push_str(variants[i % variants.len()]);
        s.push('\n');
    }
    s
}

#[test]
fn hundred_thousand_port_lines_json() {
    let t = TempDir::new("100k");
    sshd_config(&t, port_lines(100_000, PORT_VARIANTS));
    let a = audit_with(t.path(), t.path(), true, &[1], User::Current, false);
    for line in [7, 8, 9, 10, 11] {
        a.find("SSHD002", "etc/ssh/sshd_config", line);
    }
    // sshd takes at most 256 ports: the run goes on to the end of the file.
    a.find_at("etc/ssh/sshd_config", 100_000);
}

/// Rendering each finding costs time proportional to the file (the whole text is copied into
/// every miette source): 8,000 findings take ~13 s in a debug build, 100,000 far longer.
#[test]
fn hundred_thousand_port_lines_human() {
    let t = TempDir::new("100k-human");
    sshd_config(&t, port_lines(100_000, PORT_VARIANTS));
    let a = audit_root(t.path(), &[1]);
    a.find("SSHD002", "etc/ssh/sshd_config", 7);
}

/// SSHD101's message lists every `Port` value, duplicates included, so each of n commented
/// lines carries n ports: 4,000 lines give 17 MB of JSON, 100,000 lines run for minutes and
/// print gigabytes.
#[test]
fn hundred_thousand_port_lines_with_commented_ports() {
    let t = TempDir::new("100k-commented");
    let mut variants = PORT_VARIANTS.to_vec();
    variants.push("#Port 2222");
    sshd_config(&t, port_lines(100_000, &variants));
    let a = audit_with(t.path(), t.path(), true, &[1], User::Current, false);
    a.find("SSHD101", "etc/ssh/sshd_config", 13);
    for f in a.findings() {
        let len = f["message"].as_str().map_or(0, str::len);
        assert!(len < 2000, "a {len}-byte message: {}…", &f["message"].as_str().unwrap_or("")[..200]);
    }
}

#[test]
fn sparse_1gb_sshd_config_is_not_read() {
    let t = TempDir::new("1gb");
    t.mkdir("etc/ssh");
    let f = fs::File::create(t.join("etc/ssh/sshd_config")).expect("create");
    f.set_len(1 << 30).expect("set_len");
    drop(f);
    let a = audit_root(t.path(), FINDINGS_OR_IO);
    a.find("SL002", "etc/ssh/sshd_config", 1);
    assert!(a.json_out.elapsed < Duration::from_secs(3), "took {:?}", a.json_out.elapsed);

    // Under a 512 MiB address-space limit: reading the file wholesale would abort.
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "ulimit -v 524288 && exec \"$0\" \"$@\"", BIN, "--openssh", "9.2", "--format", "json", "--root"]);
    cmd.arg(t.path());
    let out = run(cmd, None);
    out.assert_exit_one_of(FINDINGS_OR_IO);
    check_doc(&out.json(), &out.what);
}

#[test]
fn sparse_1gb_include_is_not_read() {
    let t = TempDir::new("1gb-include");
    sshd_config(&t, "Port 22\nInclude big.conf\nInclude sshd_config.d/*.conf\n");
    let f = fs::File::create(t.join("etc/ssh/big.conf")).expect("create");
    f.set_len(1 << 30).expect("set_len");
    t.mkdir("etc/ssh/sshd_config.d");
    let f = fs::File::create(t.join("etc/ssh/sshd_config.d/huge.conf")).expect("create");
    f.set_len(1 << 30).expect("set_len");
    drop(f);
    let a = audit_root(t.path(), &[1]);
    let f = a.find("SSHD006", "etc/ssh/sshd_config", 2);
    assert_eq!(f["severity"], "error", "{f}");
    a.find("SSHD006", "etc/ssh/sshd_config", 3);
    assert!(a.json_out.elapsed < Duration::from_secs(3), "took {:?}", a.json_out.elapsed);
}

// ---------------------------------------------------------------------------------------------
// Include: cycles, depth, special files

/// The line `line` of `file` (1-based) starts with `Include` (case-insensitive).
fn is_include_line(file: &Path, line: u64) -> bool {
    let text = fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .nth(line.saturating_sub(1) as usize)
        .is_some_and(|l| l.trim_start().to_ascii_lowercase().starts_with("include"))
}

/// A fatal SSHD006 on an Include line of one of `files` (relative to the root).
fn assert_fatal_include(a: &Audit, root: &Path, files: &[&str]) {
    let ok = a.findings().iter().any(|f| {
        f["code"] == "SSHD006"
            && f["fatal"] == true
            && f["severity"] == "error"
            && files.iter().any(|rel| {
                f["path"].as_str().is_some_and(|p| p.ends_with(rel))
                    && is_include_line(&root.join(rel), f["line"].as_u64().unwrap_or(0))
            })
    });
    assert!(
        ok,
        "no fatal SSHD006 on an Include line of {files:?}: {}",
        serde_json::to_string_pretty(&a.doc["findings"]).unwrap_or_default()
    );
}

#[test]
fn include_of_itself() {
    let t = TempDir::new("inc-self");
    sshd_config(&t, "Port 22\nInclude /etc/ssh/sshd_config\n");
    let a = audit_root(t.path(), &[1]);
    a.find("SSHD006", "etc/ssh/sshd_config", 2);
    assert_fatal_include(&a, t.path(), &["etc/ssh/sshd_config"]);
}

#[test]
fn include_cycle_a_b_a() {
    let t = TempDir::new("inc-cycle");
    sshd_config(&t, "Port 22\nInclude a.conf\n");
    t.write("etc/ssh/a.conf", "Include b.conf\n");
    t.write("etc/ssh/b.conf", "PermitRootLogin no\nInclude a.conf\n");
    let a = audit_root(t.path(), &[1]);
    assert_fatal_include(&a, t.path(), &["etc/ssh/sshd_config", "etc/ssh/a.conf", "etc/ssh/b.conf"]);
    let kinds = a.file_kinds();
    for f in ["etc/ssh/a.conf", "etc/ssh/b.conf"] {
        assert!(kinds.keys().any(|p| p.ends_with(f)), "{f} read: {kinds:?}");
    }
}

#[test]
fn include_nested_20_levels() {
    // sshd stops at depth 16 ("Too many recursive configuration includes").
    let t = TempDir::new("inc-deep");
    sshd_config(&t, "Port 22\nInclude n1.conf\n");
    for k in 1..=20 {
        t.write(&format!("etc/ssh/n{k}.conf"), format!("Include n{}.conf\n", k + 1));
    }
    t.write("etc/ssh/n21.conf", "PermitRootLogin no\n");
    let a = audit_root(t.path(), &[1]);
    let files: Vec<String> = std::iter::once("etc/ssh/sshd_config".to_string())
        .chain((1..=21).map(|k| format!("etc/ssh/n{k}.conf")))
        .collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    assert_fatal_include(&a, t.path(), &refs);
}

/// In the root, `/dev/zero` is a symlink to `/dev/zero`: resolved inside the root that is a
/// link to itself. Whatever it is, sshlint must not open the real device nor hang, and the
/// Include line gets a diagnostic.
#[test]
fn include_dev_zero_symlink_does_not_hang() {
    let t = TempDir::new("inc-devzero");
    t.symlink("dev/zero", "/dev/zero");
    sshd_config(&t, "Port 22\nInclude /dev/zero\nPermitRootLogin no\n");
    let a = audit_root(t.path(), &[0, 1]);
    a.find("SSHD006", "etc/ssh/sshd_config", 2);
}

/// glob(3) matches a literal path with lstat, so sshd matches the symlink and then fails to
/// open it (ELOOP: "Too many levels of symbolic links", sshd -t exits 1; checked against
/// sshd 9.2 for `/etc/ssh/loop.conf -> /etc/ssh/loop.conf`). sshlint says the Include
/// "matches nothing: does not exist" (a warning, not fatal).
#[test]
fn include_of_symlink_loop_is_fatal() {
    let t = TempDir::new("inc-loop");
    t.symlink("dev/zero", "/dev/zero");
    t.symlink("etc/ssh/loop.conf", "/etc/ssh/loop.conf");
    sshd_config(&t, "Port 22\nInclude /dev/zero\nInclude /etc/ssh/loop.conf\n");
    let a = audit_root(t.path(), &[1]);
    for line in [2, 3] {
        let f = a.find("SSHD006", "etc/ssh/sshd_config", line);
        assert_eq!((f["severity"].as_str(), f["fatal"].as_bool()), (Some("error"), Some(true)), "{f}");
        assert!(!f["message"].as_str().unwrap_or("").contains("does not exist"), "{f}");
    }
}

#[test]
fn include_of_character_device() {
    if !require_root("include_of_character_device") {
        return;
    }
    let t = TempDir::new("inc-chardev");
    t.mkdir("dev");
    let st = Command::new("mknod").arg(t.join("dev/zero")).args(["c", "1", "5"]).status().expect("mknod");
    assert!(st.success(), "mknod failed");
    t.symlink("etc/ssh/sshd_config.d/zero.conf", "/dev/zero");
    sshd_config(&t, "Port 22\nInclude /dev/zero\nInclude sshd_config.d/*.conf\n");
    let a = audit_root(t.path(), &[1]);
    for line in [2, 3] {
        let f = a.find("SSHD006", "etc/ssh/sshd_config", line);
        assert_eq!(f["fatal"], true, "{f}");
    }
}

#[test]
fn include_of_fifo_is_never_opened() {
    let t = TempDir::new("inc-fifo");
    sshd_config(&t, "Port 22\nInclude fifo.conf\nInclude sshd_config.d/*.conf\n");
    t.mkfifo("etc/ssh/fifo.conf");
    t.mkfifo("etc/ssh/sshd_config.d/10-fifo.conf");
    let a = audit_root(t.path(), &[1]);
    for line in [2, 3] {
        let f = a.find("SSHD006", "etc/ssh/sshd_config", line);
        assert_eq!(f["fatal"], true, "{f}");
    }
}

#[test]
fn include_of_directory_reads_as_empty() {
    // glibc's getline on a directory fails at once: sshd reads it as an empty file (sshd -t
    // succeeds).
    let t = TempDir::new("inc-dir");
    sshd_config(&t, "Port 22\nInclude dir.conf\n");
    t.mkdir("etc/ssh/dir.conf");
    let a = audit_root(t.path(), &[0]);
    assert!(a.findings().is_empty(), "{:?}", a.doc["findings"]);
}

#[test]
fn include_glob_matching_a_directory() {
    let t = TempDir::new("inc-globdir");
    sshd_config(&t, "Port 22\nInclude sshd_config.d/*.conf\n");
    t.mkdir("etc/ssh/sshd_config.d/sub.conf");
    t.write("etc/ssh/sshd_config.d/sub.conf/inner.conf", "Bogus x\n");
    t.write("etc/ssh/sshd_config.d/z.conf", "MaxStartups 2\n");
    let a = audit_root(t.path(), &[0]);
    // The file after the directory is still read; nothing inside the directory is.
    a.find("SSHD201", "etc/ssh/sshd_config.d/z.conf", 1);
    assert!(!a.codes().contains("SSHD001"), "the directory's contents were read: {:?}", a.doc["findings"]);
}

// ---------------------------------------------------------------------------------------------
// Symlinks that leave the root

const DECOY: &str = "MaxStartups 3 # DECOY\nPermitRootLogin yes # DECOY\n";

fn assert_no_decoy(a: &Audit) {
    let text = a.all_text();
    assert!(!text.contains("DECOY"), "a file outside the root was read:\n{}", tail(&text));
    assert!(
        !text.contains("root:x:0") && !text.contains("root:*:") && !text.contains("root:$"),
        "the host's passwd/shadow was read"
    );
}

#[test]
fn symlinks_out_of_the_root_resolve_inside_it() {
    let outside = TempDir::new("decoy");
    let decoy = outside.write("decoy.conf", DECOY);
    let decoy_rel = decoy.strip_prefix("/").expect("absolute temp dir").to_string_lossy().into_owned();
    let t = TempDir::new("escape");
    sshd_config(&t, "Port 22\nPermitRootLogin no\nInclude sshd_config.d/*.conf\n");
    t.symlink("etc/ssh/sshd_config.d/evil-abs.conf", &decoy);
    t.symlink("etc/ssh/sshd_config.d/evil-rel.conf", format!("{}{decoy_rel}", "../".repeat(12)));
    t.symlink("etc/ssh/sshd_config.d/shadow.conf", "/etc/shadow");
    t.symlink("etc/ssh/sshd_config.d/passwd.conf", "../../../../../../etc/passwd");
    let a = audit_with(t.path(), t.path(), true, &[1], User::Current, true);
    assert_no_decoy(&a);
    // ROOT/<decoy path>, ROOT/etc/shadow and ROOT/etc/passwd do not exist: sshd (chrooted)
    // would fail to open them.
    let f = a.find("SSHD006", "etc/ssh/sshd_config", 3);
    assert_eq!(f["fatal"], true, "{f}");
    let msgs: Vec<&str> = a.findings().iter().filter_map(|f| f["message"].as_str()).collect();
    for name in ["evil-abs.conf", "evil-rel.conf", "shadow.conf", "passwd.conf"] {
        assert!(msgs.iter().any(|m| m.contains(name)), "no diagnostic names {name}: {msgs:?}");
    }
}

#[test]
fn symlink_out_of_the_root_reads_the_file_inside_the_root() {
    let outside = TempDir::new("decoy2");
    let decoy = outside.write("decoy.conf", DECOY);
    let decoy_rel = decoy.strip_prefix("/").expect("absolute").to_string_lossy().into_owned();
    let t = TempDir::new("escape-inside");
    sshd_config(&t, "Port 22\nInclude sshd_config.d/*.conf\n");
    // The same absolute path, inside the root, holds different text.
    t.write(&decoy_rel, "MaxStartups 2 # INSIDE\n");
    t.symlink("etc/ssh/sshd_config.d/a.conf", &decoy);
    let a = audit_root(t.path(), &[0]);
    assert_no_decoy(&a);
    let f = a.find("SSHD201", "etc/ssh/sshd_config.d/a.conf", 1);
    let msg = f["message"].as_str().unwrap_or("");
    assert!(msg.starts_with("`MaxStartups` is `2"), "the in-root file was read: {f}");
}

#[test]
fn include_paths_and_directory_symlinks_do_not_escape() {
    let outside = TempDir::new("decoy3");
    let decoy = outside.write("decoy.conf", DECOY);
    let decoy_dir = outside.path().to_string_lossy().into_owned();
    let t = TempDir::new("escape-paths");
    sshd_config(
        &t,
        format!(
            "Port 22\nInclude /../../..{}\nInclude ../../../../../../../..{}\nInclude linked.d/*.conf\n",
            decoy.display(),
            decoy.display()
        ),
    );
    t.symlink("etc/ssh/linked.d", &decoy_dir);
    // Missing literal paths and glob directories are warnings (sshd skips them).
    let a = audit_with(t.path(), t.path(), true, &[0], User::Current, true);
    assert_no_decoy(&a);
    for line in [2, 3, 4] {
        a.find("SSHD006", "etc/ssh/sshd_config", line);
    }
}

#[test]
fn sshd_config_symlink_out_of_the_root() {
    let outside = TempDir::new("decoy4");
    let decoy = outside.write("decoy.conf", DECOY);
    let t = TempDir::new("escape-main");
    t.mkdir("etc/ssh");
    t.symlink("etc/ssh/sshd_config", &decoy);
    let a = audit_root(t.path(), FINDINGS_OR_IO);
    assert_no_decoy(&a);
    a.find("SL002", "etc/ssh/sshd_config", 1);
}

// ---------------------------------------------------------------------------------------------
// sshd_config that is not a regular file

/// Build each broken-main-file case in a fresh root.
fn broken_main_cases() -> Vec<(&'static str, TempDir)> {
    let dir = TempDir::new("main-dir");
    dir.mkdir("etc/ssh/sshd_config");
    let fifo = TempDir::new("main-fifo");
    fifo.mkfifo("etc/ssh/sshd_config");
    let dangling = TempDir::new("main-dangling");
    dangling.symlink("etc/ssh/sshd_config", "nowhere");
    let lp = TempDir::new("main-loop");
    lp.symlink("etc/ssh/sshd_config", "loop");
    lp.symlink("etc/ssh/loop", "sshd_config");
    vec![("directory", dir), ("FIFO", fifo), ("dangling symlink", dangling), ("symlink loop", lp)]
}

#[test]
fn sshd_config_not_a_regular_file_with_root() {
    for (what, t) in broken_main_cases() {
        let a = audit_root(t.path(), FINDINGS_OR_IO);
        let f = a.find("SL002", "etc/ssh/sshd_config", 1);
        eprintln!("{what}: {}", f["message"]);
    }
}

#[test]
fn sshd_config_not_a_regular_file_named_explicitly() {
    for (what, t) in broken_main_cases().into_iter().filter(|(w, _)| *w != "directory") {
        let p = t.join("etc/ssh/sshd_config");
        let a = audit_with(t.path(), &p, false, FINDINGS_OR_IO, User::Current, true);
        let f = a.find("SL002", "etc/ssh/sshd_config", 1);
        eprintln!("{what}: {}", f["message"]);
    }
}

/// `sshlint ROOT/etc/ssh/sshd_config` where that is a directory prints nothing and exits 0.
#[test]
fn sshd_config_directory_named_explicitly() {
    let t = TempDir::new("main-dir-explicit");
    t.mkdir("etc/ssh/sshd_config");
    let p = t.join("etc/ssh/sshd_config");
    let a = audit_with(t.path(), &p, false, FINDINGS_OR_IO, User::Current, true);
    a.find("SL002", "etc/ssh/sshd_config", 1);
}

/// Host-root inference (`sshlint ROOT/etc`, `sshlint DIR`) only recognises an sshd_config that
/// `exists()`/`is_file()`: a dangling symlink or loop under `ROOT/etc`, and any of the four in
/// a directory walk, give no finding, 0 files and exit 0.
#[test]
fn sshd_config_not_a_regular_file_found_by_inference() {
    let mut failures = Vec::new();
    for (what, t) in broken_main_cases() {
        for target in [t.join("etc"), t.path().to_path_buf()] {
            let out = run(
                sshlint(&[
                    OsStr::new("--openssh"),
                    OsStr::new("9.2"),
                    OsStr::new("--format"),
                    OsStr::new("json"),
                    target.as_os_str(),
                ]),
                None,
            );
            out.assert_no_crash();
            let doc = out.json();
            check_doc(&doc, &out.what);
            let found = doc["findings"].as_array().into_iter().flatten().any(|f| {
                f["code"] == "SL002" && f["path"].as_str().is_some_and(|p| p.ends_with("etc/ssh/sshd_config"))
            });
            if !found || !out.code().is_some_and(|c| FINDINGS_OR_IO.contains(&c)) {
                failures.push(format!(
                    "{what}: `sshlint {}` exit {:?}, findings {}",
                    target.display(),
                    out.code(),
                    doc["findings"]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// sshd exits when it cannot open its configuration (`sshd -t`: "No such file or directory",
/// "Too many levels of symbolic links", exit 1): the finding is one sshd would refuse to start
/// on, which is what `fatal` means in the JSON contract.
#[test]
fn missing_sshd_config_is_fatal() {
    for (what, t) in broken_main_cases().into_iter().filter(|(w, _)| w.contains("symlink")) {
        let a = audit_root(t.path(), FINDINGS_OR_IO);
        let f = a.find("SL002", "etc/ssh/sshd_config", 1);
        assert_eq!(f["fatal"], true, "{what}: {f}");
        assert_eq!(a.doc["summary"]["fatal"], true, "{what}");
    }
}

// ---------------------------------------------------------------------------------------------
// Permissions (run as nobody)

#[test]
fn unreadable_sshd_config_as_nobody() {
    if !require_root("unreadable_sshd_config_as_nobody") {
        return;
    }
    let t = TempDir::new("mode000");
    let p = sshd_config(&t, "Port 22\n");
    set_mode(&p, 0o000);
    let targets =
        [(t.path().to_path_buf(), true), (t.path().to_path_buf(), false), (t.join("etc"), false), (p.clone(), false)];
    for (target, root_flag) in targets {
        let a = audit_with(t.path(), &target, root_flag, FINDINGS_OR_IO, User::Nobody, true);
        let f = a.find("SL002", "etc/ssh/sshd_config", 1);
        assert!(f["message"].as_str().unwrap_or("").contains("permission denied"), "{f}");
    }
}

#[test]
fn unreadable_included_files_as_nobody() {
    if !require_root("unreadable_included_files_as_nobody") {
        return;
    }
    let t = TempDir::new("mode000-inc");
    sshd_config(&t, "Port 22\nInclude sshd_config.d/*.conf\nInclude other.conf\n");
    let a_conf = t.write("etc/ssh/sshd_config.d/a.conf", "PermitRootLogin no\n");
    let other = t.write("etc/ssh/other.conf", "X11Forwarding no\n");
    set_mode(&a_conf, 0o000);
    set_mode(&other, 0o000);
    let a = audit_with(t.path(), t.path(), true, &[1], User::Nobody, true);
    a.find("SSHD006", "etc/ssh/sshd_config", 2);
    a.find("SSHD006", "etc/ssh/sshd_config", 3);
}

/// The glob over an unreadable directory matches nothing, and nothing says so: the drop-ins
/// were not checked.
#[test]
fn unreadable_dropin_directory_as_nobody() {
    if !require_root("unreadable_dropin_directory_as_nobody") {
        return;
    }
    let t = TempDir::new("mode000-dir");
    sshd_config(&t, "Port 22\nInclude sshd_config.d/*.conf\n");
    t.write("etc/ssh/sshd_config.d/a.conf", "PermitRootLogin no\n");
    set_mode(&t.join("etc/ssh/sshd_config.d"), 0o000);
    let a = audit_with(t.path(), t.path(), true, FINDINGS_OR_IO, User::Nobody, true);
    let f = a.find_at("etc/ssh/sshd_config", 2);
    assert!(f["message"].as_str().unwrap_or("").contains("permission denied"), "{f}");
}

#[test]
fn unreadable_etc_ssh_with_root_flag_as_nobody() {
    if !require_root("unreadable_etc_ssh_with_root_flag_as_nobody") {
        return;
    }
    let t = TempDir::new("mode000-etcssh");
    sshd_config(&t, "Port 22\n");
    set_mode(&t.join("etc/ssh"), 0o000);
    let a = audit_with(t.path(), t.path(), true, FINDINGS_OR_IO, User::Nobody, true);
    let f = a.find("SL002", "etc/ssh/sshd_config", 1);
    assert!(f["message"].as_str().unwrap_or("").contains("permission denied"), "{f}");
}

/// `sshlint ROOT/etc` with `etc/ssh` unreadable: the `/etc` shortcut checks `exists()`, which
/// is false without search permission, the walk swallows the error, and the run reports
/// nothing and exits 0.
#[test]
fn unreadable_etc_ssh_as_path_as_nobody() {
    if !require_root("unreadable_etc_ssh_as_path_as_nobody") {
        return;
    }
    let t = TempDir::new("mode000-etc");
    sshd_config(&t, "Port 22\n");
    set_mode(&t.join("etc/ssh"), 0o000);
    let a = audit_with(t.path(), &t.join("etc"), false, FINDINGS_OR_IO, User::Nobody, true);
    let any = a.findings().iter().any(|f| {
        f["code"] == "SL002"
            && f["path"].as_str().is_some_and(|p| p.ends_with("etc/ssh/sshd_config") || p.ends_with("etc/ssh"))
    });
    assert!(any, "no SL002 for the unreadable etc/ssh: {}", a.doc["findings"]);
}

// ---------------------------------------------------------------------------------------------
// Standard input

fn lint_stdin(input: &[u8], extra: &[&str]) -> Output {
    let mut args = vec!["--openssh", "9.2"];
    args.extend_from_slice(extra);
    args.push("-");
    run(sshlint(&args), Some(input))
}

#[test]
fn stdin_garbage() {
    let (input, last) = garbage(3000, 0x5eed_0002);
    let out = lint_stdin(&input, &["--format", "json"]);
    out.assert_exit_one_of(&[1]);
    let doc = out.json();
    check_doc(&doc, &out.what);
    assert_eq!(doc["files"], serde_json::json!([{"path": "<stdin>", "kind": "sshd_config"}]));
    let hit = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|f| f["code"] == "SSHD001" && f["path"] == "<stdin>" && f["line"] == last);
    assert!(hit, "no SSHD001 at <stdin>:{last}: {}", doc["findings"]);
    let human = lint_stdin(&input, &["--color", "never"]);
    human.assert_exit_one_of(&[1]);
    let last_line = human.stdout().lines().last().unwrap_or("").to_string();
    assert_eq!(parse_summary(&last_line), Some(summary_of(&doc)), "{last_line:?}");
}

#[test]
fn stdin_empty() {
    let out = lint_stdin(b"", &["--format", "json"]);
    out.assert_exit_one_of(&[0]);
    let doc = out.json();
    check_doc(&doc, &out.what);
    assert_eq!(doc["findings"], serde_json::json!([]));
    let human = lint_stdin(b"", &["--color", "never"]);
    human.assert_exit_one_of(&[0]);
    assert_eq!(human.stdout().lines().last().map(parse_summary), Some(Some([0, 0, 0, 1, 0])), "{}", human.stdout());
}

#[test]
fn stdin_with_includes_and_nul() {
    // Includes cannot be resolved from standard input: not checked, not guessed, not read.
    let out = lint_stdin(
        b"Port 22\nInclude /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin\0 yes\nPort 2222\n",
        &["--format", "json"],
    );
    out.assert_exit_one_of(&[1]);
    let doc = out.json();
    check_doc(&doc, &out.what);
    let hit = doc["findings"].as_array().into_iter().flatten().any(|f| f["code"] == "SSHD001" && f["line"] == 3);
    assert!(hit, "{}", doc["findings"]);
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(1), "{}", doc["files"]);
}

// ---------------------------------------------------------------------------------------------
// The helpers themselves

#[test]
fn summary_parser() {
    assert_eq!(parse_summary("1 error, 0 warnings, 2 infos in 1 file (1 host)"), Some([1, 0, 2, 1, 1]));
    assert_eq!(parse_summary("0 errors, 1 warning, 0 infos in 3 files (2 hosts)"), Some([0, 1, 0, 3, 2]));
    assert_eq!(parse_summary("1 errors, 0 warnings, 0 infos in 1 file (1 host)"), None);
    assert_eq!(parse_summary("whatever"), None);
    let t = TempDir::new("helper");
    let p = t.write("a/b/c", "x");
    let keep = t.path().to_path_buf();
    assert!(p.exists());
    drop(t);
    assert!(!keep.exists(), "TempDir removes itself");
}

// ---------------------------------------------------------------------------------------------
// Firewall files

fn rules_v4(t: &TempDir, text: impl AsRef<[u8]>) -> PathBuf {
    t.write("etc/iptables/rules.v4", text)
}

#[test]
fn firewall_binary_garbage_gets_diagnostics_not_a_crash() {
    let t = TempDir::new("fw-garbage");
    let (mut bytes, _) = garbage(4096, 0x5eed_0101);
    bytes.extend_from_slice(b"\n*filter\n-A INPUT --bogus-after-garbage\nCOMMIT\n");
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    rules_v4(&t, &bytes);
    let a = audit_root(t.path(), &[1]);
    // The run reaches the end of the file: the last bad rule is diagnosed at its own line.
    let f = a.find("FW001", "etc/iptables/rules.v4", lines - 1);
    assert!(f["message"].as_str().unwrap_or("").contains("bogus-after-garbage"), "{f}");
}

#[test]
fn firewall_truncated_file_is_reported() {
    let t = TempDir::new("fw-truncated");
    rules_v4(&t, "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACC");
    let a = audit_root(t.path(), &[1]);
    assert!(a.codes().contains("FW001"), "{:?}", a.codes());
    // A ruleset that does not load says nothing about reachability.
    assert!(!a.codes().contains("FW101"), "{:?}", a.codes());
}

#[test]
fn firewall_huge_sparse_file_is_refused_with_a_reason() {
    let t = TempDir::new("fw-huge");
    let p = t.join("etc/iptables/rules.v4");
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    // A 1 GiB "line" (sparse: no disk space used).
    std::fs::File::create(&p).and_then(|f| f.set_len(1 << 30)).expect("sparse file");
    sshd_config(&t, "Port 22\n");
    let a = audit_root(t.path(), &[0, 1]);
    let f = a.find("SL002", "etc/iptables/rules.v4", 1);
    assert!(f["message"].as_str().unwrap_or("").contains("more than sshlint reads"), "{f}");
}

#[test]
fn firewall_chains_in_circles_and_many_chains() {
    let t = TempDir::new("fw-chains");
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
    for i in 0..100_000 {
        text.push_str(&format!(":C{i} - [0:0]\n"));
    }
    for i in 0..100_000 {
        text.push_str(&format!("-A C{i} -j C{}\n", (i + 1) % 100_000));
    }
    text.push_str("-A INPUT -p tcp --dport 22 -j C0\nCOMMIT\n");
    rules_v4(&t, &text);
    let a = audit_with(t.path(), t.path(), true, &[1], User::Current, false);
    assert!(a.codes().contains("FW003"), "the circle through 100,000 chains is found: {:?}", a.codes());
}

#[test]
fn firewall_unmodelled_module_is_conditional_not_accept() {
    let t = TempDir::new("fw-unmodelled");
    rules_v4(
        &t,
        "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -m string --string ssh --algo bm -j ACCEPT\nCOMMIT\n",
    );
    sshd_config(&t, "Port 22\n");
    let out = run(
        sshlint(&[
            OsStr::new("trace"),
            OsStr::new("--from"),
            OsStr::new("192.0.2.10"),
            OsStr::new("--format"),
            OsStr::new("json"),
            t.path().as_os_str(),
        ]),
        None,
    );
    out.assert_exit_one_of(&[1]);
    let doc = out.json();
    assert_eq!(doc["verdict"], "conditional", "{doc}");
    let detail = doc["stages"][0]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("not modelled"), "{detail}");
}

#[test]
fn ufw_profiles_and_tuples_that_are_not_text_or_files() {
    let t = TempDir::new("ufw-bad");
    t.write("etc/ufw/ufw.conf", "ENABLED=no\n");
    t.write("etc/default/ufw", "IPV6=yes\n");
    let (mut rules, _) = garbage(2048, 0x5eed_0203);
    rules.extend_from_slice(
        b"\n*filter\n:ufw-user-input - [0:0]\n### RULES ###\n\
          ### tuple ### allow tcp 22\n\
          ### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in comment=zz\n\
          -A ufw-user-input -p tcp --dport 22 -j ACCEPT\n",
    );
    rules.extend_from_slice(format!("### tuple ### {}\n", vec!["x"; 50_000].join(" ")).as_bytes());
    rules.extend_from_slice(
        b"### tuple ### allow tcp 23 ::/0 any ::/0 in comment=61 comment=62\n### END RULES ###\nCOMMIT\n",
    );
    let user = t.write("etc/ufw/user.rules", &rules);
    let line_of = |needle: &str| {
        let text = String::from_utf8_lossy(&std::fs::read(&user).expect("user.rules")).into_owned();
        text.lines().position(|l| l == needle || l.starts_with(&format!("{needle} "))).expect("line") as u64 + 1
    };
    t.mkfifo("etc/ufw/applications.d/fifo");
    t.write("etc/ufw/applications.d/dir/x", "[X]\n");
    t.symlink("etc/ufw/applications.d/dangling", "/nonexistent");
    t.write("etc/ufw/applications.d/latin1", b"[Caf\xe9]\ntitle=t\ndescription=d\nports=22/tcp\n");
    let big = t.join("etc/ufw/applications.d/zz-big");
    std::fs::File::create(&big).and_then(|f| f.set_len(11 << 20)).expect("sparse profile");
    let a = audit_root(t.path(), &[0, 1]);
    let truncated = a.find("FW203", "etc/ufw/user.rules", line_of("### tuple ### allow tcp 22"));
    assert!(truncated["message"].as_str().unwrap_or("").contains("3 fields"), "{truncated}");
    let hex = a.find("FW203", "etc/ufw/user.rules", line_of("### tuple ### allow tcp 22 0.0.0.0/0"));
    assert!(hex["message"].as_str().unwrap_or("").contains("not hex"), "{hex}");
    let many = a.find("FW203", "etc/ufw/user.rules", line_of("### tuple ### x x"));
    assert!(many["message"].as_str().unwrap_or("").contains("50000 fields"), "{many}");
    let twice = a.find("FW203", "etc/ufw/user.rules", line_of("### tuple ### allow tcp 23"));
    assert!(
        a.findings()
            .iter()
            .any(|f| f["code"] == "FW203" && f["message"].as_str().unwrap_or("").contains("UnicodeDecodeError")),
        "the garbage is not UTF-8"
    );
    assert!(twice["message"].as_str().unwrap_or("").contains("ValueError"), "{twice}");
    let latin = a.find("FW203", "etc/ufw/applications.d/latin1", 1);
    assert!(latin["message"].as_str().unwrap_or("").contains("not valid UTF-8"), "{latin}");
    let huge = a.find("FW203", "etc/ufw/applications.d/zz-big", 1);
    assert!(huge["message"].as_str().unwrap_or("").contains("more than ufw reads"), "{huge}");
    // The FIFO, the directory and the dangling link are not profiles (ufw skips them too).
    for f in a.findings() {
        let p = f["path"].as_str().unwrap_or("");
        assert!(!p.ends_with("/fifo") && !p.ends_with("/dangling") && !p.contains("/dir"), "{f}");
    }
}

// ---------------------------------------------------------------------------------------------
// firewalld XML

/// A root with a firewalld configuration whose default zone is `public`.
fn firewalld_root(tag: &str) -> TempDir {
    let t = TempDir::new(tag);
    sshd_config(&t, "Port 22\n");
    t.write("etc/firewalld/firewalld.conf", "DefaultZone=public\n");
    t
}

const ZONE: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone target=\"DROP\">\n  <short>Admin</short>\n  \
    <source address=\"192.0.2.0/24\"/>\n  <service name=\"ssh\"/>\n  <rule family=\"ipv4\" priority=\"-1\">\n    \
    <source address=\"198.51.100.0/24\" invert=\"True\"/>\n    <port port=\"2222\" protocol=\"tcp\"/>\n    \
    <log prefix=\"x \" level=\"info\"><limit value=\"3/m\"/></log>\n    <reject type=\"icmp-host-prohibited\"/>\n  \
    </rule>\n</zone>\n";

/// Every strict prefix of a zone file (cut at each of 40 places) is malformed: one FW010 per
/// file, at the line where the file stops (or where the XML goes wrong), and the run goes on.
#[test]
fn firewalld_truncated_xml_at_every_place() {
    let t = firewalld_root("fwd-truncated");
    let cuts: Vec<usize> = (1..40).map(|i| i * (ZONE.trim_end().len() - 1) / 40).collect();
    for (i, &cut) in cuts.iter().enumerate() {
        t.write(&format!("etc/firewalld/zones/z{i:02}.xml"), &ZONE[..cut]);
    }
    let a = audit_root(t.path(), &[1]);
    for (i, &cut) in cuts.iter().enumerate() {
        let name = format!("z{i:02}.xml");
        let f: Vec<&Value> = a
            .findings()
            .iter()
            .filter(|f| f["code"] == "FW010" && f["path"].as_str().is_some_and(|p| p.ends_with(&name)))
            .collect();
        assert_eq!(f.len(), 1, "cut at {cut}: {f:?}");
        let line = f[0]["line"].as_u64().unwrap_or(0);
        let last = ZONE[..cut].lines().count().max(1) as u64;
        assert!((1..=last).contains(&line), "cut at {cut}: line {line} of {last}");
    }
    // The configuration is refused as a whole: firewalld runs its stock one, and says so.
    assert!(a.all_text().contains("stock"), "{}", tail(&a.human));
}

/// No entity is expanded beyond XML's five: a billion-laughs DOCTYPE and an external entity
/// naming /etc/passwd, both used in the document, are each reported at the DOCTYPE, fast, and
/// nothing of /etc/passwd appears in the output.
#[test]
fn firewalld_entity_bombs_are_not_expanded() {
    let t = firewalld_root("fwd-bombs");
    let mut laughs = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE zone [\n <!ENTITY l0 \"lol\">\n");
    for i in 1..=9 {
        let prev = format!("&l{};", i - 1).repeat(10);
        laughs.push_str(&format!(" <!ENTITY l{i} \"{prev}\">\n"));
    }
    laughs.push_str("]>\n<zone><short>&l9;</short></zone>\n");
    t.write("etc/firewalld/zones/laughs.xml", &laughs);
    t.write(
        "etc/firewalld/zones/xxe.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE zone [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>\n\
         <zone><description>&x;</description></zone>\n",
    );
    t.write(
        "etc/firewalld/services/param.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE service [ <!ENTITY % p SYSTEM \"file:///etc/shadow\"> %p; ]>\n\
         <service><port port=\"22\" protocol=\"tcp\"/></service>\n",
    );
    // Undefined entities without a DOCTYPE: not well-formed.
    t.write("etc/firewalld/zones/undef.xml", "<zone>\n<short>&nope;</short>\n</zone>\n");
    let a = audit_root(t.path(), &[1]);
    a.find("FW010", "zones/laughs.xml", 2);
    a.find("FW010", "zones/xxe.xml", 2);
    // A parameter entity is used only inside the DTD, which neither expat nor sshlint loads:
    // the document itself reads the same either way.
    assert!(!a.findings().iter().any(|f| f["path"].as_str().is_some_and(|p| p.ends_with("param.xml"))));
    a.find("FW010", "zones/undef.xml", 2);
    assert!(a.json_out.elapsed < Duration::from_secs(3), "took {:?}", a.json_out.elapsed);
    assert!(!a.all_text().contains("root:x:0:0"), "the contents of /etc/passwd leaked");
    assert!(!a.all_text().contains("lollollol"), "an entity was expanded");
}

/// Files that are not readable XML documents: a FIFO (never opened), a symlink loop, a
/// directory named `*.xml`, a sparse 1 GiB file, undeclared latin-1, an empty file, a file of
/// NUL bytes. Each gets its FW010 and the run goes on to the valid zone next to them.
#[test]
fn firewalld_files_that_are_not_documents() {
    let t = firewalld_root("fwd-not-files");
    t.mkfifo("etc/firewalld/zones/fifo.xml");
    t.symlink("etc/firewalld/zones/loop.xml", "loop.xml");
    t.mkdir("etc/firewalld/zones/dir.xml");
    let sparse = t.join("etc/firewalld/zones/sparse.xml");
    fs::File::create(&sparse).and_then(|f| f.set_len(1 << 30)).expect("sparse file");
    t.write("etc/firewalld/services/latin.xml", b"<service><short>Caf\xe9</short></service>\n");
    t.write("etc/firewalld/zones/empty.xml", "");
    t.write("etc/firewalld/zones/nul.xml", vec![0u8; 4096]);
    t.write("etc/firewalld/zones/public.xml", "<zone><service name=\"ssh\"/></zone>\n");
    let a = audit_root(t.path(), &[1, 2]);
    for f in ["fifo.xml", "loop.xml", "dir.xml", "sparse.xml", "latin.xml", "empty.xml", "nul.xml"] {
        assert!(
            a.findings().iter().any(|x| x["code"] == "FW010" && x["path"].as_str().is_some_and(|p| p.ends_with(f))),
            "no FW010 for {f}: {:?}",
            a.codes()
        );
    }
    assert!(a.json_out.elapsed < Duration::from_secs(3), "took {:?}", a.json_out.elapsed);
}

/// Names firewalld refuses, at the element or file: a zone name of 18 characters (17 allowed),
/// a policy name of 19 (18 allowed), characters outside a service name's set, an interface
/// name of 17 characters (16 allowed), and a 100,000-character attribute value.
#[test]
fn firewalld_names_longer_than_allowed() {
    let t = firewalld_root("fwd-names");
    t.write("etc/firewalld/zones/abcdefghijklmnopqr.xml", "<zone/>\n");
    t.write(
        "etc/firewalld/policies/abcdefghijklmnopqrs.xml",
        "<policy target=\"CONTINUE\"><ingress-zone name=\"ANY\"/><egress-zone name=\"HOST\"/></policy>\n",
    );
    t.write("etc/firewalld/services/bad name!.xml", "<service><port port=\"22\" protocol=\"tcp\"/></service>\n");
    t.write("etc/firewalld/zones/work.xml", "<zone>\n<interface name=\"abcdefghijklmnopq\"/>\n</zone>\n");
    let long = "x".repeat(100_000);
    t.write(
        "etc/firewalld/zones/home.xml",
        format!("<zone>\n<short>ok</short>\n<service name=\"{long}\"/>\n</zone>\n"),
    );
    let a = audit_root(t.path(), &[1]);
    a.find("FW010", "zones/abcdefghijklmnopqr.xml", 1);
    a.find("FW010", "policies/abcdefghijklmnopqrs.xml", 1);
    a.find("FW010", "services/bad name!.xml", 1);
    a.find_at("zones/work.xml", 2);
    a.find_at("zones/home.xml", 3);
    // A finding quotes the long name shortened, not 100,000 characters.
    assert!(a.json_out.stdout().len() < 200_000, "output of {} bytes", a.json_out.stdout().len());
}

/// A zone of 20,000 rich rules (one in 100 a duplicate) and 2,000 ports: linted in bounded
/// time, and the duplicates are reported where they are.
#[test]
fn firewalld_zone_with_thousands_of_rich_rules() {
    let t = firewalld_root("fwd-many");
    let mut zone = String::from("<?xml version=\"1.0\"?>\n<zone>\n<service name=\"ssh\"/>\n");
    for i in 0..20_000u32 {
        let n = if i % 100 == 99 { i - 1 } else { i };
        zone.push_str(&format!(
            "<rule family=\"ipv4\" priority=\"{}\"><source address=\"198.51.{}.{}\"/><port port=\"{}\" protocol=\"tcp\"/><drop/></rule>\n",
            n % 7,
            100 + n / 256 % 2,
            n % 256,
            1024 + n
        ));
    }
    for p in 0..2_000u32 {
        zone.push_str(&format!("<port port=\"{}\" protocol=\"udp\"/>\n", 30_000 + p));
    }
    zone.push_str("</zone>\n");
    t.write("etc/firewalld/zones/public.xml", &zone);
    let a = audit_with(t.path(), t.path(), true, &[0, 1], User::Current, false);
    assert!(a.json_out.elapsed < Duration::from_secs(8), "took {:?}", a.json_out.elapsed);
    // Rule 99 repeats rule 98: line 3 + 99 + 1.
    a.find("FW010", "zones/public.xml", 103);
    assert!(!a.codes().contains("FW101"), "ssh stays open: {:?}", a.codes());
}

// ---------------------------------------------------------------------------------------------
// Accounts and login files (issue 5): passwd lines, homes out of the root, authorized_keys that
// are not files, too large, or behind directories sshlint may not enter

const ED25519_PUB: &str = include_str!("../fixtures/authorized_keys/keys/ed25519_256.pub");

/// A root with alice (uid 1000) holding `keys` in the default authorized_keys path.
fn login_root(tag: &str, passwd_extra: &str) -> TempDir {
    let t = TempDir::new(tag);
    sshd_config(&t, "PasswordAuthentication no\n");
    t.write(
        "etc/passwd",
        format!("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n{passwd_extra}"),
    );
    t.write("etc/group", "root:x:0:\nalice:x:1000:\n");
    t.write("bin/sh", "#!/bin/sh\n");
    set_mode(&t.join("bin/sh"), 0o755);
    t.mkdir("home/alice/.ssh");
    t
}

#[test]
fn passwd_lines_with_missing_fields_and_duplicates() {
    let t = login_root(
        "passwd-bad",
        "bob:x:1001\n:x:5:5::/x:/bin/sh\ncarol:x:c:1::/home/carol:/bin/sh\nalice:x:7:7::/tmp:/bin/sh\n\u{ff}\u{fe}:x\n",
    );
    t.write("home/alice/.ssh/authorized_keys", ED25519_PUB);
    let a = audit_root(t.path(), &[0, 1]);
    for line in [3, 4, 5, 6, 7] {
        a.find("ACCT003", "etc/passwd", line);
    }
    // The first alice wins: her keys are still read from /home/alice.
    assert!(a.file_kinds().values().any(|k| k == "authorized-keys"), "{:?}", a.file_kinds());
}

#[test]
fn homes_and_key_dirs_that_point_out_of_the_root() {
    let outside = TempDir::new("outside");
    outside.write("authorized_keys", "this line is outside the root and must not be read\n");
    let t = login_root(
        "home-escape",
        &format!("eve:x:1002:1002::/home/eve:/bin/sh\nmallory:x:1003:1003::{}:/bin/sh\n", outside.path().display()),
    );
    // eve's home is a symlink to `/../../..`: resolved inside the root it is the root itself.
    t.symlink("home/eve", "/../../../../../..");
    // alice's ~/.ssh points at the absolute path of a directory outside the root.
    fs::remove_dir(t.join("home/alice/.ssh")).expect("rmdir");
    t.symlink("home/alice/.ssh", outside.path());
    let before_outside = snapshot(outside.path());
    let a = audit_root(t.path(), &[0, 1]);
    assert_unchanged(&before_outside, &snapshot(outside.path()), "outside tree");
    let outside_str = outside.path().display().to_string();
    for f in a.findings() {
        let path = f["path"].as_str().unwrap_or("");
        assert!(!path.starts_with(&outside_str), "a finding points outside the root: {f}");
    }
    for (path, _) in a.file_kinds() {
        assert!(!path.starts_with(&outside_str), "a file outside the root was read: {path}");
    }
}

#[test]
fn authorized_keys_that_are_not_regular_files() {
    let t = login_root("keys-special", "bob:x:1001:1001::/home/bob:/bin/sh\n");
    t.mkdir("home/alice/.ssh/authorized_keys");
    t.mkdir("home/bob/.ssh");
    t.mkfifo("home/bob/.ssh/authorized_keys");
    let a = audit_root(t.path(), &[1]);
    let dir = a.find("PERM003", "home/alice/.ssh/authorized_keys", 1);
    assert!(dir["message"].as_str().unwrap_or("").contains("directory"), "{dir}");
    let fifo = a.find("PERM003", "home/bob/.ssh/authorized_keys", 1);
    assert!(fifo["message"].as_str().unwrap_or("").contains("FIFO"), "{fifo}");
}

#[test]
fn authorized_keys_of_a_gigabyte_is_refused_with_a_reason() {
    let t = login_root("keys-huge", "");
    let p = t.join("home/alice/.ssh/authorized_keys");
    std::fs::File::create(&p).and_then(|f| f.set_len(1 << 30)).expect("sparse file");
    let a = audit_root(t.path(), &[0, 1]);
    let f = a.find("SL002", "home/alice/.ssh/authorized_keys", 1);
    assert!(f["message"].as_str().unwrap_or("").contains("more than sshlint reads"), "{f}");
}

#[test]
fn login_files_behind_directories_sshlint_may_not_enter() {
    if !require_root("login_files_behind_directories_sshlint_may_not_enter") {
        return;
    }
    let t = login_root("keys-denied", "");
    t.write("home/alice/.ssh/authorized_keys", ED25519_PUB);
    std::os::unix::fs::chown(t.join("home/alice"), Some(1000), Some(1000)).expect("chown");
    set_mode(&t.join("home/alice"), 0o700);
    let a = audit_with(t.path(), t.path(), true, &[0, 1, 2], User::Nobody, true);
    let f = a.find("SL002", "home/alice/.ssh/authorized_keys", 1);
    assert!(f["message"].as_str().unwrap_or("").contains("permission denied"), "{f}");
    make_removable(t.path());
}

#[test]
fn trace_walks_the_login_stages() {
    let t = login_root("trace-user", "");
    t.write("home/alice/.ssh/authorized_keys", ED25519_PUB);
    set_mode(&t.join("home/alice"), 0o777);
    let out = run(
        sshlint(&[
            "trace",
            "--from",
            "192.0.2.7",
            "--user",
            "alice",
            "--format",
            "json",
            "--root",
            &t.path().display().to_string(),
        ]),
        None,
    );
    out.assert_no_crash();
    let doc = out.json();
    let stages: Vec<(&str, &str)> = doc["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| (s["stage"].as_str().unwrap_or(""), s["verdict"].as_str().unwrap_or("")))
        .collect();
    for want in ["account", "match", "access", "authentication", "keys"] {
        assert!(stages.iter().any(|(s, _)| *s == want), "no {want} stage: {stages:?}");
    }
    assert!(stages.contains(&("keys", "refused")), "a world-writable home makes StrictModes refuse: {stages:?}");
    let nobody = run(
        sshlint(&[
            "trace",
            "--from",
            "192.0.2.7",
            "--user",
            "nosuch",
            "--format",
            "json",
            "--root",
            &t.path().display().to_string(),
        ]),
        None,
    );
    assert!(nobody.stdout().contains("Invalid user"), "{}", nobody.stdout());
}
