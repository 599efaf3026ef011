//! Unit-test helpers shared by every layer.

use std::path::{Path, PathBuf};

/// A host root written from `(path, content)` pairs into a fresh temporary directory, removed
/// on drop.
pub struct TempTree(PathBuf);

impl TempTree {
    pub fn new(files: &[(&str, &str)]) -> TempTree {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sshlint-unit-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tempdir");
        for (p, c) in files {
            let path = dir.join(p.trim_start_matches('/'));
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&path, c).expect("write");
        }
        TempTree(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// (host path, mode, owner uid and gid) for [`LoginTree`].
pub type Adjust<'a> = (&'a str, u32, Option<(u32, u32)>);

/// A host root for the login model and its rules: passwd and group with root, alice (1000) and
/// bob (1001) and the shared group `staff`, an executable `/bin/sh`, alice's home (0755),
/// `~/.ssh` (0700) and authorized_keys (0600, hers), then `adjust`. Owners need root: without
/// it the tree is not built (`None`), which fails the test when `SSHLINT_REQUIRE_ORACLES=1`.
pub struct LoginTree {
    pub config: String,
    pub passwd: String,
    pub keys: String,
    /// More files, relative to the root.
    pub files: Vec<(String, String)>,
}

impl LoginTree {
    /// alice holds one Ed25519 key.
    pub fn with_key() -> LoginTree {
        LoginTree::new(include_str!("../fixtures/authorized_keys/keys/ed25519_256.pub"))
    }

    pub fn new(keys: &str) -> LoginTree {
        LoginTree {
            config: String::new(),
            passwd: "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n\
                     bob:x:1001:1001::/home/bob:/bin/sh\n"
                .into(),
            keys: keys.into(),
            files: Vec::new(),
        }
    }

    pub fn build(&self, adjust: &[Adjust]) -> Option<TempTree> {
        use std::os::unix::fs::{PermissionsExt, chown};
        if crate::platform::euid() != 0 {
            let required = std::env::var("SSHLINT_REQUIRE_ORACLES").as_deref() == Ok("1");
            assert!(!required, "owners and modes need root, and SSHLINT_REQUIRE_ORACLES=1");
            return None;
        }
        let mut files: Vec<(&str, &str)> = vec![
            ("etc/ssh/sshd_config", &self.config),
            ("etc/passwd", &self.passwd),
            ("etc/group", "root:x:0:\nalice:x:1000:\nbob:x:1001:\nstaff:x:50:alice,bob\n"),
            ("bin/sh", "#!/bin/true\n"),
            ("home/alice/.ssh/authorized_keys", &self.keys),
        ];
        files.extend(self.files.iter().map(|(p, c)| (p.as_str(), c.as_str())));
        let tree = TempTree::new(&files);
        let base: &[Adjust] = &[
            ("/bin/sh", 0o755, None),
            ("/home", 0o755, Some((0, 0))),
            ("/home/alice", 0o755, Some((1000, 1000))),
            ("/home/alice/.ssh", 0o700, Some((1000, 1000))),
            ("/home/alice/.ssh/authorized_keys", 0o600, Some((1000, 1000))),
        ];
        for &(path, mode, owner) in base.iter().chain(adjust) {
            let p = tree.path().join(path.trim_start_matches('/'));
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
            if let Some((u, g)) = owner {
                chown(&p, Some(u), Some(g)).expect("chown");
            }
        }
        Some(tree)
    }
}
