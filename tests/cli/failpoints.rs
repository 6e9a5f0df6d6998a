//! Issue 10, failpoints at the persistence points: a member of a real 3-member cluster armed
//! at one (`PUT /failpoints`) dies there under writes; started again from what it left on
//! disk, it rejoins, every acknowledged write is there, and every WAL verifies (raftctl and
//! etcd's own wal package, `TestCluster::stop_and_check`). A member without --allow-faults
//! refuses to arm any; a bad name or action is a 400 naming it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use raftctl::api::client::Client;
use raftctl::failpoint::EXIT_STATUS;

use crate::doors::put_json;
use crate::harness::{DEADLINE, TestCluster, wait_until};

fn failpoints(c: &TestCluster, id: u64) -> BTreeMap<String, String> {
    c.block(c.client(id).failpoints(None))
        .expect("GET /failpoints")
}

fn arm(c: &TestCluster, id: u64, name: &str) {
    let now = c
        .block(c.client(id).failpoints(Some((name, "exit"))))
        .unwrap_or_else(|e| panic!("arming {name} on member {id}: {e}"));
    assert_eq!(now.get(name).map(String::as_str), Some("exit"), "{now:?}");
}

/// Writes through the members other than `victim` until its process exits; returns the
/// writes acknowledged (key = value) and its exit status.
fn write_until_exit(c: &mut TestCluster, victim: u64) -> (Vec<String>, std::process::ExitStatus) {
    let via: Vec<Client> = c
        .members
        .iter()
        .filter(|m| m.id != victim)
        .map(|m| Client::new(&m.api, Duration::from_secs(8)))
        .collect();
    let mut acked = Vec::new();
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        let m = c
            .members
            .iter_mut()
            .find(|m| m.id == victim)
            .expect("victim");
        if let Some(status) = m.child.as_mut().and_then(|ch| ch.try_wait().expect("wait")) {
            m.child = None;
            return (acked, status);
        }
        assert!(
            start.elapsed() < DEADLINE,
            "member {victim} did not die at its failpoint within {DEADLINE:?} ({n} writes)"
        );
        n += 1;
        let key = format!("fp{n}");
        let client = &via[n as usize % via.len()];
        if c.block(client.put(&key, key.clone().into_bytes(), n))
            .is_ok()
        {
            acked.push(key);
        }
    }
}

/// Arms `point` on `victim`, writes until it dies there, writes on without it, starts it
/// again and checks that it rejoins with every acknowledged write and that the WALs verify.
fn dies_there_and_rejoins(mut c: TestCluster, victim: u64, point: &str) {
    arm(&c, victim, point);
    let (mut acked, status) = write_until_exit(&mut c, victim);
    assert_eq!(
        status.code(),
        Some(EXIT_STATUS),
        "member {victim} exited at {point}: {status}"
    );
    let log = std::fs::read_to_string(c.member(victim).dir.with_extension("log")).expect("log");
    assert!(
        log.contains(&format!("failpoint {point}: exit")),
        "its log names the point: {log}"
    );
    // The others go on without it.
    let other = c.running()[0];
    for i in 0..20 {
        let key = format!("after{i}");
        c.put(other, &key, &key);
        acked.push(key);
    }
    c.spawn(victim);
    let leader = c.wait_for_leader();
    let last = c.status(leader).expect("status").commit;
    c.wait_applied(last);
    for key in &acked {
        assert_eq!(
            c.get(victim, key, true).as_deref(),
            Some(key.as_str()),
            "acknowledged {key} is on the restarted member {victim}"
        );
    }
    // A new process: nothing armed.
    assert!(failpoints(&c, victim).values().all(|a| a == "off"));
    c.stop_and_check();
}

fn follower(c: &TestCluster) -> u64 {
    let leader = c.wait_for_leader();
    (1..=3).find(|&i| i != leader).expect("a follower")
}

#[test]
fn crash_after_the_wal_save_rejoins_with_every_acked_write() {
    let c = TestCluster::start(3, &["--allow-faults"]);
    let victim = follower(&c);
    dies_there_and_rejoins(c, victim, "raftctl::wal_save::after");
}

#[test]
fn crash_of_the_leader_before_the_wal_save_rejoins_with_every_acked_write() {
    let c = TestCluster::start(3, &["--allow-faults"]);
    let leader = c.wait_for_leader();
    dies_there_and_rejoins(c, leader, "raftctl::wal_save::before");
}

#[test]
fn crash_of_the_leader_before_it_sends_rejoins_with_every_acked_write() {
    let c = TestCluster::start(3, &["--allow-faults"]);
    let leader = c.wait_for_leader();
    dies_there_and_rejoins(c, leader, "raftctl::leader_send::before");
}

/// Snapshots every 40 entries: the member dies once its WAL segments are released behind one.
#[test]
fn crash_after_wal_segments_are_released_rejoins_with_every_acked_write() {
    let c = TestCluster::start(
        3,
        &[
            "--allow-faults",
            "--snapshot-count",
            "40",
            "--catch-up-entries",
            "5",
        ],
    );
    let victim = follower(&c);
    dies_there_and_rejoins(c, victim, "raftctl::wal_release::after");
}

