//! Tests about the rule catalogue itself rather than any one rule:
//! - the list of codes and names is pinned (codes are a contract and never reused);
//! - codes and names are well formed, and every rule documents the fixed sections;
//! - every finding's message and help follow STYLE.md (over every fixture and a set of inline
//!   configurations, with every rule selected, opt-in ones included);
//! - `rules.md` matches `sshlint rules --format markdown` (`SSHLINT_BLESS=1` rewrites it).

use serde_json::Value;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Every rule code and name. Add a row for a new rule; never remove or rename one (a retired
/// code moves to `RETIRED` and is not given to another rule).
const RULES: &[(&str, &str)] = &[
    ("SSHD001", "unknown-keyword"),
    ("SSHD002", "invalid-value"),
    ("SSHD003", "directive-not-allowed-in-match"),
    ("SSHD004", "invalid-match"),
    ("SSHD005", "deprecated-keyword"),
    ("SSHD006", "include-problem"),
    ("SSHD007", "unsatisfiable-authentication-methods"),
    ("SSHD008", "invalid-socket-unit"),
    ("SSHD101", "commented-out-port"),
    ("SSHD102", "user-locked-out"),
    ("SSHD103", "no-usable-login-method"),
    ("SSHD104", "listen-loopback-only"),
    ("SSHD105", "directive-shadowed"),
    ("SSHD106", "match-never-matches"),
    ("SSHD107", "port-ignored-by-socket"),
    ("SSHD201", "maxstartups-too-low"),
    ("SSHD202", "persource-maxstartups-too-low"),
    ("SSHD203", "maxsessions-too-low"),
    ("SSHD204", "maxauthtries-too-low"),
    ("SSHD205", "logingracetime-too-low"),
    ("SSHD206", "per-source-penalties-risk"),
    ("SSHD301", "weak-algorithm"),
    ("SSHD302", "no-common-algorithm"),
    ("SSHD303", "host-key-unusable"),
    ("SSHD401", "root-login-permitted"),
    ("SSHD402", "password-authentication-enabled"),
    ("SSHD403", "empty-passwords-permitted"),
    ("SSHD404", "strict-modes-disabled"),
    ("SSHD405", "x11-forwarding-enabled"),
    ("SSHD406", "hostbased-authentication-enabled"),
    ("SSHD407", "ignore-rhosts-disabled"),
    ("SSHD408", "maxauthtries-too-high"),
    ("SSHD409", "client-alive-disabled"),
    ("SSHD410", "logingracetime-too-high"),
    ("SSHD411", "user-environment-permitted"),
    ("FW001", "firewall-syntax-error"),
    ("FW002", "undefined-chain"),
    ("FW003", "chain-loop"),
    ("FW004", "invalid-target-use"),
    ("FW010", "firewalld-invalid-config"),
    ("FW011", "firewalld-unknown-reference"),
    ("FW012", "firewalld-bad-default-zone"),
    ("FW013", "firewalld-conflicting-binding"),
    ("FW101", "ssh-port-blocked"),
    ("FW102", "ssh-port-reset"),
    ("FW103", "ssh-port-rate-limited"),
    ("FW104", "ssh-port-mismatch"),
    ("FW105", "admin-source-blocked"),
    ("FW106", "ssh-port-redirected"),
    ("FW201", "unreachable-rule"),
    ("FW202", "firewall-not-enabled"),
    ("FW203", "ufw-rules-out-of-sync"),
    ("FW204", "competing-firewalls"),
    ("PERM001", "home-dir-writable"),
    ("PERM002", "ssh-dir-permissions"),
    ("PERM003", "authorized-keys-permissions"),
    ("PERM004", "private-key-permissions"),
    ("PERM005", "host-key-permissions"),
    ("PERM006", "sshd-config-permissions"),
    ("KEYS001", "authorized-keys-syntax"),
    ("KEYS002", "authorized-key-rejected"),
    ("KEYS003", "weak-authorized-key"),
    ("ACCT001", "allowed-user-unknown"),
    ("ACCT002", "login-user-without-shell"),
    ("ACCT003", "passwd-syntax"),
    ("SL001", "unused-suppression"),
    ("SL002", "unreadable-file"),
    ("SL003", "invalid-utf8"),
    ("SL004", "invalid-suppression"),
];

/// Codes that once named a rule and may not be used again.
const RETIRED: &[&str] = &[];

/// Findings known to break the message style, as `(code, start of message)`. Each entry is a
/// bug to fix in the rule; the test fails once an entry no longer occurs, so the list only
/// shrinks.
const KNOWN_STYLE_VIOLATIONS: &[(&str, &str)] = &[];

/// Rules whose `## What it does` is still a placeholder, not a sentence (same rule: fix and
/// remove the entry).
const KNOWN_PLACEHOLDER_DOCS: &[&str] = &[];

/// Sections every rule's documentation has, in this order.
const DOC_SECTIONS: &[&str] =
    &["## What it does", "## Why is this bad?", "## Example", "Use instead:", "## References"];

/// Configurations linted from standard input (no host root) besides the fixtures, chosen to
/// reach messages the fixtures do not: global variants, defaults, odd values.
const INLINE_CONFIGS: &[&[u8]] = &[
    b"PubkeyAuthentication no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n",
    b"PermitRootLogin prohibit-password\nPubkeyAuthentication no\nPasswordAuthentication yes\n",
    b"PermitRootLogin no\nAllowUsers bob\nDenyUsers alice\n",
    b"Port 22\nPort 99999\nPort\n",
    b"Include sshd_config\nInclude /etc/ssh/missing.d/*.conf\n",
    b"MaxStartups 1:2:3\nMaxStartups 4\nMaxStartups 10:30\n",
    b"Match User\n  X11Forwarding no\nMatch all User bob\n  X11Forwarding no\n",
    b"Match Address 10.0.0.0/33\n  X11Forwarding no\nMatch LocalPort abc\n  X11Forwarding no\n",
    b"Match User alice\n  Port 2222\n  ListenAddress 0.0.0.0\n  UsePAM no\n",
    b"ListenAddress [::1]:22\nListenAddress 127.0.0.1\n",
    b"Ciphers -*\nMACs -*\nKexAlgorithms diffie-hellman-group1-sha1\nHostKeyAlgorithms ssh-dss\n",
    b"AuthenticationMethods password\nPasswordAuthentication no\n",
    b"AuthenticationMethods publickey,password any\n",
    b"PasswordAuthentication no\nMatch User bob\n  AuthenticationMethods password\n",
    b"Banner \"unterminated\n",
    b"UsePrivilegeSeparation yes\nUseLogin no\nProtocol 2\nPermitRootLogn yes\n",
    b"PasswordAuthentication maybe\nLogLevel LOUD\nClientAliveInterval -1\n",
    b"PerSourceMaxStartups 0\nMaxSessions 0\nMaxAuthTries 0\nLoginGraceTime 1\n",
    b"LoginGraceTime 0\nPermitUserEnvironment LANG,LC_*\nStrictModes no\nIgnoreRhosts no\n",
    b"HostbasedAuthentication yes\nX11Forwarding yes\nPermitEmptyPasswords yes\nMaxAuthTries 10\n",
    b"KexAlgorithms +diffie-hellman-group-exchange-sha1\nMACs +hmac-md5\n",
    b"Subsystem sftp a\nSubsystem sftp b\n",
    b"#Port 2222\n# Port 2200\nPerSourceNetBlockSize 16:48\n",
    b"Match User !root,!admin\n  X11Forwarding no\nMatch LocalPort 2222\n  X11Forwarding no\n",
    b"PasswordAuthentication yes\nPasswordAuthentication no\n",
    b"Port 22\n# Passw\xf6rter\n",
];

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sshlint")
}

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn blessing() -> bool {
    std::env::var_os("SSHLINT_BLESS").is_some_and(|v| v == "1")
}

