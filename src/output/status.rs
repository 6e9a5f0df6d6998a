//! Reports about running nodes: `status`, and the answers of `put` and `del`.

use serde::Serialize;

use super::{Block, Tabular, table};
use crate::node::NodeStatus;

/// One node in `status`: its status, or why it could not be had.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum NodeEntry {
    Up(Box<NodeStatus>),
    Down {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        api: String,
        reachable: bool,
        error: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusterStatus {
    pub nodes: Vec<NodeEntry>,
}

impl ClusterStatus {
    /// The leader's status, when a reachable node is the leader.
    pub fn leader(&self) -> Option<&NodeStatus> {
        self.nodes.iter().find_map(|n| match n {
            NodeEntry::Up(s) if s.role == "leader" => Some(&**s),
            _ => None,
        })
    }
}

fn ids(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

impl Tabular for ClusterStatus {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&[
            "ID", "API", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "FIRST", "LAST",
            "SNAPSHOT", "VOTERS", "LEARNERS",
        ]);
        for n in &self.nodes {
            match n {
                NodeEntry::Up(s) => {
                    let mut voters = ids(&s.voters);
                    if !s.voters_outgoing.is_empty() {
                        voters = format!("{voters} (joint: {})", ids(&s.voters_outgoing));
                    }
                    t.add_row(vec![
                        s.id.to_string(),
                        s.api.clone(),
                        s.role.clone(),
                        s.term.to_string(),
                        s.leader.to_string(),
                        s.commit.to_string(),
                        s.applied.to_string(),
                        s.first_index.to_string(),
                        s.last_index.to_string(),
                        s.snapshot_index.to_string(),
                        voters,
                        ids(&s.learners),
                    ]);
                }
                NodeEntry::Down { id, api, error, .. } => {
                    t.add_row(vec![
                        id.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
                        api.clone(),
                        format!("unreachable: {error}"),
                    ]);
                }
            }
        }
        let mut v = vec![Block::Table(Box::new(t))];
        match self.leader() {
            Some(l) if !l.progress.is_empty() => {
                let mut p = table(&[
                    "PEER", "MATCH", "NEXT", "STATE", "ACTIVE", "PAUSED", "INFLIGHT", "LAG",
                ]);
                for pr in &l.progress {
                    p.add_row(vec![
                        if pr.id == l.id {
                            format!("{} (leader)", pr.id)
                        } else {
                            pr.id.to_string()
                        },
                        pr.matched.to_string(),
                        pr.next.to_string(),
                        pr.state.clone(),
                        pr.recent_active.to_string(),
                        pr.paused.to_string(),
                        pr.inflight.to_string(),
                        l.last_index.saturating_sub(pr.matched).to_string(),
                    ]);
                }
                v.push(Block::Line(format!(
                    "\nleader {}'s view of replication:",
                    l.id
                )));
                v.push(Block::Table(Box::new(p)));
            }
            Some(_) => {}
            None => v.push(Block::Line("\nno leader is reachable".into())),
        }
        v
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub key: String,
    pub index: u64,
}

impl Tabular for Written {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(format!("OK (index {})", self.index))]
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Deleted {
    pub key: String,
    pub deleted: bool,
}

impl Tabular for Deleted {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(if self.deleted {
            "deleted".into()
        } else {
            "no such key (nothing deleted)".into()
        })]
    }
}
