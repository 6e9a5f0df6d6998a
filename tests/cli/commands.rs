//! The cluster, member and leader commands as a shell script uses them: the README's CI
//! example, JSON shapes, exit codes and the errors for bad input.

use std::path::Path;
use std::process::Command;

use crate::util::{Down, leader_of, raftctl, rc, repo};

/// The ```sh block after `<!-- ci-example -->` in README.md.
fn readme_example() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("<!-- ci-example -->")
        .expect("README has the CI example");
    let rest = &readme[start..];
    let body = rest
        .split("```sh\n")
        .nth(1)
        .expect("a sh block")
        .split("\n```")
        .next()
        .unwrap();
    body.to_string()
}

#[test]
fn readme_ci_example_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("ci.sh");
    std::fs::write(&script, readme_example()).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_raftctl"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg(&script)
        .current_dir(tmp.path())
        .env("PATH", path)
        .env_remove("RAFTCTL_ENDPOINTS")
        .output()
        .unwrap();
    let cluster = tmp.path().join("ci-cluster");
    if !out.status.success() {
        // Stop whatever the script left running before failing.
        let _ = raftctl([
            "--cluster-dir",
            &cluster.display().to_string(),
            "cluster",
            "down",
        ]);
    }
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!cluster.exists(), "--purge removed the cluster dir");
}

