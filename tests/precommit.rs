//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit on a temporary
//! configuration repository, the way a user's `.pre-commit-config.yaml` runs them.
//!
//! pre-commit builds sshlint from this repository with `cargo install --path .` (a release
//! build) into its cache. The first run is `pre-commit try-repo` (how a hook author tries hooks
//! before tagging); it keeps its own throwaway cache, so the later runs go through a
//! `.pre-commit-config.yaml` pointing at this repository with one `PRE_COMMIT_HOME`. Every run
//! shares one `CARGO_TARGET_DIR` under the temporary directory, so the second install reuses
//! the first build. Uncommitted changes to tracked or staged files of this repository are
//! committed in a clone under the temporary directory first, as `try-repo` does; a clean
//! checkout is used as it is.
//!
//! The runs: a staged drop-in with an unknown keyword fails with its code and file:line; the
//! fixed drop-in passes; a staged drop-in alone that moves sshd to a port the host's firewall
//! drops fails with the finding in the firewall file (the whole host root was linted, not the
//! lone file); a staged ssh.socket drop-in is caught by both hooks (sshlint lints the host it belongs to).
//!
//! Needs `pre-commit`, `git` and `cargo` on PATH (`.ci/run` installs pre-commit from PyPI into a
//! venv). Without them the test prints why and passes, unless `SSHLINT_REQUIRE_ORACLES=1`. The
//! build runs offline (`CARGO_NET_OFFLINE=true`) from the crates this test run already fetched.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Output, TempDir, crate_root, env_flag, run_with_limit};

