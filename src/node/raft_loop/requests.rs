//! What the API asks of the raft thread: writes proposed under fresh proposal numbers,
//! linearizable reads through ReadIndex, conf changes and transfers checked by the planner
//! (`plan.rs`) before raft-rs sees them.

use super::*;

impl RaftLoop {
    pub(super) fn not_leader(&self) -> NodeError {
        if self.leader == 0 {
            NodeError::NoLeader
        } else {
            NodeError::NotLeader {
                id: self.cfg.id,
                leader: self.leader,
            }
        }
    }

    pub(super) fn request(&mut self, r: Request) {
        match r {
            Request::Put {
                key,
                value,
                request_id,
                reply,
            } => {
                let op = Op::Put(Put { key, value });
                self.propose_write(request_id, op, Waiter::Put(reply));
            }
            Request::Delete {
                key,
                request_id,
                reply,
            } => {
                let op = Op::Delete(Delete { key });
                self.propose_write(request_id, op, Waiter::Delete(reply));
            }
            Request::Get {
                key,
                serializable: _,
                reply,
            } if self.cfg.determinism.planted_bug == Some(PlantedBug::ReadWithoutReadIndex) => {
                let _ = reply.send(Ok(self.kv.get(&key).map(<[u8]>::to_vec)));
            }
            Request::Get {
                key,
                serializable: true,
                reply,
            } => {
                let _ = reply.send(Ok(self.kv.get(&key).map(<[u8]>::to_vec)));
            }
            Request::Get {
                key,
                serializable: false,
                reply,
            } => self.read_index(Read::Key(key, reply)),
            Request::Range {
                query,
                serializable: true,
                reply,
            } => {
                let _ = reply.send(Ok(query.answer(&self.kv)));
            }
            Request::Range {
                query,
                serializable: false,
                reply,
            } => self.read_index(Read::Range(query, reply)),
            Request::DeleteRange {
                start,
                end,
                request_id,
                reply,
            } => {
                let op = Op::DeleteRange(DeleteRange { start, end });
                self.propose_write(request_id, op, Waiter::DeleteRange(reply));
            }
            Request::ConfChange { changes, reply } => {
                if let Err(e) = self.conf_change(changes, reply) {
                    tracing::debug!("conf change refused: {e}");
                }
            }
            Request::Transfer { to, reply } => self.start_transfer(to, reply),
            Request::Faults { set, reply } => {
                if !self.cfg.allow_faults {
                    let _ = reply.send(Err(NodeError::FaultsDisabled));
                    return;
                }
                if let Some(f) = set {
                    tracing::warn!("fault injection now {f:?}");
                    self.transport.set_faults(f);
                }
                let _ = reply.send(Ok(self.transport.faults()));
            }
        }
    }

    /// Proposes a client's write under a fresh proposal number, filing its waiter under that
    /// number (the entry carries it), or tells the waiter why not.
    pub(super) fn propose_write(&mut self, request_id: u64, op: Op, waiter: Waiter) {
        let proposal = self.take_proposal();
        let cmd = Command {
            request_id,
            op: Some(op),
            proposer: self.cfg.id,
            proposal,
        };
        match self.propose(&cmd) {
            Ok(()) => self.pending.writes.file(proposal, waiter),
            Err(e) => waiter.fail(e),
        }
    }

    pub(super) fn take_proposal(&mut self) -> u64 {
        let p = self.next_proposal;
        self.next_proposal = p.wrapping_add(1);
        p
    }

    pub(super) fn propose(&mut self, cmd: &Command) -> Result<(), NodeError> {
        if self.leader == 0 {
            return Err(NodeError::NoLeader);
        }
        self.raw
            .propose(vec![], cmd.to_entry_data())
            .map_err(|e| NodeError::Dropped {
                reason: e.to_string(),
            })
    }

