//! `raftctl chaos`: a workload against a real cluster while faults are injected on a seeded
//! schedule; then everything healed, the cluster settled, and the proof: the history
//! linearizable per key (the checker the simulation uses), every acknowledged write there,
//! every member's WAL verifying and the logs agreeing, the members' contents the same at
//! one applied index, and enough successful operations to mean something.
//!
//! Crash points arm a failpoint (`crate::failpoint`) on a member and wait for it to die there.
//!
//! With `--netns` the members run in network namespaces of the run's own and the kernel
//! makes the network faults (`netns`).
//!
//! Not here yet: a crash that also drops unsynced writes (SIGKILL and `_exit` keep the page
//! cache; the simulation's disk covers that).

mod faults;
mod netns;
mod schedule;
mod workload;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use super::target;
use super::{Outcome, UsageError};
use crate::api::client::{Client, KeyRange};
use crate::checker::{self, Op};
use crate::cli::chaos::{ChaosArgs, FaultArg};
use crate::cluster::{Manifest, process};
use crate::node::NodeError;
use crate::output::chaos::{
    AnomalyView, ChaosReport, Fates, KvCheck, Lost, OpView, PlanReport, WalCheck,
};
use crate::output::timeline::{self, Bar, Span};
use crate::output::{self, Format};
use faults::Members;
use schedule::Kind;
use workload::{Clock, Fate, Rec, ReqKind, Shared};

/// How long the cluster may take to settle after the faults are healed.
const SETTLE_DEADLINE: Duration = Duration::from_secs(60);

/// What a run is asked to do, its flags checked.
struct Settings {
    nodes: u64,
    duration: Duration,
    clients: u64,
    keys: u64,
    kinds: Vec<Kind>,
    seed: u64,
    report: Option<PathBuf>,
    min_rate: f64,
    plant_stale_read: bool,
    netns: bool,
    tls: bool,
}

fn settings(a: &ChaosArgs) -> Result<Settings, UsageError> {
    if a.duration.0 < Duration::from_secs(1) {
        return Err(UsageError(format!(
            "--duration {}: must be at least 1s",
            a.duration
        )));
    }
    if !a.min_rate.is_finite() || a.min_rate < 0.0 {
        return Err(UsageError(format!(
            "--min-rate {}: must be 0 or more operations a second",
            a.min_rate
        )));
    }
    if a.faults.contains(&FaultArg::None) && a.faults.len() > 1 {
        return Err(UsageError(
            "--faults none: no other fault may be named with it".into(),
        ));
    }
    let mut kinds = Vec::new();
    for f in &a.faults {
        match f {
            FaultArg::All => kinds.extend(Kind::ALL),
            FaultArg::None => {}
            FaultArg::Kill => kinds.push(Kind::Kill),
            FaultArg::Pause => kinds.push(Kind::Pause),
            FaultArg::Partition => kinds.push(Kind::Partition),
            FaultArg::Loss => kinds.push(Kind::Loss),
            FaultArg::Delay => kinds.push(Kind::Delay),
            FaultArg::Transfer => kinds.push(Kind::Transfer),
            FaultArg::Membership => kinds.push(Kind::Membership),
            FaultArg::CrashPoint => kinds.push(Kind::CrashPoint),
            FaultArg::Blackhole => kinds.push(Kind::Blackhole),
            FaultArg::Joint => kinds.push(Kind::Joint),
        }
    }
    kinds.sort();
    kinds.dedup();
    Ok(Settings {
        nodes: a.nodes,
        duration: a.duration.0,
        clients: a.clients,
        keys: a.keys,
        kinds,
        seed: a.seed.unwrap_or_else(rand::random),
        report: a.report.clone(),
        min_rate: a.min_rate,
        plant_stale_read: a.plant_stale_read,
        netns: a.netns,
        tls: a.tls,
    })
}

/// Kills (after SIGCONT) every member of the cluster this command started, whatever ended
/// the run: nothing it started outlives it.
struct Teardown(Option<PathBuf>);

impl Drop for Teardown {
    fn drop(&mut self) {
        let Some(dir) = &self.0 else { return };
        if let Ok(m) = Manifest::load(dir) {
            for e in &m.members {
                process::resume(e);
                let pid = e.pid;
                process::kill(e);
                if let Some(pid) = pid {
                    process::reap(pid);
                }
            }
        }
    }
}

