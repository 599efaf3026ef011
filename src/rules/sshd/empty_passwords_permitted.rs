//! SSHD403 `empty-passwords-permitted`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `PermitEmptyPasswords yes`, globally or in a Match block. On by default.
    ///
    /// ## Why is this bad?
    /// Any account whose password is empty (service accounts, freshly created users) becomes reachable from the network without credentials.
    ///
    /// ## Example
    /// ```text
    /// PermitEmptyPasswords yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitEmptyPasswords no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.11
    pub static RULE = {
        code: "SSHD403",
        name: "empty-passwords-permitted",
        category: Hardening,
        severity: Error,
        opt_in: false,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.11"],
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
        let n = e.num(Opt::PermitEmptyPasswords);
        let at = e.origin(Opt::PermitEmptyPasswords);
        if seen.contains(&at) || !(n != 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`PermitEmptyPasswords` is `yes`: accounts with an empty password can log in with none"),
        )
        .help("set `PermitEmptyPasswords no`");
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
        assert_eq!(run(&super::RULE, "PermitEmptyPasswords yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PermitEmptyPasswords no\n").is_empty());
    }
}
