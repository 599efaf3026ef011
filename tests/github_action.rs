//! `action.yml`, the composite GitHub Action: its shape, and its shell steps run for real.
//!
//! The file is read with PyYAML (through `python3`, or the interpreter pre-commit runs on: `.ci/run`
//! installs pre-commit, and PyYAML with it, into a venv it puts first on PATH). Each `run:` step
//! is executed as the runner does it: `bash --noprofile --norc -eo pipefail`, in
//! `GITHUB_WORKSPACE`, with the step's `env:`, `${{ … }}` expressions replaced by test values,
//! and `GITHUB_OUTPUT`/`GITHUB_PATH` files read back between steps. `if:` conditions are
//! evaluated; `uses:` steps are not run, only whether they would run and with what. `cargo` is a
//! stand-in that installs the sshlint built for this test run, so a wrong flag or path in a step
//! fails here. An expression or condition this test does not model fails the test: teach it.
//!
//! Without python3 and PyYAML the test prints why and passes, unless `SSHLINT_REQUIRE_ORACLES=1`.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use support::{Output, TempDir, crate_root, env_flag, run_with_limit};

const BIN: &str = env!("CARGO_BIN_EXE_sshlint");
const LIMIT: Duration = Duration::from_secs(60);

/// An executable named `name` in a PATH directory.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.metadata().is_ok_and(|m| m.is_file()))
}

/// `action.yml` as JSON, read by the first Python that has PyYAML: `python3`, then pre-commit's.
/// A file PyYAML refuses fails the test.
fn load_action(test: &str) -> Option<Value> {
    let mut pythons = vec![PathBuf::from("python3")];
    if let Some(pc) = on_path("pre-commit")
        && let Ok(text) = fs::read_to_string(&pc)
        && let Some(interp) = text.lines().next().and_then(|l| l.strip_prefix("#!"))
    {
        pythons.push(PathBuf::from(interp.trim()));
    }
    let mut why = Vec::new();
    let Some(python) = pythons.iter().find(|py| match Command::new(py).args(["-c", "import yaml"]).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr).trim().lines().last().unwrap_or("").to_string();
            why.push(format!("{}: {err}", py.display()));
            false
        }
        Err(e) => {
            why.push(format!("{}: {e}", py.display()));
            false
        }
    }) else {
        let reason = format!("no python3 with PyYAML to read action.yml ({})", why.join("; "));
        assert!(!env_flag("SSHLINT_REQUIRE_ORACLES"), "{test}: SSHLINT_REQUIRE_ORACLES=1 but {reason}");
        eprintln!("{test}: skipped: {reason}");
        return None;
    };
    let script = "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)";
    let out = Command::new(python).args(["-c", script]).arg(crate_root().join("action.yml")).output().expect("python3");
    assert!(out.status.success(), "action.yml is not valid YAML:\n{}", String::from_utf8_lossy(&out.stderr));
    Some(serde_json::from_slice(&out.stdout).expect("PyYAML's JSON"))
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => panic!("expected a scalar, got {other}"),
    }
}

/// What the runner knows while it runs the action's steps.
struct Run {
    inputs: BTreeMap<String, String>,
    workspace: PathBuf,
    temp: PathBuf,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    outcomes: BTreeMap<String, &'static str>,
    failed: bool,
    /// Directories added through GITHUB_PATH, newest first.
    path: Vec<String>,
}

/// One step as it went: run (with its output), skipped, or a `uses:` step that would run.
struct StepResult {
    id: String,
    ran: bool,
    out: Option<Output>,
    with: BTreeMap<String, String>,
}

impl Run {
    /// The value of an expression (`inputs.paths`, `steps.lint.outputs.sarif`, …).
    fn value(&self, expr: &str) -> String {
        let parts: Vec<&str> = expr.trim().split('.').collect();
        match parts.as_slice() {
            ["inputs", name] => {
                self.inputs.get(*name).cloned().unwrap_or_else(|| panic!("`inputs.{name}` is not a declared input"))
            }
            ["github", "action_path"] => crate_root().to_string_lossy().into_owned(),
            ["github", "workspace"] => self.workspace.to_string_lossy().into_owned(),
            ["runner", "temp"] => self.temp.to_string_lossy().into_owned(),
            ["runner", "os"] => "Linux".into(),
            ["steps", id, "outputs", name] => {
                self.outputs.get(*id).and_then(|o| o.get(*name)).cloned().unwrap_or_default()
            }
            ["steps", id, "outcome"] => self.outcomes.get(*id).copied().unwrap_or("").into(),
            _ => panic!("action.yml uses `{expr}`, which this test does not model"),
        }
    }

