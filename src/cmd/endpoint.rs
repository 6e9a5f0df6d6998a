//! `raftctl endpoint status|health`: etcdctl's per-endpoint checks, for monitoring. `status` is
//! `raftctl status`'s table over the endpoints given (every member with --cluster); `health`
//! asks each endpoint once, all at the same time, within the dial timeout.

use std::io::Write;
use std::time::{Duration, Instant};

use super::Outcome;
use super::target::{self, Target};
use crate::api::client::Client;
use crate::cli::EndpointCommand;
use crate::node::NodeStatus;
use crate::output::endpoint::{EndpointHealth, Health};
use crate::output::status::NodeEntry;
use crate::output::{self, Format};

pub fn run(
    c: EndpointCommand,
    t: &Target,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    match c {
        EndpointCommand::Status { cluster } => status(t, cluster, format, out),
        EndpointCommand::Health { cluster } => health(t, cluster, format, out),
    }
}

/// `status`'s table of the endpoints (every member with --cluster). Exits 1 when an endpoint
/// does not answer or none of those that do knows a leader, so that it can watch one member.
fn status(
    t: &Target,
    every_member: bool,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let report = super::kv::status_report(t, every_member)?;
    output::render(&report, format, out)?;
    let down: Vec<String> = report
        .nodes
        .iter()
        .filter_map(|n| match n {
            NodeEntry::Down { api, error, .. } => Some(format!("{api}: {error}")),
            NodeEntry::Up(_) => None,
        })
        .collect();
    let knows_leader = report
        .nodes
        .iter()
        .any(|n| matches!(n, NodeEntry::Up(s) if s.leader != 0));
    if !down.is_empty() {
        output::diagnostic(&format!("no answer from {}", down.join("; ")));
        return Ok(Outcome::ProblemFound);
    }
    if !knows_leader {
        output::diagnostic(&report.no_leader_reason());
        return Ok(Outcome::ProblemFound);
    }
    Ok(Outcome::Ok)
}

type Answer = (String, Result<NodeStatus, String>, Duration);

/// Each endpoint's status, asked all at once, each within `timeout`, in endpoint order.
async fn ask(endpoints: &[String], timeout: Duration) -> Vec<Answer> {
    let tasks: Vec<_> = endpoints
        .iter()
        .map(|e| {
            let c = Client::with_dial(e, timeout, timeout);
            tokio::spawn(async move {
                let start = Instant::now();
                let r = c.status().await.map_err(|x| x.to_string());
                (r, start.elapsed())
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for (t, e) in tasks.into_iter().zip(endpoints) {
        let (r, took) = match t.await {
            Ok(x) => x,
            Err(j) => (Err(format!("the request failed: {j}")), Duration::ZERO),
        };
        out.push((e.clone(), r, took));
    }
    out
}

fn health(
    t: &Target,
    every_member: bool,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let dial = target::timeouts().dial;
    let rt = target::runtime()?;
    let (answers, unaddressed) = rt.block_on(async {
        let mut answers = ask(&t.endpoints, dial).await;
        let mut unaddressed = Vec::new();
        if every_member {
            let (more, none) = unasked_members(&answers);
            unaddressed = none;
            answers.extend(ask(&more, dial).await);
        }
        (answers, unaddressed)
    });
    let mut endpoints: Vec<EndpointHealth> = answers
        .into_iter()
        .map(|(endpoint, r, took)| {
            let endpoint = crate::api::client::bare(&endpoint).to_string();
            let took_ms = (took.as_secs_f64() * 1e6).round() / 1e3;
            match r {
                Ok(s) => EndpointHealth {
                    endpoint,
                    id: Some(s.id),
                    health: s.leader != 0,
                    leader: (s.leader != 0).then_some(s.leader),
                    term: Some(s.term),
                    took_ms,
                    error: (s.leader == 0)
                        .then(|| format!("node {} knows no leader (term {})", s.id, s.term)),
                },
                Err(e) => EndpointHealth {
                    endpoint,
                    id: None,
                    health: false,
                    leader: None,
                    term: None,
                    took_ms,
                    error: Some(e),
                },
            }
        })
        .collect();
    endpoints.extend(unaddressed.into_iter().map(|id| EndpointHealth {
        endpoint: String::new(),
        id: Some(id),
        health: false,
        leader: None,
        term: None,
        took_ms: 0.0,
        error: Some(format!("node {id} has not published its API address")),
    }));
    let report = Health {
        healthy: endpoints.iter().all(|e| e.health),
        endpoints,
    };
    output::render(&report, format, out)?;
    if !report.healthy {
        let bad = report.endpoints.iter().filter(|e| !e.health).count();
        output::diagnostic(&format!(
            "unhealthy: {bad} of {} endpoint(s)",
            report.endpoints.len()
        ));
        return Ok(Outcome::ProblemFound);
    }
    Ok(Outcome::Ok)
}

/// The API addresses of the members the answering endpoints know (voters and learners) that
/// were not asked yet, and the ids of those without a published address.
fn unasked_members(answers: &[Answer]) -> (Vec<String>, Vec<u64>) {
    let answered: Vec<u64> = answers
        .iter()
        .filter_map(|(_, r, _)| r.as_ref().ok().map(|s| s.id))
        .collect();
    let (mut more, mut none): (Vec<String>, Vec<u64>) = (Vec::new(), Vec::new());
    for s in answers.iter().filter_map(|(_, r, _)| r.as_ref().ok()) {
        let members = s.voters.iter().chain(&s.learners).chain(&s.voters_outgoing);
        for &id in members {
            if answered.contains(&id) || none.contains(&id) {
                continue;
            }
            match s.members.iter().find(|m| m.id == id && !m.api.is_empty()) {
                Some(m) => {
                    let asked = answers
                        .iter()
                        .any(|(e, _, _)| target::same_endpoint(e, &m.api))
                        || more.iter().any(|e| target::same_endpoint(e, &m.api));
                    if !asked {
                        more.push(m.api.clone());
                    }
                }
                None => none.push(id),
            }
        }
    }
    // A member one node lacks an address for may have one at another node.
    none.retain(|id| {
        !answers
            .iter()
            .filter_map(|(_, r, _)| r.as_ref().ok())
            .any(|s| s.members.iter().any(|m| m.id == *id && !m.api.is_empty()))
    });
    (more, none)
}
