//! The raft thread: owns the `RawNode`, and runs the Ready loop in the order raft-rs needs
//! (raft-rs-notes.md §1, sync path; the numbered steps of `on_ready`): send the leader's
//! messages, install a leader's snapshot, apply committed entries, append entries + HardState
//! to the durable log with one fsync, then send the messages that depended on it, advance,
//! and handle the LightReady.
//!
//! The rest lives beside it: what the API asks (`requests.rs`), applying what committed
//! (`apply.rs`), this member's own snapshots (`snapshot.rs`), its timers (`timers.rs`) and
//! its published status (`status.rs`); the durable log (`../log.rs`), the waiters
//! (`../pending.rs`) and the planner (`../plan.rs`) are parts of their own.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use protobuf::Message as _;
use raft::eraftpb::{self, ConfChangeType, ConfChangeV2, EntryType};
use raft::{Config, ProgressState, RawNode, StateRole};
use tokio::sync::watch;

use super::StartError;
use super::boot::{Boot, MemberContext};
use super::log::{self as durable, DurableLog, Recorded};
use super::pending::{ConfOutcome, Pending, Read, Waiter};
use super::plan;
use super::{
    Change, Membership, Msg, NodeConfig, NodeError, NodeStatus, PeerProgress, PlantedBug, Request,
    Transferred,
};
use crate::kv::{Kv, Member};
use crate::proto::command::{Command, Delete, DeleteRange, Op, Publish, Put};
use crate::proto::convert;
use crate::proto::raftpb;
use crate::storage::WalStorage;
use crate::transport::{Inbound, Network};

mod apply;
mod coalesce;
mod requests;
mod snapshot;
mod status;
mod timers;

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
    /// Whoever waits for an answer: writes, reads, a conf change, a transfer (`pending.rs`).
    pending: Pending,
    /// The number the next write proposed here carries (`Command::proposal`). It starts at a
    /// random value so that a restarted member cannot take an entry its earlier run proposed
    /// for one of its own.
    next_proposal: u64,
    /// Something a caller waits to see in the status changed: publish at once.
    dirty: bool,
    /// A snapshot is being written on its own thread.
    snapshotting: bool,
    /// This loop's own inbox, for the snapshot thread to report back.
    self_tx: std::sync::mpsc::SyncSender<Msg>,
    /// Members removed by a joint change that are still in its outgoing half.
    removed: Vec<u64>,
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
    ) -> Result<RaftLoop, StartError> {
        if cfg.id == 0 {
            return Err(StartError::ZeroId);
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
                kv = Kv::from_snapshot_data(&s.data).map_err(|source| StartError::Snapshot {
                    index: snap_index,
                    source,
                })?;
            }
            conf_state = s.get_metadata().get_conf_state().clone();
        }
        let rec_snap_bytes = rec.snapshot.as_ref().map_or(0, |s| s.data.len() as u64);
        let cache = WalStorage::new(
            rec.hard_state.clone(),
            rec.snapshot,
            rec.snapshot_file,
            rec.entries,
        );
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
        raft_cfg.validate()?;
        let raw = RawNode::new(&raft_cfg, cache.clone(), &slog_logger())?;
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
                cfg.disk(),
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
            pending: Pending::default(),
            next_proposal: cfg
                .determinism
                .proposal_seed
                .unwrap_or_else(rand::random::<u64>),
            dirty: false,
            snapshotting: false,
            self_tx,
            removed: Vec::new(),
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
                self.finish_snapshot(&rx);
                let _ = self.log.sync();
                self.fail_all(NodeError::Stopped);
                self.publish();
                return self.stop_reason.take();
            }
        }
    }

    /// On the way down, waits for a snapshot being written to land and records it in the
    /// WAL: a `.snap` left without its WAL record is one etcd 3.4's `Snapshotter.Load` picks
    /// and then cannot open the WAL at ("wal: snapshot not found"). Anything else that
    /// arrives meanwhile is dropped (a request's waiter then hears that the member stopped).
    fn finish_snapshot(&mut self, rx: &Receiver<Msg>) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.snapshotting {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Msg::SnapshotWritten(r)) => {
                    if let Err(e) = self.snapshot_written(*r) {
                        tracing::error!("member {}: on the way down: {e}", self.cfg.id);
                    }
                }
                Ok(_) => {}
                Err(_) => break,
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

    /// The log this member holds in memory, as (index, term, digest of the data), for the
    /// simulation's Log Matching check.
    pub(crate) fn log_digest(&self) -> Vec<(u64, u64, u64)> {
        use raft::Storage as _;
        let cache = self.log.cache();
        let (first, last) = cache.first_and_last();
        let entries = cache
            .entries(first, last + 1, None, raft::GetEntriesContext::empty(false))
            .unwrap_or_default();
        entries
            .iter()
            .map(|e| (e.index, e.term, crate::hash::fnv1a(&e.data)))
            .collect()
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

    /// One Ready, in raft-rs's numbered order (raft-rs-notes.md §1; raft-rs's
    /// `examples/five_mem_node`): what may go before the fsync, the fsync, what must wait for
    /// it, then the LightReady.
    fn on_ready(&mut self) -> Result<(), NodeError> {
        if !self.raw.has_ready() {
            return Ok(());
        }
        let mut rd = self.raw.ready();
        let planted = self.cfg.determinism.planted_bug;
        // 1. Leadership and role (the soft state): waiters that a new leader orphans fail.
        if let Some(ss) = rd.ss() {
            self.soft_state(ss.raft_state, ss.leader_id);
        }
        // 2. The leader's messages go before its own fsync (Raft paper §10.2.1).
        if !rd.messages().is_empty() {
            crate::failpoint::point(crate::failpoint::Point::LeaderSendBefore);
            self.transport
                .send(coalesce::coalesce_appends(rd.take_messages()));
        }
        // 3. A snapshot from the leader: the .snap, its WAL record, the state machine.
        if !rd.snapshot().is_empty() && planted != Some(PlantedBug::SkipSnapshotInstall) {
            self.install_snapshot(rd.snapshot().clone())?;
        }
        // 4. Committed entries apply; confirmed reads wait for the apply index.
        self.apply(rd.take_committed_entries())?;
        for rs in rd.take_read_states() {
            self.pending.reads.confirmed(&rs.request_ctx, rs.index);
        }
        // 5. Entries and HardState into the durable log, with one fsync.
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
        // 6. What depended on that fsync: a follower's acknowledgements, votes.
        if !rd.persisted_messages().is_empty() {
            self.transport.send(rd.take_persisted_messages());
        }
        // 7. Advance, and the LightReady: a new commit index, messages, more to apply.
        let mut light = self.raw.advance(rd);
        if let Some(c) = light.commit_index() {
            self.log.set_commit(c);
        }
        self.transport
            .send(coalesce::coalesce_appends(light.take_messages()));
        self.apply(light.take_committed_entries())?;
        self.raw.advance_apply();
        // 8. Reads whose index is applied are answered; a snapshot is taken when due.
        self.pending.reads.serve(self.applied, &self.kv);
        self.maybe_snapshot()?;
        Ok(())
    }

    fn soft_state(&mut self, role: StateRole, leader: u64) {
        if leader != self.leader || role != self.role {
            tracing::info!(
                "member {}: {:?}, leader {leader}, term {}",
                self.cfg.id,
                role,
                self.raw.raft.term
            );
            if self.leader != leader {
                self.pending.leader_changed();
            }
            self.dirty = true;
        }
        self.role = role;
        self.leader = leader;
    }

    fn fail_all(&mut self, e: NodeError) {
        self.pending.fail_all(&e);
    }
}
