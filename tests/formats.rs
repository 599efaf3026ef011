//! Output formats through the `sshlint` binary: golden SARIF and GitHub output of one small host
//! root, SARIF validated by Microsoft's SARIF Multitool over every rule fixture, SARIF's exit
//! codes, and the human options (`--quiet`, `--statistics`, grouping by file, colour).
//!
//! Golden files live in `tests/golden/`; `SSHLINT_BLESS=1 cargo test --test formats` rewrites
//! them. The SARIF golden file has the run's `%SRCROOT%` URI replaced by `file:///SRCROOT/`.
//!
//! The validator: `SSHLINT_SARIF_MULTITOOL` names its executable (`.ci/run` installs
//! `@microsoft/sarif-multitool` once per run and sets it); without it the test runs
//! `npx --yes @microsoft/sarif-multitool@VERSION`. When neither works the test prints why and
//! passes, unless `SSHLINT_REQUIRE_ORACLES=1`.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Multitool release the validation is pinned to (its rules change between releases).
const MULTITOOL: &str = "@microsoft/sarif-multitool@5.7.0";

fn blessing() -> bool {
    std::env::var_os("SSHLINT_BLESS").is_some_and(|v| v == "1")
}

fn require_oracles() -> bool {
    std::env::var_os("SSHLINT_REQUIRE_ORACLES").is_some_and(|v| v == "1")
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `sshlint ARGS…` run in `dir`.
fn lint_in<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Output {
    let mut cmd = sshlint(args);
    cmd.current_dir(dir);
    run(cmd, None)
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

// ---------------------------------------------------------------------------------------------
// Golden files

/// A host root with findings in two files, one of them with a space in its name: a related
/// location in the same file (SSHD101) and in the other (SSHD105), a fatal error whose message
/// holds `%`, `:` and `,` (SSHD002), and a warning in the drop-in (SSHD104).
fn golden_tree() -> TempDir {
    let t = TempDir::new("golden");
    t.write(
        "root/etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n#Port 2222\nPasswordAuthentication no\nMaxStartups 10:30%:100,5\n",
    );
    t.write(
        "root/etc/ssh/sshd_config.d/10 local opts.conf",
        "PasswordAuthentication yes\nListenAddress 127.0.0.1:22\n",
    );
    t
}

/// Compare `actual` with `tests/golden/NAME` (or rewrite it when blessing).
fn golden(name: &str, actual: &str) {
    let path = manifest().join("tests/golden").join(name);
    if blessing() {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir tests/golden");
        fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let first = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    let show = |v: &[&str]| v[first.saturating_sub(3)..(first + 4).min(v.len())].join("\n");
    panic!(
        "tests/golden/{name} differs from the output at line {} (`SSHLINT_BLESS=1 cargo test --test formats` rewrites it)\n--- expected\n{}\n+++ actual\n{}",
        first + 1,
        show(&e),
        show(&a)
    );
}

/// Run the golden tree in `--format FORMAT` from inside it (paths are `root/…`).
fn golden_run(t: &TempDir, format: &str) -> Output {
    let mut args = os(&["--openssh", "9.2", "--format", format, "--root", "root", "--sarif-base"]);
    args.push(t.path().into());
    let out = lint_in(t.path(), &args);
    out.assert_exit(1);
    out
}

#[test]
fn sarif_golden() {
    let t = golden_tree();
    let out = golden_run(&t, "sarif");
    let text = out.stdout();
    let doc = out.json();
    let base = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().expect("%SRCROOT% uri").to_string();
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
    let replaced = text.replace(&base, "file:///SRCROOT/");
    let dir = t.path().to_str().expect("UTF-8 temp path");
    assert!(!replaced.contains(dir), "the temporary directory leaks into the document:\n{replaced}");
    golden("report.sarif", &replaced);
}

#[test]
fn github_golden() {
    let t = golden_tree();
    golden("report.github.txt", &golden_run(&t, "github").stdout());
}

/// The golden SARIF says what the contract in src/report/sarif.rs says (independently of the
/// golden file, so a blessed regression still fails here).
#[test]
fn sarif_document_follows_the_contract() {
    let t = golden_tree();
    let doc = golden_run(&t, "sarif").json();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(doc["runs"].as_array().map(Vec::len), Some(1), "one run");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "sshlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    let catalogue = lint_in(t.path(), &["rules"]).stdout();
    assert_eq!(
        rules.len(),
        catalogue.lines().filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase())).count(),
        "every rule"
    );
    for r in rules {
        let id = r["id"].as_str().expect("id");
        assert!(
            r["helpUri"]
                .as_str()
                .is_some_and(|u| u.ends_with(&format!("/blob/main/rules.md#{}", id.to_ascii_lowercase()))),
            "{r}"
        );
        assert!(
            ["error", "warning", "note"].contains(&r["defaultConfiguration"]["level"].as_str().unwrap_or("")),
            "{r}"
        );
        assert!(r["help"]["markdown"].as_str().is_some_and(|m| m.contains("## What it does")), "{r}");
    }
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let results = run["results"].as_array().expect("results");
    let by_rule: BTreeMap<&str, &Value> = results.iter().map(|r| (r["ruleId"].as_str().unwrap_or(""), r)).collect();
    assert_eq!(by_rule.keys().copied().collect::<Vec<_>>(), ["SSHD002", "SSHD101", "SSHD104", "SSHD105"]);
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        assert!(r["partialFingerprints"]["sshlintFindingHash/v1"].as_str().is_some_and(|h| h.len() == 16), "{r}");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let art = loc["artifactLocation"]["index"].as_u64().expect("artifact index") as usize;
        assert_eq!(run["artifacts"][art]["location"]["uri"], loc["artifactLocation"]["uri"]);
    }
    let bad = by_rule["SSHD002"];
    assert_eq!(bad["level"], "error");
    assert_eq!(bad["properties"]["fatal"], true);
    assert!(
        bad["message"]["text"].as_str().is_some_and(|m| m.contains("`10:30%:100,5`") && m.contains("\nhelp: ")),
        "{bad}"
    );
    assert_eq!(
        bad["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 5, "startColumn": 13, "endLine": 5, "endColumn": 25})
    );
    let shadowed = by_rule["SSHD105"];
    assert_eq!(shadowed["level"], "warning");
    let related = &shadowed["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "root/etc/ssh/sshd_config.d/10%20local%20opts.conf"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 1);
    assert!(related["message"]["text"].as_str().is_some_and(|m| m.contains("wins here")), "{related}");
}

/// Fingerprints survive lines added above a finding; the region moves.
#[test]
fn sarif_fingerprints_survive_edits_above() {
    let t = golden_tree();
    let before = golden_run(&t, "sarif").json();
    t.write(
        "root/etc/ssh/sshd_config",
        "# a comment\n\nInclude /etc/ssh/sshd_config.d/*.conf\nPort 22\n#Port 2222\nPasswordAuthentication no\nMaxStartups 10:30%:100,5\n",
    );
    let after = golden_run(&t, "sarif").json();
    let fps = |doc: &Value| -> Vec<(String, Value, Value)> {
        doc["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                let line = r["locations"][0]["physicalLocation"]["region"]["startLine"].clone();
                (r["ruleId"].as_str().unwrap_or("").to_string(), r["partialFingerprints"].clone(), line)
            })
            .collect()
    };
    let (b, a) = (fps(&before), fps(&after));
    assert_eq!(b.len(), a.len());
    for (x, y) in b.iter().zip(&a) {
        assert_eq!((&x.0, &x.1), (&y.0, &y.1), "same rule, same fingerprint");
    }
    let moved = b.iter().zip(&a).filter(|(x, y)| x.2 != y.2).count();
    assert!(moved >= 3, "the findings in sshd_config moved down two lines: {b:?} {a:?}");
}

// ---------------------------------------------------------------------------------------------
// SARIF validated by the SARIF Multitool

/// A command that runs the Multitool, or why there is none.
fn multitool() -> Result<Vec<OsString>, String> {
    if let Some(exe) = std::env::var_os("SSHLINT_SARIF_MULTITOOL") {
        return if Path::new(&exe).is_file() {
            Ok(vec![exe])
        } else {
            Err(format!("SSHLINT_SARIF_MULTITOOL={} is not a file", Path::new(&exe).display()))
        };
    }
    let npx: Vec<OsString> = os(&["npx", "--yes", MULTITOOL]);
    let mut probe = Command::new(&npx[0]);
    probe.args(&npx[1..]).arg("--version");
    match run_for(probe, Duration::from_secs(300)) {
        Ok((true, _)) => Ok(npx),
        Ok((false, out)) => Err(format!("`npx --yes {MULTITOOL} --version` failed:\n{}", tail(&out))),
        Err(e) => Err(format!("cannot run npx: {e}")),
    }
}

/// Run `cmd` (stdout and stderr together) for at most `limit`; `Err` when it cannot start or
/// runs longer.
fn run_for(mut cmd: Command, limit: Duration) -> Result<(bool, String), String> {
    // The Multitool is a .NET program: without ICU it needs the invariant globalization mode.
    cmd.env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1").env("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let what = format!("{cmd:?}");
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("{what}: {e}"))?;
    let out = drain(child.stdout.take().expect("stdout piped"));
    let err = drain(child.stderr.take().expect("stderr piped"));
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what}: still running after {limit:?}: killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{what}: {e}")),
        }
    };
    let mut text = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(&err.join().unwrap_or_default()));
    Ok((status.success(), text))
}

