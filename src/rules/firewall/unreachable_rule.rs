//! FW201 `unreachable-rule`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::BackendKind;
use crate::model::firewall::shadow::{self, Why};
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports firewall rules no packet can reach: shadowed by an earlier rule of the same
    /// chain that matches everything they match and ends the walk (naming it, and whether its
    /// action differs), rules whose own conditions exclude each other, and user chains with
    /// rules that nothing jumps to. Only certain cases are reported: rules with rate limits,
    /// sets or unmodelled matches never shadow anything.
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
    let elements: std::collections::HashSet<crate::source::Location> =
        fw.firewalld.iter().flat_map(|f| f.element_rules.iter().copied()).collect();
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

    #[test]
    fn pass() {
        let text = "*filter\n-A INPUT -s 198.51.100.0/24 -p tcp --dport 22 -j DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\nCOMMIT\n";
        // The limit rules come after an unconditional accept of tcp/22: shadowed.
        assert_eq!(run_firewall(&super::RULE, text).len(), 2);
        let text = "*filter\n-A INPUT -p tcp --dport 22 -m limit --limit 3/min -j ACCEPT\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n";
        assert!(run_firewall(&super::RULE, text).is_empty());
    }
}
