//! Replays a WAL's records in order, as etcd's ReadAll does, and checks the Raft-level
//! invariants a healthy log keeps (etcd-wal-format.md §17, items 12–19 and 23).
//!
//! It holds no entry data: only the log's shape (term runs, commit watermark, conf changes), so
//! memory does not grow with the WAL.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use super::format::RecordType;
use super::problem::{Kind, Problem};
use crate::proto::raftpb::{
    ConfChange, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState, Entry, EntryType,
    HardState,
};
use crate::proto::walpb::{Metadata, WalSnapshot};

/// Where a record sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<str>,
    pub offset: u64,
}

/// Where a record sits, borrowed: what the checker needs to name a problem.
#[derive(Debug, Clone, Copy)]
pub struct Pos<'f> {
    pub file: &'f str,
    pub offset: u64,
}

/// A decoded record, borrowed from the scanner.
#[derive(Debug)]
pub enum Decoded<'a> {
    Metadata(&'a [u8]),
    Entry(Entry<'a>),
    State(HardState),
    Crc(u32),
    Snapshot(WalSnapshot),
    /// An unknown type or a payload that does not decode (already reported).
    Undecodable,
}

/// What the replay says about the log as a whole.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogSummary {
    pub records: u64,
    /// Entries in the final log (overwritten ones not counted).
    pub entries: u64,
    /// Entry records that a later write overwrote.
    pub superseded: u64,
    pub first_index: Option<u64>,
    pub last_index: Option<u64>,
    pub hard_state: Option<HardState>,
    pub node_id: Option<u64>,
    pub cluster_id: Option<u64>,
    /// (index, term) of every snapshot record, in order.
    pub snapshots: Vec<(u64, u64)>,
    /// The ConfState of each snapshot record that carries one (etcd 3.5+), by index.
    #[serde(skip)]
    pub snapshot_conf_states: Vec<(u64, ConfState)>,
    /// Membership after replaying the committed conf changes on top of the snapshot the log
    /// starts from (only when the log holds its own beginning or a snapshot record's ConfState).
    pub conf_state: Option<ConfState>,
    /// Counts by entry type name.
    pub entry_types: std::collections::BTreeMap<&'static str, u64>,
    /// Lowest and highest entry term in the final log.
    pub terms: Option<(u64, u64)>,
}

/// A run of consecutive indexes with one term, in the final log.
#[derive(Debug, Clone, Copy)]
struct TermRun {
    start: u64,
    term: u64,
}

#[derive(Debug, Clone)]
struct PendingConf {
    index: u64,
    change: ConfOp,
}

#[derive(Debug, Clone)]
enum ConfOp {
    V1(ConfChange),
    V2(ConfChangeV2),
}

/// At most this many conf changes are kept for the membership replay; more is not a real log.
const MAX_CONF_CHANGES: usize = 100_000;

#[derive(Default)]
pub struct Checker {
    problems: Vec<Problem>,
    summary: LogSummary,
    metadata: Option<Vec<u8>>,
    /// Records seen in the current segment (header checks look at the first three).
    seg_records: u32,
    seg_is_first_of_wal: bool,
    seg_seq: u64,
    seg_file: Arc<str>,
    runs: Vec<TermRun>,
    last_index: Option<u64>,
    /// Highest commit any state record has shown: entries at or below it may never change.
    max_commit: u64,
    hs: Option<HardState>,
    /// Highest entry term since the last state record.
    term_since_state: u64,
    last_snapshot: Option<(u64, u64)>,
    snapshots_with_conf: u64,
    /// Of those, the ones above index 0 (a subset of the records the summary counts there).
    snapshots_above_zero_with_conf: u64,
    /// Index of the first entry of the current segment, for the name-index check.
    seg_first_entry: Option<u64>,
    seg_name_index: u64,
    seg_saw_snapshot: bool,
    confs: Vec<PendingConf>,
    conf_overflow: bool,
    base_conf: Option<(u64, ConfState)>,
    /// (index, term, ConfState) of readable `.snap` files, for a replay that starts at a
    /// snapshot record without a ConfState of its own (etcd 3.4 writes none).
    snap_confs: Vec<(u64, u64, ConfState)>,
}

impl Checker {
    pub fn new() -> Checker {
        Checker::default()
    }

