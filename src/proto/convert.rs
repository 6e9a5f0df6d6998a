//! Conversions between the etcd-format messages on disk and raft-rs's `eraftpb`.
//!
//! On disk (and so for etcd's tools) ConfChange types use etcd's numbers; raft-rs numbers
//! AddLearnerNode differently (2, where etcd has 3 and 2 is UpdateNode). Conf change entries
//! are re-encoded on the way in and out; everything else passes through unchanged.

use std::borrow::Cow;

use protobuf::Message as _;
use raft::eraftpb;
use thiserror::Error;

use super::raftpb::{
    ConfChange, ConfChangeSingle, ConfChangeType, ConfChangeV2, ConfState, Entry, EntryType,
    HardState, SnapshotMetadata,
};
use super::wire::{self, DecodeError};

#[derive(Debug, Error)]
pub enum ConvertError {
    #[error("entry {index}: {what} does not decode ({source})")]
    Decode {
        index: u64,
        what: &'static str,
        source: DecodeError,
    },
    #[error("entry {index}: conf change type {value} has no raft-rs equivalent")]
    ChangeType { index: u64, value: i32 },
    #[error("entry {index}: raft-rs message does not decode ({0})", index = .1)]
    Protobuf(String, u64),
}

fn etcd_to_raft_type(index: u64, t: i32) -> Result<eraftpb::ConfChangeType, ConvertError> {
    match ConfChangeType::from_etcd(t) {
        Some(ConfChangeType::AddNode) => Ok(eraftpb::ConfChangeType::AddNode),
        Some(ConfChangeType::RemoveNode) => Ok(eraftpb::ConfChangeType::RemoveNode),
        Some(ConfChangeType::AddLearnerNode) => Ok(eraftpb::ConfChangeType::AddLearnerNode),
        _ => Err(ConvertError::ChangeType { index, value: t }),
    }
}

fn raft_to_etcd_type(t: eraftpb::ConfChangeType) -> i32 {
    match t {
        eraftpb::ConfChangeType::AddNode => ConfChangeType::AddNode.etcd_number(),
        eraftpb::ConfChangeType::RemoveNode => ConfChangeType::RemoveNode.etcd_number(),
        eraftpb::ConfChangeType::AddLearnerNode => ConfChangeType::AddLearnerNode.etcd_number(),
    }
}

fn transition_to_raft(t: i32) -> eraftpb::ConfChangeTransition {
    match t {
        1 => eraftpb::ConfChangeTransition::Implicit,
        2 => eraftpb::ConfChangeTransition::Explicit,
        _ => eraftpb::ConfChangeTransition::Auto,
    }
}

fn transition_to_etcd(t: eraftpb::ConfChangeTransition) -> i32 {
    match t {
        eraftpb::ConfChangeTransition::Auto => 0,
        eraftpb::ConfChangeTransition::Implicit => 1,
        eraftpb::ConfChangeTransition::Explicit => 2,
    }
}

/// A raft-rs ConfChange from etcd-format bytes.
pub fn conf_change_to_raft(index: u64, data: &[u8]) -> Result<eraftpb::ConfChange, ConvertError> {
    let cc = ConfChange::decode(data).map_err(|source| ConvertError::Decode {
        index,
        what: "ConfChange",
        source,
    })?;
    let mut out = eraftpb::ConfChange {
        id: cc.id,
        node_id: cc.node_id,
        context: cc.context.unwrap_or_default().into(),
        ..Default::default()
    };
    out.set_change_type(etcd_to_raft_type(index, cc.change_type)?);
    Ok(out)
}

/// A raft-rs ConfChangeV2 from etcd-format bytes (empty bytes: leave the joint state).
pub fn conf_change_v2_to_raft(
    index: u64,
    data: &[u8],
) -> Result<eraftpb::ConfChangeV2, ConvertError> {
    let cc = ConfChangeV2::decode(data).map_err(|source| ConvertError::Decode {
        index,
        what: "ConfChangeV2",
        source,
    })?;
    let mut out = eraftpb::ConfChangeV2::default();
    out.set_transition(transition_to_raft(cc.transition));
    for c in &cc.changes {
        let mut s = eraftpb::ConfChangeSingle::default();
        s.set_change_type(etcd_to_raft_type(index, c.change_type)?);
        s.node_id = c.node_id;
        out.mut_changes().push(s);
    }
    out.context = cc.context.unwrap_or_default().into();
    Ok(out)
}