/// Run the binary; stdout as text, or a panic with its stderr.
fn sshlint(args: &[&str], stdin: Option<&[u8]>) -> (String, i32) {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sshlint");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for sshlint");
    let code = out.status.code().unwrap_or(-1);
    assert!(code != 2, "sshlint {args:?} failed (exit 2): {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8(out.stdout).expect("sshlint prints UTF-8"), code)
}

/// `(code, name)` of every rule, from the first two columns of `sshlint rules` (indented lines
/// continue a row's summary).
fn listed_rules() -> Vec<(String, String)> {
    sshlint(&["rules"], None)
        .0
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .filter_map(|l| {
            let mut cols = l.split_whitespace();
            Some((cols.next()?.to_string(), cols.next()?.to_string()))
        })
        .collect()
}

fn well_formed_code(code: &str) -> bool {
    let prefixes = ["SSHD", "FW", "PERM", "KEYS", "ACCT", "SL"];
    prefixes.iter().any(|p| {
        code.strip_prefix(p).is_some_and(|digits| digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

#[test]
fn rule_list_is_pinned() {
    let listed = listed_rules();
    let pinned: Vec<(String, String)> = RULES.iter().map(|&(c, n)| (c.to_string(), n.to_string())).collect();
    let mut problems = Vec::new();
    for (code, name) in &listed {
        match pinned.iter().find(|(c, _)| c == code) {
            None if RETIRED.contains(&code.as_str()) => {
                problems.push(format!("{code} ({name}) reuses a retired code: pick a new one"));
            }
            None => problems.push(format!("{code} ({name}) is new: add it to RULES in tests/meta.rs")),
            Some((_, pinned_name)) if pinned_name != name => problems.push(format!(
                "{code} was `{pinned_name}` and is now `{name}`: names are part of the contract (--select, JSON)"
            )),
            Some(_) => {}
        }
    }
    for (code, name) in &pinned {
        if !listed.iter().any(|(c, _)| c == code) {
            problems.push(format!(
                "{code} ({name}) disappeared: codes are never removed or reused (move it to RETIRED if it must go)"
            ));
        }
    }
    let order: Vec<&String> = listed.iter().map(|(c, _)| c).collect();
    let pinned_order: Vec<&String> = pinned.iter().map(|(c, _)| c).filter(|c| order.contains(c)).collect();
    if problems.is_empty() && order != pinned_order {
        problems.push(format!("the catalogue is no longer in code order: {order:?}"));
    }
    assert!(problems.is_empty(), "the rule catalogue changed:\n  {}", problems.join("\n  "));
}

#[test]
fn codes_and_names_are_well_formed() {
    for (code, name) in listed_rules() {
        assert!(well_formed_code(&code), "{code}: codes are SSHD|FW|PERM|KEYS|ACCT|SL and three digits");
        assert!(kebab_case(&name), "{code} `{name}`: names are kebab-case");
    }
    assert!(well_formed_code("FW101") && !well_formed_code("SSHD01") && !well_formed_code("XX001"));
    assert!(kebab_case("user-locked-out") && !kebab_case("User-locked") && !kebab_case("a--b"));
}

#[test]
fn every_rule_documents_the_fixed_sections() {
    let mut problems = Vec::new();
    let mut placeholders = Vec::new();
    for (code, name) in listed_rules() {
        let text = sshlint(&["explain", &code], None).0;
        let title = format!("# {code} `{name}`");
        if text.lines().next() != Some(title.as_str()) {
            problems.push(format!("{code}: `sshlint explain` does not start with `{title}`"));
        }
        // Sections are matched on trimmed lines: doc comments keep the space after `///`.
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let mut from = 0;
        for section in DOC_SECTIONS {
            match lines[from..].iter().position(|l| l == section) {
                Some(i) => from += i + 1,
                None => problems.push(format!("{code}: no `{section}` line (in order) in `sshlint explain {code}`")),
            }
        }
        let what = lines
            .iter()
            .skip_while(|l| **l != "## What it does")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        if what.split_whitespace().count() < 2 {
            placeholders.push(code.clone());
        }
        let by_name = sshlint(&["explain", &name], None).0;
        if by_name != text {
            problems.push(format!("{code}: `sshlint explain {name}` differs from `sshlint explain {code}`"));
        }
    }
    for code in &placeholders {
        if !KNOWN_PLACEHOLDER_DOCS.contains(&code.as_str()) {
            problems.push(format!("{code}: `## What it does` is not a sentence"));
        }
    }
    for code in KNOWN_PLACEHOLDER_DOCS {
        if !placeholders.iter().any(|c| c == code) {
            problems.push(format!("{code}: its documentation is fixed; remove it from KNOWN_PLACEHOLDER_DOCS"));
        }
    }
    assert!(problems.is_empty(), "rule documentation:\n  {}", problems.join("\n  "));
}

/// What is wrong with a finding's wording, if anything (STYLE.md: messages start lower-case
/// and end without a period; help is imperative and ends without a period).
fn style_problems(f: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let message = f["message"].as_str().unwrap_or("");
    if message.is_empty() {
        out.push("empty message".to_string());
    }
    if message.starts_with(|c: char| c.is_ascii_uppercase()) {
        out.push("message starts with an upper-case letter".to_string());
    }
    if message.ends_with('.') {
        out.push("message ends with a period".to_string());
    }
    if let Some(help) = f["help"].as_str() {
        if !help.starts_with(|c: char| c.is_ascii_alphabetic() || c == '`') {
            out.push("help does not start with a letter or a backtick".to_string());
        }
        if help.ends_with('.') {
            out.push("help ends with a period".to_string());
        }
    }
    out
}

#[test]
fn style_check_catches_bad_wording() {
    let f = |message: &str, help: Value| serde_json::json!({"message": message, "help": help});
    assert!(style_problems(&f("`Port` is `0`: nothing listens", "use a port".into())).is_empty());
    assert!(style_problems(&f("`a` b", Value::Null)).is_empty());
    assert_eq!(style_problems(&f("Port is 0.", "(use a port).".into())).len(), 4);
}

/// Every JSON report the message-style test looks at: each fixture with its own arguments,
/// and each inline configuration at two releases, always with every rule selected.
fn reports() -> Vec<(String, Value)> {
    let codes: Vec<String> = listed_rules().into_iter().map(|(c, _)| c).collect();
    let select = codes.join(",");
    let mut out = Vec::new();
    let fixtures = crate_root().join("fixtures/rules");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("read fixtures/rules")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.join("root").is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let args = std::fs::read_to_string(dir.join("args")).unwrap_or_default();
        let mut argv: Vec<String> = args.split_whitespace().map(str::to_string).collect();
        if !argv.iter().any(|a| a.starts_with("--openssh")) {
            argv.extend(["--openssh".to_string(), "9.2".to_string()]);
        }
        let root = dir.join("root");
        let root = root.to_str().expect("UTF-8 path");
        argv.extend(["--format", "json", "--select", &select, "--root", root].map(str::to_string));
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let what = format!("fixtures/rules/{}", dir.file_name().and_then(|n| n.to_str()).unwrap_or("?"));
        out.push((what, parse_report(&sshlint(&argv, None).0)));
    }
    for (i, config) in INLINE_CONFIGS.iter().enumerate() {
        for version in ["9.2", "10.0"] {
            let argv = [
                "--openssh",
                version,
                "--format",
                "json",
                "--select",
                &select,
                "--user",
                "root",
                "--user",
                "alice",
                "--from",
                "10.0.0.0/8",
                "-",
            ];
            let what = format!("INLINE_CONFIGS[{i}] at {version}");
            out.push((what, parse_report(&sshlint(&argv, Some(config)).0)));
        }
    }
    out
}

fn parse_report(text: &str) -> Value {
    let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("--format json is not JSON ({e}):\n{text}"));
    assert_eq!(v["version"], 1, "JSON schema version");
    v
}

#[test]
fn findings_follow_the_message_style() {
    let names: Vec<(String, String)> = listed_rules();
    let mut problems = Vec::new();
    let mut known_seen = vec![false; KNOWN_STYLE_VIOLATIONS.len()];
    let mut findings = 0;
    for (what, report) in reports() {
        for f in report["findings"].as_array().expect("findings array") {
            findings += 1;
            let code = f["code"].as_str().unwrap_or("");
            let message = f["message"].as_str().unwrap_or("");
            let at = format!("{what}: {code} {message:?}");
            if !well_formed_code(code) {
                problems.push(format!("{at}: malformed code"));
            }
            match names.iter().find(|(c, _)| c == code) {
                Some((_, name)) if f["name"] == name.as_str() => {}
                _ => problems.push(format!("{at}: name {} is not the catalogue's", f["name"])),
            }
            if !matches!(f["severity"].as_str(), Some("error" | "warning" | "info")) {
                problems.push(format!("{at}: severity {}", f["severity"]));
            }
            if f["line"].as_u64().is_none_or(|l| l == 0) || f["column"].as_u64().is_none_or(|c| c == 0) {
                problems.push(format!("{at}: line/column are 1-based"));
            }
            let wrong = style_problems(f);
            if wrong.is_empty() {
                continue;
            }
            let known = KNOWN_STYLE_VIOLATIONS.iter().position(|(c, m)| *c == code && message.starts_with(m));
            match known {
                Some(i) => known_seen[i] = true,
                None => problems.push(format!("{at} (help {}): {}", f["help"], wrong.join(", "))),
            }
        }
    }
    for (seen, (code, m)) in known_seen.iter().zip(KNOWN_STYLE_VIOLATIONS) {
        if !seen {
            problems.push(format!("{code} {m:?} no longer occurs: remove it from KNOWN_STYLE_VIOLATIONS"));
        }
    }
    assert!(findings > 100, "only {findings} findings were checked: are the fixtures there?");
    assert!(problems.is_empty(), "{} style problems:\n  {}", problems.len(), problems.join("\n  "));
}

/// The README's configuration reference is generated from `config::KEYS`, the table
/// `sshlint init` writes from (`SSHLINT_BLESS=1` rewrites it).
#[test]
fn readme_configuration_reference_is_fresh() {
    const START: &str = "<!-- config-reference:start (generated: SSHLINT_BLESS=1 cargo test --test meta) -->\n";
    const END: &str = "<!-- config-reference:end -->";
    let path = crate_root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap_or_default();
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no configuration reference markers ({START:?} … {END:?})");
    };
    let generated = sshlint::config::reference_markdown();
    let fresh = format!("{}{START}{generated}{}", &readme[..a], &readme[b..]);
    if blessing() {
        std::fs::write(&path, fresh).expect("write README.md");
        return;
    }
    assert!(
        readme == fresh,
        "README.md's configuration reference is out of date with config::KEYS: run `SSHLINT_BLESS=1 cargo test --test meta` and commit it"
    );
}

/// The README's JSON schema block is the one documented in `src/report/json.rs`.
#[test]
fn readme_json_schema_matches_the_writer() {
    let text_block = |text: &str| -> Option<String> {
        let start = text.find("```text\n")? + "```text\n".len();
        let end = start + text.get(start..)?.find("```")?;
        Some(text.get(start..end)?.to_string())
    };
    let module = std::fs::read_to_string(crate_root().join("src/report/json.rs")).unwrap_or_default();
    let doc: String = module
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
        .collect();
    let readme = std::fs::read_to_string(crate_root().join("README.md")).unwrap_or_default();
    let section = readme.split("## JSON schema").nth(1).unwrap_or_default();
    let (Some(want), Some(have)) = (text_block(&doc), text_block(section)) else {
        panic!("no ```text block in src/report/json.rs's module doc or README's \"JSON schema\" section");
    };
    assert_eq!(have, want, "README.md's JSON schema differs from src/report/json.rs: copy the block over");
}

#[test]
fn rules_md_is_fresh() {
    let generated = sshlint(&["rules", "--format", "markdown"], None).0;
    let path: &Path = &crate_root().join("rules.md");
    if blessing() {
        std::fs::write(path, &generated).expect("write rules.md");
        return;
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == generated,
        "rules.md is out of date with the rule metadata: run `SSHLINT_BLESS=1 cargo test --test meta` and commit it"
    );
}
