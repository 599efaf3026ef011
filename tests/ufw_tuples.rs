//! FW203 (`ufw-rules-out-of-sync`) and the tuple model against the real ufw: a scratch host root
//! is seeded with ufw's packaged rules templates and a few application profiles, a set of `ufw`
//! commands writes `user.rules`/`user6.rules` (`ufw --rootdir=/ --datadir=SCRATCH …`, inside
//! `unshare -n` because the CLI probes iptables and must not touch the host's), and then:
//!
//! - every tuple ufw wrote reads without a note, and the lines sshlint expands it to are exactly
//!   the lines ufw wrote under it;
//! - FW203 is silent on the files;
//! - after a hand-added rule line (user.rules) and a malformed tuple with its line (user6.rules),
//!   FW203 reports exactly those two lines, and one more `ufw` command really drops them;
//! - what ufw writes around the rules (header, `### LOGGING ###` at every log level and policy,
//!   `### RATE LIMITING ###`) is exactly `ufw_tuple::frame`, `ufw default …` on a disabled
//!   firewall leaves the file alone (FW203 stays silent on the stale logging lines), and hand
//!   edits there and lines moved out of tuple order are reported and undone by the next command,
//!   while whole tuples moved with their lines keep their new order;
//! - the `ufw …` command FW203 suggests for a hand-written line makes ufw write that rule;
//! - service names listed for udp only resolve (ufw's `getservbyname` takes any protocol);
//! - without /etc/ufw/applications.d every command fails and FW203 says so.
//!
//! The scratch root gets the machine's /etc/services, which the real ufw reads.
//!
//! Needs root, ufw 0.36 (`/usr/sbin/ufw`, `/usr/share/ufw/iptables/`) and a working
//! `unshare -n`; otherwise the test is skipped with the reason printed, or fails when
//! `SSHLINT_REQUIRE_ORACLES=1`.

use serde_json::Value;
use sshlint::discover::HostRoot;
use sshlint::model::firewall::Firewall;
use sshlint::model::firewall::ufw_tuple::{LogLevel, frame};
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
    "allow Zeroconf",
    "allow mdns",
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
    [Samba]\ntitle=SMB\ndescription=Samba\nports=137,138/udp|139,445/tcp\n\n\
    [Zeroconf]\ntitle=mDNS\ndescription=Service names listed for udp only\nports=mdns/udp\n";

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

fn seed(label: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("sshlint-ufw-tuples-{label}-{}", std::process::id()));
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
    fs::copy("/etc/services", s.0.join("etc/services")).expect("copy /etc/services");
    s
}