/// Etcd-format bytes of a raft-rs ConfChange.
pub fn conf_change_to_etcd(cc: &eraftpb::ConfChange) -> Vec<u8> {
    let mut out = Vec::new();
    ConfChange {
        id: cc.id,
        change_type: raft_to_etcd_type(cc.get_change_type()),
        node_id: cc.node_id,
        context: (!cc.context.is_empty()).then(|| cc.context.to_vec()),
        extra: Vec::new(),
    }
    .encode(&mut out);
    out
}

/// Etcd-format bytes of a raft-rs ConfChangeV2.
pub fn conf_change_v2_to_etcd(cc: &eraftpb::ConfChangeV2) -> Vec<u8> {
    let mut out = Vec::new();
    ConfChangeV2 {
        transition: transition_to_etcd(cc.get_transition()),
        changes: cc
            .get_changes()
            .iter()
            .map(|c| ConfChangeSingle {
                change_type: raft_to_etcd_type(c.get_change_type()),
                node_id: c.node_id,
            })
            .collect(),
        context: (!cc.context.is_empty()).then(|| cc.context.to_vec()),
        extra: Vec::new(),
    }
    .encode(&mut out);
    out
}

/// A raft-rs entry from a WAL entry.
pub fn entry_to_raft(e: &Entry<'_>) -> Result<eraftpb::Entry, ConvertError> {
    let mut out = eraftpb::Entry {
        term: e.term,
        index: e.index,
        ..Default::default()
    };
    let data = e.data();
    match e.kind() {
        Some(EntryType::EntryConfChange) => {
            out.set_entry_type(eraftpb::EntryType::EntryConfChange);
            let cc = conf_change_to_raft(e.index, data)?;
            out.data = write(&cc, e.index)?.into();
        }
        Some(EntryType::EntryConfChangeV2) => {
            out.set_entry_type(eraftpb::EntryType::EntryConfChangeV2);
            // An empty V2 (leave joint) stays empty: raft-rs decodes empty bytes the same way.
            if !data.is_empty() {
                let cc = conf_change_v2_to_raft(e.index, data)?;
                out.data = write(&cc, e.index)?.into();
            }
        }
        _ => {
            out.set_entry_type(eraftpb::EntryType::EntryNormal);
            out.data = bytes::Bytes::copy_from_slice(data);
        }
    }
    if let Some(ctx) = e.context() {
        out.context = bytes::Bytes::copy_from_slice(ctx);
    }
    Ok(out)
}

/// [`entry_to_raft`] for an owned entry: a normal entry's data moves into the result
/// instead of being copied (restart replays a whole WAL through here).
pub fn entry_into_raft(e: Entry<'static>) -> Result<eraftpb::Entry, ConvertError> {
    if e.kind() != Some(EntryType::EntryNormal) || e.context().is_some() {
        return entry_to_raft(&e);
    }
    let data = match e.data {
        Some(std::borrow::Cow::Owned(v)) => bytes::Bytes::from(v),
        Some(std::borrow::Cow::Borrowed(b)) => bytes::Bytes::copy_from_slice(b),
        None => bytes::Bytes::new(),
    };
    let mut out = eraftpb::Entry {
        term: e.term,
        index: e.index,
        data,
        ..Default::default()
    };
    out.set_entry_type(eraftpb::EntryType::EntryNormal);
    Ok(out)
}

fn write(m: &impl protobuf::Message, index: u64) -> Result<Vec<u8>, ConvertError> {
    m.write_to_bytes()
        .map_err(|e| ConvertError::Protobuf(e.to_string(), index))
}

