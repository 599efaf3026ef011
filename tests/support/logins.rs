//! The login oracle for `behaviour_logins.rs`: host-root trees that hold accounts (passwd,
//! group, shadow), homes, `~/.ssh` and key files of chosen kinds, modes and owners; the client
//! key pairs; and one shell script per tree that, inside private mount, network and PID
//! namespaces (`unshare -m -n -p`), bind-mounts the tree's `etc/ssh`, `etc/passwd`, `etc/group`,
//! `etc/shadow` and `home` over the machine's, then either starts the real sshd on a loopback
//! port and logs in with the real ssh client once per login, or runs `sshd -t`. The machine's
//! files are never written: the mounts exist only inside the namespace (the script refuses to
//! run outside one), and every process the script starts dies with it (it is PID 1 of its own
//! PID namespace). The trees themselves live under a temporary directory.

use super::{Output, TempDir, numbered_listing, run_with_limit, shared};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::unix::fs::{PermissionsExt, lchown, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;
use std::{fs, io, thread};

pub const SSH: &str = "/usr/bin/ssh";
/// sshd's privilege-separation directory (Debian's build); `.ci/run` creates it.
pub const PRIVSEP_DIR: &str = "/run/sshd";
/// Trees listen on `BASE_PORT + index`, so trees that run at the same time use different
/// ports (each runs in its own network namespace anyway).
pub const BASE_PORT: u16 = 22000;

/// Why the login oracle cannot run here, or `None` when it can. Computed once per process.
pub fn oracle_unavailable() -> Option<String> {
    static REASON: OnceLock<Option<String>> = OnceLock::new();
    REASON.get_or_init(probe).clone()
}

fn probe() -> Option<String> {
    if let Some(reason) = super::sshd::oracle_unavailable() {
        return Some(reason);
    }
    if !Path::new(SSH).is_file() {
        return Some(format!("{SSH} not installed (apt-get install openssh-client)"));
    }
    if !["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].iter().any(|p| Path::new(p).is_file()) {
        return Some("ip not found (apt-get install iproute2)".into());
    }
    if !Path::new(PRIVSEP_DIR).is_dir() {
        return Some(format!(
            "{PRIVSEP_DIR} does not exist (sshd's privilege-separation directory: mkdir {PRIVSEP_DIR})"
        ));
    }
    for target in ["/etc/shadow", "/home"] {
        if !Path::new(target).exists() {
            return Some(format!("{target} does not exist, so a test root's copy cannot be mounted over it"));
        }
    }
    for nologin in ["/etc/nologin", "/run/nologin"] {
        if Path::new(nologin).exists() {
            return Some(format!("{nologin} exists: PAM (pam_nologin) refuses every login but root's"));
        }
    }
    let probe = Command::new("unshare")
        .args(["-m", "-n", "-p", "--fork", "--mount-proc", "--kill-child", "--propagation", "private"])
        .args(["sh", "-c", "ip link set lo up"])
        .output();
    match probe {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`unshare -m -n -p` or `ip link set lo up` does not work here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("cannot run unshare: {e}")),
    }
}

/// Returns true when the login oracle can run. Otherwise fails the test if
/// `SSHLINT_REQUIRE_ORACLES=1` (CI), or prints why the test is skipped and returns false.
pub fn oracle_ready(test: &str) -> bool {
    let Some(reason) = oracle_unavailable() else {
        return true;
    };
    if super::env_flag("SSHLINT_REQUIRE_ORACLES") {
        panic!("{test}: SSHLINT_REQUIRE_ORACLES=1 but the login oracle is missing: {reason}");
    }
    eprintln!("{test}: skipped: {reason}");
    false
}

/// The key pairs the tests use: the client's identities, and extra private keys the host-key
/// test copies into trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyKind {
    Ed25519,
    Ecdsa,
    Rsa2048,
    Rsa1024,
    /// An ed25519 key protected by the passphrase `secret` (never offered by the client).
    Ed25519Secret,
}

