//! One damaged WAL per problem kind: written with raftctl's writer, then broken in a
//! described way, then verified (and repaired where that is allowed).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use raftctl::proto::raftpb::{Entry, HardState};
use raftctl::proto::walpb::{Metadata, WalSnapshot};
use raftctl::wal::writer::{WalWriter, WriterOptions};
use serde_json::Value;

use crate::util::raftctl;

pub fn entry(term: u64, index: u64, len: usize) -> Entry<'static> {
    let data: Vec<u8> = (0..len)
        .map(|i| (i as u64 * 31 + index) as u8 | 1)
        .collect();
    Entry {
        entry_type: 0,
        term,
        index,
        data: Some(Cow::Owned(data)),
        extra: Cow::Borrowed(&[]),
    }
}

pub fn metadata() -> Vec<u8> {
    let mut m = Vec::new();
    Metadata {
        node_id: 1,
        cluster_id: 0x1000,
    }
    .encode(&mut m);
    m
}

/// A data dir with a WAL of `n` entries of `len` bytes in term 2, saved in batches of four,
/// in segments of `seg` bytes.
pub fn wal_with(n: u64, len: usize, seg: u64) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("member/wal");
    std::fs::create_dir_all(tmp.path().join("member/snap")).unwrap();
    let mut w = WalWriter::create(
        &wal,
        &metadata(),
        WriterOptions {
            segment_size: seg,
            ..Default::default()
        },
    )
    .unwrap();
    let mut i = 1;
    while i <= n {
        let batch: Vec<Entry> = (i..(i + 4).min(n + 1)).map(|j| entry(2, j, len)).collect();
        i += batch.len() as u64;
        w.save(
            &HardState {
                term: 2,
                vote: 1,
                commit: i - 1,
            },
            &batch,
        )
        .unwrap();
    }
    drop(w);
    (tmp, wal)
}

pub fn segments(wal: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(wal)
        .unwrap()
        .map(|d| d.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    v.sort();
    v
}

/// Every raw record as JSON (file, offset, record, index…).
pub fn records(dir: &Path) -> Vec<Value> {
    raftctl([
        "-o",
        "json",
        "wal",
        "dump",
        "--raw",
        &dir.display().to_string(),
    ])
    .json_lines()
}

pub fn verify(dir: &Path) -> (i32, Value) {
    let r = raftctl(["-o", "json", "wal", "verify", &dir.display().to_string()]);
    (r.code, r.json())
}

/// The problems of `kind`, asserting there is at least one.
pub fn problems_of(v: &Value, kind: &str) -> Vec<Value> {
    let found: Vec<Value> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == kind)
        .cloned()
        .collect();
    assert!(!found.is_empty(), "no {kind} in {:#}", v["problems"]);
    found
}

fn patch(path: &Path, offset: u64, f: impl FnOnce(&mut u8)) {
    let mut b = std::fs::read(path).unwrap();
    f(&mut b[offset as usize]);
    std::fs::write(path, b).unwrap();
}

fn entry_record(dir: &Path, index: u64) -> (PathBuf, u64) {
    let r = records(dir)
        .into_iter()
        .find(|r| r["record"] == "entry" && r["index"] == index)
        .unwrap();
    (
        PathBuf::from(r["file"].as_str().unwrap()),
        r["offset"].as_u64().unwrap(),
    )
}

#[test]
fn healthy_multi_segment_wal_verifies() {
    let (tmp, wal) = wal_with(60, 200, 4096);
    assert!(segments(&wal).len() >= 3);
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["entries"], 60);
    assert_eq!(
        (v["node_id"].as_u64(), v["node_id_hex"].as_str()),
        (Some(1), Some("1"))
    );
}

#[test]
fn flipped_bit_in_data_is_a_crc_mismatch() {
    let (tmp, _) = wal_with(20, 300, 1 << 20);
    let (file, off) = entry_record(tmp.path(), 7);
    patch(&file, off + 100, |b| *b ^= 0x04);
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    let p = &problems_of(&v, "crc-mismatch")[0];
    assert_eq!(
        (p["offset"].as_u64(), p["index"].as_u64()),
        (Some(off), Some(7))
    );
    assert_eq!(p["severity"], "error");
}

