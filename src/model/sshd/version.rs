//! OpenSSH releases sshlint models (`--openssh`). Owns version parsing and the feature
//! switches that change between releases; holds no keyword data.

use std::fmt;

/// An OpenSSH portable release, `major.minor` (the `p1` suffix is implied).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
}

impl Version {
    pub const fn new(major: u8, minor: u8) -> Self {
        Version { major, minor }
    }

    /// Every modelled release, oldest first.
    pub const ALL: [Version; 14] = [
        Version::new(9, 2),
        Version::new(9, 3),
        Version::new(9, 4),
        Version::new(9, 5),
        Version::new(9, 6),
        Version::new(9, 7),
        Version::new(9, 8),
        Version::new(9, 9),
        Version::new(10, 0),
        Version::new(10, 1),
        Version::new(10, 2),
        Version::new(10, 3),
        Version::new(10, 4),
        Version::new(10, 5),
    ];

    pub const NEWEST: Version = Version::new(10, 5);

    /// Accepts `9.2`, `9.2p1`, `OpenSSH_9.2p1`, `V_9_2_P1`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix("OpenSSH_").unwrap_or(s);
        let s = s.strip_prefix("V_").unwrap_or(s);
        let s = s.replace('_', ".");
        let s = s.to_ascii_lowercase();
        let s = s.split(['p', '-', ' ']).next().unwrap_or("");
        let s = s.trim_end_matches('.');
        let (maj, min) = s.split_once('.')?;
        let v = Version::new(maj.parse().ok()?, min.parse().ok()?);
        Version::ALL.contains(&v).then_some(v)
    }

    pub fn index(self) -> usize {
        Version::ALL.iter().position(|v| *v == self).unwrap_or(Version::ALL.len() - 1)
    }

    pub fn at_least(self, major: u8, minor: u8) -> bool {
        self >= Version::new(major, minor)
    }
}

impl Default for Version {
    fn default() -> Self {
        Version::NEWEST
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        assert_eq!(Version::parse("9.2"), Some(Version::new(9, 2)));
        assert_eq!(Version::parse("9.2p1"), Some(Version::new(9, 2)));
        assert_eq!(Version::parse("OpenSSH_10.0p2"), Some(Version::new(10, 0)));
        assert_eq!(Version::parse("V_10_5_P1"), Some(Version::new(10, 5)));
        assert_eq!(Version::parse("8.9"), None);
        assert_eq!(Version::parse("ten"), None);
    }
}