impl KeyKind {
    /// The identities a login may offer.
    pub const CLIENT: [KeyKind; 4] = [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa2048, KeyKind::Rsa1024];
    pub const ALL: [KeyKind; 5] =
        [KeyKind::Ed25519, KeyKind::Ecdsa, KeyKind::Rsa2048, KeyKind::Rsa1024, KeyKind::Ed25519Secret];

    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Ed25519 => "ed25519",
            KeyKind::Ecdsa => "ecdsa",
            KeyKind::Rsa2048 => "rsa2048",
            KeyKind::Rsa1024 => "rsa1024",
            KeyKind::Ed25519Secret => "ed25519-secret",
        }
    }

    fn keygen_args(self) -> &'static [&'static str] {
        match self {
            KeyKind::Ed25519 => &["-t", "ed25519", "-N", ""],
            KeyKind::Ecdsa => &["-t", "ecdsa", "-N", ""],
            KeyKind::Rsa2048 => &["-t", "rsa", "-b", "2048", "-N", ""],
            KeyKind::Rsa1024 => &["-t", "rsa", "-b", "1024", "-N", ""],
            KeyKind::Ed25519Secret => &["-t", "ed25519", "-N", "secret"],
        }
    }
}

/// Key pairs generated once for the tests running at the same time, in a temporary directory
/// outside every tree (private keys mode 0600, owned by root, as ssh requires).
pub struct ClientKeys {
    dir: TempDir,
    pubs: BTreeMap<KeyKind, String>,
}

impl ClientKeys {
    pub fn private(&self, kind: KeyKind) -> PathBuf {
        self.dir.path().join(kind.name())
    }

    /// The `.pub` line, `type base64 comment`, without its newline.
    pub fn pub_line(&self, kind: KeyKind) -> &str {
        self.pubs.get(&kind).map_or("", String::as_str)
    }

    pub fn private_bytes(&self, kind: KeyKind) -> Vec<u8> {
        fs::read(self.private(kind)).unwrap_or_default()
    }

    fn generate() -> Result<ClientKeys, String> {
        let dir = TempDir::new("loginkeys").map_err(|e| format!("temp dir: {e}"))?;
        let jobs: Vec<_> = KeyKind::ALL
            .iter()
            .map(|&kind| {
                let mut command = Command::new("ssh-keygen");
                command.args(["-q", "-C", &format!("sweep-{}", kind.name())]).args(kind.keygen_args());
                command.arg("-f").arg(dir.path().join(kind.name()));
                thread::spawn(move || run_with_limit(&mut command, Duration::from_secs(60)))
            })
            .collect();
        let mut pubs = BTreeMap::new();
        for (kind, job) in KeyKind::ALL.iter().zip(jobs) {
            match job.join() {
                Ok(Ok(out)) if out.status == Some(0) => {}
                Ok(Ok(out)) => {
                    return Err(format!(
                        "ssh-keygen for {} failed ({}): {}",
                        kind.name(),
                        out.status_text(),
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                Ok(Err(e)) => return Err(format!("cannot run ssh-keygen: {e}")),
                Err(_) => return Err("ssh-keygen thread panicked".into()),
            }
            let path = dir.path().join(format!("{}.pub", kind.name()));
            let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            pubs.insert(*kind, text.trim_end().to_string());
        }
        Ok(ClientKeys { dir, pubs })
    }
}

/// The shared key pairs (generated on first use, removed when the last user is done).
pub fn client_keys() -> Arc<Result<ClientKeys, String>> {
    static SLOT: Mutex<Weak<Result<ClientKeys, String>>> = Mutex::new(Weak::new());
    shared(&SLOT, ClientKeys::generate)
}

/// What a path of a tree is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File(Vec<u8>),
    /// The link's target, as written (absolute paths mean the machine the tree stands for).
    Symlink(String),
    Fifo,
}

/// One path of a tree with its mode and numeric owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub kind: Kind,
    /// Permission bits, sticky/setgid included (ignored for symlinks).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Shown instead of the content in reports (private keys).
    pub note: Option<String>,
}

/// A passwd line, and its shadow line when `shadow` is set (the fields after the name:
/// `password:lastchg:min:max:warn:inactive:expire:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
    pub shadow: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Accepted,
    Refused,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Refused => "refused",
        }
    }
}

/// One login attempt: `ssh -i KEY user@127.0.0.1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub key: KeyKind,
    /// Fixed cases: what sshd answered when the case was written (checked on every run).
    pub expect: Option<Verdict>,
}