    pub(super) fn read_index(&mut self, read: Read) {
        if self.leader == 0 {
            read.fail(NodeError::NoLeader);
            return;
        }
        if self.role == StateRole::Leader {
            // raft-rs drops read-index requests until the leader has committed in its term.
            let committed = self.raw.raft.raft_log.committed;
            let term = self.raw.raft.raft_log.term(committed).unwrap_or(0);
            if term != self.raw.raft.term {
                read.fail(NodeError::Dropped {
                    reason: "the new leader has not committed yet".into(),
                });
                return;
            }
        }
        let ctx = self.pending.reads.file(self.cfg.id, read);
        self.raw.read_index(ctx);
    }

    pub(super) fn start_transfer(
        &mut self,
        to: Option<u64>,
        reply: crate::node::Reply<Transferred>,
    ) {
        if self.role != StateRole::Leader {
            let _ = reply.send(Err(self.not_leader()));
            return;
        }
        let target = match plan::transfer(&self.plan_view(), to) {
            Ok(plan::Transfer::To(t)) => t,
            Ok(plan::Transfer::AlreadyLeader) => {
                let _ = reply.send(Ok(Transferred {
                    from: self.cfg.id,
                    to: self.cfg.id,
                }));
                return;
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
        self.raw.transfer_leader(target);
        let deadline = self.now + self.cfg.election_tick as u64 * 2 + 4;
        self.pending
            .file_transfer(self.cfg.id, target, deadline, reply);
    }

    pub(super) fn check_transfer(&mut self) {
        let Some(t) = self.pending.transfer() else {
            return;
        };
        let (from, to, deadline) = (t.from, t.to, t.deadline);
        let outcome = if self.leader == to {
            Some(Ok(Transferred { from, to }))
        } else if self.now > deadline {
            Some(Err(NodeError::Timeout {
                reason: format!("leadership did not move to member {to}"),
            }))
        } else if self.role == StateRole::Leader
            && self.raw.raft.lead_transferee.is_none()
            && self.leader == self.cfg.id
        {
            // raft-rs gave up (election timeout passed without the target taking over).
            Some(Err(NodeError::Timeout {
                reason: format!("member {to} did not take over in time"),
            }))
        } else {
            None
        };
        if let Some(o) = outcome {
            self.pending.transfer_done(o);
        }
    }

    pub(super) fn conf_change(
        &mut self,
        changes: Vec<Change>,
        reply: crate::node::Reply<Membership>,
    ) -> Result<(), NodeError> {
        let res = self.check_conf_change(&changes);
        let res = res.and_then(|cc| {
            self.raw
                .propose_conf_change(vec![], cc)
                .map_err(|e| NodeError::Dropped {
                    reason: e.to_string(),
                })
        });
        match res {
            Ok(()) => {
                let index = self.raw.raft.raft_log.last_index();
                self.pending
                    .file_conf_change(index, self.raw.raft.term, reply);
                Ok(())
            }
            Err(e) => {
                let _ = reply.send(Err(e.clone()));
                Err(e)
            }
        }
    }

    /// What the planner (`plan.rs`) needs to know of this leader.
    pub(super) fn plan_view(&self) -> plan::View {
        let r = &self.raw.raft;
        let cs = r.prs().conf().to_conf_state();
        plan::View {
            id: self.cfg.id,
            voters: cs.voters.iter().copied().collect(),
            learners: cs.learners.iter().copied().collect(),
            voters_outgoing: cs.voters_outgoing.iter().copied().collect(),
            peers: r
                .prs()
                .iter()
                .map(|(id, p)| {
                    let peer = plan::Peer {
                        matched: p.matched,
                        replicating: p.state == ProgressState::Replicate,
                        recent_active: p.recent_active,
                    };
                    (*id, peer)
                })
                .collect(),
            last_index: r.raft_log.last_index(),
            pending: self.pending.conf_change_waits() || r.pending_conf_index > self.applied,
            removed: self.kv.removed().collect(),
        }
    }

    /// Refuses what raft-rs would silently turn into a no-op, and what would hurt the cluster.
    pub(super) fn check_conf_change(&self, changes: &[Change]) -> Result<ConfChangeV2, NodeError> {
        if self.role != StateRole::Leader {
            return Err(self.not_leader());
        }
        plan::conf_change(&self.plan_view(), changes)
    }
}
