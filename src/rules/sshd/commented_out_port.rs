//! SSHD101 `commented-out-port`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;
use crate::source::{Location, Span};

declare_rule! {
    /// ## What it does
    /// Reports a commented-out `Port` line with a port sshd does not listen on, such as
    /// `#Port 2222` left behind after an edit.
    ///
    /// ## Why is this bad?
    /// The port change never happened: sshd still listens on 22 (or the ports set
    /// elsewhere), while the firewall and the people connecting expect the commented port.
    ///
    /// ## Example
    /// ```text
    /// #Port 2222
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Port 2222
    /// ```
    ///
    /// ## References
    /// - sshd_config(5) Port
    pub static RULE = {
        code: "SSHD101",
        name: "commented-out-port",
        category: Access,
        severity: Warning,
        since: "0.1.0",
        sources: ["sshd_config(5) Port"],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    let host = ctx.host;
    let mut ports = host.global().ports();
    ports.sort_unstable();
    ports.dedup();
    for f in &host.loaded.files {
        let text = &ctx.sources.get(f.id).text;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let body = line.trim_start();
            let Some(rest) = body.strip_prefix('#') else { continue };
            let rest = rest.trim_start();
            let mut words = rest.split(|c: char| c.is_whitespace() || c == '=').filter(|w| !w.is_empty());
            if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("port")) {
                continue;
            }
            let Some(port) = words.next().and_then(|w| w.parse::<u16>().ok()) else { continue };
            if words.next().is_some() || port == 22 || ports.contains(&port) {
                continue;
            }
            let lead = line.len() - body.len();
            let span = Span::new(start + lead, start + line.trim_end().len());
            let listening = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let mut v = Violation::new(
                Location { file: f.id, span },
                format!("`Port {port}` is commented out: sshd listens on {listening}"),
            )
            .help(format!("remove the `#` to listen on {port}, or delete the line"));
            if let Some(at) = host.global().origin(crate::model::sshd::keywords::Opt::Port) {
                v = v.related(at, "the port sshd uses is set here");
            }
            out.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::run;

    #[test]
    fn fail() {
        let f = run(&super::RULE, "#Port 2222\nPermitRootLogin no\n");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("22"));
    }

    #[test]
    fn pass() {
        assert!(run(&super::RULE, "#Port 22\n").is_empty());
        assert!(run(&super::RULE, "#Port 2222\nPort 2222\n").is_empty());
        assert!(run(&super::RULE, "# Port forwarding is off\n").is_empty());
    }
}
