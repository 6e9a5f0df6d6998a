//! `raftctl member list|add|remove|promote|change`.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use super::target::{self, Target};
use super::{Outcome, UsageError};
use crate::api::client::Client;
use crate::cli::MemberCommand;
use crate::cluster::{Manifest, MemberEntry, process};
use crate::node::{Change, ChangeKind, NodeStatus};
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
            let (leader, ep) = rt.block_on(target::leader(&t.endpoints))?;
            target::known_member(&leader, id)?;
            if leader.voters.contains(&id) {
                bail!("node {id} is already a voter");
            }
            rt.block_on(change(&ep, vec![Change::of(ChangeKind::AddVoter, id)]))?;
            let (leader, _) = rt.block_on(target::leader(&t.endpoints))?;
            output::render(&list(&leader, t.manifest.as_ref()), format, out)?;
        }
        MemberCommand::Remove { id } => {
            let leader = rt.block_on(remove(t, id))?;
            output::render(&list(&leader, t.manifest.as_ref()), format, out)?;
        }
        MemberCommand::Change { add, remove } => {
            let leader = rt.block_on(joint(t, &add, &remove))?;
            output::render(&list(&leader, t.manifest.as_ref()), format, out)?;
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
            MemberRow {
                id,
                role: role.into(),
                peer,
                api,
            }
        })
        .collect();
    MemberList { members }
}

async fn change(endpoint: &str, changes: Vec<Change>) -> anyhow::Result<crate::node::Membership> {
    Ok(Client::new(endpoint, Duration::from_secs(10))
        .change(&changes)
        .await?)
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("picking a free port")?;
    Ok(l.local_addr()?.port())
}

/// A new local member: ports, data dir and log in the cluster dir.
fn new_local(m: &Manifest, id: u64) -> anyhow::Result<MemberEntry> {
    Ok(MemberEntry {
        id,
        peer: format!("127.0.0.1:{}", free_port()?),
        api: format!("127.0.0.1:{}", free_port()?),
        data_dir: m.dir.join(format!("n{id}")),
        log: m.dir.join(format!("n{id}.log")),
        pid: None,
        joined: true,
    })
}

/// Starts a local member that was just added, and records it in the manifest.
fn start_local(m: &mut Manifest, mut e: MemberEntry) -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    m.members.push(e.clone());
    let mut child =
        process::spawn(&exe, m, &e).with_context(|| format!("starting node {}", e.id))?;
    e.pid = Some(child.id());
    if let Some(x) = m.member_mut(e.id) {
        x.pid = e.pid;
    }
    m.save()?;
    super::cluster::wait_answering(&e, &mut child)
}

async fn add(
    t: &Target,
    learner: bool,
    id: Option<u64>,
    peer: Option<String>,
    api: Option<String>,
) -> anyhow::Result<MemberRow> {
    let (leader, ep) = target::leader(&t.endpoints).await?;
    let taken: Vec<u64> = leader
        .voters
        .iter()
        .chain(&leader.learners)
        .copied()
        .collect();
    let id = id.unwrap_or_else(|| {
        let local = t.manifest.as_ref().map(Manifest::next_id).unwrap_or(1);
        local.max(taken.iter().max().copied().unwrap_or(0) + 1)
    });
    if taken.contains(&id) {
        bail!(UsageError(format!("node {id} is already a member")));
    }
    let mut manifest = t.manifest.clone();
    let entry = match &manifest {
        Some(m) => Some(new_local(m, id)?),
        None => None,
    };
    let (peer, api) = match (&entry, peer, api) {
        (Some(e), None, None) => (e.peer.clone(), e.api.clone()),
        (_, Some(p), Some(a)) => (p, a),
        _ => bail!(UsageError(
            "with --endpoints, member add needs --peer and --api of the new member".into()
        )),
    };
    let learner_change = Change {
        kind: ChangeKind::AddLearner,
        id,
        peer: peer.clone(),
        api: api.clone(),
    };
    change(&ep, vec![learner_change]).await?;
    if let (Some(m), Some(mut e)) = (manifest.as_mut(), entry) {
        e.peer = peer.clone();
        e.api = api.clone();
        tokio::task::block_in_place(|| start_local(m, e))?;
    }
    wait_caught_up(&ep, id, !learner || manifest.is_some()).await?;
    let mut role = "learner";
    if !learner {
        change(&ep, vec![Change::of(ChangeKind::AddVoter, id)]).await?;
        role = "voter";
    }
    Ok(MemberRow {
        id,
        role: role.into(),
        peer,
        api,
    })
}

