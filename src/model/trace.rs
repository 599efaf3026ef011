//! `sshlint trace`: one connection from one source address walked through the host, stage by
//! stage: each firewall backend of the source's family, then sshd's listener. Each stage has a
//! verdict and the file:line that decided it (DESIGN.md `trace`).

use crate::ast::iptables::Family;
use crate::model::firewall::Firewall;
use crate::model::firewall::addr::{self, AddrSet};
use crate::model::firewall::eval::{Class, CondKind, Verdict, Via};
use crate::model::reach::{self, Listener, family_name};
use crate::model::socket::{GENERATOR, SocketUnit};
use crate::model::sshd::host::SshdHost;
use crate::model::sshd::keywords::Opt;
use crate::source::Location;
use std::net::IpAddr;

#[derive(Clone, Debug)]
pub struct Stage {
    /// `firewall` or `listener`.
    pub stage: &'static str,
    /// `iptables`, `ufw`, `none` (no firewall), `sshd`, `systemd` (a socket unit such as
    /// `ssh.socket` owns sshd's listening sockets).
    pub backend: &'static str,
    pub family: Family,
    pub port: u16,
    pub verdict: Class,
    pub at: Option<Location>,
    pub detail: String,
}

#[derive(Clone, Debug)]
pub struct Trace {
    pub verdict: Class,
    pub stages: Vec<Stage>,
}

