//! One Raft member: a dedicated thread owns raft-rs's `RawNode` and drives it through the
//! Ready loop (persist → send → apply → advance), with the WAL writer, the transport and the
//! KV state machine. Everything else talks to it through its inbox and reads the status it
//! publishes. No clap, no terminal here.

pub mod boot;
mod log;
mod pending;
pub mod plan;
pub(crate) mod raft_loop;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use tokio::sync::{oneshot, watch};

pub use crate::api::wire::{
    Change, ChangeKind, MemberAddr, Membership, NodeError, NodeStatus, PeerProgress, Transferred,
};

use crate::transport::{Faults, Inbound, Transport};

/// How a member is configured (the `raftctl node` flags).
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub id: u64,
    pub data_dir: PathBuf,
    pub listen_peer: String,
    pub listen_api: String,
    /// Members of a new cluster (id, peer address); ignored when the data dir has a WAL.
    pub initial_cluster: Vec<(u64, String)>,
    /// Join an existing cluster (added with `member add`) instead of bootstrapping one.
    pub join: bool,
    /// The cluster id to join with (new clusters derive theirs from the initial cluster).
    pub cluster_id: Option<u64>,
    pub snapshot_count: u64,
    pub tick: Duration,
    pub election_tick: usize,
    pub heartbeat_tick: usize,
    pub allow_faults: bool,
    /// WAL segment size (etcd's 64,000,000 unless a test lowers it).
    pub segment_size: u64,
    /// Entries kept behind a snapshot for slow followers (etcd's SnapshotCatchUpEntries).
    pub catch_up_entries: u64,
    /// The largest write (value) a client may send, in bytes (etcd's --max-request-bytes).
    pub max_request_bytes: u64,
    /// Mutual TLS on the peer port (`--peer-cert/--peer-key/--peer-ca`); none: plain TCP.
    pub peer_tls: Option<crate::tls::PeerTls>,
    /// What the simulation changes; [`Determinism::default`] for a real member.
    pub determinism: Determinism,
}

/// The knobs that make a member's core deterministic for the simulation (`crate::sim`):
/// raft-rs draws each election timeout from `thread_rng`, snapshots are written on a
/// thread of their own, proposal numbers start at a random value, and the disk is real.
#[derive(Debug, Clone, Default)]
pub struct Determinism {
    /// raft-rs's `[min, max)` election timeout in ticks (`max = min + 1` fixes it).
    pub election_ticks: Option<(usize, usize)>,
    /// Write snapshots on the Raft thread, at once.
    pub inline_snapshots: bool,
    /// The first proposal number.
    pub proposal_seed: Option<u64>,
    /// The disk under the WAL and the .snap dir (`None`: the real one; the simulation's
    /// models what a crash does to unsynced writes).
    pub disk: Option<std::sync::Arc<dyn crate::disk::Disk>>,
    /// A bug planted on purpose, to prove the simulation catches it (never in a real member).
    pub planted_bug: Option<PlantedBug>,
    /// Keep (index, term, digest of the data) of every entry applied, for the simulation to
    /// check that no two members apply different entries at one index.
    pub record_applied: bool,
}

/// Deliberately wrong variants of the core, each of which the simulation must catch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedBug {
    /// Answer a linearizable read from local state, without ReadIndex.
    ReadWithoutReadIndex,
    /// Persist the HardState without the vote (Raft paper §5.2, Figure 2: votedFor is
    /// persistent state): after a crash a member can vote twice in one term.
    ForgetVote,
    /// Tell raft-rs a Ready's entries are persisted (so the member acknowledges them to the
    /// leader, or counts them toward its own commit) before their fsync, which is put off to
    /// the next Ready: a crash in between loses entries the cluster counted as stored.
    AckBeforeFsync,
    /// Send the messages that depend on a Ready's persistence (a follower's append
    /// acknowledgements, votes) before its fsync: a crash at that fsync loses what they
    /// promised (raft-rs-notes.md §1: persisted messages go after the write).
    SendBeforeFsync,
    /// Apply entries as soon as they are appended, before they are committed: an entry a
    /// later leader overwrites has already changed the state (and been answered).
    ApplyBeforeCommit,
    /// Ignore a snapshot from the leader instead of installing it: the member goes on
    /// applying entries after it on top of a state that lacks what it held.
    SkipSnapshotInstall,
}

