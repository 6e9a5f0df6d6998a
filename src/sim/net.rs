//! The simulated network: messages in flight with a delay each, delivered by the simulation
//! in a seeded order (`Sim::deliver` drops, duplicates and partitions them).

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

/// Messages in flight, shared by every member's [`Link`].
pub(super) struct Wire {
    pub(super) now: u64,
    pub(super) seq: u64,
    pub(super) rng: StdRng,
    pub(super) max_delay: u64,
    pub(super) packets: Vec<Packet>,
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
            let delay = w.rng.random_range(0..=max);
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
