//! Advisory locks on WAL files and directories, compatible with etcd's (Linux OFD `fcntl`
//! locks on every open segment), so etcd's tools and raftctl see each other.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

fn ofd_lock_struct(kind: libc::c_short) -> libc::flock {
    // SAFETY: flock is a plain C struct; all-zero is a valid value (whole file, from offset 0).
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = kind;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl
}

/// Takes an exclusive OFD write lock on `file` without waiting, as etcd's `TryLockFile` does.
/// The lock lives as long as the open file description.
pub fn try_lock(file: &File) -> io::Result<bool> {
    let mut fl = ofd_lock_struct(libc::F_WRLCK as libc::c_short);
    // SAFETY: the fd is valid for the life of `file`; fl is a valid flock struct.
    let r = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &mut fl) };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EACCES) => Ok(false),
        _ => Err(e),
    }
}

/// Whether another process holds a lock on the file at `path` (checked without taking one).
pub fn is_locked(path: &Path) -> bool {
    let Ok(f) = File::open(path) else {
        return false;
    };
    let mut fl = ofd_lock_struct(libc::F_WRLCK as libc::c_short);
    // SAFETY: as above; F_OFD_GETLK only fills in fl.
    let r = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_OFD_GETLK, &mut fl) };
    r == 0 && fl.l_type != libc::F_UNLCK as libc::c_short
}

/// Whether another process holds the WAL writer's flock on `dir` (see `wal::writer`), checked
/// with a shared lock taken and dropped at once. False when `dir` cannot be opened.
pub fn dir_in_use(dir: &Path) -> bool {
    let Ok(d) = File::open(dir) else {
        return false;
    };
    // SAFETY: a valid fd for the life of `d`; the lock goes with it.
    let r = unsafe { libc::flock(d.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) };
    r != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EWOULDBLOCK)
}
