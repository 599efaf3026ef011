//! The command-line contracts of DESIGN.md, through the `sshlint` binary: exit codes, the JSON
//! and GitHub formats, rule selection, `--user`/`--from`, `rules`/`explain`, `effective`, a
//! closed stdout, colour control and the human summary line, and host-root inference.
//!
//! Every run has a 10 s timeout; fixtures live in fresh temporary directories.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

// ---------------------------------------------------------------------------------------------
// Running the binary

/// `sshlint ARGS…` with a timeout.
fn lint<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run(sshlint(args), None)
}

/// `sshlint --openssh 9.2 --format json --root ROOT EXTRA…`, checked against the contract.
fn lint_json(root: &Path, extra: &[&str]) -> (Output, Value) {
    let mut args: Vec<&OsStr> = ["--openssh", "9.2", "--format", "json", "--root"].iter().map(OsStr::new).collect();
    args.push(root.as_os_str());
    args.extend(extra.iter().map(OsStr::new));
    let out = lint(&args);
    out.assert_no_crash();
    let doc = out.json();
    check_doc_strict(&doc, &out.what);
    (out, doc)
}

fn codes(doc: &Value) -> BTreeSet<String> {
    findings(doc).iter().filter_map(|f| f["code"].as_str().map(str::to_string)).collect()
}

fn findings(doc: &Value) -> &[Value] {
    doc["findings"].as_array().map_or(&[], Vec::as_slice)
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// The finding with `code` at `path_end:line`.
fn find<'a>(doc: &'a Value, code: &str, path_end: &str, line: u64) -> &'a Value {
    findings(doc)
        .iter()
        .find(|f| f["code"] == code && f["path"].as_str().is_some_and(|p| p.ends_with(path_end)) && f["line"] == line)
        .unwrap_or_else(|| {
            panic!(
                "no {code} at {path_end}:{line} in {}",
                serde_json::to_string_pretty(&doc["findings"]).unwrap_or_default()
            )
        })
}

// ---------------------------------------------------------------------------------------------
// The JSON contract

const SUMMARY_KEYS: &[&str] = &["errors", "warnings", "infos", "files", "hosts", "fatal"];

/// [`check_doc`] plus what cli.rs also holds the document to: codes of capitals and digits,
/// kebab-case names, exactly the [`SUMMARY_KEYS`].
fn check_doc_strict(doc: &Value, what: &str) {
    check_doc(doc, what);
    for f in findings(doc) {
        let ctx = Ctx(what, f);
        let code = f["code"].as_str().unwrap_or("");
        assert!(code.len() > 2 && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{ctx}: code");
        let name = f["name"].as_str().unwrap_or("");
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{ctx}: name is kebab-case"
        );
    }
    assert_eq!(keys(&doc["summary"]), SUMMARY_KEYS.iter().copied().collect(), "{what}: summary keys");
}

// ---------------------------------------------------------------------------------------------
// Exit codes

const CLEAN: &str = "Port 22\n";
const WITH_ERROR: &str = "Port 22\nBogus x\n";
const WITH_WARNING: &str = "Port 22\n#Port 2222\n";

fn exit_of(root: &TempDir, extra: &[&str]) -> i32 {
    let (out, _) = lint_json(root.path(), extra);
    out.code().unwrap_or(-1)
}

#[test]
fn exit_codes_follow_fail_on() {
    let clean = TempDir::with_config("clean", CLEAN);
    let error = TempDir::with_config("error", WITH_ERROR);
    let warning = TempDir::with_config("warning", WITH_WARNING);
    let (_, doc) = lint_json(warning.path(), &[]);
    assert_eq!(codes(&doc), set(&["SSHD101"]), "the fixture has exactly one warning");
    let cases: &[(&TempDir, &[&str], i32)] = &[
        (&clean, &[], 0),
        (&clean, &["--fail-on", "warning"], 0),
        (&clean, &["--fail-on", "info"], 0),
        (&error, &[], 1),
        (&error, &["--fail-on", "error"], 1),
        (&error, &["--fail-on", "info"], 1),
        (&warning, &[], 0),
        (&warning, &["--fail-on", "error"], 0),
        (&warning, &["--fail-on", "warning"], 1),
        (&warning, &["--fail-on", "info"], 1),
        (&error, &["--ignore", "SSHD001"], 0),
    ];
    for (root, extra, want) in cases {
        assert_eq!(exit_of(root, extra), *want, "{extra:?} on {}", root.path().display());
    }
    // Human output, same exit codes.
    let out = lint(&[OsStr::new("--openssh"), OsStr::new("9.2"), OsStr::new("--root"), error.path().as_os_str()]);
    out.assert_exit(1);
    let out = lint(&[OsStr::new("--openssh"), OsStr::new("9.2"), OsStr::new("--root"), clean.path().as_os_str()]);
    out.assert_exit(0);
}

