//! `sshlint.toml` and suppressions through the binary: discovery (upward, `--config`,
//! `--isolated`, `.sshlint.toml`), every configuration error exiting 2 with an excerpt of the
//! file, precedence (file, per-path overrides, command line), `[[suppress]]` entries, inline
//! suppressions in each format's comment syntax, SL001 and SL004, and `sshlint init`.

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::Path;

/// `sshlint ARGS…` run in `dir`.
fn lint_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = sshlint(args);
    cmd.current_dir(dir);
    let out = run(cmd, None);
    out.assert_no_crash();
    out
}

/// JSON findings as `(code, path suffix after the temp dir, line)`.
fn found(out: &Output) -> BTreeSet<(String, String, u64)> {
    let doc = out.json();
    check_doc(&doc, &out.what);
    doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["code"].as_str().unwrap_or_default().to_string(),
                        f["path"].as_str().unwrap_or_default().to_string(),
                        f["line"].as_u64().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn has(found: &BTreeSet<(String, String, u64)>, code: &str, path_end: &str, line: u64) -> bool {
    found.iter().any(|(c, p, l)| c == code && p.ends_with(path_end) && *l == line)
}

fn codes(found: &BTreeSet<(String, String, u64)>) -> BTreeSet<&str> {
    found.iter().map(|(c, _, _)| c.as_str()).collect()
}

const ROOT_LOGIN: &str = "PermitRootLogin yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n";

/// A repository with one host whose sshd_config permits root login (SSHD401, opt-in).
fn repo(config: Option<&str>, sshd: &str) -> TempDir {
    let t = TempDir::new("config");
    t.write("hosts/web/etc/ssh/sshd_config", sshd);
    if let Some(c) = config {
        t.write("sshlint.toml", c);
    }
    t
}

/// Run over `hosts/` in the repository with JSON output.
fn lint_repo(t: &TempDir, extra: &[&str]) -> Output {
    let mut args = vec!["--openssh", "9.2", "--format", "json", "hosts"];
    args.extend_from_slice(extra);
    lint_in(t.path(), &args)
}

#[test]
fn the_configuration_is_found_upward_and_selects_rules() {
    let t = repo(Some("select = [\"SSHD401\"]\nfail-on = \"warning\"\n"), ROOT_LOGIN);
    let out = lint_repo(&t, &[]);
    assert_eq!(codes(&found(&out)), BTreeSet::from(["SSHD401"]), "{}", out.stdout());
    assert_eq!(out.code(), Some(1), "fail-on warning from the file");
    // From a subdirectory, naming the host root directly: still found upward.
    let out = lint_in(&t.join("hosts"), &["--openssh", "9.2", "--format", "json", "web"]);
    assert_eq!(codes(&found(&out)), BTreeSet::from(["SSHD401"]));
    // --isolated ignores it; --fail-on on the command line wins.
    let out = lint_repo(&t, &["--isolated"]);
    assert!(!codes(&found(&out)).contains("SSHD401"));
    let out = lint_repo(&t, &["--fail-on", "error"]);
    assert_eq!(out.code(), Some(0));
    // --select on the command line replaces the file's.
    let out = lint_repo(&t, &["--select", "SSHD402"]);
    assert!(codes(&found(&out)).is_empty(), "{}", out.stdout());
}

#[test]
fn dot_file_explicit_file_and_two_files() {
    let t = repo(None, ROOT_LOGIN);
    t.write(".sshlint.toml", "select = [\"SSHD401\"]\n");
    assert_eq!(codes(&found(&lint_repo(&t, &[]))), BTreeSet::from(["SSHD401"]));
    t.write("other.toml", "select = [\"SSHD4\"]\nignore = [\"SSHD401\"]\n");
    let out = lint_repo(&t, &["--config", "other.toml"]);
    assert!(!codes(&found(&out)).contains("SSHD401"));
    t.write("sshlint.toml", "");
    let out = lint_repo(&t, &[]);
    assert_eq!(out.code(), Some(2));
    assert!(out.stderr().contains("both"), "{}", out.stderr());
    let out = lint_repo(&t, &["--config", "missing.toml"]);
    assert_eq!(out.code(), Some(2));
    assert!(out.stderr().contains("missing.toml"), "{}", out.stderr());
}

/// Each configuration error: exit 2, the message, and an excerpt pointing at the right text.
#[test]
fn configuration_errors_exit_2_with_a_span() {
    let cases: &[(&str, &str, &str)] = &[
        ("select = [\n", "unclosed array", "1:"),
        ("selct = []\n", "unknown field `selct`", "1:1"),
        ("select = [\"SSHD999\"]\n", "`SSHD999` names no rule", "1:11"),
        ("ignore = [\"no-such-rule\"]\n", "`no-such-rule` names no rule", "1:11"),
        ("admin-sources = [\"10.0.0.0/8\", \"300.1.1.1\"]\n", "`300.1.1.1` is not an address or CIDR", "1:32"),
        ("admin-sources = [\"2001:db8::/129\"]\n", "is not an address or CIDR", "1:18"),
        ("select = [\"SSHD102\"]\nignore = [\"SSHD102\"]\n", "`SSHD102` is both selected and ignored", "2:11"),
        ("fail-on = \"fatal\"\n", "`fatal` is not", "1:11"),
        ("openssh = \"7.4\"\n", "`7.4` is not a modelled OpenSSH release", "1:11"),
        ("[severity]\nSSHD102 = \"loud\"\n", "`loud` is not a severity", "2:11"),
        ("[severity]\nSSHD9 = \"info\"\n", "`SSHD9` names no rule", "2:1"),
        ("[[suppress]]\nrule = \"SSHD401\"\n", "missing field `reason`", "1:1"),
        ("[[suppress]]\nrule = \"SSHD4\"\nreason = \"x\"\n", "`SSHD4` names no rule", "2:8"),
        ("[[suppress]]\nrule = \"SSHD401\"\nreason = \" \"\n", "the reason is empty", "3:10"),
        ("[[overrides]]\npaths = [\"hosts/**\"]\nfail-on = \"info\"\n", "unknown field `fail-on`", "3:1"),
        ("[[overrides]]\nignore = [\"SSHD401\"]\n", "has no `paths`", "1:1"),
        ("[[overrides]]\npaths = [\"/etc/**\"]\n", "`/etc/**` is absolute", "2:10"),
        ("crypto-profile = \"paranoid\"\n", "`paranoid` is not a crypto profile", "1:18"),
        ("hardening = \"yes\"\n", "invalid type", "1:13"),
    ];
    for (text, message, at) in cases {
        let t = repo(Some(text), ROOT_LOGIN);
        let out = lint_repo(&t, &["--color", "never"]);
        assert_eq!(out.code(), Some(2), "{text:?}: exit\n{}", out.stderr());
        let err = out.stderr();
        assert!(err.contains(message), "{text:?}: message {message:?} in\n{err}");
        assert!(err.contains(&format!("sshlint.toml:{at}")), "{text:?}: excerpt at {at} in\n{err}");
        assert!(out.stdout.is_empty(), "{text:?}: nothing on stdout");
    }
    // Several errors in one file are all reported.
    let t = repo(Some("select = [\"NOPE\"]\nadmin-sources = [\"x\"]\n"), ROOT_LOGIN);
    let err = lint_repo(&t, &["--color", "never"]).stderr();
    assert!(err.contains("`NOPE` names no rule") && err.contains("`x` is not an address"), "{err}");
    // The command line's own conflicts are usage errors too.
    let t = repo(None, ROOT_LOGIN);
    let out = lint_repo(&t, &["--select", "SSHD401", "--ignore", "sshd401"]);
    assert_eq!(out.code(), Some(2));
    assert!(out.stderr().contains("both --select and --ignore"), "{}", out.stderr());
}

#[test]
fn overrides_apply_to_the_hosts_they_match() {
    let t = repo(
        Some(concat!(
            "select = [\"SSHD401\", \"SSHD402\"]\n",
            "[[overrides]]\npaths = [\"hosts/legacy/**\"]\nignore = [\"SSHD401\"]\n",
            "[overrides.severity]\nSSHD402 = \"error\"\n",
        )),
        "PermitRootLogin yes\nPasswordAuthentication yes\n",
    );
    t.write("hosts/legacy/etc/ssh/sshd_config", "PermitRootLogin yes\nPasswordAuthentication yes\n");
    let out = lint_repo(&t, &[]);
    let f = found(&out);
    assert!(has(&f, "SSHD401", "web/etc/ssh/sshd_config", 1), "{f:?}");
    assert!(!has(&f, "SSHD401", "legacy/etc/ssh/sshd_config", 1), "{f:?}");
    let doc = out.json();
    let severity = |host: &str| {
        doc["findings"]
            .as_array()
            .and_then(|a| {
                a.iter().find(|x| x["code"] == "SSHD402" && x["path"].as_str().is_some_and(|p| p.contains(host)))
            })
            .map(|x| x["severity"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(severity("web"), Some("warning".into()));
    assert_eq!(severity("legacy"), Some("error".into()), "the override's [severity] applies there only");
    assert_eq!(out.code(), Some(1));
}

#[test]
fn configured_suppressions_and_unused_ones() {
    let t = repo(
        Some(concat!(
            "select = [\"SSHD4\", \"SL\"]\n",
            "[[suppress]]\nrule = \"root-login-permitted\"\npaths = [\"hosts/web/**\"]\nreason = \"lab\"\n",
            "[[suppress]]\nrule = \"SSHD402\"\npaths = [\"hosts/nowhere/**\"]\nreason = \"typo\"\n",
            "[[suppress]]\nrule = \"SSHD201\"\nreason = \"rule not selected: not reported\"\n",
        )),
        "PermitRootLogin yes\nPasswordAuthentication no\n",
    );
    let out = lint_repo(&t, &[]);
    let f = found(&out);
    assert!(!codes(&f).contains("SSHD401"), "{f:?}");
    assert!(has(&f, "SL001", "sshlint.toml", 6), "{f:?}");
    assert_eq!(f.iter().filter(|x| x.0 == "SL001").count(), 1, "{f:?}");
    let doc = out.json();
    let kinds: Vec<&str> =
        doc["files"].as_array().map_or(Vec::new(), |a| a.iter().filter_map(|x| x["kind"].as_str()).collect());
    assert!(kinds.contains(&"sshlint-config"), "{kinds:?}");
}

/// The same suppression comment in each format's own comment syntax.
#[test]
fn inline_suppressions_in_every_format() {
    let t = TempDir::new("inline");
    // sshd_config: the line above, and at the end of the line.
    t.write(
        "etc/ssh/sshd_config",
        "# sshlint: ignore[SSHD401] console-only lab host\nPermitRootLogin yes\nX11Forwarding yes # sshlint: ignore[x11-forwarding-enabled] needed by the lab\n",
    );
    // iptables-save: a line comment above the rule (iptables-restore has no trailing comments).
    t.write(
        "etc/iptables/rules.v4",
        "*filter\n:INPUT ACCEPT [0:0]\n# sshlint: ignore[FW101] out-of-band access only\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n",
    );
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "--select", "all,hardening", "."]);
    let f = found(&out);
    for code in ["SSHD401", "SSHD405", "FW101", "SL001", "SL004"] {
        assert!(!codes(&f).contains(code), "{code} in {f:?}");
    }
    // Without the comments the same findings are there.
    let bare = TempDir::new("inline-bare");
    bare.write("etc/ssh/sshd_config", "PermitRootLogin yes\nX11Forwarding yes\n");
    bare.write("etc/iptables/rules.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n");
    let out = lint_in(bare.path(), &["--openssh", "9.2", "--format", "json", "--select", "all,hardening", "."]);
    let f = found(&out);
    for code in ["SSHD401", "SSHD405", "FW101"] {
        assert!(codes(&f).contains(code), "{code} in {f:?}");
    }
}

#[test]
fn xml_and_file_level_suppressions() {
    let t = TempDir::new("xml");
    t.write("etc/ssh/sshd_config", "Port 2222\n");
    t.write("etc/firewalld/firewalld.conf", "DefaultZone=public\n");
    t.write(
        "etc/firewalld/zones/public.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- sshlint: ignore-file[FW104] port 22 stays open for the old jump host -->\n<zone>\n  <short>Public</short>\n  <service name=\"ssh\"/>\n</zone>\n",
    );
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "."]);
    let f = found(&out);
    assert!(!codes(&f).contains("FW104") && !codes(&f).contains("SL001"), "{f:?}");
    t.write(
        "etc/firewalld/zones/public.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<zone>\n  <short>Public</short>\n  <service name=\"ssh\"/>\n</zone>\n",
    );
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "."]);
    assert!(codes(&found(&out)).contains("FW104"), "{}", out.stdout());
}

