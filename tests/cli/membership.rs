//! Membership commands on a local cluster when things go wrong around them: a member whose
//! data dir was wiped, ids of removed members, a member added with --endpoints.
//! Regression tests for issue 8 items 5, 11c and 12.

use std::path::Path;

use crate::util::{Down, Run, leader_of, raftctl, rc};

#[test]
fn r8_a_member_whose_data_was_wiped_is_refused_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let _down = Down(&dir);
    assert_eq!(rc(&dir, &["cluster", "up", "--nodes", "3"]).code, 0);
    for i in 0..10 {
        assert_eq!(rc(&dir, &["put", &format!("k{i}"), "v"]).code, 0);
    }
    let leader = leader_of(&dir);
    let victim = if leader == 3 { 2 } else { 3 };
    assert_eq!(rc(&dir, &["cluster", "kill", &victim.to_string()]).code, 0);
    std::fs::remove_dir_all(dir.join(format!("n{victim}"))).unwrap();
    let r = rc(&dir, &["cluster", "start", &victim.to_string()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("exited during start")
            && r.stderr.contains("its data was lost or replaced")
            && r.stderr
                .contains(&format!("raftctl member remove {victim}")),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    // The member's own last word is one line, not a backtrace.
    let log = std::fs::read_to_string(dir.join(format!("n{victim}.log"))).unwrap();
    let last = log.lines().last().unwrap();
    assert!(last.starts_with("raftctl: member"), "{last}");
    assert!(!log.contains("stack backtrace"), "{log}");
}

#[test]
fn r8_removed_ids_are_never_used_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let _down = Down(&dir);
    assert_eq!(rc(&dir, &["cluster", "up", "--nodes", "3"]).code, 0);
    let add = rc(&dir, &["-o", "json", "member", "add", "--learner"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(add.json()["id"], 4);
    let r = rc(&dir, &["member", "remove", "4"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Without --id: a fresh one, and a fresh data dir.
    let add = rc(&dir, &["-o", "json", "member", "add", "--learner"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(add.json()["id"], 5);
    // Asked for by id: refused by the cluster (exit 1), naming why.
    let r = rc(&dir, &["member", "add", "--learner", "--id", "4"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("node 4 was removed"), "{}", r.stderr);
    // The members themselves refuse it too (a client that skips the check).
    let st = rc(&dir, &["-o", "json", "status"]).json();
    let removed = st["nodes"][0]["removed"].as_array().unwrap().clone();
    assert_eq!(removed, vec![serde_json::json!(4)]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cluster.json")).unwrap()).unwrap();
    assert_eq!(m["removed"], serde_json::json!([4]));
    assert!(
        m["members"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != 4)
    );
}

#[test]
fn r8_member_add_with_endpoints_prints_how_to_start_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let _down = Down(&dir);
    assert_eq!(rc(&dir, &["cluster", "up", "--nodes", "1"]).code, 0);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cluster.json")).unwrap()).unwrap();
    let ep = m["members"][0]["api"].as_str().unwrap().to_string();
    let ports = crate::harness::free_ports(2);
    let (peer, api) = (
        format!("127.0.0.1:{}", ports[0]),
        format!("127.0.0.1:{}", ports[1]),
    );
    let r = raftctl([
        "--endpoints",
        &ep,
        "-o",
        "json",
        "member",
        "add",
        "--learner",
        "--peer",
        &peer,
        "--api",
        &api,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let id = r.json()["id"].as_u64().unwrap();
    let cmd = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("raftctl node"))
        .unwrap_or_else(|| panic!("no start command in: {}", r.stderr))
        .trim()
        .to_string();
    assert!(
        cmd.contains(&format!("--id {id}")) && cmd.contains("--join"),
        "{cmd}"
    );
    // Run exactly that command: the new member joins and catches up.
    let args: Vec<String> = cmd
        .split_whitespace()
        .skip(1)
        .map(|a| {
            if a == format!("n{id}") {
                tmp.path().join(a).display().to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let caught_up = crate::harness::wait_until("the new learner to replicate", || {
        let st = raftctl(["--endpoints", &ep, "-o", "json", "status"]).json();
        let nodes = st["nodes"].as_array()?.clone();
        let leader = nodes.iter().find(|n| n["role"] == "leader")?;
        let p = leader["progress"]
            .as_array()?
            .iter()
            .find(|p| p["id"] == id)?
            .clone();
        (p["state"] == "replicate").then_some(p)
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(caught_up["state"], "replicate");
}

/// Runs raftctl as if on an 80-column terminal (`$COLUMNS`).
fn rc80(dir: &Path, args: &[&str]) -> Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .arg("--cluster-dir")
        .arg(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "80")
        .env_remove("RAFTCTL_ENDPOINTS")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn r8_member_list_and_status_say_what_an_operator_looks_for() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let _down = Down(&dir);
    assert_eq!(
        rc(
            &dir,
            &["cluster", "up", "--nodes", "3", "--snapshot-count", "5"]
        )
        .code,
        0
    );
    for i in 0..12 {
        assert_eq!(rc(&dir, &["put", &format!("k{i}"), "value"]).code, 0);
    }
    let add = rc(&dir, &["member", "add", "--learner"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    let list = rc(&dir, &["-o", "json", "member", "list"]).json();
    let members = list["members"].as_array().unwrap().clone();
    assert_eq!(members.iter().filter(|m| m["is_leader"] == true).count(), 1);
    let four = members.iter().find(|m| m["id"] == 4).unwrap();
    assert_eq!(
        (four["is_learner"].as_bool(), four["status"].as_str()),
        (Some(true), Some("started"))
    );
    assert!(list.get("changed").is_none(), "{list}");
    let promote = rc(&dir, &["member", "promote", "4"]);
    assert_eq!(promote.code, 0, "{}", promote.stderr);
    assert!(
        promote.stdout.starts_with("promoted node 4 to voter"),
        "{}",
        promote.stdout
    );
    let st = rc(&dir, &["-o", "json", "status"]).json();
    let n = &st["nodes"][0];
    assert_eq!(n["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        n["db_size"].as_u64().unwrap() > 0,
        "a snapshot was taken: {n}"
    );
    assert_eq!(n["errors"], serde_json::json!([]));
    // 80 columns, with a member down and its error in the last column (item 22).
    assert_eq!(rc(&dir, &["cluster", "kill", "3"]).code, 0);
    for args in [&["status"][..], &["member", "list"][..]] {
        let r = rc80(&dir, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        for l in r.stdout.lines() {
            assert!(
                l.chars().count() <= 80,
                "{args:?}: {} wide: {l}",
                l.chars().count()
            );
        }
        assert!(r.stdout.contains("unreachable") || args[0] != "status");
    }
    // `cluster up` on it starts member 3 again; its table fits too.
    let r = rc80(&dir, &["cluster", "up"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for l in r.stdout.lines() {
        assert!(l.chars().count() <= 80, "{} wide: {l}", l.chars().count());
    }
}
