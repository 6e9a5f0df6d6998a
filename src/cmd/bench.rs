//! `raftctl bench`: concurrent load against the cluster — puts (and linearizable or
//! serializable gets) from many clients; throughput and latency percentiles for the whole run
//! and for reads and writes apart, and the first error of each kind.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;

use super::{Outcome, UsageError};
use crate::api::client::Client;
use crate::api::conn::KvConn;
use crate::cli::BenchArgs;
use crate::output::bench::{BenchReport, ErrorKind, KindReport, Latency};
use crate::output::{self, Format};

/// Requests when neither --count nor --duration is given.
const DEFAULT_COUNT: u64 = 10_000;
/// Distinct error kinds kept; any further ones are counted together.
const MAX_ERROR_KINDS: usize = 16;
/// Latencies are recorded in microseconds up to a minute (requests time out long before).
const MAX_MICROS: u64 = 60_000_000;

/// What `bench` runs with, its flags checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub clients: usize,
    pub count: Option<u64>,
    pub duration: Option<Duration>,
    pub value_size: usize,
    pub keys: u64,
    pub read_ratio: f64,
    pub serializable: bool,
    /// Puts per request: 1 unless `--pipeline` says more.
    pub pipeline: u64,
}

impl Settings {
    /// Checks each flag's range; a refusal names the flag and the value (a usage error).
    pub fn new(a: &BenchArgs) -> Result<Settings, UsageError> {
        let at_least_one = |flag: &str, v: i64| -> Result<u64, UsageError> {
            u64::try_from(v)
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| UsageError(format!("--{flag} {v}: must be at least 1")))
        };
        let clients = at_least_one("clients", a.clients)?;
        let keys = at_least_one("keys", a.keys)?;
        let count = a.count.map(|c| at_least_one("count", c)).transpose()?;
        let value_size = usize::try_from(a.value_size).map_err(|_| {
            UsageError(format!(
                "--value-size {}: must be 0 or more bytes",
                a.value_size
            ))
        })?;
        if !(0.0..=1.0).contains(&a.read_ratio) {
            return Err(UsageError(format!(
                "--read-ratio {}: must be within 0..1 (the share of requests that are reads)",
                a.read_ratio
            )));
        }
        if let Some(d) = a.duration
            && d.0.is_zero()
        {
            return Err(UsageError(format!("--duration {d}: must be more than 0")));
        }
        let pipeline = a
            .pipeline
            .map(|p| at_least_one("pipeline", p))
            .transpose()?;
        if pipeline.is_some() && a.read_ratio > 0.0 {
            return Err(UsageError(format!(
                "--pipeline with --read-ratio {}: a pipeline is of writes only",
                a.read_ratio
            )));
        }
        Ok(Settings {
            clients: usize::try_from(clients).unwrap_or(usize::MAX),
            count,
            duration: a.duration.map(|d| d.0),
            value_size,
            keys,
            read_ratio: a.read_ratio,
            serializable: a.serializable,
            pipeline: pipeline.unwrap_or(1),
        })
    }
}

