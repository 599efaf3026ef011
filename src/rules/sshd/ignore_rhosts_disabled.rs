//! SSHD407 `ignore-rhosts-disabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `IgnoreRhosts no`.
    ///
    /// ## Why is this bad?
    /// Rhosts files let users grant password-less access to their account from other hosts without the administrator knowing.
    ///
    /// ## Example
    /// ```text
    /// IgnoreRhosts no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// IgnoreRhosts yes
    /// ```
    ///
    /// ## References
    /// - CIS Distribution Independent Linux 5.2.8
    pub static RULE = {
        code: "SSHD407",
        name: "ignore-rhosts-disabled",
        category: Hardening,
        severity: Warning,
        opt_in: true,
        since: "0.1.0",
        sources: ["CIS Distribution Independent Linux 5.2.8"],
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
        let n = e.num(Opt::IgnoreRhosts);
        let at = e.origin(Opt::IgnoreRhosts);
        if seen.contains(&at) || !(n == 0) {
            continue;
        }
        if block.is_some() && at.is_none() {
            continue;
        }
        seen.push(at);
        let mut v = Violation::new(
            at.unwrap_or(Location { file: main, span: Default::default() }),
            format!("`IgnoreRhosts` is `no`: users' .rhosts and .shosts files are honoured"),
        )
        .help("set `IgnoreRhosts yes`");
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
        assert_eq!(run(&super::RULE, "IgnoreRhosts no\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "IgnoreRhosts yes\n").is_empty());
    }
}