/// The Multitool's own configuration: SARIF2006 (URIs must answer an HTTP GET) off, so the test
/// needs no network (it waits seconds for each unreachable host otherwise).
const OFFLINE_CONFIG: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"#;

/// A log the validator must reject (a line 0, a URI with a space): proves it ran and that its
/// findings are read.
const CANARY: &str = r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0", "runs": [{
  "tool": {"driver": {"name": "canary", "version": "1", "informationUri": "https://example.org/"}},
  "results": [{"ruleId": "X1", "message": {"text": "m."},
    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a b"}, "region": {"startLine": 0}}}]}]}]}
"#;

/// SARIF logs to validate: `(name, document)`.
fn sarif_corpus(work: &TempDir) -> Vec<(String, String)> {
    let mut docs = Vec::new();
    let mut add = |name: String, out: Output| {
        out.assert_no_crash();
        assert!(matches!(out.code(), Some(0 | 1)), "{}: exit {:?}\n{}", out.what, out.code(), out.stderr());
        docs.push((name, out.stdout()));
    };
    // Every rule fixture with every rule selected (hardening included), its own arguments, and
    // the fixtures directory as %SRCROOT% (relative URIs).
    let fixtures = manifest().join("fixtures/rules");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&fixtures).expect("fixtures/rules").flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.join("root").is_dir()) {
        let name = dir.file_name().and_then(|n| n.to_str()).expect("UTF-8 fixture name").to_string();
        let extra = fs::read_to_string(dir.join("args")).unwrap_or_default();
        let mut args = os(&["--format", "sarif", "--select", "all", "--select", "hardening", "--root", "root"]);
        if !extra.contains("--openssh") {
            args.extend(os(&["--openssh", "9.2"]));
        }
        args.extend(extra.split_whitespace().map(OsString::from));
        args.push("--sarif-base".into());
        args.push(fixtures.clone().into());
        add(format!("fixture-{name}"), lint_in(dir, &args));
    }
    // The golden tree with a base it is not under (absolute file URIs).
    let g = golden_tree();
    let mut args = os(&["--openssh", "9.2", "--format", "sarif", "--root"]);
    args.push(g.join("root").into());
    args.push("--sarif-base".into());
    args.push(work.mkdir("empty-base").into());
    add("golden-outside-base".into(), lint_in(g.path(), &args));
    // Standard input.
    let mut cmd = sshlint(&["--openssh", "9.2", "--format", "sarif", "-"]);
    cmd.current_dir(work.path());
    add("stdin".into(), run(cmd, Some(b"Port 22\nBogus x\nMaxStartups 1\n")));
    // Names a URI must encode, text that is not UTF-8, a directory and a lone file.
    let odd = TempDir::new("odd");
    odd.write("h é#%/etc/ssh/sshd_config", b"Port 22\n#Port 2222\n# caf\xe9\nMaxStartups 2\n".as_slice());
    odd.write("h é#%/etc/ssh/sshd_config.d/x,y:z.conf", "PermitRootLogin yes\n");
    odd.mkdir("h é#%/etc/ufw/user.rules");
    odd.write("lone/sshd_config", "Port 22\nBogus 1\n");
    let mut args = os(&["--openssh", "9.2", "--format", "sarif", "--select", "all", "--select", "hardening"]);
    args.extend([
        odd.join("h é#%").into(),
        odd.join("lone/sshd_config").into(),
        odd.join("h é#%/etc/ufw/user.rules").into(),
    ]);
    add("odd-names".into(), lint_in(odd.path(), &args));
    docs
}

