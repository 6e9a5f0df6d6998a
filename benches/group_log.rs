//! `cargo bench --bench group_log`: the on-disk layout question of multi-raft (a store hosting
//! many Raft groups), measured before it is decided. Each round, every group appends one
//! 256 B entry and its HardState, and the round is made durable, as one store's WAL writer
//! would do for the Readies of all its groups at once:
//!
//! - `wal-per-group`: one etcd-format WAL per group (`DIR/groups/<id>/member/wal`, what keeps
//!   `wal dump|verify|diff` byte-compatible per group): each group's writer appends, then
//!   each fdatasyncs its own segment, one after another.
//! - `wal-per-group ×8`: the same, the fdatasyncs issued from 8 threads at once (the device
//!   and ext4's journal may merge them).
//! - `shared`: one log for every group (raft-engine's choice): all the round's records in one
//!   segment, one fdatasync.
//!
//! Prints rounds/s, the round's p50 and p99, and entries/s, for 1, 16, 64 and 256 groups.
//! Segments are 4 MiB here (etcd preallocates 64 MB per segment: 16 GB for 256 groups' WALs
//! before anything is written). `--test` runs a few rounds of each; `BENCH_DIR` puts the
//! temp dirs on another disk.

use std::path::Path;
use std::time::{Duration, Instant};

use raftctl::proto::raftpb::{Entry, HardState};
use raftctl::proto::walpb::Metadata;
use raftctl::wal::writer::{WalWriter, WriterOptions};

mod support;
use support::{entry, temp_dir};

const SEGMENT: u64 = 4 << 20;
const VALUE: usize = 256;

#[derive(Clone, Copy)]
enum Layout {
    PerGroup { sync_threads: usize },
    Shared,
}

impl Layout {
    fn name(self) -> String {
        match self {
            Layout::PerGroup { sync_threads: 1 } => "wal-per-group".into(),
            Layout::PerGroup { sync_threads } => format!("wal-per-group ×{sync_threads}"),
            Layout::Shared => "shared".into(),
        }
    }
}

fn writer(dir: &Path, node_id: u64) -> WalWriter {
    let mut md = Vec::new();
    Metadata {
        node_id,
        cluster_id: 7,
    }
    .encode(&mut md);
    let opts = WriterOptions {
        segment_size: SEGMENT,
        ..WriterOptions::default()
    };
    WalWriter::create(dir, &md, opts).expect("create a WAL")
}

/// Appends to `w`, dropping segments it has cut (disk use stays small over a long run).
fn append(w: &mut WalWriter, index: u64, entries: &[Entry<'_>]) {
    let tail = w.tail_path().to_path_buf();
    let hs = HardState {
        term: 1,
        vote: 1,
        commit: index,
    };
    w.append(&hs, entries).expect("append");
    if w.tail_path() != tail {
        w.release_to(index).expect("release");
    }
}

struct Figures {
    rounds: usize,
    secs: f64,
    p50_us: u128,
    p99_us: u128,
}

fn run(layout: Layout, groups: usize, budget: Duration, max_rounds: usize) -> Figures {
    let base = temp_dir();
    let mut writers: Vec<WalWriter> = match layout {
        Layout::PerGroup { .. } => (0..groups)
            .map(|g| {
                let dir = base.path().join(format!("groups/{}/member/wal", g + 1));
                writer(&dir, g as u64 + 1)
            })
            .collect(),
        Layout::Shared => vec![writer(&base.path().join("log"), 1)],
    };
    let data = vec![b'v'; VALUE];
    let mut times = Vec::new();
    let start = Instant::now();
    let mut round = 0u64;
    while start.elapsed() < budget && times.len() < max_rounds {
        round += 1;
        let t = Instant::now();
        match layout {
            Layout::PerGroup { sync_threads } => {
                let e = [entry(round, &data)];
                for w in writers.iter_mut() {
                    append(w, round, &e);
                }
                let per = writers.len().div_ceil(sync_threads);
                std::thread::scope(|s| {
                    for chunk in writers.chunks_mut(per) {
                        s.spawn(move || {
                            for w in chunk {
                                w.sync().expect("fdatasync");
                            }
                        });
                    }
                });
            }
            Layout::Shared => {
                // One record per group's entry: the shared log's index runs over all groups.
                let first = (round - 1) * groups as u64 + 1;
                let entries: Vec<Entry<'_>> = (0..groups as u64)
                    .map(|g| entry(first + g, &data))
                    .collect();
                let w = &mut writers[0];
                append(w, first + groups as u64 - 1, &entries);
                w.sync().expect("fdatasync");
            }
        }
        times.push(t.elapsed().as_micros());
    }
    let secs = start.elapsed().as_secs_f64();
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    Figures {
        rounds: times.len(),
        secs,
        p50_us: at(0.5),
        p99_us: at(0.99),
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let (budget, max_rounds) = if quick {
        (Duration::from_millis(200), 5)
    } else {
        (Duration::from_secs(3), usize::MAX)
    };
    println!(
        "{:>6}  {:<17} {:>9} {:>11} {:>11} {:>12}",
        "groups", "layout", "rounds/s", "p50 µs", "p99 µs", "entries/s"
    );
    for groups in [1usize, 16, 64, 256] {
        for layout in [
            Layout::PerGroup { sync_threads: 1 },
            Layout::PerGroup { sync_threads: 8 },
            Layout::Shared,
        ] {
            if groups == 1 && !matches!(layout, Layout::PerGroup { sync_threads: 1 }) {
                continue;
            }
            let f = run(layout, groups, budget, max_rounds);
            let rate = f.rounds as f64 / f.secs;
            println!(
                "{groups:>6}  {:<17} {rate:>9.0} {:>11} {:>11} {:>12.0}",
                layout.name(),
                f.p50_us,
                f.p99_us,
                rate * groups as f64
            );
        }
    }
}