/// Where the cluster's data dirs and logs live: in the report dir when there is one (kept
/// when the run fails), else in a temp dir.
enum Home {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Home {
    fn path(&self) -> PathBuf {
        match self {
            Home::Temp(t) => t.path().join("cluster"),
            Home::Kept(p) => p.clone(),
        }
    }
}

pub fn run(
    a: ChaosArgs,
    endpoints: &[String],
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let mut s = settings(&a)?;
    let mut skipped = Vec::new();
    let local = endpoints.is_empty();
    if s.netns && !local {
        return Err(UsageError(
            "--netns makes the network of a cluster it boots: not with --endpoints".into(),
        )
        .into());
    }
    if s.tls && !local {
        return Err(UsageError(
            "--tls boots a cluster with TLS: not with --endpoints (give --cacert, --cert and \
             --key for a TLS cluster of your own)"
                .into(),
        )
        .into());
    }
    if !local {
        let off: Vec<&str> = s
            .kinds
            .iter()
            .filter(|k| k.needs_processes())
            .map(|k| k.name())
            .collect();
        if !off.is_empty() {
            skipped.push(format!(
                "{}: a cluster given by --endpoints has no processes this command can signal \
                 or start",
                off.join(", ")
            ));
        }
        s.kinds.retain(|k| !k.needs_processes());
    }
    let duration_ms = s.duration.as_millis() as u64;
    let plan = schedule::plan(s.seed, duration_ms, &s.kinds);
    if a.plan {
        let report = PlanReport {
            seed: s.seed,
            duration_s: s.duration.as_secs_f64(),
            faults: s.kinds.iter().map(|k| k.name().to_string()).collect(),
            schedule: plan.iter().map(schedule::Planned::item).collect(),
        };
        output::render(&report, format, out)?;
        return Ok(Outcome::Ok);
    }
    if let Some(d) = &s.report {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        if d.join("cluster").exists() {
            bail!(
                "{} already holds a chaos run's cluster (its cluster/ dir): name another \
                 --report dir",
                d.display()
            );
        }
    }
    let home = match (&s.report, local) {
        (Some(d), true) => Some(Home::Kept(d.join("cluster"))),
        (None, true) => Some(Home::Temp(
            tempfile::Builder::new()
                .prefix("raftctl-chaos-")
                .tempdir()
                .context("creating a temp dir for the cluster")?,
        )),
        _ => None,
    };
    // With --netns: the namespaces, then this thread in the clients' one before the runtime
    // (its threads start there) and the members (each joins its own). Dropped last: the
    // members are stopped first, then this thread goes back, then the namespaces go.
    let net = if s.netns {
        netns::preflight()?;
        let n = netns::Net::create(s.nodes).context("making the network namespaces (--netns)")?;
        Some(Arc::new(n))
    } else {
        None
    };
    let _inside = net.as_ref().map(|n| n.enter_clients()).transpose()?;
    let rt = target::runtime()?;
    // Ctrl-C or SIGTERM from here on ends the run (one during the start is acted on once the
    // cluster is up); `teardown` then stops the members, and `net` removes the namespaces.
    let (mut interrupt, mut term) = {
        use tokio::signal::unix::{SignalKind, signal};
        let _rt = rt.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    let mut teardown = Teardown(None);
    let eps = match &home {
        Some(h) => {
            let dir = h.path();
            let flags: Vec<String> = [
                "--allow-faults",
                "--snapshot-count",
                "300",
                "--catch-up-entries",
                "100",
            ]
            .map(String::from)
            .to_vec();
            let (m, mut children) = match &net {
                Some(n) => super::cluster::create_at(
                    &dir,
                    netns::Net::addrs(s.nodes)?,
                    flags,
                    Some(n.prefix.clone()),
                    s.tls,
                    &None,
                ),
                None => super::cluster::create(&dir, s.nodes, None, flags, s.tls, &None),
            }
            .context("starting the cluster")?;
            teardown.0 = Some(m.dir.clone());
            super::cluster::wait_ready(&m, &mut children)?;
            m.endpoints()
        }
        None => endpoints.to_vec(),
    };
    let cluster_dir = teardown.0.clone();
    let ran = rt.block_on(async {
        tokio::select! {
            r = drive(&s, &plan, eps, cluster_dir.clone(), net.clone()) => r.map(Some),
            _ = interrupt.recv() => Ok(None),
            _ = term.recv() => Ok(None),
        }
    })?;
    let Some(mut ran) = ran else {
        return Ok(Outcome::Interrupted);
    };
    ran.skipped.splice(0..0, skipped);
    // The members stop before their WALs are read: a WAL being written has a moving end.
    let (wal, logs_agree) = match &cluster_dir {
        Some(dir) => {
            let m = Manifest::load(dir)?;
            for e in &m.members {
                process::resume(e);
                let pid = e.pid;
                process::stop(e, Duration::from_secs(10));
                if let Some(pid) = pid {
                    process::reap(pid);
                }
            }
            let (w, agree) = check_wals(&m);
            (Some(w), Some(agree))
        }
        None => (None, None),
    };
    let end_us = ran.end_us;
    let (mut report, records) = judge(&s, ran, wal, logs_agree);
    report.netns = net.as_ref().map(|n| n.report());
    let failed = !report.ok;
    if let Some(d) = &s.report {
        report.report_dir = Some(d.display().to_string());
        write_report(d, &report, &records, end_us, failed)?;
    } else if failed && local {
        report
            .skipped
            .push("the data dirs were deleted: run with --report DIR to keep them".into());
    }
    drop(teardown);
    drop(home);
    output::render(&report, format, out)?;
    Ok(if failed {
        Outcome::ProblemFound
    } else {
        Outcome::Ok
    })
}

/// What the run gathered, before judging it.
struct Ran {
    records: Vec<Rec>,
    events: Vec<crate::output::chaos::FaultEvent>,
    schedule: Vec<crate::output::chaos::ScheduleItem>,
    elapsed: Duration,
    end_us: u64,
    problems: Vec<String>,
    skipped: Vec<String>,
    final_write: bool,
    kv: Result<Vec<KvCheck>, String>,
}

/// The workload and the faults, then healing, settling, the final write and reads, and the
/// members' contents.
async fn drive(
    s: &Settings,
    plan: &[schedule::Planned],
    endpoints: Vec<String>,
    dir: Option<PathBuf>,
    net: Option<Arc<netns::Net>>,
) -> anyhow::Result<Ran> {
    let t = target::timeouts();
    for ep in &endpoints {
        let c = Client::with_dial(ep, t.dial, t.dial);
        match c.faults(None).await {
            Ok(_) => {}
            Err(crate::api::client::ClientError::Node {
                error: NodeError::FaultsDisabled,
                node,
            }) => bail!(
                "{node} does not take faults: start its members with --allow-faults (raftctl \
                 cluster up --allow-faults)"
            ),
            Err(e) => return Err(anyhow!(e).context("asking for the fault API")),
        }
    }
    let shared = Arc::new(Shared {
        endpoints: RwLock::new(endpoints),
        records: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
        ok: AtomicU64::new(0),
        clock: Clock(Instant::now()),
        timeout: t.command,
        dial: t.dial,
        prefix: format!("chaos/{:08x}/", rand::random::<u32>()),
    });
    let members = Arc::new(Members {
        dir,
        exe: std::env::current_exe().context("finding the raftctl binary to start members")?,
        shared: shared.clone(),
        events: Mutex::new(Vec::new()),
        net,
    });
    let mut clients = Vec::new();
    for id in 0..s.clients {
        clients.push(tokio::spawn(workload::client(
            shared.clone(),
            id,
            s.keys,
            s.seed,
        )));
    }
    let duration_ms = s.duration.as_millis() as u64;
    let injector = {
        let (m, plan) = (members.clone(), plan.to_vec());
        tokio::spawn(async move { m.run(&plan, duration_ms).await })
    };
    let bar = crate::output::progress_bar(duration_ms);
    let started = Instant::now();
    while started.elapsed() < s.duration {
        tokio::time::sleep(
            Duration::from_millis(100).min(s.duration - started.elapsed().min(s.duration)),
        )
        .await;
        if let Some(b) = &bar {
            let faults = members.events().len();
            b.set_position(started.elapsed().as_millis() as u64);
            b.set_message(format!(
                "{} ops ok · {faults} faults",
                shared.ok.load(Ordering::Relaxed)
            ));
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    if let Some(b) = &bar {
        b.set_message("healing");
    }
    let elapsed = started.elapsed();
    let _ = injector.await;
    for c in clients {
        let _ = c.await;
    }
    let mut problems = members.heal_all().await;
    let settled = settle(&shared).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut final_write = false;
    let mut kv = Err("the cluster did not settle".to_string());
    match settled {
        Err(e) => problems.push(e),
        Ok(()) => {
            final_write = final_ops(&shared, s).await;
            if !final_write {
                problems.push("the final write did not succeed".into());
            }
            if let Err(e) = settle(&shared).await {
                problems.push(e);
            } else {
                kv = kv_check(&shared).await;
            }
        }
    }
    let records = std::mem::take(
        &mut *shared
            .records
            .lock()
            .map_err(|_| anyhow!("a client panicked"))?,
    );
    Ok(Ran {
        records,
        events: members.events(),
        schedule: plan.iter().map(schedule::Planned::item).collect(),
        elapsed,
        end_us: shared.clock.us(),
        problems,
        skipped: Vec::new(),
        final_write,
        kv,
    })
}

/// Waits until one leader is known to every member, every member has applied all that is
/// committed, and no joint configuration is in force.
async fn settle(shared: &Shared) -> Result<(), String> {
    let start = Instant::now();
    let mut last;
    loop {
        let eps = shared.endpoints();
        let all = target::statuses(&eps, shared.dial).await;
        let answered: Vec<&crate::node::NodeStatus> =
            all.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
        let leader = answered.iter().find(|s| s.role == "leader");
        match leader {
            None => {
                let errors: Vec<&str> = all
                    .iter()
                    .filter_map(|(_, r)| r.as_ref().err().map(String::as_str))
                    .collect();
                last = if errors.is_empty() {
                    "no leader".into()
                } else {
                    format!("no leader ({})", errors.join("; "))
                };
            }
            Some(l) => {
                let behind: Vec<String> = answered
                    .iter()
                    .filter(|s| s.leader != l.id || s.applied != l.commit || s.commit != l.commit)
                    .map(|s| format!("node {} applied {} of {}", s.id, s.applied, l.commit))
                    .collect();
                if answered.len() == all.len() && behind.is_empty() && l.voters_outgoing.is_empty()
                {
                    return Ok(());
                }
                last = format!(
                    "leader {} at commit {}; {}{}",
                    l.id,
                    l.commit,
                    behind.join(", "),
                    if answered.len() < all.len() {
                        " (a member does not answer)"
                    } else {
                        ""
                    }
                );
            }
        }
        if start.elapsed() > SETTLE_DEADLINE {
            return Err(format!(
                "the cluster did not settle within {} s of healing: {last}",
                SETTLE_DEADLINE.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The final write (it must succeed) and a linearizable read of every key from the leader,
/// all into the history as a client of their own.
async fn final_ops(shared: &Shared, s: &Settings) -> bool {
    let me = s.clients;
    let key = format!("{}final", shared.prefix);
    let value = format!("final-{}", s.seed);
    let rid = rand::random::<u64>().max(1);
    let mut ok = false;
    for _ in 0..20 {
        if let Ok((_, ep)) = target::leader(&shared.endpoints()).await {
            let c = Client::with_dial(&ep, shared.timeout, shared.dial);
            let (r, _) = workload::request(
                &c,
                me,
                ReqKind::Put,
                &key,
                Some(value.clone()),
                rid,
                shared.clock,
            )
            .await;
            ok = r.fate == Fate::Ok;
            shared.record(r);
            if ok {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let keys = (0..s.keys).map(|i| shared.key(i)).chain([key]);
    for k in keys {
        for _ in 0..10 {
            let Ok((_, ep)) = target::leader(&shared.endpoints()).await else {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            let c = Client::with_dial(&ep, shared.timeout, shared.dial);
            let (r, _) = workload::request(&c, me, ReqKind::Get, &k, None, 0, shared.clock).await;
            let done = r.fate == Fate::Ok;
            shared.record(r);
            if done {
                break;
            }
        }
    }
    ok
}

/// Every member's contents, read locally (serializable) between two status reads that show
/// the same applied index, once every member shows the same one.
async fn kv_check(shared: &Shared) -> Result<Vec<KvCheck>, String> {
    let mut last = String::new();
    for _ in 0..30 {
        let mut got = Vec::new();
        for ep in shared.endpoints() {
            let c = Client::with_dial(&ep, shared.timeout, shared.dial);
            let read = async {
                let before = c.status().await?;
                let r = c
                    .range(&KeyRange::Prefix(String::new()), 0, false, true)
                    .await?;
                let after = c.status().await?;
                Ok::<_, crate::api::client::ClientError>((before, r, after))
            };
            match read.await {
                Ok((b, r, a)) if b.applied == a.applied => {
                    let mut h = crate::hash::fnv1a(b"");
                    for (k, v) in &r.pairs {
                        h = crate::hash::fnv1a_extend(h, &(k.len() as u64).to_le_bytes());
                        h = crate::hash::fnv1a_extend(h, k);
                        h = crate::hash::fnv1a_extend(h, &(v.len() as u64).to_le_bytes());
                        h = crate::hash::fnv1a_extend(h, v);
                    }
                    got.push(KvCheck {
                        id: a.id,
                        applied: a.applied,
                        keys: r.pairs.len() as u64,
                        hash: format!("{h:016x}"),
                    });
                }
                Ok((b, _, a)) => {
                    last = format!(
                        "node {} applied {} → {} while read",
                        a.id, b.applied, a.applied
                    )
                }
                Err(e) => last = e.to_string(),
            }
        }
        let n = shared.endpoints().len();
        if got.len() == n && got.iter().all(|k| k.applied == got[0].applied) {
            if got.iter().all(|k| k.hash == got[0].hash) {
                return Ok(got);
            }
            let what: Vec<String> = got
                .iter()
                .map(|k| format!("node {} {} keys {}", k.id, k.keys, k.hash))
                .collect();
            return Err(format!(
                "the members' contents differ at applied index {}: {}",
                got[0].applied,
                what.join(", ")
            ));
        }
        if got.len() == n {
            let what: Vec<String> = got
                .iter()
                .map(|k| format!("node {} at {}", k.id, k.applied))
                .collect();
            last = format!("applied indexes differ: {}", what.join(", "));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!(
        "could not read every member's contents at one applied index: {last}"
    ))
}

/// `wal verify` of every member's data dir (removed members' too), and `wal diff` of each
/// current member against the first: they must agree on every committed index.
fn check_wals(m: &Manifest) -> (Vec<WalCheck>, bool) {
    let mut dirs: Vec<(u64, PathBuf)> = m
        .members
        .iter()
        .map(|e| (e.id, e.data_dir.clone()))
        .collect();
    for &id in &m.removed {
        let d = m.dir.join(format!("n{id}"));
        if d.is_dir() {
            dirs.push((id, d));
        }
    }
    let mut out = Vec::new();
    for (id, dir) in &dirs {
        let verified = crate::wal::layout::Layout::open(dir)
            .map_err(anyhow::Error::from)
            .and_then(|l| crate::datadir::verify(&l).map_err(anyhow::Error::from));
        out.push(match verified {
            Ok(r) => WalCheck {
                id: *id,
                data_dir: dir.display().to_string(),
                ok: r.ok,
                problems: r
                    .problems
                    .iter()
                    .map(|p| {
                        format!(
                            "{} (offset {:?}, index {:?}): {}",
                            p.file, p.offset, p.index, p.message
                        )
                    })
                    .collect(),
            },
            Err(e) => WalCheck {
                id: *id,
                data_dir: dir.display().to_string(),
                ok: false,
                problems: vec![format!("{e:#}")],
            },
        });
    }
    let mut agree = true;
    if let Some((first, rest)) = m.members.split_first() {
        for e in rest {
            match crate::wal::diff::diff(&first.data_dir, &e.data_dir) {
                Ok(d) if !d.problem_found() => {}
                Ok(d) => {
                    agree = false;
                    out.iter_mut().filter(|w| w.id == e.id).for_each(|w| {
                        w.problems.push(format!(
                            "wal diff against node {}: {:?}{}",
                            first.id,
                            d.relation,
                            d.divergence
                                .as_ref()
                                .map(|x| format!(" at index {} ({})", x.index, x.field))
                                .unwrap_or_default()
                        ))
                    });
                }
                Err(err) => {
                    agree = false;
                    out.iter_mut().filter(|w| w.id == e.id).for_each(|w| {
                        w.problems
                            .push(format!("wal diff against node {}: {err}", first.id))
                    });
                }
            }
        }
    }
    (out, agree)
}

/// Adds a read at the end of the history of a value certainly overwritten: an anomaly the
/// check must find.
fn plant_stale_read(records: &mut Vec<Rec>, me: u64, at_us: u64) -> anyhow::Result<()> {
    let puts: Vec<&Rec> = records
        .iter()
        .filter(|r| r.kind == ReqKind::Put && r.fate == Fate::Ok)
        .collect();
    let stale = puts.iter().find_map(|p1| {
        let p1_ret = p1.ret_us?;
        puts.iter()
            .any(|p2| p2.key == p1.key && p2.call_us > p1_ret)
            .then(|| (p1.key.clone(), p1.value.clone()))
    });
    let Some((key, value)) = stale else {
        bail!("--plant-stale-read: no key has two puts one after the other to plant it on");
    };
    records.push(Rec {
        client: me,
        endpoint: "(planted)".into(),
        kind: ReqKind::Get,
        key,
        value: None,
        result: Some(value),
        call_us: at_us,
        ret_us: Some(at_us + 1),
        fate: Fate::Ok,
        error: None,
        history_index: None,
    });
    Ok(())
}

/// Acknowledged writes that must be the key's last (every other write of the key returned
/// before they were sent) whose effect the key's final read does not show.
fn lost_writes(records: &[Rec], history: &[Op], me: u64) -> Vec<Lost> {
    let mut finals: BTreeMap<&str, &Rec> = BTreeMap::new();
    for r in records {
        if r.client == me && r.kind == ReqKind::Get && r.fate == Fate::Ok {
            finals.insert(&r.key, r);
        }
    }
    // Each key's writes that may have taken effect, gathered once: the check below is then
    // linear in the history (a scan of all records per write was cubic: a 10-minute run's
    // 300,000 requests did not finish checking).
    let mut writes: BTreeMap<&str, Vec<&Rec>> = BTreeMap::new();
    for r in records {
        if r.kind != ReqKind::Get && r.fate != Fate::Failed && r.history_index.is_some() {
            writes.entry(&r.key).or_default().push(r);
        }
    }
    let mut lost = Vec::new();
    for (key, f) in finals {
        let Some(ws) = writes.get(key) else { continue };
        // The latest return among a key's writes, and the latest among the others than the
        // one that has it (a write never answered returns "later than any").
        let ret = |r: &Rec| r.ret_us.unwrap_or(u64::MAX);
        let mut latest: Option<(usize, u64)> = None;
        let mut runner_up: Option<u64> = None;
        for (i, w) in ws.iter().enumerate() {
            let t = ret(w);
            match latest {
                Some((_, l)) if t <= l => runner_up = Some(runner_up.map_or(t, |r| r.max(t))),
                _ => {
                    runner_up = runner_up.max(latest.map(|(_, l)| l));
                    latest = Some((i, t));
                }
            }
        }
        for (i, w) in ws.iter().enumerate() {
            let Some(w_ret) = w.ret_us else { continue };
            // Every other write returned before this one was sent.
            let others_latest = match latest {
                Some((j, _)) if j == i => runner_up,
                other => other.map(|(_, l)| l),
            };
            let last = others_latest.is_none_or(|l| l < w.call_us);
            if !last || w_ret >= f.call_us {
                continue;
            }
            let expected = match w.kind {
                ReqKind::Put => w.value.clone(),
                _ => None,
            };
            let found = f.result.clone().flatten();
            if found != expected {
                lost.push(Lost {
                    key: key.to_string(),
                    write: view(records, history, w.history_index.unwrap_or(0)),
                    found,
                });
            }
        }
    }
    lost
}

/// History op `i` for the report.
fn view(records: &[Rec], history: &[Op], i: usize) -> OpView {
    let r = records.iter().find(|r| r.history_index == Some(i));
    OpView {
        index: i,
        client: history.get(i).map(|o| o.client).unwrap_or(0),
        endpoint: r.map(|r| r.endpoint.clone()).unwrap_or_default(),
        op: history.get(i).map(Op::to_string).unwrap_or_default(),
    }
}

fn judge(
    s: &Settings,
    mut ran: Ran,
    wal: Option<Vec<WalCheck>>,
    logs_agree: Option<bool>,
) -> (ChaosReport, Vec<Rec>) {
    let me = s.clients;
    let mut problems = std::mem::take(&mut ran.problems);
    // A client of its own, so that the read is not taken for a final read.
    if s.plant_stale_read
        && let Err(e) = plant_stale_read(&mut ran.records, me + 1, ran.end_us)
    {
        problems.push(format!("{e:#}"));
    }
    let mut history = Vec::new();
    for r in ran.records.iter_mut() {
        if let Some(op) = r.op() {
            r.history_index = Some(history.len());
            history.push(op);
        }
    }
    let records = &ran.records;
    let verdict = checker::check(&history);
    let (linearizable, outcome, anomalies, undecided, unanswered) = match &verdict {
        Ok(v) => {
            let anomalies: Vec<AnomalyView> = v
                .anomalies
                .iter()
                .map(|a| AnomalyView {
                    key: String::from_utf8_lossy(&a.key).into_owned(),
                    kind: serde_json::to_value(a.kind)
                        .ok()
                        .and_then(|k| k.as_str().map(String::from))
                        .unwrap_or_default(),
                    description: a.description.clone(),
                    ops: a.ops.iter().map(|&i| view(records, &history, i)).collect(),
                    sub_history: a
                        .sub_history
                        .iter()
                        .map(|&i| view(records, &history, i))
                        .collect(),
                    minimal: a.minimal,
                })
                .collect();
            let undecided: Vec<String> = v
                .undecided
                .iter()
                .map(|u| String::from_utf8_lossy(&u.key).into_owned())
                .collect();
            let outcome = serde_json::to_value(v.outcome)
                .ok()
                .and_then(|k| k.as_str().map(String::from))
                .unwrap_or_default();
            (
                v.is_linearizable(),
                outcome,
                anomalies,
                undecided,
                v.unanswered,
            )
        }
        Err(e) => {
            problems.push(format!("the history could not be checked: {e}"));
            (false, "unchecked".into(), Vec::new(), Vec::new(), 0)
        }
    };
    if !anomalies.is_empty() {
        let keys: Vec<&str> = anomalies.iter().map(|a| a.key.as_str()).collect();
        problems.push(format!(
            "not linearizable: {} anomal{} (on {})",
            anomalies.len(),
            if anomalies.len() == 1 { "y" } else { "ies" },
            keys.join(", ")
        ));
    }
    if !undecided.is_empty() {
        problems.push(format!(
            "the checker could not decide {} key(s) within its step limit: {}",
            undecided.len(),
            undecided.join(", ")
        ));
    }
    let lost = lost_writes(records, &history, me);
    if !lost.is_empty() {
        problems.push(format!("{} acknowledged write(s) lost", lost.len()));
    }
    let mut ops_by_kind: BTreeMap<String, Fates> = BTreeMap::new();
    let mut ops = 0;
    let mut ops_ok = 0;
    for r in records.iter().filter(|r| r.client < me) {
        ops += 1;
        let f = ops_by_kind.entry(r.kind.name().to_string()).or_default();
        match r.fate {
            Fate::Ok => {
                f.ok += 1;
                ops_ok += 1;
            }
            Fate::Failed => f.failed += 1,
            Fate::Indeterminate => f.indeterminate += 1,
        }
    }
    let secs = ran.elapsed.as_secs_f64().max(1e-3);
    let rate = ops_ok as f64 / secs;
    if rate < s.min_rate {
        problems.push(format!(
            "{rate:.1} successful ops a second, below --min-rate {}: an idle cluster proves nothing",
            s.min_rate
        ));
    }
    let (faults, crash_points) = fault_counts(&ran.events);
    let wal_ok = wal.as_ref().map(|w| w.iter().all(|x| x.ok));
    if wal_ok == Some(false) {
        let bad: Vec<String> = wal
            .iter()
            .flatten()
            .filter(|w| !w.ok)
            .map(|w| format!("node {}", w.id))
            .collect();
        problems.push(format!("the WAL of {} does not verify", bad.join(", ")));
    }
    if logs_agree == Some(false) {
        problems.push("the members' logs disagree (wal diff)".into());
    }
    let (kv_ok, kv) = match ran.kv {
        Ok(k) => (true, k),
        Err(e) => {
            problems.push(e);
            (false, Vec::new())
        }
    };
    let report = ChaosReport {
        seed: s.seed,
        duration_s: s.duration.as_secs_f64(),
        elapsed_s: ran.elapsed.as_secs_f64(),
        cluster: if wal.is_some() { "local" } else { "endpoints" }.into(),
        nodes: s.nodes,
        clients: s.clients,
        keys: s.keys,
        ops,
        ops_ok,
        ops_per_sec: rate,
        min_rate: s.min_rate,
        ops_by_kind,
        faults,
        crash_points,
        schedule: ran.schedule,
        events: ran.events,
        skipped: ran.skipped,
        history_ops: history.len() as u64,
        history_unanswered: unanswered as u64,
        linearizable,
        outcome,
        anomalies,
        undecided,
        lost,
        final_write: ran.final_write,
        wal_ok,
        wal: wal.unwrap_or_default(),
        logs_agree,
        kv_ok,
        kv,
        ok: problems.is_empty(),
        problems,
        report_dir: None,
        netns: None,
        tls: crate::api::client::tls_is_set(),
    };
    (report, ran.records)
}

/// The faults carried out, by kind, and the crash points members died at. A blackhole that
/// did not end in a snapshot is not what it set out to be: it counts apart, as
/// `blackhole (no snapshot within N s)`.
fn fault_counts(
    events: &[crate::output::chaos::FaultEvent],
) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let mut faults: BTreeMap<String, u64> = BTreeMap::new();
    let mut crash_points: BTreeMap<String, u64> = BTreeMap::new();
    for e in events.iter().filter(|e| e.ok) {
        let kind = match e.snapshot {
            Some(false) => format!(
                "{} (no snapshot within {} s)",
                e.kind,
                schedule::BLACKHOLE_HOLD_MS / 1000
            ),
            _ => e.kind.clone(),
        };
        *faults.entry(kind).or_default() += 1;
        if let (Some(p), Some(true)) = (&e.point, e.crashed) {
            *crash_points.entry(p.clone()).or_default() += 1;
        }
    }
    (faults, crash_points)
}

/// `--report DIR`: report.json, history.json (every request, with its place in the history
/// the checker read) and timeline.html; the cluster's data dirs and logs stay in
/// DIR/cluster only when the run failed.
fn write_report(
    dir: &Path,
    report: &ChaosReport,
    records: &[Rec],
    end_us: u64,
    failed: bool,
) -> anyhow::Result<()> {
    let write = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))
    };
    write("report.json", serde_json::to_vec_pretty(report)?)?;
    write("history.json", serde_json::to_vec_pretty(records)?)?;
    let flagged: std::collections::HashSet<usize> = report
        .anomalies
        .iter()
        .flat_map(|a| a.sub_history.iter().chain(&a.ops).map(|o| o.index))
        .chain(report.lost.iter().map(|l| l.write.index))
        .collect();
    let bars: Vec<Bar> = records
        .iter()
        .map(|r| Bar {
            client: r.client,
            kind: r.kind.name(),
            fate: match r.fate {
                Fate::Ok => "ok",
                Fate::Failed => "failed",
                Fate::Indeterminate => "indeterminate",
            },
            call_us: r.call_us,
            ret_us: r.ret_us.or(match r.fate {
                Fate::Failed => Some(r.call_us),
                _ => None,
            }),
            title: match r.history_index {
                Some(i) => format!("#{i} {} via {}", op_text(r), r.endpoint),
                None => format!(
                    "{} via {}: {}",
                    op_text(r),
                    r.endpoint,
                    r.error.as_deref().unwrap_or("left out")
                ),
            },
            flagged: r.history_index.is_some_and(|i| flagged.contains(&i)),
        })
        .collect();
    let spans: Vec<Span> = report
        .events
        .iter()
        .map(|e| Span {
            kind: e.kind.clone(),
            start_ms: e.start_ms,
            end_ms: e.end_ms.unwrap_or(e.start_ms),
            label: format!(
                "{} {} (nodes {:?}) {:.1}s–{:.1}s{}",
                e.kind,
                e.target,
                e.nodes,
                e.start_ms as f64 / 1000.0,
                e.end_ms.unwrap_or(e.start_ms) as f64 / 1000.0,
                if e.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", e.note)
                }
            ),
        })
        .collect();
    let mut rows: Vec<u64> = records.iter().map(|r| r.client).collect();
    rows.sort_unstable();
    rows.dedup();
    let title = format!(
        "raftctl chaos, seed {}: {}",
        report.seed,
        if report.ok { "passed" } else { "FAILED" }
    );
    write(
        "timeline.html",
        timeline::html(&title, &rows, &bars, &spans, end_us).into_bytes(),
    )?;
    if !failed {
        let c = dir.join("cluster");
        if c.exists() {
            std::fs::remove_dir_all(&c).with_context(|| format!("removing {}", c.display()))?;
        }
    }
    Ok(())
}

/// A request as the timeline's hover shows it.
fn op_text(r: &Rec) -> String {
    let mut s = format!("client {} {} {}", r.client, r.kind.name(), r.key);
    if let Some(v) = &r.value {
        s.push_str(&format!(" = {v}"));
    }
    match (&r.result, r.kind) {
        (Some(Some(v)), ReqKind::Get) => s.push_str(&format!(" -> {v}")),
        (Some(None), ReqKind::Get) => s.push_str(" -> absent"),
        (Some(Some(_)), ReqKind::Delete) => s.push_str(" -> existed"),
        (Some(None), ReqKind::Delete) => s.push_str(" -> did not exist"),
        _ => {}
    }
    match r.ret_us {
        Some(t) => s.push_str(&format!(" [{} µs, {t} µs]", r.call_us)),
        None => s.push_str(&format!(
            " [{} µs, {}]",
            r.call_us,
            match r.fate {
                Fate::Failed => "failed",
                _ => "no answer",
            }
        )),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(client: u64, kind: ReqKind, value: Option<&str>, call: u64, ret: Option<u64>) -> Rec {
        Rec {
            client,
            endpoint: "e".into(),
            kind,
            key: "k".into(),
            value: (kind == ReqKind::Put).then(|| value.unwrap_or_default().to_string()),
            result: (kind != ReqKind::Put && ret.is_some()).then(|| value.map(String::from)),
            call_us: call,
            ret_us: ret,
            fate: if ret.is_some() {
                Fate::Ok
            } else {
                Fate::Indeterminate
            },
            error: None,
            history_index: None,
        }
    }

    fn indexed(mut recs: Vec<Rec>) -> (Vec<Rec>, Vec<Op>) {
        let mut h = Vec::new();
        for r in recs.iter_mut() {
            if let Some(op) = r.op() {
                r.history_index = Some(h.len());
                h.push(op);
            }
        }
        (recs, h)
    }

    #[test]
    fn a_last_acknowledged_write_the_final_read_misses_is_lost() {
        // Client 9 is the final reader.
        let (recs, h) = indexed(vec![
            rec(1, ReqKind::Put, Some("a"), 0, Some(10)),
            rec(2, ReqKind::Put, Some("b"), 20, Some(30)),
            rec(9, ReqKind::Get, Some("a"), 40, Some(50)),
        ]);
        let lost = lost_writes(&recs, &h, 9);
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].write.index, 1);
        assert_eq!(lost[0].found.as_deref(), Some("a"));
        // Seen: nothing lost.
        let (recs, h) = indexed(vec![
            rec(1, ReqKind::Put, Some("a"), 0, Some(10)),
            rec(9, ReqKind::Get, Some("a"), 40, Some(50)),
        ]);
        assert!(lost_writes(&recs, &h, 9).is_empty());
        // An overlapping (or unanswered) write may have come after it: not certain, not listed.
        let (recs, h) = indexed(vec![
            rec(1, ReqKind::Put, Some("a"), 0, Some(10)),
            rec(2, ReqKind::Put, Some("b"), 5, None),
            rec(9, ReqKind::Get, Some("b"), 40, Some(50)),
        ]);
        assert!(lost_writes(&recs, &h, 9).is_empty());
        // A delete that is last, and a final read that still finds the key.
        let (recs, h) = indexed(vec![
            rec(1, ReqKind::Put, Some("a"), 0, Some(10)),
            rec(2, ReqKind::Delete, Some("existed"), 20, Some(30)),
            rec(9, ReqKind::Get, Some("a"), 40, Some(50)),
        ]);
        assert_eq!(lost_writes(&recs, &h, 9).len(), 1);
    }

    /// The linear check finds exactly what its definition (every other write of the key
    /// returned before this one was sent, checked pair by pair) finds, on random histories.
    #[test]
    fn lost_writes_match_their_definition_on_random_histories() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let n = rng.random_range(1..8);
            let mut recs = Vec::new();
            let mut values = vec![None];
            for c in 0..n {
                let call = rng.random_range(0..100);
                let ret = rng.random_bool(0.8).then(|| call + rng.random_range(1..30));
                let v = format!("v{c}");
                values.push(Some(v.clone()));
                let kind = if rng.random_bool(0.2) {
                    ReqKind::Delete
                } else {
                    ReqKind::Put
                };
                recs.push(rec(c, kind, Some(&v), call, ret));
            }
            let seen = values[rng.random_range(0..values.len())].clone();
            recs.push(rec(99, ReqKind::Get, seen.as_deref(), 200, Some(210)));
            let (recs, h) = indexed(recs);
            let mut got: Vec<usize> = lost_writes(&recs, &h, 99)
                .iter()
                .map(|l| l.write.index)
                .collect();
            let f = recs.last().map(|r| r.call_us).unwrap_or(0);
            let writes: Vec<&Rec> = recs.iter().filter(|r| r.kind != ReqKind::Get).collect();
            let mut want: Vec<usize> = writes
                .iter()
                .filter(|w| {
                    let last = writes
                        .iter()
                        .filter(|x| !std::ptr::eq(**x, **w))
                        .all(|x| x.ret_us.is_some_and(|r| r < w.call_us));
                    let expected = (w.kind == ReqKind::Put).then(|| w.value.clone()).flatten();
                    w.ret_us.is_some_and(|r| r < f) && last && seen != expected
                })
                .filter_map(|w| w.history_index)
                .collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{recs:?}");
        }
    }

    #[test]
    fn a_blackhole_without_a_snapshot_counts_apart() {
        let ev = |kind: &str, ok: bool, snapshot: Option<bool>, crashed: Option<bool>| {
            crate::output::chaos::FaultEvent {
                kind: kind.into(),
                target: "member#1".into(),
                nodes: vec![2],
                start_ms: 0,
                end_ms: Some(1),
                ok,
                note: String::new(),
                point: crashed.map(|_| "raftctl::wal_save::after".into()),
                crashed,
                snapshot,
            }
        };
        let (faults, points) = fault_counts(&[
            ev("blackhole", true, Some(true), None),
            ev("blackhole", true, Some(false), None),
            ev("blackhole", false, None, None),
            ev("crash-point", true, None, Some(true)),
            ev("crash-point", true, None, Some(false)),
            ev("joint", true, None, None),
        ]);
        let want: BTreeMap<String, u64> = [
            ("blackhole".to_string(), 1),
            ("blackhole (no snapshot within 6 s)".to_string(), 1),
            ("crash-point".to_string(), 2),
            ("joint".to_string(), 1),
        ]
        .into();
        assert_eq!(faults, want);
        assert_eq!(points.get("raftctl::wal_save::after"), Some(&1));
    }

    #[test]
    fn a_planted_read_is_one_the_checker_refuses() {
        let mut recs = vec![
            rec(1, ReqKind::Put, Some("a"), 0, Some(10)),
            rec(2, ReqKind::Put, Some("b"), 20, Some(30)),
        ];
        plant_stale_read(&mut recs, 10, 100).unwrap();
        let (_, h) = indexed(recs);
        let v = checker::check(&h).unwrap();
        assert_eq!(v.anomalies.len(), 1);
        assert_eq!(v.anomalies[0].kind, checker::AnomalyKind::StaleRead);
        let mut one = vec![rec(1, ReqKind::Put, Some("a"), 0, Some(10))];
        assert!(plant_stale_read(&mut one, 10, 100).is_err());
    }
}
