//! etcd's `raftpb` messages as they are stored on disk, encoded the way gogoproto encodes them.
//!
//! Decoding is liberal (any field order, packed or unpacked repeated fields, unknown fields
//! kept). Encoding reproduces etcd's bytes exactly: fields in number order, non-nullable
//! scalars written even when zero, bytes fields written iff present, repeated scalars
//! unpacked, unknown fields re-emitted at the end (what etcd 3.4 does).

use std::borrow::Cow;

use super::wire::{self, DecodeError, Reader};

/// `raftpb.EntryType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum EntryType {
    EntryNormal,
    EntryConfChange,
    EntryConfChangeV2,
}

impl EntryType {
    pub fn from_i32(v: i32) -> Option<EntryType> {
        match v {
            0 => Some(EntryType::EntryNormal),
            1 => Some(EntryType::EntryConfChange),
            2 => Some(EntryType::EntryConfChangeV2),
            _ => None,
        }
    }

    pub fn as_i32(self) -> i32 {
        self as i32
    }

    pub fn name(self) -> &'static str {
        match self {
            EntryType::EntryNormal => "EntryNormal",
            EntryType::EntryConfChange => "EntryConfChange",
            EntryType::EntryConfChangeV2 => "EntryConfChangeV2",
        }
    }
}

/// `raftpb.Entry`. The type is kept raw so that an invalid value can be reported, not lost.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry<'a> {
    pub entry_type: i32,
    pub term: u64,
    pub index: u64,
    /// `None` when the field is absent (the leader's empty entry), `Some(b"")` when present but
    /// empty: etcd keeps the difference on disk.
    pub data: Option<Cow<'a, [u8]>>,
    /// Fields etcd does not know, as they were on the wire (raft-rs's `context` and `sync_log`).
    pub extra: Cow<'a, [u8]>,
}

impl<'a> Entry<'a> {
    pub fn decode(buf: &'a [u8]) -> Result<Self, DecodeError> {
        if let Some(e) = Self::decode_canonical(buf) {
            return Ok(e);
        }
        let mut e = Entry::default();
        let mut extra = Extra::new(buf);
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => e.entry_type = f.int32()?,
                2 => e.term = f.varint()?,
                3 => e.index = f.varint()?,
                4 => e.data = Some(Cow::Borrowed(f.bytes()?)),
                _ => extra.push(f.raw),
            }
        }
        e.extra = extra.into_cow();
        Ok(e)
    }

    /// etcd's layout (`08 type 10 term 18 index [22 len data]`, nothing else) without the
    /// general field loop; `None` sends anything else to the general decoder.
    #[inline]
    fn decode_canonical(buf: &'a [u8]) -> Option<Self> {
        let mut r = Reader::new(buf);
        if r.byte()? != 0x08 {
            return None;
        }
        let t = r.varint().ok()?;
        if t > 2 || r.byte()? != 0x10 {
            return None;
        }
        let term = r.varint().ok()?;
        if r.byte()? != 0x18 {
            return None;
        }
        let index = r.varint().ok()?;
        let data = if r.is_empty() {
            None
        } else {
            if r.byte()? != 0x22 {
                return None;
            }
            let n = r.varint().ok()?;
            let d = r.take(n).ok()?;
            if !r.is_empty() {
                return None;
            }
            Some(Cow::Borrowed(d))
        };
        Some(Entry {
            entry_type: t as i32,
            term,
            index,
            data,
            extra: Cow::Borrowed(&[]),
        })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_int32(out, 1, self.entry_type);
        wire::put_uint(out, 2, self.term);
        wire::put_uint(out, 3, self.index);
        if let Some(d) = &self.data {
            wire::put_bytes(out, 4, d);
        }
        out.extend_from_slice(&self.extra);
    }

    pub fn kind(&self) -> Option<EntryType> {
        EntryType::from_i32(self.entry_type)
    }

    pub fn data(&self) -> &[u8] {
        self.data.as_deref().unwrap_or(&[])
    }

    /// raft-rs's `context` field (6), which etcd does not know and keeps as an unknown field.
    pub fn context(&self) -> Option<&[u8]> {
        let mut r = Reader::new(&self.extra);
        let mut ctx = None;
        while let Ok(Some(f)) = r.field() {
            if f.number == 6 {
                ctx = f.bytes().ok();
            }
        }
        ctx
    }

    pub fn into_owned(self) -> Entry<'static> {
        Entry {
            entry_type: self.entry_type,
            term: self.term,
            index: self.index,
            data: self.data.map(|d| Cow::Owned(d.into_owned())),
            extra: Cow::Owned(self.extra.into_owned()),
        }
    }
}