/// Walk a new connection from `from` to each port (`--port`, else every sshd port of the
/// family) through the host.
pub fn trace(
    host: &SshdHost,
    sshd_present: bool,
    fw: &Firewall,
    from: IpAddr,
    port: Option<u16>,
    iface: Option<&str>,
    via: Option<Via>,
) -> Trace {
    let family = if from.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
    let listeners = reach::listeners(host, sshd_present);
    let mut ports = match port {
        Some(p) => vec![p],
        None => reach::ports(&listeners, family),
    };
    if ports.is_empty() {
        ports.push(22);
    }
    let src = AddrSet::single(from);
    let mut stages = Vec::new();
    let mut verdicts = Vec::new();
    for port in ports {
        let mut final_port = port;
        let mut path_verdict: Option<Class> = None;
        let listener = listeners.iter().find(|l| l.family == family && l.port == port);
        let dst = listener.and_then(|l| l.addr);
        let mut any_backend = false;
        for (index, backend) in fw.backends.iter().enumerate().filter(|(_, b)| b.family == family) {
            any_backend = true;
            let kind = backend.kind.as_str();
            let Some(ev) = fw.evaluate(index, port, iface, via, dst, &src) else {
                let at = backend.file.map(|file| Location { file, span: Default::default() });
                stages.push(Stage {
                    stage: "firewall",
                    backend: kind,
                    family,
                    port,
                    verdict: Class::Conditional,
                    at,
                    detail: backend.unknown.clone().unwrap_or_else(|| {
                        "the ruleset does not load (see FW001–FW004): the host keeps whatever it had".into()
                    }),
                });
                path_verdict.get_or_insert(Class::Conditional);
                continue;
            };
            let n = addr::to_int(from);
            let Some(region) = ev.region_of(n) else { continue };
            let class = ev.class_of(region);
            let first = region.outcomes.first().map(|&i| &ev.outcomes[i]);
            let (at, detail) = match (class, first) {
                (Class::Conditional, _) => {
                    let mut conds: Vec<String> = Vec::new();
                    let mut at = None;
                    for &i in &region.outcomes {
                        let o = &ev.outcomes[i];
                        for (c, _) in &o.assumed {
                            if !conds.contains(&c.text) {
                                conds.push(c.text.clone());
                                at.get_or_insert(c.at);
                            }
                        }
                    }
                    let outcomes: Vec<String> = region
                        .outcomes
                        .iter()
                        .map(|&i| {
                            let o = &ev.outcomes[i];
                            let what = match o.neighbour {
                                Some(n) if n.via == Via::Router => "the router's neighbour discovery ",
                                Some(_) => "the client's neighbour discovery ",
                                None => "",
                            };
                            format!("{what}{} by {}", o.verdict.describe(), o.by.describe())
                        })
                        .collect();
                    let mut detail = if conds.is_empty() {
                        outcomes.join("; or ")
                    } else {
                        format!("depends on {}: {}", conds.join(", "), outcomes.join("; or "))
                    };
                    let on_iface = region
                        .outcomes
                        .iter()
                        .any(|&i| ev.outcomes[i].assumed.iter().any(|(c, _)| c.kind == CondKind::Interface));
                    if iface.is_none() && on_iface {
                        detail.push_str(" (give --iface to decide interface rules)");
                    }
                    let on_link = region
                        .outcomes
                        .iter()
                        .any(|&i| ev.outcomes[i].assumed.iter().any(|(c, _)| c.kind == CondKind::Link));
                    if on_link {
                        detail.push_str(" (give --via link or --via router to decide)");
                    }
                    if !conds.is_empty()
                        && let Some(Verdict::Unknown(why)) = first.map(|o| &o.verdict)
                    {
                        detail = format!("{why}; {detail}");
                    }
                    (at.or_else(|| first.and_then(|o| o.by.location())), detail)
                }
                (_, Some(o)) => {
                    if let Some((_, p)) = o.redirected {
                        final_port = p;
                    }
                    let mut detail = o.explain();
                    if let Some((_, p)) = o.redirected {
                        detail.push_str(&format!(" (nat redirected it to port {p})"));
                    }
                    (o.by.location(), detail)
                }
                (_, None) => (None, String::new()),
            };
            stages.push(Stage { stage: "firewall", backend: kind, family, port, verdict: class, at, detail });
            if class != Class::Open {
                path_verdict.get_or_insert(class);
            }
        }
        if !any_backend {
            stages.push(Stage {
                stage: "firewall",
                backend: "none",
                family,
                port,
                verdict: Class::Open,
                at: None,
                detail: if fw.ufw.as_ref().is_some_and(|u| !u.complete) {
                    "ufw-init would abort (/etc/default/ufw or /etc/ufw/ufw.conf is missing or empty): no rules are loaded".into()
                } else if fw.ufw.as_ref().is_some_and(|u| !u.enabled) {
                    "ufw is not enabled (ENABLED is not yes in ufw.conf): no rules are loaded".into()
                } else if let Some(f) = fw.firewalld.as_ref().filter(|f| !f.service.runs()) {
                    let how = if matches!(f.service, crate::model::firewall::firewalld::Service::Masked(_)) {
                        "masked"
                    } else {
                        "not enabled"
                    };
                    format!("firewalld.service is {how}: firewalld loads no rules at boot")
                } else {
                    format!("no {} firewall configuration in the host", family_name(family))
                },
            });
        }
        let listen = listener_stage(host, sshd_present, &listeners, family, final_port, dst);
        if listen.verdict != Class::Open {
            path_verdict.get_or_insert(listen.verdict);
        }
        stages.push(listen);
        verdicts.push(path_verdict.unwrap_or(Class::Open));
    }
    let verdict =
        if verdicts.contains(&Class::Open) { Class::Open } else { verdicts.first().copied().unwrap_or(Class::Refused) };
    Trace { verdict, stages }
}

fn listener_stage(
    host: &SshdHost,
    sshd_present: bool,
    listeners: &[Listener],
    family: Family,
    port: u16,
    dst: Option<u128>,
) -> Stage {
    if let Some(socket) = reach::active_socket(host) {
        return socket_stage(socket, listeners, family, port, dst);
    }
    let origin = if sshd_present {
        host.global().origin(Opt::ListenAddress).or_else(|| host.global().origin(Opt::Port))
    } else {
        None
    };
    let hit = listeners.iter().find(|l| reach::covers(l, family, port, dst));
    let (verdict, detail) = match (hit, sshd_present) {
        (Some(l), true) => (
            Class::Open,
            match l.addr {
                Some(a) => format!("sshd listens on {}:{port}", addr::from_int(a, family)),
                None => format!("sshd listens on port {port} on every {} address", family_name(family)),
            },
        ),
        (Some(_), false) => (Class::Open, format!("no sshd_config in the host: assuming sshd's default port {port}")),
        (None, _) => (Class::Refused, not_listening(listeners, family, port, "sshd")),
    };
    Stage { stage: "listener", backend: "sshd", family, port, verdict, at: origin, detail }
}