    /// `${{ expr }}` replaced in `text`.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").unwrap_or_else(|| panic!("unclosed `${{{{` in {text:?}"));
            out.push_str(&self.value(&rest[start + 3..start + end]));
            rest = &rest[start + end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// An `if:` condition: `&&` of `always()`, `success()`, `A == 'x'`, `A != 'x'`. Without a
    /// status function, `success()` is implied, as on GitHub; strings compare case-insensitively.
    fn condition(&self, cond: Option<&str>) -> bool {
        let Some(cond) = cond else { return !self.failed };
        let cond = cond.trim().trim_start_matches("${{").trim_end_matches("}}");
        let mut status = None;
        let mut all = true;
        for term in cond.split("&&").map(str::trim) {
            let holds = match term {
                "always()" => {
                    status = Some(true);
                    true
                }
                "success()" => {
                    status = Some(!self.failed);
                    true
                }
                _ => {
                    let (lhs, rhs, eq) = if let Some((l, r)) = term.split_once("==") {
                        (l, r, true)
                    } else if let Some((l, r)) = term.split_once("!=") {
                        (l, r, false)
                    } else {
                        panic!("condition term `{term}` is not modelled by this test");
                    };
                    let lit = rhs.trim().strip_prefix('\'').and_then(|r| r.strip_suffix('\''));
                    let lit = lit.unwrap_or_else(|| panic!("`{term}`: compare with a quoted string"));
                    self.value(lhs).eq_ignore_ascii_case(lit) == eq
                }
            };
            all &= holds;
        }
        all && status.unwrap_or(!self.failed)
    }
}

/// Run the action's steps with `inputs` over `workspace`, with the stand-in cargo of `tmp` on
/// PATH; returns the runner's state at the end and each step's result.
fn run_action(action: &Value, inputs: &[(&str, &str)], tmp: &Path, workspace: &Path) -> (Run, Vec<StepResult>) {
    let declared = action["inputs"].as_object().expect("inputs");
    let mut values: BTreeMap<String, String> =
        declared.iter().map(|(k, v)| (k.clone(), v.get("default").map(s).unwrap_or_default())).collect();
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "test input `{k}` is not declared in action.yml");
        values.insert(k.to_string(), v.to_string());
    }
    let temp = tmp.join("runner-temp");
    fs::create_dir_all(&temp).expect("mkdir runner temp");
    let mut run = Run {
        inputs: values,
        workspace: workspace.to_path_buf(),
        temp: temp.clone(),
        outputs: BTreeMap::new(),
        outcomes: BTreeMap::new(),
        failed: false,
        path: Vec::new(),
    };
    let fake_bin = tmp.join("fake-bin");
    let base_path = format!("{}:{}", fake_bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut results = Vec::new();
    for (i, step) in action["runs"]["steps"].as_array().expect("steps").iter().enumerate() {
        let id = step.get("id").map(s).unwrap_or_else(|| format!("step{i}"));
        let ran = run.condition(step.get("if").map(s).as_deref());
        let with: BTreeMap<String, String> = step
            .get("with")
            .and_then(Value::as_object)
            .map(|w| w.iter().map(|(k, v)| (k.clone(), run.expand(&s(v)))).collect())
            .unwrap_or_default();
        let Some(script) = step.get("run").map(s) else {
            results.push(StepResult { id, ran, out: None, with });
            continue;
        };
        if !ran {
            results.push(StepResult { id, ran, out: None, with });
            continue;
        }
        let script_path = tmp.join(format!("step{i}.sh"));
        fs::write(&script_path, run.expand(&script)).expect("write step script");
        let output_file = tmp.join(format!("output{i}"));
        let path_file = tmp.join(format!("path{i}"));
        fs::write(&output_file, "").expect("GITHUB_OUTPUT");
        fs::write(&path_file, "").expect("GITHUB_PATH");
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"]).arg(&script_path).current_dir(workspace);
        let mut path = run.path.join(":");
        if !path.is_empty() {
            path.push(':');
        }
        path.push_str(&base_path);
        cmd.env("PATH", path)
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_ACTION_PATH", crate_root())
            .env("RUNNER_TEMP", &temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_ENV", tmp.join("env"))
            .env("SSHLINT_TEST_BIN", BIN)
            .env("CARGO_LOG_FILE", tmp.join("cargo.log"))
            .env_remove("ImageOS")
            .env_remove("NO_COLOR");
        for (k, v) in step.get("env").and_then(Value::as_object).into_iter().flatten() {
            cmd.env(k, run.expand(&s(v)));
        }
        let out = run_with_limit(&mut cmd, LIMIT).expect("run bash");
        let ok = out.status == Some(0);
        run.outcomes.insert(id.clone(), if ok { "success" } else { "failure" });
        run.failed |= !ok;
        let outputs = run.outputs.entry(id.clone()).or_default();
        for line in fs::read_to_string(&output_file).unwrap_or_default().lines() {
            let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("GITHUB_OUTPUT line `{line}`: only name=value"));
            outputs.insert(k.to_string(), v.to_string());
        }
        for dir in fs::read_to_string(&path_file).unwrap_or_default().lines().filter(|l| !l.is_empty()) {
            run.path.insert(0, dir.to_string());
        }
        results.push(StepResult { id, ran, out: Some(out), with });
    }
    (run, results)
}

