//! `wal verify`: every offline check of etcd-wal-format.md §17 in one streaming pass over the
//! segments, plus the `.snap` files against the WAL's snapshot records. The `.snap` files are
//! read by the `snap` module and handed in as [`SnapFacts`] (`crate::datadir` joins the two):
//! `wal` does not import `snap`. [`start_snapshot`] is the one rule for which snapshot a
//! member starts from.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::check::{Checker, LogSummary, Pos};
use super::error::Result;
use super::format::RecordType;
use super::layout::{Layout, LeftoverKind, Segment};
use super::lock;
use super::problem::{Kind, Problem};
use super::scan::{Event, ScanOptions, Scanner, SegmentEnd};
use crate::proto::raftpb::ConfState;
use crate::proto::raftpb::{Entry, EntryType};
use crate::proto::walpb::WalSnapshot;

/// A `.snap` file as the WAL's checks need it.
#[derive(Debug, Clone, Default)]
pub struct SnapFacts {
    pub file: String,
    pub term: Option<u64>,
    pub index: Option<u64>,
    pub conf_state: Option<ConfState>,
    /// It reads cleanly (CRC, protobuf): etcd's `snap.Read` accepts it.
    pub ok: bool,
    /// What reading it found (reported with the WAL's problems).
    pub problems: Vec<Problem>,
}

impl SnapFacts {
    /// (term, index) when it reads cleanly.
    pub fn usable(&self) -> Option<(u64, u64)> {
        if self.ok {
            Some((self.term?, self.index?))
        } else {
            None
        }
    }
}

/// Which snapshot a member starts from — the one rule, for `wal verify` (what etcd will do),
/// `wal dump --from-snap` and raftctl's own members: the newest `.snap` (by file name, as
/// etcd's Snapshotter sorts them) that reads cleanly and whose (index, term) the WAL records
/// as a snapshot, at or below `commit` when one is given (etcd 3.4.8+,
/// `Snapshotter.LoadNewestAvailable` over `wal.ValidSnapshotEntries`). raftctl's members
/// pass no commit: they snapshot at the applied index, which can be ahead of the last synced
/// commit-only HardState. `records` are (index, term) pairs.
pub fn start_snapshot<'a>(
    snaps: &'a [SnapFacts],
    records: &[(u64, u64)],
    commit: Option<u64>,
) -> Option<&'a SnapFacts> {
    let mut usable: Vec<&SnapFacts> = snaps
        .iter()
        .filter(|r| {
            r.usable()
                .is_some_and(|(t, i)| commit.is_none_or(|c| i <= c) && records.contains(&(i, t)))
        })
        .collect();
    usable.sort_by(|a, b| b.file.cmp(&a.file));
    usable.first().copied()
}

/// Where etcd would start reading: the newest usable snapshot, or the beginning.
#[derive(Debug, Clone, Serialize)]
pub struct OpensFrom {
    pub index: u64,
    pub term: u64,
    /// The `.snap` file it comes from (none when starting from the beginning).
    pub snap_file: Option<String>,
}

/// The result of `wal verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub segments: u64,
    pub records: u64,
    pub entries: u64,
    pub first_index: Option<u64>,
    pub last_index: Option<u64>,
    /// The term of the last entry.
    pub last_term: Option<u64>,
    pub problems: Vec<Problem>,
    #[serde(serialize_with = "super::problem::ser_hard_state")]
    pub hard_state: Option<crate::proto::raftpb::HardState>,
    /// The member and cluster ids of the metadata, as numbers and in hex.
    pub node_id: Option<u64>,
    pub node_id_hex: Option<String>,
    pub cluster_id: Option<u64>,
    pub cluster_id_hex: Option<String>,
    pub superseded: u64,
    pub snapshot_records: u64,
    pub snap_files: u64,
    pub opens_from: Option<OpensFrom>,
    pub conf_state: Option<crate::proto::raftpb::ConfState>,
    pub entry_types: BTreeMap<&'static str, u64>,
    pub bytes: u64,
}

/// One scanner event, owning what it needs (record bytes live in the batch's arena).
enum Ev {
    Start(usize),
    End {
        seg: usize,
        offset: u64,
        end: SegmentEnd,
    },
    Problem(Box<Problem>),
    Rec {
        seg: usize,
        offset: u64,
        rec_type: i64,
        data: std::ops::Range<usize>,
    },
}

