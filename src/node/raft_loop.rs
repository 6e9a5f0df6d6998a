//! The raft thread: owns the `RawNode`, and runs the Ready loop in the order raft-rs needs
//! (raft-rs-notes.md §1, sync path): send the leader's messages, persist an incoming snapshot,
//! apply committed entries, answer reads, append entries + HardState to the WAL with one fsync,
//! then send the messages that depended on it, advance, and handle the LightReady.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use protobuf::Message as _;
use raft::eraftpb::{self, ConfChangeType, ConfChangeV2, EntryType};
use raft::{Config, ProgressState, RawNode, StateRole};
use tokio::sync::watch;

use super::boot::{Boot, MemberContext};
use super::log::{self as durable, DurableLog, Recorded};
use super::pending::{Waiter, Writes};
use super::plan;
use super::{
    Change, Membership, Msg, NodeConfig, NodeError, NodeStatus, PeerProgress, PlantedBug,
    RangeAnswer, RangeQuery, Request, Transferred,
};
use crate::kv::{Kv, Member};
use crate::proto::command::{Command, Delete, DeleteRange, Op, Publish, Put};
use crate::proto::convert;
use crate::proto::raftpb;
use crate::storage::WalStorage;
use crate::transport::{Inbound, Network};

/// A linearizable read waiting for its read index to be applied.
enum PendingRead {
    Key(Vec<u8>, super::Reply<Option<Vec<u8>>>),
    Range(RangeQuery, super::Reply<RangeAnswer>),
}

impl PendingRead {
    fn is_closed(&self) -> bool {
        match self {
            PendingRead::Key(_, r) => r.is_closed(),
            PendingRead::Range(_, r) => r.is_closed(),
        }
    }

    fn fail(self, e: NodeError) {
        match self {
            PendingRead::Key(_, r) => {
                let _ = r.send(Err(e));
            }
            PendingRead::Range(_, r) => {
                let _ = r.send(Err(e));
            }
        }
    }

    fn answer(self, kv: &Kv) {
        match self {
            PendingRead::Key(k, r) => {
                let _ = r.send(Ok(kv.get(&k).map(<[u8]>::to_vec)));
            }
            PendingRead::Range(q, r) => {
                let _ = r.send(Ok(q.answer(kv)));
            }
        }
    }
}

pub struct RaftLoop {
    cfg: NodeConfig,
    raw: RawNode<WalStorage>,
    /// The log cache raft-rs reads, the WAL and the .snap dir (`log.rs`).
    log: DurableLog,
    transport: Box<dyn Network>,
    status_tx: watch::Sender<Arc<NodeStatus>>,
    kv: Kv,
    applied: u64,
    conf_state: eraftpb::ConfState,
    cluster_id: u64,
    last_snapshot: u64,
    /// Writes waiting for their entries to apply (`pending.rs`).
    writes: Writes,
    /// The number the next write proposed here carries (`Command::proposal`). It starts at a
    /// random value so that a restarted member cannot take an entry its earlier run proposed
    /// for one of its own.
    next_proposal: u64,
    read_seq: u64,
    reads: HashMap<Vec<u8>, PendingRead>,
    ready_reads: VecDeque<(u64, PendingRead)>,
    conf_pending: Option<(u64, u64, super::Reply<Membership>)>,
    /// Something a caller waits to see in the status changed: publish at once.
    dirty: bool,
    /// A snapshot is being written on its own thread.
    snapshotting: bool,
    /// This loop's own inbox, for the snapshot thread to report back.
    self_tx: std::sync::mpsc::SyncSender<Msg>,
    /// Members removed by a joint change that are still in its outgoing half.
    removed: Vec<u64>,
    /// A transfer under way: from, to, the tick it gives up at, and who waits.
    transfer: Option<(u64, u64, u64, super::Reply<Transferred>)>,
    fresh: bool,
    /// Ticks since this member started: the core's only clock (the driver ticks it).
    now: u64,
    /// The tick of the last campaign of a fresh cluster's first member.
    last_campaign: Option<u64>,
    /// The tick at which the leader was last seen not idle in a joint configuration.
    last_leave: u64,
    role: StateRole,
    leader: u64,
    stopping: bool,
    /// Why the loop stopped on its own (the member exits with it).
    stop_reason: Option<String>,
    /// API addresses peers gave in their handshakes: this member's own view, for its status
    /// only (the replicated record comes from conf changes and publishes).
    peer_apis: HashMap<u64, String>,
    /// The tick at which this member last proposed its own addresses.
    last_publish: Option<u64>,
    /// Bytes of the newest snapshot's data.
    snap_bytes: u64,
    /// What was applied, for the simulation (`Determinism::record_applied`).
    applied_log: Vec<(u64, u64, u64)>,
    /// What went wrong and is not yet put right (shown in the status).
    errors: Vec<String>,
}

fn slog_logger() -> slog::Logger {
    slog::Logger::root(SlogToTracing, slog::o!())
}

/// raft-rs logs through slog; this sends its lines to tracing (stderr).
struct SlogToTracing;

impl slog::Drain for SlogToTracing {
    type Ok = ();
    type Err = slog::Never;
    fn log(&self, r: &slog::Record<'_>, _: &slog::OwnedKVList) -> Result<(), slog::Never> {
        match r.level() {
            slog::Level::Critical | slog::Level::Error => {
                tracing::error!(target: "raft", "{}", r.msg())
            }
            slog::Level::Warning => tracing::warn!(target: "raft", "{}", r.msg()),
            slog::Level::Info => tracing::info!(target: "raft", "{}", r.msg()),
            _ => tracing::debug!(target: "raft", "{}", r.msg()),
        }
        Ok(())
    }
}

