//! Real 3-node clusters: election, replication, failover, restart, snapshots, membership.
//! Pitfalls of raft-rs-notes.md §7 that apply are named where a test covers them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use raftctl::node::{Change, ChangeKind};

use crate::harness::{TestCluster, wait_until};

#[test]
fn three_nodes_elect_and_replicate() {
    let c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    let follower = (1..=3).find(|&i| i != leader).unwrap_or(1);
    // A write through a follower is forwarded by raft and acknowledged once applied there.
    let idx = c.put(follower, "greeting", "hello");
    for id in 1..=3 {
        assert_eq!(
            c.get(id, "greeting", false).as_deref(),
            Some("hello"),
            "linearizable read on {id}"
        );
    }
    c.wait_applied(idx);
    for id in 1..=3 {
        assert_eq!(
            c.get(id, "greeting", true).as_deref(),
            Some("hello"),
            "serializable read on {id}"
        );
        assert_eq!(c.get(id, "missing", true), None);
    }
    let s = c.status(leader).expect("status");
    assert_eq!(s.voters, [1, 2, 3]);
    assert_eq!(s.progress.len(), 3);
    // A follower applies an entry before its append response reaches the leader, so the
    // leader's view of `matched` catches up a moment later: wait for it, bounded.
    wait_until("the leader to see every member match the write", || {
        let s = c.status(leader)?;
        s.progress.iter().all(|p| p.matched >= idx).then_some(())
    });
    c.stop_and_check();
}

/// Every acknowledged write survives a kill -9 of the leader in the middle of writing.
#[test]
fn leader_killed_under_writes_loses_no_acknowledged_write() {
    let mut c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    let others: Vec<u64> = (1..=3).filter(|&i| i != leader).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let endpoints: Vec<String> = others.iter().map(|&i| c.member(i).api.clone()).collect();
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("rt");
            let client =
                raftctl::api::client::Client::new(&endpoints[0], std::time::Duration::from_secs(8));
            let mut acked = Vec::new();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) || acked.len() < 20 {
                n += 1;
                let key = format!("w{n}");
                if rt
                    .block_on(client.put(&key, key.clone().into_bytes(), n))
                    .is_ok()
                {
                    acked.push(key);
                }
                if n > 5000 {
                    break;
                }
            }
            acked
        })
    };
    wait_until("some writes before the kill", || {
        c.status(others[0]).filter(|s| s.applied > 20).map(|_| ())
    });
    c.kill(leader);
    let new_leader = c.wait_for_leader();
    assert_ne!(new_leader, leader);
    // Keep writing under the new leader for a moment.
    let target = c.status(new_leader).expect("status").applied + 10;
    wait_until("writes under the new leader", || {
        c.status(new_leader)
            .filter(|s| s.applied >= target)
            .map(|_| ())
    });
    stop.store(true, Ordering::Relaxed);
    let acked = writer.join().expect("writer");
    assert!(acked.len() >= 20);
    for key in &acked {
        assert_eq!(
            c.get(new_leader, key, false).as_deref(),
            Some(key.as_str()),
            "acknowledged {key} lost"
        );
    }
    // The old leader comes back from its data dir and catches up.
    c.spawn(leader);
    let last = c.status(new_leader).expect("status").commit;
    c.wait_applied(last);
    assert_eq!(
        c.get(leader, &acked[acked.len() - 1], true).as_deref(),
        Some(acked[acked.len() - 1].as_str())
    );
    c.stop_and_check();
}

#[test]
fn restarted_member_keeps_its_state() {
    let mut c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    for i in 0..30 {
        c.put(leader, &format!("k{i}"), &format!("v{i}"));
    }
    let victim = (1..=3).find(|&i| i != leader).unwrap_or(1);
    let before = c.status(victim).expect("status");
    c.stop(victim);
    c.put(leader, "while-down", "x");
    c.spawn(victim);
    wait_until("the restarted member to catch up", || {
        c.status(victim)
            .filter(|s| s.applied > before.applied)
            .map(|_| ())
    });
    assert_eq!(c.get(victim, "k29", true).as_deref(), Some("v29"));
    assert_eq!(c.get(victim, "while-down", false).as_deref(), Some("x"));
    let after = c.status(victim).expect("status");
    assert!(after.term >= before.term);
    c.stop_and_check();
}

