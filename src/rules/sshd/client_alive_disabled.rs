//! SSHD409 `client-alive-disabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `ClientAliveInterval 0` (the default).
    ///
    /// ## Why is this bad?
    /// Sessions whose client vanished keep their shell, agents and forwarded ports open indefinitely.
    ///
    /// ## Example
    /// ```text
    /// ClientAliveInterval 0
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ClientAliveInterval 300
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.16
    pub static RULE = {
        code: "SSHD409",
        name: "client-alive-disabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.16"],
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
        let n = e.num(Opt::ClientAliveInterval);
        let at = e.origin(Opt::ClientAliveInterval);
        if seen.contains(&at) || !(n == 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`ClientAliveInterval` is `0`: dead and idle sessions are never detected"),
        )
        .help("set `ClientAliveInterval 300` with `ClientAliveCountMax 3`");
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
        assert_eq!(run(&super::RULE, "ClientAliveInterval 0\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "ClientAliveInterval 300\n").is_empty());
    }
}
