//! `raftctl member list|add|remove|promote|change`.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use super::target::{self, Target};
use super::{Outcome, UsageError};
use crate::cli::MemberCommand;
use crate::cluster::{Manifest, MemberEntry, process};
use crate::node::{Change, ChangeKind, Membership, NodeStatus};
use crate::output::cluster::{MemberList, MemberRow};
use crate::output::{self, Format};

const CATCH_UP_DEADLINE: Duration = Duration::from_secs(60);

pub fn run(
    c: MemberCommand,
    t: &Target,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let rt = target::runtime()?;
    match c {
        MemberCommand::List => {
            let (leader, _) = rt.block_on(target::leader(&t.endpoints))?;
            output::render(&list(&leader, t.manifest.as_ref()), format, out)?;
        }
        MemberCommand::Add {
            learner,
            id,
            peer,
            api,
        } => {
            let row = rt.block_on(add(t, learner, id, peer, api))?;
            output::render(&row, format, out)?;
        }
        MemberCommand::Promote { id } => {
            let id = id.decimal().map_err(UsageError)?;
            let (leader, ep) = rt.block_on(target::leader(&t.endpoints))?;
            target::known_member(&leader, id)?;
            if leader.voters.contains(&id) {
                bail!("node {id} is already a voter");
            }
            let after = rt.block_on(change(&ep, vec![Change::of(ChangeKind::AddVoter, id)]))?;
            let mut l = leader;
            l.voters = after.voters;
            l.learners = after.learners;
            let mut report = list(&l, t.manifest.as_ref());
            report.changed = Some(format!(
                "promoted node {id} to voter (at index {})",
                after.index
            ));
            output::render(&report, format, out)?;
        }
        MemberCommand::Remove { id } => {
            let id = id.decimal().map_err(UsageError)?;
            let leader = rt.block_on(remove(t, id))?;
            let mut report = list(&leader, t.manifest.as_ref());
            report.changed = Some(format!("removed node {id}"));
            output::render(&report, format, out)?;
        }
        MemberCommand::Change { add, remove } => {
            let leader = rt.block_on(joint(t, &add, &remove))?;
            let mut report = list(&leader, t.manifest.as_ref());
            let mut what = Vec::new();
            if !add.is_empty() {
                what.push(format!("added {}", add.join(", ")));
            }
            if !remove.is_empty() {
                let r: Vec<String> = remove.iter().map(u64::to_string).collect();
                what.push(format!("removed {}", r.join(", ")));
            }
            report.changed = Some(format!("joint change applied: {}", what.join("; ")));
            output::render(&report, format, out)?;
        }
    }
    Ok(Outcome::Ok)
}

/// The members and their roles, as the leader sees them.
fn list(leader: &NodeStatus, manifest: Option<&Manifest>) -> MemberList {
    let mut ids: Vec<u64> = leader
        .voters
        .iter()
        .chain(&leader.voters_outgoing)
        .chain(&leader.learners)
        .copied()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let joint = !leader.voters_outgoing.is_empty();
    let members = ids
        .into_iter()
        .map(|id| {
            let (inc, outg) = (
                leader.voters.contains(&id),
                leader.voters_outgoing.contains(&id),
            );
            let role = match (inc, outg) {
                _ if leader.learners.contains(&id) => "learner",
                (true, true) => "voter",
                (true, false) if joint => "voter_incoming",
                (false, true) => "voter_outgoing",
                _ => "voter",
            };
            let addr = leader.members.iter().find(|m| m.id == id);
            let local = manifest.and_then(|m| m.member(id));
            let peer = addr
                .map(|a| a.peer.clone())
                .filter(|p| !p.is_empty())
                .or(local.map(|l| l.peer.clone()))
                .unwrap_or_default();
            let api = addr
                .map(|a| a.api.clone())
                .filter(|p| !p.is_empty())
                .or(local.map(|l| l.api.clone()))
                .unwrap_or_default();
            // Heard from: the leader itself, or a peer whose progress moved or answered lately.
            let started = id == leader.id
                || leader
                    .progress
                    .iter()
                    .any(|p| p.id == id && (p.matched > 0 || p.recent_active));
            MemberRow {
                id,
                role: role.into(),
                peer,
                api,
                status: if started { "started" } else { "unstarted" }.into(),
                is_leader: id == leader.id,
                is_learner: leader.learners.contains(&id),
            }
        })
        .collect();
    MemberList {
        changed: None,
        members,
    }
}

