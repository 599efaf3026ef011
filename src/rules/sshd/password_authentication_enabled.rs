//! SSHD402 `password-authentication-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports password authentication left on (the default), globally or in a Match block.
    ///
    /// ## Why is this bad?
    /// Password logins are exposed to guessing and credential stuffing; keys are not.
    ///
    /// ## Example
    /// ```text
    /// PasswordAuthentication yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PasswordAuthentication no
    /// ```
    ///
    /// ## References
    /// - dev-sec ssh-baseline sshd-22
    pub static RULE = {
        code: "SSHD402",
        name: "password-authentication-enabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["dev-sec ssh-baseline sshd-22"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    if host.fatal() {
        return;
    }
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    let effs = super::samples::evaluations(host);
    let mut seen: Vec<Option<Location>> = Vec::new();
    for (e, block) in effs {
        let n = e.num(Opt::PasswordAuthentication);
        let at = e.origin(Opt::PasswordAuthentication);
        if seen.contains(&at) || !(n != 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`PasswordAuthentication` is `yes`: passwords can be guessed over the network"),
        )
        .help("use keys: `PasswordAuthentication no`");
        if let Some(b) = block {
            v = v.related(b, "inside this Match block");
        }
        out.push(v);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "PasswordAuthentication yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PasswordAuthentication no\n").is_empty());
    }
}
