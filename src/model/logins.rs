//! What sshd does at login time with one account: the account and its shell, the
//! AuthorizedKeysFile paths expanded for it, whether the user can open them, StrictModes' walk
//! over them (`safe_path`, with Debian's tolerance of single-member groups), and the keys read.
//!
//! Every path is a host path resolved inside the root ([`HostRoot`]); owners and modes come
//! from `fstatat` relative to the root, user and group names from the root's passwd and group.
//! The files are read once per host ([`Logins::load`]), before the rules run.

use crate::ast::authorized_keys::{AuthorizedKeys, Entry, KeyKind, OptionKind, PublicKey};
use crate::discover::{HostRoot, ReadError};
use crate::model::accounts::{Accounts, Password, User};
use crate::model::sshd::effective::Effective;
use crate::model::sshd::keywords::Opt;
use crate::model::sshd::matching::{AddrMatch, Connection, addr_match_list, user_pattern_matches};
use crate::model::sshd::pattern::{ListMatch, pattern_list};
use crate::model::sshd::samples;
use crate::platform::{FileStat, FileType};
use crate::source::{FileId, Location, SourceFile, SourceMap};
use std::collections::HashMap;
use std::rc::Rc;

/// The login-time files of every account of a host root.
#[derive(Debug, Default)]
pub struct Logins {
    pub users: Vec<UserFiles>,
    /// `etc/passwd`, in the sources for findings about accounts.
    pub passwd: Option<FileId>,
}

/// A file or directory on a login path, with a source entry rules can point at.
#[derive(Clone, Debug)]
pub struct Node {
    /// Real host path.
    pub path: String,
    pub stat: FileStat,
    pub id: FileId,
}

impl Logins {
    pub fn user(&self, name: &str) -> Option<&UserFiles> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Read the files sshd would consult for every account, for every AuthorizedKeysFile value
    /// a connection can get (the global one and each Match block's). authorized_keys files are
    /// added to `sources` so rules can point into them.
    pub fn load(host: &crate::model::sshd::host::SshdHost, sources: &mut SourceMap) -> Logins {
        let (Some(root), Some(accounts)) = (&host.root, &host.facts.accounts) else { return Logins::default() };
        let mut reader =
            Reader { root, accounts, debian: host.facts.debian, texts: HashMap::new(), sources: &mut *sources };
        let mut users = Vec::new();
        for user in &accounts.users {
            let mut paths: Vec<(String, Option<Location>)> = Vec::new();
            let mut conns = vec![Connection { user: Some(user.name.clone()), ..Default::default() }];
            conns.extend(samples::for_user(host, &user.name, &[]));
            for conn in &conns {
                let Ok(e) = host.effective(Some(conn)) else { continue };
                for (path, at) in key_paths(&e, user).into_iter().filter_map(|(p, at)| p.ok().map(|p| (p, at))) {
                    if !paths.iter().any(|(p, _)| *p == path) {
                        paths.push((path, at));
                    }
                }
            }
            let creds = Creds::of(accounts, user);
            let key_files = paths.into_iter().map(|(path, at)| reader.key_file(user, &creds, &path, at)).collect();
            users.push(UserFiles::new(root, user, key_files, reader.sources));
        }
        let passwd = (!accounts.passwd_bytes.is_empty())
            .then(|| sources.add(SourceFile::new(root.dir.join("etc/passwd"), accounts.passwd_bytes.clone())));
        Logins { users, passwd }
    }
}

/// An authorized_keys file's content, parsed once however many users share it.
#[derive(Debug)]
pub struct Text {
    pub file: Option<FileId>,
    pub keys: AuthorizedKeys,
    /// The text the spans index (`SourceFile::text`).
    pub text: Rc<str>,
}

/// One account's home, `~/.ssh`, private keys and authorized keys files.
#[derive(Debug)]
pub struct UserFiles {
    pub name: String,
    pub uid: u32,
    /// The home directory; `None` when it does not exist.
    pub home: Option<Node>,
    /// `~/.ssh`, when it is a directory.
    pub ssh_dir: Option<Node>,
    /// `~/.ssh/id_*` private keys (not `.pub`).
    pub private_keys: Vec<Node>,
    /// `~/.ssh/config` (ssh's per-user configuration), when it exists.
    pub client_config: Option<Node>,
    pub key_files: Vec<KeyFile>,
}

