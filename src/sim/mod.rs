//! A seeded, deterministic simulation of whole clusters: N member cores (the same `RaftLoop`
//! that runs in `raftctl node`, driven here step by step), an in-memory network that delays,
//! drops, duplicates and reorders messages and partitions members, crashes and restarts from
//! the members' data dirs, and clients whose history is checked. One seed gives one run.
//!
//! What this first version checks, on every schedule: at most one leader per term; every
//! acknowledged write is in every member's state once the cluster has healed; a linearizable
//! read never misses a write acknowledged before it was called (keys are written once, so a
//! stale read is a miss); and after healing, a leader within a bounded number of steps and
//! identical state machines on every member at the same applied index.
//!
//! Not yet modelled (issue 9 goes on): a simulated disk (unsynced writes lost and torn on a
//! machine crash; here a crash is a process crash, the page cache survives), membership
//! changes and leader transfers in the schedule, and the general linearizability checker.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use raft::eraftpb::{Message, MessageType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{oneshot, watch};

mod disk;

pub use disk::{Loss, SimDisk};

use crate::checker;
use crate::node::boot;
use crate::node::raft_loop::RaftLoop;
use crate::node::{Determinism, Msg, NodeConfig, NodeError, NodeStatus, PlantedBug, Request};
use crate::transport::{Faults, Inbound, Network};

/// The shape of one schedule.
#[derive(Debug, Clone)]
pub struct Options {
    pub members: u64,
    /// Steps of the faulty phase; a member ticks every [`TICK_EVERY`] steps.
    pub steps: u64,
    pub clients: usize,
    /// Chance per message of being lost, and of being delivered twice.
    pub drop: f64,
    pub duplicate: f64,
    /// Most steps a message waits before delivery (its order among others is random).
    pub max_delay: u64,
    /// Chance per step of a machine crash (what was not fsynced is lost or torn), and of a
    /// partition change.
    pub crash: f64,
    pub partition: f64,
    /// Chance per fsync that the machine dies right there, mid-Ready.
    pub crash_at_sync: f64,
    pub snapshot_count: u64,
    /// A bug to plant in every member (to prove the checks catch it).
    pub planted_bug: Option<PlantedBug>,
    /// Print every event to stderr as it happens (`--trace`).
    pub trace: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            members: 3,
            steps: 1_500,
            clients: 3,
            drop: 0.02,
            duplicate: 0.01,
            max_delay: 6,
            crash: 0.002,
            partition: 0.004,
            crash_at_sync: 0.001,
            snapshot_count: 25,
            planted_bug: None,
            trace: false,
        }
    }
}

/// The flags of `cargo run --release --example sim`, one per [`Options`] field.
const FLAGS: &[&str] = &[
    "members",
    "steps",
    "clients",
    "drop",
    "duplicate",
    "max-delay",
    "crash",
    "partition",
    "crash-at-sync",
    "snapshot-count",
    "planted-bug",
];

impl Options {
    fn get(&self, flag: &str) -> String {
        match flag {
            "members" => self.members.to_string(),
            "steps" => self.steps.to_string(),
            "clients" => self.clients.to_string(),
            "drop" => self.drop.to_string(),
            "duplicate" => self.duplicate.to_string(),
            "max-delay" => self.max_delay.to_string(),
            "crash" => self.crash.to_string(),
            "partition" => self.partition.to_string(),
            "crash-at-sync" => self.crash_at_sync.to_string(),
            "snapshot-count" => self.snapshot_count.to_string(),
            "planted-bug" => self.planted_bug.map(bug_name).unwrap_or("none").into(),
            _ => String::new(),
        }
    }

