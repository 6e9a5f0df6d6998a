//! Linearizability of a key-value client history, checked per key: the checker the
//! simulation and `chaos` share. Pure computation over data the caller hands in; no I/O, no
//! clock, and the same answer for the same history every time.
//!
//! # The model
//! Every key is a register that holds one value or nothing, and starts with nothing. A put
//! sets it; a get reads it (`None`: absent); a delete empties it and may say whether it held
//! anything. A history is linearizable when every op can be given one instant between its
//! call and its return at which it took effect, such that the ops, run one at a time in the
//! order of those instants, give every answer the clients saw. Ops on different keys never
//! constrain each other, so each key is checked on its own (P-compositionality).
//!
//! # What the caller puts in
//! - Every op that may have taken effect, with the times it was sent (`call`) and answered
//!   (`ret`), in one monotonic unit. Equal times count as overlapping, never as ordered.
//! - An op that timed out or whose connection dropped has no return time and no answer: it
//!   may take effect at any time after its call, or never. It is never guessed either way.
//! - Ops that certainly did not take effect (refused before being proposed) are left out.
//! - Values need not be unique: the same value put twice is handled exactly (unique values
//!   only make the explanations shorter).
//!
//! # How
//! `search` is Wing & Gong's backtracking search with Lowe's just-in-time linearization and
//! a memo of (linearized ops, state), as in Porcupine, with a few proved shortcuts for a
//! register (reads that hold are no choice; unanswered ops only go right before an answer
//! they explain). Deciding is NP-complete in general and the cost grows with how many ops
//! overlap: 8 clients on one key check at hundreds of thousands of ops a second (see
//! `benches/checker.rs`). A key whose search needs more than `Options::max_steps_per_key`
//! steps is reported undecided, never as linearizable. A key that fails gets one
//! `Anomaly`: a sentence (`explain`), the ops it names, and a small sub-history that fails
//! on its own (`shrink`).
//!
//! ```
//! use raftctl::checker::{self, AnomalyKind, Op, Outcome};
//!
//! // A put of "b" completes, then a read still sees "a".
//! let history = [
//!     Op::put(1, b"k", b"a", 0, 10),
//!     Op::put(2, b"k", b"b", 20, 30),
//!     Op::get(3, b"k", Some(b"a"), 40, 50),
//!     Op::timed_out_put(4, b"k", b"c", 5),
//! ];
//! let verdict = checker::check(&history).unwrap();
//! assert_eq!(verdict.outcome, Outcome::NotLinearizable);
//! assert_eq!(verdict.anomalies[0].kind, AnomalyKind::StaleRead);
//! assert_eq!(verdict.anomalies[0].sub_history, [0, 1, 2]);
//! ```

mod error;
mod explain;
mod history;
mod model;
mod search;
mod shrink;
pub mod synth;

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

use crate::proto::describe::bytes_json;

pub use error::{HistoryError, Result};
pub use explain::AnomalyKind;
pub use history::{Op, OpKind};

use model::KeyOps;
use search::{Found, search};

/// Limits on the work done, in search steps (one step visits one call or return; a step
/// takes tens of nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// A key whose search takes more steps than this is undecided.
    pub max_steps_per_key: u64,
    /// The steps spent shrinking one anomaly's sub-history; when they run out the
    /// sub-history still fails but may not be minimal.
    pub max_shrink_steps: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_steps_per_key: 20_000_000,
            max_shrink_steps: 5_000_000,
        }
    }
}

/// The checker's answer for a whole history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub outcome: Outcome,
    /// Distinct keys in the history.
    pub keys_checked: usize,
    /// Ops in the history, unanswered ones included.
    pub ops_checked: usize,
    /// Ops without a return time.
    pub unanswered: usize,
    /// Search steps spent deciding (shrinking not counted).
    pub steps: u64,
    /// One per key that is not linearizable, in key order.
    pub anomalies: Vec<Anomaly>,
    /// The keys whose search ran out of steps, in key order.
    pub undecided: Vec<Undecided>,
}

impl Verdict {
    /// True only when every key was proved linearizable.
    pub fn is_linearizable(&self) -> bool {
        self.outcome == Outcome::Linearizable
    }
}

/// `NotLinearizable` when any key fails; else `Undecided` when any key ran out of steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Linearizable,
    NotLinearizable,
    Undecided,
}

