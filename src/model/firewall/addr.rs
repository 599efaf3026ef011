//! Sets of source addresses as sorted, disjoint, inclusive intervals, so that "blocked except
//! from 192.0.2.0/24" is computed exactly. IPv4 addresses live in `0..=u32::MAX`, IPv6 in the
//! whole `u128` range; a set never mixes families.

use crate::ast::iptables::Family;
use smallvec::{SmallVec, smallvec};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Most sets are one or two intervals (a prefix, or everything but one): kept inline, since
/// rulesets of 10⁵ rules build several per rule.
type Ranges = SmallVec<[(u128, u128); 2]>;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddrSet {
    ranges: Ranges,
}

pub fn max_of(family: Family) -> u128 {
    match family {
        Family::Ipv4 => u128::from(u32::MAX),
        Family::Ipv6 => u128::MAX,
    }
}

pub fn to_int(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

pub fn from_int(n: u128, family: Family) -> IpAddr {
    match family {
        Family::Ipv4 => IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX))),
        Family::Ipv6 => IpAddr::V6(Ipv6Addr::from(n)),
    }
}

impl AddrSet {
    pub fn empty() -> Self {
        AddrSet::default()
    }

    pub fn full(family: Family) -> Self {
        AddrSet { ranges: smallvec![(0, max_of(family))] }
    }

    pub fn range(lo: u128, hi: u128) -> Self {
        if lo > hi { AddrSet::empty() } else { AddrSet { ranges: smallvec![(lo, hi)] } }
    }

    pub fn single(ip: IpAddr) -> Self {
        let n = to_int(ip);
        AddrSet::range(n, n)
    }

    /// `ip/prefix` (host bits ignored, as iptables does).
    pub fn cidr(ip: IpAddr, prefix: u32) -> Self {
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.min(bits);
        let n = to_int(ip);
        let host_bits = bits - prefix;
        let mask: u128 = if host_bits == 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
        AddrSet::range(n & !mask, n | mask)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn is_full(&self, family: Family) -> bool {
        self.ranges[..] == [(0, max_of(family))]
    }

    pub fn contains(&self, n: u128) -> bool {
        self.ranges.iter().any(|&(a, b)| a <= n && n <= b)
    }

    pub fn ranges(&self) -> &[(u128, u128)] {
        &self.ranges
    }

    pub fn union(&self, other: &AddrSet) -> AddrSet {
        let mut all: Ranges = self.ranges.iter().chain(other.ranges.iter()).copied().collect();
        all.sort_unstable();
        let mut out = Ranges::with_capacity(all.len());
        for (a, b) in all {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        AddrSet { ranges: out }
    }

    pub fn intersect(&self, other: &AddrSet) -> AddrSet {
        let (mut i, mut j) = (0, 0);
        let mut out = Ranges::new();
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a1, b1) = self.ranges[i];
            let (a2, b2) = other.ranges[j];
            let lo = a1.max(a2);
            let hi = b1.min(b2);
            if lo <= hi {
                out.push((lo, hi));
            }
            if b1 < b2 {
                i += 1;
            } else {
                j += 1;
            }
        }
        AddrSet { ranges: out }
    }

    pub fn complement(&self, family: Family) -> AddrSet {
        let max = max_of(family);
        let mut out = Ranges::new();
        let mut next: Option<u128> = Some(0);
        for &(a, b) in &self.ranges {
            if let Some(n) = next
                && a > n
            {
                out.push((n, a - 1));
            }
            next = b.checked_add(1);
        }
        if let Some(n) = next
            && n <= max
        {
            out.push((n, max));
        }
        AddrSet { ranges: out }
    }

    pub fn subtract(&self, other: &AddrSet, family: Family) -> AddrSet {
        if other.is_empty() {
            return self.clone();
        }
        self.intersect(&other.complement(family))
    }

    pub fn is_subset(&self, other: &AddrSet) -> bool {
        self.intersect(other) == *self
    }

    /// The set as CIDR blocks (the fewest that cover it exactly).
    pub fn cidrs(&self, family: Family) -> Vec<String> {
        let bits: u32 = if family == Family::Ipv4 { 32 } else { 128 };
        let mut out = Vec::new();
        for &(a, b) in &self.ranges {
            let mut lo = a;
            loop {
                // Largest block aligned at lo that fits in [lo, b].
                let mut size_bits = if lo == 0 { bits } else { lo.trailing_zeros().min(bits) };
                while size_bits > 0 {
                    let span = if size_bits == 128 { u128::MAX } else { (1u128 << size_bits) - 1 };
                    if lo.checked_add(span).is_some_and(|end| end <= b) {
                        break;
                    }
                    size_bits -= 1;
                }
                let span = if size_bits == 128 { u128::MAX } else { (1u128 << size_bits) - 1 };
                out.push(format!("{}/{}", from_int(lo, family), bits - size_bits));
                match lo.checked_add(span).and_then(|e| e.checked_add(1)) {
                    Some(n) if n <= b => lo = n,
                    _ => break,
                }
            }
        }
        out
    }

