//! Accounts of a host root: `etc/passwd`, `etc/group` and, from `etc/shadow`, only whether a
//! password is locked or empty and when the account expires (the hash is never kept). Used for
//! `Match Group`, AllowGroups/DenyGroups, tilde expansion, StrictModes' owner checks and the
//! login model. Lines getpwent(3) would skip are recorded for the accounts rules.

use crate::source::Span;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
    /// 1-based line in `etc/passwd`.
    pub line: u32,
    /// The line's bytes in `etc/passwd` (as decoded by [`crate::source::decode_escaped`]).
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// What `etc/shadow` says about an account's password, without the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Password {
    /// A hash (or anything not below): password logins can work.
    Set,
    /// Empty field: password login only with `PermitEmptyPasswords yes`.
    Empty,
    /// Starts with `!` (`passwd -l`, `usermod -L`): locked.
    Locked,
    /// `*` or another value no hash can match: no password login, the account is not locked.
    Unusable,
}

/// The facts sshlint keeps from one `etc/shadow` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shadow {
    pub password: Password,
    /// `sp_expire`: the day (since 1970-01-01) the account expires, when set.
    pub expires: Option<i64>,
    /// The last day before pam_unix calls the password inactive (`sp_lstchg + sp_max +
    /// sp_inact`), when all three are set (and `sp_max` is not 99999 or more).
    pub inactive_after: Option<i64>,
}

/// A line of `etc/passwd` that getpwent(3) skips or that another line shadows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    pub line: u32,
    pub span: Span,
    pub message: String,
}

/// The account database of one host (first entry wins on duplicates, as getpwnam does).
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// From `etc/shadow`; `None` when the root has none or it cannot be read.
    pub shadow: Option<HashMap<String, Shadow>>,
    /// Problems in `etc/passwd`.
    pub bad_passwd: Vec<BadLine>,
    /// `etc/passwd` as read, for findings that point into it (spans index its decoded text).
    pub passwd_bytes: Vec<u8>,
    by_name: HashMap<String, usize>,
}