/// Events handed from the scanning thread to the checking one.
#[derive(Default)]
struct Batch {
    evs: Vec<Ev>,
    arena: Vec<u8>,
}

/// Records per batch: large enough to make the hand-over cheap, small enough to stay in cache.
const BATCH: usize = 2048;
/// Bytes of record data per batch (a few batches are in flight: memory stays bounded).
const BATCH_BYTES: usize = 1 << 20;

/// The scanning stage: runs the scanner and sends its events in batches, reusing the batches
/// the checking stage hands back.
fn scan_in_batches(
    segments: Vec<super::layout::Segment>,
    tx: &std::sync::mpsc::SyncSender<Result<Batch>>,
    back: &std::sync::mpsc::Receiver<Batch>,
) {
    let mut scanner = Scanner::new(
        segments,
        ScanOptions {
            check_trailing_zeros: true,
        },
    );
    let fresh = |back: &std::sync::mpsc::Receiver<Batch>| {
        let mut b = back.try_recv().unwrap_or_default();
        b.evs.clear();
        b.arena.clear();
        b
    };
    let mut batch = fresh(back);
    let full = |b: &Batch| b.evs.len() >= BATCH || b.arena.len() >= BATCH_BYTES;
    loop {
        // Runs of clean records take the fast path; anything else, and every read, the
        // scanner's general one.
        while !full(&batch) {
            let took = scanner.next_clean(|c| {
                let start = batch.arena.len();
                keep(&mut batch.arena, c.rec_type, c.data);
                batch.evs.push(Ev::Rec {
                    seg: c.seg,
                    offset: c.offset,
                    rec_type: c.rec_type,
                    data: start..batch.arena.len(),
                });
            });
            if took == 0 {
                break;
            }
        }
        if full(&batch) {
            if tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                return;
            }
            batch = fresh(back);
            continue;
        }
        let Some(ev) = scanner.next() else { break };
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        batch.evs.push(match ev {
            Event::SegmentStart { seg } => Ev::Start(seg),
            Event::SegmentEnd { seg, offset, end } => Ev::End { seg, offset, end },
            Event::Problem(p) => Ev::Problem(p),
            Event::Record(r) => {
                let start = batch.arena.len();
                keep(&mut batch.arena, r.record.rec_type, r.record.data());
                Ev::Rec {
                    seg: r.seg,
                    offset: r.offset,
                    rec_type: r.record.rec_type,
                    data: start..batch.arena.len(),
                }
            }
        });
    }
    if !batch.evs.is_empty() {
        let _ = tx.send(Ok(batch));
    }
}

/// Copies what the checking stage needs of a record into the batch. A large normal entry's
/// data is never looked at there (its CRC was checked here), so only its header crosses —
/// re-encoded without data — instead of the whole payload.
fn keep(arena: &mut Vec<u8>, rec_type: i64, data: &[u8]) {
    if rec_type == RecordType::Entry as i64
        && data.len() > 1024
        && let Ok(e) = Entry::decode(data)
        && e.kind() == Some(EntryType::EntryNormal)
        && e.extra.is_empty()
    {
        Entry { data: None, ..e }.encode(arena);
        return;
    }
    arena.extend_from_slice(data);
}

/// Per-segment facts gathered during the scan, for the openability check.
#[derive(Default, Clone)]
struct SegFacts {
    first_entry: Option<u64>,
    snapshots: Vec<(u64, u64)>,
}

