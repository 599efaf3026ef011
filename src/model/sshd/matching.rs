//! `Match` lines and the address and user patterns sshd evaluates: criteria parsing as
//! `match_cfg_line` does it, CIDR/wildcard address lists (`addr_match_list`), `user@host`
//! patterns (`match_user`), and the connection a line is tested against.

use super::pattern::{ListMatch, pattern_list, wildcard};
use super::version::Version;
use crate::syntax::values::ip_numeric;
use std::net::IpAddr;

/// The connection sshd evaluates Match blocks for (`sshd -C` spec).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Connection {
    pub user: Option<String>,
    pub host: Option<String>,
    pub addr: Option<String>,
    pub laddr: Option<String>,
    /// `None` = not given (sshd's 0 in test mode), as opposed to a given port.
    pub lport: Option<u16>,
    pub rdomain: Option<String>,
    pub invalid_user: bool,
}

impl Connection {
    /// Parse sshd's `-C` syntax: `user=,host=,addr=,laddr=,lport=,rdomain=`.
    pub fn parse_spec(spec: &str, services: &dyn Fn(&str) -> Option<u16>) -> Result<Connection, String> {
        let mut c = Connection::default();
        for part in spec.split(',') {
            if part.is_empty() {
                break;
            }
            if let Some(v) = part.strip_prefix("addr=") {
                c.addr = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("host=") {
                c.host = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("user=") {
                c.user = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("laddr=") {
                c.laddr = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("rdomain=") {
                c.rdomain = Some(v.to_string());
            } else if let Some(v) = part.strip_prefix("lport=") {
                match a2port(v, services) {
                    Some(p) => c.lport = Some(p),
                    None => return Err(format!("invalid port `{v}` in test mode specification `{part}`")),
                }
            } else if part == "invalid-user" {
                c.invalid_user = true;
            } else {
                return Err(format!("invalid test mode specification `{part}`"));
            }
        }
        Ok(c)
    }
}

/// `a2port`: a number 0–65535 or a service name from the host's services table.
pub fn a2port(s: &str, services: &dyn Fn(&str) -> Option<u16>) -> Option<u16> {
    match crate::syntax::values::strtonum(s, 0, 65535) {
        Ok(p) => u16::try_from(p).ok(),
        Err(_) => services(s),
    }
}

/// One criterion of a Match line, with the argument's index in the criteria tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub kind: CriterionKind,
    pub arg: String,
    /// Index of the criterion token in the Match line's token list.
    pub token: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CriterionKind {
    All,
    User,
    Group,
    Host,
    Address,
    LocalAddress,
    LocalPort,
    RDomain,
    InvalidUser,
    Version,
}

impl CriterionKind {
    pub fn name(self) -> &'static str {
        match self {
            CriterionKind::All => "All",
            CriterionKind::User => "User",
            CriterionKind::Group => "Group",
            CriterionKind::Host => "Host",
            CriterionKind::Address => "Address",
            CriterionKind::LocalAddress => "LocalAddress",
            CriterionKind::LocalPort => "LocalPort",
            CriterionKind::RDomain => "RDomain",
            CriterionKind::InvalidUser => "Invalid-User",
            CriterionKind::Version => "Version",
        }
    }

    fn parse(word: &str, v: Version) -> Option<CriterionKind> {
        let w = word.to_ascii_lowercase();
        Some(match w.as_str() {
            "all" => CriterionKind::All,
            "user" => CriterionKind::User,
            "group" => CriterionKind::Group,
            "host" => CriterionKind::Host,
            "address" => CriterionKind::Address,
            "localaddress" => CriterionKind::LocalAddress,
            "localport" => CriterionKind::LocalPort,
            "rdomain" => CriterionKind::RDomain,
            "invalid-user" if v.at_least(9, 9) => CriterionKind::InvalidUser,
            "version" if v.at_least(10, 0) => CriterionKind::Version,
            _ => return None,
        })
    }
}

/// A Match line that sshd refuses ("Bad Match condition").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchError {
    pub message: String,
    /// Token index the error is about, when there is one.
    pub token: Option<usize>,
}

/// A parsed Match line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchLine {
    pub criteria: Vec<Criterion>,
    /// True when every token was consumed (otherwise sshd reports extra arguments).
    pub consumed_all: bool,
}

/// Split the criteria the way sshd 9.2 does (strdelim with `=` splitting: `User=alice` works).
pub fn criteria_tokens(rest: &[u8]) -> Vec<crate::ast::sshd::Arg> {
    let mut out = Vec::new();
    let mut cursor = Some(0usize);
    while cursor.is_some() {
        match crate::syntax::sshd::strdelim(rest, &mut cursor, true) {
            Some(a) if a.text.is_empty() => break,
            Some(a) => out.push(a),
            None => break,
        }
    }
    out
}

/// `match_cfg_line` syntax: criteria with arguments, `All` alone, `#` ending the line.
pub fn parse_match(tokens: &[crate::ast::sshd::Arg], v: Version) -> Result<MatchLine, MatchError> {
    let mut criteria = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let attrib = &tokens[i].text;
        if attrib.starts_with('#') {
            return finish(criteria, true);
        }
        let Some(kind) = CriterionKind::parse(attrib, v) else {
            return Err(MatchError { message: format!("unsupported Match attribute `{attrib}`"), token: Some(i) });
        };
        if kind == CriterionKind::All {
            let next = tokens.get(i + 1).map(|t| t.text.as_str());
            if !criteria.is_empty() || next.is_some_and(|n| !n.starts_with('#')) {
                return Err(MatchError {
                    message: "`all` cannot be combined with other Match attributes".into(),
                    token: Some(i),
                });
            }
            criteria.push(Criterion { kind, arg: String::new(), token: i });
            return Ok(MatchLine { criteria, consumed_all: true });
        }
        if kind == CriterionKind::InvalidUser {
            criteria.push(Criterion { kind, arg: String::new(), token: i });
            i += 1;
            continue;
        }
        let Some(arg) = tokens.get(i + 1).filter(|a| !a.text.starts_with('#')) else {
            return Err(MatchError { message: format!("missing Match criteria for `{attrib}`"), token: Some(i) });
        };
        criteria.push(Criterion { kind, arg: arg.text.clone(), token: i });
        i += 2;
    }
    finish(criteria, true)
}