#[test]
fn sarif_passes_the_multitool() {
    let tool = match multitool() {
        Ok(t) => t,
        Err(reason) => {
            assert!(!require_oracles(), "SSHLINT_REQUIRE_ORACLES=1 but the SARIF Multitool is not available: {reason}");
            eprintln!("sarif_passes_the_multitool: skipped: {reason}");
            return;
        }
    };
    let work = TempDir::new("multitool");
    // `npx` runs the tool through a shell: keep every path it sees free of shell syntax.
    let safe =
        |p: &Path| p.to_str().is_some_and(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)));
    assert!(safe(work.path()), "the temporary directory {} needs quoting; set TMPDIR", work.path().display());
    let docs = sarif_corpus(&work);
    let dir = work.mkdir("logs");
    let mut files = Vec::new();
    for (i, (name, doc)) in docs.iter().enumerate() {
        serde_json::from_str::<Value>(doc).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        let safe_name: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        let path = dir.join(format!("{i:03}-{safe_name}.sarif"));
        fs::write(&path, doc).expect("write log");
        files.push(path);
    }
    let canary = dir.join("999-canary.sarif");
    fs::write(&canary, CANARY).expect("write canary");
    files.push(canary.clone());
    let config = work.write("offline.xml", OFFLINE_CONFIG);
    let report = work.join("validation.sarif");
    let mut cmd = Command::new(&tool[0]);
    cmd.args(&tool[1..]).arg("validate").arg("-c").arg(&config).arg("-o").arg(&report).args(&files);
    let start = Instant::now();
    let (ok, console) = run_for(cmd, Duration::from_secs(600)).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("SARIF Multitool: {} logs in {:.1} s", files.len(), start.elapsed().as_secs_f64());
    assert!(ok, "the SARIF Multitool failed:\n{}", tail(&console));
    let text =
        fs::read_to_string(&report).unwrap_or_else(|e| panic!("no validation report ({e}):\n{}", tail(&console)));
    let v: Value = serde_json::from_str(&text).expect("the validation report is JSON");
    let run0 = &v["runs"][0];
    let mut problems = Vec::new();
    let mut canary_errors = 0;
    for r in run0["results"].as_array().map_or(&[][..], Vec::as_slice) {
        // SARIF's default level is `warning`.
        let level = r["level"].as_str().unwrap_or("warning");
        if level != "error" && level != "warning" {
            continue;
        }
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap_or("?");
        if uri.ends_with("999-canary.sarif") {
            canary_errors += usize::from(level == "error");
            continue;
        }
        let msg = &r["message"];
        problems.push(format!(
            "{} {level} {}: {} {}",
            uri.rsplit('/').next().unwrap_or(uri),
            r["ruleId"].as_str().unwrap_or("?"),
            msg["id"].as_str().or(msg["text"].as_str()).unwrap_or(""),
            msg["arguments"]
        ));
    }
    for inv in run0["invocations"].as_array().map_or(&[][..], Vec::as_slice) {
        for key in ["toolExecutionNotifications", "toolConfigurationNotifications"] {
            for n in inv[key].as_array().map_or(&[][..], Vec::as_slice) {
                if n["level"] == "error" {
                    problems.push(format!("{key}: {}", n["message"]));
                }
            }
        }
    }
    assert!(canary_errors > 0, "the validator reported nothing for a log it must reject:\n{}", tail(&console));
    assert!(
        problems.is_empty(),
        "the SARIF Multitool reports {} error(s) and warning(s) in {} logs (the first 40):\n{}",
        problems.len(),
        docs.len(),
        problems.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// CLI: exit codes, --sarif-base, --quiet, --statistics, grouping, colour

const CLEAN: &str = "Port 22\n";
const WITH_ERROR: &str = "Port 22\nBogus x\n";
const WITH_WARNING: &str = "Port 22\n#Port 2222\n";
const MIXED: &str = "Port 22\n#Port 2222\n#Port 2200\nMaxStartups 2\nBogus x\n";

fn at_root(root: &Path, args: &[&str]) -> Output {
    let mut v = os(&["--openssh", "9.2"]);
    v.extend(os(args));
    v.push("--root".into());
    v.push(root.into());
    lint_in(root, &v)
}

#[test]
fn sarif_exit_codes_equal_human() {
    let trees = [
        TempDir::with_config("exit-clean", CLEAN),
        TempDir::with_config("exit-error", WITH_ERROR),
        TempDir::with_config("exit-warning", WITH_WARNING),
    ];
    for t in &trees {
        for fail_on in ["error", "warning", "info"] {
            let human = at_root(t.path(), &["--fail-on", fail_on]);
            let sarif = at_root(t.path(), &["--fail-on", fail_on, "--format", "sarif"]);
            human.assert_no_crash();
            sarif.assert_no_crash();
            assert_eq!(sarif.code(), human.code(), "{}", sarif.what);
            sarif.json();
        }
    }
    let t = &trees[1];
    at_root(t.path(), &["--format", "sarif"]).assert_exit(1);
    let out = at_root(t.path(), &["--format", "sarif", "--sarif-base", "/nonexistent/sshlint-base"]);
    out.assert_exit(2);
    assert!(out.stdout.is_empty() && out.stderr().contains("sarif-base"), "{}", out.stderr());
}

#[test]
fn sarif_base_default_is_the_current_directory() {
    let t = TempDir::with_config("base-default", WITH_ERROR);
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "sarif", "--root", "."]);
    out.assert_exit(1);
    let doc = out.json();
    let run = &doc["runs"][0];
    let here = fs::canonicalize(t.path()).expect("canonical temp dir");
    let uri = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap_or("");
    assert_eq!(uri, format!("file://{}/", here.display()), "(the temp path needs no percent-encoding)");
    let loc = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "etc/ssh/sshd_config");
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
}

