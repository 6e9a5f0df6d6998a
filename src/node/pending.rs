//! Everything that waits for an answer from the raft loop, in one place ([`Pending`]), each
//! kind with named states instead of tuples:
//! - writes, filed under the proposal number their entry carries (`Command::proposal`), never
//!   under the client's request id (two requests may share one);
//! - linearizable reads, waiting first for raft-rs's read state (ReadIndex, Raft paper §6.4),
//!   then for the apply index to reach it;
//! - the one conf change proposed here, matched by its entry's index and term;
//! - the one leadership transfer under way.
//!
//! The raft loop files a waiter when it proposes, hands over what applies, and calls
//! [`Pending::leader_changed`] / [`Pending::fail_all`]; a waiter whose client gave up is
//! dropped by [`Pending::drop_abandoned`].

use std::collections::{HashMap, VecDeque};

use super::{Membership, NodeError, RangeAnswer, RangeQuery, Reply, Transferred};
use crate::kv::Kv;
use crate::kv::{Applied, Outcome};
use crate::proto::command::Op;

/// The writes this member proposed that have not been answered yet.
#[derive(Default)]
pub(crate) struct Writes {
    puts: HashMap<u64, Reply<u64>>,
    deletes: HashMap<u64, Reply<bool>>,
    range_deletes: HashMap<u64, Reply<u64>>,
}

/// A waiter of one of the kinds [`Writes`] holds.
pub(crate) enum Waiter {
    Put(Reply<u64>),
    Delete(Reply<bool>),
    DeleteRange(Reply<u64>),
}

impl Waiter {
    /// Tells the waiting client why its write was not proposed.
    pub fn fail(self, e: NodeError) {
        match self {
            Waiter::Put(r) | Waiter::DeleteRange(r) => {
                let _ = r.send(Err(e));
            }
            Waiter::Delete(r) => {
                let _ = r.send(Err(e));
            }
        }
    }
}

impl Writes {
    pub fn file(&mut self, proposal: u64, w: Waiter) {
        match w {
            Waiter::Put(r) => {
                self.puts.insert(proposal, r);
            }
            Waiter::Delete(r) => {
                self.deletes.insert(proposal, r);
            }
            Waiter::DeleteRange(r) => {
                self.range_deletes.insert(proposal, r);
            }
        }
    }

    /// Answers the write that proposed the entry at `index`, from what applying it did: a
    /// retry (a request id seen before) is told what its first application did.
    pub fn applied(&mut self, proposal: u64, request_id: u64, op: &Op, res: Applied, index: u64) {
        let reused = |first: Outcome| NodeError::Invalid {
            reason: format!(
                "request id {request_id} was used before by another kind of write ({first:?}); \
                 nothing was applied"
            ),
        };
        match op {
            Op::Put(_) => {
                if let Some(r) = self.puts.remove(&proposal) {
                    let answer = match res {
                        // A retry is told where its first application went.
                        Applied::Duplicate(Outcome::Put(first)) if first != 0 => Ok(first),
                        Applied::Duplicate(first) => Err(reused(first)),
                        _ => Ok(index),
                    };
                    let _ = r.send(answer);
                }
            }
            Op::Delete(_) => {
                if let Some(r) = self.deletes.remove(&proposal) {
                    let answer = match res {
                        Applied::Deleted(existed)
                        | Applied::Duplicate(Outcome::Deleted(existed)) => Ok(existed),
                        Applied::Duplicate(first) => Err(reused(first)),
                        _ => Ok(false),
                    };
                    let _ = r.send(answer);
                }
            }
            Op::DeleteRange(_) => {
                if let Some(r) = self.range_deletes.remove(&proposal) {
                    let answer = match res {
                        Applied::DeletedRange(n) | Applied::Duplicate(Outcome::DeletedRange(n)) => {
                            Ok(n)
                        }
                        Applied::Duplicate(first) => Err(reused(first)),
                        _ => Ok(0),
                    };
                    let _ = r.send(answer);
                }
            }
            Op::Publish(_) => {}
        }
    }

