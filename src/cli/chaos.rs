//! `raftctl chaos`: its flags. The ranges clap checks are usage errors (exit 2).

use super::HumanDuration;

/// The faults `--faults` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum FaultArg {
    /// SIGKILL a member (a random one or the leader), then start it again.
    Kill,
    /// SIGSTOP a member (a random one or the leader), then SIGCONT it.
    Pause,
    /// Cut members off through the fault API: the leader alone, a minority from the
    /// majority, or one member one way (it hears the others, they do not hear it).
    Partition,
    /// Drop a share of every member's outgoing messages.
    Loss,
    /// Delay one member's (or every member's) outgoing messages.
    Delay,
    /// Move leadership to another voter.
    Transfer,
    /// Add a learner (a new process), promote it, then remove a voter and stop it.
    Membership,
    /// Arm a persistence point (a failpoint: before or after the WAL save, the snapshot
    /// save or a snapshot's apply, after WAL segments are released, before the leader sends)
    /// on a member, wait for it to die there, then start it again.
    CrashPoint,
    /// Cut a follower off until the leader has compacted past its log, then let it through
    /// and wait for it to install the leader's snapshot.
    Blackhole,
    /// Replace a voter in one joint change: a learner added (a new process) and caught up,
    /// then promoted as the voter is removed (one ConfChangeV2); the removed one stopped.
    Joint,
    /// Every kind above.
    All,
    /// No faults: the workload and the checks only.
    None,
}

#[derive(Debug, clap::Args)]
pub struct ChaosArgs {
    /// Members of the cluster it boots (ignored with --endpoints).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(3..=9))]
    pub nodes: u64,
    /// How long the workload and the faults run (e.g. 20s, 3m), before healing and checking.
    #[arg(long, value_name = "D", default_value = "60s")]
    pub duration: HumanDuration,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub clients: u64,
    /// Keys the clients share (chaos/k00, chaos/k01, …).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub keys: u64,
    /// The faults to inject, comma-separated: kill, pause, partition, loss, delay, transfer,
    /// membership, crash-point, blackhole, joint, or all (none for a run without faults).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "all",
        value_enum
    )]
    pub faults: Vec<FaultArg>,
    /// The seed of the fault schedule (random when absent; the report names it): the same
    /// seed, duration and faults give the same schedule of kinds, targets and times.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Write report.json, history.json and timeline.html here; when the run fails, also
    /// keep the members' data dirs and logs (in DIR/cluster).
    #[arg(long, value_name = "DIR")]
    pub report: Option<std::path::PathBuf>,
    /// The least successful operations per second a run must reach (an idle cluster proves
    /// nothing).
    #[arg(
        long,
        value_name = "OPS",
        default_value_t = 5.0,
        allow_negative_numbers = true
    )]
    pub min_rate: f64,
    /// Print the fault schedule the seed gives and exit, without running anything.
    #[arg(long)]
    pub plan: bool,
    /// Root only: run each member in a network namespace of its own, on a bridge of this
    /// run's, and make partitions and loss with nftables rules in the members' namespaces
    /// (delay with netem where the kernel has it); everything it makes is removed at the end.
    /// Not with --endpoints (a usage error).
    #[arg(long)]
    pub netns: bool,
    /// Boot the cluster with TLS on every port, as `cluster up --tls` does (mutual TLS between
    /// peers, HTTPS with client certificates on the API): the workload and every fault talk
    /// TLS. Not with --endpoints (give --cacert/--cert/--key for a TLS cluster of your own).
    #[arg(long)]
    pub tls: bool,
    /// Test only: add one stale read to the history before checking it, to show that the
    /// check can fail.
    #[arg(long, hide = true)]
    pub plant_stale_read: bool,
}
