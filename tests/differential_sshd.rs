//! Differential tests: sshlint against the real sshd (Debian 12's OpenSSH 9.2p1).
//!
//! For every case (the corpus in `fixtures/differential/sshd/` and a seeded random set):
//! (a) `sshd -t` succeeds exactly when `sshlint --format json` reports no finding with
//!     `"fatal": true`, and when sshd refuses, `sshlint effective` exits 1 with nothing on stdout;
//! (b) when `sshd -t` succeeds, `sshlint effective [--match SPEC]` prints exactly what
//!     `sshd -T [-C SPEC]` prints, and fails whenever `sshd -T` fails for that spec.
//!
//! sshd runs as root inside `unshare -m` (see `support/sshd.rs`). Environment:
//! - `SSHLINT_REQUIRE_ORACLES=1`: a missing oracle fails the tests instead of skipping them;
//! - `SSHLINT_DIFF_ORACLE_ONLY=1`: run and check sshd only, print what it said, skip sshlint;
//! - `SSHLINT_BLESS=1`: write sshd's outputs to each corpus case's `expected/` for review;
//! - `SSHLINT_DIFF_SEED`, `SSHLINT_DIFF_CASES`: generator seed (default fixed) and case count;
//! - `SSHLINT_DIFF_FILTER=text`: only cases whose name contains `text` (`gen-00042`);
//! - `SSHLINT_DIFF_SHOW=N`: print the detail of N mismatches (default 30);
//! - `SSHLINT_DIFF_KEEP=1`: keep the temporary host roots for replaying a case by hand.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};
use support::generate::generate_case;
use support::sshd::{self, Case, OPENSSH_VERSION, OracleRun, SSHD_CONFIG, SshdResult, host_keys, oracle_ready};
use support::{Mismatches, Output, env_flag, env_usize, show_stream, sshlint};

/// Mismatches found for one case: (one-line summary, full report).
type Found = Vec<(String, String)>;
/// A comparison of one case; returns how many comparisons it made.
type Check = fn(&Case, &Path, &SshdResult, &mut Found) -> usize;

/// Fixed so CI is reproducible; override with `SSHLINT_DIFF_SEED`.
const DEFAULT_SEED: u64 = 0x5353_484C_494E_5402;
const DEFAULT_GENERATED: usize = 520;
const MIN_CORPUS: usize = 150;
const CORPUS_HINT: &str = "one case again (keeping its host root): SSHLINT_DIFF_FILTER=<case> SSHLINT_DIFF_KEEP=1 \
                           cargo test --test differential_sshd corpus";

fn oracle_only() -> bool {
    env_flag("SSHLINT_DIFF_ORACLE_ONLY")
}

fn selected(name: &str) -> bool {
    std::env::var("SSHLINT_DIFF_FILTER").map_or(true, |f| name.contains(&f))
}

fn filtering() -> bool {
    std::env::var_os("SSHLINT_DIFF_FILTER").is_some()
}

/// The corpus with sshd's verdicts, shared by the corpus tests that run at the same time.
struct CorpusRun {
    cases: Vec<Case>,
    oracle: OracleRun,
}

fn corpus_run() -> Arc<Result<CorpusRun, String>> {
    static SLOT: Mutex<Weak<Result<CorpusRun, String>>> = Mutex::new(Weak::new());
    support::shared(&SLOT, || {
        let keys = host_keys();
        let keys = keys.as_ref().as_ref().map_err(Clone::clone)?;
        let cases: Vec<Case> = sshd::load_corpus()?.into_iter().filter(|c| selected(&c.name)).collect();
        let oracle = sshd::run_oracle(&cases, keys, "corpus")?;
        if env_flag("SSHLINT_BLESS") {
            for (case, result) in cases.iter().zip(&oracle.results) {
                sshd::bless(case, result).map_err(|e| format!("{}: bless: {e}", case.name))?;
            }
            eprintln!("blessed expected/ of {} corpus cases", cases.len());
        }
        Ok(CorpusRun { cases, oracle })
    })
}

/// A case's findings with `"fatal": true`, or why sshlint's answer is unusable.
fn fatal_findings(out: &Output) -> Result<Vec<String>, String> {
    if !matches!(out.status, Some(0 | 1)) {
        return Err(format!("sshlint {} (expected 0 or 1)", out.status_text()));
    }
    let json: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("stdout is not JSON: {e}"))?;
    if json.get("version") != Some(&Value::from(1)) {
        return Err("JSON has no \"version\": 1".to_string());
    }
    let findings = json.get("findings").and_then(Value::as_array).ok_or("JSON has no \"findings\" array")?;
    let mut fatal = Vec::new();
    for finding in findings {
        match finding.get("fatal").and_then(Value::as_bool) {
            Some(true) => fatal.push(describe_finding(finding)),
            Some(false) => {}
            None => return Err(format!("finding without boolean \"fatal\": {finding}")),
        }
    }
    Ok(fatal)
}

