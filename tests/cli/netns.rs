//! `raftctl chaos --netns` (issue 10, "Real network faults"): members in network namespaces
//! of the run's own, partitions and loss made by nftables rules there; the run passes and
//! leaves no namespace behind. Needs root, `ip` and `nft`: without them a test skips, saying
//! so, unless RAFTCTL_REQUIRE_NETNS is set (CI sets it), when it fails.

use std::os::unix::process::CommandExt;
use std::path::Path;

use serde_json::Value;

use crate::util::{raftctl, raftctl_env};

fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// Whether `test` can run here; when not, skipping is allowed only without
/// RAFTCTL_REQUIRE_NETNS.
fn can_run(test: &str) -> bool {
    let missing = if !is_root() {
        Some("not root".to_string())
    } else {
        ["ip", "nft"]
            .into_iter()
            .find(|t| !on_path(t))
            .map(|t| format!("no `{t}` on PATH"))
    };
    match missing {
        None => true,
        Some(why) if std::env::var_os("RAFTCTL_REQUIRE_NETNS").is_some() => {
            panic!("RAFTCTL_REQUIRE_NETNS is set, but {test} cannot run: {why}")
        }
        Some(why) => {
            eprintln!(
                "skipping {test}: {why} (set RAFTCTL_REQUIRE_NETNS=1 to make this a failure)"
            );
            false
        }
    }
}

