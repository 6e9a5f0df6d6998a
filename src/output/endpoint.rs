//! `endpoint health`: one line per endpoint, as etcdctl prints it.

use serde::Serialize;

use super::{Block, Tabular};

/// `endpoint health`: `{"healthy","endpoints":[…]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// Every endpoint is healthy (exit 0).
    pub healthy: bool,
    pub endpoints: Vec<EndpointHealth>,
}

/// One endpoint: healthy when it answered and knows a leader.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointHealth {
    /// HOST:PORT as asked (empty for a member known only by id).
    pub endpoint: String,
    /// The member that answered there.
    pub id: Option<u64>,
    pub health: bool,
    /// The leader it knows.
    pub leader: Option<u64>,
    pub term: Option<u64>,
    /// How long its answer took, in milliseconds.
    pub took_ms: f64,
    /// Why it is unhealthy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Tabular for Health {
    fn blocks(&self) -> Vec<Block> {
        self.endpoints
            .iter()
            .map(|e| {
                let name = match (e.endpoint.as_str(), e.id) {
                    ("", Some(id)) => format!("node {id}"),
                    (ep, _) => ep.to_string(),
                };
                Block::Line(match (&e.error, e.id, e.leader, e.term) {
                    (None, Some(id), Some(l), Some(t)) => format!(
                        "{name} is healthy: node {id}, leader {l}, term {t}, took {}ms",
                        e.took_ms
                    ),
                    // The client's errors start with the address the line starts with.
                    (Some(err), ..) => {
                        let why = err
                            .strip_prefix(e.endpoint.as_str())
                            .filter(|_| !e.endpoint.is_empty())
                            .map(str::trim_start)
                            .unwrap_or(err);
                        format!("{name} is unhealthy: {why}")
                    }
                    _ => format!("{name} is unhealthy"),
                })
            })
            .collect()
    }
}