    /// Sets the option a flag names (`--crash 0.02`), refusing what it cannot parse.
    pub fn set(&mut self, flag: &str, value: &str) -> Result<(), String> {
        fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
            v.parse()
                .map_err(|_| format!("--{flag}: {v:?} is not a number of the right kind"))
        }
        match flag {
            "members" => self.members = num(flag, value)?,
            "steps" => self.steps = num(flag, value)?,
            "clients" => self.clients = num(flag, value)?,
            "drop" => self.drop = num(flag, value)?,
            "duplicate" => self.duplicate = num(flag, value)?,
            "max-delay" => self.max_delay = num(flag, value)?,
            "crash" => self.crash = num(flag, value)?,
            "partition" => self.partition = num(flag, value)?,
            "crash-at-sync" => self.crash_at_sync = num(flag, value)?,
            "snapshot-count" => self.snapshot_count = num(flag, value)?,
            "planted-bug" => {
                self.planted_bug = match value {
                    "none" => None,
                    v => Some(
                        PLANTED
                            .iter()
                            .copied()
                            .find(|b| bug_name(*b) == v)
                            .ok_or_else(|| {
                                let names: Vec<&str> =
                                    PLANTED.iter().map(|b| bug_name(*b)).collect();
                                format!("--planted-bug: {v:?} is none of {}", names.join(", "))
                            })?,
                    ),
                }
            }
            _ => {
                return Err(format!(
                    "--{flag}: no such option (options: {})",
                    FLAGS.join(", ")
                ));
            }
        }
        let rate = [
            self.drop,
            self.duplicate,
            self.crash,
            self.partition,
            self.crash_at_sync,
        ];
        if rate.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return Err(format!(
                "--{flag}: a chance is between 0 and 1, not {value}"
            ));
        }
        if self.members == 0 {
            return Err("--members: at least 1".into());
        }
        Ok(())
    }

    /// The flags that give these options (those that differ from the defaults).
    pub fn to_flags(&self) -> String {
        let default = Options::default();
        FLAGS
            .iter()
            .filter(|f| self.get(f) != default.get(f))
            .map(|f| format!(" --{f} {}", self.get(f)))
            .collect()
    }
}

/// Every planted bug, for `--planted-bug` and the tests.
pub const PLANTED: &[PlantedBug] = &[
    PlantedBug::ReadWithoutReadIndex,
    PlantedBug::ForgetVote,
    PlantedBug::AckBeforeFsync,
    PlantedBug::SendBeforeFsync,
    PlantedBug::ApplyBeforeCommit,
    PlantedBug::SkipSnapshotInstall,
];

/// A planted bug's flag value.
pub fn bug_name(b: PlantedBug) -> &'static str {
    match b {
        PlantedBug::ReadWithoutReadIndex => "read-without-read-index",
        PlantedBug::ForgetVote => "forget-vote",
        PlantedBug::AckBeforeFsync => "ack-before-fsync",
        PlantedBug::SendBeforeFsync => "send-before-fsync",
        PlantedBug::ApplyBeforeCommit => "apply-before-commit",
        PlantedBug::SkipSnapshotInstall => "skip-snapshot-install",
    }
}

/// Steps per tick.
pub const TICK_EVERY: u64 = 4;
/// Steps after which a client gives up on an answer (the operation is then indeterminate).
const CLIENT_TIMEOUT: u64 = 400;
/// Steps the healed cluster gets to elect a leader and converge.
const SETTLE: u64 = 3_000;

/// What one schedule did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub seed: u64,
    /// Steps run, the healing included (a member ticks every [`TICK_EVERY`] steps).
    pub steps: u64,
    pub acked_puts: u64,
    pub reads: u64,
    /// Writes refused before they were proposed (no leader known, ...).
    pub refused: u64,
    /// Writes that may or may not have applied (dropped, timed out, member crashed).
    pub indeterminate: u64,
    pub crashes: u64,
    /// Crashes that struck in the middle of an fsync.
    pub crashes_at_sync: u64,
    /// Unsynced writes the crashes lost whole, and tore.
    pub lost_writes: u64,
    pub torn_writes: u64,
    pub partitions: u64,
    pub leaders: u64,
    pub messages: u64,
    /// Schedules whose history the checker could not decide within its budget.
    pub undecided: u64,
    /// A digest of everything that happened, to show two runs of a seed are the same run.
    pub trace: u64,
}

/// A schedule that broke an invariant: what, and the seed that replays it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub seed: u64,
    /// The flags of the schedule's options (see [`Options::to_flags`]).
    pub flags: String,
    pub step: u64,
    pub what: String,
    /// The last events before it, oldest first.
    pub trace: Vec<String>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "seed {} failed at step {}: {}",
            self.seed, self.step, self.what
        )?;
        writeln!(
            f,
            "replay: cargo run --release --example sim -- --seed {}{} --trace",
            self.seed, self.flags
        )?;
        for t in &self.trace {
            writeln!(f, "  {t}")?;
        }
        Ok(())
    }
}

struct Packet {
    at: u64,
    /// Order of sending, to break ties deterministically.
    seq: u64,
    from: u64,
    msg: Message,
}

/// Messages in flight, shared by every member's [`Link`].
struct Wire {
    now: u64,
    seq: u64,
    rng: StdRng,
    max_delay: u64,
    packets: Vec<Packet>,
}

/// One member's end of the simulated network.
struct Link {
    from: u64,
    wire: Arc<Mutex<Wire>>,
}

