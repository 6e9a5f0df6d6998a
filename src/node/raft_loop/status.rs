//! The status this member publishes (`GET /status`, `raftctl status`, `top`).

use super::*;

impl RaftLoop {
    pub(super) fn publish(&mut self) {
        let r = &self.raw.raft;
        let cs = r.prs().conf().to_conf_state();
        let sorted = |mut v: Vec<u64>| {
            v.sort_unstable();
            v
        };
        let (first, last) = self.log.cache().first_and_last();
        let progress = if r.state == StateRole::Leader {
            let mut v: Vec<PeerProgress> = r
                .prs()
                .iter()
                .map(|(id, p)| PeerProgress {
                    id: *id,
                    matched: p.matched,
                    next: p.next_idx,
                    state: match p.state {
                        ProgressState::Probe => "probe",
                        ProgressState::Replicate => "replicate",
                        ProgressState::Snapshot => "snapshot",
                    }
                    .into(),
                    recent_active: p.recent_active,
                    paused: p.is_paused(),
                    inflight: p.ins.count() as u64,
                    pending_snapshot: p.pending_snapshot,
                })
                .collect();
            v.sort_by_key(|p| p.id);
            v
        } else {
            Vec::new()
        };
        let st = NodeStatus {
            id: self.cfg.id,
            api: self.cfg.listen_api.clone(),
            peer: self.cfg.listen_peer.clone(),
            reachable: true,
            role: match r.state {
                StateRole::Leader => "leader",
                StateRole::Follower => "follower",
                StateRole::Candidate => "candidate",
                StateRole::PreCandidate => "pre_candidate",
            }
            .into(),
            term: r.term,
            leader: r.leader_id,
            commit: r.raft_log.committed,
            applied: self.applied,
            first_index: first,
            last_index: last,
            snapshot_index: self.log.cache().snapshot_index(),
            voters: sorted(cs.voters.clone()),
            learners: sorted(cs.learners.clone()),
            voters_outgoing: sorted(cs.voters_outgoing.clone()),
            learners_next: sorted(cs.learners_next.clone()),
            progress,
            cluster_id: format!("{:x}", self.cluster_id),
            keys: self.kv.len() as u64,
            members: self
                .kv
                .members()
                .map(|m| crate::node::MemberAddr {
                    id: m.id,
                    peer: m.peer.clone(),
                    api: if m.api.is_empty() {
                        self.peer_apis.get(&m.id).cloned().unwrap_or_default()
                    } else {
                        m.api.clone()
                    },
                })
                .collect(),
            removed: self.kv.removed().collect(),
            max_request_bytes: self.cfg.max_request_bytes,
            version: env!("CARGO_PKG_VERSION").into(),
            db_size: self.snap_bytes,
            errors: self.errors.clone(),
        };
        if **self.status_tx.borrow() != st {
            let _ = self.status_tx.send(Arc::new(st));
        }
    }
}
