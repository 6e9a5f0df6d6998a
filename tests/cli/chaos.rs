//! `raftctl chaos` (issue 10): a run of every fault against a cluster it boots passes and
//! says what it did; bad flags are usage errors; a seed replays its schedule; a stale read
//! planted in the history fails the run, and the report keeps the evidence.

use std::path::Path;

use serde_json::Value;

use crate::util::{Down, raftctl, rc};

fn plan(seed: &str, duration: &str) -> Value {
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--plan",
        "--seed",
        seed,
        "--duration",
        duration,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()
}

/// The one long test: 20 s of every fault on 3 members it boots (seed 7's schedule: a joint
/// replace, a blackhole, a transfer, a partition, a crash point).
#[test]
fn chaos_twenty_seconds_of_every_fault_pass() {
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--duration",
        "20s",
        "--seed",
        "7",
        "--faults",
        "all",
    ]);
    assert_eq!(r.code, 0, "stdout {}\nstderr {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["seed"], 7);
    assert_eq!(j["duration_s"], 20.0);
    assert!(j["ops"].as_u64().unwrap() > 100, "{j}");
    assert!(j["ops_per_sec"].as_f64().unwrap() >= j["min_rate"].as_f64().unwrap());
    for kind in ["put", "get", "delete"] {
        assert!(j["ops_by_kind"][kind]["ok"].as_u64().unwrap() > 0, "{j}");
    }
    let faults = j["faults"].as_object().unwrap();
    assert!(faults.len() >= 4, "faults of several kinds: {faults:?}");
    assert_eq!(j["linearizable"], true, "{}", j["anomalies"]);
    assert_eq!(j["outcome"], "linearizable");
    assert_eq!(j["anomalies"], serde_json::json!([]));
    assert_eq!(j["lost"], serde_json::json!([]));
    assert_eq!(j["wal_ok"], true, "{}", j["wal"]);
    assert_eq!(j["logs_agree"], true);
    assert_eq!(j["kv_ok"], true, "{}", j["problems"]);
    assert_eq!(j["final_write"], true);
    assert_eq!(j["ok"], true);
    assert_eq!(j["problems"], serde_json::json!([]));
    // The members' contents: one hash at one index, on every member of the final
    // configuration (membership churn may leave more than the 3 it started with).
    let kv = j["kv"].as_array().unwrap();
    assert!(kv.len() >= 3, "{kv:?}");
    assert!(
        kv.iter().all(|k| k["applied"] == kv[0]["applied"]),
        "{kv:?}"
    );
    assert!(kv.iter().all(|k| k["hash"] == kv[0]["hash"]));
    // Seed 7 crashes a member at a persistence point: the event names the point and
    // whether the member died there.
    assert!(faults["crash-point"].as_u64().unwrap() >= 1, "{faults:?}");
    let crash = j["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "crash-point")
        .unwrap();
    assert!(
        crash["point"].as_str().unwrap().starts_with("raftctl::"),
        "{crash}"
    );
    assert!(crash["crashed"].is_boolean(), "{crash}");
    if crash["crashed"] == true {
        assert_eq!(
            j["crash_points"][crash["point"].as_str().unwrap()],
            1,
            "{j}"
        );
    }
    // Seed 7 also blackholes a follower and replaces a voter in a joint change (the schedule
    // says so first: another seed would fail here, not skip the checks below).
    let scheduled: Vec<&str> = j["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        scheduled.contains(&"blackhole") && scheduled.contains(&"joint"),
        "{scheduled:?}"
    );
    let event = |kind: &str| {
        j["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind)
            .unwrap()
            .clone()
    };
    // The blackholed follower was sent a snapshot and installed it (counted as a blackhole
    // only then; one that was not is "blackhole (no snapshot within 6 s)").
    assert_eq!(faults["blackhole"], 1, "{faults:?}");
    let bh = event("blackhole");
    assert_eq!(bh["snapshot"], true, "{bh}");
    assert!(
        bh["note"]
            .as_str()
            .unwrap()
            .contains("installed a snapshot at index"),
        "{bh}"
    );
    // The joint replace: a new member took a voter's place in one change (its answer showed
    // the joint configuration, the replaced voter in its outgoing half), and the final checks
    // cover the final configuration: the new member's contents and WAL, the removed one's WAL.
    assert_eq!(faults["joint"], 1, "{faults:?}");
    let joint = event("joint");
    let (new, old) = (
        joint["nodes"][0].as_u64().unwrap(),
        joint["nodes"][1].as_u64().unwrap(),
    );
    let note = joint["note"].as_str().unwrap();
    let outgoing = note
        .split_once("and outgoing [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(ids, _)| ids.to_string())
        .unwrap_or_default();
    assert!(note.contains("in one joint change"), "{joint}");
    assert!(
        outgoing.split(", ").any(|id| id == old.to_string()),
        "the replaced voter in the outgoing half: {joint}"
    );
    let kv_ids: Vec<u64> = kv.iter().map(|k| k["id"].as_u64().unwrap()).collect();
    assert!(
        kv_ids.contains(&new) && !kv_ids.contains(&old),
        "{kv_ids:?} {joint}"
    );
    let wal_ids: Vec<u64> = j["wal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_u64().unwrap())
        .collect();
    assert!(
        wal_ids.contains(&new) && wal_ids.contains(&old),
        "{wal_ids:?}"
    );
    // The schedule it ran is the one the seed gives, and every fault was carried out or says why.
    assert_eq!(j["schedule"], plan("7", "20s")["schedule"]);
    let events = j["events"].as_array().unwrap();
    assert_eq!(events.len(), j["schedule"].as_array().unwrap().len());
    for e in events {
        assert!(e["end_ms"].as_u64().unwrap() >= e["start_ms"].as_u64().unwrap());
        assert!(
            e["ok"] == true || !e["note"].as_str().unwrap().is_empty(),
            "{e}"
        );
    }
}

#[test]
fn chaos_bad_flags_are_usage_errors() {
    for (args, says) in [
        (&["--nodes", "2"][..], "--nodes"),
        (&["--faults", "kill,bogus"], "bogus"),
        (&["--faults", "none,kill"], "--faults none"),
        (&["--duration", "0s"], "--duration 0s"),
        (&["--clients", "0"], "--clients"),
        (&["--min-rate", "-1"], "--min-rate"),
    ] {
        let mut all = vec!["chaos"];
        all.extend_from_slice(args);
        let r = raftctl(&all);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    let r = raftctl(["-o", "json", "chaos", "--duration", "0s"]);
    assert_eq!(r.code, 2);
    let e: Value = serde_json::from_str(&r.stderr).unwrap();
    assert_eq!(e["exit"], 2);
}

#[test]
fn chaos_seed_replays_its_schedule() {
    let a = plan("42", "60s");
    assert_eq!(a, plan("42", "60s"));
    let s = a["schedule"].as_array().unwrap();
    assert!(s.len() > 10, "{a}");
    for item in s {
        for f in ["at_ms", "kind", "target", "hold_ms"] {
            assert!(!item[f].is_null(), "{item}");
        }
    }
    assert_ne!(a["schedule"], plan("43", "60s")["schedule"]);
    // Only the kinds asked for.
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--plan",
        "--seed",
        "42",
        "--faults",
        "loss,delay",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let kinds: Vec<Value> = r.json()["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].clone())
        .collect();
    assert!(
        kinds.iter().all(|k| k == "loss" || k == "delay"),
        "{kinds:?}"
    );
}

/// The checker side can fail: a stale read added to the history fails the run (exit 1), the
/// anomaly is in the JSON with its minimal sub-history, and `--report` keeps the evidence.
#[test]
fn chaos_a_planted_stale_read_fails_the_run_and_keeps_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("report");
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--duration",
        "2s",
        "--faults",
        "none",
        "--plant-stale-read",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "stdout {}\nstderr {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["linearizable"], false);
    assert_eq!(j["ok"], false);
    let a = &j["anomalies"][0];
    assert_eq!(a["kind"], "stale-read", "{j}");
    assert_eq!(a["minimal"], true);
    // A few ops that fail on their own, ending (by call time) with the planted read: the
    // puts of the value it read and of one written after it, and what else keeps it minimal.
    let sub = a["sub_history"].as_array().unwrap();
    assert!((3..=5).contains(&sub.len()), "{a}");
    let planted_op = sub.last().unwrap();
    assert_eq!(planted_op["endpoint"], "(planted)", "{a}");
    // Only the planted read is wrong: the run's own history and the members are fine.
    assert_eq!(j["anomalies"].as_array().unwrap().len(), 1);
    assert_eq!(j["lost"], serde_json::json!([]));
    assert_eq!(j["wal_ok"], true);
    assert_eq!(j["kv_ok"], true);
    for f in [
        "report.json",
        "history.json",
        "timeline.html",
        "cluster/cluster.json",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let history: Value =
        serde_json::from_slice(&std::fs::read(dir.join("history.json")).unwrap()).unwrap();
    let planted = history
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["endpoint"] == "(planted)")
        .unwrap();
    assert_eq!(planted["history_index"], planted_op["index"]);
    let html = std::fs::read_to_string(dir.join("timeline.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    assert!(
        html.contains("stroke=\"#e00\""),
        "the anomaly's ops are outlined"
    );
    let cluster = dir.join("cluster");
    for id in 1..=3 {
        assert!(cluster.join(format!("n{id}/member/wal")).is_dir());
        assert!(cluster.join(format!("n{id}.log")).is_file());
    }
    // Nothing it started is left running.
    let m: Value =
        serde_json::from_slice(&std::fs::read(cluster.join("cluster.json")).unwrap()).unwrap();
    for node in m["members"].as_array().unwrap() {
        if let Some(pid) = node["pid"].as_u64() {
            assert!(
                !running(pid),
                "member {} (pid {pid}) outlived chaos",
                node["id"]
            );
        }
    }
    // A second run into the same report dir is refused, changing nothing.
    let r = raftctl([
        "chaos",
        "--duration",
        "1s",
        "--report",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("already holds"), "{}", r.stderr);
}

fn running(pid: u64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Against a running cluster (--endpoints): the process faults are skipped and say so; a
/// cluster without --allow-faults is refused in one line.
#[test]
fn chaos_against_endpoints_skips_process_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let _down = Down(&dir);
    let up = rc(&dir, &["-o", "json", "cluster", "up", "--nodes", "3"]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let ep = up.json()["nodes"][0]["api"].as_str().unwrap().to_string();
    let r = raftctl(["chaos", "--endpoints", &ep, "--duration", "2s"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--allow-faults"), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let ep = down_and_up_with_faults(&dir);
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--endpoints",
        &ep,
        "--duration",
        "5s",
        "--seed",
        "3",
        "--faults",
        "kill,partition,loss",
    ]);
    assert_eq!(r.code, 0, "stdout {}\nstderr {}", r.stdout, r.stderr);
    let j = r.json();
    assert_eq!(j["cluster"], "endpoints");
    assert!(
        j["skipped"][0].as_str().unwrap().starts_with("kill:"),
        "{j}"
    );
    assert!(
        j["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["kind"] != "kill")
    );
    assert_eq!(j["wal_ok"], Value::Null);
    assert_eq!(j["linearizable"], true);
    assert_eq!(j["kv_ok"], true);
}

/// A new cluster in `dir` whose members take faults; the API address of its first member.
fn down_and_up_with_faults(dir: &Path) -> String {
    let r = rc(dir, &["cluster", "down", "--purge"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = rc(
        dir,
        &[
            "-o",
            "json",
            "cluster",
            "up",
            "--nodes",
            "3",
            "--allow-faults",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()["nodes"][0]["api"].as_str().unwrap().to_string()
}

/// `chaos --tls`: a cluster with TLS on every port, and the workload, kills, partitions and a
/// joint membership change all over it (the new member's certificate made on the way).
#[test]
fn chaos_over_tls_passes() {
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--tls",
        "--duration",
        "8s",
        "--faults",
        "kill,partition,joint",
        "--seed",
        "3",
    ]);
    let j = r.json();
    assert_eq!(r.code, 0, "{j:#}\n{}", r.stderr);
    assert_eq!(j["tls"], true, "{j:#}");
    assert_eq!(j["linearizable"], true, "{j:#}");
    assert_eq!(j["wal_ok"], true, "{j:#}");
    let faults: u64 = j["faults"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.as_u64())
        .sum();
    assert!(faults >= 1, "{j:#}");
    let r = raftctl(["chaos", "--tls", "--endpoints", "127.0.0.1:1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
