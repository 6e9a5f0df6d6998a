//! raft-rs `Storage` over an in-memory log cache, the single bridge between raft-rs and the
//! disk: what etcd does with MemoryStorage + WAL. The node writes entries and HardState to the
//! WAL first (one fsync a Ready), then puts them here, where raft-rs reads them back.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use raft::eraftpb::{ConfState, Entry, HardState, Snapshot};
use raft::{GetEntriesContext, RaftState, Storage, StorageError};

#[derive(Debug, Default)]
struct Cache {
    hard_state: HardState,
    /// The membership at `truncated_index` (the snapshot the log starts from).
    conf_state: ConfState,
    /// Everything up to here was compacted away; its term is kept for matching.
    truncated_index: u64,
    truncated_term: u64,
    /// Entries from `truncated_index + 1`.
    entries: VecDeque<Entry>,
    /// The newest snapshot, for sending to followers behind the compacted log: its metadata,
    /// and its data unless `snapshot_file` holds it.
    snapshot: Option<Snapshot>,
    /// The `.snap` the newest snapshot's data is read from when raft-rs wants to send it, so
    /// a member does not hold a second copy of its state in memory (etcd too sends the
    /// snapshot from disk).
    snapshot_file: Option<PathBuf>,
    /// raft-rs asked for a snapshot the one held cannot serve (too old, or from before the
    /// peer was a member): the node should make a fresh one.
    wanted: bool,
}

impl Cache {
    fn first_index(&self) -> u64 {
        self.truncated_index + 1
    }

    fn last_index(&self) -> u64 {
        self.truncated_index + self.entries.len() as u64
    }

    /// Keeps `snap` for sending: without its data when `file` has it.
    fn hold_snapshot(&mut self, mut snap: Snapshot, file: Option<PathBuf>) {
        if file.is_some() {
            snap.data = Default::default();
        }
        self.snapshot = Some(snap);
        self.snapshot_file = file;
    }
}

/// The data of the snapshot at `index` in the `.snap` at `path`, checked as etcd checks it.
fn read_snapshot_data(path: &Path, index: u64) -> Option<Vec<u8>> {
    let r = crate::snap::inspect(path).ok()?;
    (r.ok() && r.index == Some(index)).then_some(r.data?)
}

/// Shared by the raft thread (which owns the RawNode) and whoever reads status.
#[derive(Debug, Clone, Default)]
pub struct WalStorage(Arc<RwLock<Cache>>);

impl WalStorage {
    /// A log starting after `snapshot` (its metadata only is needed) with `entries` after it;
    /// the snapshot's data is in `file` when one is given.
    pub fn new(
        hard_state: HardState,
        snapshot: Option<Snapshot>,
        file: Option<PathBuf>,
        entries: Vec<Entry>,
    ) -> WalStorage {
        let mut c = Cache {
            hard_state,
            ..Cache::default()
        };
        if let Some(s) = snapshot {
            let m = s.get_metadata();
            c.truncated_index = m.index;
            c.truncated_term = m.term;
            c.conf_state = m.get_conf_state().clone();
            c.hold_snapshot(s, file);
        }
        c.entries = entries
            .into_iter()
            .filter(|e| e.index > c.truncated_index)
            .collect();
        WalStorage(Arc::new(RwLock::new(c)))
    }