    /// Fails every waiting write with `e` (a leader change: they may still apply, and their
    /// request ids make a retry apply once; or the member stops).
    pub fn fail_all(&mut self, e: &NodeError) {
        for (_, r) in self.puts.drain() {
            let _ = r.send(Err(e.clone()));
        }
        for (_, r) in self.deletes.drain() {
            let _ = r.send(Err(e.clone()));
        }
        for (_, r) in self.range_deletes.drain() {
            let _ = r.send(Err(e.clone()));
        }
    }

    /// Forgets the writes whose clients gave up.
    pub fn drop_abandoned(&mut self) {
        self.puts.retain(|_, r| !r.is_closed());
        self.deletes.retain(|_, r| !r.is_closed());
        self.range_deletes.retain(|_, r| !r.is_closed());
    }
}

/// A linearizable read: what it asks, and who waits.
pub(crate) enum Read {
    Key(Vec<u8>, Reply<Option<Vec<u8>>>),
    Range(RangeQuery, Reply<RangeAnswer>),
}

impl Read {
    fn is_closed(&self) -> bool {
        match self {
            Read::Key(_, r) => r.is_closed(),
            Read::Range(_, r) => r.is_closed(),
        }
    }

    pub fn fail(self, e: NodeError) {
        match self {
            Read::Key(_, r) => {
                let _ = r.send(Err(e));
            }
            Read::Range(_, r) => {
                let _ = r.send(Err(e));
            }
        }
    }

    /// Answers from the state machine (applied at least to the read's index).
    pub fn answer(self, kv: &Kv) {
        match self {
            Read::Key(k, r) => {
                let _ = r.send(Ok(kv.get(&k).map(<[u8]>::to_vec)));
            }
            Read::Range(q, r) => {
                let _ = r.send(Ok(q.answer(kv)));
            }
        }
    }
}

/// Linearizable reads in their two states.
#[derive(Default)]
pub(crate) struct Reads {
    /// The number of the last read asked; with the member's id it makes the read's context.
    seq: u64,
    /// Asked of raft-rs (`read_index`), keyed by context, waiting for its read state.
    confirming: HashMap<Vec<u8>, Read>,
    /// Told their read index by the leader, waiting for this member to apply up to it.
    applying: VecDeque<(u64, Read)>,
}

impl Reads {
    /// Files a read about to be asked of raft-rs, and gives the context to ask it with.
    pub fn file(&mut self, member: u64, read: Read) -> Vec<u8> {
        self.seq += 1;
        let ctx = [member.to_be_bytes(), self.seq.to_be_bytes()].concat();
        self.confirming.insert(ctx.clone(), read);
        ctx
    }

    /// raft-rs confirmed the read with this context at `index`.
    pub fn confirmed(&mut self, ctx: &[u8], index: u64) {
        if let Some(r) = self.confirming.remove(ctx) {
            self.applying.push_back((index, r));
        }
    }

    /// Answers every read whose index is applied, in order.
    pub fn serve(&mut self, applied: u64, kv: &Kv) {
        while self.applying.front().is_some_and(|(i, _)| *i <= applied) {
            if let Some((_, r)) = self.applying.pop_front() {
                r.answer(kv);
            }
        }
    }

    /// Fails the reads not yet confirmed (raft-rs drops them on a leader change); confirmed
    /// ones still hold, and are answered once applied.
    pub fn fail_unconfirmed(&mut self, e: &NodeError) {
        for (_, r) in self.confirming.drain() {
            r.fail(e.clone());
        }
    }

    fn fail_all(&mut self, e: &NodeError) {
        self.fail_unconfirmed(e);
        for (_, r) in self.applying.drain(..) {
            r.fail(e.clone());
        }
    }

    fn drop_abandoned(&mut self) {
        self.confirming.retain(|_, r| !r.is_closed());
        self.applying.retain(|(_, r)| !r.is_closed());
    }
}

/// The conf change proposed here, waiting for its entry (at `index`, in `term`) to apply.
pub(crate) struct ConfChangeWaiter {
    pub index: u64,
    pub term: u64,
    reply: Reply<Membership>,
}

/// What became of the conf change an entry or a snapshot speaks for.
pub(crate) enum ConfOutcome {
    Applied(Membership),
    /// raft-rs refused it as it applied (the same on every member: a no-op).
    Invalid(String),
    /// It will never apply (replaced, or lost with a leader change).
    Dropped(String),
}

/// A leadership transfer under way: to whom, and the tick it gives up at.
pub(crate) struct TransferWaiter {
    pub from: u64,
    pub to: u64,
    pub deadline: u64,
    reply: Reply<Transferred>,
}

