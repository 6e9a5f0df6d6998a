//! The simulation's disk: the members' real files in a temp dir, with fsync modelled honestly.
//! Every write lands in the file at once (so the member reads it back, as from a page cache),
//! and is remembered until the file is synced. A machine crash ([`SimDisk::crash`]) then
//! decides, sector by sector, which of the unsynced writes reached the platter: each 512-byte
//! sector a write touched keeps its new bytes or goes back to what it held before — a lost
//! write, or a torn one when some of its sectors made it and others did not (a sector itself
//! is written whole, as real disks do).
//!
//! An fsync can also be where the machine dies: with the chance set by
//! [`SimDisk::set_crash_at_sync`], a sync fails and the disk is powered off, so the member
//! stops in the middle of its Ready, after what it did before the sync and before what it
//! would have done after.
//!
//! Every write raftctl makes lands on bytes that read as zeros (pre-allocated WAL space, or a
//! new file): "what it held before" is zeros.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::disk::Disk;

const SECTOR: u64 = 512;

/// A write not yet made durable.
#[derive(Debug, Clone)]
struct Unsynced {
    path: PathBuf,
    offset: u64,
    len: u64,
}

#[derive(Debug)]
struct State {
    unsynced: Vec<Unsynced>,
    /// Powered off: every write and sync fails until [`SimDisk::crash`] has run.
    off: bool,
    crash_at_sync: f64,
    rng: StdRng,
}

/// One member's disk in the simulation.
#[derive(Debug)]
pub struct SimDisk {
    state: Mutex<State>,
}

/// What a crash did to the unsynced writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Loss {
    /// Writes that reached the disk whole.
    pub kept: u64,
    /// Writes that were lost whole.
    pub lost: u64,
    /// Writes of which some sectors reached the disk and some did not.
    pub torn: u64,
}

fn powered_off() -> io::Error {
    io::Error::other("the simulated machine crashed")
}

