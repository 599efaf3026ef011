//! Behaviour tests of sshlint's login model against the real sshd and ssh client (Debian 12's
//! OpenSSH 9.2p1): the tests that decide for issue 5.
//!
//! `logins_match_sshd`: for every tree (the fixed named cases below, each a sentence of what it
//! shows, and a seeded random set that combines the same dimensions: modes, owners and groups of
//! /home, the home, `~/.ssh` and the key files, file kinds and symlinks, key options, accounts,
//! shells and shadow entries, sshd_config knobs and Match blocks), the real sshd runs on a
//! loopback port inside private mount, network and PID namespaces with the tree mounted over
//! /etc/ssh, /etc/passwd, /etc/group, /etc/shadow and /home (`support/logins.rs`), and the real
//! client logs in once per (user, key) with `ssh -v -i KEY … user@127.0.0.1 true`. A login
//! counts as accepted exactly when the client says "Authenticated to" (authentication is what
//! is modelled: a `nologin` shell that ends the session still counts) and sshd's monitor did not
//! then kill the connection as an "unexpected authentication" (sshd 9.2 with `PermitRootLogin
//! forced-commands-only`, see `support/logins.rs`); refused when the client got as far as user
//! authentication ("Permission denied", or the connection closed after the server accepted the
//! key, as PAM's account check does); a client that times out or never reaches user
//! authentication is a harness failure. Each verdict is compared with
//! `sshlint::model::logins::pubkey_verdict` for the same tree, user, connection and `.pub` line.
//! Fixed cases also carry what sshd answered when they were written; a different answer fails
//! the test in every mode (a different sshd, or a broken harness).
//!
//! `host_keys_match_sshd`: trees whose host keys vary (mode, owner, group, content valid,
//! truncated, passphrase-protected, empty or not a key, `.pub` files, `HostKey` lines,
//! `RequiredRSASize`): `sshd -t` exiting non-zero is compared with `SshdHost::fatal()`, except
//! for trees that hold no host key file at all, which sshlint deliberately treats as a
//! configuration repository (counted and printed, not compared).
//!
//! Root's home is /home/root in every tree's passwd, so root's keys live in the tree like
//! everyone's. sshd's log is kept at LogLevel DEBUG1 (`-o LogLevel=DEBUG1` on its command line)
//! and shown with the client's `-v` output in every mismatch report.
//!
//! Environment:
//! - `SSHLINT_REQUIRE_ORACLES=1`: a missing oracle (sshd 9.2, ssh, unshare, ip, root,
//!   /run/sshd) fails the tests instead of skipping them;
//! - `SSHLINT_LOGIN_ORACLE_ONLY=1`: run sshd only, print a table of (case, user, key, verdict,
//!   sshd's reason) and a count of the reasons, skip sshlint; the checks of the oracle itself
//!   (both verdicts occur often enough, fixed cases get their recorded answer, every client
//!   ends with a verdict) still apply;
//! - `SSHLINT_DIFF_SEED`: generator seed (decimal or `0x` hex; default fixed);
//! - `SSHLINT_LOGIN_CASES`: number of random login trees (default 100, about 3.5 logins each);
//! - `SSHLINT_LOGIN_HOSTKEY_CASES`: number of random host-key trees (default 150);
//! - `SSHLINT_DIFF_FILTER=text`: only trees whose name contains `text` (`gen-00042`, `home-07`);
//! - `SSHLINT_DIFF_SHOW=N`: print the detail of N mismatches (default 30);
//! - `SSHLINT_DIFF_KEEP=1`: keep the temporary trees, scripts and logs for replaying by hand.

mod support;

use sshlint::discover::HostRoot;
use sshlint::model::logins::{Verdict as ModelVerdict, pubkey_verdict};
use sshlint::model::sshd::host::SshdHost;
use sshlint::model::sshd::matching::Connection;
use sshlint::model::sshd::version::Version;
use sshlint::source::SourceMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
use support::logins::{
    self, Account, ClientKeys, Group, KeyKind, Kind, Login, Node, SHADOW_GID, Tree, TreeRun, Verdict,
};
use support::sshd::{HostKeys, host_keys};
use support::{Mismatches, Output, Rng, TempDir, env_flag, env_usize, show_stream};

/// Fixed so CI is reproducible; override with `SSHLINT_DIFF_SEED`.
const DEFAULT_SEED: u64 = 0x5353_484C_4F47_494E;
const DEFAULT_LOGIN_TREES: usize = 100;
const DEFAULT_HOSTKEY_TREES: usize = 150;

const ED: KeyKind = KeyKind::Ed25519;
const EC: KeyKind = KeyKind::Ecdsa;
const RSA: KeyKind = KeyKind::Rsa2048;
const RSA1K: KeyKind = KeyKind::Rsa1024;
const A: Verdict = Verdict::Accepted;
const R: Verdict = Verdict::Refused;

const ALICE: u32 = 1001;
const BOB: u32 = 1002;
const CAROL: u32 = 1003;
const DAVE: u32 = 1004;
const STAFF: u32 = 50;
const USERS: u32 = 100;
/// A uid and gid no account or group has.
const NOBODY_KNOWN: u32 = 4242;

/// A password hash that is not locked (sshd never checks it for a key login).
const SHADOW_OK: &str = "$6$sweep$9kPq2.hypothetical.hash.not.a.real.one.0123456789abcdefABCDEF:19000:0:99999:7:::";

fn oracle_only() -> bool {
    env_flag("SSHLINT_LOGIN_ORACLE_ONLY")
}

fn selected(name: &str) -> bool {
    std::env::var("SSHLINT_DIFF_FILTER").map_or(true, |f| name.contains(&f))
}

fn filtering() -> bool {
    std::env::var_os("SSHLINT_DIFF_FILTER").is_some()
}

/// The key material trees are built from: the client's `.pub` lines and the private host keys
/// a tree may hold.
struct Material {
    pubs: BTreeMap<KeyKind, String>,
    /// Host keys by name (`ed25519`, `ecdsa`, `rsa` from `support::sshd`, `rsa1024`, `secret`
    /// from the client set): (private key file, its `.pub` line).
    host: BTreeMap<&'static str, (Vec<u8>, String)>,
}

const HOST_KEY_NAMES: [&str; 5] = ["ed25519", "ecdsa", "rsa", "rsa1024", "secret"];

impl Material {
    fn new(client: &ClientKeys, hosts: &HostKeys) -> Result<Material, String> {
        let pubs = KeyKind::ALL.iter().map(|&k| (k, client.pub_line(k).to_string())).collect();
        let mut host = BTreeMap::new();
        for kind in support::sshd::KEY_TYPES {
            let path = hosts.key(kind);
            let private = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let public_path = path.with_extension("pub");
            let public =
                std::fs::read_to_string(&public_path).map_err(|e| format!("{}: {e}", public_path.display()))?;
            let name = HOST_KEY_NAMES.iter().find(|n| **n == kind).copied().ok_or("unknown host key type")?;
            host.insert(name, (private, public.trim_end().to_string()));
        }
        host.insert("rsa1024", (client.private_bytes(KeyKind::Rsa1024), client.pub_line(KeyKind::Rsa1024).into()));
        host.insert(
            "secret",
            (client.private_bytes(KeyKind::Ed25519Secret), client.pub_line(KeyKind::Ed25519Secret).into()),
        );
        Ok(Material { pubs, host })
    }

    /// Stand-in keys for the tests that only build trees.
    fn fake() -> Material {
        let pubs = KeyKind::ALL.iter().map(|&k| (k, format!("ssh-fake AAAA{} sweep-{}", k.name(), k.name()))).collect();
        let host = HOST_KEY_NAMES
            .iter()
            .map(|&n| (n, (format!("PRIVATE {n}\n").into_bytes(), format!("ssh-fake AAAA{n}"))))
            .collect();
        Material { pubs, host }
    }

    fn key(&self, kind: KeyKind) -> &str {
        self.pubs.get(&kind).map_or("", String::as_str)
    }

    /// An authorized_keys line: options (may be empty), then the key.
    fn line(&self, options: &str, kind: KeyKind) -> String {
        if options.is_empty() { format!("{}\n", self.key(kind)) } else { format!("{options} {}\n", self.key(kind)) }
    }
}

fn account(name: &str, uid: u32, gid: u32, home: &str, shell: &str, shadow: Option<&str>) -> Account {
    Account { name: name.into(), uid, gid, home: home.into(), shell: shell.into(), shadow: shadow.map(str::to_string) }
}

fn group(name: &str, gid: u32, members: &[&str]) -> Group {
    Group { name: name.into(), gid, members: members.iter().map(|m| m.to_string()).collect() }
}

/// Paths of alice's layout, which most fixed cases change one thing of.
const HOME: &str = "home/alice";
const SSH_DIR: &str = "home/alice/.ssh";
const KEYS: &str = "home/alice/.ssh/authorized_keys";

/// The accounts and files every fixed case starts from: root (home /home/root), the privsep
/// user sshd, alice, bob and carol with private groups, homes 0755, `~/.ssh` 0700 and an
/// authorized_keys 0600 listing the ed25519 key, all their own; an ed25519 host key;
/// `UsePAM yes`, as Debian's sshd_config has it.
fn standard_tree(m: &Material, name: &str, about: &str) -> Tree {
    let mut t = Tree::new(name, about);
    t.accounts = vec![
        account("root", 0, 0, "/home/root", "/bin/sh", Some("*:19000:0:99999:7:::")),
        account("sshd", 102, 65534, "/run/sshd", "/usr/sbin/nologin", Some("*:19000:0:99999:7:::")),
        account("alice", ALICE, ALICE, "/home/alice", "/bin/sh", Some(SHADOW_OK)),
        account("bob", BOB, BOB, "/home/bob", "/bin/sh", Some(SHADOW_OK)),
        account("carol", CAROL, CAROL, "/home/carol", "/bin/bash", Some(SHADOW_OK)),
        account("nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin", Some("*:19000:0:99999:7:::")),
    ];
    t.groups = vec![
        group("root", 0, &[]),
        group("shadow", SHADOW_GID, &[]),
        group("staff", STAFF, &[]),
        group("users", USERS, &[]),
        group("alice", ALICE, &[]),
        group("bob", BOB, &[]),
        group("carol", CAROL, &[]),
        group("nogroup", 65534, &[]),
    ];
    t.config = format!("# sshlint login sweep: {name}\nUsePAM yes\n");
    put_host_key(&mut t, m, "etc/ssh/ssh_host_ed25519_key", "ed25519", 0o600, 0, 0);
    t.dir("home", 0o755, 0, 0);
    for (user, id) in [("root", 0), ("alice", ALICE), ("bob", BOB), ("carol", CAROL)] {
        let home = format!("home/{user}");
        let home_mode = if id == 0 { 0o700 } else { 0o755 };
        t.dir(&home, home_mode, id, id);
        t.dir(&format!("{home}/.ssh"), 0o700, id, id);
        t.file(&format!("{home}/.ssh/authorized_keys"), m.line("", ED), 0o600, id, id);
    }
    t
}

fn put_host_key(t: &mut Tree, m: &Material, path: &str, name: &str, mode: u32, uid: u32, gid: u32) {
    let (private, _) = &m.host[name];
    t.put(path, Node { kind: Kind::File(private.clone()), mode, uid, gid, note: Some(format!("{name} private key")) });
}

/// One login of a fixed case: user, key offered, what sshd answered when the case was written.
type Try = (&'static str, KeyKind, Verdict);

/// Collects fixed cases: each starts from [`standard_tree`], `edit` changes it, and `logins`
/// lists (user, key offered, what sshd answered when the case was written).
struct Cases<'m> {
    m: &'m Material,
    trees: Vec<Tree>,
}

impl Cases<'_> {
    fn add(&mut self, name: &str, about: &str, logins: &[Try], edit: impl FnOnce(&mut Tree, &Material)) {
        let mut t = standard_tree(self.m, name, about);
        edit(&mut t, self.m);
        for &(user, key, verdict) in logins {
            t.login(user, key, Some(verdict));
        }
        self.trees.push(t);
    }

    /// alice with a different layout, nothing else changed.
    fn alice(&mut self, name: &str, about: &str, verdict: Verdict, edit: impl FnOnce(&mut Tree, &Material)) {
        self.add(name, about, &[("alice", ED, verdict)], edit);
    }

    /// A config line added to the standard tree.
    fn config(&mut self, name: &str, about: &str, lines: &str, logins: &[Try]) {
        self.add(name, about, logins, |t, _| t.config.push_str(lines));
    }
}

fn fixed_login_cases(m: &Material) -> Vec<Tree> {
    let mut c = Cases { m, trees: Vec::new() };
    homes(&mut c);
    ssh_dirs(&mut c);
    key_files(&mut c);
    strict_modes(&mut c);
    key_file_config(&mut c);
    key_options(&mut c);
    key_types(&mut c);
    accounts(&mut c);
    access_lists(&mut c);
    c.trees
}

