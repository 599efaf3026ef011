//! FW202 `firewall-not-enabled`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports ufw rules that exist in `user.rules`/`user6.rules` while `/etc/ufw/ufw.conf`
    /// says `ENABLED=no`.
    ///
    /// ## Why is this bad?
    /// None of the rules is loaded at boot, yet `ufw allow`/`deny` kept editing the files. The
    /// day someone runs `ufw enable`, all of them take effect at once: review them (and check
    /// that SSH is allowed) before that.
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
    /// - ufw(8), ufw-framework(8)
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
