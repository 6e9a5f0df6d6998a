//! Reports about a live etcd cluster (`--etcd`): `status`, `member …`, `leader transfer`.
//! Ids are JSON numbers (exact u64) and hex in tables, as etcdctl prints them.

use serde::Serialize;

use super::{Block, Tabular, table};
use crate::etcd::hex;

/// One member (or an endpoint that matched none) in `status --etcd`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EtcdNode {
    /// The member id; null for an endpoint that did not answer and no member lists.
    pub id: Option<u64>,
    pub name: String,
    /// The endpoint it was asked at (given, or its first client URL); empty when none was.
    pub endpoint: String,
    pub reachable: bool,
    /// `leader` or `follower` (a learner is a `follower` with `learner: true`); `no_leader`
    /// when it knows of none; null when unreachable. etcd's Status does not tell a
    /// candidate from a follower.
    pub role: Option<&'static str>,
    pub term: Option<u64>,
    /// The leader it knows (0: none).
    pub leader: Option<u64>,
    /// Its commit index (etcd's raftIndex).
    pub raft_index: Option<u64>,
    /// Its applied index (raftAppliedIndex, sent by 3.4 and later).
    pub applied: Option<u64>,
    pub db_size: Option<i64>,
    pub db_size_in_use: Option<i64>,
    pub learner: bool,
    pub version: Option<String>,
    /// etcd's errors (alarms, "etcdserver: no leader"), or why it could not be asked.
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EtcdStatus {
    pub cluster_id: Option<u64>,
    pub nodes: Vec<EtcdNode>,
}

impl EtcdStatus {
    /// The leader's entry, when the leader answered.
    pub fn leader(&self) -> Option<&EtcdNode> {
        self.nodes.iter().find(|n| n.role == Some("leader"))
    }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn bytes(v: Option<i64>) -> String {
    match v {
        None => String::new(),
        Some(b) if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
        Some(b) if b >= 1 << 10 => format!("{:.0} kB", b as f64 / (1 << 10) as f64),
        Some(b) => format!("{b} B"),
    }
}

impl Tabular for EtcdStatus {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&[
            "ID",
            "NAME",
            "ENDPOINT",
            "ROLE",
            "TERM",
            "LEADER",
            "RAFT INDEX",
            "APPLIED",
            "DB SIZE",
            "LEARNER",
            "VERSION",
            "ERRORS",
        ]);
        for n in &self.nodes {
            t.add_row(vec![
                n.id.map(hex).unwrap_or_default(),
                n.name.clone(),
                n.endpoint.clone(),
                n.role.unwrap_or("unreachable").to_string(),
                opt(&n.term),
                n.leader.filter(|l| *l != 0).map(hex).unwrap_or_default(),
                opt(&n.raft_index),
                opt(&n.applied),
                bytes(n.db_size),
                n.learner.to_string(),
                opt(&n.version),
                n.errors.join("; "),
            ]);
        }
        vec![Block::Table(Box::new(t))]
    }
}

/// One member in `member list --etcd`.
#[derive(Debug, Clone, Serialize)]
pub struct EtcdMember {
    pub id: u64,
    /// Empty until the member has started and published its name.
    pub name: String,
    /// `voter` or `learner`.
    pub role: &'static str,
    pub started: bool,
    pub peer_urls: Vec<String>,
    pub client_urls: Vec<String>,
    pub learner: bool,
}

impl From<&crate::proto::etcdrpc::Member> for EtcdMember {
    fn from(m: &crate::proto::etcdrpc::Member) -> EtcdMember {
        EtcdMember {
            id: m.id,
            name: m.name.clone(),
            role: if m.is_learner { "learner" } else { "voter" },
            started: !m.name.is_empty(),
            peer_urls: m.peer_urls.clone(),
            client_urls: m.client_urls.clone(),
            learner: m.is_learner,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EtcdMembers {
    pub cluster_id: u64,
    pub members: Vec<EtcdMember>,
    /// What a change did (add, remove, promote), for the line above the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<String>,
    /// `member add`: the new member's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<u64>,
    /// `member add`: the settings to start the new member with, as etcdctl prints them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_cluster: Option<String>,
}

impl Tabular for EtcdMembers {
    fn blocks(&self) -> Vec<Block> {
        // etcdctl's member list columns.
        let mut t = table(&[
            "ID",
            "STATUS",
            "NAME",
            "PEER ADDRS",
            "CLIENT ADDRS",
            "IS LEARNER",
        ]);
        for m in &self.members {
            t.add_row(vec![
                hex(m.id),
                if m.started { "started" } else { "unstarted" }.to_string(),
                m.name.clone(),
                m.peer_urls.join(","),
                m.client_urls.join(","),
                m.learner.to_string(),
            ]);
        }
        let mut v = Vec::new();
        if let Some(c) = &self.changed {
            v.push(Block::Line(format!("{c}; the members now:")));
        }
        v.push(Block::Table(Box::new(t)));
        if let Some(ic) = &self.initial_cluster {
            v.push(Block::Line(format!(
                "start it with: ETCD_INITIAL_CLUSTER=\"{ic}\" \
                 ETCD_INITIAL_CLUSTER_STATE=\"existing\""
            )));
        }
        v
    }
}

/// `leader transfer --etcd`.
#[derive(Debug, Clone, Serialize)]
pub struct EtcdTransfer {
    pub from: u64,
    pub to: u64,
    /// False when the target already led: nothing was done.
    pub moved: bool,
    pub elapsed_ms: f64,
}

impl Tabular for EtcdTransfer {
    fn blocks(&self) -> Vec<Block> {
        let line = if self.moved {
            format!(
                "leadership moved from member {} to member {} in {:.0} ms",
                hex(self.from),
                hex(self.to),
                self.elapsed_ms
            )
        } else {
            format!("member {} already leads; nothing to do", hex(self.to))
        };
        vec![Block::Line(line)]
    }
}
