//! A member's start: its data dir in etcd's layout (`member/wal`, `member/snap`). Bootstraps a
//! fresh one from the initial cluster as etcd does (one AddNode conf change entry per member,
//! term 1, all committed), or restarts an existing one from its newest usable snapshot plus
//! the WAL.

use std::path::{Path, PathBuf};

use raft::eraftpb;
use thiserror::Error;

use crate::proto::convert::{self, ConvertError};
use crate::proto::raftpb::{
    ConfChange, ConfChangeType, Entry, EntryType, HardState, Snapshot, SnapshotMetadata,
};
use crate::proto::walpb::Metadata;
use crate::snap;
use crate::wal::layout::Layout;
use crate::wal::view::{Item, LogView, ViewOptions};
use crate::wal::writer::{Opening, WalWriter, WriterOptions};
use crate::wal::{self, WalError};

use super::NodeConfig;

#[derive(Debug, Error)]
pub enum BootError {
    #[error(transparent)]
    Wal(#[from] WalError),
    #[error(transparent)]
    Snap(#[from] snap::SnapError),
    #[error(transparent)]
    Convert(#[from] ConvertError),
    #[error("{path}: {message}")]
    Damaged { path: PathBuf, message: String },
    #[error("{path}: this data dir belongs to member {owner}, not {id}")]
    OtherMember { path: PathBuf, owner: u64, id: u64 },
    #[error("--join needs --cluster-id (see `raftctl status` of the cluster)")]
    JoinWithoutClusterId,
}

/// What `open` found or made on disk.
pub struct Boot {
    pub(crate) rec: Recovered,
    /// A new cluster's member (its lowest-id member campaigns at once).
    pub(crate) fresh: bool,
}

impl Boot {
    pub fn cluster_id(&self) -> u64 {
        self.rec.metadata.cluster_id
    }
}

/// Opens the data dir, or bootstraps it.
pub fn open(cfg: &NodeConfig) -> Result<Boot, BootError> {
    let opts = WriterOptions {
        segment_size: cfg.segment_size,
        disk: cfg.disk(),
    };
    if exists(&cfg.data_dir) {
        let rec = recover(&cfg.data_dir, opts)?;
        if rec.metadata.node_id != cfg.id {
            return Err(BootError::OtherMember {
                path: cfg.data_dir.clone(),
                owner: rec.metadata.node_id,
                id: cfg.id,
            });
        }
        if let Some(r) = &rec.repaired {
            tracing::warn!(
                "cut a torn WAL tail in {} at offset {} ({} record(s) after it that still checked out \
                 went with it, as etcd does); the segment as it was is in {}",
                r.segment.display(),
                r.offset,
                r.records_after,
                r.copy.display()
            );
        }
        return Ok(Boot { rec, fresh: false });
    }
    let cluster_id = match (cfg.join, cfg.cluster_id) {
        (_, Some(c)) => c,
        (false, None) => NodeConfig::derive_cluster_id(&cfg.initial_cluster),
        (true, None) => return Err(BootError::JoinWithoutClusterId),
    };
    let members: &[(u64, String)] = if cfg.join { &[] } else { &cfg.initial_cluster };
    let md = Metadata {
        node_id: cfg.id,
        cluster_id,
    };
    let rec = bootstrap(&cfg.data_dir, md, members, opts)?;
    Ok(Boot {
        rec,
        fresh: !cfg.join,
    })
}

/// Everything a node restarts from.
pub struct Recovered {
    pub writer: WalWriter,
    pub metadata: Metadata,
    pub hard_state: eraftpb::HardState,
    /// The snapshot the log starts from, if any.
    pub snapshot: Option<eraftpb::Snapshot>,
    /// The `.snap` it was read from.
    pub snapshot_file: Option<PathBuf>,
    /// Entries after the snapshot, raft-rs dialect.
    pub entries: Vec<eraftpb::Entry>,
    /// A torn tail that was cut on start: (segment, offset, copy).
    pub repaired: Option<crate::wal::writer::Repaired>,
}

pub fn wal_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("member/wal")
}

pub fn snap_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("member/snap")
}

/// True when the data dir already holds a WAL.
pub fn exists(data_dir: &Path) -> bool {
    std::fs::read_dir(wal_dir(data_dir))
        .map(|rd| {
            rd.filter_map(|d| d.ok())
                .any(|d| d.file_name().to_string_lossy().ends_with(".wal"))
        })
        .unwrap_or(false)
}

/// The JSON a conf change carries in its context: where the member listens.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct MemberContext {
    #[serde(default)]
    pub peer: String,
    #[serde(default)]
    pub api: String,
}

