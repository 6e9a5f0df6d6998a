//! The dashboard's state and how it changes: pure, so it is tested without a terminal.

use std::collections::VecDeque;

use crate::node::NodeStatus;

/// One node as the dashboard last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    pub endpoint: String,
    /// From the manifest, when the node could not be asked.
    pub id: Option<u64>,
    pub status: Result<NodeStatus, String>,
}

impl NodeView {
    pub fn id(&self) -> Option<u64> {
        self.status.as_ref().ok().map(|s| s.id).or(self.id)
    }
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    Transfer(u64),
    Kill(u64),
    Start(u64),
}

/// Events kept in the log.
const EVENTS: usize = 200;
/// Commit-rate samples kept for the sparkline.
const RATES: usize = 240;

#[derive(Debug, Default)]
pub struct App {
    pub nodes: Vec<NodeView>,
    pub selected: usize,
    pub paused: bool,
    pub show_help: bool,
    /// A local cluster: k and s can kill and start members.
    pub local: bool,
    pub cluster_id: String,
    /// Newest first.
    pub events: VecDeque<String>,
    /// Commits per second, oldest first.
    pub rates: VecDeque<u64>,
    pub status_line: String,
    last_commit: Option<(u64, f64)>,
    last_leader: Option<(u64, u64)>,
    last_voters: Option<(Vec<u64>, Vec<u64>)>,
    down: Vec<String>,
    snapshots: Vec<u64>,
    seen: bool,
}

impl App {
    pub fn new(local: bool) -> App {
        App {
            local,
            ..App::default()
        }
    }

    pub fn leader(&self) -> Option<&NodeStatus> {
        self.nodes
            .iter()
            .filter_map(|n| n.status.as_ref().ok())
            .find(|s| s.role == "leader")
    }

    /// The highest last index any node reports (what lag is measured against).
    pub fn last_index(&self) -> u64 {
        self.nodes
            .iter()
            .filter_map(|n| n.status.as_ref().ok())
            .map(|s| s.last_index)
            .max()
            .unwrap_or(0)
    }

    fn event(&mut self, e: String) {
        self.events.push_front(e);
        self.events.truncate(EVENTS);
    }

    /// Takes a new round of statuses, taken at `t` seconds; notes what changed.
    pub fn update(&mut self, nodes: Vec<NodeView>, t: f64) {
        if self.paused {
            return;
        }
        for n in &nodes {
            let was_down = self.down.contains(&n.endpoint);
            let name = n
                .id()
                .map(|i| format!("node {i}"))
                .unwrap_or_else(|| n.endpoint.clone());
            match (&n.status, was_down) {
                (Err(e), false) => {
                    self.down.push(n.endpoint.clone());
                    if self.seen {
                        self.event(format!("{name} down: {e}"));
                    } else {
                        self.event(format!("{name} unreachable: {e}"));
                    }
                }
                (Ok(_), true) => {
                    self.down.retain(|d| d != &n.endpoint);
                    self.event(format!("{name} up"));
                }
                _ => {}
            }
        }
        self.nodes = nodes;
        self.selected = self.selected.min(self.nodes.len().saturating_sub(1));
        if let Some(l) = self.leader().cloned() {
            self.cluster_id = l.cluster_id.clone();
            if self.last_leader != Some((l.id, l.term)) {
                if self.last_leader.is_some_and(|(id, _)| id != l.id) || self.last_leader.is_none()
                {
                    self.event(format!("node {} leads (term {})", l.id, l.term));
                }
                self.last_leader = Some((l.id, l.term));
            }
            let voters = (l.voters.clone(), l.learners.clone());
            if let Some(old) = &self.last_voters
                && *old != voters
            {
                let joint = if l.voters_outgoing.is_empty() {
                    String::new()
                } else {
                    format!(" (joint with {:?})", l.voters_outgoing)
                };
                self.event(format!(
                    "membership: voters {:?} learners {:?}{joint}",
                    voters.0, voters.1
                ));
            }
            self.last_voters = Some(voters);
            for p in &l.progress {
                let sending = p.state == "snapshot";
                let known = self.snapshots.contains(&p.id);
                if sending && !known {
                    self.snapshots.push(p.id);
                    self.event(format!(
                        "snapshot {} sent to node {}",
                        p.pending_snapshot, p.id
                    ));
                } else if !sending && known {
                    self.snapshots.retain(|x| *x != p.id);
                }
            }
            if let Some((c0, t0)) = self.last_commit
                && t > t0
            {
                let rate = ((l.commit.saturating_sub(c0)) as f64 / (t - t0)).round() as u64;
                self.rates.push_back(rate);
                while self.rates.len() > RATES {
                    self.rates.pop_front();
                }
            }
            self.last_commit = Some((l.commit, t));
        } else if self.seen && self.last_leader.is_some() {
            self.event("no leader".into());
            self.last_leader = None;
            self.last_commit = None;
        }
        self.seen = true;
    }