    /// A short human description: `any`, a few CIDRs, or a count.
    pub fn describe(&self, family: Family) -> String {
        if self.is_full(family) {
            return "any source".into();
        }
        if self.is_empty() {
            return "no source".into();
        }
        let c = self.cidrs(family);
        if c.len() <= 4 { c.join(", ") } else { format!("{}, {} and {} more ranges", c[0], c[1], c.len() - 2) }
    }
}

/// `addr[/mask]` as iptables reads it for `-s`/`-d` (a prefix length or a dotted/colon mask);
/// `None` for a host name, which sshlint never resolves.
pub fn parse_net(text: &str, family: Family) -> Option<AddrSet> {
    let (addr, mask) = match text.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (text, None),
    };
    let ip: IpAddr = match family {
        Family::Ipv4 => IpAddr::V4(addr.parse().ok()?),
        Family::Ipv6 => IpAddr::V6(addr.parse().ok()?),
    };
    let bits = if family == Family::Ipv4 { 32 } else { 128 };
    let prefix = match mask {
        None => bits,
        Some(m) if !m.is_empty() && m.bytes().all(|c| c.is_ascii_digit()) => m.parse::<u32>().ok()?.min(bits),
        Some(m) => {
            // A netmask: only contiguous masks are meaningful as prefixes.
            let mask_ip: IpAddr = match family {
                Family::Ipv4 => IpAddr::V4(m.parse().ok()?),
                Family::Ipv6 => IpAddr::V6(m.parse().ok()?),
            };
            let n = to_int(mask_ip);
            let ones = if family == Family::Ipv4 { (n as u32).leading_ones() } else { n.leading_ones() };
            // A non-contiguous mask is applied bit by bit: not an interval, not modelled.
            let set = if family == Family::Ipv4 { (n as u32).count_ones() } else { n.count_ones() };
            if ones != set {
                return None;
            }
            ones
        }
    };
    Some(AddrSet::cidr(ip, prefix))
}

/// `a-b` or a single address (iprange).
pub fn parse_range(text: &str, family: Family) -> Option<AddrSet> {
    let one = |s: &str| -> Option<u128> {
        match family {
            Family::Ipv4 => s.parse::<Ipv4Addr>().ok().map(|a| to_int(IpAddr::V4(a))),
            Family::Ipv6 => s.parse::<Ipv6Addr>().ok().map(|a| to_int(IpAddr::V6(a))),
        }
    };
    match text.split_once('-') {
        Some((a, b)) => Some(AddrSet::range(one(a)?, one(b)?)),
        None => one(text).map(|n| AddrSet::range(n, n)),
    }
}

/// A comma-separated `-s a,b,c` list (iptables expands it into one rule per address; a packet
/// matches if any does).
pub fn parse_net_list(text: &str, family: Family) -> Option<AddrSet> {
    let mut set = AddrSet::empty();
    for part in text.split(',') {
        set = set.union(&parse_net(part, family)?);
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> AddrSet {
        parse_net(s, Family::Ipv4).expect("valid")
    }

    #[test]
    fn set_algebra() {
        let all = AddrSet::full(Family::Ipv4);
        let lan = v4("192.0.2.0/24");
        let rest = all.subtract(&lan, Family::Ipv4);
        assert_eq!(rest.cidrs(Family::Ipv4).len(), 24);
        assert!(!rest.contains(to_int("192.0.2.9".parse().expect("ip"))));
        assert_eq!(rest.union(&lan), all);
        assert!(lan.is_subset(&all));
        assert_eq!(lan.cidrs(Family::Ipv4), vec!["192.0.2.0/24"]);
        assert_eq!(all.cidrs(Family::Ipv4), vec!["0.0.0.0/0"]);
        assert_eq!(v4("10.1.2.3/255.0.0.0"), v4("10.0.0.0/8"));
        let six = AddrSet::full(Family::Ipv6);
        assert_eq!(six.cidrs(Family::Ipv6), vec!["::/0"]);
        assert_eq!(six.complement(Family::Ipv6), AddrSet::empty());
        assert_eq!(
            parse_range("192.0.2.10-192.0.2.20", Family::Ipv4).expect("range").cidrs(Family::Ipv4),
            vec!["192.0.2.10/31", "192.0.2.12/30", "192.0.2.16/30", "192.0.2.20/32"]
        );
    }
}