/// "N errors, …" lines: the summary.
fn summary_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| parse_summary(l).is_some()).collect()
}

#[test]
fn quiet_prints_only_findings() {
    let t = TempDir::with_config("quiet", MIXED);
    let loud = at_root(t.path(), &["--color", "never"]);
    loud.assert_exit(1);
    let quiet = at_root(t.path(), &["--color", "never", "--quiet"]);
    quiet.assert_exit(1);
    let (loud, quiet) = (loud.stdout(), quiet.stdout());
    assert_eq!(summary_lines(&loud).len(), 1);
    assert!(summary_lines(&quiet).is_empty(), "no summary line with --quiet:\n{quiet}");
    let last = loud.rfind(summary_lines(&loud)[0]).expect("summary");
    assert_eq!(quiet, loud[..last], "--quiet prints the same findings, without the summary");
    let short = at_root(t.path(), &["--color", "never", "-q"]);
    assert_eq!(short.stdout(), quiet, "-q is --quiet");
    // Nothing at all when nothing is found.
    let clean = TempDir::with_config("quiet-clean", CLEAN);
    let out = at_root(clean.path(), &["--quiet"]);
    out.assert_exit(0);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{:?} {:?}", out.stdout(), out.stderr());
    // Machine formats are unchanged.
    for format in ["json", "github"] {
        let with = at_root(t.path(), &["--format", format, "--quiet"]).stdout();
        assert_eq!(with, at_root(t.path(), &["--format", format]).stdout(), "--quiet leaves {format} alone");
    }
}