/// A host root: accounts, sshd_config and the paths under it, plus the logins to try.
#[derive(Clone, Debug)]
pub struct Tree {
    pub name: String,
    /// One sentence: what the case shows (fixed cases) or how it was drawn (generated ones).
    pub about: String,
    pub accounts: Vec<Account>,
    pub groups: Vec<Group>,
    /// `etc/ssh/sshd_config`; `@PORT@` stands for the tree's port.
    pub config: String,
    /// Paths under the root (relative, no leading `/`). `etc/passwd`, `etc/group`, `etc/shadow`
    /// and `etc/ssh/sshd_config` come from the fields above unless set here; directories the
    /// tree does not set are root's, mode 0755.
    pub nodes: BTreeMap<String, Node>,
    pub logins: Vec<Login>,
    pub port: u16,
}

pub const SHADOW_GID: u32 = 42;

impl Tree {
    pub fn new(name: impl Into<String>, about: impl Into<String>) -> Tree {
        Tree {
            name: name.into(),
            about: about.into(),
            accounts: Vec::new(),
            groups: Vec::new(),
            config: String::new(),
            nodes: BTreeMap::new(),
            logins: Vec::new(),
            port: BASE_PORT,
        }
    }

    pub fn dir(&mut self, path: &str, mode: u32, uid: u32, gid: u32) {
        self.put(path, Node { kind: Kind::Dir, mode, uid, gid, note: None });
    }

    pub fn file(&mut self, path: &str, content: impl Into<Vec<u8>>, mode: u32, uid: u32, gid: u32) {
        self.put(path, Node { kind: Kind::File(content.into()), mode, uid, gid, note: None });
    }

    pub fn symlink(&mut self, path: &str, target: &str) {
        self.put(path, Node { kind: Kind::Symlink(target.to_string()), mode: 0o777, uid: 0, gid: 0, note: None });
    }

    pub fn fifo(&mut self, path: &str, mode: u32, uid: u32, gid: u32) {
        self.put(path, Node { kind: Kind::Fifo, mode, uid, gid, note: None });
    }

    /// Sets a path, replacing whatever was there along with everything below it.
    pub fn put(&mut self, path: &str, node: Node) {
        self.remove(path);
        self.nodes.insert(path.trim_matches('/').to_string(), node);
    }

    /// Removes a path and everything below it.
    pub fn remove(&mut self, path: &str) {
        let path = path.trim_matches('/');
        let below = format!("{path}/");
        self.nodes.retain(|p, _| p != path && !p.starts_with(&below));
    }

    pub fn node_mut(&mut self, path: &str) -> Option<&mut Node> {
        self.nodes.get_mut(path.trim_matches('/'))
    }

    /// Changes the mode of a path the tree sets (panics on a path it does not set: a typo in a
    /// case).
    pub fn chmod(&mut self, path: &str, mode: u32) {
        let name = self.name.clone();
        self.node_mut(path).unwrap_or_else(|| panic!("{name}: chmod of unknown path {path}")).mode = mode;
    }

    /// Changes the owner and group of a path the tree sets.
    pub fn chown(&mut self, path: &str, uid: u32, gid: u32) {
        let name = self.name.clone();
        let node = self.node_mut(path).unwrap_or_else(|| panic!("{name}: chown of unknown path {path}"));
        node.uid = uid;
        node.gid = gid;
    }

