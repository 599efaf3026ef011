//! SSHD103 `no-usable-login-method`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::effective::Effective;
use crate::model::sshd::host::method_enabled;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports connections for which no authentication method can succeed: publickey,
    /// password, keyboard-interactive, hostbased and GSSAPI are all disabled, globally or by
    /// a Match block; or `root` must keep access but `PermitRootLogin` allows only methods
    /// that are off.
    ///
    /// ## Why is this bad?
    /// sshd starts and accepts connections, but every login ends in "Permission denied".
    ///
    /// ## Example
    /// ```text
    /// PubkeyAuthentication no
    /// PasswordAuthentication no
    /// KbdInteractiveAuthentication no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PubkeyAuthentication yes
    /// PasswordAuthentication no
    /// KbdInteractiveAuthentication no
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) AuthenticationMethods
    pub static RULE = {
        code: "SSHD103",
        name: "no-usable-login-method",
        category: Access,
        severity: Error,
        since: "0.1.0",
        sources: ["sshd_config(5)"],
    }
}

const METHODS: [(&str, Opt); 5] = [
    ("publickey", Opt::PubkeyAuthentication),
    ("password", Opt::PasswordAuthentication),
    ("keyboard-interactive", Opt::KbdInteractiveAuthentication),
    ("hostbased", Opt::HostbasedAuthentication),
    ("gssapi-with-mic", Opt::GSSAPIAuthentication),
];

fn none_enabled(e: &Effective) -> bool {
    METHODS.iter().all(|(m, _)| !method_enabled(e, m))
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    if host.fatal() {
        return;
    }
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    let fallback = Location { file: main, span: Default::default() };
    let g = host.global();
    if none_enabled(g) {
        let at = g.origin(Opt::PubkeyAuthentication).unwrap_or(fallback);
        let mut v = Violation::new(at, "every authentication method is disabled: no one can log in".to_string())
            .help("enable `PubkeyAuthentication` (the default)");
        for (m, opt) in METHODS {
            if let Some(l) = g.origin(opt) {
                v = v.related(l, format!("`{m}` disabled here"));
            }
        }
        out.push(v);
        return;
    }
    for block in &host.startup.blocks {
        let Some(conn) = super::samples::for_block(host, block, None) else { continue };
        let Ok(e) = host.effective(Some(&conn)) else { continue };
        if none_enabled(&e) {
            let who = conn.user.as_deref().unwrap_or("connections matching it");
            out.push(
                Violation::new(
                    block.at,
                    format!("every authentication method is disabled for this Match block: `{who}` cannot log in"),
                )
                .help("leave at least one method enabled inside the block"),
            );
        }
    }
    if ctx.options.users.iter().any(|u| u == "root") {
        let prl = g.num(Opt::PermitRootLogin);
        let key_only = prl == 2 || prl == 1;
        if key_only && !g.flag(Opt::PubkeyAuthentication) && !g.flag(Opt::HostbasedAuthentication) {
            let at = g.origin(Opt::PermitRootLogin).unwrap_or(fallback);
            out.push(
                Violation::new(at, "`root` must keep access but `PermitRootLogin` allows only key logins and key authentication is off".to_string())
                    .help("enable `PubkeyAuthentication` or change `PermitRootLogin`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f =
            run(&super::RULE, "PubkeyAuthentication no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n");
        assert_eq!(f.len(), 1);
        let f = run(
            &super::RULE,
            "Match User ci\n  PubkeyAuthentication no\n  PasswordAuthentication no\n  KbdInteractiveAuthentication no\n",
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("ci"));
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PasswordAuthentication no\nKbdInteractiveAuthentication no\n").is_empty());
    }
}