/// Pitfalls 9 and 18: a follower cut off past a compaction gets a snapshot (its status is
/// reported, so it is not left paused) and applies after it.
#[test]
fn partitioned_member_catches_up_by_snapshot() {
    let mut c = TestCluster::start(
        3,
        &[
            "--snapshot-count",
            "40",
            "--catch-up-entries",
            "5",
            "--allow-faults",
        ],
    );
    let leader = c.wait_for_leader();
    let lagging = (1..=3).find(|&i| i != leader).unwrap_or(1);
    let others: Vec<u64> = (1..=3).filter(|&i| i != lagging).collect();
    let cut = raftctl::transport::Faults {
        partition: others.clone(),
        ..Default::default()
    };
    c.block(c.client(lagging).faults(Some(&cut)))
        .expect("partition");
    // 16 kB values: the snapshot (about 2 MB) is streamed in chunks.
    let big = "v".repeat(16 << 10);
    for i in 0..120 {
        c.put(leader, &format!("p{i}"), &big);
    }
    let ls = c.status(leader).expect("status");
    assert!(
        ls.first_index > c.status(lagging).expect("status").last_index + 1,
        "the leader compacted past the lagging member: {ls:?}"
    );
    c.block(
        c.client(lagging)
            .faults(Some(&raftctl::transport::Faults::default())),
    )
    .expect("heal");
    c.wait_applied(ls.commit);
    let s = c.status(lagging).expect("status");
    assert!(s.snapshot_index >= 40, "installed a snapshot: {s:?}");
    assert_eq!(c.get(lagging, "p119", true).as_deref(), Some(big.as_str()));
    // Restart it: it comes back from the snapshot plus its WAL.
    c.stop(lagging);
    c.spawn(lagging);
    c.wait_applied(ls.commit);
    assert_eq!(c.get(lagging, "p0", true).as_deref(), Some(big.as_str()));
    c.stop_and_check();
}

fn change(kind: ChangeKind, id: u64, peer: &str, api: &str) -> Change {
    Change {
        kind,
        id,
        peer: peer.to_string(),
        api: api.to_string(),
    }
}

/// A learner is added, catches up without voting, and is promoted; a promotion that comes
/// too early is refused. The log was compacted before it joined, so it catches up by a
/// snapshot made for it (the older one does not name it, and raft-rs would refuse that).
#[test]
fn learner_added_caught_up_and_promoted() {
    let mut c = TestCluster::start(3, &["--snapshot-count", "30", "--catch-up-entries", "5"]);
    let leader = c.wait_for_leader();
    for i in 0..50 {
        c.put(leader, &format!("k{i}"), "v");
    }
    let (peer, api) = c.add_member(4);
    let lc = c.client(leader);
    let m = c
        .block(lc.change(&[change(ChangeKind::AddLearner, 4, &peer, &api)]))
        .expect("add learner");
    assert_eq!(
        (m.voters.clone(), m.learners.clone()),
        (vec![1, 2, 3], vec![4])
    );
    // Before it runs, it cannot be promoted: it has not caught up.
    let early = c.block(lc.change(&[change(ChangeKind::AddVoter, 4, "", "")]));
    let e = early.expect_err("promoting a learner that is not running");
    assert!(e.to_string().contains("has not caught up"), "{e}");
    c.spawn(4);
    let commit = c.status(leader).expect("status").commit;
    c.wait_applied(commit);
    assert_eq!(c.get(4, "k49", true).as_deref(), Some("v"));
    let s4 = c.status(4).expect("status");
    assert_eq!(s4.learners, [4]);
    assert!(s4.snapshot_index > 0, "caught up by snapshot: {s4:?}");
    wait_until("the learner to replicate", || {
        c.status(leader)?
            .progress
            .iter()
            .find(|p| p.id == 4)
            .filter(|p| p.state == "replicate")
            .map(|_| ())
    });
    let m = c
        .block(lc.change(&[change(ChangeKind::AddVoter, 4, "", "")]))
        .expect("promote");
    assert_eq!((m.voters, m.learners), (vec![1, 2, 3, 4], vec![]));
    // A voter cannot be promoted again.
    let again = c
        .block(lc.change(&[change(ChangeKind::AddVoter, 4, "", "")]))
        .expect_err("promote a voter");
    assert!(again.to_string().contains("already a voter"), "{again}");
    c.put(4, "after-promotion", "yes");
    assert_eq!(c.get(1, "after-promotion", false).as_deref(), Some("yes"));
    c.stop_and_check();
}

/// Two voters replaced at once through joint consensus; the joint state is left (the empty
/// ConfChangeV2 that leaves it is applied, pitfall 11) and the config ends plain.
#[test]
fn joint_change_replaces_two_voters() {
    let mut c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    let old: Vec<u64> = (1..=3).filter(|&i| i != leader).collect();
    c.put(leader, "before", "1");
    let (p4, a4) = c.add_member(4);
    let (p5, a5) = c.add_member(5);
    c.spawn(4);
    c.spawn(5);
    let lc = c.client(leader);
    let changes = [
        change(ChangeKind::AddVoter, 4, &p4, &a4),
        change(ChangeKind::AddVoter, 5, &p5, &a5),
        change(ChangeKind::Remove, old[0], "", ""),
        change(ChangeKind::Remove, old[1], "", ""),
    ];
    let m = c.block(lc.change(&changes)).expect("joint change");
    let mut new = vec![leader, 4, 5];
    new.sort_unstable();
    assert_eq!(m.voters, new);
    assert!(
        !m.voters_outgoing.is_empty(),
        "entered a joint configuration: {m:?}"
    );
    for id in [leader, 4, 5] {
        wait_until(
            &format!("member {id} to leave the joint configuration"),
            || {
                c.status(id)
                    .filter(|s| s.voters_outgoing.is_empty() && s.voters == new)
                    .map(|_| ())
            },
        );
    }
    for id in old {
        c.stop(id);
    }
    c.put(4, "after", "2");
    assert_eq!(c.get(5, "before", false).as_deref(), Some("1"));
    assert_eq!(c.get(leader, "after", false).as_deref(), Some("2"));
    c.stop_and_check();
}