    pub fn account(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    pub fn account_mut(&mut self, name: &str) -> Option<&mut Account> {
        self.accounts.iter_mut().find(|a| a.name == name)
    }

    pub fn group_mut(&mut self, name: &str) -> Option<&mut Group> {
        self.groups.iter_mut().find(|g| g.name == name)
    }

    /// The account named `name` (panics on an unknown name: a typo in a case).
    pub fn user(&mut self, name: &str) -> &mut Account {
        let tree = self.name.clone();
        self.account_mut(name).unwrap_or_else(|| panic!("{tree}: no account {name}"))
    }

    /// Sets the member list of group `name` (panics on an unknown group).
    pub fn members<S: AsRef<str>>(&mut self, name: &str, members: &[S]) {
        let tree = self.name.clone();
        let group = self.group_mut(name).unwrap_or_else(|| panic!("{tree}: no group {name}"));
        group.members = members.iter().map(|m| m.as_ref().to_string()).collect();
    }

    pub fn login(&mut self, user: &str, key: KeyKind, expect: Option<Verdict>) {
        self.logins.push(Login { user: user.to_string(), key, expect });
    }

    pub fn config_text(&self) -> String {
        self.config.replace("@PORT@", &self.port.to_string())
    }

    pub fn passwd_text(&self) -> String {
        self.accounts
            .iter()
            .map(|a| format!("{}:x:{}:{}:{}:{}:{}\n", a.name, a.uid, a.gid, a.name, a.home, a.shell))
            .collect()
    }

    pub fn group_text(&self) -> String {
        self.groups.iter().map(|g| format!("{}:x:{}:{}\n", g.name, g.gid, g.members.join(","))).collect()
    }

    pub fn shadow_text(&self) -> String {
        self.accounts.iter().filter_map(|a| a.shadow.as_ref().map(|s| format!("{}:{s}\n", a.name))).collect()
    }

    /// Every path written for the tree: its own nodes, the name-service files and
    /// `sshd_config`, and the directories above them that the tree does not set (root 0755).
    pub fn all_nodes(&self) -> BTreeMap<String, Node> {
        let mut all = self.nodes.clone();
        let root_file = |text: String, mode: u32, gid: u32| Node {
            kind: Kind::File(text.into_bytes()),
            mode,
            uid: 0,
            gid,
            note: None,
        };
        all.entry("etc/passwd".into()).or_insert_with(|| root_file(self.passwd_text(), 0o644, 0));
        all.entry("etc/group".into()).or_insert_with(|| root_file(self.group_text(), 0o644, 0));
        all.entry("etc/shadow".into()).or_insert_with(|| root_file(self.shadow_text(), 0o640, SHADOW_GID));
        all.entry("etc/ssh/sshd_config".into()).or_insert_with(|| root_file(self.config_text(), 0o644, 0));
        for dir in ["etc", "etc/ssh", "home"] {
            all.entry(dir.into()).or_insert(Node { kind: Kind::Dir, mode: 0o755, uid: 0, gid: 0, note: None });
        }
        // sshd checks each shell in the machine's filesystem (only /etc and /home come from the
        // tree); sshlint checks it in the root. A stand-in with the machine's mode makes both
        // see the same thing; a shell the machine lacks stays missing in the tree too.
        for account in &self.accounts {
            let shell = if account.shell.is_empty() { "/bin/sh" } else { account.shell.as_str() };
            let rel = shell.trim_start_matches('/');
            if rel.is_empty() || rel.starts_with("etc/") || rel.starts_with("home/") || all.contains_key(rel) {
                continue;
            }
            if let Ok(meta) = fs::metadata(shell)
                && meta.is_file()
            {
                let mode = meta.permissions().mode() & 0o7777;
                all.insert(
                    rel.into(),
                    Node { kind: Kind::File(b"#!/bin/true\n".to_vec()), mode, uid: 0, gid: 0, note: None },
                );
            }
        }
        let paths: Vec<String> = all.keys().cloned().collect();
        for path in paths {
            let mut parent = Path::new(&path).parent();
            while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
                let key = p.to_string_lossy().to_string();
                all.entry(key).or_insert(Node { kind: Kind::Dir, mode: 0o755, uid: 0, gid: 0, note: None });
                parent = p.parent();
            }
        }
        all
    }

    /// Writes the tree under `root` (an empty or missing directory), owners and modes included.
    pub fn materialize(&self, root: &Path) -> io::Result<()> {
        fs::create_dir_all(root)?;
        let all = self.all_nodes();
        // Parents sort before their children.
        for (path, node) in &all {
            let target = root.join(path);
            match &node.kind {
                Kind::Dir => fs::create_dir(&target)?,
                Kind::File(bytes) => fs::write(&target, bytes)?,
                Kind::Symlink(to) => symlink(to, &target)?,
                Kind::Fifo => {
                    let status = Command::new("mkfifo").arg(&target).status()?;
                    if !status.success() {
                        return Err(io::Error::other(format!("mkfifo {} failed: {status}", target.display())));
                    }
                }
            }
        }
        // Owners first: chown clears the set-id bits that chmod then sets.
        for (path, node) in &all {
            let target = root.join(path);
            lchown(&target, Some(node.uid), Some(node.gid))?;
            if !matches!(node.kind, Kind::Symlink(_)) {
                fs::set_permissions(&target, fs::Permissions::from_mode(node.mode))?;
            }
        }
        lchown(root, Some(0), Some(0))?;
        fs::set_permissions(root, fs::Permissions::from_mode(0o755))
    }

