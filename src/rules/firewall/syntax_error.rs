//! FW001 `firewall-syntax-error`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports lines of an iptables-save / iptables-restore file (`rules.v4`, `rules.v6`, ufw's
    /// `*.rules`, a dump on standard input) that `iptables-restore` rejects: unknown options,
    /// bad values, trailing comments, whitespace-only lines, CRLF line endings, lower-case
    /// `commit`, a missing `COMMIT`.
    ///
    /// ## Why is this bad?
    /// iptables-restore stops at the first bad line and loads nothing of that table, so the host
    /// keeps whatever ruleset it had (after a reboot: none, or the distribution's default). For
    /// ufw, the whole file is skipped and `ufw enable` reports a problem.
    ///
    /// ## Example
    /// ```text
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j ACCEPT   # ssh
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// *filter
    /// # ssh
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// ## References
    /// - iptables-restore(8)
    /// - reference/firewalls.md §1.1 (grammar checked against iptables-restore 1.8.9)
    pub static RULE = {
        code: "FW001",
        name: "firewall-syntax-error",
        category: Validity,
        severity: Error,
        since: "0.1.0",
        sources: ["iptables-restore(8)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let fw = ctx.firewall;
    let mut files: Vec<(crate::source::FileId, &crate::ast::iptables::IptablesAst)> =
        fw.iptables.iter().map(|f| (f.file, &f.ast)).collect();
    if let Some(u) = &fw.ufw {
        files.extend(u.rules.iter().map(|(_, id, ast)| (*id, ast)));
    }
    for (file, ast) in files {
        for e in ast.errors() {
            out.push(
                Violation::new(Location { file, span: e.span }, e.message.clone())
                    .help("iptables-restore rejects the whole table at this line: fix it and check with `iptables-restore --test`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run_firewall;

    #[test]
    fn fail() {
        let f = run_firewall(&super::RULE, "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT # ssh\nCOMMIT\n");
        assert_eq!(f.len(), 1);
        assert_eq!(run_firewall(&super::RULE, "*filter\n-A INPUT -j ACCEPT\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(
            run_firewall(&super::RULE, "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n")
                .is_empty()
        );
    }
}
