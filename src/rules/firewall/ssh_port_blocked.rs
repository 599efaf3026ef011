//! FW101 `ssh-port-blocked`.

use super::{location, open_help, what};
use crate::ast::iptables::Family;
use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::BackendKind;
use crate::model::firewall::eval::{Reply, Verdict};
use crate::model::reach;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports an sshd port that the firewall closes to new connections from every source:
    /// dropped, refused or sent elsewhere, in each address family sshd listens on. The port is
    /// the one sshd really listens on (the `ListenStream=` of an enabled `ssh.socket` when
    /// systemd starts sshd through it, else the same host's sshd_config; 22 without one), and
    /// the verdict follows the packet through raw, mangle and nat PREROUTING and the INPUT
    /// chains, jumps, gotos, returns and policies. sshd's replies and a REJECT's answer must get
    /// out through the OUTPUT chains as well (`:OUTPUT DROP` with only `NEW` accepted stops
    /// them), and a later packet each way must pass too, or the session hangs after the
    /// handshake. Over IPv6, neighbour discovery comes first: the solicitation (ICMPv6 type
    /// 135, from the client or from the router in front of the host) must come in and the
    /// host's advertisement (136) go out, and conntrack marks both UNTRACKED, so an ip6tables
    /// ruleset that accepts only TCP under a DROP policy blocks every IPv6 client. For ufw, the
    /// ruleset is the one `ufw-init` builds from ufw.conf, /etc/default/ufw and the rules files
    /// (`IPV6=no` closes IPv6).
    ///
    /// ## Why is this bad?
    /// Nobody can open a new SSH session once this ruleset is loaded: the classic "enabled the
    /// firewall before allowing SSH" lockout, or an IPv6 lockout on a host reached over IPv6.
    ///
    /// ## Example
    /// ```text
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    /// -A INPUT -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables(8), ufw(8)
    /// - reference/firewalls.md §1.4, §2.2, §2.6
    pub static RULE = {
        code: "FW101",
        name: "ssh-port-blocked",
        category: Access,
        severity: Error,
        since: "0.1.0",
        sources: ["iptables(8)", "ufw(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let listeners = reach::listeners(ctx.host, ctx.sshd_present);
    for r in reach::all(ctx.firewall, &listeners) {
        if !blocked_everywhere(&r.eval) {
            continue;
        }
        let ev = &r.eval;
        let mut kinds: Vec<String> = ev.outcomes.iter().map(|o| short(&o.verdict)).collect();
        kinds.sort();
        kinds.dedup();
        // The decider that covers the most sources leads; the others are related.
        let mut order: Vec<usize> = (0..ev.outcomes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ev.outcomes[i].src.ranges().iter().map(|(a, b)| b - a).max()));
        let Some(&lead) = order.first() else { continue };
        let o = &ev.outcomes[lead];
        let mut why = format!("by {}", o.by.describe());
        if let Some(n) = o.neighbour {
            why = format!(
                "{why}, which stops IPv6 neighbour discovery ({}): the client never gets to send its SYN",
                if n.is_solicitation() {
                    "the incoming neighbour solicitation"
                } else {
                    "the host's neighbour advertisement"
                }
            );
        } else if let Some(reply) = &o.reply {
            why = match reply {
                Reply::Sshd if o.after_handshake => format!("{why}, which stops sshd's packets after the handshake"),
                Reply::Sshd => format!("{why}, which stops sshd's reply (the SYN-ACK)"),
                Reply::Refusal(_) => format!("{why}, which stops the REJECT's answer"),
            };
        } else if o.after_handshake {
            why = format!(
                "{why} after the handshake (only the SYN is accepted: add `-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`)"
            );
        }
        if r.backend.kind == BackendKind::Ufw
            && r.backend.family == Family::Ipv6
            && ctx
                .firewall
                .ufw
                .as_ref()
                .is_some_and(|u| u.settings.get("IPV6").is_none_or(|v| v.value != "yes" && v.value != "YES"))
        {
            why = "because ufw's IPV6=no drops all IPv6 traffic except on `lo`".into();
        }
        let mut v = Violation::new(
            location(ctx, r.backend, &o.by),
            format!(
                "new SSH connections to {} are {} from every source, {why}",
                what(r.backend, &r.listener),
                kinds.join(" or ")
            ),
        )
        .help(if why.contains("IPV6=no") {
            "set IPV6=yes in /etc/default/ufw (and allow SSH), or make sure sshd is not reached over IPv6".to_string()
        } else if o.neighbour.is_some() {
            discovery_help(r.backend.kind)
        } else if o.reply == Some(Reply::Sshd) {
            "let replies out before the rule or policy that stops them: `-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`".to_string()
        } else {
            open_help(r.backend, r.listener.port)
        });
        for &i in order.iter().skip(1).take(3) {
            let other = &ev.outcomes[i];
            if let Some(at) = other.by.location() {
                v = v.related(at, format!("{} from {}", short(&other.verdict), other.src.describe(r.backend.family)));
            }
        }
        out.push(v);
    }
}

