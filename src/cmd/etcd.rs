//! The commands that work on a live etcd cluster (`--etcd URL,…`): `status` (and `cluster
//! status`), `top` (live, or once), `member list|add|remove|promote`, `leader transfer` /
//! `move-leader`, over plain HTTP/2 or TLS as etcdctl takes it.
//! The rest speak raftctl's own API and refuse --etcd with one line.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};

use super::target;
use super::{Outcome, UsageError};
use crate::cli::{Command, LeaderCommand, MemberCommand, MemberId, Net};
use crate::etcd::{self, Client, hex};
use crate::output::etcd::{EtcdMember, EtcdMembers, EtcdStatus, EtcdTransfer};
use crate::output::{self, Format};
use crate::proto::etcdrpc as pb;

pub fn run(
    command: Command,
    urls: &[String],
    net: &Net,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    for u in urls {
        let a = etcd::addr(u, net.cacert.is_some()).map_err(|e| UsageError(e.to_string()))?;
        if a.tls && net.cacert.is_none() {
            return Err(UsageError(format!(
                "--etcd {u}: an https:// endpoint needs the CA that signed its certificate \
                 (--cacert FILE, and --cert/--key when etcd asks for a client certificate)"
            ))
            .into());
        }
    }
    let t = target::timeouts();
    let mut ctx = etcd::Target::new(urls.to_vec(), t.dial, t.command);
    if let Some(ca) = &net.cacert {
        let identity = net.cert.as_ref().zip(net.key.as_ref());
        let tls = crate::api::client::ClientTls::load(ca, identity)?;
        ctx = ctx.with_tls(&tls.config);
    }
    let ctx = Ctx(ctx);
    let rt = target::runtime()?;
    match command {
        Command::Status | Command::Cluster(crate::cli::ClusterCommand::Status) => {
            rt.block_on(status(&ctx, format, out))
        }
        Command::Top(a) if a.once || !crate::top::interactive() => {
            rt.block_on(status(&ctx, format, out))
        }
        Command::Top(a) => {
            drop(rt);
            super::check_interval(a.interval.0)?;
            Ok(
                match crate::top::run(crate::top::Source::Etcd(ctx.0), a.interval.0)? {
                    crate::top::Exit::Quit => Outcome::Ok,
                    crate::top::Exit::Interrupted => Outcome::Interrupted,
                },
            )
        }
        Command::Member(c) => rt.block_on(member(&ctx, c, format, out)),
        Command::Leader(LeaderCommand::Transfer { to }) => {
            rt.block_on(transfer(&ctx, to, format, out))
        }
        Command::MoveLeader { id } => rt.block_on(transfer(&ctx, Some(id), format, out)),
        other => Err(UsageError(format!(
            "`raftctl {}` does not take --etcd: with an etcd cluster, raftctl does status, \
             top, member list|add|remove|promote and leader transfer",
            name(&other)
        ))
        .into()),
    }
}

fn name(c: &Command) -> &'static str {
    match c {
        Command::Put { .. } => "put",
        Command::Get(_) => "get",
        Command::Del(_) => "del",
        Command::Bench(_) => "bench",
        Command::Chaos(_) => "chaos",
        Command::Endpoint(_) => "endpoint",
        Command::Cluster(_) => "cluster",
        _ => "this command",
    }
}

/// The cluster the command works on.
struct Ctx(etcd::Target);

impl Ctx {
    /// A client of the first endpoint that accepts a connection.
    async fn any(&self) -> anyhow::Result<Client> {
        let mut errors = Vec::new();
        for u in &self.0.endpoints {
            match Client::connect(u, &self.0).await {
                Ok(c) => return Ok(c),
                Err(e) => errors.push(format!("{e:#}")),
            }
        }
        bail!("no etcd endpoint answered: {}", errors.join("; "))
    }

    /// Every member's Status; a member that does not answer within the time to connect is
    /// reported as such rather than waited for.
    async fn status(&self) -> EtcdStatus {
        etcd::cluster_status(&self.0.with_timeouts(self.0.connect, self.0.connect)).await
    }
}

async fn status(ctx: &Ctx, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let report = ctx.status().await;
    let fit = output::Fit {
        width: output::width(),
        base: None,
    };
    output::render_fit(&report, format, out, &fit)?;
    if report.leader().is_none() {
        output::diagnostic(&no_leader_reason(&report));
        return Ok(Outcome::ProblemFound);
    }
    Ok(Outcome::Ok)
}

fn no_leader_reason(r: &EtcdStatus) -> String {
    let up: Vec<_> = r.nodes.iter().filter(|n| n.reachable).collect();
    if up.is_empty() {
        let errs: Vec<String> = r.nodes.iter().flat_map(|n| n.errors.clone()).collect();
        return format!("no etcd member answered: {}", errs.join("; "));
    }
    match up.iter().filter_map(|n| n.leader).find(|l| *l != 0) {
        Some(l) => format!(
            "no leader answered: the members follow member {}, which did not answer",
            hex(l)
        ),
        None => "no leader: the reachable etcd members know of none (lost quorum, or an \
                 election under way)"
            .into(),
    }
}

fn members_report(cluster_id: u64, ms: &[pb::Member]) -> EtcdMembers {
    let mut members: Vec<EtcdMember> = ms.iter().map(EtcdMember::from).collect();
    members.sort_by_key(|m| m.id);
    EtcdMembers {
        cluster_id,
        members,
        changed: None,
        added: None,
        initial_cluster: None,
    }
}

fn cluster_id(h: &Option<pb::ResponseHeader>) -> u64 {
    h.as_ref().map(|h| h.cluster_id).unwrap_or(0)
}