#[test]
fn usage_errors_exit_2() {
    let root = TempDir::with_config("usage", CLEAN);
    let r = root.path().to_str().expect("utf-8 temp path");
    let cases: &[&[&str]] = &[
        &["--bogus-flag", "--root", r],
        &["--openssh", "7.0", "--root", r],
        &["--openssh", "banana", "--root", r],
        &["--select", "NOPE", "--root", r],
        &["--ignore", "NOPE", "--root", r],
        &["--select", "SSHD102,NOPE", "--root", r],
        &["--from", "notacidr", "--root", r],
        &["--from", "300.1.1.1", "--root", r],
        &["--root", "/nonexistent/sshlint-test-root"],
        &["--format", "xml", "--root", r],
        &["--format", "sarif", "--sarif-base", "/nonexistent/sshlint-test-base", "--root", r],
        &["--fail-on", "never", "--root", r],
        &["--stdin-kind", "bogus", "-"],
        &["explain", "NOPE"],
        &["effective", "--openssh", "7.0", "--root", r],
        &["effective", "--openssh", "9.2", "--root", r, "--match", "bogus=1"],
        &["effective", "--openssh", "9.2", "--root", "/nonexistent/sshlint-test-root"],
    ];
    for args in cases {
        let out = run(sshlint(args), Some(b"Port 22\n"));
        out.assert_exit(2);
        assert!(out.stdout.is_empty(), "{args:?}: usage errors print nothing on stdout: {}", out.stdout());
        assert!(!out.stderr.is_empty(), "{args:?}: a usage error says why on stderr");
    }
}

/// `--from` takes "a source address or CIDR"; a prefix length that is not a number, or is
/// longer than the address, is not a CIDR.
#[test]
fn from_with_invalid_prefix_is_a_usage_error() {
    let root = TempDir::with_config("from-cidr", CLEAN);
    for cidr in ["10.0.0.0/33", "10.0.0.0/abc", "10.0.0.0/", "::1/129"] {
        let out = lint(&[OsStr::new("--from"), OsStr::new(cidr), OsStr::new("--root"), root.path().as_os_str()]);
        out.assert_exit(2);
    }
}

// ---------------------------------------------------------------------------------------------
// --format json

/// A host with a drop-in directory: a commented-out port (a finding with a related location),
/// an unknown keyword, and a drop-in finding.
fn json_fixture() -> TempDir {
    let t = TempDir::with_config("json", "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n#Port 2222\nBogus x\n");
    t.write("etc/ssh/sshd_config.d/10-a.conf", "MaxStartups 2\n");
    t.write("etc/ssh/sshd_config.d/20-b.conf", "X11Forwarding no\n");
    t.write("etc/ssh/sshd_config.d/README", "not a drop-in\n");
    t.write("etc/ssh/sshd_config.d/30-c.conf.disabled", "Bogus y\n");
    t
}

#[test]
fn json_document_shape() {
    let t = json_fixture();
    let (out, doc) = lint_json(t.path(), &[]);
    out.assert_exit(1);
    let bogus = find(&doc, "SSHD001", "etc/ssh/sshd_config", 4);
    assert_eq!(bogus["name"], "unknown-keyword");
    assert_eq!(bogus["severity"], "error");
    assert_eq!(
        [&bogus["column"], &bogus["end_line"], &bogus["end_column"]].map(|v| v.as_u64()),
        [Some(1), Some(4), Some(6)],
        "`Bogus` spans columns 1..6: {bogus}"
    );
    assert_eq!(bogus["fatal"], true, "sshd refuses an unknown keyword");
    assert!(bogus["help"].is_string());
    let port = find(&doc, "SSHD101", "etc/ssh/sshd_config", 3);
    assert_eq!(port["severity"], "warning");
    assert_eq!(port["name"], "commented-out-port");
    let related = port["related"].as_array().expect("related");
    assert!(
        related
            .iter()
            .any(|r| r["line"] == 2 && r["path"].as_str().is_some_and(|p| p.ends_with("etc/ssh/sshd_config"))),
        "SSHD101 points at the Port line that wins: {port}"
    );
    let ms = find(&doc, "SSHD201", "etc/ssh/sshd_config.d/10-a.conf", 1);
    assert_eq!(ms["severity"], "warning");
    assert_eq!(doc["summary"]["hosts"], 1);
    assert_eq!(doc["summary"]["fatal"], true);
}