/// Run ufw commands in one private network namespace, stopping at the first that fails:
/// whether all succeeded, and what they printed.
fn ufw_run(root: &Path, commands: &[&str]) -> (bool, String) {
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
    (
        out.status.success(),
        format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

/// Run ufw commands; panics with ufw's output on failure.
fn ufw(root: &Path, commands: &[&str]) {
    let (ok, output) = ufw_run(root, commands);
    assert!(ok, "ufw failed:\n{output}");
}

/// FW203's findings as (file name, line, message).
fn fw203(root: &Path) -> Vec<(String, u64, String)> {
    fw203_full(root).into_iter().map(|(f, l, m, _)| (f, l, m)).collect()
}

/// FW203's findings as (file name, line, message, help).
fn fw203_full(root: &Path) -> Vec<(String, u64, String, String)> {
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
            (
                name,
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_string(),
                f["help"].as_str().unwrap_or("").to_string(),
            )
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
    let s = seed("commands");
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

/// Skip (or fail with `SSHLINT_REQUIRE_ORACLES=1`) when the real ufw cannot run.
fn oracle_or_skip(test: &str) -> bool {
    if let Some(reason) = oracle_missing() {
        assert!(!flag("SSHLINT_REQUIRE_ORACLES"), "oracle required: {reason}");
        println!("skipping {test}: {reason}");
        return false;
    }
    true
}

/// The 1-based line of the first line of `file` equal to `line`.
fn line_of(root: &Path, file: &str, line: &str) -> u64 {
    let text = fs::read_to_string(root.join("etc/ufw").join(file)).expect("rules file");
    text.lines().position(|l| l == line).unwrap_or_else(|| panic!("`{line}` not in {file}")) as u64 + 1
}

/// Each user rules file is exactly the frame for `level` and `blocks` around its tuples, each
/// a blank line, the tuple and the lines sshlint expands it to.
fn check_frame(root: &Path, level: LogLevel, blocks: [bool; 3]) {
    let mut sources = SourceMap::default();
    let fw = Firewall::from_root(&HostRoot::new(root), &[], &mut sources);
    let ufw = fw.ufw.as_ref().expect("ufw model");
    assert_eq!(ufw.user.len(), 2);
    for f in &ufw.user {
        let text = fs::read_to_string(root.join("etc/ufw").join(&f.name)).expect("rules file");
        let lines: Vec<&str> = text.lines().collect();
        let frame = frame(f.v6, level, blocks);
        let mut want: Vec<String> = frame.head.clone();
        for t in &f.tuples {
            let rule = t.outcome.as_ref().unwrap_or_else(|e| panic!("{}: ufw's own tuple is skipped: {e:?}", f.name));
            want.push(String::new());
            want.push(lines[t.line].to_string());
            want.extend(rule.lines());
        }
        want.extend(frame.tail.iter().cloned());
        assert_eq!(lines, want, "{} at LOGLEVEL={} and blocking policies {blocks:?}", f.name, level.as_str());
    }
}

#[test]
fn frame_agrees_with_real_ufw_at_every_log_level_and_policy() {
    if !oracle_or_skip("frame_agrees_with_real_ufw_at_every_log_level_and_policy") {
        return;
    }
    let s = seed("frame");
    let root = s.0.as_path();
    ufw(root, &["allow 22/tcp", "limit 2222/tcp", "deny from 10.0.0.0/8", "allow log 8080/tcp"]);
    let default_policies = [true, false, true];
    for level in LogLevel::ALL {
        ufw(root, &[&format!("logging {}", level.as_str())]);
        check_frame(root, level, default_policies);
        assert_eq!(fw203(root), Vec::new(), "FW203 at LOGLEVEL={}", level.as_str());
    }
    // `ufw default` on a disabled firewall rewrites /etc/default/ufw and after.rules, not the
    // user rules: their logging lines stay those of the old policies, and FW203 lets them be.
    let before = fs::read_to_string(root.join("etc/ufw/user.rules")).expect("user.rules");
    ufw(root, &["default allow incoming", "default reject outgoing", "default allow routed"]);
    assert_eq!(fs::read_to_string(root.join("etc/ufw/user.rules")).expect("user.rules"), before);
    assert_eq!(fw203(root), Vec::new(), "FW203 on logging lines of the old policies");
    for level in [LogLevel::Medium, LogLevel::Low] {
        ufw(root, &[&format!("logging {}", level.as_str())]);
        check_frame(root, level, [false, true, false]);
        assert_eq!(fw203(root), Vec::new(), "FW203 at LOGLEVEL={} with other policies", level.as_str());
    }
}

#[test]
fn hand_edits_around_the_rules_and_reordered_lines_are_dropped() {
    if !oracle_or_skip("hand_edits_around_the_rules_and_reordered_lines_are_dropped") {
        return;
    }
    let s = seed("frame-edits");
    let root = s.0.as_path();
    ufw(root, &["allow 22/tcp", "deny from 10.0.0.0/8", "limit 2222/tcp", "allow 80/tcp", "allow 443/tcp"]);
    const DECL: &str = ":sshlint-extra - [0:0]";
    const LOGGING: &str = "-A ufw-after-logging-input -p tcp --dport 4444 -j ACCEPT";
    const ALLOW_22: &str = "-A ufw-user-input -p tcp --dport 22 -j ACCEPT";
    const DENY_10: &str = "-A ufw-user-input -s 10.0.0.0/8 -j DROP";
    let user = root.join("etc/ufw/user.rules");
    let text = fs::read_to_string(&user).expect("user.rules");
    let edited = text
        .replacen(":ufw-user-limit-accept - [0:0]\n", &format!(":ufw-user-limit-accept - [0:0]\n{DECL}\n"), 1)
        .replacen("### END LOGGING ###", &format!("{LOGGING}\n### END LOGGING ###"), 1)
        .replacen("-A ufw-user-limit -j REJECT\n", "-A ufw-user-limit -j DROP\n", 1)
        // The deny of the second tuple moved above the first tuple's allow.
        .replacen(&format!("{DENY_10}\n"), "", 1)
        .replacen(&format!("{ALLOW_22}\n"), &format!("{DENY_10}\n{ALLOW_22}\n"), 1);
    fs::write(&user, edited).expect("write user.rules");
    // In user6.rules the last tuple, with its line, moved to the top: ufw keeps that order.
    let user6 = root.join("etc/ufw/user6.rules");
    let text = fs::read_to_string(&user6).expect("user6.rules");
    let block = "\n### tuple ### allow tcp 443 ::/0 any ::/0 in\n-A ufw6-user-input -p tcp --dport 443 -j ACCEPT\n";
    assert!(text.contains(block), "{text}");
    let moved = text.replacen(block, "\n", 1).replacen("### RULES ###\n", &format!("### RULES ###\n{block}"), 1);
    fs::write(&user6, &moved).expect("write user6.rules");

    let found = fw203(root);
    let at: Vec<(&str, u64)> = found.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    let want = vec![
        ("user.rules", line_of(root, "user.rules", DECL)),
        ("user.rules", line_of(root, "user.rules", DENY_10)),
        ("user.rules", line_of(root, "user.rules", LOGGING)),
        ("user.rules", line_of(root, "user.rules", "-A ufw-user-limit -j DROP")),
    ];
    assert_eq!(at, want, "{found:#?}");
    assert!(found[1].2.contains("swap precedence"), "{}", found[1].2);
    assert!(found[2].2.contains("sshd") || found[2].2.contains("tcp port 4444"), "{}", found[2].2);
    assert!(found[3].2.contains("`-A ufw-user-limit -j REJECT`"), "{}", found[3].2);

    // What FW203 predicts: the next rule change of both families undoes every edit of
    // user.rules and keeps the tuple order of user6.rules.
    ufw(root, &["allow 7777/tcp"]);
    let after = fs::read_to_string(&user).expect("user.rules");
    for gone in [DECL, LOGGING, "-A ufw-user-limit -j DROP"] {
        assert!(!after.contains(gone), "ufw kept `{gone}`");
    }
    assert!(after.contains("-A ufw-user-limit -j REJECT\n"));
    let allow = after.find(ALLOW_22).expect("allow 22");
    let deny = after.find(DENY_10).expect("deny 10/8");
    assert!(allow < deny, "ufw kept the hand-made order");
    let after6 = fs::read_to_string(&user6).expect("user6.rules");
    assert!(after6.starts_with(&moved[..moved.find("### tuple ### allow tcp 22 ").expect("tuple 22")]), "{after6}");
    assert_eq!(fw203(root), Vec::new(), "FW203 after ufw rewrote the files");
    check_frame(root, LogLevel::Low, [true, false, true]);
}

#[test]
fn suggested_commands_write_the_hand_made_rule() {
    if !oracle_or_skip("suggested_commands_write_the_hand_made_rule") {
        return;
    }
    let s = seed("suggest");
    let root = s.0.as_path();
    ufw(root, &["allow 22/tcp"]);
    // A hand-written line and the line ufw writes for the suggested command (`None`: FW203
    // must not suggest one, ufw would write another rule).
    let cases: &[(&str, Option<&str>)] = &[
        (
            "-A ufw-user-input -j ACCEPT --protocol tcp --destination-port \"4444\"",
            Some("-A ufw-user-input -p tcp --dport 4444 -j ACCEPT"),
        ),
        (
            "-A ufw-user-input -p tcp -m multiport --dports 5000,5001,6000:6010 --source 10.9.0.0/16 -j ACCEPT",
            Some("-A ufw-user-input -p tcp -m multiport --dports 5000,5001,6000:6010 -s 10.9.0.0/16 -j ACCEPT"),
        ),
        (
            "-A ufw-user-input -i eth1 -p udp --dport 5353 -j DROP",
            Some("-A ufw-user-input -i eth1 -p udp --dport 5353 -j DROP"),
        ),
        ("-A ufw-user-input -s 192.0.2.99 -j DROP", Some("-A ufw-user-input -s 192.0.2.99 -j DROP")),
        (
            "-A ufw-user-input -p 6 --dport 4445 -j REJECT --reject-with tcp-reset",
            Some("-A ufw-user-input -p tcp --dport 4445 -j REJECT --reject-with tcp-reset"),
        ),
        ("-A ufw-user-input -p udp --dport 4446 -j REJECT", Some("-A ufw-user-input -p udp --dport 4446 -j REJECT")),
        (
            "-A ufw-user-input -p tcp -m tcp --dport 4449: -j ACCEPT",
            Some("-A ufw-user-input -p tcp -m multiport --dports 4449:65535 -j ACCEPT"),
        ),
        (
            "-A ufw-user-input -i eth2 -s 198.51.100.0/24 -j ACCEPT",
            Some("-A ufw-user-input -i eth2 -s 198.51.100.0/24 -j ACCEPT"),
        ),
        ("-A ufw-user-input -p tcp --dport 4447 -j REJECT", None),
        ("-A ufw-user-input ! -s 10.0.0.0/8 -p tcp --dport 4448 -j ACCEPT", None),
        ("-A ufw-user-input -p tcp --dport 4450 -m conntrack --ctstate NEW -j ACCEPT", None),
    ];
    let user = root.join("etc/ufw/user.rules");
    let text = fs::read_to_string(&user).expect("user.rules");
    let hand: String = cases.iter().map(|(l, _)| format!("{l}\n")).collect();
    fs::write(&user, text.replacen("\n### END RULES ###", &format!("\n{hand}### END RULES ###"), 1))
        .expect("write user.rules");
    let found = fw203_full(root);
    assert_eq!(found.len(), cases.len(), "{found:#?}");
    let mut commands = Vec::new();
    for ((_, _, message, help), (line, want)) in found.iter().zip(cases) {
        assert!(message.starts_with(&format!("`{line}` is not generated by any")), "{message}");
        let cmd = help.split('`').nth(1).unwrap_or("");
        match want {
            Some(_) => {
                let cmd = cmd.strip_prefix("ufw ").unwrap_or_else(|| panic!("{line}: no suggestion in `{help}`"));
                assert!(!cmd.contains('…'), "{line}: no suggestion in `{help}`");
                commands.push(cmd.to_string());
            }
            None => assert_eq!(cmd, "ufw allow …", "{line}: suggested `{cmd}`"),
        }
    }
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    ufw(root, &commands);
    let after = fs::read_to_string(&user).expect("user.rules");
    let written: Vec<&str> = after.lines().collect();
    for (line, want) in cases {
        if let Some(want) = want {
            assert!(written.contains(want), "`{line}`: ufw did not write `{want}`:\n{after}");
        }
    }
    assert_eq!(fw203(root), Vec::new(), "FW203 after ufw rewrote the files");
}

#[test]
fn udp_only_service_names_and_missing_profiles_directory() {
    if !oracle_or_skip("udp_only_service_names_and_missing_profiles_directory") {
        return;
    }
    let s = seed("services");
    let root = s.0.as_path();
    ufw(root, &["allow OpenSSH", "allow 22/tcp"]);
    // `isakmp` is 500/udp only; ufw's getservbyname(name) reads it for a tcp tuple too.
    const TUPLE: &str = "### tuple ### allow tcp isakmp 0.0.0.0/0 any 0.0.0.0/0 in";
    const LINE: &str = "-A ufw-user-input -p tcp --dport 500 -j ACCEPT";
    let user = root.join("etc/ufw/user.rules");
    let text = fs::read_to_string(&user).expect("user.rules");
    fs::write(&user, text.replacen("\n### END RULES ###", &format!("\n{TUPLE}\n{LINE}\n\n### END RULES ###"), 1))
        .expect("write user.rules");
    assert_eq!(fw203(root), Vec::new(), "FW203 on a tuple with a udp-only service name");
    ufw(root, &["allow 7777/tcp"]);
    let after = fs::read_to_string(&user).expect("user.rules");
    assert!(
        after.contains("### tuple ### allow tcp 500 0.0.0.0/0 any 0.0.0.0/0 in\n") && after.contains(LINE),
        "{after}"
    );

    // Without the profiles directory every command fails, status included.
    fs::remove_dir_all(root.join("etc/ufw/applications.d")).expect("remove applications.d");
    for cmd in ["status", "allow 7778/tcp", "logging low"] {
        let (ok, output) = ufw_run(root, &[cmd]);
        assert!(!ok && output.contains("ERROR: Profiles directory does not exist"), "`ufw {cmd}`: {output}");
    }
    let found = fw203(root);
    let at: Vec<(&str, u64)> = found.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    let tuple = "### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 OpenSSH - in";
    let tuple6 = "### tuple ### allow tcp 22 ::/0 any ::/0 OpenSSH - in";
    assert_eq!(
        at,
        vec![("user.rules", line_of(root, "user.rules", tuple)), ("user6.rules", line_of(root, "user6.rules", tuple6))],
        "{found:#?}"
    );
    assert!(found.iter().all(|(_, _, m)| m.contains("Profiles directory does not exist")), "{found:#?}");
}
