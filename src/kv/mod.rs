//! The replicated key-value state machine: an ordered map changed only by applying committed
//! commands, in log order, on every member. Remembers recent request ids so that a command
//! retried after a leader change applies once.

mod entry;
mod recent;

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use thiserror::Error;

use crate::proto::command::{Command, Op, SNAPSHOT_MAGIC};

use entry::Entry;
use recent::Recent;

/// The encoded size of a non-empty bytes field with a one-byte key (tags 1 and 2), 0 for an
/// empty one (proto3 leaves it out).
fn bytes_field_len(b: &[u8]) -> usize {
    if b.is_empty() {
        0
    } else {
        1 + prost::encoding::encoded_len_varint(b.len() as u64) + b.len()
    }
}

/// How many request ids are remembered for de-duplication.
const RECENT_IDS: usize = 100_000;

#[derive(Debug, Error)]
pub enum KvError {
    #[error("snapshot data is not a raftctl KV snapshot")]
    NotAKvSnapshot,
    #[error("snapshot data does not decode: {0}")]
    Decode(#[from] prost::DecodeError),
}

/// What a remembered request did, as its retry is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A put, applied at this log index.
    Put(u64),
    Deleted(bool),
    Nothing,
    /// A range delete, and how many keys it deleted.
    DeletedRange(u64),
}

impl Outcome {
    fn code(self) -> u32 {
        match self {
            Outcome::Put(_) => 0,
            Outcome::Deleted(true) => 1,
            Outcome::Deleted(false) => 2,
            Outcome::Nothing => 3,
            Outcome::DeletedRange(_) => 4,
        }
    }

    fn from_code(c: u32, index: u64) -> Outcome {
        match c {
            1 => Outcome::Deleted(true),
            2 => Outcome::Deleted(false),
            3 => Outcome::Nothing,
            4 => Outcome::DeletedRange(index),
            _ => Outcome::Put(index),
        }
    }

    fn index(self) -> u64 {
        match self {
            Outcome::Put(i) | Outcome::DeletedRange(i) => i,
            _ => 0,
        }
    }
}

/// What applying a command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Put,
    /// A delete; true when the key existed.
    Deleted(bool),
    /// A range delete: how many keys it deleted.
    DeletedRange(u64),
    /// The request id was applied before: nothing changed; what the first one did.
    Duplicate(Outcome),
    /// A command without an operation, or a publish of a member's addresses.
    Nothing,
}

/// Where a member listens, as its conf change said; part of the replicated state so that a
/// member that joins by snapshot still learns its peers' addresses.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Member {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub peer: String,
    #[prost(string, tag = "3")]
    pub api: String,
}

