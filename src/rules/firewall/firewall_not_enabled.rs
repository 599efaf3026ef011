//! FW202 `firewall-not-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::firewall::firewalld::Service;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports ufw rules that exist in `user.rules`/`user6.rules` while `/etc/ufw/ufw.conf`
    /// says `ENABLED=no`, and firewalld zones, services or policies in `/etc/firewalld` while
    /// `firewalld.service` is masked, or installed and not enabled (no
    /// `multi-user.target.wants/firewalld.service`; a root without firewalld's unit counts as
    /// running it).
    ///
    /// ## Why is this bad?
    /// None of the rules is loaded at boot, yet `ufw allow`/`deny` (or `firewall-cmd
    /// --permanent`) kept editing the files. The day someone runs `ufw enable` (`systemctl
    /// enable firewalld`), all of them take effect at once: review them (and check that SSH is
    /// allowed) before that. sshlint does not count them in SSH verdicts.
    ///
    /// ## Example
    /// ```text
    /// ENABLED=no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ENABLED=yes
    /// ```
    ///
    /// ## References
    /// - ufw(8), ufw-framework(8), systemctl(1) enable, mask
    /// - reference/firewalls.md §2.2, §2.3
    pub static RULE = {
        code: "FW202",
        name: "firewall-not-enabled",
        category: Hygiene,
        severity: Info,
        since: "0.1.0",
        sources: ["ufw(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    check_firewalld(ctx, out);
    let Some(u) = &ctx.firewall.ufw else { return };
    if u.enabled || !u.has_user_rules() {
        return;
    }
    let file_start = |file: crate::source::FileId| Location { file, span: Default::default() };
    let (at, message) = if u.complete {
        let Some(at) = u.settings.get("ENABLED").map(|s| s.at).or_else(|| u.conf_file.map(file_start)) else {
            return;
        };
        (at, "ufw has rules in user.rules/user6.rules but is not enabled: none of them is loaded at boot".to_string())
    } else {
        let missing = if u.default_file.is_none() { "/etc/default/ufw" } else { "/etc/ufw/ufw.conf" };
        let Some(at) = u.rules.first().map(|(_, id, _)| file_start(*id)) else { return };
        (at, format!("ufw has rules but `{missing}` is missing or empty: ufw-init aborts and none of them is loaded"))
    };
    out.push(
        Violation::new(at, message)
            .help("review the rules (and that SSH is allowed), then `ufw enable`, or remove them"),
    );
}

/// firewalld configured in /etc/firewalld while systemd does not start it.
fn check_firewalld(ctx: &Context, out: &mut Vec<Violation>) {
    let Some(f) = &ctx.firewall.firewalld else { return };
    let Some(&file) = f.user_files.iter().find(|&&id| Some(id) != f.conf_file) else { return };
    let why = match &f.service {
        Service::Masked(path) => format!("firewalld.service is masked ({path})"),
        Service::Disabled(_) => {
            "firewalld.service is not enabled (no multi-user.target.wants/firewalld.service link)".to_string()
        }
        Service::Enabled(_) | Service::Unknown => return,
    };
    out.push(
        Violation::new(Location { file, span: Default::default() }, format!("firewalld has zones, services or policies in /etc/firewalld but {why}: none of them is loaded at boot"))
            .help("review them (and that SSH is allowed), then `systemctl unmask firewalld` and `systemctl enable --now firewalld`, or remove them"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const CONF: (&str, &str) = ("/etc/firewalld/firewalld.conf", "DefaultZone=public\n");
    const ZONE: (&str, &str) = ("/etc/firewalld/zones/public.xml", "<zone><service name=\"ssh\"/></zone>");

    #[test]
    fn firewalld_not_started() {
        let run = |files: &[(&str, &str)]| run_tree(&super::RULE, files, &CheckOptions::default());
        let masked = ("/etc/systemd/system/firewalld.service", "");
        let f = run(&[CONF, ZONE, masked]);
        assert!(f.len() == 1 && f[0].message.contains("masked"), "{f:?}");
        let unit = ("/usr/lib/systemd/system/firewalld.service", "[Unit]\n");
        let f = run(&[CONF, ZONE, unit]);
        assert!(f.len() == 1 && f[0].message.contains("not enabled"), "{f:?}");
        // Enabled, or no unit in the root (configuration only), or nothing but firewalld.conf.
        let on = ("/etc/systemd/system/multi-user.target.wants/firewalld.service", "");
        assert!(run(&[CONF, ZONE, unit, on]).is_empty());
        assert!(run(&[CONF, ZONE]).is_empty());
        assert!(run(&[CONF, unit]).is_empty());
    }
}