impl UserFiles {
    fn new(root: &HostRoot, user: &User, key_files: Vec<KeyFile>, sources: &mut SourceMap) -> UserFiles {
        let mut node = |p: &str| {
            let path = root.realpath(p).ok()?;
            let stat = root.stat(&path).ok()?;
            let id = sources.add(SourceFile::new(root.dir.join(path.trim_start_matches('/')), Vec::new()));
            Some(Node { path, stat, id })
        };
        let home = if user.home.is_empty() { None } else { node(&user.home) };
        let ssh_path = format!("{}/.ssh", user.home.trim_end_matches('/'));
        let ssh_dir = home.as_ref().and_then(|_| node(&ssh_path)).filter(|n| n.stat.is_dir());
        let mut private_keys = Vec::new();
        if let Some(dir) = &ssh_dir {
            for name in root.glob(&format!("{}/id_*", glob_escape(&dir.path))) {
                if name.ends_with(".pub") {
                    continue;
                }
                if let Some(n) = node(&name).filter(|n| n.stat.is_regular()) {
                    private_keys.push(n);
                }
            }
        }
        let client_config = ssh_dir.as_ref().and_then(|d| node(&format!("{}/config", d.path)));
        UserFiles { name: user.name.clone(), uid: user.uid, home, ssh_dir, private_keys, client_config, key_files }
    }

    /// The authorized keys files that hold at least one key sshd reads.
    pub fn holds_keys(&self) -> bool {
        self.key_files.iter().any(|k| k.text.as_ref().is_some_and(|t| t.keys.lines.iter().any(Entry::is_read)))
    }
}

fn glob_escape(path: &str) -> String {
    path.chars().flat_map(|c| if matches!(c, '*' | '?' | '[') { vec!['\\', c] } else { vec![c] }).collect()
}

/// Whether and why the user (sshd opens the file with the user's uid and groups) can open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Open {
    Ok,
    Missing,
    /// The user lacks search permission on a directory or read permission on the file.
    Denied {
        path: String,
        stat: FileStat,
    },
    /// Opened but not a regular file: sshd logs it and skips the file.
    NotRegular(FileType),
    /// sshlint could not tell (a symlink loop, an error reading the root).
    Unknown(String),
}

/// The first object on StrictModes' walk that sshd finds unsafe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsafe {
    /// Real host path of the file or directory.
    pub path: String,
    pub stat: FileStat,
    /// The authorized_keys file itself (else a directory above it).
    pub is_file: bool,
    pub reason: String,
}

/// One AuthorizedKeysFile path, expanded for one user.
#[derive(Debug)]
pub struct KeyFile {
    /// Expanded host path (`/home/alice/.ssh/authorized_keys`).
    pub path: String,
    /// Where the AuthorizedKeysFile value came from (`None`: the default).
    pub at: Option<Location>,
    /// Real path inside the root, when it resolves.
    pub real: Option<String>,
    pub open: Open,
    /// StrictModes' verdict (`safe_path`), computed whether StrictModes is on or not; `None`
    /// when the file cannot be opened.
    pub strict: Option<Result<(), Unsafe>>,
    /// The content, when the file exists and sshlint could read it.
    pub text: Option<Rc<Text>>,
    /// Why sshlint itself could not read a file sshd can open (run without root).
    pub unreadable: Option<String>,
    /// Where findings about the file point (its text when read, else its path).
    pub id: Option<FileId>,
}

impl KeyFile {
    /// sshd reads keys from it: the user can open it and StrictModes (when on) accepts it.
    pub fn usable(&self, strict_modes: bool) -> bool {
        self.open == Open::Ok && (!strict_modes || matches!(self.strict, Some(Ok(()))))
    }
}

/// `expand_authorized_keys` for every AuthorizedKeysFile entry of `e` (skipping `none`):
/// `%h %u %U %%`, relative paths below the home. An unknown token is an error (sshd's child
/// dies on it, so the login fails).
pub fn key_paths(e: &Effective, user: &User) -> Vec<(Result<String, String>, Option<Location>)> {
    let at = e.origin(Opt::AuthorizedKeysFile);
    e.list(Opt::AuthorizedKeysFile)
        .iter()
        .filter(|p| !p.eq_ignore_ascii_case("none"))
        .map(|p| (expand(p, user), at))
        .collect()
}