#[test]
fn json_contract_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let up = rc(&dir, &["-o", "json", "cluster", "up", "--nodes", "3"]);
    let _down = Down(&dir);
    assert_eq!(up.code, 0, "{}", up.stderr);
    let j = up.json();
    assert_eq!(j["nodes"].as_array().unwrap().len(), 3);
    for n in j["nodes"].as_array().unwrap() {
        for k in ["id", "pid", "api", "peer", "data_dir"] {
            assert!(!n[k].is_null(), "{k} in {n}");
        }
        // Issue 10: both ports on 127.0.0.1 unless told otherwise.
        for k in ["api", "peer"] {
            assert!(
                n[k].as_str().is_some_and(|a| a.starts_with("127.0.0.1:")),
                "{k} in {n}"
            );
        }
    }
    assert!(
        j["leader"].as_u64().is_some() && j["elapsed_ms"].as_f64().is_some(),
        "{j}"
    );
    // Running `up` again on a live cluster says so and changes nothing.
    let again = rc(&dir, &["-o", "json", "cluster", "up"]);
    assert_eq!(again.code, 0);
    assert!(again.stderr.contains("already running"), "{}", again.stderr);
    assert_eq!(again.json()["nodes"][0]["pid"], j["nodes"][0]["pid"]);

    let st = rc(&dir, &["-o", "json", "status"]);
    assert_eq!(st.code, 0);
    let nodes = st.json()["nodes"].as_array().unwrap().clone();
    let leader = nodes.iter().find(|n| n["role"] == "leader").unwrap()["id"]
        .as_u64()
        .unwrap();
    assert_eq!(nodes.iter().filter(|n| n["reachable"] == true).count(), 3);

    let t = rc(&dir, &["-o", "json", "leader", "transfer"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    let tj = t.json();
    assert_eq!(tj["from"].as_u64(), Some(leader));
    assert!(tj["elapsed_ms"].as_f64().is_some());

    let list = rc(&dir, &["-o", "json", "member", "list"]).json();
    let roles: Vec<&str> = list["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["voter", "voter", "voter"]);

    // Bad input: exit 2 for what the command line alone shows, 1 for refusals by the cluster
    // (issue 8 item 17), one line on stderr naming the problem.
    let r = rc(&dir, &["member", "remove", "9"]);
    assert_eq!(
        (r.code, r.stderr.contains("unknown node id 9")),
        (1, true),
        "{}",
        r.stderr
    );
    for (args, code, says) in [
        (
            &["member", "add", "--id", "0"][..],
            2,
            "id 0 is not allowed",
        ),
        (
            &["member", "add", "--id", "1"][..],
            1,
            "node 1 is already a member",
        ),
        (
            &["member", "change", "--add", "8", "--add", "8"][..],
            2,
            "node 8 is named more than once",
        ),
        (
            &["member", "change", "--add", "8", "--remove", "8"][..],
            2,
            "node 8 is named more than once",
        ),
    ] {
        let r = rc(&dir, args);
        assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
    }
    // Nothing was started for the refused changes (issue 8 item 3).
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cluster.json")).unwrap()).unwrap();
    assert_eq!(m["members"].as_array().unwrap().len(), 3, "{m}");
    // A transfer to the leader itself has nothing to do (issue 8 item 15).
    let now = leader_of(&dir);
    let r = rc(
        &dir,
        &["-o", "json", "leader", "transfer", "--to", &now.to_string()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["moved"], false);
    let r = rc(&dir, &["member", "promote", "1"]);
    assert_eq!(
        (r.code, r.stderr.contains("already a voter")),
        (1, true),
        "{}",
        r.stderr
    );
    let r = rc(&dir, &["cluster", "stop", "7"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let add = rc(&dir, &["-o", "json", "member", "add", "--learner"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(add.json()["role"], "learner");
    let r = rc(&dir, &["leader", "transfer", "--to", "4"]);
    assert_eq!(
        (r.code, r.stderr.contains("learner")),
        (1, true),
        "{}",
        r.stderr
    );
    let r = rc(&dir, &["get", "no-such-key"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("raftctl: ") && r.stderr.contains("does not exist"),
        "{}",
        r.stderr
    );
    let r = raftctl(["--cluster-dir", "/nonexistent/raftctl", "status"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no cluster in /nonexistent/raftctl"),
        "{}",
        r.stderr
    );
    let dead = crate::harness::free_ports(1)[0];
    let r = raftctl(["--endpoints", &format!("127.0.0.1:{dead}"), "put", "k", "v"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(&format!("127.0.0.1:{dead}")) && r.stderr.contains("did not answer"),
        "{}",
        r.stderr
    );
    let r = raftctl([
        "--endpoints",
        &format!("127.0.0.1:{dead}"),
        "cluster",
        "kill",
        "1",
    ]);
    // Process management goes by the cluster dir: --endpoints is refused there, naming it
    // (issue 8 item 26: the cluster options only where they mean something).
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("`raftctl cluster kill` works on the local cluster's processes")
            && r.stderr.contains("it does not take --endpoints"),
        "{}",
        r.stderr
    );

    // With two of three voters gone the leader steps down (check-quorum, within an election
    // timeout): status then says so with exit 1, and still lists every node.
    let others: Vec<u64> = (1..=3)
        .filter(|&i| i != tj["to"].as_u64().unwrap())
        .collect();
    for id in &others {
        assert_eq!(rc(&dir, &["cluster", "kill", &id.to_string()]).code, 0);
    }
    // Killing a dead member again, or starting a running one, has nothing to do (item 16).
    let again = rc(
        &dir,
        &["-o", "json", "cluster", "kill", &others[0].to_string()],
    );
    assert_eq!(
        (again.code, again.json()["action"].as_str()),
        (0, Some("already stopped"))
    );
    let running = tj["to"].as_u64().unwrap().to_string();
    let again = rc(&dir, &["-o", "json", "cluster", "start", &running]);
    assert_eq!(
        (again.code, again.json()["action"].as_str()),
        (0, Some("already running"))
    );
    let r = crate::harness::wait_until("the leader to step down", || {
        let r = rc(&dir, &["-o", "json", "status"]);
        (r.code == 1).then_some(r)
    });
    assert_eq!(r.json()["nodes"].as_array().unwrap().len(), 4);
    assert!(
        r.stderr.contains("no quorum: 2 of 3 voters unreachable"),
        "{}",
        r.stderr
    );
    let down = rc(&dir, &["-o", "json", "cluster", "down"]);
    assert_eq!(down.code, 0);
    // Teardown is idempotent: purging twice is fine (item 16).
    let purge = rc(&dir, &["-o", "json", "cluster", "down", "--purge"]);
    assert_eq!(purge.code, 0, "{}", purge.stderr);
    assert_eq!(purge.json()["action"], "purged");
    assert_eq!(purge.json()["members"].as_array().unwrap().len(), 4);
    let purge = rc(&dir, &["cluster", "down", "--purge"]);
    assert_eq!(purge.code, 0, "{}", purge.stderr);
    assert!(purge.stdout.contains("nothing to do"), "{}", purge.stdout);
}

#[test]
fn last_voter_cannot_be_removed_and_foreground_tears_down_on_ctrl_c() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("one");
    // --foreground: the members live as long as `cluster up` does.
    let mut up = Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args([
            "--cluster-dir",
            dir.to_str().unwrap(),
            "-o",
            "json",
            "cluster",
            "up",
            "--nodes",
            "1",
            "--foreground",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(up.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let j: serde_json::Value = serde_json::from_str(&first).unwrap();
    let pid = j["nodes"][0]["pid"].as_u64().unwrap();
    let r = rc(&dir, &["member", "remove", "1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("last voter"), "{}", r.stderr);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(up.id() as i32, libc::SIGINT) };
    let status = up.wait().unwrap();
    assert!(status.success(), "{status}");
    crate::harness::wait_until(&format!("member process {pid} to be gone"), || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        (stat.is_empty()
            || stat
                .rsplit(')')
                .next()
                .is_some_and(|s| s.trim_start().starts_with('Z')))
        .then_some(())
    });
    let st = rc(&dir, &["status"]);
    assert_eq!(st.code, 1, "{}", st.stdout);
}
