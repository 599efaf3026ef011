//! FW103 `ssh-port-rate-limited`.

use super::what;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::BackendKind;
use crate::model::firewall::eval::{CondKind, Verdict};
use crate::model::reach;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports rate limits on new connections to an sshd port: `ufw limit`, and `recent`,
    /// `limit`, `hashlimit` or `connlimit` rules under which some connections are refused or
    /// dropped.
    ///
    /// ## Why is this bad?
    /// Tools that open many sessions in a row (CI deploy steps, Ansible, scp loops, multiplexed
    /// sessions) trip the limit and fail with timeouts or "Connection refused". `ufw limit`
    /// refuses the sixth new connection from one address within 30 seconds, and every `ufw
    /// limit` rule shares one list.
    ///
    /// ## Example
    /// ```text
    /// ufw limit 22/tcp
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ufw allow from 192.0.2.0/24 to any port 22 proto tcp
    /// ufw limit 22/tcp
    /// ```
    ///
    /// ## References
    /// - ufw(8) `limit`; iptables-extensions(8) recent, limit, hashlimit, connlimit
    /// - reference/firewalls.md §2.5, §2.8
    pub static RULE = {
        code: "FW103",
        name: "ssh-port-rate-limited",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["ufw(8) limit", "iptables-extensions(8) recent"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let listeners = reach::listeners(ctx.host, ctx.sshd_present);
    let mut seen = Vec::new();
    for r in reach::all(ctx.firewall, &listeners) {
        for o in &r.eval.outcomes {
            if !matches!(o.verdict, Verdict::Drop | Verdict::Refuse(_)) {
                continue;
            }
            for (c, _) in o.assumed.iter().filter(|(c, holds)| refuses(c.kind, *holds)) {
                if seen.contains(&(c.at, r.listener.port)) {
                    continue;
                }
                seen.push((c.at, r.listener.port));
                let ufw_limit =
                    r.backend.kind == BackendKind::Ufw && c.text.contains("recent") && c.text.contains("--hitcount 6");
                let detail = if ufw_limit {
                    "`ufw limit`: the 6th new connection from one address within 30 seconds is refused".to_string()
                } else {
                    format!("{}: bursts of new connections from one address are refused or dropped", c.text)
                };
                out.push(
                    Violation::new(c.at, format!("new SSH connections to {} are rate-limited by {detail}", what(r.backend, &r.listener)))
                        .help(if ufw_limit {
                            "allow your deploy tooling's addresses before the limit (`ufw insert 1 allow from CIDR to any port 22 proto tcp`); ufw cannot change the limit's thresholds"
                        } else {
                            "accept your deploy tooling's addresses before the limit, or raise the limit"
                        }),
                );
            }
        }
    }
}

/// Whether this side of a rate-limit condition is the one that turns connections away: an
/// over-the-limit match that holds, or an under-the-limit match that does not. (A `recent`
/// list that admits, as in port knocking, is not a limit at all.)
fn refuses(kind: CondKind, holds: bool) -> bool {
    match kind {
        CondKind::RateLimit => holds,
        CondKind::UnderLimit => !holds,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        let f = run_firewall(
            &super::RULE,
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --update --seconds 60 --hitcount 4 -j DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn under_limit_accept() {
        // Accepted only while under the limit: the rest falls to the DROP policy.
        let text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\nCOMMIT\n";
        assert_eq!(run_firewall(&super::RULE, text).len(), 1);
        // Port knocking admits from a recent list: not a rate limit.
        let text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -m recent --rcheck --name knock -j ACCEPT\nCOMMIT\n";
        assert!(run_firewall(&super::RULE, text).is_empty());
    }

    #[test]
    fn pass() {
        assert!(
            run_firewall(
                &super::RULE,
                "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -m limit --limit 3/min -j LOG\nCOMMIT\n"
            )
            .is_empty()
        );
    }
}
