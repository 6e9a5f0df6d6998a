//! Issue 8 ("Everyday use"), the WAL and snapshot inspector: each defect reported there, run
//! through the real binary against real etcd data or a WAL written here with raftctl's writer.

use std::borrow::Cow;

use raftctl::proto::raftpb::{ConfChange, Entry, HardState};

use crate::damage::{custom_wal, entry, problems_of, verify, wal_with};
use crate::util::{raftctl, testdata};

fn etcd_data() -> String {
    testdata("etcd/a-single-node/data").display().to_string()
}

/// An EntryConfChange carrying `context`.
fn conf_change(
    term: u64,
    index: u64,
    change_type: i32,
    node: u64,
    context: &str,
) -> Entry<'static> {
    let mut data = Vec::new();
    ConfChange {
        id: 0,
        change_type,
        node_id: node,
        context: Some(context.as_bytes().to_vec()),
        extra: Vec::new(),
    }
    .encode(&mut data);
    Entry {
        entry_type: 1,
        term,
        index,
        data: Some(Cow::Owned(data)),
        extra: Cow::Borrowed(&[]),
    }
}

/// Item 29: `--decode raftctl` on etcd's entries showed an empty cell.
#[test]
fn decoders_say_what_they_do_not_read() {
    let r = raftctl([
        "wal",
        "dump",
        &etcd_data(),
        "--decode",
        "raftctl",
        "--from-index",
        "3",
        "--to-index",
        "5",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(" Normal "))
        .collect();
    assert_eq!(rows.len(), 3, "{}", r.stdout);
    assert!(
        rows[0].ends_with("not a raftctl command (an etcd v2 request; try --decode etcd)"),
        "{}",
        rows[0]
    );
    assert!(
        rows[2].ends_with("not a raftctl command (an etcd v3 request; try --decode etcd)"),
        "{}",
        rows[2]
    );
    let j = raftctl([
        "-o",
        "json",
        "wal",
        "dump",
        &etcd_data(),
        "--decode",
        "raftctl",
        "--from-index",
        "5",
        "--to-index",
        "5",
    ]);
    let e = j
        .json_lines()
        .into_iter()
        .find(|l| l["record"] == "entry")
        .unwrap();
    assert!(
        e["decoded"]["not_decoded"]
            .as_str()
            .unwrap()
            .contains("try --decode etcd"),
        "{e}"
    );
}

/// Item 29: `--type crc` without `--raw` showed nothing and said nothing: a usage error now.
#[test]
fn type_crc_needs_raw() {
    let r = raftctl(["wal", "dump", &etcd_data(), "--type", "crc"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("--type crc needs --raw"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let r = raftctl([
        "-o",
        "json",
        "wal",
        "dump",
        &etcd_data(),
        "--type",
        "crc",
        "--raw",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = r.json_lines();
    assert!(!lines.is_empty() && lines.iter().all(|l| l["record"] == "crc"));
}

/// Item 29: conf change contexts were cut at 40 characters, so etcd's `isPromote` was lost.
/// etcd's member JSON (etcd-io/etcd etcdserver/api/membership/cluster.go ConfigChangeContext)
/// is decoded: name, peer URLs, learner and promote flags.
#[test]
fn etcd_member_contexts_show_name_urls_and_promote() {
    let promote = r#"{"id":4,"peerURLs":["http://127.0.0.1:32380","http://127.0.0.1:32381"],"name":"m4","isLearner":false,"isPromote":true}"#;
    let learner = r#"{"id":5,"peerURLs":["http://127.0.0.1:42380"],"name":"m5","isLearner":true,"isPromote":false}"#;
    let tmp = custom_wal(|w| {
        w.save(
            &HardState {
                term: 2,
                vote: 1,
                commit: 3,
            },
            &[
                entry(2, 1, 10),
                conf_change(2, 2, 0, 4, promote),
                conf_change(2, 3, 3, 5, learner),
            ],
        )
        .unwrap();
    });
    let dir = tmp.path().display().to_string();
    let r = raftctl(["wal", "dump", &dir, "--type", "conf-change"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("AddNode 4 m4 http://127.0.0.1:32380,http://127.0.0.1:32381 (promote)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("AddLearnerNode 5 m5 http://127.0.0.1:42380 (learner)"),
        "{}",
        r.stdout
    );
    let j = raftctl(["-o", "json", "wal", "dump", &dir, "--type", "conf-change"]).json_lines();
    let m = &j[0]["decoded"]["conf_change"]["member"];
    assert_eq!(
        (m["name"].as_str(), m["is_promote"].as_bool()),
        (Some("m4"), Some(true))
    );
    assert_eq!(
        j[0]["decoded"]["conf_change"]["context"], promote,
        "the whole context is kept"
    );
    // etcd's own first conf change names its member too.
    let r = raftctl(["wal", "dump", &etcd_data(), "--type", "conf-change"]);
    assert!(
        r.stdout
            .contains("AddNode 21b60f732a083253 fixa http://127.0.0.1:22380"),
        "{}",
        r.stdout
    );
}

/// Item 29: v2 values printed their inner quotes unescaped.
#[test]
fn v2_values_escape_their_quotes() {
    let r = raftctl([
        "wal",
        "dump",
        &etcd_data(),
        "--from-index",
        "3",
        "--to-index",
        "3",
    ]);
    assert!(
        r.stdout
            .contains(r#"v2 PUT /0/members/21b60f732a083253/attributes = "{\"name\":\"fixa\","#),
        "{}",
        r.stdout
    );
}

/// Item 29: `node_id` was hex and `hard_state.vote` decimal in the same JSON. Ids are JSON
/// numbers (exact u64) everywhere, each with a `*_hex` string beside it.
#[test]
fn ids_are_numbers_with_hex_beside_them() {
    let id = 0x21b60f732a083253u64;
    let lines = raftctl(["-o", "json", "wal", "dump", &etcd_data()]).json_lines();
    let md = lines.iter().find(|l| l["record"] == "metadata").unwrap();
    assert_eq!(
        (md["node_id"].as_u64(), md["node_id_hex"].as_str()),
        (Some(id), Some("21b60f732a083253"))
    );
    assert_eq!(md["cluster_id_hex"], "7534e8d3f5e54b90");
    assert_eq!(md["cluster_id"].as_u64(), Some(0x7534e8d3f5e54b90));
    let hs = lines.iter().rfind(|l| l["record"] == "hard_state").unwrap();
    assert_eq!(
        (hs["vote"].as_u64(), hs["vote_hex"].as_str()),
        (Some(id), Some("21b60f732a083253"))
    );
    let v = raftctl(["-o", "json", "wal", "verify", &etcd_data()]).json();
    assert_eq!(
        (v["node_id"].as_u64(), v["node_id_hex"].as_str()),
        (Some(id), Some("21b60f732a083253"))
    );
    assert_eq!(v["hard_state"]["vote"].as_u64(), Some(id));
    assert_eq!(v["hard_state"]["vote_hex"], "21b60f732a083253");
}

/// Item 29: `repair --dry-run` printed "repaired:".
#[test]
fn dry_run_says_would_cut() {
    let (tmp, wal) = wal_with(12, 1500, 1 << 20);
    let seg = crate::damage::segments(&wal).pop().unwrap();
    let len = std::fs::metadata(&seg).unwrap().len();
    let (_, off) = {
        let r = crate::damage::records(tmp.path())
            .into_iter()
            .rfind(|r| r["record"] == "hard_state")
            .unwrap();
        ((), r["offset"].as_u64().unwrap())
    };
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(off + 5)
        .unwrap();
    let before = std::fs::read(&seg).unwrap();
    let r = raftctl([
        "wal",
        "repair",
        "--dry-run",
        &tmp.path().display().to_string(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("would cut at offset") && r.stdout.contains("\nwould cut: torn tail"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("repaired"), "{}", r.stdout);
    assert_eq!(std::fs::read(&seg).unwrap(), before);
    assert!(len > off);
}

/// Item 29: `wal dump` skipped a `.wal` file whose name etcd ignores without a word.
#[test]
fn dump_says_which_wal_files_it_skips() {
    let (tmp, wal) = wal_with(4, 10, 1 << 20);
    std::fs::write(wal.join("garbage.wal"), b"x").unwrap();
    std::fs::write(wal.join("1-x.wal"), b"x").unwrap();
    let r = raftctl(["wal", "dump", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let skipped: Vec<&str> = r.stderr.lines().filter(|l| l.contains("skipped")).collect();
    assert_eq!(skipped.len(), 2, "{}", r.stderr);
    assert!(
        skipped
            .iter()
            .any(|l| l.contains("garbage.wal") && l.contains("etcd ignores"))
    );
    assert!(skipped.iter().any(|l| l.contains("1-x.wal")));
}

/// A member that joined by snapshot on etcd 3.4: its WAL starts with a snapshot record that
/// carries no ConfState, then the entries after it; the membership is in the `.snap` only.
fn joined_by_snapshot() -> tempfile::TempDir {
    use raftctl::proto::raftpb::{ConfState, Snapshot, SnapshotMetadata};
    use raftctl::proto::walpb::WalSnapshot;
    let tmp = custom_wal(|w| {
        w.save_snapshot(&WalSnapshot {
            index: 10,
            term: 2,
            ..Default::default()
        })
        .unwrap();
        w.save(
            &HardState {
                term: 2,
                vote: 0,
                commit: 12,
            },
            &[entry(2, 11, 10), conf_change(2, 12, 0, 4, "")],
        )
        .unwrap();
    });
    let snap = Snapshot {
        data: Some(b"state".to_vec()),
        metadata: SnapshotMetadata {
            conf_state: ConfState {
                voters: vec![1, 2, 3],
                ..Default::default()
            },
            index: 10,
            term: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    raftctl::snap::write(&tmp.path().join("member/snap"), &snap).unwrap();
    tmp
}

/// Item 23: `wal verify` printed "membership -" for a member that joined by snapshot. The
/// replay starts from the ConfState of the `.snap` its snapshot record names.
#[test]
fn membership_of_a_member_that_joined_by_snapshot() {
    let tmp = joined_by_snapshot();
    let (code, v) = verify(tmp.path());
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        v["conf_state"]["voters"],
        serde_json::json!([1, 2, 3, 4]),
        "{v:#}"
    );
    assert_eq!(v["opens_from"]["index"], 10);
    let t = raftctl(["wal", "verify", &tmp.path().display().to_string()]);
    assert!(
        t.stdout.contains("membership  voters [1,2,3,4]"),
        "{}",
        t.stdout
    );
    // Without the .snap there is nothing to start from, and verify says so.
    for f in std::fs::read_dir(tmp.path().join("member/snap")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let (_, v) = verify(tmp.path());
    assert!(v["conf_state"].is_null(), "{v:#}");
    problems_of(&v, "missing-snap");
}

/// Item 27: `snap verify` of a fresh member with no snapshot yet exited 1 ("no .snap file
/// here"); an empty snap dir is what such a member has.
#[test]
fn snap_verify_of_a_member_without_snapshots() {
    let (tmp, _) = wal_with(3, 10, 1 << 20);
    let dir = tmp.path().display().to_string();
    for cmd in ["verify", "dump"] {
        let r = raftctl(["snap", cmd, &dir]);
        assert_eq!(r.code, 0, "{cmd}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains("no .snap file in") && r.stdout.contains("not taken a snapshot yet"),
            "{}",
            r.stdout
        );
        let j = raftctl(["-o", "json", "snap", cmd, &dir]).json();
        assert_eq!(
            (j["ok"].as_bool(), j["files"].as_array().map(Vec::len)),
            (Some(true), Some(0))
        );
        assert!(j["etcd_loads"].is_null());
    }
    // A directory that is no snap dir at all is still refused.
    let other = tempfile::tempdir().unwrap();
    let r = raftctl(["snap", "verify", &other.path().display().to_string()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no .snap file here"), "{}", r.stderr);
}

/// Item 27: no verdict line and no word on which file etcd would load; and a file not named
/// `*.snap` (etcd lists only those) was checked as a "bad-name" one etcd "would still try".
#[test]
fn snap_verify_says_which_file_etcd_loads() {
    let r = raftctl(["snap", "verify", &etcd_data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("\nOK: 3 .snap file(s) check out"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("etcd would load ")
            && r.stdout
                .contains("0000000000000002-0000000000000bbb.snap (the newest"),
        "{}",
        r.stdout
    );
    let tmp = crate::util::copy_tree(&testdata("etcd/a-single-node/data"));
    let newest = tmp
        .path()
        .join("member/snap/0000000000000002-0000000000000bbb.snap");
    let mut b = std::fs::read(&newest).unwrap();
    b[100] ^= 0x20;
    std::fs::write(&newest, b).unwrap();
    let r = raftctl([
        "-o",
        "json",
        "snap",
        "verify",
        &tmp.path().display().to_string(),
    ]);
    assert_eq!(r.code, 1);
    let j = r.json();
    assert!(
        j["etcd_loads"]
            .as_str()
            .unwrap()
            .ends_with("0000000000000002-00000000000007d2.snap"),
        "{j}"
    );
    let t = raftctl(["snap", "verify", &tmp.path().display().to_string()]);
    assert!(t.stdout.contains("\nFAILED: 1 error(s)"), "{}", t.stdout);

    let passwd = tmp.path().join("passwd");
    std::fs::write(&passwd, b"root:x:0:0:root:/root:/bin/bash\n").unwrap();
    let r = raftctl(["snap", "verify", &passwd.display().to_string()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("not a .snap file") && !r.stderr.contains("would still try"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

/// Item 27: raftctl's own KV snapshot was shown as a size only.
#[test]
fn raftctl_kv_snapshots_are_decoded() {
    use raftctl::kv::Kv;
    use raftctl::proto::command::{Command, Op, Put};
    use raftctl::proto::raftpb::{ConfState, Snapshot, SnapshotMetadata};
    let mut kv = Kv::new();
    for (i, (k, v)) in [("alpha", "1"), ("beta", "two"), ("gamma", "three!")]
        .into_iter()
        .enumerate()
    {
        let put = Command {
            op: Some(Op::Put(Put {
                key: k.into(),
                value: v.into(),
            })),
            ..Default::default()
        };
        kv.apply(&put, i as u64 + 1);
    }
    let tmp = tempfile::tempdir().unwrap();
    let snap = Snapshot {
        data: Some(kv.snapshot_data()),
        metadata: SnapshotMetadata {
            conf_state: ConfState {
                voters: vec![1],
                ..Default::default()
            },
            index: 7,
            term: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let f = raftctl::snap::write(tmp.path(), &snap)
        .unwrap()
        .display()
        .to_string();
    let r = raftctl(["snap", "verify", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("raftctl-kv: 3 keys, 24 B of keys and values"),
        "{}",
        r.stdout
    );
    let d = raftctl(["snap", "dump", &f]);
    for k in ["alpha", "beta", "gamma", "three!"] {
        assert!(d.stdout.contains(k), "{k}: {}", d.stdout);
    }
    let j = raftctl(["-o", "json", "snap", "dump", &f]).json();
    let kvj = &j["files"][0]["kv"];
    assert_eq!(
        (kvj["keys"].as_u64(), kvj["bytes"].as_u64()),
        (Some(3), Some(24))
    );
    assert_eq!(kvj["key_list"][1]["key"], "beta");
    assert_eq!(kvj["key_list"][1]["value_size"], 3);
}

fn run_diff(a: &std::path::Path, b: &std::path::Path) -> (crate::util::Run, serde_json::Value) {
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let t = raftctl(["wal", "diff", &a, &b]);
    let j = raftctl(["-o", "json", "wal", "diff", &a, &b]);
    assert_eq!(t.code, j.code);
    (t, j.json())
}

/// Item 4: a healthy member against one with a flipped byte was "B is a prefix of A", exit
/// 0 (only the JSON said `read_failed`); two unreadable files were "no index in common", exit
/// 0. Where a side stops reading and why is said, and the comparison fails.
#[test]
fn diff_says_where_a_side_stops_reading() {
    let tmp = crate::util::copy_tree(&testdata("etcd/a-single-node/data"));
    let wal = tmp
        .path()
        .join("member/wal/0000000000000000-0000000000000000.wal");
    let mut b = std::fs::read(&wal).unwrap();
    b[499_161] ^= 0xff;
    std::fs::write(&wal, b).unwrap();
    let (t, j) = run_diff(&testdata("etcd/a-single-node/data"), tmp.path());
    assert_eq!(t.code, 1, "{}", t.stdout);
    assert!(
        t.stdout.contains("B stops reading after index 1618: ")
            && t.stdout.contains("offset 498776"),
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("crc-mismatch"), "{}", t.stdout);
    assert!(!t.stdout.contains("B is a prefix of A"), "{}", t.stdout);
    assert_eq!(j["b"]["read_failed"], true);
    assert_eq!(j["b"]["stopped"]["offset"], 498_776);
    assert_eq!(j["b"]["stopped"]["kind"], "crc-mismatch");

    let dir = tempfile::tempdir().unwrap();
    let (p, q) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::write(&p, b"root:x:0:0:root:/root:/bin/bash\n").unwrap();
    std::fs::write(&q, b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n").unwrap();
    let (t, j) = run_diff(&p, &q);
    assert_eq!(t.code, 1, "{}", t.stdout);
    assert_eq!(
        t.stdout.matches("stops reading before any entry").count(),
        2,
        "{}",
        t.stdout
    );
    assert!(t.stdout.contains("not a WAL segment"), "{}", t.stdout);
    assert_eq!(
        (
            j["a"]["read_failed"].as_bool(),
            j["b"]["read_failed"].as_bool()
        ),
        (Some(true), Some(true))
    );
}

/// Item 4: two dirs of different clusters were compared as if they were one log.
#[test]
fn diff_of_different_clusters() {
    let (tmp, _) = wal_with(8, 10, 1 << 20);
    let (t, j) = run_diff(&testdata("etcd/a-single-node/data"), tmp.path());
    assert_eq!(t.code, 1, "{}", t.stdout);
    assert_eq!(j["relation"], "different-clusters");
    assert!(j["divergence"].is_null());
    assert!(
        t.stdout
            .contains("different clusters (A 7534e8d3f5e54b90, B 1000)"),
        "{}",
        t.stdout
    );
}

/// The false alarm of item 4, in small numbers: a leader killed holding uncommitted entries
/// (its log 1..20 with commit 16) restarts, is sent a snapshot at 40 and goes on from there;
/// the new leader's log has other terms at 17..20 and agrees on everything committed.
fn leader_killed_then_sent_a_snapshot() -> (tempfile::TempDir, tempfile::TempDir) {
    use raftctl::proto::walpb::WalSnapshot;
    let a = custom_wal(|w| {
        let old: Vec<Entry> = (1..=20).map(|i| entry(2, i, 10)).collect();
        w.save(
            &HardState {
                term: 2,
                vote: 1,
                commit: 16,
            },
            &old,
        )
        .unwrap();
        w.save_snapshot(&WalSnapshot {
            index: 40,
            term: 3,
            ..Default::default()
        })
        .unwrap();
        let new: Vec<Entry> = (41..=45).map(|i| entry(3, i, 10)).collect();
        w.save(
            &HardState {
                term: 3,
                vote: 0,
                commit: 45,
            },
            &new,
        )
        .unwrap();
    });
    let b = custom_wal(|w| {
        let old: Vec<Entry> = (1..=16).map(|i| entry(2, i, 10)).collect();
        w.save(
            &HardState {
                term: 2,
                vote: 1,
                commit: 16,
            },
            &old,
        )
        .unwrap();
        let new: Vec<Entry> = (17..=45).map(|i| entry(3, i, 10)).collect();
        w.save(
            &HardState {
                term: 3,
                vote: 2,
                commit: 45,
            },
            &new,
        )
        .unwrap();
    });
    (a, b)
}

/// Item 4: `wal diff` ignored the later snapshot record and called index 17 a committed
/// divergence (exit 1) while `wal verify` was clean and the members agree. Entries a later
/// snapshot record replaced are not the log; "identical" says where each side holds entries.
#[test]
fn diff_after_a_snapshot_replaced_uncommitted_entries() {
    let (a, b) = leader_killed_then_sent_a_snapshot();
    for d in [&a, &b] {
        let (code, v) = verify(d.path());
        assert_eq!(code, 0, "{v:#}");
    }
    let (t, j) = run_diff(a.path(), b.path());
    assert_eq!(t.code, 0, "{}", t.stdout);
    assert!(j["divergence"].is_null(), "{j:#}");
    assert_eq!(j["relation"], "identical");
    assert_eq!(j["common_entries"], 21);
    assert_eq!(j["a"]["runs"][1]["after_snapshot"], 40);
    assert!(
        t.stdout
            .contains("1 .. 16, 41 .. 45 (after its snapshot at 40)"),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains(
            "identical: they agree on every index both hold (21 common entries in 1 .. 45)"
        ),
        "{}",
        t.stdout
    );
    // The replaced entries are not in A's log as dump shows it either; --raw keeps them, marked.
    let dir = a.path().display().to_string();
    let log: Vec<u64> = raftctl(["-o", "json", "wal", "dump", &dir])
        .json_lines()
        .iter()
        .filter_map(|l| l["index"].as_u64().filter(|_| l["record"] == "entry"))
        .collect();
    assert_eq!(log, (1..=16).chain(41..=45).collect::<Vec<_>>());
    let raw = raftctl(["-o", "json", "wal", "dump", "--raw", &dir]).json_lines();
    let replaced: Vec<u64> = raw
        .iter()
        .filter(|l| l["superseded"] == true)
        .filter_map(|l| l["index"].as_u64())
        .collect();
    assert_eq!(replaced, [17, 18, 19, 20]);
    // A real committed divergence is still one.
    let c = custom_wal(|w| {
        let mut ents: Vec<Entry> = (1..=20).map(|i| entry(2, i, 10)).collect();
        ents[9] = entry(2, 10, 11);
        w.save(
            &HardState {
                term: 2,
                vote: 1,
                commit: 20,
            },
            &ents,
        )
        .unwrap();
    });
    let (t, j) = run_diff(b.path(), c.path());
    assert_eq!(t.code, 1, "{}", t.stdout);
    assert_eq!(
        (
            j["divergence"]["index"].as_u64(),
            j["divergence"]["committed"].as_bool()
        ),
        (Some(10), Some(true))
    );
}

/// Runs raftctl with `$COLUMNS` set (stdout is a pipe here, so that is the width it fits).
fn raftctl_at(width: usize, args: &[&str]) -> crate::util::Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", width.to_string())
        .output()
        .unwrap();
    crate::util::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_fits(width: usize, what: &str, out: &str) {
    assert!(out.lines().count() > 3, "{what}: {out}");
    for l in out.lines() {
        assert!(
            l.chars().count() <= width,
            "{what}: a line of {} columns at {width}:\n{l}",
            l.chars().count()
        );
    }
}

/// Item 22: at 80 columns no table fitted (`wal dump` 144 wide, `--raw` 217, `wal verify`'s
/// problems 260, `snap verify` 224). They fit the width now — the terminal's, or `$COLUMNS`
/// — with paths relative to the argument; without either the full lines are kept.
#[test]
fn tables_fit_the_width() {
    let tmp = crate::util::copy_tree(&testdata("etcd/a-single-node/data"));
    let wal = tmp
        .path()
        .join("member/wal/0000000000000000-0000000000000000.wal");
    let mut b = std::fs::read(&wal).unwrap();
    b[499_161] ^= 0xff;
    std::fs::write(&wal, b).unwrap();
    let snap = tmp
        .path()
        .join("member/snap/0000000000000002-0000000000000bbb.snap");
    let mut b = std::fs::read(&snap).unwrap();
    b[100] ^= 0x20;
    std::fs::write(&snap, b).unwrap();
    let damaged = tmp.path().display().to_string();
    let healthy = etcd_data();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("wal dump", vec!["wal", "dump", &healthy]),
        ("wal dump --raw", vec!["wal", "dump", "--raw", &damaged]),
        ("wal verify", vec!["wal", "verify", &damaged]),
        ("snap verify", vec!["snap", "verify", &damaged]),
        ("snap dump", vec!["snap", "dump", &healthy]),
        ("wal diff", vec!["wal", "diff", &healthy, &damaged]),
    ];
    for width in [80, 60] {
        for (what, args) in &cases {
            let r = raftctl_at(width, args);
            assert_fits(width, what, &r.stdout);
            // Paths are shown relative to the argument.
            if *what != "wal diff" {
                assert!(
                    !r.stdout.contains(&damaged) && !r.stdout.contains(&healthy),
                    "{what}: {}",
                    r.stdout
                );
            }
        }
    }
    let v = raftctl_at(80, &["wal", "verify", &damaged]).stdout;
    assert!(
        v.contains("member/wal/0000000000000000-0000000000000000.wal:\n"),
        "{v}"
    );
    assert!(v.contains("crc-mismatch  498776  1619"), "{v}");
    let raw = raftctl_at(80, &["wal", "dump", "--raw", &damaged]).stdout;
    assert!(
        raw.lines()
            .any(|l| l.contains(" 498776 entry    BAD 83b60e1c")),
        "{raw}"
    );
    // Not fitting a width (a pipe, no $COLUMNS): the full lines, as scripts had them.
    let full = raftctl(["wal", "dump", &healthy]).stdout;
    assert!(full.lines().any(|l| l.chars().count() > 100));
}
