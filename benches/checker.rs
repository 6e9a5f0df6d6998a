//! `cargo bench --bench checker`: how fast the linearizability checker decides generated
//! histories, linearizable ones and ones with a single impossible read planted, per key and
//! over many keys. Prints ops checked per second, search steps per op and the verdict.
//!
//! Histories come from `raftctl::checker::synth` (clients on a real atomic register), each
//! from a fixed seed, so every run checks the same ones. `BENCH_RUNS` (default 5) timed runs
//! follow a warm-up; the median is printed. The 16-client row is a stress case: with every
//! client always busy the search may exhaust the default step budget and say undecided. `cargo bench --bench checker -- --test` only
//! checks that the benchmark runs, on small histories.

use std::time::Instant;

use raftctl::checker::synth::{Workload, linearizable};
use raftctl::checker::{self, Op, OpKind, Outcome};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let runs = if quick { 1 } else { runs };
    let scale = if quick { 10 } else { 1 };
    let one_key = Workload {
        ops: 5000 / scale,
        clients: 8,
        ..Workload::default()
    };
    let cases = [
        ("1 key, 5,000 ops, 8 clients", one_key),
        (
            "1 key, 5,000 ops, 8 clients, 5% unanswered",
            Workload {
                unanswered: 0.05,
                ..one_key
            },
        ),
        (
            "1 key, 1,000 ops, 16 clients, no pause",
            Workload {
                ops: 1000 / scale,
                clients: 16,
                max_think: 0,
                ..one_key
            },
        ),
        (
            "1 key, 20,000 ops, 8 clients",
            Workload {
                ops: 20_000 / scale,
                ..one_key
            },
        ),
        (
            "100 keys, 100,000 ops, 32 clients",
            Workload {
                keys: 100,
                ops: 100_000 / scale,
                clients: 32,
                unanswered: 0.01,
                ..one_key
            },
        ),
    ];
    println!(
        "{:<58} {:>10} {:>12} {:>10} {:>11}  verdict",
        "history", "ms", "ops/s", "steps/op", "sub-history"
    );
    for (title, w) in cases {
        let h = linearizable(&w, &mut StdRng::seed_from_u64(1));
        measure(title, &h, runs, Outcome::Linearizable);
        let bad = plant_stale_read(h, &mut StdRng::seed_from_u64(2));
        measure(
            &format!("{title}, one stale read"),
            &bad,
            runs,
            Outcome::NotLinearizable,
        );
    }
}

fn measure(title: &str, h: &[Op], runs: usize, expected: Outcome) {
    let mut times = Vec::new();
    let mut verdict = None;
    for i in 0..=runs {
        let t = Instant::now();
        let v = checker::check(h).expect("a readable history");
        if i > 0 {
            times.push(t.elapsed().as_secs_f64());
        }
        verdict = Some(v);
    }
    let Some(v) = verdict else { return };
    times.sort_by(|a, b| a.total_cmp(b));
    let med = times[times.len() / 2];
    let sub = v
        .anomalies
        .first()
        .map_or(String::new(), |a| format!("{} ops", a.sub_history.len()));
    println!(
        "{title:<58} {:>10.1} {:>12.0} {:>10.1} {sub:>11}  {:?}",
        med * 1e3,
        h.len() as f64 / med,
        v.steps as f64 / h.len() as f64,
        v.outcome
    );
    // Undecided is an answer (the budget ran out); the opposite verdict never is.
    assert!(
        v.outcome == expected || v.outcome == Outcome::Undecided,
        "{title}: {:?}",
        v.outcome
    );
}

/// Changes the answer of one get in the middle of the history to the value of a put that
/// was certainly overwritten before the get was sent.
fn plant_stale_read(mut h: Vec<Op>, rng: &mut StdRng) -> Vec<Op> {
    let n = h.len();
    for _ in 0..10_000 {
        let g = rng.random_range(n / 3..n * 2 / 3);
        let (call, key) = (h[g].call, h[g].key.clone());
        if !matches!(h[g].kind, OpKind::Get { result: Some(_) }) {
            continue;
        }
        // A put of this key, and a later put of it, both completed before the get.
        let stale = h.iter().enumerate().find_map(|(p, op)| {
            let OpKind::Put { value } = &op.kind else {
                return None;
            };
            let r = op.ret?;
            let over = h.iter().any(|w| {
                w.key == key
                    && matches!(w.kind, OpKind::Put { .. })
                    && w.call > r
                    && w.ret.is_some_and(|wr| wr < call)
            });
            (op.key == key && over && p != g).then(|| value.clone())
        });
        if let Some(v) = stale {
            h[g].kind = OpKind::Get {
                result: Some(Some(v)),
            };
            return h;
        }
    }
    h
}
