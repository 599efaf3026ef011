//! Facts from the filesystem through nix: owners and modes, never following a final symlink.

use std::path::Path;

/// Owner and permission bits of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub regular: bool,
}

/// `stat(2)` of a path (following symlinks, as sshd's open does).
pub fn stat(path: &Path) -> Option<FileStat> {
    let st = nix::sys::stat::stat(path).ok()?;
    let fmt = st.st_mode & nix::libc::S_IFMT;
    Some(FileStat { uid: st.st_uid, gid: st.st_gid, mode: st.st_mode & 0o7777, regular: fmt == nix::libc::S_IFREG })
}

/// The effective uid sshlint runs as (for messages about what could not be read).
pub fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}