/// A stand-in `cargo`: logs its arguments and installs the test's sshlint under `--root`.
fn fake_cargo(tmp: &Path) {
    let dir = tmp.join("fake-bin");
    fs::create_dir_all(&dir).expect("mkdir fake-bin");
    let cargo = dir.join("cargo");
    let script = r#"#!/bin/sh
echo "$*" >> "$CARGO_LOG_FILE"
root=
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root=$2; fi
  shift
done
[ -n "$root" ] || { echo "fake cargo: no --root" >&2; exit 101; }
mkdir -p "$root/bin" && cp "$SSHLINT_TEST_BIN" "$root/bin/sshlint"
"#;
    fs::write(&cargo, script).expect("write fake cargo");
    fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).expect("chmod fake cargo");
}

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(&path, content).expect("write");
}

fn step<'a>(results: &'a [StepResult], pred: impl Fn(&StepResult) -> bool, what: &str) -> &'a StepResult {
    results.iter().find(|r| pred(r)).unwrap_or_else(|| panic!("no {what} step"))
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn action_yml_declares_what_it_uses() {
    let Some(action) = load_action("action_yml_declares_what_it_uses") else { return };
    assert_eq!(action["runs"]["using"], "composite");
    assert!(action["name"].is_string() && action["description"].is_string());
    for (name, input) in action["inputs"].as_object().expect("inputs") {
        assert!(input["description"].is_string(), "input `{name}` has a description");
        assert!(input.get("default").is_some(), "input `{name}` has a default");
    }
    for (i, step) in action["runs"]["steps"].as_array().expect("steps").iter().enumerate() {
        match (step.get("run"), step.get("uses")) {
            (Some(_), None) => assert_eq!(step["shell"], "bash", "step {i}: composite run steps need `shell`"),
            (None, Some(uses)) => {
                let uses = s(uses);
                assert!(uses.contains('@'), "step {i}: `{uses}` is pinned to a version");
            }
            _ => panic!("step {i} has exactly one of `run` and `uses`"),
        }
    }
}