#[test]
fn json_files_lists_every_file_read_with_its_kind() {
    let t = json_fixture();
    let (_, doc) = lint_json(t.path(), &[]);
    let files: Vec<(String, String)> = doc["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap_or("");
            let rel = p.strip_prefix(t.path().to_str().unwrap_or("")).unwrap_or(p).trim_start_matches('/');
            (rel.to_string(), f["kind"].as_str().unwrap_or("").to_string())
        })
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec![
            ("etc/ssh/sshd_config".to_string(), "sshd_config".to_string()),
            ("etc/ssh/sshd_config.d/10-a.conf".to_string(), "sshd_config_dropin".to_string()),
            ("etc/ssh/sshd_config.d/20-b.conf".to_string(), "sshd_config_dropin".to_string()),
        ],
        "files read: {files:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// --format github

/// GitHub's workflow-command escaping: data escapes `%`, CR, LF; properties also `:` and `,`.
fn gh_escape_property(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A").replace(':', "%3A").replace(',', "%2C")
}

#[test]
fn github_annotations_one_line_per_finding() {
    let t = TempDir::new("gh");
    // A root whose name needs every property escape.
    let root = t.join("a%b,c:d\re\nf");
    fs::create_dir_all(root.join("etc/ssh")).expect("mkdir");
    fs::write(root.join("etc/ssh/sshd_config"), "Port 22\nBogus x\n#Port 2222\nPort 50%\n").expect("write");
    let (_, doc) = lint_json(&root, &[]);
    let out = lint(&[
        OsStr::new("--openssh"),
        OsStr::new("9.2"),
        OsStr::new("--format"),
        OsStr::new("github"),
        OsStr::new("--root"),
        root.as_os_str(),
    ]);
    out.assert_exit(1);
    let text = out.stdout();
    let lines: Vec<&str> = text.lines().collect();
    let fs = findings(&doc);
    assert_eq!(lines.len(), fs.len(), "one line per finding:\n{text}");
    assert!(fs.len() >= 3, "{}", doc["findings"]);
    for (line, f) in lines.iter().zip(fs) {
        let level = match f["severity"].as_str() {
            Some("error") => "error",
            Some("warning") => "warning",
            _ => "notice",
        };
        let rest = line
            .strip_prefix(&format!("::{level} "))
            .unwrap_or_else(|| panic!("`{line}` does not start with ::{level}"));
        let (props, message) = rest.split_once("::").unwrap_or_else(|| panic!("no `::` after the properties: {line}"));
        let props: Vec<(&str, &str)> = props
            .split(',')
            .map(|p| p.split_once('=').unwrap_or_else(|| panic!("property without `=`: {p:?} in {line}")))
            .collect();
        let get = |k: &str| {
            props.iter().find(|(n, _)| *n == k).map(|(_, v)| *v).unwrap_or_else(|| panic!("no {k} in {line}"))
        };
        assert_eq!(get("file"), gh_escape_property(f["path"].as_str().unwrap_or("")), "{line}");
        assert_eq!(get("line"), f["line"].to_string(), "{line}");
        assert_eq!(get("col"), f["column"].to_string(), "{line}");
        assert_eq!(get("endLine"), f["end_line"].to_string(), "{line}");
        assert_eq!(get("endColumn"), f["end_column"].to_string(), "{line}");
        assert!(get("title").contains(f["code"].as_str().unwrap_or("")), "{line}");
        for (_, v) in &props {
            assert!(!v.contains([':', ',', '\r', '\n']), "unescaped property {v:?} in {line}");
        }
        assert!(!message.contains('\r'), "{line}");
        let raw_percent =
            message.match_indices('%').any(|(i, _)| !["%25", "%0D", "%0A"].iter().any(|e| message[i..].starts_with(e)));
        assert!(!raw_percent, "unescaped `%` in the message: {line}");
    }
    assert!(text.contains("50%25"), "`%` in a message is escaped:\n{text}");
}

// ---------------------------------------------------------------------------------------------
// --select / --ignore

const SELECTION_CONFIG: &str = "Port 22\n#Port 2222\nMaxStartups 2\nPermitRootLogin yes\nX11Forwarding yes\n\
                                PermitEmptyPasswords yes\nAllowUsers alice\n";