/// Waits until the leader replicates to `id` and it has (nearly) everything.
async fn wait_caught_up(endpoint: &str, id: u64, required: bool) -> anyhow::Result<()> {
    let c = Client::new(endpoint, Duration::from_secs(2));
    let start = Instant::now();
    loop {
        if let Ok(s) = c.status().await
            && let Some(p) = s.progress.iter().find(|p| p.id == id)
            && p.state == "replicate"
            && p.matched + 100 >= s.last_index
        {
            return Ok(());
        }
        if !required {
            return Ok(());
        }
        if start.elapsed() > CATCH_UP_DEADLINE {
            bail!(
                "node {id} did not catch up within {} s (is its process running?)",
                CATCH_UP_DEADLINE.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn remove(t: &Target, id: u64) -> anyhow::Result<NodeStatus> {
    let (leader, mut ep) = target::leader(&t.endpoints).await?;
    target::known_member(&leader, id)?;
    if leader.voters == [id] {
        bail!("cannot remove node {id}: it is the last voter");
    }
    if leader.id == id {
        // raft-rs keeps a removed leader leading (etcd#11038): hand over first.
        Client::new(&ep, Duration::from_secs(10))
            .transfer(None)
            .await
            .context("handing over leadership before removing the leader")?;
        ep = wait_leader_other_than(t, id).await?;
    }
    let remove = Change::of(ChangeKind::Remove, id);
    let after = change(&ep, vec![remove]).await?;
    if let Some(m) = &t.manifest {
        let mut m = m.clone();
        if let Some(e) = m.member(id) {
            process::stop(e, Duration::from_secs(10));
        }
        m.members.retain(|e| e.id != id);
        m.save()?;
    }
    let (mut l, _) = target::leader(&t.endpoints).await?;
    // The leader's status may lag its answer by a moment: show the membership it answered.
    l.voters = after.voters;
    l.learners = after.learners;
    l.voters_outgoing = after.voters_outgoing;
    Ok(l)
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

/// `member change`: one joint-consensus change; new local members are started after it.
async fn joint(t: &Target, add: &[String], remove: &[u64]) -> anyhow::Result<NodeStatus> {
    if add.is_empty() && remove.is_empty() {
        bail!(UsageError(
            "member change needs --add and/or --remove".into()
        ));
    }
    let (leader, ep) = target::leader(&t.endpoints).await?;
    let mut manifest = t.manifest.clone();
    let mut changes = Vec::new();
    let mut starts = Vec::new();
    for a in add {
        let (id, learner) = match a.split_once(':') {
            Some((id, "learner")) => (id, true),
            Some((_, other)) => bail!(UsageError(format!(
                "--add '{a}': '{other}' is not 'learner'"
            ))),
            None => (a.as_str(), false),
        };
        let id: u64 = id
            .parse()
            .map_err(|_| UsageError(format!("--add '{a}': not a node id")))?;
        let (peer, api) = match &manifest {
            Some(m) => {
                let e = new_local(m, id)?;
                let pa = (e.peer.clone(), e.api.clone());
                starts.push(e);
                pa
            }
            None => bail!(UsageError(
                "member change --add starts new members, so it needs a local cluster".into()
            )),
        };
        let kind = if learner {
            ChangeKind::AddLearner
        } else {
            ChangeKind::AddVoter
        };
        changes.push(Change {
            kind,
            id,
            peer,
            api,
        });
    }
    for &id in remove {
        target::known_member(&leader, id)?;
        changes.push(Change::of(ChangeKind::Remove, id));
    }
    change(&ep, changes).await?;
    if let Some(m) = manifest.as_mut() {
        for e in starts {
            tokio::task::block_in_place(|| start_local(m, e))?;
        }
    }
    // Wait for the joint configuration to be left.
    let c = Client::new(&ep, Duration::from_secs(2));
    let start = Instant::now();
    let status = loop {
        if let Ok(s) = c.status().await
            && s.voters_outgoing.is_empty()
        {
            break s;
        }
        if start.elapsed() > CATCH_UP_DEADLINE {
            return Err(anyhow!(
                "the cluster did not leave the joint configuration within {} s",
                CATCH_UP_DEADLINE.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    if let Some(m) = manifest.as_mut() {
        for &id in remove {
            if let Some(e) = m.member(id) {
                process::stop(e, Duration::from_secs(10));
            }
            m.members.retain(|e| e.id != id);
        }
        m.save()?;
    }
    Ok(status)
}
