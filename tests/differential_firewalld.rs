//! sshlint's firewalld loader against firewalld 1.3.3 itself, offline: for seeded random
//! system-config trees (`tools/firewalld/gen_trees.py`, about one in eight with a deliberate
//! defect), firewalld's own modules run the `firewall-offline-cmd --check-config` code path in
//! one process (`tools/firewalld/oracle_summary.py`, with the apply-time failures the daemon
//! meets at boot). Both must agree on whether firewalld falls back to its stock configuration,
//! the default zone, and each running zone's target, services, ports (as the set of port
//! numbers they cover per protocol), sources, interfaces, forward-ports and number of rich
//! rules, and every
//! service those zones name or include as `firewall-offline-cmd --info-service` shows it
//! (ports, protocols, includes, destination of the definition that wins). sshlint
//! reads the trees without /usr/lib/firewalld, so its built-in stock copy is what it compares
//! with the machine's /usr/lib/firewalld, and without /etc/services, so port names resolve
//! with its built-in table.
//!
//! A second test runs the fixed corpus `fixtures/differential/firewalld` (its README) the same
//! way; `expected-mismatches` there lists the known differences. A case whose files use DTD
//! entities is one sshlint declares unknown (it expands none; firewalld expands them and either
//! loads the result or, for a bomb, falls back): it is printed with firewalld's answer and not
//! compared.
//!
//! `SSHLINT_DIFF_SEED` seeds the generator (printed), `SSHLINT_FIREWALLD_TREES` sets how many
//! (default 200); `SSHLINT_REQUIRE_ORACLES=1` turns a missing firewalld into a failure.

mod common;

use serde_json::Value;
use sshlint::discover::HostRoot;
use sshlint::model::firewall::firewalld;
use sshlint::source::SourceMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn flag(name: &str) -> bool {
    std::env::var(name).as_deref() == Ok("1")
}

fn skip(reason: &str) {
    assert!(!flag("SSHLINT_REQUIRE_ORACLES"), "oracle required: {reason}");
    println!("skipping differential_firewalld: {reason}");
}

const PYTHON: &str = "/usr/bin/python3";
const TOOLS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/firewalld");

fn oracle_available() -> bool {
    let ok = Command::new(PYTHON).args(["-c", "import firewall.core.fw"]).output().is_ok_and(|o| o.status.success());
    ok && Path::new("/usr/lib/firewalld/zones").is_dir()
}

/// `oracle_summary.py`'s line for each root's etc/firewalld, in order.
fn oracle(roots: &[PathBuf]) -> Vec<Value> {
    let out = Command::new(PYTHON)
        .arg(format!("{TOOLS}/oracle_summary.py"))
        .args(roots.iter().map(|r| r.join("etc/firewalld")))
        .output()
        .expect("oracle_summary.py runs");
    assert!(out.status.success(), "oracle failed: {}", common::tail(&String::from_utf8_lossy(&out.stderr)));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("oracle JSON")).collect();
    assert_eq!(lines.len(), roots.len());
    lines
}

/// A port name as sshlint resolves it for a root without /etc/services (its built-in table).
fn resolve(name: &str) -> Option<u16> {
    sshlint::ast::iptables::SERVICES.iter().find(|(n, _)| *n == name).map(|&(_, p)| p)
}

/// Port entries as the numbers they cover, per protocol: `a-b/proto` (or `a/proto`) for each
/// maximal run of consecutive ports, sorted. firewalld coalesces the overlapping ranges of one
/// protocol when it reads a zone (`coalescePortRange`; adjacent ranges and ranges contained in
/// an earlier one are handled differently) and sshlint keeps the entries as written: what both
/// must agree on is the set of ports opened.
fn covered(ranges: impl IntoIterator<Item = (String, u16, u16)>) -> Vec<String> {
    let mut v: Vec<(String, u16, u16)> = ranges.into_iter().collect();
    v.sort();
    let mut runs: Vec<(String, u16, u16)> = Vec::new();
    for (proto, a, b) in v {
        match runs.last_mut() {
            Some((p, _, end)) if *p == proto && u32::from(a) <= u32::from(*end) + 1 => *end = (*end).max(b),
            _ => runs.push((proto, a, b)),
        }
    }
    runs.into_iter().map(|(p, a, b)| if a == b { format!("{a}/{p}") } else { format!("{a}-{b}/{p}") }).collect()
}