/// Verifies the WAL behind `layout`, and `snaps` (its `.snap` files, read by the caller)
/// against it.
pub fn verify(layout: &Layout, snap_reports: Vec<SnapFacts>) -> Result<VerifyReport> {
    let mut problems = Vec::new();
    names_and_leftovers(layout, &mut problems);
    let segments = layout.segments.clone();
    let bytes = segments.iter().map(|s| s.size).sum();
    let files: Vec<Arc<str>> = segments.iter().map(|s| Arc::from(s.display())).collect();
    let mut facts = vec![SegFacts::default(); segments.len()];
    let mut checker = Checker::new();
    let n = segments.len();
    // Two stages on two threads: this one reads, frames and CRCs (the scanner); the other
    // decodes and checks. Records cross in batches that own their bytes.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Batch>>(4);
    let (back_tx, back_rx) = std::sync::mpsc::channel::<Batch>();
    let scan_segments = segments.clone();
    let reader = std::thread::Builder::new()
        .name("verify-scan".into())
        .spawn(move || scan_in_batches(scan_segments, &tx, &back_rx))
        .map_err(|error| super::WalError::Io {
            path: layout.wal_dir.clone().unwrap_or_default(),
            error,
        })?;
    let mut failure = None;
    for batch in rx.iter() {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        for ev in &batch.evs {
            match ev {
                Ev::Start(seg) => {
                    let s = &segments[*seg];
                    checker.segment_start(files[*seg].clone(), s.seq, s.index, *seg == 0);
                }
                Ev::End { seg, offset, end } => {
                    if seg + 1 < n && *end == SegmentEnd::ZeroWord {
                        let msg = format!(
                            "the records end at offset {offset} but the file goes on to {} bytes: a \
                             segment that is not the last should end at its last record",
                            segments[*seg].size
                        );
                        problems.push(
                            Problem::warning(Kind::UntruncatedSegment, &*files[*seg], msg)
                                .at(*offset),
                        );
                    }
                }
                Ev::Problem(p) => problems.push((**p).clone()),
                Ev::Rec {
                    seg,
                    offset,
                    rec_type,
                    data,
                } => {
                    let pos = Pos {
                        file: &files[*seg],
                        offset: *offset,
                    };
                    let bytes = &batch.arena[data.clone()];
                    let decoded = checker.record(pos, *rec_type, bytes);
                    let f = &mut facts[*seg];
                    match decoded {
                        super::check::Decoded::Entry(e) => {
                            f.first_entry.get_or_insert(e.index);
                        }
                        super::check::Decoded::Snapshot(WalSnapshot { index, term, .. }) => {
                            f.snapshots.push((index, term));
                        }
                        _ => {}
                    }
                    if checker.has_problems() {
                        problems.extend(checker.take_problems());
                    }
                }
            }
        }
        let _ = back_tx.send(batch);
    }
    drop(back_tx);
    let _ = reader.join();
    if let Some(e) = failure {
        return Err(e);
    }
    let last_file = files.last().map(|f| f.to_string()).unwrap_or_default();
    for r in snap_reports.iter().filter(|r| r.ok) {
        if let (Some(i), Some(t), Some(cs)) = (r.index, r.term, &r.conf_state) {
            checker.snap_conf_state(i, t, cs.clone());
        }
    }
    let summary = checker.finish(&last_file);
    problems.extend(checker.take_problems());
    let snaps = snap_checks(layout, snap_reports, &summary, &mut problems);
    let opens_from = if layout.single_file {
        None
    } else {
        Some(openability(
            &segments,
            &facts,
            &summary,
            &snaps,
            &mut problems,
        ))
    };
    if !layout.single_file {
        in_use(&segments, &mut problems);
    }
    let ok = !problems.iter().any(Problem::is_error);
    Ok(report(
        ok,
        n,
        problems,
        summary,
        snaps.len(),
        opens_from,
        bytes,
    ))
}

fn report(
    ok: bool,
    segments: usize,
    problems: Vec<Problem>,
    s: LogSummary,
    snap_files: usize,
    opens_from: Option<OpensFrom>,
    bytes: u64,
) -> VerifyReport {
    VerifyReport {
        ok,
        segments: segments as u64,
        records: s.records,
        entries: s.entries,
        first_index: s.first_index,
        last_index: s.last_index,
        last_term: s.terms.map(|t| t.1),
        problems,
        hard_state: s.hard_state,
        node_id: s.node_id,
        node_id_hex: super::problem::hex_id(s.node_id),
        cluster_id: s.cluster_id,
        cluster_id_hex: super::problem::hex_id(s.cluster_id),
        superseded: s.superseded,
        snapshot_records: s.snapshots.len() as u64,
        snap_files: snap_files as u64,
        opens_from,
        conf_state: s.conf_state,
        entry_types: s.entry_types,
        bytes,
    }
}