#[test]
fn unused_and_invalid_inline_suppressions() {
    let t = TempDir::new("unused");
    t.write(
        "etc/ssh/sshd_config",
        concat!(
            "# sshlint: ignore[SSHD401] root logs in with a key only\n",
            "PermitRootLogin no\n",
            "# sshlint: ignore SSHD405\n",
            "X11Forwarding yes\n",
            "# sshlint: ignore[SSHD405]\n",
            "X11Forwarding yes\n",
            "# sshlint: ignore[NOPE1] r\n",
            "Port 22\n",
            "# sshlint: ignore-file[SSHD401] too late\n",
        ),
    );
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "--select", "all,hardening", "."]);
    let f = found(&out);
    assert!(has(&f, "SL001", "sshd_config", 1), "{f:?}");
    assert!(has(&f, "SL004", "sshd_config", 3), "malformed: {f:?}");
    assert!(has(&f, "SSHD405", "sshd_config", 4), "a malformed comment suppresses nothing: {f:?}");
    assert!(has(&f, "SL004", "sshd_config", 5), "no reason: {f:?}");
    assert!(!has(&f, "SSHD405", "sshd_config", 6), "still applies without a reason: {f:?}");
    assert!(has(&f, "SL004", "sshd_config", 7), "unknown code: {f:?}");
    assert!(has(&f, "SL004", "sshd_config", 9), "misplaced ignore-file: {f:?}");
    // Not reported as unused when the rule does not run.
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "."]);
    assert!(!has(&found(&out), "SL001", "sshd_config", 1));
    // SL001 can itself be ignored.
    let out =
        lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "--select", "all,hardening", "--ignore", "SL"]);
    assert!(!codes(&found(&out)).iter().any(|c| c.starts_with("SL")));
}

