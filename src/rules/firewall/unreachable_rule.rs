//! FW201 `unreachable-rule`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::BackendKind;
use crate::model::firewall::firewalld::Firewalld;
use crate::model::firewall::shadow::{self, Why};
use crate::rules::Context;
use crate::source::Location;
use std::collections::HashSet;

declare_rule! {
    /// ## What it does
    /// Reports firewall rules no packet can reach: shadowed by an earlier rule that matches
    /// everything they match and ends the walk (naming it, and whether its action differs),
    /// rules whose own conditions exclude each other, and user chains with rules that nothing
    /// jumps to. "Earlier" is in the same chain, or in a chain every packet walks first: a user
    /// chain reached by one unconditional jump and nothing else, with no RETURN, counts as part
    /// of its caller (ufw's `ufw-before-input` before `ufw-user-input`; firewalld's zone parts,
    /// so a priority-0 rich reject defeats a `<service>` wherever each sits in the file). Only
    /// certain cases are reported: rules with rate limits, sets or unmodelled matches never
    /// shadow anything.
    ///
    /// ## Why is this bad?
    /// The rule does nothing, and usually someone believes it does: a `deny` added after a
    /// `ufw limit` on the same port never blocks anyone, because the limit's last rule accepts
    /// every packet for that port.
    ///
    /// ## Example
    /// ```text
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// -A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j DROP
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j DROP
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// ```
    ///
    /// ## References
    /// - ufw(8) NOTES ("the first match wins")
    /// - reference/firewalls.md §2.7, §9.5
    pub static RULE = {
        code: "FW201",
        name: "unreachable-rule",
        category: Hygiene,
        severity: Warning,
        since: "0.1.0",
        sources: ["ufw(8)", "iptables(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let fw = ctx.firewall;
    let ufw_files: Vec<_> = fw.ufw.as_ref().map(|u| u.rules.iter().map(|(_, id, _)| *id).collect()).unwrap_or_default();
    // firewalld: only rules generated from /etc/firewalld elements (its own chains and the
    // stock definitions are firewalld's, not the admin's).
    let elements: HashSet<Location> = fw.firewalld.iter().flat_map(|f| f.element_rules.iter().copied()).collect();
    let mut seen = HashSet::new();
    for backend in &fw.backends {
        let Some(rs) = &backend.ruleset else { continue };
        let is_ufw = backend.kind == BackendKind::Ufw;
        let is_firewalld = backend.kind == BackendKind::Firewalld;
        let report = |e: &crate::model::firewall::ruleset::Entry| match backend.kind {
            BackendKind::Ufw => ufw_files.contains(&e.at.file),
            BackendKind::Firewalld => elements.contains(&e.at),
            BackendKind::Iptables => true,
        };
        for u in shadow::unreachable(rs, &report, !is_ufw && !is_firewalld) {
            if is_firewalld {
                // One element makes rules for both families: say it once.
                if let Some(v) = firewalld_violation(fw.firewalld.as_ref(), &u, &mut seen) {
                    out.push(v);
                }
                continue;
            }
            let v = match &u.why {
                Why::Shadowed { by, same_action, by_action } => Violation::new(
                    u.at,
                    format!(
                        "this rule in {} {} can never match: an earlier rule matches every packet it would and {}",
                        u.table,
                        u.chain,
                        if *same_action {
                            format!("already does the same: {by_action}")
                        } else {
                            format!("decides differently: {by_action}")
                        }
                    ),
                )
                .related(*by, "every packet this rule could match stops here")
                .help(if *same_action {
                    "remove the redundant rule"
                } else {
                    "move the more specific rule above the earlier one (ufw: `ufw insert 1 …`), or remove it"
                }),
                Why::Contradictory(why) => {
                    Violation::new(u.at, format!("this rule in {} {} can never match: {why}", u.table, u.chain))
                        .help("split it into separate rules, or remove it")
                }
                Why::UnusedChain(name) => {
                    Violation::new(u.at, format!("chain `{name}` has rules but no built-in chain leads to it"))
                        .help(format!("add `-j {name}` where it should apply, or remove the chain"))
                }
            };
            out.push(v);
        }
    }
}

/// A firewalld element no packet reaches, in firewalld's terms (its chains are sshlint's
/// rendering of firewalld's, not something the admin wrote); `None` when `seen` already has it
/// from the other family.
fn firewalld_violation(
    fw: Option<&Firewalld>,
    u: &shadow::Unreachable,
    seen: &mut HashSet<(Location, Option<Location>)>,
) -> Option<Violation> {
    let by = match &u.why {
        Why::Shadowed { by, .. } => Some(*by),
        _ => None,
    };
    if !seen.insert((u.at, by)) {
        return None;
    }
    let place = fw.and_then(|f| f.describe_chain(&u.chain)).unwrap_or_else(|| format!("chain `{}`", u.chain));
    Some(match &u.why {
        Why::Shadowed { by, same_action, by_action } => {
            let verb = match by_action.split_whitespace().next().unwrap_or("") {
                "ACCEPT" => "accepts",
                "DROP" => "drops",
                "REJECT" => "rejects",
                _ => "decides for",
            };
            let what = if *same_action { "already does the same".to_string() } else { format!("{verb} them") };
            Violation::new(
                u.at,
                format!(
                    "this element never takes effect: in {place} an earlier firewalld rule matches every packet \
                     it would and {what}"
                ),
            )
            .related(*by, "firewalld applies this first (rich rules by priority, then deny before allow)")
            .help(if *same_action {
                "remove the redundant element"
            } else {
                "narrow or remove the rule that decides first; to let these packets through, use a rich rule with a \
                 lower priority value than it"
            })
        }
        Why::Contradictory(why) => Violation::new(u.at, format!("this element can never match: {why}"))
            .help("split it into separate rules, or remove it"),
        // Not asked for: firewalld's chains are all reached.
        Why::UnusedChain(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        let f = run_firewall(
            &super::RULE,
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j DROP\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("decides differently"));
        let f = run_firewall(
            &super::RULE,
            "*filter\n-A INPUT -m conntrack --ctstate NEW -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        let f = run_firewall(&super::RULE, "*filter\n:LOST - [0:0]\n-A LOST -j DROP\nCOMMIT\n");
        assert_eq!(f.len(), 1, "{f:?}");
    }

    /// firewalld: a priority-0 rich reject lives in the zone's deny chain and defeats a service
    /// in its allow chain, wherever each sits in the file; one finding for both families.
    #[test]
    fn firewalld_across_chains() {
        use crate::rules::CheckOptions;
        use crate::rules::testing::run_tree;
        let conf = ("etc/firewalld/firewalld.conf", "DefaultZone=public\n");
        let zone = "<zone><service name=\"ssh\"/><rule><port port=\"22\" protocol=\"tcp\"/><reject/></rule></zone>";
        let f = run_tree(&super::RULE, &[conf, ("etc/firewalld/zones/public.xml", zone)], &CheckOptions::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("rejects them"), "{}", f[0].message);
        // Narrowed to one source: the service still lets the others in.
        let zone = "<zone><service name=\"ssh\"/><rule family=\"ipv4\"><source address=\"192.0.2.0/24\"/>\
                    <port port=\"22\" protocol=\"tcp\"/><reject/></rule></zone>";
        let f = run_tree(&super::RULE, &[conf, ("etc/firewalld/zones/public.xml", zone)], &CheckOptions::default());
        assert!(f.is_empty(), "{f:?}");
        // A rich accept at priority -1 is applied before the priority-0 reject.
        let zone = "<zone><rule priority=\"-1\"><service name=\"ssh\"/><accept/></rule>\
                    <rule><port port=\"22\" protocol=\"tcp\"/><reject/></rule></zone>";
        let f = run_tree(&super::RULE, &[conf, ("etc/firewalld/zones/public.xml", zone)], &CheckOptions::default());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("accepts them"), "{}", f[0].message);
    }

    /// ufw: a user rule after a before.rules accept of the same packets, across chains.
    #[test]
    fn inlined_chain() {
        let text = "*filter\n:INPUT DROP [0:0]\n:a - [0:0]\n:b - [0:0]\n-A INPUT -j a\n-A INPUT -j b\n\
                    -A a -p tcp --dport 22 -j ACCEPT\n-A b -p tcp --dport 22 -j DROP\nCOMMIT\n";
        let f = run_firewall(&super::RULE, text);
        assert_eq!(f.len(), 1, "{f:?}");
        // `b` is also reached by another jump: not every packet that reaches it passed `a`.
        let text = "*filter\n:INPUT DROP [0:0]\n:a - [0:0]\n:b - [0:0]\n-A INPUT -j a\n-A INPUT -j b\n\
                    -A OUTPUT -j b\n-A a -p tcp --dport 22 -j ACCEPT\n-A b -p tcp --dport 22 -j DROP\nCOMMIT\n";
        assert!(run_firewall(&super::RULE, text).is_empty());
        // `a` may RETURN: packets it returns continue in INPUT.
        let text = "*filter\n:INPUT DROP [0:0]\n:a - [0:0]\n:b - [0:0]\n-A INPUT -j a\n-A INPUT -j b\n\
                    -A a -s 192.0.2.1 -j RETURN\n-A a -p tcp --dport 22 -j ACCEPT\n-A b -p tcp --dport 22 -j DROP\n\
                    COMMIT\n";
        assert!(run_firewall(&super::RULE, text).is_empty());
    }

    #[test]
    fn pass() {
        let text = "*filter\n-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\nCOMMIT\n";
        // The limit rules come after an unconditional accept of tcp/22: shadowed.
        assert_eq!(run_firewall(&super::RULE, text).len(), 2);
        let text = "*filter\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n";
        assert!(run_firewall(&super::RULE, text).is_empty());
    }
}
