//! The kernel decides what an iptables-restore file is: every corpus file and every generated
//! file is committed with `iptables-restore` (or `ip6tables-restore`) inside a private network
//! namespace (`unshare -n`), and sshlint's parser must report no syntax error exactly when the
//! restore succeeds.
//!
//! sshlint's verdict is the parser's errors (FW001) plus the load checks of the ruleset model
//! (FW002–FW004: undefined chains, loops, invalid target use). Files whose first line is
//! `# sshlint-oracle: semantic` are rejected for such model-level reasons: the parser must
//! accept them and the model reject them. Files marked `# sshlint-oracle: host-state` are
//! rejected because of state outside the file (an ipset that does not exist in the test's
//! namespace): sshlint must accept them. Files named `*.v6.rules` go to `ip6tables-restore`.
//!
//! `SSHLINT_DIFF_SEED` seeds the generator (printed); `SSHLINT_REQUIRE_ORACLES=1` turns a missing
//! oracle (no iptables-restore, no unshare, not root) into a failure instead of a skip.

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

use sshlint::ast::iptables::Family;
use sshlint::model::firewall::ruleset::{Batch, Origin, Ruleset};
use sshlint::source::FileId;
use sshlint::syntax::iptables::parse_family;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEMANTIC_MARKER: &str = "# sshlint-oracle: semantic";
const HOST_STATE_MARKER: &str = "# sshlint-oracle: host-state";
const GENERATED: usize = 320;
const DEFAULT_SEED: u64 = 0x5eed_1a7e_5001;

struct Case {
    name: String,
    text: String,
    family: Family,
    semantic: bool,
    host_state: bool,
}

/// Why the oracle cannot run here, if it cannot.
fn oracle_missing() -> Option<String> {
    for tool in ["iptables-restore", "ip6tables-restore", "unshare"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false)
            || ["/usr/sbin", "/sbin", "/usr/bin"].iter().any(|d| Path::new(d).join(tool).is_file());
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2));
    if uid != Some("0") {
        return Some("not running as root (unshare -n needs CAP_SYS_ADMIN)".into());
    }
    match Command::new("unshare").args(["-n", "true"]).status() {
        Ok(s) if s.success() => None,
        _ => Some("`unshare -n true` failed".into()),
    }
}

fn corpus() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/differential/iptables");
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(&dir).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "rules"));
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let family = if name.ends_with(".v6.rules") { Family::Ipv6 } else { Family::Ipv4 };
            let semantic = text.starts_with(SEMANTIC_MARKER);
            let host_state = text.starts_with(HOST_STATE_MARKER);
            Case { name, text, family, semantic, host_state }
        })
        .collect()
}

// --- seeded generator ------------------------------------------------------------------------

/// Match fragments for a TCP rule (valid ones first, then typos iptables rejects).
const TCP_FRAGMENTS: &[&str] = &[
    "--dport 22",
    "! --dport 22",
    "--dport ssh",
    "--dport 1000:2000",
    "--dport :1024",
    "--sport 1024:",
    "--syn",
    "! --syn",
    "--tcp-flags FIN,SYN,RST,ACK SYN",
    "-m tcp --dport 2222",
    "-m multiport --dports 22,80,443",
    "-m multiport --ports 22,1000:2000",
    "-m conntrack --ctstate NEW",
    "-m conntrack ! --ctstate RELATED,ESTABLISHED",
    "-m state --state NEW",
    "-m comment --comment \"allow ssh\"",
    "-m comment --comment ssh",
    "-m recent --set --name SSH --rsource",
    "-m recent --update --seconds 60 --hitcount 4 --name SSH --rsource",
    "-m limit --limit 3/min --limit-burst 10",
    "-m hashlimit --hashlimit-upto 5/min --hashlimit-name ssh --hashlimit-mode srcip",
    "-m connlimit --connlimit-above 3 --connlimit-mask 32",
    "-m addrtype --dst-type LOCAL",
    "-m iprange --src-range 192.0.2.1-192.0.2.9",
    "-m mark --mark 0x1/0xff",
    "--dp 22",
    "--destination-port=22",
];

const BAD_TCP_FRAGMENTS: &[&str] = &[
    "--dport 70000",
    "--dport ! 22",
    "--dport nosuchservice",
    "-m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
    "-m conntrack --ctstate NEWISH",
    "-m state --state ESTABLISHED,BOGUS",
    "-m comment --comment 'allow ssh'",
    "-m recent --name SSH",
    "-m limit --limit 3/fortnight",
    "-m hashlimit --hashlimit-upto 5/min",
    "-m nosuchmodule --foo",
    "--tcp-flags SYN",
    "--syn --tcp-flags SYN,ACK SYN",
    "-m addrtype --dst-type LOCALISH",
    "--dportx 22",
    "-m comment ! --comment x",
    "-m limit ! --limit 3/min",
    "-m tcp",
];

