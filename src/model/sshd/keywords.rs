//! The keyword table of each release: lookup (case-insensitive, as `strcasecmp`), scope,
//! deprecation, `sshd -T` names and "did you mean" suggestions. Data lives in `keyword_data`.

pub use super::keyword_data::Opt;
use super::keyword_data::{CANONICAL, DUMP_NAMES, OPT_COUNT, TABLES};
use super::version::Version;

/// Where a keyword may appear (servconf.c `SSHCFG_GLOBAL` / `SSHCFG_ALL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    All,
}

/// What the keyword does in this release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Opt(Opt),
    /// Another spelling of an option (`ChallengeResponseAuthentication`).
    Alias(Opt),
    /// Logged ("Deprecated option") and ignored.
    Deprecated,
    /// Logged ("Unsupported option") and ignored: not compiled into this build.
    Unsupported,
    /// Silently ignored (`Protocol`).
    Ignore,
}

impl Kind {
    pub fn opt(self) -> Option<Opt> {
        match self {
            Kind::Opt(o) | Kind::Alias(o) => Some(o),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct KeywordDef {
    pub name: &'static str,
    pub kind: Kind,
    pub scope: Scope,
}

fn table(v: Version) -> &'static [KeywordDef] {
    TABLES[v.index()]
}

/// Look a keyword up the way sshd does (ASCII case-insensitive).
pub fn lookup(v: Version, keyword: &str) -> Option<&'static KeywordDef> {
    if keyword.len() > 64 || !keyword.is_ascii() {
        return None;
    }
    let mut buf = [0u8; 64];
    let lower = &mut buf[..keyword.len()];
    lower.copy_from_slice(keyword.as_bytes());
    lower.make_ascii_lowercase();
    let t = table(v);
    t.binary_search_by(|d| d.name.as_bytes().cmp(lower)).ok().map(|i| &t[i])
}

/// Keywords only Debian/Ubuntu's patched sshd knows.
const DEBIAN_ONLY: &[&str] = &[
    "debianbanner",
    "gssapicleanupcreds",
    "gssapikexalgorithms",
    "gssapikeyexchange",
    "gssapistorecredentialsonrekey",
    "gssapiusesessioncredcache",
    "gssusesessionccache",
    "permitblacklistedkeys",
];

pub fn is_debian_only(keyword: &str) -> bool {
    DEBIAN_ONLY.iter().any(|k| k.eq_ignore_ascii_case(keyword))
}

/// [`lookup`] for a Debian (`debian`) or upstream build.
pub fn lookup_for(v: Version, debian: bool, keyword: &str) -> Option<&'static KeywordDef> {
    let d = lookup(v, keyword)?;
    if !debian && DEBIAN_ONLY.contains(&d.name) {
        return None;
    }
    Some(d)
}

impl Opt {
    pub fn index(self) -> usize {
        self as usize
    }
    /// Canonical spelling from sshd_config(5), e.g. `PermitRootLogin`.
    pub fn canonical(self) -> &'static str {
        CANONICAL[self.index()]
    }
    /// The keyword `sshd -T` prints for this option in release `v`.
    pub fn dump_name(self, v: Version) -> &'static str {
        DUMP_NAMES[v.index()][self.index()]
    }
}

pub const COUNT: usize = OPT_COUNT;

/// The closest keyword of release `v` to a misspelt one, if it is close enough to suggest.
pub fn suggest(v: Version, keyword: &str) -> Option<&'static str> {
    // No keyword is longer than 40 characters: nothing to suggest for long words.
    if keyword.len() > 64 {
        return None;
    }
    let lower = keyword.to_ascii_lowercase();
    let mut best: Option<(usize, &'static str)> = None;
    for d in table(v) {
        if !matches!(d.kind, Kind::Opt(_)) {
            continue;
        }
        let dist = edit_distance(&lower, d.name);
        if best.is_none_or(|(b, _)| dist < b) {
            best = Some((dist, d.name));
        }
    }
    let (dist, name) = best?;
    let limit = (lower.len() / 3).max(2);
    if dist > limit {
        return None;
    }
    let opt = lookup(v, name)?.kind.opt()?;
    Some(opt.canonical())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const V92: Version = Version::new(9, 2);

    #[test]
    fn lookup_is_case_insensitive() {
        let d = lookup(V92, "pErMiTrOoTlOgIn").expect("known");
        assert_eq!(d.kind, Kind::Opt(Opt::PermitRootLogin));
        assert_eq!(d.scope, Scope::All);
        assert!(lookup(V92, "Bogus").is_none());
    }

    #[test]
    fn release_differences() {
        assert!(lookup(V92, "PerSourcePenalties").is_none());
        assert!(lookup(Version::new(9, 8), "PerSourcePenalties").is_some());
        assert_eq!(lookup(V92, "Subsystem").map(|d| d.scope), Some(Scope::Global));
        assert_eq!(lookup(Version::new(9, 5), "Subsystem").map(|d| d.scope), Some(Scope::All));
        assert_eq!(lookup(V92, "UsePrivilegeSeparation").map(|d| d.kind), Some(Kind::Deprecated));
        assert!(lookup(Version::new(10, 4), "PAMAuthenticationViaKbdInt").is_none());
    }

    #[test]
    fn dump_names_follow_release() {
        assert_eq!(Opt::PermitRootLogin.dump_name(V92), "permitrootlogin");
        assert_eq!(Opt::KbdInteractiveAuthentication.dump_name(V92), "kbdinteractiveauthentication");
        assert_eq!(Opt::PermitRootLogin.dump_name(Version::new(10, 5)), "PermitRootLogin");
        assert_eq!(Opt::MACs.dump_name(Version::new(10, 5)), "Macs");
        assert_eq!(Opt::GSSAPIAuthentication.dump_name(Version::new(10, 4)), "GssAuthentication");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest(V92, "PermitRootLgin"), Some("PermitRootLogin"));
        assert_eq!(suggest(V92, "PasswordAuthentification"), Some("PasswordAuthentication"));
        assert_eq!(suggest(V92, "Zzzzzz"), None);
    }
}
