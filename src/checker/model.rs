//! The sequential model the history is checked against: one register per key that holds a
//! value or nothing. A key's ops are brought into a compact form first, every distinct value
//! numbered, so that a model state is one `u32` and costs nothing to copy or compare.

use std::collections::HashMap;

use super::history::{Op, OpKind};

/// A register's contents: `ABSENT`, or the number of a value of `KeyOps::values`.
pub(crate) type State = u32;

/// The key holds nothing (its state before the first op).
pub(crate) const ABSENT: State = 0;

/// An op with its answer, values replaced by their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Put(State),
    /// A get and what it read (`ABSENT` for "absent"); gets with unknown answers are dropped.
    Get(State),
    /// A delete and whether it found the key, if known.
    Delete(Option<bool>),
}

impl Action {
    /// The state after the op, or `None` when its answer is impossible in state `s`.
    pub(crate) fn step(self, s: State) -> Option<State> {
        match self {
            Action::Put(v) => Some(v),
            Action::Get(v) => (v == s).then_some(s),
            Action::Delete(None) => Some(ABSENT),
            Action::Delete(Some(existed)) => ((s != ABSENT) == existed).then_some(ABSENT),
        }
    }

    /// Whether the op leaves the state as it is whenever its answer holds: a get, or a
    /// delete that found nothing.
    pub(crate) fn is_read(self) -> bool {
        matches!(self, Action::Get(_) | Action::Delete(Some(false)))
    }

    /// What the op's answer says about the state just before it, if anything.
    pub(crate) fn seen(self) -> Option<Seen> {
        match self {
            Action::Get(ABSENT) | Action::Delete(Some(false)) => Some(Seen::Absent),
            Action::Get(v) => Some(Seen::Value(v)),
            Action::Delete(Some(true)) => Some(Seen::Present),
            Action::Put(_) | Action::Delete(None) => None,
        }
    }

    /// Whether the op, taking effect, leaves a state that satisfies `seen`.
    pub(crate) fn makes(self, seen: Seen) -> bool {
        match self {
            Action::Put(v) => seen.holds(v),
            Action::Delete(_) => seen == Seen::Absent,
            Action::Get(_) => false,
        }
    }

    /// Whether the op, taking effect, leaves a state that does not satisfy `seen`.
    pub(crate) fn unmakes(self, seen: Seen) -> bool {
        match self {
            Action::Put(v) => !seen.holds(v),
            Action::Delete(_) => seen != Seen::Absent,
            Action::Get(_) => false,
        }
    }
}

/// What an answer reveals of the register: a value, "absent", or "some value" (a delete
/// that found the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    Value(State),
    Absent,
    Present,
}

impl Seen {
    pub(crate) fn holds(self, s: State) -> bool {
        match self {
            Seen::Value(v) => s == v,
            Seen::Absent => s == ABSENT,
            Seen::Present => s != ABSENT,
        }
    }

    /// Whether some state satisfies both.
    pub(crate) fn compatible(self, other: Seen) -> bool {
        match (self, other) {
            (Seen::Value(a), Seen::Value(b)) => a == b,
            (Seen::Absent, Seen::Absent) | (Seen::Present, Seen::Present) => true,
            (Seen::Value(_), Seen::Present) | (Seen::Present, Seen::Value(_)) => true,
            _ => false,
        }
    }
}

/// One op of a key in the checker's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyOp {
    /// Its position in the caller's history.
    pub index: usize,
    pub call: u64,
    /// `None`: never answered; it may take effect at any time after `call`, or never.
    pub ret: Option<u64>,
    pub action: Action,
}

impl KeyOp {
    /// Whether `self` certainly took effect before `other` did: it was answered before
    /// `other` was sent. Equal times count as overlapping.
    pub(crate) fn precedes(&self, other: &KeyOp) -> bool {
        self.ret.is_some_and(|r| r < other.call)
    }
}

/// All ops of one key, ready for the search.
#[derive(Debug, Clone)]
pub(crate) struct KeyOps {
    pub ops: Vec<KeyOp>,
    /// Value number `n` (n ≥ 1) is `values[n - 1]`.
    pub values: Vec<Vec<u8>>,
}

impl KeyOps {
    /// The ops at `indices` of `history` (all of one key). Gets whose answer is unknown are
    /// left out: a read changes nothing, so an unknown one constrains nothing.
    pub(crate) fn new<'h>(history: &'h [Op], indices: &[usize]) -> KeyOps {
        let mut numbers: HashMap<&'h [u8], State> = HashMap::new();
        let mut values: Vec<Vec<u8>> = Vec::new();
        let mut number = |v: &'h [u8]| -> State {
            *numbers.entry(v).or_insert_with(|| {
                values.push(v.to_vec());
                values.len() as State
            })
        };
        let mut ops = Vec::with_capacity(indices.len());
        for &index in indices {
            let op = &history[index];
            let action = match &op.kind {
                OpKind::Put { value } => Action::Put(number(value)),
                OpKind::Get { result: None } => continue,
                OpKind::Get { result: Some(None) } => Action::Get(ABSENT),
                OpKind::Get {
                    result: Some(Some(v)),
                } => Action::Get(number(v)),
                OpKind::Delete { existed } => Action::Delete(*existed),
            };
            ops.push(KeyOp {
                index,
                call: op.call,
                ret: op.ret,
                action,
            });
        }
        KeyOps { ops, values }
    }

    /// The bytes of value number `s` (`None` for `ABSENT`).
    pub(crate) fn value(&self, s: State) -> Option<&[u8]> {
        let i = (s as usize).checked_sub(1)?;
        self.values.get(i).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_steps() {
        assert_eq!(Action::Put(3).step(ABSENT), Some(3));
        assert_eq!(Action::Get(3).step(3), Some(3));
        assert_eq!(Action::Get(3).step(2), None);
        assert_eq!(Action::Get(ABSENT).step(ABSENT), Some(ABSENT));
        assert_eq!(Action::Delete(Some(true)).step(2), Some(ABSENT));
        assert_eq!(Action::Delete(Some(true)).step(ABSENT), None);
        assert_eq!(Action::Delete(Some(false)).step(2), None);
        assert_eq!(Action::Delete(Some(false)).step(ABSENT), Some(ABSENT));
        assert_eq!(Action::Delete(None).step(2), Some(ABSENT));
    }

    #[test]
    fn equal_values_share_a_number_and_unknown_gets_are_dropped() {
        let h = [
            Op::put(1, b"k", b"a", 1, 2),
            Op::timed_out_get(1, b"k", 3),
            Op::put(1, b"k", b"b", 4, 5),
            Op::get(1, b"k", Some(b"a"), 6, 7),
            Op::get(1, b"k", None, 8, 9),
        ];
        let k = KeyOps::new(&h, &[0, 1, 2, 3, 4]);
        let actions: Vec<Action> = k.ops.iter().map(|o| o.action).collect();
        assert_eq!(
            actions,
            [
                Action::Put(1),
                Action::Put(2),
                Action::Get(1),
                Action::Get(ABSENT)
            ]
        );
        assert_eq!(k.ops[2].index, 3);
        assert_eq!(k.value(2), Some(&b"b"[..]));
        assert_eq!(k.value(ABSENT), None);
    }
}
