//! SSHD206 `per-source-penalties-risk`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::keywords::Opt;
use crate::model::sshd::matching::{AddrMatch, addr_match_list};
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// On OpenSSH 9.8 and later, where `PerSourcePenalties` is on by default, reports
    /// sources that must keep access (`--from`) that `PerSourcePenaltyExemptList` does not
    /// exempt, and a `PerSourceNetBlockSize` that makes a whole network share one penalty.
    ///
    /// ## Why is this bad?
    /// sshd penalises a source address for failed logins, handshakes that never
    /// authenticate (health checks, `ssh-keyscan`), and timeouts; once penalised, every new
    /// connection from it is refused with "Connection reset by peer". A bastion, a NAT
    /// gateway or a CI runner shares one address among many users and trips this first.
    ///
    /// ## Example
    /// ```text
    /// # sshlint --openssh 9.8 --from 198.51.100.0/24
    /// PerSourceNetBlockSize 16:64
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PerSourcePenaltyExemptList 198.51.100.0/24
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) PerSourcePenalties, PerSourcePenaltyExemptList
    pub static RULE = {
        code: "SSHD206",
        name: "per-source-penalties-risk",
        category: Connection,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) PerSourcePenalties", "OpenSSH 9.8 release notes"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    if !host.version().at_least(9, 8) {
        return;
    }
    let g = host.global();
    if g.list(Opt::PerSourcePenalties).iter().any(|e| e == "enabled:0") {
        return;
    }
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    let at = g.origin(Opt::PerSourcePenalties).unwrap_or(Location { file: main, span: Default::default() });
    let exempt = g.text(Opt::PerSourcePenaltyExemptList).unwrap_or_default();
    for src in &ctx.options.from {
        let Some(addr) = super::samples::from_addr(src) else { continue };
        if !exempt.is_empty() && addr_match_list(Some(&addr), &exempt) == AddrMatch::Matched {
            continue;
        }
        out.push(
            Violation::new(at, format!("source `{src}` must keep access but is not in `PerSourcePenaltyExemptList`: failed or aborted logins from it get the whole address refused for a while"))
                .help(format!("add `PerSourcePenaltyExemptList {src}` (or `PerSourcePenalties no`)")),
        );
    }
    let nb = g.nums(Opt::PerSourceNetBlockSize);
    if let (Some(at), Some(&v4)) = (g.origin(Opt::PerSourceNetBlockSize), nb.first())
        && v4 < 32
    {
        out.push(
            Violation::new(at, format!("`PerSourceNetBlockSize` groups IPv4 sources by /{v4}: one client's penalty refuses everyone in its /{v4}"))
                .help("use 32:128 unless whole networks should share penalties"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::model::sshd::version::Version;
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_version;

    fn from(c: &str) -> CheckOptions {
        CheckOptions { from: vec![c.into()], ..Default::default() }
    }

    #[test]
    fn fail() {
        let f = run_version(&super::RULE, "Port 22\n", Version::new(9, 8), &from("198.51.100.0/24"));
        assert_eq!(f.len(), 1);
        let f =
            run_version(&super::RULE, "PerSourceNetBlockSize 16:64\n", Version::new(10, 5), &CheckOptions::default());
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn pass() {
        let opts = from("198.51.100.0/24");
        assert!(run_version(&super::RULE, "Port 22\n", Version::new(9, 2), &opts).is_empty());
        assert!(
            run_version(&super::RULE, "PerSourcePenaltyExemptList 198.51.100.0/24\n", Version::new(9, 8), &opts)
                .is_empty()
        );
        assert!(run_version(&super::RULE, "PerSourcePenalties no\n", Version::new(10, 0), &opts).is_empty());
    }
}
