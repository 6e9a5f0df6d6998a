//! The simulation's long run, and the replay of one schedule:
//!
//! ```text
//! cargo run --release --example sim -- --seeds 100000 [--from 1] [--jobs 2] [--OPTION VALUE ...]
//! cargo run --release --example sim -- --seed 49 --crash 0.02 --trace
//! ```
//!
//! Every option of `raftctl::sim::Options` is a flag (`--members 5`, `--crash-at-sync 0.01`,
//! `--planted-bug ack-before-fsync`, ...); a failure prints the line that replays it. Exit 1
//! on a failure, 2 on a bad flag.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use raftctl::sim::{self, Options, Report};

/// A member's tick in `raftctl node` (its default `--tick-ms`): one simulated tick stands for
/// this much of a real member's time.
const TICK_MS: u64 = 50;

struct Args {
    seeds: Vec<u64>,
    jobs: usize,
    opts: Options,
}

fn parse() -> Result<Args, String> {
    let mut opts = Options::default();
    let (mut seed, mut count, mut from, mut jobs) = (None, 1_000u64, 1u64, 0usize);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let Some(flag) = a.strip_prefix("--") else {
            return Err(format!("{a:?}: expected a --flag"));
        };
        if flag == "trace" {
            opts.trace = true;
            continue;
        }
        let v = it.next().ok_or_else(|| format!("--{flag} needs a value"))?;
        let n = || {
            v.parse::<u64>()
                .map_err(|_| format!("--{flag}: {v:?} is not a number"))
        };
        match flag {
            "seed" => seed = Some(n()?),
            "seeds" => count = n()?,
            "from" => from = n()?,
            "jobs" => jobs = n()? as usize,
            _ => opts.set(flag, &v)?,
        }
    }
    let seeds = match seed {
        Some(s) => vec![s],
        None => (from..from.saturating_add(count)).collect(),
    };
    if jobs == 0 {
        jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    }
    Ok(Args { seeds, jobs, opts })
}

fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sim: {e}");
            std::process::exit(2);
        }
    };
    if std::env::var_os("RUST_LOG").is_some() {
        // The members' own logs (raft-rs's too), e.g. RUST_LOG=info with --seed N.
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let started = Instant::now();
    let seeds = Arc::new(args.seeds);
    let next = Arc::new(AtomicU64::new(0));
    let total = Arc::new(Mutex::new((Report::default(), 0u64)));
    let failed = Arc::new(Mutex::new(None::<sim::Failure>));
    let workers: Vec<_> = (0..args.jobs)
        .map(|_| {
            let (seeds, next, total, failed) =
                (seeds.clone(), next.clone(), total.clone(), failed.clone());
            let opts = args.opts.clone();
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some(&seed) = seeds.get(i) else { break };
                    if failed.lock().map(|f| f.is_some()).unwrap_or(true) {
                        break;
                    }
                    match sim::run(seed, &opts) {
                        Ok(r) => {
                            if let Ok(mut t) = total.lock() {
                                t.0.add(&r);
                                t.1 += 1;
                                if t.1 % 1000 == 0 {
                                    eprintln!(
                                        "{} schedules, {:.0} s",
                                        t.1,
                                        started.elapsed().as_secs_f64()
                                    );
                                }
                            }
                        }
                        Err(f) => {
                            if let Ok(mut slot) = failed.lock() {
                                slot.get_or_insert(f);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let secs = started.elapsed().as_secs_f64();
    if let Some(f) = failed.lock().ok().and_then(|mut f| f.take()) {
        eprint!("{f}");
        std::process::exit(1);
    }
    let Ok((t, n)) = total.lock().map(|t| t.clone()) else {
        std::process::exit(1);
    };
    let ticks = t.steps / sim::TICK_EVERY;
    println!(
        "{n} schedules in {secs:.1} s ({:.1} schedules/s, {} jobs): {} steps = {ticks} ticks \
         = {:.1} h of member time at {TICK_MS} ms a tick",
        n as f64 / secs,
        args.jobs,
        t.steps,
        (ticks * TICK_MS) as f64 / 3_600_000.0
    );
    println!("{t}");
}
