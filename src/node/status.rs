//! What a node publishes about itself: the status object of design.md (`status -o json`).

use serde::{Deserialize, Serialize};

/// One peer's replication progress, as the leader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
