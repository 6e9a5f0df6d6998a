//! `raftctl doctor` on the situations issue 11 names, made for real: raftctl's own members
//! (etcd's on-disk format) and Debian's etcd 3.4 — a wiped dir, a copied dir, a dir of
//! another cluster, a torn tail, survivors short of a quorum, a power cut under load, a
//! member restored from a snapshot.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::etcd::{etcdctl, have_etcd, start_etcd_serving};
use crate::harness::wait_until;
use crate::util::{Down, raftctl, rc};

fn doctor(dirs: &[&Path]) -> (i32, Value, String) {
    let mut args = vec!["-o".to_string(), "json".into(), "doctor".into()];
    args.extend(dirs.iter().map(|d| d.display().to_string()));
    let r = raftctl(&args);
    let text = raftctl(args.iter().filter(|a| *a != "-o" && *a != "json")).stdout;
    (r.code, r.json(), text)
}

fn kinds(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

fn finding<'a>(report: &'a Value, kind: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} finding in {report:#}"))
}

#[test]
fn doctor_reads_a_local_cluster_and_names_what_is_wrong_with_each_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let down = Down(&dir);
    assert_eq!(rc(&dir, &["cluster", "up"]).code, 0);
    for i in 0..20 {
        assert_eq!(rc(&dir, &["put", &format!("k{i}"), "v"]).code, 0);
    }
    drop(down);
    let n: Vec<PathBuf> = (1..=3).map(|i| dir.join(format!("n{i}"))).collect();
    let all: Vec<&Path> = n.iter().map(PathBuf::as_path).collect();

    // Healthy: one cluster, three members, the newest log named, exit 0.
    let (code, r, text) = doctor(&all);
    assert_eq!(code, 0, "{r:#}");
    let members = r["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    let cluster = &members[0]["cluster_id"];
    for (i, m) in members.iter().enumerate() {
        assert_eq!(&m["cluster_id"], cluster);
        assert_eq!(m["member_id"], i as u64 + 1);
        assert_eq!(m["ok"], true);
        assert_eq!(m["voters"], serde_json::json!([1, 2, 3]));
        assert!(m["commit"].as_u64().unwrap() >= 20, "{m}");
        assert!(m["last_index"].as_u64().unwrap() >= m["commit"].as_u64().unwrap());
    }
    let best = r["recover_from"].as_str().unwrap();
    assert!(n.iter().any(|d| d.display().to_string() == best), "{best}");
    assert!(text.contains("OK: no errors"), "{text}");

    // Survivors short of a quorum: the newest log, and how to make it a cluster of its own.
    let (code, r, _) = doctor(&all[..1]);
    assert_eq!(code, 0, "{r:#}");
    let rec = finding(&r, "recover-from");
    assert_eq!(rec["severity"], "warning");
    assert!(
        rec["fix"].as_str().unwrap().contains("--force-new-cluster"),
        "{rec}"
    );
    // … and the command that does it offline.
    assert!(
        rec["fix"].as_str().unwrap().contains(&format!(
            "raftctl recover force-new-cluster --dry-run {}",
            n[0].display()
        )),
        "{rec}"
    );
    assert!(
        finding(&r, "missing-members")["message"]
            .as_str()
            .unwrap()
            .contains("2, 3")
    );

    // A copy of a member beside it, a wiped dir, and a torn tail.
    let copy = tmp.path().join("copy-of-n1");
    copy_dir(&n[0], &copy);
    let wiped = tmp.path().join("wiped");
    std::fs::create_dir_all(wiped.join("member")).unwrap();
    tear_last_record(&n[1]);
    let (code, r, text) = doctor(&[&n[0], &n[1], &n[2], &copy, &wiped]);
    assert_eq!(code, 1, "{text}");
    let k = kinds(&r);
    for want in ["duplicate-member-id", "no-wal", "torn-tail", "recover-from"] {
        assert!(
            k.contains(&want.to_string()),
            "{want} missing: {k:?}\n{text}"
        );
    }
    let torn = finding(&r, "torn-tail");
    assert_eq!(torn["dirs"][0], n[1].display().to_string());
    assert!(
        torn["fix"]
            .as_str()
            .unwrap()
            .starts_with("raftctl wal repair")
    );
    // The fix it names works: after it, the member reads cleanly again.
    let fix = torn["fix"].as_str().unwrap();
    let dir_arg = fix.split_whitespace().nth(3).unwrap();
    assert_eq!(raftctl(["wal", "repair", dir_arg]).code, 0);
    let (_, r, _) = doctor(&all);
    assert!(!kinds(&r).contains(&"torn-tail".to_string()), "{r:#}");
    assert!(kinds(&r).contains(&"broken".to_string()), "{r:#}");

    // A dir of another cluster.
    let other = tmp.path().join("other");
    let down = Down(&other);
    assert_eq!(rc(&other, &["cluster", "up", "--nodes", "1"]).code, 0);
    assert_eq!(rc(&other, &["put", "x", "y"]).code, 0);
    drop(down);
    let (code, r, _) = doctor(&[&n[0], &n[1], &n[2], &other.join("n1")]);
    assert_eq!(code, 1);
    let f = finding(&r, "different-clusters");
    assert_eq!(f["dirs"][0], other.join("n1").display().to_string());
    assert_eq!(f["severity"], "error");

    // Not a directory: one line, exit 1.
    let r = raftctl(["doctor", "/nonexistent/dir"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("/nonexistent/dir: not a directory"),
        "{}",
        r.stderr
    );
}

/// etcd's own data dir: the bbolt backend's consistent index read page by page matches the
/// commit etcd's wal package reads from the WAL (expected-state.json: 3028).
#[test]
fn doctor_reads_etcds_backend_index_from_a_real_data_dir() {
    let dir = crate::util::shared().join("testdata/etcd/a-single-node/data");
    let state: Value = serde_json::from_slice(
        &std::fs::read(
            crate::util::shared().join("testdata/etcd/a-single-node/expected-state.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (code, r, _) = doctor(&[&dir]);
    assert_eq!(code, 0, "{r:#}");
    let m = &r["members"][0];
    assert_eq!(m["commit"], state["hardstate"]["commit"]);
    assert_eq!(m["db"]["consistent_index"], state["hardstate"]["commit"]);
    assert_eq!(m["db"]["page_size"], 4096);
    assert_eq!(m["member_id_hex"], state["node_id_hex"]);
    assert_eq!(m["cluster_id_hex"], state["cluster_id_hex"]);
    assert_eq!(r["recover_from"], dir.display().to_string());
}

pub fn copy_dir(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

/// Zeroes one 512-byte sector inside the last record of `dir`'s last segment, as a power cut
/// mid-write leaves it (etcd's torn-write test: a zeroed sector in the last frame).
pub fn tear_last_record(dir: &Path) {
    let recs = raftctl(["-o", "json", "wal", "dump", "--raw", dir.to_str().unwrap()]);
    let lines = recs.json_lines();
    let last = lines
        .iter()
        .rfind(|l| l["offset"].is_u64() && l["file"].is_string())
        .unwrap_or_else(|| panic!("no records: {}", recs.stdout));
    let file = dir.join("member/wal").join(
        Path::new(last["file"].as_str().unwrap())
            .file_name()
            .unwrap(),
    );
    let offset = last["offset"].as_u64().unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let sector = (offset as usize + 8) / 512 * 512;
    let end = (sector + 512).min(bytes.len());
    let start = (offset as usize + 8).max(sector);
    bytes[start..end].fill(0);
    std::fs::write(&file, bytes).unwrap();
}

#[test]
fn doctor_on_real_etcd_after_a_power_cut_and_a_restore() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut members = start_etcd_serving(tmp.path(), 3, "doctor-a");
    let ep = members[0].client.clone();
    // A snapshot of the keyspace for the restore below.
    let backup = tmp.path().join("backup.db");
    assert!(
        etcdctl(&ep, &["snapshot", "save", backup.to_str().unwrap()])
            .status
            .success()
    );
    // Load, then a power cut: every member SIGKILLed while writes are in flight.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (ep, stop) = (ep.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 5000 {
                let _ = etcdctl(&ep, &["put", &format!("k{i}"), &"v".repeat(100)]);
                i += 1;
            }
        })
    };
    wait_until("some load", || {
        let out = etcdctl(&ep, &["get", "k30"]);
        (!out.stdout.is_empty()).then_some(())
    });
    for m in &mut members {
        let _ = m.child.kill();
        let _ = m.child.wait();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = writer.join();
    let dirs: Vec<PathBuf> = members.iter().map(|m| m.dir.clone()).collect();
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let (code, r, text) = doctor(&refs);
    let ms = r["members"].as_array().unwrap();
    assert_eq!(ms.len(), 3, "{text}");
    // One cluster, three distinct etcd member ids, each with its bbolt index read.
    let cluster = ms[0]["cluster_id"].as_u64().unwrap();
    let mut ids: Vec<u64> = ms
        .iter()
        .map(|m| m["member_id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "{text}");
    for m in ms {
        assert_eq!(m["cluster_id"].as_u64(), Some(cluster), "{text}");
        assert_eq!(m["voters"].as_array().unwrap().len(), 3, "{text}");
        let ci = m["db"]["consistent_index"].as_u64();
        assert!(ci.is_some_and(|c| c > 0), "{m:#}");
        assert!(m["commit"].as_u64().unwrap() >= 30, "{m:#}");
    }
    // The pick has the newest log by term, then index, then commit.
    let best = r["recover_from"].as_str().unwrap();
    let rank = |m: &Value| {
        (
            m["last_term"].as_u64().unwrap(),
            m["last_index"].as_u64().unwrap(),
            m["commit"].as_u64().unwrap(),
        )
    };
    let top = ms
        .iter()
        .filter(|m| m["ok"] == true)
        .map(rank)
        .max()
        .unwrap();
    let picked = ms.iter().find(|m| m["dir"] == best).unwrap();
    assert_eq!(rank(picked), top, "{text}");
    // A cut leaves at most a torn tail: anything else is an error doctor must not invent.
    for f in r["findings"].as_array().unwrap() {
        if f["severity"] == "error" {
            assert_eq!(f["kind"], "torn-tail", "{text}");
        }
    }
    assert_eq!(code, i32::from(!r["ok"].as_bool().unwrap()), "{text}");

    // etcd restored from the snapshot makes a new cluster id: doctor says which dir it is.
    let restored = tmp.path().join("restored");
    let out = Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args([
            "snapshot",
            "restore",
            backup.to_str().unwrap(),
            "--data-dir",
        ])
        .arg(&restored)
        .args(["--name", "m2", "--initial-cluster-token", "another-token"])
        .args(["--initial-cluster", "m2=http://127.0.0.1:1"])
        .args(["--initial-advertise-peer-urls", "http://127.0.0.1:1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, r, text) = doctor(&[&dirs[0], &dirs[1], &restored]);
    assert_eq!(code, 1, "{text}");
    let f = finding(&r, "different-clusters");
    assert_eq!(f["dirs"][0], restored.display().to_string(), "{text}");
    let restored_member = r["members"].as_array().unwrap()[2].clone();
    assert!(
        restored_member["db"]["consistent_index"].as_u64().is_some(),
        "{restored_member:#}"
    );
}