/// Problems in the names alone: leftovers, non-canonical names, gaps in the sequence.
pub(super) fn names_and_leftovers(layout: &Layout, problems: &mut Vec<Problem>) {
    for l in &layout.leftovers {
        let file = l.path.display().to_string();
        let p = match l.kind {
            LeftoverKind::Preallocated => Problem::warning(
                Kind::Leftover,
                file,
                "a pre-allocated next segment (normal while a member runs; etcd deletes it on close)".into(),
            ),
            LeftoverKind::Broken => Problem::warning(
                Kind::Leftover,
                file,
                "a copy of a segment kept by a repair: a torn tail was cut here once".into(),
            ),
            LeftoverKind::CreateTmp => Problem::warning(
                Kind::Leftover,
                file,
                "an interrupted WAL creation left this directory".into(),
            ),
            LeftoverKind::BadSegmentName => Problem::error(
                Kind::BadName,
                file,
                "a .wal file whose name is not <seq>-<index>.wal: etcd skips it and every record in it".into(),
            ),
            LeftoverKind::Unknown => {
                Problem::warning(Kind::Leftover, file, "not a WAL file (etcd ignores it)".into())
            }
        };
        problems.push(p);
    }
    if layout.single_file {
        for s in &layout.segments {
            if super::format::parse_segment_name(&s.name).is_none() {
                let msg = "the name is not <seq>-<index>.wal: etcd would not read this file in \
                           a wal dir, and `raftctl wal repair` will not touch it"
                    .into();
                problems.push(Problem::warning(Kind::BadName, s.display(), msg));
            }
        }
        return;
    }
    let mut prev: Option<&Segment> = None;
    for s in &layout.segments {
        if !s.canonical {
            let msg =
                "the name is not in canonical form (16 lower-case hex digits each); etcd reads it"
                    .into();
            problems.push(Problem::warning(Kind::BadName, s.display(), msg));
        }
        if let Some(p) = prev
            && s.seq != p.seq + 1
        {
            let msg = if p.seq == 0 {
                format!(
                    "segment seq {} follows seq 0: segments are missing in between (etcd \
                         does not check this step and fails later with \"wal: crc mismatch\")",
                    s.seq
                )
            } else {
                format!(
                    "segment seq {} follows seq {}: segments are missing in between (etcd \
                         cannot open the WAL across the gap: \"wal: file not found\")",
                    s.seq, p.seq
                )
            };
            problems.push(Problem::error(Kind::SeqGap, s.display(), msg));
        }
        prev = Some(s);
    }
}

/// Checks every `.snap`, and each against the WAL's snapshot records.
fn snap_checks(
    layout: &Layout,
    read: Vec<SnapFacts>,
    s: &LogSummary,
    problems: &mut Vec<Problem>,
) -> Vec<SnapFacts> {
    let commit = s.hard_state.map(|h| h.commit).unwrap_or(0);
    let mut reports = Vec::new();
    for r in read {
        problems.extend(r.problems.iter().cloned());
        if let (Some(index), Some(cs)) = (r.index, &r.conf_state) {
            let wal_cs = s.snapshot_conf_states.iter().rfind(|(i, _)| *i == index);
            if let Some((_, w)) = wal_cs
                && w.normalized() != cs.normalized()
            {
                let msg = format!(
                    "the .snap's membership differs from its WAL snapshot record's ({index}): \
                     {:?} vs {:?}",
                    cs.normalized().voters,
                    w.normalized().voters
                );
                let p = Problem::error(Kind::SnapConfStateMismatch, &r.file, msg);
                problems.push(p.index(Some(index)));
            }
        }
        if let (Some(term), Some(index)) = (r.term, r.index) {
            let matched = s.snapshots.iter().any(|&(i, t)| (i, t) == (index, term));
            if !matched || index > commit {
                let why = if matched {
                    format!("its WAL snapshot record is above the commit index {commit}")
                } else {
                    "no WAL snapshot record matches it".to_string()
                };
                let msg = format!(
                    "snapshot ({index}, term {term}): {why}; etcd 3.4.8+ ignores it at start"
                );
                problems.push(Problem::warning(Kind::OrphanSnap, &r.file, msg).index(Some(index)));
            }
        }
        reports.push(r);
    }
    // The newest snapshot record etcd could start from should have its .snap.
    let newest = s
        .snapshots
        .iter()
        .filter(|&&(i, _)| i > 0 && i <= commit)
        .max();
    if let Some(&(i, t)) = newest {
        let has = reports.iter().any(|r| r.usable() == Some((t, i)));
        if !has && layout.snap_dir.is_some() {
            let dir = layout
                .snap_dir
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            let msg = format!(
                "the WAL's newest snapshot record ({i}, term {t}) has no readable .snap file: etcd \
                 starts from an older snapshot and replays more of the log"
            );
            problems.push(Problem::warning(Kind::MissingSnap, dir, msg).index(Some(i)));
        }
    }
    reports
}

