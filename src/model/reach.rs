//! Where sshd can be reached: the (family, port, address) pairs it listens on, from the same
//! host's sshd model, and each firewall backend's verdict for new connections to them.

use crate::ast::iptables::Family;
use crate::model::firewall::addr::{self, AddrSet};
use crate::model::firewall::eval::Evaluation;
use crate::model::firewall::{Backend, Firewall};
use crate::model::socket::SocketUnit;
use crate::model::sshd::dump;
use crate::model::sshd::host::SshdHost;
use crate::model::sshd::keywords::Opt;
use std::net::IpAddr;
use std::rc::Rc;

/// One listening socket of sshd, as the firewall sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Listener {
    pub family: Family,
    pub port: u16,
    /// The address when sshd binds a specific one (`None`: every address of the host).
    pub addr: Option<u128>,
}

/// sshd's listeners: the `ListenStream=` sockets of an enabled `ssh.socket` (systemd owns them
/// and sshd_config's `Port`/`ListenAddress` are not used), else every `ListenAddress` × `Port`,
/// or port 22 on both families when the host has no sshd_config. Loopback listeners are left
/// out: no remote connection reaches them.
pub fn listeners(host: &SshdHost, sshd_present: bool) -> Vec<Listener> {
    if let Some(socket) = active_socket(host) {
        return socket_listeners(socket);
    }
    if !sshd_present {
        return vec![
            Listener { family: Family::Ipv4, port: 22, addr: None },
            Listener { family: Family::Ipv6, port: 22, addr: None },
        ];
    }
    config_listeners(host)
}

/// The socket unit that decides where sshd listens, if any (enabled and not masked).
pub fn active_socket(host: &SshdHost) -> Option<&SocketUnit> {
    host.socket.as_ref().filter(|s| s.decides())
}

/// The TCP sockets of a socket unit, as listeners.
pub fn socket_listeners(socket: &SocketUnit) -> Vec<Listener> {
    let mut out: Vec<Listener> = Vec::new();
    for t in socket.tcp() {
        if t.addr.is_some_and(|a| a.is_loopback()) {
            continue;
        }
        let l = Listener { family: t.family, port: t.port, addr: t.addr.map(addr::to_int) };
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// The listeners sshd_config asks for (`ListenAddress` × `Port`, `AddressFamily`), whether or
/// not a socket unit overrides them.
pub fn config_listeners(host: &SshdHost) -> Vec<Listener> {
    let mut out: Vec<Listener> = Vec::new();
    let mut push = |l: Listener| {
        if !out.contains(&l) {
            out.push(l);
        }
    };
    let g = host.global();
    match dump::listen_addresses(g, &|n| host.resolve(n)) {
        Ok(addrs) => {
            for (ip, port) in addrs {
                if ip.is_loopback() {
                    continue;
                }
                let family = if ip.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
                let addr = if ip.is_unspecified() { None } else { Some(addr::to_int(ip)) };
                push(Listener { family, port, addr });
            }
        }
        Err(_) => {
            let fam = g.num(Opt::AddressFamily);
            for port in g.ports() {
                if fam != 10 {
                    push(Listener { family: Family::Ipv4, port, addr: None });
                }
                if fam != 2 {
                    push(Listener { family: Family::Ipv6, port, addr: None });
                }
            }
        }
    }
    out
}

/// Whether a listener accepts a connection for `family`/`port` to `dst` (`None`: any address).
pub fn covers(l: &Listener, family: Family, port: u16, dst: Option<u128>) -> bool {
    l.family == family && l.port == port && (l.addr.is_none() || l.addr == dst)
}

/// The ports sshd listens on for a family.
pub fn ports(listeners: &[Listener], family: Family) -> Vec<u16> {
    let mut p: Vec<u16> = listeners.iter().filter(|l| l.family == family).map(|l| l.port).collect();
    p.sort_unstable();
    p.dedup();
    p
}

/// A backend's verdicts for one listener, from every source.
pub struct Reach<'a> {
    pub index: usize,
    pub backend: &'a Backend,
    pub listener: Listener,
    pub eval: Rc<Evaluation>,
}

/// Every (backend, listener of the backend's family) evaluation, from any source.
pub fn all<'a>(fw: &'a Firewall, listeners: &[Listener]) -> Vec<Reach<'a>> {
    let mut out = Vec::new();
    for (index, backend) in fw.backends.iter().enumerate() {
        for l in listeners.iter().filter(|l| l.family == backend.family) {
            let full = AddrSet::full(backend.family);
            if let Some(eval) = fw.evaluate(index, l.port, None, None, l.addr, &full) {
                out.push(Reach { index, backend, listener: *l, eval });
            }
        }
    }
    out
}

pub fn family_name(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "IPv4",
        Family::Ipv6 => "IPv6",
    }
}

/// Parse a `--from` value (address or CIDR).
pub fn parse_source(s: &str) -> Option<(Family, AddrSet)> {
    let ip_part = s.split('/').next().unwrap_or(s);
    let ip: IpAddr = ip_part.parse().ok()?;
    let family = if ip.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
    Some((family, addr::parse_net(s, family)?))
}
