//! FW102 `ssh-port-reset`.

use super::{location, symptom, what};
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::eval::{CondKind, Verdict};
use crate::model::reach;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports REJECT rules that refuse new connections to an sshd port for some sources (the
    /// port stays open for others), naming how: a TCP reset or an ICMP error.
    ///
    /// ## Why is this bad?
    /// Users behind the rejected sources see "Connection reset by peer" (or
    /// `kex_exchange_identification: read: Connection reset by peer`) or "Connection refused"
    /// and usually blame sshd. If that is intended, it is worth knowing which rule does it.
    ///
    /// ## Example
    /// ```text
    /// *filter
    /// -A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j REJECT --reject-with tcp-reset
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables-extensions(8) REJECT
    /// - reference/firewalls.md §1.4, §2.3 (`ufw reject` becomes a TCP reset)
    pub static RULE = {
        code: "FW102",
        name: "ssh-port-reset",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["iptables-extensions(8) REJECT"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let listeners = reach::listeners(ctx.host, ctx.sshd_present);
    let mut seen = Vec::new();
    for r in reach::all(ctx.firewall, &listeners) {
        if super::ssh_port_blocked::blocked_everywhere(&r.eval) {
            continue;
        }
        for o in &r.eval.outcomes {
            let Verdict::Refuse(kind) = &o.verdict else { continue };
            if o.assumed.iter().any(|(c, _)| matches!(c.kind, CondKind::RateLimit | CondKind::UnderLimit)) {
                continue;
            }
            let at = location(ctx, r.backend, &o.by);
            if seen.contains(&(at, r.listener.port)) {
                continue;
            }
            seen.push((at, r.listener.port));
            let how = if kind == "tcp-reset" { "reset (TCP RST)".to_string() } else { format!("refused with {kind}") };
            out.push(
                Violation::new(
                    at,
                    format!(
                        "new SSH connections to {} from {} are {how}: clients see {}",
                        what(r.backend, &r.listener),
                        o.src.describe(r.backend.family),
                        symptom(kind)
                    ),
                )
                .help("if these sources should reach SSH, accept them before this rule; if not, DROP makes the refusal less obvious to scanners"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        let f = run_firewall(
            &super::RULE,
            "*filter\n-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j REJECT --reject-with tcp-reset\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("198.51.100.0/24") && f[0].message.contains("reset"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        assert!(run_firewall(&super::RULE, "*filter\n-A INPUT -p udp --dport 22 -j REJECT\nCOMMIT\n").is_empty());
    }
}