/// The network namespaces whose names start with `prefix`.
fn namespaces(prefix: &str) -> Vec<String> {
    std::fs::read_dir("/run/netns")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn chaos_netns_partitions_loss_and_kills_pass_and_leave_no_namespace() {
    if !can_run("chaos_netns_partitions_loss_and_kills_pass_and_leave_no_namespace") {
        return;
    }
    let args = [
        "-o",
        "json",
        "chaos",
        "--netns",
        "--duration",
        "15s",
        "--seed",
        "4",
        "--faults",
        "partition,loss,kill",
    ];
    // Seed 4 plans a kill, a one-way partition and two spells of loss in 15 s.
    let mut plan_args = args.to_vec();
    plan_args.push("--plan");
    let plan = raftctl(&plan_args).json();
    let kinds: Vec<&str> = plan["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"partition") && kinds.contains(&"loss"),
        "{plan}"
    );

    let r = raftctl(args);
    assert_eq!(r.code, 0, "stdout {}\nstderr {}", r.stdout, r.stderr);
    let j: Value = r.json();
    assert_eq!(j["linearizable"], true, "{}", j["anomalies"]);
    assert_eq!(j["lost"], serde_json::json!([]));
    assert_eq!(j["wal_ok"], true, "{}", j["wal"]);
    assert_eq!(j["logs_agree"], true);
    assert_eq!(j["kv_ok"], true, "{}", j["problems"]);
    assert_eq!(j["ok"], true, "{}", j["problems"]);
    assert!(j["ops_ok"].as_u64().unwrap() > 100, "{j}");
    assert!(j["ops_per_sec"].as_f64().unwrap() >= j["min_rate"].as_f64().unwrap());
    let faults = &j["faults"];
    assert!(faults["partition"].as_u64().unwrap() >= 1, "{faults}");
    assert!(faults["loss"].as_u64().unwrap() >= 1, "{faults}");
    assert!(faults["kill"].as_u64().unwrap() >= 1, "{faults}");
    for e in j["events"].as_array().unwrap() {
        assert_eq!(e["ok"], true, "{e}");
    }
    // How each network fault was made, and what was made for it.
    let n = &j["netns"];
    assert_eq!(n["partition"], "nftables", "{n}");
    assert_eq!(n["loss"], "nftables", "{n}");
    assert!(
        n["delay"] == "netem" || n["delay"].as_str().unwrap().starts_with("in-process ("),
        "{n}"
    );
    assert_eq!(n["namespaces"], 5, "bridge, clients and 3 members: {n}");
    let prefix = format!("{}-", n["prefix"].as_str().unwrap());
    assert!(prefix.starts_with("rc-"), "{prefix}");
    // All of it gone: the namespaces and the run's record of them.
    assert_eq!(namespaces(&prefix), Vec::<String>::new());
    let record = Path::new("/run/raftctl-netns").join(prefix.trim_end_matches('-'));
    assert!(!record.exists(), "{}", record.display());
}

#[test]
fn chaos_netns_with_endpoints_is_a_usage_error() {
    let r = raftctl([
        "--endpoints",
        "127.0.0.1:1",
        "chaos",
        "--netns",
        "--duration",
        "2s",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--netns") && r.stderr.contains("--endpoints"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

/// Without `nft` on PATH, or without root, one line says what is missing and how to get it,
/// and the exit is 1 (a failure of the run, not of its flags).
#[test]
fn chaos_netns_without_root_or_nft_says_what_is_missing() {
    let bin = tempfile::tempdir().unwrap();
    // A PATH with `ip` (when there is one) but no `nft`.
    if let Some(ip) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("ip"))
            .find(|p| p.is_file())
    }) {
        std::os::unix::fs::symlink(ip, bin.path().join("ip")).unwrap();
    }
    let path = bin.path().to_str().unwrap().to_string();
    let r = raftctl_env(
        ["chaos", "--netns", "--duration", "2s"],
        &[("PATH", path.as_str())],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    if !is_root() {
        assert!(r.stderr.contains("needs root"), "{}", r.stderr);
        return;
    }
    assert!(
        r.stderr.contains("needs the `nft` command")
            && r.stderr.contains("apt-get install -y nftables"),
        "{}",
        r.stderr
    );
    // The same binary as an ordinary user (nobody).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args(["chaos", "--netns", "--duration", "2s"])
        .env_remove("RAFTCTL_ENDPOINTS")
        .env_remove("ETCDCTL_ENDPOINTS")
        .current_dir("/")
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--netns needs root"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// Field 22 of `/proc/<pid>/stat`: when the process started.
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = stat.rsplit(')').next().unwrap();
    after.split_whitespace().nth(19).unwrap().parse().unwrap()
}

/// What a run killed with SIGKILL left (its record names namespaces, its process is gone) is
/// removed by the next run; what a live process's record names is not.
#[test]
fn chaos_netns_removes_what_dead_runs_left_and_nothing_else() {
    if !can_run("chaos_netns_removes_what_dead_runs_left_and_nothing_else") {
        return;
    }
    let records = Path::new("/run/raftctl-netns");
    std::fs::create_dir_all(records).unwrap();
    // A pid that is certainly dead: a child that has exited and been waited for.
    let dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    let me = std::process::id();
    let (dead_ns, live_ns) = (format!("rc-{dead_pid}-n1"), format!("rc-{me}-n1"));
    for (pid, start, ns) in [(dead_pid, 1, &dead_ns), (me, start_time(me), &live_ns)] {
        let add = std::process::Command::new("ip")
            .args(["netns", "add", ns])
            .status()
            .unwrap();
        assert!(add.success(), "ip netns add {ns}");
        std::fs::write(
            records.join(format!("rc-{pid}")),
            format!("start {start}\n{ns}\n"),
        )
        .unwrap();
    }
    let r = raftctl([
        "-o",
        "json",
        "chaos",
        "--netns",
        "--duration",
        "2s",
        "--faults",
        "none",
    ]);
    let live_left = namespaces(&live_ns);
    // This test's own "run" is over: remove what it made before asserting.
    let _ = std::process::Command::new("ip")
        .args(["netns", "del", &live_ns])
        .status();
    let _ = std::fs::remove_file(records.join(format!("rc-{me}")));
    assert_eq!(r.code, 0, "stdout {}\nstderr {}", r.stdout, r.stderr);
    assert_eq!(
        live_left,
        vec![live_ns.clone()],
        "a live process's namespace was removed"
    );
    // The dead run's namespace and record are gone (by this run, or a --netns run of
    // another test that started meanwhile).
    assert_eq!(namespaces(&dead_ns), Vec::<String>::new());
    assert!(!records.join(format!("rc-{dead_pid}")).exists());
    let removed = r.json()["netns"]["stale_removed"].clone();
    assert!(removed.is_array(), "{removed}");
}
