//! Shrinks a key's non-linearizable history to a small sub-history that is still not
//! linearizable, for a person to read: first the ops an explanation names, if they fail
//! alone; else a window of ops ending where the search got stuck, grown until it fails,
//! then the latest start (by return time); then delta debugging (Zeller's ddmin) down to
//! ops of which none can go.
//!
//! A sub-history keeps, with every answer, the writes that could have produced it: for a
//! read of a value, the puts of that value sent before the read returned; for an answer of
//! "absent" or "present", the writes of that kind that could be the last write before it
//! (no other write certainly came between). Otherwise dropping a write would turn a sound
//! answer into a failure that the sub-history has and the history does not: a sub-history
//! of a linearizable history that keeps them is linearizable (its ops in the original order
//! give every answer), so whatever fails in one is part of what fails in the history.

use std::collections::HashMap;

use super::model::{Action, KeyOp, Seen, State};
use super::search::{Found, search};

/// A sub-history that is not linearizable, as positions in the key's ops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shrunk {
    /// Sorted by call time.
    pub members: Vec<usize>,
    /// The op its search could not get past (see `Found::NotLinearizable`).
    pub stuck: usize,
    /// Whether no single op could be removed (under the rules above) without the rest
    /// becoming linearizable; false when the budget ran out first.
    pub minimal: bool,
    pub steps: u64,
}

/// Shrinks `ops` (all of one key, not linearizable, its search stuck at `stuck`) within
/// `budget` search steps. `hint`: ops to try first (and their sources), such as the ones
/// an explanation names.
pub(crate) fn shrink(ops: &[KeyOp], stuck: usize, hint: Option<&[usize]>, budget: u64) -> Shrunk {
    let mut s = Shrinker::new(ops, budget);
    let mut cur: Vec<usize> = (0..ops.len()).collect();
    let mut stuck = stuck;
    let hinted = match hint.map(|h| s.try_smaller(h, cur.len())) {
        Some(Ok(Some((c, st)))) => {
            (cur, stuck) = (c, st);
            Ok(true)
        }
        Some(Err(OutOfBudget)) => Err(OutOfBudget),
        _ => Ok(false),
    };
    let minimal = match hinted {
        Ok(true) => s.ddmin(&mut cur, &mut stuck),
        Ok(false) => {
            s.window(&mut cur, &mut stuck)
                && s.late_start(&mut cur, &mut stuck)
                && s.ddmin(&mut cur, &mut stuck)
        }
        Err(OutOfBudget) => false,
    };
    cur.sort_by_key(|&i| (ops[i].call, i));
    Shrunk {
        members: cur,
        stuck,
        minimal,
        steps: s.spent,
    }
}

struct Shrinker<'a> {
    ops: &'a [KeyOp],
    /// Per op, the writes its answer depends on (see the module comment).
    sources: Vec<Vec<usize>>,
    left: u64,
    spent: u64,
}

/// The answer of one try: `Some(stuck)` when the candidate fails, `None` when it is
/// linearizable; `Err` when the budget ran out.
type Try = Result<Option<usize>, OutOfBudget>;

struct OutOfBudget;