impl Accounts {
    pub fn parse(passwd: &str, group: &str) -> Accounts {
        let mut a = Accounts::default();
        let mut offset = 0u32;
        for (n, raw) in passwd.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += raw.len() as u32;
            let line = raw.trim_end_matches('\n');
            let number = n as u32 + 1;
            let span = Span { start, end: start + line.len() as u32 };
            let mut bad = |message: String| a.bad_passwd.push(BadLine { line: number, span, message });
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(':').collect();
            if f[0].starts_with(['+', '-', '#']) {
                continue;
            }
            if f.len() != 7 {
                bad(format!("has {} fields, not 7 (name:password:uid:gid:gecos:home:shell)", f.len()));
                continue;
            }
            if f[0].is_empty() {
                bad("has an empty user name".into());
                continue;
            }
            let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) else {
                bad(format!("has a uid or gid that is not a number (`{}`, `{}`)", f[2], f[3]));
                continue;
            };
            if let Some(&first) = a.by_name.get(f[0]) {
                let first = a.users[first].line;
                bad(format!("repeats user `{}` (line {first} wins: getpwnam returns the first entry)", f[0]));
                continue;
            }
            a.by_name.insert(f[0].to_string(), a.users.len());
            a.users.push(User {
                name: f[0].into(),
                uid,
                gid,
                home: f[5].into(),
                shell: f[6].into(),
                line: number,
                span,
            });
        }
        for line in group.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 || f[0].is_empty() || f[0].starts_with(['+', '-', '#']) {
                continue;
            }
            let Ok(gid) = f[2].parse() else { continue };
            let members = f[3].split(',').filter(|m| !m.is_empty()).map(str::to_string).collect();
            a.groups.push(Group { name: f[0].into(), gid, members });
        }
        a
    }

    /// Keep the facts of `etc/shadow` (first entry per name, as getspnam).
    pub fn add_shadow(&mut self, shadow: &str) {
        let mut map = HashMap::new();
        for line in shadow.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 2 || f[0].is_empty() || map.contains_key(f[0]) {
                continue;
            }
            let hash = f[1];
            let password = if hash.is_empty() {
                Password::Empty
            } else if hash.starts_with('!') {
                Password::Locked
            } else if hash.starts_with('$') || hash.len() == 13 {
                Password::Set
            } else {
                Password::Unusable
            };
            let day = |i: usize| f.get(i).and_then(|e| e.parse::<i64>().ok()).filter(|&d| d >= 0);
            let expires = day(7);
            let inactive_after = match (day(2), day(4), day(6)) {
                (Some(last), Some(max), Some(inact)) if last != 0 && max < 99_999 => Some(last + max + inact),
                _ => None,
            };
            map.insert(f[0].to_string(), Shadow { password, expires, inactive_after });
        }
        self.shadow = Some(map);
    }

    pub fn user(&self, name: &str) -> Option<&User> {
        self.by_name.get(name).map(|&i| &self.users[i])
    }

    /// getpwuid: the first account with this uid.
    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.users.iter().find(|u| u.uid == uid)
    }

    /// getgrgid: the first group with this gid.
    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }

    /// The shadow facts of a user, when the root's shadow was read and lists them.
    pub fn shadow_of(&self, name: &str) -> Option<Shadow> {
        self.shadow.as_ref()?.get(name).copied()
    }

    /// Group names of a user as getgrouplist gives them: primary group first, then every
    /// group listing the user as a member. `None` when the user does not exist.
    pub fn groups_of(&self, name: &str) -> Option<Vec<String>> {
        self.gids_of(name).map(|gids| {
            let mut out: Vec<String> = Vec::new();
            for gid in gids {
                for g in self.groups.iter().filter(|g| g.gid == gid) {
                    if !out.contains(&g.name) {
                        out.push(g.name.clone());
                        break;
                    }
                }
            }
            out
        })
    }

    /// Group ids of a user (getgrouplist): the primary gid, then every group listing the user.
    pub fn gids_of(&self, name: &str) -> Option<Vec<u32>> {
        let user = self.user(name)?;
        let mut out = vec![user.gid];
        for g in &self.groups {
            if g.members.iter().any(|m| m == name) && !out.contains(&g.gid) {
                out.push(g.gid);
            }
        }
        Some(out)
    }

    pub fn has_group(&self, name: &str) -> bool {
        self.groups.iter().any(|g| g.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_include_primary_and_supplementary() {
        let a = Accounts::parse(
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\nbroken\n",
            "root:x:0:\nalice:x:1000:\nsudo:x:27:alice,bob\n",
        );
        assert_eq!(a.groups_of("alice"), Some(vec!["alice".to_string(), "sudo".into()]));
        assert_eq!(a.gids_of("alice"), Some(vec![1000, 27]));
        assert_eq!(a.groups_of("nobody"), None);
        assert_eq!(a.users.len(), 2);
    }

    #[test]
    fn bad_lines_are_recorded_and_the_first_duplicate_wins() {
        let a = Accounts::parse(
            "root:x:0:0:root:/root:/bin/bash\nalice:x:1000\nbob:x:b:1::/home/bob:/bin/sh\n\
             root:x:5:5::/tmp:/bin/sh\n:x:1:1:::\n",
            "",
        );
        assert_eq!(a.user("root").map(|u| u.uid), Some(0));
        let lines: Vec<u32> = a.bad_passwd.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5]);
        assert!(a.bad_passwd[2].message.contains("line 1 wins"));
    }

    #[test]
    fn shadow_keeps_only_facts() {
        let mut a = Accounts::parse("", "");
        a.add_shadow("root:$y$j9T$abc:19000:0:99999:7:::\nlocked:!$6$x:1::::::\nempty::1::::::\nstar:*:1::::::\nold:$6$x:1:::::100:\n");
        assert_eq!(a.shadow_of("root").map(|s| s.password), Some(Password::Set));
        assert_eq!(a.shadow_of("locked").map(|s| s.password), Some(Password::Locked));
        assert_eq!(a.shadow_of("empty").map(|s| s.password), Some(Password::Empty));
        assert_eq!(a.shadow_of("star").map(|s| s.password), Some(Password::Unusable));
        assert_eq!(a.shadow_of("old").and_then(|s| s.expires), Some(100));
    }
}