pub fn run(
    endpoints: &[String],
    s: Settings,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    if endpoints.is_empty() {
        return Err(UsageError(
            "no nodes given: pass --endpoints HOST:PORT,… (or set RAFTCTL_ENDPOINTS)".into(),
        )
        .into());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(load(endpoints, &s))?;
    let errors = report.errors;
    output::render(&report, format, out)?;
    Ok(if errors == 0 {
        Outcome::Ok
    } else {
        Outcome::ProblemFound
    })
}

/// Errors grouped by kind: two are of one kind when their messages are the same once the
/// request's key is taken out. The first message of each kind is kept whole.
#[derive(Debug, Default)]
struct ErrorKinds {
    /// (kind, first message, count), in the order first seen.
    kinds: Vec<(String, String, u64)>,
    /// Errors of kinds beyond `MAX_ERROR_KINDS`.
    other: u64,
}

impl ErrorKinds {
    fn add(&mut self, key: &str, message: String) {
        let kind = message.replace(key, "…");
        if let Some(k) = self.kinds.iter_mut().find(|k| k.0 == kind) {
            k.2 += 1;
        } else if self.kinds.len() < MAX_ERROR_KINDS {
            self.kinds.push((kind, message, 1));
        } else {
            self.other += 1;
        }
    }

    /// Most frequent first (first seen first among equals).
    fn report(&self) -> Vec<ErrorKind> {
        let mut v: Vec<ErrorKind> = self
            .kinds
            .iter()
            .map(|(_, m, n)| ErrorKind {
                message: m.clone(),
                count: *n,
            })
            .collect();
        v.sort_by_key(|k| std::cmp::Reverse(k.count));
        if self.other > 0 {
            v.push(ErrorKind {
                message: format!("(errors of more than {MAX_ERROR_KINDS} other kinds)"),
                count: self.other,
            });
        }
        v
    }
}

/// One client's (or, merged, the run's) results for one kind of request.
struct Tally {
    hist: Histogram<u64>,
    errors: u64,
}

impl Tally {
    fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            hist: Histogram::new_with_bounds(1, MAX_MICROS, 3)?,
            errors: 0,
        })
    }

    fn add(&mut self, other: &Tally) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.hist.add(&other.hist);
        self.errors += other.errors;
    }

    fn report(&self, secs: f64) -> KindReport {
        let ops = self.hist.len();
        KindReport {
            ops,
            ops_per_sec: ops as f64 / secs,
            latency_ms: (ops > 0).then(|| latency(&self.hist)),
            errors: self.errors,
        }
    }
}

fn latency(h: &Histogram<u64>) -> Latency {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    Latency {
        p50: ms(0.50),
        p90: ms(0.90),
        p99: ms(0.99),
        p999: ms(0.999),
        max: h.max() as f64 / 1000.0,
    }
}

