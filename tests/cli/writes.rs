//! Every write is answered for its own entry: the index a put is told is where its value is
//! in every member's WAL, and a retry of a request id is told what the first application did.
//! Regression tests for issue 8 item 0 (`x-request-id: 0` answered with other writes' indexes).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::harness::TestCluster;
use crate::util::raftctl;

/// index → (key, value) of every raftctl put in a member's WAL, as `wal dump` decodes it.
fn puts_in_wal(dir: &std::path::Path) -> BTreeMap<u64, (String, String)> {
    let r = raftctl(["-o", "json", "wal", "dump", &dir.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut out = BTreeMap::new();
    for j in r.json_lines() {
        let p = &j["decoded"]["raftctl"];
        if j["record"] == "entry" && p["op"] == "put" {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            out.insert(j["index"].as_u64().unwrap(), (s(&p["key"]), s(&p["value"])));
        }
    }
    out
}

#[test]
fn r8_request_id_zero_answers_each_put_with_its_own_index() {
    let c = TestCluster::start(3, &[]);
    let client = c.client(2);
    const WRITERS: usize = 8;
    const EACH: usize = 30;
    // 8 writers on one member, every one sending request id 0 ("none").
    let acks: Vec<(String, String, u64)> = c.block(async {
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                let mut acks = Vec::new();
                for i in 0..EACH {
                    let (k, v) = (format!("k{w}"), format!("c{w}-{i}"));
                    let index = client
                        .put(&k, v.clone().into_bytes(), 0)
                        .await
                        .unwrap_or_else(|e| panic!("put {k}={v}: {e}"));
                    acks.push((k, v, index));
                }
                acks
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    assert_eq!(acks.len(), WRITERS * EACH);
    // Each writer's puts were sequential: the last value is what a read sees.
    for w in 0..WRITERS {
        let got = c.get(1, &format!("k{w}"), false);
        assert_eq!(got.as_deref(), Some(format!("c{w}-{}", EACH - 1).as_str()));
    }
    let last = acks.iter().map(|a| a.2).max().unwrap();
    c.wait_applied(last);
    // Every member applied it all, so its WAL holds it (inspection needs no lock).
    let wal = puts_in_wal(&c.member(1).dir);
    let mut seen = HashMap::new();
    for (k, v, index) in &acks {
        assert_eq!(
            wal.get(index),
            Some(&(k.clone(), v.clone())),
            "put {k}={v} was answered index {index}"
        );
        assert!(
            seen.insert(*index, v).is_none(),
            "index {index} answered twice"
        );
    }
    c.stop_and_check();
}

#[test]
fn r8_a_retried_request_id_is_told_the_first_application() {
    let c = TestCluster::start(3, &[]);
    let client = c.client(2);
    let id = 0x5eed_0000_0000_0008;
    let first = c
        .block(client.put("retried", b"v1".to_vec(), id))
        .expect("first put");
    // The same id again, after it applied: nothing changes, the answer is the first index.
    let again = c
        .block(client.put("retried", b"v2".to_vec(), id))
        .expect("retried put");
    assert_eq!(again, first);
    assert_eq!(c.get(2, "retried", false).as_deref(), Some("v1"));
    // Two at once with one id on one member: both answered, with the one index that applied.
    let id2 = id + 1;
    let (a, b) = c.block(async {
        let (c1, c2) = (client.clone(), client.clone());
        let a = tokio::spawn(async move { c1.put("twice", b"x".to_vec(), id2).await });
        let b = tokio::spawn(async move { c2.put("twice", b"x".to_vec(), id2).await });
        (a.await.unwrap(), b.await.unwrap())
    });
    let (a, b) = (a.expect("first of two"), b.expect("second of two"));
    assert_eq!(a, b, "both are told the index the write applied at");
    // A delete reusing a put's id is refused, not told it deleted.
    let r = c.block(client.delete("retried", id));
    assert!(r.is_err(), "{r:?}");
    assert_eq!(c.get(2, "retried", false).as_deref(), Some("v1"));
    c.stop_and_check();
}
