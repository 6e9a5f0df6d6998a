//! `wal diff`: two members' logs side by side — where they part, or that one is a prefix of
//! the other. Both are streamed; nothing is held but the current entry of each.

use serde::Serialize;

use super::error::Result;
use super::layout::Layout;
use super::view::{Item, LogView, ViewOptions};
use crate::proto::raftpb::{Entry, HardState};

/// One side of the comparison.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Side {
    pub path: String,
    pub first_index: Option<u64>,
    pub last_index: Option<u64>,
    #[serde(serialize_with = "super::problem::ser_hard_state")]
    pub hard_state: Option<HardState>,
    /// The log did not read cleanly to its end (see `wal verify`).
    pub read_failed: bool,
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

/// How the two logs relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    Identical,
    APrefixOfB,
    BPrefixOfA,
    Diverged,
    /// No index in common.
    Disjoint,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub relation: Relation,
    pub a: Side,
    pub b: Side,
    /// Indexes both logs hold.
    pub common_from: Option<u64>,
    pub common_to: Option<u64>,
    pub divergence: Option<Divergence>,
}

impl DiffReport {
    /// Committed entries differ: exit 1.
    pub fn unsafe_divergence(&self) -> bool {
        self.divergence.as_ref().is_some_and(|d| d.committed)
    }
}

struct Cursor {
    view: LogView,
    side: Side,
    cur: Option<Entry<'static>>,
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
        })
    }

    /// Moves to the next entry of the final log.
    fn advance(&mut self) -> Result<()> {
        self.cur = None;
        while let Some(item) = self.view.next() {
            match item? {
                Item::Entry { entry, .. } => {
                    self.side.first_index.get_or_insert(entry.index);
                    self.side.last_index = Some(entry.index);
                    self.cur = Some(entry);
                    return Ok(());
                }
                Item::HardState { hs, .. } => self.side.hard_state = Some(hs),
                _ => {}
            }
        }
        self.side.read_failed = self.view.read_failed();
        Ok(())
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
    let (mut common_from, mut common_to) = (None, None);
    let mut divergence = None;
    while let (Some(ea), Some(eb)) = (&ca.cur, &cb.cur) {
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
        ca.advance()?;
        cb.advance()?;
    }
    let a_more = ca.cur.is_some();
    let b_more = cb.cur.is_some();
    ca.drain()?;
    cb.drain()?;
    let divergence = divergence.map(|(index, field, a, b)| Divergence {
        index,
        field,
        a,
        b,
        committed: index <= ca.commit().min(cb.commit()),
    });
    let relation = if divergence.is_some() {
        Relation::Diverged
    } else if common_to.is_none() {
        Relation::Disjoint
    } else {
        match (a_more, b_more) {
            (false, false) => Relation::Identical,
            (false, true) => Relation::APrefixOfB,
            (true, false) => Relation::BPrefixOfA,
            (true, true) => Relation::Diverged,
        }
    };
    Ok(DiffReport {
        relation,
        a: ca.side,
        b: cb.side,
        common_from,
        common_to,
        divergence,
    })
}