    /// A readable `.snap` file's membership: the replay may start from it when a snapshot
    /// record names it (index and term) and carries no ConfState itself.
    pub fn snap_conf_state(&mut self, index: u64, term: u64, cs: ConfState) {
        self.snap_confs.push((index, term, cs));
    }

    /// Problems found since the last call.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    pub fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    pub fn max_commit(&self) -> u64 {
        self.max_commit
    }

    pub fn last_index(&self) -> Option<u64> {
        self.last_index
    }

    /// The term of the entry at `index` in the log as replayed so far.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        let last = self.last_index?;
        let first = self.runs.first()?.start;
        if index < first || index > last {
            return None;
        }
        let i = self.runs.partition_point(|r| r.start <= index);
        Some(self.runs[i - 1].term)
    }

    fn push(&mut self, p: Problem) {
        self.problems.push(p);
    }

    pub fn segment_start(&mut self, file: Arc<str>, seq: u64, name_index: u64, first: bool) {
        self.seg_records = 0;
        self.seg_is_first_of_wal = first && seq == 0;
        self.seg_seq = seq;
        self.seg_file = file;
        self.seg_first_entry = None;
        self.seg_name_index = name_index;
        self.seg_saw_snapshot = false;
    }

    /// Decodes one record's payload and checks it; returns what it decoded.
    pub fn record<'a>(&mut self, loc: Pos<'_>, rec_type: i64, data: &'a [u8]) -> Decoded<'a> {
        self.summary.records += 1;
        self.seg_records += 1;
        let Some(t) = RecordType::from_i64(rec_type) else {
            return Decoded::Undecodable;
        };
        self.header_check(loc, t);
        match t {
            RecordType::Crc => Decoded::Crc(0),
            RecordType::Metadata => {
                self.metadata(loc, data);
                Decoded::Metadata(data)
            }
            RecordType::Entry => match Entry::decode(data) {
                Ok(e) => {
                    self.entry(loc, &e);
                    Decoded::Entry(e)
                }
                Err(err) => {
                    let msg = format!(
                        "entry record does not decode as raftpb.Entry ({err}); etcd panics on it"
                    );
                    self.push(self.problem(Kind::BadPayload, loc, msg));
                    Decoded::Undecodable
                }
            },
            RecordType::State => match HardState::decode(data) {
                Ok(hs) => {
                    self.state(loc, hs);
                    Decoded::State(hs)
                }
                Err(err) => {
                    let msg = format!(
                        "state record does not decode as raftpb.HardState ({err}); etcd panics on it"
                    );
                    self.push(self.problem(Kind::BadPayload, loc, msg));
                    Decoded::Undecodable
                }
            },
            RecordType::Snapshot => match WalSnapshot::decode(data) {
                Ok(s) => {
                    self.snapshot(loc, &s);
                    Decoded::Snapshot(s)
                }
                Err(err) => {
                    let msg = format!(
                        "snapshot record does not decode as walpb.Snapshot ({err}); etcd panics on it"
                    );
                    self.push(self.problem(Kind::BadPayload, loc, msg));
                    Decoded::Undecodable
                }
            },
        }
    }

    fn problem(&self, kind: Kind, loc: Pos<'_>, msg: String) -> Problem {
        Problem::error(kind, loc.file, msg).at(loc.offset)
    }

    fn header_check(&mut self, loc: Pos<'_>, t: RecordType) {
        if self.seg_records > 3 {
            return;
        }
        let want: &[RecordType] = if self.seg_is_first_of_wal {
            &[RecordType::Crc, RecordType::Metadata, RecordType::Snapshot]
        } else {
            &[RecordType::Crc, RecordType::Metadata]
        };
        let n = self.seg_records as usize;
        if n <= want.len() && want[n - 1] != t {
            let what = if self.seg_is_first_of_wal {
                "segment 0 must start with crc, metadata, snapshot{0,0}"
            } else {
                "a segment must start with a crc record, then metadata"
            };
            let msg = format!("{what}; record {n} is a {} record", t.json_name());
            let p = Problem::warning(Kind::BadHeader, loc.file, msg).at(loc.offset);
            self.push(p);
        }
    }

    fn metadata(&mut self, loc: Pos<'_>, data: &[u8]) {
        match &self.metadata {
            None => {
                if let Ok(m) = Metadata::decode(data) {
                    self.summary.node_id = Some(m.node_id);
                    self.summary.cluster_id = Some(m.cluster_id);
                }
                self.metadata = Some(data.to_vec());
            }
            Some(first) if first.as_slice() != data => {
                let msg = "metadata differs from the first metadata record (\"wal: conflicting \
                           metadata found\"): segments of different members are mixed"
                    .to_string();
                self.push(self.problem(Kind::MetadataConflict, loc, msg));
            }
            Some(_) => {}
        }
    }

    fn entry(&mut self, loc: Pos<'_>, e: &Entry<'_>) {
        let idx = e.index;
        let kind = e.kind();
        self.payload_check(loc, e, kind);
        if self.seg_first_entry.is_none() {
            self.seg_first_entry = Some(idx);
            self.name_index_check(loc, idx);
        }
        match self.last_index {
            None => {
                self.runs.clear();
                self.runs.push(TermRun {
                    start: idx,
                    term: e.term,
                });
                self.summary.first_index = Some(idx);
            }
            Some(last) if idx == last + 1 => {
                self.append_term(loc, idx, e.term);
            }
            Some(last) if idx > last + 1 => {
                let snap = self.last_snapshot.map(|s| s.0);
                if snap.is_some_and(|s| s + 1 == idx && s > last) {
                    // A follower installed a snapshot: the log continues after it.
                    self.runs.push(TermRun {
                        start: idx,
                        term: e.term,
                    });
                } else {
                    let msg = format!(
                        "entry {idx} follows entry {last}: indexes {}..{} are missing (\"wal: \
                         slice bounds out of range\")",
                        last + 1,
                        idx - 1
                    );
                    self.push(self.problem(Kind::IndexGap, loc, msg).index(Some(idx)));
                    self.runs.push(TermRun {
                        start: idx,
                        term: e.term,
                    });
                }
            }
            Some(last) => {
                // idx <= last: a later write overwrites a suffix (Raft conflict resolution).
                if idx <= self.max_commit {
                    let msg = format!(
                        "entry {idx} overwrites an entry at or below the committed index {}: \
                         committed entries must never change (Raft safety)",
                        self.max_commit
                    );
                    self.push(
                        self.problem(Kind::OverwriteCommitted, loc, msg)
                            .index(Some(idx)),
                    );
                }
                let first = self.summary.first_index.unwrap_or(idx);
                let dropped = last - idx.max(first) + 1;
                self.summary.superseded += dropped;
                self.summary.entries -= dropped.min(self.summary.entries);
                self.runs.retain(|r| r.start < idx);
                self.confs.retain(|c| c.index < idx);
                if self.runs.is_empty() {
                    self.summary.first_index = Some(idx);
                    self.runs.push(TermRun {
                        start: idx,
                        term: e.term,
                    });
                } else {
                    self.append_term(loc, idx, e.term);
                }
            }
        }
        self.last_index = Some(idx);
        self.summary.entries += 1;
        self.term_since_state = self.term_since_state.max(e.term);
    }

    fn append_term(&mut self, loc: Pos<'_>, idx: u64, term: u64) {
        let prev = self.runs.last().map(|r| r.term).unwrap_or(0);
        if term < prev {
            let msg = format!(
                "entry {idx} has term {term}, lower than term {prev} of the entry before it"
            );
            self.push(
                self.problem(Kind::TermRegression, loc, msg)
                    .index(Some(idx)),
            );
        }
        if term != prev {
            self.runs.push(TermRun { start: idx, term });
        }
    }

    fn name_index_check(&mut self, loc: Pos<'_>, idx: u64) {
        if self.seg_is_first_of_wal || self.seg_seq == 0 {
            return;
        }
        let name = self.seg_name_index;
        if idx < name || (idx > name && !self.seg_saw_snapshot) {
            let why = if idx < name {
                "lower: an overwrite of uncommitted entries just before the cut"
            } else {
                "higher, with no snapshot record before it in the segment"
            };
            let msg = format!(
                "the segment's name says its first entry is {name}, but it is {idx} ({why})"
            );
            let p = Problem::warning(Kind::NameIndex, loc.file, msg).at(loc.offset);
            self.push(p.index(Some(idx)));
        }
    }

    fn payload_check(&mut self, loc: Pos<'_>, e: &Entry<'_>, kind: Option<EntryType>) {
        let idx = Some(e.index);
        let Some(kind) = kind else {
            let msg = format!(
                "entry {} has type {}, not one of etcd's 0–2",
                e.index, e.entry_type
            );
            self.push(self.problem(Kind::BadPayload, loc, msg).index(idx));
            return;
        };
        let op = match kind {
            EntryType::EntryNormal => return,
            EntryType::EntryConfChange => match ConfChange::decode(e.data()) {
                Ok(cc) if ConfChangeType::from_etcd(cc.change_type).is_some() => ConfOp::V1(cc),
                Ok(cc) => {
                    let msg = format!("conf change of unknown type {}", cc.change_type);
                    self.push(self.problem(Kind::BadConfchange, loc, msg).index(idx));
                    return;
                }
                Err(err) => {
                    let msg =
                        format!("EntryConfChange does not decode as raftpb.ConfChange ({err})");
                    self.push(self.problem(Kind::BadConfchange, loc, msg).index(idx));
                    return;
                }
            },
            EntryType::EntryConfChangeV2 => match ConfChangeV2::decode(e.data()) {
                Ok(cc) => {
                    let bad = cc
                        .changes
                        .iter()
                        .find(|c| ConfChangeType::from_etcd(c.change_type).is_none());
                    if ConfChangeTransition::from_i32(cc.transition).is_none() || bad.is_some() {
                        let msg =
                            "ConfChangeV2 with an unknown transition or change type".to_string();
                        self.push(self.problem(Kind::BadConfchange, loc, msg).index(idx));
                        return;
                    }
                    ConfOp::V2(cc)
                }
                Err(err) => {
                    let msg =
                        format!("EntryConfChangeV2 does not decode as raftpb.ConfChangeV2 ({err})");
                    self.push(self.problem(Kind::BadConfchange, loc, msg).index(idx));
                    return;
                }
            },
        };
        if self.confs.len() < MAX_CONF_CHANGES {
            self.confs.push(PendingConf {
                index: e.index,
                change: op,
            });
        } else {
            self.conf_overflow = true;
        }
    }

    fn state(&mut self, loc: Pos<'_>, hs: HardState) {
        if let Some(prev) = self.hs {
            if hs.term < prev.term {
                let msg = format!("HardState term went down from {} to {}", prev.term, hs.term);
                self.push(self.problem(Kind::HardstateRegression, loc, msg));
            }
            if hs.commit < prev.commit {
                let msg = format!(
                    "HardState commit went down from {} to {}",
                    prev.commit, hs.commit
                );
                self.push(self.problem(Kind::HardstateRegression, loc, msg));
            }
            if hs.term == prev.term && prev.vote != 0 && hs.vote != prev.vote {
                let msg = format!(
                    "in term {} the vote changed from {:x} to {:x}: a node may vote only once per term",
                    hs.term, prev.vote, hs.vote
                );
                self.push(self.problem(Kind::DoubleVote, loc, msg));
            }
        }
        if self.term_since_state > hs.term {
            let msg = format!(
                "an entry of term {} was written before this HardState of term {}",
                self.term_since_state, hs.term
            );
            self.push(self.problem(Kind::EntryTermAhead, loc, msg));
        }
        self.term_since_state = 0;
        self.max_commit = self.max_commit.max(hs.commit);
        self.hs = Some(hs);
    }

    fn snapshot(&mut self, loc: Pos<'_>, s: &WalSnapshot) {
        self.seg_saw_snapshot = true;
        if let Some((prev, _)) = self.last_snapshot
            && s.index < prev
        {
            let msg = format!(
                "snapshot record {} comes after snapshot record {prev}",
                s.index
            );
            self.push(
                self.problem(Kind::SnapshotRegression, loc, msg)
                    .index(Some(s.index)),
            );
        }
        if let Some(t) = self.term_at(s.index)
            && t != s.term
            && s.index > 0
        {
            let msg = format!(
                "snapshot record ({}, term {}) disagrees with entry {} of term {t}",
                s.index, s.term, s.index
            );
            self.push(
                self.problem(Kind::SnapshotTermMismatch, loc, msg)
                    .index(Some(s.index)),
            );
        }
        if s.conf_state.is_some() {
            self.snapshots_with_conf += 1;
            if s.index > 0 {
                self.snapshots_above_zero_with_conf += 1;
            }
        }
        if let Some(cs) = &s.conf_state {
            self.base_conf = Some((s.index, cs.clone()));
            self.summary
                .snapshot_conf_states
                .push((s.index, cs.clone()));
        }
        self.summary.snapshots.push((s.index, s.term));
        self.last_snapshot = Some((s.index, s.term));
    }

    /// Ends the replay: final checks, and the summary.
    pub fn finish(&mut self, last_file: &str) -> LogSummary {
        let mut s = std::mem::take(&mut self.summary);
        s.last_index = self.last_index;
        s.hard_state = self.hs;
        if let (Some(first), Some(last)) = (self.runs.first(), self.runs.last()) {
            s.terms = Some((first.term, last.term));
        }
        let snap_max = self.last_snapshot.map(|x| x.0).unwrap_or(0);
        if let Some(hs) = self.hs {
            let end = self.last_index.unwrap_or(0).max(snap_max);
            if hs.commit > end {
                let msg = format!(
                    "HardState commit {} is past the end of the log ({end}): entries that were \
                     committed are missing",
                    hs.commit
                );
                self.push(Problem::error(Kind::CommitBeyondLog, last_file, msg));
            }
            if hs.term < self.runs.last().map(|r| r.term).unwrap_or(0) {
                let msg = format!(
                    "the final HardState has term {}, lower than the last entry's",
                    hs.term
                );
                self.push(Problem::error(Kind::EntryTermAhead, last_file, msg));
            }
            for &(i, t) in &s.snapshots {
                if i > hs.commit {
                    let msg = format!(
                        "snapshot record ({i}, term {t}) is above the commit index {}: etcd will not start from it",
                        hs.commit
                    );
                    let p = Problem::warning(Kind::SnapshotBeyondCommit, last_file, msg);
                    self.push(p.index(Some(i)));
                }
            }
        }
        if self.snapshots_with_conf > 0 {
            // Both counts are of records above index 0: an index-0 record that carries a
            // ConfState must not make the difference negative.
            let above_zero = s.snapshots.iter().filter(|x| x.0 > 0).count() as u64;
            let without = above_zero.saturating_sub(self.snapshots_above_zero_with_conf);
            if without > 0 {
                let msg = format!(
                    "{without} snapshot record(s) with index > 0 carry no ConfState, which etcd 3.5 always writes"
                );
                self.push(Problem::warning(Kind::SnapshotNoConfState, last_file, msg));
            }
        }
        // The summary was moved out above: count against its total, not the emptied one.
        for (k, v) in self.type_counts(s.entries) {
            s.entry_types.insert(k, v);
        }
        s.conf_state = self.replay_conf(s.first_index, hs_commit(self.hs), &s.snapshots);
        s
    }

    fn type_counts(&self, entries: u64) -> Vec<(&'static str, u64)> {
        let conf1 = self
            .confs
            .iter()
            .filter(|c| matches!(c.change, ConfOp::V1(_)))
            .count() as u64;
        let conf2 = self.confs.len() as u64 - conf1;
        let normal = entries.saturating_sub(conf1 + conf2);
        let mut v = vec![(EntryType::EntryNormal.name(), normal)];
        if conf1 > 0 {
            v.push((EntryType::EntryConfChange.name(), conf1));
        }
        if conf2 > 0 {
            v.push((EntryType::EntryConfChangeV2.name(), conf2));
        }
        v
    }

    /// Membership at the commit index: the base ConfState with every committed conf change
    /// after it applied in order. The base is the newest of a snapshot record's own ConfState
    /// and that of a `.snap` file a snapshot record at or below the commit names (a member
    /// that joined by snapshot on etcd 3.4 has only the latter), or the empty one when the log
    /// starts at index 1.
    fn replay_conf(
        &mut self,
        first: Option<u64>,
        commit: u64,
        records: &[(u64, u64)],
    ) -> Option<ConfState> {
        if self.conf_overflow {
            return None;
        }
        let from_snap = std::mem::take(&mut self.snap_confs)
            .into_iter()
            .filter(|(i, t, _)| *i <= commit && records.contains(&(*i, *t)))
            .max_by_key(|(i, _, _)| *i)
            .map(|(i, _, cs)| (i, cs));
        let base = match (self.base_conf.take(), from_snap) {
            (Some(r), Some(f)) if f.0 > r.0 => Some(f),
            (Some(r), _) => Some(r),
            (None, f) => f,
        };
        let (base_index, mut cs) = match base {
            Some(b) => b,
            None if first == Some(1) => (0, ConfState::default()),
            None => return None,
        };
        let mut voters: BTreeSet<u64> = cs.voters.iter().copied().collect();
        let mut learners: BTreeSet<u64> = cs.learners.iter().copied().collect();
        let mut outgoing: BTreeSet<u64> = cs.voters_outgoing.iter().copied().collect();
        let mut learners_next: BTreeSet<u64> = cs.learners_next.iter().copied().collect();
        let mut auto_leave = cs.auto_leave;
        let confs = std::mem::take(&mut self.confs);
        for c in confs
            .iter()
            .filter(|c| c.index > base_index && c.index <= commit)
        {
            let (changes, joint, transition): (Vec<(i32, u64)>, bool, i32) = match &c.change {
                ConfOp::V1(cc) => (vec![(cc.change_type, cc.node_id)], false, 0),
                ConfOp::V2(cc) => {
                    if cc.is_leave_joint() {
                        if outgoing.is_empty() {
                            let msg = format!(
                                "entry {} leaves a joint configuration, but none is in force",
                                c.index
                            );
                            self.push(
                                Problem::warning(Kind::ConfStateReplay, "", msg)
                                    .index(Some(c.index)),
                            );
                        }
                        outgoing.clear();
                        learners.extend(learners_next.iter().copied());
                        learners_next.clear();
                        auto_leave = false;
                        continue;
                    }
                    let ch: Vec<(i32, u64)> = cc
                        .changes
                        .iter()
                        .map(|s| (s.change_type, s.node_id))
                        .collect();
                    let joint = cc.transition != 0 || ch.len() > 1;
                    (ch, joint, cc.transition)
                }
            };
            if joint {
                outgoing = voters.clone();
                auto_leave = transition != 2;
            }
            for (t, id) in changes {
                match ConfChangeType::from_etcd(t) {
                    Some(ConfChangeType::AddNode) => {
                        learners.remove(&id);
                        voters.insert(id);
                    }
                    Some(ConfChangeType::AddLearnerNode) => {
                        voters.remove(&id);
                        if outgoing.contains(&id) {
                            learners_next.insert(id);
                        } else {
                            learners.insert(id);
                        }
                    }
                    Some(ConfChangeType::RemoveNode) => {
                        if !voters.contains(&id) && !learners.contains(&id) {
                            let msg = format!(
                                "entry {} removes node {id:x}, which is not a member",
                                c.index
                            );
                            self.push(
                                Problem::warning(Kind::ConfStateReplay, "", msg)
                                    .index(Some(c.index)),
                            );
                        }
                        voters.remove(&id);
                        learners.remove(&id);
                    }
                    Some(ConfChangeType::UpdateNode) | None => {}
                }
            }
        }
        cs.voters = voters.into_iter().collect();
        cs.learners = learners.into_iter().collect();
        cs.voters_outgoing = outgoing.into_iter().collect();
        cs.learners_next = learners_next.into_iter().collect();
        cs.auto_leave = auto_leave;
        Some(cs)
    }
}

fn hs_commit(hs: Option<HardState>) -> u64 {
    hs.map(|h| h.commit).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::raftpb::ConfState;

    /// Issue 9: an index-0 snapshot record with a ConfState made the count of records without
    /// one underflow (a panic in debug builds).
    #[test]
    fn an_index_zero_snapshot_with_a_conf_state_counts_nothing_missing() {
        let mut c = Checker::new();
        c.segment_start(
            Arc::from("0000000000000000-0000000000000000.wal"),
            0,
            0,
            true,
        );
        let pos = Pos {
            file: "0000000000000000-0000000000000000.wal",
            offset: 0,
        };
        c.record(pos, RecordType::Crc as i64, &[]);
        let mut snap = Vec::new();
        WalSnapshot {
            index: 0,
            term: 0,
            conf_state: Some(ConfState {
                voters: vec![1],
                ..Default::default()
            }),
            extra: Vec::new(),
        }
        .encode(&mut snap);
        c.record(pos, RecordType::Snapshot as i64, &snap);
        let _ = c.finish("0000000000000000-0000000000000000.wal");
        let problems = c.take_problems();
        assert!(
            !problems.iter().any(|p| p.kind == Kind::SnapshotNoConfState),
            "{problems:?}"
        );
    }
}