#[derive(Debug, Default, Clone)]
pub struct Kv {
    /// A persistent B-tree of pairs ordered by key, each one shared allocation (see
    /// [`Entry`]): cloning the store for a snapshot is O(1) (the snapshot thread and the Raft
    /// loop then share every node, and a write copies only the nodes on its path, whose
    /// slots are reference counts), so taking a snapshot costs the Raft loop nothing that
    /// grows with the store.
    map: imbl::OrdSet<Entry>,
    members: BTreeMap<u64, Member>,
    /// Every member id ever removed: never given to a new member (etcd's rule).
    removed: BTreeSet<u64>,
    /// The remembered request ids and what they did: a snapshot's clone of the store shares
    /// their order and copies no table (see [`Recent`]).
    recent: Recent,
    bytes: u64,
    /// The pairs' share of the snapshot data (`KvSnapshot.pairs` as prost encodes it), kept
    /// as pairs come and go so that a snapshot's length needs no pass over the store.
    pairs_len: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
struct KvSnapshot {
    #[prost(message, repeated, tag = "1")]
    pairs: Vec<Pair>,
    #[prost(uint64, repeated, tag = "2")]
    recent_ids: Vec<u64>,
    /// What each of `recent_ids` did (`Outcome::code`), in the same order.
    #[prost(uint32, repeated, tag = "4")]
    recent_outcomes: Vec<u32>,
    /// The log index each of `recent_ids` applied at (puts), or how many keys it deleted
    /// (range deletes); 0 for the rest. In the same order.
    #[prost(uint64, repeated, tag = "5")]
    recent_indexes: Vec<u64>,
    #[prost(message, repeated, tag = "3")]
    members: Vec<Member>,
    #[prost(uint64, repeated, tag = "6")]
    removed: Vec<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Pair {
    #[prost(bytes = "vec", tag = "1")]
    key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

impl Kv {
    pub fn new() -> Kv {
        Kv::default()
    }

    /// Applies the command committed at log `index`. A request id seen before changes nothing
    /// and returns what its first application did.
    pub fn apply(&mut self, cmd: &Command, index: u64) -> Applied {
        if cmd.request_id != 0
            && let Some(first) = self.recent.get(cmd.request_id)
        {
            return Applied::Duplicate(first);
        }
        let applied = self.apply_op(cmd);
        if cmd.request_id != 0 {
            let outcome = match applied {
                Applied::Put => Outcome::Put(index),
                Applied::Deleted(d) => Outcome::Deleted(d),
                Applied::DeletedRange(n) => Outcome::DeletedRange(n),
                _ => Outcome::Nothing,
            };
            self.remember(cmd.request_id, outcome);
        }
        applied
    }

    fn apply_op(&mut self, cmd: &Command) -> Applied {
        match &cmd.op {
            Some(Op::Put(p)) => {
                self.insert(Entry::new(&p.key, &p.value));
                Applied::Put
            }
            Some(Op::Delete(d)) => match self.map.remove(&d.key[..]) {
                Some(old) => {
                    self.forget(&old);
                    Applied::Deleted(true)
                }
                None => Applied::Deleted(false),
            },
            Some(Op::DeleteRange(r)) => {
                let doomed: Vec<Entry> = self.range_entries(&r.start, &r.end).cloned().collect();
                for e in &doomed {
                    if let Some(old) = self.map.remove(e.key()) {
                        self.forget(&old);
                    }
                }
                Applied::DeletedRange(doomed.len() as u64)
            }
            Some(Op::Publish(p)) => {
                // Only a current member's record is updated: a publish that raced with the
                // member's removal changes nothing.
                if let Some(m) = self.members.get_mut(&p.id) {
                    m.peer = p.peer.clone();
                    m.api = p.api.clone();
                }
                Applied::Nothing
            }
            None => Applied::Nothing,
        }
    }

    fn remember(&mut self, id: u64, outcome: Outcome) {
        self.recent.remember(id, outcome, RECENT_IDS);
    }

    /// Records (or forgets, with `None`: the member was removed) where a member listens.
    pub fn set_member(&mut self, id: u64, m: Option<Member>) {
        match m {
            Some(m) => {
                self.members.insert(id, m);
            }
            None => {
                self.members.remove(&id);
                self.removed.insert(id);
            }
        }
    }

    /// The ids of every member removed so far.
    pub fn removed(&self) -> impl Iterator<Item = u64> + '_ {
        self.removed.iter().copied()
    }

    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.members.values()
    }

    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.map.get(key).map(Entry::value)
    }