impl<'a> Shrinker<'a> {
    fn new(ops: &'a [KeyOp], budget: u64) -> Shrinker<'a> {
        Shrinker {
            ops,
            sources: sources(ops),
            left: budget,
            spent: 0,
        }
    }

    /// `members` and, transitively, the writes their answers depend on, by position.
    fn closure(&self, members: &[usize]) -> Vec<usize> {
        let mut inside = vec![false; self.ops.len()];
        let mut work: Vec<usize> = members.to_vec();
        while let Some(i) = work.pop() {
            if !std::mem::replace(&mut inside[i], true) {
                work.extend(self.sources[i].iter().filter(|&&s| !inside[s]));
            }
        }
        (0..self.ops.len()).filter(|&i| inside[i]).collect()
    }

    fn fails(&mut self, members: &[usize]) -> Try {
        let r = search(self.ops, members, self.left);
        self.left -= r.steps;
        self.spent += r.steps;
        match r.found {
            Found::NotLinearizable { stuck } => Ok(Some(stuck)),
            Found::Linearizable => Ok(None),
            Found::Undecided => Err(OutOfBudget),
        }
    }

    /// Tries `candidate`, closed first: `Some((closed, stuck))` when that is smaller than
    /// `than` ops and fails.
    fn try_smaller(
        &mut self,
        candidate: &[usize],
        than: usize,
    ) -> Result<Option<(Vec<usize>, usize)>, OutOfBudget> {
        let c = self.closure(candidate);
        if c.len() >= than {
            return Ok(None);
        }
        Ok(self.fails(&c)?.map(|stuck| (c, stuck)))
    }

    /// Cuts `cur` to a short failing window of ops that ends where the search got stuck:
    /// the ops called before the stuck op returned, of those the last 8, 16, 32, … by call
    /// time (and what their answers depend on), until one fails; all of them when none
    /// does. Cheap however long the history: each try is about as long as its window. False
    /// when out of budget.
    fn window(&mut self, cur: &mut Vec<usize>, stuck: &mut usize) -> bool {
        let ops = self.ops;
        let Some(end) = ops[*stuck].ret else {
            return true;
        };
        let mut by_call = cur.clone();
        by_call.sort_by_key(|&i| (ops[i].call, i));
        let p = by_call.partition_point(|&i| ops[i].call <= end);
        let mut k = 8;
        loop {
            let from = p.saturating_sub(k);
            match self.try_smaller(&by_call[from..p], cur.len()) {
                Ok(Some((c, s))) => {
                    *cur = c;
                    *stuck = s;
                    return true;
                }
                Ok(None) if from > 0 => k *= 2,
                Ok(None) => return true,
                Err(OutOfBudget) => return false,
            }
        }
    }

    /// Drops as many of the earliest-returning ops as it can (binary search over how
    /// many). False when out of budget.
    fn late_start(&mut self, cur: &mut Vec<usize>, stuck: &mut usize) -> bool {
        let ops = self.ops;
        let mut by_ret = cur.clone();
        by_ret.sort_by_key(|&i| (ops[i].ret.is_none(), ops[i].ret, i));
        let (mut lo, mut hi) = (0, by_ret.len());
        let mut best: Option<(Vec<usize>, usize)> = None;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            match self.try_smaller(&by_ret[mid..], cur.len()) {
                Ok(Some(found)) => {
                    lo = mid;
                    best = Some(found);
                }
                Ok(None) => hi = mid,
                Err(OutOfBudget) => return false,
            }
        }
        if let Some((c, s)) = best {
            *cur = c;
            *stuck = s;
        }
        true
    }

    /// Delta debugging: removes chunks of `cur`, halving them until single ops, keeping
    /// every removal after which the rest still fails. False when out of budget.
    fn ddmin(&mut self, cur: &mut Vec<usize>, stuck: &mut usize) -> bool {
        let ops = self.ops;
        cur.sort_by_key(|&i| (ops[i].call, i));
        let mut parts = 2usize;
        while cur.len() >= 2 {
            let size = cur.len().div_ceil(parts);
            let mut taken = false;
            for start in (0..cur.len()).step_by(size) {
                let end = (start + size).min(cur.len());
                let rest: Vec<usize> = cur[..start].iter().chain(&cur[end..]).copied().collect();
                match self.try_smaller(&rest, cur.len()) {
                    Ok(Some((c, s))) => {
                        *cur = c;
                        *stuck = s;
                        taken = true;
                        break;
                    }
                    Ok(None) => {}
                    Err(OutOfBudget) => return false,
                }
            }
            if taken {
                cur.sort_by_key(|&i| (ops[i].call, i));
                parts = (parts - 1).max(2);
            } else if parts >= cur.len() {
                break;
            } else {
                parts = (parts * 2).min(cur.len());
            }
        }
        true
    }
}