#[test]
fn init_writes_the_defaults_and_never_overwrites() {
    let t = TempDir::new("init");
    let out = lint_in(t.path(), &["init"]);
    assert_eq!(out.code(), Some(0), "{}", out.stderr());
    let written = std::fs::read_to_string(t.join("sshlint.toml")).unwrap_or_default();
    for key in [
        "select",
        "ignore",
        "fail-on",
        "openssh",
        "users",
        "admin-sources",
        "hardening",
        "crypto-profile",
        "[severity]",
        "[[overrides]]",
        "[[suppress]]",
    ] {
        assert!(written.contains(key), "{key} in\n{written}");
    }
    let out = lint_in(t.path(), &["init"]);
    assert_eq!(out.code(), Some(2));
    assert_eq!(std::fs::read_to_string(t.join("sshlint.toml")).unwrap_or_default(), written);
    let out = lint_in(t.path(), &["init", "-"]);
    assert_eq!(out.stdout(), written);
    // The written file is a valid configuration that changes nothing.
    t.write("etc/ssh/sshd_config", ROOT_LOGIN);
    let with = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "."]);
    let without = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "--isolated", "."]);
    assert_eq!(with.code(), without.code());
    assert_eq!(found(&with), found(&without));
}

#[test]
fn effective_and_trace_take_the_target_release_from_the_file() {
    let t = repo(Some("openssh = \"9.2\"\n"), "Port 22\n");
    let run_effective = |extra: &[&str]| {
        let mut args = vec!["effective", "--root", "hosts/web"];
        args.extend_from_slice(extra);
        let out = lint_in(t.path(), &args);
        assert_eq!(out.code(), Some(0), "{}", out.stderr());
        out.stdout()
    };
    let from_file = run_effective(&[]);
    assert_eq!(from_file, run_effective(&["--openssh", "9.2"]));
    assert_ne!(from_file, run_effective(&["--openssh", "10.5"]), "the releases print different settings");
    assert_eq!(run_effective(&["--isolated"]), run_effective(&["--openssh", "10.5"]), "no package database: newest");
    t.write("sshlint.toml", "openssh = \"1.0\"\n");
    let out = lint_in(t.path(), &["trace", "--root", "hosts/web", "--from", "192.0.2.1"]);
    assert_eq!(out.code(), Some(2), "{}", out.stderr());
    assert!(out.stderr().contains("`1.0` is not a modelled OpenSSH release"), "{}", out.stderr());
}

#[test]
fn suppressions_in_authorized_keys() {
    let t = TempDir::new("keys");
    t.write("etc/ssh/sshd_config", "PasswordAuthentication no\n");
    t.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n");
    t.write("etc/group", "root:x:0:\nalice:x:1000:\n");
    let keys = "ssh-ed25519 not-base64 alice@old-laptop\n";
    t.write("home/alice/.ssh/authorized_keys", keys);
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "--select", "KEYS,SL", "."]);
    assert!(has(&found(&out), "KEYS001", "authorized_keys", 1), "{}", out.stdout());
    t.write(
        "home/alice/.ssh/authorized_keys",
        format!("# sshlint: ignore[KEYS001] the laptop is being retired\n{keys}"),
    );
    let out = lint_in(t.path(), &["--openssh", "9.2", "--format", "json", "--select", "KEYS,SL", "."]);
    assert!(codes(&found(&out)).is_empty(), "{}", out.stdout());
}