fn map_err(e: impl std::fmt::Display) -> NodeError {
    NodeError::Storage {
        reason: e.to_string(),
    }
}

impl RaftLoop {
    pub fn new(
        cfg: NodeConfig,
        boot: Boot,
        transport: Box<dyn Network>,
        status_tx: watch::Sender<Arc<NodeStatus>>,
        self_tx: std::sync::mpsc::SyncSender<Msg>,
    ) -> Result<RaftLoop, String> {
        if cfg.id == 0 {
            return Err("member id 0 is not allowed".into());
        }
        let Boot { rec, fresh } = boot;
        let snap_index = rec
            .snapshot
            .as_ref()
            .map(|s| s.get_metadata().index)
            .unwrap_or(0);
        let mut kv = Kv::new();
        let mut conf_state = eraftpb::ConfState::default();
        if let Some(s) = &rec.snapshot {
            if !s.data.is_empty() {
                kv = Kv::from_snapshot_data(&s.data)
                    .map_err(|e| format!("snapshot {snap_index}: {e}"))?;
            }
            conf_state = s.get_metadata().get_conf_state().clone();
        }
        let rec_snap_bytes = rec.snapshot.as_ref().map_or(0, |s| s.data.len() as u64);
        let cache = WalStorage::new(rec.hard_state.clone(), rec.snapshot.clone(), rec.entries);
        let raft_cfg = Config {
            id: cfg.id,
            election_tick: cfg.election_tick,
            heartbeat_tick: cfg.heartbeat_tick,
            applied: snap_index,
            max_size_per_msg: 1 << 20,
            max_inflight_msgs: 256,
            check_quorum: true,
            pre_vote: true,
            max_uncommitted_size: 256 << 20,
            min_election_tick: cfg.determinism.election_ticks.map_or(0, |t| t.0),
            max_election_tick: cfg.determinism.election_ticks.map_or(0, |t| t.1),
            ..Default::default()
        };
        raft_cfg
            .validate()
            .map_err(|e| format!("raft config: {e}"))?;
        let raw = RawNode::new(&raft_cfg, cache.clone(), &slog_logger())
            .map_err(|e| format!("raft: {e}"))?;
        for (id, addr) in &cfg.initial_cluster {
            transport.set_peer(*id, addr);
        }
        for m in kv.members() {
            if !m.peer.is_empty() {
                transport.set_peer(m.id, &m.peer);
            }
        }
        let cluster_id = rec.metadata.cluster_id;
        Ok(RaftLoop {
            raw,
            log: DurableLog::new(
                cache,
                rec.writer,
                super::boot::snap_dir(&cfg.data_dir),
                cfg.determinism
                    .disk
                    .clone()
                    .unwrap_or_else(crate::disk::real),
                cfg.catch_up_entries,
                cfg.determinism.planted_bug,
            ),
            transport,
            status_tx,
            kv,
            applied: snap_index,
            conf_state,
            cluster_id,
            last_snapshot: snap_index,
            writes: Writes::default(),
            next_proposal: cfg
                .determinism
                .proposal_seed
                .unwrap_or_else(rand::random::<u64>),
            read_seq: 0,
            reads: HashMap::new(),
            ready_reads: VecDeque::new(),
            conf_pending: None,
            dirty: false,
            snapshotting: false,
            self_tx,
            removed: Vec::new(),
            transfer: None,
            fresh,
            now: 0,
            last_campaign: None,
            last_leave: 0,
            role: StateRole::Follower,
            leader: 0,
            stopping: false,
            stop_reason: None,
            peer_apis: HashMap::new(),
            last_publish: None,
            snap_bytes: rec_snap_bytes,
            applied_log: Vec::new(),
            errors: Vec::new(),
            cfg,
        })
    }