/// "nothing listens on port 22: sshd listens on 2222".
fn not_listening(listeners: &[Listener], family: Family, port: u16, who: &str) -> String {
    let ports = reach::ports(listeners, family);
    if ports.is_empty() {
        format!("{who} does not listen on any {} address reachable from another machine", family_name(family))
    } else {
        let list = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
        format!("nothing listens on port {port}: {who} listens on {list}")
    }
}

/// The listener stage when an enabled socket unit owns sshd's sockets: the verdict comes from
/// its `ListenStream=` list, and the stage points at the line that opens (or would open) the
/// port.
fn socket_stage(socket: &SocketUnit, listeners: &[Listener], family: Family, port: u16, dst: Option<u128>) -> Stage {
    let unit = socket.unit;
    let tcp = socket.tcp();
    let hit = tcp.iter().find(|t| {
        let l = Listener { family: t.family, port: t.port, addr: t.addr.map(addr::to_int) };
        reach::covers(&l, family, port, dst) && listeners.contains(&l)
    });
    let how = "systemd socket activation: sshd_config's Port and ListenAddress are not used";
    let (verdict, at, detail) = match hit {
        Some(t) => {
            let place = match t.addr {
                Some(a) => format!("{a}:{port}"),
                None => format!("port {port} on every {} address", family_name(family)),
            };
            let from = if t.generated {
                format!(" (the drop-in {GENERATOR} writes from this sshd_config line at boot or daemon-reload)")
            } else {
                String::new()
            };
            (Class::Open, Some(t.at), format!("{unit} listens on {place}{from} ({how})"))
        }
        None if socket.broken || socket.empty() => (
            Class::Refused,
            socket.problems.iter().find(|p| p.fatal).map(|p| p.at).or(socket.reset).or(socket.fragment),
            format!("{unit} is enabled but systemd cannot load it: nothing listens ({how})"),
        ),
        None => {
            let at = tcp.iter().find(|t| t.family == family).or(tcp.first()).map(|t| t.at).or(socket.fragment);
            (Class::Refused, at, format!("{} ({how})", not_listening(listeners, family, port, unit)))
        }
    };
    Stage { stage: "listener", backend: "systemd", family, port, verdict, at, detail }
}

