//! SSHD411 `user-environment-permitted`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `PermitUserEnvironment` set to `yes` or a pattern list.
    ///
    /// ## Why is this bad?
    /// Variables such as LD_PRELOAD set through ~/.ssh/environment can bypass ForceCommand and other restrictions.
    ///
    /// ## Example
    /// ```text
    /// PermitUserEnvironment yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitUserEnvironment no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.12
    pub static RULE = {
        code: "SSHD411",
        name: "user-environment-permitted",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.12"],
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
        let n = e.num(Opt::PermitUserEnvironment);
        let at = e.origin(Opt::PermitUserEnvironment);
        if seen.contains(&at) || !(n != 0 || e.text(Opt::PermitUserEnvironment).is_some()) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`PermitUserEnvironment` lets users set environment variables through ~/.ssh/environment"),
        )
        .help("set `PermitUserEnvironment no`");
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
        assert_eq!(run(&super::RULE, "PermitUserEnvironment yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PermitUserEnvironment no\n").is_empty());
    }
}
