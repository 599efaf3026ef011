//! SSHD105 `directive-shadowed`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a line whose value never takes effect because another line for the same
    /// keyword wins: for most keywords the first value sshd reads (often in a drop-in
    /// included at the top of sshd_config), for a few the last.
    ///
    /// ## Why is this bad?
    /// The line reads like policy but does nothing. The classic case is editing
    /// `PasswordAuthentication no` into sshd_config while a cloud image's drop-in, included
    /// first, already says `yes`.
    ///
    /// ## Example
    /// ```text
    /// Include /etc/ssh/sshd_config.d/*.conf   # 50-cloud-init.conf: PasswordAuthentication yes
    /// PasswordAuthentication no
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// # set it in the drop-in, or in a drop-in that sorts first (00-hardening.conf)
    /// ```
    ///
    /// ## References
    /// - sshd_config(5): "Unless noted otherwise, for each keyword, the first obtained value will be used"
    pub static RULE = {
        code: "SSHD105",
        name: "directive-shadowed",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let records = &host.startup.records;
    let args_at = |loc| records.iter().find(|r| r.keyword == loc).map(|r| r.args.join(" "));
    for s in &host.startup.shadows {
        let (Some(ignored), Some(winner)) = (args_at(s.ignored), args_at(s.winner)) else { continue };
        if ignored.eq_ignore_ascii_case(&winner) {
            continue;
        }
        let kw = s.opt.canonical();
        let first = host.startup.records.iter().position(|r| r.keyword == s.winner)
            < host.startup.records.iter().position(|r| r.keyword == s.ignored);
        let which = if first { "an earlier line sets it first" } else { "a later line overrides it" };
        let mut v = Violation::new(s.ignored, format!("`{kw} {ignored}` never takes effect: {which} to `{winner}`"))
            .related(s.winner, format!("`{kw} {winner}` wins here"))
            .help(format!("remove one of the `{kw}` lines so the intended value is the only one"));
        // Show how the winning line got in: the Include lines that pulled its file.
        if let Some(rec) = records.iter().find(|r| r.keyword == s.winner) {
            for &inc in &rec.chain {
                v = v.related(inc, "included from here");
            }
        }
        out.push(v);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "PasswordAuthentication yes\nPasswordAuthentication no\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("`PasswordAuthentication no`"));
        let f = run(&super::RULE, "Match User a\n  X11Forwarding yes\n  X11Forwarding no\n");
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "PasswordAuthentication no\nPasswordAuthentication no\n").is_empty());
        assert!(run(&super::RULE, "AllowUsers a\nAllowUsers b\n").is_empty());
        assert!(run(&super::RULE, "X11Forwarding no\nMatch User a\n  X11Forwarding yes\n").is_empty());
    }
}