/// The stages of one account's login over a connection from `from` to `port` (`trace --user`):
/// the account, the Match blocks that apply, the access lists, the authentication methods
/// left, and the key files with StrictModes' verdict. A refusal here is a failed login
/// ("Permission denied"), not a refused connection, so it does not change the trace verdict.
pub fn user_stages(host: &SshdHost, user: &str, from: IpAddr, port: u16) -> Vec<Stage> {
    use crate::model::logins::{self, Open};
    use crate::model::sshd::matching::Connection;
    let family = if from.is_ipv4() { Family::Ipv4 } else { Family::Ipv6 };
    let stage = |stage: &'static str, verdict: Class, at: Option<Location>, detail: String| Stage {
        stage,
        backend: "sshd",
        family,
        port,
        verdict,
        at,
        detail,
    };
    let mut out = Vec::new();
    let conn = Connection {
        user: Some(user.to_string()),
        host: Some(from.to_string()),
        addr: Some(from.to_string()),
        lport: Some(port),
        ..Default::default()
    };
    let Some(accounts) = host.facts.accounts.as_ref() else {
        out.push(stage(
            "account",
            Class::Conditional,
            None,
            "the host root has no etc/passwd: the account is not checked".into(),
        ));
        return out;
    };
    let Some(account) = accounts.user(user) else {
        out.push(stage(
            "account",
            Class::Refused,
            None,
            format!("no account `{user}` in etc/passwd: sshd logs \"Invalid user\""),
        ));
        return out;
    };
    let e = match host.effective(Some(&conn)) {
        Ok(e) => e,
        Err(why) => {
            out.push(stage(
                "match",
                Class::Refused,
                None,
                format!("sshd cannot evaluate the configuration for this connection: {why}"),
            ));
            return out;
        }
    };
    match logins::account_refusal(host, &e, account) {
        Some(r) => out.push(stage("account", Class::Refused, r.at, format!("sshd refuses `{user}`: {}", r.reason))),
        None => out.push(stage(
            "account",
            Class::Open,
            None,
            format!("uid {}, home `{}`, shell `{}`", account.uid, account.home, account.shell),
        )),
    }
    let applied: Vec<&crate::model::sshd::eval::Block> = host
        .startup
        .blocks
        .iter()
        .enumerate()
        .filter(|(i, _)| host.startup.records.iter().any(|r| r.block == Some(*i) && e.origin(r.opt) == Some(r.keyword)))
        .map(|(_, b)| b)
        .collect();
    let detail = if applied.is_empty() {
        "no Match block changes a setting for this connection".to_string()
    } else {
        format!("{} Match block(s) change settings for this connection", applied.len())
    };
    out.push(stage("match", Class::Open, applied.first().map(|b| b.at), detail));
    match logins::access_refusal(Some(accounts), &e, user, &conn) {
        Some(r) => out.push(stage("access", Class::Refused, r.at, format!("`{user}` is {}", r.reason))),
        None => out.push(stage(
            "access",
            Class::Open,
            None,
            "AllowUsers/DenyUsers/AllowGroups/DenyGroups let the user in".into(),
        )),
    }
    let methods: Vec<&str> = ["publickey", "password", "keyboard-interactive"]
        .into_iter()
        .filter(|m| crate::model::sshd::host::method_enabled(&e, m))
        .collect();
    let required = e.auth_methods();
    let detail = match (methods.is_empty(), required.is_empty()) {
        (true, _) => "no authentication method is enabled".to_string(),
        (false, true) => format!("methods offered: {}", methods.join(", ")),
        (false, false) => {
            format!("methods offered: {}; `AuthenticationMethods {}`", methods.join(", "), required.join(" "))
        }
    };
    let verdict = if methods.is_empty() { Class::Refused } else { Class::Open };
    out.push(stage("authentication", verdict, e.origin(Opt::AuthenticationMethods), detail));
    if !e.flag(Opt::PubkeyAuthentication) {
        return out;
    }
    let strict = e.flag(Opt::StrictModes);
    let files = host.logins.user(user);
    let mut usable = 0;
    let mut lines = Vec::new();
    let mut first_at = None;
    for (path, at) in logins::key_paths(&e, account) {
        first_at = first_at.or(at);
        let path = match path {
            Ok(p) => p,
            Err(why) => {
                lines.push(format!("AuthorizedKeysFile: {why}"));
                continue;
            }
        };
        let Some(kf) = files.and_then(|f| f.key_files.iter().find(|k| k.path == path)) else {
            lines.push(format!("`{path}`: not read"));
            continue;
        };
        let state = match (&kf.open, &kf.strict) {
            (Open::Missing, _) => "does not exist".to_string(),
            (Open::Denied { path: p, .. }, _) => format!("the user cannot read `{p}`"),
            (Open::NotRegular(k), _) => format!("is a {}", k.describe()),
            (Open::Unknown(why), _) => why.clone(),
            (Open::Ok, Some(Err(u))) if strict => format!("StrictModes refuses `{}`, which {}", u.path, u.reason),
            (Open::Ok, _) => {
                let n = kf.text.as_ref().map_or(0, |t| t.keys.lines.iter().filter(|l| l.is_read()).count());
                usable += n;
                format!("{n} key(s) sshd reads")
            }
        };
        lines.push(format!("`{path}`: {state}"));
    }
    let verdict = if usable > 0 { Class::Open } else { Class::Refused };
    out.push(stage("keys", verdict, first_at, lines.join("; ")));
    out
}
