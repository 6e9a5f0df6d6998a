//! This member's own snapshots: when to take one, writing it (inline or on a thread of its
//! own), and recording it in the durable log.

use super::*;

impl RaftLoop {
    /// Every `snapshot_count` applied entries, or when raft-rs needs a fresher one to send:
    /// write the KV state as a `.snap`, then the WAL record, then compact the in-memory log
    /// and release old segments and snapshots.
    pub(super) fn maybe_snapshot(&mut self) -> Result<(), NodeError> {
        if self.snapshotting {
            return Ok(());
        }
        // raft-rs asked for one to send (a follower behind the compacted log, or one that
        // joined after the newest snapshot): make it now, at the applied index.
        let wanted = self.log.cache().take_snapshot_request() && self.applied > self.last_snapshot;
        if !wanted && self.applied < self.last_snapshot + self.cfg.snapshot_count {
            return Ok(());
        }
        let index = self.applied;
        let term = self.log.term(index).map_err(map_err)?;
        let cs = self.raw.raft.prs().conf().to_conf_state();
        let dir = self.log.snap_dir().to_path_buf();
        let disk = self.log.disk();
        let metadata = raftpb::SnapshotMetadata {
            conf_state: convert::conf_state_from_raft(&cs),
            index,
            term,
            extra: Vec::new(),
        };
        self.snapshotting = true;
        if self.cfg.determinism.inline_snapshots {
            let r = durable::write_snapshot(&*disk, &self.kv, metadata, &dir);
            return self.snapshot_written(r);
        }
        // Only the copy of the state happens here; encoding it and writing the .snap (which
        // can take hundreds of ms for a large store) happen on another thread, so the Raft
        // loop keeps serving meanwhile.
        let kv = self.kv.clone();
        let tx = self.self_tx.clone();
        std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || {
                let r = durable::write_snapshot(&*disk, &kv, metadata, &dir);
                let _ = tx.send(Msg::SnapshotWritten(Box::new(r)));
            })
            .map_err(map_err)?;
        Ok(())
    }

    /// The `.snap` is on disk: record it in the WAL (which makes it usable), serve it to
    /// followers, compact the in-memory log and release old segments and snapshots.
    pub(super) fn snapshot_written(
        &mut self,
        r: Result<(raftpb::Snapshot, u64), String>,
    ) -> Result<(), NodeError> {
        self.snapshotting = false;
        let (ours, bytes) = match r {
            Ok(s) => s,
            Err(e) => {
                // Nothing is lost: the log is kept, and the next apply tries again.
                tracing::error!("member {}: writing a snapshot failed: {e}", self.cfg.id);
                self.errors.retain(|x| !x.starts_with("snapshot: "));
                self.errors.push(format!("snapshot: {e}"));
                self.dirty = true;
                return Ok(());
            }
        };
        self.errors.retain(|x| !x.starts_with("snapshot: "));
        let (index, term) = (ours.metadata.index, ours.metadata.term);
        match self.log.record_snapshot(&ours).map_err(map_err)? {
            Recorded::Superseded => {
                // A newer snapshot from the leader was installed meanwhile: this one is stale.
                tracing::info!(
                    "member {}: dropping snapshot {index}, superseded",
                    self.cfg.id
                );
            }
            Recorded::Yes { compacted_to } => {
                self.snap_bytes = bytes;
                self.last_snapshot = index;
                tracing::info!(
                    "member {}: snapshot at {index} (term {term}), log compacted to {compacted_to}",
                    self.cfg.id
                );
            }
        }
        Ok(())
    }
}