/// Pitfall 5: the leader is never removed while it leads; after a transfer it can be.
#[test]
fn leader_is_removed_only_after_a_transfer() {
    let mut c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    let lc = c.client(leader);
    let e = c
        .block(lc.change(&[change(ChangeKind::Remove, leader, "", "")]))
        .expect_err("remove the leader");
    assert!(e.to_string().contains("transfer leadership"), "{e}");
    let t = c.block(lc.transfer(None)).expect("transfer");
    assert_eq!(t.from, leader);
    assert_ne!(t.to, leader);
    wait_until("every member to follow the new leader", || {
        (1..=3)
            .all(|id| c.status(id).is_some_and(|s| s.leader == t.to))
            .then_some(())
    });
    let m = c
        .block(
            c.client(t.to)
                .change(&[change(ChangeKind::Remove, leader, "", "")]),
        )
        .expect("remove old leader");
    assert!(!m.voters.contains(&leader));
    c.stop(leader);
    c.put(t.to, "after-removal", "ok");
    assert_eq!(c.get(t.to, "after-removal", false).as_deref(), Some("ok"));
    // Transfer errors: to a non-member, and from a follower.
    let e = c
        .block(c.client(t.to).transfer(Some(9)))
        .expect_err("transfer to a stranger");
    assert!(e.to_string().contains("not a voter"), "{e}");
    c.stop_and_check();
}

/// Pitfall 7: removing one voter of two goes through joint consensus, so the survivor is not
/// stranded; it ends as a single voter that still takes writes.
#[test]
fn two_voters_shrink_to_one_through_joint_consensus() {
    let mut c = TestCluster::start(2, &[]);
    let leader = c.wait_for_leader();
    let other = if leader == 1 { 2 } else { 1 };
    c.put(leader, "before", "1");
    let m = c
        .block(
            c.client(leader)
                .change(&[Change::of(ChangeKind::Remove, other)]),
        )
        .expect("remove");
    assert_eq!(m.voters, [leader]);
    assert_eq!(
        m.voters_outgoing.len(),
        2,
        "entered a joint configuration: {m:?}"
    );
    wait_until("the joint configuration to be left", || {
        c.status(leader)
            .filter(|s| s.voters_outgoing.is_empty() && s.voters == [leader])
            .map(|_| ())
    });
    c.stop(other);
    c.put(leader, "after", "2");
    assert_eq!(c.get(leader, "after", false).as_deref(), Some("2"));
    c.stop_and_check();
}

/// Pitfall 10: raft-rs turns a conf change proposed while another is pending into a silent
/// no-op; the node refuses it with a reason instead. The first change is held pending by cutting
/// the leader off from its followers (long election timeout, so it stays leader meanwhile).
#[test]
fn second_conf_change_while_one_is_pending_is_refused() {
    let c = TestCluster::start(3, &["--allow-faults", "--election-tick", "100"]);
    let leader = c.wait_for_leader();
    let others: Vec<u64> = (1..=3).filter(|&i| i != leader).collect();
    let lc = c.client(leader);
    let before = c.status(leader).expect("status").last_index;
    let cut = raftctl::transport::Faults {
        partition: others.clone(),
        ..Default::default()
    };
    c.block(lc.faults(Some(&cut))).expect("partition");
    let first = {
        let lc = lc.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("rt");
            rt.block_on(lc.change(&[change(ChangeKind::AddLearner, 5, "127.0.0.1:9", "")]))
        })
    };
    wait_until("the first change to be proposed", || {
        c.status(leader)
            .filter(|s| s.last_index > before)
            .map(|_| ())
    });
    let second = c.block(lc.change(&[change(ChangeKind::AddLearner, 6, "127.0.0.1:9", "")]));
    let e = second.expect_err("a second change while the first is pending");
    assert!(e.to_string().contains("already in progress"), "{e}");
    c.block(lc.faults(Some(&raftctl::transport::Faults::default())))
        .expect("heal");
    // The first one commits once the leader reaches its followers again (or its caller's
    // deadline passed first; either way it is not lost silently).
    let _ = first.join().expect("first change");
    wait_until("the first change to apply", || {
        c.status(leader)
            .filter(|s| s.learners.contains(&5))
            .map(|_| ())
    });
    assert!(!c.status(leader).expect("status").learners.contains(&6));
    c.stop_and_check();
}