/// Every waiter of the raft loop's.
#[derive(Default)]
pub(crate) struct Pending {
    pub writes: Writes,
    pub reads: Reads,
    conf: Option<ConfChangeWaiter>,
    transfer: Option<TransferWaiter>,
}

impl Pending {
    pub fn file_conf_change(&mut self, index: u64, term: u64, reply: Reply<Membership>) {
        self.conf = Some(ConfChangeWaiter { index, term, reply });
    }

    /// True while a conf change proposed here has not applied.
    pub fn conf_change_waits(&self) -> bool {
        self.conf.is_some()
    }

    /// An entry is about to apply at `index` in `term`: another leader's entry in the place
    /// of our conf change means ours is gone.
    pub fn entry_applies(&mut self, index: u64, term: u64) {
        if self
            .conf
            .as_ref()
            .is_some_and(|c| c.index == index && c.term != term)
        {
            self.answer_conf(ConfOutcome::Dropped(
                "another leader's entry took its place".into(),
            ));
        }
    }

    /// The conf change entry at `index` applied (or was refused by raft-rs).
    pub fn conf_change_applied(&mut self, index: u64, outcome: ConfOutcome) {
        if self.conf.as_ref().is_some_and(|c| c.index == index) {
            self.answer_conf(outcome);
        }
    }

    /// Everything up to `index` applied: a conf change still waiting there was turned into
    /// something else (raft-rs does that silently when it cannot accept one) or replaced by a
    /// snapshot (`why`).
    pub fn applied_past(&mut self, index: u64, why: &str) {
        if self.conf.as_ref().is_some_and(|c| c.index <= index) {
            self.answer_conf(ConfOutcome::Dropped(why.into()));
        }
    }

    fn answer_conf(&mut self, outcome: ConfOutcome) {
        let Some(c) = self.conf.take() else { return };
        let answer = match outcome {
            ConfOutcome::Applied(m) => Ok(m),
            ConfOutcome::Invalid(reason) => Err(NodeError::Invalid { reason }),
            ConfOutcome::Dropped(reason) => Err(NodeError::Dropped { reason }),
        };
        let _ = c.reply.send(answer);
    }

    pub fn file_transfer(&mut self, from: u64, to: u64, deadline: u64, reply: Reply<Transferred>) {
        self.transfer = Some(TransferWaiter {
            from,
            to,
            deadline,
            reply,
        });
    }

    pub fn transfer(&self) -> Option<&TransferWaiter> {
        self.transfer.as_ref()
    }

    /// Answers the transfer under way.
    pub fn transfer_done(&mut self, outcome: Result<Transferred, NodeError>) {
        if let Some(t) = self.transfer.take() {
            let _ = t.reply.send(outcome);
        }
    }

    /// The leader changed: raft-rs dropped the reads it had not confirmed, and a proposal a
    /// follower forwarded to a leader that is gone is lost without a word. Waiting writes are
    /// told to retry (their request ids make a retry of one that did commit apply once).
    pub fn leader_changed(&mut self) {
        let e = NodeError::Dropped {
            reason: "the leader changed".into(),
        };
        self.reads.fail_unconfirmed(&e);
        self.writes.fail_all(&e);
    }

    /// Fails everything (the member stops).
    pub fn fail_all(&mut self, e: &NodeError) {
        self.writes.fail_all(e);
        self.reads.fail_all(e);
        if let Some(c) = self.conf.take() {
            let _ = c.reply.send(Err(e.clone()));
        }
        self.transfer_done(Err(e.clone()));
    }

