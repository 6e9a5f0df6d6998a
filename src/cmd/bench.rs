//! `raftctl bench`: concurrent load against the cluster — puts (and linearizable or
//! serializable gets) from many clients, latency percentiles from a histogram.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::sync::Mutex;

use super::{Outcome, UsageError};
use crate::api::client::Client;
use crate::output::bench::BenchReport;
use crate::output::{self, Format};

pub struct BenchArgs {
    pub clients: usize,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub value_size: usize,
    pub keys: u64,
    pub read_ratio: f64,
    pub serializable: bool,
}

pub fn run(
    endpoints: &[String],
    a: BenchArgs,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    if endpoints.is_empty() {
        return Err(UsageError(
            "no nodes given: pass --endpoints HOST:PORT,… (or set RAFTCTL_ENDPOINTS)".into(),
        )
        .into());
    }
    if a.clients == 0 || a.keys == 0 || !(0.0..=1.0).contains(&a.read_ratio) {
        return Err(UsageError(
            "--clients and --keys must be positive, --read-ratio within 0..1".into(),
        )
        .into());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(load(endpoints, &a))?;
    let errors = report.errors;
    output::render(&report, format, out)?;
    Ok(if errors == 0 {
        Outcome::Ok
    } else {
        Outcome::ProblemFound
    })
}

async fn load(endpoints: &[String], a: &BenchArgs) -> anyhow::Result<BenchReport> {
    // Writes go to the leader: a follower would forward them, one hop more.
    let (_, target) = super::target::leader(endpoints).await.context("bench")?;
    let client = Client::new(&target, Duration::from_secs(10));
    let value = vec![b'x'; a.value_size];
    let hist = Arc::new(Mutex::new(Histogram::<u64>::new_with_bounds(
        1, 60_000_000, 3,
    )?));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let issued = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let count = a.count.unwrap_or(if a.duration.is_some() {
        u64::MAX
    } else {
        10_000
    });
    let bar = progress(a, count);
    let start = Instant::now();
    let deadline = a.duration.map(|d| start + d);
    let mut tasks = Vec::new();
    for _ in 0..a.clients {
        let (client, value, hist, done, errors, issued, stop) = (
            client.clone(),
            value.clone(),
            hist.clone(),
            done.clone(),
            errors.clone(),
            issued.clone(),
            stop.clone(),
        );
        let (keys, read_ratio, serializable) = (a.keys, a.read_ratio, a.serializable);
        tasks.push(tokio::spawn(async move {
            let mut local =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds");
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= count
                    || stop.load(Ordering::Relaxed)
                    || deadline.is_some_and(|d| Instant::now() >= d)
                {
                    break;
                }
                let key = format!("bench/{:010}", n % keys);
                let t = Instant::now();
                let ok = if read_ratio > 0.0 && rand::random::<f64>() < read_ratio {
                    client.get(&key, serializable).await.is_ok()
                } else {
                    client
                        .put(&key, value.clone(), rand::random::<u64>().max(1))
                        .await
                        .is_ok()
                };
                if ok {
                    let _ = local.record(t.elapsed().as_micros().max(1) as u64);
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            let _ = hist.lock().await.add(&local);
        }));
    }
    let ticker = {
        let (done, bar) = (done.clone(), bar.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if let Some(b) = &bar {
                    b.set_position(done.load(Ordering::Relaxed));
                }
            }
        })
    };
    for t in tasks {
        let _ = t.await;
    }
    stop.store(true, Ordering::Relaxed);
    ticker.abort();
    let secs = start.elapsed().as_secs_f64();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let h = hist.lock().await;
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let ops = done.load(Ordering::Relaxed);
    Ok(BenchReport {
        endpoint: client.endpoint().to_string(),
        clients: a.clients as u64,
        value_size: a.value_size as u64,
        ops,
        seconds: secs,
        ops_per_sec: ops as f64 / secs,
        latency_ms: crate::output::bench::Latency {
            p50: ms(0.50),
            p90: ms(0.90),
            p99: ms(0.99),
            p999: ms(0.999),
            max: h.max() as f64 / 1000.0,
        },
        errors: errors.load(Ordering::Relaxed),
    })
}

/// A progress bar on a terminal; nothing otherwise.
fn progress(a: &BenchArgs, count: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = match a.duration {
        Some(_) => indicatif::ProgressBar::new_spinner(),
        None => indicatif::ProgressBar::new(count),
    };
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} ops ({per_sec})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(b)
}
