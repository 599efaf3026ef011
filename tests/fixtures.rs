//! Rule fixtures: `fixtures/rules/<rule-name>[-<variant>]/` holds a host root (`root/`), the extra
//! command-line arguments the case needs (`args`, one line, may be empty) and the rendered human
//! output (`expected.txt`) of
//!
//! ```text
//! sshlint --openssh 9.2 --color never --root root --select <CODE> <args>
//! ```
//!
//! run inside the fixture directory, followed by `exit: N`. An `args` line that names its own
//! `--openssh` replaces the default 9.2 (SSHD206 only exists from 9.8 on).
//!
//! A fixture belongs to the rule whose name is its directory name or the longest rule name that
//! prefixes it followed by `-`. Fixtures ending in `-pass` show the fixed configuration and must
//! not report their rule; every other fixture must report it, and every rule in the catalogue
//! must have such a fixture.
//!
//! Git keeps no file modes but `+x`, and sshd (so sshlint) cares about the modes of host keys.
//! Each host root is therefore copied to a temporary directory with the modes a package install
//! gives: directories 0755, files 0644, private host keys (`ssh_host_*_key`) 0600.
//!
//! A fixture may add a `modes` file: one line per entry, `PATH MODE [UID:GID]` (PATH relative to
//! the root, MODE octal), applied after the copy, for the rules about owners and modes. Owners
//! need root; without it, fixtures that set owners are skipped with a printed reason.
//!
//! `SSHLINT_BLESS=1 cargo test --test fixtures` rewrites the `expected.txt` files.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const DEFAULT_OPENSSH: &str = "9.2";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sshlint")
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

fn blessing() -> bool {
    std::env::var_os("SSHLINT_BLESS").is_some_and(|v| v == "1")
}

/// `(code, name)` of every rule, from `sshlint rules` (a row starts in the first column;
/// indented lines continue the previous row's summary).
fn catalogue() -> Vec<(String, String)> {
    let out = Command::new(bin()).arg("rules").output().expect("run `sshlint rules`");
    assert!(out.status.success(), "`sshlint rules` failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("`sshlint rules` prints UTF-8")
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .collect()
}

/// The rule a fixture directory exercises: its name, or the longest rule name followed by `-`.
fn rule_for<'a>(dir: &str, rules: &'a [(String, String)]) -> Option<&'a (String, String)> {
    rules
        .iter()
        .filter(|(_, name)| dir == name || dir.strip_prefix(name.as_str()).is_some_and(|rest| rest.starts_with('-')))
        .max_by_key(|(_, name)| name.len())
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("sshlint-{label}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Copy a fixture's host root, giving every entry the mode a package install would.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let mut entries: Vec<_> = fs::read_dir(from).expect("read fixture dir").map(|e| e.expect("dir entry")).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&src, &dst);
        } else if kind.is_file() {
            fs::copy(&src, &dst).expect("copy fixture file");
            let name = entry.file_name().to_string_lossy().into_owned();
            let private_host_key = name.starts_with("ssh_host_") && name.ends_with("_key");
            let mode = if private_host_key { 0o600 } else { 0o644 };
            fs::set_permissions(&dst, fs::Permissions::from_mode(mode)).expect("chmod file");
        } else {
            panic!("{}: fixtures hold only files and directories (git keeps nothing else)", src.display());
        }
    }
}

/// A `modes` line: path below the root, mode, owner (uid, gid).
type ModeLine = (String, u32, Option<(u32, u32)>);

struct Fixture {
    dir: PathBuf,
    name: String,
    code: String,
    rule: String,
    pass: bool,
}

impl Fixture {
    fn args(&self) -> Vec<String> {
        let text = fs::read_to_string(self.dir.join("args")).unwrap_or_default();
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let args = lines.next().unwrap_or("").split_whitespace().map(str::to_string).collect();
        assert!(lines.next().is_none(), "{}/args: one line of arguments", self.name);
        args
    }

    /// The command line, as shown in failure reports.
    fn command_line(&self) -> Vec<String> {
        let extra = self.args();
        let mut argv = Vec::new();
        if !extra.iter().any(|a| a == "--openssh" || a.starts_with("--openssh=")) {
            argv.extend(["--openssh".to_string(), DEFAULT_OPENSSH.to_string()]);
        }
        argv.extend(["--color", "never", "--root", "root", "--select"].map(str::to_string));
        argv.push(self.code.clone());
        argv.extend(extra);
        argv
    }

