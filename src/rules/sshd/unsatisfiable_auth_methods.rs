//! SSHD007 `unsatisfiable-authentication-methods`.

use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::sshd::eval::ProblemKind;
use crate::model::sshd::host::{method_enabled, method_list_enabled};
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports an `AuthenticationMethods` setting whose every list needs a method that is
    /// disabled (for example `password` with `PasswordAuthentication no`).
    ///
    /// ## Why is this bad?
    /// In the global section sshd refuses to start. Inside a Match block sshd does not check
    /// (`sshd -t` passes), and every user the block matches is locked out.
    ///
    /// ## Example
    /// ```text
    /// PasswordAuthentication no
    /// Match User bob
    ///     AuthenticationMethods password
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PasswordAuthentication no
    /// Match User bob
    ///     AuthenticationMethods publickey
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) AuthenticationMethods
    pub static RULE = {
        code: "SSHD007",
        name: "unsatisfiable-authentication-methods",
        category: Access,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5) AuthenticationMethods", "sshd.c auth2_methods_valid"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::problems::report(ctx, ProblemKind::UnsatisfiableAuthMethods, out);
    let host = ctx.host;
    if host.fatal() {
        return;
    }
    for rec in host.startup.records.iter().filter(|r| r.opt == Opt::AuthenticationMethods && r.block.is_some()) {
        let Some(b) = rec.block else { continue };
        let block = &host.startup.blocks[b];
        let Some(conn) = super::samples::for_block(host, block, None) else { continue };
        let Ok(e) = host.effective(Some(&conn)) else { continue };
        let lists = e.auth_methods();
        if e.origin(Opt::AuthenticationMethods) != Some(rec.keyword) || lists.is_empty() {
            continue;
        }
        if lists.iter().any(|l| method_list_enabled(&e, l)) {
            continue;
        }
        let disabled: Vec<&str> = lists
            .iter()
            .flat_map(|l| l.split(','))
            .map(|m| m.split(':').next().unwrap_or(""))
            .filter(|m| !method_enabled(&e, m))
            .collect();
        let who = conn.user.as_deref().unwrap_or("matching users");
        let mut v = Violation::new(
            rec.value,
            format!(
                "`AuthenticationMethods {}` needs `{}`, which is disabled for this block: `{who}` cannot log in",
                lists.join(" "),
                disabled.join("`, `")
            ),
        )
        .help("enable the method inside the Match block, or require only enabled methods")
        .related(block.at, "inside this Match block")
        .severity(Severity::Error);
        for m in disabled {
            let opt = match m {
                "password" => Opt::PasswordAuthentication,
                "keyboard-interactive" => Opt::KbdInteractiveAuthentication,
                "publickey" => Opt::PubkeyAuthentication,
                "hostbased" => Opt::HostbasedAuthentication,
                _ => Opt::GSSAPIAuthentication,
            };
            if let Some(at) = e.origin(opt) {
                v = v.related(at, format!("`{m}` disabled here"));
            }
        }
        out.push(v);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn global_unsatisfiable_is_fatal() {
        let f = run(
            &super::RULE,
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nAuthenticationMethods password\n",
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].fatal);
    }

    #[test]
    fn match_block_locks_out_without_fatal() {
        let f = run(&super::RULE, "PasswordAuthentication no\nMatch User bob\n  AuthenticationMethods password\n");
        assert_eq!(f.len(), 1);
        assert!(!f[0].fatal);
        assert!(f[0].message.contains("bob"));
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "AuthenticationMethods publickey,password\n").is_empty());
        assert!(
            run(&super::RULE, "Match User bob\n  PasswordAuthentication yes\n  AuthenticationMethods password\n")
                .is_empty()
        );
    }
}