/// How a comparison ended.
#[derive(PartialEq)]
enum Compared {
    /// firewalld falls back to its stock configuration.
    Fallback,
    /// firewalld runs the tree's configuration.
    Runs,
    /// sshlint says it cannot know: a file uses DTD entities, which firewalld expands (to a
    /// zone it loads, or to a bomb that ends in a fallback) and sshlint does not.
    Unknown,
}

/// Compare sshlint's view of one host root with the oracle's JSON line for it; push what
/// differs.
fn compare(tree: &str, root: &Path, want: &Value, mismatches: &mut Vec<String>) -> Compared {
    use sshlint::ast::firewalld::ObjectKind;
    let mut sources = SourceMap::default();
    let fw = firewalld::load(&HostRoot::new(root), &resolve, &mut sources);
    let want_fb = want["fallback"].as_bool().unwrap_or(false);
    if !fw.unexpanded.is_empty() {
        println!("  {tree}: unknown to sshlint (DTD entities); firewalld: fallback={want_fb} ({})", want["why"]);
        return Compared::Unknown;
    }
    let outcome = |fallback: bool| if fallback { Compared::Fallback } else { Compared::Runs };
    if fw.fallback != want_fb {
        let ours: Vec<String> = fw.findings.iter().filter(|f| f.fallback).map(|f| f.message.clone()).collect();
        mismatches.push(format!(
            "{tree}: fallback sshlint={} firewalld={} ({}) ours: {ours:?}",
            fw.fallback, want_fb, want["why"]
        ));
        return outcome(want_fb);
    }
    if want_fb {
        return Compared::Fallback;
    }
    if want["default_zone"].as_str() != Some(fw.running.default_zone.as_str()) {
        mismatches.push(format!(
            "{tree}: default zone sshlint={} firewalld={}",
            fw.running.default_zone, want["default_zone"]
        ));
    }
    let zones = want["zones"].as_object().cloned().unwrap_or_default();
    let ours: Vec<&str> = fw.running.names(ObjectKind::Zone).map(|(n, _)| n).collect();
    let theirs: Vec<&str> = zones.keys().map(String::as_str).collect();
    if ours != theirs {
        mismatches.push(format!("{tree}: zones sshlint={ours:?} firewalld={theirs:?}"));
        return Compared::Runs;
    }
    let strs = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    for (name, z) in &zones {
        let parts = fw.running.get(ObjectKind::Zone, name).unwrap_or_default();
        let target = if parts.len() == 1 { parts[0].obj.target.as_ref().map(|t| t.value.clone()) } else { None };
        let target = target.unwrap_or_else(|| "default".into());
        let mut services: Vec<String> =
            parts.iter().flat_map(|p| p.obj.services.iter().map(|s| s.value.clone())).collect();
        services.sort();
        services.dedup();
        let mut unreadable = Vec::new();
        let mut ranges = Vec::new();
        for p in parts.iter().flat_map(|p| &p.obj.ports) {
            match sshlint::syntax::firewalld::port_range(&p.port, &resolve) {
                Some((a, b)) => ranges.push((p.protocol.clone(), a, b)),
                None => unreadable.push(format!("unreadable {}/{}", p.port, p.protocol)),
            }
        }
        let mut ports = covered(ranges);
        ports.extend(unreadable);
        let theirs_ports = covered(strs(&z["ports"]).iter().filter_map(|s| {
            let (range, proto) = s.split_once('/')?;
            let (a, b) = range.split_once('-').unwrap_or((range, range));
            Some((proto.to_string(), a.parse().ok()?, b.parse().ok()?))
        }));
        let sources: Vec<String> = parts.iter().flat_map(|p| p.obj.sources.iter().map(|s| s.value.clone())).collect();
        let ifaces: Vec<String> = parts.iter().flat_map(|p| p.obj.interfaces.iter().map(|s| s.value.clone())).collect();
        let rules: usize = parts.iter().map(|p| p.obj.rules.len()).sum();
        let mut forwards: Vec<String> = parts
            .iter()
            .flat_map(|p| &p.obj.forward_ports)
            .map(|f| format!("{}/{}>{}@{}", f.port, f.protocol, f.to_port, f.to_addr))
            .collect();
        forwards.sort();
        forwards.dedup();
        let checks = [
            ("target", vec![target], vec![z["target"].as_str().unwrap_or("").to_string()]),
            ("services", services, strs(&z["services"])),
            ("ports", ports, theirs_ports),
            ("sources", sources, strs(&z["sources"])),
            ("interfaces", ifaces, strs(&z["interfaces"])),
            ("rich rules", vec![rules.to_string()], vec![z["rules"].to_string()]),
            ("forward-ports", forwards, strs(&z["forward_ports"])),
        ];
        for (what, a, b) in checks {
            if a != b {
                mismatches.push(format!("{tree}: zone {name} {what}: sshlint={a:?} firewalld={b:?}"));
            }
        }
    }
    compare_services(tree, &fw.running, &want["services_info"], mismatches);
    Compared::Runs
}