fn describe_finding(f: &Value) -> String {
    let text = |key: &str| match f.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "?".to_string(),
    };
    format!(
        "{}:{}:{}: {} {} ({}{}): {}",
        text("path"),
        text("line"),
        text("column"),
        text("code"),
        text("name"),
        text("severity"),
        if f.get("fatal") == Some(&Value::Bool(true)) { ", fatal" } else { "" },
        text("message")
    )
}

/// All findings of a lint run, one line each (for reports).
fn all_findings(out: &Output) -> String {
    let parsed: Option<Value> = serde_json::from_slice(&out.stdout).ok();
    match parsed.as_ref().and_then(|j| j.get("findings")).and_then(Value::as_array) {
        Some(list) if list.is_empty() => "      (no findings)\n".to_string(),
        Some(list) => list.iter().map(|f| format!("      {}\n", describe_finding(f))).collect(),
        None => show_stream(&out.stdout),
    }
}

fn lint(root: &Path) -> Output {
    sshlint([
        "--format".as_ref(),
        "json".as_ref(),
        "--openssh".as_ref(),
        OPENSSH_VERSION.as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        root.as_os_str(),
    ])
}

fn effective(root: &Path, spec: &str) -> Output {
    let config = root.join(SSHD_CONFIG);
    let mut args =
        vec!["effective".as_ref(), "--openssh".as_ref(), OPENSSH_VERSION.as_ref(), "--root".as_ref(), root.as_os_str()];
    if !spec.is_empty() {
        args.push("--match".as_ref());
        args.push(spec.as_ref());
    }
    args.push(config.as_os_str());
    sshlint(args)
}

fn spec_label(spec: &str) -> String {
    if spec.is_empty() { "(no -C)".to_string() } else { format!("-C {spec}") }
}

fn header(case: &Case, root: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "case: {} (host root {})", case.name, root.display());
    if let Some(fixture) = &case.fixture {
        let _ = writeln!(out, "fixture: {}", fixture.display());
    }
    out.push_str("files:\n");
    out.push_str(&case.describe());
    out
}

fn show_output(title: &str, out: &Output) -> String {
    format!(
        "  {title} ({}):\n    stdout:\n{}    stderr:\n{}",
        out.status_text(),
        show_stream(&out.stdout),
        show_stream(&out.stderr)
    )
}

/// Check (a): sshd -t's verdict against sshlint's fatal findings (and `effective` refusing).
/// Returns the number of comparisons made.
fn check_validity(case: &Case, root: &Path, sshd: &SshdResult, found: &mut Found) -> usize {
    let accepted = sshd.accepted();
    let out = lint(root);
    let verdict = if accepted { "accepts" } else { "refuses" };
    let problem = match fatal_findings(&out) {
        Err(e) => Some(format!("sshlint's JSON report is unusable: {e}")),
        Ok(fatal) if accepted && !fatal.is_empty() => Some(format!(
            "sshd -t accepts, sshlint reports {} fatal finding(s), the first: {}",
            fatal.len(),
            fatal[0].rsplit_once(": ").map_or(fatal[0].as_str(), |(_, message)| message)
        )),
        Ok(fatal) if !accepted && fatal.is_empty() => {
            Some(format!("sshd -t refuses ({}), sshlint reports no fatal finding", reject_reason(&sshd.test.stderr)))
        }
        Ok(_) => None,
    };
    let mut checks = 1;
    if let Some(problem) = problem {
        let mut detail = header(case, root);
        detail.push_str(&show_output("sshd -t", &sshd.test));
        let _ = writeln!(
            detail,
            "  sshlint --format json ({}), findings:\n{}    stderr:\n{}",
            out.status_text(),
            all_findings(&out),
            show_stream(&out.stderr)
        );
        found.push((format!("{}: validity: {problem}", case.name), detail));
    }
    if !accepted {
        // The `effective` contract: a configuration sshd refuses prints nothing and exits 1.
        checks += 1;
        let eff = effective(root, "");
        if eff.status != Some(1) || !eff.stdout.is_empty() {
            let mut detail = header(case, root);
            detail.push_str(&show_output("sshd -t", &sshd.test));
            if let Some(dump) = &sshd.refused_dump {
                detail.push_str(&show_output("sshd -T", dump));
            }
            detail.push_str(&show_output("sshlint effective (should exit 1, empty stdout)", &eff));
            found.push((
                format!(
                    "{}: validity: sshd -t {verdict}, sshlint effective {} with {} bytes on stdout",
                    case.name,
                    eff.status_text(),
                    eff.stdout.len()
                ),
                detail,
            ));
        }
    }
    checks
}

