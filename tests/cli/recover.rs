//! `raftctl recover force-new-cluster` (issue 11): a survivor of a cluster that lost its
//! quorum for good made a one-member cluster offline, then started normally — Debian's etcd
//! 3.4 on an etcd member's dir, a raftctl node on a raftctl member's — leading alone with
//! every key committed before the loss; etcd's own wal package reads the rewritten WAL; the
//! plan, the refusals and `--dry-run` change nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use raftctl::proto::raftpb::{ConfChange, Entry, HardState};
use raftctl::wal::writer::{WalWriter, WriterOptions};
use serde_json::Value;

use crate::damage::{entry, metadata};
use crate::doctor::{copy_dir, tear_last_record};
use crate::etcd::{etcdctl, have_etcd, restart_etcd, start_etcd_serving};
use crate::harness::{free_ports, wait_until};
use crate::oracle::assert_same_from;
use crate::util::{Down, raftctl, rc};

fn recover(dir: &Path, dry_run: bool) -> (i32, Value, String) {
    let d = dir.display().to_string();
    let mut args = vec!["-o", "json", "recover", "force-new-cluster", d.as_str()];
    if dry_run {
        args.push("--dry-run");
    }
    let r = raftctl(&args);
    let json = if r.code == 0 { r.json() } else { Value::Null };
    (r.code, json, r.stderr)
}

