//! Value grammars shared by sshd keywords, written as small nom parsers: C `strtol`-style
//! integers, `convtime` durations, `sscanf("%d:%d:%d")` specs, scaled sizes and IPv4/IPv6
//! literals as getaddrinfo(AI_NUMERICHOST) reads them.

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_while, take_while1},
    character::complete::{char, one_of},
    combinator::{eof, opt, recognize},
    sequence::preceded,
};
use std::net::{Ipv4Addr, Ipv6Addr};

/// C isspace for the "C" locale.
fn c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// `strtol(s, &end, 10)` prefix: optional whitespace, sign and at least one digit. Saturates.
pub fn c_long(input: &str) -> IResult<&str, i64> {
    let (rest, _) = take_while(c_space)(input)?;
    let (rest, sign) = opt(one_of("+-")).parse(rest)?;
    let (rest, digits) = take_while1(|c: char| c.is_ascii_digit())(rest)?;
    let mut v: i64 = 0;
    for d in digits.bytes() {
        v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
    }
    Ok((rest, if sign == Some('-') { -v } else { v }))
}

/// Why an integer value was refused, in strtonum's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntError {
    Invalid,
    TooSmall,
    TooLarge,
}

impl IntError {
    pub fn as_str(self) -> &'static str {
        match self {
            IntError::Invalid => "invalid",
            IntError::TooSmall => "too small",
            IntError::TooLarge => "too large",
        }
    }
}

/// `strtonum(s, min, max)`: the whole string must be one base-10 integer in range.
pub fn strtonum(s: &str, min: i64, max: i64) -> Result<i64, IntError> {
    match (c_long, eof).parse(s) {
        Ok((_, (v, _))) if v < min => Err(IntError::TooSmall),
        Ok((_, (v, _))) if v > max => Err(IntError::TooLarge),
        Ok((_, (v, _))) => Ok(v),
        Err(_) => Err(IntError::Invalid),
    }
}

/// `atoi_err`: an int from 0 to INT_MAX.
pub fn int_value(s: &str) -> Result<i64, IntError> {
    strtonum(s, 0, i64::from(i32::MAX))
}

/// `convtime`: a sequence of `<number>[smhdw]` summed into seconds; `None` when invalid.
pub fn convtime(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let mut rest = s;
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let (r, secs) = c_long(rest).ok()?;
        if secs < 0 || secs >= i64::from(i32::MAX) {
            return None;
        }
        let (r, unit) = opt(one_of::<_, _, nom::error::Error<&str>>("sSmMhHdDwW")).parse(r).ok()?;
        let mult: i64 = match unit.map(|c| c.to_ascii_lowercase()) {
            None if !r.is_empty() => return None,
            None | Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86400,
            _ => 604800,
        };
        let add = secs.checked_mul(mult).filter(|v| *v <= i64::from(i32::MAX))?;
        total = total.checked_add(add).filter(|v| *v <= i64::from(i32::MAX))?;
        rest = r;
    }
    Some(total)
}

/// `strtol(s, &end, 0)` over the whole string (decimal, 0x hex, leading-0 octal).
pub fn c_long_base0(s: &str) -> Option<i64> {
    let t = s.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if t.len() > 1 && t.starts_with('0') {
        i64::from_str_radix(&t[1..], 8).ok()?
    } else {
        t.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// `convtime_double` (10.3+): like [`convtime`] but each number may have a fraction.
pub fn convtime_double(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let mut rest = s;
    let mut total = 0f64;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let secs: f64 = rest[..end].parse().ok()?;
        let r = &rest[end..];
        let (mult, r) = match r.chars().next().map(|c| c.to_ascii_lowercase()) {
            None => (1.0, r),
            Some('s') => (1.0, &r[1..]),
            Some('m') => (60.0, &r[1..]),
            Some('h') => (3600.0, &r[1..]),
            Some('d') => (86400.0, &r[1..]),
            Some('w') => (604800.0, &r[1..]),
            Some(_) => return None,
        };
        total += secs * mult;
        rest = r;
    }
    (total.is_finite() && total < f64::from(i32::MAX)).then_some(total)
}

/// `sscanf(s, "%d:%d:…")`: how many leading fields converted, and their values (C int
/// truncation of out-of-range values is approximated by saturation).
pub fn scanf_ints(s: &str, max_fields: usize) -> Vec<i64> {
    let mut out = Vec::new();
    let mut rest = s;
    while out.len() < max_fields {
        if !out.is_empty() {
            match char::<_, nom::error::Error<&str>>(':').parse(rest) {
                Ok((r, _)) => rest = r,
                Err(_) => break,
            }
        }
        match c_long(rest) {
            Ok((r, v)) => {
                out.push(v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)));
                rest = r;
            }
            Err(_) => break,
        }
    }
    out
}

