//! `raftctl doctor` on the situations issue 11 names, made for real: raftctl's own members
//! (etcd's on-disk format) and Debian's etcd 3.4 — a wiped dir, a copied dir, a dir of
//! another cluster, a torn tail, survivors short of a quorum, a power cut under load, a
//! member restored from a snapshot.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::etcd::{Etcd, bootstrap_etcd, etcdctl, have_etcd, restart_etcd, start_etcd_serving};
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

/// Puts `k{i:03}` = `v{i}` for each i through `ep`, and records them in `keys`.
fn put_keys(ep: &str, keys: &mut Vec<(String, String)>, range: std::ops::Range<usize>) {
    for i in range {
        let (k, v) = (format!("k{i:03}"), format!("v{i}"));
        // A put that timed out (an election on a slow machine) is put again: same value.
        wait_until(&format!("put {k}"), || {
            etcdctl(ep, &["put", &k, &v]).status.success().then_some(())
        });
        keys.push((k, v));
    }
}

/// etcd's `endpoint status` of one member: (member id, raft index, applied index).
fn etcd_status(ep: &str) -> Option<(u64, u64, u64)> {
    let out = etcdctl(ep, &["endpoint", "status", "-w", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    let s = &v[0]["Status"];
    Some((
        s["header"]["member_id"].as_u64()?,
        s["raftIndex"].as_u64()?,
        s["raftAppliedIndex"].as_u64()?,
    ))
}

/// Makes sure the member at `eps[i]` does not lead (moves leadership to another when it
/// does).
fn not_leading(eps: &[String], i: usize) {
    let leader = |ep: &str| -> Option<u64> {
        let out = etcdctl(ep, &["endpoint", "status", "-w", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        v[0]["Status"]["leader"].as_u64()
    };
    let me = etcd_status(&eps[i]).unwrap().0;
    if leader(&eps[i]) != Some(me) {
        return;
    }
    let to = etcd_status(&eps[(i + 1) % eps.len()]).unwrap().0;
    wait_until("leadership to move", || {
        let _ = etcdctl(&eps[i], &["move-leader", &format!("{to:x}")]);
        leader(&eps[0]).filter(|l| *l != me && *l != 0)
    });
}

/// Waits until every member at `eps` has applied the same raft index.
fn wait_in_step(eps: &[String]) {
    wait_until("the members to apply the same index", || {
        let st: Vec<(u64, u64, u64)> = eps.iter().map(|e| etcd_status(e)).collect::<Option<_>>()?;
        st.iter()
            .all(|s| s.2 == st[0].1 && s.1 == st[0].1)
            .then_some(())
    });
}

/// etcd started on a dir it stops on: waits for it to exit, and returns what it logged.
fn etcd_stops(mut etcd: Etcd, root: &Path, from: u64) -> String {
    wait_until("etcd to stop", || etcd.child.try_wait().ok().flatten());
    let log = std::fs::read(root.join(format!("{}.log", etcd.name))).unwrap();
    String::from_utf8_lossy(&log[from as usize..]).into_owned()
}

fn log_len(root: &Path, name: &str) -> u64 {
    std::fs::metadata(root.join(format!("{name}.log")))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// The N of raft's `tocommit(N) is out of range [lastIndex(last)]` in an etcd log.
fn tocommit(log: &str, last: u64) -> u64 {
    let tail = format!(") is out of range [lastIndex({last})]. Was the raft log corrupted");
    let at = log
        .find(&tail)
        .unwrap_or_else(|| panic!("no \"tocommit(…{tail}\" in:\n{log}"));
    let head = &log[..at];
    let n = &head[head.rfind("tocommit(").expect("tocommit(") + "tocommit(".len()..];
    n.parse().unwrap()
}

/// Runs a finding's commands as an operator would (a shell, etcdctl talking to `ep`), then
/// starts member `name` as step 4 of the fix says: on its dir, which starts empty, with
/// --initial-cluster-state existing and the ETCD_INITIAL_CLUSTER `member add` printed.
fn follow_fix(f: &Value, ep: &str, root: &Path, old: &Etcd, token: &str) -> Etcd {
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("--initial-cluster-state existing"), "{fix}");
    assert!(fix.contains("ETCD_INITIAL_CLUSTER"), "{fix}");
    let commands: Vec<&str> = f["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(commands.len(), 3, "{f:#}");
    let mut printed = String::new();
    for c in &commands {
        assert!(!c.contains("NAME") && !c.contains("PEER_URL"), "{c}");
        // etcd refuses `member add` as "unhealthy cluster" until the member answering has
        // been connected to every voter for 5 s (etcd 3.4 etcdserver/server.go
        // mayAddMember, HealthInterval): the fix says to run it again.
        let out = wait_until(&format!("`{c}` to run"), || {
            let out = Command::new("sh")
                .args(["-c", c])
                .env("ETCDCTL_API", "3")
                .env("ETCDCTL_ENDPOINTS", ep)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.success() {
                Some(out)
            } else if err.contains("etcdserver: unhealthy cluster") {
                None
            } else {
                panic!("{c}: {err}")
            }
        });
        printed.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    assert!(!old.dir.exists(), "{:?} was not moved aside", old.dir);
    let cluster = printed
        .lines()
        .find_map(|l| l.strip_prefix("ETCD_INITIAL_CLUSTER="))
        .unwrap_or_else(|| panic!("member add printed no ETCD_INITIAL_CLUSTER:\n{printed}"))
        .trim_matches('"')
        .to_string();
    bootstrap_etcd(
        root,
        &old.name,
        &old.peer,
        &old.client,
        &cluster,
        token,
        "existing",
    )
}

/// The cluster at `eps` is healthy, every member in step, and the member at `eps[i]` holds
/// every key of `keys` itself (serializable reads answer from its own store).
fn healthy_with(eps: &[String], keys: &[(String, String)]) {
    for ep in eps {
        wait_until("the member to be healthy", || {
            etcdctl(ep, &["endpoint", "health"])
                .status
                .success()
                .then_some(())
        });
    }
    wait_in_step(eps);
    for ep in eps {
        for (k, v) in keys {
            let out = etcdctl(ep, &["get", k, "--print-value-only", "--consistency", "s"]);
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                v,
                "{k} on {ep}"
            );
        }
    }
    let out = etcdctl(&eps[0], &["member", "list", "-w", "json"]);
    let ml: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ml["members"].as_array().unwrap().len(), eps.len(), "{ml:#}");
}

/// Zeroes `dir`'s WAL from the record of entry `index` to the end of its segment (a tail
/// lost back to a record boundary, the segment's preallocated size kept, as etcd leaves
/// it), and checks nothing after it was in a later segment.
fn cut_wal_at(dir: &Path, index: u64) {
    let recs = raftctl(["-o", "json", "wal", "dump", "--raw", dir.to_str().unwrap()]);
    let lines = recs.json_lines();
    let at = lines
        .iter()
        .find(|l| l["record"] == "entry" && l["index"] == index)
        .unwrap_or_else(|| panic!("no entry {index}: {}", recs.stdout));
    let file = at["file"].as_str().unwrap();
    assert!(
        lines
            .iter()
            .all(|l| !l["file"].is_string() || l["file"] == file),
        "more than one segment"
    );
    let file = dir
        .join("member/wal")
        .join(Path::new(file).file_name().unwrap());
    let len = std::fs::metadata(&file).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&file).unwrap();
    f.set_len(at["offset"].as_u64().unwrap()).unwrap();
    f.set_len(len).unwrap();
}

/// The fix replaces member `id`, m2 at `peer`: etcd's commands with its id, name and URL.
fn replaces_m2(f: &Value, id: u64, peer: &str) {
    let c = &f["commands"];
    assert_eq!(c[0], format!("etcdctl member remove {id:x}"), "{f:#}");
    assert_eq!(
        c[2],
        format!("etcdctl member add m2 --peer-urls={peer}"),
        "{f:#}"
    );
}

/// Three etcd members (m0…m2) with `first` and k000…k039 written: the members, their client
/// URLs and the keys.
fn three_with_keys(root: &Path, token: &str) -> (Vec<Etcd>, Vec<String>, Vec<(String, String)>) {
    let members = start_etcd_serving(root, 3, token);
    let eps: Vec<String> = members.iter().map(|m| m.client.clone()).collect();
    let mut keys = vec![("first".to_string(), "1".to_string())];
    put_keys(&eps[0], &mut keys, 0..40);
    (members, eps, keys)
}

/// Stops m2 once it holds all the others hold, while it follows (a leader that keeps
/// running remembers how far it got); returns its member id.
fn stop_m2(members: &mut [Etcd], eps: &[String]) -> u64 {
    not_leading(eps, 2);
    wait_in_step(eps);
    let id = etcd_status(&eps[2]).unwrap().0;
    members[2].kill();
    id
}

/// Issue 11, "one lost its WAL tail": a member of a 3-member etcd 3.4 cluster is stopped and
/// its WAL cut back to an earlier record while the others run on. doctor names it
/// (`log-behind`, an error: its backend applied past its log's end); etcd started on it as
/// it is panics with raft's "tocommit(N) is out of range [lastIndex(Y)]" (etcd 3.4
/// raft/log.go commitTo), N at least its backend's index; doctor's commands, run as they
/// are, bring the cluster back to three healthy members with every key.
#[test]
fn doctor_on_real_etcd_a_member_that_lost_its_wal_tail() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let token = "doctor-tail";
    let (mut members, eps, mut keys) = three_with_keys(root, token);
    let m2_id = stop_m2(&mut members, &eps);
    // The others run on: their leader still counts what m2 acknowledged.
    put_keys(&eps[0], &mut keys, 40..50);
    let dirs: Vec<PathBuf> = members.iter().map(|m| m.dir.clone()).collect();
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let (_, before, _) = doctor(&refs);
    let m2_last = before["members"][2]["last_index"].as_u64().unwrap();
    let cut = m2_last - 15;
    cut_wal_at(&dirs[2], cut);
    let last = cut - 1;

    let (code, r, text) = doctor(&refs);
    assert_eq!(code, 1, "{text}");
    let m = &r["members"][2];
    assert_eq!(m["member_id"], m2_id, "{text}");
    assert_eq!(m["last_index"], last, "{text}");
    assert_eq!(
        m["ok"], true,
        "a cut at a record boundary reads cleanly: {text}"
    );
    let ci = m["db"]["consistent_index"].as_u64().unwrap();
    assert!(ci > last, "{text}");
    let f = finding(&r, "log-behind");
    assert_eq!(f["severity"], "error", "{text}");
    assert_eq!(
        f["dirs"],
        serde_json::json!([dirs[2].display().to_string()])
    );
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains(&format!("[lastIndex({last})]")), "{msg}");
    assert!(msg.contains(&format!("at least {ci}")), "{msg}");
    replaces_m2(f, m2_id, &members[2].peer);
    // The WAL behind its own backend shows on m2 alone (the running members' commits lag
    // their backends, which is how etcd writes them, and is no finding).
    let behind: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "db-ahead-of-wal")
        .collect();
    assert_eq!(behind.len(), 1, "{text}");
    assert_eq!(behind[0]["dirs"], f["dirs"]);
    assert!(text.contains("error [log-behind]"), "{text}");

    // The danger is real: etcd on the dir as it is stops at the leader's first heartbeat.
    let (name, peer, client) = (
        members[2].name.clone(),
        members[2].peer.clone(),
        members[2].client.clone(),
    );
    let from = log_len(root, &name);
    let log = etcd_stops(
        restart_etcd(root, &name, &dirs[2], &peer, &client),
        root,
        from,
    );
    let n = tocommit(&log, last);
    let max_commit = r["members"][0]["commit"]
        .as_u64()
        .unwrap()
        .max(r["members"][1]["commit"].as_u64().unwrap());
    assert!(
        n >= ci && n <= max_commit.max(ci),
        "tocommit({n}), {ci}, {max_commit}"
    );

    // doctor's fix, command by command.
    let old = members.remove(2);
    members.push(follow_fix(f, &eps[0], root, &old, token));
    assert!(root.join("m2.lost/member/wal").is_dir());
    healthy_with(&eps, &keys);
    // The new member's dir joins the others' in doctor's eyes (read while they run, idle).
    let (code, r, text) = doctor(&refs);
    assert_eq!(code, 0, "{text}");
    let ids: Vec<u64> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_id"].as_u64().unwrap())
        .collect();
    assert!(!ids.contains(&m2_id), "{text}");
    assert!(!kinds(&r).contains(&"log-behind".to_string()), "{text}");
    // The dir set aside is of a member the cluster removed: stale, nothing to replace.
    let lost = root.join("m2.lost");
    let (_, r, text) = doctor(&[&dirs[0], &dirs[1], &lost]);
    let f = finding(&r, "not-a-member");
    assert_eq!(f["dirs"][0], lost.display().to_string(), "{text}");
    assert!(!kinds(&r).contains(&"log-behind".to_string()), "{text}");
}

/// Issue 11, "an empty or restored dir whose id the others still list": a stopped member's
/// dir wiped while the others run on. doctor names the empty dir as that member (`no-wal`);
/// etcd 3.4 refuses it with its bootstrap flags ("member … has already been bootstrapped")
/// and panics with --initial-cluster-state existing ("tocommit(N) is out of range
/// [lastIndex(0)]"). The dir then restored by `etcdctl snapshot restore` with the cluster's
/// own token and initial cluster (same cluster and member ids, a log that is one snapshot
/// at 3): doctor says so (`log-behind`, an error), etcd on it panics at lastIndex(3), and
/// doctor's commands bring the cluster back with every key.
#[test]
fn doctor_on_real_etcd_an_empty_or_restored_dir_the_others_still_list() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let token = "doctor-wiped";
    let (mut members, eps, mut keys) = three_with_keys(root, token);
    let cluster: Vec<String> = members
        .iter()
        .map(|m| format!("{}={}", m.name, m.peer))
        .collect();
    let cluster = cluster.join(",");
    let backup = root.join("backup.db");
    assert!(
        etcdctl(&eps[0], &["snapshot", "save", backup.to_str().unwrap()])
            .status
            .success()
    );
    put_keys(&eps[0], &mut keys, 40..50);
    let m2_id = stop_m2(&mut members, &eps);
    put_keys(&eps[0], &mut keys, 50..60);
    let (name, peer, client) = (
        members[2].name.clone(),
        members[2].peer.clone(),
        members[2].client.clone(),
    );
    let dirs: Vec<PathBuf> = members.iter().map(|m| m.dir.clone()).collect();
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let wipe = || {
        std::fs::remove_dir_all(&dirs[2]).unwrap();
        std::fs::create_dir(&dirs[2]).unwrap();
    };
    wipe();

    let (code, r, text) = doctor(&refs);
    assert_eq!(code, 1, "{text}");
    let f = finding(&r, "no-wal");
    assert_eq!(
        f["dirs"],
        serde_json::json!([dirs[2].display().to_string()])
    );
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("likely member {m2_id:x} (m2)")),
        "{msg}"
    );
    replaces_m2(f, m2_id, &peer);
    // What etcd does on it, as doctor says: its bootstrap flags are refused, nothing written…
    let from = log_len(root, &name);
    let log = etcd_stops(
        bootstrap_etcd(root, &name, &peer, &client, &cluster, token, "new"),
        root,
        from,
    );
    let refused = format!("member {m2_id:x} has already been bootstrapped");
    assert!(log.contains(&refused), "{log}");
    assert!(msg.contains(&refused), "{msg}");
    assert!(!dirs[2].join("member/wal").exists());
    // … and joining with an empty log, it panics at the leader's first heartbeat.
    let from = log_len(root, &name);
    let log = etcd_stops(
        bootstrap_etcd(root, &name, &peer, &client, &cluster, token, "existing"),
        root,
        from,
    );
    assert!(tocommit(&log, 0) > 0);
    assert!(msg.contains("[lastIndex(0)]"), "{msg}");

    // Restored from the backup with the cluster's own token: the ids the others list.
    std::fs::remove_dir_all(&dirs[2]).unwrap();
    let out = Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args([
            "snapshot",
            "restore",
            backup.to_str().unwrap(),
            "--data-dir",
        ])
        .arg(&dirs[2])
        .args(["--name", &name, "--initial-cluster-token", token])
        .args(["--initial-cluster", &cluster])
        .args(["--initial-advertise-peer-urls", &peer])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, r, text) = doctor(&refs);
    assert_eq!(code, 1, "{text}");
    let m = &r["members"][2];
    assert_eq!(m["member_id"], m2_id, "{text}");
    assert_eq!(m["cluster_id"], r["members"][0]["cluster_id"], "{text}");
    assert_eq!(m["last_index"], 3, "{text}");
    assert!(
        !kinds(&r).contains(&"different-clusters".to_string()),
        "{text}"
    );
    let f = finding(&r, "log-behind");
    assert_eq!(f["severity"], "error", "{text}");
    assert_eq!(
        f["dirs"],
        serde_json::json!([dirs[2].display().to_string()])
    );
    let msg = f["message"].as_str().unwrap();
    assert!(msg.contains("etcdctl snapshot restore"), "{msg}");
    assert!(msg.contains("[lastIndex(3)]"), "{msg}");
    let from = log_len(root, &name);
    let log = etcd_stops(
        restart_etcd(root, &name, &dirs[2], &peer, &client),
        root,
        from,
    );
    assert!(tocommit(&log, 3) > 3);

    let old = members.remove(2);
    members.push(follow_fix(f, &eps[0], root, &old, token));
    healthy_with(&eps, &keys);
}
