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
