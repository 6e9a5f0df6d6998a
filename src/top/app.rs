//! The dashboard's state and how it changes: pure, so it is tested without a terminal. Time
//! comes in as data (`At`), never from the clock.

use std::collections::{HashMap, VecDeque};

use crate::node::NodeStatus;

/// One node as the dashboard last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    pub endpoint: String,
    /// From the manifest (or an earlier answer), for when the node cannot say itself.
    pub id: Option<u64>,
    pub status: Result<NodeStatus, String>,
}

impl NodeView {
    pub fn id(&self) -> Option<u64> {
        self.status
            .as_ref()
            .ok()
            .map(|s| s.id)
            .filter(|&id| id != 0)
            .or(self.id)
    }

    /// The node answered with its Raft state. A member that has just started answers with an
    /// empty status (id 0, no role) until its Raft loop has published one.
    pub fn ready(&self) -> bool {
        self.status.as_ref().is_ok_and(|s| s.id != 0)
    }

    /// It answered, but has no Raft state to show yet.
    pub fn starting(&self) -> bool {
        self.status.as_ref().is_ok_and(|s| s.id == 0)
    }
}

/// When a round of statuses was taken: seconds on a monotonic clock since the dashboard
/// started (what rates are measured with) and the wall clock in Unix seconds (what event lines
/// show).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct At {
    pub secs: f64,
    pub unix: u64,
}

/// A line in the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unix seconds.
    pub unix: u64,
    pub text: String,
}

impl Event {
    /// `HH:MM:SS` in UTC, the clock the members' own logs use.
    pub fn time(&self) -> String {
        let s = self.unix % 86_400;
        format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
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

/// How members are named: raftctl's nodes by decimal id, etcd's members by hex id as
/// etcdctl prints them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ids {
    #[default]
    Node,
    EtcdMember,
}

impl Ids {
    /// The id alone, as a table cell shows it.
    pub fn id(self, id: u64) -> String {
        match self {
            Ids::Node => id.to_string(),
            Ids::EtcdMember => crate::etcd::hex(id),
        }
    }

    /// "node 2" / "member 8e9e05c52164694d", as event lines name a member.
    pub fn name(self, id: u64) -> String {
        match self {
            Ids::Node => format!("node {id}"),
            Ids::EtcdMember => format!("member {}", crate::etcd::hex(id)),
        }
    }
}

/// Events kept in the log.
const EVENTS: usize = 200;
/// Commit-rate samples kept for the sparkline.
const RATES: usize = 240;
/// How long a message stays in the footer before the key hints come back.
pub const FOOTER_SECS: f64 = 5.0;

/// A message in the footer: it goes after `FOOTER_SECS`, unless it says something is still
/// under way (then the answer replaces it).
#[derive(Debug, Clone, PartialEq)]
struct Footer {
    text: String,
    since: f64,
    sticky: bool,
}

#[derive(Debug, Default)]
pub struct App {
    pub nodes: Vec<NodeView>,
    pub selected: usize,
    pub paused: bool,
    pub show_help: bool,
    /// A local cluster: k and s can kill and start members.
    pub local: bool,
    pub ids_as: Ids,
    pub cluster_id: String,
    /// Newest first.
    pub events: VecDeque<Event>,
    /// Commits per second, oldest first.
    pub rates: VecDeque<u64>,
    /// Seconds on the monotonic clock, as of the last `tick`.
    now: f64,
    footer: Option<Footer>,
    last_commit: Option<(u64, f64)>,
    last_leader: Option<(u64, u64)>,
    last_voters: Option<(Vec<u64>, Vec<u64>)>,
    last_outgoing: Vec<u64>,
    /// Endpoints not up (down, or answering without Raft state yet).
    down: Vec<String>,
    /// Node ids learned from earlier answers, by endpoint (with --endpoints there is no
    /// manifest to name a node that stopped answering).
    ids: HashMap<String, u64>,
    snapshots: Vec<u64>,
    /// The errors each endpoint reported last round (a new one is an event).
    errors: HashMap<String, Vec<String>>,
    seen: bool,
}

impl App {
    pub fn new(local: bool) -> App {
        App {
            local,
            ..App::default()
        }
    }

