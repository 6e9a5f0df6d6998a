//! `raftctl recover force-new-cluster` for people: the plan (or what was done) as lines.

use super::{Block, Tabular};
use crate::recover::RecoverReport;

impl Tabular for RecoverReport {
    fn blocks(&self) -> Vec<Block> {
        let mut l = Vec::new();
        let ids = |v: &[u64]| {
            v.iter()
                .map(|i| format!("{i:x}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        l.push(format!(
            "{}: member {} of cluster {} ({}), term {}, commit {}, starting from {}",
            self.dir,
            self.member_id_hex,
            self.cluster_id_hex,
            if self.etcd { "etcd" } else { "raftctl" },
            self.term,
            self.wal_commit,
            if self.snapshot_index == 0 {
                "the beginning of the log".to_string()
            } else {
                format!("snapshot {}", self.snapshot_index)
            }
        ));
        if self.keep_uncommitted && self.old_commit > self.wal_commit {
            l.push(format!(
                "keep: entries {}..{} after the WAL's commit are kept and committed \
                 (--keep-uncommitted)",
                self.wal_commit + 1,
                self.old_commit
            ));
        } else if self.old_commit > self.wal_commit {
            l.push(format!(
                "keep: entries {}..{}: etcd's backend applied them, so they were committed",
                self.wal_commit + 1,
                self.old_commit
            ));
        }
        if self.nothing_to_do {
            l.push("nothing to do: the log lists no other member and holds nothing uncommitted; nothing changed".into());
            return l.into_iter().map(Block::Line).collect();
        }
        if self.discarded_entries.is_empty() {
            l.push("discard: nothing (no entry after the commit index)".into());
        } else {
            let first = &self.discarded_entries[0];
            let last = &self.discarded_entries[self.discarded_entries.len() - 1];
            l.push(format!(
                "discard: {} uncommitted entr{} {}..{}:",
                self.discarded,
                if self.discarded == 1 { "y" } else { "ies" },
                first.index,
                last.index
            ));
            l.push(
                "  (as etcd's --force-new-cluster drops them; --keep-uncommitted keeps and \
                 commits them instead)"
                    .into(),
            );
            for d in &self.discarded_entries {
                l.push(format!(
                    "  index {} term {} {}",
                    d.index, d.term, d.entry_type
                ));
            }
        }
        if self.removed.is_empty() {
            l.push("remove: no other member".into());
        } else {
            l.push(format!("remove: member(s) {}", ids(&self.removed)));
        }
        for a in &self.appended {
            l.push(format!(
                "  append index {} term {} ConfChange {} {:x}",
                a.index, a.term, a.change, a.node_id
            ));
        }
        l.push(format!("new commit: {}", self.commit));
        match (&self.backup, self.dry_run) {
            (_, true) => l.push("dry run: nothing changed".into()),
            (Some(b), false) => {
                l.push(format!("backup: {b}"));
                l.push(format!(
                    "done: start the member normally on {} (no recovery flags); it leads a \
                     one-member cluster",
                    self.dir
                ));
            }
            (None, false) => {}
        }
        l.into_iter().map(Block::Line).collect()
    }
}
