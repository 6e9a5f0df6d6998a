//! Applying what committed: client writes to the state machine (answering their waiters),
//! conf changes to raft-rs and the transport, and a leader's snapshot in place of the log.

use super::*;

impl RaftLoop {
    pub(super) fn install_snapshot(&mut self, s: eraftpb::Snapshot) -> Result<(), NodeError> {
        let m = s.get_metadata();
        let kv = if s.data.is_empty() {
            Kv::new()
        } else {
            Kv::from_snapshot_data(&s.data).map_err(map_err)?
        };
        self.log.install_snapshot(&s).map_err(map_err)?;
        tracing::info!(
            "member {}: installed snapshot {} (term {}) from the leader",
            self.cfg.id,
            m.index,
            m.term
        );
        self.snap_bytes = s.data.len() as u64;
        self.kv = kv;
        for mem in self.kv.members() {
            if !mem.peer.is_empty() {
                self.transport.set_peer(mem.id, &mem.peer);
            }
        }
        self.conf_state = m.get_conf_state().clone();
        self.applied = m.index;
        self.pending.applied_past(
            m.index,
            "a snapshot from the leader replaced the log it was in",
        );
        self.last_snapshot = m.index;
        Ok(())
    }

    pub(super) fn apply(&mut self, entries: Vec<eraftpb::Entry>) -> Result<(), NodeError> {
        for e in entries {
            if e.index <= self.applied {
                continue;
            }
            if self.cfg.determinism.record_applied {
                let digest = crate::hash::fnv1a(&e.data);
                self.applied_log.push((e.index, e.term, digest));
            }
            self.pending.entry_applies(e.index, e.term);
            match e.get_entry_type() {
                EntryType::EntryNormal => self.apply_normal(&e),
                EntryType::EntryConfChange => {
                    let mut cc = eraftpb::ConfChange::default();
                    cc.merge_from_bytes(&e.data).map_err(map_err)?;
                    let ctx: MemberContext =
                        serde_json::from_slice(&cc.context).unwrap_or_default();
                    let mut ctxs = HashMap::new();
                    ctxs.insert(cc.node_id.to_string(), ctx);
                    let v2 = raft_proto::ConfChangeI::into_v2(cc);
                    self.apply_conf(e.index, &v2, ctxs);
                }
                EntryType::EntryConfChangeV2 => {
                    // An empty one leaves the joint configuration (raft-rs-notes §3): never skip it.
                    let mut cc = ConfChangeV2::default();
                    if !e.data.is_empty() {
                        cc.merge_from_bytes(&e.data).map_err(map_err)?;
                    }
                    let ctxs: HashMap<String, MemberContext> =
                        serde_json::from_slice(&cc.context).unwrap_or_default();
                    self.apply_conf(e.index, &cc, ctxs);
                }
            }
            self.applied = e.index;
            self.pending
                .applied_past(e.index, "the conf change was not accepted");
        }
        Ok(())
    }

    pub(super) fn apply_normal(&mut self, e: &eraftpb::Entry) {
        if e.data.is_empty() {
            return;
        }
        let Some(Ok(cmd)) = Command::from_entry_data(&e.data) else {
            tracing::warn!("entry {}: data raftctl cannot decode; skipped", e.index);
            return;
        };
        let res = self.kv.apply(&cmd, e.index);
        if matches!(cmd.op, Some(Op::Publish(_))) {
            // Members' addresses changed: callers waiting to see them look at the status.
            self.dirty = true;
        }
        if cmd.proposer != self.cfg.id {
            return;
        }
        if let Some(op) = &cmd.op {
            self.pending
                .writes
                .applied(cmd.proposal, cmd.request_id, op, res, e.index);
        }
    }