/// `raftpb.HardState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct HardState {
    pub term: u64,
    pub vote: u64,
    pub commit: u64,
}

impl HardState {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut hs = HardState::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => hs.term = f.varint()?,
                2 => hs.vote = f.varint()?,
                3 => hs.commit = f.varint()?,
                _ => {}
            }
        }
        Ok(hs)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_uint(out, 1, self.term);
        wire::put_uint(out, 2, self.vote);
        wire::put_uint(out, 3, self.commit);
    }

    pub fn is_empty(&self) -> bool {
        *self == HardState::default()
    }
}

/// `raftpb.ConfState`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ConfState {
    pub voters: Vec<u64>,
    pub learners: Vec<u64>,
    pub voters_outgoing: Vec<u64>,
    pub learners_next: Vec<u64>,
    pub auto_leave: bool,
    #[serde(skip)]
    pub extra: Vec<u8>,
}

impl ConfState {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut cs = ConfState::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => f.push_uint64s(&mut cs.voters)?,
                2 => f.push_uint64s(&mut cs.learners)?,
                3 => f.push_uint64s(&mut cs.voters_outgoing)?,
                4 => f.push_uint64s(&mut cs.learners_next)?,
                5 => cs.auto_leave = f.bool()?,
                _ => cs.extra.extend_from_slice(f.raw),
            }
        }
        Ok(cs)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        for (field, ids) in [
            (1, &self.voters),
            (2, &self.learners),
            (3, &self.voters_outgoing),
            (4, &self.learners_next),
        ] {
            for &id in ids {
                wire::put_uint(out, field, id);
            }
        }
        wire::put_uint(out, 5, u64::from(self.auto_leave));
        out.extend_from_slice(&self.extra);
    }

    /// True when a joint configuration is in force (an outgoing voter set exists).
    pub fn is_joint(&self) -> bool {
        !self.voters_outgoing.is_empty()
    }

    /// The same membership with every id list sorted, for comparisons.
    pub fn normalized(&self) -> ConfState {
        let mut c = self.clone();
        for v in [
            &mut c.voters,
            &mut c.learners,
            &mut c.voters_outgoing,
            &mut c.learners_next,
        ] {
            v.sort_unstable();
        }
        c.extra.clear();
        c
    }
}

/// `raftpb.SnapshotMetadata`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotMetadata {
    pub conf_state: ConfState,
    pub index: u64,
    pub term: u64,
    pub extra: Vec<u8>,
}

impl SnapshotMetadata {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut m = SnapshotMetadata::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => m.conf_state = ConfState::decode(f.bytes()?)?,
                2 => m.index = f.varint()?,
                3 => m.term = f.varint()?,
                _ => m.extra.extend_from_slice(f.raw),
            }
        }
        Ok(m)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_message(out, 1, |b| self.conf_state.encode(b));
        wire::put_uint(out, 2, self.index);
        wire::put_uint(out, 3, self.term);
        out.extend_from_slice(&self.extra);
    }
}

/// `raftpb.Snapshot`: the application state at `metadata.index` (the payload of a `.snap`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub data: Option<Vec<u8>>,
    pub metadata: SnapshotMetadata,
    pub extra: Vec<u8>,
}