/// A key whose history is not linearizable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    #[serde(serialize_with = "key_json")]
    pub key: Vec<u8>,
    pub kind: AnomalyKind,
    /// A sentence citing ops as `#index (op)`.
    pub description: String,
    /// The ops the description names (positions in the history), the one whose answer is
    /// impossible first.
    pub ops: Vec<usize>,
    /// Positions in the history of ops of this key that are not linearizable even on their
    /// own, by call time.
    pub sub_history: Vec<usize>,
    /// Whether no op of `sub_history` can go without the rest becoming linearizable (a put
    /// stays while a read of its value does); false when shrinking ran out of steps.
    pub minimal: bool,
}

/// A key the search could not decide within `Options::max_steps_per_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undecided {
    #[serde(serialize_with = "key_json")]
    pub key: Vec<u8>,
    /// Its ops, unanswered ones included.
    pub ops: usize,
    pub steps: u64,
}

/// A key in JSON as the rest of raftctl writes bytes: the string when UTF-8, else base64.
fn key_json<S: Serializer>(key: &[u8], s: S) -> std::result::Result<S::Ok, S::Error> {
    bytes_json(key).serialize(s)
}

/// Checks `history` with the default `Options`.
pub fn check(history: &[Op]) -> Result<Verdict> {
    check_with(history, &Options::default())
}