    /// Forgets the waiters whose clients gave up.
    pub fn drop_abandoned(&mut self) {
        self.writes.drop_abandoned();
        self.reads.drop_abandoned();
        if self.conf.as_ref().is_some_and(|c| c.reply.is_closed()) {
            self.conf = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::oneshot;

    use super::*;

    fn membership(index: u64) -> Membership {
        Membership {
            voters: vec![1, 2, 3],
            learners: vec![],
            voters_outgoing: vec![],
            learners_next: vec![],
            index,
        }
    }

    #[test]
    fn a_conf_change_is_answered_by_its_own_entry_only() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        p.file_conf_change(7, 2, tx);
        // Another entry at another index changes nothing; the same index in the same term
        // applies.
        p.entry_applies(6, 2);
        p.conf_change_applied(6, ConfOutcome::Applied(membership(6)));
        assert!(rx.try_recv().is_err() && p.conf_change_waits());
        p.entry_applies(7, 2);
        p.conf_change_applied(7, ConfOutcome::Applied(membership(7)));
        assert_eq!(rx.try_recv().ok().and_then(|r| r.ok()), Some(membership(7)));
        assert!(!p.conf_change_waits());
    }

    #[test]
    fn a_conf_change_replaced_by_another_leaders_entry_is_dropped() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        p.file_conf_change(7, 2, tx);
        p.entry_applies(7, 3);
        let answer = rx.try_recv().ok().map(|r| r.err());
        assert!(
            matches!(answer, Some(Some(NodeError::Dropped { .. }))),
            "{answer:?}"
        );
    }

    #[test]
    fn a_conf_change_raft_refuses_is_invalid_and_one_passed_over_is_dropped() {
        let mut p = Pending::default();
        let (tx, mut rx) = oneshot::channel();
        p.file_conf_change(7, 2, tx);
        p.conf_change_applied(7, ConfOutcome::Invalid("removed twice".into()));
        let answer = rx.try_recv().ok().map(|r| r.err());
        assert!(
            matches!(answer, Some(Some(NodeError::Invalid { .. }))),
            "{answer:?}"
        );
        let (tx, mut rx) = oneshot::channel();
        p.file_conf_change(9, 2, tx);
        p.applied_past(8, "x");
        assert!(p.conf_change_waits());
        p.applied_past(12, "a snapshot replaced it");
        let answer = rx.try_recv().ok().map(|r| r.err());
        assert!(
            matches!(answer, Some(Some(NodeError::Dropped { .. }))),
            "{answer:?}"
        );
    }

    #[test]
    fn reads_wait_for_their_read_state_and_then_for_the_apply_index() {
        let mut p = Pending::default();
        let mut kv = Kv::new();
        let (tx1, mut rx1) = oneshot::channel();
        let (tx2, mut rx2) = oneshot::channel();
        let c1 = p.reads.file(1, Read::Key(b"k".to_vec(), tx1));
        let c2 = p.reads.file(1, Read::Key(b"k".to_vec(), tx2));
        assert_ne!(c1, c2, "two reads, two contexts");
        p.reads.confirmed(&c1, 5);
        // Not applied up to 5 yet: no answer.
        p.reads.serve(4, &kv);
        assert!(rx1.try_recv().is_err());
        let put = crate::proto::command::Command {
            request_id: 0,
            op: Some(crate::proto::command::Op::Put(crate::proto::command::Put {
                key: b"k".to_vec(),
                value: b"v".to_vec(),
            })),
            proposer: 1,
            proposal: 1,
        };
        kv.apply(&put, 5);
        p.reads.serve(5, &kv);
        assert_eq!(
            rx1.try_recv().ok().and_then(|r| r.ok()),
            Some(Some(b"v".to_vec()))
        );
        // A leader change fails the read raft-rs had not confirmed.
        p.leader_changed();
        let answer = rx2.try_recv().ok().map(|r| r.err());
        assert!(
            matches!(answer, Some(Some(NodeError::Dropped { .. }))),
            "{answer:?}"
        );
    }

    #[test]
    fn stopping_fails_every_waiter_and_abandoned_ones_are_forgotten() {
        let mut p = Pending::default();
        let (tx, rx) = oneshot::channel();
        p.file_conf_change(3, 1, tx);
        drop(rx);
        p.drop_abandoned();
        assert!(!p.conf_change_waits());
        let (tx, mut rx) = oneshot::channel();
        p.file_transfer(1, 2, 40, tx);
        let (rtx, mut rrx) = oneshot::channel();
        let ctx = p.reads.file(1, Read::Key(b"k".to_vec(), rtx));
        p.reads.confirmed(&ctx, 9);
        p.fail_all(&NodeError::Stopped);
        assert!(matches!(rx.try_recv(), Ok(Err(NodeError::Stopped))));
        assert!(matches!(rrx.try_recv(), Ok(Err(NodeError::Stopped))));
        assert!(p.transfer().is_none());
    }
}
