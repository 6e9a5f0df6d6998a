//! What a round of `status --etcd` looks like to the dashboard: each etcd member as a
//! [`NodeView`], so `top --etcd` shows the same table, events and commit rate as `top` does
//! for raftctl's own members.
//!
//! etcd's Maintenance.Status gives a member's raft index (its commit index, etcd 3.4
//! `server/etcdserver/api/v3rpc/maintenance.go`), applied index, term and leader, and no
//! per-peer progress. The leader's replication panel is therefore made from what each
//! member says of itself: its raft index against the leader's.

use crate::node::{NodeStatus, PeerProgress};
use crate::output::etcd::{EtcdNode, EtcdStatus};

use super::app::NodeView;
use super::short;

/// The dashboard's rows for one report, in its order.
pub fn views(report: &EtcdStatus) -> Vec<NodeView> {
    let ids = |learner: bool| -> Vec<u64> {
        report
            .nodes
            .iter()
            .filter(|n| n.learner == learner)
            .filter_map(|n| n.id)
            .collect()
    };
    let (voters, learners) = (ids(false), ids(true));
    let cluster_id = report.cluster_id.map(crate::etcd::hex).unwrap_or_default();
    report
        .nodes
        .iter()
        .map(|n| NodeView {
            endpoint: n.endpoint.clone(),
            id: n.id,
            status: if n.reachable {
                let mut s = status(n);
                s.voters = voters.clone();
                s.learners = learners.clone();
                s.cluster_id = cluster_id.clone();
                if s.role == "leader" {
                    s.progress = progress(report, s.commit);
                }
                Ok(s)
            } else {
                Err(n.errors.first().map(|e| short(e)).unwrap_or_default())
            },
        })
        .collect()
}

/// A reachable member's status in raftctl's terms.
fn status(n: &EtcdNode) -> NodeStatus {
    let index = n.raft_index.unwrap_or(0);
    NodeStatus {
        id: n.id.unwrap_or(0),
        api: n.endpoint.clone(),
        reachable: true,
        // etcd's Status does not tell a candidate from a follower: one that knows no leader
        // shows as a follower with no leader.
        role: match n.role {
            Some("leader") => "leader",
            _ => "follower",
        }
        .into(),
        term: n.term.unwrap_or(0),
        leader: n.leader.unwrap_or(0),
        commit: index,
        applied: n.applied.unwrap_or(0),
        last_index: index,
        version: n.version.clone().unwrap_or_default(),
        db_size: n.db_size.unwrap_or(0).max(0) as u64,
        errors: n.errors.clone(),
        ..NodeStatus::default()
    }
}

/// The leader's panel: every member with an id, matched at the raft index it reported.
fn progress(report: &EtcdStatus, leader_index: u64) -> Vec<PeerProgress> {
    report
        .nodes
        .iter()
        .filter_map(|n| {
            let id = n.id?;
            let matched = n.raft_index.unwrap_or(0).min(leader_index);
            Some(PeerProgress {
                id,
                matched,
                next: matched + 1,
                state: if n.reachable {
                    "replicate"
                } else {
                    "unreachable"
                }
                .into(),
                recent_active: n.reachable,
                ..PeerProgress::default()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::top::app::App;
    use crate::top::app::tests::{at, texts};

    fn member(id: u64, leader: u64, index: u64) -> EtcdNode {
        EtcdNode {
            id: Some(id),
            name: format!("m{id}"),
            endpoint: format!("http://127.0.0.1:{id}"),
            reachable: true,
            role: Some(if id == leader { "leader" } else { "follower" }),
            term: Some(2),
            leader: Some(leader),
            raft_index: Some(index),
            applied: Some(index),
            version: Some("3.4.23".into()),
            ..EtcdNode::default()
        }
    }

    #[test]
    fn a_round_of_etcd_statuses_drives_the_dashboard() {
        let big = 0x8e9e_05c5_2164_694d;
        let report = |third: EtcdNode, lead_index| EtcdStatus {
            cluster_id: Some(0xcdf8_18194e3a8c32),
            nodes: vec![member(big, big, lead_index), member(7, big, 90), third],
        };
        let mut app = App::etcd();
        app.update(views(&report(member(9, big, 100), 100)), at(0.0));
        assert_eq!(texts(&app), ["member 8e9e05c52164694d leads (term 2)"]);
        assert_eq!(app.cluster_id, "cdf818194e3a8c32");
        let l = app.leader().unwrap();
        assert_eq!((l.voters.len(), l.progress.len()), (3, 3));
        assert_eq!(l.progress[1].matched, 90, "how far member 7 trails");

        let mut gone = member(9, big, 0);
        gone.reachable = false;
        gone.errors = vec!["http://127.0.0.1:9: cannot connect: connection refused".into()];
        app.update(views(&report(gone, 140)), at(0.5));
        assert_eq!(app.rates.back(), Some(&80), "40 commits in half a second");
        assert_eq!(app.events[0].text, "member 9 down: connection refused");
        assert_eq!(app.leader().unwrap().progress[2].state, "unreachable");

        let mut learner = member(9, big, 140);
        learner.learner = true;
        learner.errors = vec!["etcdserver: mvcc: database space exceeded".into()];
        app.update(views(&report(learner, 140)), at(1.0));
        assert_eq!(
            &texts(&app)[..3],
            [
                "member 9 became a learner",
                "member 9 up",
                "member 9 reports: etcdserver: mvcc: database space exceeded",
            ]
        );
    }
}
