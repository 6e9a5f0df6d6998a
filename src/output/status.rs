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

impl ClusterStatus {
    /// Why no leader answered, for the one line `status` prints on stderr: lost quorum (with
    /// which voters are unreachable) or an election.
    pub fn no_leader_reason(&self) -> String {
        let up: Vec<&NodeStatus> = self
            .nodes
            .iter()
            .filter_map(|n| match n {
                NodeEntry::Up(s) => Some(&**s),
                NodeEntry::Down { .. } => None,
            })
            .collect();
        let Some(view) = up.iter().max_by_key(|s| (s.term, s.commit)) else {
            let errors: Vec<&str> = self
                .nodes
                .iter()
                .filter_map(|n| match n {
                    NodeEntry::Down { error, .. } => Some(error.as_str()),
                    NodeEntry::Up(_) => None,
                })
                .collect();
            return format!("no node answered: {}", errors.join("; "));
        };
        let down: Vec<u64> = view
            .voters
            .iter()
            .copied()
            .filter(|v| !up.iter().any(|s| s.id == *v))
            .collect();
        let n = view.voters.len();
        if !down.is_empty() && n - down.len() <= n / 2 {
            return format!(
                "no quorum: {} of {n} voters unreachable ({})",
                down.len(),
                ids(&down).replace(',', ", ")
            );
        }
        if view.leader != 0 {
            return format!(
                "no leader answered: the nodes follow node {}, which did not answer",
                view.leader
            );
        }
        "no leader: the reachable nodes know of none (an election may be under way)".into()
    }
}

fn ids(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

impl Tabular for ClusterStatus {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&[
            "ID", "API", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "FIRST", "LAST",
            "SNAPSHOT", "VOTERS", "LEARNERS", "ERROR",
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
                        match s.leader {
                            0 => "-".to_string(),
                            l => l.to_string(),
                        },
                        s.commit.to_string(),
                        s.applied.to_string(),
                        s.first_index.to_string(),
                        s.last_index.to_string(),
                        s.snapshot_index.to_string(),
                        voters,
                        ids(&s.learners),
                        String::new(),
                    ]);
                }
                NodeEntry::Down { id, api, error, .. } => {
                    let mut row = vec![
                        id.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
                        api.clone(),
                        "unreachable".into(),
                    ];
                    row.extend(std::iter::repeat_n(String::new(), 9));
                    row.push(error.clone());
                    t.add_row(row);
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
                        // raft-rs does not mark the leader's own progress active.
                        (pr.recent_active || pr.id == l.id).to_string(),
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
            // No leader: `status` says why on stderr.
            _ => {}
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
