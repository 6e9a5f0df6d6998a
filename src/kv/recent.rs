//! The request ids the store remembers for de-duplication, and what each did: kept in
//! arrival order (for forgetting, and for snapshots) in a persistent vector, and found by id
//! in a hash map that only the store being applied to needs.
//!
//! A clone (the store's copy for a snapshot) shares the order in O(1) and does not copy the
//! map: a copy builds its own from the order the first time it looks an id up, which a
//! snapshot's copy never does (it only writes the order out, in one pass). So the Raft loop
//! keeps a plain hash map (one probe a write) and a snapshot costs it nothing.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Outcome;

#[derive(Debug, Default)]
pub(super) struct Recent {
    /// Every id remembered and what it did, oldest first.
    order: imbl::Vector<(u64, Outcome)>,
    /// The same, by id; built from `order` when first needed in a clone.
    index: OnceLock<HashMap<u64, Outcome>>,
}

impl Clone for Recent {
    fn clone(&self) -> Recent {
        Recent {
            order: self.order.clone(),
            index: OnceLock::new(),
        }
    }
}

impl Recent {
    fn index(&self) -> &HashMap<u64, Outcome> {
        self.index
            .get_or_init(|| self.order.iter().copied().collect())
    }

    fn index_mut(&mut self) -> &mut HashMap<u64, Outcome> {
        self.index();
        // Just made if it was not there.
        self.index.get_mut().expect("the index was just built")
    }

    pub(super) fn get(&self, id: u64) -> Option<Outcome> {
        self.index().get(&id).copied()
    }

    /// Remembers `id` (replacing what it did, if it is remembered), forgetting the oldest
    /// id once more than `keep` are remembered.
    pub(super) fn remember(&mut self, id: u64, outcome: Outcome, keep: usize) {
        self.index_mut().insert(id, outcome);
        self.order.push_back((id, outcome));
        if self.order.len() > keep
            && let Some((old, _)) = self.order.pop_front()
        {
            self.index_mut().remove(&old);
        }
    }

    /// The ids and what they did, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = &(u64, Outcome)> {
        self.order.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_and_a_clone_keeps_its_own() {
        let mut r = Recent::default();
        for id in 1..=10 {
            r.remember(id, Outcome::Put(id * 10), 5);
        }
        assert_eq!(r.get(5), None);
        assert_eq!(r.get(6), Some(Outcome::Put(60)));
        let ids: Vec<u64> = r.iter().map(|(i, _)| *i).collect();
        assert_eq!(ids, [6, 7, 8, 9, 10]);
        let snap = r.clone();
        assert!(snap.index.get().is_none(), "a clone copies no map");
        for id in 11..=13 {
            r.remember(id, Outcome::Nothing, 5);
        }
        assert_eq!(r.get(6), None);
        assert_eq!(r.get(13), Some(Outcome::Nothing));
        // The clone still has what it had when it was made, and finds it by id.
        assert_eq!(snap.iter().count(), 5);
        assert_eq!(snap.get(6), Some(Outcome::Put(60)));
        assert_eq!(snap.get(13), None);
        // And goes on by itself.
        let mut snap = snap;
        snap.remember(99, Outcome::Deleted(true), 5);
        assert_eq!(snap.get(6), None);
        assert_eq!(snap.get(99), Some(Outcome::Deleted(true)));
        assert_eq!(r.get(99), None);
    }
}
