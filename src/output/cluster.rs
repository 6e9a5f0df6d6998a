//! Reports of the cluster, member and leader commands.

use serde::Serialize;

use super::{Block, Tabular, table};

#[derive(Debug, Clone, Serialize)]
pub struct UpNode {
    pub id: u64,
    pub pid: Option<u32>,
    pub api: String,
    pub peer: String,
    pub data_dir: String,
}

/// `cluster up`.
#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    pub dir: String,
    pub cluster_id: String,
    pub leader: Option<u64>,
    pub elapsed_ms: f64,
    pub nodes: Vec<UpNode>,
}

impl Tabular for UpReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&["ID", "PID", "API", "PEER", "DATA DIR"]);
        for n in &self.nodes {
            let id = if Some(n.id) == self.leader {
                format!("{} (leader)", n.id)
            } else {
                n.id.to_string()
            };
            t.add_row(vec![
                id,
                n.pid.map(|p| p.to_string()).unwrap_or_else(|| "-".into()),
                n.api.clone(),
                n.peer.clone(),
                n.data_dir.clone(),
            ]);
        }
        let eps: Vec<&str> = self.nodes.iter().map(|n| n.api.as_str()).collect();
        vec![
            Block::Table(Box::new(t)),
            Block::Line(format!(
                "\ncluster {} in {} is up ({:.0} ms); its API: {}",
                self.cluster_id,
                self.dir,
                self.elapsed_ms,
                eps.join(",")
            )),
        ]
    }
}

/// A process action on members (`cluster stop|start|restart|kill|down`).
#[derive(Debug, Clone, Serialize)]
pub struct Acted {
    pub action: String,
    pub ids: Vec<u64>,
}

impl Tabular for Acted {
    fn blocks(&self) -> Vec<Block> {
        let ids: Vec<String> = self.ids.iter().map(u64::to_string).collect();
        let what = if ids.is_empty() {
            "nothing was running".to_string()
        } else {
            format!("{} node(s) {}", self.action, ids.join(", "))
        };
        vec![Block::Line(what)]
    }
}

/// One member as `member list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MemberRow {
    pub id: u64,
    /// `voter`, `learner`, `voter_outgoing` or `voter_incoming` (during a joint change).
    pub role: String,
    pub peer: String,
    pub api: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberList {
    pub members: Vec<MemberRow>,
}

impl Tabular for MemberList {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&["ID", "ROLE", "PEER", "API"]);
        for m in &self.members {
            t.add_row(vec![
                m.id.to_string(),
                m.role.clone(),
                m.peer.clone(),
                m.api.clone(),
            ]);
        }
        vec![Block::Table(Box::new(t))]
    }
}

impl Tabular for MemberRow {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(format!(
            "member {} is a {} (peer {}, API {})",
            self.id, self.role, self.peer, self.api
        ))]
    }
}

/// `leader transfer`.
#[derive(Debug, Clone, Serialize)]
pub struct TransferReport {
    pub from: u64,
    pub to: u64,
    pub elapsed_ms: f64,
}

impl Tabular for TransferReport {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(format!(
            "leadership moved from {} to {} in {:.0} ms",
            self.from, self.to, self.elapsed_ms
        ))]
    }
}
