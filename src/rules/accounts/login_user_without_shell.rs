//! ACCT002 `login-user-without-shell`.

use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::logins::account_refusal;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Checks the accounts that must keep SSH access (`--user`, or every account holding
    /// authorized keys): an error when sshd refuses the account before any authentication
    /// (its shell does not exist or is not executable, its password is locked with `UsePAM
    /// no`, it has expired in `etc/shadow`), a warning when its shell is `nologin` or `false`
    /// and no `ForceCommand` or `ChrootDirectory` applies.
    ///
    /// ## Why is this bad?
    /// The key is accepted or the password is right, and the login still fails: "User alice not
    /// allowed because shell /bin/zsh does not exist", or "This account is currently not
    /// available" right after authentication.
    ///
    /// ## Example
    /// ```text
    /// deploy:x:1001:1001::/home/deploy:/usr/sbin/nologin    (with /home/deploy/.ssh/authorized_keys)
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// deploy:x:1001:1001::/home/deploy:/bin/bash
    /// ```
    ///
    /// ## References
    /// - sshd(8) LOGIN PROCESS, auth.c allowed_user
    pub static RULE = {
        code: "ACCT002",
        name: "login-user-without-shell",
        category: Access,
        severity: Warning,
        since: "0.2.0",
        sources: ["auth.c allowed_user", "nologin(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let Some(accounts) = host.facts.accounts.as_ref() else { return };
    let Some(passwd) = host.logins.passwd else { return };
    for name in crate::model::sshd::samples::required_users(host, &ctx.options.users) {
        let Some(user) = accounts.user(&name) else { continue };
        let at = Location { file: passwd, span: user.span };
        let Ok(e) = host.effective(Some(&super::generic_connection(ctx, &name))) else { continue };
        let why = if ctx.options.users.contains(&name) { "must keep access" } else { "holds authorized keys" };
        if let Some(r) = account_refusal(host, &e, user) {
            let mut v = Violation::new(at, format!("`{name}` {why}, but sshd refuses the account: {}", r.reason))
                .help("give the account an installed shell, or unlock it (`usermod -U`)")
                .severity(Severity::Error);
            if let Some(loc) = r.at {
                v = v.related(loc, "set here");
            }
            out.push(v);
            continue;
        }
        let base = user.shell.rsplit('/').next().unwrap_or("");
        let confined = e.text(Opt::ForceCommand).is_some()
            || e.text(Opt::ChrootDirectory).is_some_and(|c| !c.eq_ignore_ascii_case("none"));
        if matches!(base, "nologin" | "false") && !confined {
            out.push(
                Violation::new(
                    at,
                    format!(
                        "`{name}` {why}, but its shell is `{}`: every login ends right after authentication",
                        user.shell
                    ),
                )
                .help(format!("`usermod -s /bin/bash {name}`, or remove the keys if the account is not for logins")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Severity;
    use crate::rules::testing::{Tree, run_tree_modes};

    #[test]
    fn nologin_and_missing_shell() {
        let mut t = Tree::with_key();
        t.passwd = t
            .passwd
            .replace("alice:x:1000:1000::/home/alice:/bin/sh", "alice:x:1000:1000::/home/alice:/usr/sbin/nologin");
        t.files.push(("usr/sbin/nologin".into(), "#!/bin/true\n".into()));
        let Some(f) = run_tree_modes(&super::RULE, &t, &[("/usr/sbin/nologin", 0o755, None)]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Warning);
        t.passwd = t.passwd.replace("/usr/sbin/nologin", "/bin/zsh");
        let Some(f) = run_tree_modes(&super::RULE, &t, &[]) else { return };
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("does not exist"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        let Some(f) = run_tree_modes(&super::RULE, &Tree::with_key(), &[]) else { return };
        assert!(f.is_empty(), "{f:?}");
    }
}
