//! SSHD202 `persource-maxstartups-too-low`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `PerSourceMaxStartups` below 5: one source address may hold fewer than five
    /// unauthenticated connections at once.
    ///
    /// ## Why is this bad?
    /// Everyone behind one NAT address, a bastion, or a CI runner with parallel jobs counts as one source; their extra connections are reset before the banner ("Connection reset by peer").
    ///
    /// ## Example
    /// ```text
    /// PerSourceMaxStartups 2
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PerSourceMaxStartups 10
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) PerSourceMaxStartups
    pub static RULE = {
        code: "SSHD202",
        name: "persource-maxstartups-too-low",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) PerSourceMaxStartups"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::samples::report_setting(
        ctx,
        Opt::PerSourceMaxStartups,
        false,
        |_, n| n < 5,
        |_, n| {
            format!(
                "`PerSourceMaxStartups` is `{n}`: a source with {n} unauthenticated connections open gets new ones dropped"
            )
        },
        "raise it above the parallelism of CI runners, bastions and NAT gateways sharing one address",
        out,
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "PerSourceMaxStartups 2\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PerSourceMaxStartups 10\n").is_empty());
    }
}