fn expand(pattern: &str, user: &User) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(&user.home),
            Some('u') => out.push_str(&user.name),
            Some('U') => out.push_str(&user.uid.to_string()),
            Some(t) => return Err(format!("`%{t}` is not a token AuthorizedKeysFile knows (%h %u %U %%)")),
            None => return Err("ends with a lone `%`".into()),
        }
    }
    Ok(if out.starts_with('/') { out } else { format!("{}/{out}", user.home) })
}

/// The user's credentials for permission checks: uid and every gid (getgrouplist).
struct Creds {
    uid: u32,
    gids: Vec<u32>,
}

impl Creds {
    fn of(accounts: &Accounts, user: &User) -> Creds {
        Creds { uid: user.uid, gids: accounts.gids_of(&user.name).unwrap_or_else(|| vec![user.gid]) }
    }

    /// DAC permission `bit` (4 read, 1 search) as the kernel grants it (root passes all).
    fn may(&self, st: &FileStat, bit: u32) -> bool {
        if self.uid == 0 {
            return true;
        }
        let shift = if st.uid == self.uid {
            6
        } else if self.gids.contains(&st.gid) {
            3
        } else {
            0
        };
        st.mode >> shift & bit != 0
    }
}

/// Reads key files for the login model: the root, its accounts, and the texts already parsed
/// (a file several users share is read and added to the sources once).
struct Reader<'a> {
    root: &'a HostRoot,
    accounts: &'a Accounts,
    debian: bool,
    texts: HashMap<String, Rc<Text>>,
    sources: &'a mut SourceMap,
}

impl Reader<'_> {
    /// One expanded AuthorizedKeysFile path for `user`, with `creds` the user's (uid, gids).
    fn key_file(&mut self, user: &User, creds: &Creds, path: &str, at: Option<Location>) -> KeyFile {
        let mut kf = KeyFile {
            path: path.to_string(),
            at,
            real: None,
            open: Open::Missing,
            strict: None,
            text: None,
            unreadable: None,
            id: None,
        };
        self.fill(&mut kf, user, creds);
        // A file that exists but whose text is not read (not openable, not regular, too large,
        // or not looked at) still gets a place for the findings about it.
        if kf.id.is_none() && (kf.real.is_some() || matches!(kf.open, Open::Unknown(_))) {
            let shown = kf.real.as_deref().unwrap_or(path).trim_start_matches('/');
            kf.id = Some(self.sources.add(SourceFile::new(self.root.dir.join(shown), Vec::new())));
        }
        kf
    }

    fn fill(&mut self, kf: &mut KeyFile, user: &User, creds: &Creds) {
        let path = kf.path.clone();
        let path = path.as_str();
        let (real, searched) = match self.root.lookup(path) {
            Ok(r) => r,
            Err(ReadError::NotFound) => return,
            Err(e) => {
                kf.open = Open::Unknown(e.describe());
                return;
            }
        };
        let st = match self.root.stat(&real) {
            Ok(st) => st,
            Err(ReadError::NotFound) => return,
            Err(e) => {
                kf.open = Open::Unknown(e.describe());
                return;
            }
        };
        kf.real = Some(real.clone());
        for dir in &searched {
            match self.root.stat(dir) {
                Ok(d) if !creds.may(&d, 1) => {
                    kf.open = Open::Denied { path: dir.clone(), stat: d };
                    return;
                }
                Ok(_) => {}
                Err(e) => {
                    kf.open = Open::Unknown(format!("`{dir}` {}", e.describe()));
                    return;
                }
            }
        }
        if !creds.may(&st, 4) {
            kf.open = Open::Denied { path: real, stat: st };
            return;
        }
        if !st.is_regular() {
            kf.open = Open::NotRegular(st.kind);
            return;
        }
        kf.open = Open::Ok;
        kf.strict = Some(safe_path(self.root, self.accounts, user, &real, st, self.debian));
        if let Some(t) = self.texts.get(&real) {
            kf.id = t.file;
            kf.text = Some(Rc::clone(t));
            return;
        }
        match self.root.read(&real) {
            Ok(bytes) => {
                let file = SourceFile::new(self.root.dir.join(real.trim_start_matches('/')), bytes);
                let text: Rc<str> = Rc::from(&*file.text);
                let keys = crate::syntax::authorized_keys::parse(text.as_bytes());
                let id = self.sources.add(file);
                kf.id = Some(id);
                let t = Rc::new(Text { file: Some(id), keys, text });
                self.texts.insert(real, Rc::clone(&t));
                kf.text = Some(t);
            }
            Err(e) => kf.unreadable = Some(e.describe()),
        }
    }
}

