//! `raftctl cluster …`, `member …` and `leader …`.

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Start a local cluster: N members on 127.0.0.1, wait for a leader and a first write.
    Up {
        /// How many members, 1 to 15 [default: 3].
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=15))]
        nodes: Option<u64>,
        /// Use ports P, P+1, … (peer and API of member 1, then member 2, …) instead of free ones.
        #[arg(long, value_name = "P")]
        base_port: Option<u16>,
        /// Keep the members attached: Ctrl-C stops them all.
        #[arg(long)]
        foreground: bool,
        /// Snapshot every this many applied entries (passed to each member).
        #[arg(long, value_name = "N")]
        snapshot_count: Option<u64>,
        /// Let the members accept fault injection through their API.
        #[arg(long)]
        allow_faults: bool,
    },
    /// Stop every member (SIGTERM, SIGKILL after a grace period).
    Down {
        /// Also delete the cluster dir (data, logs, manifest).
        #[arg(long)]
        purge: bool,
    },
    /// Same as `raftctl status`.
    Status,
    /// Stop one member (SIGTERM, then SIGKILL after 10 s).
    Stop { id: u64 },
    /// Start one stopped member again, with its data dir and ports.
    Start { id: u64 },
    /// Stop, then start one member.
    Restart { id: u64 },
    /// SIGKILL one member at once.
    Kill { id: u64 },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// List the members and their roles.
    List,
    /// Add a member; on a local cluster also start it and wait until it has caught up.
    ///
    /// A voter is added as a learner first and promoted once caught up, so the cluster never
    /// counts on a member that has no log yet.
    Add {
        /// Add it as a learner (it replicates but does not vote).
        #[arg(long)]
        learner: bool,
        /// The new member's id (default: the next free one).
        #[arg(long)]
        id: Option<u64>,
        /// Its peer address (required with --endpoints; allocated on a local cluster).
        #[arg(long, value_name = "HOST:PORT")]
        peer: Option<String>,
        /// Its API address (required with --endpoints; allocated on a local cluster).
        #[arg(long, value_name = "HOST:PORT")]
        api: Option<String>,
    },
    /// Remove a member (the leader hands over leadership first); a local one is also stopped.
    Remove { id: u64 },
    /// Promote a caught-up learner to voter.
    Promote { id: u64 },
    /// Several changes at once, through joint consensus.
    Change {
        /// Add a member: ID, or ID:learner.
        #[arg(long, value_name = "ID[:learner]")]
        add: Vec<String>,
        /// Remove a member.
        #[arg(long, value_name = "ID")]
        remove: Vec<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LeaderCommand {
    /// Move leadership (default: to the most caught-up follower) and wait until it happened.
    Transfer {
        #[arg(long, value_name = "ID")]
        to: Option<u64>,
    },
}