/// Check (b): for each spec, `sshlint effective` against `sshd -T`. Only for accepted cases.
fn check_effective(case: &Case, root: &Path, sshd: &SshdResult, found: &mut Found) -> usize {
    let mut checks = 0;
    for (spec, dump) in case.specs.iter().zip(&sshd.dumps) {
        let Some(dump) = dump else { continue };
        checks += 1;
        let eff = effective(root, spec);
        let problem = if dump.status == Some(0) {
            if eff.status != Some(0) {
                Some(format!("sshd -T succeeds, sshlint effective {}", eff.status_text()))
            } else if eff.stdout != dump.stdout {
                Some(format!(
                    "effective configurations differ: {}",
                    support::first_difference(&dump.stdout, &eff.stdout)
                ))
            } else {
                None
            }
        } else if matches!(eff.status, Some(code) if code != 0) {
            None
        } else {
            Some(format!("sshd -T {}, sshlint effective {}", dump.status_text(), eff.status_text()))
        };
        let Some(problem) = problem else { continue };
        let mut detail = header(case, root);
        let _ = writeln!(detail, "spec: {}", spec_label(spec));
        detail.push_str(&show_output("sshd -T", dump));
        detail.push_str(&show_output("sshlint effective", &eff));
        if dump.status == Some(0) && eff.status == Some(0) {
            detail.push_str("  diff (- sshd -T, + sshlint effective):\n");
            detail.push_str(&support::unified_diff(&dump.stdout, &eff.stdout));
        }
        found.push((format!("{}: effective {}: {problem}", case.name, spec_label(spec)), detail));
    }
    checks
}

fn check_both(case: &Case, root: &Path, sshd: &SshdResult, found: &mut Found) -> usize {
    check_validity(case, root, sshd, found) + check_effective(case, root, sshd, found)
}

/// Counts and reasons, printed in every mode so a run shows what the oracle decided.
fn oracle_summary(label: &str, cases: &[Case], oracle: &OracleRun) -> String {
    let results = &oracle.results;
    let accepted = results.iter().filter(|r| r.accepted()).count();
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let (mut dumps, mut dump_failures) = (0, 0);
    for r in results {
        *by_status.entry(r.test.status_text()).or_default() += 1;
        if !r.accepted() {
            *reasons.entry(reject_reason(&r.test.stderr)).or_default() += 1;
        }
        for d in r.dumps.iter().flatten() {
            dumps += 1;
            if d.status != Some(0) {
                dump_failures += 1;
            }
        }
    }
    let mut out = format!(
        "{label}: {} cases, sshd -t accepts {accepted} and refuses {} ({by_status:?}); \
         {dumps} sshd -T dumps, {dump_failures} of them refused; sshd ran for {:.1} s\n",
        cases.len(),
        cases.len() - accepted,
        oracle.elapsed.as_secs_f64()
    );
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (reason, n) in reasons {
        let _ = writeln!(out, "  {n:>4} × {reason}");
    }
    out
}

/// The distinctive part of sshd's complaint, with file names, line numbers and values blurred.
fn reject_reason(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    // Skip the informational lines (deprecated/unsupported options) and the final count.
    let informational = |l: &str| {
        l.contains("terminating,")
            || l.contains("Deprecated option")
            || l.contains("Unsupported option")
            || l.trim_start_matches('@').is_empty()
    };
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty() && !informational(l))
        .or_else(|| text.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("(no message)");
    let line = line.split_once(": line ").map_or(line, |(_, rest)| rest);
    let line = line.split_once(": ").map_or(line, |(_, rest)| rest);
    line.split(['"', '\'']).step_by(2).collect::<Vec<_>>().join("…")
}

