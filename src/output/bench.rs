//! `bench` results.

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

#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub endpoint: String,
    pub clients: u64,
    pub value_size: u64,
    pub ops: u64,
    pub seconds: f64,
    pub ops_per_sec: f64,
    pub latency_ms: Latency,
    pub errors: u64,
}

impl Tabular for BenchReport {
    fn blocks(&self) -> Vec<Block> {
        let l = &self.latency_ms;
        let rows = vec![
            (
                "target",
                format!(
                    "{} ({} clients, {} B values)",
                    self.endpoint, self.clients, self.value_size
                ),
            ),
            (
                "ops",
                format!(
                    "{} in {:.2} s ({} errors)",
                    self.ops, self.seconds, self.errors
                ),
            ),
            ("throughput", format!("{:.0} ops/s", self.ops_per_sec)),
            (
                "latency ms",
                format!(
                    "p50 {:.2}  p90 {:.2}  p99 {:.2}  p999 {:.2}  max {:.2}",
                    l.p50, l.p90, l.p99, l.p999, l.max
                ),
            ),
        ];
        vec![Block::Table(Box::new(key_values(rows)))]
    }
}
