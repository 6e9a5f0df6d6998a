//! A seeded, deterministic simulation of whole clusters: N member cores (the same `RaftLoop`
//! that runs in `raftctl node`, driven here step by step), an in-memory network that delays,
//! drops, duplicates and reorders messages and partitions members, crashes and restarts from
//! the members' data dirs, and clients whose history is checked. One seed gives one run.
//!
//! Each schedule mixes, from its seed: machine crashes on a simulated disk (`disk.rs`: what
//! was not fsynced is lost or torn, and a crash can strike in the middle of an fsync) and
//! restarts from the data dirs; partitions (a member cut off both ways or one way, a minority
//! split from the majority), slow and lossy links, message loss, duplication, reordering and
//! delay;
//! membership changes and leader transfers (`admin.rs`); snapshots and compaction (a low
//! snapshot count); and clients putting (unique values), deleting and reading linearizably.
//!
//! Checked on every schedule: at most one leader per term; no two members apply different
//! entries at one index (State Machine Safety), nor hold different ones where their logs
//! overlap once healed (Log Matching); no member stops on its own; every
//! acknowledged write (of a key written once) is in every member's state once healed; a
//! linearizable read never misses a write acknowledged before it was called; the whole
//! history is linearizable per key (`crate::checker`; an unanswered write may apply at any
//! later time or never); and after healing, a leader that has committed its whole log within
//! a bounded number of steps, followed and applied by every member of its configuration, with
//! identical state machines. A panic in a core is a failure too. Every failure names its seed
//! and the command that replays it (`examples/sim.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use raft::eraftpb::MessageType;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::{oneshot, watch};

mod admin;
mod disk;
mod net;
mod options;
#[cfg(test)]
mod tests;

pub use disk::{Loss, SimDisk};
pub use options::{Options, PLANTED, bug_name};

use net::{Link, Links, Packet, Wire};

use crate::checker;
use crate::node::boot;
use crate::node::raft_loop::RaftLoop;
use crate::node::{Determinism, Msg, NodeConfig, NodeError, NodeStatus, Request};
use crate::transport::Inbound;

/// Steps per tick.
pub const TICK_EVERY: u64 = 4;
/// Steps after which a client gives up on an answer (the operation is then indeterminate).
const CLIENT_TIMEOUT: u64 = 400;
/// Steps after which the operator gives up on an answer.
const ADMIN_TIMEOUT: u64 = 600;
/// Steps the healed cluster gets to elect a leader and converge.
const SETTLE: u64 = 3_000;

/// What one schedule did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub seed: u64,
    /// Steps run, the healing included (a member ticks every [`TICK_EVERY`] steps).
    pub steps: u64,
    pub acked_puts: u64,
    /// Deletes answered.
    pub deletes: u64,
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
    /// Membership changes applied, transfers done, members that joined.
    pub conf_changes: u64,
    pub transfers: u64,
    pub joined: u64,
    pub leaders: u64,
    pub messages: u64,
    /// Schedules whose history the checker could not decide within its budget.
    pub undecided: u64,
    /// A digest of everything that happened, to show two runs of a seed are the same run.
    pub trace: u64,
}

impl Report {
    /// Adds another schedule's counts to these (seed and trace are left as they are).
    pub fn add(&mut self, r: &Report) {
        self.steps += r.steps;
        self.acked_puts += r.acked_puts;
        self.deletes += r.deletes;
        self.reads += r.reads;
        self.refused += r.refused;
        self.indeterminate += r.indeterminate;
        self.crashes += r.crashes;
        self.crashes_at_sync += r.crashes_at_sync;
        self.lost_writes += r.lost_writes;
        self.torn_writes += r.torn_writes;
        self.partitions += r.partitions;
        self.conf_changes += r.conf_changes;
        self.transfers += r.transfers;
        self.joined += r.joined;
        self.leaders += r.leaders;
        self.messages += r.messages;
        self.undecided += r.undecided;
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "acked puts {}, deletes {}, reads {}, refused {}, indeterminate {}; leaders {}, \
             messages {}, partitions {}, crashes {} ({} at an fsync; unsynced writes lost {}, \
             torn {}), membership changes {} ({} members joined), transfers {}; undecided \
             histories {}",
            self.acked_puts,
            self.deletes,
            self.reads,
            self.refused,
            self.indeterminate,
            self.leaders,
            self.messages,
            self.partitions,
            self.crashes,
            self.crashes_at_sync,
            self.lost_writes,
            self.torn_writes,
            self.conf_changes,
            self.joined,
            self.transfers,
            self.undecided
        )
    }
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
    Delete {
        op: usize,
        reply: oneshot::Receiver<Result<bool, NodeError>>,
    },
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

