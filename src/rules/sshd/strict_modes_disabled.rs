//! SSHD404 `strict-modes-disabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `StrictModes no`.
    ///
    /// ## Why is this bad?
    /// With StrictModes off, anyone who can write to a home or ~/.ssh can add a key and log in as that user.
    ///
    /// ## Example
    /// ```text
    /// StrictModes no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// StrictModes yes
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2 (sshd_config)
    pub static RULE = {
        code: "SSHD404",
        name: "strict-modes-disabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2 (sshd_config)"],
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
        let n = e.num(Opt::StrictModes);
        let at = e.origin(Opt::StrictModes);
        if seen.contains(&at) || !(n == 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`StrictModes` is `no`: sshd trusts key files in directories other users can write"),
        )
        .help("set `StrictModes yes` and fix the permissions it complains about");
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
        assert_eq!(run(&super::RULE, "StrictModes no\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "StrictModes yes\n").is_empty());
    }
}