#[test]
fn flipped_bit_in_a_length_word_is_reported_at_that_frame() {
    let (tmp, wal) = wal_with(60, 200, 4096);
    let first = &segments(&wal)[0];
    let (file, off) = entry_record(tmp.path(), 3);
    assert_eq!(&file, first);
    patch(&file, off + 1, |b| *b ^= 0x01); // the record length grows by 256
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    let p = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["severity"] == "error")
        .unwrap()
        .clone();
    assert_eq!(p["offset"].as_u64(), Some(off), "{v:#}");
    assert_eq!(p["file"], first.display().to_string());
    assert_ne!(
        p["kind"], "torn-tail",
        "a non-last segment cannot have a torn tail"
    );
}

#[test]
fn flipped_bit_in_a_crc_record_breaks_the_segment_chain() {
    let (tmp, wal) = wal_with(60, 200, 4096);
    let second = &segments(&wal)[1];
    // The crc record opens the segment: its crc field starts at byte 8 + 3.
    patch(second, 8 + 3, |b| *b ^= 0x01);
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    let p = &problems_of(&v, "segment-crc-mismatch")[0];
    assert_eq!(p["file"], second.display().to_string());
    assert_eq!(p["offset"], 0);
}

/// Reference: etcd-wal-format.md §7.5 and §8 (a torn last record, cut by Repair).
#[test]
fn torn_tails_are_found_and_cut() {
    type Tear = fn(&Path, u64, u64);
    let tears: [(&str, Tear); 3] = [
        ("file truncated inside the last record", |p, off, _| {
            let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_len(off + 20).unwrap();
        }),
        (
            "a zeroed 512-byte sector in the last record",
            |p, off, _| {
                let mut b = std::fs::read(p).unwrap();
                let start = ((off + 8) / 512 + 1) * 512;
                b[start as usize..start as usize + 512].fill(0);
                std::fs::write(p, b).unwrap();
            },
        ),
        ("file truncated inside a length word", |p, off, _| {
            let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
            f.set_len(off + 3).unwrap();
        }),
    ];
    for (what, tear) in tears {
        let (tmp, wal) = wal_with(12, 1500, 1 << 20);
        let seg = segments(&wal).pop().unwrap();
        let (_, off) = entry_record(tmp.path(), 12);
        let before = std::fs::read(&seg).unwrap();
        tear(&seg, off, before.len() as u64);
        let torn = std::fs::read(&seg).unwrap();
        let (code, v) = verify(tmp.path());
        assert_eq!(code, 1, "{what}");
        let p = &problems_of(&v, "torn-tail")[0];
        assert_eq!(p["offset"].as_u64(), Some(off), "{what}: {v:#}");
        assert!(
            p["message"].as_str().unwrap().contains("wal repair"),
            "{what}"
        );
        let dir = tmp.path().display().to_string();
        let after = p["records_after"].as_u64().unwrap_or(0);
        let mut args = vec!["-o", "json", "wal", "repair", dir.as_str()];
        if after > 0 {
            // The state record written with the torn entry still checks out: etcd cuts it
            // too, raftctl only when told to.
            let refused = raftctl(&args);
            assert_eq!(refused.code, 1, "{what}");
            assert!(
                refused.stderr.contains("--force"),
                "{what}: {}",
                refused.stderr
            );
            assert_eq!(
                std::fs::read(&seg).unwrap(),
                torn,
                "{what}: a refusal changes nothing"
            );
            args.push("--force");
        }
        let r = raftctl(&args);
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        let rep = r.json();
        assert_eq!(rep["cut_at"].as_u64(), Some(off), "{what}");
        assert_eq!(std::fs::metadata(&seg).unwrap().len(), off, "{what}");
        let copy = PathBuf::from(rep["broken_copy"].as_str().unwrap());
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            torn,
            "{what}: the .broken copy keeps every byte"
        );
        let (code, v) = verify(tmp.path());
        assert_eq!(code, 0, "{what}: {v:#}");
        assert_eq!(v["last_index"], 11, "{what}");
        assert_eq!(problems_of(&v, "leftover")[0]["severity"], "warning");
        // A second repair finds nothing to do and never overwrites the earlier copy.
        let again = raftctl([
            "-o",
            "json",
            "wal",
            "repair",
            &tmp.path().display().to_string(),
        ]);
        assert_eq!(again.json()["clean"], true, "{what}");
    }
}