/// What became of a request, seen from its client.
enum Answer<T> {
    Ok(T),
    /// Refused before it was proposed: it never takes effect.
    Refused,
    /// Dropped, timed out, or its member crashed: it may or may not take effect.
    Unknown,
    /// No answer yet.
    Waiting(oneshot::Receiver<Result<T, NodeError>>),
}

fn poll<T>(mut reply: oneshot::Receiver<Result<T, NodeError>>, timed_out: bool) -> Answer<T> {
    match reply.try_recv() {
        Ok(Ok(v)) => Answer::Ok(v),
        Ok(Err(e)) if e.changed_nothing() => Answer::Refused,
        Ok(Err(_)) | Err(oneshot::error::TryRecvError::Closed) => Answer::Unknown,
        Err(oneshot::error::TryRecvError::Empty) if timed_out => Answer::Unknown,
        Err(oneshot::error::TryRecvError::Empty) => Answer::Waiting(reply),
    }
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
    /// The operator's request under way, and when it was made.
    admin: Option<(u64, admin::Admin)>,
    /// The first members (a new cluster's --initial-cluster).
    initial: Vec<(u64, String)>,
    /// The id the next member to join gets (ids are never reused).
    next_spare: u64,
    /// The entry applied at each index, and the first member seen applying it:
    /// (term, digest of the data, member).
    applied_at: BTreeMap<u64, (u64, u64, u64)>,
    _dir: tempfile::TempDir,
}

fn digest(h: u64, x: u64) -> u64 {
    crate::hash::fnv1a_extend(h, &x.to_le_bytes())
}

impl Sim {
    fn new(seed: u64, opts: Options) -> Result<Sim, String> {
        let dir = sim_dir().map_err(|e| format!("a temp dir for the members' data: {e}"))?;
        let mut rng = StdRng::seed_from_u64(seed);
        let wire = Arc::new(Mutex::new(Wire {
            now: 0,
            seq: 0,
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            max_delay: opts.max_delay,
            packets: Vec::new(),
            links: Links::default(),
        }));
        let initial: Vec<(u64, String)> = (1..=opts.members)
            .map(|id| (id, format!("sim-{id}:1")))
            .collect();
        let mut members = BTreeMap::new();
        for id in 1..=opts.members {
            let cfg = member_config(dir.path(), id, &opts, &initial, None, &mut rng);
            members.insert(id, Member::start(cfg, opts.crash_at_sync, &wire, &mut rng)?);
        }
        let clients = (0..opts.clients)
            .map(|_| Client {
                pending: None,
                next: 0,
            })
            .collect();
        let next_spare = opts.members + 1;
        Ok(Sim {
            seed,
            opts,
            rng,
            wire,
            members,
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
            admin: None,
            next_spare,
            applied_at: BTreeMap::new(),
            initial,
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
            if up.len() > self.members.len() / 2 + 1 {
                let id = up[self.rng.random_range(0..up.len())];
                self.crash(id, "crash")?;
            }
        }
        self.restart_due()?;
        if self.rng.random_bool(self.opts.partition) {
            self.network_fault();
        }
        Ok(())
    }

    /// The chance of a crash at an fsync for a member starting now: none once healed.
    fn crash_at_sync(&self) -> f64 {
        if self.healed {
            0.0
        } else {
            self.opts.crash_at_sync
        }
    }

    /// Restarts the members whose downtime is over.
    fn restart_due(&mut self) -> Result<(), String> {
        let due: Vec<u64> = self
            .members
            .iter()
            .filter(|(_, m)| m.core.is_none() && m.down_until <= self.step)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            self.restart(id)?;
        }
        Ok(())
    }

