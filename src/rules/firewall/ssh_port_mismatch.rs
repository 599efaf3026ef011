//! FW104 `ssh-port-mismatch`.

use super::what;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::addr::AddrSet;
use crate::model::firewall::eval::{Decider, Verdict};
use crate::model::reach::{self, Listener};
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a firewall rule that opens port 22 (by number or as `ssh`) while sshd, per the
    /// same host's sshd_config (or the `ListenStream=` of its enabled `ssh.socket`), listens on
    /// other ports only.
    ///
    /// ## Why is this bad?
    /// It is the classic "changed `Port`, forgot the firewall" (or the reverse): the firewall
    /// opens a port nothing listens on, and the port sshd does listen on is usually closed.
    ///
    /// ## Example
    /// ```text
    /// # sshd_config
    /// Port 2222
    /// # rules.v4
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -A INPUT -p tcp --dport 2222 -j ACCEPT
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) Port
    /// - reference/firewalls.md §2.8
    pub static RULE = {
        code: "FW104",
        name: "ssh-port-mismatch",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) Port"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    if !ctx.sshd_present {
        return;
    }
    let listeners = reach::listeners(ctx.host, true);
    let mut seen = Vec::new();
    for (index, backend) in ctx.firewall.backends.iter().enumerate() {
        let ports = reach::ports(&listeners, backend.family);
        if ports.is_empty() || ports.contains(&22) {
            continue;
        }
        let Some(rs) = &backend.ruleset else { continue };
        let Some(ev) = ctx.firewall.evaluate(index, 22, None, None, None, &AddrSet::full(backend.family)) else {
            continue;
        };
        for o in &ev.outcomes {
            let (Verdict::Accept, Decider::Rule { at, .. }) = (&o.verdict, &o.by) else { continue };
            let Some(entry) = rs.entry_at(*at) else { continue };
            if !names_port(entry, 22) || seen.contains(at) {
                continue;
            }
            seen.push(*at);
            let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let l22 = Listener { family: backend.family, port: 22, addr: None };
            out.push(
                Violation::new(
                    *at,
                    format!("the firewall opens {} for SSH, but sshd listens on port {list} only", what(backend, &l22)),
                )
                .help(format!("open port {list} instead (and keep 22 open until every client has moved)")),
            );
        }
    }
}

/// The rule names the port explicitly (`--dport 22`, `--dport ssh`, multiport lists).
fn names_port(entry: &crate::model::firewall::ruleset::Entry, port: u16) -> bool {
    entry.rule().matches().flat_map(|m| m.options()).any(|o| {
        matches!(o.canonical(), "--destination-port" | "--destination-ports" | "--ports")
            && !o.is_negated()
            && o.arg().is_some_and(|a| a.split([',', ':']).any(|p| p == port.to_string() || (port == 22 && p == "ssh")))
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    #[test]
    fn fail() {
        let f = run_tree(
            &super::RULE,
            &[
                ("/etc/ssh/sshd_config", "Port 2222\n"),
                (
                    "/etc/iptables/rules.v4",
                    "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport ssh -j ACCEPT\nCOMMIT\n",
                ),
            ],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn pass() {
        let f = run_tree(
            &super::RULE,
            &[
                ("/etc/ssh/sshd_config", "Port 22\n"),
                (
                    "/etc/iptables/rules.v4",
                    "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
                ),
            ],
            &CheckOptions::default(),
        );
        assert!(f.is_empty());
    }
}