#[test]
fn missing_middle_segment_is_a_seq_gap() {
    let (tmp, wal) = wal_with(80, 200, 4096);
    let segs = segments(&wal);
    assert!(segs.len() >= 4);
    std::fs::remove_file(&segs[2]).unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    assert_eq!(
        problems_of(&v, "seq-gap")[0]["file"],
        segs[3].display().to_string()
    );
}

/// etcd itself does not check the step after seq 0 (etcd-wal-format.md §7.1).
#[test]
fn missing_segment_right_after_the_first() {
    let (tmp, wal) = wal_with(80, 200, 4096);
    let segs = segments(&wal);
    std::fs::remove_file(&segs[1]).unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    assert!(
        problems_of(&v, "seq-gap")[0]["message"]
            .as_str()
            .unwrap()
            .contains("follows seq 0")
    );
    problems_of(&v, "segment-crc-mismatch");
}

#[test]
fn malformed_and_non_canonical_names() {
    let (tmp, wal) = wal_with(60, 200, 4096);
    let segs = segments(&wal);
    std::fs::rename(&segs[1], wal.join("1-4.wal")).unwrap();
    std::fs::write(wal.join("garbage.wal"), b"x").unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    let bad: Vec<Value> = problems_of(&v, "bad-name");
    assert!(bad.iter().any(|p| p["severity"] == "warning" && p["file"].as_str().unwrap().ends_with("1-4.wal")));
    assert!(
        bad.iter()
            .any(|p| p["severity"] == "error"
                && p["file"].as_str().unwrap().ends_with("garbage.wal"))
    );
}

#[test]
fn out_of_order_names_break_the_sequence() {
    let (tmp, wal) = wal_with(60, 200, 4096);
    let segs = segments(&wal);
    let last = segs.last().unwrap();
    let name = last.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::rename(last, wal.join(format!("00000000000000ff{}", &name[16..]))).unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    problems_of(&v, "seq-gap");
}

pub fn custom_wal(f: impl FnOnce(&mut WalWriter)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("member/snap")).unwrap();
    let mut w = WalWriter::create(
        &tmp.path().join("member/wal"),
        &metadata(),
        WriterOptions::default(),
    )
    .unwrap();
    f(&mut w);
    drop(w);
    tmp
}

#[test]
fn index_gap() {
    let tmp = custom_wal(|w| {
        w.save(
            &HardState {
                term: 1,
                vote: 1,
                commit: 2,
            },
            &[entry(1, 1, 10), entry(1, 2, 10)],
        )
        .unwrap();
        w.save(
            &HardState {
                term: 1,
                vote: 1,
                commit: 2,
            },
            &[entry(1, 4, 10)],
        )
        .unwrap();
    });
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    assert_eq!(problems_of(&v, "index-gap")[0]["index"], 4);
}

#[test]
fn term_going_down() {
    let tmp = custom_wal(|w| {
        w.save(
            &HardState {
                term: 3,
                vote: 1,
                commit: 1,
            },
            &[entry(3, 1, 10), entry(2, 2, 10)],
        )
        .unwrap();
    });
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    assert_eq!(problems_of(&v, "term-regression")[0]["index"], 2);
}

