//! The command line: clap definitions only. Parsing happens here; doing happens in `cmd`.

mod bench;
mod cluster;
mod kv;
mod node;
mod top;
mod wal;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::output::Format;

pub use bench::BenchArgs;
pub use cluster::{ClusterCommand, LeaderCommand, MemberCommand};
pub use kv::{DelArgs, GetArgs};
pub use node::{Endpoints, NodeArgs};
pub use top::TopArgs;
pub use wal::{DecodeArg, DumpArgs, RecordKind, SnapCommand, WalCommand};

/// raftctl — an etcd/raft-style cluster toolkit and WAL inspector.
///
/// Reads, verifies and repairs etcd-format write-ahead logs and snapshots, from raftctl's own
/// nodes and from real etcd data dirs, byte for byte.
///
/// Exit status: 0 success, 1 the operation failed or found a problem (a corrupt WAL, an
/// unreachable node), 2 usage error.
#[derive(Debug, Parser)]
#[command(
    name = "raftctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Args {
    /// Output format: aligned tables for people, JSON for scripts.
    #[arg(
        short = 'o',
        long = "output",
        visible_short_alias = 'w',
        visible_alias = "write-out",
        global = true,
        value_enum,
        default_value_t = Format::Table
    )]
    pub output: Format,

    #[command(flatten)]
    pub endpoints: Endpoints,

    /// The local cluster's directory (cluster.json, data dirs, logs).
    #[arg(
        long,
        env = "RAFTCTL_CLUSTER",
        global = true,
        value_name = "DIR",
        default_value = "raftctl-cluster"
    )]
    pub cluster: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start, stop and inspect a local cluster.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Membership: list, add, remove, promote, joint changes.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Leadership.
    #[command(subcommand)]
    Leader(LeaderCommand),
    /// Run one cluster member in the foreground (what `cluster up` starts).
    Node(Box<NodeArgs>),
    /// Show every node's role, term, commit and applied index, and the leader's progress.
    Status,
    /// Live dashboard: each node's term, commit and lag, the leader's per-peer progress, the
    /// commit rate and an event log. Prints one snapshot with --once or when stdout is not a
    /// terminal.
    ///
    /// Keys: q or Esc quit, ↑/↓ select a node, t move leadership to it, k kill and s start it
    /// (local clusters), p pause, ? help. Ctrl-C quits with exit status 130.
    Top(TopArgs),
    /// Write a key (the value from the argument, or from stdin when it is absent or `-`).
    Put { key: String, value: Option<String> },
    /// Print a key's raw value (exit 1 when it does not exist), or with --prefix/--from-key
    /// the keys and values of a range, as etcdctl prints them.
    Get(GetArgs),
    /// Delete a key, or with --prefix/--from-key a range of keys.
    Del(DelArgs),
    /// Load the cluster: concurrent puts (and gets), throughput and latency percentiles.
    Bench(BenchArgs),
    /// Read, check and repair etcd-format write-ahead logs.
    #[command(subcommand)]
    Wal(WalCommand),
    /// Read and check etcd-format .snap files.
    #[command(subcommand)]
    Snap(SnapCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into a directory.
    Man {
        /// Write raftctl.1 and raftctl-<command>.1 here instead of printing raftctl.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// A duration on the command line: `250ms`, `10s`, `2m`, `1h` (a bare number is seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub std::time::Duration);

/// As it would be typed: `0s`, `250ms`, `10s`, `1.5s`.
impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d.subsec_nanos().is_multiple_of(1_000_000) && d.as_secs() == 0 {
            write!(f, "{}ms", d.as_millis())
        } else {
            write!(f, "{}s", d.as_secs_f64())
        }
    }
}

impl std::str::FromStr for HumanDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("'{s}' is not a duration (e.g. 250ms, 10s, 2m)"))?;
        let secs = match unit {
            "ms" => n / 1000.0,
            "" | "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            _ => return Err(format!("'{s}': unknown unit '{unit}' (use ms, s, m or h)")),
        };
        if !secs.is_finite() || secs < 0.0 {
            return Err(format!("'{s}' is not a duration"));
        }
        Ok(HumanDuration(std::time::Duration::from_secs_f64(secs)))
    }
}

#[cfg(test)]
mod tests {
    use super::HumanDuration;

    #[test]
    fn durations_print_as_typed() {
        for s in ["0s", "5ms", "250ms", "10s", "1.5s", "120s"] {
            let d: HumanDuration = s.parse().expect(s);
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(
            "2m".parse::<HumanDuration>().map(|d| d.to_string()),
            Ok("120s".into())
        );
    }
}