/// Why a member could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Boot(#[from] boot::BootError),
    #[error("member id 0 is not allowed")]
    ZeroId,
    #[error("the snapshot at index {index} does not decode: {source}")]
    Snapshot {
        index: u64,
        source: crate::kv::KvError,
    },
    #[error("raft: {0}")]
    Raft(#[from] raft::Error),
    #[error("starting the raft thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// etcd's default --max-request-bytes: 1.5 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: u64 = 1536 * 1024;

/// The largest --max-request-bytes a member takes: an entry travels to peers whole in one
/// frame (`transport::frame::MAX_FRAME`), with room left for its key and headers. (etcd warns
/// above 10 MiB.)
pub const MAX_REQUEST_BYTES_CEILING: u64 = crate::transport::frame::MAX_FRAME as u64 - (1 << 20);

impl NodeConfig {
    /// The disk under this member's WAL and .snap dir: the simulation's, or the real one.
    pub fn disk(&self) -> std::sync::Arc<dyn crate::disk::Disk> {
        self.determinism
            .disk
            .clone()
            .unwrap_or_else(crate::disk::real)
    }

    /// The id etcd-style clusters are known by: a hash of the initial members.
    pub fn derive_cluster_id(members: &[(u64, String)]) -> u64 {
        let mut sorted = members.to_vec();
        sorted.sort();
        let mut h = crate::hash::fnv1a(b"");
        for (id, addr) in sorted {
            h = crate::hash::fnv1a_extend(h, format!("{id}={addr},").as_bytes());
        }
        h
    }
}

/// A read of the keys in `[start, end)` (`end` empty: to the last key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeQuery {
    pub start: Vec<u8>,
    pub end: Vec<u8>,
    /// At most this many pairs (0: no limit).
    pub limit: usize,
    pub keys_only: bool,
}

/// The pairs a range read found, in key order; `more` when the limit cut it short.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RangeAnswer {
    pub pairs: Vec<(Vec<u8>, Vec<u8>)>,
    pub more: bool,
}

impl RangeQuery {
    /// Answers this query from the state machine.
    pub fn answer(&self, kv: &crate::kv::Kv) -> RangeAnswer {
        let limit = if self.limit == 0 {
            usize::MAX
        } else {
            self.limit
        };
        let mut out = RangeAnswer::default();
        for (k, v) in kv.range(&self.start, &self.end) {
            if out.pairs.len() == limit {
                out.more = true;
                break;
            }
            let v = if self.keys_only {
                Vec::new()
            } else {
                v.to_vec()
            };
            out.pairs.push((k.to_vec(), v));
        }
        out
    }
}

/// Where the raft thread sends a request's answer.
pub type Reply<T> = oneshot::Sender<Result<T, NodeError>>;

/// What the API asks the raft thread.
pub enum Request {
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
        request_id: u64,
        reply: Reply<u64>,
    },
    Delete {
        key: Vec<u8>,
        request_id: u64,
        reply: Reply<bool>,
    },
    Get {
        key: Vec<u8>,
        serializable: bool,
        reply: Reply<Option<Vec<u8>>>,
    },
    Range {
        query: RangeQuery,
        serializable: bool,
        reply: Reply<RangeAnswer>,
    },
    /// Deletes `[start, end)` (`end` empty: to the last key); answers how many went.
    DeleteRange {
        start: Vec<u8>,
        end: Vec<u8>,
        request_id: u64,
        reply: Reply<u64>,
    },
    ConfChange {
        changes: Vec<Change>,
        reply: Reply<Membership>,
    },
    Transfer {
        to: Option<u64>,
        reply: Reply<Transferred>,
    },
    Faults {
        set: Option<Faults>,
        reply: Reply<Faults>,
    },
}

pub(crate) enum Msg {
    Inbound(Inbound),
    Request(Request),
    /// The snapshot thread wrote a `.snap` (or failed to).
    SnapshotWritten(Box<Result<(crate::proto::raftpb::Snapshot, u64), String>>),
    Stop,
}

/// A running member: its inbox, its published status and its transport.
#[derive(Clone)]
pub struct Node {
    inbox: SyncSender<Msg>,
    status: watch::Receiver<Arc<NodeStatus>>,
    transport: Transport,
    max_request_bytes: u64,
    allow_faults: bool,
}