#[test]
fn select_and_ignore() {
    let t = TempDir::with_config("select", SELECTION_CONFIG);
    let c = |extra: &[&str]| codes(&lint_json(t.path(), extra).1);
    let default = c(&[]);
    assert!(default.is_superset(&set(&["SSHD101", "SSHD201"])), "{default:?}");
    let cases: &[(&[&str], &[&str])] = &[
        (&["--select", "SSHD101"], &["SSHD101"]),
        (&["--select", "commented-out-port"], &["SSHD101"]),
        (&["--select", "SSHD1", "--user", "bob"], &["SSHD101", "SSHD102"]),
        (&["--select", "SSHD101", "--select", "maxstartups-too-low"], &["SSHD101", "SSHD201"]),
        (&["--select", "SSHD101,SSHD201"], &["SSHD101", "SSHD201"]),
        (&["--select", "SSHD1,SSHD2", "--ignore", "SSHD101"], &["SSHD201"]),
    ];
    for (extra, want) in cases {
        assert_eq!(c(extra), set(want), "{extra:?}");
    }
    let ignored = c(&["--ignore", "SSHD1"]);
    assert!(!ignored.iter().any(|x| x.starts_with("SSHD1")) && ignored.contains("SSHD201"), "{ignored:?}");
    let ignored = c(&["--ignore", "SSHD101,maxstartups-too-low"]);
    assert_eq!(ignored, &default - &set(&["SSHD101", "SSHD201"]), "--ignore by code and by name");
}

/// Codes `sshlint rules` marks `(opt-in)`.
fn opt_in_codes() -> BTreeSet<String> {
    let out = lint(&["rules"]);
    out.assert_exit(0);
    out.stdout()
        .lines()
        .filter(|l| l.trim_end().ends_with("(opt-in)"))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn hardening_rules_are_opt_in() {
    let t = TempDir::with_config("hardening", SELECTION_CONFIG);
    let opt_in = opt_in_codes();
    for c in ["SSHD401", "SSHD402", "SSHD405"] {
        assert!(opt_in.contains(c), "{c} is opt-in: {opt_in:?}");
    }
    let default = codes(&lint_json(t.path(), &[]).1);
    assert!(default.is_disjoint(&opt_in), "opt-in rules ran by default: {:?}", &default & &opt_in);
    let hardening = codes(&lint_json(t.path(), &["--select", "hardening"]).1);
    assert!(hardening.is_superset(&set(&["SSHD401", "SSHD402", "SSHD405"])), "{hardening:?}");
    assert!(hardening.iter().all(|c| c.starts_with("SSHD4")), "only hardening rules: {hardening:?}");
    let minus = codes(&lint_json(t.path(), &["--select", "hardening", "--ignore", "root-login-permitted"]).1);
    assert_eq!(minus, &hardening - &set(&["SSHD401"]));
    let one = codes(&lint_json(t.path(), &["--select", "SSHD405"]).1);
    assert_eq!(one, set(&["SSHD405"]), "an opt-in rule selected by code");
}

// ---------------------------------------------------------------------------------------------
// --user / --from

#[test]
fn user_and_from_decide_user_locked_out() {
    let t =
        TempDir::with_config("users", "Port 22\nAllowUsers alice bob\nMatch Address 192.0.2.0/24\n  AllowUsers bob\n");
    let c = |extra: &[&str]| lint_json(t.path(), extra).1;
    assert!(!codes(&c(&[])).contains("SSHD102"), "no --user: nobody must keep access");
    assert!(!codes(&c(&["--user", "bob"])).contains("SSHD102"), "bob is allowed everywhere");
    assert!(
        !codes(&c(&["--user", "alice", "--from", "198.51.100.7"])).contains("SSHD102"),
        "alice from outside the Match"
    );
    assert!(!codes(&c(&["--user", "bob", "--from", "192.0.2.5"])).contains("SSHD102"));

    let doc = c(&["--user", "alice"]);
    let f = find(&doc, "SSHD102", "etc/ssh/sshd_config", 4);
    assert!(f["message"].as_str().unwrap_or("").contains("alice"), "{f}");
    assert!(
        f["related"].as_array().is_some_and(|r| r.iter().any(|r| r["line"] == 3)),
        "the Match line is related: {f}"
    );

    let doc = c(&["--user", "alice", "--from", "192.0.2.5"]);
    let f = find(&doc, "SSHD102", "etc/ssh/sshd_config", 4);
    assert!(f["message"].as_str().unwrap_or("").contains("192.0.2.5"), "{f}");
    let out = lint_json(t.path(), &["--user", "alice", "--from", "192.0.2.5"]).0;
    out.assert_exit(1);

    let doc = c(&["--user", "carol", "--from", "198.51.100.7"]);
    find(&doc, "SSHD102", "etc/ssh/sshd_config", 2);
    let doc = c(&["--user", "bob", "--user", "carol", "--from", "198.51.100.7"]);
    let locked: Vec<&str> =
        findings(&doc).iter().filter(|f| f["code"] == "SSHD102").filter_map(|f| f["message"].as_str()).collect();
    assert!(locked.len() == 1 && locked[0].contains("carol"), "--user is repeatable: {locked:?}");
}

// ---------------------------------------------------------------------------------------------
// rules / explain

/// Codes are stable and never reused: these exist and keep existing.
const KNOWN_CODES: &[&str] = &[
    "SSHD001", "SSHD002", "SSHD003", "SSHD004", "SSHD005", "SSHD006", "SSHD007", "SSHD101", "SSHD102", "SSHD103",
    "SSHD104", "SSHD105", "SSHD106", "SSHD201", "SSHD202", "SSHD203", "SSHD204", "SSHD205", "SSHD206", "SSHD301",
    "SSHD302", "SSHD303", "SSHD401", "SSHD402", "SSHD403", "SSHD404", "SSHD405", "SSHD406", "SSHD407", "SSHD408",
    "SSHD409", "SSHD410", "SSHD411", "SL002", "SL003",
];

#[test]
fn rules_lists_every_code_and_explain_documents_each() {
    let out = lint(&["rules"]);
    out.assert_exit(0);
    let text = out.stdout();
    let mut listed = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(code), Some(name)) = (words.next(), words.next()) else { panic!("rules line {line:?}") };
        listed.push((code.to_string(), name.to_string()));
    }
    let listed_codes: BTreeSet<String> = listed.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(listed_codes.len(), listed.len(), "each code once");
    for c in KNOWN_CODES {
        assert!(listed_codes.contains(*c), "`sshlint rules` lacks {c}");
    }
    for (code, name) in &listed {
        let out = lint(&["explain", code]);
        out.assert_exit(0);
        let doc = out.stdout();
        assert!(doc.contains(code.as_str()) && doc.contains(name.as_str()), "explain {code}:\n{doc}");
        for section in ["## What it does", "## Why is this bad?", "## Example"] {
            assert!(doc.contains(section), "explain {code} lacks {section}");
        }
    }
}