fn homes(c: &mut Cases) {
    c.alice(
        "standard",
        "The standard layout: home 0755, ~/.ssh 0700, authorized_keys 0600, all alice's.",
        A,
        |_, _| {},
    );
    c.alice("home-0750", "A home 0750 owned by alice is accepted.", A, |t, _| t.chmod(HOME, 0o750));
    c.alice("home-0700", "A home 0700 owned by alice is accepted.", A, |t, _| t.chmod(HOME, 0o700));
    c.alice("home-0711", "A home 0711 owned by alice is accepted.", A, |t, _| t.chmod(HOME, 0o711));
    c.alice(
        "home-0775-private-group",
        "A group-writable home whose group is alice's private group (no other primary or listed member) is accepted: Debian's user-group-modes patch.",
        A,
        |t, _| t.chmod(HOME, 0o775),
    );
    c.alice("home-0770-private-group", "A home 0770 in alice's private group is accepted too.", A, |t, _| {
        t.chmod(HOME, 0o770)
    });
    c.alice("home-2775-private-group", "The setgid bit changes nothing: 2775 in alice's private group.", A, |t, _| {
        t.chmod(HOME, 0o2775)
    });
    c.add(
        "home-0775-group-also-bobs-primary",
        "A group-writable home whose group is also bob's primary group (bob's passwd gid 1001) is refused.",
        &[("alice", ED, R), ("bob", ED, A)],
        |t, _| {
            t.chmod(HOME, 0o775);
            t.user("bob").gid = ALICE;
        },
    );
    c.alice(
        "home-0775-group-lists-bob",
        "A group-writable home whose group lists bob as a member is refused.",
        R,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.members("alice", &["bob"]);
        },
    );
    c.alice(
        "home-0775-group-lists-alice",
        "A group-writable home whose group lists alice herself (and is her primary group) is accepted.",
        A,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.members("alice", &["alice"]);
        },
    );
    c.alice(
        "home-0775-group-lists-alice-and-bob",
        "A group-writable home whose group lists alice and bob is refused.",
        R,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.members("alice", &["alice", "bob"]);
        },
    );
    c.alice(
        "home-0775-group-users-shared",
        "A group-writable home in group users, which lists alice and bob, is refused.",
        R,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.chown(HOME, ALICE, USERS);
            t.members("users", &["alice", "bob"]);
        },
    );
    c.alice(
        "home-0775-group-no-members",
        "A group-writable home in group staff, which has no member at all, is refused (zero members).",
        R,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.chown(HOME, ALICE, STAFF);
        },
    );
    c.alice(
        "home-0775-group-lists-only-alice",
        "A group-writable home in group staff, which nobody has as primary group and which lists only alice, is accepted.",
        A,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.chown(HOME, ALICE, STAFF);
            t.members("staff", &["alice"]);
        },
    );
    c.alice(
        "home-0775-alice-primary-users",
        "alice's primary group is users, which nobody else has as primary and which lists nobody: a home 0775 in users is accepted.",
        A,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.chown(HOME, ALICE, USERS);
            t.user("alice").gid = USERS;
        },
    );
    c.alice(
        "home-0775-group-unknown-gid",
        "A group-writable home whose gid is in no group line is refused.",
        R,
        |t, _| {
            t.chmod(HOME, 0o775);
            t.chown(HOME, ALICE, NOBODY_KNOWN);
        },
    );
    c.alice("home-0777", "A world-writable home is refused.", R, |t, _| t.chmod(HOME, 0o777));
    c.alice("home-1777", "A world-writable home is refused even with the sticky bit.", R, |t, _| t.chmod(HOME, 0o1777));
    c.alice("home-0757", "A home writable by others but not the group is refused.", R, |t, _| t.chmod(HOME, 0o757));
    c.alice("home-owner-bob", "A home owned by another user (bob), mode 0755, is refused.", R, |t, _| {
        t.chown(HOME, BOB, BOB)
    });
    c.alice("home-owner-unknown-uid", "A home owned by a uid no account has is refused.", R, |t, _| {
        t.chown(HOME, NOBODY_KNOWN, ALICE)
    });
    c.alice("home-owner-root-0755", "A home owned by root, mode 0755, is accepted.", A, |t, _| t.chown(HOME, 0, 0));
    c.alice(
        "home-owner-root-0775-group-alice",
        "A root-owned home 0775 in alice's private group is accepted: the group's only primary member is alice.",
        A,
        |t, _| {
            t.chown(HOME, 0, ALICE);
            t.chmod(HOME, 0o775);
        },
    );
    c.alice(
        "home-owner-root-0775-group-lists-alice",
        "A root-owned home 0775 in alice's private group that lists alice is refused: a listed member must be the file's owner (root).",
        R,
        |t, _| {
            t.chown(HOME, 0, ALICE);
            t.chmod(HOME, 0o775);
            t.members("alice", &["alice"]);
        },
    );
    c.alice(
        "home-owner-root-0700",
        "A root-owned home 0700 is refused: sshd opens the key file as alice, who cannot enter it.",
        R,
        |t, _| {
            t.chown(HOME, 0, 0);
            t.chmod(HOME, 0o700);
        },
    );
    c.alice(
        "home-owner-root-0750-group-alice",
        "A root-owned home 0750 in alice's group is accepted: she enters it through the group.",
        A,
        |t, _| {
            t.chown(HOME, 0, ALICE);
            t.chmod(HOME, 0o750);
        },
    );
    c.alice("home-0000-own", "A home of alice's with mode 0000 is refused: she cannot enter it.", R, |t, _| {
        t.chmod(HOME, 0o000)
    });
    c.alice("home-missing", "A home that does not exist is refused.", R, |t, _| t.remove(HOME));
    c.alice(
        "home-symlink",
        "A home that is a symlink to /home/real/alice is accepted: the walk compares real paths.",
        A,
        |t, _| {
            let node = t.nodes.get(HOME).cloned();
            let moved: Vec<(String, Node)> = t
                .nodes
                .iter()
                .filter(|(p, _)| p.starts_with("home/alice/"))
                .map(|(p, n)| (p.replacen("home/alice/", "home/real/alice/", 1), n.clone()))
                .collect();
            t.remove(HOME);
            if let Some(node) = node {
                t.put("home/real/alice", node);
            }
            for (p, n) in moved {
                t.put(&p, n);
            }
            t.symlink(HOME, "/home/real/alice");
        },
    );
    c.alice(
        "home-symlink-target-0777",
        "A home symlinked to /home/real/alice, which is 0777, is refused: the real home is checked.",
        R,
        |t, _| {
            let moved: Vec<(String, Node)> = t
                .nodes
                .iter()
                .filter(|(p, _)| p.starts_with("home/alice"))
                .map(|(p, n)| (p.replacen("home/alice", "home/real/alice", 1), n.clone()))
                .collect();
            t.remove(HOME);
            for (p, n) in moved {
                t.put(&p, n);
            }
            t.chmod("home/real/alice", 0o777);
            t.symlink(HOME, "/home/real/alice");
        },
    );
    c.alice(
        "home-under-writable-parent",
        "A home at /home/users/alice under a world-writable /home/users is accepted: the walk stops at the home.",
        A,
        |t, _| {
            let moved: Vec<(String, Node)> = t
                .nodes
                .iter()
                .filter(|(p, _)| p.starts_with("home/alice"))
                .map(|(p, n)| (p.replacen("home/alice", "home/users/alice", 1), n.clone()))
                .collect();
            t.remove(HOME);
            t.dir("home/users", 0o777, 0, 0);
            for (p, n) in moved {
                t.put(&p, n);
            }
            t.user("alice").home = "/home/users/alice".into();
        },
    );
    c.alice(
        "home-passwd-trailing-slash",
        "A passwd home written /home/alice/ (trailing slash) is accepted.",
        A,
        |t, _| {
            t.user("alice").home = "/home/alice/".into();
        },
    );
    c.alice("home-parent-0775", "/home itself root-owned 0775 is accepted: the walk stops at the home.", A, |t, _| {
        t.chmod("home", 0o775)
    });
    c.alice("home-parent-0777", "/home itself world-writable is accepted: the walk stops at the home.", A, |t, _| {
        t.chmod("home", 0o777)
    });
    c.alice("home-parent-1777", "/home itself 1777 is accepted.", A, |t, _| t.chmod("home", 0o1777));
    c.alice("home-parent-owner-bob", "/home itself owned by bob is accepted.", A, |t, _| {
        set_dir(t, "home", 0o755, BOB, BOB)
    });
}

/// `t.dir` would drop everything below the path; these keep the subtree.
fn set_dir(t: &mut Tree, path: &str, mode: u32, uid: u32, gid: u32) {
    t.chmod(path, mode);
    t.chown(path, uid, gid);
}

fn ssh_dirs(c: &mut Cases) {
    c.alice("ssh-0755", "A ~/.ssh 0755 is accepted.", A, |t, _| t.chmod(SSH_DIR, 0o755));
    c.alice("ssh-0775-private-group", "A ~/.ssh 0775 in alice's private group is accepted.", A, |t, _| {
        t.chmod(SSH_DIR, 0o775)
    });
    c.alice("ssh-0775-group-users", "A ~/.ssh 0775 in group users (alice and bob listed) is refused.", R, |t, _| {
        set_dir(t, SSH_DIR, 0o775, ALICE, USERS);
        t.members("users", &["alice", "bob"]);
    });
    c.alice("ssh-0777", "A world-writable ~/.ssh is refused.", R, |t, _| t.chmod(SSH_DIR, 0o777));
    c.alice("ssh-1777", "A ~/.ssh 1777 is refused.", R, |t, _| t.chmod(SSH_DIR, 0o1777));
    c.alice("ssh-owner-bob", "A ~/.ssh owned by bob (0755) is refused.", R, |t, _| {
        set_dir(t, SSH_DIR, 0o755, BOB, BOB)
    });
    c.alice("ssh-owner-root-0755", "A ~/.ssh owned by root, 0755, is accepted.", A, |t, _| {
        set_dir(t, SSH_DIR, 0o755, 0, 0)
    });
    c.alice("ssh-owner-root-0700", "A ~/.ssh owned by root, 0700, is refused: alice cannot enter it.", R, |t, _| {
        set_dir(t, SSH_DIR, 0o700, 0, 0)
    });
    c.alice("ssh-0000-own", "alice's own ~/.ssh with mode 0000 is refused: she cannot enter it.", R, |t, _| {
        t.chmod(SSH_DIR, 0o000)
    });
    c.alice("ssh-missing", "No ~/.ssh at all is refused.", R, |t, _| t.remove(SSH_DIR));
    let outside = |t: &mut Tree, keys_mode: u32| {
        t.remove(SSH_DIR);
        t.dir("home/keys", keys_mode, 0, 0);
        t.dir("home/keys/alice", 0o700, ALICE, ALICE);
        let line = t.nodes.get("home/bob/.ssh/authorized_keys").cloned();
        if let Some(mut node) = line {
            node.uid = ALICE;
            node.gid = ALICE;
            t.put("home/keys/alice/authorized_keys", node);
        }
        t.symlink(SSH_DIR, "/home/keys/alice");
    };
    c.alice(
        "ssh-symlink-outside-home",
        "~/.ssh a symlink to /home/keys/alice (root 0755 above it) is accepted: the walk goes from the real path up to /.",
        A,
        |t, _| outside(t, 0o755),
    );
    c.alice(
        "ssh-symlink-outside-home-parent-0775",
        "~/.ssh a symlink to /home/keys/alice where /home/keys is root-owned 0775 is refused: the walk does not stop at the home.",
        R,
        |t, _| outside(t, 0o775),
    );
    c.alice(
        "ssh-symlink-outside-home-parent-1777",
        "~/.ssh a symlink to /home/keys/alice where /home/keys is 1777 is refused.",
        R,
        |t, _| outside(t, 0o1777),
    );
    c.alice(
        "ssh-symlink-outside-home-slash-home-0777",
        "~/.ssh a symlink to /home/keys/alice with /home 0777 is refused: the walk reaches /home.",
        R,
        |t, _| {
            outside(t, 0o755);
            t.chmod("home", 0o777);
        },
    );
    c.alice(
        "ssh-symlink-outside-home-strictmodes-no",
        "~/.ssh a symlink into a 1777 directory with StrictModes no is accepted.",
        A,
        |t, _| {
            outside(t, 0o1777);
            t.config.push_str("StrictModes no\n");
        },
    );
    c.alice(
        "ssh-symlink-inside-home",
        "~/.ssh a relative symlink to dotfiles/ssh inside the home is accepted.",
        A,
        |t, _| {
            let ak = t.nodes.get(KEYS).cloned();
            t.remove(SSH_DIR);
            t.dir("home/alice/dotfiles", 0o755, ALICE, ALICE);
            t.dir("home/alice/dotfiles/ssh", 0o700, ALICE, ALICE);
            if let Some(node) = ak {
                t.put("home/alice/dotfiles/ssh/authorized_keys", node);
            }
            t.symlink(SSH_DIR, "dotfiles/ssh");
        },
    );
    c.alice("ssh-symlink-dangling", "~/.ssh a symlink to nothing is refused.", R, |t, _| {
        t.remove(SSH_DIR);
        t.symlink(SSH_DIR, "/home/keys/nowhere");
    });
}