    /// Heals the network, or breaks it anew: a member cut off both ways, one that cannot
    /// send or cannot hear, a minority split from the majority, a slow link or a lossy one.
    fn network_fault(&mut self) {
        let ids: Vec<u64> = self.members.keys().copied().collect();
        let x = ids[self.rng.random_range(0..ids.len())];
        let others: Vec<u64> = ids.iter().copied().filter(|i| *i != x).collect();
        let kind = self.rng.random_range(0..10);
        let what = {
            let mut w = self.wire.lock().unwrap_or_else(|e| e.into_inner());
            let links = &mut w.links;
            if (1..=6).contains(&kind) {
                links.cut.clear();
            }
            match kind {
                1 | 2 => {
                    links.cut_between(&[x], &others, true);
                    format!("isolate member {x}")
                }
                3 => {
                    links.cut_between(&[x], &others, false);
                    format!("member {x} cannot send (one-way partition)")
                }
                4 => {
                    links.cut_between(&others, &[x], false);
                    format!("member {x} cannot hear (one-way partition)")
                }
                5 | 6 => {
                    let mut shuffled = ids.clone();
                    for i in (1..shuffled.len()).rev() {
                        let j = self.rng.random_range(0..=i);
                        shuffled.swap(i, j);
                    }
                    let (minority, majority) = shuffled.split_at(ids.len() / 2);
                    links.cut_between(minority, majority, true);
                    format!("split {minority:?} from {majority:?}")
                }
                7 if !others.is_empty() => {
                    let y = others[self.rng.random_range(0..others.len())];
                    let extra = self.rng.random_range(5..40);
                    links.slow.insert((x, y), extra);
                    format!("link {x}->{y} slowed by {extra} steps")
                }
                8 if !others.is_empty() => {
                    let y = others[self.rng.random_range(0..others.len())];
                    let share = self.rng.random_range(0.3..0.9);
                    links.lossy.insert((x, y), share);
                    format!("link {x}->{y} loses {:.0}% of its messages", share * 100.0)
                }
                _ => {
                    links.heal();
                    "heal the network".to_string()
                }
            }
        };
        if what != "heal the network" {
            self.report.partitions += 1;
        }
        self.event(what);
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
        let crash_at_sync = self.crash_at_sync();
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
            // Deletes go to shared keys only: a written-once key must stay.
            let delete = !read && shared && self.rng.random_bool(0.25);
            let op = self.history.len();
            let op = if delete {
                let key = format!("r{}", self.rng.random_range(0..SHARED_KEYS));
                let (tx, rx) = oneshot::channel();
                let req = Request::Delete {
                    key: key.clone().into_bytes(),
                    request_id: self.rng.random_range(1..u64::MAX),
                    reply: tx,
                };
                self.history.push(Some(checker::Op::timed_out_delete(
                    c as u64,
                    key.as_bytes(),
                    self.step,
                )));
                self.send(via, Msg::Request(req));
                Pending::Delete { op, reply: rx }
            } else if read {
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

    /// Collects the clients' answers into the history: a write refused before it was
    /// proposed leaves it, one dropped or unanswered stays in it as indeterminate (it may
    /// still apply); a read that failed leaves it (it changed nothing).
    fn answers(&mut self) -> Result<(), Failure> {
        for c in 0..self.clients.len() {
            let Some((called, op)) = self.clients[c].pending.take() else {
                continue;
            };
            let timed_out = self.step > called + CLIENT_TIMEOUT;
            match op {
                Pending::Delete { op, reply } => match poll(reply, timed_out) {
                    Answer::Ok(existed) => {
                        self.report.deletes += 1;
                        self.answered(
                            op,
                            checker::OpKind::Delete {
                                existed: Some(existed),
                            },
                        );
                    }
                    Answer::Refused => self.refused(op),
                    Answer::Unknown => self.report.indeterminate += 1,
                    Answer::Waiting(reply) => {
                        self.clients[c].pending = Some((called, Pending::Delete { op, reply }));
                    }
                },
                Pending::Put { key, op, reply } => match poll(reply, timed_out) {
                    Answer::Ok(index) => {
                        self.report.acked_puts += 1;
                        self.event(format!("put {key} acknowledged at index {index}"));
                        let value = match self.history.get(op) {
                            Some(Some(checker::Op {
                                kind: checker::OpKind::Put { value },
                                ..
                            })) => String::from_utf8_lossy(value).into_owned(),
                            _ => String::new(),
                        };
                        if let Some(Some(o)) = self.history.get_mut(op) {
                            o.ret = Some(self.step);
                        }
                        if !key.starts_with('r') {
                            self.acked.insert(key, (value, self.step));
                        }
                    }
                    Answer::Refused => self.refused(op),
                    Answer::Unknown => self.report.indeterminate += 1,
                    Answer::Waiting(reply) => {
                        let p = Pending::Put { key, op, reply };
                        self.clients[c].pending = Some((called, p));
                    }
                },
                Pending::Get { key, op, reply } => match poll(reply, timed_out) {
                    Answer::Ok(v) => {
                        self.report.reads += 1;
                        self.answered(
                            op,
                            checker::OpKind::Get {
                                result: Some(v.clone()),
                            },
                        );
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
                    Answer::Refused | Answer::Unknown => self.history[op] = None,
                    Answer::Waiting(reply) => {
                        let p = Pending::Get { key, op, reply };
                        self.clients[c].pending = Some((called, p));
                    }
                },
            }
        }
        Ok(())
    }

    /// Operation `op` returned now, with this result.
    fn answered(&mut self, op: usize, kind: checker::OpKind) {
        if let Some(Some(o)) = self.history.get_mut(op) {
            o.ret = Some(self.step);
            o.kind = kind;
        }
    }

    /// Operation `op` was refused before it was proposed: out of the history.
    fn refused(&mut self, op: usize) {
        self.history[op] = None;
        self.report.refused += 1;
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
            let (cut, lossy) = {
                let w = self.wire.lock().unwrap_or_else(|e| e.into_inner());
                let link = (p.from, to);
                let lossy = w.links.lossy.get(&link).copied().unwrap_or(0.0);
                (w.links.cut.contains(&link), lossy)
            };
            let up = self.members.get(&to).is_some_and(|m| m.core.is_some());
            let drop = self.opts.drop.max(lossy);
            let lost = cut || !up || self.rng.random_bool(drop);
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
        let mut conflict = None;
        for (id, m) in self.members.iter_mut() {
            let Some(core) = m.core.as_mut() else {
                continue;
            };
            if step % TICK_EVERY == id % TICK_EVERY {
                core.tick();
            }
            let alive = core.process();
            for (index, term, digest) in core.take_applied() {
                match self.applied_at.get(&index) {
                    None => {
                        self.applied_at.insert(index, (term, digest, *id));
                    }
                    Some(&(t, d, first)) if (t, d) != (term, digest) => {
                        conflict.get_or_insert((index, first, t, *id, term));
                    }
                    Some(_) => {}
                }
            }
            // A machine that died at an fsync is gone, whether or not the member noticed (a
            // failed snapshot write is retried, not fatal).
            if !alive || m.disk.is_off() {
                let reason = core.stop_reason().unwrap_or("asked to").to_string();
                stopped.push((*id, m.disk.is_off(), reason));
            }
        }
        if let Some((index, a, ta, b, tb)) = conflict {
            return Err(self.fail(format!(
                "members {a} and {b} applied different entries at index {index} (terms {ta} \
                 and {tb}): State Machine Safety (Raft paper §5.4.3)"
            )));
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

    /// One step, with a panic in a member's core (raft-rs's or raftctl's) turned into a
    /// failure that names the seed and shows the trace.
    fn guarded_step(&mut self, faulty: bool) -> Result<(), Failure> {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.one_step(faulty)));
        r.unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(self.fail(format!("a member panicked: {msg}")))
        })
    }

    fn one_step(&mut self, faulty: bool) -> Result<(), Failure> {
        if faulty {
            self.faults().map_err(|e| self.fail(e))?;
            self.operator().map_err(|e| self.fail(e))?;
            self.clients();
        } else {
            // Healing: no new requests, but an answer still counts (a learner's member
            // starts once its add is answered, and that start may have crashed).
            self.operator_answers().map_err(|e| self.fail(e))?;
            self.restart_due().map_err(|e| self.fail(e))?;
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
            self.guarded_step(true)?;
        }
        // Heal: every member up, no partition, no more crashes; let the clients' last answers
        // arrive.
        self.wire
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .links
            .heal();
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
            self.guarded_step(false)?;
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
        self.check_logs()?;
        self.check_history()?;
        self.report.trace = digest(self.report.trace, self.step);
        self.report.steps = self.step;
        Ok(self.report)
    }

    /// One leader that every member follows, that has committed all of its log (so an entry
    /// of its own term: what earlier leaders committed is committed again, even where a crash
    /// lost the commit index), and every member has applied it all.
    /// Members of a configuration no longer joint are counted: one whose removal was never
    /// answered is out of it, and is left alone.
    fn converged(&self) -> bool {
        let Some(l) = self
            .leader()
            .map(|id| self.members[&id].status.borrow().clone())
        else {
            return false;
        };
        l.voters_outgoing.is_empty()
            && l.commit == l.last_index
            && self.in_config().all(|(_, m)| {
                let s = m.status.borrow();
                s.leader == l.id && s.applied == l.commit && s.commit == l.commit
            })
    }

    /// The members in the leader's configuration (voters and learners).
    fn in_config(&self) -> impl Iterator<Item = (&u64, &Member)> {
        let config: BTreeSet<u64> = self
            .leader()
            .map(|id| {
                let s = self.members[&id].status.borrow();
                s.voters.iter().chain(&s.learners).copied().collect()
            })
            .unwrap_or_default();
        self.members
            .iter()
            .filter(move |(id, _)| config.contains(id))
    }

    /// The clients' history, with a final read of every shared key from the converged state,
    /// is linearizable per key (`crate::checker`; an unanswered write may have applied or not).
    fn check_history(&mut self) -> Result<(), Failure> {
        let end = self.step + 1;
        let kv = self
            .in_config()
            .find_map(|(_, m)| m.core.as_ref())
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

    /// Log Matching (Raft paper §5.3), and more once healed: where two members' logs overlap,
    /// they hold the same entries (everything is committed by now).
    fn check_logs(&self) -> Result<(), Failure> {
        // Per member: index -> (term, digest of the data).
        type Log = BTreeMap<u64, (u64, u64)>;
        let logs: Vec<(u64, Log)> = self
            .in_config()
            .filter_map(|(id, m)| m.core.as_ref().map(|c| (*id, c)))
            .map(|(id, c)| {
                let log = c
                    .log_digest()
                    .into_iter()
                    .map(|(i, t, d)| (i, (t, d)))
                    .collect();
                (id, log)
            })
            .collect();
        for (i, (a, la)) in logs.iter().enumerate() {
            for (b, lb) in &logs[i + 1..] {
                for (index, ea) in la {
                    if let Some(eb) = lb.get(index)
                        && eb != ea
                    {
                        return Err(self.fail(format!(
                            "members {a} and {b} hold different entries at index {index} \
                             (terms {} and {}): Log Matching (Raft paper §5.3)",
                            ea.0, eb.0
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The state machines agree, and every acknowledged write is in them.
    fn check_state(&self) -> Result<(), Failure> {
        let mut first: Option<(u64, Vec<u8>)> = None;
        for (id, m) in self.in_config() {
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

/// Where a schedule's members keep their data dirs: memory-backed `/dev/shm` where there is
/// one (the simulated disk decides durability, not the medium; ext4 metadata work was half
/// the simulation's time), else the system temp dir. `RAFTCTL_SIM_DIR` chooses another.
fn sim_dir() -> std::io::Result<tempfile::TempDir> {
    let base = std::env::var_os("RAFTCTL_SIM_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let shm = std::path::Path::new("/dev/shm");
            shm.is_dir().then(|| shm.to_path_buf())
        });
    match base {
        Some(b) => tempfile::Builder::new()
            .prefix("raftctl-sim-")
            .tempdir_in(b),
        None => tempfile::tempdir(),
    }
}

/// How member `id` is configured: the knobs of `raftctl node`, made deterministic from the
/// seed. `join` (a cluster id) for a member added after the start.
fn member_config(
    dir: &std::path::Path,
    id: u64,
    opts: &Options,
    initial: &[(u64, String)],
    join: Option<u64>,
    rng: &mut StdRng,
) -> NodeConfig {
    let min = 10 + rng.random_range(0..10);
    NodeConfig {
        id,
        data_dir: dir.join(format!("n{id}")),
        listen_peer: format!("sim-{id}:1"),
        listen_api: format!("sim-{id}:2"),
        initial_cluster: if join.is_some() {
            Vec::new()
        } else {
            initial.to_vec()
        },
        join: join.is_some(),
        cluster_id: join,
        snapshot_count: opts.snapshot_count,
        tick: std::time::Duration::from_millis(1),
        election_tick: 10,
        heartbeat_tick: 2,
        allow_faults: false,
        segment_size: 1 << 20,
        catch_up_entries: 10,
        max_request_bytes: crate::node::DEFAULT_MAX_REQUEST_BYTES,
        peer_tls: None,
        determinism: Determinism {
            election_ticks: Some((min, min + 1)),
            inline_snapshots: true,
            proposal_seed: Some(rng.random()),
            disk: None,
            planted_bug: opts.planted_bug,
            record_applied: true,
        },
    }
}

impl Member {
    /// Boots a member on a simulated disk of its own.
    fn start(
        mut cfg: NodeConfig,
        crash_at_sync: f64,
        wire: &Arc<Mutex<Wire>>,
        rng: &mut StdRng,
    ) -> Result<Member, String> {
        let disk = Arc::new(SimDisk::new(rng.random()));
        cfg.determinism.disk = Some(disk.clone());
        let (tx, rx) = sync_channel(16);
        let (core, status) = boot(&cfg, &disk, crash_at_sync, wire, tx)?;
        Ok(Member {
            cfg,
            disk,
            core: Some(core),
            status,
            _inbox: rx,
            down_until: 0,
        })
    }
}

/// Starts a member's core from its data dir; its disk crashes at an fsync with chance
/// `crash_at_sync` from then on (not while it starts: a crash there is a crash before it).
/// Waits (up to 5 s of wall time) until nothing holds the WAL directory's lock. A crashed
/// member's core is dropped at once, but the simulation shares its process with tests that
/// spawn programs, and a child forked at that moment holds a copy of every descriptor, the
/// lock's among them, until its exec closes it: a restart then would find its own WAL
/// "locked by another process". Simulated time does not move meanwhile.
fn wait_for_released_wal(dir: &std::path::Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while crate::wal::lock::dir_in_use(dir) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn boot(
    cfg: &NodeConfig,
    disk: &SimDisk,
    crash_at_sync: f64,
    wire: &Arc<Mutex<Wire>>,
    self_tx: SyncSender<Msg>,
) -> Result<(RaftLoop, watch::Receiver<Arc<NodeStatus>>), String> {
    disk.set_crash_at_sync(0.0);
    wait_for_released_wal(&boot::wal_dir(&cfg.data_dir));
    let boot = boot::open(cfg).map_err(|e| e.to_string())?;
    disk.set_crash_at_sync(crash_at_sync);
    let (status_tx, status_rx) = watch::channel(Arc::new(NodeStatus::default()));
    let link = Link {
        from: cfg.id,
        wire: wire.clone(),
    };
    let core = RaftLoop::new(cfg.clone(), boot, Box::new(link), status_tx, self_tx)
        .map_err(|e| e.to_string())?;
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
