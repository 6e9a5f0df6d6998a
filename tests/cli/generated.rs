//! completions/ and man/ are generated from the clap definitions and committed; these tests
//! fail when they are stale. Refresh with `scripts/regenerate`.

use crate::util::{raftctl, repo};

#[test]
fn completions_are_current() {
    for (shell, file) in [
        ("bash", "raftctl.bash"),
        ("zsh", "_raftctl"),
        ("fish", "raftctl.fish"),
    ] {
        let r = raftctl(["completions", shell]);
        assert_eq!(r.code, 0);
        let committed =
            std::fs::read_to_string(repo().join("completions").join(file)).unwrap_or_default();
        assert!(
            committed == r.stdout,
            "completions/{file} is stale: run scripts/regenerate"
        );
    }
}

#[test]
fn man_pages_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    let r = raftctl(["man", "--dir", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut fresh: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|d| d.unwrap().file_name().into_string().unwrap())
        .collect();
    fresh.sort();
    let mut committed: Vec<String> = std::fs::read_dir(repo().join("man"))
        .map(|rd| {
            rd.map(|d| d.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    committed.sort();
    assert_eq!(fresh, committed, "man/ is stale: run scripts/regenerate");
    for f in fresh {
        let a = std::fs::read(tmp.path().join(&f)).unwrap();
        let b = std::fs::read(repo().join("man").join(&f)).unwrap();
        assert!(a == b, "man/{f} is stale: run scripts/regenerate");
    }
    assert!(raftctl(["man"]).stdout.contains(".TH raftctl 1"));
}

#[test]
fn closed_pipe_exits_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args(["-o", "json", "wal", "dump", "--raw"])
        .arg(crate::util::testdata("etcd/a-single-node/data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert_eq!(err, "");
}

#[test]
fn usage_errors_exit_2_and_operation_failures_exit_1() {
    let r = raftctl(["wal", "dump"]);
    assert_eq!(r.code, 2);
    let r = raftctl(["wal", "dump", "/nonexistent/raftctl-test"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("raftctl: /nonexistent/raftctl-test"),
        "{}",
        r.stderr
    );
    let d = crate::util::testdata("etcd/a-single-node/data")
        .display()
        .to_string();
    let r = raftctl(["wal", "dump", &d, "--from-index", "9", "--to-index", "3"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--from-index 9 is above --to-index 3"),
        "{}",
        r.stderr
    );
    let r = raftctl(["-w", "json", "wal", "verify", &d]);
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["ok"], true, "-w is an alias of -o");
    let r = raftctl(["--version"]);
    assert_eq!(r.code, 0);
}
