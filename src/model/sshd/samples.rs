//! Representative connections for questions of the form "for some connection…": one that
//! satisfies each Match block, one from each source the user named, and a generic one, for each
//! account that must keep access.

use crate::model::sshd::effective::Effective;
use crate::model::sshd::eval::Block;
use crate::model::sshd::host::SshdHost;
use crate::model::sshd::matching::{AddrMatch, Connection, CriterionKind, addr_match_list};
use crate::model::sshd::pattern::{ListMatch, pattern_list};
use crate::source::Location;
use crate::syntax::values::ip_numeric;
use std::net::IpAddr;
use std::rc::Rc;

/// The global settings and, for each Match block a connection can be built for, the settings
/// that connection gets (with the block's location).
pub fn evaluations(host: &SshdHost) -> Vec<(Rc<Effective>, Option<Location>)> {
    let mut out = vec![(host.global_rc(), None)];
    for b in &host.startup.blocks {
        if let Some(e) = for_block(host, b, None).and_then(|c| host.effective(Some(&c)).ok()) {
            out.push((e, Some(b.at)));
        }
    }
    out
}

/// An address that stands for "anywhere else" (TEST-NET-1).
pub const GENERIC_ADDR: &str = "192.0.2.1";

/// A connection that satisfies `block`, if one can be built from its criteria.
pub fn for_block(host: &SshdHost, block: &Block, user_hint: Option<&str>) -> Option<Connection> {
    let mut c =
        Connection { user: user_hint.map(str::to_string), addr: Some(GENERIC_ADDR.into()), ..Default::default() };
    c.lport = host.global().ports().first().copied();
    c.laddr = Some("198.51.100.1".into());
    c.host = c.addr.clone();
    for cr in &block.line.criteria {
        match cr.kind {
            CriterionKind::All => return Some(c),
            CriterionKind::User => {
                if user_hint.is_some_and(|u| pattern_list(u, &cr.arg, false) == ListMatch::Matched) {
                    continue;
                }
                c.user = Some(sample_name(&cr.arg)?);
            }
            CriterionKind::Group => {
                let accounts = host.facts.accounts.as_ref()?;
                let member = accounts.users.iter().find(|u| {
                    accounts.groups_of(&u.name).is_some_and(|gs| {
                        gs.iter().any(|g| pattern_list(g, &cr.arg, false) == ListMatch::Matched)
                            && !gs.iter().any(|g| pattern_list(g, &cr.arg, false) == ListMatch::Negated)
                    })
                })?;
                c.user = Some(member.name.clone());
            }
            CriterionKind::Host => c.host = Some(sample_name(&cr.arg)?.to_ascii_lowercase()),
            CriterionKind::Address => c.addr = Some(sample_addr(&cr.arg)?),
            CriterionKind::LocalAddress => c.laddr = Some(sample_addr(&cr.arg)?),
            CriterionKind::LocalPort => {
                c.lport = crate::model::sshd::matching::a2port(&cr.arg, &|n| host.facts.service_port(n))
            }
            CriterionKind::RDomain => c.rdomain = Some(sample_name(&cr.arg)?),
            CriterionKind::InvalidUser => c.invalid_user = true,
            CriterionKind::Version => {}
        }
    }
    Some(c)
}

/// A name matching a pattern list (`dev*` → `dev`), checked against the whole list.
pub fn sample_name(list: &str) -> Option<String> {
    for entry in list.split(',').filter(|e| !e.starts_with('!')) {
        let name: String = entry.chars().filter(|&ch| ch != '*').map(|ch| if ch == '?' { 'x' } else { ch }).collect();
        let name = if name.is_empty() { "sshlint".to_string() } else { name };
        if pattern_list(&name, list, false) == ListMatch::Matched {
            return Some(name);
        }
    }
    None
}

/// An address matching an address list (a CIDR's first host, a wildcard filled with 1s).
pub fn sample_addr(list: &str) -> Option<String> {
    for entry in list.split(',').filter(|e| !e.starts_with('!')) {
        let candidate = if let Some((net, len)) = entry.split_once('/') {
            let ip = ip_numeric(net)?;
            let len: u32 = len.parse().ok()?;
            match ip {
                IpAddr::V4(a) if len < 32 => std::net::Ipv4Addr::from(u32::from(a) | 1).to_string(),
                IpAddr::V6(a) if len < 128 => std::net::Ipv6Addr::from(u128::from(a) | 1).to_string(),
                _ => ip.to_string(),
            }
        } else {
            entry.replace(['*', '?'], "1")
        };
        if addr_match_list(Some(&candidate), list) == AddrMatch::Matched {
            return Some(candidate);
        }
    }
    None
}

/// First address of a `--from` CIDR (or the address itself).
pub fn from_addr(cidr: &str) -> Option<String> {
    let net = cidr.split('/').next()?;
    let ip = ip_numeric(net)?;
    Some(match (ip, cidr.split_once('/')) {
        (IpAddr::V4(a), Some((_, l))) if l != "32" => std::net::Ipv4Addr::from(u32::from(a) | 1).to_string(),
        (IpAddr::V6(a), Some((_, l))) if l != "128" => std::net::Ipv6Addr::from(u128::from(a) | 1).to_string(),
        _ => ip.to_string(),
    })
}

/// Connections worth checking for `user`: from each `--from` source (or, without any, from a
/// generic address and from each address a Match block singles out), to each port.
pub fn for_user(host: &SshdHost, user: &str, from: &[String]) -> Vec<Connection> {
    let mut addrs: Vec<String> = from.iter().filter_map(|f| from_addr(f)).collect();
    if addrs.is_empty() {
        addrs.push(GENERIC_ADDR.into());
        for b in &host.startup.blocks {
            for cr in b.line.criteria.iter().filter(|c| c.kind == CriterionKind::Address) {
                if let Some(a) = sample_addr(&cr.arg)
                    && !addrs.contains(&a)
                {
                    addrs.push(a);
                }
            }
        }
    }
    let mut ports = host.global().ports();
    for b in &host.startup.blocks {
        for cr in b.line.criteria.iter().filter(|c| c.kind == CriterionKind::LocalPort) {
            if let Some(p) = cr.arg.parse::<u16>().ok().filter(|p| !ports.contains(p)) {
                ports.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for a in &addrs {
        for &p in &ports {
            out.push(Connection {
                user: Some(user.to_string()),
                host: Some(a.clone()),
                addr: Some(a.clone()),
                laddr: Some("198.51.100.1".into()),
                lport: Some(p),
                ..Default::default()
            });
        }
    }
    out
}

/// Accounts that must keep access: `--user`, else holders of authorized_keys in the root.
pub fn required_users(host: &SshdHost, users: &[String]) -> Vec<String> {
    if !users.is_empty() {
        return users.to_vec();
    }
    host.logins.users.iter().filter(|u| u.holds_keys()).map(|u| u.name.clone()).collect()
}