async fn load(endpoints: &[String], s: &Settings) -> anyhow::Result<BenchReport> {
    // Writes go to the leader: a follower would forward them, one hop more.
    let (leader, target) = super::target::leader(endpoints).await.context("bench")?;
    let limit = match leader.max_request_bytes {
        0 => crate::node::DEFAULT_MAX_REQUEST_BYTES,
        l => l,
    };
    if s.value_size as u64 > limit {
        anyhow::bail!(
            "--value-size {} is over the cluster's limit of {limit} bytes per value (raftctl node \
             --max-request-bytes)",
            s.value_size
        );
    }
    // A batch travels in one request, under the same limit (keys are at most 16 bytes).
    let batch_bytes = s.pipeline.saturating_mul(s.value_size as u64 + 32);
    if s.pipeline > 1 && batch_bytes > limit {
        anyhow::bail!(
            "--pipeline {} of {}-byte values is about {batch_bytes} bytes a request, over the \
             cluster's limit of {limit} bytes (raftctl node --max-request-bytes)",
            s.pipeline,
            s.value_size
        );
    }
    let client = Client::new(&target, Duration::from_secs(10));
    let value = bytes::Bytes::from(vec![b'x'; s.value_size]);
    let reads = Arc::new(Mutex::new(Tally::new()?));
    let writes = Arc::new(Mutex::new(Tally::new()?));
    let kinds = Arc::new(Mutex::new(ErrorKinds::default()));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let issued = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let count = s.count.unwrap_or(if s.duration.is_some() {
        u64::MAX
    } else {
        DEFAULT_COUNT
    });
    // Its length is requests with --count and milliseconds with --duration: it fills either way.
    let bar = crate::output::progress_bar(match s.duration {
        Some(d) => d.as_millis() as u64,
        None => count,
    });
    let start = Instant::now();
    let deadline = s.duration.map(|d| start + d);
    let mut tasks = Vec::new();
    for _ in 0..s.clients {
        let (client, value, reads, writes, kinds) = (
            client.clone(),
            value.clone(),
            reads.clone(),
            writes.clone(),
            kinds.clone(),
        );
        let (done, failed, issued, stop) =
            (done.clone(), failed.clone(), issued.clone(), stop.clone());
        let (keys, read_ratio, serializable) = (s.keys, s.read_ratio, s.serializable);
        let pipeline = s.pipeline;
        let (mut my_reads, mut my_writes) = (Tally::new()?, Tally::new()?);
        tasks.push(tokio::spawn(async move {
            // Each client holds its own connection, as etcd's benchmark clients do.
            let mut conn = KvConn::to(&client);
            let tally = |t: &mut Tally, op: &str, key: &str, r: Result<(), String>, us: u64| match r
            {
                Ok(()) => {
                    t.hist.saturating_record(us);
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    t.errors += 1;
                    failed.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut k) = kinds.lock() {
                        k.add(key, format!("{op} {key}: {e}"));
                    }
                }
            };
            loop {
                let n = issued.fetch_add(pipeline, Ordering::Relaxed);
                if n >= count
                    || stop.load(Ordering::Relaxed)
                    || deadline.is_some_and(|d| Instant::now() >= d)
                {
                    break;
                }
                if pipeline > 1 {
                    let keys: Vec<String> = (n..count.min(n + pipeline))
                        .map(|i| format!("bench/{:010}", i % keys))
                        .collect();
                    let puts = keys
                        .iter()
                        .map(|k| crate::proto::batch::BatchPut {
                            key: k.clone().into_bytes(),
                            value: value.to_vec(),
                            request_id: rand::random::<u64>().max(1),
                        })
                        .collect();
                    let t = Instant::now();
                    let results: Vec<Result<(), String>> = match conn.put_batch(puts).await {
                        Ok(r) => r
                            .into_iter()
                            .map(|r| r.map(|_| ()).map_err(|e| e.to_string()))
                            .collect(),
                        Err(e) => keys.iter().map(|_| Err(e.to_string())).collect(),
                    };
                    let us = (t.elapsed().as_micros() as u64).clamp(1, MAX_MICROS);
                    for (key, r) in keys.iter().zip(results) {
                        tally(&mut my_writes, "put", key, r, us);
                    }
                    continue;
                }
                let key = format!("bench/{:010}", n % keys);
                let t = Instant::now();
                let read = read_ratio > 0.0 && rand::random::<f64>() < read_ratio;
                let result = if read {
                    conn.get(&key, serializable).await.map(|_| ())
                } else {
                    conn.put(&key, value.clone(), rand::random::<u64>().max(1))
                        .await
                        .map(|_| ())
                };
                let us = (t.elapsed().as_micros() as u64).clamp(1, MAX_MICROS);
                let (tally_of, op) = if read {
                    (&mut my_reads, "get")
                } else {
                    (&mut my_writes, "put")
                };
                tally(tally_of, op, &key, result.map_err(|e| e.to_string()), us);
            }
            if let Ok(mut r) = reads.lock() {
                r.add(&my_reads);
            }
            if let Ok(mut w) = writes.lock() {
                w.add(&my_writes);
            }
        }));
    }
    let ticker = {
        let (done, failed, bar, duration) = (done.clone(), failed.clone(), bar.clone(), s.duration);
        tokio::spawn(async move {
            let Some(b) = bar else { return };
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let (ok, bad) = (done.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
                let elapsed = start.elapsed();
                b.set_message(bar_message(ok, bad, count, duration, elapsed));
                b.set_position(match duration {
                    Some(d) => elapsed.min(d).as_millis() as u64,
                    None => ok + bad,
                });
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
    let lock_failed = || anyhow::anyhow!("bench: a client task panicked");
    let reads = reads.lock().map_err(|_| lock_failed())?;
    let writes = writes.lock().map_err(|_| lock_failed())?;
    let mut all = Tally::new()?;
    all.add(&reads);
    all.add(&writes);
    let ops = all.hist.len();
    let error_kinds = kinds.lock().map_err(|_| lock_failed())?.report();
    Ok(BenchReport {
        endpoint: client.endpoint().to_string(),
        clients: s.clients as u64,
        value_size: s.value_size as u64,
        pipeline: s.pipeline,
        ops,
        seconds: secs,
        ops_per_sec: ops as f64 / secs,
        latency_ms: latency(&all.hist),
        errors: all.errors,
        error_kinds,
        reads: reads.report(secs),
        writes: writes.report(secs),
    })
}

/// What the progress bar says beside the bar: short, so that the line fits the terminal.
fn bar_message(
    ok: u64,
    bad: u64,
    count: u64,
    duration: Option<Duration>,
    elapsed: Duration,
) -> String {
    let rate = ok as f64 / elapsed.as_secs_f64().max(1e-3);
    let mut m = match duration {
        Some(_) => format!("{ok} ops · {rate:.0} ops/s"),
        None => format!("{}/{count} · {rate:.0} ops/s", ok + bad),
    };
    if bad > 0 {
        m.push_str(&format!(" · {bad} errors"));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> BenchArgs {
        BenchArgs {
            clients: 64,
            count: None,
            duration: None,
            value_size: 256,
            keys: 100_000,
            read_ratio: 0.0,
            serializable: false,
            pipeline: None,
        }
    }

    #[test]
    fn each_refusal_names_its_flag_and_value() {
        let refused = |a: BenchArgs| Settings::new(&a).map(|_| ()).unwrap_err().0;
        assert_eq!(
            refused(BenchArgs {
                clients: 0,
                ..args()
            }),
            "--clients 0: must be at least 1"
        );
        assert_eq!(
            refused(BenchArgs { keys: -2, ..args() }),
            "--keys -2: must be at least 1"
        );
        assert_eq!(
            refused(BenchArgs {
                count: Some(0),
                ..args()
            }),
            "--count 0: must be at least 1"
        );
        assert!(
            refused(BenchArgs {
                read_ratio: -0.5,
                ..args()
            })
            .starts_with("--read-ratio -0.5: must be within 0..1")
        );
        assert!(
            refused(BenchArgs {
                read_ratio: f64::NAN,
                ..args()
            })
            .starts_with("--read-ratio NaN")
        );
        assert!(
            refused(BenchArgs {
                value_size: -1,
                ..args()
            })
            .starts_with("--value-size -1")
        );
        assert!(
            refused(BenchArgs {
                duration: Some(crate::cli::HumanDuration(Duration::ZERO)),
                ..args()
            })
            .starts_with("--duration 0s: must be more than 0")
        );
        assert_eq!(
            refused(BenchArgs {
                pipeline: Some(0),
                ..args()
            }),
            "--pipeline 0: must be at least 1"
        );
        assert!(
            refused(BenchArgs {
                pipeline: Some(16),
                read_ratio: 0.5,
                ..args()
            })
            .starts_with("--pipeline with --read-ratio 0.5")
        );
        let ok = Settings::new(&BenchArgs {
            read_ratio: 1.0,
            value_size: 0,
            ..args()
        });
        assert!(ok.is_ok());
    }

    #[test]
    fn errors_of_one_kind_differ_only_in_their_key() {
        let mut k = ErrorKinds::default();
        for i in 0..3 {
            let key = format!("bench/{i:010}");
            k.add(
                &key,
                format!("put {key}: http://h/kv/{key}: HTTP 413: too large"),
            );
        }
        k.add(
            "bench/0000000009",
            "get bench/0000000009: http://h did not answer: timed out".into(),
        );
        let r = k.report();
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(
            r[0],
            ErrorKind {
                message: "put bench/0000000000: http://h/kv/bench/0000000000: HTTP 413: too large"
                    .into(),
                count: 3
            }
        );
        assert_eq!(r[1].count, 1);
        for i in 0..40 {
            k.add("x", format!("kind {i}"));
        }
        let r = k.report();
        assert_eq!(r.len(), MAX_ERROR_KINDS + 1);
        assert_eq!(r.iter().map(|e| e.count).sum::<u64>(), 44);
    }
}
