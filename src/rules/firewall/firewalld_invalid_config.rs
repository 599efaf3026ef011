//! FW010 `firewalld-invalid-config`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::firewalld::Code;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports firewalld files and elements that firewalld refuses or drops: XML that is not
    /// well-formed, elements and attributes firewalld does not accept, invalid targets, names
    /// and ports, a directory named `*.xml`, rich rules firewalld drops with a warning, and an
    /// action element outside `<rule>` (firewalld then silently skips everything after it up to
    /// the next `</rule>`). Also reports what `firewall-offline-cmd --check-config` misses but
    /// makes the daemon fail at boot, such as `reject type="tcp-reset"` on UDP ports.
    ///
    /// ## Why is this bad?
    /// One file firewalld cannot load makes it start with its full stock configuration: every
    /// file in /etc/firewalld is ignored, the default zone becomes `public`, and SSH is open
    /// from everywhere while every other custom rule is gone. A dropped rule or skipped element
    /// silently changes who gets in.
    ///
    /// ## Example
    /// ```text
    /// <zone target="REJECT">
    ///   <service name="ssh"/>
    /// </zone>
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// <zone target="%%REJECT%%">
    ///   <service name="ssh"/>
    /// </zone>
    /// ```
    ///
    /// ## References
    /// - firewalld.zone(5), firewalld.richlanguage(5)
    /// - docs/research/firewalld-1.3.3.md §1.4, §2, §6
    pub static RULE = {
        code: "FW010",
        name: "firewalld-invalid-config",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["firewalld.zone(5)", "firewall-offline-cmd(1)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    super::firewalld_findings(ctx, Code::Invalid, out);
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const CONF: (&str, &str) = ("etc/firewalld/firewalld.conf", "DefaultZone=drop\n");

    #[test]
    fn fail() {
        let f = run_tree(
            &super::RULE,
            &[CONF, ("etc/firewalld/zones/mgmt.xml", "<zone target=\"REJECT\"><service name=\"ssh\"/></zone>")],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].help.as_deref().is_some_and(|h| h.contains("stock configuration")), "{f:?}");
        let f = run_tree(
            &super::RULE,
            &[CONF, ("etc/firewalld/zones/mgmt.xml", "<zone><accept/><service name=\"ssh\"/></zone>")],
            &CheckOptions::default(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("skips every element"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        let f = run_tree(
            &super::RULE,
            &[
                CONF,
                (
                    "etc/firewalld/zones/mgmt.xml",
                    "<zone><source address=\"192.0.2.0/24\"/><service name=\"ssh\"/></zone>",
                ),
            ],
            &CheckOptions::default(),
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
