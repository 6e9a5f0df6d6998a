//! Carrying out the schedule on a real cluster: signals to the members' processes (by pid,
//! checked to be that member's), `PUT /faults` on their APIs, leadership transfers and
//! membership changes (`member add`, `member remove` and `member::replace`'s own code); then
//! healing it all. With `--netns`, partitions and loss (and delay, where netem works) are
//! nftables rules in the members' namespaces instead (`super::netns`).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::netns::Net;
use super::schedule::{self, Kind, Planned, Target};
use super::workload::Shared;
use crate::api::client::Client;
use crate::cluster::{Manifest, process};
use crate::cmd::target;
use crate::node::NodeStatus;
use crate::output::chaos::FaultEvent;
use crate::transport::Faults;
use anyhow::{Context, anyhow, bail};

/// How long a restarted member may take to answer its API again.
const RESTART_DEADLINE: Duration = Duration::from_secs(20);

/// The end of a blackhole's hold kept for the snapshot, once the leader has compacted past
/// the member's log.
const BLACKHOLE_SNAPSHOT_MS: u64 = 2000;

/// What undoes a fault.
enum Heal {
    Nothing,
    Restart(u64),
    Resume(u64),
    ClearFaults,
}

/// The cluster under test, as the faults reach it.
pub struct Members {
    /// The local cluster's dir (cluster.json), when this command started it; `None` with
    /// --endpoints (no processes to signal).
    pub dir: Option<PathBuf>,
    pub exe: PathBuf,
    pub shared: Arc<Shared>,
    pub events: Mutex<Vec<FaultEvent>>,
    /// The run's namespaces (`--netns`): network faults are made by the kernel there.
    pub net: Option<Arc<Net>>,
}

impl Members {
    fn manifest(&self) -> anyhow::Result<Manifest> {
        let dir = self
            .dir
            .as_ref()
            .ok_or_else(|| anyhow!("no local cluster (--endpoints): process faults skipped"))?;
        Ok(Manifest::load(dir)?)
    }

    /// The endpoints the clients use, from the manifest again (after a membership change).
    fn refresh_endpoints(&self) {
        if let Ok(m) = self.manifest()
            && let Ok(mut e) = self.shared.endpoints.write()
        {
            *e = m.endpoints();
        }
    }