const SOURCES: &[&str] =
    &["-s 192.0.2.0/24", "! -s 198.51.100.7", "-s 203.0.113.0/255.255.255.0", "--src 10.0.0.0/8", "-d 127.0.0.1"];
const BAD_SOURCES: &[&str] = &["-s ! 192.0.2.1", "-s 192.0.2.0/33", "-s 300.1.1.1", "-s 192.0.2.0/24 -s 10.0.0.0/8"];
const V6_SOURCES: &[&str] = &["-s 2001:db8::/32", "! -s 2001:db8::1", "-d ::1/128"];
const BAD_V6_SOURCES: &[&str] = &["-s 192.0.2.1", "-s 2001:db8::/129"];
const TERMINALS: &[&str] = &[
    "-j ACCEPT",
    "-j DROP",
    "-j REJECT",
    "-j REJECT --reject-with tcp-reset",
    "-j REJECT --reject-with icmp-port-unreachable",
    "-j LOG --log-prefix \"[ssh] \" --log-level 4",
    "-j RETURN",
    "",
];
const V6_TERMINALS: &[&str] =
    &["-j ACCEPT", "-j DROP", "-j REJECT --reject-with tcp-reset", "-j REJECT --reject-with icmp6-adm-prohibited"];
const BAD_TERMINALS: &[&str] = &[
    "-j ACCEPT # ssh",
    "! -j ACCEPT",
    "-j ACCEPT -j DROP",
    "-j REJECT --reject-with tcp-resett",
    "-j ACCEPT --reject-with tcp-reset",
    "--reject-with tcp-reset -j REJECT",
];

