//! `bench` results: the whole run, then reads and writes apart, then the first error of each
//! kind.

use serde::Serialize;

use super::{Block, Tabular, key_values};

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latency {
    fn line(&self) -> String {
        format!(
            "p50 {:.2}  p90 {:.2}  p99 {:.2}  p999 {:.2}  max {:.2}",
            self.p50, self.p90, self.p99, self.p999, self.max
        )
    }
}

/// One kind of request (reads or writes).
#[derive(Debug, Clone, Serialize)]
pub struct KindReport {
    /// Requests that succeeded.
    pub ops: u64,
    pub ops_per_sec: f64,
    /// Of the successful requests; `null` when there were none.
    pub latency_ms: Option<Latency>,
    pub errors: u64,
}

/// Failed requests that failed the same way: the first one's message and how many.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ErrorKind {
    pub message: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub endpoint: String,
    pub clients: u64,
    pub value_size: u64,
    /// Puts per request (`--pipeline`; 1 without it).
    pub pipeline: u64,
    pub ops: u64,
    pub seconds: f64,
    pub ops_per_sec: f64,
    pub latency_ms: Latency,
    pub errors: u64,
    /// Most frequent first.
    pub error_kinds: Vec<ErrorKind>,
    pub reads: KindReport,
    pub writes: KindReport,
}

impl Tabular for BenchReport {
    fn blocks(&self) -> Vec<Block> {
        let mut rows = vec![
            (
                "target",
                if self.pipeline > 1 {
                    format!(
                        "{} ({} clients, {} B values, {} puts a request)",
                        self.endpoint, self.clients, self.value_size, self.pipeline
                    )
                } else {
                    format!(
                        "{} ({} clients, {} B values)",
                        self.endpoint, self.clients, self.value_size
                    )
                },
            ),
            (
                "ops",
                format!(
                    "{} in {:.2} s ({} errors)",
                    self.ops, self.seconds, self.errors
                ),
            ),
            ("throughput", format!("{:.0} ops/s", self.ops_per_sec)),
            ("latency ms", self.latency_ms.line()),
        ];
        for (name, k) in [("writes", &self.writes), ("reads", &self.reads)] {
            if k.ops + k.errors == 0 {
                continue;
            }
            let mut v = format!("{} ops at {:.0} ops/s", k.ops, k.ops_per_sec);
            if let Some(l) = &k.latency_ms {
                v.push_str(&format!(", latency ms {}", l.line()));
            }
            if k.errors > 0 {
                v.push_str(&format!(", {} errors", k.errors));
            }
            rows.push((name, v));
        }
        for (i, e) in self.error_kinds.iter().enumerate() {
            let key = if i == 0 { "errors" } else { "" };
            rows.push((key, format!("{} × {}", e.count, e.message)));
        }
        vec![Block::Table(Box::new(key_values(rows)))]
    }
}
