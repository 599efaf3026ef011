//! SSHD102 `user-locked-out`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::logins::access_refusal;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Checks that every account that must keep SSH access (`--user`, or when the host root
    /// has them, every account holding an `authorized_keys`) passes `DenyUsers`,
    /// `AllowUsers`, `DenyGroups` and `AllowGroups` for every connection: from each `--from`
    /// source (or from anywhere and from each network a Match block names), to each port.
    /// A Match block's list replaces the global one, and both Allow lists must match.
    ///
    /// ## Why is this bad?
    /// sshd refuses the login after authentication with "not allowed because not listed in
    /// AllowUsers": the admin is locked out, often by a drop-in or a Match block far from
    /// the line that was edited.
    ///
    /// ## Example
    /// ```text
    /// AllowUsers alice
    /// Match Address 10.0.0.0/8
    ///     AllowUsers deploy
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// AllowUsers alice
    /// Match Address 10.0.0.0/8
    ///     AllowUsers deploy alice
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) AllowUsers, AllowGroups, DenyUsers, DenyGroups
    pub static RULE = {
        code: "SSHD102",
        name: "user-locked-out",
        category: Access,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5) AllowUsers", "auth.c allowed_user"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    if host.fatal() {
        return;
    }
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    for user in super::samples::required_users(host, &ctx.options.users) {
        for conn in super::samples::for_user(host, &user, &ctx.options.from) {
            let Ok(e) = host.effective(Some(&conn)) else { continue };
            let Some(r) = access_refusal(ctx.host.facts.accounts.as_ref(), &e, &user, &conn) else { continue };
            // The generic address stands for "any source no Match block singles out".
            let from = match conn.addr.as_deref() {
                Some(super::samples::GENERIC_ADDR) if ctx.options.from.is_empty() => "any address".to_string(),
                Some(a) => a.to_string(),
                None => "any address".to_string(),
            };
            let port = conn.lport.map_or(String::new(), |p| format!(" on port {p}"));
            let at = r.at.unwrap_or(Location { file: main, span: Default::default() });
            let mut v = Violation::new(at, format!("user `{user}` is locked out from {from}{port}: {}", r.reason))
                .help(if r.reason.starts_with("`PermitRootLogin") {
                    "log in as a named user and use sudo, or set `PermitRootLogin prohibit-password`".to_string()
                } else {
                    format!("add `{user}` to the list (or its group), or remove the restriction")
                });
            for (i, b) in host.startup.blocks.iter().enumerate() {
                if r.at.is_some_and(|a| host.startup.records.iter().any(|rec| rec.keyword == a && rec.block == Some(i)))
                {
                    v = v.related(b.at, "this Match block replaces the global list");
                }
            }
            out.push(v);
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_with;

    fn users(u: &[&str]) -> CheckOptions {
        CheckOptions { users: u.iter().map(|s| s.to_string()).collect(), ..Default::default() }
    }

    #[test]
    fn allowusers_without_admin() {
        let f = run_with(&super::RULE, "AllowUsers bob\n", &users(&["alice"]));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("alice"));
    }

    #[test]
    fn match_block_replaces_global_list() {
        let cfg = "AllowUsers alice\nMatch Address 10.0.0.0/8\n  AllowUsers bob\n";
        let f = run_with(&super::RULE, cfg, &users(&["alice"]));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("10.0.0.1"));
    }

    #[test]
    fn pass() {
        assert!(run_with(&super::RULE, "AllowUsers alice bob\n", &users(&["alice"])).is_empty());
        assert!(run_with(&super::RULE, "DenyUsers eve\n", &users(&["alice"])).is_empty());
        assert!(run_with(&super::RULE, "AllowUsers bob\n", &users(&[])).is_empty());
    }
}