fn finish(criteria: Vec<Criterion>, consumed_all: bool) -> Result<MatchLine, MatchError> {
    if criteria.is_empty() {
        return Err(MatchError { message: "one or more attributes required for Match".into(), token: None });
    }
    Ok(MatchLine { criteria, consumed_all })
}

/// Result of `addr_match_list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrMatch {
    Matched,
    NoMatch,
    Negated,
    /// An entry is malformed (empty, or a CIDR with a bad mask or host bits set).
    Invalid,
}

/// An entry parsed as CIDR the way `addr_pton_cidr` does.
enum Cidr {
    Net(IpAddr, u8),
    /// Not an address: treated as a wildcard pattern.
    Pattern,
    /// Inconsistent mask length (sshd error).
    Bad,
}

fn parse_cidr(entry: &str, strict: bool) -> Cidr {
    if entry.len() >= 64 {
        return Cidr::Pattern;
    }
    let (addr, mask) = match entry.split_once('/') {
        Some((a, m)) => {
            if !m.starts_with(|c: char| c.is_ascii_digit()) || !m.chars().all(|c| c.is_ascii_digit()) {
                return Cidr::Pattern;
            }
            match m.parse::<u32>() {
                Ok(n) if n <= 128 => (a, Some(n)),
                // 9.8+ refuses any prefix length too long for the family.
                _ if strict && ip_numeric(a).is_some() => return Cidr::Bad,
                _ => return Cidr::Pattern,
            }
        }
        None => (entry, None),
    };
    let Some(ip) = ip_numeric(addr) else { return Cidr::Pattern };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = mask.unwrap_or(max);
    if len > max {
        return Cidr::Bad;
    }
    let len = len as u8;
    if !host_bits_zero(ip, len) {
        return Cidr::Bad;
    }
    Cidr::Net(ip, len)
}

fn host_bits_zero(ip: IpAddr, len: u8) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let v = u32::from(a);
            len >= 32 || v & (u32::MAX >> len) == 0
        }
        IpAddr::V6(a) => {
            let v = u128::from(a);
            len >= 128 || v & (u128::MAX >> len) == 0
        }
    }
}

fn in_net(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => len == 0 || (u32::from(a) ^ u32::from(n)) >> (32 - u32::from(len)) == 0,
        (IpAddr::V6(a), IpAddr::V6(n)) => len == 0 || (u128::from(a) ^ u128::from(n)) >> (128 - u32::from(len)) == 0,
        _ => false,
    }
}

/// `addr_match_list(addr, list)`; with `addr == None` it only checks the list's syntax.
pub fn addr_match_list(addr: Option<&str>, list: &str) -> AddrMatch {
    addr_match_list_strict(addr, list, false)
}

/// [`addr_match_list`] with 9.8's stricter prefix-length check (`strict`).
pub fn addr_match_list_strict(addr: Option<&str>, list: &str, strict: bool) -> AddrMatch {
    let parsed = match addr {
        Some(a) => match ip_numeric(a) {
            Some(ip) => Some(ip),
            None => return AddrMatch::NoMatch,
        },
        None => None,
    };
    let mut result = AddrMatch::NoMatch;
    for entry in list.split(',') {
        let (neg, cp) = match entry.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, entry),
        };
        if cp.is_empty() {
            return AddrMatch::Invalid;
        }
        let hit = match parse_cidr(cp, strict) {
            Cidr::Bad => return AddrMatch::Invalid,
            Cidr::Net(net, len) => parsed.is_some_and(|ip| in_net(ip, net, len)),
            Cidr::Pattern => addr.is_some_and(|a| wildcard(a.as_bytes(), cp.as_bytes())),
        };
        if hit {
            if neg {
                return AddrMatch::Negated;
            }
            result = AddrMatch::Matched;
        }
    }
    result
}

