//! A member's durable log: the parts that must agree about what is on disk, owned together —
//! the in-memory log cache raft-rs reads (`storage::WalStorage`), the WAL writer and the
//! `.snap` dir — over a [`Disk`] (the real one, or the simulation's). The raft loop hands it
//! each Ready's entries and HardState, a leader's snapshot to install, or a snapshot of its
//! own to record; this keeps etcd's orders (raft-rs-notes.md §1; etcd's
//! `etcdserver/raft.go`: the .snap before the WAL record that makes it usable, the WAL before
//! the cache raft-rs reads, release only after the snapshot record is durable).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use raft::Storage as _;
use raft::eraftpb;
use thiserror::Error;

use super::PlantedBug;
use crate::disk::Disk;
use crate::failpoint::{self, Point};
use crate::kv::Kv;
use crate::proto::convert::{self, ConvertError};
use crate::proto::raftpb;
use crate::proto::walpb::WalSnapshot;
use crate::snap::{self, SnapError};
use crate::storage::WalStorage;
use crate::wal::WalError;
use crate::wal::writer::WalWriter;

/// `.snap` files kept.
const KEEP_SNAPS: usize = 5;

#[derive(Debug, Error)]
pub enum LogError {
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error(transparent)]
    Snap(#[from] SnapError),
    #[error(transparent)]
    Convert(#[from] ConvertError),
    #[error("the log cache: {0}")]
    Cache(#[from] raft::Error),
}

pub(crate) struct DurableLog {
    cache: WalStorage,
    writer: WalWriter,
    snap_dir: PathBuf,
    disk: Arc<dyn Disk>,
    /// Entries kept behind a snapshot for slow followers (etcd's SnapshotCatchUpEntries).
    catch_up_entries: u64,
    planted_bug: Option<PlantedBug>,
    /// A sync the planted [`PlantedBug::AckBeforeFsync`] put off to the next Ready.
    owed_sync: bool,
}

/// What recording a snapshot of this member's own did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// Recorded; the in-memory log now starts after `compacted_to`.
    Yes { compacted_to: u64 },
    /// A newer snapshot from the leader was installed meanwhile: this one was dropped.
    Superseded,
}

impl DurableLog {
    pub fn new(
        cache: WalStorage,
        writer: WalWriter,
        snap_dir: PathBuf,
        disk: Arc<dyn Disk>,
        catch_up_entries: u64,
        planted_bug: Option<PlantedBug>,
    ) -> DurableLog {
        DurableLog {
            cache,
            writer,
            snap_dir,
            disk,
            catch_up_entries,
            planted_bug,
            owed_sync: false,
        }
    }

    /// The cache raft-rs reads (a handle to the same log).
    pub fn cache(&self) -> &WalStorage {
        &self.cache
    }

    pub fn snap_dir(&self) -> &Path {
        &self.snap_dir
    }

    pub fn disk(&self) -> Arc<dyn Disk> {
        self.disk.clone()
    }

    /// A Ready's entries and HardState: into the WAL with one fsync (when etcd would sync),
    /// then into the cache raft-rs reads. Only after this may raft-rs be told they persisted.
    pub fn persist(
        &mut self,
        hs: Option<&eraftpb::HardState>,
        entries: &[eraftpb::Entry],
    ) -> Result<(), LogError> {
        if self.owed_sync {
            self.writer.sync()?;
            self.owed_sync = false;
        }
        if entries.is_empty() && hs.is_none() {
            return Ok(());
        }
        let ours: Vec<raftpb::Entry<'static>> = entries
            .iter()
            .map(convert::entry_from_raft)
            .collect::<Result<_, _>>()?;
        let mut h = convert::hard_state_from_raft(&hs.cloned().unwrap_or_else(|| {
            // Entries alone: the record repeats the HardState this log holds.
            self.cache.hard_state()
        }));
        if self.planted_bug == Some(PlantedBug::ForgetVote) {
            h.vote = 0;
        }
        failpoint::point(Point::WalSaveBefore);
        let must_sync = self.writer.append(&h, &ours)?;
        if must_sync && self.planted_bug == Some(PlantedBug::AckBeforeFsync) {
            self.owed_sync = true;
        } else if must_sync {
            self.writer.sync()?;
        }
        failpoint::point(Point::WalSaveAfter);
        self.cache.append(entries);
        if let Some(hs) = hs {
            self.cache.set_hard_state(hs.clone());
        }
        Ok(())
    }

    /// The commit index raft-rs moved in a LightReady (it reaches the WAL with the next
    /// HardState record).
    pub fn set_commit(&mut self, commit: u64) {
        self.cache.set_commit(commit);
    }

    /// A snapshot from the leader: the `.snap` first, then the WAL record that makes it
    /// usable (etcd's order), then the cache, whose log restarts after it.
    pub fn install_snapshot(&mut self, s: &eraftpb::Snapshot) -> Result<(), LogError> {
        let m = s.get_metadata();
        let ours = raftpb::Snapshot {
            data: Some(s.data.to_vec()),
            metadata: raftpb::SnapshotMetadata {
                conf_state: convert::conf_state_from_raft(m.get_conf_state()),
                index: m.index,
                term: m.term,
                extra: Vec::new(),
            },
            extra: Vec::new(),
        };
        failpoint::point(Point::SnapshotApplyBefore);
        let file = snap::write_with(&*self.disk, &self.snap_dir, &ours)?;
        self.writer.save_snapshot(&WalSnapshot {
            index: m.index,
            term: m.term,
            conf_state: Some(ours.metadata.conf_state),
            extra: Vec::new(),
        })?;
        failpoint::point(Point::SnapshotApplyAfter);
        let mut held = eraftpb::Snapshot::default();
        held.set_metadata(m.clone());
        self.cache.apply_snapshot(held, Some(file));
        Ok(())
    }

    /// The term of the entry at `index` (for a snapshot's metadata).
    pub fn term(&self, index: u64) -> Result<u64, LogError> {
        Ok(self.cache.term(index)?)
    }

    /// A snapshot of this member's own is in a `.snap` in the snap dir: record it in the WAL
    /// (which makes it usable), serve it to followers, compact the cache, release the
    /// segments and `.snap` files it makes unnecessary.
    pub fn record_snapshot(&mut self, ours: &raftpb::Snapshot) -> Result<Recorded, LogError> {
        let (index, term) = (ours.metadata.index, ours.metadata.term);
        if index <= self.cache.snapshot_index() {
            return Ok(Recorded::Superseded);
        }
        self.writer.save_snapshot(&WalSnapshot {
            index,
            term,
            conf_state: Some(ours.metadata.conf_state.clone()),
            extra: Vec::new(),
        })?;
        failpoint::point(Point::SnapshotSaveAfter);
        // Held without its data: the `.snap` written before this (named by term and index,
        // as etcd names it) has it.
        let mut s = eraftpb::Snapshot::default();
        s.set_metadata(convert::snapshot_metadata_to_raft(&ours.metadata));
        let file = self
            .snap_dir
            .join(crate::names::snap_file_name(term, index));
        self.cache.set_snapshot(s, Some(file));
        let compacted_to = index.saturating_sub(self.catch_up_entries);
        if compacted_to > 0 {
            self.cache.compact(
                compacted_to,
                convert::conf_state_to_raft(&ours.metadata.conf_state),
            );
        }
        self.writer.release_to(index)?;
        failpoint::point(Point::WalReleaseAfter);
        purge_snaps(&self.snap_dir, KEEP_SNAPS);
        Ok(Recorded::Yes { compacted_to })
    }

    /// Makes everything written durable (on the way down).
    pub fn sync(&mut self) -> Result<(), LogError> {
        self.owed_sync = false;
        Ok(self.writer.sync()?)
    }
}

/// Writes `kv` as a snapshot with `metadata`, a `.snap` in `dir`, through `disk` (on the
/// raft thread, or on a snapshot thread of its own), encoding it straight from the store
/// (see [`snap::write_streamed`]). Returns the snapshot without its data (the file has it)
/// and the data's size.
pub(crate) fn write_snapshot(
    disk: &dyn Disk,
    kv: &Kv,
    metadata: raftpb::SnapshotMetadata,
    dir: &Path,
) -> Result<(raftpb::Snapshot, u64), String> {
    failpoint::point(Point::SnapshotSaveBefore);
    let state = KvState::new(kv);
    snap::write_streamed(disk, dir, &metadata, &[], Some(&state)).map_err(|e| e.to_string())?;
    let ours = raftpb::Snapshot {
        data: None,
        metadata,
        extra: Vec::new(),
    };
    Ok((ours, state.len as u64))
}

/// The store as a snapshot's state, its length measured once (a pass over every key).
struct KvState<'a> {
    kv: &'a Kv,
    len: usize,
}