impl Snapshot {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut s = Snapshot::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => s.data = Some(f.bytes()?.to_vec()),
                2 => s.metadata = SnapshotMetadata::decode(f.bytes()?)?,
                _ => s.extra.extend_from_slice(f.raw),
            }
        }
        Ok(s)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        if let Some(d) = &self.data {
            wire::put_bytes(out, 1, d);
        }
        wire::put_message(out, 2, |b| self.metadata.encode(b));
        out.extend_from_slice(&self.extra);
    }
}

/// `raftpb.ConfChangeType`, in etcd's numbering (raft-rs differs: its AddLearnerNode is 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ConfChangeType {
    AddNode,
    RemoveNode,
    UpdateNode,
    AddLearnerNode,
}

impl ConfChangeType {
    /// Decodes etcd's number; raftctl writes its WALs in etcd's numbering too.
    pub fn from_etcd(v: i32) -> Option<ConfChangeType> {
        match v {
            0 => Some(ConfChangeType::AddNode),
            1 => Some(ConfChangeType::RemoveNode),
            2 => Some(ConfChangeType::UpdateNode),
            3 => Some(ConfChangeType::AddLearnerNode),
            _ => None,
        }
    }

    pub fn etcd_number(self) -> i32 {
        self as i32
    }

    pub fn name(self) -> &'static str {
        match self {
            ConfChangeType::AddNode => "AddNode",
            ConfChangeType::RemoveNode => "RemoveNode",
            ConfChangeType::UpdateNode => "UpdateNode",
            ConfChangeType::AddLearnerNode => "AddLearnerNode",
        }
    }
}

/// `raftpb.ConfChange` (the single-change form).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfChange {
    pub id: u64,
    pub change_type: i32,
    pub node_id: u64,
    pub context: Option<Vec<u8>>,
    pub extra: Vec<u8>,
}

impl ConfChange {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut c = ConfChange::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => c.id = f.varint()?,
                2 => c.change_type = f.int32()?,
                3 => c.node_id = f.varint()?,
                4 => c.context = Some(f.bytes()?.to_vec()),
                _ => c.extra.extend_from_slice(f.raw),
            }
        }
        Ok(c)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_uint(out, 1, self.id);
        wire::put_int32(out, 2, self.change_type);
        wire::put_uint(out, 3, self.node_id);
        if let Some(c) = &self.context {
            wire::put_bytes(out, 4, c);
        }
        out.extend_from_slice(&self.extra);
    }
}

/// `raftpb.ConfChangeSingle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConfChangeSingle {
    pub change_type: i32,
    pub node_id: u64,
}

/// `raftpb.ConfChangeTransition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ConfChangeTransition {
    Auto,
    JointImplicit,
    JointExplicit,
}

impl ConfChangeTransition {
    pub fn from_i32(v: i32) -> Option<Self> {
        match v {
            0 => Some(Self::Auto),
            1 => Some(Self::JointImplicit),
            2 => Some(Self::JointExplicit),
            _ => None,
        }
    }
}

/// `raftpb.ConfChangeV2`: several changes at once, through joint consensus when needed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfChangeV2 {
    pub transition: i32,
    pub changes: Vec<ConfChangeSingle>,
    pub context: Option<Vec<u8>>,
    pub extra: Vec<u8>,
}