    /// The pairs with keys in `[start, end)`, in key order (`end` empty: to the last key).
    pub fn range<'a>(
        &'a self,
        start: &[u8],
        end: &[u8],
    ) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        self.range_entries(start, end).map(Entry::parts)
    }

    fn range_entries<'a>(
        &'a self,
        start: &[u8],
        end: &[u8],
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        use std::ops::Bound;
        let upper = if end.is_empty() {
            Bound::Unbounded
        } else {
            Bound::Excluded(end)
        };
        // An empty range (start at or past end) yields nothing (a reversed range panics).
        let empty = !end.is_empty() && start >= end;
        let pairs = (!empty).then(|| self.map.range::<_, [u8]>((Bound::Included(start), upper)));
        pairs.into_iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Bytes of keys and values held.
    pub fn size(&self) -> u64 {
        self.bytes
    }

    /// The whole state as snapshot data: [`SNAPSHOT_MAGIC`] then the message.
    pub fn snapshot_data(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.snapshot_len());
        self.emit_snapshot(&mut |b| out.extend_from_slice(b));
        out
    }

    /// The length of [`Kv::snapshot_data`], without making it.
    pub fn snapshot_len(&self) -> usize {
        SNAPSHOT_MAGIC.len() + self.pairs_len as usize + self.snapshot_rest().encoded_len()
    }

    /// [`Kv::snapshot_data`] in pieces, to `sink`, straight from the store: the pairs as
    /// prost would encode `KvSnapshot.pairs` (field 1, before every other field, empty bytes
    /// fields left out), then the rest of the message (protobuf concatenates fields). A
    /// snapshot is written from this twice (once for its CRC, once to the file), so the
    /// state is never held a second time in memory.
    pub fn emit_snapshot(&self, sink: &mut dyn FnMut(&[u8])) {
        use prost::encoding::{WireType, encode_key, encode_varint};
        sink(SNAPSHOT_MAGIC);
        let mut head = Vec::with_capacity(32);
        for e in self.map.iter() {
            let (k, v) = e.parts();
            head.clear();
            encode_key(1, WireType::LengthDelimited, &mut head);
            encode_varint((bytes_field_len(k) + bytes_field_len(v)) as u64, &mut head);
            if !k.is_empty() {
                encode_key(1, WireType::LengthDelimited, &mut head);
                encode_varint(k.len() as u64, &mut head);
                head.extend_from_slice(k);
            }
            if !v.is_empty() {
                encode_key(2, WireType::LengthDelimited, &mut head);
                encode_varint(v.len() as u64, &mut head);
            }
            sink(&head);
            sink(v);
        }
        let mut rest = Vec::new();
        self.snapshot_rest().encode(&mut rest).unwrap_or_default();
        sink(&rest);
    }

    /// Everything of the snapshot message but the pairs.
    fn snapshot_rest(&self) -> KvSnapshot {
        KvSnapshot {
            pairs: Vec::new(),
            recent_ids: self.recent.iter().map(|(id, _)| *id).collect(),
            recent_outcomes: self.recent.iter().map(|(_, o)| o.code()).collect(),
            recent_indexes: self.recent.iter().map(|(_, o)| o.index()).collect(),
            members: self.members.values().cloned().collect(),
            removed: self.removed.iter().copied().collect(),
        }
    }

    /// The store a snapshot's data holds. The pairs are read straight out of `data` into the
    /// store (never all decoded first, which would hold the state twice more); every other
    /// field is decoded by prost, as is any pair this reader does not expect, so what is
    /// accepted and every error stay prost's.
    pub fn from_snapshot_data(data: &[u8]) -> Result<Kv, KvError> {
        use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};
        let body = data
            .strip_prefix(SNAPSHOT_MAGIC)
            .ok_or(KvError::NotAKvSnapshot)?;
        let mut kv = Kv::new();
        // The fields other than the pairs, as they are in `body`, for prost.
        let mut rest = Vec::new();
        let mut buf = body;
        while !buf.is_empty() {
            let field = buf;
            let (tag, wire_type) = decode_key(&mut buf)?;
            if tag == 1 && wire_type == WireType::LengthDelimited {
                let len = decode_varint(&mut buf)?;
                if len > buf.len() as u64 {
                    // Truncated: prost says so.
                    rest.extend_from_slice(field);
                    break;
                }
                let (pair, tail) = buf.split_at(len as usize);
                buf = tail;
                match pair_parts(pair) {
                    Some((k, v)) => kv.insert(Entry::new(k, v)),
                    None => {
                        let p = Pair::decode(pair)?;
                        kv.insert(Entry::new(&p.key, &p.value));
                    }
                }
            } else {
                skip_field(wire_type, tag, &mut buf, DecodeContext::default())?;
                rest.extend_from_slice(&field[..field.len() - buf.len()]);
            }
        }
        let snap = KvSnapshot::decode(&rest[..])?;
        for (i, id) in snap.recent_ids.into_iter().enumerate() {
            let index = snap.recent_indexes.get(i).copied().unwrap_or(0);
            let code = snap.recent_outcomes.get(i).copied().unwrap_or(0);
            let outcome = Outcome::from_code(code, index);
            kv.remember(id, outcome);
        }
        for m in snap.members {
            kv.members.insert(m.id, m);
        }
        kv.removed = snap.removed.into_iter().collect();
        Ok(kv)
    }

    fn insert(&mut self, e: Entry) {
        let (bytes, encoded) = sizes(&e);
        self.bytes += bytes;
        self.pairs_len += encoded;
        if let Some(old) = self.map.insert(e) {
            self.forget(&old);
        }
    }

    /// Takes a pair that left the map out of the sizes.
    fn forget(&mut self, old: &Entry) {
        let (bytes, encoded) = sizes(old);
        self.bytes -= bytes;
        self.pairs_len -= encoded;
    }
}