/// Check 22: can etcd open this WAL from the snapshot it would pick?
fn openability(
    segments: &[Segment],
    facts: &[SegFacts],
    s: &LogSummary,
    snaps: &[SnapFacts],
    problems: &mut Vec<Problem>,
) -> OpensFrom {
    let commit = s.hard_state.map(|h| h.commit).unwrap_or(0);
    let (index, term, snap_file) = match start_snapshot(snaps, &s.snapshots, Some(commit)) {
        Some(r) => (
            r.index.unwrap_or(0),
            r.term.unwrap_or(0),
            Some(r.file.clone()),
        ),
        None => (0, 0, None),
    };
    let from = OpensFrom {
        index,
        term,
        snap_file,
    };
    let file = segments.first().map(|x| x.display()).unwrap_or_default();
    let fail = |problems: &mut Vec<Problem>, msg: String| {
        problems.push(Problem::error(Kind::NotOpenable, &file, msg));
    };
    // §7.1: the last segment whose name index is at or below the start index.
    let Some(pos) = segments.iter().rposition(|seg| seg.index <= index) else {
        let msg = format!(
            "no segment starts at or below index {index} (the {}): etcd cannot open this WAL \
             (\"wal: file not found\"); older segments were removed",
            if index == 0 {
                "beginning of the log".to_string()
            } else {
                format!("snapshot at {index}")
            }
        );
        fail(problems, msg);
        return from;
    };
    let chosen = &facts[pos..];
    if index > 0 && !chosen.iter().any(|f| f.snapshots.contains(&(index, term))) {
        let msg = format!(
            "the segments from {} on hold no snapshot record ({index}, term {term}) (\"wal: \
             snapshot not found\")",
            segments[pos].display()
        );
        fail(problems, msg);
    }
    if let Some(e) = chosen.iter().find_map(|f| f.first_entry)
        && e > index + 1
    {
        let msg = format!(
            "reading from index {index}, the first entry found is {e}: entries {}..{} are \
                 missing (\"wal: slice bounds out of range\")",
            index + 1,
            e - 1
        );
        fail(problems, msg);
    }
    from
}

/// Check 24: a segment locked by a live process is being written while we read.
fn in_use(segments: &[Segment], problems: &mut Vec<Problem>) {
    if let Some(s) = segments.iter().rev().find(|s| lock::is_locked(&s.path)) {
        let msg = "locked by a running process (a member is using this WAL): the tail may change while it is read".into();
        problems.push(Problem::warning(Kind::InUse, s.display(), msg));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(file: &str, term: u64, index: u64, ok: bool) -> SnapFacts {
        SnapFacts {
            file: file.into(),
            term: Some(term),
            index: Some(index),
            ok,
            ..Default::default()
        }
    }

    /// One rule for every caller (issue 9): newest by name, readable, recorded in the WAL,
    /// and at or below the commit when one is given.
    #[test]
    fn the_start_snapshot_rule() {
        let snaps = [
            snap("2-0a.snap", 2, 10, true),
            snap("2-14.snap", 2, 20, true),
            snap("2-1e.snap", 2, 30, false),
            snap("3-28.snap", 3, 40, true),
        ];
        let records = [(10, 2), (20, 2), (30, 2), (40, 3)];
        let pick = |records: &[(u64, u64)], commit| {
            start_snapshot(&snaps, records, commit).map(|s| s.index.unwrap_or(0))
        };
        assert_eq!(pick(&records, None), Some(40));
        // etcd 3.4.8+: not above the commit; the unreadable one at 30 is passed over.
        assert_eq!(pick(&records, Some(35)), Some(20));
        // A .snap the WAL does not record is not used.
        assert_eq!(pick(&records[..2], None), Some(20));
        assert_eq!(pick(&[], None), None);
    }
}