/// `scan_scaled`: `[ws][+-]digits[.digits][BKMGTPE]`, e.g. `1G`, `512M`, `1.5K`.
pub fn scaled_size(s: &str) -> Option<i64> {
    let number = recognize((
        opt(one_of("+-")),
        take_while(|c: char| c.is_ascii_digit()),
        opt(preceded(tag("."), take_while(|c: char| c.is_ascii_digit()))),
    ));
    let mut parser = (take_while(c_space), number, opt(one_of("bBkKmMgGtTpPeE")), eof);
    let parsed: IResult<&str, _> = parser.parse(s);
    let (_, (_, num, unit, _)) = parsed.ok()?;
    let (neg, digits) = match num.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, num.trim_start_matches('+')),
    };
    if digits.trim_matches('.').is_empty() {
        return Some(0);
    }
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let shift = match unit.map(|c| c.to_ascii_uppercase()) {
        None | Some('B') => 0u32,
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some('T') => 40,
        Some('P') => 50,
        _ => 60,
    };
    let scale = 1i64.checked_shl(shift)?;
    let mut value = whole.checked_mul(scale)?;
    if !frac.is_empty() && shift > 0 {
        let frac_digits = &frac[..frac.len().min(18)];
        let f: i64 = frac_digits.parse().ok()?;
        let denom = 10i64.checked_pow(u32::try_from(frac_digits.len()).ok()?)?;
        value = value.checked_add(((i128::from(f) * i128::from(scale)) / i128::from(denom)) as i64)?;
    }
    Some(if neg { -value } else { value })
}

/// One IPv4 part as inet_aton reads it: decimal, octal (leading 0) or hex (0x).
fn aton_part(input: &str) -> IResult<&str, u64> {
    let hex = preceded(alt((tag("0x"), tag("0X"))), take_while(|c: char| c.is_ascii_hexdigit()))
        .map(|h: &str| u64::from_str_radix(h, 16).unwrap_or(if h.is_empty() { 0 } else { u64::MAX }));
    let oct = preceded(tag("0"), take_while1(|c: char| c.is_ascii_digit()))
        .map(|o: &str| u64::from_str_radix(o, 8).unwrap_or(u64::MAX));
    let dec = take_while1(|c: char| c.is_ascii_digit()).map(|d: &str| d.parse::<u64>().unwrap_or(u64::MAX));
    alt((hex, oct, dec)).parse(input)
}

/// An IPv4 literal as glibc's getaddrinfo(AI_NUMERICHOST) accepts it (inet_aton forms such as
/// `10`, `10.1`, `0x0a.0.0.1`, with nothing trailing).
pub fn ipv4_numeric(s: &str) -> Option<Ipv4Addr> {
    let mut parts = Vec::new();
    let mut rest = s;
    loop {
        let (r, v) = aton_part(rest).ok()?;
        parts.push(v);
        rest = r;
        match rest.strip_prefix('.') {
            Some(r) if parts.len() < 4 => rest = r,
            _ => break,
        }
    }
    if !rest.is_empty() {
        return None;
    }
    let n = parts.len();
    let (head, last) = parts.split_at(n - 1);
    if head.iter().any(|&p| p > 255) {
        return None;
    }
    let last_bits = 8 * (4 - (n as u32 - 1));
    if last_bits < 64 && last[0] >= (1u64 << last_bits) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, p) in head.iter().enumerate() {
        v |= p << (24 - 8 * i);
    }
    v |= last[0];
    Some(Ipv4Addr::from(u32::try_from(v).ok()?))
}

/// A numeric IPv6 literal (a `%scope` suffix is accepted and dropped).
pub fn ipv6_numeric(s: &str) -> Option<Ipv6Addr> {
    let addr = s.split_once('%').map_or(s, |(a, _)| a);
    addr.parse().ok()
}

/// Either family, as getaddrinfo(AI_NUMERICHOST) would.
pub fn ip_numeric(s: &str) -> Option<std::net::IpAddr> {
    ipv4_numeric(s).map(Into::into).or_else(|| ipv6_numeric(s).map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convtime_sums_units() {
        assert_eq!(convtime("90"), Some(90));
        assert_eq!(convtime("1h30m"), Some(5400));
        assert_eq!(convtime("2W"), Some(1209600));
        assert_eq!(convtime("10x"), None);
        assert_eq!(convtime("-5"), None);
        assert_eq!(convtime(""), None);
        assert_eq!(convtime("1m 2s"), Some(62), "strtol skips leading blanks");
    }

    #[test]
    fn strtonum_reports_like_c() {
        assert_eq!(int_value("6"), Ok(6));
        assert_eq!(int_value(" +6"), Ok(6));
        assert_eq!(int_value("-1"), Err(IntError::TooSmall));
        assert_eq!(int_value("99999999999"), Err(IntError::TooLarge));
        assert_eq!(int_value("6x"), Err(IntError::Invalid));
        assert_eq!(int_value(""), Err(IntError::Invalid));
    }

    #[test]
    fn scanf_stops_at_first_mismatch() {
        assert_eq!(scanf_ints("10:30:60", 3), vec![10, 30, 60]);
        assert_eq!(scanf_ints("10:30:60junk", 3), vec![10, 30, 60]);
        assert_eq!(scanf_ints("10", 3), vec![10]);
        assert_eq!(scanf_ints("10:x", 3), vec![10]);
        assert_eq!(scanf_ints("x", 3), Vec::<i64>::new());
    }

    #[test]
    fn scaled_sizes() {
        assert_eq!(scaled_size("1G"), Some(1 << 30));
        assert_eq!(scaled_size("512"), Some(512));
        assert_eq!(scaled_size("1.5K"), Some(1536));
        assert_eq!(scaled_size("1Q"), None);
    }

    #[test]
    fn inet_aton_forms() {
        assert_eq!(ipv4_numeric("10"), Some(Ipv4Addr::new(0, 0, 0, 10)));
        assert_eq!(ipv4_numeric("10.1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(ipv4_numeric("192.0.2.1"), Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(ipv4_numeric("0x0a.0.0.1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(ipv4_numeric("256.0.0.1"), None);
        assert_eq!(ipv4_numeric("10.*"), None);
        assert_eq!(ipv6_numeric("2001:db8::1"), Some("2001:db8::1".parse().expect("v6")));
    }
}
