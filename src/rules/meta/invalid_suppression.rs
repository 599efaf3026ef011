//! SL004 `invalid-suppression`.

use crate::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports an `sshlint:` comment that is not a valid suppression: misspelt (`ignroe`), codes
    /// not in brackets, a code or name that is no rule, no reason given, or an `ignore-file`
    /// that is not in the comment block at the top of the file.
    ///
    /// ## Why is this bad?
    /// A suppression that does not parse suppresses nothing, so the finding it was written for
    /// still fails the build; one without a reason leaves the next reader guessing why the
    /// finding was accepted.
    ///
    /// ## Example
    /// ```text
    /// # sshlint: ignore SSHD401
    /// PermitRootLogin yes
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// # sshlint: ignore[SSHD401] console-only lab host, no network route
    /// PermitRootLogin yes
    /// ```
    ///
    /// ## References
    /// - sshlint README, "Suppressing findings"
    pub static RULE = {
        code: "SL004",
        name: "invalid-suppression",
        category: Meta,
        severity: Warning,
        since: "0.1.0",
        sources: [],
    }
}
