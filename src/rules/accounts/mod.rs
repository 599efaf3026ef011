//! Rules about what sshd and ssh trust at login time: accounts (ACCT), file ownership and
//! modes (PERM) and authorized_keys content (KEYS), over [`crate::model::logins`].

pub mod allowed_user_unknown;
pub mod authorized_key_rejected;
pub mod authorized_keys_permissions;
pub mod authorized_keys_syntax;
pub mod home_dir_writable;
pub mod host_key_permissions;
pub mod login_user_without_shell;
pub mod passwd_syntax;
pub mod private_key_permissions;
pub mod ssh_dir_permissions;
pub mod sshd_config_permissions;
pub mod weak_authorized_key;

use super::Rule;
use crate::diagnostic::{Severity, Violation};
use crate::model::logins::{KeyFile, Open, Unsafe, UserFiles};
use crate::model::sshd::matching::Connection;
use crate::rules::Context;
use crate::source::Location;

macro_rules! rule {
    ($m:ident) => {
        Rule { meta: &$m::RULE, check: Some($m::check) }
    };
}

/// Every rule of this family, in code order (a test pins the list).
pub static RULES: &[Rule] = &[
    rule!(home_dir_writable),
    rule!(ssh_dir_permissions),
    rule!(authorized_keys_permissions),
    rule!(private_key_permissions),
    rule!(host_key_permissions),
    rule!(sshd_config_permissions),
    rule!(authorized_keys_syntax),
    rule!(authorized_key_rejected),
    rule!(weak_authorized_key),
    rule!(allowed_user_unknown),
    rule!(login_user_without_shell),
    rule!(passwd_syntax),
];

/// The start of a file, for findings about a file as a whole.
pub fn file_start(id: crate::source::FileId) -> Location {
    Location { file: id, span: Default::default() }
}

/// A connection from anywhere for `user` (the settings every Match-free login gets).
pub fn generic_connection(ctx: &Context, user: &str) -> Connection {
    Connection {
        user: Some(user.to_string()),
        host: Some(crate::model::sshd::samples::GENERIC_ADDR.into()),
        addr: Some(crate::model::sshd::samples::GENERIC_ADDR.into()),
        laddr: Some("198.51.100.1".into()),
        lport: ctx.host.global().ports().first().copied(),
        ..Default::default()
    }
}

/// Whether StrictModes is on for `user`'s logins.
pub fn strict_modes(ctx: &Context, user: &str) -> bool {
    use crate::model::sshd::keywords::Opt;
    ctx.host.effective(Some(&generic_connection(ctx, user))).map_or(true, |e| e.flag(Opt::StrictModes))
}

/// StrictModes findings: for each account, the first unsafe object of each key file's walk,
/// once per object, reported when `pick` says the object is the calling rule's (`what` names
/// it in the message). An error with StrictModes on, a warning with it off.
pub fn walk_findings(
    ctx: &Context,
    pick: impl Fn(&UserFiles, &KeyFile, &Unsafe) -> bool,
    out: &mut Vec<Violation>,
    what: &str,
) {
    for user in &ctx.host.logins.users {
        let strict = strict_modes(ctx, &user.name);
        let mut seen: Vec<&str> = Vec::new();
        for kf in &user.key_files {
            let (Open::Ok, Some(Err(u)), Some(id)) = (&kf.open, &kf.strict, kf.id) else { continue };
            if seen.contains(&u.path.as_str()) || !pick(user, kf, u) {
                continue;
            }
            seen.push(&u.path);
            let at = if u.is_file {
                file_start(id)
            } else {
                [&user.home, &user.ssh_dir]
                    .into_iter()
                    .flatten()
                    .find(|n| n.path == u.path)
                    .map_or(file_start(id), |n| file_start(n.id))
            };
            let consequence = if strict {
                format!("StrictModes makes sshd ignore `{}`, so `{}`'s keys there do not work", kf.path, user.name)
            } else {
                "StrictModes is off, so anyone who can write there can add a key".to_string()
            };
            let mut v = Violation::new(at, format!("{what} `{}` {}: {consequence}", u.path, u.reason))
                .help(fix_hint(u, &user.name));
            if !strict {
                v = v.severity(Severity::Warning);
            }
            if let Some(setting) = kf.at {
                v = v.related(setting, "AuthorizedKeysFile names it");
            }
            out.push(v);
        }
    }
}

fn fix_hint(u: &Unsafe, user: &str) -> String {
    if u.reason.starts_with("is owned") {
        format!("`chown {user} {}`", u.path)
    } else {
        format!("`chmod go-w {}`", u.path)
    }
}

/// `0755` style.
pub fn mode(m: u32) -> String {
    format!("{m:04o}")
}

/// Every authorized_keys file read for some account, once, with the first account reading it.
pub fn key_texts<'a>(ctx: &'a Context) -> Vec<(&'a UserFiles, &'a KeyFile, &'a crate::model::logins::Text)> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for user in &ctx.host.logins.users {
        for kf in &user.key_files {
            let Some(text) = &kf.text else { continue };
            let Some(id) = text.file else { continue };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            out.push((user, kf, &**text));
        }
    }
    out
}
