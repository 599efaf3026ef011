//! `sshlint trace` output. JSON schema (DESIGN.md `trace`):
//!
//! ```text
//! {"verdict": "open|refused|dropped|conditional",
//!  "stages": [{"stage": "firewall|listener|account|match|access|authentication|keys",
//!              "backend": "iptables|ufw|none|sshd|systemd",
//!              "family": "ipv4|ipv6", "port": 22, "verdict": "open|refused|dropped|conditional",
//!              "path": "etc/iptables/rules.v4" | null, "line": 12 | null, "detail": "…"}]}
//! ```
//! `port` is an addition to DESIGN.md's stage shape (a trace without `--port` walks every sshd
//! port). The top-level verdict is `open` when some port is open, else the first port's. A
//! listener stage has backend `systemd` when an enabled socket unit (`ssh.socket`) owns sshd's
//! sockets; its path and line are then the `ListenStream=` line (or the sshd_config line
//! Ubuntu's sshd-socket-generator copies it from).
//!
//! With `--user NAME` the login stages follow, for the first port, with backend `sshd`:
//! `account` (passwd, shell, lock, expiry), `match` (the Match blocks that change settings),
//! `access` (Allow/Deny lists, PermitRootLogin), `authentication` (methods offered) and `keys`
//! (each AuthorizedKeysFile path and StrictModes' verdict). A refused login stage is a failed
//! login, not a refused connection: it leaves the top-level verdict alone.

use crate::ast::iptables::Family;
use crate::model::trace::Trace;
use crate::source::SourceMap;
use serde_json::json;

fn place(t: &crate::model::trace::Stage, sources: &SourceMap) -> (Option<String>, Option<usize>) {
    match t.at {
        Some(at) => {
            let f = sources.get(at.file);
            let (line, _) = f.line_col(at.span.start);
            (Some(f.path.display().to_string()), Some(line))
        }
        None => (None, None),
    }
}

pub fn json(trace: &Trace, sources: &SourceMap) -> String {
    let stages: Vec<_> = trace
        .stages
        .iter()
        .map(|s| {
            let (path, line) = place(s, sources);
            json!({
                "stage": s.stage,
                "backend": s.backend,
                "family": if s.family == Family::Ipv4 { "ipv4" } else { "ipv6" },
                "port": s.port,
                "verdict": s.verdict.as_str(),
                "path": path,
                "line": line,
                "detail": s.detail,
            })
        })
        .collect();
    let doc = json!({ "verdict": trace.verdict.as_str(), "stages": stages });
    format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

pub fn human(trace: &Trace, sources: &SourceMap, from: &str) -> String {
    let mut out = String::new();
    let mut port = None;
    for s in &trace.stages {
        if port != Some(s.port) {
            port = Some(s.port);
            out.push_str(&format!(
                "{from} → port {} ({})\n",
                s.port,
                if s.family == Family::Ipv4 { "IPv4" } else { "IPv6" }
            ));
        }
        let (path, line) = place(s, sources);
        let at = match (path, line) {
            (Some(p), Some(l)) => format!("{p}:{l}"),
            _ => "-".into(),
        };
        out.push_str(&format!(
            "  {:<9} {:<9} {:<12} {}\n      {}\n",
            s.stage,
            s.backend,
            s.verdict.as_str(),
            at,
            s.detail
        ));
    }
    out.push_str(&format!("verdict: {}\n", trace.verdict.as_str()));
    out
}