/// The services the running zones name (`<service>`, a rich rule's service element) and those
/// they include, transitively, as `firewall-offline-cmd --info-service` shows them: the
/// definition that wins, its ports as written, protocols, includes and destination.
fn compare_services(tree: &str, config: &firewalld::Config, want: &Value, mismatches: &mut Vec<String>) {
    use sshlint::ast::firewalld::{Element, ObjectKind};
    let mut todo: Vec<String> = Vec::new();
    for (_, parts) in config.names(ObjectKind::Zone) {
        for p in parts {
            todo.extend(p.obj.services.iter().map(|s| s.value.clone()));
            todo.extend(p.obj.rules.iter().filter_map(|r| match r.element.as_ref().map(|e| &e.value) {
                Some(Element::Service(s)) => Some(s.clone()),
                _ => None,
            }));
        }
    }
    let mut ours = serde_json::Map::new();
    while let Some(name) = todo.pop() {
        let Some(part) = config.get(ObjectKind::Service, &name).and_then(|p| p.first()) else { continue };
        if ours.contains_key(&name) {
            continue;
        }
        let o = &part.obj;
        let mut dest = serde_json::Map::new();
        for (fam, d) in [("ipv4", &o.destination_v4), ("ipv6", &o.destination_v6)] {
            if let Some(d) = d {
                dest.insert(fam.into(), d.clone().into());
            }
        }
        let includes: Vec<String> = o.includes.iter().map(|i| i.value.clone()).collect();
        ours.insert(
            name,
            serde_json::json!({
                "ports": o.ports.iter().map(|p| format!("{}/{}", p.port, p.protocol)).collect::<Vec<_>>(),
                "protocols": o.protocols.iter().map(|p| p.value.clone()).collect::<Vec<_>>(),
                "includes": includes,
                "destination": dest,
            }),
        );
        todo.extend(includes);
    }
    let theirs = want.as_object().cloned().unwrap_or_default();
    let names = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
    if names(&ours) != names(&theirs) {
        mismatches.push(format!("{tree}: services named sshlint={:?} firewalld={:?}", names(&ours), names(&theirs)));
    }
    for (name, a) in &ours {
        if let Some(b) = theirs.get(name)
            && a != b
        {
            mismatches.push(format!("{tree}: service {name}: sshlint={a} firewalld={b}"));
        }
    }
}