#[test]
fn commit_past_the_last_index() {
    let tmp = custom_wal(|w| {
        w.save(
            &HardState {
                term: 1,
                vote: 1,
                commit: 9,
            },
            &[entry(1, 1, 10), entry(1, 2, 10)],
        )
        .unwrap();
    });
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    problems_of(&v, "commit-beyond-log");
}

#[test]
fn overwritten_suffix_is_superseded_and_committed_overwrite_is_an_error() {
    let tmp = custom_wal(|w| {
        let hs = HardState {
            term: 2,
            vote: 1,
            commit: 2,
        };
        w.save(
            &hs,
            &[
                entry(2, 1, 10),
                entry(2, 2, 10),
                entry(2, 3, 10),
                entry(2, 4, 10),
            ],
        )
        .unwrap();
        w.save(
            &HardState {
                term: 3,
                vote: 1,
                commit: 2,
            },
            &[entry(3, 3, 11)],
        )
        .unwrap();
    });
    let dir = tmp.path().display().to_string();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        (
            v["entries"].as_u64(),
            v["superseded"].as_u64(),
            v["last_index"].as_u64()
        ),
        (Some(3), Some(2), Some(3))
    );
    let d = raftctl(["-o", "json", "wal", "dump", &dir]).json_lines();
    let idx: Vec<(u64, u64)> = d
        .iter()
        .filter(|l| l["record"] == "entry")
        .map(|l| (l["index"].as_u64().unwrap(), l["term"].as_u64().unwrap()))
        .collect();
    assert_eq!(idx, [(1, 2), (2, 2), (3, 3)]);
    let raw = raftctl(["-o", "json", "wal", "dump", "--raw", &dir]).json_lines();
    let sup: Vec<u64> = raw
        .iter()
        .filter(|l| l["superseded"] == true)
        .map(|l| l["index"].as_u64().unwrap())
        .collect();
    assert_eq!(sup, [3, 4]);

    let bad = custom_wal(|w| {
        w.save(
            &HardState {
                term: 2,
                vote: 1,
                commit: 3,
            },
            &[entry(2, 1, 10), entry(2, 2, 10), entry(2, 3, 10)],
        )
        .unwrap();
        w.save(
            &HardState {
                term: 3,
                vote: 1,
                commit: 3,
            },
            &[entry(3, 2, 11)],
        )
        .unwrap();
    });
    let (code, v) = verify(bad.path());
    assert_eq!(code, 1);
    assert_eq!(problems_of(&v, "overwrite-committed")[0]["index"], 2);
}

#[test]
fn snapshot_record_without_its_snap_file() {
    let tmp = custom_wal(|w| {
        let ents: Vec<Entry> = (1..=5).map(|i| entry(1, i, 10)).collect();
        w.save(
            &HardState {
                term: 1,
                vote: 1,
                commit: 5,
            },
            &ents,
        )
        .unwrap();
        w.save_snapshot(&WalSnapshot {
            index: 4,
            term: 1,
            ..Default::default()
        })
        .unwrap();
    });
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 0, "a missing .snap alone is a warning: {v:#}");
    let p = &problems_of(&v, "missing-snap")[0];
    assert_eq!(
        (p["severity"].as_str(), p["index"].as_u64()),
        (Some("warning"), Some(4))
    );
}

#[test]
fn bad_snap_crc() {
    let tmp = crate::util::copy_tree(&crate::util::testdata("etcd/a-single-node/data"));
    let snap = tmp
        .path()
        .join("member/snap/0000000000000002-0000000000000bbb.snap");
    patch(&snap, 100, |b| *b ^= 0x20);
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    assert_eq!(
        problems_of(&v, "snap-crc")[0]["file"],
        snap.display().to_string()
    );
    // etcd would now start from the older snapshot at 2002.
    assert_eq!(v["opens_from"]["index"], 2002);
    let s = raftctl(["snap", "verify", &snap.display().to_string()]);
    assert_eq!(s.code, 1);
    assert!(s.stdout.contains("snap-crc"), "{}", s.stdout);
}