/// Creates the WAL of a new member. With `members` (a new cluster) the log starts with one
/// committed AddNode entry per member, in id order, identical on every member.
pub fn bootstrap(
    data_dir: &Path,
    md: Metadata,
    members: &[(u64, String)],
    opts: WriterOptions,
) -> Result<Recovered, BootError> {
    std::fs::create_dir_all(snap_dir(data_dir)).map_err(|error| WalError::Io {
        path: snap_dir(data_dir),
        error,
    })?;
    let mut meta = Vec::new();
    md.encode(&mut meta);
    let mut writer = WalWriter::create(&wal_dir(data_dir), &meta, opts)?;
    let mut sorted = members.to_vec();
    sorted.sort();
    let mut entries = Vec::new();
    for (i, (id, peer)) in sorted.iter().enumerate() {
        let ctx = serde_json::to_vec(&MemberContext {
            peer: peer.clone(),
            api: String::new(),
        })
        .unwrap_or_default();
        let mut data = Vec::new();
        ConfChange {
            id: 0,
            change_type: ConfChangeType::AddNode.etcd_number(),
            node_id: *id,
            context: Some(ctx),
            extra: Vec::new(),
        }
        .encode(&mut data);
        entries.push(Entry {
            entry_type: EntryType::EntryConfChange.as_i32(),
            term: 1,
            index: i as u64 + 1,
            data: Some(data.into()),
            extra: Default::default(),
        });
    }
    let mut hs = HardState::default();
    if !entries.is_empty() {
        hs = HardState {
            term: 1,
            vote: 0,
            commit: entries.len() as u64,
        };
        writer.save(&hs, &entries)?;
    }
    let raft_entries = entries
        .iter()
        .map(convert::entry_to_raft)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Recovered {
        writer,
        metadata: md,
        hard_state: convert::hard_state_to_raft(&hs),
        snapshot: None,
        snapshot_file: None,
        entries: raft_entries,
        repaired: None,
    })
}