/// Per op, the writes its answer could have come from: for a read of value v, every put
/// of v sent before the read returned; for "absent" (or "present"), every delete (or put)
/// sent before it returned that no completed write certainly followed before it was sent.
fn sources(ops: &[KeyOp]) -> Vec<Vec<usize>> {
    let mut puts: HashMap<State, Vec<usize>> = HashMap::new();
    let mut writes: Vec<usize> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op.action {
            Action::Put(v) => {
                puts.entry(v).or_default().push(i);
                writes.push(i);
            }
            Action::Delete(_) => writes.push(i),
            Action::Get(_) => {}
        }
    }
    // Completed writes by return time, with the latest call among them so far: a write
    // that returned before that call was certainly followed by another.
    let mut done: Vec<(u64, u64)> = writes
        .iter()
        .filter_map(|&i| ops[i].ret.map(|r| (r, ops[i].call)))
        .collect();
    done.sort_unstable();
    let mut latest_call = 0;
    for d in &mut done {
        latest_call = latest_call.max(d.1);
        d.1 = latest_call;
    }
    ops.iter()
        .enumerate()
        .map(|(me, op)| {
            let (Some(seen), Some(ret)) = (op.action.seen(), op.ret) else {
                return Vec::new();
            };
            if let Seen::Value(v) = seen {
                let of_v = puts.get(&v).map_or(&[][..], Vec::as_slice);
                return of_v
                    .iter()
                    .copied()
                    .filter(|&p| ops[p].call <= ret)
                    .collect();
            }
            // The latest call of a write that returned before this op was sent.
            let k = done.partition_point(|d| d.0 < op.call);
            let followed_before = k.checked_sub(1).map(|k| done[k].1);
            writes
                .iter()
                .copied()
                .filter(|&w| {
                    if w == me {
                        return false;
                    }
                    let w = &ops[w];
                    w.action.makes(seen)
                        && w.call <= ret
                        // Not certainly followed by another write before this op.
                        && w.ret.is_none_or(|r| followed_before.is_none_or(|c| r >= c))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::super::model::KeyOps;
    use super::super::synth::{Workload, linearizable};
    use super::*;

    fn fails(ops: &[KeyOp], members: &[usize]) -> bool {
        matches!(
            search(ops, members, u64::MAX).found,
            Found::NotLinearizable { .. }
        )
    }

    /// The rule the shrinker rests on: a sub-history of a linearizable history that keeps
    /// the sources of its answers is linearizable, so shrinking never makes up a failure.
    #[test]
    fn closed_parts_of_a_linearizable_history_pass() {
        let w = Workload {
            ops: 300,
            deletes: 0.25,
            unanswered: 0.05,
            distinct_values: Some(4),
            ..Workload::default()
        };
        for seed in 0..30 {
            let mut rng = StdRng::seed_from_u64(seed);
            let h = linearizable(&w, &mut rng);
            let all: Vec<usize> = (0..h.len()).collect();
            let key = KeyOps::new(&h, &all);
            let s = Shrinker::new(&key.ops, u64::MAX);
            for _ in 0..20 {
                let keep = rng.random_range(0.05..0.9);
                let part: Vec<usize> = (0..key.ops.len())
                    .filter(|_| rng.random_bool(keep))
                    .collect();
                let closed = s.closure(&part);
                assert!(!fails(&key.ops, &closed), "seed {seed}: {closed:?}");
            }
        }
    }

    fn small_op() -> impl Strategy<Value = KeyOp> {
        let action = prop_oneof![
            (1u32..=3).prop_map(Action::Put),
            (0u32..=3).prop_map(Action::Get),
            prop_oneof![Just(None), Just(Some(true)), Just(Some(false))].prop_map(Action::Delete),
        ];
        (0u64..20, prop::option::weighted(0.85, 0u64..6), action).prop_map(|(call, d, a)| {
            let ret = d.map(|d| call + d);
            let action = match (ret, a) {
                (None, Action::Get(_) | Action::Delete(_)) => Action::Delete(None),
                (_, a) => a,
            };
            KeyOp {
                index: 0,
                call,
                ret,
                action,
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// What comes out fails on its own, and no op can go without it passing (or
        /// without the op coming back as a source).
        #[test]
        fn shrunk_sub_histories_fail_and_are_minimal(
            ops in prop::collection::vec(small_op(), 1..14)
        ) {
            let all: Vec<usize> = (0..ops.len()).collect();
            let Found::NotLinearizable { stuck } = search(&ops, &all, u64::MAX).found else {
                return Ok(());
            };
            let out = shrink(&ops, stuck, None, u64::MAX);
            prop_assert!(out.minimal);
            prop_assert!(fails(&ops, &out.members));
            let s = Shrinker::new(&ops, u64::MAX);
            prop_assert_eq!(&s.closure(&out.members), &{
                let mut m = out.members.clone();
                m.sort_unstable();
                m
            });
            for &x in &out.members {
                let rest: Vec<usize> = out.members.iter().copied().filter(|&i| i != x).collect();
                let closed = s.closure(&rest);
                prop_assert!(closed.len() >= out.members.len() || !fails(&ops, &closed));
            }
        }
    }
}
