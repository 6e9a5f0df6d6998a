//! `raftctl recover force-new-cluster DIR`: what etcd's `--force-new-cluster` does when a
//! member starts (etcd 3.4 `etcdserver/raft.go` `restartAsStandaloneNode`), done offline on
//! the data dir so that the plan can be read first. From the snapshot the member starts from,
//! the entries after the commit index are dropped, a committed ConfChange RemoveNode entry is
//! appended for every other member (`getIDs` and `createConfigChangeEnts` there), the commit
//! is raised to the last of them, and the cluster id is kept. The member dir is copied aside
//! before anything changes; the WAL is then rewritten whole (metadata, the start snapshot's
//! record, the kept entries, the new ones, the HardState) and swapped in. The `.snap` files
//! and etcd's bbolt `db` are left as they are: a normal start re-applies what follows the
//! backend's consistent index, which is how etcd applies the entries it forced.

use std::collections::BTreeSet;
use std::fs;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::proto::raftpb::{ConfChange, ConfChangeType, ConfChangeV2, Entry, EntryType, HardState};
use crate::proto::walpb::{Metadata, WalSnapshot};
use crate::wal::layout::Layout;
use crate::wal::view::{Item, LogView, ViewOptions};
use crate::wal::writer::{WalWriter, WriterOptions};
use crate::wal::{Kind, lock};