/// One generated ruleset: a filter table with user chains (jumps only forward, so no loops and
/// no undefined chains), optional nat table, and with some probability one syntax trap.
fn generate(rng: &mut Rng, index: usize) -> Case {
    let family = if rng.percent(20) { Family::Ipv6 } else { Family::Ipv4 };
    let v6 = family == Family::Ipv6;
    let mut t = String::new();
    if rng.percent(50) {
        t.push_str("# Generated by iptables-save v1.8.9 (nf_tables)\n");
    }
    let bad = rng.percent(45);
    let trap = if bad { rng.below(16) } else { usize::MAX };
    t.push_str(if trap == 0 { "*filtre\n" } else { "*filter\n" });
    let policy = rng.pick(&["ACCEPT", "DROP"]);
    let counters = |rng: &mut Rng| if rng.percent(60) { " [0:0]" } else { "" };
    let c = counters(rng);
    let _ = writeln!(t, ":INPUT {policy}{c}");
    let c = counters(rng);
    let _ = writeln!(t, ":FORWARD DROP{c}");
    let c = counters(rng);
    let _ = writeln!(t, ":OUTPUT ACCEPT{c}");
    let nchains = rng.below(3);
    let chains: Vec<String> = (0..nchains).map(|i| format!("gen-{index}-c{i}")).collect();
    for ch in &chains {
        let _ = writeln!(t, ":{ch} - [0:0]");
    }
    if trap == 1 {
        t.push_str(":INPUT BOGUS [0:0]\n");
    }
    let nrules = 1 + rng.below(6);
    let bad_rule = if bad && trap >= 2 { Some(rng.below(nrules)) } else { None };
    for r in 0..nrules {
        // Chain 0 is INPUT; user chain k may only jump to chains after it.
        let (chain, first_target) = match rng.below(chains.len() + 1) {
            0 => ("INPUT".to_string(), 0),
            k => (chains[k - 1].clone(), k),
        };
        let mut parts: Vec<String> = Vec::new();
        if rng.percent(20) {
            parts.push(format!("[{}:{}]", rng.below(100), rng.below(10000)));
        }
        parts.push(format!("-A {chain}"));
        if rng.percent(30) {
            parts.push(if v6 { rng.pick(V6_SOURCES) } else { rng.pick(SOURCES) }.to_string());
        }
        if rng.percent(20) {
            parts.push(rng.pick(&["-i eth0", "! -i lo", "-i eth+"]).to_string());
        }
        let tcp = rng.percent(75);
        if tcp {
            parts.push(rng.pick(&["-p tcp", "-p TCP", "-p 6"]).to_string());
            for _ in 0..rng.below(3) {
                let f = rng.pick(TCP_FRAGMENTS);
                parts.push(f.to_string());
            }
        } else if rng.percent(50) {
            parts.push("-p udp --dport 53".to_string());
        }
        let is_bad = bad_rule == Some(r);
        let target_is_chain = first_target < chains.len() && rng.percent(30);
        let mut target = if target_is_chain {
            let j = first_target + rng.below(chains.len() - first_target);
            format!("{} {}", rng.pick(&["-j", "-g"]), chains[j])
        } else {
            let mut tgt = if v6 { rng.pick(V6_TERMINALS) } else { rng.pick(TERMINALS) }.to_string();
            if tgt.contains("tcp-reset") && !tcp {
                tgt = "-j DROP".into();
            }
            tgt
        };
        if is_bad {
            match trap {
                2..=5 => {
                    if !tcp {
                        parts.push("-p tcp".into());
                    }
                    parts.push(rng.pick(BAD_TCP_FRAGMENTS).to_string());
                }
                6 | 7 => parts.push(if v6 { rng.pick(BAD_V6_SOURCES) } else { rng.pick(BAD_SOURCES) }.to_string()),
                8 | 9 => target = rng.pick(BAD_TERMINALS).to_string(),
                10 => parts.insert(0, "  #".into()),
                11 => parts.push("-o eth0".into()),
                12 => parts.push("-t filter".into()),
                13 => parts.insert(0, "-A INPUT".into()),
                _ => parts.push("--nosuchoption".into()),
            }
            if trap == 8 || trap == 9 {
                // tcp-reset needs -p tcp at the kernel; keep the trap syntactic.
                if target.contains("tcp-reset") && !tcp {
                    parts.push("-p tcp".into());
                }
            }
        }
        if !target.is_empty() {
            parts.push(target);
        }
        let _ = writeln!(t, "{}", parts.join(" "));
    }
    if bad && trap == 14 {
        t.push_str("   \n");
    }
    match (bad, trap) {
        (true, 15) => t.push_str("commit\n"),
        (true, 2) if rng.percent(30) => {} // missing COMMIT on top of the bad rule
        _ => t.push_str("COMMIT\n"),
    }
    if !v6 && rng.percent(30) {
        t.push_str("*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n");
        t.push_str(rng.pick::<&str>(&[
            "-A PREROUTING -p tcp --dport 2222 -j DNAT --to-destination 192.0.2.10:22\n",
            "-A PREROUTING -p tcp -m tcp --dport 2222 -j REDIRECT --to-ports 22\n",
            "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n",
        ]));
        t.push_str("COMMIT\n");
    }
    if bad && trap == 9 && rng.percent(50) {
        t = t.replace('\n', "\r\n");
    }
    if !bad && rng.percent(20) {
        t = semantic_trap(rng, &t);
    }
    let name = format!("generated-{index:03}{}", if v6 { ".v6.rules" } else { ".rules" });
    Case { name, text: t, family, semantic: false, host_state: false }
}

/// A load-time trap the parser accepts: undefined chains, loops (reachable or not), jumps to
/// built-in chains, tcp-reset without `-p tcp`, REJECT/DROP in nat, `-I` past the end.
fn semantic_trap(rng: &mut Rng, text: &str) -> String {
    let first_commit = text.find("COMMIT\n").unwrap_or(text.len());
    let (head, tail) = text.split_at(first_commit);
    match rng.below(9) {
        0 => text.replacen("-j ACCEPT", "-j NOPE", 1),
        1 => format!("{head}-A INPUT -p udp -j REJECT --reject-with tcp-reset\n{tail}"),
        2 => format!("{head}-I INPUT 99 -j ACCEPT\n{tail}"),
        3 => text.replacen(
            "*filter\n",
            "*filter\n:LOOPA - [0:0]\n:LOOPB - [0:0]\n-A INPUT -j LOOPA\n-A LOOPA -j LOOPB\n-A LOOPB -j LOOPA\n",
            1,
        ),
        4 => text.replacen("*filter\n", "*filter\n:LOOPA - [0:0]\n-A LOOPA -j LOOPA\n", 1),
        5 => format!("{head}-A INPUT -j INPUT\n{tail}"),
        6 => text.replacen("-A PREROUTING -p tcp", "-A PREROUTING -j DROP\n-A PREROUTING -p tcp", 1),
        7 => format!("{head}-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n{tail}"),
        _ => format!("{head}-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset\n{tail}"),
    }
}

// --- the oracle ------------------------------------------------------------------------------

struct Outcome {
    ok: bool,
    stderr: String,
}