#[test]
fn statistics_count_per_rule() {
    let t = TempDir::with_config("stats", MIXED);
    let doc = at_root(t.path(), &["--format", "json"]).json();
    let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
    for f in doc["findings"].as_array().expect("findings") {
        let key = (f["code"].as_str().unwrap_or("").to_string(), f["name"].as_str().unwrap_or("").to_string());
        *want.entry(key).or_default() += 1;
    }
    assert!(want.len() >= 3 && want.values().any(|&n| n > 1), "the fixture has several rules, one twice: {want:?}");
    let out = at_root(t.path(), &["--statistics"]);
    out.assert_exit(1);
    let text = out.stdout();
    assert!(!text.contains('\u{1b}') && !text.contains('╭'), "counts, not findings:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    let (rows, summary) = lines.split_at(lines.len() - 1);
    assert_eq!(parse_summary(summary[0]), Some(summary_of(&doc)), "{text}");
    let got: Vec<(String, String, u64)> = rows
        .iter()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(w.len(), 3, "`CODE  NAME  COUNT`: {l:?}");
            (w[0].to_string(), w[1].to_string(), w[2].parse().expect("count"))
        })
        .collect();
    let mut expected: Vec<(String, String, u64)> = want.into_iter().map(|((c, n), k)| (c, n, k)).collect();
    expected.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    assert_eq!(got, expected, "most frequent first, then by code:\n{text}");
    // Columns line up.
    let count_end: Vec<usize> = rows.iter().map(|l| l.len()).collect();
    assert!(count_end.windows(2).all(|w| w[0] == w[1]), "aligned:\n{text}");
    // --quiet drops the summary; other formats ignore --statistics.
    let quiet = at_root(t.path(), &["--statistics", "--quiet"]).stdout();
    assert_eq!(quiet, rows.iter().map(|r| format!("{r}\n")).collect::<String>());
    let json = at_root(t.path(), &["--format", "json", "--statistics"]);
    assert_eq!(json.json(), doc, "--statistics is for human output only");
    let clean = TempDir::with_config("stats-clean", CLEAN);
    assert_eq!(at_root(clean.path(), &["--statistics", "-q"]).stdout(), "");
}

