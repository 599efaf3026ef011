//! SSHD104 `listen-loopback-only`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::model::sshd::dump;
use crate::model::sshd::keywords::Opt;
use crate::rules::Context;

declare_rule! {
    /// ## What it does
    /// Reports a configuration whose every `ListenAddress` is a loopback address.
    ///
    /// ## Why is this bad?
    /// sshd only accepts connections from the machine itself; remote users get
    /// "Connection refused". Intended for hosts reached through a tunnel or proxy only.
    ///
    /// ## Example
    /// ```text
    /// ListenAddress 127.0.0.1
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// ListenAddress 0.0.0.0
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) ListenAddress
    pub static RULE = {
        code: "SSHD104",
        name: "listen-loopback-only",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) ListenAddress"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let g = host.global();
    let Some(at) = g.origin(Opt::ListenAddress) else { return };
    let Ok(addrs) = dump::listen_addresses(g, &|n| host.resolve(n)) else { return };
    if addrs.is_empty() || !addrs.iter().all(|(ip, _)| ip.is_loopback()) {
        return;
    }
    let list = addrs.iter().map(|&(ip, p)| std::net::SocketAddr::new(ip, p).to_string()).collect::<Vec<_>>().join(", ");
    out.push(
        Violation::new(at, format!("sshd listens only on loopback ({list}): remote connections are refused"))
            .help("listen on an external address too, unless SSH is reached only through a local tunnel"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        assert_eq!(run(&super::RULE, "ListenAddress 127.0.0.1\nListenAddress [::1]:22\n").len(), 1);
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "ListenAddress 127.0.0.1\nListenAddress 192.0.2.5\n").is_empty());
        assert!(run(&super::RULE, "Port 22\n").is_empty());
    }
}
