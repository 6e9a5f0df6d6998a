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

/// The columns of `status`, and which go first when the table must fit a narrow terminal.
const COLUMNS: [&str; 15] = [
    "ID", "API", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "FIRST", "LAST", "SNAPSHOT",
    "DB SIZE", "VERSION", "VOTERS", "LEARNERS", "ERRORS",
];
const DROP_FIRST: [&str; 9] = [
    "FIRST", "SNAPSHOT", "VERSION", "LEARNERS", "VOTERS", "DB SIZE", "APPLIED", "LAST", "API",
];

/// Bytes for people: `512 B`, `1.5 KiB`, `12.0 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

impl ClusterStatus {
    fn row(n: &NodeEntry) -> Vec<String> {
        match n {
            NodeEntry::Up(s) => {
                let mut voters = ids(&s.voters);
                if !s.voters_outgoing.is_empty() {
                    voters = format!("{voters} (joint: {})", ids(&s.voters_outgoing));
                }
                vec![
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
                    human_bytes(s.db_size),
                    s.version.clone(),
                    voters,
                    ids(&s.learners),
                    s.errors.join("; "),
                ]
            }
            NodeEntry::Down { id, api, error, .. } => {
                let mut row = vec![
                    id.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
                    api.clone(),
                    "unreachable".into(),
                ];
                row.extend(std::iter::repeat_n(String::new(), COLUMNS.len() - 4));
                row.push(error.clone());
                row
            }
        }
    }

    /// The node table without the `dropped` columns (with ERRORS cut to `errors_cut`
    /// characters, to measure a layout in which that free-text column will wrap).
    fn node_table(&self, dropped: &[&str], errors_cut: Option<usize>) -> comfy_table::Table {
        let keep: Vec<usize> = (0..COLUMNS.len())
            .filter(|i| !dropped.contains(&COLUMNS[*i]))
            .collect();
        let header: Vec<&str> = keep.iter().map(|i| COLUMNS[*i]).collect();
        let mut t = table(&header);
        for n in &self.nodes {
            let mut row = Self::row(n);
            if let (Some(w), Some(last)) = (errors_cut, row.last_mut()) {
                *last = super::cut(last, w);
            }
            t.add_row(keep.iter().map(|i| row[*i].clone()).collect::<Vec<_>>());
        }
        t
    }
}

fn table_width(t: &comfy_table::Table) -> usize {
    t.lines()
        .map(|l| l.trim_end().chars().count())
        .max()
        .unwrap_or(0)
}

impl Tabular for ClusterStatus {
    fn blocks_fit(&self, fit: &super::Fit) -> Vec<Block> {
        let Some(width) = fit.width else {
            return self.blocks();
        };
        // Drop the columns a person needs least until the table fits; ERRORS (last) wraps.
        let mut dropped: Vec<&str> = Vec::new();
        for c in DROP_FIRST {
            if table_width(&self.node_table(&dropped, Some(16))) <= width {
                break;
            }
            dropped.push(c);
        }
        let mut v = self.blocks();
        v[0] = Block::Table(Box::new(self.node_table(&dropped, None)));
        v
    }

    fn blocks(&self) -> Vec<Block> {
        let t = self.node_table(&[], None);
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

/// `get --prefix|--from-key`.
#[derive(Debug, Clone)]
pub struct Pairs {
    pub pairs: Vec<(Vec<u8>, Vec<u8>)>,
    /// The limit cut the range short.
    pub more: bool,
    pub keys_only: bool,
    pub values_only: bool,
}

impl Serialize for Pairs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let kvs: Vec<serde_json::Value> = self
            .pairs
            .iter()
            .map(|(k, v)| {
                let mut o = serde_json::Map::new();
                o.insert("key".into(), crate::proto::describe::bytes_json(k));
                if !self.keys_only {
                    o.insert("value".into(), crate::proto::describe::bytes_json(v));
                }
                serde_json::Value::Object(o)
            })
            .collect();
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("kvs", &kvs)?;
        m.serialize_entry("count", &self.pairs.len())?;
        m.serialize_entry("more", &self.more)?;
        m.end()
    }
}

impl Tabular for Pairs {
    /// As etcdctl prints a range: the key on one line, its value on the next.
    fn blocks(&self) -> Vec<Block> {
        let mut v = Vec::new();
        for (k, val) in &self.pairs {
            if !self.values_only {
                v.push(Block::Line(String::from_utf8_lossy(k).into_owned()));
            }
            if !self.keys_only {
                v.push(Block::Line(String::from_utf8_lossy(val).into_owned()));
            }
        }
        v
    }
}

/// `del --prefix|--from-key`.
#[derive(Debug, Clone, Serialize)]
pub struct DeletedRange {
    pub deleted: u64,
}

impl Tabular for DeletedRange {
    fn blocks(&self) -> Vec<Block> {
        vec![Block::Line(format!("{} key(s) deleted", self.deleted))]
    }
}