/// A WAL entry from a raft-rs entry.
pub fn entry_from_raft(e: &eraftpb::Entry) -> Result<Entry<'static>, ConvertError> {
    let (entry_type, data) = match e.get_entry_type() {
        eraftpb::EntryType::EntryNormal => (EntryType::EntryNormal, e.data.to_vec()),
        eraftpb::EntryType::EntryConfChange => {
            let mut cc = eraftpb::ConfChange::default();
            cc.merge_from_bytes(&e.data)
                .map_err(|x| ConvertError::Protobuf(x.to_string(), e.index))?;
            (EntryType::EntryConfChange, conf_change_to_etcd(&cc))
        }
        eraftpb::EntryType::EntryConfChangeV2 => {
            if e.data.is_empty() {
                (EntryType::EntryConfChangeV2, Vec::new())
            } else {
                let mut cc = eraftpb::ConfChangeV2::default();
                cc.merge_from_bytes(&e.data)
                    .map_err(|x| ConvertError::Protobuf(x.to_string(), e.index))?;
                (EntryType::EntryConfChangeV2, conf_change_v2_to_etcd(&cc))
            }
        }
    };
    let mut extra = Vec::new();
    if !e.context.is_empty() {
        wire::put_bytes(&mut extra, 6, &e.context);
    }
    Ok(Entry {
        entry_type: entry_type.as_i32(),
        term: e.term,
        index: e.index,
        // etcd writes no data field for an empty entry (the leader's no-op).
        data: (!data.is_empty()).then_some(Cow::Owned(data)),
        extra: Cow::Owned(extra),
    })
}

pub fn hard_state_to_raft(hs: &HardState) -> eraftpb::HardState {
    eraftpb::HardState {
        term: hs.term,
        vote: hs.vote,
        commit: hs.commit,
        ..Default::default()
    }
}

pub fn hard_state_from_raft(hs: &eraftpb::HardState) -> HardState {
    HardState {
        term: hs.term,
        vote: hs.vote,
        commit: hs.commit,
    }
}

pub fn conf_state_to_raft(cs: &ConfState) -> eraftpb::ConfState {
    eraftpb::ConfState {
        voters: cs.voters.clone(),
        learners: cs.learners.clone(),
        voters_outgoing: cs.voters_outgoing.clone(),
        learners_next: cs.learners_next.clone(),
        auto_leave: cs.auto_leave,
        ..Default::default()
    }
}

pub fn conf_state_from_raft(cs: &eraftpb::ConfState) -> ConfState {
    ConfState {
        voters: cs.voters.clone(),
        learners: cs.learners.clone(),
        voters_outgoing: cs.voters_outgoing.clone(),
        learners_next: cs.learners_next.clone(),
        auto_leave: cs.auto_leave,
        extra: Vec::new(),
    }
}

pub fn snapshot_metadata_to_raft(m: &SnapshotMetadata) -> eraftpb::SnapshotMetadata {
    let mut out = eraftpb::SnapshotMetadata::default();
    out.set_conf_state(conf_state_to_raft(&m.conf_state));
    out.index = m.index;
    out.term = m.term;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learner_numbers_are_mapped_both_ways() {
        let mut cc = eraftpb::ConfChangeV2::default();
        let mut s = eraftpb::ConfChangeSingle::default();
        s.set_change_type(eraftpb::ConfChangeType::AddLearnerNode);
        s.node_id = 4;
        cc.mut_changes().push(s);
        let etcd = conf_change_v2_to_etcd(&cc);
        // Reference: etcd-wal-format.md §15 V4: ConfChangeV2{changes [AddLearnerNode 4]}.
        assert_eq!(etcd, [0x08, 0x00, 0x12, 0x04, 0x08, 0x03, 0x10, 0x04]);
        let back = conf_change_v2_to_raft(7, &etcd).unwrap();
        assert_eq!(
            back.get_changes()[0].get_change_type(),
            eraftpb::ConfChangeType::AddLearnerNode
        );
    }

    #[test]
    fn entries_round_trip() {
        let mut e = eraftpb::Entry::default();
        e.set_entry_type(eraftpb::EntryType::EntryConfChange);
        e.term = 3;
        e.index = 9;
        let mut cc = eraftpb::ConfChange::default();
        cc.set_change_type(eraftpb::ConfChangeType::AddLearnerNode);
        cc.node_id = 5;
        e.data = cc.write_to_bytes().unwrap().into();
        e.context = bytes::Bytes::from_static(b"ctx");
        let ours = entry_from_raft(&e).unwrap();
        assert_eq!(ConfChange::decode(ours.data()).unwrap().change_type, 3);
        let back = entry_to_raft(&ours).unwrap();
        assert_eq!(back, e);
        let empty = eraftpb::Entry {
            term: 2,
            index: 10,
            ..Default::default()
        };
        let ours = entry_from_raft(&empty).unwrap();
        assert_eq!(ours.data, None);
        assert_eq!(entry_to_raft(&ours).unwrap(), empty);
    }
}