    pub fn events(&self) -> Vec<FaultEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }

    fn begin(&self, p: &Planned) -> usize {
        let mut ev = self.events.lock().unwrap_or_else(|e| e.into_inner());
        ev.push(FaultEvent {
            kind: p.kind.name().to_string(),
            target: p.target.to_string(),
            nodes: Vec::new(),
            start_ms: self.shared.clock.ms(),
            end_ms: None,
            ok: true,
            note: String::new(),
            point: p.point.map(String::from),
            crashed: None,
            snapshot: None,
        });
        ev.len() - 1
    }

    fn update(&self, i: usize, f: impl FnOnce(&mut FaultEvent)) {
        let mut ev = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = ev.get_mut(i) {
            f(e);
        }
    }

    async fn leader(&self) -> anyhow::Result<(NodeStatus, String)> {
        target::leader(&self.shared.endpoints()).await
    }

    fn client(&self, api: &str) -> Client {
        Client::with_dial(api, self.shared.timeout, self.shared.dial)
    }

    /// The API address of member `id`, as the leader knows it (or the manifest).
    fn api_of(&self, leader: &NodeStatus, id: u64) -> Option<String> {
        leader
            .members
            .iter()
            .find(|m| m.id == id && !m.api.is_empty())
            .map(|m| m.api.clone())
            .or_else(|| {
                self.manifest()
                    .ok()
                    .and_then(|m| m.member(id).map(|e| e.api.clone()))
            })
    }

    async fn set_faults(&self, leader: &NodeStatus, id: u64, f: &Faults) -> anyhow::Result<()> {
        let api = self
            .api_of(leader, id)
            .ok_or_else(|| anyhow!("no API address known for node {id}"))?;
        self.client(&api)
            .faults(Some(f))
            .await
            .with_context(|| format!("setting faults on node {id}"))?;
        Ok(())
    }

    /// Runs the schedule until its end or `until_ms`; a fault in force then is healed.
    pub async fn run(&self, plan: &[Planned], until_ms: u64) {
        for p in plan {
            let now = self.shared.clock.ms();
            if p.at_ms > now {
                tokio::time::sleep(Duration::from_millis(p.at_ms - now)).await;
            }
            if self.shared.clock.ms() + p.hold_ms > until_ms {
                break;
            }
            let i = self.begin(p);
            let started = self.shared.clock.ms();
            let heal = match self.apply(p, i).await {
                Ok((nodes, heal)) => {
                    self.update(i, |e| e.nodes = nodes);
                    heal
                }
                Err(err) => {
                    self.update(i, |e| {
                        e.ok = false;
                        e.note = format!("{err:#}");
                    });
                    Heal::ClearFaults
                }
            };
            // A crash point's hold counts from the arming: the wait for the member to die
            // there is part of it. A blackhole held itself, as long as it took.
            let hold = match p.kind {
                Kind::CrashPoint => {
                    let spent = self.shared.clock.ms().saturating_sub(started);
                    p.hold_ms.saturating_sub(spent).max(500)
                }
                Kind::Blackhole => 0,
                _ => p.hold_ms,
            };
            if hold > 0 {
                tokio::time::sleep(Duration::from_millis(hold)).await;
            }
            if let Err(err) = self.heal(heal).await {
                self.update(i, |e| {
                    e.ok = false;
                    e.note = format!("healing: {err:#}");
                });
            }
            let end = self.shared.clock.ms();
            self.update(i, |e| e.end_ms = Some(end));
        }
    }

    /// Starts fault `p`; returns the members it hit and what undoes it.
    async fn apply(&self, p: &Planned, event: usize) -> anyhow::Result<(Vec<u64>, Heal)> {
        let (leader, leader_ep) = self.leader().await.context("finding the leader")?;
        let voters = leader.voters.clone();
        let pick = |t: Target| match t {
            Target::Leader => Some(leader.id),
            Target::Member(k) | Target::OneWay(k) => schedule::nth(&voters, k),
            Target::All | Target::Minority(_) => None,
        };
        // A snapshot from the leader reaches a follower only.
        let follower = |k: u64| {
            let others: Vec<u64> = voters.iter().copied().filter(|&v| v != leader.id).collect();
            schedule::nth(&others, k)
        };
        let all: Vec<u64> = voters.iter().chain(&leader.learners).copied().collect();
        match p.kind {
            Kind::Kill => {
                let id = pick(p.target).ok_or_else(|| anyhow!("no voter to kill"))?;
                let m = self.manifest()?;
                let e = m
                    .member(id)
                    .cloned()
                    .ok_or_else(|| anyhow!("node {id} is not in the manifest"))?;
                let pid = e.pid;
                tokio::task::block_in_place(|| process::kill(&e));
                if let Some(pid) = pid {
                    process::reap(pid);
                }
                if let Some(dir) = &self.dir {
                    Manifest::set_pid(dir, id, None)?;
                }
                Ok((vec![id], Heal::Restart(id)))
            }
            Kind::Pause => {
                let id = pick(p.target).ok_or_else(|| anyhow!("no voter to pause"))?;
                let m = self.manifest()?;
                let e = m
                    .member(id)
                    .ok_or_else(|| anyhow!("node {id} is not in the manifest"))?;
                if !process::pause(e) {
                    bail!("node {id} is not running");
                }
                Ok((vec![id], Heal::Resume(id)))
            }
            Kind::Partition => {
                let (cut, from): (Vec<u64>, Vec<u64>) = match p.target {
                    Target::Minority(k) => {
                        let minority = schedule::minority(&voters, k);
                        let rest = all.iter().copied().filter(|x| !minority.contains(x));
                        (minority.clone(), rest.collect())
                    }
                    Target::OneWay(_) => {
                        let id = pick(p.target).ok_or_else(|| anyhow!("no voter"))?;
                        if let Some(net) = &self.net {
                            tokio::task::block_in_place(|| net.one_way(id, &all))?;
                            return Ok((vec![id], Heal::ClearFaults));
                        }
                        let f = Faults {
                            drop_rate: 1.0,
                            ..Faults::default()
                        };
                        self.set_faults(&leader, id, &f).await?;
                        return Ok((vec![id], Heal::ClearFaults));
                    }
                    _ => {
                        let id = leader.id;
                        (vec![id], all.iter().copied().filter(|&x| x != id).collect())
                    }
                };
                if let Some(net) = &self.net {
                    tokio::task::block_in_place(|| net.partition(&cut, &from))?;
                    return Ok((cut, Heal::ClearFaults));
                }
                for &id in &cut {
                    let f = Faults {
                        partition: from.clone(),
                        ..Faults::default()
                    };
                    self.set_faults(&leader, id, &f).await?;
                }
                Ok((cut, Heal::ClearFaults))
            }
            Kind::Loss | Kind::Delay => {
                let f = Faults {
                    drop_rate: p.drop_rate.unwrap_or(0.0),
                    delay_ms: p.delay_ms.unwrap_or(0),
                    ..Faults::default()
                };
                let on: Vec<u64> = match pick(p.target) {
                    Some(id) if p.target != Target::All => vec![id],
                    _ => all.clone(),
                };
                if let Some(net) = &self.net {
                    match (p.kind, p.drop_rate, p.delay_ms) {
                        (Kind::Loss, Some(rate), _) => {
                            tokio::task::block_in_place(|| net.loss(&on, rate))?;
                            return Ok((on, Heal::ClearFaults));
                        }
                        (Kind::Delay, _, Some(ms)) if net.netem() => {
                            tokio::task::block_in_place(|| net.delay(&on, ms))?;
                            return Ok((on, Heal::ClearFaults));
                        }
                        // Delay without netem: in-process, below.
                        _ => {}
                    }
                }
                for &id in &on {
                    self.set_faults(&leader, id, &f).await?;
                }
                Ok((on, Heal::ClearFaults))
            }
            Kind::Transfer => {
                let others: Vec<u64> = voters.iter().copied().filter(|&v| v != leader.id).collect();
                let Target::Member(k) = p.target else {
                    bail!("a transfer names a member");
                };
                let to = schedule::nth(&others, k)
                    .ok_or_else(|| anyhow!("no other voter to transfer to"))?;
                let label = target::node_label(leader.id, &leader_ep);
                let t = self
                    .client(&leader_ep)
                    .named(label)
                    .transfer(Some(to))
                    .await
                    .with_context(|| format!("transferring leadership to node {to}"))?;
                Ok((vec![t.from, t.to], Heal::Nothing))
            }
            Kind::Membership => self.churn(p, event, &voters, false).await,
            Kind::Joint => self.churn(p, event, &voters, true).await,
            Kind::CrashPoint => {
                let point = p
                    .point
                    .ok_or_else(|| anyhow!("a crash point names its failpoint"))?;
                let snapshot_apply = point.starts_with("raftctl::snapshot_apply::");
                let id = match p.target {
                    Target::Member(k) if snapshot_apply => follower(k),
                    t => pick(t),
                }
                .ok_or_else(|| anyhow!("no voter to crash"))?;
                self.crash_point(p, event, &leader, id, point, snapshot_apply)
                    .await
            }
            Kind::Blackhole => {
                let Target::Member(k) = p.target else {
                    bail!("a blackhole names a member");
                };
                let id = follower(k).ok_or_else(|| anyhow!("no follower to cut off"))?;
                self.blackhole(p, event, &leader, id).await
            }
        }
    }

    /// Arms `point` on member `id` (`exit`) and waits, within most of the fault's hold, for
    /// its process to die there; for a snapshot apply, the member is cut off first until the
    /// leader has compacted past its log, so that letting it through makes the leader send a
    /// snapshot (`cut_off` and `until_compacted`, as a blackhole does). A point not reached in
    /// time is disarmed again (and the event says so).
    async fn crash_point(
        &self,
        p: &Planned,
        event: usize,
        leader: &NodeStatus,
        id: u64,
        point: &str,
        snapshot_apply: bool,
    ) -> anyhow::Result<(Vec<u64>, Heal)> {
        let m = self.manifest()?;
        let e = m
            .member(id)
            .cloned()
            .ok_or_else(|| anyhow!("node {id} is not in the manifest"))?;
        let api = self
            .api_of(leader, id)
            .ok_or_else(|| anyhow!("no API address known for node {id}"))?;
        let c = self.client(&api);
        let deadline = Instant::now() + Duration::from_millis(p.hold_ms.saturating_sub(1500));
        if snapshot_apply && !self.cut_off(leader, id, &c, deadline).await? {
            self.update(event, |ev| {
                ev.crashed = Some(false);
                ev.note = format!("node {id} has not learned its peers yet: skipped");
            });
            return Ok((vec![id], Heal::Nothing));
        }
        c.failpoints(Some((point, "exit")))
            .await
            .with_context(|| format!("arming {point} on node {id}"))?;
        if snapshot_apply {
            // Let through when the leader has compacted past it, or at the deadline; the
            // loop below then waits for the snapshot to kill it, or disarms the point.
            self.until_compacted(leader, id, deadline).await?;
        }
        loop {
            if !process::alive(&e) {
                break;
            }
            if Instant::now() > deadline {
                c.failpoints(Some((point, "off")))
                    .await
                    .with_context(|| format!("disarming {point} on node {id}"))?;
                self.update(event, |ev| {
                    ev.crashed = Some(false);
                    ev.note = format!("{point} not reached in time: disarmed");
                });
                return Ok((vec![id], Heal::Nothing));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Some(pid) = e.pid {
            process::reap(pid);
        }
        if let Some(dir) = &self.dir {
            Manifest::set_pid(dir, id, None)?;
        }
        let said = process::log_tail(&e, 20).contains(&format!("failpoint {point}: exit"));
        self.update(event, |ev| {
            ev.crashed = Some(said);
            ev.note = if said {
                format!("node {id} died at {point}")
            } else {
                format!("node {id} died, but its log does not name {point}")
            };
        });
        Ok((vec![id], Heal::Restart(id)))
    }

    /// Follower `id` cut off until the leader must send it a snapshot, then let through;
    /// done when it has installed one (its snapshot index past the last entry it had) — all
    /// within the fault's hold. One that has not is `snapshot: false`, and the report counts
    /// it apart.
    async fn blackhole(
        &self,
        p: &Planned,
        event: usize,
        leader: &NodeStatus,
        id: u64,
    ) -> anyhow::Result<(Vec<u64>, Heal)> {
        let api = self
            .api_of(leader, id)
            .ok_or_else(|| anyhow!("no API address known for node {id}"))?;
        let c = self.client(&api);
        let start = Instant::now();
        let end = start + Duration::from_millis(p.hold_ms);
        // Most of the hold for the compaction, the rest (at least this) for the snapshot.
        let cut_deadline = end - Duration::from_millis(p.hold_ms.min(BLACKHOLE_SNAPSHOT_MS));
        let secs = p.hold_ms / 1000;
        let failed = |note: String| {
            self.update(event, |ev| {
                ev.snapshot = Some(false);
                ev.note = note;
            })
        };
        if !self.cut_off(leader, id, &c, cut_deadline).await? {
            failed(format!(
                "node {id} has not learned its peers yet: not cut off"
            ));
            return Ok((vec![id], Heal::Nothing));
        }
        let Some(cut) = self.until_compacted(leader, id, cut_deadline).await? else {
            failed(format!(
                "the leader did not compact past node {id}'s log within {:.1} s: let through, \
                 no snapshot needed",
                start.elapsed().as_secs_f64()
            ));
            return Ok((vec![id], Heal::Nothing));
        };
        let through = Instant::now();
        let mut last = None;
        loop {
            if let Ok(st) = c.status().await {
                if st.snapshot_index > cut.last_index {
                    self.update(event, |ev| {
                        ev.snapshot = Some(true);
                        ev.note = format!(
                            "node {id} cut off at index {} for {:.1} s, until the leader's log \
                             started past it; installed a snapshot at index {} {:.1} s after it \
                             was let through (applied {})",
                            cut.last_index,
                            through.duration_since(start).as_secs_f64(),
                            st.snapshot_index,
                            through.elapsed().as_secs_f64(),
                            st.applied
                        );
                    });
                    return Ok((vec![id], Heal::Nothing));
                }
                last = Some(st.snapshot_index);
            }
            if Instant::now() > end {
                failed(format!(
                    "node {id} cut off at index {} until the leader's log started past it, \
                     then let through; no snapshot within {secs} s (its snapshot index {})",
                    cut.last_index,
                    last.map_or("unknown".to_string(), |i| i.to_string())
                ));
                return Ok((vec![id], Heal::Nothing));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Cuts member `id` off, both ways, from every other member (the fault API's partition);
    /// false, and nothing done, when it does not know them all by `deadline` (one that has
    /// just joined: it refuses a partition naming peers it does not know).
    async fn cut_off(
        &self,
        leader: &NodeStatus,
        id: u64,
        c: &Client,
        deadline: Instant,
    ) -> anyhow::Result<bool> {
        let others: Vec<u64> = leader
            .voters
            .iter()
            .chain(&leader.learners)
            .copied()
            .filter(|&x| x != id)
            .collect();
        if !self.knows_peers(c, &others, deadline).await {
            return Ok(false);
        }
        let f = Faults {
            partition: others,
            ..Faults::default()
        };
        self.set_faults(leader, id, &f).await?;
        Ok(true)
    }

    /// Waits until the leader's log starts past member `id`'s last entry (only a snapshot can
    /// bring it up to date), then lets it through; its status then, or `None` when that did
    /// not happen by `deadline` (it is let through all the same).
    async fn until_compacted(
        &self,
        leader: &NodeStatus,
        id: u64,
        deadline: Instant,
    ) -> anyhow::Result<Option<NodeStatus>> {
        let found = loop {
            if let Some(st) = self.compacted_past(id).await {
                break Some(st);
            }
            if Instant::now() > deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        self.set_faults(leader, id, &Faults::default()).await?;
        Ok(found)
    }

    /// Whether the member behind `c` lists every one of `peers` as a member, by `deadline`.
    async fn knows_peers(&self, c: &Client, peers: &[u64], deadline: Instant) -> bool {
        loop {
            if let Ok(st) = c.status().await
                && peers.iter().all(|p| st.members.iter().any(|m| m.id == *p))
            {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Member `id`'s status, when the leader's log now starts past its last entry.
    async fn compacted_past(&self, id: u64) -> Option<NodeStatus> {
        let (leader, _) = self.leader().await.ok()?;
        let api = self.api_of(&leader, id)?;
        let s = self.client(&api).status().await.ok()?;
        (leader.first_index > s.last_index + 1).then_some(s)
    }

    /// A learner added (its process started with --join) and caught up (`member add`'s
    /// code); then either promoted, and a voter of before (the pick's) removed and its process
    /// stopped (`member remove`'s code), or — `joint` — promoted as that voter is removed, in
    /// one joint change (`member::replace`), the removed one's process stopped after.
    async fn churn(
        &self,
        p: &Planned,
        event: usize,
        voters: &[u64],
        joint: bool,
    ) -> anyhow::Result<(Vec<u64>, Heal)> {
        let Target::Member(k) = p.target else {
            bail!("a membership change names the member to remove");
        };
        let victim = schedule::nth(voters, k).ok_or_else(|| anyhow!("no voter to remove"))?;
        let t = target::Target {
            endpoints: self.shared.endpoints(),
            manifest: Some(self.manifest()?),
        };
        // With --netns the new member gets a namespace first, and its addresses there.
        let (id, peer, api) = match &self.net {
            Some(net) => {
                let (leader, _) = self.leader().await.context("finding the leader")?;
                let id = crate::cmd::member::next_id(&leader, t.manifest.as_ref());
                let (peer, api) = tokio::task::block_in_place(|| net.add_member(id))
                    .with_context(|| format!("making a namespace for node {id}"))?;
                (Some(id), Some(peer), Some(api))
            }
            None => (None, None, None),
        };
        let row = crate::cmd::member::add(&t, joint, id, peer, api)
            .await
            .context("adding a member")?;
        self.refresh_endpoints();
        let m = self.manifest()?;
        let pid = m.member(victim).and_then(|e| e.pid);
        let t = target::Target {
            endpoints: m.endpoints(),
            manifest: Some(m),
        };
        if joint {
            let (entered, left) = crate::cmd::member::replace(&t, row.id, victim)
                .await
                .with_context(|| {
                    format!(
                        "learner {} was added; replacing node {victim} with it",
                        row.id
                    )
                })?;
            self.update(event, |ev| {
                ev.note = format!(
                    "learner {} took voter {victim}'s place in one joint change: voters {:?} \
                     and outgoing {:?} at index {}; left, voters now {:?}",
                    row.id, entered.voters, entered.voters_outgoing, entered.index, left.voters
                )
            });
        } else {
            crate::cmd::member::remove(&t, victim)
                .await
                .with_context(|| format!("node {} was added; removing node {victim}", row.id))?;
        }
        if let Some(pid) = pid {
            process::reap(pid);
        }
        self.refresh_endpoints();
        Ok((vec![row.id, victim], Heal::Nothing))
    }

    async fn heal(&self, h: Heal) -> anyhow::Result<()> {
        match h {
            Heal::Nothing => Ok(()),
            Heal::Resume(id) => {
                if let Some(e) = self.manifest()?.member(id) {
                    process::resume(e);
                }
                Ok(())
            }
            Heal::Restart(id) => self.restart(id).await,
            Heal::ClearFaults => self.clear_faults(Duration::from_secs(5)).await,
        }
    }

    /// Starts member `id` again (if it is not running) and waits until it answers.
    async fn restart(&self, id: u64) -> anyhow::Result<()> {
        let m = self.manifest()?;
        let Some(e) = m.member(id).cloned() else {
            return Ok(());
        };
        if process::alive(&e) {
            return Ok(());
        }
        let child =
            process::spawn(&self.exe, &m, &e).with_context(|| format!("starting node {id}"))?;
        let pid = child.id();
        drop(child);
        if let Some(dir) = &self.dir {
            Manifest::set_pid(dir, id, Some(pid))?;
        }
        let c = Client::with_dial(&e.api, Duration::from_secs(1), Duration::from_secs(1));
        let start = Instant::now();
        loop {
            if c.status().await.is_ok() {
                return Ok(());
            }
            if !process::is_member_process(pid, id, &e.data_dir) {
                process::reap(pid);
                bail!(
                    "node {id} exited during its restart; its last log lines:\n{}",
                    process::log_tail(&e, 8)
                );
            }
            if start.elapsed() > RESTART_DEADLINE {
                bail!(
                    "node {id} did not answer within {} s of its restart",
                    RESTART_DEADLINE.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The kernel's faults removed (`--netns`), and `PUT /faults {}` on every member, until
    /// each took it or `within` ran out.
    async fn clear_faults(&self, within: Duration) -> anyhow::Result<()> {
        let start = Instant::now();
        let kernel = match &self.net {
            Some(net) => tokio::task::block_in_place(|| net.heal()),
            None => Ok(()),
        };
        let mut left: Vec<String> = self.shared.endpoints();
        if let Ok(m) = self.manifest() {
            left = m.endpoints();
        }
        let none = Faults::default();
        loop {
            let mut failed = Vec::new();
            for ep in left {
                if let Err(e) = self.client(&ep).faults(Some(&none)).await {
                    failed.push((ep, e.to_string()));
                }
            }
            if failed.is_empty() {
                return kernel;
            }
            if start.elapsed() > within {
                let why: Vec<String> = failed.into_iter().map(|(_, e)| e).collect();
                bail!("faults not cleared: {}", why.join("; "));
            }
            left = failed.into_iter().map(|(e, _)| e).collect();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The end of the run: every paused member continued, every fault cleared, every dead
    /// member started again.
    pub async fn heal_all(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Ok(m) = self.manifest() {
            for e in &m.members {
                process::resume(e);
            }
            for e in &m.members {
                if !process::alive(e)
                    && let Err(err) = self.restart(e.id).await
                {
                    problems.push(format!("{err:#}"));
                }
            }
        }
        if let Err(e) = self.clear_faults(Duration::from_secs(20)).await {
            problems.push(format!("{e:#}"));
        }
        problems
    }
}
