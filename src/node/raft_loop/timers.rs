//! What the core does on its clock (ticks): a fresh cluster's first campaign, publishing
//! this member's addresses, leaving a stuck joint configuration, forgetting abandoned waiters.

use super::*;

impl RaftLoop {
    pub(super) fn housekeeping(&mut self) {
        // A fresh cluster's lowest member campaigns at once rather than waiting out an
        // election timeout; pre-vote keeps retries from inflating the term.
        if self.fresh
            && self.leader == 0
            && self.raw.raft.promotable()
            && self.last_campaign.is_none_or(|t| self.now >= t + 3)
        {
            let lowest = self.conf_state.voters.iter().min().copied();
            if lowest == Some(self.cfg.id) && self.applied >= self.raw.raft.raft_log.committed {
                self.last_campaign = Some(self.now);
                let _ = self.raw.campaign();
            }
        }
        if self.leader != 0 {
            self.fresh = false;
        }
        self.maybe_publish_self();
        // Leave a joint configuration ourselves if raft-rs's auto-leave was lost (etcd#12136):
        // the leader is joint, nothing is pending, and it has stayed so for a while.
        let joint = !self
            .raw
            .raft
            .prs()
            .conf()
            .to_conf_state()
            .voters_outgoing
            .is_empty();
        let idle =
            self.raw.raft.pending_conf_index <= self.applied && !self.pending.conf_change_waits();
        if !(joint && idle && self.role == StateRole::Leader) {
            self.last_leave = self.now;
        } else if self.now > self.last_leave + self.cfg.election_tick as u64 {
            self.last_leave = self.now;
            tracing::info!(
                "member {}: the joint configuration was not left; proposing to leave it",
                self.cfg.id
            );
            let _ = self
                .raw
                .propose_conf_change(vec![], ConfChangeV2::default());
        }
        self.pending.drop_abandoned();
    }

    /// Proposes this member's own addresses when the replicated record lacks or differs from
    /// them (etcd publishes its client URLs the same way once it has a leader); retried each
    /// second until the record shows them.
    pub(super) fn maybe_publish_self(&mut self) {
        let id = self.cfg.id;
        let Some(me) = self.kv.members().find(|m| m.id == id) else {
            return;
        };
        let current = me.api == self.cfg.listen_api && me.peer == self.cfg.listen_peer;
        let recently = self
            .last_publish
            .is_some_and(|t| self.now < t + 2 * self.cfg.election_tick as u64);
        if current || self.leader == 0 || recently {
            return;
        }
        self.last_publish = Some(self.now);
        let proposal = self.take_proposal();
        let cmd = Command {
            request_id: 0,
            op: Some(Op::Publish(Publish {
                id,
                peer: self.cfg.listen_peer.clone(),
                api: self.cfg.listen_api.clone(),
            })),
            proposer: id,
            proposal,
        };
        if let Err(e) = self.propose(&cmd) {
            tracing::debug!("member {id}: publishing its addresses: {e}");
        }
    }
}
