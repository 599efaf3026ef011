//! SSHD107 `port-ignored-by-socket`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::reach::{self, Listener};
use crate::model::socket::{GENERATOR, Generator};
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;
use crate::source::Location;

declare_rule! {
    /// ## What it does
    /// Reports `Port` and `ListenAddress` lines that do not take effect because sshd is started
    /// by an enabled systemd socket unit (`ssh.socket`, the default on Ubuntu 22.10 and later;
    /// `sshd.socket` elsewhere) whose `ListenStream=` list does not open the same ports and
    /// addresses. The socket unit is read from the host root as systemd loads it: the unit file
    /// first on the unit path (`/etc/systemd/system` before `/usr/lib` and `/lib`), its
    /// `ssh.socket.d/*.conf` drop-ins in file-name order, an empty `ListenStream=` resetting the
    /// list. Ubuntu 24.04's `sshd-socket-generator`, which copies `Port` and `ListenAddress`
    /// into a drop-in at boot and on `systemctl daemon-reload`, is taken into account, and so
    /// is an `addresses.conf` in /etc that hides the drop-in it writes.
    ///
    /// ## Why is this bad?
    /// systemd, not sshd, owns the listening sockets: sshd receives them from systemd and never
    /// binds the ports of sshd_config. A `Port 2222` edit then changes nothing while the
    /// firewall may already be moved to 2222, and the next SSH session is refused.
    ///
    /// ## Example
    /// ```text
    /// # /etc/ssh/sshd_config
    /// Port 2222
    /// # /usr/lib/systemd/system/ssh.socket (enabled)
    /// [Socket]
    /// ListenStream=22
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// # /etc/systemd/system/ssh.socket.d/listen.conf
    /// [Socket]
    /// ListenStream=
    /// ListenStream=2222
    /// ```
    ///
    /// ## References
    /// - systemd.socket(5) ListenStream=, BindIPv6Only=
    /// - systemd.unit(5) drop-in directories, masking
    /// - https://discourse.ubuntu.com/t/sshd-now-uses-socket-based-activation-ubuntu-22-10-and-later/30189
    /// - reference/firewalls.md §7
    pub static RULE = {
        code: "SSHD107",
        name: "port-ignored-by-socket",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["systemd.socket(5) ListenStream=", "sshd_config(5) Port"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let Some(socket) = reach::active_socket(host) else { return };
    let g = host.global();
    let listen_at = g.origin(Opt::ListenAddress);
    if listen_at.is_none() && g.origin(Opt::Port).is_none() {
        return;
    }
    let opened = reach::socket_listeners(socket);
    let ignored: Vec<Listener> = reach::config_listeners(host)
        .into_iter()
        .filter(|w| !opened.iter().any(|o| reach::covers(o, w.family, w.port, w.addr)))
        .collect();
    if ignored.is_empty() {
        return;
    }
    // One finding per sshd_config line whose port the socket does not open.
    let mut lines: Vec<(Location, Vec<u16>)> = Vec::new();
    for l in &ignored {
        let at = listen_at.unwrap_or_else(|| port_line(ctx, l.port));
        match lines.iter_mut().find(|(a, _)| *a == at) {
            Some((_, ports)) if !ports.contains(&l.port) => ports.push(l.port),
            Some(_) => {}
            None => lines.push((at, vec![l.port])),
        }
    }
    let unit = socket.unit;
    let mut socket_ports: Vec<u16> = opened.iter().map(|l| l.port).collect();
    socket_ports.sort_unstable();
    socket_ports.dedup();
    let instead = match socket_ports.as_slice() {
        [] => "systemd listens on no TCP port".to_string(),
        [p] => format!("systemd listens on port {p} instead"),
        ps => {
            format!("systemd listens on ports {} instead", ps.iter().map(u16::to_string).collect::<Vec<_>>().join(", "))
        }
    };
    let why = match &socket.generator {
        Generator::Shadowed { path, .. } => {
            format!("; `{path}` hides the drop-in {GENERATOR} writes from sshd_config")
        }
        Generator::Fails(reason) => format!("; {GENERATOR} writes nothing ({reason})"),
        _ => String::new(),
    };
    for (at, _ports) in lines {
        let text = directive(ctx, at);
        let mut v = Violation::new(
            at,
            format!("`{text}` does not take effect: {unit} is enabled and owns sshd's sockets, and {instead}{why}"),
        )
        .help(help(unit, &socket.generator, &ignored));
        if let Generator::Shadowed { at: Some(by), .. } = &socket.generator {
            v = v.related(*by, format!("this drop-in hides the one {GENERATOR} writes"));
        }
        for l in socket.listens.iter().filter(|l| !l.generated).take(3) {
            v = v.related(l.at, format!("{unit} listens here"));
        }
        if socket.listens.iter().all(|l| l.generated)
            && let Some(reset) = socket.reset
        {
            v = v.related(reset, "the list of addresses is emptied here");
        }
        out.push(v);
    }
}

/// The directive at `at` as written, from its keyword to the end of its line.
fn directive(ctx: &Context, at: Location) -> String {
    let text = &ctx.sources.get(at.file).text;
    let start = (at.span.start as usize).min(text.len());
    let rest = text.get(start..).unwrap_or_default();
    let line = rest.split('\n').next().unwrap_or_default();
    line.trim().to_string()
}

/// The `Port` line that sets `port`, else the first `Port` line.
fn port_line(ctx: &Context, port: u16) -> Location {
    let g = ctx.host.global();
    let first = g.origin(Opt::Port).unwrap_or_default();
    let Some(setting) = ctx.host.startup.settings.get(Opt::Port) else { return first };
    g.nums(Opt::Port)
        .iter()
        .position(|&p| p == i64::from(port))
        .and_then(|i| setting.at.get(i).copied())
        .unwrap_or(first)
}

fn help(unit: &str, generator: &Generator, ignored: &[Listener]) -> String {
    if let Generator::Shadowed { path, .. } = generator {
        return format!(
            "delete `{path}` (left by an upgrade from Ubuntu 22.10–23.10), then run `systemctl daemon-reload` and `systemctl restart {unit}`"
        );
    }
    let mut ports: Vec<u16> = ignored.iter().map(|l| l.port).collect();
    ports.sort_unstable();
    ports.dedup();
    let streams = ports.iter().map(|p| format!("`ListenStream={p}`")).collect::<Vec<_>>().join(", ");
    format!(
        "listen there through systemd: a drop-in `/etc/systemd/system/{unit}.d/listen.conf` with `[Socket]`, `ListenStream=` and {streams}, then `systemctl daemon-reload` and `systemctl restart {unit}` (or disable {unit} and enable the service)"
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::CheckOptions;
    use crate::rules::testing::run_tree;

    const SOCKET: (&str, &str) = ("/usr/lib/systemd/system/ssh.socket", "[Socket]\nListenStream=22\nAccept=no\n");
    const ENABLED: (&str, &str) = ("/etc/systemd/system/sockets.target.wants/ssh.socket", "");

    fn run(files: &[(&str, &str)]) -> Vec<crate::diagnostic::Finding> {
        run_tree(&super::RULE, files, &CheckOptions::default())
    }

    #[test]
    fn fail() {
        let f = run(&[("/etc/ssh/sshd_config", "Port 2222\n"), SOCKET, ENABLED]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("`Port 2222` does not take effect"), "{}", f[0].message);
        assert!(f[0].message.contains("port 22 instead"), "{}", f[0].message);
        // The old migration's addresses.conf hides what the generator writes.
        let f = run(&[
            ("/etc/ssh/sshd_config", "Port 2222\n"),
            SOCKET,
            ENABLED,
            ("/usr/lib/systemd/system-generators/sshd-socket-generator", "\x7fELF"),
            ("/etc/systemd/system/ssh.socket.d/addresses.conf", "[Socket]\nListenStream=\nListenStream=22\n"),
        ]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("hides the drop-in"), "{}", f[0].message);
    }

    #[test]
    fn pass() {
        // Disabled socket: sshd binds its own ports.
        assert!(run(&[("/etc/ssh/sshd_config", "Port 2222\n"), SOCKET]).is_empty());
        // The generator copies Port into the socket.
        let generator = ("/usr/lib/systemd/system-generators/sshd-socket-generator", "\x7fELF");
        assert!(run(&[("/etc/ssh/sshd_config", "Port 2222\n"), SOCKET, ENABLED, generator]).is_empty());
        // A drop-in that moves the socket too.
        let drop_in = ("/etc/systemd/system/ssh.socket.d/port.conf", "[Socket]\nListenStream=\nListenStream=2222\n");
        assert!(run(&[("/etc/ssh/sshd_config", "Port 2222\n"), SOCKET, ENABLED, drop_in]).is_empty());
        // sshd_config sets nothing.
        assert!(run(&[("/etc/ssh/sshd_config", "PermitRootLogin no\n"), SOCKET, ENABLED]).is_empty());
        // Masked (an empty unit file in /etc).
        let masked = ("/etc/systemd/system/ssh.socket", "");
        assert!(run(&[("/etc/ssh/sshd_config", "Port 2222\n"), SOCKET, ENABLED, masked]).is_empty());
    }
}