    fn r(&self) -> RwLockReadGuard<'_, Cache> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn w(&self) -> RwLockWriteGuard<'_, Cache> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends entries, dropping any conflicting suffix first (raft-rs #428).
    pub fn append(&self, ents: &[Entry]) {
        let Some(first) = ents.first() else { return };
        let mut c = self.w();
        if first.index <= c.truncated_index {
            // Already compacted: keep only what follows the snapshot.
            let skip = (c.truncated_index + 1 - first.index) as usize;
            if skip >= ents.len() {
                return;
            }
            let rest = ents[skip..].to_vec();
            drop(c);
            return self.append(&rest);
        }
        let keep = (first.index - c.first_index()) as usize;
        c.entries.truncate(keep);
        c.entries.extend(ents.iter().cloned());
    }

    pub fn set_hard_state(&self, hs: HardState) {
        self.w().hard_state = hs;
    }

    pub fn set_commit(&self, commit: u64) {
        self.w().hard_state.commit = commit;
    }

    pub fn hard_state(&self) -> HardState {
        self.r().hard_state.clone()
    }

    /// Installs a snapshot received from the leader, written to `file`: the log restarts
    /// after it.
    pub fn apply_snapshot(&self, snap: Snapshot, file: Option<PathBuf>) {
        let mut c = self.w();
        let m = snap.get_metadata();
        c.truncated_index = m.index;
        c.truncated_term = m.term;
        c.conf_state = m.get_conf_state().clone();
        c.entries.clear();
        if c.hard_state.commit < m.index {
            c.hard_state.commit = m.index;
        }
        c.hold_snapshot(snap, file);
    }

    /// Records a snapshot this node made (at or below its applied index) and wrote to
    /// `file`, for sending.
    pub fn set_snapshot(&self, snap: Snapshot, file: Option<PathBuf>) {
        self.w().hold_snapshot(snap, file);
    }

    /// Drops entries up to and including `index`, keeping its term for matching.
    pub fn compact(&self, index: u64, conf_state: ConfState) {
        let mut c = self.w();
        if index <= c.truncated_index || index > c.last_index() {
            return;
        }
        let n = (index - c.truncated_index) as usize;
        let term = c.entries[n - 1].term;
        c.entries.drain(..n);
        c.truncated_index = index;
        c.truncated_term = term;
        c.conf_state = conf_state;
    }

    pub fn first_and_last(&self) -> (u64, u64) {
        let c = self.r();
        (c.first_index(), c.last_index())
    }

    /// Whether raft-rs asked for a fresher snapshot than the one held (clears the request).
    pub fn take_snapshot_request(&self) -> bool {
        std::mem::take(&mut self.w().wanted)
    }

    /// The index of the newest snapshot held, if any.
    pub fn snapshot_index(&self) -> u64 {
        self.r()
            .snapshot
            .as_ref()
            .map(|s| s.get_metadata().index)
            .unwrap_or(0)
    }
}

impl Storage for WalStorage {
    fn initial_state(&self) -> raft::Result<RaftState> {
        let c = self.r();
        Ok(RaftState {
            hard_state: c.hard_state.clone(),
            conf_state: c.conf_state.clone(),
        })
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raft::Result<Vec<Entry>> {
        let c = self.r();
        if low < c.first_index() {
            return Err(raft::Error::Store(StorageError::Compacted));
        }
        if high > c.last_index() + 1 || low > high {
            return Err(raft::Error::Store(StorageError::Unavailable));
        }
        let max = max_size.into().unwrap_or(u64::MAX);
        let start = (low - c.first_index()) as usize;
        let end = (high - c.first_index()) as usize;
        let mut out = Vec::with_capacity(end - start);
        let mut size = 0u64;
        for e in c.entries.range(start..end) {
            size += protobuf::Message::compute_size(e) as u64;
            if !out.is_empty() && size > max {
                break;
            }
            out.push(e.clone());
        }
        Ok(out)
    }

    fn term(&self, idx: u64) -> raft::Result<u64> {
        let c = self.r();
        if idx == c.truncated_index {
            return Ok(c.truncated_term);
        }
        if idx < c.first_index() {
            return Err(raft::Error::Store(StorageError::Compacted));
        }
        if idx > c.last_index() {
            return Err(raft::Error::Store(StorageError::Unavailable));
        }
        Ok(c.entries[(idx - c.first_index()) as usize].term)
    }

    fn first_index(&self) -> raft::Result<u64> {
        Ok(self.r().first_index())
    }

    fn last_index(&self) -> raft::Result<u64> {
        Ok(self.r().last_index())
    }

    fn snapshot(&self, request_index: u64, to: u64) -> raft::Result<Snapshot> {
        let held = {
            let c = self.r();
            c.snapshot.as_ref().and_then(|s| {
                let m = s.get_metadata();
                let cs = m.get_conf_state();
                let member = [
                    &cs.voters,
                    &cs.learners,
                    &cs.voters_outgoing,
                    &cs.learners_next,
                ]
                .iter()
                .any(|ids| ids.contains(&to));
                // A snapshot from before `to` joined would be refused by it (raft-rs checks
                // that the snapshot's ConfState names the receiver).
                (m.index >= request_index && member).then(|| (s.clone(), c.snapshot_file.clone()))
            })
        };
        // The file is read without the lock held (status readers take it too).
        let ready = match held {
            Some((s, None)) => Some(s),
            Some((mut s, Some(file))) => {
                let data = read_snapshot_data(&file, s.get_metadata().index);
                if data.is_none() {
                    tracing::warn!(
                        "{}: cannot read the snapshot to send: making a new one",
                        file.display()
                    );
                }
                data.map(|d| {
                    s.data = d.into();
                    s
                })
            }
            None => None,
        };
        if let Some(s) = ready {
            return Ok(s);
        }
        self.w().wanted = true;
        Err(raft::Error::Store(
            StorageError::SnapshotTemporarilyUnavailable,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(term: u64, index: u64) -> Entry {
        Entry {
            term,
            index,
            ..Default::default()
        }
    }

    /// The snapshot held for followers is read from its `.snap` when raft-rs sends it; a
    /// file gone makes raft-rs wait while the node makes a new one.
    #[test]
    fn the_snapshot_to_send_is_read_from_its_file() {
        use crate::proto::raftpb;
        let dir = tempfile::tempdir().unwrap();
        let ours = raftpb::Snapshot {
            data: Some(b"the state".to_vec()),
            metadata: raftpb::SnapshotMetadata {
                conf_state: raftpb::ConfState {
                    voters: vec![1, 2],
                    ..Default::default()
                },
                index: 7,
                term: 2,
                extra: Vec::new(),
            },
            extra: Vec::new(),
        };
        let file = crate::snap::write(dir.path(), &ours).unwrap();
        let mut held = Snapshot::default();
        held.set_metadata(crate::proto::convert::snapshot_metadata_to_raft(
            &ours.metadata,
        ));
        let st = WalStorage::new(HardState::default(), None, None, Vec::new());
        st.set_snapshot(held, Some(file.clone()));
        assert!(st.r().snapshot.as_ref().is_some_and(|s| s.data.is_empty()));
        let sent = st.snapshot(7, 2).unwrap();
        assert_eq!(&sent.data[..], b"the state");
        assert_eq!(sent.get_metadata().index, 7);
        assert!(!st.take_snapshot_request());
        std::fs::remove_file(&file).unwrap();
        assert!(st.snapshot(7, 2).is_err());
        assert!(st.take_snapshot_request(), "a new one is asked for");
    }

    #[test]
    fn append_truncates_conflicts_and_compact_keeps_the_boundary_term() {
        let s = WalStorage::default();
        s.append(&[e(1, 1), e(1, 2), e(1, 3)]);
        s.append(&[e(2, 2)]);
        assert_eq!(s.last_index().unwrap(), 2);
        assert_eq!(s.term(2).unwrap(), 2);
        s.compact(1, ConfState::default());
        assert_eq!(s.first_index().unwrap(), 2);
        assert_eq!(s.term(1).unwrap(), 1);
        assert!(matches!(
            s.term(0),
            Err(raft::Error::Store(StorageError::Compacted))
        ));
        assert_eq!(
            s.entries(2, 3, None, GetEntriesContext::empty(false))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn entries_returns_at_least_one_even_past_max_size() {
        let s = WalStorage::default();
        let mut big = e(1, 1);
        big.data = vec![0u8; 1000].into();
        s.append(&[big, e(1, 2)]);
        let got = s
            .entries(1, 3, 10, GetEntriesContext::empty(false))
            .unwrap();
        assert_eq!(got.len(), 1);
    }
}
