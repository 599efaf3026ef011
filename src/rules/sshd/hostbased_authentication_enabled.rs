//! SSHD406 `hostbased-authentication-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `HostbasedAuthentication yes`.
    ///
    /// ## Why is this bad?
    /// Host-based trust means any root (or user) on a trusted host can log in here as the same user.
    ///
    /// ## Example
    /// ```text
    /// HostbasedAuthentication yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// HostbasedAuthentication no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.9
    pub static RULE = {
        code: "SSHD406",
        name: "hostbased-authentication-enabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.9"],
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
        let n = e.num(Opt::HostbasedAuthentication);
        let at = e.origin(Opt::HostbasedAuthentication);
        if seen.contains(&at) || !(n != 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`HostbasedAuthentication` is `yes`: trust is delegated to other hosts and their users"),
        )
        .help("set `HostbasedAuthentication no`");
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
        assert_eq!(run(&super::RULE, "HostbasedAuthentication yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "HostbasedAuthentication no\n").is_empty());
    }
}
