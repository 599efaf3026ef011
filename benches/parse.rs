//! Parser throughput: tokenise a large generated sshd_config repeatedly and report MB/s.
//! Run with `cargo bench --bench parse`. A plain harness (no extra crates).
//! With `SSHLINT_BENCH_IPTABLES=FILE` (e.g. the output of `benches/gen_kube_proxy.py 20000`) it also
//! times the iptables-save parser on that file.

use std::time::Instant;

fn main() {
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 8 * 1024 * 1024 {
        text.push_str(&format!(
            "# comment {i}\nPort {}\nAllowUsers alice bob \"carol smith\" dev*\nMatch User u{i},!root Address 192.0.2.0/24\n  PasswordAuthentication no\n  ForceCommand /usr/bin/echo hi # not a comment\nCiphers=aes256-gcm@openssh.com,chacha20-poly1305@openssh.com\n\n",
            2000 + i % 1000
        ));
        i += 1;
    }
    let mb = text.len() as f64 / (1024.0 * 1024.0);
    let mut best = f64::MAX;
    let mut directives = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let ast = sshlint::syntax::sshd::parse(&text);
        let secs = t.elapsed().as_secs_f64();
        directives = ast.directives.len();
        best = best.min(secs);
    }
    println!("parse: {mb:.1} MiB, {directives} directives, best {:.1} ms, {:.0} MiB/s", best * 1000.0, mb / best);
    if let Ok(path) = std::env::var("SSHLINT_BENCH_IPTABLES") {
        iptables(&path);
    }
}

fn iptables(path: &str) {
    let text = std::fs::read_to_string(path).expect("SSHLINT_BENCH_IPTABLES: readable UTF-8 file");
    let mb = text.len() as f64 / (1024.0 * 1024.0);
    let mut best = f64::MAX;
    let (mut lines, mut errors) = (0, 0);
    for _ in 0..5 {
        let t = Instant::now();
        let ast = sshlint::syntax::iptables::parse(&text);
        let secs = t.elapsed().as_secs_f64();
        lines = ast.tables.iter().map(|t| t.lines.len()).sum::<usize>();
        errors = ast.errors().len();
        best = best.min(secs);
    }
    println!(
        "iptables parse: {mb:.1} MiB, {lines} lines in tables, {errors} errors, best {:.1} ms, {:.0} MiB/s",
        best * 1000.0,
        mb / best
    );
    // The later phases of a lint, each timed on its own (best of 3).
    use sshlint::model::firewall::{addr::AddrSet, eval, ruleset, shadow};
    let ast = sshlint::syntax::iptables::parse(&text);
    let file = sshlint::source::FileId(0);
    let time = |name: &str, f: &mut dyn FnMut()| {
        let best = (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min);
        println!("  {name}: {:.1} ms", best * 1000.0);
    };
    // Each run's ruleset is kept until the timing is over, so that freeing one is not timed.
    let mut runs = Vec::new();
    time("apply", &mut || {
        let mut rs = ruleset::Ruleset::new(ast.family);
        rs.apply(&ruleset::Batch { ast: &ast, file, noflush: false, at: ruleset::Origin::File });
        runs.push(rs);
    });
    let Some(rs) = runs.pop() else { return };
    drop(runs);
    time("unreachable (FW201)", &mut || {
        shadow::unreachable(&rs, &|_| true, true);
    });
    let services = |_: &str| None;
    let pkt = eval::Packet::syn(ast.family, 22, None, None, &services);
    time("evaluate port 22", &mut || {
        eval::evaluate(&rs, &pkt, &AddrSet::full(ast.family));
    });
    time("drop", &mut || {
        let copy = (sshlint::syntax::iptables::parse(&text), rs.clone());
        let t = Instant::now();
        drop(copy);
        println!("    (drop alone {:.1} ms)", t.elapsed().as_secs_f64() * 1000.0);
    });
}
