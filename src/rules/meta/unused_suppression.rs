//! SL001 `unused-suppression`.

use crate::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a suppression that suppresses nothing: an inline `sshlint: ignore[CODE]`
    /// comment, or a `[[suppress]]` entry in `sshlint.toml`, whose rule ran and found nothing
    /// there.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding on that line: the problem it was
    /// written for is gone, but a new one of the same kind would be silenced without anyone
    /// reading it. It also usually means the comment sits on the wrong line and suppresses
    /// nothing at all.
    ///
    /// ## Example
    /// ```text
    /// # sshlint: ignore[SSHD401] lab host, root logs in with a key
    /// PermitRootLogin prohibit-password
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// PermitRootLogin prohibit-password
    /// ```
    ///
    /// ## References
    /// - sshlint README, "Configuration" and "Suppressing findings"
    pub static RULE = {
        code: "SL001",
        name: "unused-suppression",
        category: Meta,
        severity: Warning,
        since: "0.1.0",
        sources: [],
    }
}