/// `safe_path`: the file, then every directory above its real path up to the real home (or
/// `/`), must be owned by root or the user and not writable by group or others. Debian's
/// patch allows group write when the group's only member is the owner.
fn safe_path(
    root: &HostRoot,
    accounts: &Accounts,
    user: &User,
    real: &str,
    st: FileStat,
    debian: bool,
) -> Result<(), Unsafe> {
    let home = root.realpath(&user.home).ok();
    if let Some(reason) = insecure(accounts, &st, user.uid, debian) {
        return Err(Unsafe { path: real.to_string(), stat: st, is_file: true, reason });
    }
    let mut buf = real.to_string();
    loop {
        buf = match buf.rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => buf[..i].to_string(),
        };
        let st = root.stat(&buf).map_err(|e| Unsafe {
            path: buf.clone(),
            stat: FileStat { uid: 0, gid: 0, mode: 0, kind: FileType::Directory },
            is_file: false,
            reason: e.describe(),
        })?;
        if let Some(reason) = insecure(accounts, &st, user.uid, debian) {
            return Err(Unsafe { path: buf, stat: st, is_file: false, reason });
        }
        if home.as_deref() == Some(buf.as_str()) || buf == "/" {
            return Ok(());
        }
    }
}

/// Why `secure_permissions` (Debian) or the upstream owner/mode test refuses `st` for `uid`.
pub fn insecure(accounts: &Accounts, st: &FileStat, uid: u32, debian: bool) -> Option<String> {
    if st.uid != 0 && st.uid != uid {
        let owner = accounts.user_by_uid(st.uid).map_or_else(|| format!("uid {}", st.uid), |u| format!("`{}`", u.name));
        return Some(format!("is owned by {owner}, not by the user or root"));
    }
    if st.mode & 0o002 != 0 {
        return Some(format!("is writable by others (mode {:04o})", st.mode));
    }
    if st.mode & 0o020 == 0 {
        return None;
    }
    let group = accounts.group_by_gid(st.gid);
    let name = group.map_or_else(|| format!("gid {}", st.gid), |g| format!("`{}`", g.name));
    let refuse = Some(format!("is writable by group {name} (mode {:04o})", st.mode));
    if !debian {
        return refuse;
    }
    let Some(group) = group else { return refuse };
    // Debian: the group's members (by primary gid and by listing) must be the owner alone.
    let mut members = 0;
    for pw in accounts.users.iter().filter(|pw| pw.gid == group.gid) {
        members += 1;
        if pw.uid != uid {
            return refuse.map(|r| format!("{r}, which has other members"));
        }
    }
    let Some(owner) = accounts.user_by_uid(st.uid) else { return refuse };
    if let Some(first) = group.members.first() {
        members += 1;
        if *first != owner.name || group.members.len() > 1 {
            return refuse.map(|r| format!("{r}, which has other members"));
        }
    }
    if members == 0 {
        return refuse;
    }
    None
}

/// Whether sshd would accept a public key for a user on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Refused, with sshd's reason in words.
    Refused(String),
}

/// Would sshd accept `key_line` (a `.pub` line: `type base64 [comment]`) for `user` on `conn`?
pub fn pubkey_verdict(
    host: &crate::model::sshd::host::SshdHost,
    user: &str,
    conn: &Connection,
    key_line: &str,
) -> Verdict {
    let parsed = crate::syntax::authorized_keys::parse(key_line.as_bytes());
    let Some((key, blob)) =
        parsed.lines.first().and_then(|e| Some((e.key.clone()?, key_line.get(e.key.as_ref()?.blob_span.range())?)))
    else {
        return Verdict::Refused("the public key cannot be read".into());
    };
    let blob = normalize_blob(blob.as_bytes());
    match authenticate(host, user, conn, &key, &blob) {
        Ok(()) => Verdict::Accepted,
        Err(why) => Verdict::Refused(why),
    }
}

fn normalize_blob(b64: &[u8]) -> Vec<u8> {
    crate::syntax::authorized_keys::b64_decode(b64).unwrap_or_else(|_| b64.to_vec())
}