fn key_files(c: &mut Cases) {
    c.alice("ak-0644", "authorized_keys 0644 is accepted.", A, |t, _| t.chmod(KEYS, 0o644));
    c.alice("ak-0640", "authorized_keys 0640 is accepted.", A, |t, _| t.chmod(KEYS, 0o640));
    c.alice("ak-0400", "authorized_keys 0400 is accepted.", A, |t, _| t.chmod(KEYS, 0o400));
    c.alice("ak-0664-private-group", "authorized_keys 0664 in alice's private group is accepted.", A, |t, _| {
        t.chmod(KEYS, 0o664)
    });
    c.alice(
        "ak-0664-group-users",
        "authorized_keys 0664 in group users (alice and bob listed) is refused.",
        R,
        |t, _| {
            t.chmod(KEYS, 0o664);
            t.chown(KEYS, ALICE, USERS);
            t.members("users", &["alice", "bob"]);
        },
    );
    c.alice("ak-0666", "authorized_keys 0666 is refused.", R, |t, _| t.chmod(KEYS, 0o666));
    c.alice("ak-0646", "authorized_keys writable by others only (0646) is refused.", R, |t, _| t.chmod(KEYS, 0o646));
    c.alice("ak-0000-own", "alice's own authorized_keys with mode 0000 is refused: she cannot read it.", R, |t, _| {
        t.chmod(KEYS, 0o000)
    });
    c.alice("ak-owner-root-0644", "authorized_keys owned by root, 0644, is accepted.", A, |t, _| {
        t.chown(KEYS, 0, 0);
        t.chmod(KEYS, 0o644);
    });
    c.alice(
        "ak-owner-root-0600",
        "authorized_keys owned by root, 0600, is refused: sshd opens it as alice, who cannot read it.",
        R,
        |t, _| t.chown(KEYS, 0, 0),
    );
    c.alice(
        "ak-owner-root-0640-group-alice",
        "authorized_keys owned by root, 0640, group alice is accepted: alice reads it through the group.",
        A,
        |t, _| {
            t.chown(KEYS, 0, ALICE);
            t.chmod(KEYS, 0o640);
        },
    );
    c.alice(
        "ak-owner-root-0664-group-alice",
        "authorized_keys owned by root, 0664, in alice's private group is accepted.",
        A,
        |t, _| {
            t.chown(KEYS, 0, ALICE);
            t.chmod(KEYS, 0o664);
        },
    );
    c.alice(
        "ak-owner-root-0664-group-lists-alice",
        "authorized_keys owned by root, 0664, in alice's private group that lists alice is refused (the listed member is not the owner).",
        R,
        |t, _| {
            t.chown(KEYS, 0, ALICE);
            t.chmod(KEYS, 0o664);
            t.members("alice", &["alice"]);
        },
    );
    c.alice("ak-owner-bob-0644", "authorized_keys owned by bob, 0644, is refused.", R, |t, _| {
        t.chown(KEYS, BOB, BOB);
        t.chmod(KEYS, 0o644);
    });
    c.alice("ak-directory", "authorized_keys a directory is refused.", R, |t, _| t.dir(KEYS, 0o755, ALICE, ALICE));
    c.alice("ak-fifo", "authorized_keys a FIFO is refused (and sshd does not hang on it).", R, |t, _| {
        t.fifo(KEYS, 0o644, ALICE, ALICE)
    });
    c.alice("ak-dangling-symlink", "authorized_keys a symlink to nothing is refused.", R, |t, _| {
        t.remove(KEYS);
        t.symlink(KEYS, "/home/alice/.ssh/nowhere");
    });
    c.alice(
        "ak-symlink-in-home",
        "authorized_keys a relative symlink to ../keys/ak inside the home is accepted.",
        A,
        |t, _| {
            let node = t.nodes.get(KEYS).cloned();
            t.remove(KEYS);
            t.dir("home/alice/keys", 0o700, ALICE, ALICE);
            if let Some(node) = node {
                t.put("home/alice/keys/ak", node);
            }
            t.symlink(KEYS, "../keys/ak");
        },
    );
    let elsewhere = |t: &mut Tree, dir: &str, dir_mode: u32| {
        let mut node = t.nodes.get(KEYS).cloned().expect("the standard tree has alice's keys");
        node.uid = 0;
        node.gid = 0;
        node.mode = 0o644;
        t.remove(KEYS);
        t.dir(dir, dir_mode, 0, 0);
        t.put(&format!("{dir}/alice.keys"), node);
        t.symlink(KEYS, &format!("/{dir}/alice.keys"));
    };
    c.alice(
        "ak-symlink-outside-home",
        "authorized_keys a symlink to /home/shared/alice.keys (root 0644 in a root 0755 directory) is accepted.",
        A,
        |t, _| elsewhere(t, "home/shared", 0o755),
    );
    c.alice(
        "ak-symlink-outside-home-sticky-dir",
        "authorized_keys a symlink to a file in a 1777 directory outside the home is refused.",
        R,
        |t, _| elsewhere(t, "home/shared", 0o1777),
    );
    c.alice(
        "ak-symlink-into-etc-ssh",
        "authorized_keys a symlink to /etc/ssh/keys/alice.keys (root 0644) is accepted.",
        A,
        |t, _| elsewhere(t, "etc/ssh/keys", 0o755),
    );
    c.alice("ak-empty", "An empty authorized_keys is refused.", R, |t, _| t.file(KEYS, "", 0o600, ALICE, ALICE));
    c.alice("ak-missing", "No authorized_keys is refused.", R, |t, _| t.remove(KEYS));
}

fn strict_modes(c: &mut Cases) {
    let no = |t: &mut Tree| t.config.push_str("StrictModes no\n");
    c.alice("strictmodes-no-home-0777", "StrictModes no: a world-writable home is accepted.", A, |t, _| {
        no(t);
        t.chmod(HOME, 0o777);
    });
    c.alice(
        "strictmodes-no-ak-bob-0666",
        "StrictModes no: authorized_keys owned by bob, 0666, is accepted.",
        A,
        |t, _| {
            no(t);
            t.chown(KEYS, BOB, BOB);
            t.chmod(KEYS, 0o666);
        },
    );
    c.alice(
        "strictmodes-no-ak-root-0600",
        "StrictModes no: authorized_keys owned by root, 0600, is still refused (unreadable by alice).",
        R,
        |t, _| {
            no(t);
            t.chown(KEYS, 0, 0);
        },
    );
    c.alice("strictmodes-no-ak-fifo", "StrictModes no: authorized_keys a FIFO is still refused.", R, |t, _| {
        no(t);
        t.fifo(KEYS, 0o644, ALICE, ALICE);
    });
    c.alice(
        "strictmodes-no-ak-directory",
        "StrictModes no: authorized_keys a directory is still refused.",
        R,
        |t, _| {
            no(t);
            t.dir(KEYS, 0o755, ALICE, ALICE);
        },
    );
    c.alice(
        "strictmodes-no-home-owner-bob-0700",
        "StrictModes no: a home owned by bob, 0700, is refused (alice cannot enter it).",
        R,
        |t, _| {
            no(t);
            set_dir(t, HOME, 0o700, BOB, BOB);
        },
    );
}

fn key_file_config(c: &mut Cases) {
    c.alice(
        "akf-default-keys2-only",
        "Without AuthorizedKeysFile, a key only in ~/.ssh/authorized_keys2 is accepted (the default lists both files).",
        A,
        |t, _| {
            let node = t.nodes.get(KEYS).cloned();
            t.remove(KEYS);
            if let Some(node) = node {
                t.put("home/alice/.ssh/authorized_keys2", node);
            }
        },
    );
    c.alice(
        "akf-keys2-relative",
        "`AuthorizedKeysFile .ssh/authorized_keys2` (relative to the home) with the key there is accepted.",
        A,
        |t, _| {
            t.config.push_str("AuthorizedKeysFile .ssh/authorized_keys2\n");
            let node = t.nodes.get(KEYS).cloned();
            t.remove(KEYS);
            if let Some(node) = node {
                t.put("home/alice/.ssh/authorized_keys2", node);
            }
        },
    );
    c.config(
        "akf-keys2-relative-key-elsewhere",
        "`AuthorizedKeysFile .ssh/authorized_keys2` with the key only in authorized_keys is refused.",
        "AuthorizedKeysFile .ssh/authorized_keys2\n",
        &[("alice", ED, R)],
    );
    c.config(
        "akf-two-files-key-in-second",
        "`AuthorizedKeysFile %h/.ssh/keys %h/.ssh/authorized_keys`: the first missing, the key in the second is accepted.",
        "AuthorizedKeysFile %h/.ssh/keys %h/.ssh/authorized_keys\n",
        &[("alice", ED, A)],
    );
    c.alice(
        "akf-two-files-first-refused",
        "Two files, the first world-writable (without the key), the key in the second: accepted, each file is judged alone.",
        A,
        |t, _| {
            t.config.push_str("AuthorizedKeysFile %h/.ssh/keys %h/.ssh/authorized_keys\n");
            t.file("home/alice/.ssh/keys", "# nothing here\n", 0o666, ALICE, ALICE);
        },
    );
    c.alice(
        "akf-two-files-key-in-refused-first",
        "Two files, the key only in the first, which is world-writable: refused.",
        R,
        |t, _| {
            t.config.push_str("AuthorizedKeysFile %h/.ssh/keys %h/.ssh/authorized_keys\n");
            let mut node = t.nodes.get(KEYS).cloned().expect("alice's keys");
            node.mode = 0o666;
            t.remove(KEYS);
            t.put("home/alice/.ssh/keys", node);
        },
    );
    let etc_keys = |t: &mut Tree, dir_mode: u32, mode: u32, uid: u32| {
        t.config.push_str("AuthorizedKeysFile /etc/ssh/authorized_keys/%u\n");
        let node = t.nodes.get(KEYS).cloned().expect("alice's keys");
        t.remove(KEYS);
        t.dir("etc/ssh/authorized_keys", dir_mode, 0, 0);
        t.put("etc/ssh/authorized_keys/alice", Node { mode, uid, gid: uid, ..node });
    };
    c.alice(
        "akf-etc-ssh-user",
        "`AuthorizedKeysFile /etc/ssh/authorized_keys/%u`, root-owned 0644 file in a root 0755 directory: accepted.",
        A,
        |t, _| etc_keys(t, 0o755, 0o644, 0),
    );
    c.alice(
        "akf-etc-ssh-user-own-0600",
        "/etc/ssh/authorized_keys/alice owned by alice, 0600: accepted.",
        A,
        |t, _| etc_keys(t, 0o755, 0o600, ALICE),
    );
    c.alice(
        "akf-etc-ssh-user-root-0600",
        "/etc/ssh/authorized_keys/alice owned by root, 0600: refused (sshd reads it as alice).",
        R,
        |t, _| etc_keys(t, 0o755, 0o600, 0),
    );
    c.alice(
        "akf-etc-ssh-user-dir-0777",
        "/etc/ssh/authorized_keys world-writable: refused (the walk goes up to /, there is no home on the way).",
        R,
        |t, _| etc_keys(t, 0o777, 0o644, 0),
    );
    c.alice(
        "akf-etc-ssh-user-home-missing",
        "`AuthorizedKeysFile /etc/ssh/authorized_keys/%u` and no home at all: accepted (a missing home only fails the session).",
        A,
        |t, _| {
            etc_keys(t, 0o755, 0o644, 0);
            t.remove(HOME);
        },
    );
    c.alice("akf-uid", "`AuthorizedKeysFile /etc/ssh/keys/%U` expands to the uid: /etc/ssh/keys/1001.", A, |t, _| {
        t.config.push_str("AuthorizedKeysFile /etc/ssh/keys/%U\n");
        let node = t.nodes.get(KEYS).cloned().expect("alice's keys");
        t.remove(KEYS);
        t.dir("etc/ssh/keys", 0o755, 0, 0);
        t.put("etc/ssh/keys/1001", Node { uid: 0, gid: 0, mode: 0o644, ..node });
    });
    c.config("akf-none", "`AuthorizedKeysFile none`: refused.", "AuthorizedKeysFile none\n", &[("alice", ED, R)]);
    c.add(
        "akf-match-user-other-file",
        "`Match User alice` sets `AuthorizedKeysFile .ssh/other_keys`: alice's key there is accepted; bob keeps the default.",
        &[("alice", ED, A), ("bob", ED, A)],
        |t, _| {
            t.config.push_str("Match User alice\n    AuthorizedKeysFile .ssh/other_keys\n");
            let node = t.nodes.get(KEYS).cloned();
            t.remove(KEYS);
            if let Some(node) = node {
                t.put("home/alice/.ssh/other_keys", node);
            }
        },
    );
    c.config(
        "akf-match-user-other-file-key-in-default",
        "`Match User alice` sets `AuthorizedKeysFile .ssh/other_keys`: alice's key in authorized_keys is refused.",
        "Match User alice\n    AuthorizedKeysFile .ssh/other_keys\n",
        &[("alice", ED, R), ("bob", ED, A)],
    );
    c.config(
        "akf-match-user-none",
        "`Match User alice` sets `AuthorizedKeysFile none`: alice refused, bob accepted.",
        "Match User alice\n    AuthorizedKeysFile none\n",
        &[("alice", ED, R), ("bob", ED, A)],
    );
    c.config(
        "pubkey-no-in-match-user",
        "`Match User alice` sets `PubkeyAuthentication no`: alice refused, bob accepted.",
        "Match User alice\n    PubkeyAuthentication no\n",
        &[("alice", ED, R), ("bob", ED, A)],
    );
    c.config(
        "pubkey-no-global",
        "`PubkeyAuthentication no`: refused.",
        "PubkeyAuthentication no\n",
        &[("alice", ED, R)],
    );
    c.add(
        "akf-tilde-is-roots-home",
        "`AuthorizedKeysFile ~/.ssh/authorized_keys`: sshd expands ~ when it reads the config, to root's home, so alice's key in /home/root/.ssh/authorized_keys (root 0644) lets her in and her own file does not count.",
        &[("alice", ED, A), ("bob", EC, R)],
        |t, m| {
            t.config.push_str("AuthorizedKeysFile ~/.ssh/authorized_keys\n");
            t.remove(KEYS);
            t.chmod("home/root", 0o755);
            t.chmod("home/root/.ssh", 0o755);
            t.file("home/root/.ssh/authorized_keys", m.line("", ED), 0o644, 0, 0);
            t.file("home/bob/.ssh/authorized_keys", m.line("", EC), 0o600, BOB, BOB);
        },
    );
    c.add(
        "akf-tilde-user",
        "`AuthorizedKeysFile ~bob/.ssh/authorized_keys`: bob's file is every user's; alice is refused (the file is bob's), bob accepted.",
        &[("alice", ED, R), ("bob", ED, A)],
        |t, _| t.config.push_str("AuthorizedKeysFile ~bob/.ssh/authorized_keys\n"),
    );
    c.alice(
        "akf-dropin-first-wins",
        "A drop-in included first sets `AuthorizedKeysFile .ssh/dropin_keys`; the main file's later line is ignored, so the key in authorized_keys is refused.",
        R,
        |t, _| {
            t.config = "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\nAuthorizedKeysFile .ssh/authorized_keys\n".into();
            t.file("etc/ssh/sshd_config.d/10-keys.conf", "AuthorizedKeysFile .ssh/dropin_keys\n", 0o644, 0, 0);
        },
    );
}

/// alice's authorized_keys replaced by `text`, where `KEY` stands for the ed25519 key.
fn keys_text(t: &mut Tree, m: &Material, text: &str) {
    let text = text.replace("KEY", m.key(ED));
    t.file(KEYS, text, 0o600, ALICE, ALICE);
}