/// A follower cut off past the leader's compaction, armed at `point`, gets a snapshot when
/// healed and dies installing it; it comes back from what it left and catches up.
fn snapshot_apply_crash(point: &str) {
    let mut c = TestCluster::start(
        3,
        &[
            "--allow-faults",
            "--snapshot-count",
            "40",
            "--catch-up-entries",
            "5",
        ],
    );
    let leader = c.wait_for_leader();
    let lagging = (1..=3).find(|&i| i != leader).expect("a follower");
    let others: Vec<u64> = (1..=3).filter(|&i| i != lagging).collect();
    let cut = raftctl::transport::Faults {
        partition: others,
        ..Default::default()
    };
    c.block(c.client(lagging).faults(Some(&cut)))
        .expect("partition");
    let mut acked = Vec::new();
    for i in 0..100 {
        let key = format!("s{i}");
        c.put(leader, &key, &key);
        acked.push(key);
    }
    let ls = c.status(leader).expect("status");
    assert!(
        ls.first_index > c.status(lagging).expect("status").last_index + 1,
        "the leader compacted past the lagging member: {ls:?}"
    );
    arm(&c, lagging, point);
    c.block(
        c.client(lagging)
            .faults(Some(&raftctl::transport::Faults::default())),
    )
    .expect("heal");
    let status = wait_until("the lagging member to die installing the snapshot", || {
        let m = c.members.iter_mut().find(|m| m.id == lagging)?;
        let s = m.child.as_mut()?.try_wait().expect("wait")?;
        m.child = None;
        Some(s)
    });
    assert_eq!(status.code(), Some(EXIT_STATUS), "{point}: {status}");
    let log = std::fs::read_to_string(c.member(lagging).dir.with_extension("log")).expect("log");
    assert!(log.contains(&format!("failpoint {point}: exit")), "{log}");
    c.spawn(lagging);
    let leader = c.wait_for_leader();
    let last = c.status(leader).expect("status").commit;
    c.wait_applied(last);
    for key in &acked {
        assert_eq!(c.get(lagging, key, true).as_deref(), Some(key.as_str()));
    }
    assert!(c.status(lagging).expect("status").snapshot_index >= 40);
    c.stop_and_check();
}

#[test]
fn crash_before_a_snapshot_is_applied_rejoins_and_catches_up() {
    snapshot_apply_crash("raftctl::snapshot_apply::before");
}

#[test]
fn crash_after_a_snapshot_is_saved_for_applying_rejoins_and_catches_up() {
    snapshot_apply_crash("raftctl::snapshot_apply::after");
}

/// Without --allow-faults, arming is refused (403) and nothing is armed; with it, a bad name,
/// action or body is a 400 naming the field, and `off` disarms.
#[test]
fn failpoints_are_refused_without_allow_faults_and_checked_with_it() {
    let closed = TestCluster::start(1, &[]);
    let api = closed.member(1).api.clone();
    let (code, answer) = put_json(
        &api,
        "/failpoints",
        r#"{"name":"raftctl::wal_save::after","action":"exit"}"#,
    );
    assert_eq!(code, 403, "{answer}");
    assert!(answer.contains("--allow-faults"), "{answer}");
    let all = failpoints(&closed, 1);
    assert_eq!(all.len(), 8, "{all:?}");
    assert!(all.values().all(|a| a == "off"), "{all:?}");
    closed.put(1, "still", "alive");
    closed.stop_and_check();

    let open = TestCluster::start(1, &["--allow-faults"]);
    let api = open.member(1).api.clone();
    for (body, says) in [
        (
            r#"{"name":"raftctl::nope","action":"exit"}"#,
            r#"failpoints: name "raftctl::nope" is not a failpoint"#,
        ),
        (
            r#"{"name":"raftctl::wal_save::after","action":"return"}"#,
            r#"failpoints: action "return" is not one of off, exit, panic"#,
        ),
        (
            r#"{"name":"raftctl::wal_save::after"}"#,
            "missing field `action`",
        ),
        (
            r#"{"name":"raftctl::wal_save::after","action":"exit","n":1}"#,
            "unknown field `n`",
        ),
        ("{", "failpoints: the body is not JSON"),
    ] {
        let (code, answer) = put_json(&api, "/failpoints", body);
        assert_eq!(code, 400, "{body}: {answer}");
        let j: serde_json::Value = serde_json::from_str(&answer).expect("JSON error");
        let message = j["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{body}: {message}");
        assert!(!message.contains('\n'), "{body}: {message:?}");
    }
    assert!(failpoints(&open, 1).values().all(|a| a == "off"));
    // Armed and disarmed again: the member lives on through its writes.
    // (A member alone sends nothing: this point is never reached here.)
    arm(&open, 1, "raftctl::leader_send::before");
    let now = open
        .block(
            open.client(1)
                .failpoints(Some(("raftctl::leader_send::before", "off"))),
        )
        .expect("disarm");
    assert!(now.values().all(|a| a == "off"), "{now:?}");
    open.put(1, "after", "disarmed");
    open.stop_and_check();
}
