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
    pub elapsed_ms: u64,
    pub nodes: Vec<UpNode>,
}

impl Tabular for UpReport {
    fn blocks(&self) -> Vec<Block> {
        self.layout(false)
    }

    /// On a terminal: data dirs by their name in the cluster dir (named in the last line).
    fn blocks_fit(&self, fit: &super::Fit) -> Vec<Block> {
        self.layout(fit.width.is_some())
    }
}

impl UpReport {
    fn layout(&self, relative: bool) -> Vec<Block> {
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
                if relative {
                    // Members' data dirs are `<cluster dir>/n<id>`: the name says it.
                    std::path::Path::new(&n.data_dir)
                        .file_name()
                        .map(|p| p.to_string_lossy().into_owned())
                        .unwrap_or_else(|| n.data_dir.clone())
                } else {
                    n.data_dir.clone()
                },
            ]);
        }
        let eps: Vec<&str> = self.nodes.iter().map(|n| n.api.as_str()).collect();
        vec![
            Block::Table(Box::new(t)),
            Block::Line(format!(
                "\ncluster {} in {} is up ({} ms); its API: {}",
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
    /// `stopped`, `killed`, `started`, `restarted`, `already stopped`, `already running`,
    /// `purged`, or `nothing to do`.
    pub action: String,
    /// The members acted on (for `down`: the ones that were running and were stopped).
    pub ids: Vec<u64>,
    /// `down --purge`: the directory removed, with every member's data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purged: Option<String>,
    /// Every member the purge removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<u64>,
}

impl Acted {
    pub fn new(action: &str, ids: Vec<u64>) -> Acted {
        Acted {
            action: action.into(),
            ids,
            purged: None,
            members: Vec::new(),
        }
    }
}

impl Tabular for Acted {
    fn blocks(&self) -> Vec<Block> {
        let ids: Vec<String> = self.ids.iter().map(u64::to_string).collect();
        let stopped = if ids.is_empty() {
            "nothing was running".to_string()
        } else {
            format!("stopped node(s) {}", ids.join(", "))
        };
        let what = match (self.action.as_str(), &self.purged) {
            (_, Some(dir)) => {
                let all: Vec<String> = self.members.iter().map(u64::to_string).collect();
                format!(
                    "{stopped}; purged {dir} (the data of node(s) {})",
                    all.join(", ")
                )
            }
            ("stopped", None) => stopped,
            (a, None) if a.starts_with("already") => {
                format!("node {} {a}: nothing to do", ids.join(", "))
            }
            (a, None) if ids.is_empty() => a.to_string(),
            (a, None) => format!("{a} node(s) {}", ids.join(", ")),
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
    /// `started` once the leader has heard from it, else `unstarted` (as etcdctl says).
    pub status: String,
    pub is_leader: bool,
    pub is_learner: bool,
}

impl MemberRow {
    /// A member just added: nothing heard from it yet unless `started`.
    pub fn added(id: u64, role: &str, peer: String, api: String, started: bool) -> MemberRow {
        MemberRow {
            id,
            role: role.into(),
            peer,
            api,
            status: if started { "started" } else { "unstarted" }.into(),
            is_leader: false,
            is_learner: role == "learner",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberList {
    /// What the command changed ("promoted node 4 to voter"); absent for `member list`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<String>,
    pub members: Vec<MemberRow>,
}

impl Tabular for MemberList {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&["ID", "STATUS", "ROLE", "PEER", "API", "IS LEARNER"]);
        for m in &self.members {
            t.add_row(vec![
                if m.is_leader {
                    format!("{} (leader)", m.id)
                } else {
                    m.id.to_string()
                },
                m.status.clone(),
                m.role.clone(),
                m.peer.clone(),
                m.api.clone(),
                m.is_learner.to_string(),
            ]);
        }
        let mut v = Vec::new();
        if let Some(c) = &self.changed {
            v.push(Block::Line(format!("{c}; the members now:")));
        }
        v.push(Block::Table(Box::new(t)));
        v
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
    /// False when the target already led: nothing was done.
    pub moved: bool,
    pub elapsed_ms: f64,
}

impl Tabular for TransferReport {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(if self.moved {
            format!(
                "leadership moved from {} to {} in {:.0} ms",
                self.from, self.to, self.elapsed_ms
            )
        } else {
            format!("node {} already leads: nothing to do", self.to)
        })]
    }
}