    /// The `modes` manifest: (path below the root, mode, owner).
    fn modes(&self) -> Vec<ModeLine> {
        let text = fs::read_to_string(self.dir.join("modes")).unwrap_or_default();
        let bad = |l: &str| -> ! { panic!("{}/modes: `{l}` is not `PATH MODE [UID:GID]`", self.name) };
        text.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                let mode = w.get(1).and_then(|m| u32::from_str_radix(m, 8).ok()).unwrap_or_else(|| bad(l));
                let owner = w.get(2).map(|o| {
                    let (u, g) = o.split_once(':').unwrap_or_else(|| bad(l));
                    (u.parse().unwrap_or_else(|_| bad(l)), g.parse().unwrap_or_else(|_| bad(l)))
                });
                (w[0].to_string(), mode, owner)
            })
            .collect()
    }

    /// Whether the fixture can run here (owners need root).
    fn runnable(&self) -> bool {
        let root = fs::read_to_string("/proc/self/status")
            .is_ok_and(|s| s.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0")));
        root || self.modes().iter().all(|(_, _, owner)| owner.is_none())
    }

    /// Run the binary over a mode-normalised copy of the host root; stdout then `exit: N`
    /// (stderr, when there is any, after a `stderr:` line).
    fn run(&self) -> String {
        let work = TempDir::new(&format!("fixture-{}", self.name));
        copy_tree(&self.dir.join("root"), &work.0.join("root"));
        for (path, mode, owner) in self.modes() {
            let target = work.0.join("root").join(&path);
            fs::set_permissions(&target, fs::Permissions::from_mode(mode)).expect("chmod from modes");
            if let Some((uid, gid)) = owner {
                std::os::unix::fs::chown(&target, Some(uid), Some(gid)).expect("chown from modes");
            }
        }
        let out = Command::new(bin())
            .args(self.command_line())
            .current_dir(&work.0)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .output()
            .expect("run sshlint");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.stderr.is_empty() {
            text.push_str("stderr:\n");
            text.push_str(&String::from_utf8_lossy(&out.stderr));
        }
        let code = out.status.code().map_or_else(|| format!("{:?}", out.status), |c| c.to_string());
        let _ = writeln!(text, "exit: {code}");
        text
    }
}

fn fixtures(rules: &[(String, String)]) -> Vec<Fixture> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .expect("read fixtures/rules")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().and_then(|n| n.to_str()).expect("UTF-8 fixture name").to_string();
            let (code, rule) = rule_for(&name, rules)
                .unwrap_or_else(|| panic!("fixtures/rules/{name}: no rule is named like this directory"))
                .clone();
            assert!(dir.join("root").is_dir(), "fixtures/rules/{name}: no root/ directory");
            let pass = name.ends_with("-pass");
            Fixture { dir, name, code, rule, pass }
        })
        .collect()
}

/// A line diff (longest common subsequence) with three lines of context around each change.
fn diff(expected: &str, actual: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let near_change = |k: usize| ops[k.saturating_sub(3)..(k + 4).min(ops.len())].iter().any(|(op, _)| *op != ' ');
    let mut out = String::from("--- expected.txt\n+++ actual\n");
    let mut skipped = false;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near_change(k) {
            let _ = writeln!(out, "{op}{line}");
            skipped = false;
        } else if !skipped {
            out.push_str("  …\n");
            skipped = true;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the files differ in the final newline)\n");
    }
    out
}

#[test]
fn fixtures_render_as_expected() {
    let rules = catalogue();
    assert!(!rules.is_empty(), "`sshlint rules` listed no rule");
    let fixtures = fixtures(&rules);
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for fx in &fixtures {
        if !fx.runnable() {
            println!("fixtures/rules/{}: skipped: its `modes` file sets owners, which needs root", fx.name);
            outputs.push((fx, fs::read_to_string(fx.dir.join("expected.txt")).unwrap_or_default()));
            continue;
        }
        let actual = fx.run();
        let path = fx.dir.join("expected.txt");
        if blessing() {
            fs::write(&path, &actual).expect("write expected.txt");
        } else {
            let expected = fs::read_to_string(&path).unwrap_or_default();
            if expected != actual {
                let cmd = fx.command_line().join(" ");
                failures.push(format!(
                    "fixtures/rules/{}: output differs\n  (cd fixtures/rules/{} && sshlint {cmd})\n{}",
                    fx.name,
                    fx.name,
                    diff(&expected, &actual)
                ));
            }
        }
        let tag = format!("{}({})", fx.code, fx.rule);
        if fx.pass && actual.contains(&tag) {
            failures.push(format!("fixtures/rules/{}: a -pass fixture reports {tag}", fx.name));
        }
        if !fx.pass && !actual.contains(&tag) {
            failures.push(format!("fixtures/rules/{}: {tag} is not reported", fx.name));
        }
        outputs.push((fx, fs::read_to_string(&path).unwrap_or_default()));
    }
    for (code, name) in &rules {
        let tag = format!("{code}({name})");
        if !outputs.iter().any(|(fx, expected)| !fx.pass && fx.code == *code && expected.contains(&tag)) {
            failures.push(format!("{code} {name}: no fixture's expected.txt reports it (add fixtures/rules/{name}/)"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) in {} fixtures (`SSHLINT_BLESS=1 cargo test --test fixtures` rewrites expected.txt):\n\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn fixture_names_map_to_rules() {
    let rules = vec![
        ("SSHD201".to_string(), "maxstartups-too-low".to_string()),
        ("SSHD202".to_string(), "persource-maxstartups-too-low".to_string()),
        ("SSHD102".to_string(), "user-locked-out".to_string()),
    ];
    let code = |dir: &str| rule_for(dir, &rules).map(|(c, _)| c.as_str());
    assert_eq!(code("maxstartups-too-low"), Some("SSHD201"));
    assert_eq!(code("persource-maxstartups-too-low-pass"), Some("SSHD202"));
    assert_eq!(code("user-locked-out-authorized-keys"), Some("SSHD102"));
    assert_eq!(code("user-locked-outside"), None);
}

#[test]
fn diff_shows_changed_lines_with_context() {
    let d = diff("a\nb\nc\nd\ne\nf\ng\nh\ni\n", "a\nb\nc\nd\nE\nf\ng\nh\ni\n");
    assert!(d.contains("-e\n+E\n"), "{d}");
    assert!(d.contains(" b\n") && !d.contains(" a\n"), "{d}");
}
