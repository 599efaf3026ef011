//! FW204 `competing-firewalls`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::Coexistence;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports a host configured with both ufw (`ENABLED=yes`) and an iptables-save file that
    /// a service restores at boot (`/etc/iptables/rules.v4` and `rules.v6` for
    /// netfilter-persistent, `/etc/sysconfig/iptables`, `/etc/iptables/iptables.rules`), and
    /// says which of them the host really loads, from the programs installed in the root:
    /// - ufw installed, the file's loader not: the file is never loaded (on Debian and Ubuntu,
    ///   installing ufw removes netfilter-persistent, whose package it breaks);
    /// - the loader installed, ufw not: ufw's files are never loaded;
    /// - both installed: the file is restored first and ufw-init adds its chains after its
    ///   rules, so both apply, and sshlint checks SSH access through the combination;
    /// - a root with configuration only (no `/usr`): either may be the one in use, and each is
    ///   checked on its own.
    ///
    /// ## Why is this bad?
    /// Whoever edits the file that is not loaded believes they changed the firewall; whoever
    /// reads only one of them misjudges what SSH goes through. Leftovers of a switch from
    /// iptables-persistent to ufw are the usual cause.
    ///
    /// ## Example
    /// ```text
    /// /etc/ufw/ufw.conf:         ENABLED=yes
    /// /etc/iptables/rules.v4:    *filter … COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// /etc/ufw/ufw.conf:         ENABLED=yes
    /// (no /etc/iptables/rules.v4: its rules moved to /etc/ufw/before.rules)
    /// ```
    ///
    /// ## References
    /// - ufw(8), netfilter-persistent(8)
    /// - reference/firewalls.md §2
    pub static RULE = {
        code: "FW204",
        name: "competing-firewalls",
        category: Hygiene,
        severity: Warning,
        since: "0.1.0",
        sources: ["ufw(8)", "netfilter-persistent(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let Some((how, files)) = &ctx.firewall.coexistence else { return };
    let Some(u) = &ctx.firewall.ufw else { return };
    let Some(&first) = files.first() else { return };
    let at = Location { file: first, span: Default::default() };
    let enabled = u.settings.get("ENABLED").map(|s| s.at);
    let names: Vec<String> = files.iter().map(|&f| ctx.sources.get(f).path.display().to_string()).collect();
    let list = names.join(" and ");
    let (message, help) = match how {
        Coexistence::FileUnused { loader } => (
            format!(
                "{list} is never loaded: ufw is enabled and installed, and {loader} is not (ufw's package breaks it)"
            ),
            "remove the file (or move its rules into ufw's before.rules) so nobody edits a firewall that does not exist".to_string(),
        ),
        Coexistence::UfwUnused { loader } => (
            format!(
                "ufw's configuration says ENABLED=yes but ufw is not installed: {loader} loads {list}, and ufw's files are never loaded"
            ),
            "remove /etc/ufw (or install ufw and drop the iptables files)".to_string(),
        ),
        Coexistence::Combined { loader } => (
            format!(
                "{loader} restores {list} at boot and ufw-init then adds its chains after those rules: both apply (sshlint checks SSH through the combination)"
            ),
            "keep one firewall: ufw's package breaks netfilter-persistent for this reason".to_string(),
        ),
        Coexistence::Unknown => (
            format!(
                "ufw (ENABLED=yes) and {list} both configure this host's firewall; on Debian and Ubuntu only one of them can load at boot (ufw's package breaks netfilter-persistent), so sshlint checks each on its own"
            ),
            "keep one firewall configuration and remove the other one's files".to_string(),
        ),
    };
    let mut v = Violation::new(at, message).help(help);
    if let Some(e) = enabled {
        v = v.related(e, "ufw is enabled here".to_string());
    }
    for &f in files.iter().skip(1) {
        v = v.related(Location { file: f, span: Default::default() }, "also restored at boot".to_string());
    }
    out.push(v);
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const UFW: &[(&str, &str)] = &[
        ("/etc/ufw/ufw.conf", "ENABLED=yes\n"),
        (
            "/etc/default/ufw",
            "IPV6=yes\nDEFAULT_INPUT_POLICY=\"DROP\"\nDEFAULT_OUTPUT_POLICY=\"ACCEPT\"\nDEFAULT_FORWARD_POLICY=\"DROP\"\n",
        ),
    ];
    const V4: (&str, &str) =
        ("/etc/iptables/rules.v4", "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");

    fn tree(extra: &[(&'static str, &'static str)]) -> Vec<crate::diagnostic::Finding> {
        let mut files = UFW.to_vec();
        files.push(V4);
        files.extend_from_slice(extra);
        run_tree(&super::RULE, &files, &CheckOptions::default())
    }

    #[test]
    fn fail() {
        let f = tree(&[]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("checks each on its own"), "{}", f[0].message);
        let f = tree(&[("/usr/sbin/ufw", "")]);
        assert!(f[0].message.contains("is never loaded"), "{}", f[0].message);
        let f = tree(&[("/usr/sbin/netfilter-persistent", "")]);
        assert!(f[0].message.contains("ufw is not installed"), "{}", f[0].message);
        let f = tree(&[("/usr/sbin/netfilter-persistent", ""), ("/usr/sbin/ufw", "")]);
        assert!(f[0].message.contains("both apply"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        // ufw alone, or rules.v4 with ufw disabled.
        assert!(run_tree(&super::RULE, UFW, &CheckOptions::default()).is_empty());
        let off = [("/etc/ufw/ufw.conf", "ENABLED=no\n"), UFW[1], V4];
        assert!(run_tree(&super::RULE, &off, &CheckOptions::default()).is_empty());
    }
}