/// Today, in days since 1970-01-01 (shadow's unit).
fn today() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| (d.as_secs() / 86_400) as i64)
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Why sshd's `allowed_user` refuses an account before any authentication (shell, lock,
/// expiry, Allow/Deny lists), with the line responsible when a setting decides.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub reason: String,
    pub at: Option<Location>,
}

/// The account checks of `allowed_user` that come from the account itself.
pub fn account_refusal(host: &crate::model::sshd::host::SshdHost, e: &Effective, user: &User) -> Option<Refusal> {
    let accounts = host.facts.accounts.as_ref()?;
    let use_pam = e.flag(Opt::UsePAM);
    if use_pam && accounts.shadow.is_some() && accounts.shadow_of(&user.name).is_none() {
        return Some(Refusal {
            reason: "etc/shadow has no line for it, so PAM's account check (pam_unix) refuses it".into(),
            at: e.origin(Opt::UsePAM),
        });
    }
    if let Some(sh) = accounts.shadow_of(&user.name) {
        if sh.expires.is_some_and(|d| d <= today()) {
            return Some(Refusal { reason: "the account has expired (etc/shadow)".into(), at: None });
        }
        if use_pam && sh.inactive_after.is_some_and(|d| today() > d) {
            return Some(Refusal {
                reason: "its password expired and stayed unchanged past the inactivity period (etc/shadow): PAM refuses the account".into(),
                at: e.origin(Opt::UsePAM),
            });
        }
        if !use_pam && sh.password == Password::Locked {
            return Some(Refusal {
                reason: "the account is locked (`!` in etc/shadow) and `UsePAM` is off".into(),
                at: e.origin(Opt::UsePAM),
            });
        }
    }
    let chroot = e.text(Opt::ChrootDirectory).is_some_and(|c| !c.eq_ignore_ascii_case("none"));
    if !chroot && let Some(root) = &host.root {
        let shell = if user.shell.is_empty() { "/bin/sh" } else { user.shell.as_str() };
        match root.resolve(shell).ok().and_then(|p| crate::platform::stat(&p)) {
            None => return Some(Refusal { reason: format!("its shell `{shell}` does not exist"), at: None }),
            Some(st) if !st.is_regular() || st.mode & 0o111 == 0 => {
                return Some(Refusal { reason: format!("its shell `{shell}` is not executable"), at: None });
            }
            Some(_) => {}
        }
    }
    None
}

/// sshd's `allowed_user` list checks (and PermitRootLogin no) for one connection.
pub fn access_refusal(accounts: Option<&Accounts>, e: &Effective, user: &str, conn: &Connection) -> Option<Refusal> {
    let (host, addr) = (conn.host.as_deref(), conn.addr.as_deref());
    if user == "root" && e.num(Opt::PermitRootLogin) == 0 {
        return Some(Refusal { reason: "`PermitRootLogin no`".into(), at: e.origin(Opt::PermitRootLogin) });
    }
    let deny = e.list(Opt::DenyUsers);
    if let Some(p) = deny.iter().find(|p| user_pattern_matches(user, host, addr, p)) {
        return Some(Refusal { reason: format!("matched by `DenyUsers {p}`"), at: e.origin(Opt::DenyUsers) });
    }
    let allow = e.list(Opt::AllowUsers);
    if !allow.is_empty() && !allow.iter().any(|p| user_pattern_matches(user, host, addr, p)) {
        return Some(Refusal {
            reason: format!("not listed in `AllowUsers {}`", allow.join(" ")),
            at: e.origin(Opt::AllowUsers),
        });
    }
    let deny_g = e.list(Opt::DenyGroups);
    let allow_g = e.list(Opt::AllowGroups);
    if deny_g.is_empty() && allow_g.is_empty() {
        return None;
    }
    let groups = accounts.and_then(|a| a.groups_of(user))?;
    if groups.is_empty() {
        let at = e.origin(Opt::AllowGroups).or(e.origin(Opt::DenyGroups));
        return Some(Refusal { reason: "in no group (its primary gid has no group line)".into(), at });
    }
    let hit = |list: &[String]| {
        groups.iter().find(|g| list.iter().any(|p| pattern_list(g, p, false) == ListMatch::Matched)).cloned()
    };
    if let Some(g) = hit(&deny_g) {
        return Some(Refusal {
            reason: format!("in group `{g}`, denied by `DenyGroups`"),
            at: e.origin(Opt::DenyGroups),
        });
    }
    if !allow_g.is_empty() && hit(&allow_g).is_none() {
        return Some(Refusal {
            reason: format!("in none of `AllowGroups {}`", allow_g.join(" ")),
            at: e.origin(Opt::AllowGroups),
        });
    }
    None
}