/// Requests queued for the raft thread before new ones are refused.
const INBOX: usize = 65_536;

impl Node {
    /// Opens or bootstraps the data dir and starts the raft thread. The peer listener must be
    /// served separately (`transport().serve`), from the runtime `rt`.
    pub fn start(
        cfg: NodeConfig,
        rt: tokio::runtime::Handle,
    ) -> Result<(Node, std::thread::JoinHandle<Option<String>>), StartError> {
        let (tx, rx): (SyncSender<Msg>, Receiver<Msg>) = sync_channel(INBOX);
        let deliver_tx = tx.clone();
        let deliver = Arc::new(move |m: Inbound| {
            if matches!(m, Inbound::SnapshotSent { .. }) {
                // Never lost: without it raft-rs keeps the peer paused (pitfall 9).
                let _ = deliver_tx.send(Msg::Inbound(m));
            } else {
                // A full inbox drops peer messages; raft recovers them.
                let _ = deliver_tx.try_send(Msg::Inbound(m));
            }
        });
        let boot = boot::open(&cfg)?;
        let max_request_bytes = cfg.max_request_bytes;
        let allow_faults = cfg.allow_faults;
        // A snapshot from the leader is spooled beside the member's own (etcd's
        // member/snap), leaving room for two WAL segments.
        let snap_dir = cfg.data_dir.join("member").join("snap");
        let spool = crate::transport::SpoolConfig {
            dir: if snap_dir.is_dir() {
                snap_dir
            } else {
                cfg.data_dir.clone()
            },
            reserve: cfg.segment_size.saturating_mul(2),
        };
        let transport = Transport::new(
            cfg.id,
            boot.cluster_id(),
            cfg.listen_api.clone(),
            rt,
            deliver,
            spool,
            cfg.peer_tls.clone(),
        );
        let (status_tx, status_rx) = watch::channel(Arc::new(NodeStatus::default()));
        let net: Box<dyn crate::transport::Network> = Box::new(transport.clone());
        let mut l = raft_loop::RaftLoop::new(cfg, boot, net, status_tx, tx.clone())?;
        let handle = std::thread::Builder::new()
            .name("raft".into())
            .spawn(move || l.run(rx))?;
        Ok((
            Node {
                inbox: tx,
                status: status_rx,
                transport,
                max_request_bytes,
                allow_faults,
            },
            handle,
        ))
    }

    /// The largest value a client may write, in bytes.
    pub fn max_request_bytes(&self) -> u64 {
        self.max_request_bytes
    }

    /// Whether the member takes fault injection through its API (`--allow-faults`).
    pub fn allow_faults(&self) -> bool {
        self.allow_faults
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn status(&self) -> Arc<NodeStatus> {
        self.status.borrow().clone()
    }

    /// Sends a request built around a fresh reply channel and waits for the answer.
    pub async fn ask<T>(
        &self,
        make: impl FnOnce(Reply<T>) -> Request,
        timeout: Duration,
    ) -> Result<T, NodeError> {
        let answer = self.send(make)?;
        Node::answer(answer, timeout).await
    }

    /// Puts a request in the raft thread's inbox without waiting for it: requests sent one
    /// after another are handled in that order, most in one turn of the loop.
    pub fn send<T>(
        &self,
        make: impl FnOnce(Reply<T>) -> Request,
    ) -> Result<oneshot::Receiver<Result<T, NodeError>>, NodeError> {
        let (tx, rx) = oneshot::channel();
        self.inbox
            .try_send(Msg::Request(make(tx)))
            .map_err(|e| match e {
                std::sync::mpsc::TrySendError::Full(_) => NodeError::Busy {
                    reason: "the node is overloaded".into(),
                },
                std::sync::mpsc::TrySendError::Disconnected(_) => NodeError::Stopped,
            })?;
        Ok(rx)
    }

    /// Waits for the answer to a request [`Node::send`] sent.
    pub async fn answer<T>(
        rx: oneshot::Receiver<Result<T, NodeError>>,
        timeout: Duration,
    ) -> Result<T, NodeError> {
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(NodeError::Stopped),
            Err(_) => Err(NodeError::Timeout {
                reason: format!("no answer within {} ms", timeout.as_millis()),
            }),
        }
    }

    /// Asks the raft thread to flush and stop.
    pub fn stop(&self) {
        let _ = self.inbox.send(Msg::Stop);
    }
}
