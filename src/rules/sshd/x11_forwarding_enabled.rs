//! SSHD405 `x11-forwarding-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `X11Forwarding yes`, globally or in a Match block.
    ///
    /// ## Why is this bad?
    /// X11 forwarding exposes the client display to the server side and widens the attack surface of the session.
    ///
    /// ## Example
    /// ```text
    /// X11Forwarding yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// X11Forwarding no
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.6
    pub static RULE = {
        code: "SSHD405",
        name: "x11-forwarding-enabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.6"],
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
        let n = e.num(Opt::X11Forwarding);
        let at = e.origin(Opt::X11Forwarding);
        if seen.contains(&at) || !(n != 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`X11Forwarding` is `yes`: clients can forward X11 displays through this host"),
        )
        .help("set `X11Forwarding no` unless users need remote X applications");
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
        assert_eq!(run(&super::RULE, "X11Forwarding yes\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "X11Forwarding no\n").is_empty());
    }
}