/// Reopens an existing data dir: cuts a torn tail, picks the newest snapshot that reads
/// cleanly and that the WAL records at or below its commit index (etcd 3.4.8+'s rule), and
/// replays the WAL after it. Any damage other than a torn tail is an error.
pub fn recover(data_dir: &Path, opts: WriterOptions) -> Result<Recovered, BootError> {
    let dir = wal_dir(data_dir);
    // One pass reads the WAL and opens it for appending. When that pass meets anything at
    // all (a torn tail to cut, damage, an entry that does not convert), it is dropped and
    // the WAL is opened and read again as two passes, which say what is wrong as they
    // always did (and cut the tail first).
    let one_pass = (|| {
        let mut view = LogView::reopening(Opening::start(&dir).ok()?, ViewOptions::default());
        let replayed = replay(&mut view, data_dir).ok()?;
        let (opening, crc) = view.into_opening()?;
        Some((opening, crc, replayed))
    })();
    let (writer, tail, replayed) = match one_pass {
        Some((opening, crc, replayed)) => {
            let (writer, tail) = opening.finish(crc, opts)?;
            (writer, tail, replayed)
        }
        None => {
            let (writer, tail) = WalWriter::open(&dir, opts)?;
            let layout = Layout::open(&dir)?;
            let mut view = LogView::new(layout.segments.clone(), ViewOptions::default());
            let replayed = replay(&mut view, data_dir)?;
            (writer, tail, replayed)
        }
    };
    let metadata = Metadata::decode(&tail.metadata).map_err(|e| BootError::Damaged {
        path: dir.clone(),
        message: format!("the WAL metadata is not {{node id, cluster id}}: {e}"),
    })?;
    let Replayed {
        mut hs,
        snapshot_records,
        mut entries,
    } = replayed;
    let (snapshot, snapshot_file) = match newest_usable_snap(data_dir, &snapshot_records)? {
        Some((s, f)) => (Some(s), Some(f)),
        None => (None, None),
    };
    let snap_index = snapshot.as_ref().map(|s| s.metadata.index).unwrap_or(0);
    // A snapshot taken at the applied index may be ahead of the last durable commit (commit-only
    // HardStates are not synced): what it holds was committed, so the commit moves up to it.
    hs.commit = hs.commit.max(snap_index);
    entries.retain(|e| e.index > snap_index);
    if let Some(first) = entries.first()
        && first.index != snap_index + 1
    {
        // Older segments were released after a snapshot that is no longer usable.
        return Err(BootError::Damaged {
            path: data_dir.to_path_buf(),
            message: format!(
                "the log starts at entry {} but the newest usable snapshot is at {snap_index}: \
                 entries {}..{} are missing (is a .snap file in {} unreadable?)",
                first.index,
                snap_index + 1,
                first.index - 1,
                snap_dir(data_dir).display()
            ),
        });
    }
    let snapshot = snapshot.map(|s| {
        let mut out = eraftpb::Snapshot {
            data: s.data.clone().unwrap_or_default().into(),
            ..Default::default()
        };
        out.set_metadata(convert::snapshot_metadata_to_raft(&s.metadata));
        out
    });
    Ok(Recovered {
        writer,
        metadata,
        hard_state: convert::hard_state_to_raft(&hs),
        snapshot,
        snapshot_file,
        entries,
        repaired: tail.repaired,
    })
}

/// What a restart takes from the WAL's records.
struct Replayed {
    hs: HardState,
    /// (index, term) of every snapshot record.
    snapshot_records: Vec<(u64, u64)>,
    entries: Vec<eraftpb::Entry>,
}

/// Reads every item of `view`; a problem that stops reading is an error.
fn replay(view: &mut LogView, data_dir: &Path) -> Result<Replayed, BootError> {
    let mut out = Replayed {
        hs: HardState::default(),
        snapshot_records: Vec::new(),
        entries: Vec::new(),
    };
    while let Some(item) = view.next() {
        match item? {
            Item::Entry { entry, .. } => out.entries.push(convert::entry_into_raft(entry)?),
            Item::HardState { hs, .. } => out.hs = hs,
            Item::Snapshot { snap, .. } => out.snapshot_records.push((snap.index, snap.term)),
            Item::Problem(p) if wal::view::stops_reading(p.kind) => {
                return Err(BootError::Damaged {
                    path: wal_dir(data_dir),
                    message: p.to_string(),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The snapshot this member starts from: the one rule of `wal::verify::start_snapshot`, with
/// no bound by the commit index (raftctl snapshots at the applied index, which can be ahead
/// of the last synced commit-only HardState).
fn newest_usable_snap(
    data_dir: &Path,
    records: &[(u64, u64)],
) -> Result<Option<(Snapshot, PathBuf)>, BootError> {
    let Some(r) = crate::datadir::start_snapshot(&snap_dir(data_dir), records, None)? else {
        return Ok(None);
    };
    let (Some(term), Some(index)) = (r.term, r.index) else {
        return Ok(None);
    };
    // `inspect` already read, checked and decoded it: build the snapshot from that.
    let file = PathBuf::from(&r.file);
    let snapshot = Snapshot {
        data: r.data,
        metadata: SnapshotMetadata {
            conf_state: r.conf_state.unwrap_or_default(),
            index,
            term,
            extra: Vec::new(),
        },
        extra: Vec::new(),
    };
    Ok(Some((snapshot, file)))
}
