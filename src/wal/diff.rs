//! `wal diff`: two members' logs side by side — where they part, or that one is a prefix of
//! the other. Both are streamed; nothing is held but the current entry of each.
//!
//! The logs compared are the ones the members would restart with: entries that a later write
//! overwrote, or that a snapshot sent by the leader replaced, are not part of them.

use serde::Serialize;

use super::error::Result;
use super::layout::Layout;
use super::problem::{Problem, hex_id};
use super::view::{self, Item, LogView, ViewOptions};
use crate::proto::raftpb::{Entry, HardState};
use crate::proto::walpb::Metadata;

/// At most this many separate runs of indexes are listed per side (a log has one per
/// snapshot it continues after); past it the last run is stretched.
const MAX_RUNS: usize = 32;

/// A run of consecutive indexes one side holds.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Run {
    pub from: u64,
    pub to: u64,
    /// The snapshot record this run continues after, when it starts right after one.
    pub after_snapshot: Option<u64>,
}

/// One side of the comparison.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Side {
    pub path: String,
    pub node_id: Option<u64>,
    pub node_id_hex: Option<String>,
    pub cluster_id: Option<u64>,
    pub cluster_id_hex: Option<String>,
    pub first_index: Option<u64>,
    pub last_index: Option<u64>,
    /// The indexes this side holds, in runs (a member that joined or caught up by snapshot
    /// holds nothing between its older entries and the snapshot).
    pub runs: Vec<Run>,
    #[serde(serialize_with = "super::problem::ser_hard_state")]
    pub hard_state: Option<HardState>,
    /// The log did not read cleanly to its end (see `wal verify`).
    pub read_failed: bool,
    /// Where and why reading stopped, when it did.
    pub stopped: Option<Problem>,
}

/// An entry as shown at the divergence point.
#[derive(Debug, Clone, Serialize)]
pub struct EntryBrief {
    pub term: u64,
    #[serde(rename = "type")]
    pub entry_type: String,
    pub data_len: usize,
}

