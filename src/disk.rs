//! The file operations a crash decides the fate of: writing bytes into a file, and making
//! them durable. The WAL writer (`wal::writer`) and the `.snap` writer (`snap::write_with`)
//! go through a [`Disk`]: the real one calls pwrite and fdatasync; the simulation's
//! (`sim::disk`) remembers what was written but not synced, and a simulated machine crash
//! loses it or tears it, as a real disk may.
//!
//! Creating, renaming, truncating, pre-allocating and removing files do not go through here:
//! raftctl follows each with a directory fsync before relying on it, so the simulation treats
//! them as durable at once (it models lost data, not lost directory entries).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// Where a writer's bytes go.
pub trait Disk: Send + Sync + std::fmt::Debug {
    /// Writes all of `buf` at `offset` of `file` (which is at `path`).
    fn write_at(&self, file: &File, path: &Path, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Makes everything written to `file` durable (fdatasync).
    fn sync_data(&self, file: &File, path: &Path) -> io::Result<()>;
    /// Makes the directory's entries durable (fsync of the directory).
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// The machine's own file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealDisk;

impl Disk for RealDisk {
    fn write_at(&self, file: &File, _: &Path, buf: &[u8], offset: u64) -> io::Result<()> {
        file.write_all_at(buf, offset)
    }

    fn sync_data(&self, file: &File, _: &Path) -> io::Result<()> {
        file.sync_data()
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir).and_then(|d| d.sync_all())
    }
}

/// The real disk, shared.
pub fn real() -> Arc<dyn Disk> {
    Arc::new(RealDisk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_disk_writes_where_it_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let d = real();
        d.write_at(&f, &path, b"world", 6).unwrap();
        d.write_at(&f, &path, b"hello ", 0).unwrap();
        d.sync_data(&f, &path).unwrap();
        d.sync_dir(dir.path()).unwrap();
        assert_eq!(
            std::fs::read(&path).ok().as_deref(),
            Some(&b"hello world"[..])
        );
    }
}