async fn change(endpoint: &str, changes: Vec<Change>) -> anyhow::Result<crate::node::Membership> {
    let label = crate::api::client::bare(endpoint).to_string();
    Ok(target::client(endpoint, label).change(&changes).await?)
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("picking a free port")?;
    Ok(l.local_addr()?.port())
}

/// A new local member: ports, data dir and log in the cluster dir.
fn new_local(m: &Manifest, id: u64) -> anyhow::Result<MemberEntry> {
    let data_dir = m.dir.join(format!("n{id}"));
    if data_dir.exists() {
        bail!(
            "{} already exists: a new member starts from an empty data dir (move it away)",
            data_dir.display()
        );
    }
    Ok(MemberEntry {
        id,
        peer: format!("127.0.0.1:{}", free_port()?),
        api: format!("127.0.0.1:{}", free_port()?),
        data_dir,
        log: m.dir.join(format!("n{id}.log")),
        pid: None,
        joined: true,
    })
}

/// Starts a local member that was just added: it is recorded in the manifest (under its
/// lock) before its process starts, so that whatever happens next `cluster down` finds it.
fn start_local(dir: &std::path::Path, e: MemberEntry) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let (m, ()) = Manifest::update(dir, |m| {
        m.members.retain(|x| x.id != e.id);
        m.members.push(e.clone());
    })?;
    let mut child =
        process::spawn(&exe, &m, &e).with_context(|| format!("starting node {}", e.id))?;
    Manifest::set_pid(dir, e.id, Some(child.id()))?;
    super::cluster::wait_following(&e, &mut child)
}

/// Refuses an id the cluster cannot take: 0 (a usage error), a current member, or one that
/// was removed (etcd never reuses a removed member's id: its old log could come back).
fn check_new_id(leader: &NodeStatus, manifest: Option<&Manifest>, id: u64) -> anyhow::Result<()> {
    if id == 0 {
        bail!(UsageError(
            "node id 0 is not allowed: ids start at 1".into()
        ));
    }
    if leader.voters.contains(&id) || leader.learners.contains(&id) {
        bail!("node {id} is already a member");
    }
    let removed = leader.removed.contains(&id) || manifest.is_some_and(|m| m.removed.contains(&id));
    if removed {
        bail!(
            "node {id} was removed from this cluster, and a removed member's id is never used \
             again: add it under a new id (omit --id to get one)"
        );
    }
    Ok(())
}

/// The lowest id above every id the cluster and the manifest ever used.
pub(super) fn next_id(leader: &NodeStatus, manifest: Option<&Manifest>) -> u64 {
    let cluster = leader
        .voters
        .iter()
        .chain(&leader.learners)
        .chain(&leader.removed)
        .chain(leader.members.iter().map(|m| &m.id))
        .copied()
        .max()
        .unwrap_or(0)
        + 1;
    cluster.max(manifest.map(Manifest::next_id).unwrap_or(1))
}

/// The `raftctl node` command that starts a member added with --endpoints.
fn start_command(leader: &NodeStatus, id: u64, peer: &str, api: &str) -> String {
    let mut ic: Vec<String> = leader
        .members
        .iter()
        .filter(|m| !m.peer.is_empty())
        .map(|m| format!("{}={}", m.id, m.peer))
        .collect();
    ic.push(format!("{id}={peer}"));
    format!(
        "raftctl node --id {id} --data-dir n{id} --listen-peer {peer} --listen-api {api} \
         --initial-cluster {} --join --cluster-id {}",
        ic.join(","),
        leader.cluster_id
    )
}

