//! The simulation's operator: membership changes (learner add, promote, remove, a joint
//! replacement of a voter) and leadership transfers, asked of whoever leads, the way
//! `raftctl member` and `raftctl leader transfer` ask a real cluster. A learner's member is
//! started once its add is answered (as an operator starts `raftctl node --join` after
//! `member add`); a removed member is stopped once its removal is answered.

use rand::Rng;
use tokio::sync::oneshot;

use super::{ADMIN_TIMEOUT, Member, Sim, member_config};
use crate::node::{
    Change, ChangeKind, Membership, Msg, NodeConfig, NodeError, Request, Transferred,
};

/// A request of the operator's that waits for its answer.
pub(super) enum Admin {
    Change {
        what: String,
        changes: Vec<Change>,
        reply: oneshot::Receiver<Result<Membership, NodeError>>,
    },
    Transfer {
        reply: oneshot::Receiver<Result<Transferred, NodeError>>,
    },
}

impl Sim {
    /// The member that leads in the highest term seen, if any is up.
    pub(super) fn leader(&self) -> Option<u64> {
        self.members
            .iter()
            .filter(|(_, m)| m.core.is_some())
            .map(|(id, m)| (*id, m.status.borrow().clone()))
            .filter(|(_, s)| s.role == "leader")
            .max_by_key(|(_, s)| s.term)
            .map(|(id, _)| id)
    }

    /// With the chances the options give, asks the leader for a membership change or a
    /// transfer (one at a time), and handles the answer of the one under way.
    pub(super) fn operator(&mut self) -> Result<(), String> {
        self.operator_answers()?;
        if self.admin.is_some() {
            return Ok(());
        }
        let Some(leader) = self.leader() else {
            return Ok(());
        };
        if self.rng.random_bool(self.opts.transfer) {
            let voters = self.members[&leader].status.borrow().voters.clone();
            let others: Vec<u64> = voters.into_iter().filter(|v| *v != leader).collect();
            // Half the time name the target, half the time let the leader choose.
            let to = if others.is_empty() || self.rng.random_bool(0.5) {
                None
            } else {
                Some(others[self.rng.random_range(0..others.len())])
            };
            let (tx, rx) = oneshot::channel();
            self.event(format!(
                "ask member {leader} to transfer leadership to {to:?}"
            ));
            self.send(leader, Msg::Request(Request::Transfer { to, reply: tx }));
            self.admin = Some((self.step, Admin::Transfer { reply: rx }));
            return Ok(());
        }
        if !self.rng.random_bool(self.opts.conf_change) {
            return Ok(());
        }
        let Some((what, changes)) = self.pick_change(leader) else {
            return Ok(());
        };
        let (tx, rx) = oneshot::channel();
        self.event(format!("ask member {leader} to {what}"));
        let req = Request::ConfChange {
            changes: changes.clone(),
            reply: tx,
        };
        self.send(leader, Msg::Request(req));
        self.admin = Some((
            self.step,
            Admin::Change {
                what,
                changes,
                reply: rx,
            },
        ));
        Ok(())
    }