/// Every file under `dir` with its bytes (and every dir, as an empty entry).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        out.insert(d.clone(), Vec::new());
        for de in std::fs::read_dir(&d).unwrap() {
            let p = de.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn entries(dir: &Path) -> Vec<Value> {
    let r = raftctl(["-o", "json", "wal", "dump", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json_lines()
        .into_iter()
        .filter(|l| l["record"] == "entry")
        .collect()
}

fn verify_ok(dir: &Path) {
    let r = raftctl(["-o", "json", "wal", "verify", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.json()["ok"], true);
}

fn conf_change(index: u64, change_type: i32, node_id: u64) -> Entry<'static> {
    let mut data = Vec::new();
    ConfChange {
        id: 0,
        change_type,
        node_id,
        context: None,
        extra: Vec::new(),
    }
    .encode(&mut data);
    Entry {
        entry_type: 1,
        term: 1,
        index,
        data: Some(data.into()),
        extra: Default::default(),
    }
}

/// A WAL with three AddNode entries, seven more entries up to index 10 in term 2, committed
/// up to 6: the plan drops 7..10 and removes members 2 and 3 at 7 and 8 (etcd's
/// restartAsStandaloneNode on the same log); etcd's wal package reads the result as
/// raftctl does, and `--dry-run` and every refusal leave the dir byte for byte as it was.
#[test]
fn recover_drops_what_was_not_committed_and_removes_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    let mut w = WalWriter::create(
        &dir.join("member/wal"),
        &metadata(),
        WriterOptions::default(),
    )
    .unwrap();
    let adds: Vec<Entry> = (1..=3).map(|i| conf_change(i, 0, i)).collect();
    let hs = |commit| HardState {
        term: 2,
        vote: 1,
        commit,
    };
    w.save(&hs(3), &adds).unwrap();
    let ents: Vec<Entry> = (4..=10).map(|i| entry(2, i, 40)).collect();
    w.save(&hs(6), &ents).unwrap();
    drop(w);
    std::fs::create_dir_all(dir.join("member/snap")).unwrap();

    let before = tree(&dir);
    let (code, plan, err) = recover(&dir, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tree(&dir), before, "--dry-run changed the dir");
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["backup"], Value::Null);
    assert_eq!(plan["member_id"], 1);
    assert_eq!(plan["removed"], serde_json::json!([2, 3]));
    assert_eq!(plan["discarded"], 4);
    let idx: Vec<u64> = plan["discarded_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["index"].as_u64().unwrap())
        .collect();
    assert_eq!(idx, vec![7, 8, 9, 10]);
    assert_eq!(plan["commit"], 8);
    // The table says the same for people.
    let text = raftctl([
        "recover",
        "force-new-cluster",
        "--dry-run",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(text.code, 0);
    for want in [
        "discard: 4 uncommitted entries 7..10",
        "remove: member(s) 2, 3",
        "append index 7 term 2 ConfChange RemoveNode 2",
        "new commit: 8",
        "dry run: nothing changed",
    ] {
        assert!(text.stdout.contains(want), "{want}:\n{}", text.stdout);
    }

    let (code, done, err) = recover(&dir, false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(done["dry_run"], false);
    assert_eq!(done["removed"], plan["removed"]);
    assert_eq!(done["commit"], 8);
    let backup = PathBuf::from(done["backup"].as_str().unwrap());
    assert!(backup.starts_with(&dir), "{backup:?}");
    // The backup is the member dir as it was.
    let old: BTreeMap<PathBuf, Vec<u8>> = before
        .iter()
        .filter_map(|(p, b)| {
            let r = p.strip_prefix(dir.join("member")).ok()?;
            Some((r.to_path_buf(), b.clone()))
        })
        .collect();
    let copy: BTreeMap<PathBuf, Vec<u8>> = tree(&backup)
        .into_iter()
        .map(|(p, b)| (p.strip_prefix(&backup).unwrap().to_path_buf(), b))
        .collect();
    assert_eq!(copy, old);

    verify_ok(&dir);
    let e = entries(&dir);
    let got: Vec<(u64, u64, String)> = e
        .iter()
        .map(|l| {
            (
                l["index"].as_u64().unwrap(),
                l["term"].as_u64().unwrap(),
                l["type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut want: Vec<(u64, u64, String)> =
        (1..=3).map(|i| (i, 1, "EntryConfChange".into())).collect();
    want.extend((4..=6).map(|i| (i, 2, "EntryNormal".into())));
    want.extend((7..=8).map(|i| (i, 2, "EntryConfChange".into())));
    assert_eq!(got, want);
    // etcd's own wal package reads the same entries and HardState (commit 8).
    assert_eq!(assert_same_from(&dir, false), 8);
    // A second run: a one-member cluster with nothing uncommitted, nothing to do.
    let after = tree(&dir);
    let (code, again, err) = recover(&dir, false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again["nothing_to_do"], true);
    assert_eq!(again["backup"], Value::Null);
    assert_eq!(tree(&dir), after);

    // Refusals: one line, exit 1, nothing changed.
    let torn = tmp.path().join("torn");
    std::fs::create_dir_all(&torn).unwrap();
    copy_dir(&backup, &torn.join("member"));
    tear_last_record(&torn);
    let before = tree(&torn);
    let r = raftctl(["recover", "force-new-cluster", torn.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("raftctl wal repair"), "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    assert_eq!(tree(&torn), before);

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(empty.join("member/wal")).unwrap();
    let r = raftctl(["recover", "force-new-cluster", empty.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no WAL here"), "{}", r.stderr);
    let r = raftctl(["recover", "force-new-cluster", "/nonexistent/dir"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not a directory"), "{}", r.stderr);
}

/// A running raftctl member is refused (its WAL lock), and changed in nothing; after the
/// cluster is down, n1 recovered and started alone leads a one-member cluster with every key.
#[test]
fn recover_makes_a_raftctl_member_lead_alone_with_its_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let down = Down(&dir);
    assert_eq!(rc(&dir, &["cluster", "up"]).code, 0);
    for i in 0..30 {
        assert_eq!(
            rc(&dir, &["put", &format!("k{i}"), &format!("v{i}")]).code,
            0
        );
    }
    let n1 = dir.join("n1");
    let before = tree(&n1.join("member"));
    let r = raftctl(["recover", "force-new-cluster", n1.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("in use"), "{}", r.stderr);
    assert_eq!(tree(&n1.join("member")), before);
    drop(down);

    let (code, plan, err) = recover(&n1, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(plan["removed"], serde_json::json!([2, 3]));
    let (code, done, err) = recover(&n1, false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(done["removed"], serde_json::json!([2, 3]));
    assert_eq!(done["commit"], plan["commit"]);
    assert!(PathBuf::from(done["backup"].as_str().unwrap()).is_dir());
    verify_ok(&n1);

    leads_alone_with(&n1, 1, &tmp.path().join("alone.log"), 30);
}

/// A raftctl node started normally on `dir` as member `id` leads a one-member cluster of
/// itself, holds k0…k{keys-1} = v0…, and takes a write.
fn leads_alone_with(dir: &Path, id: u64, log: &Path, keys: usize) {
    let ports = free_ports(2);
    let peer = format!("127.0.0.1:{}", ports[0]);
    let api = format!("127.0.0.1:{}", ports[1]);
    let child = Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args(["node", "--id", &id.to_string(), "--data-dir"])
        .arg(dir)
        .args(["--listen-peer", &peer, "--listen-api", &api])
        .args(["--initial-cluster", &format!("{id}={peer}")])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let _node = Killed(child);
    let st = wait_until(&format!("{} to lead alone", dir.display()), || {
        let r = raftctl(["--endpoints", &api, "-o", "json", "status"]);
        let st = (r.code == 0).then(|| r.json())?;
        (st["nodes"][0]["role"] == "leader").then_some(st)
    });
    let node = &st["nodes"][0];
    assert_eq!(node["voters"], serde_json::json!([id]), "{st:#}");
    assert_eq!(node["leader"], id);
    for i in 0..keys {
        let r = raftctl(["--endpoints", &api, "get", &format!("k{i}")]);
        assert_eq!(r.code, 0, "k{i}: {}", r.stderr);
        assert_eq!(r.stdout.trim(), format!("v{i}"));
    }
    // It takes writes alone.
    assert_eq!(raftctl(["--endpoints", &api, "put", "after", "1"]).code, 0);
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The proof on etcd itself: a 3-member etcd 3.4 cluster (a snapshot taken on the way)
/// loses two members for good (kill -9) and then the third; the survivor recovered offline
/// and started normally (no recovery flags) comes up as a one-member cluster, its leader,
/// with every key committed before the loss.
#[test]
fn recover_makes_a_surviving_etcd_member_a_cluster_of_its_own() {
    if !have_etcd() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut members = start_etcd_serving(tmp.path(), 3, "recover-a");
    let ep = members[0].client.clone();
    // Past --snapshot-count 200, so that the member starts from a .snap.
    let mut committed = vec![("first".to_string(), "1".to_string())];
    for i in 0..230 {
        let (k, v) = (format!("k{i:03}"), format!("v{i}"));
        let out = etcdctl(&ep, &["put", &k, &v]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        committed.push((k, v));
    }
    let id_of = |ep: &str| -> u64 {
        let out = etcdctl(ep, &["endpoint", "status", "-w", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0]["Status"]["header"]["member_id"].as_u64().unwrap()
    };
    let survivor_id = id_of(&ep);
    // A running etcd member (its OFD lock on the WAL's segments) is refused, untouched.
    let live = members[0].dir.clone();
    let before = tree(&live.join("member/wal"));
    let r = raftctl(["recover", "force-new-cluster", live.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("in use"), "{}", r.stderr);
    assert_eq!(tree(&live.join("member/wal")), before);
    members[1].kill();
    members[2].kill();
    members[0].kill();
    let (name, dir, peer, client) = {
        let m = &members[0];
        (
            m.name.clone(),
            m.dir.clone(),
            m.peer.clone(),
            m.client.clone(),
        )
    };
    drop(members);

    let before = tree(&dir);
    let (code, plan, err) = recover(&dir, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tree(&dir), before, "--dry-run changed the dir");
    assert_eq!(plan["member_id"], survivor_id);
    assert_eq!(plan["etcd"], true);
    assert_eq!(plan["removed"].as_array().unwrap().len(), 2, "{plan:#}");
    assert!(plan["snapshot_index"].as_u64().unwrap() > 0, "{plan:#}");
    // A second copy of the survivor, for --keep-uncommitted below.
    let keep = tmp.path().join("keep");
    copy_dir(&dir, &keep);

    // etcd's rule: what follows the commit the WAL records is dropped.
    let (code, done, err) = recover(&dir, false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(done["removed"], plan["removed"]);
    assert_eq!(done["discarded"], plan["discarded"]);
    assert!(done["backup"].is_string());
    assert_eq!(done["cluster_id"], plan["cluster_id"]);
    verify_ok(&dir);
    // etcd's own wal package reads the rewritten WAL from the snapshot etcd starts from, as
    // raftctl does, HardState and all.
    assert!(assert_same_from(&dir, true) > 0);
    let discarded = done["discarded"].as_u64().unwrap() as usize;
    {
        let _etcd = restart_etcd(tmp.path(), &name, &dir, &peer, &client);
        alone(&client, survivor_id, &done);
        // Each put is one entry, in order: the dropped entries are the last puts, and every
        // key before them is there.
        let n = committed.len() - discarded;
        for (k, v) in &committed[..n] {
            assert_eq!(get(&client, k), *v, "key {k}");
        }
        for (k, _) in &committed[n..] {
            assert_eq!(get(&client, k), "", "key {k} was in a dropped entry");
        }
        assert!(etcdctl(&client, &["put", "after", "1"]).status.success());
    }

    // --keep-uncommitted: every acknowledged write, even one whose commit etcd never synced.
    let (code, done, err) = recover_keep(&keep);
    assert_eq!(code, 0, "{err}");
    assert_eq!(done["discarded"], 0);
    verify_ok(&keep);
    assert!(assert_same_from(&keep, true) > 0);
    let _etcd = restart_etcd(tmp.path(), &name, &keep, &peer, &client);
    alone(&client, survivor_id, &done);
    for (k, v) in &committed {
        assert_eq!(get(&client, k), *v, "key {k}");
    }
}

fn recover_keep(dir: &Path) -> (i32, Value, String) {
    let r = raftctl([
        "-o",
        "json",
        "recover",
        "force-new-cluster",
        "--keep-uncommitted",
        dir.to_str().unwrap(),
    ]);
    let json = if r.code == 0 { r.json() } else { Value::Null };
    (r.code, json, r.stderr)
}

fn get(client: &str, k: &str) -> String {
    let out = etcdctl(client, &["get", k, "--print-value-only"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The member at `client` leads a cluster of itself alone, of the cluster id it had.
fn alone(client: &str, id: u64, done: &Value) {
    let status = wait_until("the recovered member to lead", || {
        let out = etcdctl(client, &["endpoint", "status", "-w", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).ok()?;
        let s = &v[0]["Status"];
        (s["leader"].as_u64()? == id).then(|| s.clone())
    });
    assert_eq!(status["header"]["member_id"], id);
    assert_eq!(status["header"]["cluster_id"], done["cluster_id"]);
    let out = etcdctl(client, &["member", "list", "-w", "json"]);
    let ml: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<u64> = ml["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["ID"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![id], "{ml:#}");
}

/// etcd does not sync a HardState that only moves the commit: a WAL whose last commit is
/// behind what the bbolt backend applied keeps those entries (they were committed) instead
/// of dropping them. Made from a real etcd 3.4 data dir (snapshot 3003, commit = consistent
/// index = 3028) by writing its WAL again, record for record, with the last commit at 3010.
#[test]
fn recover_keeps_what_etcds_backend_applied_past_the_wals_commit() {
    use raftctl::wal::layout::Layout;
    use raftctl::wal::view::{Item, LogView, ViewOptions};
    let data =
        crate::util::copy_tree(&crate::util::shared().join("testdata/etcd/a-single-node/data"));
    let dir = data.path();
    let wal = dir.join("member/wal");
    let layout = Layout::open(&wal).unwrap();
    let mut view = LogView::new(layout.segments.clone(), ViewOptions::default());
    let mut items = Vec::new();
    let mut md = Vec::new();
    let mut hs = HardState::default();
    while let Some(item) = view.next() {
        match item.unwrap() {
            Item::Metadata { data, .. } if md.is_empty() => md = data,
            Item::HardState { hs: h, .. } => hs = h,
            i @ (Item::Entry { .. } | Item::Snapshot { .. }) => items.push(i),
            _ => {}
        }
    }
    assert_eq!(hs.commit, 3028);
    std::fs::remove_dir_all(&wal).unwrap();
    let mut w = WalWriter::create(&wal, &md, WriterOptions::default()).unwrap();
    for i in items {
        match i {
            Item::Entry { entry, .. } => w.save(&HardState::default(), &[entry]).unwrap(),
            Item::Snapshot { snap, .. } if snap.index > 0 => w.save_snapshot(&snap).unwrap(),
            _ => {}
        }
    }
    w.save(&HardState { commit: 3010, ..hs }, &[]).unwrap();
    drop(w);
    verify_ok(dir);

    let (code, plan, err) = recover(dir, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(plan["snapshot_index"], 3003, "{plan:#}");
    assert_eq!(plan["wal_commit"], 3010, "{plan:#}");
    assert_eq!(plan["old_commit"], 3028, "{plan:#}");
    assert_eq!(plan["discarded"], 0, "{plan:#}");
    assert_eq!(plan["removed"], serde_json::json!([]));
    assert_eq!(plan["nothing_to_do"], true);
}

/// Writes `dir`'s WAL again, record for record, with the last HardState's commit at
/// `commit` (as a crash before the commit reached it would leave it).
fn rewrite_commit(dir: &Path, commit: u64) {
    use raftctl::wal::layout::Layout;
    use raftctl::wal::view::{Item, LogView, ViewOptions};
    let wal = dir.join("member/wal");
    let layout = Layout::open(&wal).unwrap();
    let mut view = LogView::new(layout.segments.clone(), ViewOptions::default());
    let (mut items, mut md, mut hs) = (Vec::new(), Vec::new(), HardState::default());
    while let Some(item) = view.next() {
        match item.unwrap() {
            Item::Metadata { data, .. } if md.is_empty() => md = data,
            Item::HardState { hs: h, .. } => hs = h,
            i @ (Item::Entry { .. } | Item::Snapshot { .. }) => items.push(i),
            _ => {}
        }
    }
    std::fs::remove_dir_all(&wal).unwrap();
    let mut w = WalWriter::create(&wal, &md, WriterOptions::default()).unwrap();
    for i in items {
        match i {
            Item::Entry { entry, .. } => w.save(&HardState::default(), &[entry]).unwrap(),
            Item::Snapshot { snap, .. } if snap.index > 0 => w.save_snapshot(&snap).unwrap(),
            _ => {}
        }
    }
    w.save(&HardState { commit, ..hs }, &[]).unwrap();
}

/// The index of the first entry of `dir`'s log whose type is `ty` and that names `node`.
fn conf_change_of(dir: &Path, ty: &str, node: u64) -> u64 {
    let r = raftctl(["-o", "json", "wal", "dump", dir.to_str().unwrap()]);
    r.json_lines()
        .iter()
        .find(|l| {
            l["record"] == "entry"
                && l.to_string().contains(ty)
                && l["decoded"]
                    .to_string()
                    .contains(&format!("\"node_id\":{node}"))
        })
        .unwrap_or_else(|| panic!("no {ty} {node} in {}", r.stdout))["index"]
        .as_u64()
        .unwrap()
}

/// `src/recover.rs` `conf_change_entries`' self-add case on a raftctl member: n4, added to a
/// running cluster by `member add` (AddLearnerNode 4, then AddNode 4 to promote it), is the
/// survivor, and its WAL's commit is behind its own add (then behind its own promotion). A
/// raftctl node started on the recovered dir leads alone with every key committed before.
#[test]
fn recover_a_raftctl_survivor_whose_own_add_is_uncommitted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let down = Down(&dir);
    assert_eq!(rc(&dir, &["cluster", "up"]).code, 0);
    for i in 0..20 {
        assert_eq!(
            rc(&dir, &["put", &format!("k{i}"), &format!("v{i}")]).code,
            0
        );
    }
    assert_eq!(rc(&dir, &["member", "add"]).code, 0);
    for i in 20..30 {
        assert_eq!(
            rc(&dir, &["put", &format!("k{i}"), &format!("v{i}")]).code,
            0
        );
    }
    drop(down);
    let n4 = dir.join("n4");
    let learner = conf_change_of(&n4, "AddLearnerNode", 4);
    let promote = conf_change_of(&n4, "\"AddNode\"", 4);
    assert!(learner < promote, "{learner} {promote}");
    for (case, commit) in [("own add", learner - 1), ("own promotion", promote - 1)] {
        let d = tmp.path().join(case.replace(' ', "-"));
        copy_dir(&n4, &d);
        rewrite_commit(&d, commit);
        verify_ok(&d);
        let (code, done, err) = recover(&d, false);
        assert_eq!(code, 0, "{case}: {err}");
        assert_eq!(
            done["removed"],
            serde_json::json!([1, 2, 3]),
            "{case}: {done:#}"
        );
        // n4 made a voter first (added, or its learner promoted), then the others removed.
        let a = &done["appended"];
        assert_eq!(a[0]["change"], "AddNode", "{case}: {done:#}");
        assert_eq!(a[0]["node_id"], 4, "{case}: {done:#}");
        assert_eq!(a.as_array().unwrap().len(), 4, "{case}: {done:#}");
        verify_ok(&d);
        // Every put committed before the cut: k0…k19, before n4's add.
        leads_alone_with(&d, 4, &tmp.path().join(format!("{case}.log")), 20);
    }
}
