//! Facts from the filesystem through nix: owners, modes and file types.

use std::os::fd::AsFd;
use std::path::Path;

/// What kind of filesystem object a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

impl FileType {
    pub fn describe(self) -> &'static str {
        match self {
            FileType::Regular => "regular file",
            FileType::Directory => "directory",
            FileType::Symlink => "symbolic link",
            FileType::Fifo => "FIFO",
            FileType::Socket => "socket",
            FileType::CharDevice => "character device",
            FileType::BlockDevice => "block device",
        }
    }
}

/// Owner, permission bits and type of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    pub uid: u32,
    pub gid: u32,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    pub kind: FileType,
}

impl FileStat {
    pub fn is_regular(&self) -> bool {
        self.kind == FileType::Regular
    }

    pub fn is_dir(&self) -> bool {
        self.kind == FileType::Directory
    }

    fn from_nix(st: &nix::sys::stat::FileStat) -> FileStat {
        use nix::libc;
        let kind = match st.st_mode & libc::S_IFMT {
            libc::S_IFDIR => FileType::Directory,
            libc::S_IFLNK => FileType::Symlink,
            libc::S_IFIFO => FileType::Fifo,
            libc::S_IFSOCK => FileType::Socket,
            libc::S_IFCHR => FileType::CharDevice,
            libc::S_IFBLK => FileType::BlockDevice,
            _ => FileType::Regular,
        };
        FileStat { uid: st.st_uid, gid: st.st_gid, mode: st.st_mode & 0o7777, kind }
    }
}

/// `stat(2)` of a path (following symlinks, as sshd's open does).
pub fn stat(path: &Path) -> Option<FileStat> {
    nix::sys::stat::stat(path).ok().map(|st| FileStat::from_nix(&st))
}

/// `fstatat(dir, relative, AT_SYMLINK_NOFOLLOW)`: a path below an open directory, never
/// following a final symlink. `relative` must not be absolute (it would ignore `dir`).
pub fn lstat_at(dir: impl AsFd, relative: &Path) -> Result<FileStat, nix::errno::Errno> {
    let rel = if relative.as_os_str().is_empty() { Path::new(".") } else { relative };
    if rel.is_absolute() {
        return Err(nix::errno::Errno::EINVAL);
    }
    nix::sys::stat::fstatat(dir, rel, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW).map(|st| FileStat::from_nix(&st))
}

/// The effective uid sshlint runs as (for messages about what could not be read).
pub fn euid() -> u32 {
    nix::unistd::geteuid().as_raw()
}
