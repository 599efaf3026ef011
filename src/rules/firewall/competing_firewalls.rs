//! FW204 `competing-firewalls`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::{Coexistence, Rival};
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
    /// Likewise firewalld (when systemd starts it, see FW202) next to an enabled ufw (both load:
    /// SSH must pass both) or next to such a file (never restored when firewalld is enabled and
    /// the file's loader is not installed, since Debian's firewalld package breaks
    /// netfilter-persistent; with the loader installed, firewalld.service's `Conflicts=` makes
    /// the outcome depend on start order).
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
    /// - ufw(8), netfilter-persistent(8), firewalld.service (`Conflicts=iptables.service`)
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
    check_firewalld(ctx, out);
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

/// firewalld running next to ufw or an iptables-save file restored at boot.
fn check_firewalld(ctx: &Context, out: &mut Vec<Violation>) {
    let Some(f) = &ctx.firewall.firewalld else { return };
    let Some(at) =
        f.conf_file.or(f.user_files.first().copied()).map(|file| Location { file, span: Default::default() })
    else {
        return;
    };
    for (rival, files) in &ctx.firewall.firewalld_rivals {
        let names: Vec<String> = files.iter().map(|&f| ctx.sources.get(f).path.display().to_string()).collect();
        let list = names.join(" and ");
        let (message, help) = match rival {
            Rival::Ufw => (
                "firewalld and ufw (ENABLED=yes) both start at boot: firewalld's nftables table and ufw's iptables chains each filter every packet, so SSH must get through both (sshlint checks each)".to_string(),
                "keep one firewall: disable ufw (`ufw disable`) or firewalld (`systemctl disable --now firewalld`)",
            ),
            Rival::FileUnused { loader } => (
                format!("{list} is never loaded: firewalld is enabled and {loader} is not installed (Debian's firewalld package breaks netfilter-persistent; firewalld.service conflicts with iptables.service)"),
                "remove the file (or move its rules into firewalld zones or policies) so nobody edits a firewall that does not exist",
            ),
            Rival::File { loader, known: true } => (
                format!("firewalld is enabled and {loader} restores {list} at boot: firewalld.service conflicts with iptables.service and nftables.service, and which firewall the host ends up with depends on the order they start (sshlint checks each)"),
                "keep one firewall: disable the other one's service and remove its files",
            ),
            Rival::File { loader, known: false } => (
                format!("firewalld and {list} (restored by {loader}) both configure this host's firewall; only one of them normally loads at boot, so sshlint checks each on its own"),
                "keep one firewall configuration and remove the other one's files",
            ),
        };
        let mut v = Violation::new(at, message).help(help);
        for &file in files {
            v = v.related(Location { file, span: Default::default() }, "loaded next to firewalld".to_string());
        }
        out.push(v);
    }
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

    const FIREWALLD: (&str, &str) = ("/etc/firewalld/firewalld.conf", "DefaultZone=public\n");
    const FIREWALLD_ON: (&str, &str) = ("/etc/systemd/system/multi-user.target.wants/firewalld.service", "");

    #[test]
    fn firewalld_next_to_others() {
        let run = |files: &[(&str, &str)]| run_tree(&super::RULE, files, &CheckOptions::default());
        let f = run(&[FIREWALLD, UFW[0], UFW[1]]);
        assert!(f.len() == 1 && f[0].message.contains("SSH must get through both"), "{f:?}");
        let f = run(&[FIREWALLD, V4]);
        assert!(f.len() == 1 && f[0].message.contains("checks each on its own"), "{f:?}");
        let f = run(&[FIREWALLD, FIREWALLD_ON, V4, ("/usr/lib/firewalld/.keep", "")]);
        assert!(f.len() == 1 && f[0].message.contains("is never loaded"), "{f:?}");
        let f = run(&[FIREWALLD, FIREWALLD_ON, V4, ("/usr/sbin/netfilter-persistent", "")]);
        assert!(f.len() == 1 && f[0].message.contains("depends on the order"), "{f:?}");
        // Masked: nothing competes.
        let masked = ("/etc/systemd/system/firewalld.service", "");
        assert!(run(&[FIREWALLD, masked, UFW[0], UFW[1]]).is_empty());
    }

    #[test]
    fn pass() {
        // ufw alone, or rules.v4 with ufw disabled.
        assert!(run_tree(&super::RULE, UFW, &CheckOptions::default()).is_empty());
        let off = [("/etc/ufw/ufw.conf", "ENABLED=no\n"), UFW[1], V4];
        assert!(run_tree(&super::RULE, &off, &CheckOptions::default()).is_empty());
    }
}