/// How to let neighbour discovery through.
fn discovery_help(kind: BackendKind) -> String {
    match kind {
        BackendKind::Ufw => "restore the neighbour-discovery rules of ufw's before6.rules (ICMPv6 types 135 and 136 with `-m hl --hl-eq 255`, in ufw6-before-input and ufw6-before-output)".into(),
        _ => "accept neighbour discovery before the rule or policy that stops it: `-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT` and `-A OUTPUT -p ipv6-icmp --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT` (conntrack calls these packets UNTRACKED: NEW and ESTABLISHED rules never match them)".into(),
    }
}

/// No source can get a new connection through (nothing accepts, nothing undecided).
pub(crate) fn blocked_everywhere(ev: &crate::model::firewall::eval::Evaluation) -> bool {
    // DNAT to another machine is FW106's finding.
    !ev.outcomes.is_empty() && ev.outcomes.iter().all(|o| matches!(o.verdict, Verdict::Drop | Verdict::Refuse(_)))
}

fn short(v: &Verdict) -> String {
    match v {
        Verdict::Drop => "dropped".into(),
        Verdict::Refuse(k) if k == "tcp-reset" => "reset".into(),
        Verdict::Refuse(_) => "refused".into(),
        Verdict::Away(to) => format!("sent to {to}"),
        Verdict::Accept => "accepted".into(),
        Verdict::Unknown(w) => w.clone(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::{run_firewall, run_tree};

    #[test]
    fn fail() {
        let f = run_firewall(
            &super::RULE,
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("dropped from every source"), "{}", f[0].message);
        // sshd moved to 2222, the firewall still opens 22 only.
        let f = run_tree(
            &super::RULE,
            &[
                ("/etc/ssh/sshd_config", "Port 2222\n"),
                (
                    "/etc/iptables/rules.v4",
                    "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
                ),
            ],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("port 2222"));
    }

    #[test]
    fn neighbour_discovery() {
        // Only TCP accepted: IPv6 clients never get their neighbour solicitation through.
        let tree = |v6: &'static str| {
            run_tree(
                &super::RULE,
                &[("/etc/iptables/rules.v4", "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"), ("/etc/iptables/rules.v6", v6)],
                &CheckOptions::default(),
            )
        };
        let f = tree("*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("neighbour solicitation"), "{}", f[0].message);
        assert!(f[0].help.as_deref().is_some_and(|h| h.contains("neighbour-solicitation")), "{:?}", f[0].help);
        // The host's advertisement stopped on its way out (UNTRACKED, not ESTABLISHED).
        let f = tree(
            "*filter\n:INPUT ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("neighbour advertisement"), "{}", f[0].message);
        // Neighbour discovery accepted by type and hop limit, or as UNTRACKED: no finding.
        for ok in [
            "-A INPUT -p ipv6-icmp --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT",
            "-A INPUT -p icmpv6 --icmpv6-type 135 -j ACCEPT",
            "-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT",
            "-A INPUT -m conntrack --ctstate INVALID -j DROP\n-A INPUT -p 58 -j ACCEPT",
        ] {
            let f = tree(
                format!("*filter\n:INPUT DROP [0:0]\n{ok}\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n").leak(),
            );
            assert!(f.is_empty(), "{ok}: {f:?}");
        }
        // Accepted only from link-local sources (routers) or only from global ones (on-link
        // clients): some clients get through, so not "blocked from every source".
        for partial in ["-s fe80::/10 -p icmpv6 -j ACCEPT", "-s 2001:db8::/32 -p icmpv6 -j ACCEPT"] {
            let f = tree(
                format!(
                    "*filter\n:INPUT DROP [0:0]\n-A INPUT {partial}\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
                )
                .leak(),
            );
            assert!(f.is_empty(), "{partial}: {f:?}");
        }
        // Neither hop limit 255 nor a state NEW accept lets it through.
        for bad in [
            "-A INPUT -p icmpv6 -m hl --hl-lt 255 -j ACCEPT",
            "-A INPUT -m conntrack --ctstate NEW -j ACCEPT",
            "-A INPUT -m conntrack ! --ctproto tcp -j ACCEPT",
        ] {
            let f = tree(
                format!("*filter\n:INPUT DROP [0:0]\n{bad}\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n").leak(),
            );
            assert_eq!(f.len(), 1, "{bad}: {f:?}");
        }
    }

    #[test]
    fn pass() {
        assert!(
            run_firewall(&super::RULE, "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")
                .is_empty()
        );
        // Open from one network only is not "blocked from every source".
        assert!(
            run_firewall(
                &super::RULE,
                "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
            )
            .is_empty()
        );
        // Rate limited is conditional, not blocked.
        assert!(
            run_firewall(
                &super::RULE,
                "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\nCOMMIT\n"
            )
            .is_empty()
        );
    }
}