impl Network for Link {
    fn send(&self, msgs: Vec<Message>) {
        let mut w = self.wire.lock().unwrap_or_else(|e| e.into_inner());
        for msg in msgs {
            let max = w.max_delay;
            let delay = w.rng.random_range(0..=max);
            let at = w.now + delay;
            w.seq += 1;
            let seq = w.seq;
            w.packets.push(Packet {
                at,
                seq,
                from: self.from,
                msg,
            });
        }
    }
    fn set_peer(&self, _: u64, _: &str) {}
    fn remove_peer(&self, _: u64) {}
    fn faults(&self) -> Faults {
        Faults::default()
    }
    fn set_faults(&self, _: Faults) {}
}

struct Member {
    cfg: NodeConfig,
    disk: Arc<SimDisk>,
    core: Option<RaftLoop>,
    status: watch::Receiver<Arc<NodeStatus>>,
    /// The core's own inbox (snapshots are inline here, so it stays empty); kept open.
    _inbox: Receiver<Msg>,
    down_until: u64,
}

enum Pending {
    Put {
        key: String,
        /// Its place in the history handed to the checker.
        op: usize,
        reply: oneshot::Receiver<Result<u64, NodeError>>,
    },
    Get {
        key: String,
        op: usize,
        reply: oneshot::Receiver<Result<Option<Vec<u8>>, NodeError>>,
    },
}

/// Keys written many times (besides the written-once ones), for the linearizability check.
const SHARED_KEYS: u64 = 4;

struct Client {
    pending: Option<(u64, Pending)>,
    next: u64,
}

struct Sim {
    seed: u64,
    opts: Options,
    rng: StdRng,
    wire: Arc<Mutex<Wire>>,
    members: BTreeMap<u64, Member>,
    isolated: BTreeSet<u64>,
    clients: Vec<Client>,
    /// Acknowledged puts: key → (value, the step it was acknowledged at).
    acked: BTreeMap<String, (String, u64)>,
    leaders: BTreeMap<u64, u64>,
    /// Every client operation, for the linearizability checker (`crate::checker`); a read
    /// that failed is taken out again (`None`), as it changed nothing.
    history: Vec<Option<checker::Op>>,
    report: Report,
    log: Vec<String>,
    step: u64,
    /// The faulty phase is over: no more crashes.
    healed: bool,
    _dir: tempfile::TempDir,
}

