//! Firewall rules (FW codes): whether the ruleset loads, whether SSH gets through it, and
//! rules that can never match. One file each.

pub mod admin_source_blocked;
pub mod chain_loop;
pub mod competing_firewalls;
pub mod firewall_not_enabled;
pub mod firewalld_bad_default_zone;
pub mod firewalld_conflicting_binding;
pub mod firewalld_invalid_config;
pub mod firewalld_unknown_reference;
pub mod invalid_target_use;
pub mod ssh_port_blocked;
pub mod ssh_port_mismatch;
pub mod ssh_port_rate_limited;
pub mod ssh_port_redirected;
pub mod ssh_port_reset;
pub mod syntax_error;
pub mod ufw_rules_out_of_sync;
pub mod undefined_chain;
pub mod unreachable_rule;

use crate::model::firewall::eval::Decider;
use crate::model::firewall::ruleset::{Problem, ProblemKind};
use crate::model::firewall::{Backend, BackendKind};
use crate::model::reach::{Listener, family_name};
use crate::rules::Context;
use crate::rules::Rule;
use crate::source::Location;

/// Every load problem of every firewall file (iptables-save files and ufw's restore runs).
pub(crate) fn problems<'a>(ctx: &'a Context) -> Vec<&'a Problem> {
    let mut out: Vec<&Problem> = ctx.firewall.iptables.iter().flat_map(|f| f.problems.iter()).collect();
    if let Some(u) = &ctx.firewall.ufw {
        for (_, _, runs) in &u.built {
            for (_, ps) in runs {
                out.extend(ps.iter());
            }
        }
    }
    out.dedup_by(|a, b| a.at == b.at && a.message == b.message);
    out
}

pub(crate) fn problems_of(ctx: &Context, kind: ProblemKind, out: &mut Vec<crate::diagnostic::Violation>) {
    for p in problems(ctx).into_iter().filter(|p| p.kind == kind) {
        let mut v = crate::diagnostic::Violation::new(p.at, p.message.clone());
        if let Some(h) = &p.help {
            v = v.help(h.clone());
        }
        for r in &p.related {
            v = v.related(r.location, r.message.clone());
        }
        out.push(v);
    }
}

/// The firewalld findings of one code, with what a fallback means.
pub(crate) fn firewalld_findings(
    ctx: &Context,
    code: crate::model::firewall::firewalld::Code,
    out: &mut Vec<crate::diagnostic::Violation>,
) {
    use crate::model::firewall::firewalld::Firewalld;
    let Some(f) = &ctx.firewall.firewalld else { return };
    for finding in f.findings.iter().filter(|x| x.code == code) {
        let mut v = crate::diagnostic::Violation::new(finding.at, finding.message.clone());
        if finding.fallback {
            v = v.help(format!(
                "{}; fix it and check with `firewall-offline-cmd --check-config`",
                Firewalld::fallback_note()
            ));
        } else if code == crate::model::firewall::firewalld::Code::Invalid {
            v = v.severity(crate::diagnostic::Severity::Warning);
        }
        for (at, m) in &finding.related {
            v = v.related(*at, m.clone());
        }
        out.push(v);
    }
}

/// "port 22 over IPv4 (ufw)".
pub(crate) fn what(backend: &Backend, l: &Listener) -> String {
    let addr =
        l.addr.map(|a| format!(" on {}", crate::model::firewall::addr::from_int(a, l.family))).unwrap_or_default();
    let via = match backend.kind {
        BackendKind::Ufw => " (ufw)",
        BackendKind::Firewalld => " (firewalld)",
        BackendKind::Iptables => "",
    };
    format!("port {}{addr} over {}{via}", l.port, family_name(l.family))
}

/// Where to point for an outcome: the deciding rule or policy line, else the backend's file.
pub(crate) fn location(ctx: &Context, backend: &Backend, by: &Decider) -> Location {
    by.location()
        .or_else(|| backend.file.map(|file| Location { file, span: Default::default() }))
        .or_else(|| {
            ctx.firewall
                .ufw
                .as_ref()
                .and_then(|u| u.default_file)
                .map(|file| Location { file, span: Default::default() })
        })
        .unwrap_or_default()
}

/// How a client experiences a refusal.
pub(crate) fn symptom(kind: &str) -> &'static str {
    match kind {
        "tcp-reset" => "“Connection reset by peer”",
        "icmp-port-unreachable" | "icmp6-port-unreachable" | "port-unreach" => "“Connection refused”",
        _ => "“No route to host” or “Connection refused”",
    }
}

/// The help line for opening SSH in a backend.
pub(crate) fn open_help(backend: &Backend, port: u16) -> String {
    match backend.kind {
        BackendKind::Ufw => format!(
            "allow it before enabling ufw: `ufw allow {port}/tcp` (or `ufw allow from ADMIN-CIDR to any port {port} proto tcp`)"
        ),
        BackendKind::Firewalld => format!(
            "open it in the zone the clients arrive in: `<port port=\"{port}\" protocol=\"tcp\"/>` (or `<service name=\"ssh\"/>` with an ssh service on that port), and remove rich rules that reject or drop it"
        ),
        BackendKind::Iptables => format!(
            "accept it before the rule or policy that blocks it: `-A INPUT -p tcp --dport {port} -m conntrack --ctstate NEW -j ACCEPT`"
        ),
    }
}

macro_rules! rule {
    ($m:ident) => {
        Rule { meta: &$m::RULE, check: Some($m::check) }
    };
}

/// The firewall rules, in code order.
pub static RULES: &[Rule] = &[
    rule!(syntax_error),
    rule!(firewalld_invalid_config),
    rule!(firewalld_unknown_reference),
    rule!(firewalld_bad_default_zone),
    rule!(firewalld_conflicting_binding),
    rule!(undefined_chain),
    rule!(chain_loop),
    rule!(invalid_target_use),
    rule!(ssh_port_blocked),
    rule!(ssh_port_reset),
    rule!(ssh_port_rate_limited),
    rule!(ssh_port_mismatch),
    rule!(admin_source_blocked),
    rule!(ssh_port_redirected),
    rule!(unreachable_rule),
    rule!(firewall_not_enabled),
    rule!(ufw_rules_out_of_sync),
    rule!(competing_firewalls),
];