    /// A membership change that makes sense for the leader's configuration: it keeps at
    /// least three voters, and adds only ids never used.
    fn pick_change(&mut self, leader: u64) -> Option<(String, Vec<Change>)> {
        let st = self.members[&leader].status.borrow().clone();
        if !st.voters_outgoing.is_empty() {
            return None;
        }
        let removable: Vec<u64> = st.voters.iter().copied().filter(|v| *v != leader).collect();
        let mut options: Vec<(String, Vec<Change>)> = Vec::new();
        if self.next_spare <= self.opts.members + self.opts.spares {
            let id = self.next_spare;
            let add = Change {
                kind: ChangeKind::AddLearner,
                id,
                peer: format!("sim-{id}:1"),
                api: format!("sim-{id}:2"),
            };
            options.push((format!("add learner {id}"), vec![add]));
        }
        for &l in &st.learners {
            options.push((
                format!("promote learner {l}"),
                vec![Change::of(ChangeKind::AddVoter, l)],
            ));
            options.push((
                format!("remove learner {l}"),
                vec![Change::of(ChangeKind::Remove, l)],
            ));
            if !removable.is_empty() {
                // Joint consensus: a learner takes a voter's place in one change.
                let v = removable[self.rng.random_range(0..removable.len())];
                options.push((
                    format!("replace voter {v} with learner {l} (joint)"),
                    vec![
                        Change::of(ChangeKind::AddVoter, l),
                        Change::of(ChangeKind::Remove, v),
                    ],
                ));
            }
        }
        if st.voters.len() > 3 && !removable.is_empty() {
            let v = removable[self.rng.random_range(0..removable.len())];
            options.push((
                format!("remove voter {v}"),
                vec![Change::of(ChangeKind::Remove, v)],
            ));
        }
        if options.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..options.len());
        Some(options.swap_remove(i))
    }

    pub(super) fn operator_answers(&mut self) -> Result<(), String> {
        let Some((called, admin)) = self.admin.take() else {
            return Ok(());
        };
        let timed_out = self.step > called + ADMIN_TIMEOUT;
        match admin {
            Admin::Transfer { mut reply } => match reply.try_recv() {
                Ok(Ok(t)) => {
                    self.report.transfers += 1;
                    self.event(format!("leadership moved from {} to {}", t.from, t.to));
                }
                Ok(Err(e)) => self.event(format!("transfer refused: {e}")),
                Err(oneshot::error::TryRecvError::Empty) if !timed_out => {
                    self.admin = Some((called, Admin::Transfer { reply }));
                }
                Err(_) => self.event("transfer: no answer".into()),
            },
            Admin::Change {
                what,
                changes,
                mut reply,
            } => match reply.try_recv() {
                Ok(Ok(m)) => {
                    self.report.conf_changes += 1;
                    self.event(format!(
                        "{what}: applied at {} (voters {:?}, learners {:?})",
                        m.index, m.voters, m.learners
                    ));
                    for c in &changes {
                        match c.kind {
                            ChangeKind::AddLearner => self.join(c.id)?,
                            ChangeKind::Remove => self.retire(c.id),
                            ChangeKind::AddVoter => {}
                        }
                    }
                }
                Ok(Err(e)) => {
                    if changes.iter().any(|c| c.kind == ChangeKind::AddLearner) {
                        // The id is not reused either way: the add may still apply.
                        self.next_spare += 1;
                    }
                    self.event(format!("{what}: {e}"));
                }
                Err(oneshot::error::TryRecvError::Empty) if !timed_out => {
                    let a = Admin::Change {
                        what,
                        changes,
                        reply,
                    };
                    self.admin = Some((called, a));
                }
                Err(_) => {
                    if changes.iter().any(|c| c.kind == ChangeKind::AddLearner) {
                        self.next_spare += 1;
                    }
                    self.event(format!("{what}: no answer"));
                }
            },
        }
        Ok(())
    }

    /// Starts the member of a learner just added, on an empty data dir (it catches up from
    /// the leader, by snapshot when the log it needs is compacted away).
    fn join(&mut self, id: u64) -> Result<(), String> {
        self.next_spare = self.next_spare.max(id + 1);
        let cluster_id = NodeConfig::derive_cluster_id(&self.initial);
        let cfg = member_config(
            self._dir.path(),
            id,
            &self.opts,
            &self.initial,
            Some(cluster_id),
            &mut self.rng,
        );
        let crash_at_sync = self.crash_at_sync();
        let m = Member::start(cfg, crash_at_sync, &self.wire, &mut self.rng)
            .map_err(|e| format!("member {id} did not start: {e}"))?;
        self.members.insert(id, m);
        self.report.joined += 1;
        self.event(format!("start member {id} (joins as a learner)"));
        Ok(())
    }

    /// Stops a member that was removed from the cluster, for good.
    fn retire(&mut self, id: u64) {
        if self.members.remove(&id).is_some() {
            self.event(format!("stop member {id} (removed)"));
        }
    }
}
