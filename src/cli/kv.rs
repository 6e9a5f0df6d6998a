//! `raftctl put`, `get`, `del`: the replicated key-value store, with etcdctl's range flags.

use clap::Args;

/// `raftctl get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The key; with --prefix, the prefix; with --from-key, the first key.
    pub key: String,
    /// Answer from the node's local state instead of a linearizable read.
    #[arg(long)]
    pub serializable: bool,
    /// Every key that starts with KEY, in key order.
    #[arg(long, conflicts_with = "from_key")]
    pub prefix: bool,
    /// Every key from KEY on, in key order.
    #[arg(long)]
    pub from_key: bool,
    /// Print the keys only.
    #[arg(long, conflicts_with = "print_value_only")]
    pub keys_only: bool,
    /// Print the values only (one key: its raw value, as without a range flag).
    #[arg(long)]
    pub print_value_only: bool,
    /// At most this many keys of a range (0: all).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub limit: usize,
}

impl GetArgs {
    /// Whether this reads a range rather than one key.
    pub fn is_range(&self) -> bool {
        self.prefix || self.from_key
    }
}

/// `raftctl del`.
#[derive(Debug, Args)]
pub struct DelArgs {
    /// The key; with --prefix, the prefix; with --from-key, the first key.
    pub key: String,
    /// Delete every key that starts with KEY.
    #[arg(long, conflicts_with = "from_key")]
    pub prefix: bool,
    /// Delete every key from KEY on.
    #[arg(long)]
    pub from_key: bool,
}
