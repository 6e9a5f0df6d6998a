//! `raftctl top`.

use super::HumanDuration;

#[derive(Debug, clap::Args)]
pub struct TopArgs {
    /// How often to poll the nodes (at least 10ms).
    #[arg(long, default_value = "250ms", value_name = "D")]
    pub interval: HumanDuration,
    /// Print one snapshot (as `status` does) and exit.
    #[arg(long)]
    pub once: bool,
}