/// The first run builds sshlint in release mode (about two minutes on two busy cores).
const BUILD_LIMIT: Duration = Duration::from_secs(1800);
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// True when pre-commit, git and cargo can run; otherwise prints why (or fails under
/// SSHLINT_REQUIRE_ORACLES=1).
fn tools_ready(test: &str) -> bool {
    for tool in ["pre-commit", "git", "cargo"] {
        let reason = match Command::new(tool).arg("--version").output() {
            Ok(out) if out.status.success() => continue,
            Ok(out) => format!("`{tool} --version` failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
            Err(e) => format!("cannot run {tool}: {e}"),
        };
        assert!(!env_flag("SSHLINT_REQUIRE_ORACLES"), "{test}: SSHLINT_REQUIRE_ORACLES=1 but {reason}");
        eprintln!("{test}: skipped: {reason}");
        return false;
    }
    true
}

/// Runs git, pre-commit and the build with a fixed environment: no user or system git
/// configuration, a fixed identity, pre-commit's cache and the build inside `tmp`, no network.
struct Env {
    tmp: PathBuf,
}

impl Env {
    fn command(&self, program: &str, dir: &Path) -> Command {
        let mut c = Command::new(program);
        c.current_dir(dir);
        for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "SKIP"] {
            c.env_remove(var);
        }
        c.env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "sshlint test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "sshlint test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .env("PRE_COMMIT_HOME", self.tmp.join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", self.tmp.join("cargo-target"))
            .env("CARGO_NET_OFFLINE", "true");
        c
    }

    /// `git ARGS` in `dir`; fails the test unless it succeeds. Returns stdout, trimmed.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        self.git_with(dir, args, &[])
    }

    fn git_with(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> String {
        let mut c = self.command("git", dir);
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = run_with_limit(&mut c, RUN_LIMIT).unwrap_or_else(|e| panic!("git {args:?}: {e}"));
        assert!(out.status == Some(0), "git {args:?} in {}: {}\n{}", dir.display(), out.status_text(), text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `pre-commit try-repo REPO HOOK --ref REV --color never` in `dir` (the staged files).
    fn try_repo(&self, dir: &Path, repo: &Path, hook: &str, rev: &str, limit: Duration) -> Output {
        let mut c = self.command("pre-commit", dir);
        c.arg("try-repo").arg(repo).args([hook, "--ref", rev, "--color", "never"]);
        run_with_limit(&mut c, limit).unwrap_or_else(|e| panic!("pre-commit try-repo: {e}"))
    }

    /// `pre-commit run --color never ARGS` in `dir`.
    fn pre_commit(&self, dir: &Path, args: &[&str], limit: Duration) -> Output {
        let mut c = self.command("pre-commit", dir);
        c.args(["run", "--color", "never"]).args(args);
        run_with_limit(&mut c, limit).unwrap_or_else(|e| panic!("pre-commit run {args:?}: {e}"))
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// The repository and commit pre-commit should install sshlint from: this repository at HEAD,
/// or, when tracked or staged files differ from HEAD, a commit of the work tree in a clone under
/// `env.tmp` (the objects and index are written there, never into this repository).
fn sshlint_rev(env: &Env) -> (PathBuf, String) {
    let repo = crate_root();
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let mut diff = env.command("git", &repo);
    diff.env("GIT_OPTIONAL_LOCKS", "0").args(["diff", "--quiet", "--no-ext-diff", "HEAD", "--"]);
    let dirty = run_with_limit(&mut diff, RUN_LIMIT).expect("git diff").status != Some(0);
    if !dirty {
        return (repo, head);
    }
    let shadow = env.tmp.join("shadow");
    let shadow_s = shadow.to_string_lossy().into_owned();
    env.git(&env.tmp, &["clone", "-q", "--no-checkout", &repo.to_string_lossy(), &shadow_s]);
    env.git(&shadow, &["read-tree", &head]);
    let index = shadow.join(".git/index");
    let objects = shadow.join(".git/objects");
    let into_shadow = [("GIT_INDEX_FILE", index.as_path()), ("GIT_OBJECT_DIRECTORY", objects.as_path())];
    let staged = env.git(&repo, &["diff", "--cached", "--name-only", "--diff-filter=ACMR"]);
    for file in staged.lines().filter(|l| !l.is_empty()) {
        env.git_with(&repo, &["add", "--", file], &into_shadow);
    }
    env.git_with(&repo, &["add", "-u"], &into_shadow);
    let tree = env.git(&shadow, &["write-tree"]);
    let commit = env.git(&shadow, &["commit-tree", &tree, "-p", &head, "-m", "uncommitted changes"]);
    env.git(&shadow, &["update-ref", "refs/heads/shadow", &commit]);
    eprintln!("sshlint has uncommitted changes: pre-commit installs them from {shadow_s} at {commit}");
    (shadow, commit)
}

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
    }
    fs::write(&path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn assert_run(out: &Output, code: i32, what: &str, needles: &[&str]) {
    let all = text(out);
    assert!(out.status == Some(code), "{what}: expected exit {code}, got {}\n{all}", out.status_text());
    for needle in needles {
        assert!(all.contains(needle), "{what}: output lacks `{needle}`\n{all}");
    }
}

const SSHD_CONFIG: &str = "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n";
const RULES_V4: &str = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n\
-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
const DROP_IN: &str = "hosts/web/etc/ssh/sshd_config.d/10-admin.conf";

#[test]
fn hooks_lint_staged_host_files_with_their_host() {
    let test = "hooks_lint_staged_host_files_with_their_host";
    if !tools_ready(test) {
        return;
    }
    let tmp = TempDir::new("precommit").expect("temp dir");
    let env = Env { tmp: tmp.path().to_path_buf() };
    let (repo, rev) = sshlint_rev(&env);

    let work = tmp.path().join("work");
    fs::create_dir(&work).expect("mkdir work");
    env.git(&work, &["init", "-q"]);
    let config = format!(
        "repos:\n  - repo: '{}'\n    rev: {rev}\n    hooks:\n      - id: sshlint\n      - id: sshlint-hosts\n",
        repo.display()
    );
    write(&work, ".pre-commit-config.yaml", &config);
    write(&work, "hosts/web/etc/ssh/sshd_config", SSHD_CONFIG);
    write(&work, "hosts/web/etc/iptables/rules.v4", RULES_V4);
    write(&work, DROP_IN, "# admins log in with keys\nPermitRootLogn no\n");
    env.git(&work, &["add", "-A"]);

    // 1. The staged drop-in's unknown keyword, reported at its line, through `try-repo`. This
    // run builds sshlint; the configured run after it installs from the same build.
    let start = Instant::now();
    let out = env.try_repo(&work, &repo, "sshlint", &rev, BUILD_LIMIT);
    eprintln!("{test}: try-repo (release build by pre-commit included): {:.1?}", start.elapsed());
    assert_run(&out, 1, "unknown keyword (try-repo)", &["SSHD001", &format!("{DROP_IN}:2:"), "(1 host)"]);
    let start = Instant::now();
    let out = env.pre_commit(&work, &["sshlint"], BUILD_LIMIT);
    eprintln!("{test}: first configured run (install from the shared build): {:.1?}", start.elapsed());
    assert_run(&out, 1, "unknown keyword", &["SSHD001", &format!("{DROP_IN}:2:"), "(1 host)"]);

    // 2. Fixed and staged: passes.
    write(&work, DROP_IN, "# admins log in with keys\nPermitRootLogin no\n");
    env.git(&work, &["add", "-A"]);
    let start = Instant::now();
    let out = env.pre_commit(&work, &["sshlint"], RUN_LIMIT);
    eprintln!("{test}: a run with the hook installed: {:.1?}", start.elapsed());
    assert_run(&out, 0, "fixed drop-in", &["Passed"]);
    env.git(&work, &["commit", "-q", "-m", "web: sshd and firewall"]);

    // 3. Only the drop-in is staged; the finding is in the host's firewall: the whole host root
    // was linted.
    write(&work, DROP_IN, "# admins log in with keys\nPermitRootLogin no\nPort 2222\n");
    env.git(&work, &["add", DROP_IN]);
    let out = env.pre_commit(&work, &["sshlint"], RUN_LIMIT);
    assert_run(&out, 1, "drop-in moving the port", &["FW101", "hosts/web/etc/iptables/rules.v4:2:", "(1 host)"]);
    env.git(&work, &["reset", "-q", "--hard"]);

    // 4. An ssh.socket drop-in that moves the port: the `sshlint` hook passes it and sshlint
    // lints the host it belongs to; `sshlint-hosts` (the whole repository) catches it too.
    let socket = "hosts/web/etc/systemd/system/ssh.socket.d/port.conf";
    write(&work, "hosts/web/usr/lib/systemd/system/ssh.socket", "[Socket]\nListenStream=22\nAccept=no\n");
    let wants = work.join("hosts/web/etc/systemd/system/sockets.target.wants");
    fs::create_dir_all(&wants).expect("mkdir wants");
    std::os::unix::fs::symlink("/usr/lib/systemd/system/ssh.socket", wants.join("ssh.socket")).expect("symlink");
    write(&work, socket, "[Socket]\nListenStream=\nListenStream=2222\n");
    env.git(&work, &["add", "-A"]);
    let out = env.pre_commit(&work, &["sshlint"], RUN_LIMIT);
    assert_run(&out, 1, "socket drop-in, sshlint hook", &["FW101", "SSHD107", &format!("{socket}:3:"), "(1 host)"]);
    let out = env.pre_commit(&work, &["sshlint-hosts"], RUN_LIMIT);
    assert_run(&out, 1, "socket drop-in, sshlint-hosts hook", &["FW101", "SSHD107", &format!("{socket}:3:")]);
}