/// The signature algorithms a current client can use for a key of this kind.
pub fn key_algorithms(key: &PublicKey) -> Vec<String> {
    if key.certificate {
        return match key.kind {
            KeyKind::Rsa => vec![
                "rsa-sha2-512-cert-v01@openssh.com".into(),
                "rsa-sha2-256-cert-v01@openssh.com".into(),
                "ssh-rsa-cert-v01@openssh.com".into(),
            ],
            _ => vec![key.type_name.clone()],
        };
    }
    match key.kind {
        KeyKind::Rsa => vec!["rsa-sha2-512".into(), "rsa-sha2-256".into(), "ssh-rsa".into()],
        KeyKind::Dsa => vec!["ssh-dss".into()],
        KeyKind::Ecdsa => {
            vec![format!("ecdsa-sha2-nistp{}", key.curve.map_or(256, |c| c.bits()))]
        }
        KeyKind::Ed25519 => vec!["ssh-ed25519".into()],
        KeyKind::EcdsaSk => vec!["sk-ecdsa-sha2-nistp256@openssh.com".into()],
        KeyKind::Ed25519Sk => vec!["sk-ssh-ed25519@openssh.com".into()],
    }
}

/// Why the effective configuration refuses a key of this type or size, whichever file holds it
/// (`PubkeyAcceptedAlgorithms`, `RequiredRSASize`). With `client`, an RSA key is judged by the
/// signature a current ssh client makes: rsa-sha2-512, since sshd 9.2's `server-sig-algs`
/// lists every algorithm it supports, not the configured ones (checked against the real sshd).
pub fn key_refusal(e: &Effective, key: &PublicKey, client: bool) -> Option<Refusal> {
    let accepted = e.algorithms(Opt::PubkeyAcceptedAlgorithms);
    let mut algs = key_algorithms(key);
    if client && key.kind == KeyKind::Rsa {
        algs.truncate(1);
    } else if key.kind == KeyKind::Rsa {
        // ssh-rsa (SHA-1) is what only old or reconfigured clients offer.
        algs.truncate(2);
    }
    if !algs.iter().any(|a| accepted.iter().any(|x| x == a)) {
        return Some(Refusal {
            reason: format!("`{}` is not in `PubkeyAcceptedAlgorithms`", algs.join("`/`")),
            at: e.origin(Opt::PubkeyAcceptedAlgorithms),
        });
    }
    let min = e.num(Opt::RequiredRSASize);
    if key.kind == KeyKind::Rsa && min > 0 && i64::from(key.bits) < min {
        return Some(Refusal {
            reason: format!("a {}-bit RSA key is below `RequiredRSASize {min}`", key.bits),
            at: e.origin(Opt::RequiredRSASize),
        });
    }
    None
}

/// Why one authorized_keys line that holds the key does not let it in on `conn`.
pub fn line_refusal(entry: &Entry, conn: &Connection, root_forced_only: bool) -> Option<String> {
    if let Some(p) = entry.problems.first() {
        return Some(p.message.clone());
    }
    if entry.options.iter().any(|o| o.kind == OptionKind::CertAuthority) {
        return Some("the line is a `cert-authority` (it trusts certificates, not this key)".into());
    }
    if entry.options.iter().any(|o| matches!(o.kind, OptionKind::Principals(_))) {
        return Some("its `principals=` applies only to certificates, so sshd refuses a plain key".into());
    }
    if let Some(t) = entry.expiry()
        && t.epoch <= now()
    {
        return Some("its `expiry-time` has passed".into());
    }
    if let Some(pats) = entry.from_patterns() {
        let list = pats.iter().map(|p| if p.negated { format!("!{}", p.pattern) } else { p.pattern.clone() });
        let list = list.collect::<Vec<_>>().join(",");
        let addr = conn.addr.as_deref();
        let name = conn.host.as_deref().or(addr).unwrap_or("");
        let by_addr = addr_match_list(addr, &list);
        let by_name = pattern_list(&name.to_ascii_lowercase(), &list, true);
        let ok = match (by_addr, by_name) {
            (AddrMatch::Invalid, _) => false,
            (AddrMatch::Negated, _) | (_, ListMatch::Negated) => false,
            (AddrMatch::Matched, _) | (_, ListMatch::Matched) => true,
            _ => false,
        };
        if !ok {
            return Some(format!("its `from=\"{list}\"` does not match {}", addr.unwrap_or("the client")));
        }
    }
    if root_forced_only && entry.command().is_none() {
        return Some("`PermitRootLogin forced-commands-only` and the line has no `command=`".into());
    }
    None
}

