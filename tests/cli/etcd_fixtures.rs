//! raftctl against a real etcd 3.4.23 data dir, checked against what etcd's own wal package
//! reported for it (testdata/etcd/a-single-node/expected-*).

use serde_json::Value;

use crate::util::{copy_tree, gz_lines, raftctl, testdata};

fn data() -> String {
    testdata("etcd/a-single-node/data").display().to_string()
}

fn entries_of(lines: &[Value]) -> Vec<(u64, u64, String, String)> {
    lines
        .iter()
        .filter(|l| l["record"] == "entry")
        .map(|l| {
            (
                l["term"].as_u64().unwrap(),
                l["index"].as_u64().unwrap(),
                l["type"].as_str().unwrap().to_string(),
                l["data"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected(file: &str) -> Vec<(u64, u64, String, String)> {
    gz_lines(&testdata(&format!("etcd/a-single-node/{file}")))
        .iter()
        .map(|l| {
            (
                l["term"].as_u64().unwrap(),
                l["index"].as_u64().unwrap(),
                l["type"].as_str().unwrap().to_string(),
                l["data_b64"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn dump_equals_etcd_readall() {
    let r = raftctl(["-o", "json", "wal", "dump", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = r.json_lines();
    let ours = entries_of(&lines);
    let theirs = expected("expected-entries.jsonl.gz");
    assert_eq!(ours.len(), 3028);
    assert_eq!(ours, theirs);
    let state: Value = serde_json::from_slice(
        &std::fs::read(testdata("etcd/a-single-node/expected-state.json")).unwrap(),
    )
    .unwrap();
    let hs = lines.iter().rfind(|l| l["record"] == "hard_state").unwrap();
    for k in ["term", "vote", "commit"] {
        assert_eq!(hs[k], state["hardstate"][k], "{k}");
    }
    let md = lines.iter().find(|l| l["record"] == "metadata").unwrap();
    assert_eq!(md["data"], state["metadata_b64"]);
    assert_eq!(md["node_id_hex"], state["node_id_hex"]);
    assert_eq!(md["cluster_id_hex"], state["cluster_id_hex"]);
    assert_eq!(md["node_id"], 2429146036313797203u64);
    assert_eq!(hs["vote_hex"], state["node_id_hex"]);
}

#[test]
fn dump_from_snap_equals_etcd_readall_from_snap() {
    let r = raftctl(["-o", "json", "wal", "dump", "--from-snap", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ours = entries_of(&r.json_lines());
    let theirs = expected("expected-entries-from-snap.jsonl.gz");
    assert_eq!(theirs.len(), 25);
    assert_eq!(ours, theirs);
}

#[test]
fn raw_dump_equals_etcd_record_walk() {
    let r = raftctl(["-o", "json", "wal", "dump", "--raw", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ours: Vec<Value> = r.json_lines();
    let theirs: Vec<Value> = gz_lines(&testdata("etcd/a-single-node/expected-records.jsonl.gz"))
        .into_iter()
        .filter(|l| l.get("end").is_none())
        .collect();
    assert_eq!(ours.len(), theirs.len());
    assert_eq!(ours.len(), 6061);
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o["offset"], t["offset"], "{o} vs {t}");
        assert_eq!(o["crc"], t["crc"], "{o} vs {t}");
        assert_eq!(o["crc_ok"], t["crc_ok"], "{o} vs {t}");
        assert_eq!(
            o["record"],
            t["type_name"]
                .as_str()
                .map(|n| if n == "state" { "hard_state" } else { n })
                .unwrap()
        );
        if t.get("index").is_some() {
            assert_eq!(o["index"], t["index"]);
            assert_eq!(o["term"], t["term"]);
        }
    }
}

#[test]
fn verify_is_clean_and_opens_from_the_newest_snap() {
    let r = raftctl(["-o", "json", "wal", "verify", &data()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"], Value::Array(vec![]));
    assert_eq!(
        (
            v["entries"].as_u64(),
            v["first_index"].as_u64(),
            v["last_index"].as_u64()
        ),
        (Some(3028), Some(1), Some(3028))
    );
    assert_eq!(v["records"], 6061);
    // Issue 8: the counts were taken before the total was known (EntryNormal: 0).
    assert_eq!(v["entry_types"]["EntryNormal"], 3027);
    assert_eq!(v["entry_types"]["EntryConfChange"], 1);
    assert_eq!(v["opens_from"]["index"], 3003);
    assert_eq!(v["conf_state"]["voters"][0], 2429146036313797203u64);
}

#[test]
fn table_dump_decodes_etcd_requests() {
    let r = raftctl([
        "wal",
        "dump",
        &data(),
        "--from-index",
        "3025",
        "--to-index",
        "3028",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("delete [a/long/, a/long0)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("txn if 1 compare(s) then [put a/txn/ok = \"yes\"; delete a/k00002]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("lease grant 3253a213ccf33dd4 ttl 3600s"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("  3024 "), "{}", r.stdout);
}

#[test]
fn type_filter_keeps_only_conf_changes() {
    let r = raftctl([
        "-o",
        "json",
        "wal",
        "dump",
        &data(),
        "--type",
        "conf-change",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = r.json_lines();
    assert_eq!(lines.len(), 1);
    let cc = &lines[0]["decoded"]["conf_change"];
    assert_eq!(cc["type"], "AddNode");
    assert_eq!(cc["node_id_hex"], "21b60f732a083253");
}

#[test]
fn snap_dump_matches_etcd() {
    let r = raftctl(["-o", "json", "snap", "dump", &data()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ours = r.json();
    let theirs: Value = serde_json::from_slice(
        &std::fs::read(testdata("etcd/a-single-node/expected-snap.json")).unwrap(),
    )
    .unwrap();
    let ours = ours["files"].as_array().unwrap();
    let theirs = theirs["files"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(theirs) {
        assert_eq!(o["term"], t["term"]);
        assert_eq!(o["index"], t["index"]);
        assert_eq!(o["conf_state"]["voters"], t["conf_state"]["voters"]);
        assert_eq!(o["crc_ok"], true);
        assert_eq!(o["v2_store"]["CurrentVersion"], 2);
    }
    let table = raftctl(["snap", "dump", &data()]);
    assert!(
        table.stdout.contains("/0/version") && table.stdout.contains("3.4.0"),
        "{}",
        table.stdout
    );
}

/// Reference: shared/testdata/etcd/d-corrupt/a-flipped-byte (byte 499,161 XOR 0xff).
#[test]
fn flipped_byte_is_found_where_etcd_finds_it() {
    let tmp = copy_tree(&testdata("etcd/a-single-node/data"));
    let wal = tmp
        .path()
        .join("member/wal/0000000000000000-0000000000000000.wal");
    let mut b = std::fs::read(&wal).unwrap();
    b[499_161] ^= 0xff;
    std::fs::write(&wal, b).unwrap();
    let dir = tmp.path().display().to_string();
    let r = raftctl(["-o", "json", "wal", "verify", &dir]);
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v["ok"], false);
    let p = &v["problems"].as_array().unwrap();
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0]["kind"], "crc-mismatch");
    assert_eq!(p[0]["offset"], 498_776);
    assert_eq!(p[0]["index"], 1619);
    assert_eq!(p[0]["file"], wal.display().to_string());
    // dump prints what it could, then fails with the same place named on stderr.
    let d = raftctl(["-o", "json", "wal", "dump", &dir]);
    assert_eq!(d.code, 1);
    assert!(
        d.stderr.contains("offset 498776") && d.stderr.contains("crc-mismatch"),
        "{}",
        d.stderr
    );
    assert!(entries_of(&d.json_lines()).len() >= 1600);
    // raw mode goes on past it: every record is listed.
    let raw = raftctl(["-o", "json", "wal", "dump", "--raw", &dir]);
    assert_eq!(raw.code, 1);
    assert_eq!(raw.json_lines().len(), 6061);
    // Issue 8, item 9: the record that fails its CRC is marked, with the CRC its data has.
    let bad: Vec<Value> = raw
        .json_lines()
        .into_iter()
        .filter(|l| l["crc_ok"] == false)
        .collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0]["offset"], 498_776);
    assert_eq!(bad[0]["crc"], 0xf307cde2u32);
    assert_eq!(bad[0]["crc_computed"], 0x83b60e1cu32);
    let table = raftctl(["wal", "dump", "--raw", &dir]);
    let row: Vec<&str> = table
        .stdout
        .lines()
        .filter(|l| l.contains(" 498776 "))
        .collect();
    assert_eq!(row.len(), 1, "{}", table.stdout);
    assert!(row[0].contains("BAD 83b60e1c"), "{}", row[0]);
    let marked = table.stdout.lines().filter(|l| l.contains(" BAD ")).count();
    assert_eq!(marked, 1, "only the failing record is marked");
    // and repair refuses, changing nothing.
    let before = std::fs::read(&wal).unwrap();
    let rep = raftctl(["wal", "repair", &dir]);
    assert_eq!(rep.code, 1);
    assert!(
        rep.stderr.contains("refusing to repair") && rep.stderr.contains("498776"),
        "{}",
        rep.stderr
    );
    assert_eq!(std::fs::read(&wal).unwrap(), before);
}

/// Re-encoding every record of etcd's WAL (and every .snap) gives back etcd's bytes exactly:
/// zero-valued fields written, unpacked repeated fields, presence kept.
#[test]
fn every_etcd_record_re_encodes_byte_for_byte() {
    use raftctl::proto::raftpb::{Entry, HardState, Snapshot};
    use raftctl::proto::walpb::{Metadata, Record, SnapFile, WalSnapshot};
    use raftctl::wal::format::{RecordType, encode_length_word};
    use raftctl::wal::layout::Layout;
    use raftctl::wal::scan::{Event, ScanOptions, Scanner};

    let layout = Layout::open(&testdata("etcd/a-single-node/data")).unwrap();
    let disk = std::fs::read(&layout.segments[0].path).unwrap();
    let mut scanner = Scanner::new(layout.segments.clone(), ScanOptions::default());
    let mut n = 0;
    while let Some(ev) = scanner.next() {
        let Event::Record(r) = ev.unwrap() else {
            continue;
        };
        let data = r.record.data.map(|d| {
            let mut out = Vec::new();
            match RecordType::from_i64(r.record.rec_type).unwrap() {
                RecordType::Entry => Entry::decode(d).unwrap().encode(&mut out),
                RecordType::State => HardState::decode(d).unwrap().encode(&mut out),
                RecordType::Snapshot => WalSnapshot::decode(d).unwrap().encode(&mut out),
                RecordType::Metadata => Metadata::decode(d).unwrap().encode(&mut out),
                RecordType::Crc => unreachable!("crc records carry no data"),
            }
            out
        });
        let rec = Record {
            rec_type: r.record.rec_type,
            crc: r.record.crc,
            data: data.as_deref(),
            ..Default::default()
        };
        let mut body = Vec::new();
        rec.encode(&mut body);
        let (word, pad) = encode_length_word(body.len() as u64);
        let mut frame = word.to_le_bytes().to_vec();
        frame.extend_from_slice(&body);
        frame.resize(frame.len() + pad as usize, 0);
        let at = r.offset as usize;
        assert_eq!(
            &disk[at..at + frame.len()],
            &frame[..],
            "record at offset {at}"
        );
        n += 1;
    }
    assert_eq!(n, 6061);
    for snap in layout.snap_files().unwrap() {
        let bytes = std::fs::read(&snap).unwrap();
        let sf = SnapFile::decode(&bytes).unwrap();
        let mut data = Vec::new();
        Snapshot::decode(sf.data.as_deref().unwrap())
            .unwrap()
            .encode(&mut data);
        let mut out = Vec::new();
        SnapFile {
            crc: sf.crc,
            data: Some(data),
        }
        .encode(&mut out);
        assert_eq!(out, bytes, "{}", snap.display());
    }
}

/// Reference: etcd-wal-format.md §15 V1 and V2 (V1 is etcd's own TestNew.wal fixture).
#[test]
fn writer_produces_etcd_test_vectors() {
    use raftctl::proto::raftpb::{ConfChange, Entry, HardState};
    use raftctl::wal::writer::{WalWriter, WriterOptions};
    use std::borrow::Cow;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wal");
    drop(WalWriter::create(&dir, b"somedata", WriterOptions::default()).unwrap());
    let seg = dir.join("0000000000000000-0000000000000000.wal");
    let b = std::fs::read(&seg).unwrap();
    assert_eq!(b.len(), 64_000_000);
    let v1: [u8; 72] = [
        0x04, 0, 0, 0, 0, 0, 0, 0x84, 0x08, 0x04, 0x10, 0, 0, 0, 0, 0, //
        0x12, 0, 0, 0, 0, 0, 0, 0x86, 0x08, 0x01, 0x10, 0x85, 0xd4, 0xfd, 0xa0, 0x07, 0x1a,
        0x08, //
        0x73, 0x6f, 0x6d, 0x65, 0x64, 0x61, 0x74, 0x61, 0, 0, 0, 0, 0, 0, //
        0x0e, 0, 0, 0, 0, 0, 0, 0x82, 0x08, 0x05, 0x10, 0x80, 0xdb, 0x81, 0xc1, 0x01, 0x1a, 0x04,
        0x08, 0x00, 0x10, 0x00, 0x00, 0x00,
    ];
    assert_eq!(&b[..72], &v1[..]);
    assert!(b[72..].iter().all(|&x| x == 0));

    let dir2 = tmp.path().join("wal2");
    let md = {
        let mut m = Vec::new();
        raftctl::proto::walpb::Metadata {
            node_id: 1,
            cluster_id: 0x1000,
        }
        .encode(&mut m);
        m
    };
    let mut w = WalWriter::create(&dir2, &md, WriterOptions::default()).unwrap();
    let mut cc = Vec::new();
    ConfChange {
        id: 0,
        change_type: 0,
        node_id: 1,
        ..Default::default()
    }
    .encode(&mut cc);
    let e = Entry {
        entry_type: 1,
        term: 1,
        index: 1,
        data: Some(Cow::Owned(cc)),
        extra: Cow::Borrowed(&[]),
    };
    w.save(
        &HardState {
            term: 1,
            vote: 0,
            commit: 1,
        },
        &[e],
    )
    .unwrap();
    drop(w);
    let b = std::fs::read(dir2.join("0000000000000000-0000000000000000.wal")).unwrap();
    let v2_tail: [u8; 56] = [
        0x18, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x02, 0x10, 0xa8, 0xc8, 0xac, 0x8a, 0x0a, 0x1a,
        0x0e, //
        0x08, 0x01, 0x10, 0x01, 0x18, 0x01, 0x22, 0x06, 0x08, 0x00, 0x10, 0x00, 0x18, 0x01, //
        0x10, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x03, 0x10, 0xda, 0xca, 0xfa, 0xc0, 0x05, 0x1a, 0x06,
        0x08, 0x01, 0x10, 0x00, 0x18, 0x01,
    ];
    assert_eq!(&b[0x40..0x40 + 56], &v2_tail[..]);
}
