//! FW106 `ssh-port-redirected`.

use super::what;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::eval::{Decider, Verdict};
use crate::model::reach;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports nat rules (`DNAT`, `REDIRECT` in nat PREROUTING, a firewalld `<forward-port>`)
    /// that send new connections for an sshd port to another port where sshd does not listen, or
    /// to another machine.
    ///
    /// ## Why is this bad?
    /// The connection never reaches this host's sshd: a container published on the SSH port, a
    /// forgotten port forward, or a redirect left over from a migration takes the port away.
    ///
    /// ## Example
    /// ```text
    /// *nat
    /// -A PREROUTING -p tcp --dport 22 -j DNAT --to-destination 10.0.0.5:22
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *nat
    /// -A PREROUTING -p tcp --dport 2022 -j DNAT --to-destination 10.0.0.5:22
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables-extensions(8) DNAT, REDIRECT
    /// - firewalld.zone(5) forward-port: without `to-addr` it redirects to a local port, IPv4 only
    /// - reference/firewalls.md §1.4, §1.5 (Docker)
    pub static RULE = {
        code: "FW106",
        name: "ssh-port-redirected",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["iptables-extensions(8) DNAT"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let listeners = reach::listeners(ctx.host, ctx.sshd_present);
    let mut seen = Vec::new();
    for r in reach::all(ctx.firewall, &listeners) {
        let ports = reach::ports(&listeners, r.backend.family);
        for o in &r.eval.outcomes {
            let (at, msg) = match (&o.verdict, &o.redirected, &o.by) {
                (Verdict::Away(to), _, Decider::Rule { at, .. }) => (
                    *at,
                    format!(
                        "nat sends new SSH connections to {} to {to}: they never reach this host's sshd",
                        what(r.backend, &r.listener)
                    ),
                ),
                (_, Some((at, port)), _) if !ports.contains(port) => (
                    *at,
                    format!(
                        "nat redirects new SSH connections to {} to port {port}, where sshd does not listen",
                        what(r.backend, &r.listener)
                    ),
                ),
                _ => continue,
            };
            if seen.contains(&at) {
                continue;
            }
            seen.push(at);
            out.push(
                Violation::new(at, msg)
                    .help("exclude the sshd port from this nat rule, or move the forwarded service to another port"),
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
            "*nat\n-A PREROUTING -p tcp --dport 22 -j DNAT --to-destination 10.0.0.5:22\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        let f =
            run_firewall(&super::RULE, "*nat\n-A PREROUTING -p tcp --dport 22 -j REDIRECT --to-ports 2222\nCOMMIT\n");
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn pass() {
        assert!(
            run_firewall(&super::RULE, "*nat\n-A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080\nCOMMIT\n")
                .is_empty()
        );
    }
}
