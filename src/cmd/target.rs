//! Which nodes a command talks to: --endpoints, or the local cluster's manifest.

use std::path::Path;
use std::time::Duration;

use anyhow::anyhow;

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
        Ok(Target {
            endpoints: m.endpoints(),
            manifest: Some(m),
        })
    }

    /// The manifest, for commands that start or stop processes.
    pub fn local(&self, what: &str) -> anyhow::Result<&Manifest> {
        self.manifest.as_ref().ok_or_else(|| {
            anyhow!(
                "{what} needs a local cluster (started by `raftctl cluster up`), not --endpoints"
            )
        })
    }

    /// A name for the node at `endpoint`: "node 2 (http://127.0.0.1:7102)" when known.
    pub fn describe(&self, endpoint: &str) -> String {
        let id = self.manifest.as_ref().and_then(|m| {
            m.members
                .iter()
                .find(|x| endpoint.ends_with(&x.api))
                .map(|x| x.id)
        });
        match id {
            Some(id) => format!("node {id} ({endpoint})"),
            None => endpoint.to_string(),
        }
    }
}

/// The leader's status and endpoint.
pub async fn leader(endpoints: &[String]) -> anyhow::Result<(NodeStatus, String)> {
    let all = statuses(endpoints, Duration::from_secs(2)).await;
    if let Some((e, Ok(s))) = all
        .iter()
        .find(|(_, s)| s.as_ref().is_ok_and(|s| s.role == "leader"))
    {
        return Ok((s.clone(), e.clone()));
    }
    let errors: Vec<String> = all
        .iter()
        .filter_map(|(_, r)| r.as_ref().err().cloned())
        .collect();
    if errors.len() == all.len() {
        return Err(anyhow!("no node answered: {}", errors.join("; ")));
    }
    // A node may know a leader that is not among the endpoints asked.
    let known = all.iter().find_map(|(e, r)| {
        r.as_ref()
            .ok()
            .filter(|s| s.leader != 0)
            .map(|s| (e, s.leader))
    });
    if let Some((e, l)) = known {
        return Err(anyhow!(
            "{e} follows node {l}, but no endpoint answered as the leader (is node {l} among \
             them, and up?)"
        ));
    }
    Err(anyhow!(
        "no leader: the reachable nodes know of none (an election may be under way)"
    ))
}

/// Refuses an id that is neither a voter nor a learner of the cluster (a usage error).
pub fn known_member(leader: &NodeStatus, id: u64) -> anyhow::Result<()> {
    let members: Vec<u64> = leader
        .voters
        .iter()
        .chain(&leader.learners)
        .copied()
        .collect();
    if !members.contains(&id) {
        return Err(super::UsageError(format!(
            "unknown node id {id} (the cluster has {members:?})"
        ))
        .into());
    }
    Ok(())
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