/// Bytes of a pair's key and value, and of the pair in a snapshot (`KvSnapshot.pairs` field:
/// key, length, the `Pair` message).
fn sizes(e: &Entry) -> (u64, u64) {
    let (k, v) = e.parts();
    let inner = bytes_field_len(k) + bytes_field_len(v);
    let encoded = 1 + prost::encoding::encoded_len_varint(inner as u64) + inner;
    ((k.len() + v.len()) as u64, encoded as u64)
}

/// The key and value of an encoded `Pair` as slices of it, when it holds nothing but its two
/// bytes fields, well formed (in any order; a field given twice: the last one wins, as in
/// prost); `None` for anything else, which `Pair::decode` then reads or refuses.
fn pair_parts(mut m: &[u8]) -> Option<(&[u8], &[u8])> {
    use prost::encoding::{WireType, decode_key, decode_varint};
    let (mut key, mut value): (&[u8], &[u8]) = (&[], &[]);
    while !m.is_empty() {
        let (tag, wire_type) = decode_key(&mut m).ok()?;
        if wire_type != WireType::LengthDelimited || !(tag == 1 || tag == 2) {
            return None;
        }
        let len = decode_varint(&mut m).ok()?;
        if len > m.len() as u64 {
            return None;
        }
        let (field, tail) = m.split_at(len as usize);
        m = tail;
        if tag == 1 {
            key = field;
        } else {
            value = field;
        }
    }
    Some((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::command::{Delete, Put};

    fn put(id: u64, k: &str, v: &str) -> Command {
        Command {
            request_id: id,
            op: Some(Op::Put(Put {
                key: k.into(),
                value: v.into(),
            })),
            ..Default::default()
        }
    }

    #[test]
    fn duplicate_request_applies_once() {
        let mut kv = Kv::new();
        assert_eq!(kv.apply(&put(1, "a", "1"), 10), Applied::Put);
        assert_eq!(kv.apply(&put(2, "a", "2"), 11), Applied::Put);
        // The retry is told the index its first application had.
        assert_eq!(
            kv.apply(&put(1, "a", "1"), 12),
            Applied::Duplicate(Outcome::Put(10))
        );
        assert_eq!(kv.get(b"a"), Some(&b"2"[..]));
        let del = Command {
            request_id: 3,
            op: Some(Op::Delete(Delete { key: b"a".to_vec() })),
            ..Default::default()
        };
        assert_eq!(kv.apply(&del, 13), Applied::Deleted(true));
        // A retry of that delete is told what the first one did.
        assert_eq!(
            kv.apply(&del, 14),
            Applied::Duplicate(Outcome::Deleted(true))
        );
        assert_eq!(kv.size(), 0);
        // Request id 0 means none: every one applies.
        assert_eq!(kv.apply(&put(0, "b", "1"), 15), Applied::Put);
        assert_eq!(kv.apply(&put(0, "b", "2"), 16), Applied::Put);
        assert_eq!(kv.get(b"b"), Some(&b"2"[..]));
    }

    #[test]
    fn snapshot_round_trip_keeps_dedup() {
        let mut kv = Kv::new();
        kv.apply(&put(7, "k", "v"), 42);
        let back = Kv::from_snapshot_data(&kv.snapshot_data()).unwrap();
        assert_eq!(back.get(b"k"), Some(&b"v"[..]));
        let mut back = back;
        assert_eq!(
            back.apply(&put(7, "k", "other"), 50),
            Applied::Duplicate(Outcome::Put(42))
        );
        assert!(Kv::from_snapshot_data(b"junk").is_err());
    }

    /// The pairs written straight from the store are the bytes prost writes for the whole
    /// message, so snapshots stay readable by every earlier raftctl.
    #[test]
    fn streamed_snapshot_data_is_prosts_encoding() {
        let mut kv = Kv::new();
        kv.apply(&put(1, "a", "1"), 1);
        kv.apply(&put(2, "b", ""), 2);
        kv.apply(&put(0, "", "empty key"), 3);
        kv.apply(&put(3, "long", &"x".repeat(300)), 4);
        kv.set_member(
            1,
            Some(Member {
                id: 1,
                peer: "p".into(),
                api: "a".into(),
            }),
        );
        let whole = KvSnapshot {
            pairs: kv
                .range(b"", b"")
                .map(|(k, v)| Pair {
                    key: k.to_vec(),
                    value: v.to_vec(),
                })
                .collect(),
            recent_ids: vec![1, 2, 3],
            recent_outcomes: vec![0, 0, 0],
            recent_indexes: vec![1, 2, 4],
            members: kv.members().cloned().collect(),
            removed: Vec::new(),
        };
        let mut expected = SNAPSHOT_MAGIC.to_vec();
        whole.encode(&mut expected).unwrap();
        assert_eq!(kv.snapshot_data(), expected);
        assert_eq!(kv.snapshot_len(), expected.len());
        let back = Kv::from_snapshot_data(&expected).unwrap();
        assert_eq!(back.get(b"long").map(<[u8]>::len), Some(300));
        assert_eq!(back.get(b""), Some(&b"empty key"[..]));
        assert_eq!(back.get(b"b"), Some(&b""[..]));
    }

    /// Pairs as another encoder may write them (fields in the other order, a field twice, a
    /// field raftctl does not know, other fields between the pairs) read as prost reads
    /// them, and damaged data is refused as prost refuses it.
    #[test]
    fn snapshot_pairs_read_as_prost_reads_them() {
        use prost::encoding::{WireType, encode_key, encode_varint};
        fn bytes(tag: u32, b: &[u8], out: &mut Vec<u8>) {
            encode_key(tag, WireType::LengthDelimited, out);
            encode_varint(b.len() as u64, out);
            out.extend_from_slice(b);
        }
        let mut body = Vec::new();
        let mut pair = Vec::new();
        bytes(2, b"v1", &mut pair);
        bytes(1, b"k1", &mut pair);
        bytes(1, &pair, &mut body);
        // The recent ids (packed) between two pairs.
        bytes(2, &[7], &mut body);
        pair.clear();
        bytes(1, b"first", &mut pair);
        encode_key(9, WireType::Varint, &mut pair);
        encode_varint(5, &mut pair);
        bytes(1, b"k2", &mut pair);
        bytes(2, b"v2", &mut pair);
        bytes(1, &pair, &mut body);
        pair.clear();
        bytes(1, b"k0", &mut pair);
        bytes(1, &pair, &mut body);
        let data = [SNAPSHOT_MAGIC, &body].concat();
        let kv = Kv::from_snapshot_data(&data).unwrap();
        let prosts = KvSnapshot::decode(&body[..]).unwrap();
        assert_eq!(prosts.pairs.len(), 3);
        assert_eq!(kv.len(), 3);
        for p in &prosts.pairs {
            assert_eq!(kv.get(&p.key), Some(&p.value[..]));
        }
        assert_eq!(kv.get(b"k2"), Some(&b"v2"[..]));
        assert_eq!(kv.size(), 2 + 2 + 2 + 2 + 2);
        let mut kv = kv;
        assert_eq!(
            kv.apply(&put(7, "k1", "again"), 9),
            Applied::Duplicate(Outcome::Put(0))
        );
        assert_eq!(kv.snapshot_len(), kv.snapshot_data().len());
        for cut in [1, 3, body.len() - 1] {
            let short = [SNAPSHOT_MAGIC, &body[..cut]].concat();
            assert!(KvSnapshot::decode(&body[..cut]).is_err());
            assert!(Kv::from_snapshot_data(&short).is_err(), "cut at {cut}");
        }
        // A pair whose key has the wrong wire type: prost's error.
        let mut bad = Vec::new();
        pair.clear();
        encode_key(1, WireType::Varint, &mut pair);
        encode_varint(1, &mut pair);
        bytes(1, &pair, &mut bad);
        assert!(KvSnapshot::decode(&bad[..]).is_err());
        assert!(Kv::from_snapshot_data(&[SNAPSHOT_MAGIC, &bad].concat()).is_err());
    }

    #[test]
    fn ranges_and_range_deletes() {
        use crate::proto::command::{DeleteRange, prefix_end};
        let mut kv = Kv::new();
        for (i, k) in ["a", "a/1", "a/2", "b", "\u{7f}"].iter().enumerate() {
            kv.apply(&put(0, k, "v"), i as u64 + 1);
        }
        let keys = |kv: &Kv, s: &[u8], e: &[u8]| -> Vec<String> {
            kv.range(s, e)
                .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
                .collect()
        };
        assert_eq!(keys(&kv, b"a/", &prefix_end(b"a/")), ["a/1", "a/2"]);
        assert_eq!(keys(&kv, b"b", b""), ["b", "\u{7f}"]);
        assert!(keys(&kv, b"z", b"a").is_empty());
        let del = Command {
            request_id: 9,
            op: Some(Op::DeleteRange(DeleteRange {
                start: b"a/".to_vec(),
                end: prefix_end(b"a/"),
            })),
            ..Default::default()
        };
        assert_eq!(kv.apply(&del, 10), Applied::DeletedRange(2));
        assert_eq!(
            kv.apply(&del, 11),
            Applied::Duplicate(Outcome::DeletedRange(2))
        );
        assert_eq!(keys(&kv, b"", b""), ["a", "b", "\u{7f}"]);
        assert_eq!(kv.snapshot_len(), kv.snapshot_data().len());
        let back = Kv::from_snapshot_data(&kv.snapshot_data()).unwrap();
        let mut back = back;
        assert_eq!(
            back.apply(&del, 12),
            Applied::Duplicate(Outcome::DeletedRange(2))
        );
    }

    #[test]
    fn publish_updates_members_and_removed_ids_are_kept() {
        use crate::proto::command::Publish;
        let mut kv = Kv::new();
        let m = |id: u64| Member {
            id,
            peer: format!("p{id}"),
            api: String::new(),
        };
        kv.set_member(1, Some(m(1)));
        kv.set_member(2, Some(m(2)));
        let publish = |id: u64| Command {
            op: Some(Op::Publish(Publish {
                id,
                peer: format!("p{id}"),
                api: format!("a{id}"),
            })),
            ..Default::default()
        };
        kv.apply(&publish(1), 5);
        kv.set_member(2, None);
        // Too late: member 2 is gone, and stays gone.
        kv.apply(&publish(2), 6);
        let back = Kv::from_snapshot_data(&kv.snapshot_data()).unwrap();
        let members: Vec<&Member> = back.members().collect();
        assert_eq!(members.len(), 1);
        assert_eq!((members[0].id, members[0].api.as_str()), (1, "a1"));
        assert_eq!(back.removed().collect::<Vec<_>>(), vec![2]);
    }
}