    /// A dashboard of a live etcd cluster: members by hex id, no local processes.
    pub fn etcd() -> App {
        App {
            ids_as: Ids::EtcdMember,
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

    fn event(&mut self, unix: u64, text: String) {
        self.events.push_front(Event { unix, text });
        self.events.truncate(EVENTS);
    }

    /// Moves the clock on (the footer's messages expire by it).
    pub fn tick(&mut self, secs: f64) {
        self.now = self.now.max(secs);
    }

    /// Shows `text` in the footer for a few seconds.
    pub fn say(&mut self, text: impl Into<String>) {
        self.footer = Some(Footer {
            text: text.into(),
            since: self.now,
            sticky: false,
        });
    }

    /// Shows `text` in the footer until the next message replaces it.
    pub fn working(&mut self, text: impl Into<String>) {
        self.footer = Some(Footer {
            text: text.into(),
            since: self.now,
            sticky: true,
        });
    }

    /// The footer's message, while it is fresh.
    pub fn footer(&self) -> Option<&str> {
        self.footer
            .as_ref()
            .filter(|f| f.sticky || self.now - f.since < FOOTER_SECS)
            .map(|f| f.text.as_str())
    }

    /// Takes a new round of statuses, taken at `at`; notes what changed.
    pub fn update(&mut self, mut nodes: Vec<NodeView>, at: At) {
        if self.paused {
            return;
        }
        for n in &mut nodes {
            if let Some(id) = n.status.as_ref().ok().map(|s| s.id).filter(|&id| id != 0) {
                self.ids.insert(n.endpoint.clone(), id);
            }
            if n.id.is_none() {
                n.id = self.ids.get(&n.endpoint).copied();
            }
        }
        for n in &nodes {
            let was_down = self.down.contains(&n.endpoint);
            let name = n
                .id()
                .map(|i| self.ids_as.name(i))
                .unwrap_or_else(|| n.endpoint.clone());
            if let Ok(s) = &n.status {
                let before = self.errors.insert(n.endpoint.clone(), s.errors.clone());
                for e in &s.errors {
                    if !before.as_ref().is_some_and(|b| b.contains(e)) {
                        self.event(at.unix, format!("{name} reports: {e}"));
                    }
                }
            }
            if n.ready() {
                if was_down {
                    self.down.retain(|d| d != &n.endpoint);
                    self.event(at.unix, format!("{name} up"));
                }
                continue;
            }
            if was_down {
                continue;
            }
            self.down.push(n.endpoint.clone());
            let text = match (&n.status, self.seen) {
                (Err(e), true) => format!("{name} down: {e}"),
                (Err(e), false) => format!("{name} unreachable: {e}"),
                (Ok(_), _) => format!("{name} starting (no Raft status yet)"),
            };
            self.event(at.unix, text);
        }
        self.nodes = nodes;
        self.selected = self.selected.min(self.nodes.len().saturating_sub(1));
        if let Some(l) = self.leader().cloned() {
            self.cluster_id = l.cluster_id.clone();
            if self.last_leader != Some((l.id, l.term)) {
                if self.last_leader.is_none_or(|(id, _)| id != l.id) {
                    let name = self.ids_as.name(l.id);
                    self.event(at.unix, format!("{name} leads (term {})", l.term));
                }
                self.last_leader = Some((l.id, l.term));
            }
            let voters = (l.voters.clone(), l.learners.clone());
            if let Some(old) = &self.last_voters
                && *old != voters
            {
                for text in membership_changes(old, &voters, self.ids_as) {
                    self.event(at.unix, text);
                }
            }
            if !l.voters_outgoing.is_empty() && self.last_outgoing != l.voters_outgoing {
                let names: Vec<String> = l
                    .voters_outgoing
                    .iter()
                    .map(|&i| self.ids_as.id(i))
                    .collect();
                self.event(
                    at.unix,
                    format!(
                        "joint consensus: the outgoing voters are {}",
                        names.join(", ")
                    ),
                );
            }
            self.last_outgoing = l.voters_outgoing.clone();
            self.last_voters = Some(voters);
            for p in &l.progress {
                let sending = p.state == "snapshot";
                let known = self.snapshots.contains(&p.id);
                if sending && !known {
                    self.snapshots.push(p.id);
                    self.event(
                        at.unix,
                        format!(
                            "snapshot {} sent to {}",
                            p.pending_snapshot,
                            self.ids_as.name(p.id)
                        ),
                    );
                } else if !sending && known {
                    self.snapshots.retain(|x| *x != p.id);
                }
            }
            // A rate needs two rounds: the first only sets where counting starts (the commit
            // index itself counts everything since the cluster began).
            if let Some((c0, t0)) = self.last_commit
                && at.secs > t0
            {
                let rate = (l.commit.saturating_sub(c0) as f64 / (at.secs - t0)).round() as u64;
                self.rates.push_back(rate);
                while self.rates.len() > RATES {
                    self.rates.pop_front();
                }
            }
            self.last_commit = Some((l.commit, at.secs));
        } else if self.seen && self.last_leader.is_some() {
            self.event(at.unix, "no leader".into());
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
                // What was committed while paused would land in one sample: start afresh.
                self.last_commit = None;
                if self.paused {
                    self.say("paused (p resumes)");
                } else {
                    self.say("resumed");
                }
            }
            '?' => self.show_help = !self.show_help,
            '↑' => self.selected = self.selected.saturating_sub(1),
            '↓' => self.selected = (self.selected + 1).min(self.nodes.len().saturating_sub(1)),
            't' | 'k' | 's' => {
                let Some(id) = self.selected_id() else {
                    return Action::None;
                };
                if key != 't' && !self.local {
                    self.say("k and s need a local cluster (started by `raftctl cluster up`)");
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

/// The events of a membership change, one per member: who joined (as a voter or a
/// learner), was promoted, became a learner, or left.
fn membership_changes(
    old: &(Vec<u64>, Vec<u64>),
    new: &(Vec<u64>, Vec<u64>),
    ids: Ids,
) -> Vec<String> {
    let (was_voter, was_learner) = (|i: &u64| old.0.contains(i), |i: &u64| old.1.contains(i));
    let mut out = Vec::new();
    for i in &new.0 {
        if was_learner(i) {
            out.push(format!("{} promoted to voter", ids.name(*i)));
        } else if !was_voter(i) {
            out.push(format!("{} joined as a voter", ids.name(*i)));
        }
    }
    for i in &new.1 {
        if was_voter(i) {
            out.push(format!("{} became a learner", ids.name(*i)));
        } else if !was_learner(i) {
            out.push(format!("{} joined as a learner", ids.name(*i)));
        }
    }
    for i in old.0.iter().chain(&old.1) {
        if !new.0.contains(i) && !new.1.contains(i) {
            out.push(format!("{} left the cluster", ids.name(*i)));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
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

    fn down(id: u64, why: &str) -> NodeView {
        NodeView {
            endpoint: format!("127.0.0.1:720{id}"),
            id: Some(id),
            status: Err(why.into()),
        }
    }

    /// 2026-11-25 10:00:00 UTC, plus `secs` (also for `top::etcd`'s tests).
    pub(crate) fn at(secs: f64) -> At {
        At {
            secs,
            unix: 1_795_600_800 + secs as u64,
        }
    }

    /// The events' texts, oldest first.
    pub(crate) fn texts(app: &App) -> Vec<&str> {
        app.events.iter().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn leader_changes_rates_and_downs_become_events() {
        let mut app = App::new(true);
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 100)),
                view(status(2, "follower", 2, 1, 100)),
            ],
            at(0.0),
        );
        assert_eq!(app.events[0].text, "node 1 leads (term 2)");
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 300)),
                view(status(2, "follower", 2, 1, 300)),
            ],
            at(0.5),
        );
        assert_eq!(app.rates.back(), Some(&400));
        app.update(
            vec![
                down(1, "connection refused"),
                view(status(2, "leader", 3, 2, 301)),
            ],
            at(1.0),
        );
        assert_eq!(app.events[0].text, "node 2 leads (term 3)");
        assert_eq!(app.events[1].text, "node 1 down: connection refused");
        app.update(
            vec![
                view(status(1, "follower", 3, 2, 301)),
                view(status(2, "leader", 3, 2, 301)),
            ],
            at(1.5),
        );
        assert_eq!(app.events[0].text, "node 1 up");
    }

    /// Issue 8, item 14: a member that has just started answers with an empty status (id 0)
    /// before its Raft loop publishes one; the dashboard said "node 0 up".
    #[test]
    fn a_restarting_member_is_named_by_its_id_and_up_once_it_has_raft_state() {
        let mut app = App::new(true);
        let two = || view(status(2, "leader", 2, 2, 10));
        app.update(vec![view(status(1, "follower", 2, 2, 10)), two()], at(0.0));
        app.update(vec![down(1, "connection refused"), two()], at(1.0));
        let empty = NodeView {
            endpoint: "127.0.0.1:7201".into(),
            id: Some(1),
            status: Ok(NodeStatus::default()),
        };
        app.update(vec![empty.clone(), two()], at(2.0));
        app.update(vec![empty, two()], at(2.5));
        assert_eq!(
            texts(&app),
            ["node 1 down: connection refused", "node 2 leads (term 2)"],
            "no event while it answers without Raft state"
        );
        assert!(app.nodes[0].starting() && app.nodes[0].id() == Some(1));
        app.update(vec![view(status(1, "follower", 2, 2, 10)), two()], at(3.0));
        assert_eq!(app.events[0].text, "node 1 up");
        assert!(texts(&app).iter().all(|e| !e.contains("node 0")));
    }

    /// With --endpoints there is no manifest: a node that stops answering keeps the id it
    /// gave before.
    #[test]
    fn without_a_manifest_a_node_keeps_the_id_it_answered_with() {
        let mut app = App::new(false);
        let mut one = view(status(1, "leader", 2, 1, 10));
        one.id = None;
        app.update(vec![one], at(0.0));
        let gone = NodeView {
            endpoint: "127.0.0.1:7201".into(),
            id: None,
            status: Err("timed out".into()),
        };
        app.update(vec![gone], at(1.0));
        assert_eq!(
            texts(&app),
            [
                "no leader",
                "node 1 down: timed out",
                "node 1 leads (term 2)"
            ]
        );
        assert_eq!(app.nodes[0].id(), Some(1));
    }

    /// Issue 8, item 14: event lines carry the time they were seen.
    #[test]
    fn events_carry_the_wall_clock_time_of_their_round() {
        let mut app = App::new(true);
        let one = || view(status(1, "leader", 2, 1, 10));
        app.update(vec![one(), view(status(2, "follower", 2, 1, 10))], at(0.0));
        app.update(vec![one(), down(2, "connection refused")], at(3725.0));
        assert_eq!(
            texts(&app),
            ["node 2 down: connection refused", "node 1 leads (term 2)"]
        );
        assert_eq!(app.events[1].time(), "10:00:00");
        assert_eq!(app.events[0].time(), "11:02:05");
        assert_eq!(app.events[0].unix, at(3725.0).unix);
    }

    /// Issue 8, item 14: the first sample of the commit rate counted every commit since the
    /// cluster began. A rate needs two rounds; a pause starts counting afresh.
    #[test]
    fn the_commit_rate_counts_only_commits_between_rounds() {
        let mut app = App::new(true);
        let round = |c| vec![view(status(1, "leader", 2, 1, c))];
        app.update(round(3006), at(10.0));
        assert!(app.rates.is_empty(), "{:?}", app.rates);
        app.update(round(3006), at(10.25));
        app.update(round(3007), at(10.5));
        assert_eq!(app.rates, [0, 4]);
        app.on_key('p');
        app.update(round(5000), at(60.0));
        app.on_key('p');
        app.update(round(6000), at(70.0));
        assert_eq!(app.rates, [0, 4], "the pause does not land in one sample");
        app.update(round(6010), at(71.0));
        assert_eq!(app.rates, [0, 4, 10]);
    }

    /// Issue 8, item 14: the footer kept its last message for ever.
    #[test]
    fn footer_messages_expire_and_work_in_progress_stays() {
        let mut app = App::new(false);
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 1)),
                view(status(2, "follower", 2, 1, 1)),
            ],
            at(0.0),
        );
        app.tick(1.0);
        assert_eq!(app.on_key('k'), Action::None);
        assert!(app.footer().is_some_and(|f| f.contains("local cluster")));
        app.tick(1.0 + FOOTER_SECS - 0.1);
        assert!(app.footer().is_some());
        app.tick(1.0 + FOOTER_SECS);
        assert_eq!(app.footer(), None);
        app.working("moving leadership to node 2…");
        app.tick(100.0);
        assert_eq!(app.footer(), Some("moving leadership to node 2…"));
        app.say("leadership moved from 1 to 2 in 5 ms");
        app.tick(100.0 + FOOTER_SECS);
        assert_eq!(app.footer(), None);
    }

    #[test]
    fn membership_changes_name_each_member() {
        let m = |v: &[u64], l: &[u64]| (v.to_vec(), l.to_vec());
        assert_eq!(
            membership_changes(&m(&[1, 2, 3], &[]), &m(&[1, 2, 3], &[4]), Ids::Node),
            ["node 4 joined as a learner"]
        );
        assert_eq!(
            membership_changes(&m(&[1, 2, 3], &[4]), &m(&[1, 2, 4], &[]), Ids::Node),
            ["node 4 promoted to voter", "node 3 left the cluster"]
        );
        assert_eq!(
            membership_changes(&m(&[1], &[]), &m(&[1, 0xff], &[]), Ids::EtcdMember),
            ["member ff joined as a voter"]
        );
    }

    #[test]
    fn keys() {
        let mut app = App::new(false);
        app.update(
            vec![
                view(status(1, "leader", 2, 1, 1)),
                view(status(2, "follower", 2, 1, 1)),
            ],
            at(0.0),
        );
        assert_eq!(app.on_key('↓'), Action::None);
        assert_eq!(app.on_key('t'), Action::Transfer(2));
        assert_eq!(app.on_key('k'), Action::None);
        assert!(app.footer().is_some_and(|f| f.contains("local cluster")));
        assert_eq!(app.on_key('p'), Action::None);
        assert!(app.paused);
        app.update(vec![], at(1.0));
        assert_eq!(app.nodes.len(), 2, "paused: the view holds");
        assert_eq!(app.on_key('q'), Action::Quit);
    }
}
