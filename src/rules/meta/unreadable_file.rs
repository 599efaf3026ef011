//! SL002 `unreadable-file`.

use crate::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a file sshlint was asked to lint, or that sshd would read, which cannot be
    /// read: missing, a directory where a file is expected, a FIFO or device (never opened),
    /// too large, a symlink loop, or permission denied. Also reports files named on the
    /// command line that are not a kind sshlint knows.
    ///
    /// ## Why is this bad?
    /// Nothing in the file was checked. When sshd itself cannot read its configuration it
    /// does not start.
    ///
    /// ## Example
    /// ```text
    /// sshlint /etc/ssh/sshd_config   # mode 0600, run as an unprivileged user
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// sudo sshlint /etc
    /// ```
    ///
    /// ## References
    /// - sshlint README, "Exit codes"
    pub static RULE = {
        code: "SL002",
        name: "unreadable-file",
        category: Meta,
        severity: Error,
        since: "0.1.0",
        sources: [],
    }
}