fn digest(h: u64, x: u64) -> u64 {
    // FNV-1a over the 8 bytes: order-sensitive, stable across builds.
    let mut h = h;
    for b in x.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Sim {
    fn new(seed: u64, opts: Options) -> Result<Sim, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut rng = StdRng::seed_from_u64(seed);
        let wire = Arc::new(Mutex::new(Wire {
            now: 0,
            seq: 0,
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            max_delay: opts.max_delay,
            packets: Vec::new(),
        }));
        let initial: Vec<(u64, String)> = (1..=opts.members)
            .map(|id| (id, format!("sim-{id}:1")))
            .collect();
        let mut members = BTreeMap::new();
        for id in 1..=opts.members {
            let min = 10 + rng.random_range(0..10);
            let disk = Arc::new(SimDisk::new(rng.random()));
            let cfg = NodeConfig {
                id,
                data_dir: dir.path().join(format!("n{id}")),
                listen_peer: format!("sim-{id}:1"),
                listen_api: format!("sim-{id}:2"),
                initial_cluster: initial.clone(),
                join: false,
                cluster_id: None,
                snapshot_count: opts.snapshot_count,
                tick: std::time::Duration::from_millis(1),
                election_tick: 10,
                heartbeat_tick: 2,
                allow_faults: false,
                segment_size: 1 << 20,
                catch_up_entries: 10,
                max_request_bytes: crate::node::DEFAULT_MAX_REQUEST_BYTES,
                determinism: Determinism {
                    election_ticks: Some((min, min + 1)),
                    inline_snapshots: true,
                    proposal_seed: Some(rng.random()),
                    disk: Some(disk.clone()),
                    planted_bug: opts.planted_bug,
                },
            };
            let (tx, rx) = sync_channel(16);
            let (core, status) = boot(&cfg, &disk, opts.crash_at_sync, &wire, tx)?;
            members.insert(
                id,
                Member {
                    cfg,
                    disk,
                    core: Some(core),
                    status,
                    _inbox: rx,
                    down_until: 0,
                },
            );
        }
        let clients = (0..opts.clients)
            .map(|_| Client {
                pending: None,
                next: 0,
            })
            .collect();
        Ok(Sim {
            seed,
            opts,
            rng,
            wire,
            members,
            isolated: BTreeSet::new(),
            clients,
            acked: BTreeMap::new(),
            leaders: BTreeMap::new(),
            history: Vec::new(),
            report: Report {
                seed,
                ..Report::default()
            },
            log: Vec::new(),
            step: 0,
            healed: false,
            _dir: dir,
        })
    }

    fn event(&mut self, e: String) {
        self.report.trace = digest(self.report.trace, self.log.len() as u64);
        for b in e.bytes() {
            self.report.trace = digest(self.report.trace, u64::from(b));
        }
        if self.opts.trace {
            eprintln!("seed {} step {}: {e}", self.seed, self.step);
        }
        self.log.push(format!("step {}: {e}", self.step));
        if self.log.len() > 40 {
            self.log.remove(0);
        }
    }

    fn fail(&self, what: String) -> Failure {
        Failure {
            seed: self.seed,
            flags: self.opts.to_flags(),
            step: self.step,
            what,
            trace: self.log.clone(),
        }
    }

    fn up(&self) -> Vec<u64> {
        self.members
            .iter()
            .filter(|(_, m)| m.core.is_some())
            .map(|(id, _)| *id)
            .collect()
    }

    fn faults(&mut self) -> Result<(), String> {
        if self.rng.random_bool(self.opts.crash) {
            let up = self.up();
            // Keep a majority up, so that the run makes progress.
            if up.len() as u64 > self.opts.members / 2 + 1 {
                let id = up[self.rng.random_range(0..up.len())];
                self.crash(id, "crash")?;
            }
        }
        let due: Vec<u64> = self
            .members
            .iter()
            .filter(|(_, m)| m.core.is_none() && m.down_until <= self.step)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.restart(id)?;
        }
        if self.rng.random_bool(self.opts.partition) {
            self.isolated.clear();
            if self.rng.random_bool(0.7) {
                let id = self.rng.random_range(1..=self.opts.members);
                self.isolated.insert(id);
                self.report.partitions += 1;
                self.event(format!("isolate member {id}"));
            } else {
                self.event("heal the network".into());
            }
        }
        Ok(())
    }

    /// The machine of member `id` crashes: the member is gone at once (its last sync on the
    /// way down fails), and its disk loses or tears what was not fsynced.
    fn crash(&mut self, id: u64, what: &str) -> Result<(), String> {
        let back = self.step + self.rng.random_range(20..400);
        let Some(m) = self.members.get_mut(&id) else {
            return Ok(());
        };
        m.disk.power_off();
        m.core = None;
        m.down_until = back;
        let loss = m
            .disk
            .crash()
            .map_err(|e| format!("member {id}'s simulated disk: {e}"))?;
        self.report.crashes += 1;
        self.report.lost_writes += loss.lost;
        self.report.torn_writes += loss.torn;
        self.event(format!(
            "{what} member {id} (back at {back}; unsynced writes kept {}, lost {}, torn {})",
            loss.kept, loss.lost, loss.torn
        ));
        Ok(())
    }

    fn restart(&mut self, id: u64) -> Result<(), String> {
        let wire = self.wire.clone();
        let crash_at_sync = if self.healed {
            0.0
        } else {
            self.opts.crash_at_sync
        };
        // A new run numbers its proposals afresh, as a real member's start does (at random):
        // reusing the last run's numbers would answer a new write with an old entry.
        let proposal_seed = self.rng.random();
        let Some(m) = self.members.get_mut(&id) else {
            return Ok(());
        };
        m.cfg.determinism.proposal_seed = Some(proposal_seed);
        let (tx, rx) = sync_channel(16);
        let (core, status) = boot(&m.cfg, &m.disk, crash_at_sync, &wire, tx)
            .map_err(|e| format!("member {id} did not restart: {e}"))?;
        m.core = Some(core);
        m.status = status;
        m._inbox = rx;
        self.event(format!("restart member {id}"));
        Ok(())
    }

    fn clients(&mut self) {
        let up = self.up();
        for c in 0..self.clients.len() {
            if self.clients[c].pending.is_some() || up.is_empty() {
                continue;
            }
            if !self.rng.random_bool(0.3) {
                continue;
            }
            let via = up[self.rng.random_range(0..up.len())];
            let read = self.rng.random_bool(0.4);
            let shared = self.rng.random_bool(0.5) || (read && self.acked.is_empty());
            let op = self.history.len();
            let op = if read {
                // A shared key, or a written-once key whose put was acknowledged.
                let key = if shared {
                    format!("r{}", self.rng.random_range(0..SHARED_KEYS))
                } else {
                    let n = self.rng.random_range(0..self.acked.len());
                    self.acked.keys().nth(n).cloned().unwrap_or_default()
                };
                let (tx, rx) = oneshot::channel();
                let req = Request::Get {
                    key: key.clone().into_bytes(),
                    serializable: false,
                    reply: tx,
                };
                self.history.push(Some(checker::Op::timed_out_get(
                    c as u64,
                    key.as_bytes(),
                    self.step,
                )));
                self.send(via, Msg::Request(req));
                Pending::Get { key, op, reply: rx }
            } else {
                let client = &mut self.clients[c];
                client.next += 1;
                let key = if shared {
                    format!("r{}", self.rng.random_range(0..SHARED_KEYS))
                } else {
                    format!("c{c}-{}", client.next)
                };
                // Unique values: the checker can tell every write apart.
                let value = format!("v-c{c}-{}", client.next);
                let (tx, rx) = oneshot::channel();
                let req = Request::Put {
                    key: key.clone().into_bytes(),
                    value: value.clone().into_bytes(),
                    request_id: self.rng.random_range(1..u64::MAX),
                    reply: tx,
                };
                self.history.push(Some(checker::Op::timed_out_put(
                    c as u64,
                    key.as_bytes(),
                    value.as_bytes(),
                    self.step,
                )));
                self.send(via, Msg::Request(req));
                Pending::Put { key, op, reply: rx }
            };
            self.clients[c].pending = Some((self.step, op));
        }
    }

    fn send(&mut self, to: u64, m: Msg) {
        if let Some(core) = self.members.get_mut(&to).and_then(|m| m.core.as_mut()) {
            core.handle(m);
        }
    }

    fn answers(&mut self) -> Result<(), Failure> {
        for c in 0..self.clients.len() {
            let Some((called, op)) = self.clients[c].pending.take() else {
                continue;
            };
            let timed_out = self.step > called + CLIENT_TIMEOUT;
            match op {
                Pending::Put { key, op, mut reply } => match reply.try_recv() {
                    Ok(Ok(index)) => {
                        self.report.acked_puts += 1;
                        self.event(format!("put {key} acknowledged at index {index}"));
                        let mut value = String::new();
                        if let Some(Some(o)) = self.history.get_mut(op) {
                            o.ret = Some(self.step);
                            if let checker::OpKind::Put { value: v } = &o.kind {
                                value = String::from_utf8_lossy(v).into_owned();
                            }
                        }
                        if !key.starts_with('r') {
                            self.acked.insert(key.clone(), (value, self.step));
                        }
                    }
                    Ok(Err(e)) if e.changed_nothing() => {
                        // Refused before it was proposed: out of the history.
                        self.history[op] = None;
                        self.report.refused += 1;
                    }
                    Ok(Err(_)) | Err(oneshot::error::TryRecvError::Closed) => {
                        // Dropped, or its member crashed: it may still apply.
                        self.report.indeterminate += 1;
                    }
                    Err(oneshot::error::TryRecvError::Empty) if timed_out => {
                        self.report.indeterminate += 1;
                    }
                    Err(oneshot::error::TryRecvError::Empty) => {
                        let p = Pending::Put { key, op, reply };
                        self.clients[c].pending = Some((called, p));
                    }
                },
                Pending::Get { key, op, mut reply } => match reply.try_recv() {
                    Ok(Ok(v)) => {
                        self.report.reads += 1;
                        if let Some(Some(o)) = self.history.get_mut(op) {
                            o.ret = Some(self.step);
                            o.kind = checker::OpKind::Get {
                                result: Some(v.clone()),
                            };
                        }
                        // The key's put was acknowledged before this read was called (reads
                        // go only to acknowledged keys), and keys are written once.
                        let want = self.acked.get(&key).filter(|(_, at)| *at < called);
                        if let Some((value, at)) = want
                            && v.as_deref() != Some(value.as_bytes())
                        {
                            return Err(self.fail(format!(
                                "stale read: get {key} (called at step {called}) returned \
                                 {:?}, but its put was acknowledged at step {at}",
                                v.map(|b| String::from_utf8_lossy(&b).into_owned())
                            )));
                        }
                    }
                    // A read that failed changed nothing: out of the history.
                    Ok(Err(_)) | Err(oneshot::error::TryRecvError::Closed) => {
                        self.history[op] = None;
                    }
                    Err(oneshot::error::TryRecvError::Empty) if timed_out => {
                        self.history[op] = None;
                    }
                    Err(oneshot::error::TryRecvError::Empty) => {
                        let p = Pending::Get { key, op, reply };
                        self.clients[c].pending = Some((called, p));
                    }
                },
            }
        }
        Ok(())
    }

    /// Delivers the messages due now, in a random order, through the partition.
    fn deliver(&mut self) {
        let due: Vec<Packet> = {
            let mut w = self.wire.lock().unwrap_or_else(|e| e.into_inner());
            w.now = self.step;
            let now = self.step;
            let (mut due, later): (Vec<Packet>, Vec<Packet>) = std::mem::take(&mut w.packets)
                .into_iter()
                .partition(|p| p.at <= now);
            w.packets = later;
            due.sort_by_key(|p| (p.at, p.seq));
            due
        };
        for p in due {
            let to = p.msg.to;
            let cut = self.isolated.contains(&to) || self.isolated.contains(&p.from);
            let up = self.members.get(&to).is_some_and(|m| m.core.is_some());
            let lost = cut || !up || self.rng.random_bool(self.opts.drop);
            let snapshot = p.msg.get_msg_type() == MessageType::MsgSnapshot;
            if lost {
                if snapshot {
                    // raft-rs keeps the peer paused until it hears how a snapshot went.
                    let m = Msg::Inbound(Inbound::SnapshotSent { to, ok: false });
                    self.send(p.from, m);
                }
                if cut || !up {
                    self.send(p.from, Msg::Inbound(Inbound::Unreachable(to)));
                }
                continue;
            }
            self.report.messages += 1;
            let twice = self.rng.random_bool(self.opts.duplicate);
            if twice {
                self.send(to, Msg::Inbound(Inbound::Raft(Box::new(p.msg.clone()))));
            }
            self.send(to, Msg::Inbound(Inbound::Raft(Box::new(p.msg))));
            if snapshot {
                self.send(p.from, Msg::Inbound(Inbound::SnapshotSent { to, ok: true }));
            }
        }
    }

    fn tick_and_process(&mut self) -> Result<(), Failure> {
        let step = self.step;
        let mut stopped = Vec::new();
        for (id, m) in self.members.iter_mut() {
            let Some(core) = m.core.as_mut() else {
                continue;
            };
            if step % TICK_EVERY == id % TICK_EVERY {
                core.tick();
            }
            if !core.process() {
                let reason = core.stop_reason().unwrap_or("asked to").to_string();
                stopped.push((*id, m.disk.is_off(), reason));
            }
        }
        for (id, crashed_at_sync, reason) in stopped {
            if !crashed_at_sync {
                return Err(self.fail(format!("member {id} stopped on its own: {reason}")));
            }
            self.report.crashes_at_sync += 1;
            self.crash(id, "crash at an fsync of")
                .map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    /// At most one leader per term (Raft paper §5.2, Election Safety).
    fn check_leaders(&mut self) -> Result<(), Failure> {
        let seen: Vec<(u64, u64)> = self
            .members
            .values()
            .filter(|m| m.core.is_some())
            .map(|m| m.status.borrow().clone())
            .filter(|s| s.role == "leader")
            .map(|s| (s.term, s.id))
            .collect();
        for (term, id) in seen {
            match self.leaders.get(&term) {
                Some(&other) if other != id => {
                    return Err(self.fail(format!(
                        "two leaders in term {term}: members {other} and {id}"
                    )));
                }
                Some(_) => {}
                None => {
                    self.leaders.insert(term, id);
                    self.report.leaders += 1;
                    self.event(format!("member {id} leads term {term}"));
                }
            }
        }
        Ok(())
    }

    fn one_step(&mut self, faulty: bool) -> Result<(), Failure> {
        if faulty {
            self.faults().map_err(|e| self.fail(e))?;
            self.clients();
        }
        self.deliver();
        self.tick_and_process()?;
        self.answers()?;
        self.check_leaders()?;
        self.step += 1;
        Ok(())
    }

    fn run(mut self) -> Result<Report, Failure> {
        for _ in 0..self.opts.steps {
            self.one_step(true)?;
        }
        // Heal: every member up, no partition, no more crashes; let the clients' last answers
        // arrive.
        self.isolated.clear();
        self.healed = true;
        for m in self.members.values() {
            m.disk.set_crash_at_sync(0.0);
        }
        let down: Vec<u64> = self
            .members
            .iter()
            .filter(|(_, m)| m.core.is_none())
            .map(|(id, _)| *id)
            .collect();
        for id in down {
            self.restart(id).map_err(|e| self.fail(e))?;
        }
        self.event("healed".into());
        let healed_at = self.step;
        loop {
            self.one_step(false)?;
            if self.converged() {
                break;
            }
            if self.step > healed_at + SETTLE {
                let states: Vec<String> = self
                    .members
                    .values()
                    .map(|m| {
                        let s = m.status.borrow();
                        format!(
                            "{}: {} term {} commit {} applied {}",
                            s.id, s.role, s.term, s.commit, s.applied
                        )
                    })
                    .collect();
                return Err(self.fail(format!(
                    "no convergence within {SETTLE} steps of healing: {}",
                    states.join("; ")
                )));
            }
        }
        self.check_state()?;
        self.check_history()?;
        self.report.trace = digest(self.report.trace, self.step);
        self.report.steps = self.step;
        Ok(self.report)
    }

    /// One leader that every member follows, that has committed all of its log (so an entry
    /// of its own term: what earlier leaders committed is committed again, even where a crash
    /// lost the commit index), and every member has applied it all.
    fn converged(&self) -> bool {
        let ss: Vec<Arc<NodeStatus>> = self
            .members
            .values()
            .map(|m| m.status.borrow().clone())
            .collect();
        let Some(l) = ss.iter().find(|s| s.role == "leader") else {
            return false;
        };
        l.commit == l.last_index
            && ss
                .iter()
                .all(|s| s.leader == l.id && s.applied == l.commit && s.commit == l.commit)
    }

    /// The clients' history, with a final read of every shared key from the converged state,
    /// is linearizable per key (`crate::checker`; an unanswered write may have applied or not).
    fn check_history(&mut self) -> Result<(), Failure> {
        let end = self.step + 1;
        let kv = self
            .members
            .values()
            .find_map(|m| m.core.as_ref())
            .map(|c| c.kv().clone());
        let mut history: Vec<checker::Op> = self.history.iter().flatten().cloned().collect();
        if let Some(kv) = kv {
            for k in 0..SHARED_KEYS {
                let key = format!("r{k}");
                let v = kv.get(key.as_bytes());
                history.push(checker::Op::get(u64::MAX, key.as_bytes(), v, end, end));
            }
        }
        let verdict = checker::check(&history).map_err(|e| self.fail(e.to_string()))?;
        match verdict.outcome {
            checker::Outcome::NotLinearizable => {
                let what: Vec<String> = verdict
                    .anomalies
                    .iter()
                    .map(|a| a.description.clone())
                    .collect();
                Err(self.fail(format!("not linearizable: {}", what.join("; "))))
            }
            checker::Outcome::Undecided => {
                self.report.undecided += 1;
                Ok(())
            }
            checker::Outcome::Linearizable => Ok(()),
        }
    }

    /// The state machines agree, and every acknowledged write is in them.
    fn check_state(&self) -> Result<(), Failure> {
        let mut first: Option<(u64, Vec<u8>)> = None;
        for (id, m) in &self.members {
            let Some(core) = &m.core else { continue };
            let kv = core.kv();
            for (key, (value, _)) in &self.acked {
                if kv.get(key.as_bytes()) != Some(value.as_bytes()) {
                    let holders: Vec<String> = self
                        .members
                        .iter()
                        .filter(|(_, m)| {
                            m.core.as_ref().is_some_and(|c| {
                                c.kv().get(key.as_bytes()) == Some(value.as_bytes())
                            })
                        })
                        .map(|(id, _)| id.to_string())
                        .collect();
                    let st = m.status.borrow();
                    return Err(self.fail(format!(
                        "lost write: {key} was acknowledged, but member {id} (applied {}, \
                         snapshot {}, log {}..{}) does not hold it; members holding it: [{}]",
                        st.applied,
                        st.snapshot_index,
                        st.first_index,
                        st.last_index,
                        holders.join(", ")
                    )));
                }
            }
            let data = kv.snapshot_data();
            match &first {
                None => first = Some((*id, data)),
                Some((other, d)) if *d != data => {
                    return Err(self.fail(format!(
                        "members {other} and {id} applied the same log to different states"
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// Starts a member's core from its data dir; its disk crashes at an fsync with chance
/// `crash_at_sync` from then on (not while it starts: a crash there is a crash before it).
fn boot(
    cfg: &NodeConfig,
    disk: &SimDisk,
    crash_at_sync: f64,
    wire: &Arc<Mutex<Wire>>,
    self_tx: SyncSender<Msg>,
) -> Result<(RaftLoop, watch::Receiver<Arc<NodeStatus>>), String> {
    disk.set_crash_at_sync(0.0);
    let boot = boot::open(cfg)?;
    disk.set_crash_at_sync(crash_at_sync);
    let (status_tx, status_rx) = watch::channel(Arc::new(NodeStatus::default()));
    let link = Link {
        from: cfg.id,
        wire: wire.clone(),
    };
    let core = RaftLoop::new(cfg.clone(), boot, Box::new(link), status_tx, self_tx)?;
    Ok((core, status_rx))
}

/// Runs one schedule.
pub fn run(seed: u64, opts: &Options) -> Result<Report, Failure> {
    let sim = Sim::new(seed, opts.clone()).map_err(|what| Failure {
        seed,
        flags: opts.to_flags(),
        step: 0,
        what,
        trace: Vec::new(),
    })?;
    sim.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `RAFTCTL_SIM_SEED=N` replays one seed; `RAFTCTL_SIM_SEEDS=N` runs that many.
    #[test]
    fn seeds() {
        let opts = Options::default();
        let seeds: Vec<u64> = match std::env::var("RAFTCTL_SIM_SEED") {
            Ok(s) => vec![s.parse().expect("RAFTCTL_SIM_SEED is a number")],
            Err(_) => {
                let n: u64 = std::env::var("RAFTCTL_SIM_SEEDS")
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(60);
                (1..=n).collect()
            }
        };
        let mut total = Report::default();
        for seed in seeds {
            match run(seed, &opts) {
                Ok(r) => {
                    total.acked_puts += r.acked_puts;
                    total.reads += r.reads;
                    total.indeterminate += r.indeterminate;
                    total.undecided += r.undecided;
                    total.messages += r.messages;
                    total.crashes += r.crashes;
                    total.partitions += r.partitions;
                    total.leaders += r.leaders;
                }
                Err(f) => panic!("{f}"),
            }
        }
        // A schedule that does nothing proves nothing.
        assert!(total.acked_puts > 0 && total.reads > 0, "{total:?}");
        eprintln!("{total:?}");
    }

    /// Runs seeds from 1 until one fails with `bug` planted in every member, and checks that
    /// the correct core passes that same seed: what was caught is the bug, not the schedule.
    fn first_catch(bug: PlantedBug, opts: Options, limit: u64) -> Failure {
        let planted = Options {
            planted_bug: Some(bug),
            ..opts.clone()
        };
        let f = (1..=limit)
            .find_map(|seed| run(seed, &planted).err())
            .unwrap_or_else(|| panic!("{bug:?} planted, {limit} seeds run, none caught it"));
        if let Err(g) = run(f.seed, &opts) {
            panic!("the correct core fails seed {} too: {g}", f.seed);
        }
        eprintln!("{bug:?}: caught at seed {}: {}", f.seed, f.what);
        f
    }

    /// Reads answered from local state without ReadIndex are stale on a member cut off from
    /// the leader.
    #[test]
    fn a_read_without_read_index_is_caught() {
        let f = first_catch(PlantedBug::ReadWithoutReadIndex, Options::default(), 200);
        assert!(
            f.what.contains("stale read") || f.what.contains("not linearizable"),
            "{f}"
        );
    }

    /// The correct core under the crash rate the crash-sensitive planted bugs use: nothing
    /// to report.
    #[test]
    fn frequent_crashes_break_nothing() {
        for seed in 1..=60 {
            if let Err(f) = run(seed, &crashy()) {
                panic!("{f}");
            }
        }
    }

    fn crashy() -> Options {
        Options {
            crash: 0.02,
            crash_at_sync: 0.01,
            steps: 1_000,
            ..Options::default()
        }
    }

    /// Forgetting the vote across a crash lets a member vote twice in a term.
    #[test]
    fn a_forgotten_vote_is_caught() {
        first_catch(PlantedBug::ForgetVote, crashy(), 1_000);
    }

    /// Entries acknowledged before their fsync are lost by a crash in between.
    #[test]
    fn an_ack_before_fsync_is_caught() {
        first_catch(PlantedBug::AckBeforeFsync, crashy(), 300);
    }

    /// A follower's acknowledgement sent before its fsync promises what a crash at that
    /// fsync loses.
    #[test]
    fn a_send_before_fsync_is_caught() {
        first_catch(PlantedBug::SendBeforeFsync, crashy(), 300);
    }

    /// Applying appended entries before they commit answers writes a later leader drops.
    #[test]
    fn an_apply_before_commit_is_caught() {
        first_catch(PlantedBug::ApplyBeforeCommit, Options::default(), 300);
    }

    /// A member that skips the leader's snapshot applies later entries to the wrong state.
    #[test]
    fn a_skipped_snapshot_is_caught() {
        first_catch(PlantedBug::SkipSnapshotInstall, Options::default(), 300);
    }

    /// One seed is one run: the same seed twice gives the same trace.
    #[test]
    fn a_seed_replays_exactly() {
        let opts = Options::default();
        let a = run(7, &opts).unwrap_or_else(|f| panic!("{f}"));
        let b = run(7, &opts).unwrap_or_else(|f| panic!("{f}"));
        assert_eq!(a, b);
        assert!(a.crashes + a.partitions > 0 || a.acked_puts > 0);
    }
}