    /// Every path with its kind, mode, owner and content, for mismatch reports.
    pub fn describe(&self) -> String {
        let users: BTreeMap<u32, &str> = self.accounts.iter().rev().map(|a| (a.uid, a.name.as_str())).collect();
        let groups: BTreeMap<u32, &str> = self.groups.iter().rev().map(|g| (g.gid, g.name.as_str())).collect();
        let owner = |uid: u32, gid: u32| {
            format!(
                "{uid}({}):{gid}({})",
                users.get(&uid).copied().unwrap_or("?"),
                groups.get(&gid).copied().unwrap_or("?")
            )
        };
        let mut out = String::new();
        let _ = writeln!(out, "  port {}; paths (kind mode owner:group path):", self.port);
        let all = self.all_nodes();
        let shown_below: BTreeSet<&str> = ["etc/ssh/sshd_config", "etc/passwd", "etc/group", "etc/shadow"].into();
        for (path, node) in &all {
            let (letter, mode) = match &node.kind {
                Kind::Dir => ('d', format!("{:04o}", node.mode)),
                Kind::File(_) => ('-', format!("{:04o}", node.mode)),
                Kind::Symlink(_) => ('l', "    ".into()),
                Kind::Fifo => ('p', format!("{:04o}", node.mode)),
            };
            let who = if matches!(node.kind, Kind::Symlink(_)) { String::new() } else { owner(node.uid, node.gid) };
            let _ = write!(out, "    {letter} {mode} {who:<22} /{path}");
            match &node.kind {
                Kind::Symlink(to) => {
                    let _ = writeln!(out, " -> {to}");
                }
                Kind::File(bytes) if shown_below.contains(path.as_str()) => {
                    let _ = writeln!(out, " ({} bytes, below)", bytes.len());
                }
                Kind::File(bytes) => match &node.note {
                    Some(note) => {
                        let _ = writeln!(out, " ({note})");
                    }
                    None => {
                        out.push('\n');
                        for line in numbered_listing(bytes).lines() {
                            let _ = writeln!(out, "          {line}");
                        }
                    }
                },
                _ => out.push('\n'),
            }
        }
        for path in ["etc/ssh/sshd_config", "etc/passwd", "etc/group", "etc/shadow"] {
            if let Some(Node { kind: Kind::File(bytes), .. }) = all.get(path) {
                let _ = writeln!(out, "  /{path}:");
                for line in numbered_listing(bytes).lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
        }
        out
    }
}

/// What happened to one login.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    pub verdict: Verdict,
    /// The ssh client's exit status and `-v` output.
    pub client: Output,
    /// sshd's log from this login's start to the next one's (its last closing lines may spill
    /// into the next login's part).
    pub log: String,
    /// The line of sshd's log that says why (see [`reason_line`]).
    pub reason: String,
    /// Set when the client timed out or never reached user authentication (a harness problem).
    pub anomaly: Option<String>,
}

