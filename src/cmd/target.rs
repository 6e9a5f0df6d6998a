//! Which nodes a command talks to: --endpoints, or the local cluster's manifest.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};

use crate::api::client::Client;
pub use crate::api::client::statuses;
use crate::cluster::Manifest;
use crate::node::NodeStatus;

pub struct Target {
    pub endpoints: Vec<String>,
    pub manifest: Option<Manifest>,
}

impl Target {
    pub fn resolve(endpoints: &[String], cluster: &Path) -> anyhow::Result<Target> {
        if !endpoints.is_empty() {
            return Ok(Target {
                endpoints: endpoints.to_vec(),
                manifest: None,
            });
        }
        let m = Manifest::load(cluster)?;
        use_manifest_tls(&m)?;
        Ok(Target {
            endpoints: m.endpoints(),
            manifest: Some(m),
        })
    }
}

/// A cluster made by `cluster up --tls` is reached with the certificates in its cluster dir,
/// unless --cacert gave others.
pub fn use_manifest_tls(m: &Manifest) -> anyhow::Result<()> {
    use crate::api::client::{ClientTls, set_tls, tls_is_set};
    if let Some(t) = &m.tls
        && !tls_is_set()
    {
        let c = t.client();
        let tls = ClientTls::load(&t.ca(), Some((&c.cert, &c.key)))
            .with_context(|| format!("the TLS files of the cluster in {}", m.dir.display()))?;
        set_tls(tls);
    }
    Ok(())
}

/// How long to wait for a member to accept a connection and to answer a status request
/// (`--dial-timeout`), and for a command's own request (`--command-timeout`).
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub dial: Duration,
    pub command: Duration,
}

static TIMEOUTS: std::sync::OnceLock<Timeouts> = std::sync::OnceLock::new();

/// Sets the timeouts for this process (from the global flags); first call wins.
pub fn set_timeouts(t: Timeouts) {
    let _ = TIMEOUTS.set(t);
}

pub fn timeouts() -> Timeouts {
    TIMEOUTS.get().copied().unwrap_or(Timeouts {
        dial: Duration::from_secs(2),
        command: Duration::from_secs(5),
    })
}

/// A client for a command's own request to the member at `endpoint`, named as `label`.
pub fn client(endpoint: &str, label: String) -> Client {
    let t = timeouts();
    Client::with_dial(endpoint, t.command, t.dial).named(label)
}

/// "node 2 (127.0.0.1:7102)".
pub fn node_label(id: u64, api: &str) -> String {
    format!("node {id} ({})", crate::api::client::bare(api))
}

/// The leader's status and API endpoint. Every endpoint is asked at once and the first
/// leader to answer wins, so a member that is down or paused costs nothing while another
/// answers. A node that follows a leader no endpoint answered as leads to it through the
/// addresses members publish (so one follower's address is enough). While the nodes that
/// answer know no live leader (an election after a leader died), it asks again until the
/// command timeout.
pub async fn leader(endpoints: &[String]) -> anyhow::Result<(NodeStatus, String)> {
    let deadline = Instant::now() + timeouts().command;
    loop {
        match leader_once(endpoints).await {
            Ok(found) => return Ok(found),
            Err(Missing::NoneAnswered(e)) => return Err(e),
            Err(Missing::NoLeader(e)) if Instant::now() >= deadline => return Err(e),
            Err(Missing::NoLeader(_)) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

enum Missing {
    /// No endpoint answered at all: final.
    NoneAnswered(anyhow::Error),
    /// Nodes answered but no leader did: may change in a moment.
    NoLeader(anyhow::Error),
}

async fn leader_once(endpoints: &[String]) -> Result<(NodeStatus, String), Missing> {
    let dial = timeouts().dial;
    let mut asked: Vec<String> = Vec::new();
    let mut set = tokio::task::JoinSet::new();
    let ask = |set: &mut tokio::task::JoinSet<_>, e: &str| {
        let c = Client::with_dial(e, dial, dial);
        let e = e.to_string();
        set.spawn(async move { (e, c.status().await) });
    };
    for e in endpoints {
        if !asked.iter().any(|a| same_endpoint(a, e)) {
            ask(&mut set, e);
            asked.push(e.clone());
        }
    }
    let mut errors: Vec<String> = Vec::new();
    let mut followed: Option<(String, u64)> = None;
    while let Some(joined) = set.join_next().await {
        let Ok((e, r)) = joined else { continue };
        match r {
            Ok(s) if s.role == "leader" => return Ok((s, e)),
            Ok(s) => {
                if s.leader != 0 {
                    followed.get_or_insert((e.clone(), s.leader));
                    let api = s
                        .members
                        .iter()
                        .find(|m| m.id == s.leader && !m.api.is_empty())
                        .map(|m| m.api.clone());
                    if let Some(api) = api
                        && !asked.iter().any(|a| same_endpoint(a, &api))
                    {
                        ask(&mut set, &api);
                        asked.push(api);
                    }
                }
            }
            Err(err) => errors.push(err.to_string()),
        }
    }
    if let Some((e, l)) = followed {
        return Err(Missing::NoLeader(anyhow!(
            "{e} follows node {l}, but node {l} did not answer as the leader (its address is not \
             known, or it is down: {})",
            if errors.is_empty() {
                "no error".to_string()
            } else {
                errors.join("; ")
            }
        )));
    }
    if errors.len() == asked.len() {
        return Err(Missing::NoneAnswered(anyhow!(
            "no node answered: {}",
            errors.join("; ")
        )));
    }
    Err(Missing::NoLeader(anyhow!(
        "no leader: the nodes that answered know of none{}",
        if errors.is_empty() {
            String::new()
        } else {
            format!(" ({})", errors.join("; "))
        }
    )))
}

/// Whether two endpoint spellings name the same member (with a scheme or not).
pub fn same_endpoint(a: &str, b: &str) -> bool {
    crate::api::client::bare(a) == crate::api::client::bare(b)
}

/// Refuses an id that is neither a voter nor a learner of the cluster (a refusal by the
/// cluster: exit 1).
pub fn known_member(leader: &NodeStatus, id: u64) -> anyhow::Result<()> {
    let members: Vec<u64> = leader
        .voters
        .iter()
        .chain(&leader.learners)
        .copied()
        .collect();
    if !members.contains(&id) {
        return Err(anyhow!(
            "unknown node id {id} (the cluster has {members:?})"
        ));
    }
    Ok(())
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
