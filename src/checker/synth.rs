//! Histories that are linearizable by construction, for the checker's own tests and
//! benchmarks: clients run ops against a real atomic register per key, each op taking
//! effect at one instant drawn inside its interval, so the order of those instants is a
//! linearization and the answers are what it gives. Unanswered ops take effect at some
//! later instant, or never.

use std::collections::HashMap;

use rand::Rng;

use super::history::{Op, OpKind};

/// The shape of a generated history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    pub keys: usize,
    /// Each client has one op in flight at a time (an unanswered one until it times out).
    pub clients: usize,
    pub ops: usize,
    /// An op takes 1..=max_latency time units; an unanswered one is given up after twice that.
    pub max_latency: u64,
    /// Pause of a client between ops, 0..=max_think.
    pub max_think: u64,
    /// Shares of puts and deletes; the rest are gets.
    pub puts: f64,
    pub deletes: f64,
    /// Share of ops that go unanswered; half of them take effect.
    pub unanswered: f64,
    /// `Some(n)`: values drawn from n of them, so the same value is put again; `None`:
    /// every put writes a value of its own.
    pub distinct_values: Option<u64>,
}

impl Default for Workload {
    fn default() -> Workload {
        Workload {
            keys: 1,
            clients: 8,
            ops: 1000,
            max_latency: 100,
            max_think: 20,
            puts: 0.4,
            deletes: 0.1,
            unanswered: 0.0,
            distinct_values: None,
        }
    }
}

/// A history of `w.ops` ops, in the order the clients sent them.
pub fn linearizable(w: &Workload, rng: &mut impl Rng) -> Vec<Op> {
    let clients = w.clients.max(1);
    let latency = w.max_latency.max(1);
    let mut clock: Vec<u64> = (0..clients)
        .map(|_| rng.random_range(0..=w.max_think))
        .collect();
    let mut history = Vec::with_capacity(w.ops);
    // (the instant it takes effect, its position), for the ops that take effect.
    let mut effects: Vec<(u64, usize)> = Vec::with_capacity(w.ops);
    for n in 0..w.ops {
        let client = (0..clients).min_by_key(|&c| (clock[c], c)).unwrap_or(0);
        let call = clock[client];
        let key = format!("k{}", rng.random_range(0..w.keys.max(1))).into_bytes();
        let roll: f64 = rng.random();
        let kind = if roll < w.puts {
            let v = match w.distinct_values {
                Some(d) => rng.random_range(0..d.max(1)),
                None => n as u64,
            };
            OpKind::Put {
                value: format!("v{v}").into_bytes(),
            }
        } else if roll < w.puts + w.deletes {
            OpKind::Delete { existed: None }
        } else {
            OpKind::Get { result: None }
        };
        let think = rng.random_range(0..=w.max_think);
        let (ret, effect) = if rng.random_bool(w.unanswered.clamp(0.0, 1.0)) {
            clock[client] = call + 2 * latency + think;
            let at = call + rng.random_range(0..=10 * latency);
            (None, rng.random_bool(0.5).then_some(at))
        } else {
            let d = rng.random_range(1..=latency);
            clock[client] = call + d + think;
            (Some(call + d), Some(call + rng.random_range(0..=d)))
        };
        if let Some(at) = effect {
            effects.push((at, n));
        }
        history.push(Op {
            client: client as u64,
            key,
            kind,
            call,
            ret,
        });
    }
    effects.sort_unstable();
    let mut register: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    for (_, n) in effects {
        let op = &mut history[n];
        let answered = op.ret.is_some();
        match &mut op.kind {
            OpKind::Put { value } => {
                register.insert(op.key.clone(), value.clone());
            }
            OpKind::Get { result } => {
                if answered {
                    *result = Some(register.get(&op.key).cloned());
                }
            }
            OpKind::Delete { existed } => {
                let had = register.remove(&op.key).is_some();
                if answered {
                    *existed = Some(had);
                }
            }
        }
    }
    history
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn clients_have_one_op_in_flight_and_answers_are_filled() {
        let w = Workload {
            ops: 2000,
            clients: 4,
            unanswered: 0.1,
            ..Workload::default()
        };
        let h = linearizable(&w, &mut StdRng::seed_from_u64(1));
        assert_eq!(h.len(), 2000);
        let mut busy_until = [0u64; 4];
        for op in &h {
            let c = op.client as usize;
            assert!(
                op.call >= busy_until[c],
                "client {c} overlaps itself at {op}"
            );
            busy_until[c] = op.ret.unwrap_or(op.call + 2 * w.max_latency);
            match (&op.kind, op.ret) {
                (OpKind::Get { result }, r) => assert_eq!(result.is_some(), r.is_some()),
                (OpKind::Delete { existed }, r) => assert_eq!(existed.is_some(), r.is_some()),
                (OpKind::Put { .. }, _) => {}
            }
        }
        assert!(h.iter().any(|op| op.ret.is_none()));
        assert!(h.iter().any(|op| matches!(
            op.kind,
            OpKind::Get {
                result: Some(Some(_))
            }
        )));
    }

    #[test]
    fn the_same_seed_gives_the_same_history() {
        let w = Workload::default();
        let a = linearizable(&w, &mut StdRng::seed_from_u64(7));
        let b = linearizable(&w, &mut StdRng::seed_from_u64(7));
        assert_eq!(a, b);
    }
}