impl ConfChangeV2 {
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut c = ConfChangeV2::default();
        let mut r = Reader::new(buf);
        while let Some(f) = r.field()? {
            match f.number {
                1 => c.transition = f.int32()?,
                2 => {
                    let mut s = ConfChangeSingle::default();
                    let mut sr = Reader::new(f.bytes()?);
                    while let Some(sf) = sr.field()? {
                        match sf.number {
                            1 => s.change_type = sf.int32()?,
                            2 => s.node_id = sf.varint()?,
                            _ => {}
                        }
                    }
                    c.changes.push(s);
                }
                3 => c.context = Some(f.bytes()?.to_vec()),
                _ => c.extra.extend_from_slice(f.raw),
            }
        }
        Ok(c)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::put_int32(out, 1, self.transition);
        for s in &self.changes {
            wire::put_message(out, 2, |b| {
                wire::put_int32(b, 1, s.change_type);
                wire::put_uint(b, 2, s.node_id);
            });
        }
        if let Some(c) = &self.context {
            wire::put_bytes(out, 3, c);
        }
        out.extend_from_slice(&self.extra);
    }

    /// An empty ConfChangeV2 means "leave the joint configuration".
    pub fn is_leave_joint(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Collects unknown fields; borrows from the message when they form one run, as they nearly
/// always do, and copies only when they are scattered.
struct Extra<'a> {
    base: &'a [u8],
    run: Option<(usize, usize)>,
    owned: Option<Vec<u8>>,
}

impl<'a> Extra<'a> {
    fn new(base: &'a [u8]) -> Self {
        Extra {
            base,
            run: None,
            owned: None,
        }
    }

    fn push(&mut self, raw: &'a [u8]) {
        if let Some(v) = &mut self.owned {
            v.extend_from_slice(raw);
            return;
        }
        let start = raw.as_ptr() as usize - self.base.as_ptr() as usize;
        let end = start + raw.len();
        self.run = match self.run {
            None => Some((start, end)),
            Some((s, e)) if e == start => Some((s, end)),
            Some((s, e)) => {
                let mut v = self.base[s..e].to_vec();
                v.extend_from_slice(raw);
                self.owned = Some(v);
                None
            }
        };
    }

    fn into_cow(self) -> Cow<'a, [u8]> {
        match (self.owned, self.run) {
            (Some(v), _) => Cow::Owned(v),
            (None, Some((s, e))) => Cow::Borrowed(&self.base[s..e]),
            (None, None) => Cow::Borrowed(&[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut v);
        v
    }

    // Reference: etcd-wal-format.md §15 V4, vectors checked against etcd 3.4.23.
    #[test]
    fn etcd_vectors() {
        assert_eq!(
            enc(|b| HardState::default().encode(b)),
            [0x08, 0, 0x10, 0, 0x18, 0]
        );
        let e = Entry {
            term: 2,
            index: 2,
            ..Default::default()
        };
        assert_eq!(enc(|b| e.encode(b)), [0x08, 0, 0x10, 2, 0x18, 2]);
        let e = Entry {
            data: Some(Cow::Borrowed(&[])),
            ..e
        };
        assert_eq!(enc(|b| e.encode(b)), [0x08, 0, 0x10, 2, 0x18, 2, 0x22, 0]);
        let cc = ConfChangeV2 {
            changes: vec![ConfChangeSingle {
                change_type: 3,
                node_id: 4,
            }],
            ..Default::default()
        };
        assert_eq!(enc(|b| cc.encode(b)), [0x08, 0, 0x12, 4, 0x08, 3, 0x10, 4]);
    }

    #[test]
    fn entry_round_trip_keeps_presence_and_unknown_fields() {
        let raw = [0x08, 0, 0x10, 2, 0x18, 2, 0x22, 0, 0x32, 2, b'h', b'i'];
        let e = Entry::decode(&raw).unwrap();
        assert_eq!(e.data.as_deref(), Some(&[][..]));
        assert_eq!(e.context(), Some(&b"hi"[..]));
        assert_eq!(enc(|b| e.encode(b)), raw);
    }

    #[test]
    fn proto3_style_entry_decodes() {
        let e = Entry::decode(&[0x10, 2, 0x18, 7]).unwrap();
        assert_eq!((e.entry_type, e.term, e.index, e.data), (0, 2, 7, None));
    }

    #[test]
    fn conf_state_accepts_packed() {
        let cs = ConfState::decode(&[0x0a, 3, 1, 2, 3]).unwrap();
        assert_eq!(cs.voters, [1, 2, 3]);
        assert_eq!(enc(|b| cs.encode(b)), [0x08, 1, 0x08, 2, 0x08, 3, 0x28, 0]);
    }
}