/// Checks of sshd's own outputs (the oracle-only mode's "validation"): every dump either
/// printed a configuration or said why not.
fn oracle_sanity(cases: &[Case], results: &[SshdResult], found: &mut Found) {
    for (case, r) in cases.iter().zip(results) {
        let mut problems = Vec::new();
        if r.test.timed_out {
            problems.push("sshd -t timed out".to_string());
        }
        if !r.accepted() && r.test.stderr.is_empty() {
            problems.push("sshd -t refused without a message".to_string());
        }
        if r.refused_dump.as_ref().is_some_and(|d| d.status == Some(0)) {
            // Not a harness problem, but the `effective` contract assumes it never happens.
            eprintln!("note: {}: sshd -t refuses but plain sshd -T succeeds", case.name);
        }
        for (spec, d) in case.specs.iter().zip(&r.dumps) {
            let Some(d) = d else { continue };
            if d.status == Some(0) && !d.stdout.starts_with(b"port ") {
                problems.push(format!("sshd -T {} printed no configuration", spec_label(spec)));
            }
            if d.status != Some(0) && d.stderr.is_empty() {
                problems.push(format!("sshd -T {} failed silently", spec_label(spec)));
            }
        }
        for p in problems {
            found.push((format!("{}: oracle: {p}", case.name), String::new()));
        }
    }
}

fn run_checks(cases: &[Case], oracle: &OracleRun, check: Check, mismatches: &mut Mismatches) -> usize {
    let items: Vec<usize> = (0..cases.len()).collect();
    let per_case = support::parallel_map(&items, |&i| {
        let mut found = Vec::new();
        let checks = check(&cases[i], &oracle.roots[i], &oracle.results[i], &mut found);
        (checks, found)
    });
    let mut checks = 0;
    for (n, found) in per_case {
        checks += n;
        for (summary, detail) in found {
            mismatches.push(summary, detail);
        }
    }
    checks
}

/// Refuses to compare against an oracle that accepts or refuses (nearly) everything: that means
/// the harness is broken (no host keys, no /run/sshd, …), not that sshlint is right.
fn assert_mix(label: &str, results: &[SshdResult], min_each: usize) {
    let accepted = results.iter().filter(|r| r.accepted()).count();
    let refused = results.len() - accepted;
    assert!(
        filtering() || (accepted >= min_each && refused >= min_each),
        "{label}: sshd -t accepted {accepted} and refused {refused} cases; expected at least \
         {min_each} of each, so the oracle setup is probably broken"
    );
}

#[test]
fn corpus_layout() {
    let cases = sshd::load_corpus().unwrap_or_else(|e| panic!("loading the corpus: {e}"));
    assert!(cases.len() >= MIN_CORPUS, "the sshd corpus has {} cases, at least {MIN_CORPUS} are required", cases.len());
    let mut problems = Vec::new();
    for case in &cases {
        if case.specs.is_empty() {
            problems.push(format!("{}: no specs", case.name));
        }
        if case.mentions_match() && (case.specs.len() < 3 || !case.specs.contains(&String::new())) {
            problems
                .push(format!("{}: mentions Match, so it needs at least 3 specs including an empty line", case.name));
        }
        for spec in case.specs.iter().filter(|s| !s.is_empty()) {
            for field in spec.split(',') {
                let key = field.split_once('=').map_or(field, |(k, _)| k);
                if !["user", "host", "addr", "laddr", "lport", "rdomain"].contains(&key) {
                    problems.push(format!("{}: spec {spec:?}: unknown field {key:?}", case.name));
                }
            }
        }
        if let Some(sshd::Entry::File(passwd)) = case.entries.get(Path::new("etc/passwd")) {
            let text = String::from_utf8_lossy(passwd);
            for user in ["root:", "sshd:"] {
                if !text.lines().any(|l| l.starts_with(user)) {
                    problems.push(format!("{}: etc/passwd lacks the {user} line sshd needs", case.name));
                }
            }
        }
        if let Some(fixture) = &case.fixture
            && !fixture.join("expected/sshd-t.txt").is_file()
        {
            problems.push(format!(
                "{}: no expected/sshd-t.txt (record what sshd says: SSHLINT_BLESS=1 \
                 SSHLINT_DIFF_ORACLE_ONLY=1 cargo test --test differential_sshd corpus)",
                case.name
            ));
        }
        if let Some(fixture) = &case.fixture
            && let Ok(readme) = std::fs::read_to_string(fixture.join("README"))
            && readme.trim().lines().count() != 1
        {
            problems.push(format!("{}: README must be one line", case.name));
        }
    }
    assert!(problems.is_empty(), "corpus problems:\n{}", problems.join("\n"));
}

