//! FW203 (`ufw-rules-out-of-sync`) and the tuple model against the real ufw: a scratch host root
//! is seeded with ufw's packaged rules templates and a few application profiles, a set of `ufw`
//! commands writes `user.rules`/`user6.rules` (`ufw --rootdir=/ --datadir=SCRATCH …`, inside
//! `unshare -n` because the CLI probes iptables and must not touch the host's), and then:
//!
//! - every tuple ufw wrote reads without a note, and the lines sshlint expands it to are exactly
//!   the lines ufw wrote under it;
//! - FW203 is silent on the files;
//! - after a hand-added rule line (user.rules) and a malformed tuple with its line (user6.rules),
//!   FW203 reports exactly those two lines, and one more `ufw` command really drops them.
//!
//! Needs root, ufw 0.36 (`/usr/sbin/ufw`, `/usr/share/ufw/iptables/`) and a working
//! `unshare -n`; otherwise the test is skipped with the reason printed, or fails when
//! `SSHLINT_REQUIRE_ORACLES=1`.

use serde_json::Value;
use sshlint::discover::HostRoot;
use sshlint::model::firewall::Firewall;
use sshlint::source::SourceMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `ufw` arguments (shell words), covering allow/deny/reject/limit, ports, ranges, lists,
/// proto any/tcp/udp and portless protocols, addresses of both families, interfaces, out,
/// route, applications (destination and source, multi-spec, proto any), comments, log and
/// log-all, insert/prepend and delete.
const COMMANDS: &[&str] = &[
    "allow 22/tcp",
    "allow 2222/tcp comment 'ssh on 2222'",
    "deny 23",
    "reject 24/tcp",
    "reject 25",
    "limit 2200/tcp",
    "limit 2223",
    "allow 6000:6010/tcp",
    "allow 80,443/tcp",
    "allow from 10.0.0.0/8",
    "allow from 192.0.2.1 to any port 22 proto tcp",
    "deny from 198.51.100.0/24 to any port 22",
    "allow in on eth0 to any port 2022",
    "allow out 53/udp",
    "deny out on eth1 to 203.0.113.0/24",
    "allow OpenSSH",
    "allow in on eth0 from 192.168.1.0/24 to any app OpenSSH comment 'admin lan'",
    "allow from 10.1.0.0/16 app 'WWW Full'",
    "allow Samba",
    "allow DNS",
    "deny log from 10.5.0.0/16 to any app OpenSSH",
    "allow log 8080/tcp",
    "allow log-all 8081",
    "limit log 8083/tcp",
    "reject log-all 9000/tcp",
    "allow from 2001:db8:1::5 to 2001:db8:2::/64 port 443 proto tcp",
    "allow proto tcp from any port 1024:2000 to any port 22",
    "allow from 1.2.3.4 port 53 proto udp",
    "allow proto esp from 198.51.100.1",
    "route allow in on eth1 out on eth0 to 10.0.0.5 port 22 proto tcp",
    "route limit in on eth2 to any port 8443 proto tcp",
    "insert 1 deny from 203.0.113.7",
    "prepend deny from 2001:db8:dead::1",
    "delete allow 80,443/tcp",
];

const PROFILES: &str = "[WWW Full]\ntitle=Web Server (HTTP,HTTPS)\ndescription=Web\nports=80,443/tcp\n\n\
    [DNS]\ntitle=DNS\ndescription=Domain name service\nports=53\n\n\
    [Samba]\ntitle=SMB\ndescription=Samba\nports=137,138/udp|139,445/tcp\n";

const HAND_LINE: &str = "-A ufw-user-input -p tcp --dport 4444 -j ACCEPT";
const BAD_TUPLE: &str = "### tuple ### allow tcp 5555 ::/0 any";
const BAD_TUPLE_LINE: &str = "-A ufw6-user-input -p tcp --dport 5555 -j ACCEPT";

fn flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| v == "1")
}

fn oracle_missing() -> Option<String> {
    if !Path::new("/usr/sbin/ufw").is_file() || !Path::new("/usr/share/ufw/iptables/user.rules").is_file() {
        return Some("ufw is not installed (/usr/sbin/ufw, /usr/share/ufw/iptables/)".into());
    }
    if !fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
        return Some("needs root (ufw refuses to run otherwise)".into());
    }
    let unshare = Command::new("unshare").args(["-n", "true"]).status();
    if !unshare.is_ok_and(|s| s.success()) {
        return Some("`unshare -n` does not work here (ufw probes iptables and must not touch the host's)".into());
    }
    None
}

