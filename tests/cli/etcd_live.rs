//! `--etcd`: raftctl's status, member and leader commands against live etcd 3.4 members over
//! etcd's gRPC API, checked against what etcdctl says of the same cluster; a member killed.

use serde_json::Value;

use crate::etcd::{Etcd, bootstrap_etcd, etcdctl, have_etcd, start_etcd, start_etcd_tls};
use crate::harness::{free_ports, wait_until};
use crate::util::{raftctl, raftctl_env};

fn urls(members: &[Etcd]) -> String {
    let u: Vec<&str> = members.iter().map(|m| m.client.as_str()).collect();
    u.join(",")
}

/// `status --etcd` as JSON, once it has a leader that every live member follows.
fn settled_status(eps: &str, live: usize) -> Value {
    wait_until("the etcd members to agree on a leader", || {
        let r = raftctl(["-o", "json", "status", "--etcd", eps]);
        let v: Value = serde_json::from_str(&r.stdout).ok()?;
        let nodes = v["nodes"].as_array()?;
        let leader = nodes.iter().find(|n| n["role"] == "leader")?["id"].clone();
        let agree = nodes
            .iter()
            .filter(|n| n["reachable"] == true)
            .filter(|n| n["leader"] == leader)
            .count();
        (r.code == 0 && agree == live).then_some(v)
    })
}

