//! The API's wire types: what a member answers over HTTP and the client reads — its status
//! (README, `GET /status`), its errors, conf change requests and their results.
//! A leaf: it uses nothing of the node, so the node, the server and the client all share it.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// One peer's replication progress, as the leader sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerProgress {
    pub id: u64,
    #[serde(rename = "match")]
    pub matched: u64,
    pub next: u64,
    /// `probe`, `replicate` or `snapshot`.
    pub state: String,
    pub recent_active: bool,
    pub paused: bool,
    pub inflight: u64,
    /// The snapshot index being sent, in the `snapshot` state.
    #[serde(default)]
    pub pending_snapshot: u64,
}

/// Where a member listens, as this node knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAddr {
    pub id: u64,
    pub peer: String,
    pub api: String,
}

/// A node's Raft state, as `GET /status` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NodeStatus {
    pub id: u64,
    pub api: String,
    #[serde(default)]
    pub peer: String,
    pub reachable: bool,
    /// `leader`, `follower`, `candidate` or `pre_candidate`.
    pub role: String,
    pub term: u64,
    /// 0 when no leader is known.
    pub leader: u64,
    pub commit: u64,
    pub applied: u64,
    pub first_index: u64,
    pub last_index: u64,
    pub snapshot_index: u64,
    pub voters: Vec<u64>,
    pub learners: Vec<u64>,
    #[serde(default)]
    pub voters_outgoing: Vec<u64>,
    #[serde(default)]
    pub learners_next: Vec<u64>,
    /// Per-peer progress; only on the leader.
    #[serde(default)]
    pub progress: Vec<PeerProgress>,
    #[serde(default)]
    pub cluster_id: String,
    /// Keys in the KV store.
    #[serde(default)]
    pub keys: u64,
    /// Members' addresses, from their conf changes and publishes (and, until a member has
    /// published, the API address its handshake gave this node).
    #[serde(default)]
    pub members: Vec<MemberAddr>,
    /// Ids of members removed from the cluster: never given to a new member.
    #[serde(default)]
    pub removed: Vec<u64>,
    /// The largest value this member takes, in bytes (`raftctl node --max-request-bytes`).
    #[serde(default)]
    pub max_request_bytes: u64,
    /// The raftctl version the member runs.
    #[serde(default)]
    pub version: String,
    /// Bytes of its newest snapshot's data (etcd's DB SIZE is its bbolt file; raftctl's state
    /// lives in memory and on disk only as snapshots).
    #[serde(default)]
    pub db_size: u64,
    /// Problems the member is living with (etcd shows its alarms here): a snapshot that could
    /// not be written, for instance. Empty when healthy.
    #[serde(default)]
    pub errors: Vec<String>,
}

/// Why a request to the node failed.
#[derive(Debug, Clone, Error, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum NodeError {
    #[error("member {id} is not the leader (leader: {leader})")]
    NotLeader { id: u64, leader: u64 },
    #[error("no leader is known")]
    NoLeader,
    #[error("the proposal was dropped ({reason}); retry")]
    Dropped { reason: String },
    #[error("{reason}")]
    Busy { reason: String },
    #[error("{reason}")]
    Invalid { reason: String },
    #[error("timed out: {reason}")]
    Timeout { reason: String },
    #[error("the node is stopping")]
    Stopped,
    #[error("storage failure: {reason}")]
    Storage { reason: String },
    #[error("fault injection is off (start the node with --allow-faults)")]
    FaultsDisabled,
    /// A write over `--max-request-bytes` (0s when only the HTTP layer saw it).
    #[error("{}", too_large(*size, *limit))]
    TooLarge { size: u64, limit: u64 },
}

fn too_large(size: u64, limit: u64) -> String {
    if limit == 0 {
        return "the request is over this member's size limit (raftctl node --max-request-bytes)"
            .into();
    }
    format!(
        "the value is {size} bytes, over this member's limit of {limit} bytes (raftctl node \
         --max-request-bytes)"
    )
}

impl NodeError {
    /// Worth retrying (on this node or the leader) after a moment.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            NodeError::NoLeader | NodeError::Dropped { .. } | NodeError::Timeout { .. }
        )
    }

    /// The request was refused before it was proposed: it never takes effect (a dropped or
    /// timed-out write, or one whose member stopped, may still apply later).
    pub fn changed_nothing(&self) -> bool {
        matches!(
            self,
            NodeError::NotLeader { .. }
                | NodeError::NoLeader
                | NodeError::Busy { .. }
                | NodeError::Invalid { .. }
                | NodeError::FaultsDisabled
                | NodeError::TooLarge { .. }
        )
    }
}

/// One change of a conf change request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    AddVoter,
    AddLearner,
    Remove,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub id: u64,
    #[serde(default)]
    pub peer: String,
    #[serde(default)]
    pub api: String,
}

impl Change {
    /// A change that needs no addresses (promote, remove).
    pub fn of(kind: ChangeKind, id: u64) -> Change {
        Change {
            kind,
            id,
            peer: String::new(),
            api: String::new(),
        }
    }
}

/// The membership after a conf change applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Membership {
    pub voters: Vec<u64>,
    pub learners: Vec<u64>,
    pub voters_outgoing: Vec<u64>,
    pub learners_next: Vec<u64>,
    /// The index the change applied at.
    pub index: u64,
}

/// A successful leadership transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transferred {
    pub from: u64,
    pub to: u64,
}