fn key_options(c: &mut Cases) {
    let cases: [(&str, &str, &str, Verdict); 27] = [
        ("opt-from-127", "`from=\"127.0.0.1\"` matches the client: accepted.", "from=\"127.0.0.1\" KEY\n", A),
        ("opt-from-other-net", "`from=\"192.0.2.0/24\"` does not match: refused.", "from=\"192.0.2.0/24\" KEY\n", R),
        ("opt-from-cidr", "`from=\"127.0.0.0/8\"` matches: accepted.", "from=\"127.0.0.0/8\" KEY\n", A),
        ("opt-from-wildcard", "`from=\"127.0.0.*\"` matches: accepted.", "from=\"127.0.0.*\" KEY\n", A),
        ("opt-from-negated", "`from=\"!127.0.0.1,*\"` excludes the client: refused.", "from=\"!127.0.0.1,*\" KEY\n", R),
        (
            "opt-from-hostname",
            "`from=\"localhost\"`: with UseDNS no the client's host is its address, so refused.",
            "from=\"localhost\" KEY\n",
            R,
        ),
        ("opt-expiry-past", "`expiry-time=\"20000101\"` is past: refused.", "expiry-time=\"20000101\" KEY\n", R),
        ("opt-expiry-future", "`expiry-time=\"29991231\"` is ahead: accepted.", "expiry-time=\"29991231\" KEY\n", A),
        ("opt-restrict-command", "`restrict,command=\"true\"`: accepted.", "restrict,command=\"true\" KEY\n", A),
        ("opt-badopt", "An unknown option `badopt`: the line is skipped, refused.", "badopt KEY\n", R),
        (
            "opt-badopt-then-good-line",
            "A line with `badopt`, then the key again without options: accepted.",
            "badopt KEY\nKEY\n",
            A,
        ),
        (
            "opt-garbage-then-key",
            "A garbage line, then the key on the second line: accepted.",
            "this is not a key\nKEY\n",
            A,
        ),
        ("opt-cert-authority", "`cert-authority` on a plain key: refused.", "cert-authority KEY\n", R),
        ("opt-principals", "`principals=\"alice\"` on a plain key: refused.", "principals=\"alice\" KEY\n", R),
        (
            "opt-environment",
            "`environment=\"X=1\"` with PermitUserEnvironment no: accepted (the option is ignored).",
            "environment=\"X=1\" KEY\n",
            A,
        ),
        (
            "opt-many",
            "`no-pty,no-agent-forwarding,no-X11-forwarding,no-port-forwarding,no-user-rc`: accepted.",
            "no-pty,no-agent-forwarding,no-X11-forwarding,no-port-forwarding,no-user-rc KEY\n",
            A,
        ),
        ("opt-quoted-comma", "`command=\"echo a,b\",no-pty`: accepted.", "command=\"echo a,b\",no-pty KEY\n", A),
        ("opt-unterminated-quote", "`command=\"true KEY` (no closing quote): refused.", "command=\"true KEY\n", R),
        ("opt-space-after-comma", "`no-pty, no-user-rc KEY`: refused.", "no-pty, no-user-rc KEY\n", R),
        ("line-crlf", "The key line ends in CRLF: accepted.", "KEY\r\n", A),
        ("line-tabs-and-spaces", "Leading spaces and a tab between fields: accepted.", "   KEY\n", A),
        ("line-no-newline", "The key line has no newline at the end of the file: accepted.", "KEY", A),
        ("line-comment-then-key", "A comment and a blank line, then the key: accepted.", "# keys\n\nKEY\n", A),
        ("line-commented-key", "The key commented out with #: refused.", "#KEY\n", R),
        ("line-type-mismatch", "The ed25519 blob under the type name ssh-rsa: refused.", "@MISMATCH\n", R),
        ("line-truncated-blob", "The base64 blob cut short: refused.", "@TRUNCATED\n", R),
        ("line-nul-before-key", "A line with a NUL byte, then the key: accepted.", "x\0y\nKEY\n", A),
    ];
    for (name, about, text, verdict) in cases {
        c.alice(name, about, verdict, |t, m| {
            let key = m.key(ED);
            let text = match text {
                "@MISMATCH\n" => format!("ssh-rsa {}\n", key.split(' ').nth(1).unwrap_or("")),
                "@TRUNCATED\n" => {
                    let blob = key.split(' ').nth(1).unwrap_or("");
                    format!("ssh-ed25519 {}\n", &blob[..blob.len() / 2])
                }
                "   KEY\n" => format!("   {}\n", key.replacen(' ', "\t", 1)),
                _ => text.to_string(),
            };
            keys_text(t, m, &text);
        });
    }
    c.add(
        "key-not-listed",
        "alice offers her ecdsa key; only her ed25519 key is listed: refused.",
        &[("alice", EC, R)],
        |_, _| {},
    );
}

fn key_types(c: &mut Cases) {
    let with = |t: &mut Tree, m: &Material, kind: KeyKind, config: &str| {
        t.file(KEYS, m.line("", kind), 0o600, ALICE, ALICE);
        t.config.push_str(config);
    };
    let cases: [(&str, &str, KeyKind, &str, Verdict); 12] = [
        ("key-ecdsa", "An ecdsa key: accepted.", EC, "", A),
        ("key-rsa2048", "An RSA 2048 key: accepted.", RSA, "", A),
        ("key-rsa1024-default", "An RSA 1024 key with the default RequiredRSASize 1024: accepted.", RSA1K, "", A),
        (
            "key-rsa1024-required-2048",
            "An RSA 1024 key with `RequiredRSASize 2048`: refused.",
            RSA1K,
            "RequiredRSASize 2048\n",
            R,
        ),
        (
            "key-rsa2048-required-2048",
            "An RSA 2048 key with `RequiredRSASize 2048`: accepted.",
            RSA,
            "RequiredRSASize 2048\n",
            A,
        ),
        (
            "key-rsa2048-required-3072",
            "An RSA 2048 key with `RequiredRSASize 3072`: refused.",
            RSA,
            "RequiredRSASize 3072\n",
            R,
        ),
        (
            "algs-minus-ed25519",
            "`PubkeyAcceptedAlgorithms -ssh-ed25519` with an ed25519 key: refused.",
            ED,
            "PubkeyAcceptedAlgorithms -ssh-ed25519\n",
            R,
        ),
        (
            "algs-minus-ed25519-ecdsa-key",
            "`PubkeyAcceptedAlgorithms -ssh-ed25519` with an ecdsa key: accepted.",
            EC,
            "PubkeyAcceptedAlgorithms -ssh-ed25519\n",
            A,
        ),
        (
            "algs-ssh-rsa-only",
            "`PubkeyAcceptedAlgorithms ssh-rsa` with an RSA key: refused (the client signs with rsa-sha2-*).",
            RSA,
            "PubkeyAcceptedAlgorithms ssh-rsa\n",
            R,
        ),
        (
            "algs-rsa-sha2-256-only",
            "`PubkeyAcceptedAlgorithms rsa-sha2-256` with an RSA key: refused, the 9.2 client signs with rsa-sha2-512 because sshd 9.2's server-sig-algs lists every algorithm it knows, not the configured ones.",
            RSA,
            "PubkeyAcceptedAlgorithms rsa-sha2-256\n",
            R,
        ),
        (
            "algs-rsa-sha2-512-only",
            "`PubkeyAcceptedAlgorithms rsa-sha2-512` with an RSA key: accepted.",
            RSA,
            "PubkeyAcceptedAlgorithms rsa-sha2-512\n",
            A,
        ),
        (
            "algs-ecdsa-wildcard",
            "`PubkeyAcceptedAlgorithms ecdsa-sha2-*` with an ecdsa key: accepted.",
            EC,
            "PubkeyAcceptedAlgorithms ecdsa-sha2-*\n",
            A,
        ),
    ];
    for (name, about, kind, config, verdict) in cases {
        c.add(name, about, &[("alice", kind, verdict)], |t, m| with(t, m, kind, config));
    }
}

fn accounts(c: &mut Cases) {
    let shell = |t: &mut Tree, shell: &str| {
        t.user("alice").shell = shell.into();
    };
    c.alice(
        "shell-nologin",
        "Shell /usr/sbin/nologin: authentication succeeds (the session then ends), counted as accepted.",
        A,
        |t, _| shell(t, "/usr/sbin/nologin"),
    );
    c.alice("shell-false", "Shell /bin/false: accepted.", A, |t, _| shell(t, "/bin/false"));
    c.alice("shell-empty", "An empty shell field means /bin/sh: accepted.", A, |t, _| shell(t, ""));
    c.alice("shell-missing", "A shell that does not exist: sshd refuses the user.", R, |t, _| {
        shell(t, "/nonexistent/shell")
    });
    c.alice("shell-not-executable", "A shell that is a file without x bits (/etc/passwd): refused.", R, |t, _| {
        shell(t, "/etc/passwd")
    });
    c.alice("shell-directory", "A shell that is a directory (/home): refused.", R, |t, _| shell(t, "/home"));
    c.alice(
        "shell-missing-chroot",
        "A missing shell with `ChrootDirectory /home` for alice: sshd skips the shell check when chrooting, accepted.",
        A,
        |t, _| {
            shell(t, "/nonexistent/shell");
            t.config.push_str("Match User alice\n    ChrootDirectory /home\n");
        },
    );
    let shadow = |t: &mut Tree, line: Option<&str>, pam: bool| {
        t.user("alice").shadow = line.map(str::to_string);
        if !pam {
            t.config = t.config.replace("UsePAM yes\n", "UsePAM no\n");
        }
    };
    let cases: [(&str, &str, Option<&str>, bool, Verdict); 16] = [
        ("locked-bang-nopam", "Password `!` (locked) with UsePAM no: refused.", Some("!:19000:0:99999:7:::"), false, R),
        ("locked-bang-pam", "Password `!` (locked) with UsePAM yes: accepted.", Some("!:19000:0:99999:7:::"), true, A),
        (
            "locked-bang-hash-nopam",
            "Password `!$6$…` (usermod -L) with UsePAM no: refused.",
            Some("!$6$x$y:19000:0:99999:7:::"),
            false,
            R,
        ),
        (
            "locked-star-nopam",
            "Password `*` with UsePAM no: accepted (not a lock on Linux).",
            Some("*:19000:0:99999:7:::"),
            false,
            A,
        ),
        (
            "locked-lk-nopam",
            "Password `*LK*` with UsePAM no: accepted (Linux locks only with `!`).",
            Some("*LK*:19000:0:99999:7:::"),
            false,
            A,
        ),
        (
            "empty-password-nopam",
            "An empty password field with UsePAM no: accepted.",
            Some(":19000:0:99999:7:::"),
            false,
            A,
        ),
        ("no-shadow-line-nopam", "No shadow line at all with UsePAM no: accepted.", None, false, A),
        (
            "no-shadow-line-pam",
            "No shadow line at all with UsePAM yes: refused by PAM (passwd's `x` points to a shadow entry pam_unix cannot find).",
            None,
            true,
            R,
        ),
        ("expired-nopam", "Account expired (expire day 1) with UsePAM no: refused.", Some(SHADOW_EXPIRED), false, R),
        (
            "expired-pam",
            "Account expired (expire day 1) with UsePAM yes: refused by PAM.",
            Some(SHADOW_EXPIRED),
            true,
            R,
        ),
        (
            "expires-future-nopam",
            "Account expiring in 2999 with UsePAM no: accepted.",
            Some("x:19000:0:99999:7::376000:"),
            false,
            A,
        ),
        (
            "password-must-change-pam",
            "Password change forced (lastchg 0) with UsePAM yes: accepted (the change is asked in the session).",
            Some("$6$x$y:0:0:99999:7:::"),
            true,
            A,
        ),
        (
            "password-must-change-nopam",
            "Password change forced (lastchg 0) with UsePAM no: accepted.",
            Some("$6$x$y:0:0:99999:7:::"),
            false,
            A,
        ),
        (
            "password-inactive-pam",
            "Password expired long ago past its inactivity period with UsePAM yes: refused by PAM.",
            Some("$6$x$y:1:0:1:7:1::"),
            true,
            R,
        ),
        (
            "password-inactive-nopam",
            "Password expired long ago past its inactivity period with UsePAM no: accepted.",
            Some("$6$x$y:1:0:1:7:1::"),
            false,
            A,
        ),
        (
            "locked-bang-nopam-match",
            "Password `!` with UsePAM no, and a Match block for alice: still refused.",
            Some("!:19000:0:99999:7:::"),
            false,
            R,
        ),
    ];
    for (name, about, line, pam, verdict) in cases {
        c.alice(name, about, verdict, |t, _| {
            shadow(t, line, pam);
            if name.ends_with("-match") {
                t.config.push_str("Match User alice\n    PermitTTY no\n");
            }
        });
    }
    c.alice(
        "user-gid-without-group-line",
        "alice's primary gid 4242 has no group line and no group lists her: accepted.",
        A,
        |t, _| {
            t.user("alice").gid = NOBODY_KNOWN;
        },
    );
    c.add(
        "denygroups-user-in-no-group",
        "`DenyGroups staff` and alice in no group at all (gid 4242 has no group line): refused, \"not in any group\"; bob accepted.",
        &[("alice", ED, R), ("bob", ED, A)],
        |t, _| {
            t.user("alice").gid = NOBODY_KNOWN;
            t.config.push_str("DenyGroups staff\n");
        },
    );
    c.add("user-not-in-passwd", "A user passwd does not know (ghost): refused.", &[("ghost", ED, R)], |_, _| {});
    c.add(
        "user-wrong-case",
        "`Alice` when passwd has `alice`: refused (names are case-sensitive).",
        &[("Alice", ED, R)],
        |_, _| {},
    );
    c.add(
        "user-same-uid-alias",
        "alice2 shares alice's uid, gid and home: accepted (ownership is by uid).",
        &[("alice2", ED, A)],
        |t, _| t.accounts.push(account("alice2", ALICE, ALICE, "/home/alice", "/bin/sh", Some(SHADOW_OK))),
    );
    c.add(
        "user-uid-differs-from-home-owner",
        "dave's passwd uid is 1004 but his home and files belong to 1001 (alice): refused.",
        &[("dave", ED, R)],
        |t, m| {
            t.accounts.push(account("dave", DAVE, DAVE, "/home/dave", "/bin/sh", Some(SHADOW_OK)));
            t.groups.push(group("dave", DAVE, &[]));
            t.dir("home/dave", 0o755, ALICE, ALICE);
            t.dir("home/dave/.ssh", 0o700, ALICE, ALICE);
            t.file("home/dave/.ssh/authorized_keys", m.line("", ED), 0o600, ALICE, ALICE);
        },
    );
    let root = |verdict: Verdict, name: &str, about: &str, config: &str, options: &str| {
        (name.to_string(), about.to_string(), config.to_string(), options.to_string(), verdict)
    };
    for (name, about, config, options, verdict) in [
        root(R, "root-permit-no", "`PermitRootLogin no`: root refused.", "PermitRootLogin no\n", ""),
        root(A, "root-permit-yes", "`PermitRootLogin yes`: root accepted.", "PermitRootLogin yes\n", ""),
        root(A, "root-default", "No PermitRootLogin (prohibit-password in 9.2): root's key accepted.", "", ""),
        root(
            A,
            "root-without-password",
            "`PermitRootLogin without-password` (the old name): root's key accepted.",
            "PermitRootLogin without-password\n",
            "",
        ),
        root(
            R,
            "root-forced-commands-no-command",
            "`PermitRootLogin forced-commands-only`, key without command=: refused.",
            "PermitRootLogin forced-commands-only\n",
            "",
        ),
        root(
            A,
            "root-forced-commands-with-command",
            "`PermitRootLogin forced-commands-only`, key with command=\"true\": accepted.",
            "PermitRootLogin forced-commands-only\n",
            "command=\"true\"",
        ),
        root(
            R,
            "root-permit-no-in-match-address",
            "`Match Address 127.0.0.1` sets `PermitRootLogin no`: root refused.",
            "Match Address 127.0.0.1\n    PermitRootLogin no\n",
            "",
        ),
    ] {
        c.add(&name, &about, &[("root", ED, verdict)], |t, m| {
            t.config.push_str(&config);
            t.file("home/root/.ssh/authorized_keys", m.line(&options, ED), 0o600, 0, 0);
        });
    }
}