#[test]
fn torn_tail_in_a_non_last_segment_is_not_repairable() {
    let (tmp, wal) = wal_with(60, 200, 4096);
    let first = &segments(&wal)[0];
    let len = std::fs::metadata(first).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(first)
        .unwrap()
        .set_len(len - 30)
        .unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    problems_of(&v, "truncated-frame");
    let r = raftctl(["wal", "repair", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("raftctl: ") && r.stderr.contains("refusing to repair"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1);
}

/// A zeroed sector in the middle of the last segment looks like a torn write to etcd, which
/// would cut there and lose every record after it. raftctl says how many records after it
/// still check out, and repair cuts them only with --force.
#[test]
fn zeroed_sector_with_valid_records_after_it_needs_force() {
    let (tmp, wal) = wal_with(12, 1500, 1 << 20);
    let seg = segments(&wal).pop().unwrap();
    let (_, off) = entry_record(tmp.path(), 5);
    let start = ((off + 8) / 512 + 1) * 512;
    let mut b = std::fs::read(&seg).unwrap();
    b[start as usize..start as usize + 512].fill(0);
    std::fs::write(&seg, &b).unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    let p = &problems_of(&v, "torn-tail")[0];
    assert_eq!(
        (p["offset"].as_u64(), p["index"].as_u64()),
        (Some(off), Some(5))
    );
    // Entries 6..12 and the state records after them.
    assert!(p["records_after"].as_u64().unwrap() >= 7, "{p}");
    let dir = tmp.path().display().to_string();
    let r = raftctl(["wal", "repair", &dir]);
    assert_eq!(r.code, 1);
    assert_eq!(std::fs::read(&seg).unwrap(), b, "repair changed nothing");
    let r = raftctl(["-o", "json", "wal", "repair", "--force", &dir]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["cut_at"].as_u64(), Some(off));
    assert_eq!(verify(tmp.path()).1["last_index"], 4);
}

/// etcd 3.5 writes the ConfState into WAL snapshot records too; the .snap must agree.
#[test]
fn snap_membership_against_its_wal_record() {
    use raftctl::proto::raftpb::{ConfState, Snapshot, SnapshotMetadata};
    let cs = |v: Vec<u64>| ConfState {
        voters: v,
        ..Default::default()
    };
    let tmp = custom_wal(|w| {
        let ents: Vec<Entry> = (1..=5).map(|i| entry(1, i, 10)).collect();
        w.save(
            &HardState {
                term: 1,
                vote: 1,
                commit: 5,
            },
            &ents,
        )
        .unwrap();
        w.save_snapshot(&WalSnapshot {
            index: 4,
            term: 1,
            conf_state: Some(cs(vec![1])),
            ..Default::default()
        })
        .unwrap();
    });
    let snap = Snapshot {
        data: Some(b"x".to_vec()),
        metadata: SnapshotMetadata {
            conf_state: cs(vec![1, 2]),
            index: 4,
            term: 1,
            ..Default::default()
        },
        ..Default::default()
    };
    raftctl::snap::write(&tmp.path().join("member/snap"), &snap).unwrap();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 1);
    assert_eq!(problems_of(&v, "snap-conf-state-mismatch")[0]["index"], 4);
}

/// A crafted sparse segment whose length word claims 1.5 GB is reported, not allocated.
#[test]
fn huge_frame_in_a_sparse_file_is_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("wal");
    std::fs::create_dir(&wal).unwrap();
    let seg = wal.join("0000000000000000-0000000000000000.wal");
    let f = std::fs::File::create(&seg).unwrap();
    f.set_len(2 << 30).unwrap();
    use std::os::unix::fs::FileExt;
    f.write_all_at(&(1_500_000_000u64).to_le_bytes(), 0)
        .unwrap();
    let (code, v) = verify(&wal);
    assert_eq!(code, 1);
    let p = &problems_of(&v, "oversize-record")[0];
    assert_eq!(p["offset"], 0);
}