pub(super) async fn add(
    t: &Target,
    learner: bool,
    id: Option<u64>,
    peer: Option<String>,
    api: Option<String>,
) -> anyhow::Result<MemberRow> {
    if id == Some(0) {
        bail!(UsageError("--id 0 is not allowed: ids start at 1".into()));
    }
    let local = t.manifest.as_ref();
    if local.is_none() && (peer.is_none() || api.is_none()) {
        bail!(UsageError(
            "with --endpoints, member add needs --peer and --api of the new member".into()
        ));
    }
    let (leader, ep) = target::leader(&t.endpoints).await?;
    let id = match id {
        Some(id) => id,
        None => next_id(&leader, local),
    };
    check_new_id(&leader, local, id)?;
    let entry = local.map(|m| new_local(m, id)).transpose()?;
    let (peer, api) = match (&entry, peer, api) {
        (_, Some(p), Some(a)) => (p, a),
        (Some(e), _, _) => (e.peer.clone(), e.api.clone()),
        _ => unreachable_usage()?,
    };
    let learner_change = Change {
        kind: ChangeKind::AddLearner,
        id,
        peer: peer.clone(),
        api: api.clone(),
    };
    change(&ep, vec![learner_change])
        .await
        .with_context(|| format!("node {id} was not added"))?;
    // From here on the cluster has a learner `id`: every error says so, and how to undo it.
    let undo = format!("undo with `raftctl member remove {id}`");
    if let Some(mut e) = entry {
        e.peer = peer.clone();
        e.api = api.clone();
        let dir = t
            .manifest
            .as_ref()
            .map(|m| m.dir.clone())
            .unwrap_or_default();
        tokio::task::block_in_place(|| start_local(&dir, e)).with_context(|| {
            format!("node {id} was added as a learner, but its process did not start ({undo})")
        })?;
    } else {
        output::diagnostic(&format!(
            "node {id} was added as a learner; start it with:\n  {}",
            start_command(&leader, id, &peer, &api)
        ));
        if learner {
            return Ok(MemberRow::added(id, "learner", peer, api, false));
        }
    }
    let mut eps = t.endpoints.clone();
    eps.push(api.clone());
    wait_caught_up(&eps, id).await.with_context(|| {
        format!(
            "node {id} was added as a learner and stays one{}: promote it later with \
             `raftctl member promote {id}`, or {undo}",
            if learner {
                ""
            } else {
                " (it was not promoted)"
            }
        )
    })?;
    let mut role = "learner";
    if !learner {
        let (_, ep) = target::leader(&eps).await?;
        change(&ep, vec![Change::of(ChangeKind::AddVoter, id)])
            .await
            .with_context(|| {
                format!(
                    "node {id} caught up as a learner, but promoting it failed: retry with \
                     `raftctl member promote {id}`, or {undo}"
                )
            })?;
        role = "voter";
    }
    Ok(MemberRow::added(id, role, peer, api, true))
}

fn unreachable_usage<T>() -> anyhow::Result<T> {
    Err(UsageError("member add needs --peer and --api of the new member".into()).into())
}