const SHADOW_EXPIRED: &str = "$6$x$y:19000:0:99999:7::1:";

fn access_lists(c: &mut Cases) {
    let cases: [(&str, &str, &str, &[Try]); 14] = [
        (
            "allowusers-at-localhost-name",
            "`AllowUsers alice@localhost`: with UseDNS no the client's host is 127.0.0.1, so refused.",
            "AllowUsers alice@localhost\n",
            &[("alice", ED, R)],
        ),
        (
            "allowusers-excludes",
            "`AllowUsers bob`: alice refused, bob accepted.",
            "AllowUsers bob\n",
            &[("alice", ED, R), ("bob", ED, A)],
        ),
        (
            "allowusers-at-loopback",
            "`AllowUsers alice@127.0.0.1`: accepted.",
            "AllowUsers alice@127.0.0.1\n",
            &[("alice", ED, A)],
        ),
        (
            "allowusers-at-other-host",
            "`AllowUsers alice@192.0.2.1`: refused.",
            "AllowUsers alice@192.0.2.1\n",
            &[("alice", ED, R)],
        ),
        (
            "allowusers-wildcard",
            "`AllowUsers a*`: alice accepted, bob refused.",
            "AllowUsers a*\n",
            &[("alice", ED, A), ("bob", ED, R)],
        ),
        (
            "denyusers",
            "`DenyUsers alice`: alice refused, bob accepted.",
            "DenyUsers alice\n",
            &[("alice", ED, R), ("bob", ED, A)],
        ),
        (
            "denyusers-before-allowusers",
            "`DenyUsers alice` and `AllowUsers alice`: refused.",
            "AllowUsers alice\nDenyUsers alice\n",
            &[("alice", ED, R)],
        ),
        (
            "allowgroups-users-not-member",
            "`AllowGroups users` (nobody listed): alice refused.",
            "AllowGroups users\n",
            &[("alice", ED, R)],
        ),
        (
            "allowgroups-primary",
            "`AllowGroups alice` (her primary group): accepted.",
            "AllowGroups alice\n",
            &[("alice", ED, A), ("bob", ED, R)],
        ),
        (
            "denygroups-supplementary",
            "`DenyGroups sudo` where sudo lists alice: alice refused, bob accepted.",
            "DenyGroups sudo\n",
            &[("alice", ED, R), ("bob", ED, A)],
        ),
        (
            "authmethods-publickey",
            "`AuthenticationMethods publickey`: accepted.",
            "AuthenticationMethods publickey\n",
            &[("alice", ED, A)],
        ),
        (
            "authmethods-publickey-password",
            "`AuthenticationMethods publickey,password`: the key is only a partial success, refused.",
            "AuthenticationMethods publickey,password\n",
            &[("alice", ED, R)],
        ),
        (
            "match-localport-pubkey-no",
            "`Match LocalPort <the port>` sets `PubkeyAuthentication no`: refused.",
            "Match LocalPort @PORT@\n    PubkeyAuthentication no\n",
            &[("alice", ED, R)],
        ),
        (
            "match-address-other-net",
            "`Match Address 192.0.2.0/24` sets `PubkeyAuthentication no`: does not apply, accepted.",
            "Match Address 192.0.2.0/24\n    PubkeyAuthentication no\n",
            &[("alice", ED, A)],
        ),
    ];
    for (name, about, config, logins) in cases {
        c.add(name, about, logins, |t, _| {
            t.config.push_str(config);
            if name == "denygroups-supplementary" {
                t.groups.push(group("sudo", 27, &["alice"]));
            }
        });
    }
}

/// Picks an item with probability proportional to its weight.
fn weighted<T: Clone>(rng: &mut Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.below(total as usize) as u32;
    for (item, w) in items {
        if at < *w {
            return item.clone();
        }
        at -= w;
    }
    items[items.len() - 1].0.clone()
}

const DIR_MODES: [(u32, u32); 12] = [
    (0o755, 30),
    (0o750, 10),
    (0o700, 25),
    (0o711, 5),
    (0o775, 10),
    (0o770, 5),
    (0o777, 4),
    (0o1777, 3),
    (0o2775, 3),
    (0o500, 2),
    (0o000, 1),
    (0o757, 2),
];
const FILE_MODES: [(u32, u32); 11] = [
    (0o600, 35),
    (0o644, 20),
    (0o640, 8),
    (0o400, 5),
    (0o664, 10),
    (0o660, 5),
    (0o666, 5),
    (0o604, 3),
    (0o000, 2),
    (0o646, 2),
    (0o620, 2),
];
/// Options a generated key line may carry (most lines carry none).
const OPTIONS: [&str; 16] = [
    "from=\"127.0.0.1\"",
    "from=\"192.0.2.0/24\"",
    "from=\"!127.0.0.1,*\"",
    "from=\"127.0.0.*\"",
    "expiry-time=\"20000101\"",
    "expiry-time=\"29991231\"",
    "restrict,command=\"true\"",
    "command=\"true\"",
    "badopt",
    "no-pty,no-agent-forwarding",
    "environment=\"X=1\"",
    "cert-authority",
    "principals=\"alice\"",
    "restrict,pty",
    "no-touch-required",
    "from=\"localhost\"",
];
const CLIENT_KINDS: [(KeyKind, u32); 4] = [(ED, 45), (EC, 20), (RSA, 20), (RSA1K, 15)];

/// One account's draws, kept for placing its key files.
struct Person {
    name: String,
    uid: u32,
    gid: u32,
    /// The home as passwd says, and the key kind its files list.
    home: String,
    kind: KeyKind,
}

/// Resolves an absolute host path through the tree's symlinks to the path that holds it
/// (relative to the root), or `None` after too many links.
fn physical(t: &Tree, abs: &str) -> Option<String> {
    let mut parts: Vec<String> = abs.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect();
    let mut done: Vec<String> = Vec::new();
    let mut hops = 0;
    while !parts.is_empty() {
        let next = parts.remove(0);
        if next == "." {
            continue;
        }
        if next == ".." {
            done.pop();
            continue;
        }
        done.push(next);
        if let Some(Node { kind: Kind::Symlink(to), .. }) = t.nodes.get(&done.join("/")) {
            hops += 1;
            if hops > 20 {
                return None;
            }
            done.pop();
            if to.starts_with('/') {
                done.clear();
            }
            let mut rest: Vec<String> = to.split('/').filter(|p| !p.is_empty()).map(str::to_string).collect();
            rest.append(&mut parts);
            parts = rest;
        }
    }
    Some(done.join("/"))
}

fn is_dir(t: &Tree, rel: &str) -> bool {
    rel.is_empty() || matches!(t.nodes.get(rel), Some(Node { kind: Kind::Dir, .. }))
}

/// A random tree for the login sweep: 2 to 4 of alice, bob, carol and dave, maybe root, a user
/// passwd does not know and a name in the wrong case; each dimension departs from the standard
/// layout with the tree's deviation rate (8, 20 or 45%).
fn generate_login_tree(m: &Material, seed: u64, index: usize) -> Tree {
    let mut rng = Rng::for_item(seed, index as u64);
    let chaos = *rng.pick(&[8u32, 20, 45]);
    let name = format!("gen-{index:05}");
    let mut t = Tree::new(&name, format!("random tree {index} of seed {seed:#x}, deviation rate {chaos}%"));
    let mut pool = vec![("alice", ALICE), ("bob", BOB), ("carol", CAROL), ("dave", DAVE)];
    for i in (1..pool.len()).rev() {
        let j = rng.below(i + 1);
        pool.swap(i, j);
    }
    pool.truncate(rng.range(2, 4));
    pool.sort_by_key(|p| p.1);
    let names: Vec<&str> = pool.iter().map(|p| p.0).collect();
    let uids: Vec<u32> = pool.iter().map(|p| p.1).collect();
    t.accounts = vec![
        account("root", 0, 0, "/home/root", "/bin/sh", Some("*:19000:0:99999:7:::")),
        account("sshd", 102, 65534, "/run/sshd", "/usr/sbin/nologin", Some("*:19000:0:99999:7:::")),
        account("nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin", Some("*:19000:0:99999:7:::")),
    ];
    t.groups = vec![
        group("root", 0, &[]),
        group("shadow", SHADOW_GID, &[]),
        group("staff", STAFF, &[]),
        group("users", USERS, &[]),
        group("alice", ALICE, &[]),
        group("bob", BOB, &[]),
        group("carol", CAROL, &[]),
        group("dave", DAVE, &[]),
        group("nogroup", 65534, &[]),
    ];
    if rng.percent(chaos) {
        let members: Vec<String> = names.iter().filter(|_| rng.percent(50)).map(|n| n.to_string()).collect();
        t.members("users", &members);
    }
    if rng.percent(chaos / 3) {
        t.members("staff", &[names[0].to_string()]);
    }
    put_host_key(&mut t, m, "etc/ssh/ssh_host_ed25519_key", "ed25519", 0o600, 0, 0);
    let files = draw_config(&mut rng, chaos, &names, &mut t);
    // /home itself.
    if rng.percent(chaos / 2) {
        let mode = weighted(&mut rng, &[(0o775, 3), (0o777, 2), (0o1777, 2), (0o755, 1)]);
        let owner = if rng.percent(20) { uids[0] } else { 0 };
        let gid = if rng.percent(20) { USERS } else { 0 };
        t.dir("home", mode, owner, gid);
    }
    let mut people = Vec::new();
    for &(user, uid) in &pool {
        let others: Vec<u32> = uids.iter().copied().filter(|&u| u != uid).collect();
        let other = others.first().copied().unwrap_or(NOBODY_KNOWN);
        let gid =
            if rng.percent(chaos / 3) { weighted(&mut rng, &[(USERS, 3), (other, 3), (NOBODY_KNOWN, 1)]) } else { uid };
        if rng.percent(chaos / 3) {
            let other_name = names.iter().find(|n| **n != user).copied().unwrap_or("nobody");
            let members: Vec<&str> =
                weighted(&mut rng, &[(vec![user], 2), (vec![other_name], 2), (vec![user, other_name], 1)]);
            t.members(user, &members);
        }
        let shell = if rng.percent(chaos / 2) {
            weighted(
                &mut rng,
                &[
                    ("/usr/sbin/nologin", 3),
                    ("/bin/false", 2),
                    ("", 2),
                    ("/nonexistent/sh", 3),
                    ("/etc/passwd", 1),
                    ("/bin/bash", 3),
                ],
            )
        } else {
            "/bin/sh"
        };
        let shadow = if rng.percent(chaos / 2) {
            weighted(
                &mut rng,
                &[
                    (None, 2),
                    (Some("*:19000:0:99999:7:::"), 2),
                    (Some("!:19000:0:99999:7:::"), 3),
                    (Some("!$6$x$y:19000:0:99999:7:::"), 1),
                    (Some(":19000:0:99999:7:::"), 1),
                    (Some(SHADOW_EXPIRED), 2),
                    (Some("$6$x$y:0:0:99999:7:::"), 1),
                    (Some(SHADOW_OK), 2),
                ],
            )
        } else {
            Some(SHADOW_OK)
        };
        let home = if rng.percent(chaos / 3) { format!("/home/users/{user}") } else { format!("/home/{user}") };
        t.accounts.push(account(user, uid, gid, &home, shell, shadow));
        build_home(&mut t, &mut rng, chaos, user, uid, gid, &home, other);
        let kind = weighted(&mut rng, &CLIENT_KINDS);
        people.push(Person { name: user.to_string(), uid, gid, home, kind });
    }
    // root, with a standard home; its key is tried in a quarter of the trees.
    t.dir("home/root", 0o700, 0, 0);
    t.dir("home/root/.ssh", 0o700, 0, 0);
    let root = Person { name: "root".into(), uid: 0, gid: 0, home: "/home/root".into(), kind: ED };
    let root_options = weighted(&mut rng, &[("", 2), ("command=\"true\"", 1), ("from=\"127.0.0.1\"", 1)]);
    place_keys(&mut t, &mut rng, m, 0, &root, &files, root_options);
    for p in &people {
        let options = if rng.percent(chaos) { *rng.pick(&OPTIONS) } else { "" };
        place_keys(&mut t, &mut rng, m, chaos, p, &files, options);
        if t.config.contains(".ssh/match_keys") && rng.percent(50) {
            let dir = physical(&t, &format!("{}/.ssh", p.home));
            if let Some(dir) = dir.filter(|d| is_dir(&t, d)) {
                t.file(&format!("{dir}/match_keys"), m.line("", p.kind), 0o600, p.uid, p.gid);
            }
        }
    }
    for p in &people {
        let key = if rng.percent(80) { p.kind } else { weighted(&mut rng, &CLIENT_KINDS) };
        t.login(&p.name, key, None);
    }
    if rng.percent(25) {
        t.login("root", ED, None);
    }
    if rng.percent(10) {
        t.login("ghost", ED, None);
    }
    if rng.percent(4) {
        let mut upper = names[0].to_string();
        upper[..1].make_ascii_uppercase();
        t.login(&upper, people[0].kind, None);
    }
    t
}

fn draw_dir(rng: &mut Rng, chaos: u32, standard: u32) -> u32 {
    if rng.percent(chaos) { weighted(rng, &DIR_MODES) } else { standard }
}

