//! A member restarts only from a WAL it can trust: a torn tail of the last segment is cut,
//! anything else stops it with one line naming the file, and nothing on disk changes.
//! Regression tests for issue 8 item 2 (a stray segment was "repaired" to nothing and
//! appended to).

use std::collections::BTreeMap;
use std::path::Path;

use crate::harness::{TestCluster, wait_until};

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for de in std::fs::read_dir(dir).unwrap() {
        let p = de.unwrap().path();
        out.insert(
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&p).unwrap(),
        );
    }
    out
}

/// Stops member 1 of a one-member cluster, puts `name` with `bytes` beside its segments and
/// starts it again: it must exit non-zero, naming the file, with every file as it was.
fn refuses_with(name: &str, bytes: Vec<u8>, says: &str) {
    let mut c = TestCluster::start(1, &[]);
    for i in 0..20 {
        c.put(1, &format!("k{i}"), "v");
    }
    c.stop(1);
    let wal = c.member(1).dir.join("member/wal");
    std::fs::write(wal.join(name), bytes).unwrap();
    let before = files(&wal);
    c.spawn(1);
    let status = wait_until("member 1 to exit", || {
        c.members[0].child.as_mut().unwrap().try_wait().unwrap()
    });
    c.members[0].child = None;
    assert!(!status.success(), "member 1 started on a damaged WAL");
    let log = std::fs::read_to_string(c.member(1).dir.with_extension("log")).unwrap();
    let last = log.lines().last().unwrap_or_default();
    assert!(
        last.contains(name) && last.contains(says),
        "the last log line should name {name} and say {says:?}: {last}"
    );
    assert_eq!(files(&wal), before, "the WAL dir was changed");
}

#[test]
fn r8_restart_refuses_a_segment_after_a_gap() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    refuses_with(
        "0000000000000005-0000000000000099.wal",
        junk,
        "missing in between",
    );
}

#[test]
fn r8_restart_refuses_a_next_segment_of_random_bytes() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2246822519) >> 11) as u8)
        .collect();
    refuses_with(
        "0000000000000001-0000000000000099.wal",
        junk,
        "not a WAL segment",
    );
}

#[test]
fn r8_restart_refuses_a_wal_file_etcd_would_skip() {
    refuses_with("stray.wal", vec![0; 64], "etcd skips it");
}
