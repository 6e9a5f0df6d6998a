//! Writes waiting for their entries to apply, each filed under the proposal number its entry
//! carries (`Command::proposal`), never under the client's request id: two requests may share
//! one. The raft loop files a write when it proposes it and hands every applied entry of its
//! own here; a leader change or a stop fails whatever still waits.

use std::collections::HashMap;

use super::{NodeError, Reply};
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
