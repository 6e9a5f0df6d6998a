//! The simulated network: messages in flight with a delay each, delivered by the simulation
//! in a seeded order (`Sim::deliver` drops, duplicates and partitions them), over links that
//! can be cut one way or both, slowed, or made lossy.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use raft::eraftpb::Message;
use rand::Rng;
use rand::rngs::StdRng;

use crate::transport::{Faults, Network};

pub(super) struct Packet {
    pub(super) at: u64,
    /// Order of sending, to break ties deterministically.
    pub(super) seq: u64,
    pub(super) from: u64,
    pub(super) msg: Message,
}

/// What is wrong with the network beyond the rates every message meets: directed links
/// (from, to).
#[derive(Debug, Default)]
pub(super) struct Links {
    /// Deliver nothing (a partition, one way or both).
    pub(super) cut: BTreeSet<(u64, u64)>,
    /// Add this many steps to every message.
    pub(super) slow: BTreeMap<(u64, u64), u64>,
    /// Lose this share of the messages.
    pub(super) lossy: BTreeMap<(u64, u64), f64>,
}

impl Links {
    pub(super) fn heal(&mut self) {
        *self = Links::default();
    }

    /// Cuts every link between `a` and `b` one way (`a` to `b`), or both ways.
    pub(super) fn cut_between(&mut self, a: &[u64], b: &[u64], both_ways: bool) {
        for &x in a {
            for &y in b {
                if x != y {
                    self.cut.insert((x, y));
                    if both_ways {
                        self.cut.insert((y, x));
                    }
                }
            }
        }
    }
}

/// Messages in flight, shared by every member's [`Link`].
pub(super) struct Wire {
    pub(super) now: u64,
    pub(super) seq: u64,
    pub(super) rng: StdRng,
    pub(super) max_delay: u64,
    pub(super) packets: Vec<Packet>,
    pub(super) links: Links,
}

/// One member's end of the simulated network.
pub(super) struct Link {
    pub(super) from: u64,
    pub(super) wire: Arc<Mutex<Wire>>,
}

impl Network for Link {
    fn send(&self, msgs: Vec<Message>) {
        let mut w = self.wire.lock().unwrap_or_else(|e| e.into_inner());
        for msg in msgs {
            let max = w.max_delay;
            let slow = w.links.slow.get(&(self.from, msg.to)).copied().unwrap_or(0);
            let delay = w.rng.random_range(0..=max) + slow;
            let at = w.now + delay;
            w.seq += 1;
            let seq = w.seq;
            w.packets.push(Packet {
                at,
                seq,
                from: self.from,
                msg,
            });
        }
    }
    fn set_peer(&self, _: u64, _: &str) {}
    fn remove_peer(&self, _: u64) {}
    fn faults(&self) -> Faults {
        Faults::default()
    }
    fn set_faults(&self, _: Faults) {}
}