#[test]
fn explain_prints_the_doc() {
    let out = lint(&["explain", "SSHD102"]);
    out.assert_exit(0);
    let doc = out.stdout();
    assert!(doc.contains("SSHD102") && doc.contains("user-locked-out"), "{doc}");
    assert!(doc.contains("AllowUsers"), "{doc}");
    let by_name = lint(&["explain", "user-locked-out"]);
    by_name.assert_exit(0);
    assert_eq!(by_name.stdout(), doc, "explain by name prints the same doc");
    let out = lint(&["explain", "NOPE"]);
    out.assert_exit(2);
    assert!(out.stdout.is_empty());
}

// ---------------------------------------------------------------------------------------------
// effective

const EFFECTIVE_CONFIG: &str = "Port 2222\nPermitRootLogin no\nPasswordAuthentication yes\n\
                                Match User bob Address 192.0.2.0/24\n  PasswordAuthentication no\n  PermitRootLogin yes\n";

fn effective(root: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&OsStr> = ["effective", "--openssh", "9.2", "--root"].iter().map(OsStr::new).collect();
    args.push(root.as_os_str());
    args.extend(extra.iter().map(OsStr::new));
    lint(&args)
}

fn has_lines(text: &str, want: &[&str]) {
    let lines: BTreeSet<&str> = text.lines().collect();
    for w in want {
        assert!(lines.contains(w), "no line `{w}` in:\n{text}");
    }
}

#[test]
fn effective_prints_like_sshd_t() {
    // Expected lines as sshd 9.2 `sshd -T` prints them for this file.
    let t = TempDir::with_config("effective", EFFECTIVE_CONFIG);
    let out = effective(t.path(), &[]);
    out.assert_exit(0);
    let text = out.stdout();
    assert_eq!(text.lines().next(), Some("port 2222"), "sshd -T starts with the port");
    has_lines(
        &text,
        &["port 2222", "permitrootlogin no", "passwordauthentication yes", "x11forwarding no", "maxstartups 10:30:100"],
    );
    assert!(text.lines().all(|l| l == l.trim() && !l.is_empty()), "one `keyword value` per line");
    assert!(
        text.lines().all(|l| l.split(' ').next().is_some_and(|k| k == k.to_ascii_lowercase())),
        "keywords in lower case"
    );
}

