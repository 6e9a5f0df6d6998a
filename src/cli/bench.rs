//! `raftctl bench`. The numbers are signed on purpose: a negative one reaches bench's own range
//! check, which names the flag and the value, instead of clap taking it for another flag.

use super::HumanDuration;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 64, allow_negative_numbers = true)]
    pub clients: i64,
    /// Stop after this many requests (default 10000, unless --duration is given).
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "duration",
        allow_negative_numbers = true
    )]
    pub count: Option<i64>,
    /// Stop after this long (e.g. 10s, 500ms, 2m).
    #[arg(long, value_name = "D")]
    pub duration: Option<HumanDuration>,
    /// Value size in bytes.
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 256,
        allow_negative_numbers = true
    )]
    pub value_size: i64,
    /// Distinct keys written and read.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100_000,
        allow_negative_numbers = true
    )]
    pub keys: i64,
    /// Share of requests that are reads, 0..1.
    #[arg(
        long,
        value_name = "R",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub read_ratio: f64,
    /// Reads answered from the node's local state instead of linearizable ones.
    #[arg(long)]
    pub serializable: bool,
    /// Puts per request (`POST /kv/batch`), each still an entry of its own: what Raft does
    /// apart from HTTP's cost per request. Writes only.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub pipeline: Option<i64>,
}
