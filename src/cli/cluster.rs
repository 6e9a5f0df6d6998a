//! `raftctl cluster …`, `member …`, `leader …` and `endpoint …`.

use clap::Subcommand;

/// A member id as typed: decimal for raftctl's members, hex for etcd's (`--etcd`, as etcdctl
/// prints them, `0x` optional). Which one is known only once the cluster options are
/// resolved, so it is kept as typed (checked to be one or the other) and read by the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberId(pub String);

impl std::str::FromStr for MemberId {
    type Err = String;

    fn from_str(s: &str) -> Result<MemberId, String> {
        let t = s.strip_prefix("0x").unwrap_or(s);
        if t.is_empty() || !t.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!(
                "{s:?} is not a member id (decimal, or hex for an etcd member)"
            ));
        }
        Ok(MemberId(s.to_string()))
    }
}

impl MemberId {
    /// As raftctl's node ids are written: decimal.
    pub fn decimal(&self) -> Result<u64, String> {
        self.0.parse().map_err(|_| {
            format!(
                "node id {:?}: raftctl's node ids are decimal (hex ids are etcd's: add --etcd HOST:PORT,…)",
                self.0
            )
        })
    }

    /// As etcd's member ids are written: hex.
    pub fn hex(&self) -> Result<u64, String> {
        crate::etcd::parse_hex_id(&self.0).map_err(|e| e.to_string())
    }
}

impl From<u64> for MemberId {
    fn from(id: u64) -> MemberId {
        MemberId(id.to_string())
    }
}

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
        /// TLS on every port: make a CA and certificates in DIR/tls (one per member, one for
        /// the CLI), start the members with mutual TLS between peers and HTTPS with client
        /// certificates on the API; raftctl's commands then use them from the cluster dir.
        #[arg(long)]
        tls: bool,
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
    Stop {
        /// The member to stop.
        id: u64,
    },
    /// Start one stopped member again, with its data dir and ports.
    Start {
        /// The member to start.
        id: u64,
    },
    /// Stop, then start one member.
    Restart {
        /// The member to restart.
        id: u64,
    },
    /// SIGKILL one member at once.
    Kill {
        /// The member to kill.
        id: u64,
    },
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
    Remove {
        /// The member to remove (with --etcd: etcd's id, in hex).
        id: MemberId,
    },
    /// Promote a caught-up learner to voter.
    Promote {
        /// The learner to promote (with --etcd: etcd's id, in hex).
        id: MemberId,
    },
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
        /// The voter to hand leadership to (default: the most caught-up follower; with --etcd:
        /// etcd's id, in hex).
        #[arg(long, value_name = "ID")]
        to: Option<MemberId>,
    },
}

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Each endpoint's role, term, leader and indexes (the table of `raftctl status`).
    ///
    /// Only the endpoints given (or the local cluster's members); with --cluster, every member
    /// they know of, as `raftctl status` shows. Exits 1 when no leader is reachable.
    Status {
        /// Every member the cluster knows, not just the endpoints given.
        #[arg(long)]
        cluster: bool,
    },
    /// One line per endpoint: healthy when it answers and knows a leader. Exits 1 when any
    /// endpoint is unhealthy.
    ///
    /// Each endpoint is asked once, all at the same time, and waited for at most
    /// --dial-timeout, so the answer comes within that time (at once when every one answers).
    Health {
        /// Every member the cluster knows, not just the endpoints given.
        #[arg(long)]
        cluster: bool,
    },
}