fn draw_owner(rng: &mut Rng, chaos: u32, uid: u32, other: u32) -> u32 {
    if !rng.percent(chaos) {
        return uid;
    }
    weighted(rng, &[(uid, 4), (0, 4), (other, 2), (NOBODY_KNOWN, 1)])
}

fn draw_group(rng: &mut Rng, chaos: u32, gid: u32, uid: u32) -> u32 {
    if !rng.percent(chaos) {
        return gid;
    }
    weighted(rng, &[(gid, 4), (uid, 2), (USERS, 2), (0, 2), (STAFF, 1), (NOBODY_KNOWN, 1)])
}

/// The home at `home` (passwd's path) and `~/.ssh`, each a directory, a symlink or missing.
#[allow(clippy::too_many_arguments)]
fn build_home(t: &mut Tree, rng: &mut Rng, chaos: u32, user: &str, uid: u32, gid: u32, home: &str, other: u32) {
    if home.starts_with("/home/users/") && !t.nodes.contains_key("home/users") {
        let mode = if rng.percent(50) { weighted(rng, &DIR_MODES) } else { 0o755 };
        t.dir("home/users", mode, 0, 0);
    }
    let rel = home.trim_start_matches('/').to_string();
    let real = match weighted(rng, &[("dir", 100 - chaos / 3), ("missing", chaos / 6), ("symlink", chaos / 6)]) {
        "missing" => return,
        "symlink" => {
            let real = format!("home/real/{user}");
            t.symlink(&rel, &format!("/{real}"));
            real
        }
        _ => rel,
    };
    let standard = *rng.pick(&[0o755, 0o750, 0o700]);
    let mode = draw_dir(rng, chaos, standard);
    let owner = draw_owner(rng, chaos / 2, uid, other);
    let group = draw_group(rng, chaos / 2, gid, uid);
    t.dir(&real, mode, owner, group);
    let ssh = format!("{real}/.ssh");
    let ssh_real = match weighted(rng, &[("dir", 100 - chaos / 3), ("missing", chaos / 6), ("symlink", chaos / 6)]) {
        "missing" => return,
        "symlink" if rng.percent(50) => {
            if !t.nodes.contains_key("home/keys") {
                let mode = if rng.percent(60) { 0o755 } else { weighted(rng, &DIR_MODES) };
                t.dir("home/keys", mode, 0, 0);
            }
            let target = format!("home/keys/{user}");
            t.symlink(&ssh, &format!("/{target}"));
            target
        }
        "symlink" => {
            t.dir(&format!("{real}/dotfiles"), 0o755, uid, gid);
            t.symlink(&ssh, "dotfiles/ssh");
            format!("{real}/dotfiles/ssh")
        }
        _ => ssh,
    };
    let mode = draw_dir(rng, chaos, 0o700);
    let owner = draw_owner(rng, chaos / 2, uid, other);
    let group = draw_group(rng, chaos / 2, gid, uid);
    t.dir(&ssh_real, mode, owner, group);
}

/// The files `AuthorizedKeysFile` names for `p` (global value; `None` in `files` is the
/// default), with the key in one of them.
fn place_keys(t: &mut Tree, rng: &mut Rng, m: &Material, chaos: u32, p: &Person, files: &[String], options: &str) {
    let paths: Vec<String> = files
        .iter()
        .filter(|f| f.as_str() != "none")
        .map(|f| {
            let f = f.replace("%h", &p.home).replace("%u", &p.name).replace("%U", &p.uid.to_string());
            if f.starts_with('/') { f } else { format!("{}/{f}", p.home) }
        })
        .collect();
    if paths.is_empty() {
        return;
    }
    let with_key = if paths.len() > 1 && rng.percent(15) { rng.below(paths.len()) } else { 0 };
    let others: Vec<u32> = [ALICE, BOB, CAROL, DAVE].into_iter().filter(|&u| u != p.uid).collect();
    let other = *rng.pick(&others);
    for (i, path) in paths.iter().enumerate() {
        if i != with_key && !rng.percent(30) {
            continue;
        }
        let Some(rel) = physical(t, path) else { continue };
        let parent = Path::new(&rel).parent().map(|d| d.to_string_lossy().to_string()).unwrap_or_default();
        if parent.starts_with("etc/ssh/") && !t.nodes.contains_key(&parent) {
            let mode = if rng.percent(chaos) { weighted(rng, &DIR_MODES) } else { 0o755 };
            let owner = if rng.percent(chaos / 2) { p.uid } else { 0 };
            t.dir(&parent, mode, owner, 0);
        }
        if !is_dir(t, &parent) {
            continue;
        }
        let mut text = String::new();
        if rng.percent(chaos) {
            let extra = weighted(
                rng,
                &[
                    ("# keys\n".to_string(), 2),
                    ("this is not a key\n".to_string(), 2),
                    ("\n".to_string(), 1),
                    ("ssh-ed25519 AAAAC3Nz\n".to_string(), 1),
                    (m.line("", EC), 2),
                    (format!("badopt {}", m.line("", p.kind)), 1),
                ],
            );
            text.push_str(&extra);
        }
        if i == with_key {
            text.push_str(&m.line(options, p.kind));
        } else if rng.percent(50) {
            text.push_str(&m.line("", RSA1K));
        }
        if rng.percent(chaos / 2) {
            text.push_str(&m.line("", weighted(rng, &CLIENT_KINDS)));
        }
        let standard_owner = if parent.starts_with("etc/") && rng.percent(50) { 0 } else { p.uid };
        let standard_mode = if standard_owner == 0 { 0o644 } else { 0o600 };
        let mode = if rng.percent(chaos) { weighted(rng, &FILE_MODES) } else { standard_mode };
        let owner = draw_owner(rng, chaos / 2, standard_owner, other);
        let group = draw_group(rng, chaos / 2, if owner == 0 { 0 } else { p.gid }, p.uid);
        let kind = if rng.percent(chaos / 3) {
            weighted(rng, &[("dir", 1), ("fifo", 1), ("dangling", 1), ("elsewhere", 2)])
        } else {
            "file"
        };
        match kind {
            "dir" => t.dir(&rel, 0o755, owner, group),
            "fifo" => t.fifo(&rel, mode, owner, group),
            "dangling" => t.symlink(&rel, "/home/nowhere/keys"),
            "elsewhere" => {
                if !t.nodes.contains_key("home/shared") {
                    let mode = weighted(rng, &[(0o755, 3), (0o1777, 1), (0o775, 1)]);
                    t.dir("home/shared", mode, 0, 0);
                }
                let target = format!("home/shared/{}.{i}.keys", p.name);
                t.file(&target, text, mode, owner, group);
                t.symlink(&rel, &format!("/{target}"));
            }
            _ => t.file(&rel, text, mode, owner, group),
        }
    }
}

/// sshd_config (and maybe a drop-in) for a random tree; returns the global AuthorizedKeysFile
/// list the keys are placed for.
fn draw_config(rng: &mut Rng, chaos: u32, names: &[&str], t: &mut Tree) -> Vec<String> {
    let pam = weighted(rng, &[("UsePAM yes\n", 55), ("UsePAM no\n", 35), ("", 10)]);
    let debian = rng.percent(50);
    let mut head = format!("# sshlint login sweep: {}\n", t.name);
    if debian {
        head.push_str("Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n");
        t.dir("etc/ssh/sshd_config.d", 0o755, 0, 0);
    }
    head.push_str(pam);
    if debian {
        head.push_str(
            "X11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
        );
    }
    let mut knobs = String::new();
    let strict =
        weighted(rng, &[("", 100 - chaos / 2), ("StrictModes no\n", chaos / 3), ("StrictModes yes\n", chaos / 6)]);
    knobs.push_str(strict);
    let files: Vec<&str> = if rng.percent(chaos) {
        weighted(
            rng,
            &[
                (vec![".ssh/authorized_keys"], 6),
                (vec!["%h/.ssh/authorized_keys"], 3),
                (vec![".ssh/authorized_keys2"], 2),
                (vec!["%h/.ssh/keys", "%h/.ssh/authorized_keys"], 3),
                (vec!["/etc/ssh/authorized_keys/%u"], 3),
                (vec!["/etc/ssh/keys/%U"], 1),
                (vec!["/etc/ssh/authorized_keys/%u", ".ssh/authorized_keys"], 2),
                (vec!["none"], 1),
            ],
        )
    } else {
        Vec::new()
    };
    if !files.is_empty() {
        let _ = writeln!(knobs, "AuthorizedKeysFile {}", files.join(" "));
    }
    if rng.percent(chaos / 3) {
        let algs = weighted(
            rng,
            &[
                ("-ssh-ed25519", 2),
                ("ssh-ed25519", 1),
                ("-rsa-sha2-512,rsa-sha2-256", 1),
                ("ecdsa-sha2-nistp256,ssh-ed25519", 1),
                ("rsa-sha2-512,rsa-sha2-256", 1),
                ("+ssh-rsa", 1),
            ],
        );
        let _ = writeln!(knobs, "PubkeyAcceptedAlgorithms {algs}");
    }
    if rng.percent(chaos / 3) {
        let _ = writeln!(knobs, "RequiredRSASize {}", weighted(rng, &[(2048, 3), (3072, 1), (1024, 1)]));
    }
    if rng.percent(50) {
        let value = weighted(
            rng,
            &[("yes", 2), ("no", 2), ("prohibit-password", 2), ("forced-commands-only", 2), ("without-password", 1)],
        );
        let _ = writeln!(knobs, "PermitRootLogin {value}");
    }
    let pick = |rng: &mut Rng| names[rng.below(names.len())].to_string();
    if rng.percent(chaos / 4) {
        let mut pats: Vec<String> = names.iter().filter(|_| rng.percent(50)).map(|n| n.to_string()).collect();
        let choices = [
            (pick(rng), 2),
            (format!("{}@127.0.0.1", pick(rng)), 1),
            (format!("{}@192.0.2.1", pick(rng)), 1),
            ("a*".into(), 1),
        ];
        pats.push(weighted(rng, &choices));
        let _ = writeln!(knobs, "AllowUsers {}", pats.join(" "));
    }
    if rng.percent(chaos / 4) {
        let choices = [(pick(rng), 3), ("b*".to_string(), 1), ("*@192.0.2.1".to_string(), 1)];
        let pat = weighted(rng, &choices);
        let _ = writeln!(knobs, "DenyUsers {pat}");
    }
    if rng.percent(chaos / 5) {
        let choices = [("users".to_string(), 2), (pick(rng), 2), ("staff".to_string(), 1)];
        let g = weighted(rng, &choices);
        let _ = writeln!(knobs, "AllowGroups {g}");
    }
    if rng.percent(chaos / 5) {
        let choices = [("users".to_string(), 2), (pick(rng), 2), ("staff".to_string(), 1)];
        let g = weighted(rng, &choices);
        let _ = writeln!(knobs, "DenyGroups {g}");
    }
    if rng.percent(2) {
        knobs.push_str("PubkeyAuthentication no\n");
    }
    if rng.percent(chaos / 6) {
        let methods = weighted(rng, &[("publickey", 2), ("publickey,password", 1), ("password publickey", 1)]);
        let _ = writeln!(knobs, "AuthenticationMethods {methods}");
    }
    let mut tail = String::new();
    if rng.percent(chaos / 2) {
        let choices = [
            (format!("User {}", pick(rng)), 4),
            (format!("User {},{}", pick(rng), pick(rng)), 1),
            (format!("User !{},*", pick(rng)), 1),
            ("Address 127.0.0.1".to_string(), 2),
            ("Address 192.0.2.0/24".to_string(), 1),
            ("LocalPort @PORT@".to_string(), 1),
            ("Group users".to_string(), 1),
        ];
        let criteria = weighted(rng, &choices);
        let body = weighted(
            rng,
            &[
                ("PubkeyAuthentication no", 3),
                ("AuthorizedKeysFile .ssh/match_keys", 3),
                ("AuthorizedKeysFile none", 1),
                ("PermitRootLogin no", 1),
                ("PermitRootLogin yes", 1),
                ("PubkeyAcceptedAlgorithms ssh-ed25519", 1),
                ("AuthenticationMethods publickey", 1),
            ],
        );
        let _ = writeln!(tail, "Match {criteria}\n    {body}");
    }
    if debian && rng.percent(30) {
        t.file("etc/ssh/sshd_config.d/50-sweep.conf", knobs, 0o644, 0, 0);
        t.config = format!("{head}{tail}");
    } else {
        t.config = format!("{head}{knobs}{tail}");
    }
    if files.is_empty() {
        vec![".ssh/authorized_keys".into(), ".ssh/authorized_keys2".into()]
    } else {
        files.iter().map(|f| f.to_string()).collect()
    }
}

/// A tree for the host-key test: root, sshd and alice; no homes; the config and keys the case
/// sets.
fn hostkey_tree(name: &str, about: &str) -> Tree {
    let mut t = Tree::new(name, about);
    t.accounts = vec![
        account("root", 0, 0, "/home/root", "/bin/sh", Some("*:19000:0:99999:7:::")),
        account("sshd", 102, 65534, "/run/sshd", "/usr/sbin/nologin", Some("*:19000:0:99999:7:::")),
        account("alice", ALICE, ALICE, "/home/alice", "/bin/sh", Some(SHADOW_OK)),
    ];
    t.groups = vec![
        group("root", 0, &[]),
        group("shadow", SHADOW_GID, &[]),
        group("alice", ALICE, &[]),
        group("nogroup", 65534, &[]),
    ];
    t.config = format!("# sshlint host-key sweep: {name}\n");
    t
}

/// What a host-key file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyBody {
    /// The named key (`ed25519`, `ecdsa`, `rsa`, `rsa1024`, `secret`).
    Valid(&'static str),
    /// The first half of the ed25519 key.
    Truncated,
    Empty,
    Garbage,
    /// The ed25519 key's `.pub` line.
    PublicText,
}

