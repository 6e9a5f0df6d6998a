//! The command line: clap definitions only. Parsing happens here; doing happens in `cmd`.

mod bench;
pub mod chaos;
mod cluster;
pub mod examples;
mod kv;
pub mod net;
mod node;
mod recover;
mod top;
mod wal;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::output::Format;

pub use bench::BenchArgs;
pub use chaos::ChaosArgs;
pub use cluster::{ClusterCommand, EndpointCommand, LeaderCommand, MemberCommand, MemberId};
pub use kv::{DelArgs, GetArgs};
pub use net::{ClusterDir, Net};
pub use node::NodeArgs;
pub use recover::RecoverCommand;
pub use top::TopArgs;
pub use wal::{DecodeArg, DumpArgs, RecordKind, SnapCommand, WalCommand};

/// An etcd/raft-style cluster toolkit and WAL inspector.
///
/// Boots and drives a local Raft cluster (or talks to members elsewhere with --endpoints),
/// and reads, verifies and repairs etcd-format write-ahead logs and snapshots, from raftctl's
/// own members and from real etcd data dirs, byte for byte.
///
/// The cluster options (--endpoints, --cluster-dir, --dial-timeout, --command-timeout) belong
/// to the commands that talk to a cluster; they may come before the command or after it.
///
/// Exit status: 0 success, 1 the operation failed or found a problem (a corrupt WAL, an
/// unreachable member, a missing key), 2 usage error, 130 `top` stopped by Ctrl-C.
#[derive(Debug, Parser)]
#[command(
    name = "raftctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Args {
    /// Output format: tables for people, JSON for scripts, or etcdctl's fields lines.
    // Listed after each command's own options, which it would otherwise sit among.
    #[arg(
        short = 'o',
        long = "output",
        visible_short_alias = 'w',
        visible_alias = "write-out",
        global = true,
        value_enum,
        default_value_t = Format::Table,
        display_order = 900
    )]
    pub output: Format,

    /// The flags of the commands that talk to a cluster, as given before the command; after
    /// [`parse`], those in force for the command that runs.
    #[command(flatten)]
    pub net: Net,

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
    /// Move leadership to member ID and wait until it happened (etcdctl's spelling of
    /// `leader transfer --to ID`).
    MoveLeader {
        /// The member to hand leadership to (a voter; with --etcd: etcd's id, in hex).
        id: MemberId,
    },
    /// etcdctl's per-endpoint checks: `endpoint status` and `endpoint health`, for monitoring.
    #[command(subcommand)]
    Endpoint(EndpointCommand),
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
    Put {
        /// The key (any bytes but empty, at most 8 KiB).
        key: String,
        /// The value; read from stdin when absent or `-`.
        value: Option<String>,
    },
    /// Print a key's raw value (exit 1 when it does not exist), or with --prefix/--from-key
    /// the keys and values of a range, as etcdctl prints them.
    Get(GetArgs),
    /// Delete a key, or with --prefix/--from-key a range of keys.
    Del(DelArgs),
    /// Load the cluster: concurrent puts (and gets), throughput and latency percentiles.
    Bench(BenchArgs),
    /// Prove a cluster linearizable and lossless under faults: a workload against a local
    /// cluster it boots (or --endpoints of one started with --allow-faults) while it kills,
    /// pauses, partitions, drops, delays, moves the leader and changes membership on a seeded
    /// schedule; then it heals everything and checks the history, the WALs and the members'
    /// contents. Exit 1 when anything is wrong.
    Chaos(Box<ChaosArgs>),
    /// Read, check and repair etcd-format write-ahead logs.
    #[command(subcommand)]
    Wal(WalCommand),
    /// Read and check etcd-format .snap files.
    #[command(subcommand)]
    Snap(SnapCommand),
    /// Read the data dirs of one cluster's members together (etcd's or raftctl's; nothing is
    /// written): per member its ids, HardState, last index and term, the snapshot it starts
    /// from, its membership, WAL and .snap health and etcd's backend index; across members
    /// different cluster ids, two copies of one member, a log that ends before what the others
    /// committed, committed entries that differ, members the others removed. Names the member
    /// with the newest log and, for each finding, the command that fixes it. Exit 1 when a
    /// finding is an error.
    Doctor {
        /// The members' data dirs (DIR/member/wal, DIR/member/snap).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// Make one surviving member a cluster of its own after the others are lost for good:
    /// etcd's --force-new-cluster done offline on its data dir (a copy of the member dir is
    /// made first), with --dry-run to read the plan before anything changes.
    #[command(subcommand)]
    Recover(RecoverCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into a directory.
    Man {
        /// Write raftctl.1 and raftctl-<command>.1 here instead of printing raftctl.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The whole command line as clap sees it: the derived definitions, plus the cluster options
/// on each command that talks to a cluster ([`net::takes`]), the hidden catch of the old
/// `--cluster DIR`, and each command's examples. Help, parsing, completions and man pages all
/// come from this.
pub fn command() -> clap::Command {
    let cmd = Args::command().arg(net::old_cluster_arg());
    decorate(cmd, &mut Vec::new(), true)
}

/// [`command`] without the hidden catch of `--cluster DIR`, for the completion scripts (bash's
/// would offer the hidden flag).
pub fn completion_command() -> clap::Command {
    decorate(Args::command(), &mut Vec::new(), false)
}

fn decorate(mut cmd: clap::Command, path: &mut Vec<String>, catch_old: bool) -> clap::Command {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    if !p.is_empty() {
        cmd = match net::takes(&p) {
            net::Takes::All if net::takes_etcd(&p) => <Net as clap::Args>::augment_args(cmd),
            // Taken (and refused with one line) but not offered where raftctl cannot use it.
            net::Takes::All => {
                <Net as clap::Args>::augment_args(cmd).mut_arg("etcd", |a| a.hide(true))
            }
            net::Takes::ClusterDir => <ClusterDir as clap::Args>::augment_args(cmd),
            net::Takes::Nothing => cmd,
        };
        if catch_old && net::takes(&p) != net::Takes::Nothing && !net::has_every_member_flag(&p) {
            cmd = cmd.arg(net::old_cluster_arg());
        }
    }
    if let Some(text) = examples::help_text(&p) {
        cmd = cmd.after_help(text);
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        path.push(name.clone());
        cmd = cmd.mut_subcommand(name, |sc| decorate(sc, path, catch_old));
        path.pop();
    }
    cmd
}

/// Parses this process's arguments (see [`parse_from`]).
pub fn parse() -> Result<Args, clap::Error> {
    parse_from(std::env::args_os())
}

/// Parses a command line: clap's own checks, then the cluster options resolved for the command
/// that runs (after it, before it, the environment, the defaults), so that `args.net` is what
/// the command uses.
pub fn parse_from<I, T>(argv: I) -> Result<Args, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut cmd = command();
    let top = cmd.try_get_matches_from_mut(argv)?;
    let mut args = Args::from_arg_matches(&top).map_err(|e| e.format(&mut cmd))?;
    let mut path = Vec::new();
    let mut leaf = &top;
    while let Some((name, m)) = leaf.subcommand() {
        path.push(name);
        leaf = m;
    }
    args.net = net::resolve(&top, &path, leaf).map_err(|msg| usage_error(&mut cmd, &path, msg))?;
    Ok(args)
}

/// A usage error shown with the usage line of the command at `path`.
fn usage_error(cmd: &mut clap::Command, path: &[&str], msg: String) -> clap::Error {
    if let Some((first, rest)) = path.split_first()
        && let Some(sc) = cmd.find_subcommand_mut(first)
    {
        return usage_error(sc, rest, msg);
    }
    cmd.error(clap::error::ErrorKind::ArgumentConflict, msg)
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