/// Waits until the leader — found again each time, since leadership may move meanwhile —
/// replicates to `id` and it has (nearly) everything; shows how far it is on a terminal.
async fn wait_caught_up(endpoints: &[String], id: u64) -> anyhow::Result<()> {
    let spin = super::cluster::spinner(&format!("waiting for node {id} to catch up"));
    let start = Instant::now();
    let mut last_seen = String::from("no leader has reported it yet");
    loop {
        if let Ok((s, _)) = target::leader(endpoints).await
            && let Some(p) = s.progress.iter().find(|p| p.id == id)
        {
            if p.state == "replicate" && p.matched + 100 >= s.last_index {
                if let Some(s) = spin {
                    s.finish_and_clear();
                }
                return Ok(());
            }
            last_seen = format!(
                "match {} of {} ({}, as leader {} sees it)",
                p.matched, s.last_index, p.state, s.id
            );
            if let Some(sp) = &spin {
                sp.set_message(format!("waiting for node {id} to catch up: {last_seen}"));
            }
        }
        if start.elapsed() > CATCH_UP_DEADLINE {
            if let Some(s) = spin {
                s.finish_and_clear();
            }
            bail!(
                "node {id} did not catch up within {} s ({last_seen}); is its process running?",
                CATCH_UP_DEADLINE.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(super) async fn remove(t: &Target, id: u64) -> anyhow::Result<NodeStatus> {
    let (leader, mut ep) = target::leader(&t.endpoints).await?;
    target::known_member(&leader, id)?;
    if leader.voters == [id] {
        bail!("cannot remove node {id}: it is the last voter");
    }
    if leader.id == id {
        ep = hand_over(t, id, &ep).await?;
    }
    let remove = Change::of(ChangeKind::Remove, id);
    let after = change(&ep, vec![remove])
        .await
        .with_context(|| format!("node {id} was not removed"))?;
    if let Some(m) = &t.manifest {
        let stop_and_forget = || -> anyhow::Result<()> {
            if let Some(e) = m.member(id) {
                process::stop(e, Duration::from_secs(10));
            }
            Manifest::update(&m.dir, |m| {
                m.members.retain(|e| e.id != id);
                m.removed.push(id);
            })?;
            Ok(())
        };
        stop_and_forget().with_context(|| {
            format!(
                "node {id} was removed from the cluster (at index {})",
                after.index
            )
        })?;
    }
    // The membership the change answered with (the leader's status may lag it by a moment).
    let mut l = leader;
    l.voters = after.voters;
    l.learners = after.learners;
    l.voters_outgoing = after.voters_outgoing;
    l.members.retain(|m| m.id != id);
    Ok(l)
}

/// Leader `id`, about to be removed, hands leadership to another voter (raft-rs keeps a
/// removed leader leading, etcd#11038); the new leader's endpoint.
async fn hand_over(t: &Target, id: u64, ep: &str) -> anyhow::Result<String> {
    target::client(ep, target::node_label(id, ep))
        .transfer(None)
        .await
        .context("handing over leadership before removing the leader")?;
    wait_leader_other_than(t, id).await
}

/// Voter `old` replaced by learner `new` in one joint change (ConfChangeV2: AddNode `new` and
/// RemoveNode `old` together, as the simulation's admin does), leadership handed over first
/// when `old` leads; then, once the joint configuration is left, `old`'s local process
/// stopped and the manifest updated (`joint_changes`). The membership the change entered (its
/// outgoing half the voters of before) and the leader's status once it was left.
pub(super) async fn replace(
    t: &Target,
    new: u64,
    old: u64,
) -> anyhow::Result<(Membership, NodeStatus)> {
    let (leader, ep) = target::leader(&t.endpoints).await?;
    target::known_member(&leader, old)?;
    if !leader.learners.contains(&new) {
        bail!("node {new} is not a learner: only a learner (caught up) takes a voter's place");
    }
    if leader.id == old {
        hand_over(t, old, &ep).await?;
    }
    let promote = vec![Change::of(ChangeKind::AddVoter, new)];
    joint_changes(t, promote, Vec::new(), &[old]).await
}

async fn wait_leader_other_than(t: &Target, id: u64) -> anyhow::Result<String> {
    let start = Instant::now();
    loop {
        if let Ok((l, e)) = target::leader(&t.endpoints).await
            && l.id != id
        {
            return Ok(e);
        }
        if start.elapsed() > Duration::from_secs(10) {
            bail!("leadership did not move away from node {id}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One `--add` of `member change`: `ID` or `ID:learner`.
fn parse_add(a: &str) -> anyhow::Result<(u64, bool)> {
    let (id, learner) = match a.split_once(':') {
        Some((id, "learner")) => (id, true),
        Some((_, other)) => bail!(UsageError(format!(
            "--add '{a}': '{other}' is not 'learner'"
        ))),
        None => (a, false),
    };
    let id: u64 = id
        .parse()
        .map_err(|_| UsageError(format!("--add '{a}': not a node id")))?;
    if id == 0 {
        bail!(UsageError(format!("--add '{a}': node id 0 is not allowed")));
    }
    Ok((id, learner))
}

/// `member change`: one joint-consensus change; new local members are started after it.
async fn joint(t: &Target, add: &[String], remove: &[u64]) -> anyhow::Result<NodeStatus> {
    if add.is_empty() && remove.is_empty() {
        bail!(UsageError(
            "member change needs --add and/or --remove".into()
        ));
    }
    let adds = add
        .iter()
        .map(|a| parse_add(a))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut ids: Vec<u64> = adds
        .iter()
        .map(|(id, _)| *id)
        .chain(remove.iter().copied())
        .collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        bail!(UsageError(format!(
            "node {} is named more than once: one change can do one thing to each member",
            w[0]
        )));
    }
    if adds.is_empty() {
        let (_, status) = joint_changes(t, Vec::new(), Vec::new(), remove).await?;
        return Ok(status);
    }
    let Some(manifest) = t.manifest.as_ref() else {
        bail!(UsageError(
            "member change --add starts new members, so it needs a local cluster".into()
        ));
    };
    let (leader, _) = target::leader(&t.endpoints).await?;
    let mut changes = Vec::new();
    let mut starts = Vec::new();
    for (id, learner) in adds {
        check_new_id(&leader, Some(manifest), id)?;
        let e = new_local(manifest, id)?;
        let kind = if learner {
            ChangeKind::AddLearner
        } else {
            ChangeKind::AddVoter
        };
        changes.push(Change {
            kind,
            id,
            peer: e.peer.clone(),
            api: e.api.clone(),
        });
        starts.push(e);
    }
    let (_, status) = joint_changes(t, changes, starts, remove).await?;
    Ok(status)
}

/// Proposes `changes` plus the removal of `remove` as one change, starts `starts` after it,
/// waits until the joint configuration is left, then stops the removed members' local
/// processes; the membership the change answered with, and the leader's status after.
async fn joint_changes(
    t: &Target,
    mut changes: Vec<Change>,
    starts: Vec<MemberEntry>,
    remove: &[u64],
) -> anyhow::Result<(Membership, NodeStatus)> {
    let (leader, ep) = target::leader(&t.endpoints).await?;
    for &id in remove {
        target::known_member(&leader, id)?;
        changes.push(Change::of(ChangeKind::Remove, id));
    }
    let after = change(&ep, changes)
        .await
        .context("the membership change was not applied")?;
    let applied = format!(
        "the membership change was applied at index {} (voters now {:?})",
        after.index, after.voters
    );
    let mut eps = t.endpoints.clone();
    if let Some(m) = &t.manifest {
        for e in starts {
            eps.push(e.api.clone());
            let id = e.id;
            tokio::task::block_in_place(|| start_local(&m.dir, e))
                .with_context(|| format!("{applied}, but node {id} did not start"))?;
        }
    }
    // Wait for the joint configuration to be left, asking whoever leads now.
    let start = Instant::now();
    let status = loop {
        if let Ok((s, _)) = target::leader(&eps).await
            && s.voters_outgoing.is_empty()
        {
            break s;
        }
        if start.elapsed() > CATCH_UP_DEADLINE {
            return Err(anyhow!(
                "{applied}, but the cluster did not leave the joint configuration within {} s",
                CATCH_UP_DEADLINE.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    if let Some(m) = &t.manifest {
        for &id in remove {
            if let Some(e) = m.member(id) {
                process::stop(e, Duration::from_secs(10));
            }
        }
        Manifest::update(&m.dir, |m| {
            m.members.retain(|e| !remove.contains(&e.id));
            m.removed.extend_from_slice(remove);
        })
        .with_context(|| applied.clone())?;
    }
    Ok((after, status))
}
