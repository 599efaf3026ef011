//! Accounts of a host root: `etc/passwd` and `etc/group` (never `shadow` content), used for
//! `Match Group`, AllowGroups/DenyGroups and tilde expansion. Malformed lines are skipped here;
//! the accounts rules report them.

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// The account database of one host (first entry wins on duplicates, as getpwnam does).
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    by_name: HashMap<String, usize>,
}

impl Accounts {
    pub fn parse(passwd: &str, group: &str) -> Accounts {
        let mut a = Accounts::default();
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 || f[0].is_empty() || f[0].starts_with(['+', '-', '#']) {
                continue;
            }
            let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) else { continue };
            if a.by_name.contains_key(f[0]) {
                continue;
            }
            a.by_name.insert(f[0].to_string(), a.users.len());
            a.users.push(User { name: f[0].into(), uid, gid, home: f[5].into(), shell: f[6].into() });
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

    pub fn user(&self, name: &str) -> Option<&User> {
        self.by_name.get(name).map(|&i| &self.users[i])
    }

    /// Group names of a user as getgrouplist gives them: primary group first, then every
    /// group listing the user as a member. `None` when the user does not exist.
    pub fn groups_of(&self, name: &str) -> Option<Vec<String>> {
        let user = self.user(name)?;
        let mut out = Vec::new();
        if let Some(g) = self.groups.iter().find(|g| g.gid == user.gid) {
            out.push(g.name.clone());
        }
        for g in &self.groups {
            if g.members.iter().any(|m| m == name) && !out.contains(&g.name) {
                out.push(g.name.clone());
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
        assert_eq!(a.groups_of("nobody"), None);
        assert_eq!(a.users.len(), 2);
    }
}
