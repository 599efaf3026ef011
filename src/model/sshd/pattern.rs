//! OpenSSH pattern matching (match.c semantics): `*`/`?` wildcards, comma lists with `!`
//! negation where a negated hit vetoes and a list with no positive hit never matches.

/// `match_pattern`: the whole of `s` against one wildcard pattern, byte-wise.
pub fn wildcard(s: &[u8], pattern: &[u8]) -> bool {
    // Iterative glob with backtracking to the last '*': linear in practice, no recursion.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < pattern.len() && (pattern[pi] == b'?' || pattern[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < pattern.len() && pattern[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    pattern[pi..].iter().all(|&c| c == b'*')
}

/// Result of matching a comma-separated pattern list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListMatch {
    /// A negated entry matched: the list refuses the string outright.
    Negated,
    NoMatch,
    Matched,
}

/// `match_pattern_list`: `dolower` lowercases the patterns (used for host names).
pub fn pattern_list(s: &str, list: &str, dolower: bool) -> ListMatch {
    let mut positive = false;
    for entry in list.split(',') {
        let (neg, pat) = match entry.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, entry),
        };
        // sshd silently fails entries of 1023 bytes or more.
        if pat.len() >= 1023 {
            return ListMatch::NoMatch;
        }
        let hit = if dolower {
            wildcard(s.as_bytes(), pat.to_ascii_lowercase().as_bytes())
        } else {
            wildcard(s.as_bytes(), pat.as_bytes())
        };
        if hit {
            if neg {
                return ListMatch::Negated;
            }
            positive = true;
        }
    }
    if positive { ListMatch::Matched } else { ListMatch::NoMatch }
}

/// True when every entry of a list is negated, so it can never produce a match.
pub fn only_negations(list: &str) -> bool {
    list.split(',').all(|e| e.starts_with('!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(b"alice", b"a*"));
        assert!(wildcard(b"alice", b"*"));
        assert!(wildcard(b"alice", b"?lic?"));
        assert!(!wildcard(b"alice", b"b*"));
        assert!(wildcard(b"", b"*"));
        assert!(!wildcard(b"", b"?"));
        assert!(wildcard(b"aXbXc", b"a*b*c"));
        assert!(!wildcard(b"abc", b"a*b*d"));
        assert!(wildcard(b"10.1.2.3", b"10.*"));
    }

    #[test]
    fn negation_only_lists_never_match() {
        assert_eq!(pattern_list("bob", "!root", false), ListMatch::NoMatch);
        assert_eq!(pattern_list("root", "!root", false), ListMatch::Negated);
        assert_eq!(pattern_list("bob", "*,!root", false), ListMatch::Matched);
        assert_eq!(pattern_list("root", "*,!root", false), ListMatch::Negated);
    }

    #[test]
    fn case_sensitive_unless_lowered() {
        assert_eq!(pattern_list("alice", "ALICE", false), ListMatch::NoMatch);
        assert_eq!(pattern_list("host", "HOST", true), ListMatch::Matched);
    }
}