#[test]
fn effective_match_spec_applies_match_blocks() {
    let t = TempDir::with_config("effective-match", EFFECTIVE_CONFIG);
    let out = effective(t.path(), &["--match", "user=bob,addr=192.0.2.9"]);
    out.assert_exit(0);
    has_lines(&out.stdout(), &["port 2222", "permitrootlogin yes", "passwordauthentication no"]);
    let out = effective(t.path(), &["--match", "user=alice,addr=192.0.2.9"]);
    out.assert_exit(0);
    has_lines(&out.stdout(), &["permitrootlogin no", "passwordauthentication yes"]);
}

#[test]
fn effective_on_a_rejected_config() {
    let t = TempDir::with_config("effective-bad", "Port 22\nBogusKeyword yes\n");
    let out = effective(t.path(), &[]);
    out.assert_exit(1);
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout());
    let err = out.stderr();
    assert!(err.contains("SSHD001") && err.contains("BogusKeyword"), "{err}");
    assert!(err.contains("sshd_config:2:1"), "the diagnostic names file:line: {err}");
}

// ---------------------------------------------------------------------------------------------
// A closed stdout

/// Spawn `sshlint ARGS`, read a few bytes of stdout, close it, and return the exit status.
fn run_with_closed_stdout(args: &[&OsStr]) -> (ExitStatus, String) {
    let mut cmd = sshlint(args);
    let what = format!("{cmd:?}");
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let err_t = drain(child.stderr.take().expect("stderr"));
    let mut out = child.stdout.take().expect("stdout");
    let mut buf = [0u8; 10];
    out.read_exact(&mut buf).unwrap_or_else(|e| panic!("{what}: no output: {e}"));
    drop(out);
    let status = wait_bounded(&mut child, start, &what);
    (status, String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned())
}

fn many_lines(tag: &str, line: impl Fn(usize) -> String) -> TempDir {
    let mut text = String::from("Port 22\n");
    for i in 0..1000 {
        text.push_str(&line(i));
        text.push('\n');
    }
    TempDir::with_config(tag, &text)
}

#[test]
fn broken_pipe_exits_0() {
    // 1,000 warnings: far more output than a pipe buffer holds.
    let t = many_lines("pipe", |i| format!("#Port {}", 3000 + i));
    for format in ["json", "human", "github", "sarif"] {
        let args: Vec<&OsStr> =
            [OsStr::new("--openssh"), OsStr::new("9.2"), OsStr::new("--color"), OsStr::new("never")]
                .into_iter()
                .chain([OsStr::new("--format"), OsStr::new(format), OsStr::new("--root"), t.path().as_os_str()])
                .collect();
        let (status, err) = run_with_closed_stdout(&args);
        assert!(status.signal().is_none(), "{format}: killed by {:?}", status.signal());
        assert_eq!(status.code(), Some(0), "{format}: {err}");
        assert!(!err.contains("panicked") && !err.to_lowercase().contains("broken pipe"), "{format}: {err}");
    }
}

