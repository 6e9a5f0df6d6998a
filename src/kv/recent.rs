//! The request ids the store remembers for de-duplication, and what each did: found by id
//! in a hash table of small buckets, kept in arrival order for forgetting and for
//! snapshots. Both are persistent, so a snapshot's clone of the store is O(1) (two reference
//! counts and a tree root), and writing them to a snapshot is one pass over the order, with
//! no lookups.
//!
//! The table is `BUCKETS` shared buckets of ~25 ids each (100,000 ids): a write after a
//! clone copies the table of pointers once (32 KiB) and then each bucket it touches, once,
//! so the copying a snapshot causes is spread over the writes that follow it and never
//! grows with the store.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use super::Outcome;

/// Buckets in the table (a power of two).
const BUCKETS: usize = 4096;

type Bucket = Vec<(u64, Outcome)>;

#[derive(Debug, Clone)]
pub(super) struct Recent {
    /// A bucket per hash of the id (SipHash with a random key: no client can pile its ids
    /// into one bucket).
    table: Arc<[Arc<Bucket>]>,
    hasher: RandomState,
    /// Every id remembered and what it did, oldest first.
    order: imbl::Vector<(u64, Outcome)>,
}

impl Default for Recent {
    fn default() -> Recent {
        // One empty bucket shared by every slot until it is written to.
        let empty = Arc::new(Bucket::new());
        Recent {
            table: (0..BUCKETS).map(|_| empty.clone()).collect(),
            hasher: RandomState::new(),
            order: imbl::Vector::new(),
        }
    }
}

impl Recent {
    fn bucket(&self, id: u64) -> usize {
        self.hasher.hash_one(id) as usize & (BUCKETS - 1)
    }

    pub(super) fn get(&self, id: u64) -> Option<Outcome> {
        let b = &self.table[self.bucket(id)];
        b.iter().find(|(i, _)| *i == id).map(|(_, o)| *o)
    }

    fn bucket_mut(&mut self, id: u64) -> &mut Bucket {
        let i = self.bucket(id);
        Arc::make_mut(&mut Arc::make_mut(&mut self.table)[i])
    }

    /// Remembers `id` (replacing what it did, if it is remembered), forgetting the oldest
    /// id once more than `keep` are remembered.
    pub(super) fn remember(&mut self, id: u64, outcome: Outcome, keep: usize) {
        let b = self.bucket_mut(id);
        match b.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = outcome,
            None => b.push((id, outcome)),
        }
        self.order.push_back((id, outcome));
        if self.order.len() > keep
            && let Some((old, _)) = self.order.pop_front()
        {
            let b = self.bucket_mut(old);
            if let Some(at) = b.iter().position(|(i, _)| *i == old) {
                b.swap_remove(at);
            }
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
        for id in 11..=13 {
            r.remember(id, Outcome::Nothing, 5);
        }
        assert_eq!(r.get(6), None);
        assert_eq!(r.get(13), Some(Outcome::Nothing));
        // The clone still has what it had when it was made.
        assert_eq!(snap.get(6), Some(Outcome::Put(60)));
        assert_eq!(snap.get(13), None);
        assert_eq!(snap.iter().count(), 5);
    }

    /// More ids than buckets, so buckets hold several: each is still found, and forgotten.
    #[test]
    fn many_ids_share_buckets() {
        let mut r = Recent::default();
        let n = 3 * BUCKETS as u64;
        for id in 0..n {
            r.remember(id * 7919, Outcome::Deleted(id % 2 == 0), n as usize / 2);
        }
        for id in 0..n {
            let want = (id >= n / 2).then_some(Outcome::Deleted(id % 2 == 0));
            assert_eq!(r.get(id * 7919), want, "id {}", id * 7919);
        }
        let held: usize = r.table.iter().map(|b| b.len()).sum();
        assert_eq!(held, n as usize / 2);
    }
}