impl SimDisk {
    pub fn new(seed: u64) -> SimDisk {
        SimDisk {
            state: Mutex::new(State {
                unsynced: Vec::new(),
                off: false,
                crash_at_sync: 0.0,
                rng: StdRng::seed_from_u64(seed),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The chance that an fsync is where the machine crashes.
    pub fn set_crash_at_sync(&self, p: f64) {
        self.state().crash_at_sync = p;
    }

    /// Cuts the power: from now on writes and syncs fail (the member's own last sync on its
    /// way down, too), until [`SimDisk::crash`] settles what survived.
    pub fn power_off(&self) {
        self.state().off = true;
    }

    /// True once the power is off (a crash at a sync, or [`SimDisk::power_off`]).
    pub fn is_off(&self) -> bool {
        self.state().off
    }

    /// Writes not yet synced (for the simulation's trace).
    pub fn unsynced(&self) -> usize {
        self.state().unsynced.len()
    }

    /// The machine crashed (call after the member is gone): each sector of each unsynced
    /// write keeps its new bytes with a chance drawn for this crash, or reads as zeros again.
    /// Then the power comes back.
    pub fn crash(&self) -> io::Result<Loss> {
        let mut st = self.state();
        st.off = true;
        let keep = st.rng.random_range(0.0..1.0);
        let mut loss = Loss::default();
        for w in std::mem::take(&mut st.unsynced) {
            let first = w.offset / SECTOR;
            let last = (w.offset + w.len).div_ceil(SECTOR);
            let mut reverted = Vec::new();
            for sector in first..last {
                if !st.rng.random_bool(keep) {
                    let from = (sector * SECTOR).max(w.offset);
                    let to = ((sector + 1) * SECTOR).min(w.offset + w.len);
                    reverted.push((from, to));
                }
            }
            match reverted.len() as u64 {
                0 => loss.kept += 1,
                n if n == last - first => loss.lost += 1,
                _ => loss.torn += 1,
            }
            if reverted.is_empty() {
                continue;
            }
            let f = match OpenOptions::new().write(true).open(&w.path) {
                Ok(f) => f,
                // Removed since (a released segment, a renamed-away temp file): nothing to undo.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            let len = f.metadata()?.len();
            for (from, to) in reverted {
                if from < len {
                    let to = to.min(len);
                    f.write_all_at(&vec![0u8; (to - from) as usize], from)?;
                }
            }
        }
        st.off = false;
        Ok(loss)
    }
}

impl Disk for SimDisk {
    fn write_at(&self, file: &File, path: &Path, buf: &[u8], offset: u64) -> io::Result<()> {
        let mut st = self.state();
        if st.off {
            return Err(powered_off());
        }
        file.write_all_at(buf, offset)?;
        st.unsynced.push(Unsynced {
            path: path.to_path_buf(),
            offset,
            len: buf.len() as u64,
        });
        Ok(())
    }

    fn sync_data(&self, _: &File, path: &Path) -> io::Result<()> {
        let mut st = self.state();
        if st.off {
            return Err(powered_off());
        }
        let p = st.crash_at_sync;
        if p > 0.0 && st.rng.random_bool(p) {
            st.off = true;
            return Err(powered_off());
        }
        st.unsynced.retain(|w| w.path != path);
        Ok(())
    }

    fn sync_dir(&self, _: &Path) -> io::Result<()> {
        if self.state().off {
            return Err(powered_off());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path) -> (PathBuf, File) {
        let path = dir.join("f");
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        f.set_len(4 * SECTOR).unwrap();
        (path, f)
    }

    #[test]
    fn synced_writes_survive_a_crash_and_unsynced_ones_may_not() {
        let dir = tempfile::tempdir().unwrap();
        let (path, f) = file(dir.path());
        let mut outcomes = std::collections::BTreeSet::new();
        for seed in 0..64 {
            let d = SimDisk::new(seed);
            d.write_at(&f, &path, &[1; 100], 0).unwrap();
            d.sync_data(&f, &path).unwrap();
            d.write_at(&f, &path, &[2; 1000], 100).unwrap();
            assert_eq!(d.unsynced(), 1);
            let loss = d.crash().unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(
                &bytes[..100],
                &[1; 100][..],
                "seed {seed}: a synced write changed"
            );
            // Each sector of the unsynced write holds all its new bytes or none of them.
            for s in 0..3u64 {
                let from = (s * SECTOR).max(100) as usize;
                let to = ((s + 1) * SECTOR).min(1100) as usize;
                let part = &bytes[from..to];
                assert!(
                    part.iter().all(|b| *b == 2) || part.iter().all(|b| *b == 0),
                    "seed {seed}: sector {s} is half written"
                );
            }
            outcomes.insert((loss.kept, loss.lost, loss.torn));
            // Ready for the next seed.
            f.write_all_at(&[0; 1100], 100).unwrap();
        }
        // Over 64 crashes, the write was kept, lost and torn.
        assert!(outcomes.contains(&(1, 0, 0)), "{outcomes:?}");
        assert!(outcomes.contains(&(0, 1, 0)), "{outcomes:?}");
        assert!(outcomes.contains(&(0, 0, 1)), "{outcomes:?}");
    }

    #[test]
    fn a_powered_off_disk_refuses_until_the_crash_is_settled() {
        let dir = tempfile::tempdir().unwrap();
        let (path, f) = file(dir.path());
        let d = SimDisk::new(1);
        d.power_off();
        assert!(d.write_at(&f, &path, b"x", 0).is_err());
        assert!(d.sync_data(&f, &path).is_err());
        d.crash().unwrap();
        assert!(!d.is_off());
        d.write_at(&f, &path, b"x", 0).unwrap();
    }

    #[test]
    fn a_sync_can_be_where_the_machine_dies() {
        let dir = tempfile::tempdir().unwrap();
        let (path, f) = file(dir.path());
        let d = SimDisk::new(3);
        d.set_crash_at_sync(1.0);
        d.write_at(&f, &path, b"x", 0).unwrap();
        assert!(d.sync_data(&f, &path).is_err());
        assert!(d.is_off());
        assert_eq!(d.unsynced(), 1, "the failed sync made nothing durable");
    }
}