/// `match_user(NULL, NULL, NULL, pattern)`: syntax of an AllowUsers/DenyUsers entry.
pub fn user_pattern_valid(pattern: &str, strict: bool) -> bool {
    match pattern.split_once('@') {
        Some((_, host)) => addr_match_list_strict(None, host, strict) != AddrMatch::Invalid,
        None => true,
    }
}

/// `match_user(user, host, ipaddr, pattern)` for AllowUsers/DenyUsers entries.
pub fn user_pattern_matches(user: &str, host: Option<&str>, addr: Option<&str>, pattern: &str) -> bool {
    let Some((upat, hpat)) = pattern.split_once('@') else {
        return wildcard(user.as_bytes(), pattern.as_bytes());
    };
    if !wildcard(user.as_bytes(), upat.as_bytes()) {
        return false;
    }
    let mip = addr_match_list(addr, hpat);
    if mip == AddrMatch::Invalid || mip == AddrMatch::Negated {
        return false;
    }
    let (Some(host), Some(_)) = (host, addr) else { return false };
    let mhost = pattern_list(&host.to_ascii_lowercase(), hpat, true);
    if mhost == ListMatch::Negated {
        return false;
    }
    mhost == ListMatch::Matched || mip == AddrMatch::Matched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::sshd::Arg;

    fn toks(s: &str) -> Vec<Arg> {
        criteria_tokens(s.as_bytes())
    }
    const V: Version = Version::new(9, 2);

    #[test]
    fn parses_criteria_and_equals() {
        let m = parse_match(&toks("User=alice Address 10.0.0.0/8"), V).expect("valid");
        assert_eq!(m.criteria.len(), 2);
        assert_eq!(m.criteria[0].kind, CriterionKind::User);
        assert_eq!(m.criteria[0].arg, "alice");
    }

    #[test]
    fn rejects_bad_lines() {
        assert!(parse_match(&toks("User foo Bar"), V).is_err());
        assert!(parse_match(&toks("Foo bar"), V).is_err());
        assert!(parse_match(&toks("All User x"), V).is_err());
        assert!(parse_match(&toks("all # comment"), V).is_ok());
        assert!(parse_match(&toks("# nothing"), V).is_err());
        assert!(parse_match(&toks("Invalid-User"), V).is_err());
        assert!(parse_match(&toks("Invalid-User"), Version::new(9, 9)).is_ok());
    }

    #[test]
    fn address_lists() {
        assert_eq!(addr_match_list(Some("10.1.2.3"), "10.0.0.0/8"), AddrMatch::Matched);
        assert_eq!(addr_match_list(Some("10.1.2.3"), "!10.0.0.0/8"), AddrMatch::Negated);
        assert_eq!(addr_match_list(Some("1.2.3.4"), "!10.0.0.0/8"), AddrMatch::NoMatch);
        assert_eq!(addr_match_list(None, "10.0.0.0/33"), AddrMatch::Invalid);
        assert_eq!(addr_match_list(None, "10.0.0.1/8"), AddrMatch::Invalid);
        assert_eq!(addr_match_list(None, "10.0.0.0/129"), AddrMatch::NoMatch);
        assert_eq!(addr_match_list(Some("192.168.1.5"), "192.168.1.*"), AddrMatch::Matched);
        assert_eq!(addr_match_list(Some("2001:db8::5"), "2001:db8::/32"), AddrMatch::Matched);
        assert_eq!(addr_match_list(None, "a,,b"), AddrMatch::Invalid);
    }

    #[test]
    fn user_at_host_patterns() {
        assert!(user_pattern_valid("root@10.0.0.0/8", false));
        assert!(!user_pattern_valid("root@10.0.0.0/33", false));
        assert!(user_pattern_valid("root@2001:db8::/129", false));
        assert!(!user_pattern_valid("root@2001:db8::/129", true));
        assert!(user_pattern_matches("root", Some("10.1.1.1"), Some("10.1.1.1"), "root@10.0.0.0/8"));
        assert!(!user_pattern_matches("root", Some("192.0.2.1"), Some("192.0.2.1"), "root@10.0.0.0/8"));
        assert!(user_pattern_matches("alice", None, None, "al*"));
    }

    #[test]
    fn spec_parsing() {
        let c = Connection::parse_spec("user=bob,addr=10.1.2.3,lport=22", &|_| None).expect("ok");
        assert_eq!(c.user.as_deref(), Some("bob"));
        assert_eq!(c.lport, Some(22));
        assert!(Connection::parse_spec("bogus=1", &|_| None).is_err());
    }
}