/// A scratch host root, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn seed() -> Scratch {
    let dir = std::env::temp_dir().join(format!("sshlint-ufw-tuples-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let s = Scratch(dir);
    for d in ["etc/ufw/applications.d", "etc/default", "lib/ufw"] {
        fs::create_dir_all(s.0.join(d)).expect("mkdir");
    }
    for f in fs::read_dir("/usr/share/ufw/iptables").expect("ufw templates") {
        let f = f.expect("dir entry").path();
        if f.extension().is_some_and(|e| e == "rules") {
            fs::copy(&f, s.0.join("etc/ufw").join(f.file_name().expect("name"))).expect("copy template");
        }
    }
    fs::write(s.0.join("etc/ufw/ufw.conf"), "ENABLED=no\nLOGLEVEL=low\n").expect("ufw.conf");
    fs::write(
        s.0.join("etc/default/ufw"),
        "IPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\nDEFAULT_FORWARD_POLICY=\"DROP\"\nDEFAULT_APPLICATION_POLICY=\"SKIP\"\nMANAGE_BUILTINS=no\n",
    )
    .expect("default/ufw");
    fs::write(
        s.0.join("etc/ufw/applications.d/openssh-server"),
        "[OpenSSH]\ntitle=Secure shell server, an rshd replacement\ndescription=OpenSSH\nports=22/tcp\n",
    )
    .expect("profile");
    fs::write(s.0.join("etc/ufw/applications.d/sshlint-test"), PROFILES).expect("profiles");
    s
}

/// Run ufw commands in one private network namespace; panics with ufw's output on failure.
fn ufw(root: &Path, commands: &[&str]) {
    let mut script = String::from("set -e\n");
    for c in commands {
        script.push_str(&format!("/usr/sbin/ufw --rootdir=/ --datadir='{}' {c}\n", root.display()));
    }
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .expect("run unshare");
    assert!(
        out.status.success(),
        "ufw failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// FW203's findings as (file name, line, message).
fn fw203(root: &Path) -> Vec<(String, u64, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sshlint"))
        .args(["--format", "json", "--select", "FW203", "--root"])
        .arg(root)
        .output()
        .expect("run sshlint");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap_or("");
            let name = path.rsplit('/').next().unwrap_or("").to_string();
            (name, f["line"].as_u64().unwrap_or(0), f["message"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

/// Every tuple reads cleanly and expands to exactly the lines ufw wrote below it.
fn check_expansions(root: &Path) -> usize {
    let mut sources = SourceMap::default();
    let fw = Firewall::from_root(&HostRoot::new(root), &[], &mut sources);
    let ufw = fw.ufw.as_ref().expect("ufw model");
    let mut checked = 0;
    for f in &ufw.user {
        let text = fs::read_to_string(root.join("etc/ufw").join(&f.name)).expect("rules file");
        let lines: Vec<&str> = text.lines().collect();
        for t in &f.tuples {
            let rule = t.outcome.as_ref().unwrap_or_else(|e| panic!("{}: ufw's own tuple is skipped: {e:?}", f.name));
            assert!(t.notes.is_empty(), "{}: notes on ufw's own tuple: {:?}", f.name, t.notes);
            let written: Vec<&str> =
                lines.iter().skip(t.line + 1).take_while(|l| l.starts_with('-')).copied().collect();
            assert_eq!(rule.lines(), written, "{}: tuple `{}`", f.name, lines[t.line]);
            checked += 1;
        }
    }
    checked
}

#[test]
fn fw203_agrees_with_real_ufw() {
    if let Some(reason) = oracle_missing() {
        assert!(!flag("SSHLINT_REQUIRE_ORACLES"), "oracle required: {reason}");
        println!("skipping ufw_tuples: {reason}");
        return;
    }
    let s = seed();
    let root = s.0.as_path();
    ufw(root, COMMANDS);
    let tuples = check_expansions(root);
    assert!(tuples >= 40, "only {tuples} tuples written");
    assert_eq!(fw203(root), Vec::new(), "FW203 on files written by ufw");

    // Hand edits: a rule line in user.rules, a malformed tuple with its line in user6.rules.
    let user = root.join("etc/ufw/user.rules");
    let text = fs::read_to_string(&user).expect("user.rules");
    let edited = text.replacen("\n### END RULES ###", &format!("\n{HAND_LINE}\n### END RULES ###"), 1);
    let hand_line = edited.lines().position(|l| l == HAND_LINE).expect("hand line") as u64 + 1;
    fs::write(&user, edited).expect("write user.rules");
    let user6 = root.join("etc/ufw/user6.rules");
    let text = fs::read_to_string(&user6).expect("user6.rules");
    let edited =
        text.replacen("\n### END RULES ###", &format!("\n{BAD_TUPLE}\n{BAD_TUPLE_LINE}\n\n### END RULES ###"), 1);
    let bad_line = edited.lines().position(|l| l == BAD_TUPLE).expect("bad tuple") as u64 + 1;
    fs::write(&user6, edited).expect("write user6.rules");
    let found = fw203(root);
    let at: Vec<(&str, u64)> = found.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    assert_eq!(at, vec![("user.rules", hand_line), ("user6.rules", bad_line)], "{found:#?}");
    assert!(found[0].2.contains("4444"), "{}", found[0].2);
    assert!(found[1].2.contains("malformed") && found[1].2.contains("the line below it"), "{}", found[1].2);

    // What FW203 predicts: the next rule change drops both.
    ufw(root, &["allow 7777/tcp"]);
    let after = fs::read_to_string(&user).expect("user.rules") + &fs::read_to_string(&user6).expect("user6.rules");
    for gone in [HAND_LINE, BAD_TUPLE, BAD_TUPLE_LINE] {
        assert!(!after.contains(gone), "ufw kept `{gone}`");
    }
    assert_eq!(fw203(root), Vec::new(), "FW203 after ufw rewrote the files");
    assert_eq!(check_expansions(root), tuples + 2);
}