    pub(super) fn apply_conf(
        &mut self,
        index: u64,
        cc: &ConfChangeV2,
        ctxs: HashMap<String, MemberContext>,
    ) {
        match self.raw.apply_conf_change(cc) {
            Ok(cs) => {
                for c in cc.get_changes() {
                    let id = c.node_id;
                    match c.get_change_type() {
                        ConfChangeType::AddNode | ConfChangeType::AddLearnerNode => {
                            let ctx = ctxs.get(&id.to_string()).cloned().unwrap_or_default();
                            if !ctx.peer.is_empty() {
                                self.transport.set_peer(id, &ctx.peer);
                            }
                            let known = self.kv.members().find(|m| m.id == id).cloned();
                            let peer = if ctx.peer.is_empty() {
                                known.as_ref().map(|m| m.peer.clone()).unwrap_or_default()
                            } else {
                                ctx.peer
                            };
                            let api = if ctx.api.is_empty() {
                                known.map(|m| m.api).unwrap_or_default()
                            } else {
                                ctx.api
                            };
                            self.kv.set_member(id, Some(Member { id, peer, api }));
                        }
                        ConfChangeType::RemoveNode => {
                            self.kv.set_member(id, None);
                            if id == self.cfg.id {
                                tracing::warn!("member {id} was removed from the cluster");
                            }
                        }
                    }
                }
                // A removed voter stays in the outgoing half of a joint configuration until it
                // is left: its link goes only once no part of the config names it.
                let in_config = |id: &u64| {
                    cs.voters.contains(id)
                        || cs.voters_outgoing.contains(id)
                        || cs.learners.contains(id)
                        || cs.learners_next.contains(id)
                };
                for id in self
                    .removed
                    .iter()
                    .copied()
                    .filter(|id| !in_config(id))
                    .collect::<Vec<_>>()
                {
                    self.removed.retain(|r| *r != id);
                    if id != self.cfg.id {
                        self.transport.remove_peer(id);
                    }
                }
                for c in cc.get_changes() {
                    if c.get_change_type() == ConfChangeType::RemoveNode && in_config(&c.node_id) {
                        self.removed.push(c.node_id);
                    } else if c.get_change_type() == ConfChangeType::RemoveNode
                        && c.node_id != self.cfg.id
                    {
                        self.transport.remove_peer(c.node_id);
                    }
                }
                tracing::info!(
                    "member {}: membership at {index}: voters {:?} learners {:?} outgoing {:?}",
                    self.cfg.id,
                    cs.voters,
                    cs.learners,
                    cs.voters_outgoing
                );
                self.conf_state = cs.clone();
                self.dirty = true;
                self.step_down_if_removed(&cs);
                let outcome = ConfOutcome::Applied(membership(&cs, index));
                self.pending.conf_change_applied(index, outcome);
            }
            Err(e) => {
                // Deterministic on every member: the change is a no-op.
                tracing::warn!("conf change at {index} not applied: {e}");
                let outcome = ConfOutcome::Invalid(e.to_string());
                self.pending.conf_change_applied(index, outcome);
            }
        }
    }

    /// A leader that is no longer a voter (a change removed it after leadership moved to it,
    /// or a joint change it led left it out) steps down: raft-rs 0.7 keeps it leading
    /// (`post_conf_change`, "TODO: step down") and then panics on the next append response,
    /// for want of its own progress (`maybe_commit`). Found by the simulation (seed 339 with
    /// `--members 5`). etcd's member stops once it applies its own removal; this one stays
    /// up as a non-voter, and the voters elect a leader among themselves.
    pub(super) fn step_down_if_removed(&mut self, cs: &eraftpb::ConfState) {
        let me = self.cfg.id;
        let voter = cs.voters.contains(&me) || cs.voters_outgoing.contains(&me);
        if voter || self.raw.raft.state != StateRole::Leader {
            return;
        }
        tracing::warn!("member {me} was removed from the voters while it led: stepping down");
        let term = self.raw.raft.term;
        self.raw.raft.become_follower(term, raft::INVALID_ID);
    }
}

fn membership(cs: &eraftpb::ConfState, index: u64) -> Membership {
    let sorted = |v: &[u64]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v
    };
    Membership {
        voters: sorted(&cs.voters),
        learners: sorted(&cs.learners),
        voters_outgoing: sorted(&cs.voters_outgoing),
        learners_next: sorted(&cs.learners_next),
        index,
    }
}