/// DESIGN.md: "A broken pipe exits 0." `emit` maps EPIPE to 0, but `run_lint` then returns
/// the findings' exit code (1).
#[test]
fn broken_pipe_exits_0_with_error_findings() {
    let t = many_lines("pipe-errors", |i| format!("Bogus{i} x"));
    for format in ["json", "github", "sarif"] {
        let args: Vec<&OsStr> =
            [OsStr::new("--openssh"), OsStr::new("9.2"), OsStr::new("--format"), OsStr::new(format)]
                .into_iter()
                .chain([OsStr::new("--root"), t.path().as_os_str()])
                .collect();
        let (status, err) = run_with_closed_stdout(&args);
        assert!(status.signal().is_none(), "{format}: killed by {:?}", status.signal());
        assert_eq!(status.code(), Some(0), "{format}: {err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Human output: colour and the summary line

fn human(root: &Path, extra: &[&str], no_color: bool) -> Output {
    let mut args: Vec<&OsStr> = ["--openssh", "9.2"].iter().map(OsStr::new).collect();
    args.extend(extra.iter().map(OsStr::new));
    args.push(OsStr::new("--root"));
    args.push(root.as_os_str());
    let mut cmd = sshlint(&args);
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    run(cmd, None)
}

#[test]
fn human_output_colour_and_summary() {
    let t = TempDir::with_config("human", SELECTION_CONFIG);
    let (_, doc) = lint_json(t.path(), &[]);
    for (extra, no_color) in [(&["--color", "never"][..], false), (&[][..], true), (&["--color", "auto"][..], true)] {
        let out = human(t.path(), extra, no_color);
        out.assert_exit(1);
        let text = out.stdout();
        assert!(!text.contains('\u{1b}'), "ANSI escapes with {extra:?} NO_COLOR={no_color}:\n{text}");
        let last = text.lines().last().unwrap_or("");
        assert_eq!(parse_summary(last), Some(summary_of(&doc)), "summary line {last:?}");
        for f in findings(&doc) {
            let code = f["code"].as_str().unwrap_or("");
            assert!(text.contains(code), "{code} missing from human output");
            let at = format!("sshd_config:{}:{}", f["line"], f["column"]);
            assert!(text.contains(&at), "{at} missing from human output:\n{text}");
        }
    }
    // `--color always` does colour (so the checks above are not vacuous).
    let out = human(t.path(), &["--color", "always"], false);
    assert!(out.stdout().contains('\u{1b}'), "--color always shows colour");
    // Clean run: the summary alone.
    let clean = TempDir::with_config("human-clean", CLEAN);
    let out = human(clean.path(), &["--color", "never"], false);
    out.assert_exit(0);
    assert_eq!(out.stdout(), "0 errors, 0 warnings, 0 infos in 1 file (1 host)\n");
}

/// On a terminal, colour is on unless NO_COLOR is set (`script` gives the binary a pty).
#[test]
fn no_color_on_a_terminal() {
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        eprintln!("skipped: no_color_on_a_terminal needs util-linux `script` for a pseudo-terminal");
        return;
    }
    let t = TempDir::with_config("tty", WITH_ERROR);
    let root = t.path().to_str().expect("utf-8 temp path");
    assert!(!root.contains('\''), "quoting");
    let inner = format!("'{BIN}' --openssh 9.2 --root '{root}'");
    let on_tty = |no_color: Option<&str>, extra: &str| {
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &format!("{inner} {extra}"), "/dev/null"]);
        cmd.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = run(cmd, None);
        out.assert_exit(1);
        out.stdout()
    };
    assert!(on_tty(None, "").contains('\u{1b}'), "colour on a terminal by default");
    assert!(!on_tty(Some("1"), "").contains('\u{1b}'), "NO_COLOR=1 turns colour off on a terminal");
    assert!(!on_tty(None, "--color never").contains('\u{1b}'), "--color never on a terminal");
}

// ---------------------------------------------------------------------------------------------
// Host roots

#[test]
fn host_roots_inferred_from_paths() {
    let t = TempDir::new("hosts");
    t.write("hosts/web/etc/ssh/sshd_config", "Port 22\n#Port 2222\n");
    t.write("hosts/db/etc/ssh/sshd_config", "Port 2200\nBogus x\n");
    let out = lint(&[
        OsStr::new("--openssh"),
        OsStr::new("9.2"),
        OsStr::new("--format"),
        OsStr::new("json"),
        t.path().as_os_str(),
    ]);
    out.assert_exit(1);
    let doc = out.json();
    check_doc_strict(&doc, &out.what);
    assert_eq!(doc["summary"]["hosts"], 2, "{}", doc["summary"]);
    find(&doc, "SSHD101", "hosts/web/etc/ssh/sshd_config", 2);
    find(&doc, "SSHD001", "hosts/db/etc/ssh/sshd_config", 2);
    let out = lint(&[
        OsStr::new("--openssh"),
        OsStr::new("9.2"),
        OsStr::new("--color"),
        OsStr::new("never"),
        t.path().as_os_str(),
    ]);
    out.assert_exit(1);
    let last = out.stdout().lines().last().unwrap_or("").to_string();
    assert_eq!(last, "1 error, 1 warning, 0 infos in 2 files (2 hosts)");

    // `sshlint DIR/etc`: DIR is the root, so absolute Include paths resolve inside it.
    let d = TempDir::new("etc-root");
    d.write("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n");
    d.write("etc/ssh/sshd_config.d/10-a.conf", "MaxStartups 2\n");
    let out = lint(&[
        OsStr::new("--openssh"),
        OsStr::new("9.2"),
        OsStr::new("--format"),
        OsStr::new("json"),
        d.join("etc").as_os_str(),
    ]);
    out.assert_exit(0);
    let doc = out.json();
    check_doc_strict(&doc, &out.what);
    assert_eq!(doc["summary"]["hosts"], 1);
    let f = find(&doc, "SSHD201", "etc/ssh/sshd_config.d/10-a.conf", 1);
    assert!(f["path"].as_str().is_some_and(|p| p.starts_with(d.path().to_str().unwrap_or("?"))), "{f}");
}

