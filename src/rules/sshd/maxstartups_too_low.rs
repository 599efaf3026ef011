//! SSHD201 `maxstartups-too-low`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a `MaxStartups` below the default `10:30:100`: fewer than ten concurrent
    /// unauthenticated connections are accepted before sshd starts dropping new ones.
    ///
    /// ## Why is this bad?
    /// Dropped connections show up as `kex_exchange_identification: read: Connection reset
    /// by peer`. Parallel deploys (Ansible forks, CI matrices), monitoring probes and
    /// scanners easily exceed a handful of simultaneous handshakes.
    ///
    /// ## Example
    /// ```text
    /// MaxStartups 3
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// MaxStartups 10:30:100
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) MaxStartups
    pub static RULE = {
        code: "SSHD201",
        name: "maxstartups-too-low",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) MaxStartups"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let g = ctx.host.global();
    let Some(at) = g.origin(Opt::MaxStartups) else { return };
    let v = g.nums(Opt::MaxStartups);
    let (Some(&start), Some(&rate), Some(&full)) = (v.first(), v.get(1), v.get(2)) else { return };
    let rate = if rate < 0 { 30 } else { rate };
    if start >= 10 {
        return;
    }
    let spec = format!("{start}:{rate}:{full}");
    let what = if start >= full || rate >= 100 {
        format!("connection {} and later are all dropped", start + 1)
    } else {
        format!("connection {} is dropped with {rate}% probability, every one from {} on", start + 1, full + 1)
    };
    out.push(
        Violation::new(at, format!("`MaxStartups` is `{spec}`: with {start} unauthenticated connections open, {what}"))
            .help("raise it to at least the default `10:30:100` (rate-limit abuse with a firewall or PerSourceMaxStartups)"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "MaxStartups 2\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`2:30:2`"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "MaxStartups 10:30:60\n").is_empty());
        assert!(run(&super::RULE, "Port 22\n").is_empty());
    }
}
