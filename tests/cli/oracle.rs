//! etcd's own wal package (3.4.23, through walorcl) reads what raftctl's writer writes, entry
//! for entry and HardState for HardState, exactly as raftctl reads it.

use std::path::Path;

use raftctl::proto::raftpb::{Entry, HardState};
use raftctl::proto::walpb::WalSnapshot;
use raftctl::wal::writer::{WalWriter, WriterOptions};
use serde_json::Value;

use crate::damage::{entry, metadata};
use crate::util::{raftctl, walorcl_run};

fn ours(dir: &Path, from_snap: bool) -> (Vec<(u64, u64, String, String)>, Value) {
    let d = dir.display().to_string();
    let mut args = vec!["-o", "json", "wal", "dump", d.as_str()];
    if from_snap {
        args.push("--from-snap");
    }
    let r = raftctl(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = r.json_lines();
    let e = lines
        .iter()
        .filter(|l| l["record"] == "entry")
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap().to_string();
            (
                l["term"].as_u64().unwrap(),
                l["index"].as_u64().unwrap(),
                s("type"),
                s("data"),
            )
        })
        .collect();
    let hs = lines
        .iter()
        .rfind(|l| l["record"] == "hard_state")
        .cloned()
        .unwrap_or(Value::Null);
    (e, hs)
}

fn etcds(dir: &Path, from_snap: bool) -> (Vec<(u64, u64, String, String)>, Value) {
    let state = tempfile::NamedTempFile::new().unwrap();
    let sp = state.path().display().to_string();
    let from = if from_snap { "snap" } else { "zero" };
    let r = walorcl_run(&[
        "entries",
        "-from",
        from,
        "-state",
        &sp,
        &dir.display().to_string(),
    ]);
    assert_eq!(r.code, 0, "walorcl: {}", r.stderr);
    let e = r
        .json_lines()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap().to_string();
            (
                l["term"].as_u64().unwrap(),
                l["index"].as_u64().unwrap(),
                s("type"),
                s("data_b64"),
            )
        })
        .collect();
    let st: Value = serde_json::from_slice(&std::fs::read(state.path()).unwrap()).unwrap();
    assert_eq!(st["error"], Value::Null, "{st:#}");
    assert_eq!(st["verify_error"], Value::Null, "{st:#}");
    (e, st["hardstate"].clone())
}

/// raftctl and etcd's wal package read the same entries and HardState from `dir`, from the
/// beginning of the log.
pub fn assert_same(dir: &Path) -> usize {
    assert_same_from(dir, false)
}

/// The same, starting after the newest `.snap` when `from_snap` (as etcd does on start).
pub fn assert_same_from(dir: &Path, from_snap: bool) -> usize {
    let (oe, ohs) = ours(dir, from_snap);
    let (ee, ehs) = etcds(dir, from_snap);
    assert_eq!(oe, ee);
    for k in ["term", "vote", "commit"] {
        assert_eq!(ohs[k], ehs[k], "hard state {k}");
    }
    oe.len()
}

#[test]
fn etcd_reads_a_multi_segment_wal_with_overwrites_and_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("member/wal");
    let mut w = WalWriter::create(
        &dir,
        &metadata(),
        WriterOptions {
            segment_size: 8192,
            ..Default::default()
        },
    )
    .unwrap();
    let mut hs = HardState {
        term: 2,
        vote: 1,
        commit: 0,
    };
    let mut index = 0;
    for round in 0..30u64 {
        let batch: Vec<Entry> = (0..5)
            .map(|k| entry(hs.term, index + 1 + k, 100 + (round as usize * 13) % 400))
            .collect();
        index += 5;
        hs.commit = index - 2;
        w.save(&hs, &batch).unwrap();
        if round % 7 == 6 {
            // A new leader overwrites the two uncommitted entries.
            hs.term += 1;
            index -= 2;
            let again: Vec<Entry> = (1..=3).map(|k| entry(hs.term, index + k, 77)).collect();
            index += 3;
            w.save(&hs, &again).unwrap();
        }
        if round % 10 == 9 {
            w.save_snapshot(&WalSnapshot {
                index: hs.commit,
                term: hs.term,
                ..Default::default()
            })
            .unwrap();
        }
    }
    hs.commit = index;
    w.save(&hs, &[]).unwrap();
    drop(w);
    let segs = std::fs::read_dir(&dir).unwrap().count();
    assert!(segs >= 4, "only {segs} segments");
    let n = assert_same(tmp.path());
    assert_eq!(n as u64, index);
    let v = walorcl_run(&["verify", &tmp.path().display().to_string()]);
    assert!(v.stdout.contains("wal.Verify: <nil>"), "{}", v.stdout);
}

#[test]
fn etcd_reads_a_reopened_wal_after_a_torn_tail_was_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("member/wal");
    let opts = WriterOptions {
        segment_size: 1 << 20,
        ..Default::default()
    };
    let mut w = WalWriter::create(&dir, &metadata(), opts.clone()).unwrap();
    let ents: Vec<Entry> = (1..=10).map(|i| entry(1, i, 900)).collect();
    w.save(
        &HardState {
            term: 1,
            vote: 1,
            commit: 8,
        },
        &ents,
    )
    .unwrap();
    let tail = w.tail_path().to_path_buf();
    drop(w);
    // Tear the last state record: zero from inside it to the end of its sector.
    let r = raftctl([
        "-o",
        "json",
        "wal",
        "dump",
        "--raw",
        &tmp.path().display().to_string(),
    ])
    .json_lines();
    let last = r.iter().rfind(|l| l["record"] == "entry").unwrap()["offset"]
        .as_u64()
        .unwrap();
    let mut b = std::fs::read(&tail).unwrap();
    let start = ((last + 8) / 512 + 1) * 512;
    b[start as usize..start as usize + 512].fill(0);
    std::fs::write(&tail, b).unwrap();
    // The segment's OFD lock goes with the last descriptor of its open file: a process that
    // another test forks meanwhile holds a copy until it execs, which on a loaded machine can
    // take a while. Wait for the lock, not for luck.
    let (mut w, state) =
        crate::harness::wait_until(
            "the closed WAL's lock to be free",
            || match WalWriter::open(&dir, opts.clone()) {
                Err(raftctl::wal::WalError::Locked { .. }) => None,
                r => Some(r.unwrap()),
            },
        );
    assert_eq!(state.last_index, Some(9));
    assert!(state.repaired.is_some());
    w.save(
        &HardState {
            term: 2,
            vote: 2,
            commit: 9,
        },
        &[entry(2, 10, 50), entry(2, 11, 50)],
    )
    .unwrap();
    drop(w);
    assert_eq!(assert_same(tmp.path()), 11);
}