/// etcdctl's member list as JSON: its ids are u64 numbers too.
fn etcdctl_members(ep: &str) -> Vec<(u64, String)> {
    let out = etcdctl(ep, &["-w", "json", "member", "list"]);
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ms: Vec<(u64, String)> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["ID"].as_u64().unwrap(),
                m["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    ms.sort();
    ms
}

#[test]
fn etcd_status_and_member_list_on_live_members_and_with_one_killed() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut members = start_etcd(tmp.path(), 3, "live-status");
    let eps = urls(&members);
    let v = settled_status(&eps, 3);
    let expected = etcdctl_members(&members[0].client);
    assert_eq!(expected.len(), 3);

    // Every member once, its id exact (etcd's ids use all 64 bits), its Raft fields filled.
    let nodes = v["nodes"].as_array().unwrap();
    let mut got: Vec<(u64, String)> = nodes
        .iter()
        .map(|n| {
            (
                n["id"].as_u64().unwrap(),
                n["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got, expected, "{v:#}");
    assert_eq!(nodes.iter().filter(|n| n["role"] == "leader").count(), 1);
    for n in nodes {
        assert_eq!(n["reachable"], true, "{n}");
        assert!(n["term"].as_u64().unwrap() >= 2, "{n}");
        let (ri, ap) = (
            n["raft_index"].as_u64().unwrap(),
            n["applied"].as_u64().unwrap(),
        );
        assert!(ri > 0 && ap > 0 && ap <= ri + 1, "{n}");
        assert!(n["db_size"].as_i64().unwrap() > 0, "{n}");
        assert_eq!(n["learner"], false);
        assert!(n["version"].as_str().unwrap().starts_with("3."), "{n}");
        assert_eq!(n["errors"], serde_json::json!([]), "{n}");
        let ep = n["endpoint"].as_str().unwrap();
        assert!(members.iter().any(|m| m.client == ep), "{ep}");
    }
    assert!(v["cluster_id"].as_u64().unwrap() > 0);

    // One endpoint is enough: the others come from its member list.
    let one = raftctl(["-o", "json", "status", "--etcd", &members[1].client]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.json()["nodes"].as_array().unwrap().len(), 3);

    // Tables print ids in hex as etcdctl does; ETCDCTL_ENDPOINTS serves a bare --etcd.
    let table = raftctl_env(["status", "--etcd"], &[("ETCDCTL_ENDPOINTS", eps.as_str())]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let list = raftctl_env(
        ["member", "list"],
        &[("RAFTCTL_ETCD_ENDPOINTS", members[2].client.as_str())],
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let etcdctl_table =
        String::from_utf8(etcdctl(&members[0].client, &["member", "list"]).stdout).unwrap();
    for (id, name) in &expected {
        let h = format!("{id:x}");
        assert!(table.stdout.contains(&h), "{h} in {}", table.stdout);
        assert!(list.stdout.contains(&h), "{h} in {}", list.stdout);
        assert!(etcdctl_table.contains(&h), "{h} in {etcdctl_table}");
        assert!(list.stdout.contains(name.as_str()));
    }
    let lj = raftctl(["-o", "json", "member", "list", "--etcd", &eps]).json();
    let mut ids: Vec<u64> = lj["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["role"], "voter");
            assert_eq!(m["started"], true);
            assert_eq!(m["peer_urls"].as_array().unwrap().len(), 1);
            m["id"].as_u64().unwrap()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, expected.iter().map(|e| e.0).collect::<Vec<_>>());

    // Kill a follower: it stays in the report, unreachable, with its error; a leader still
    // answers, so the exit status is 0.
    let leader = nodes.iter().find(|n| n["role"] == "leader").unwrap()["name"]
        .as_str()
        .unwrap()
        .to_string();
    let victim = members.iter().position(|m| m.name != leader).unwrap();
    members[victim].kill();
    let victim_name = members[victim].name.clone();
    let r = raftctl(["-o", "json", "status", "--etcd", &eps]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let nodes = v["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    let dead = nodes
        .iter()
        .find(|n| n["name"] == victim_name.as_str())
        .unwrap();
    assert_eq!(dead["reachable"], false, "{dead}");
    assert_eq!(dead["role"], Value::Null);
    assert_eq!(dead["endpoint"], members[victim].client.as_str());
    let err = dead["errors"][0].as_str().unwrap();
    assert!(
        err.contains(&members[victim].client) && err.contains("refused"),
        "{err}"
    );
    assert!(nodes.iter().any(|n| n["role"] == "leader"));
    let t = raftctl(["status", "--etcd", &eps]);
    assert_eq!(t.code, 0);
    assert!(t.stdout.contains("unreachable"), "{}", t.stdout);

    // Kill a second one: the last has no quorum and no leader — exit 1, with the reason.
    let second = members
        .iter()
        .position(|m| m.name != victim_name && m.name != leader)
        .unwrap();
    members[second].kill();
    let leader_idx = members.iter().position(|m| m.name == leader).unwrap();
    let lone = members[leader_idx].client.clone();
    let r = wait_until("the lone etcd member to lose its leadership", || {
        let r = raftctl(["-o", "json", "status", "--etcd", &eps]);
        (r.code == 1).then_some(r)
    });
    assert!(r.stderr.contains("no leader"), "{}", r.stderr);
    let v = r.json();
    let alive = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["endpoint"] == lone.as_str())
        .unwrap();
    assert_eq!(alive["reachable"], true);
    assert_ne!(alive["role"], "leader");
}

#[test]
fn etcd_leader_transfer_and_membership_changes_on_live_members() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let members = start_etcd(tmp.path(), 3, "live-member");
    let eps = urls(&members);
    let v = settled_status(&eps, 3);
    let nodes = v["nodes"].as_array().unwrap();
    let leader = nodes.iter().find(|n| n["role"] == "leader").unwrap()["id"]
        .as_u64()
        .unwrap();
    let follower = nodes.iter().find(|n| n["role"] == "follower").unwrap()["id"]
        .as_u64()
        .unwrap();

    // --to a follower, in hex as etcdctl prints it; MoveLeader goes to the leader.
    let r = raftctl([
        "-o",
        "json",
        "leader",
        "transfer",
        "--to",
        &format!("{follower:x}"),
        "--etcd",
        &eps,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = r.json();
    assert_eq!(
        (t["from"].as_u64(), t["to"].as_u64()),
        (Some(leader), Some(follower))
    );
    assert_eq!(t["moved"], true);
    let v = settled_status(&eps, 3);
    let now = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["role"] == "leader")
        .unwrap();
    assert_eq!(now["id"].as_u64(), Some(follower));
    // Without --to: to some other voter; move-leader names its target as etcdctl does.
    let r = raftctl(["-o", "json", "leader", "transfer", "--etcd", &eps]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["from"].as_u64(), Some(follower));
    settled_status(&eps, 3);
    let r = raftctl(["move-leader", &format!("{follower:x}"), "--etcd", &eps]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("to member {follower:x}")),
        "{}",
        r.stdout
    );

    // Add a learner, start it, promote it once it caught up, then remove it.
    let ports = free_ports(2);
    let peer = format!("http://127.0.0.1:{}", ports[0]);
    let client = format!("http://127.0.0.1:{}", ports[1]);
    // etcd refuses a change until its leader has heard from every member for 5 s (strict
    // reconfig check, etcdserver/server.go): "unhealthy cluster" changes nothing, so retry it.
    let r = wait_until("etcd to accept a new member", || {
        let r = raftctl([
            "-o",
            "json",
            "member",
            "add",
            "--learner",
            "--peer",
            &peer,
            "--etcd",
            &eps,
        ]);
        assert!(
            r.code == 0 || r.stderr.contains("unhealthy cluster"),
            "{}",
            r.stderr
        );
        (r.code == 0).then_some(r)
    });
    let added = r.json();
    let new_id = added["added"].as_u64().unwrap();
    let row = added["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"].as_u64() == Some(new_id))
        .unwrap()
        .clone();
    assert_eq!(
        (row["role"].as_str(), row["started"].as_bool()),
        (Some("learner"), Some(false))
    );
    let initial = added["initial_cluster"]
        .as_str()
        .unwrap()
        .replace("NEW_NAME", "m3");
    assert!(initial.contains(&format!("m3={peer}")), "{initial}");
    let _m3 = bootstrap_etcd(
        tmp.path(),
        "m3",
        &peer,
        &client,
        &initial,
        "live-member",
        "existing",
    );
    let hex_id = format!("{new_id:x}");
    wait_until("the etcd learner to catch up and be promoted", || {
        let r = raftctl(["member", "promote", &hex_id, "--etcd", &eps]);
        (r.code == 0).then_some(())
    });
    let l = raftctl(["-o", "json", "member", "list", "--etcd", &eps]).json();
    let m = l["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"].as_u64() == Some(new_id))
        .unwrap()
        .clone();
    assert_eq!(
        (m["role"].as_str(), m["name"].as_str()),
        (Some("voter"), Some("m3"))
    );
    let r = raftctl(["member", "promote", &hex_id, "--etcd", &eps]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("already a voter"), "{}", r.stderr);

    let r = wait_until("etcd to accept the removal", || {
        let r = raftctl(["-o", "json", "member", "remove", &hex_id, "--etcd", &eps]);
        assert!(
            r.code == 0 || r.stderr.contains("unhealthy cluster"),
            "{}",
            r.stderr
        );
        (r.code == 0).then_some(r)
    });
    let after = r.json();
    assert_eq!(after["members"].as_array().unwrap().len(), 3);
    assert!(
        !etcdctl_members(&members[0].client)
            .iter()
            .any(|(id, _)| *id == new_id)
    );
    // A member that is not there: one line naming it and the members there are.
    let r = raftctl(["member", "remove", &hex_id, "--etcd", &eps]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&format!("no member {hex_id}")),
        "{}",
        r.stderr
    );
}

#[test]
fn etcd_flag_usage_errors() {
    // No etcd needed: these are refused before anything is dialled.
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "status",
                "--etcd",
                "127.0.0.1:1",
                "--endpoints",
                "127.0.0.1:2",
            ],
            "--etcd and --endpoints",
        ),
        (
            &["put", "k", "v", "--etcd", "127.0.0.1:1"],
            "does not take --etcd",
        ),
        (
            &["member", "remove", "zz", "--etcd", "127.0.0.1:1"],
            "not a member id",
        ),
        (&["status", "--etcd", "https://127.0.0.1:1"], "--cacert"),
        (&["status", "--etcd", "nowhere"], "not an etcd endpoint"),
        (&["wal", "verify", "x", "--etcd", "127.0.0.1:1"], "--etcd"),
    ];
    for (args, want) in cases {
        let r = raftctl(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.trim().lines().next().map(|_| ()), Some(()));
    }
    // Where the addresses come from: the command line beats the environment; both variables
    // set is refused rather than guessed.
    let r = raftctl_env(
        ["-o", "json", "status", "--endpoints", "127.0.0.1:1"],
        &[("RAFTCTL_ETCD_ENDPOINTS", "127.0.0.1:2")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["nodes"][0]["api"], "127.0.0.1:1", "{}", r.stdout);
    let r = raftctl_env(
        ["status"],
        &[
            ("RAFTCTL_ETCD_ENDPOINTS", "127.0.0.1:2"),
            ("RAFTCTL_ENDPOINTS", "127.0.0.1:1"),
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("both RAFTCTL_ENDPOINTS and RAFTCTL_ETCD_ENDPOINTS"),
        "{}",
        r.stderr
    );
    let r = raftctl_env(
        [
            "-o",
            "json",
            "status",
            "--etcd",
            "127.0.0.1:3",
            "--dial-timeout",
            "300ms",
        ],
        &[
            ("RAFTCTL_ENDPOINTS", "127.0.0.1:1"),
            ("ETCDCTL_ENDPOINTS", "127.0.0.1:4"),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.json()["nodes"][0]["endpoint"], "127.0.0.1:3");
    // --etcd is offered only where it works.
    assert!(raftctl(["status", "--help"]).stdout.contains("--etcd"));
    assert!(
        raftctl(["member", "remove", "--help"])
            .stdout
            .contains("--etcd")
    );
    assert!(!raftctl(["put", "--help"]).stdout.contains("--etcd"));
    let r = raftctl(["status", "--etcd"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("ETCDCTL_ENDPOINTS"), "{}", r.stderr);
    // Without --etcd, raftctl's own ids stay decimal.
    let r = raftctl(["member", "remove", "ab", "--endpoints", "127.0.0.1:1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("decimal"), "{}", r.stderr);
    let nowhere = tempfile::tempdir().unwrap();
    let dir = nowhere.path().to_str().unwrap();
    for args in [
        &["member", "promote", "ab", "--cluster-dir", dir][..],
        &["leader", "transfer", "--to", "0x1f", "--cluster-dir", dir],
        &["move-leader", "ff", "--cluster-dir", dir],
    ] {
        let r = raftctl(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("decimal"), "{args:?}: {}", r.stderr);
    }
    // Nothing listens there: exit 1, the endpoint named.
    let port = free_ports(1)[0];
    let ep = format!("127.0.0.1:{port}");
    let r = raftctl([
        "-o",
        "json",
        "status",
        "--etcd",
        &ep,
        "--dial-timeout",
        "500ms",
    ]);
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v["nodes"][0]["reachable"], false);
    assert_eq!(v["nodes"][0]["id"], Value::Null);
    assert!(v["nodes"][0]["errors"][0].as_str().unwrap().contains(&ep));
}

/// `--etcd` over TLS as etcdctl takes it: `https://` endpoints (and bare `HOST:PORT` once a
/// CA is given) with `--cacert`, `--cert` and `--key`, against etcd members that ask every
/// client for a certificate; each way of getting it wrong gets its own line.
#[test]
fn etcd_commands_over_tls_with_client_certificates() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (members, tls) = start_etcd_tls(tmp.path(), 3, "live-tls");
    let eps = urls(&members);
    let (ca, cert, key) = (
        tls.ca.to_str().unwrap(),
        tls.client_cert.to_str().unwrap(),
        tls.client_key.to_str().unwrap(),
    );
    let with_tls = |args: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--cacert", ca, "--cert", cert, "--key", key]);
        raftctl(a)
    };
    let v = wait_until("the TLS members to agree on a leader", || {
        let r = with_tls(&["-o", "json", "status", "--etcd", &eps]);
        let v: Value = serde_json::from_str(&r.stdout).ok()?;
        let nodes = v["nodes"].as_array()?;
        let up = nodes.iter().filter(|n| n["reachable"] == true).count();
        (r.code == 0 && up == 3).then_some(v)
    });
    let nodes = v["nodes"].as_array().unwrap();
    for n in nodes {
        assert!(
            n["endpoint"].as_str().unwrap().starts_with("https://"),
            "{n}"
        );
        assert_eq!(n["errors"], serde_json::json!([]), "{n}");
    }
    // Bare HOST:PORT means TLS once a CA is given; the others come from the member list.
    let bare = members[1].client.trim_start_matches("https://").to_string();
    let r = with_tls(&["-o", "json", "status", "--etcd", &bare]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["nodes"].as_array().unwrap().len(), 3);
    let list = with_tls(&["-o", "json", "member", "list", "--etcd", &eps]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(list.json()["members"].as_array().unwrap().len(), 3);
    let moved = with_tls(&["-o", "json", "leader", "transfer", "--etcd", &eps]);
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    assert_eq!(moved.json()["moved"], true, "{}", moved.stdout);

    // The ways to get it wrong, each named.
    let first = &members[0].client;
    let r = raftctl(["status", "--etcd", first]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--cacert"), "{}", r.stderr);
    let r = raftctl(["-o", "json", "status", "--etcd", first, "--cacert", ca]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("it requires a client certificate (--cert and --key)"),
        "{}",
        r.stdout
    );
    let rogue = raftctl::tls::generate::Ca::create(&tmp.path().join("rogue")).unwrap();
    let stranger = rogue.issue_client().unwrap();
    let (rogue_ca, stranger_cert, stranger_key) = (
        rogue.cert_path().display().to_string(),
        stranger.cert.display().to_string(),
        stranger.key.display().to_string(),
    );
    let cases = [
        (
            (rogue_ca.as_str(), cert, key),
            "not signed by the CA given with --cacert",
        ),
        ((ca, &stranger_cert, &stranger_key), "does not trust"),
    ];
    for ((ca, cert, key), want) in cases {
        let r = raftctl([
            "-o", "json", "status", "--etcd", first, "--cacert", ca, "--cert", cert, "--key", key,
        ]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
    }
    let plain = first.replace("https://", "http://");
    let r = raftctl([
        "-o",
        "json",
        "status",
        "--etcd",
        &plain,
        "--dial-timeout",
        "2s",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = raftctl([
        "status",
        "--etcd",
        "https://127.0.0.1:1",
        "--cacert",
        "/nonexistent/ca.pem",
    ]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("/nonexistent/ca.pem"), "{}", r.stderr);
}
