//! SSHD008 `invalid-socket-unit`.

use crate::declare_rule;
use crate::diagnostic::{Severity, Violation};
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports lines of sshd's systemd socket unit (`ssh.socket` or `sshd.socket`, its unit
    /// file and drop-ins under the host root) that systemd ignores or rejects: a line without
    /// `=`, a `ListenStream=` address systemd cannot parse (`ListenStream=ssh`,
    /// `ListenStream=::1:22` without brackets), a misspelt or misplaced `ListenStream=` or
    /// `BindIPv6Only=`, a section header without `]` (systemd stops reading the file), and an
    /// enabled unit left with no `ListenStream=` at all after an empty one resets the list.
    ///
    /// ## Why is this bad?
    /// On hosts where systemd starts sshd through the socket (Ubuntu 22.10 and later), the
    /// socket's `ListenStream=` list is where SSH is reachable. A line systemd ignores leaves
    /// the port where it was; a unit systemd cannot load listens nowhere and SSH is refused.
    ///
    /// ## Example
    /// ```text
    /// # /etc/systemd/system/ssh.socket.d/listen.conf
    /// [Socket]
    /// ListenStream=
    /// ListenStream=::1:2222
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// [Socket]
    /// ListenStream=
    /// ListenStream=[::1]:2222
    /// ```
    ///
    /// ## References
    /// - systemd.syntax(7), systemd.unit(5), systemd.socket(5) ListenStream=
    pub static RULE = {
        code: "SSHD008",
        name: "invalid-socket-unit",
        category: Validity,
        severity: Warning,
        since: "0.1.0",
        sources: ["systemd.socket(5) ListenStream=", "systemd.syntax(7)"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let Some(socket) = &ctx.host.socket else { return };
    for p in &socket.problems {
        let mut v = Violation::new(p.at, p.message.clone());
        if let Some(h) = &p.help {
            v = v.help(h.clone());
        }
        // A unit systemd cannot load is a lockout only when it is the one that listens.
        if p.fatal && socket.decides() {
            v = v.severity(Severity::Error);
        }
        out.push(v);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    fn run(socket: &str) -> Vec<crate::diagnostic::Finding> {
        run_tree(
            &super::RULE,
            &[
                ("/etc/ssh/sshd_config", "Port 22\n"),
                ("/lib/systemd/system/ssh.socket", socket),
                ("/etc/systemd/system/sockets.target.wants/ssh.socket", ""),
            ],
            &CheckOptions::default(),
        )
    }

    #[test]
    fn fail() {
        let f = run("[Socket]\nListenStream=::1:22\nListenStream 22\nlistenstream=23\nListenStream=22\n");
        assert_eq!(f.len(), 3, "{f:?}");
        let f = run("[Socket]\nListenStream=22\nListenStream=\n");
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, crate::diagnostic::Severity::Error);
        let f = run("[Socket\nListenStream=22\n");
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn pass() {
        assert!(
            run("[Unit]\nDescription=x\n\n[Socket]\nListenStream=22\nAccept=no\n[Install]\nWantedBy=sockets.target\n")
                .is_empty()
        );
    }
}