impl KvState<'_> {
    fn new(kv: &Kv) -> KvState<'_> {
        KvState {
            kv,
            len: kv.snapshot_len(),
        }
    }
}

impl snap::State for KvState<'_> {
    fn encoded_len(&self) -> usize {
        self.len
    }

    fn emit(&self, sink: &mut dyn FnMut(&[u8])) {
        self.kv.emit_snapshot(sink)
    }
}

/// Keeps the newest `keep` `.snap` files.
fn purge_snaps(dir: &Path, keep: usize) {
    let mut files = snap::list(dir).unwrap_or_default();
    files.sort();
    if files.len() > keep {
        for f in &files[..files.len() - keep] {
            if let Err(e) = std::fs::remove_file(f) {
                tracing::warn!("{}: {e}", f.display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::command::{Command, Op, Put};

    /// A snapshot written straight from the store is the file of its data written whole.
    #[test]
    fn a_snapshot_streamed_from_the_store_is_the_same_file() {
        let mut kv = Kv::new();
        for i in 0..3000u64 {
            let cmd = Command {
                request_id: i + 1,
                op: Some(Op::Put(Put {
                    key: format!("k{i:05}").into_bytes(),
                    value: vec![i as u8; (i % 700) as usize],
                })),
                ..Default::default()
            };
            kv.apply(&cmd, i + 1);
        }
        let metadata = raftpb::SnapshotMetadata {
            index: 3000,
            term: 4,
            ..Default::default()
        };
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let whole = raftpb::Snapshot {
            data: Some(kv.snapshot_data()),
            metadata: metadata.clone(),
            extra: Vec::new(),
        };
        let p = snap::write(a.path(), &whole).unwrap();
        let (held, len) = write_snapshot(&crate::disk::RealDisk, &kv, metadata, b.path()).unwrap();
        assert_eq!(held.data, None);
        assert_eq!(len as usize, whole.data.as_ref().unwrap().len());
        let q = b.path().join(p.file_name().unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&q).unwrap());
        assert!(len as usize > 2 * WRITE_CHUNK_FOR_TESTS);
    }

    /// More than the snapshot writer's chunk, so the test crosses chunk boundaries.
    const WRITE_CHUNK_FOR_TESTS: usize = 400_000;
}