/// Restore every case in one `unshare -n` shell, resetting all tables before each file.
fn run_oracle(cases: &[Case], dir: &Path) -> Vec<Outcome> {
    let mut script = String::from("#!/bin/sh\n");
    let reset = "*filter\nCOMMIT\n*nat\nCOMMIT\n*mangle\nCOMMIT\n*raw\nCOMMIT\n*security\nCOMMIT\n";
    let _ = std::fs::write(dir.join("reset.rules"), reset);
    for (i, case) in cases.iter().enumerate() {
        let file = dir.join(format!("{i:04}.rules"));
        let _ = std::fs::write(&file, &case.text);
        let tool = if case.family == Family::Ipv6 { "ip6tables-restore" } else { "iptables-restore" };
        let d = dir.display();
        let _ = writeln!(
            script,
            "iptables-restore < {d}/reset.rules; ip6tables-restore < {d}/reset.rules\n\
             {tool} < {d}/{i:04}.rules > /dev/null 2> {d}/{i:04}.err; echo $? > {d}/{i:04}.rc"
        );
    }
    let script_path = dir.join("run.sh");
    let _ = std::fs::write(&script_path, script);
    let status = Command::new("unshare").arg("-n").arg("sh").arg(&script_path).status();
    assert!(status.is_ok(), "could not run unshare: {status:?}");
    (0..cases.len())
        .map(|i| {
            let rc = std::fs::read_to_string(dir.join(format!("{i:04}.rc"))).unwrap_or_default();
            let stderr = std::fs::read_to_string(dir.join(format!("{i:04}.err"))).unwrap_or_default();
            Outcome { ok: rc.trim() == "0", stderr }
        })
        .collect()
}

fn numbered(text: &str) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| format!("{:>4} | {}", i + 1, l.escape_debug()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn parser_agrees_with_iptables_restore() {
    if let Some(reason) = oracle_missing() {
        assert!(std::env::var_os("SSHLINT_REQUIRE_ORACLES").is_none_or(|v| v != "1"), "oracle required: {reason}");
        println!("skipping differential_iptables: {reason}");
        return;
    }
    let seed = std::env::var("SSHLINT_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED);
    println!("differential_iptables: seed {seed} (set SSHLINT_DIFF_SEED to reproduce)");
    let mut cases = corpus();
    let corpus_len = cases.len();
    assert!(corpus_len >= 60, "corpus has only {corpus_len} files");
    let mut rng = Rng::new(seed);
    for i in 0..GENERATED {
        cases.push(generate(&mut rng, i));
    }
    let dir = std::env::temp_dir().join(format!("sshlint-diff-iptables-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let outcomes = run_oracle(&cases, &dir);
    let _ = std::fs::remove_dir_all(&dir);

    let mut failures = Vec::new();
    let (mut accepted, mut rejected, mut semantic) = (0, 0, 0);
    for (case, out) in cases.iter().zip(&outcomes) {
        let ast = parse_family(&case.text, case.family);
        let errors = ast.errors();
        let parser_ok = errors.is_empty();
        let mut rs = Ruleset::new(case.family);
        let problems = if parser_ok {
            rs.apply(&Batch { ast: &ast, file: FileId(0), noflush: false, at: Origin::File })
        } else {
            Vec::new()
        };
        let model_ok = problems.is_empty();
        let agree = if case.semantic {
            semantic += 1;
            !out.ok && parser_ok && !model_ok
        } else if case.host_state {
            !out.ok && parser_ok && model_ok
        } else {
            if out.ok {
                accepted += 1;
            } else {
                rejected += 1;
            }
            out.ok == (parser_ok && model_ok)
        };
        if !agree {
            let mut report = format!(
                "== {} ({}){}: kernel {}, parser {}\n{}\n-- kernel stderr:\n{}-- parser errors:\n",
                case.name,
                if case.family == Family::Ipv6 { "ip6tables-restore" } else { "iptables-restore" },
                if case.semantic { " [semantic]" } else { "" },
                if out.ok { "accepts" } else { "rejects" },
                if parser_ok { "accepts" } else { "rejects" },
                numbered(&case.text),
                out.stderr
            );
            for e in &errors {
                let _ = writeln!(report, "  {}..{}: {}", e.span.start, e.span.end, e.message);
            }
            for p in &problems {
                let _ = writeln!(report, "  model {:?} at {}: {}", p.kind, p.at.span.start, p.message);
            }
            failures.push(report);
        }
    }
    println!(
        "differential_iptables: {corpus_len} corpus + {GENERATED} generated files; kernel accepted {accepted}, \
         rejected {rejected}; {semantic} corpus files rejected only by the model (FW002-FW004)"
    );
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}
