//! Property tests: the writer round-trips through the reader as etcd's ReadAll would replay
//! it, and no input — random bytes or mutated real etcd segments — panics, hangs or allocates
//! without bound in the reader, the verifier or repair.

use std::borrow::Cow;
use std::path::Path;

use proptest::prelude::*;
use raftctl::proto::raftpb::{Entry, HardState};
use raftctl::proto::walpb::WalSnapshot;
use raftctl::wal::layout::Layout;
use raftctl::wal::repair;
use raftctl::wal::view::{Item, LogView, ViewOptions};
use raftctl::wal::writer::{WalWriter, WriterOptions};

use crate::damage::metadata;

#[derive(Debug, Clone)]
enum Op {
    /// Append `n` entries of `len` bytes, after overwriting back `back` uncommitted ones.
    Save {
        n: u64,
        back: u64,
        len: usize,
        commit_ahead: u64,
    },
    Snapshot,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![
            8 => (1u64..6, 0u64..4, 0usize..700, 0u64..4)
                .prop_map(|(n, back, len, commit_ahead)| Op::Save { n, back, len, commit_ahead }),
            1 => Just(Op::Snapshot),
        ],
        1..40,
    )
}

/// (index, term, data) of each entry.
type Log = Vec<(u64, u64, Vec<u8>)>;

fn read_entries(dir: &Path) -> (Log, Option<HardState>, Vec<String>) {
    let layout = Layout::open(dir).unwrap();
    let mut view = LogView::new(layout.segments, ViewOptions::default());
    let mut out = Vec::new();
    let mut hs = None;
    let mut problems = Vec::new();
    while let Some(item) = view.next() {
        match item.unwrap() {
            Item::Entry { entry, .. } => out.push((entry.index, entry.term, entry.data().to_vec())),
            Item::HardState { hs: h, .. } => hs = Some(h),
            // Warnings are fine here: an overwrite just before a cut leaves a name-index one.
            Item::Problem(p) if p.is_error() => problems.push(p.to_string()),
            _ => {}
        }
    }
    assert_eq!(view.read_failed(), !problems.is_empty(), "{problems:?}");
    (out, hs, problems)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn writer_round_trip(ops in ops(), seg in 600u64..5000) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("wal");
        let mut w = WalWriter::create(&dir, &metadata(), WriterOptions { segment_size: seg, ..Default::default() }).unwrap();
        let mut model: Log = Vec::new();
        let mut hs = HardState { term: 1, vote: 1, commit: 0 };
        let mut saved = false;
        for op in ops {
            match op {
                Op::Save { n, back, len, commit_ahead } => {
                    let last = model.last().map(|e| e.0).unwrap_or(0);
                    // Only uncommitted entries may be overwritten; a new term does it.
                    let back = back.min(last - hs.commit);
                    if back > 0 {
                        hs.term += 1;
                    }
                    let first = last - back + 1;
                    let batch: Vec<Entry> = (first..first + n)
                        .map(|i| Entry {
                            entry_type: 0,
                            term: hs.term,
                            index: i,
                            data: Some(Cow::Owned(vec![(i % 251) as u8; len])),
                            extra: Cow::Borrowed(&[]),
                        })
                        .collect();
                    model.truncate((first - 1) as usize);
                    model.extend(batch.iter().map(|e| (e.index, e.term, e.data().to_vec())));
                    let new_last = first + n - 1;
                    hs.commit = (hs.commit + commit_ahead).min(new_last.saturating_sub(1)).max(hs.commit);
                    w.save(&hs, &batch).unwrap();
                    saved = true;
                }
                Op::Snapshot => {
                    if hs.commit > 0 {
                        let term = model[(hs.commit - 1) as usize].1;
                        w.save_snapshot(&WalSnapshot { index: hs.commit, term, ..Default::default() }).unwrap();
                    }
                }
            }
        }
        drop(w);
        let (got, got_hs, problems) = read_entries(&dir);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(got, model);
        prop_assert_eq!(got_hs, saved.then_some(hs));
        let report = raftctl::datadir::verify(&Layout::open(&dir).unwrap()).unwrap();
        prop_assert!(report.ok, "{:?}", report.problems);
    }

    #[test]
    fn arbitrary_segments_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096), words in prop::collection::vec(any::<u64>(), 0..4)) {
        let mut bytes = bytes;
        // Splice in wild length words, 2^56 and friends among them.
        for (i, w) in words.iter().enumerate() {
            let at = (i * 64).min(bytes.len());
            bytes.splice(at..at, w.to_le_bytes());
        }
        exercise(&bytes);
    }

    #[test]
    fn mutated_etcd_segments_never_panic(muts in prop::collection::vec((0usize..70_000, any::<u8>(), 0u8..4), 1..8), cut in 1000usize..70_000) {
        let real = std::fs::read(crate::util::testdata("etcd/a-single-node/data/member/wal/0000000000000000-0000000000000000.wal")).unwrap();
        let mut bytes = real[..cut].to_vec();
        for (at, v, how) in muts {
            let at = at % bytes.len();
            match how {
                0 => bytes[at] ^= v.max(1),
                1 => { let end = (at + 512).min(bytes.len()); bytes[at..end].fill(0) }
                2 => bytes.truncate(at.max(1)),
                _ => { let end = (at + 8).min(bytes.len()); bytes[at..end].copy_from_slice(&(1u64 << 56 | v as u64).to_le_bytes()[..end - at]) }
            }
        }
        exercise(&bytes);
    }
}

/// Runs the verifier, a full dump (raw and not) and repair over one segment holding `bytes`.
fn exercise(bytes: &[u8]) {
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("wal");
    std::fs::create_dir_all(&wal).unwrap();
    std::fs::write(wal.join("0000000000000000-0000000000000000.wal"), bytes).unwrap();
    let layout = Layout::open(&wal).unwrap();
    let _ = raftctl::datadir::verify(&layout).unwrap();
    for raw in [false, true] {
        let mut view = LogView::new(
            layout.segments.clone(),
            ViewOptions {
                raw,
                start_index: 0,
            },
        );
        let mut n = 0;
        while let Some(item) = view.next() {
            let _ = item;
            n += 1;
            assert!(n < 1_000_000, "the view does not end");
        }
    }
    if let Ok(r) = repair::repair(&layout, false, true)
        && !r.clean
    {
        let after = raftctl::datadir::verify(&Layout::open(&wal).unwrap()).unwrap();
        assert!(
            !after
                .problems
                .iter()
                .any(|p| p.kind == raftctl::wal::Kind::TornTail),
            "{:?}",
            after.problems
        );
    }
}