fn key_file(t: &mut Tree, m: &Material, path: &str, body: KeyBody, mode: u32, uid: u32, gid: u32) {
    let (bytes, note) = match body {
        KeyBody::Valid(name) => (m.host[name].0.clone(), format!("{name} private key")),
        KeyBody::Truncated => {
            let full = &m.host["ed25519"].0;
            (full[..full.len() / 2].to_vec(), "ed25519 private key cut in half".into())
        }
        KeyBody::Empty => (Vec::new(), "empty".into()),
        KeyBody::Garbage => (b"this is not a key\n".to_vec(), "text that is not a key".into()),
        KeyBody::PublicText => (format!("{}\n", m.host["ed25519"].1).into_bytes(), "an ed25519 public key line".into()),
    };
    t.put(path, Node { kind: Kind::File(bytes), mode, uid, gid, note: Some(note) });
}

fn pub_file(t: &mut Tree, m: &Material, path: &str, name: &str) {
    t.file(&format!("{path}.pub"), format!("{}\n", m.host[name].1), 0o644, 0, 0);
}

const ED_KEY: &str = "etc/ssh/ssh_host_ed25519_key";
const EC_KEY: &str = "etc/ssh/ssh_host_ecdsa_key";
const RSA_KEY: &str = "etc/ssh/ssh_host_rsa_key";

/// Fixed host-key cases: (name, what it shows, whether `sshd -t` starts, the edit).
fn fixed_hostkey_cases(m: &Material) -> Vec<(Tree, Verdict)> {
    type Edit = fn(&mut Tree, &Material);
    let cases: [(&str, &str, Verdict, Edit); 27] = [
        ("hk-standard", "Three default keys, root 0600: sshd starts.", A, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o600, 0, 0);
            key_file(t, m, EC_KEY, KeyBody::Valid("ecdsa"), 0o600, 0, 0);
            key_file(t, m, RSA_KEY, KeyBody::Valid("rsa"), 0o600, 0, 0);
        }),
        ("hk-only-0644-root", "The only key, root 0644: refused, no host key.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o644, 0, 0)
        }),
        ("hk-only-0640-root", "The only key, root 0640: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o640, 0, 0)
        }),
        ("hk-only-0640-root-group-alice", "The only key, root:alice 0640: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o640, 0, ALICE)
        }),
        ("hk-only-0400-root", "The only key, root 0400: starts.", A, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o400, 0, 0)
        }),
        ("hk-only-0000-root", "The only key, root 0000: starts (root reads it anyway).", A, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o000, 0, 0)
        }),
        (
            "hk-only-0644-owner-alice",
            "The only key owned by alice, 0644: starts (the mode is checked only for keys sshd's own uid owns).",
            A,
            |t, m| key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o644, ALICE, ALICE),
        ),
        ("hk-only-0666-owner-unknown", "The only key owned by an unknown uid, 0666: starts.", A, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o666, NOBODY_KNOWN, NOBODY_KNOWN)
        }),
        ("hk-only-passphrase", "The only key protected by a passphrase: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("secret"), 0o600, 0, 0)
        }),
        (
            "hk-only-passphrase-with-pub",
            "The only key protected by a passphrase, with its .pub beside it: refused (no agent).",
            R,
            |t, m| {
                key_file(t, m, ED_KEY, KeyBody::Valid("secret"), 0o600, 0, 0);
                pub_file(t, m, ED_KEY, "secret");
            },
        ),
        ("hk-only-empty", "The only key file empty: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Empty, 0o600, 0, 0)
        }),
        ("hk-only-truncated", "The only key cut in half: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Truncated, 0o600, 0, 0)
        }),
        ("hk-only-garbage", "The only key file holds text: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Garbage, 0o600, 0, 0)
        }),
        ("hk-only-public-text", "The only key file holds a public key: refused.", R, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::PublicText, 0o600, 0, 0)
        }),
        ("hk-only-directory", "The only key path is a directory: refused.", R, |t, _| t.dir(ED_KEY, 0o700, 0, 0)),
        ("hk-rsa1024-default", "The only key RSA 1024, default RequiredRSASize: starts.", A, |t, m| {
            key_file(t, m, RSA_KEY, KeyBody::Valid("rsa1024"), 0o600, 0, 0)
        }),
        ("hk-rsa1024-required-2048", "The only key RSA 1024 with `RequiredRSASize 2048`: refused.", R, |t, m| {
            key_file(t, m, RSA_KEY, KeyBody::Valid("rsa1024"), 0o600, 0, 0);
            t.config.push_str("RequiredRSASize 2048\n");
        }),
        (
            "hk-rsa1024-required-2048-plus-ed25519",
            "RSA 1024 with `RequiredRSASize 2048` next to a good ed25519 key: starts.",
            A,
            |t, m| {
                key_file(t, m, RSA_KEY, KeyBody::Valid("rsa1024"), 0o600, 0, 0);
                key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o600, 0, 0);
                t.config.push_str("RequiredRSASize 2048\n");
            },
        ),
        ("hk-rsa2048-required-3072", "The only key RSA 2048 with `RequiredRSASize 3072`: refused.", R, |t, m| {
            key_file(t, m, RSA_KEY, KeyBody::Valid("rsa"), 0o600, 0, 0);
            t.config.push_str("RequiredRSASize 3072\n");
        }),
        ("hk-mismatched-pub", "The only key with a .pub of another key beside it: starts.", A, |t, m| {
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o600, 0, 0);
            pub_file(t, m, ED_KEY, "ecdsa");
        }),
        ("hk-bad-mode-and-good", "One key root 0644, one root 0600: starts with the good one.", A, |t, m| {
            key_file(t, m, RSA_KEY, KeyBody::Valid("rsa"), 0o644, 0, 0);
            key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o600, 0, 0);
        }),
        ("hk-hostkey-missing-and-valid", "`HostKey` names a missing file and a valid one: starts.", A, |t, m| {
            key_file(t, m, "etc/ssh/keys/host_a", KeyBody::Valid("ecdsa"), 0o600, 0, 0);
            t.config.push_str("HostKey /etc/ssh/missing_key\nHostKey /etc/ssh/keys/host_a\n");
        }),
        (
            "hk-hostkey-missing-only",
            "`HostKey` names only a missing file while the default keys exist: refused (HostKey replaces the defaults).",
            R,
            |t, m| {
                key_file(t, m, ED_KEY, KeyBody::Valid("ed25519"), 0o600, 0, 0);
                t.config.push_str("HostKey /etc/ssh/missing_key\n");
            },
        ),
        ("hk-no-keys", "No host key at all: refused.", R, |_, _| {}),
        ("hk-symlink-to-valid", "The key is a symlink to a valid key elsewhere: starts.", A, |t, m| {
            key_file(t, m, "etc/ssh/keys/real_ed25519", KeyBody::Valid("ed25519"), 0o600, 0, 0);
            t.symlink(ED_KEY, "/etc/ssh/keys/real_ed25519");
        }),
        ("hk-symlink-dangling", "The only key a dangling symlink: refused.", R, |t, _| {
            t.symlink(ED_KEY, "/etc/ssh/keys/nowhere")
        }),
        ("hk-hostkey-relative", "`HostKey etc/ssh/keys/host_a` (relative; sshd runs in /): starts.", A, |t, m| {
            key_file(t, m, "etc/ssh/keys/host_a", KeyBody::Valid("ed25519"), 0o600, 0, 0);
            t.config.push_str("HostKey etc/ssh/keys/host_a\n");
        }),
    ];
    cases
        .into_iter()
        .map(|(name, about, verdict, edit)| {
            let mut t = hostkey_tree(name, about);
            edit(&mut t, m);
            (t, verdict)
        })
        .collect()
}

/// A random host-key tree: the default key paths and two others, each maybe present with a
/// drawn content, mode, owner and group, maybe a `.pub`; `HostKey` lines naming some of them or
/// none; sometimes `RequiredRSASize`.
fn generate_hostkey_tree(m: &Material, seed: u64, index: usize) -> Tree {
    let mut rng = Rng::for_item(seed ^ 0x4B45_5953, index as u64);
    let mut t = hostkey_tree(&format!("hk-gen-{index:05}"), &format!("random host-key tree {index} of seed {seed:#x}"));
    let slots = [ED_KEY, EC_KEY, RSA_KEY, "etc/ssh/keys/host_a", "etc/ssh/host_b_key"];
    let named: Vec<&str> = if rng.percent(40) {
        Vec::new()
    } else {
        let mut pick: Vec<&str> = slots.iter().copied().filter(|_| rng.percent(40)).collect();
        if pick.is_empty() || rng.percent(10) {
            pick.push("etc/ssh/missing_key");
        }
        pick
    };
    for line in &named {
        let _ = writeln!(t.config, "HostKey /{line}");
    }
    if rng.percent(30) {
        let _ = writeln!(t.config, "RequiredRSASize {}", weighted(&mut rng, &[(2048, 3), (3072, 2), (1024, 1)]));
    }
    for slot in slots {
        let in_play = if named.is_empty() { slot.starts_with("etc/ssh/ssh_host_") } else { named.contains(&slot) };
        if !(in_play || rng.percent(15)) || !rng.percent(85) {
            continue;
        }
        let body = weighted(
            &mut rng,
            &[
                (KeyBody::Valid("ed25519"), 20),
                (KeyBody::Valid("ecdsa"), 15),
                (KeyBody::Valid("rsa"), 15),
                (KeyBody::Valid("rsa1024"), 10),
                (KeyBody::Valid("secret"), 7),
                (KeyBody::Truncated, 7),
                (KeyBody::Empty, 5),
                (KeyBody::Garbage, 4),
                (KeyBody::PublicText, 4),
            ],
        );
        let mode = weighted(
            &mut rng,
            &[
                (0o600, 45),
                (0o400, 10),
                (0o640, 10),
                (0o644, 12),
                (0o604, 5),
                (0o660, 5),
                (0o000, 5),
                (0o700, 4),
                (0o444, 4),
            ],
        );
        let uid = weighted(&mut rng, &[(0, 75), (ALICE, 15), (NOBODY_KNOWN, 10)]);
        let gid = weighted(&mut rng, &[(0, 70), (ALICE, 15), (SHADOW_GID, 10), (NOBODY_KNOWN, 5)]);
        if rng.percent(3) {
            t.dir(slot, 0o700, 0, 0);
            continue;
        }
        key_file(&mut t, m, slot, body, mode, uid, gid);
        let public = weighted(&mut rng, &[(None, 5), (Some("same"), 4), (Some("other"), 1)]);
        match (public, body) {
            (Some("same"), KeyBody::Valid(name)) => pub_file(&mut t, m, slot, name),
            (Some(_), _) => pub_file(&mut t, m, slot, "ecdsa"),
            (None, _) => {}
        }
    }
    t
}

/// Whether the tree holds any file a host key could be read from: a path a `HostKey` line names,
/// or a default `ssh_host_*key*` name. sshlint judges host keys only then; a root without any is
/// a configuration repository, whose keys are made at install time (`SshdHost`'s
/// `host_key_problems`), so such trees are not compared.
fn holds_host_key(t: &Tree) -> bool {
    let named: Vec<String> = t
        .config
        .lines()
        .filter_map(|l| l.trim().strip_prefix("HostKey "))
        .map(|p| p.trim().trim_start_matches('/').to_string())
        .collect();
    t.nodes.keys().any(|p| named.contains(p) || (p.starts_with("etc/ssh/ssh_host_") && p.contains("key")))
}

/// What `sshd -t` said, one line: its messages without the banner of the unprotected-key
/// warning, joined with ` | `.
fn test_reason(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr).replace('\r', "");
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('@'))
        .filter(|l| !l.starts_with("It is required that") && !l.starts_with("This private key will be ignored"))
        .collect();
    if lines.is_empty() { "(no message)".into() } else { lines.join(" | ") }
}

/// One login's line in the oracle table and the summary.
struct Row {
    tree: String,
    user: String,
    key: KeyKind,
    verdict: Verdict,
    reason: String,
    fixed: bool,
}

/// What checking one tree produced.
#[derive(Default)]
struct TreeReport {
    rows: Vec<Row>,
    found: Vec<(String, String)>,
    checks: usize,
}

fn connection(user: &str, port: u16) -> Connection {
    Connection {
        user: Some(user.to_string()),
        host: Some("127.0.0.1".into()),
        addr: Some("127.0.0.1".into()),
        laddr: Some("127.0.0.1".into()),
        lport: Some(port),
        ..Default::default()
    }
}

fn load_host(root: &Path) -> SshdHost {
    SshdHost::from_root(HostRoot::new(root), Some(Version::new(9, 2)), &mut SourceMap::default())
}

fn header(tree: &Tree, root: &Path) -> String {
    let kept =
        if env_flag("SSHLINT_DIFF_KEEP") { "kept" } else { "removed after the run; SSHLINT_DIFF_KEEP=1 keeps it" };
    let mut out = format!("case: {} — {}\nhost root: {} ({kept})\n", tree.name, tree.about, root.display());
    out.push_str(&tree.describe());
    out
}

fn show_client(out: &Output) -> String {
    format!("  ssh -v ({}):\n{}", out.status_text(), show_stream(&out.stderr))
}