/// The whole of sshd's decision for one public key: the account, the access lists, the
/// method, the key's type, then each authorized keys file in order.
pub fn authenticate(
    host: &crate::model::sshd::host::SshdHost,
    user: &str,
    conn: &Connection,
    key: &PublicKey,
    blob: &[u8],
) -> Result<(), String> {
    if host.fatal() {
        return Err("sshd refuses to start with this configuration".into());
    }
    let Some(accounts) = host.facts.accounts.as_ref() else {
        return Err("the host root has no etc/passwd".into());
    };
    let Some(account) = accounts.user(user) else { return Err(format!("no account `{user}` in etc/passwd")) };
    let e = host.effective(Some(conn))?;
    if let Some(r) = account_refusal(host, &e, account) {
        return Err(r.reason);
    }
    if let Some(r) = access_refusal(Some(accounts), &e, user, conn) {
        return Err(r.reason);
    }
    if !e.flag(Opt::PubkeyAuthentication) {
        return Err("`PubkeyAuthentication no`".into());
    }
    let methods = e.auth_methods();
    if !methods.is_empty() && !methods.iter().any(|m| m.split(',').all(|x| x == "publickey")) {
        return Err(format!("`AuthenticationMethods {}` needs more than a key", methods.join(" ")));
    }
    if let Some(r) = key_refusal(&e, key, true) {
        return Err(r.reason);
    }
    let forced_only = user == "root" && e.num(Opt::PermitRootLogin) == 1;
    let strict = e.flag(Opt::StrictModes);
    let preloaded = host.logins.user(user);
    let mut reasons = Vec::new();
    for (path, _) in key_paths(&e, account) {
        let path = path?;
        let owned;
        let kf = match preloaded.and_then(|u| u.key_files.iter().find(|k| k.path == path)) {
            Some(k) => k,
            None => {
                let Some(root) = &host.root else { return Err("no host root to read keys from".into()) };
                let mut sources = SourceMap::default();
                let mut reader =
                    Reader { root, accounts, debian: host.facts.debian, texts: HashMap::new(), sources: &mut sources };
                owned = reader.key_file(account, &Creds::of(accounts, account), &path, None);
                &owned
            }
        };
        match (&kf.open, &kf.strict) {
            (Open::Ok, Some(Err(u))) if strict => {
                reasons.push(format!("`{path}`: StrictModes refuses `{}`, which {}", u.path, u.reason));
                continue;
            }
            (Open::Ok, _) => {}
            (Open::Missing, _) => continue,
            (Open::Denied { path: p, .. }, _) => {
                reasons.push(format!("`{path}`: the user cannot read `{p}`"));
                continue;
            }
            (Open::NotRegular(k), _) => {
                reasons.push(format!("`{path}` is a {}", k.describe()));
                continue;
            }
            (Open::Unknown(why), _) => {
                reasons.push(format!("`{path}`: {why}"));
                continue;
            }
        }
        let Some(text) = &kf.text else { continue };
        for entry in &text.keys.lines {
            let Some(k) = &entry.key else { continue };
            let Some(b64) = text.text.get(k.blob_span.range()) else { continue };
            if normalize_blob(b64.as_bytes()) != blob {
                continue;
            }
            match line_refusal(entry, conn, forced_only) {
                None => return Ok(()),
                Some(why) => reasons.push(format!("`{path}` line {}: {why}", entry.number)),
            }
        }
    }
    if reasons.is_empty() {
        reasons.push("no authorized keys file lists the key".into());
    }
    Err(reasons.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sshd::host::SshdHost;
    use crate::model::sshd::version::Version;
    use crate::testing::{Adjust, LoginTree};

    const ED25519: &str = include_str!("../../fixtures/authorized_keys/keys/ed25519_256.pub");
    const RSA1024: &str = include_str!("../../fixtures/authorized_keys/keys/rsa_1024.pub");
    /// alice's verdict for `ED25519` in a [`LoginTree`] holding `keys`, after `adjust`.
    fn verdict(config: &str, keys: &str, adjust: &[Adjust]) -> Option<Verdict> {
        let mut t = LoginTree::new(keys);
        t.config = config.into();
        let tree = t.build(adjust)?;
        let mut sources = SourceMap::default();
        let host = SshdHost::from_root(HostRoot::new(tree.path()), Some(Version::new(9, 2)), &mut sources);
        let conn = Connection {
            user: Some("alice".into()),
            addr: Some("127.0.0.1".into()),
            host: Some("127.0.0.1".into()),
            lport: Some(22),
            ..Default::default()
        };
        Some(pubkey_verdict(&host, "alice", &conn, ED25519))
    }

    fn refused(v: Option<Verdict>, why: &str) {
        match v {
            // Not root: owners cannot be set, the case is skipped.
            None => {}
            Some(Verdict::Refused(r)) => assert!(r.contains(why), "{r}"),
            Some(Verdict::Accepted) => panic!("accepted, expected refusal ({why})"),
        }
    }

    fn accepted(v: Option<Verdict>) {
        assert!(matches!(v, None | Some(Verdict::Accepted)), "{v:?}");
    }

    #[test]
    fn plain_key_is_accepted() {
        accepted(verdict("", ED25519, &[]));
        accepted(verdict("", &format!("garbage line\n{ED25519}"), &[]));
        accepted(verdict("", &format!("from=\"127.0.0.1\",restrict {ED25519}"), &[]));
    }

    #[test]
    fn strict_modes_walk() {
        refused(verdict("", ED25519, &[("/home/alice", 0o777, None)]), "StrictModes refuses `/home/alice`");
        accepted(verdict("StrictModes no\n", ED25519, &[("/home/alice", 0o777, None)]));
        // The walk stops at the home: what is above it is not sshd's concern.
        accepted(verdict("", ED25519, &[("/home", 0o777, None)]));
        refused(verdict("", ED25519, &[("/home/alice", 0o755, Some((1001, 1001)))]), "owned by `bob`");
        // Debian: group write is fine when the group is alice's own.
        accepted(verdict("", ED25519, &[("/home/alice", 0o775, Some((1000, 1000)))]));
        refused(verdict("", ED25519, &[("/home/alice", 0o775, Some((1000, 50)))]), "other members");
    }

    #[test]
    fn the_user_must_be_able_to_read_the_file() {
        refused(verdict("", ED25519, &[("/home/alice/.ssh/authorized_keys", 0o600, Some((0, 0)))]), "cannot read");
        accepted(verdict("", ED25519, &[("/home/alice/.ssh/authorized_keys", 0o644, Some((0, 0)))]));
    }

    #[test]
    fn options_and_key_types() {
        refused(verdict("", &format!("from=\"192.0.2.0/24\" {ED25519}"), &[]), "does not match");
        refused(verdict("", &format!("expiry-time=\"20000101\" {ED25519}"), &[]), "expiry-time");
        refused(verdict("", &format!("badopt {ED25519}"), &[]), "line 1");
        refused(verdict("PubkeyAcceptedAlgorithms -ssh-ed25519\n", ED25519, &[]), "PubkeyAcceptedAlgorithms");
        refused(verdict("AuthorizedKeysFile .ssh/other\n", ED25519, &[]), "no authorized keys file");
        accepted(verdict("AuthorizedKeysFile .ssh/none %h/.ssh/authorized_keys\n", ED25519, &[]));
        refused(verdict("", RSA1024, &[]), "no authorized keys file");
    }

    #[test]
    fn expansion() {
        let u = User {
            name: "a".into(),
            uid: 7,
            gid: 7,
            home: "/h/a".into(),
            shell: String::new(),
            line: 1,
            span: Default::default(),
        };
        assert_eq!(expand("%h/.ssh/k", &u), Ok("/h/a/.ssh/k".into()));
        assert_eq!(expand("/etc/keys/%u.%U%%", &u), Ok("/etc/keys/a.7%".into()));
        assert_eq!(expand(".ssh/authorized_keys", &u), Ok("/h/a/.ssh/authorized_keys".into()));
        assert!(expand("/k/%x", &u).is_err());
    }
}