/// What sshd did with one tree.
#[derive(Clone, Debug)]
pub struct TreeRun {
    /// sshd's whole log (`-e`, LogLevel DEBUG1).
    pub log: String,
    /// Why sshd never listened, or why the script failed (then `logins` is empty).
    pub failure: Option<String>,
    pub logins: Vec<LoginOutcome>,
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

const SCRIPT_HEAD: &str = r#"#!/bin/sh
# Generated by tests/support/logins.rs. Runs as PID 1 of `unshare -m -n -p --fork
# --propagation private`: every mount below is private to this namespace, the network is its
# own (loopback only), and every process started here dies with the script.
set -u
mnt_parent=$1 net_parent=$2 root=$3 out=$4 port=$5 mode=$6
if [ "$(readlink /proc/self/ns/mnt)" = "$mnt_parent" ] || [ "$(readlink /proc/self/ns/net)" = "$net_parent" ]; then
    echo "refusing to run: not in private mount and network namespaces" >&2
    exit 97
fi
cd / || exit 98
ip link set lo up || exit 96
for f in /etc/ssh /etc/passwd /etc/group /etc/shadow /home; do
    mount --bind "$root$f" "$f" || exit 96
done
# PAM modules log through syslog: keep that inside the namespace.
if [ -S /dev/log ]; then
    mount --bind /dev/null /dev/log
fi
if [ "$mode" = test ]; then
    timeout 20 /usr/sbin/sshd -t -f /etc/ssh/sshd_config </dev/null >"$out/t.out" 2>"$out/t.err"
    echo $? >"$out/t.rc"
    exit 0
fi
timeout 120 /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config -o "ListenAddress=127.0.0.1:$port" \
    -o LogLevel=DEBUG1 </dev/null >/dev/null 2>"$out/sshd.log" &
sshd=$!
n=0
until grep -q "^Server listening on 127.0.0.1 port $port\." "$out/sshd.log"; do
    n=$((n + 1))
    if [ $n -gt 500 ] || ! kill -0 $sshd 2>/dev/null; then
        echo "sshd did not start listening on 127.0.0.1 port $port" >"$out/error"
        kill $sshd 2>/dev/null
        wait $sshd
        exit 0
    fi
    sleep 0.01
done
# One login: sshd's log offset where it starts, then the client. Its key exchange and host-key
# algorithm are fixed to the cheapest pair, which changes nothing about user authentication.
login() { # N USER KEY
    wc -c <"$out/sshd.log" >"$out/$1.from"
    timeout 15 /usr/bin/ssh -F /dev/null -v -i "$3" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o PreferredAuthentications=publickey -o ConnectTimeout=5 \
        -o KexAlgorithms=curve25519-sha256 -o HostKeyAlgorithms=ssh-ed25519 \
        -p "$port" "$2@127.0.0.1" true </dev/null >"$out/$1.out" 2>"$out/$1.err"
    echo $? >"$out/$1.rc"
}
"#;

const SCRIPT_TAIL: &str = r#"kill $sshd
wait $sshd
exit 0
"#;

fn namespace_ids() -> Result<(String, String), String> {
    static IDS: OnceLock<Result<(String, String), String>> = OnceLock::new();
    IDS.get_or_init(|| {
        let read = |ns: &str| {
            fs::read_link(format!("/proc/self/ns/{ns}"))
                .map(|p| p.to_string_lossy().to_string())
                .map_err(|e| format!("reading /proc/self/ns/{ns}: {e}"))
        };
        Ok((read("mnt")?, read("net")?))
    })
    .clone()
}

/// Runs the tree's script (already materialized at `root`) in its namespaces.
fn run_script(tree: &Tree, root: &Path, out: &Path, mode: &str, body: &str) -> Result<(), String> {
    let (mnt, net) = namespace_ids()?;
    fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let script = out.join("run.sh");
    fs::write(&script, format!("{SCRIPT_HEAD}{body}")).map_err(|e| format!("{}: {e}", script.display()))?;
    let mut command = Command::new("unshare");
    command
        .args(["-m", "-n", "-p", "--fork", "--mount-proc", "--kill-child", "--propagation", "private", "sh"])
        .arg(&script)
        .args([mnt.as_str(), net.as_str()])
        .arg(root)
        .arg(out)
        .arg(tree.port.to_string())
        .arg(mode);
    let limit = Duration::from_secs(60 + 20 * tree.logins.len() as u64);
    let run = run_with_limit(&mut command, limit).map_err(|e| format!("cannot run unshare: {e}"))?;
    if run.status != Some(0) {
        return Err(format!(
            "the namespace script failed ({}): {}",
            run.status_text(),
            String::from_utf8_lossy(&run.stderr).trim()
        ));
    }
    Ok(())
}

/// Starts sshd for the tree at `root` and logs in once per `tree.logins`. `out` receives the
/// script, sshd's log and the clients' outputs.
pub fn run_logins(tree: &Tree, root: &Path, out: &Path, keys: &ClientKeys) -> Result<TreeRun, String> {
    // The listener is set on sshd's command line; a Port or ListenAddress line in the tree would
    // add listeners of its own (and `Port` can be moved by nothing but -p).
    for (path, node) in tree.all_nodes() {
        if let (true, Kind::File(bytes)) = (path.starts_with("etc/ssh/sshd_config"), &node.kind) {
            let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
            if text.lines().any(|l| l.trim_start().starts_with("port") || l.trim_start().starts_with("listenaddress")) {
                return Err(format!(
                    "{}: /{path} sets Port or ListenAddress; the harness picks the listener",
                    tree.name
                ));
            }
        }
    }
    let mut body = String::new();
    for (n, login) in tree.logins.iter().enumerate() {
        if login.user.is_empty() || login.user.contains(['@', '\n', '\0']) {
            return Err(format!("{}: login name {:?} cannot be passed to ssh", tree.name, login.user));
        }
        let key = keys.private(login.key);
        let _ = writeln!(body, "login {n} {} {}", sh_quote(&login.user), sh_quote(&key.to_string_lossy()));
    }
    body.push_str(SCRIPT_TAIL);
    run_script(tree, root, out, "logins", &body)?;
    let log_bytes = fs::read(out.join("sshd.log")).unwrap_or_default();
    let log = String::from_utf8_lossy(&log_bytes).replace('\r', "");
    if let Ok(error) = fs::read_to_string(out.join("error")) {
        return Ok(TreeRun { log, failure: Some(error.trim().to_string()), logins: Vec::new() });
    }
    let mut starts = Vec::with_capacity(tree.logins.len());
    for n in 0..tree.logins.len() {
        let from = fs::read_to_string(out.join(format!("{n}.from"))).map_err(|e| format!("login {n}: {e}"))?;
        starts.push(from.trim().parse::<usize>().map_err(|_| format!("login {n}: bad offset {from:?}"))?);
    }
    let mut logins = Vec::with_capacity(tree.logins.len());
    for n in 0..tree.logins.len() {
        let rc = fs::read_to_string(out.join(format!("{n}.rc"))).map_err(|e| format!("login {n}: {e}"))?;
        let code: i32 = rc.trim().parse().map_err(|_| format!("login {n}: bad exit status {rc:?}"))?;
        let client = Output {
            status: Some(code),
            stdout: fs::read(out.join(format!("{n}.out"))).unwrap_or_default(),
            stderr: fs::read(out.join(format!("{n}.err"))).unwrap_or_default(),
            timed_out: code == 124,
        };
        let end = starts.get(n + 1).copied().unwrap_or(log_bytes.len()).min(log_bytes.len());
        let start = starts[n].min(end);
        let part = String::from_utf8_lossy(&log_bytes[start..end]).replace('\r', "");
        let said = String::from_utf8_lossy(&client.stderr);
        let authenticated = said.contains("\nAuthenticated to ") || said.starts_with("Authenticated to ");
        // sshd 9.2 serialises key options for its unprivileged child with any forced command
        // replaced by "true" (sshauthopt_serialise, untrusted), so with `PermitRootLogin
        // forced-commands-only` and a key without command= the child accepts root and may tell
        // the client so before the monitor, which refuses, kills the connection.
        // The monitor's own refusal ("ROOT LOGIN REFUSED") can come before the kill line lands in
        // this login's slice of the log.
        let monitor_refused =
            part.contains("unexpected authentication from") || part.contains("ROOT LOGIN REFUSED FROM");
        let (verdict, anomaly) = if authenticated && !monitor_refused {
            (Verdict::Accepted, None)
        } else if (said.contains("Authentications that can continue")
            || monitor_refused
            || part.contains("no authentication methods enabled"))
            && !client.timed_out
        {
            // "Permission denied", or the connection closed after the server accepted the key
            // (PAM's account check, PermitRootLogin forced-commands-only): refused either way.
            (Verdict::Refused, None)
        } else {
            let last = said.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("(no output)");
            (Verdict::Refused, Some(format!("ssh {} without a verdict: {last}", client.status_text())))
        };
        let reason = reason_line(&part, verdict);
        logins.push(LoginOutcome { verdict, client, log: part, reason, anomaly });
    }
    Ok(TreeRun { log, failure: None, logins })
}

/// Runs `sshd -t -f /etc/ssh/sshd_config` on the tree at `root`.
pub fn run_test(tree: &Tree, root: &Path, out: &Path) -> Result<Output, String> {
    run_script(tree, root, out, "test", "")?;
    let rc = fs::read_to_string(out.join("t.rc")).map_err(|e| format!("sshd -t: {e}"))?;
    let code: i32 = rc.trim().parse().map_err(|_| format!("sshd -t: bad exit status {rc:?}"))?;
    Ok(Output {
        status: Some(code),
        stdout: fs::read(out.join("t.out")).unwrap_or_default(),
        stderr: fs::read(out.join("t.err")).unwrap_or_default(),
        timed_out: code == 124,
    })
}

/// Lines of a connection's log that carry no reason (the connection's own bookkeeping).
const NOISE: [&str; 17] = [
    "Connection from ",
    "Connection closed by",
    "Disconnected from",
    "Received disconnect",
    "Postponed publickey",
    "Starting session",
    "User child is on pid",
    "Close session",
    "Server listening",
    "Transferred:",
    "Connection reset by",
    "Received signal",
    "Accepted publickey",
    "Accepted key",
    "Disconnecting authenticating user",
    "Read error from remote host",
    "Failed publickey",
];

/// Debug lines that explain a refusal when nothing at INFO level does.
const TELLING_DEBUG: [&str; 10] = [
    "bad key options",
    "entry expired",
    "principals on non-CA key",
    "cert-authority flag invalid",
    "invalid from criteria",
    "Could not open",
    "disabled because of invalid user",
    "key options inconsistent",
    "not allowed because",
    "matching key found",
];

/// The line of sshd's log for one login that says why it ended as it did: for an accepted
/// login the `Accepted key … found at FILE:LINE` line; for a refusal the first line logged at
/// INFO level or above that is not bookkeeping, else what became of each key file sshd tried
/// (`Could not open …: ERROR`, a telling debug line, or no match), else the first telling
/// debug line.
pub fn reason_line(log: &str, verdict: Verdict) -> String {
    let lines: Vec<&str> = log.lines().map(str::trim_end).filter(|l| !l.is_empty()).collect();
    let strip = |l: &str| l.trim_end_matches(" [preauth]").to_string();
    if verdict == Verdict::Accepted {
        return lines
            .iter()
            .find(|l| l.starts_with("Accepted key "))
            .map(|l| blur_fingerprint(l))
            .unwrap_or_else(|| "(sshd logged no `Accepted key` line)".into());
    }
    let is_debug = |l: &str| l.starts_with("debug");
    if let Some(line) = lines.iter().find(|l| !is_debug(l) && !NOISE.iter().any(|n| l.starts_with(n))) {
        return strip(line);
    }
    let mut files: Vec<(String, String)> = Vec::new();
    for line in &lines {
        if let Some(file) = line.strip_prefix("debug1: trying public key file ") {
            files.push((file.trim().to_string(), "no matching key".into()));
        } else if let Some((_, fate)) = files.last_mut() {
            if line.contains("Could not open") {
                *fate = line.rsplit("': ").next().unwrap_or(line).to_string();
            } else if is_debug(line) && TELLING_DEBUG.iter().any(|t| line.contains(t)) {
                *fate = strip(line.split_once(": ").map_or(line, |(_, rest)| rest));
            }
        }
    }
    if !files.is_empty() {
        let list: Vec<String> = files.iter().map(|(f, fate)| format!("{f}: {fate}")).collect();
        return format!("(no key accepted; {})", list.join("; "));
    }
    if let Some(line) = lines.iter().find(|l| is_debug(l) && TELLING_DEBUG.iter().any(|t| l.contains(t))) {
        return strip(line);
    }
    "(nothing logged: no key file was tried)".into()
}

fn blur_fingerprint(line: &str) -> String {
    line.split(' ').map(|w| if w.starts_with("SHA256:") { "SHA256:…" } else { w }).collect::<Vec<_>>().join(" ")
}