    pub fn selected_id(&self) -> Option<u64> {
        self.nodes.get(self.selected).and_then(NodeView::id)
    }

    /// A key press: moves the selection, toggles, or asks for an action.
    pub fn on_key(&mut self, key: char) -> Action {
        match key {
            'q' | '\u{1b}' => return Action::Quit,
            'p' => {
                self.paused = !self.paused;
                self.status_line = if self.paused {
                    "paused (p resumes)".into()
                } else {
                    "resumed".into()
                };
            }
            '?' => self.show_help = !self.show_help,
            '↑' => self.selected = self.selected.saturating_sub(1),
            '↓' => self.selected = (self.selected + 1).min(self.nodes.len().saturating_sub(1)),
            't' | 'k' | 's' => {
                let Some(id) = self.selected_id() else {
                    return Action::None;
                };
                if key != 't' && !self.local {
                    self.status_line =
                        "k and s need a local cluster (started by `raftctl cluster up`)".into();
                    return Action::None;
                }
                return match key {
                    't' => Action::Transfer(id),
                    'k' => Action::Kill(id),
                    _ => Action::Start(id),
                };
            }
            _ => {}
        }
        Action::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn status(id: u64, role: &str, term: u64, leader: u64, commit: u64) -> NodeStatus {
        NodeStatus {
            id,
            api: format!("127.0.0.1:720{id}"),
            reachable: true,
            role: role.into(),
            term,
            leader,
            commit,
            applied: commit,
            first_index: 1,
            last_index: commit,
            voters: vec![1, 2, 3],
            cluster_id: "c1".into(),
            ..NodeStatus::default()
        }
    }

    fn view(s: NodeStatus) -> NodeView {
        NodeView {
            endpoint: s.api.clone(),
            id: Some(s.id),
            status: Ok(s),
        }
    }

    #[test]
    fn leader_changes_rates_and_downs_become_events() {
        let mut app = App::new(true);
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 100)),
                view(status(2, "follower", 2, 1, 100)),
            ],
            0.0,
        );
        assert_eq!(app.events[0], "node 1 leads (term 2)");
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 300)),
                view(status(2, "follower", 2, 1, 300)),
            ],
            0.5,
        );
        assert_eq!(app.rates.back(), Some(&400));
        let down = NodeView {
            endpoint: "127.0.0.1:7201".into(),
            id: Some(1),
            status: Err("connection refused".into()),
        };
        app.update(vec![down, view(status(2, "leader", 3, 2, 301))], 1.0);
        assert_eq!(app.events[0], "node 2 leads (term 3)");
        assert_eq!(app.events[1], "node 1 down: connection refused");
        app.update(
            vec![
                view(status(1, "follower", 3, 2, 301)),
                view(status(2, "leader", 3, 2, 301)),
            ],
            1.5,
        );
        assert_eq!(app.events[0], "node 1 up");
    }

    #[test]
    fn keys() {
        let mut app = App::new(false);
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 1)),
                view(status(2, "follower", 2, 1, 1)),
            ],
            0.0,
        );
        assert_eq!(app.on_key('↓'), Action::None);
        assert_eq!(app.on_key('t'), Action::Transfer(2));
        assert_eq!(app.on_key('k'), Action::None);
        assert!(app.status_line.contains("local cluster"));
        assert_eq!(app.on_key('p'), Action::None);
        assert!(app.paused);
        app.update(vec![], 1.0);
        assert_eq!(app.nodes.len(), 2, "paused: the view holds");
        assert_eq!(app.on_key('q'), Action::Quit);
    }
}