    /// Runs until asked to stop (`None`) or until the member cannot go on (the reason).
    pub fn run(&mut self, rx: Receiver<Msg>) -> Option<String> {
        let mut next_tick = Instant::now() + self.cfg.tick;
        let mut last_status = Instant::now() - Duration::from_secs(1);
        loop {
            let wait = next_tick.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(m) => {
                    self.handle(m);
                    // Drain what else is queued, so one Ready (one fsync) covers it all.
                    for _ in 0..4096 {
                        match rx.try_recv() {
                            Ok(m) => self.handle(m),
                            Err(_) => break,
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.stopping = true,
            }
            if Instant::now() >= next_tick {
                self.tick();
                next_tick += self.cfg.tick;
                if next_tick < Instant::now() {
                    next_tick = Instant::now() + self.cfg.tick;
                }
            }
            if let Err(e) = self.on_ready() {
                self.stop_with(e.to_string());
            }
            // Status is published at most every 20 ms, and at once when leadership or membership
            // changes (so a caller told a transfer or a conf change is done sees it too).
            if self.dirty || last_status.elapsed() >= Duration::from_millis(20) {
                self.publish();
                self.dirty = false;
                last_status = Instant::now();
            }
            self.check_transfer();
            if self.stopping {
                let _ = self.log.sync();
                self.fail_all(NodeError::Stopped);
                self.publish();
                return self.stop_reason.take();
            }
        }
    }

    /// What `run` does each turn after the inbox and the clock: handle a Ready, publish the
    /// status, check a transfer. False once the member has stopped (for the simulation, which
    /// drives the core itself).
    pub(crate) fn process(&mut self) -> bool {
        if let Err(e) = self.on_ready() {
            self.stop_with(e.to_string());
        }
        self.publish();
        self.check_transfer();
        if self.stopping {
            self.fail_all(NodeError::Stopped);
            return false;
        }
        true
    }

    /// The entries applied since the last call: (index, term, digest of the data), when
    /// [`super::Determinism::record_applied`] is on.
    pub(crate) fn take_applied(&mut self) -> Vec<(u64, u64, u64)> {
        std::mem::take(&mut self.applied_log)
    }

    /// Why the member stopped on its own, once it has.
    pub(crate) fn stop_reason(&self) -> Option<&str> {
        self.stop_reason.as_deref()
    }

    /// The state machine, for the simulation's checks.
    pub(crate) fn kv(&self) -> &Kv {
        &self.kv
    }

    /// One tick of the core's clock: raft-rs's, then this member's own timers.
    pub(crate) fn tick(&mut self) {
        self.raw.tick();
        self.now += 1;
        self.housekeeping();
    }

    fn stop_with(&mut self, reason: String) {
        tracing::error!("member {} stops: {reason}", self.cfg.id);
        self.stop_reason.get_or_insert(reason);
        self.stopping = true;
    }

    pub(crate) fn handle(&mut self, m: Msg) {
        match m {
            Msg::Stop => self.stopping = true,
            Msg::SnapshotWritten(r) => {
                if let Err(e) = self.snapshot_written(*r) {
                    self.stop_with(e.to_string());
                }
            }
            Msg::Inbound(Inbound::Raft(msg)) => {
                if let Some(reason) = self.lost_log(&msg) {
                    self.stop_with(reason);
                    return;
                }
                // Errors here are the expected kind: a local-only type from the wire, a
                // response from an unknown peer, a dropped forwarded proposal.
                let _ = self.raw.step(*msg);
            }
            Msg::Inbound(Inbound::Unreachable(id)) => self.raw.report_unreachable(id),
            Msg::Inbound(Inbound::SnapshotSent { to, ok }) => {
                let s = if ok {
                    raft::SnapshotStatus::Finish
                } else {
                    raft::SnapshotStatus::Failure
                };
                self.raw.report_snapshot(to, s);
            }
            Msg::Inbound(Inbound::PeerApi { id, api }) => {
                self.peer_apis.insert(id, api);
            }
            Msg::Request(r) => self.request(r),
        }
    }

    /// A heartbeat from a current leader that says more is committed than this member's log
    /// holds: the log was lost or replaced (a wiped or restored data dir). raft-rs would panic
    /// in `commit_to` ("to_commit N is out of range [last_index M]"); say what happened and
    /// what to do instead.
    fn lost_log(&self, m: &eraftpb::Message) -> Option<String> {
        let last = self.raw.raft.raft_log.last_index();
        let is_heartbeat = m.get_msg_type() == eraftpb::MessageType::MsgHeartbeat;
        if !is_heartbeat || m.term < self.raw.raft.term || m.commit <= last {
            return None;
        }
        let id = self.cfg.id;
        Some(format!(
            "the leader (member {}) has committed entries up to {}, but this member's log \
             ends at {last}: its data was lost or replaced (a wiped or restored data \
             dir), and it cannot rejoin with this log. Remove it and add a new member instead: \
             `raftctl member remove {id}`, then `raftctl member add`",
            m.from, m.commit
        ))
    }

    fn not_leader(&self) -> NodeError {
        if self.leader == 0 {
            NodeError::NoLeader
        } else {
            NodeError::NotLeader {
                id: self.cfg.id,
                leader: self.leader,
            }
        }
    }

    fn request(&mut self, r: Request) {
        match r {
            Request::Put {
                key,
                value,
                request_id,
                reply,
            } => {
                let op = Op::Put(Put { key, value });
                self.propose_write(request_id, op, Waiter::Put(reply));
            }
            Request::Delete {
                key,
                request_id,
                reply,
            } => {
                let op = Op::Delete(Delete { key });
                self.propose_write(request_id, op, Waiter::Delete(reply));
            }
            Request::Get {
                key,
                serializable: _,
                reply,
            } if self.cfg.determinism.planted_bug
                == Some(super::PlantedBug::ReadWithoutReadIndex) =>
            {
                let _ = reply.send(Ok(self.kv.get(&key).map(<[u8]>::to_vec)));
            }
            Request::Get {
                key,
                serializable: true,
                reply,
            } => {
                let _ = reply.send(Ok(self.kv.get(&key).map(<[u8]>::to_vec)));
            }
            Request::Get {
                key,
                serializable: false,
                reply,
            } => self.read_index(PendingRead::Key(key, reply)),
            Request::Range {
                query,
                serializable: true,
                reply,
            } => {
                let _ = reply.send(Ok(query.answer(&self.kv)));
            }
            Request::Range {
                query,
                serializable: false,
                reply,
            } => self.read_index(PendingRead::Range(query, reply)),
            Request::DeleteRange {
                start,
                end,
                request_id,
                reply,
            } => {
                let op = Op::DeleteRange(DeleteRange { start, end });
                self.propose_write(request_id, op, Waiter::DeleteRange(reply));
            }
            Request::ConfChange { changes, reply } => {
                if let Err(e) = self.conf_change(changes, reply) {
                    tracing::debug!("conf change refused: {e}");
                }
            }
            Request::Transfer { to, reply } => self.start_transfer(to, reply),
            Request::Faults { set, reply } => {
                if !self.cfg.allow_faults {
                    let _ = reply.send(Err(NodeError::FaultsDisabled));
                    return;
                }
                if let Some(f) = set {
                    tracing::warn!("fault injection now {f:?}");
                    self.transport.set_faults(f);
                }
                let _ = reply.send(Ok(self.transport.faults()));
            }
        }
    }

    /// Proposes a client's write under a fresh proposal number, filing its waiter under that
    /// number (the entry carries it), or tells the waiter why not.
    fn propose_write(&mut self, request_id: u64, op: Op, waiter: Waiter) {
        let proposal = self.take_proposal();
        let cmd = Command {
            request_id,
            op: Some(op),
            proposer: self.cfg.id,
            proposal,
        };
        match self.propose(&cmd) {
            Ok(()) => self.writes.file(proposal, waiter),
            Err(e) => waiter.fail(e),
        }
    }

    fn take_proposal(&mut self) -> u64 {
        let p = self.next_proposal;
        self.next_proposal = p.wrapping_add(1);
        p
    }

    fn propose(&mut self, cmd: &Command) -> Result<(), NodeError> {
        if self.leader == 0 {
            return Err(NodeError::NoLeader);
        }
        self.raw
            .propose(vec![], cmd.to_entry_data())
            .map_err(|e| NodeError::Dropped {
                reason: e.to_string(),
            })
    }

    fn read_index(&mut self, read: PendingRead) {
        if self.leader == 0 {
            read.fail(NodeError::NoLeader);
            return;
        }
        if self.role == StateRole::Leader {
            // raft-rs drops read-index requests until the leader has committed in its term.
            let committed = self.raw.raft.raft_log.committed;
            let term = self.raw.raft.raft_log.term(committed).unwrap_or(0);
            if term != self.raw.raft.term {
                read.fail(NodeError::Dropped {
                    reason: "the new leader has not committed yet".into(),
                });
                return;
            }
        }
        self.read_seq += 1;
        let ctx = [self.cfg.id.to_be_bytes(), self.read_seq.to_be_bytes()].concat();
        self.raw.read_index(ctx.clone());
        self.reads.insert(ctx, read);
    }

    fn start_transfer(&mut self, to: Option<u64>, reply: super::Reply<Transferred>) {
        if self.role != StateRole::Leader {
            let _ = reply.send(Err(self.not_leader()));
            return;
        }
        let target = match plan::transfer(&self.plan_view(), to) {
            Ok(plan::Transfer::To(t)) => t,
            Ok(plan::Transfer::AlreadyLeader) => {
                let _ = reply.send(Ok(Transferred {
                    from: self.cfg.id,
                    to: self.cfg.id,
                }));
                return;
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        self.raw.transfer_leader(target);
        let deadline = self.now + self.cfg.election_tick as u64 * 2 + 4;
        self.transfer = Some((self.cfg.id, target, deadline, reply));
    }

    fn check_transfer(&mut self) {
        let Some((from, to, deadline, _)) = &self.transfer else {
            return;
        };
        let (from, to, deadline) = (*from, *to, *deadline);
        let outcome = if self.leader == to {
            Some(Ok(Transferred { from, to }))
        } else if self.now > deadline {
            Some(Err(NodeError::Timeout {
                reason: format!("leadership did not move to member {to}"),
            }))
        } else if self.role == StateRole::Leader
            && self.raw.raft.lead_transferee.is_none()
            && self.leader == self.cfg.id
        {
            // raft-rs gave up (election timeout passed without the target taking over).
            Some(Err(NodeError::Timeout {
                reason: format!("member {to} did not take over in time"),
            }))
        } else {
            None
        };
        if let Some(o) = outcome
            && let Some((_, _, _, reply)) = self.transfer.take()
        {
            let _ = reply.send(o);
        }
    }

    fn conf_change(
        &mut self,
        changes: Vec<Change>,
        reply: super::Reply<Membership>,
    ) -> Result<(), NodeError> {
        let res = self.check_conf_change(&changes);
        let res = res.and_then(|cc| {
            self.raw
                .propose_conf_change(vec![], cc)
                .map_err(|e| NodeError::Dropped {
                    reason: e.to_string(),
                })
        });
        match res {
            Ok(()) => {
                let index = self.raw.raft.raft_log.last_index();
                self.conf_pending = Some((index, self.raw.raft.term, reply));
                Ok(())
            }
            Err(e) => {
                let _ = reply.send(Err(e.clone()));
                Err(e)
            }
        }
    }

    /// What the planner (`plan.rs`) needs to know of this leader.
    fn plan_view(&self) -> plan::View {
        let r = &self.raw.raft;
        let cs = r.prs().conf().to_conf_state();
        plan::View {
            id: self.cfg.id,
            voters: cs.voters.iter().copied().collect(),
            learners: cs.learners.iter().copied().collect(),
            voters_outgoing: cs.voters_outgoing.iter().copied().collect(),
            peers: r
                .prs()
                .iter()
                .map(|(id, p)| {
                    let peer = plan::Peer {
                        matched: p.matched,
                        replicating: p.state == ProgressState::Replicate,
                        recent_active: p.recent_active,
                    };
                    (*id, peer)
                })
                .collect(),
            last_index: r.raft_log.last_index(),
            pending: self.conf_pending.is_some() || r.pending_conf_index > self.applied,
            removed: self.kv.removed().collect(),
        }
    }

    /// Refuses what raft-rs would silently turn into a no-op, and what would hurt the cluster.
    fn check_conf_change(&self, changes: &[Change]) -> Result<ConfChangeV2, NodeError> {
        if self.role != StateRole::Leader {
            return Err(self.not_leader());
        }
        plan::conf_change(&self.plan_view(), changes)
    }

    fn housekeeping(&mut self) {
        // A fresh cluster's lowest member campaigns at once rather than waiting out an
        // election timeout; pre-vote keeps retries from inflating the term.
        if self.fresh
            && self.leader == 0
            && self.raw.raft.promotable()
            && self.last_campaign.is_none_or(|t| self.now >= t + 3)
        {
            let lowest = self.conf_state.voters.iter().min().copied();
            if lowest == Some(self.cfg.id) && self.applied >= self.raw.raft.raft_log.committed {
                self.last_campaign = Some(self.now);
                let _ = self.raw.campaign();
            }
        }
        if self.leader != 0 {
            self.fresh = false;
        }
        self.maybe_publish_self();
        // Leave a joint configuration ourselves if raft-rs's auto-leave was lost (etcd#12136):
        // the leader is joint, nothing is pending, and it has stayed so for a while.
        let joint = !self
            .raw
            .raft
            .prs()
            .conf()
            .to_conf_state()
            .voters_outgoing
            .is_empty();
        let idle = self.raw.raft.pending_conf_index <= self.applied && self.conf_pending.is_none();
        if !(joint && idle && self.role == StateRole::Leader) {
            self.last_leave = self.now;
        } else if self.now > self.last_leave + self.cfg.election_tick as u64 {
            self.last_leave = self.now;
            tracing::info!(
                "member {}: the joint configuration was not left; proposing to leave it",
                self.cfg.id
            );
            let _ = self
                .raw
                .propose_conf_change(vec![], ConfChangeV2::default());
        }
        // Drop waiters whose clients gave up.
        self.writes.drop_abandoned();
        self.reads.retain(|_, r| !r.is_closed());
        if self
            .conf_pending
            .as_ref()
            .is_some_and(|(_, _, r)| r.is_closed())
        {
            self.conf_pending = None;
        }
    }

    /// Proposes this member's own addresses when the replicated record lacks or differs from
    /// them (etcd publishes its client URLs the same way once it has a leader); retried each
    /// second until the record shows them.
    fn maybe_publish_self(&mut self) {
        let id = self.cfg.id;
        let Some(me) = self.kv.members().find(|m| m.id == id) else {
            return;
        };
        let current = me.api == self.cfg.listen_api && me.peer == self.cfg.listen_peer;
        let recently = self
            .last_publish
            .is_some_and(|t| self.now < t + 2 * self.cfg.election_tick as u64);
        if current || self.leader == 0 || recently {
            return;
        }
        self.last_publish = Some(self.now);
        let proposal = self.take_proposal();
        let cmd = Command {
            request_id: 0,
            op: Some(Op::Publish(Publish {
                id,
                peer: self.cfg.listen_peer.clone(),
                api: self.cfg.listen_api.clone(),
            })),
            proposer: id,
            proposal,
        };
        if let Err(e) = self.propose(&cmd) {
            tracing::debug!("member {id}: publishing its addresses: {e}");
        }
    }

    fn on_ready(&mut self) -> Result<(), NodeError> {
        if !self.raw.has_ready() {
            return Ok(());
        }
        let mut rd = self.raw.ready();
        let planted = self.cfg.determinism.planted_bug;
        if let Some(ss) = rd.ss() {
            let (role, leader) = (ss.raft_state, ss.leader_id);
            if leader != self.leader || role != self.role {
                tracing::info!(
                    "member {}: {:?}, leader {leader}, term {}",
                    self.cfg.id,
                    role,
                    self.raw.raft.term
                );
                if self.leader != leader {
                    // raft-rs drops pending reads on a leader change, and a proposal a
                    // follower forwarded to a leader that is gone is lost without a word.
                    // Waiting writes are told to retry: their request ids make a retry of
                    // one that did commit apply once.
                    let dropped = || NodeError::Dropped {
                        reason: "the leader changed".into(),
                    };
                    for (_, r) in self.reads.drain() {
                        r.fail(dropped());
                    }
                    self.writes.fail_all(&dropped());
                }
                self.dirty = true;
            }
            self.role = role;
            self.leader = leader;
        }
        if !rd.messages().is_empty() {
            self.transport.send(rd.take_messages());
        }
        if !rd.snapshot().is_empty() && planted != Some(PlantedBug::SkipSnapshotInstall) {
            self.install_snapshot(rd.snapshot().clone())?;
        }
        let committed = rd.take_committed_entries();
        self.apply(committed)?;
        for rs in rd.take_read_states() {
            if let Some(r) = self.reads.remove(rs.request_ctx.as_slice()) {
                self.ready_reads.push_back((rs.index, r));
            }
        }
        let entries = rd.take_entries();
        if planted == Some(PlantedBug::ApplyBeforeCommit) {
            // (Normal entries only: raft-rs refuses a conf change applied before its time.)
            let normal = entries
                .iter()
                .take_while(|e| e.get_entry_type() == EntryType::EntryNormal);
            self.apply(normal.cloned().collect())?;
        }
        if planted == Some(PlantedBug::SendBeforeFsync) && !rd.persisted_messages().is_empty() {
            self.transport.send(rd.take_persisted_messages());
        }
        self.log.persist(rd.hs(), &entries).map_err(map_err)?;
        if !rd.persisted_messages().is_empty() {
            self.transport.send(rd.take_persisted_messages());
        }
        let mut light = self.raw.advance(rd);
        if let Some(c) = light.commit_index() {
            self.log.set_commit(c);
        }
        self.transport.send(light.take_messages());
        self.apply(light.take_committed_entries())?;
        self.raw.advance_apply();
        self.serve_reads();
        self.maybe_snapshot()?;
        Ok(())
    }

    fn install_snapshot(&mut self, s: eraftpb::Snapshot) -> Result<(), NodeError> {
        let m = s.get_metadata();
        let kv = if s.data.is_empty() {
            Kv::new()
        } else {
            Kv::from_snapshot_data(&s.data).map_err(map_err)?
        };
        self.log.install_snapshot(&s).map_err(map_err)?;
        tracing::info!(
            "member {}: installed snapshot {} (term {}) from the leader",
            self.cfg.id,
            m.index,
            m.term
        );
        self.snap_bytes = s.data.len() as u64;
        self.kv = kv;
        for mem in self.kv.members() {
            if !mem.peer.is_empty() {
                self.transport.set_peer(mem.id, &mem.peer);
            }
        }
        self.conf_state = m.get_conf_state().clone();
        self.applied = m.index;
        if let Some((idx, _, _)) = &self.conf_pending
            && *idx <= m.index
            && let Some((_, _, reply)) = self.conf_pending.take()
        {
            let reason = "a snapshot from the leader replaced the log it was in".into();
            let _ = reply.send(Err(NodeError::Dropped { reason }));
        }
        self.last_snapshot = m.index;
        Ok(())
    }

    fn apply(&mut self, entries: Vec<eraftpb::Entry>) -> Result<(), NodeError> {
        for e in entries {
            if e.index <= self.applied {
                continue;
            }
            if self.cfg.determinism.record_applied {
                let digest = crate::hash::fnv1a(&e.data);
                self.applied_log.push((e.index, e.term, digest));
            }
            if let Some((idx, term, _)) = &self.conf_pending
                && *idx == e.index
                && *term != e.term
                && let Some((_, _, reply)) = self.conf_pending.take()
            {
                let reason = "another leader's entry took its place".into();
                let _ = reply.send(Err(NodeError::Dropped { reason }));
            }
            match e.get_entry_type() {
                EntryType::EntryNormal => self.apply_normal(&e),
                EntryType::EntryConfChange => {
                    let mut cc = eraftpb::ConfChange::default();
                    cc.merge_from_bytes(&e.data).map_err(map_err)?;
                    let ctx: MemberContext =
                        serde_json::from_slice(&cc.context).unwrap_or_default();
                    let mut ctxs = HashMap::new();
                    ctxs.insert(cc.node_id.to_string(), ctx);
                    let v2 = raft_proto::ConfChangeI::into_v2(cc);
                    self.apply_conf(e.index, &v2, ctxs);
                }
                EntryType::EntryConfChangeV2 => {
                    // An empty one leaves the joint configuration (raft-rs-notes §3): never skip it.
                    let mut cc = ConfChangeV2::default();
                    if !e.data.is_empty() {
                        cc.merge_from_bytes(&e.data).map_err(map_err)?;
                    }
                    let ctxs: HashMap<String, MemberContext> =
                        serde_json::from_slice(&cc.context).unwrap_or_default();
                    self.apply_conf(e.index, &cc, ctxs);
                }
            }
            self.applied = e.index;
            if let Some((idx, _, _)) = &self.conf_pending
                && *idx <= e.index
            {
                // Our conf change proposal was turned into something else (raft-rs does that
                // silently when it cannot accept it), or lost with a leader change.
                if let Some((_, _, reply)) = self.conf_pending.take() {
                    let _ = reply.send(Err(NodeError::Dropped {
                        reason: "the conf change was not accepted".into(),
                    }));
                }
            }
        }
        Ok(())
    }

    fn apply_normal(&mut self, e: &eraftpb::Entry) {
        if e.data.is_empty() {
            return;
        }
        let Some(Ok(cmd)) = Command::from_entry_data(&e.data) else {
            tracing::warn!("entry {}: data raftctl cannot decode; skipped", e.index);
            return;
        };
        let res = self.kv.apply(&cmd, e.index);
        if matches!(cmd.op, Some(Op::Publish(_))) {
            // Members' addresses changed: callers waiting to see them look at the status.
            self.dirty = true;
        }
        if cmd.proposer != self.cfg.id {
            return;
        }
        if let Some(op) = &cmd.op {
            self.writes
                .applied(cmd.proposal, cmd.request_id, op, res, e.index);
        }
    }

    fn apply_conf(&mut self, index: u64, cc: &ConfChangeV2, ctxs: HashMap<String, MemberContext>) {
        match self.raw.apply_conf_change(cc) {
            Ok(cs) => {
                for c in cc.get_changes() {
                    let id = c.node_id;
                    match c.get_change_type() {
                        ConfChangeType::AddNode | ConfChangeType::AddLearnerNode => {
                            let ctx = ctxs.get(&id.to_string()).cloned().unwrap_or_default();
                            if !ctx.peer.is_empty() {
                                self.transport.set_peer(id, &ctx.peer);
                            }
                            let known = self.kv.members().find(|m| m.id == id).cloned();
                            let peer = if ctx.peer.is_empty() {
                                known.as_ref().map(|m| m.peer.clone()).unwrap_or_default()
                            } else {
                                ctx.peer
                            };
                            let api = if ctx.api.is_empty() {
                                known.map(|m| m.api).unwrap_or_default()
                            } else {
                                ctx.api
                            };
                            self.kv.set_member(id, Some(Member { id, peer, api }));
                        }
                        ConfChangeType::RemoveNode => {
                            self.kv.set_member(id, None);
                            if id == self.cfg.id {
                                tracing::warn!("member {id} was removed from the cluster");
                            }
                        }
                    }
                }
                // A removed voter stays in the outgoing half of a joint configuration until it
                // is left: its link goes only once no part of the config names it.
                let in_config = |id: &u64| {
                    cs.voters.contains(id)
                        || cs.voters_outgoing.contains(id)
                        || cs.learners.contains(id)
                        || cs.learners_next.contains(id)
                };
                for id in self
                    .removed
                    .iter()
                    .copied()
                    .filter(|id| !in_config(id))
                    .collect::<Vec<_>>()
                {
                    self.removed.retain(|r| *r != id);
                    if id != self.cfg.id {
                        self.transport.remove_peer(id);
                    }
                }
                for c in cc.get_changes() {
                    if c.get_change_type() == ConfChangeType::RemoveNode && in_config(&c.node_id) {
                        self.removed.push(c.node_id);
                    } else if c.get_change_type() == ConfChangeType::RemoveNode
                        && c.node_id != self.cfg.id
                    {
                        self.transport.remove_peer(c.node_id);
                    }
                }
                tracing::info!(
                    "member {}: membership at {index}: voters {:?} learners {:?} outgoing {:?}",
                    self.cfg.id,
                    cs.voters,
                    cs.learners,
                    cs.voters_outgoing
                );
                self.conf_state = cs.clone();
                self.dirty = true;
                self.step_down_if_removed(&cs);
                if let Some((idx, _, _)) = &self.conf_pending
                    && *idx == index
                    && let Some((_, _, reply)) = self.conf_pending.take()
                {
                    let _ = reply.send(Ok(membership(&cs, index)));
                }
            }
            Err(e) => {
                // Deterministic on every member: the change is a no-op.
                tracing::warn!("conf change at {index} not applied: {e}");
                if let Some((idx, _, _)) = &self.conf_pending
                    && *idx == index
                    && let Some((_, _, reply)) = self.conf_pending.take()
                {
                    let _ = reply.send(Err(NodeError::Invalid {
                        reason: e.to_string(),
                    }));
                }
            }
        }
    }

    /// A leader that is no longer a voter (a change removed it after leadership moved to it,
    /// or a joint change it led left it out) steps down: raft-rs 0.7 keeps it leading
    /// (`post_conf_change`, "TODO: step down") and then panics on the next append response,
    /// for want of its own progress (`maybe_commit`). Found by the simulation (seed 339 with
    /// `--members 5`). etcd's member stops once it applies its own removal; this one stays
    /// up as a non-voter, and the voters elect a leader among themselves.
    fn step_down_if_removed(&mut self, cs: &eraftpb::ConfState) {
        let me = self.cfg.id;
        let voter = cs.voters.contains(&me) || cs.voters_outgoing.contains(&me);
        if voter || self.raw.raft.state != StateRole::Leader {
            return;
        }
        tracing::warn!("member {me} was removed from the voters while it led: stepping down");
        let term = self.raw.raft.term;
        self.raw.raft.become_follower(term, raft::INVALID_ID);
    }

    fn serve_reads(&mut self) {
        while let Some((index, _)) = self.ready_reads.front() {
            if *index > self.applied {
                break;
            }
            if let Some((_, r)) = self.ready_reads.pop_front() {
                r.answer(&self.kv);
            }
        }
    }

    /// Every `snapshot_count` applied entries, or when raft-rs needs a fresher one to send:
    /// write the KV state as a `.snap`, then the WAL record, then compact the in-memory log
    /// and release old segments and snapshots.
    fn maybe_snapshot(&mut self) -> Result<(), NodeError> {
        if self.snapshotting {
            return Ok(());
        }
        // raft-rs asked for one to send (a follower behind the compacted log, or one that
        // joined after the newest snapshot): make it now, at the applied index.
        let wanted = self.log.cache().take_snapshot_request() && self.applied > self.last_snapshot;
        if !wanted && self.applied < self.last_snapshot + self.cfg.snapshot_count {
            return Ok(());
        }
        let index = self.applied;
        let term = self.log.term(index).map_err(map_err)?;
        let cs = self.raw.raft.prs().conf().to_conf_state();
        let dir = self.log.snap_dir().to_path_buf();
        let disk = self.log.disk();
        let metadata = raftpb::SnapshotMetadata {
            conf_state: convert::conf_state_from_raft(&cs),
            index,
            term,
            extra: Vec::new(),
        };
        self.snapshotting = true;
        if self.cfg.determinism.inline_snapshots {
            let r = durable::write_snapshot(&*disk, &self.kv, metadata, &dir);
            return self.snapshot_written(r);
        }
        // Only the copy of the state happens here; encoding it and writing the .snap (which
        // can take hundreds of ms for a large store) happen on another thread, so the Raft
        // loop keeps serving meanwhile.
        let kv = self.kv.clone();
        let tx = self.self_tx.clone();
        std::thread::Builder::new()
            .name("snapshot".into())
            .spawn(move || {
                let r = durable::write_snapshot(&*disk, &kv, metadata, &dir);
                let _ = tx.send(Msg::SnapshotWritten(Box::new(r)));
            })
            .map_err(map_err)?;
        Ok(())
    }

    /// The `.snap` is on disk: record it in the WAL (which makes it usable), serve it to
    /// followers, compact the in-memory log and release old segments and snapshots.
    fn snapshot_written(&mut self, r: Result<raftpb::Snapshot, String>) -> Result<(), NodeError> {
        self.snapshotting = false;
        let ours = match r {
            Ok(s) => s,
            Err(e) => {
                // Nothing is lost: the log is kept, and the next apply tries again.
                tracing::error!("member {}: writing a snapshot failed: {e}", self.cfg.id);
                self.errors.retain(|x| !x.starts_with("snapshot: "));
                self.errors.push(format!("snapshot: {e}"));
                self.dirty = true;
                return Ok(());
            }
        };
        self.errors.retain(|x| !x.starts_with("snapshot: "));
        let (index, term) = (ours.metadata.index, ours.metadata.term);
        match self.log.record_snapshot(&ours).map_err(map_err)? {
            Recorded::Superseded => {
                // A newer snapshot from the leader was installed meanwhile: this one is stale.
                tracing::info!(
                    "member {}: dropping snapshot {index}, superseded",
                    self.cfg.id
                );
            }
            Recorded::Yes { compacted_to } => {
                self.snap_bytes = ours.data.as_ref().map_or(0, |d| d.len() as u64);
                self.last_snapshot = index;
                tracing::info!(
                    "member {}: snapshot at {index} (term {term}), log compacted to {compacted_to}",
                    self.cfg.id
                );
            }
        }
        Ok(())
    }

    fn fail_all(&mut self, e: NodeError) {
        self.writes.fail_all(&e);
        for (_, r) in self.reads.drain() {
            r.fail(e.clone());
        }
        if let Some((_, _, r)) = self.conf_pending.take() {
            let _ = r.send(Err(e.clone()));
        }
        if let Some((_, _, _, r)) = self.transfer.take() {
            let _ = r.send(Err(e));
        }
    }

    fn publish(&mut self) {
        let r = &self.raw.raft;
        let cs = r.prs().conf().to_conf_state();
        let sorted = |mut v: Vec<u64>| {
            v.sort_unstable();
            v
        };
        let (first, last) = self.log.cache().first_and_last();
        let progress = if r.state == StateRole::Leader {
            let mut v: Vec<PeerProgress> = r
                .prs()
                .iter()
                .map(|(id, p)| PeerProgress {
                    id: *id,
                    matched: p.matched,
                    next: p.next_idx,
                    state: match p.state {
                        ProgressState::Probe => "probe",
                        ProgressState::Replicate => "replicate",
                        ProgressState::Snapshot => "snapshot",
                    }
                    .into(),
                    recent_active: p.recent_active,
                    paused: p.is_paused(),
                    inflight: p.ins.count() as u64,
                    pending_snapshot: p.pending_snapshot,
                })
                .collect();
            v.sort_by_key(|p| p.id);
            v
        } else {
            Vec::new()
        };
        let st = NodeStatus {
            id: self.cfg.id,
            api: self.cfg.listen_api.clone(),
            peer: self.cfg.listen_peer.clone(),
            reachable: true,
            role: match r.state {
                StateRole::Leader => "leader",
                StateRole::Follower => "follower",
                StateRole::Candidate => "candidate",
                StateRole::PreCandidate => "pre_candidate",
            }
            .into(),
            term: r.term,
            leader: r.leader_id,
            commit: r.raft_log.committed,
            applied: self.applied,
            first_index: first,
            last_index: last,
            snapshot_index: self.log.cache().snapshot_index(),
            voters: sorted(cs.voters.clone()),
            learners: sorted(cs.learners.clone()),
            voters_outgoing: sorted(cs.voters_outgoing.clone()),
            learners_next: sorted(cs.learners_next.clone()),
            progress,
            cluster_id: format!("{:x}", self.cluster_id),
            keys: self.kv.len() as u64,
            members: self
                .kv
                .members()
                .map(|m| super::MemberAddr {
                    id: m.id,
                    peer: m.peer.clone(),
                    api: if m.api.is_empty() {
                        self.peer_apis.get(&m.id).cloned().unwrap_or_default()
                    } else {
                        m.api.clone()
                    },
                })
                .collect(),
            removed: self.kv.removed().collect(),
            max_request_bytes: self.cfg.max_request_bytes,
            version: env!("CARGO_PKG_VERSION").into(),
            db_size: self.snap_bytes,
            errors: self.errors.clone(),
        };
        if **self.status_tx.borrow() != st {
            let _ = self.status_tx.send(Arc::new(st));
        }
    }
}

fn membership(cs: &eraftpb::ConfState, index: u64) -> Membership {
    let sorted = |v: &[u64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    Membership {
        voters: sorted(&cs.voters),
        learners: sorted(&cs.learners),
        voters_outgoing: sorted(&cs.voters_outgoing),
        learners_next: sorted(&cs.learners_next),
        index,
    }
}