/// Issue 8, item 1: `wal repair some/passwd` cut it at offset 0 ("torn tail") and exited 0,
/// and `--dry-run` on a `.snap` said it would empty it. A file that is not named
/// `<seq>-<index>.wal`, or in which no record reads, is refused and left as it was.
#[test]
fn repair_refuses_what_is_not_a_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let passwd = tmp.path().join("passwd");
    let text =
        b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
    std::fs::write(&passwd, text).unwrap();
    let snap = tmp.path().join("0000000000000002-00000000000003e9.snap");
    std::fs::copy(
        crate::util::testdata(
            "etcd/a-single-node/data/member/snap/0000000000000002-00000000000003e9.snap",
        ),
        &snap,
    )
    .unwrap();
    // The same bytes under a segment's name, alone in a wal dir.
    let wal = tmp.path().join("wal");
    std::fs::create_dir(&wal).unwrap();
    let seg = wal.join("0000000000000000-0000000000000000.wal");
    std::fs::write(&seg, text).unwrap();
    for (what, target, file) in [
        ("a passwd file", &passwd, &passwd),
        ("a .snap file", &snap, &snap),
        ("garbage named as a segment", &wal, &seg),
    ] {
        let before = std::fs::read(file).unwrap();
        for dry in [true, false] {
            let mut args = vec!["wal".to_string(), "repair".into()];
            if dry {
                args.push("--dry-run".into());
            }
            args.push(target.display().to_string());
            let r = raftctl(&args);
            assert_eq!(
                r.code, 1,
                "{what} (dry run {dry}): {}{}",
                r.stdout, r.stderr
            );
            assert!(
                r.stderr.contains("not a WAL segment") && r.stderr.lines().count() == 1,
                "{what}: {}",
                r.stderr
            );
            assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
            assert_eq!(std::fs::read(file).unwrap(), before, "{what}: changed");
            let n = std::fs::read_dir(tmp.path()).unwrap().count();
            assert_eq!(n, 3, "{what}: a file was added beside it");
        }
    }
    // verify and dump say what it is instead of advising the repair.
    for target in [&passwd, &wal] {
        let t = target.display().to_string();
        let (code, v) = verify(target);
        assert_eq!(code, 1);
        let p = &problems_of(&v, "not-a-segment")[0];
        assert_eq!(p["offset"], 0);
        let m = p["message"].as_str().unwrap();
        assert!(
            m.starts_with("not a WAL segment") && !m.contains("cuts it"),
            "{m}"
        );
        assert!(
            v["problems"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["kind"] != "torn-tail")
        );
        let d = raftctl(["wal", "dump", &t]);
        assert_eq!(d.code, 1);
        assert!(
            d.stderr.contains("not a WAL segment") && !d.stderr.contains("torn tail"),
            "{}",
            d.stderr
        );
    }
    // A name etcd would not read is worth a warning even when the content is a segment.
    let (dtmp, dwal) = wal_with(3, 10, 1 << 20);
    let copy = dtmp.path().join("copy-of-segment");
    std::fs::copy(&segments(&dwal)[0], &copy).unwrap();
    let (code, v) = verify(&copy);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(problems_of(&v, "bad-name")[0]["severity"], "warning");
}

/// A segment whose first length word is zero but whose bytes after it are not: there is no
/// header to keep, so it is not a torn tail to cut to nothing either.
#[test]
fn repair_never_cuts_a_segment_to_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let wal = tmp.path().join("wal");
    std::fs::create_dir(&wal).unwrap();
    let seg = wal.join("0000000000000000-0000000000000000.wal");
    let mut b = vec![0u8; 4096];
    b[100] = 7;
    std::fs::write(&seg, &b).unwrap();
    let r = raftctl(["wal", "repair", "--force", &wal.display().to_string()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("not a WAL segment"), "{}", r.stderr);
    assert_eq!(std::fs::read(&seg).unwrap(), b);
    let (code, v) = verify(&wal);
    assert_eq!(code, 1);
    problems_of(&v, "not-a-segment");
}