/// A named file that sshlint reads only through a host root (accounts, keys, an ssh.socket
/// drop-in) makes its host be linted, as a named sshd_config does; elsewhere it stays unknown.
#[test]
fn login_and_unit_files_name_their_host() {
    let t = TempDir::new("login-files");
    t.write(
        "hosts/web/etc/ssh/sshd_config",
        "Port 22
",
    );
    t.write(
        "hosts/web/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash
alice:x:1000:1000::/home/alice:/bin/bash
",
    );
    t.write(
        "hosts/web/etc/group",
        "alice:x:1000:
",
    );
    t.write(
        "hosts/web/home/alice/.ssh/authorized_keys",
        "ssh-ed25519 not-base64 alice
",
    );
    t.write("hosts/web/etc/systemd/system/ssh.socket.d/port.conf", "[Socket]\nListenStream=2222\n");
    t.write("notes/passwd", "not a host\n");
    for named in [
        "hosts/web/home/alice/.ssh/authorized_keys",
        "hosts/web/etc/passwd",
        "hosts/web/etc/systemd/system/ssh.socket.d/port.conf",
    ] {
        let mut cmd = sshlint(&["--openssh", "9.2", "--format", "json", "--select", "KEYS001", named]);
        cmd.current_dir(t.path());
        let out = run(cmd, None);
        out.assert_exit(1);
        let doc = out.json();
        check_doc_strict(&doc, &out.what);
        assert_eq!(doc["summary"]["hosts"], 1, "{named}: {}", doc["summary"]);
        find(&doc, "KEYS001", "hosts/web/home/alice/.ssh/authorized_keys", 1);
    }
    let mut cmd = sshlint(&["--openssh", "9.2", "--format", "json", "notes/passwd"]);
    cmd.current_dir(t.path());
    let out = run(cmd, None);
    out.assert_exit(1);
    let doc = out.json();
    assert_eq!(doc["summary"]["hosts"], 0);
    find(&doc, "SL002", "notes/passwd", 1);
}

// ---------------------------------------------------------------------------------------------
// Standard input

#[test]
fn dash_reads_standard_input() {
    let out = run(sshlint(&["--openssh", "9.2", "--format", "json", "-"]), Some(b"Port 22\nBogus x\n"));
    out.assert_exit(1);
    let doc = out.json();
    check_doc_strict(&doc, &out.what);
    find(&doc, "SSHD001", "<stdin>", 2);
    let out = run(sshlint(&["--openssh", "9.2", "-"]), Some(b"Port 22\n"));
    out.assert_exit(0);
}

// ---------------------------------------------------------------------------------------------
// SARIF

/// DESIGN.md lists `--format human|json|sarif|github` (the document itself: tests/formats.rs).
#[test]
fn sarif_output() {
    let t = TempDir::with_config("sarif", WITH_ERROR);
    let out = lint(&[
        OsStr::new("--openssh"),
        OsStr::new("9.2"),
        OsStr::new("--format"),
        OsStr::new("sarif"),
        OsStr::new("--root"),
        t.path().as_os_str(),
    ]);
    out.assert_exit(1);
    let doc = out.json();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "sshlint");
    assert!(run["tool"]["driver"]["rules"].as_array().is_some_and(|r| r.iter().any(|r| r["id"] == "SSHD001")));
    assert!(run["results"].as_array().is_some_and(|r| r.iter().any(|r| r["ruleId"] == "SSHD001")));
}

#[test]
fn summary_parser() {
    assert_eq!(parse_summary("1 error, 0 warnings, 2 infos in 1 file (1 host)"), Some([1, 0, 2, 1, 1]));
    assert_eq!(parse_summary("0 errors, 1 warning, 0 infos in 3 files (2 hosts)"), Some([0, 1, 0, 3, 2]));
    assert_eq!(parse_summary("2 error, 0 warnings, 0 infos in 1 file (1 host)"), None);
}