/// Checks `history` key by key. Fails only on a history it cannot read (a return before
/// its call, an answer without a return); an anomaly is part of the `Verdict`.
pub fn check_with(history: &[Op], options: &Options) -> Result<Verdict> {
    history::validate(history)?;
    let mut keys: BTreeMap<&[u8], Vec<usize>> = BTreeMap::new();
    for (i, op) in history.iter().enumerate() {
        keys.entry(&op.key).or_default().push(i);
    }
    let mut verdict = Verdict {
        outcome: Outcome::Linearizable,
        keys_checked: keys.len(),
        ops_checked: history.len(),
        unanswered: history.iter().filter(|op| op.ret.is_none()).count(),
        steps: 0,
        anomalies: Vec::new(),
        undecided: Vec::new(),
    };
    for (key, indices) in keys {
        let k = KeyOps::new(history, &indices);
        let all: Vec<usize> = (0..k.ops.len()).collect();
        let r = search(&k.ops, &all, options.max_steps_per_key);
        verdict.steps += r.steps;
        match r.found {
            Found::Linearizable => {}
            Found::Undecided => verdict.undecided.push(Undecided {
                key: key.to_vec(),
                ops: indices.len(),
                steps: r.steps,
            }),
            Found::NotLinearizable { stuck } => {
                let hint = explain::hint(&k, stuck, history);
                let s = shrink::shrink(&k.ops, stuck, hint.as_deref(), options.max_shrink_steps);
                let e = explain::explain(&k, &s.members, s.stuck, history);
                verdict.anomalies.push(Anomaly {
                    key: key.to_vec(),
                    kind: e.kind,
                    description: e.description,
                    ops: e.ops,
                    sub_history: s.members.iter().map(|&i| k.ops[i].index).collect(),
                    minimal: s.minimal,
                });
            }
        }
    }
    verdict.outcome = if !verdict.anomalies.is_empty() {
        Outcome::NotLinearizable
    } else if !verdict.undecided.is_empty() {
        Outcome::Undecided
    } else {
        Outcome::Linearizable
    };
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::synth::{Workload, linearizable};
    use super::*;

    const K: &[u8] = b"k";

    fn put(client: u64, v: &str, call: u64, ret: u64) -> Op {
        Op::put(client, K, v.as_bytes(), call, ret)
    }

    fn get(client: u64, v: Option<&str>, call: u64, ret: u64) -> Op {
        Op::get(client, K, v.map(str::as_bytes), call, ret)
    }

    fn del(client: u64, existed: bool, call: u64, ret: u64) -> Op {
        Op::delete(client, K, existed, call, ret)
    }

    /// The one anomaly of a history that must fail.
    fn anomaly(history: &[Op]) -> Anomaly {
        let v = check(history).unwrap();
        assert_eq!(v.outcome, Outcome::NotLinearizable, "{history:#?}");
        assert_eq!(v.anomalies.len(), 1);
        let a = v.anomalies[0].clone();
        // The sub-history fails on its own, and so does the history without everything else.
        let sub: Vec<Op> = a.sub_history.iter().map(|&i| history[i].clone()).collect();
        assert_eq!(check(&sub).unwrap().outcome, Outcome::NotLinearizable);
        assert!(a.minimal);
        a
    }

    fn passes(history: &[Op]) {
        let v = check(history).unwrap();
        assert_eq!(v.outcome, Outcome::Linearizable, "{history:#?}\n{v:#?}");
        assert!(v.is_linearizable());
    }

    #[test]
    fn stale_read() {
        // The put of "b" completed before the get was sent; the get still saw "a".
        let h = [
            put(1, "a", 0, 10),
            put(2, "b", 20, 30),
            get(3, Some("a"), 40, 50),
            get(1, Some("b"), 60, 70),
        ];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::StaleRead);
        assert_eq!(a.sub_history, [0, 1, 2]);
        assert_eq!(a.ops, [2, 1, 0]);
        assert_eq!(
            a.description,
            "#2 (client 3 get \"k\" -> \"a\" [40, 50]) read \"a\", but #1 (client 2 put \"k\" = \
             \"b\" [20, 30]) had completed before it was sent, and the put of \"a\" (#0) had \
             completed before #1 was sent"
        );
    }

    #[test]
    fn lost_write() {
        // "b" is acknowledged, and every later read sees the value from before it.
        let h = [
            put(1, "a", 0, 10),
            get(2, Some("a"), 12, 14),
            put(1, "b", 20, 30),
            get(2, Some("a"), 40, 50),
            get(3, Some("a"), 60, 70),
            put(3, "c", 80, 90),
            get(1, Some("c"), 95, 99),
        ];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::StaleRead);
        assert_eq!(a.sub_history, [0, 2, 3]);
        assert_eq!(a.ops, [3, 2, 0]);
    }

    #[test]
    fn read_of_a_value_never_written() {
        let h = [
            put(1, "a", 0, 10),
            get(2, Some("zz"), 5, 15),
            put(1, "b", 20, 30),
        ];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::NeverWritten);
        assert_eq!(a.sub_history, [1]);
        assert_eq!(
            a.description,
            "#1 (client 2 get \"k\" -> \"zz\" [5, 15]) read \"zz\", but no put of \"zz\" was \
             sent before it returned"
        );
    }

    #[test]
    fn a_put_cannot_take_effect_before_it_was_sent() {
        // The put of "b" is sent after the read that saw it returned, answered or not.
        let h = [
            put(1, "a", 0, 10),
            get(2, Some("b"), 20, 30),
            put(3, "b", 31, 40),
        ];
        assert_eq!(anomaly(&h).kind, AnomalyKind::NeverWritten);
        let h = [
            put(1, "a", 0, 10),
            get(2, Some("b"), 20, 30),
            Op::timed_out_put(3, K, b"b", 31),
        ];
        assert_eq!(anomaly(&h).kind, AnomalyKind::NeverWritten);
    }

    #[test]
    fn write_visible_then_gone() {
        // Both puts overlap each other, but once a read saw "b" no later read may see "a".
        let h = [
            put(1, "a", 0, 10),
            put(2, "b", 5, 100),
            get(3, Some("b"), 20, 30),
            get(3, Some("a"), 40, 50),
        ];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::Reverted);
        assert_eq!(a.sub_history, [0, 1, 2, 3]);
        assert_eq!(a.ops, [3, 2, 0]);
        assert_eq!(
            a.description,
            "#3 (client 3 get \"k\" -> \"a\" [40, 50]) read \"a\", but #2 (client 3 get \"k\" \
             -> \"b\" [20, 30]) had seen otherwise before it was sent, and the put of \"a\" \
             (#0) had completed before #2 was sent"
        );
    }

    #[test]
    fn delete_that_missed_a_completed_put() {
        let h = [put(1, "a", 0, 10), del(2, false, 20, 30)];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::StaleRead);
        assert_eq!(a.sub_history, [0, 1]);
        assert_eq!(
            a.description,
            "#1 (client 2 delete \"k\" -> did not exist [20, 30]) found nothing to delete, but \
             #0 (client 1 put \"k\" = \"a\" [0, 10]) had completed before it was sent, and no \
             delete was sent before it returned"
        );
        // With a delete in between (or overlapping) it is fine.
        passes(&[
            put(1, "a", 0, 10),
            del(3, true, 12, 14),
            del(2, false, 20, 30),
        ]);
        passes(&[
            put(1, "a", 0, 10),
            del(3, true, 12, 25),
            del(2, false, 20, 30),
        ]);
    }

    #[test]
    fn delete_of_a_key_never_put_and_a_double_delete() {
        let a = anomaly(&[get(1, None, 0, 1), del(2, true, 2, 3)]);
        assert_eq!(a.kind, AnomalyKind::NeverWritten);
        assert_eq!(a.sub_history, [1]);
        let h = [
            put(1, "a", 0, 10),
            del(2, true, 20, 30),
            del(3, true, 40, 50),
        ];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::StaleRead);
        assert_eq!(a.ops, [2, 1, 0]);
        // Two overlapping deletes cannot both find the one put.
        let h = [
            put(1, "a", 0, 10),
            del(2, true, 20, 30),
            del(3, true, 20, 30),
        ];
        assert_eq!(anomaly(&h).kind, AnomalyKind::Other);
    }

    #[test]
    fn read_of_nothing_after_a_completed_put() {
        let h = [put(1, "a", 0, 10), get(2, None, 20, 30)];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::StaleRead);
        // A read of nothing after one of "a" is the key vanishing.
        let h = [
            put(1, "a", 0, 100),
            get(2, Some("a"), 20, 30),
            get(2, None, 40, 50),
        ];
        assert_eq!(anomaly(&h).kind, AnomalyKind::Reverted);
    }

    #[test]
    fn concurrent_histories_that_pass() {
        // Two overlapping puts; readers agree on one order ("b" then "a").
        passes(&[
            put(1, "a", 0, 50),
            put(2, "b", 0, 50),
            get(3, Some("b"), 10, 20),
            get(4, Some("a"), 30, 60),
            get(3, Some("a"), 70, 80),
        ]);
        // A read overlapping a put may see either side of it.
        passes(&[
            put(1, "a", 0, 10),
            put(2, "b", 20, 40),
            get(3, Some("a"), 25, 30),
            get(4, Some("b"), 30, 35),
            get(3, Some("b"), 41, 45),
        ]);
        // Reads of nothing before the first put returns, and a delete in flight.
        passes(&[
            get(1, None, 0, 5),
            put(2, "a", 1, 10),
            get(1, None, 6, 8),
            del(3, true, 9, 30),
            get(1, Some("a"), 12, 14),
            get(2, None, 20, 25),
        ]);
        passes(&[]);
    }

    #[test]
    fn unanswered_ops_may_take_effect_later_or_never() {
        // Taken effect long after the client gave up on it.
        passes(&[
            put(1, "a", 0, 10),
            Op::timed_out_put(2, K, b"b", 20),
            get(3, Some("a"), 1000, 1010),
            get(3, Some("b"), 5000, 5010),
        ]);
        // Never taken effect.
        passes(&[
            put(1, "a", 0, 10),
            Op::timed_out_put(2, K, b"b", 20),
            Op::timed_out_delete(2, K, 30),
            Op::timed_out_get(4, K, 35),
            get(3, Some("a"), 1000, 1010),
        ]);
        // A delete that went unanswered but took effect.
        passes(&[
            put(1, "a", 0, 10),
            Op::timed_out_delete(2, K, 20),
            get(3, Some("a"), 30, 40),
            get(3, None, 50, 60),
            del(3, false, 70, 80),
        ]);
        // Once it is seen, it took effect: it cannot be undone.
        let h = [
            put(1, "a", 0, 10),
            Op::timed_out_put(2, K, b"b", 20),
            get(3, Some("b"), 30, 40),
            get(3, Some("a"), 50, 60),
        ];
        assert_eq!(anomaly(&h).kind, AnomalyKind::Reverted);
    }

    #[test]
    fn repeated_values_are_exact() {
        // "a" is put again while the read is in flight: the read may see the second one.
        passes(&[
            put(1, "a", 0, 10),
            put(2, "b", 20, 30),
            put(1, "a", 35, 60),
            get(3, Some("a"), 40, 50),
        ]);
        // ... but not when the second "a" is sent after the read returned.
        let h = [
            put(1, "a", 0, 10),
            put(2, "b", 20, 30),
            get(3, Some("a"), 40, 50),
            put(1, "a", 55, 60),
        ];
        let a = anomaly(&h);
        assert_eq!(a.kind, AnomalyKind::StaleRead);
        assert_eq!(a.sub_history, [0, 1, 2]);
        // A-B-A: the key holds "a" again after "b".
        passes(&[
            put(1, "a", 0, 10),
            get(2, Some("a"), 11, 12),
            put(1, "b", 20, 30),
            get(2, Some("b"), 31, 32),
            put(1, "a", 40, 50),
            get(2, Some("a"), 51, 52),
        ]);
    }

    #[test]
    fn keys_are_checked_apart() {
        let mut h = vec![
            Op::put(1, b"x", b"1", 0, 10),
            Op::put(1, b"y", b"1", 0, 10),
            Op::put(2, b"x", b"2", 20, 30),
            Op::get(3, b"y", Some(b"1"), 40, 50),
            Op::get(3, b"x", Some(b"1"), 40, 50),
        ];
        let v = check(&h).unwrap();
        assert_eq!(v.keys_checked, 2);
        assert_eq!(v.anomalies.len(), 1);
        assert_eq!(v.anomalies[0].key, b"x");
        assert_eq!(v.anomalies[0].sub_history, [0, 2, 4]);
        // The same answers on a key of their own are fine.
        h[4].key = b"z".to_vec();
        h.push(Op::put(4, b"z", b"1", 0, 10));
        passes(&h);
    }

    #[test]
    fn verdict_as_json() {
        let h = [
            put(1, "a", 0, 10),
            put(2, "b", 20, 30),
            get(3, Some("a"), 40, 50),
            Op::timed_out_get(4, b"\xff", 0),
        ];
        let v = serde_json::to_value(check(&h).unwrap()).unwrap();
        assert_eq!(v["outcome"], "not-linearizable");
        assert_eq!(v["keys_checked"], 2);
        assert_eq!(v["ops_checked"], 4);
        assert_eq!(v["unanswered"], 1);
        assert_eq!(v["anomalies"][0]["key"], "k");
        assert_eq!(v["anomalies"][0]["kind"], "stale-read");
        assert_eq!(v["anomalies"][0]["ops"], serde_json::json!([2, 1, 0]));
        assert_eq!(
            v["anomalies"][0]["sub_history"],
            serde_json::json!([0, 1, 2])
        );
        assert_eq!(v["anomalies"][0]["minimal"], true);
        assert_eq!(v["undecided"], serde_json::json!([]));
    }

    #[test]
    fn out_of_steps_is_undecided_never_linearizable() {
        let w = Workload {
            ops: 400,
            ..Workload::default()
        };
        let h = linearizable(&w, &mut StdRng::seed_from_u64(3));
        let tight = Options {
            max_steps_per_key: 50,
            ..Options::default()
        };
        let v = check_with(&h, &tight).unwrap();
        assert_eq!(v.outcome, Outcome::Undecided);
        assert!(!v.is_linearizable());
        assert_eq!(v.undecided.len(), 1);
        assert_eq!((v.undecided[0].ops, v.undecided[0].steps), (400, 50));
        assert_eq!(check(&h).unwrap().outcome, Outcome::Linearizable);
    }

    #[test]
    fn a_history_it_cannot_read_is_an_error() {
        let h = [put(1, "a", 10, 5)];
        assert_eq!(
            check(&h),
            Err(HistoryError::ReturnBeforeCall {
                index: 0,
                call: 10,
                ret: 5
            })
        );
    }

    /// Workloads for the generated tests: contended, with deletes, unanswered ops, repeated
    /// values and several keys.
    fn workloads() -> Vec<Workload> {
        let base = Workload {
            ops: 600,
            ..Workload::default()
        };
        vec![
            base,
            Workload {
                clients: 12,
                max_think: 0,
                ops: 300,
                ..base
            },
            Workload {
                unanswered: 0.1,
                deletes: 0.2,
                ..base
            },
            Workload {
                distinct_values: Some(3),
                unanswered: 0.05,
                ..base
            },
            Workload {
                keys: 5,
                ops: 1500,
                unanswered: 0.05,
                ..base
            },
        ]
    }

    #[test]
    fn generated_linearizable_histories_pass() {
        for (n, w) in workloads().iter().enumerate() {
            for seed in 0..20 {
                let h = linearizable(w, &mut StdRng::seed_from_u64(seed));
                let v = check(&h).unwrap();
                assert_eq!(
                    v.outcome,
                    Outcome::Linearizable,
                    "workload {n} seed {seed}: {:?}",
                    v.anomalies
                );
            }
        }
    }

    /// A value the get `g` cannot have read in any order: one whose put was sent after it
    /// returned, one certainly overwritten before it was sent, or one never written.
    fn impossible_value(h: &[Op], g: usize, rng: &mut StdRng) -> Option<Vec<u8>> {
        let (call, ret) = (h[g].call, h[g].ret?);
        let same_key = |op: &&Op| op.key == h[g].key;
        let puts: Vec<&Op> = h
            .iter()
            .filter(same_key)
            .filter(|op| matches!(op.kind, OpKind::Put { .. }))
            .collect();
        let value = |op: &Op| match &op.kind {
            OpKind::Put { value } => value.clone(),
            _ => Vec::new(),
        };
        let future: Vec<&&Op> = puts.iter().filter(|p| p.call > ret).collect();
        let stale: Vec<&&Op> = puts
            .iter()
            .filter(|p| {
                h.iter().filter(same_key).any(|w| {
                    matches!(w.kind, OpKind::Put { .. } | OpKind::Delete { .. })
                        && p.ret.is_some_and(|r| r < w.call)
                        && w.ret.is_some_and(|r| r < call)
                        && value(w) != value(p)
                })
            })
            .collect();
        match rng.random_range(0..3) {
            0 if !future.is_empty() => Some(value(future[rng.random_range(0..future.len())])),
            1 if !stale.is_empty() => Some(value(stale[rng.random_range(0..stale.len())])),
            _ => Some(b"never written".to_vec()),
        }
    }

    #[test]
    fn generated_histories_with_one_impossible_read_fail() {
        let mut caught = 0;
        for (n, w) in workloads().iter().enumerate() {
            // Unique values, so that "overwritten" means what it says.
            let w = Workload {
                distinct_values: None,
                ..*w
            };
            for seed in 0..20 {
                let mut rng = StdRng::seed_from_u64(seed);
                let mut h = linearizable(&w, &mut rng);
                let gets: Vec<usize> = (0..h.len())
                    .filter(|&i| matches!(h[i].kind, OpKind::Get { result: Some(_) }))
                    .collect();
                let g = gets[rng.random_range(0..gets.len())];
                let Some(v) = impossible_value(&h, g, &mut rng) else {
                    continue;
                };
                h[g].kind = OpKind::Get {
                    result: Some(Some(v)),
                };
                let verdict = check(&h).unwrap();
                assert_eq!(
                    verdict.outcome,
                    Outcome::NotLinearizable,
                    "workload {n} seed {seed}"
                );
                let a = &verdict.anomalies[0];
                // Only the changed read is wrong, so every failing part includes it.
                assert!(
                    a.sub_history.contains(&g),
                    "workload {n} seed {seed}: {a:#?}"
                );
                assert!(a.ops.contains(&g), "workload {n} seed {seed}: {a:#?}");
                assert_ne!(
                    a.kind,
                    AnomalyKind::Other,
                    "workload {n} seed {seed}: {a:#?}"
                );
                // Small, minimal, and failing on its own.
                assert!(a.minimal, "workload {n} seed {seed}: {a:#?}");
                assert!(
                    a.sub_history.len() * 10 <= h.len(),
                    "workload {n} seed {seed}"
                );
                let sub: Vec<Op> = a.sub_history.iter().map(|&i| h[i].clone()).collect();
                assert_eq!(check(&sub).unwrap().outcome, Outcome::NotLinearizable);
                caught += 1;
            }
        }
        assert_eq!(caught, 100);
    }

    #[test]
    fn five_thousand_ops_on_one_key_take_few_steps() {
        let w = Workload {
            ops: 5000,
            clients: 8,
            unanswered: 0.01,
            ..Workload::default()
        };
        let h = linearizable(&w, &mut StdRng::seed_from_u64(11));
        let v = check(&h).unwrap();
        assert_eq!(v.outcome, Outcome::Linearizable);
        // A step visits one call or return: tens per op, not a search of orders.
        assert!(v.steps < 100 * 5000, "{} steps", v.steps);
    }
}