/// The files a human report shows findings in, in order (the first excerpt after each title).
fn primary_places(text: &str) -> Vec<(String, u64, u64)> {
    let mut places = Vec::new();
    let mut want = false;
    for line in text.lines() {
        if line.contains('(') && line.ends_with(')') && line.starts_with(|c: char| c.is_ascii_uppercase()) {
            want = true;
        } else if want && let Some(i) = line.find("╭─[") {
            let at = line[i + "╭─[".len()..].trim_end_matches(']');
            let mut parts = at.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
            let line_no = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
            places.push((parts.next().unwrap_or("").to_string(), line_no, col));
            want = false;
        }
    }
    places
}

#[test]
fn human_findings_are_grouped_by_file() {
    // aaa.conf is read after sshd_config (it is included from it) but sorts before it.
    let t = TempDir::with_config("grouped", "Port 22\n#Port 2222\nInclude /etc/ssh/aaa.conf\nBogus x\n");
    t.write("etc/ssh/aaa.conf", "MaxStartups 2\n#Port 2200\n");
    let out = at_root(t.path(), &["--color", "never"]);
    out.assert_exit(1);
    let places = primary_places(&out.stdout());
    assert_eq!(places.len(), 4, "{}", out.stdout());
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted, "by file, then line and column");
    assert!(places[0].0.ends_with("etc/ssh/aaa.conf"), "{places:?}");
    // JSON keeps the order the files were read in (its contract says nothing about order).
    let doc = at_root(t.path(), &["--format", "json"]).json();
    assert!(doc["findings"][0]["path"].as_str().is_some_and(|p| p.ends_with("etc/ssh/sshd_config")));

    // Across hosts: in path order, whatever order the hosts were named in.
    let h = TempDir::new("grouped-hosts");
    h.write("web/etc/ssh/sshd_config", "Port 22\n#Port 2222\n");
    h.write("db/etc/ssh/sshd_config", "Port 22\nBogus x\n");
    let out = lint_in(h.path(), &["--openssh", "9.2", "--color", "never", "web", "db"]);
    out.assert_exit(1);
    let files: Vec<String> = primary_places(&out.stdout()).into_iter().map(|p| p.0).collect();
    assert_eq!(files, ["db/etc/ssh/sshd_config", "web/etc/ssh/sshd_config"], "{}", out.stdout());
}

#[test]
fn colour_options() {
    let t = TempDir::with_config("colour", MIXED);
    let esc = |o: &Output| o.stdout().contains('\u{1b}');
    // Not a terminal: no colour unless asked for.
    assert!(!esc(&at_root(t.path(), &[])), "auto off a terminal");
    assert!(esc(&at_root(t.path(), &["--color", "always"])));
    assert!(!esc(&at_root(t.path(), &["--color", "never"])));
    // An explicit --color always wins over NO_COLOR (no-color.org: flags override it).
    let mut cmd = sshlint(&[
        OsStr::new("--openssh"),
        OsStr::new("9.2"),
        OsStr::new("--color"),
        OsStr::new("always"),
        OsStr::new("--root"),
        t.path().as_os_str(),
    ]);
    cmd.env("NO_COLOR", "1");
    assert!(esc(&run(cmd, None)), "--color always with NO_COLOR=1");
    // Machine formats never carry escapes, whatever --color says.
    for format in ["json", "sarif", "github"] {
        let out = at_root(t.path(), &["--color", "always", "--format", format]);
        assert!(!esc(&out), "{format} with --color always");
    }
    // --statistics has no colour to give.
    assert!(!esc(&at_root(t.path(), &["--color", "always", "--statistics"])));
}
