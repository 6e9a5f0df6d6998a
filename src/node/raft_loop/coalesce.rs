//! One MsgAppend per follower for the proposals of one turn of the loop, where raft-rs writes
//! one per proposal: the loop proposes everything its inbox holds (up to 4,096 requests), and
//! each `propose` broadcasts its entry at once (`Raft::bcast_append`). Each follower would then
//! step, and answer, every one of them.
//!
//! raft-rs has a switch for this (`Config::batch_append`), but in 0.7 it appends entries to a
//! queued MsgAppend that has none without checking where they start (`util::is_continuous_ents`
//! is true for an empty message): the follower then takes them to follow the message's
//! `index`, and answers with a match it does not have. The simulation found it (`cargo run
//! --release --example sim -- --seed 2`: a heartbeat's commit past the follower's last
//! index). So the merge is done here, on the Ready's messages, only where it is exactly what
//! the follower would do with the two in a row: same peer, same term, nothing else for that
//! peer in between, and the second's (index, log_term) the first's last entry.

use raft::eraftpb::{Message, MessageType};

/// A merged message stays within this many bytes of entry data (raft-rs's `max_size_per_msg`
/// bounds each of the parts already); a larger run starts a new message.
const MAX_MERGED_BYTES: usize = 1 << 20;

/// `msgs` with each run of continuous MsgAppends to one peer merged into its first.
pub fn coalesce_appends(msgs: Vec<Message>) -> Vec<Message> {
    if msgs.len() < 2 {
        return msgs;
    }
    let mut out: Vec<Message> = Vec::with_capacity(msgs.len());
    // For each peer, the position in `out` of its last message, and that message's size
    // when it is a MsgAppend that more entries may join.
    let mut last: Vec<(u64, usize, Option<usize>)> = Vec::new();
    for mut m in msgs {
        let slot = last.iter().position(|(to, _, _)| *to == m.to);
        if m.get_msg_type() == MessageType::MsgAppend
            && let Some(s) = slot
            && let (_, at, Some(bytes)) = last[s]
        {
            let add: usize = m.entries.iter().map(|e| e.data.len()).sum();
            let prev = &mut out[at];
            if continues(prev, &m) && bytes + add <= MAX_MERGED_BYTES {
                for e in m.take_entries() {
                    prev.mut_entries().push(e);
                }
                prev.commit = prev.commit.max(m.commit);
                prev.commit_term = prev.commit_term.max(m.commit_term);
                last[s].2 = Some(bytes + add);
                continue;
            }
        }
        let open = (m.get_msg_type() == MessageType::MsgAppend)
            .then(|| m.entries.iter().map(|e| e.data.len()).sum());
        match slot {
            Some(s) => last[s] = (m.to, out.len(), open),
            None => last.push((m.to, out.len(), open)),
        }
        out.push(m);
    }
    out
}

/// Whether `next` starts right after `prev`'s last entry, in the same term, from the same
/// leader: then the follower's handling of `prev` then `next` is its handling of the two
/// merged.
fn continues(prev: &Message, next: &Message) -> bool {
    if prev.term != next.term || prev.from != next.from {
        return false;
    }
    let (end_index, end_term) = match prev.entries.last() {
        Some(e) => (e.index, e.term),
        None => (prev.index, prev.log_term),
    };
    next.index == end_index && next.log_term == end_term
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft::eraftpb::Entry;

    fn append(to: u64, index: u64, log_term: u64, entries: &[(u64, u64)], commit: u64) -> Message {
        let mut m = Message::default();
        m.set_msg_type(MessageType::MsgAppend);
        m.to = to;
        m.from = 1;
        m.term = 2;
        m.index = index;
        m.log_term = log_term;
        m.commit = commit;
        for &(i, t) in entries {
            m.mut_entries().push(Entry {
                index: i,
                term: t,
                data: vec![b'x'; 10].into(),
                ..Default::default()
            });
        }
        m
    }

    fn indexes(m: &Message) -> Vec<u64> {
        m.entries.iter().map(|e| e.index).collect()
    }

    #[test]
    fn one_append_per_peer_for_continuous_proposals() {
        let msgs = vec![
            append(2, 10, 2, &[(11, 2)], 9),
            append(3, 10, 2, &[(11, 2)], 9),
            append(2, 11, 2, &[(12, 2)], 10),
            append(3, 11, 2, &[(12, 2)], 10),
            append(2, 12, 2, &[(13, 2)], 10),
        ];
        let out = coalesce_appends(msgs);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].to, indexes(&out[0])), (2, vec![11, 12, 13]));
        assert_eq!((out[1].to, indexes(&out[1])), (3, vec![11, 12]));
        assert_eq!((out[0].index, out[0].log_term, out[0].commit), (10, 2, 10));
    }

    /// raft-rs 0.7's own batching merges these (its continuity check passes any message
    /// without entries): the follower would then take entry 13 for entry 11.
    #[test]
    fn an_empty_append_takes_only_what_follows_its_index() {
        let out = coalesce_appends(vec![
            append(2, 10, 2, &[], 9),
            append(2, 12, 2, &[(13, 2)], 9),
        ]);
        assert_eq!(out.len(), 2);
        let out = coalesce_appends(vec![
            append(2, 10, 2, &[], 9),
            append(2, 10, 2, &[(11, 2)], 9),
        ]);
        assert_eq!(out.len(), 1);
        assert_eq!(indexes(&out[0]), vec![11]);
    }

    #[test]
    fn gaps_other_terms_and_other_messages_between_are_left_alone() {
        // Not continuous: a gap, a log term that differs from the last entry's.
        let gap = vec![
            append(2, 10, 2, &[(11, 2)], 9),
            append(2, 12, 2, &[(13, 2)], 9),
        ];
        assert_eq!(coalesce_appends(gap).len(), 2);
        let term = vec![
            append(2, 10, 2, &[(11, 2)], 9),
            append(2, 11, 3, &[(12, 3)], 9),
        ];
        assert_eq!(coalesce_appends(term).len(), 2);
        // A heartbeat to the same peer between them keeps its place, and so do both appends.
        let mut hb = Message::default();
        hb.set_msg_type(MessageType::MsgHeartbeat);
        hb.to = 2;
        let between = vec![
            append(2, 10, 2, &[(11, 2)], 9),
            hb,
            append(2, 11, 2, &[(12, 2)], 9),
        ];
        let out = coalesce_appends(between);
        assert_eq!(out.len(), 3);
        assert_eq!(out[1].get_msg_type(), MessageType::MsgHeartbeat);
    }

    #[test]
    fn a_merge_stops_at_the_byte_limit() {
        let mut big = append(2, 10, 2, &[(11, 2)], 9);
        big.mut_entries()[0].data = vec![0u8; MAX_MERGED_BYTES].into();
        let out = coalesce_appends(vec![big, append(2, 11, 2, &[(12, 2)], 9)]);
        assert_eq!(out.len(), 2);
    }
}