#[test]
fn loader_agrees_with_firewalld() {
    if !oracle_available() {
        return skip("firewalld 1.3 (its python modules and /usr/lib/firewalld) is not installed");
    }
    let seed: u64 = std::env::var("SSHLINT_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs() % 100_000)
    });
    let n: usize = std::env::var("SSHLINT_FIREWALLD_TREES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    println!("differential_firewalld: seed {seed}, {n} trees (SSHLINT_DIFF_SEED={seed} reproduces)");
    let dir = common::TempDir::new("fwd-diff");
    let gen_dir = dir.join("gen");
    let st = Command::new(PYTHON)
        .arg(format!("{TOOLS}/gen_trees.py"))
        .args([seed.to_string(), n.to_string()])
        .arg(&gen_dir)
        .status()
        .expect("gen_trees.py runs");
    assert!(st.success(), "gen_trees.py failed");
    let mut roots = Vec::new();
    for i in 0..n {
        let name = format!("t{i:04}");
        let root = dir.join(&format!("roots/{name}"));
        std::fs::create_dir_all(root.join("etc")).expect("mkdir");
        std::fs::rename(gen_dir.join(&name), root.join("etc/firewalld")).expect("move tree");
        roots.push(root);
    }
    let lines = oracle(&roots);
    let mut mismatches = Vec::new();
    let mut fallbacks = 0;
    for (root, want) in roots.iter().zip(&lines) {
        let tree = root.file_name().and_then(|s| s.to_str()).unwrap_or("?").to_string();
        let c = compare(&tree, root, want, &mut mismatches);
        assert!(c != Compared::Unknown, "{tree}: the generator writes no DOCTYPE");
        fallbacks += usize::from(c == Compared::Fallback);
    }
    println!("differential_firewalld: {n} trees, {fallbacks} fall back at boot, {} mismatches", mismatches.len());
    assert!(mismatches.is_empty(), "seed {seed}:\n{}", mismatches.join("\n"));
}

/// Copy a case, symlinks as symlinks (the oracle reads the copy, so nothing it might write
/// lands in the repository).
fn copy_tree(from: &Path, to: &Path) {
    let meta = std::fs::symlink_metadata(from).expect("stat corpus file");
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from).expect("readlink"), to).expect("symlink");
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read corpus dir") {
            let e = e.expect("corpus entry");
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("copy corpus file");
    }
}

/// The fixed corpus `fixtures/differential/firewalld/<case>/etc/firewalld` through the same
/// oracle and comparison. A case listed in `expected-mismatches` (`case: reason`) must differ
/// and is printed with its reason; any other difference, or a listed case that now agrees,
/// fails.
#[test]
fn corpus_agrees_with_firewalld() {
    if !oracle_available() {
        return skip("firewalld 1.3 (its python modules and /usr/lib/firewalld) is not installed");
    }
    let corpus = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/differential/firewalld"));
    let expected_text = std::fs::read_to_string(corpus.join("expected-mismatches")).unwrap_or_default();
    let expected: Vec<(&str, &str)> = expected_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':').map(|(c, why)| (c.trim(), why.trim())))
        .collect();
    let mut cases: Vec<String> = std::fs::read_dir(corpus)
        .expect("corpus dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    cases.sort();
    let dir = common::TempDir::new("fwd-corpus");
    let roots: Vec<PathBuf> = cases
        .iter()
        .map(|c| {
            let root = dir.join(c);
            copy_tree(&corpus.join(c), &root);
            root
        })
        .collect();
    let lines = oracle(&roots);
    let mut failures = Vec::new();
    let (mut fallbacks, mut known, mut unknown) = (0, 0, 0);
    for ((case, root), want) in cases.iter().zip(&roots).zip(&lines) {
        let mut found = Vec::new();
        match compare(case, root, want, &mut found) {
            Compared::Fallback => fallbacks += 1,
            Compared::Unknown => unknown += 1,
            Compared::Runs => {}
        }
        match expected.iter().find(|(c, _)| c == case) {
            Some((_, why)) if !found.is_empty() => {
                known += 1;
                println!("expected mismatch {case} ({why}):\n  {}", found.join("\n  "));
            }
            Some(_) => failures.push(format!("{case}: listed in expected-mismatches but sshlint now agrees")),
            None => failures.extend(found),
        }
    }
    for (c, _) in &expected {
        if !cases.iter().any(|x| x == c) {
            failures.push(format!("{c}: listed in expected-mismatches but there is no such case"));
        }
    }
    println!(
        "differential_firewalld corpus: {} cases, {fallbacks} fall back at boot, {unknown} unknown to sshlint (DTD entities), {known} expected mismatches, {} failures",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
