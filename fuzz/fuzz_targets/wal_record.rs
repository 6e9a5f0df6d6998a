//! Decodes arbitrary bytes as every on-disk message raftctl reads. Nothing may panic, and what
//! decodes must re-encode to something that decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raftctl::proto::raftpb::{ConfChange, ConfChangeV2, ConfState, Entry, HardState, Snapshot};
use raftctl::proto::walpb::{Record, SnapFile, WalSnapshot};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Record::decode(data) {
        let mut b = Vec::new();
        r.encode(&mut b);
        assert_eq!(Record::decode(&b).ok().map(|x| (x.rec_type, x.crc, x.data)), Some((r.rec_type, r.crc, r.data)));
    }
    if let Ok(e) = Entry::decode(data) {
        let mut b = Vec::new();
        e.encode(&mut b);
        let again = Entry::decode(&b).expect("re-encoded entry decodes");
        assert_eq!((again.term, again.index, again.entry_type, again.data), (e.term, e.index, e.entry_type, e.data));
    }
    let _ = HardState::decode(data);
    let _ = ConfState::decode(data);
    let _ = Snapshot::decode(data);
    let _ = ConfChange::decode(data);
    let _ = ConfChangeV2::decode(data);
    let _ = WalSnapshot::decode(data);
    let _ = SnapFile::decode(data);
    let kind = raftctl::proto::raftpb::EntryType::from_i32(i32::from(data.first().copied().unwrap_or(0) % 3));
    let _ = raftctl::proto::describe::describe(kind, Some(data), raftctl::proto::describe::Decoder::Auto);
});