#[test]
fn generator_is_reproducible() {
    for index in [0, 1, 77] {
        let a = generate_case(DEFAULT_SEED, index);
        let b = generate_case(DEFAULT_SEED, index);
        assert_eq!(a.entries, b.entries, "case {index} differs between two runs");
        assert_eq!(a.specs, b.specs);
        assert!((2..=4).contains(&a.specs.len()), "{:?}", a.specs);
    }
    assert_ne!(
        generate_case(DEFAULT_SEED, 0).entries,
        generate_case(DEFAULT_SEED ^ 1, 0).entries,
        "the seed does not change the cases"
    );
}

#[test]
fn corpus_sshd_validity() {
    if !oracle_ready("corpus_sshd_validity") {
        return;
    }
    let run = corpus_run();
    let run = run.as_ref().as_ref().unwrap_or_else(|e| panic!("corpus oracle: {e}"));
    let results = &run.oracle.results;
    eprint!("{}", oracle_summary("corpus", &run.cases, &run.oracle));
    assert_mix("corpus", results, 40);
    let mut mismatches = Mismatches::new("corpus sshd -t vs sshlint fatal findings", CORPUS_HINT);
    if oracle_only() {
        let mut found = Vec::new();
        oracle_sanity(&run.cases, results, &mut found);
        for (case, r) in run.cases.iter().zip(results) {
            let why = if r.accepted() { String::new() } else { reject_reason(&r.test.stderr) };
            eprintln!("  {:<58} {:<8} {why}", case.name, r.test.status_text());
            if !env_flag("SSHLINT_BLESS")
                && let Some(drift) = sshd::blessed_drift(case, r)
            {
                found.push((format!("{}: live sshd differs from expected/", case.name), drift));
            }
        }
        for (summary, detail) in found {
            mismatches.push(summary, detail);
        }
        mismatches.finish(run.cases.len());
        return;
    }
    let checks = run_checks(&run.cases, &run.oracle, check_validity, &mut mismatches);
    mismatches.finish(checks);
}

#[test]
fn corpus_sshd_effective() {
    if !oracle_ready("corpus_sshd_effective") {
        return;
    }
    let run = corpus_run();
    let run = run.as_ref().as_ref().unwrap_or_else(|e| panic!("corpus oracle: {e}"));
    let mut mismatches = Mismatches::new("corpus sshd -T vs sshlint effective", CORPUS_HINT);
    if oracle_only() {
        let mut found = Vec::new();
        oracle_sanity(&run.cases, &run.oracle.results, &mut found);
        for (summary, detail) in found {
            mismatches.push(summary, detail);
        }
        mismatches.finish(run.cases.len());
        return;
    }
    let checks = run_checks(&run.cases, &run.oracle, check_effective, &mut mismatches);
    mismatches.finish(checks);
}

#[test]
fn generated_configs_match_sshd() {
    if !oracle_ready("generated_configs_match_sshd") {
        return;
    }
    let seed = support::seed_from_env(DEFAULT_SEED);
    let count = env_usize("SSHLINT_DIFF_CASES", DEFAULT_GENERATED);
    eprintln!("generated cases: seed {seed:#x} (SSHLINT_DIFF_SEED), {count} cases (SSHLINT_DIFF_CASES)");
    let cases: Vec<Case> = (0..count).map(|i| generate_case(seed, i)).filter(|c| selected(&c.name)).collect();
    let keys = host_keys();
    let keys = keys.as_ref().as_ref().unwrap_or_else(|e| panic!("host keys: {e}"));
    let oracle = sshd::run_oracle(&cases, keys, "generated").unwrap_or_else(|e| panic!("generated oracle: {e}"));
    eprint!("{}", oracle_summary("generated", &cases, &oracle));
    assert_mix("generated", &oracle.results, count / 5);
    let hint = format!(
        "one case again: SSHLINT_DIFF_SEED={seed:#x} SSHLINT_DIFF_FILTER=gen-NNNNN \
         SSHLINT_DIFF_KEEP=1 cargo test --test differential_sshd generated"
    );
    let mut mismatches = Mismatches::new(&format!("generated cases (seed {seed:#x})"), &hint);
    if oracle_only() {
        let mut found = Vec::new();
        oracle_sanity(&cases, &oracle.results, &mut found);
        for (summary, detail) in found {
            mismatches.push(summary, detail);
        }
        mismatches.finish(cases.len());
        return;
    }
    let checks = run_checks(&cases, &oracle, check_both, &mut mismatches);
    mismatches.finish(checks);
}