impl EntryBrief {
    fn of(e: &Entry<'_>) -> Self {
        let t = e
            .kind()
            .map(|k| k.name().to_string())
            .unwrap_or_else(|| e.entry_type.to_string());
        EntryBrief {
            term: e.term,
            entry_type: t,
            data_len: e.data().len(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Divergence {
    pub index: u64,
    /// `term`, `type` or `data`: the first field that differs.
    pub field: &'static str,
    pub a: EntryBrief,
    pub b: EntryBrief,
    /// At or below both commit indexes: the logs disagree on committed entries (unsafe).
    pub committed: bool,
}

/// How the two logs relate (over what both could read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// They agree on every index both hold, and end at the same one.
    Identical,
    APrefixOfB,
    BPrefixOfA,
    Diverged,
    /// No index in common.
    Disjoint,
    /// Their metadata names different clusters: nothing compared.
    DifferentClusters,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub relation: Relation,
    pub a: Side,
    pub b: Side,
    /// Indexes both logs hold.
    pub common_from: Option<u64>,
    pub common_to: Option<u64>,
    /// How many indexes both hold (and agree on, up to a divergence).
    pub common_entries: u64,
    pub divergence: Option<Divergence>,
}

impl DiffReport {
    /// Committed entries differ: the logs disagree where Raft says they never may.
    pub fn unsafe_divergence(&self) -> bool {
        self.divergence.as_ref().is_some_and(|d| d.committed)
    }

    /// Exit 1: committed entries differ, a side does not read to its end (so the comparison
    /// is partial), or the two are not of one cluster.
    pub fn problem_found(&self) -> bool {
        self.unsafe_divergence()
            || self.a.read_failed
            || self.b.read_failed
            || self.relation == Relation::DifferentClusters
    }
}

struct Cursor {
    view: LogView,
    side: Side,
    cur: Option<Entry<'static>>,
    last_snapshot: Option<u64>,
}

impl Cursor {
    fn new(path: &std::path::Path) -> Result<Cursor> {
        let layout = Layout::open(path)?;
        let view = LogView::new(layout.segments, ViewOptions::default());
        let side = Side {
            path: path.display().to_string(),
            ..Side::default()
        };
        Ok(Cursor {
            view,
            side,
            cur: None,
            last_snapshot: None,
        })
    }

    /// Moves to the next entry of the final log.
    fn advance(&mut self) -> Result<()> {
        self.cur = None;
        while let Some(item) = self.view.next() {
            match item? {
                Item::Entry { entry, .. } => {
                    self.held(entry.index);
                    self.cur = Some(entry);
                    return Ok(());
                }
                Item::HardState { hs, .. } => self.side.hard_state = Some(hs),
                Item::Snapshot { snap, .. } if snap.index > 0 => {
                    self.last_snapshot = Some(snap.index)
                }
                Item::Metadata { data, .. } if self.side.cluster_id.is_none() => {
                    if let Ok(m) = Metadata::decode(&data) {
                        self.side.node_id = Some(m.node_id);
                        self.side.node_id_hex = hex_id(Some(m.node_id));
                        self.side.cluster_id = Some(m.cluster_id);
                        self.side.cluster_id_hex = hex_id(Some(m.cluster_id));
                    }
                }
                Item::Problem(p) if view::is_read_failure(p.kind) => {
                    self.side.stopped.get_or_insert(p);
                }
                _ => {}
            }
        }
        self.side.read_failed = self.view.read_failed();
        Ok(())
    }

    fn held(&mut self, index: u64) {
        let s = &mut self.side;
        s.first_index.get_or_insert(index);
        s.last_index = Some(index);
        let full = s.runs.len() >= MAX_RUNS;
        match s.runs.last_mut() {
            Some(r) if r.to + 1 == index || full => r.to = index,
            _ => s.runs.push(Run {
                from: index,
                to: index,
                after_snapshot: self.last_snapshot.filter(|&i| i + 1 == index),
            }),
        }
    }

    /// Reads to the end, to learn the last index and final HardState.
    fn drain(&mut self) -> Result<()> {
        while self.cur.is_some() {
            self.advance()?;
        }
        Ok(())
    }

    fn commit(&self) -> u64 {
        self.side.hard_state.map(|h| h.commit).unwrap_or(0)
    }
}

pub fn diff(a: &std::path::Path, b: &std::path::Path) -> Result<DiffReport> {
    let mut ca = Cursor::new(a)?;
    let mut cb = Cursor::new(b)?;
    ca.advance()?;
    cb.advance()?;
    let (mut common_from, mut common_to, mut common) = (None, None, 0);
    let mut divergence = None;
    let clusters = (ca.side.cluster_id, cb.side.cluster_id);
    let different = matches!(clusters, (Some(x), Some(y)) if x != y);
    while let (false, Some(ea), Some(eb)) = (different, &ca.cur, &cb.cur) {
        if ea.index < eb.index {
            ca.advance()?;
            continue;
        }
        if eb.index < ea.index {
            cb.advance()?;
            continue;
        }
        let field = if ea.term != eb.term {
            Some("term")
        } else if ea.entry_type != eb.entry_type {
            Some("type")
        } else if ea.data() != eb.data() {
            Some("data")
        } else {
            None
        };
        if let Some(field) = field {
            divergence = Some((ea.index, field, EntryBrief::of(ea), EntryBrief::of(eb)));
            break;
        }
        common_from.get_or_insert(ea.index);
        common_to = Some(ea.index);
        common += 1;
        ca.advance()?;
        cb.advance()?;
    }
    ca.drain()?;
    cb.drain()?;
    let divergence = divergence.map(|(index, field, a, b)| Divergence {
        index,
        field,
        a,
        b,
        committed: index <= ca.commit().min(cb.commit()),
    });
    let relation = if different {
        Relation::DifferentClusters
    } else if divergence.is_some() {
        Relation::Diverged
    } else if common_to.is_none() {
        Relation::Disjoint
    } else {
        let (la, lb) = (ca.side.last_index, cb.side.last_index);
        match la.cmp(&lb) {
            std::cmp::Ordering::Equal => Relation::Identical,
            std::cmp::Ordering::Less => Relation::APrefixOfB,
            std::cmp::Ordering::Greater => Relation::BPrefixOfA,
        }
    };
    Ok(DiffReport {
        relation,
        a: ca.side,
        b: cb.side,
        common_from,
        common_to,
        common_entries: common,
        divergence,
    })
}