/// Runs sshd and the logins of one tree, and compares each verdict with sshlint's.
fn check_login_tree(tree: &Tree, work: &Path, keys: &ClientKeys, m: &Material) -> TreeReport {
    let mut report = TreeReport::default();
    let dir = work.join(&tree.name);
    let root = dir.join("root");
    let out = dir.join("out");
    let run = tree
        .materialize(&root)
        .map_err(|e| format!("writing the tree: {e}"))
        .and_then(|()| logins::run_logins(tree, &root, &out, keys));
    let run: TreeRun = match run {
        Ok(run) => run,
        Err(e) => {
            report.found.push((format!("{}: harness: {e}", tree.name), header(tree, &root)));
            return report;
        }
    };
    if let Some(failure) = &run.failure {
        // A random configuration sshd refuses at startup: every login fails, and sshlint must
        // say sshd will not start.
        if failure.starts_with("sshd did not start") && !oracle_only() && load_host(&root).fatal() {
            report.checks += 1;
            return report;
        }
        let detail = format!("{}  sshd's log:\n{}", header(tree, &root), show_stream(run.log.as_bytes()));
        report.found.push((format!("{}: oracle: {failure}", tree.name), detail));
        return report;
    }
    let host = (!oracle_only()).then(|| load_host(&root));
    for (login, outcome) in tree.logins.iter().zip(&run.logins) {
        report.rows.push(Row {
            tree: tree.name.clone(),
            user: login.user.clone(),
            key: login.key,
            verdict: outcome.verdict,
            reason: outcome.reason.clone(),
            fixed: login.expect.is_some(),
        });
        let what = format!("{}: {} with {}", tree.name, login.user, login.key.name());
        let details = |extra: &str| {
            format!(
                "{}  login: ssh -i {} {}@127.0.0.1 -p {}\n  sshd: {} — {}\n{extra}  sshd's log for this login:\n{}{}",
                header(tree, &root),
                login.key.name(),
                login.user,
                tree.port,
                outcome.verdict.word(),
                outcome.reason,
                show_stream(outcome.log.as_bytes()),
                show_client(&outcome.client)
            )
        };
        if let Some(anomaly) = &outcome.anomaly {
            report.found.push((format!("{what}: oracle: {anomaly}"), details("")));
            continue;
        }
        if let Some(expect) = login.expect {
            report.checks += 1;
            if expect != outcome.verdict {
                report.found.push((
                    format!(
                        "{what}: sshd {} ({}), the fixed case records {}",
                        outcome.verdict.word(),
                        outcome.reason,
                        expect.word()
                    ),
                    details(""),
                ));
            }
        }
        let Some(host) = &host else { continue };
        report.checks += 1;
        let model = pubkey_verdict(host, &login.user, &connection(&login.user, tree.port), m.key(login.key));
        let (model_verdict, model_reason) = match &model {
            ModelVerdict::Accepted => (Verdict::Accepted, String::new()),
            ModelVerdict::Refused(why) => (Verdict::Refused, why.clone()),
        };
        if model_verdict != outcome.verdict {
            let said =
                if model_reason.is_empty() { "accepted".to_string() } else { format!("refused: {model_reason}") };
            let fatal = if host.fatal() { "  (sshlint also thinks this sshd would not start)\n" } else { "" };
            report.found.push((
                format!("{what}: sshd {} ({}), sshlint {said}", outcome.verdict.word(), outcome.reason),
                details(&format!("  sshlint: {said}\n{fatal}")),
            ));
        }
    }
    if !env_flag("SSHLINT_DIFF_KEEP") {
        let _ = std::fs::remove_dir_all(&dir);
    }
    report
}

/// Login names and numbers blurred, so that reasons can be counted.
fn blur(reason: &str) -> String {
    let names = ["alice2", "alice", "Alice", "bob", "carol", "dave", "root", "ghost"];
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if names.contains(&word.as_str()) {
            out.push_str("USER");
        } else if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
            out.push('N');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in reason.chars() {
        if ch.is_ascii_alphanumeric() {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    out
}

fn print_table(rows: &[Row]) {
    eprintln!("  {:<44} {:<7} {:<8} {:<9} sshd's reason", "case", "user", "key", "verdict");
    for r in rows {
        eprintln!("  {:<44} {:<7} {:<8} {:<9} {}", r.tree, r.user, r.key.name(), r.verdict.word(), r.reason);
    }
}

fn summary(rows: &[Row]) -> String {
    let mut counts: BTreeMap<(Verdict, String), usize> = BTreeMap::new();
    for r in rows {
        *counts.entry((r.verdict, blur(&r.reason))).or_default() += 1;
    }
    let mut list: Vec<_> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = String::new();
    for ((verdict, reason), n) in list {
        let _ = writeln!(out, "  {n:>4} × {:<8} {reason}", verdict.word());
    }
    out
}

struct Setup {
    client: std::sync::Arc<Result<ClientKeys, String>>,
    material: Material,
    _hosts: std::sync::Arc<Result<HostKeys, String>>,
}

fn setup() -> Setup {
    let client = logins::client_keys();
    let hosts = host_keys();
    let material = {
        let c = client.as_ref().as_ref().unwrap_or_else(|e| panic!("client keys: {e}"));
        let h = hosts.as_ref().as_ref().unwrap_or_else(|e| panic!("host keys: {e}"));
        Material::new(c, h).unwrap_or_else(|e| panic!("key material: {e}"))
    };
    Setup { client, material, _hosts: hosts }
}

/// Every login tree of a run, fixed ones first, with their ports.
fn login_trees(m: &Material, seed: u64, count: usize) -> Vec<Tree> {
    let mut trees = fixed_login_cases(m);
    trees.extend((0..count).map(|i| generate_login_tree(m, seed, i)));
    for (i, t) in trees.iter_mut().enumerate() {
        t.port = logins::BASE_PORT + (i % 20_000) as u16;
    }
    trees.retain(|t| selected(&t.name));
    trees
}

#[test]
fn logins_match_sshd() {
    if !logins::oracle_ready("logins_match_sshd") {
        return;
    }
    let start = Instant::now();
    let seed = support::seed_from_env(DEFAULT_SEED);
    let count = env_usize("SSHLINT_LOGIN_CASES", DEFAULT_LOGIN_TREES);
    let s = setup();
    let keys = s.client.as_ref().as_ref().unwrap_or_else(|e| panic!("client keys: {e}"));
    let trees = login_trees(&s.material, seed, count);
    let work = TempDir::new("logins").unwrap_or_else(|e| panic!("temp dir: {e}"));
    let workers = env_usize("SSHLINT_LOGIN_WORKERS", 4);
    let reports = support::parallel_map_on(workers, &trees, |t| check_login_tree(t, work.path(), keys, &s.material));
    let hint = format!(
        "one case again: SSHLINT_DIFF_SEED={seed:#x} SSHLINT_LOGIN_CASES={count} SSHLINT_DIFF_FILTER=<case> \
         SSHLINT_DIFF_KEEP=1 cargo test --test behaviour_logins logins_match_sshd -- --nocapture"
    );
    let mut mismatches = Mismatches::new(&format!("logins vs sshd (seed {seed:#x})"), &hint);
    let mut rows = Vec::new();
    let mut checks = 0;
    for report in reports {
        checks += report.checks;
        rows.extend(report.rows);
        for (summary, detail) in report.found {
            mismatches.push(summary, detail);
        }
    }
    let accepted = rows.iter().filter(|r| r.verdict == Verdict::Accepted).count();
    let refused = rows.len() - accepted;
    let fixed = rows.iter().filter(|r| r.fixed).count();
    if oracle_only() {
        print_table(&rows);
    }
    eprintln!(
        "logins: seed {seed:#x} (SSHLINT_DIFF_SEED), {} trees ({} random, SSHLINT_LOGIN_CASES), {} logins \
         ({fixed} in fixed cases): sshd accepted {accepted}, refused {refused}; {:.1} s\n{}",
        trees.len(),
        trees.iter().filter(|t| t.name.starts_with("gen-")).count(),
        rows.len(),
        start.elapsed().as_secs_f64(),
        summary(&rows)
    );
    let min_each = rows.len() / 6;
    assert!(
        filtering() || (accepted >= min_each && refused >= min_each),
        "sshd accepted {accepted} and refused {refused} logins; expected at least {min_each} of each, so the \
         harness is probably broken"
    );
    mismatches.finish(checks);
}

#[test]
fn host_keys_match_sshd() {
    if !logins::oracle_ready("host_keys_match_sshd") {
        return;
    }
    let start = Instant::now();
    let seed = support::seed_from_env(DEFAULT_SEED);
    let count = env_usize("SSHLINT_LOGIN_HOSTKEY_CASES", DEFAULT_HOSTKEY_TREES);
    let s = setup();
    let mut trees = fixed_hostkey_cases(&s.material);
    trees.extend((0..count).map(|i| (generate_hostkey_tree(&s.material, seed, i), R)));
    let fixed = fixed_hostkey_cases(&s.material).len();
    let expect: Vec<Option<Verdict>> = trees.iter().enumerate().map(|(i, (_, v))| (i < fixed).then_some(*v)).collect();
    let items: Vec<usize> = (0..trees.len()).filter(|&i| selected(&trees[i].0.name)).collect();
    let work = TempDir::new("hostkeys").unwrap_or_else(|e| panic!("temp dir: {e}"));
    let workers = env_usize("SSHLINT_LOGIN_WORKERS", 4);
    let results = support::parallel_map_on(workers, &items, |&i| {
        let tree = &trees[i].0;
        let dir = work.path().join(&tree.name);
        let root = dir.join("root");
        let run = tree
            .materialize(&root)
            .map_err(|e| format!("writing the tree: {e}"))
            .and_then(|()| logins::run_test(tree, &root, &dir.join("out")));
        let fatal = (!oracle_only() && run.is_ok() && holds_host_key(tree)).then(|| load_host(&root).fatal());
        let detail = header(tree, &root);
        if !env_flag("SSHLINT_DIFF_KEEP") {
            let _ = std::fs::remove_dir_all(&dir);
        }
        (i, run, fatal, detail)
    });
    let hint = format!(
        "one case again: SSHLINT_DIFF_SEED={seed:#x} SSHLINT_DIFF_FILTER=<case> SSHLINT_DIFF_KEEP=1 \
         cargo test --test behaviour_logins host_keys_match_sshd -- --nocapture"
    );
    let mut mismatches = Mismatches::new(&format!("host keys vs sshd -t (seed {seed:#x})"), &hint);
    let (mut starts, mut checks, mut keyless) = (0, 0, 0);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for (i, run, fatal, detail) in results {
        let name = &trees[i].0.name;
        let test = match run {
            Ok(test) => test,
            Err(e) => {
                mismatches.push(format!("{name}: harness: {e}"), detail);
                continue;
            }
        };
        let verdict = if test.status == Some(0) { A } else { R };
        let said = format!("{}: {}", if verdict == A { "starts" } else { "refuses" }, test_reason(&test.stderr));
        if verdict == A {
            starts += 1;
        }
        *reasons.entry(said.clone()).or_default() += 1;
        if oracle_only() {
            eprintln!("  {name:<44} {said}");
        }
        let with_output = || format!("{detail}  sshd -t ({}):\n{}", test.status_text(), show_stream(&test.stderr));
        if test.timed_out {
            mismatches.push(format!("{name}: oracle: sshd -t timed out"), with_output());
            continue;
        }
        if let Some(expect) = expect[i] {
            checks += 1;
            if expect != verdict {
                mismatches.push(
                    format!("{name}: sshd -t {said}, the fixed case records that it {}", expect.word()),
                    with_output(),
                );
            }
        }
        if !holds_host_key(&trees[i].0) {
            keyless += 1;
        }
        if let Some(fatal) = fatal {
            checks += 1;
            if fatal != (verdict == R) {
                let lint = if fatal { "sshlint says sshd would not start" } else { "sshlint says it starts" };
                mismatches.push(format!("{name}: sshd -t {said}, {lint}"), with_output());
            }
        }
    }
    let total = items.len();
    let mut list: Vec<_> = reasons.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    eprintln!(
        "host keys: seed {seed:#x}, {total} trees ({fixed} fixed, SSHLINT_LOGIN_HOSTKEY_CASES={count}): sshd -t starts \
         {starts}, refuses {}; {keyless} trees hold no host key file (not compared: sshlint does not judge the host \
         keys of a configuration repository); {:.1} s",
        total - starts,
        start.elapsed().as_secs_f64()
    );
    for (reason, n) in list {
        eprintln!("  {n:>4} × {reason}");
    }
    let min_each = total / 6;
    assert!(
        filtering() || (starts >= min_each && total - starts >= min_each),
        "sshd -t started {starts} of {total} trees; expected at least {min_each} of each, so the harness is \
         probably broken"
    );
    mismatches.finish(checks);
}

#[test]
fn fixed_cases_are_well_formed() {
    let m = Material::fake();
    let mut names = std::collections::BTreeSet::new();
    let logins_cases = fixed_login_cases(&m);
    let host_cases = fixed_hostkey_cases(&m);
    let all = logins_cases.iter().chain(host_cases.iter().map(|(t, _)| t));
    for t in all {
        assert!(names.insert(t.name.clone()), "two fixed cases are named {}", t.name);
        assert!(t.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{}", t.name);
        assert!(t.about.ends_with('.') && t.about.len() > 20, "{}: the about line must be a sentence", t.name);
        for user in ["root", "sshd"] {
            assert!(t.account(user).is_some(), "{}: passwd lacks {user}", t.name);
        }
        assert!(t.logins.iter().all(|l| l.expect.is_some()), "{}: a fixed login without its recorded answer", t.name);
    }
    assert!(logins_cases.iter().all(|t| !t.logins.is_empty()));
    assert!(logins_cases.len() >= 100, "{} fixed login cases", logins_cases.len());
}

#[test]
fn generators_are_reproducible() {
    let m = Material::fake();
    for index in [0, 1, 57] {
        let (a, b) = (generate_login_tree(&m, DEFAULT_SEED, index), generate_login_tree(&m, DEFAULT_SEED, index));
        assert_eq!(a.describe(), b.describe(), "login tree {index} differs between two runs");
        assert_eq!(a.logins, b.logins);
        assert!(a.account("root").is_some() && a.account("sshd").is_some());
        let (a, b) = (generate_hostkey_tree(&m, DEFAULT_SEED, index), generate_hostkey_tree(&m, DEFAULT_SEED, index));
        assert_eq!(a.describe(), b.describe(), "host-key tree {index} differs between two runs");
    }
    assert_ne!(
        generate_login_tree(&m, DEFAULT_SEED, 0).describe(),
        generate_login_tree(&m, DEFAULT_SEED ^ 1, 0).describe(),
        "the seed does not change the trees"
    );
    let logins: usize = (0..DEFAULT_LOGIN_TREES).map(|i| generate_login_tree(&m, DEFAULT_SEED, i).logins.len()).sum();
    assert!((250..=500).contains(&logins), "{logins} logins in the default random set");
}

#[test]
fn symlinks_resolve_inside_the_tree() {
    let mut t = Tree::new("t", "A tree for the resolver.");
    t.dir("home/real/alice", 0o755, 0, 0);
    t.symlink("home/alice", "/home/real/alice");
    t.symlink("home/real/alice/.ssh", "dotfiles/ssh");
    assert_eq!(
        physical(&t, "/home/alice/.ssh/authorized_keys").as_deref(),
        Some("home/real/alice/dotfiles/ssh/authorized_keys")
    );
    assert_eq!(physical(&t, "/etc/ssh/x").as_deref(), Some("etc/ssh/x"));
    t.symlink("loop", "/loop");
    assert_eq!(physical(&t, "/loop/x"), None);
    let _ = Login { user: String::new(), key: ED, expect: None };
}
