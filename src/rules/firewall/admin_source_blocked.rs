//! FW105 `admin-source-blocked`.

use super::{location, what};
use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::firewall::eval::Class;
use crate::model::reach;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Checks every source given with `--from` (an address or CIDR that must keep SSH access)
    /// against the firewall: reports the part of it that cannot open a new connection to an
    /// sshd port, and the rule or policy that stops it. Where the answer depends on state the
    /// files do not hold (a rate limit, an ipset, an unknown interface) the finding is a
    /// warning.
    ///
    /// ## Why is this bad?
    /// The administrators' network is locked out; it usually comes from a wrong CIDR in an
    /// allow rule or a deny rule placed before the allow.
    ///
    /// ## Example
    /// ```text
    /// # sshlint --from 192.0.2.0/24
    /// -A INPUT -s 192.0.3.0/24 -p tcp --dport 22 -j ACCEPT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// -A INPUT -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT
    /// ```
    ///
    /// ## References
    /// - reference/firewalls.md §1.4, §2.8 (a wrong LAN CIDR in the allow rule)
    pub static RULE = {
        code: "FW105",
        name: "admin-source-blocked",
        category: Access,
        severity: Error,
        since: "0.1.0",
        sources: ["iptables(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let listeners = reach::listeners(ctx.host, ctx.sshd_present);
    for source in &ctx.options.from {
        let Some((family, set)) = reach::parse_source(source) else { continue };
        for (index, backend) in ctx.firewall.backends.iter().enumerate() {
            if backend.family != family {
                continue;
            }
            for l in listeners.iter().filter(|l| l.family == family) {
                let Some(ev) = ctx.firewall.evaluate(index, l.port, None, None, l.addr, &set) else { continue };
                let blocked: Vec<_> =
                    ev.regions.iter().filter(|r| matches!(ev.class_of(r), Class::Refused | Class::Dropped)).collect();
                let conditional: Vec<_> = ev.regions.iter().filter(|r| ev.class_of(r) == Class::Conditional).collect();
                let (regions, severity) = if !blocked.is_empty() {
                    (blocked, Severity::Error)
                } else if !conditional.is_empty() {
                    (conditional, Severity::Warning)
                } else {
                    continue;
                };
                let region = regions[0];
                let Some(&first) = region.outcomes.first() else { continue };
                let o = &ev.outcomes[first];
                let part =
                    regions.iter().fold(crate::model::firewall::addr::AddrSet::empty(), |acc, r| acc.union(&r.src));
                let who = if part == set {
                    format!("`{source}`")
                } else {
                    format!("{} (part of `{source}`)", part.describe(family))
                };
                let how = if severity == Severity::Error {
                    format!("{} by {}", o.verdict.describe(), o.by.describe())
                } else {
                    let conds: Vec<&str> = o.assumed.iter().map(|(c, _)| c.text.as_str()).collect();
                    format!("it depends on {}", if conds.is_empty() { o.verdict.describe() } else { conds.join(", ") })
                };
                out.push(
                    Violation::new(
                        location(ctx, backend, &o.by),
                        format!(
                            "{who}, which must keep SSH access, {} {}: {how}",
                            if severity == Severity::Error { "cannot reach" } else { "may not reach" },
                            what(backend, l)
                        ),
                    )
                    .severity(severity)
                    .help("accept this source before the rule that stops it"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_firewall_with;

    #[test]
    fn fail() {
        let opts = CheckOptions { from: vec!["192.0.2.0/24".into()], ..Default::default() };
        let f = run_firewall_with(
            &super::RULE,
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.3.0/24 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
            &opts,
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn pass() {
        let opts = CheckOptions { from: vec!["192.0.2.7".into()], ..Default::default() };
        let f = run_firewall_with(
            &super::RULE,
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
            &opts,
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