/// A host with an error: built once, linted, annotated, uploaded, and the job fails with 1.
#[test]
fn action_reports_and_fails_on_findings() {
    let Some(action) = load_action("action_reports_and_fails_on_findings") else { return };
    let tmp = TempDir::new("action-bad").expect("temp dir");
    fake_cargo(tmp.path());
    let ws = tmp.path().join("workspace");
    write(&ws, "hosts/web/etc/ssh/sshd_config", "Port 22\nPermitRootLogn no\n");
    let (run, results) = run_action(&action, &[], tmp.path(), &ws);
    let output = |name: &str| run.expand(&s(&action["outputs"][name]["value"]));

    let log = fs::read_to_string(tmp.path().join("cargo.log")).unwrap_or_default();
    let install = format!(
        "install --locked --path {} --root {}",
        crate_root().display(),
        tmp.path().join("runner-temp/sshlint-action").display()
    );
    assert!(log.lines().count() == 1 && log.starts_with(&install), "cargo calls: {log:?}, expected `{install} …`");

    let lint = step(&results, |r| r.id == "lint", "lint");
    let out = lint.out.as_ref().expect("the lint step ran");
    assert_eq!(out.status, Some(0), "the lint step keeps sshlint's exit code for later:\n{}", text(out));
    let annotation = format!("::error file={},line=2,", ws.join("hosts/web/etc/ssh/sshd_config").display());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&annotation),
        "annotations lack `{annotation}`:\n{}",
        text(out)
    );

    let upload = step(&results, |r| r.with.contains_key("sarif_file"), "upload-sarif");
    let last = results.last().and_then(|r| r.out.as_ref()).expect("the last step ran");
    let sarif_path = tmp.path().join("runner-temp/sshlint.sarif");
    assert!(upload.ran && upload.with["sarif_file"] == sarif_path.to_string_lossy(), "upload-sarif runs on the report");
    let doc: Value = serde_json::from_slice(&fs::read(&sarif_path).expect("SARIF report")).expect("SARIF is JSON");
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().expect("SARIF results");
    let hit = results.iter().find(|r| r["ruleId"] == "SSHD001").expect("SSHD001 in SARIF");
    let uri = s(&hit["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
    assert!(
        uri.ends_with("hosts/web/etc/ssh/sshd_config") && !uri.starts_with('/') && !uri.starts_with("file:"),
        "--sarif-base makes the URI relative to the workspace: {uri}"
    );
    assert_eq!(last.status, Some(1), "the action fails with sshlint's exit code:\n{}", text(last));
    assert_eq!((output("exit-code"), output("sarif")), ("1".into(), sarif_path.to_string_lossy().into_owned()));
}

/// A clean host through a glob, `args` passed on, no upload and no annotations, sshlint already
/// in the cache: nothing is built and the job passes.
#[test]
fn action_passes_a_clean_host() {
    let Some(action) = load_action("action_passes_a_clean_host") else { return };
    let tmp = TempDir::new("action-clean").expect("temp dir");
    fake_cargo(tmp.path());
    let cached = tmp.path().join("runner-temp/sshlint-action/bin");
    fs::create_dir_all(&cached).expect("mkdir cache");
    fs::copy(BIN, cached.join("sshlint")).expect("copy sshlint");
    let ws = tmp.path().join("workspace");
    write(&ws, "hosts/web/etc/ssh/sshd_config", "Port 22\nPasswordAuthentication no\n");
    let inputs = [
        ("paths", "hosts/*"),
        ("args", "--fail-on info --user root"),
        ("upload-sarif", "false"),
        ("annotations", "false"),
        ("cache", "false"),
    ];
    let (_, results) = run_action(&action, &inputs, tmp.path(), &ws);

    assert!(!tmp.path().join("cargo.log").exists(), "a cached sshlint is not rebuilt");
    let cache = step(&results, |r| r.with.contains_key("key"), "actions/cache");
    assert!(
        !cache.ran && cache.with["key"].starts_with("sshlint-Linux-X64-"),
        "cache off; key {:?}",
        cache.with.get("key")
    );
    let upload = step(&results, |r| r.with.contains_key("sarif_file"), "upload-sarif");
    assert!(!upload.ran, "upload-sarif: false");
    let lint = step(&results, |r| r.id == "lint", "lint");
    let out = lint.out.as_ref().expect("the lint step ran");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("::"), "annotations: false:\n{}", text(out));
    let last = results.last().and_then(|r| r.out.as_ref()).expect("the last step ran");
    assert_eq!(last.status, Some(0), "a clean host passes:\n{}\nlint step:\n{}", text(last), text(out));
}
