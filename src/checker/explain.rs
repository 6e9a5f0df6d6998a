//! Names what went wrong in a non-linearizable sub-history, in a sentence a person can
//! check against the ops it cites. Each kind but `Other` is a claim proved from real-time
//! order alone (who was answered before whom was sent), so it never guesses.

use serde::Serialize;

use super::history::{Op, quoted};
use super::model::{ABSENT, Action, KeyOp, KeyOps, Seen};

/// The shape of an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnomalyKind {
    /// An answer no write could have produced: a read of a value never put (before the read
    /// returned), or a delete that found a key never put.
    NeverWritten,
    /// An answer of a state already replaced: a write that completed before the op was sent
    /// had overwritten (or deleted) every write that could produce what it saw. Lost writes
    /// and stale reads both look like this.
    StaleRead,
    /// A state came back: an op that completed before this one was sent saw something else,
    /// after every write that could produce what this one saw had completed.
    Reverted,
    /// None of the above: the sub-history is the explanation.
    Other,
}

/// The verdict's sentence about an anomaly and the ops it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Explained {
    pub kind: AnomalyKind,
    pub description: String,
    /// Positions in the caller's history; the op whose answer is impossible first.
    pub ops: Vec<usize>,
}

/// How many writers a sentence lists before "…".
const LISTED: usize = 3;

/// Explains the failing sub-history `members` (positions in `key.ops`) whose search got
/// stuck at `stuck`. The stuck op is tried first, then the others in call order.
pub(crate) fn explain(key: &KeyOps, members: &[usize], stuck: usize, history: &[Op]) -> Explained {
    let tries = std::iter::once(stuck).chain(members.iter().copied().filter(|&i| i != stuck));
    for r in tries {
        if let Some(e) = explain_op(key, members, r, history) {
            return e;
        }
    }
    let r = &key.ops[stuck];
    Explained {
        kind: AnomalyKind::Other,
        description: format!(
            "{} has no place in any order of these {} ops that keeps both their real-time \
             order and every answer",
            cite(history, r),
            members.len()
        ),
        ops: vec![r.index],
    }
}

/// The ops (positions in `key.ops`) that the sentence about `stuck` alone would name, when
/// it is one of the proved kinds: a good first guess at a minimal sub-history.
pub(crate) fn hint(key: &KeyOps, stuck: usize, history: &[Op]) -> Option<Vec<usize>> {
    let e = explain_op(key, &[], stuck, history)?;
    e.ops
        .iter()
        .map(|&i| key.ops.iter().position(|o| o.index == i))
        .collect()
}

fn explain_op(key: &KeyOps, members: &[usize], r: usize, history: &[Op]) -> Option<Explained> {
    let op = &key.ops[r];
    let (seen, ret) = (op.action.seen()?, op.ret?);
    // The writes that could produce what it saw: sent before it returned.
    let writers: Vec<&KeyOp> = key
        .ops
        .iter()
        .enumerate()
        .filter(|&(i, w)| i != r && w.action.makes(seen) && w.call <= ret)
        .map(|(_, w)| w)
        .collect();
    let saw = saw(key, op.action);
    if seen != Seen::Absent && writers.is_empty() {
        return Some(Explained {
            kind: AnomalyKind::NeverWritten,
            description: format!(
                "{} {saw}, but no {} was sent before it returned",
                cite(history, op),
                writer_name(key, seen)
            ),
            ops: vec![op.index],
        });
    }
    let all_before = |x: &KeyOp| writers.iter().all(|w| w.precedes(x));
    // Candidates from the sub-history first, so that the sentence cites its ops.
    let outside = key
        .ops
        .iter()
        .enumerate()
        .filter(|(i, _)| !members.contains(i))
        .map(|(_, o)| o);
    let candidates: Vec<&KeyOp> = members
        .iter()
        .map(|&i| &key.ops[i])
        .chain(outside)
        .collect();
    let named = |first: &KeyOp, second: &KeyOp| -> Vec<usize> {
        [first.index, second.index]
            .into_iter()
            .chain(writers.iter().take(LISTED).map(|w| w.index))
            .collect()
    };
    if let Some(w) = candidates
        .iter()
        .find(|w| w.action.unmakes(seen) && w.precedes(op) && all_before(w))
    {
        return Some(Explained {
            kind: AnomalyKind::StaleRead,
            description: format!(
                "{} {saw}, but {} had completed before it was sent, and {}",
                cite(history, op),
                cite(history, w),
                writers_before(key, seen, &writers, w)
            ),
            ops: named(op, w),
        });
    }
    if let Some(g) = candidates.iter().find(|g| {
        g.precedes(op) && g.action.seen().is_some_and(|s| !s.compatible(seen)) && all_before(g)
    }) {
        return Some(Explained {
            kind: AnomalyKind::Reverted,
            description: format!(
                "{} {saw}, but {} had seen otherwise before it was sent, and {}",
                cite(history, op),
                cite(history, g),
                writers_before(key, seen, &writers, g)
            ),
            ops: named(op, g),
        });
    }
    None
}

/// `#12 (client 3 get "k" -> "v" [120, 135])`.
fn cite(history: &[Op], op: &KeyOp) -> String {
    format!("#{} ({})", op.index, history[op.index])
}

/// What the answer of `action` said, as a verb phrase.
fn saw(key: &KeyOps, action: Action) -> String {
    match action {
        Action::Get(ABSENT) => "read nothing".to_string(),
        Action::Get(v) => format!("read {}", value(key, v)),
        Action::Delete(Some(true)) => "found the key to delete".to_string(),
        Action::Delete(Some(false)) => "found nothing to delete".to_string(),
        Action::Put(_) | Action::Delete(None) => "answered".to_string(),
    }
}

fn value(key: &KeyOps, v: u32) -> String {
    key.value(v).map_or_else(|| "nothing".to_string(), quoted)
}

/// The writes that make `seen` true, by name.
fn writer_name(key: &KeyOps, seen: Seen) -> String {
    match seen {
        Seen::Value(v) => format!("put of {}", value(key, v)),
        Seen::Absent => "delete".to_string(),
        Seen::Present => "put".to_string(),
    }
}

/// "every put of "v" (#1, #4) had completed before #9 was sent".
fn writers_before(key: &KeyOps, seen: Seen, writers: &[&KeyOp], pivot: &KeyOp) -> String {
    if writers.is_empty() {
        return "no delete was sent before it returned".to_string();
    }
    let mut list: Vec<String> = writers
        .iter()
        .take(LISTED)
        .map(|w| format!("#{}", w.index))
        .collect();
    if writers.len() > LISTED {
        list.push("…".to_string());
    }
    let every = if writers.len() == 1 { "the" } else { "every" };
    format!(
        "{every} {} ({}) had completed before #{} was sent",
        writer_name(key, seen),
        list.join(", "),
        pivot.index
    )
}