fn hex_id(id: &MemberId) -> anyhow::Result<u64> {
    Ok(id.hex().map_err(UsageError)?)
}

/// The member `id` of the list, or an error naming the members there are.
fn known(ms: &[pb::Member], id: u64) -> anyhow::Result<&pb::Member> {
    ms.iter().find(|m| m.id == id).ok_or_else(|| {
        let ids: Vec<String> = ms.iter().map(|m| hex(m.id)).collect();
        anyhow!(
            "no member {} in the etcd cluster (its members: {})",
            hex(id),
            ids.join(", ")
        )
    })
}

async fn member(
    ctx: &Ctx,
    c: MemberCommand,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let client = ctx.any().await?;
    let report = match c {
        MemberCommand::List => {
            let l = client.member_list().await?;
            members_report(cluster_id(&l.header), &l.members)
        }
        MemberCommand::Add {
            learner,
            id,
            peer,
            api,
        } => {
            if id.is_some() || api.is_some() {
                return Err(UsageError(
                    "member add --etcd: etcd picks the new member's id and the member \
                     publishes its own client URLs; give only --peer URL (and --learner)"
                        .into(),
                )
                .into());
            }
            let Some(peer) = peer else {
                return Err(UsageError(
                    "member add --etcd needs --peer URL (the new member's peer URL, e.g. \
                     http://10.0.0.4:2380)"
                        .into(),
                )
                .into());
            };
            let peers: Vec<String> = peer
                .split(',')
                .map(|p| {
                    let p = p.trim();
                    if p.contains("://") {
                        p.to_string()
                    } else {
                        format!("http://{p}")
                    }
                })
                .collect();
            let r = client
                .member_add(peers.clone(), learner)
                .await
                .context("member add")?;
            let new = r
                .member
                .as_ref()
                .ok_or_else(|| anyhow!("{}: MemberAdd answered no member", client.endpoint()))?;
            let mut rep = members_report(cluster_id(&r.header), &r.members);
            // etcdctl's ETCD_INITIAL_CLUSTER for the new member: every member's name and peer
            // URLs, the new one (which has no name yet) as NEW_NAME.
            let mut parts = Vec::new();
            for m in &r.members {
                let n = if m.id == new.id {
                    "NEW_NAME".to_string()
                } else {
                    m.name.clone()
                };
                if m.id != new.id && n.is_empty() {
                    continue;
                }
                for p in &m.peer_urls {
                    parts.push(format!("{n}={p}"));
                }
            }
            rep.changed = Some(format!(
                "added member {} as a {} (peer {})",
                hex(new.id),
                if learner { "learner" } else { "voter" },
                peers.join(",")
            ));
            rep.added = Some(new.id);
            rep.initial_cluster = Some(parts.join(","));
            rep
        }
        MemberCommand::Remove { id } => {
            let id = hex_id(&id)?;
            let l = client.member_list().await?;
            known(&l.members, id)?;
            let r = client
                .member_remove(id)
                .await
                .with_context(|| format!("removing member {}", hex(id)))?;
            let mut rep = members_report(cluster_id(&r.header), &r.members);
            rep.changed = Some(format!("removed member {}", hex(id)));
            rep
        }
        MemberCommand::Promote { id } => {
            let id = hex_id(&id)?;
            let l = client.member_list().await?;
            if !known(&l.members, id)?.is_learner {
                bail!("member {} is already a voter", hex(id));
            }
            let r = client
                .member_promote(id)
                .await
                .with_context(|| format!("promoting member {}", hex(id)))?;
            let mut rep = members_report(cluster_id(&r.header), &r.members);
            rep.changed = Some(format!("promoted member {} to voter", hex(id)));
            rep
        }
        MemberCommand::Change { .. } => {
            return Err(UsageError(
                "member change --etcd: etcd's API has no joint change of several members; \
                 use member add/remove/promote one at a time"
                    .into(),
            )
            .into());
        }
    };
    output::render(&report, format, out)?;
    Ok(Outcome::Ok)
}

/// Moves leadership to `to` (default: the reachable voter with the highest raft index),
/// asking the leader (etcd refuses MoveLeader elsewhere); etcd answers once it moved.
async fn transfer(
    ctx: &Ctx,
    to: Option<MemberId>,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let to = to.as_ref().map(hex_id).transpose()?;
    let st = ctx.status().await;
    let Some(leader) = st.leader().cloned() else {
        bail!("{}", no_leader_reason(&st));
    };
    let from = leader.id.unwrap_or(0);
    let target = match to {
        Some(id) => {
            let Some(n) = st.nodes.iter().find(|n| n.id == Some(id)) else {
                let ids: Vec<String> = st.nodes.iter().filter_map(|n| n.id).map(hex).collect();
                bail!(
                    "no member {} in the etcd cluster (its members: {})",
                    hex(id),
                    ids.join(", ")
                );
            };
            if n.learner {
                bail!(
                    "cannot transfer leadership to member {}: it is a learner",
                    hex(id)
                );
            }
            id
        }
        None => st
            .nodes
            .iter()
            .filter(|n| n.reachable && !n.learner && n.id != Some(from))
            .max_by_key(|n| n.raft_index)
            .and_then(|n| n.id)
            .ok_or_else(|| anyhow!("no reachable voter to hand leadership to"))?,
    };
    let start = Instant::now();
    if target != from {
        let c = Client::connect(&leader.endpoint, &ctx.0).await?;
        c.move_leader(target).await.with_context(|| {
            format!(
                "moving leadership from member {} to member {}",
                hex(from),
                hex(target)
            )
        })?;
    }
    let report = EtcdTransfer {
        from,
        to: target,
        moved: target != from,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    };
    output::render(&report, format, out)?;
    Ok(Outcome::Ok)
}