#[derive(Debug, Error)]
pub enum RecoverError {
    #[error("{path}: no WAL here (no member/wal with segments): nothing to recover")]
    NoWal { path: PathBuf },
    #[error("{path}: the WAL is in use (a running member holds its lock): stop the member first")]
    InUse { path: PathBuf },
    #[error(
        "{path}: the WAL's last write is torn ({file}, offset {offset}); run `raftctl wal \
         repair {path}` first (it cuts it as etcd does and keeps a copy), then recover"
    )]
    TornTail {
        path: PathBuf,
        file: String,
        offset: u64,
    },
    #[error(
        "{path}: the WAL does not verify ({file}: {message}); `raftctl wal verify {path}` \
         lists every problem: recover from another member's dir"
    )]
    Damaged {
        path: PathBuf,
        file: String,
        message: String,
    },
    #[error("{path}: {message}")]
    Unsupported { path: PathBuf, message: String },
    #[error(transparent)]
    Wal(#[from] crate::wal::WalError),
    #[error(transparent)]
    Snap(#[from] crate::snap::SnapError),
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, RecoverError>;

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> RecoverError + '_ {
    move |error| RecoverError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// An entry the rewrite drops (it was never committed).
#[derive(Debug, Clone, Serialize)]
pub struct Discarded {
    pub index: u64,
    pub term: u64,
    #[serde(rename = "type")]
    pub entry_type: &'static str,
}

/// An entry the rewrite appends.
#[derive(Debug, Clone, Serialize)]
pub struct Appended {
    pub index: u64,
    pub term: u64,
    /// `RemoveNode` (or `AddNode` for the member itself when the log no longer lists it).
    pub change: &'static str,
    pub node_id: u64,
}

/// What `force-new-cluster` does (or, with `--dry-run`, would do) to one data dir.
#[derive(Debug, Clone, Serialize)]
pub struct RecoverReport {
    pub dir: String,
    pub member_id: u64,
    pub member_id_hex: String,
    pub cluster_id: u64,
    pub cluster_id_hex: String,
    /// The other members, removed by the appended entries.
    pub removed: Vec<u64>,
    /// How many entries after the commit index are dropped.
    pub discarded: u64,
    pub discarded_entries: Vec<Discarded>,
    pub appended: Vec<Appended>,
    /// The commit index the plan starts from: the WAL's HardState, or etcd's backend index
    /// when that is ahead (it applied only what was committed), or the last entry with
    /// `--keep-uncommitted`.
    pub old_commit: u64,
    /// The commit the WAL's last HardState records.
    pub wal_commit: u64,
    /// The whole log was kept and committed (`--keep-uncommitted`).
    pub keep_uncommitted: bool,
    /// The commit after: the last appended entry.
    pub commit: u64,
    pub term: u64,
    /// The snapshot the member starts from (0: the beginning of the log).
    pub snapshot_index: u64,
    /// The copy of the member dir made before the rewrite (none on a dry run or when there
    /// is nothing to do).
    pub backup: Option<String>,
    pub dry_run: bool,
    /// The log already is a one-member cluster's with nothing uncommitted: nothing changed.
    pub nothing_to_do: bool,
    /// Whether the dir is etcd's (it has a bbolt backend, member/snap/db).
    pub etcd: bool,
}

/// Everything the rewrite needs, read from the dir.
struct Plan {
    report: RecoverReport,
    metadata: Vec<u8>,
    start: WalSnapshot,
    kept: Vec<Entry<'static>>,
    new: Vec<Entry<'static>>,
    hard_state: HardState,
    member_dir: PathBuf,
    wal_dir: PathBuf,
    /// The flock on the WAL dir, held until the plan is carried out.
    _lock: fs::File,
}

/// Plans the recovery of the data dir `dir` and, unless `dry_run`, carries it out.
pub fn force_new_cluster(
    dir: &Path,
    dry_run: bool,
    keep_uncommitted: bool,
) -> Result<RecoverReport> {
    let plan = plan(dir, keep_uncommitted)?;
    if dry_run || plan.report.nothing_to_do {
        return Ok(plan.report);
    }
    apply(plan)
}

fn plan(dir: &Path, keep_uncommitted: bool) -> Result<Plan> {
    let no_wal = || RecoverError::NoWal {
        path: dir.to_path_buf(),
    };
    let member_dir = dir.join("member");
    let wal_dir = member_dir.join("wal");
    if !wal_dir.is_dir() {
        return Err(no_wal());
    }
    let layout = match Layout::open(dir) {
        Ok(l) if !l.segments.is_empty() => l,
        Ok(_) | Err(crate::wal::WalError::NotAWal { .. }) => return Err(no_wal()),
        Err(crate::wal::WalError::NoSegments { .. }) => return Err(no_wal()),
        Err(e) => return Err(e.into()),
    };
    // raftctl's writer holds a flock on the WAL dir, etcd an OFD lock on its segments. The
    // flock is taken here and held to the end, so no raftctl member starts on the dir
    // meanwhile.
    let in_use = || RecoverError::InUse {
        path: dir.to_path_buf(),
    };
    let dir_lock = fs::File::open(&wal_dir).map_err(io_at(&wal_dir))?;
    // SAFETY: a valid fd for the life of `dir_lock`; the lock goes with it.
    if unsafe { libc::flock(dir_lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(in_use());
    }
    if layout.segments.iter().any(|s| lock::is_locked(&s.path)) {
        return Err(in_use());
    }
    let v = crate::datadir::verify(&layout)?;
    if let Some(p) = v.problems.iter().find(|p| p.is_error()) {
        return Err(if p.kind == Kind::TornTail {
            RecoverError::TornTail {
                path: dir.to_path_buf(),
                file: p.file.clone(),
                offset: p.offset.unwrap_or(0),
            }
        } else {
            RecoverError::Damaged {
                path: dir.to_path_buf(),
                file: p.file.clone(),
                message: p.message.clone(),
            }
        });
    }
    let unsupported = |message: String| RecoverError::Unsupported {
        path: dir.to_path_buf(),
        message,
    };
    let (start_index, start_term, snap_file) = v
        .opens_from
        .as_ref()
        .map(|o| (o.index, o.term, o.snap_file.clone()))
        .unwrap_or((0, 0, None));
    let snap_conf = match &snap_file {
        Some(f) => crate::snap::inspect(Path::new(f))?.conf_state,
        None => None,
    };

    // The log as etcd's ReadAll returns it from the start snapshot: overwritten entries left
    // out, the last HardState, the metadata.
    let mut view = LogView::new(
        layout.segments.clone(),
        ViewOptions {
            raw: false,
            start_index,
        },
    );
    let mut hs = HardState::default();
    let mut metadata = Vec::new();
    let mut entries: Vec<Entry<'static>> = Vec::new();
    while let Some(item) = view.next() {
        match item? {
            Item::Entry { entry, .. } if entry.index > start_index => entries.push(entry),
            Item::HardState { hs: h, .. } => hs = h,
            Item::Metadata { data, .. } if metadata.is_empty() => metadata = data,
            Item::Problem(p) if p.is_error() => {
                return Err(RecoverError::Damaged {
                    path: dir.to_path_buf(),
                    file: p.file.clone(),
                    message: p.message.clone(),
                });
            }
            _ => {}
        }
    }
    let md = Metadata::decode(&metadata).map_err(|e| {
        unsupported(format!(
            "the WAL metadata is not {{member id, cluster id}}: {e}"
        ))
    })?;
    if md.node_id == 0 {
        return Err(unsupported(
            "the WAL metadata names member 0: not a member's WAL".into(),
        ));
    }
    let last_index = entries.last().map(|e| e.index).unwrap_or(start_index);
    // etcd 3.4 starts from a snapshot at or below the commit, so the commit is at least its
    // index; a HardState commit past the last entry is a log etcd refuses (raft's
    // "commit is out of range").
    let wal_commit = hs.commit.max(start_index);
    if wal_commit > last_index {
        return Err(unsupported(format!(
            "the HardState commits {wal_commit} but the log ends at {last_index}: entries \
             were lost; recover from another member's dir"
        )));
    }
    let db = member_dir.join("snap/db");
    let etcd = db.is_file();
    // etcd writes a HardState whose only change is the commit without syncing it, so after a
    // crash the WAL's commit can lag what the backend applied; what it applied was committed.
    let db_index = etcd
        .then(|| crate::bbolt::read_facts(&db).ok())
        .flatten()
        .and_then(|f| f.consistent_index)
        .filter(|ci| *ci > wal_commit && *ci <= last_index);
    let old_commit = match (keep_uncommitted, db_index) {
        (true, _) => last_index,
        (false, Some(ci)) => ci,
        (false, None) => wal_commit,
    };

    let (kept, dropped): (Vec<_>, Vec<_>) =
        entries.into_iter().partition(|e| e.index <= old_commit);
    let discarded_entries: Vec<Discarded> = dropped
        .iter()
        .map(|e| Discarded {
            index: e.index,
            term: e.term,
            entry_type: EntryType::from_i32(e.entry_type)
                .map(EntryType::name)
                .unwrap_or("unknown"),
        })
        .collect();

    let ids =
        member_ids(snap_conf.as_ref().map(|c| c.voters.as_slice()), &kept).map_err(unsupported)?;
    // A survivor that is a learner in the committed configuration (a member added by
    // `member add`, whose promotion never committed) would be left a cluster without a voter
    // by the removals alone: it is promoted first, as an AddNode does to a learner in raft
    // (raft-rs src/confchange/changer.rs, make_voter). etcd 3.4 applies a promotion only with
    // its `isPromote` member context (etcdserver/api/membership/cluster.go
    // ValidateConfigurationChange), which its --force-new-cluster never writes: refused.
    let self_learner = is_learner(
        snap_conf.as_ref().map(|c| c.learners.as_slice()),
        &kept,
        md.node_id,
    )
    .map_err(unsupported)?;
    if self_learner && etcd {
        return Err(unsupported(format!(
            "member {:x} is a learner in the committed configuration: etcd has no voter to \
             make a cluster of; recover from a voter's dir",
            md.node_id
        )));
    }
    let new = conf_change_entries(&ids, md.node_id, self_learner, hs.term, old_commit, etcd);
    let commit = new.last().map(|e| e.index).unwrap_or(old_commit);
    let appended = new
        .iter()
        .map(|e| {
            let cc = e
                .data
                .as_deref()
                .and_then(|d| ConfChange::decode(d).ok())
                .unwrap_or_default();
            Appended {
                index: e.index,
                term: e.term,
                change: ConfChangeType::from_etcd(cc.change_type)
                    .map(ConfChangeType::name)
                    .unwrap_or("unknown"),
                node_id: cc.node_id,
            }
        })
        .collect();
    let removed: Vec<u64> = ids.iter().copied().filter(|i| *i != md.node_id).collect();
    let nothing_to_do = new.is_empty() && discarded_entries.is_empty();
    let report = RecoverReport {
        dir: dir.display().to_string(),
        member_id: md.node_id,
        member_id_hex: format!("{:x}", md.node_id),
        cluster_id: md.cluster_id,
        cluster_id_hex: format!("{:x}", md.cluster_id),
        removed,
        discarded: discarded_entries.len() as u64,
        discarded_entries,
        appended,
        old_commit,
        wal_commit,
        keep_uncommitted,
        commit,
        term: hs.term,
        snapshot_index: start_index,
        backup: None,
        dry_run: false,
        nothing_to_do,
        etcd,
    };
    Ok(Plan {
        report,
        metadata,
        start: WalSnapshot {
            index: start_index,
            term: start_term,
            conf_state: None,
            extra: Vec::new(),
        },
        kept,
        new,
        hard_state: HardState {
            term: hs.term,
            vote: hs.vote,
            commit,
        },
        member_dir,
        wal_dir,
        _lock: dir_lock,
    })
}

/// The members the committed log lists: the start snapshot's voters, then each committed
/// conf change in order (etcd 3.4 `getIDs`: AddNode and AddLearnerNode add, RemoveNode
/// removes; learners of the snapshot are not counted, as there). raftctl's own members also
/// write ConfChangeV2 entries; their single changes count the same way, and a log that ends
/// inside a joint configuration is refused (a V1 change cannot follow it).
pub fn member_ids(
    snap_voters: Option<&[u64]>,
    entries: &[Entry<'_>],
) -> std::result::Result<Vec<u64>, String> {
    let mut ids: BTreeSet<u64> = snap_voters.unwrap_or_default().iter().copied().collect();
    for (t, id) in conf_changes(entries)? {
        match t {
            Some(ConfChangeType::AddNode | ConfChangeType::AddLearnerNode) => {
                ids.insert(id);
            }
            Some(ConfChangeType::RemoveNode) => {
                ids.remove(&id);
            }
            _ => {}
        }
    }
    Ok(ids.into_iter().collect())
}

/// Whether `id` is a learner once the committed log is applied to the start snapshot's
/// configuration (raft: AddLearnerNode makes a learner, AddNode a voter, a learner promoted
/// included; RemoveNode removes either).
pub fn is_learner(
    snap_learners: Option<&[u64]>,
    entries: &[Entry<'_>],
    id: u64,
) -> std::result::Result<bool, String> {
    let mut learner = snap_learners.unwrap_or_default().contains(&id);
    for (t, node) in conf_changes(entries)? {
        if node != id {
            continue;
        }
        match t {
            Some(ConfChangeType::AddLearnerNode) => learner = true,
            Some(ConfChangeType::AddNode | ConfChangeType::RemoveNode) => learner = false,
            _ => {}
        }
    }
    Ok(learner)
}

/// Every single change of the log's conf change entries (V1 and V2), in order.
fn conf_changes(
    entries: &[Entry<'_>],
) -> std::result::Result<Vec<(Option<ConfChangeType>, u64)>, String> {
    let mut out = Vec::new();
    let mut joint = false;
    for e in entries {
        let data = e.data.as_deref().unwrap_or_default();
        match EntryType::from_i32(e.entry_type) {
            Some(EntryType::EntryConfChange) => {
                let cc = ConfChange::decode(data).map_err(|err| {
                    format!(
                        "entry {}: a ConfChange that does not decode: {err}",
                        e.index
                    )
                })?;
                out.push((ConfChangeType::from_etcd(cc.change_type), cc.node_id));
            }
            Some(EntryType::EntryConfChangeV2) => {
                let cc = ConfChangeV2::decode(data).map_err(|err| {
                    format!(
                        "entry {}: a ConfChangeV2 that does not decode: {err}",
                        e.index
                    )
                })?;
                if cc.changes.is_empty() {
                    joint = false;
                } else if cc.changes.len() > 1 || cc.transition != 0 {
                    joint = true;
                }
                for c in &cc.changes {
                    out.push((ConfChangeType::from_etcd(c.change_type), c.node_id));
                }
            }
            _ => {}
        }
    }
    if joint {
        return Err(
            "the committed log ends in a joint configuration (its leave entry never \
                    committed): not supported; start the member with its peers or finish the \
                    change first"
                .into(),
        );
    }
    Ok(out)
}

/// etcd 3.4 `createConfigChangeEnts`: after `index`, at `term`, an AddNode for `self_id` first
/// when `ids` does not hold it (raft panics on an empty voter set) or holds it as a learner
/// (`self_learner`: the AddNode promotes it), then a RemoveNode for every other id. The AddNode carries the member context the member's kind reads: etcd's
/// `membership.Member` JSON with etcd's default peer URL, or raftctl's `MemberContext`.
pub fn conf_change_entries(
    ids: &[u64],
    self_id: u64,
    self_learner: bool,
    term: u64,
    index: u64,
    etcd: bool,
) -> Vec<Entry<'static>> {
    let mut changes: Vec<(ConfChangeType, u64, Option<Vec<u8>>)> = Vec::new();
    if !ids.contains(&self_id) || self_learner {
        let ctx = if etcd {
            serde_json::json!({"id": self_id, "peerURLs": ["http://localhost:2380"]})
        } else {
            serde_json::to_value(crate::node::boot::MemberContext::default()).unwrap_or_default()
        };
        changes.push((
            ConfChangeType::AddNode,
            self_id,
            Some(serde_json::to_vec(&ctx).unwrap_or_default()),
        ));
    }
    for id in ids.iter().filter(|i| **i != self_id) {
        changes.push((ConfChangeType::RemoveNode, *id, None));
    }
    changes
        .into_iter()
        .enumerate()
        .map(|(i, (t, node_id, context))| {
            let mut data = Vec::new();
            ConfChange {
                id: 0,
                change_type: t.etcd_number(),
                node_id,
                context,
                extra: Vec::new(),
            }
            .encode(&mut data);
            Entry {
                entry_type: EntryType::EntryConfChange.as_i32(),
                term,
                index: index + 1 + i as u64,
                data: Some(data.into()),
                extra: Default::default(),
            }
        })
        .collect()
}

/// Copies the member dir aside, writes the new WAL beside the old one and swaps it in.
fn apply(mut plan: Plan) -> Result<RecoverReport> {
    let backup = backup_path(&plan.member_dir);
    copy_tree(&plan.member_dir, &backup)?;
    plan.report.backup = Some(backup.display().to_string());

    let new_wal = plan.member_dir.join("wal.recover");
    if new_wal.exists() {
        fs::remove_dir_all(&new_wal).map_err(io_at(&new_wal))?;
    }
    let written = (|| -> Result<()> {
        let mut w = WalWriter::create(&new_wal, &plan.metadata, WriterOptions::default())?;
        if plan.start.index > 0 {
            w.save_snapshot(&plan.start)?;
        }
        let all: Vec<Entry<'static>> = plan.kept.drain(..).chain(plan.new.drain(..)).collect();
        for chunk in all.chunks(4096) {
            w.save(&HardState::default(), chunk)?;
        }
        w.save(&plan.hard_state, &[])?;
        w.sync()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&new_wal);
        return Err(e);
    }
    let old_wal = plan.member_dir.join("wal.before-recover");
    fs::rename(&plan.wal_dir, &old_wal).map_err(io_at(&plan.wal_dir))?;
    if let Err(e) = fs::rename(&new_wal, &plan.wal_dir) {
        let _ = fs::rename(&old_wal, &plan.wal_dir);
        return Err(io_at(&plan.wal_dir)(e));
    }
    sync_dir(&plan.member_dir)?;
    // The whole member dir is in the backup: the old WAL goes.
    fs::remove_dir_all(&old_wal).map_err(io_at(&old_wal))?;
    sync_dir(&plan.member_dir)?;
    Ok(plan.report)
}

/// `DIR/member.before-recover-<UTC time>`, with `-2`, `-3`… when that exists: never an
/// existing path.
fn backup_path(member_dir: &Path) -> PathBuf {
    let stamp = utc_stamp(std::time::SystemTime::now());
    let base = format!("{}.before-recover-{stamp}", member_dir.display());
    let mut p = PathBuf::from(&base);
    let mut n = 2;
    while p.exists() {
        p = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    p
}

/// `20261201T203610Z`.
fn utc_stamp(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Copies a tree (files, dirs, symlinks as links), refusing to write over anything.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir(to).map_err(io_at(to))?;
    for de in fs::read_dir(from).map_err(io_at(from))? {
        let de = de.map_err(io_at(from))?;
        let (src, dst) = (de.path(), to.join(de.file_name()));
        let ft = de.file_type().map_err(io_at(&src))?;
        if ft.is_dir() {
            copy_tree(&src, &dst)?;
        } else if ft.is_symlink() {
            let target = fs::read_link(&src).map_err(io_at(&src))?;
            std::os::unix::fs::symlink(target, &dst).map_err(io_at(&dst))?;
        } else {
            fs::copy(&src, &dst).map_err(io_at(&src))?;
            fs::File::open(&dst)
                .and_then(|f| f.sync_all())
                .map_err(io_at(&dst))?;
        }
    }
    sync_dir(to)
}

fn sync_dir(dir: &Path) -> Result<()> {
    fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io_at(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc_entry(index: u64, t: ConfChangeType, node: u64) -> Entry<'static> {
        let mut data = Vec::new();
        ConfChange {
            id: 0,
            change_type: t.etcd_number(),
            node_id: node,
            context: None,
            extra: Vec::new(),
        }
        .encode(&mut data);
        Entry {
            entry_type: EntryType::EntryConfChange.as_i32(),
            term: 1,
            index,
            data: Some(data.into()),
            extra: Default::default(),
        }
    }

    /// etcd 3.4 `getIDs`: the snapshot's voters, then AddNode/AddLearnerNode add and
    /// RemoveNode removes, in log order; the result sorted.
    #[test]
    fn member_ids_follow_etcds_get_ids() {
        let ents = [
            cc_entry(5, ConfChangeType::AddNode, 9),
            cc_entry(6, ConfChangeType::RemoveNode, 2),
            cc_entry(7, ConfChangeType::AddLearnerNode, 4),
            cc_entry(8, ConfChangeType::UpdateNode, 7),
        ];
        assert_eq!(
            member_ids(Some(&[3, 1, 2]), &ents).unwrap(),
            vec![1, 3, 4, 9]
        );
        assert_eq!(member_ids(None, &ents[..1]).unwrap(), vec![9]);
    }

    /// A learner stays one until an AddNode promotes it; the snapshot's learners count.
    #[test]
    fn learners_are_followed_to_their_promotion() {
        let ents = [
            cc_entry(5, ConfChangeType::AddLearnerNode, 4),
            cc_entry(6, ConfChangeType::AddNode, 4),
        ];
        assert!(!is_learner(None, &ents, 4).unwrap());
        assert!(is_learner(None, &ents[..1], 4).unwrap());
        assert!(!is_learner(None, &ents[..1], 3).unwrap());
        assert!(is_learner(Some(&[3]), &ents, 3).unwrap());
    }

    /// etcd 3.4 `createConfigChangeEnts`: RemoveNode for each other id at commit+1…, term of
    /// the HardState, no context; an AddNode of self first when self is not listed.
    #[test]
    fn conf_change_entries_are_etcds() {
        let e = conf_change_entries(&[1, 2, 3], 2, false, 7, 40, true);
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].index, e[0].term, e[1].index), (41, 7, 42));
        let cc = ConfChange::decode(e[0].data.as_deref().unwrap()).unwrap();
        assert_eq!(cc.change_type, ConfChangeType::RemoveNode.etcd_number());
        assert_eq!((cc.node_id, cc.id, cc.context), (1, 0, None));
        // Field by field as gogoproto writes it: ID 0, Type 1 (RemoveNode), NodeID 3.
        assert_eq!(e[1].data.as_deref().unwrap(), &[0x08, 0, 0x10, 1, 0x18, 3]);

        let e = conf_change_entries(&[1, 3], 2, false, 7, 40, true);
        let add = ConfChange::decode(e[0].data.as_deref().unwrap()).unwrap();
        assert_eq!(add.change_type, ConfChangeType::AddNode.etcd_number());
        assert_eq!(add.node_id, 2);
        let ctx: serde_json::Value = serde_json::from_slice(&add.context.unwrap()).unwrap();
        assert_eq!(ctx["id"], 2);
        assert_eq!(ctx["peerURLs"][0], "http://localhost:2380");
        assert_eq!(e.len(), 3);
        assert!(conf_change_entries(&[2], 2, false, 7, 40, true).is_empty());
        // A learner survivor is promoted before the others go.
        let e = conf_change_entries(&[1, 2], 2, true, 7, 40, false);
        let add = ConfChange::decode(e[0].data.as_deref().unwrap()).unwrap();
        assert_eq!(add.change_type, ConfChangeType::AddNode.etcd_number());
        assert_eq!((add.node_id, e.len()), (2, 2));
    }

    #[test]
    fn stamps_are_utc() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_764_621_370);
        assert_eq!(utc_stamp(t), "20251201T203610Z");
    }
}
