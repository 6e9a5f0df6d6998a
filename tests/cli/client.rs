//! The client side of the node commands against real members: what a wrong endpoint, one
//! follower's address, odd keys, oversized values and a paused member do. Regression tests
//! for issue 8 items 6, 7, 10, 11 and 19.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use crate::harness::{TestCluster, wait_until};
use crate::util::{Run, raftctl};

fn raftctl_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_raftctl"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RAFTCTL_ENDPOINTS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Another web server: answers every request with an nginx-style 404 page.
fn foreign_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n\
                        <center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n\
                        </body>\r\n</html>\r\n";
            let _ = write!(
                s,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

#[test]
fn r8_another_web_server_is_not_a_member_without_a_key() {
    let ep = foreign_server();
    for args in [vec!["get", "k"], vec!["status"], vec!["put", "k", "v"]] {
        let mut all = vec!["--endpoints", &ep];
        all.extend(args.iter());
        let r = raftctl(&all);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("is not a raftctl member (HTTP 404")
                && !r.stderr.contains("<html>")
                && !r.stderr.contains("does not exist"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn r8_one_follower_address_is_enough() {
    let c = TestCluster::start(3, &[]);
    let leader = c.wait_for_leader();
    let follower = c.members.iter().find(|m| m.id != leader).unwrap();
    // Every member publishes its API address once it has a leader.
    wait_until("every member's API address in the membership", || {
        let s = c.status(follower.id)?;
        (s.members.len() == 3 && s.members.iter().all(|m| !m.api.is_empty())).then_some(())
    });
    let ep = follower.api.as_str();
    let r = raftctl(["--endpoints", ep, "-o", "json", "status"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let nodes = r.json()["nodes"].as_array().unwrap().clone();
    assert_eq!(nodes.len(), 3, "{nodes:?}");
    assert!(nodes.iter().any(|n| n["role"] == "leader"));
    let r = raftctl(["--endpoints", ep, "-o", "json", "member", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let members = r.json()["members"].as_array().unwrap().clone();
    assert!(members.iter().all(|m| m["api"] != ""), "{members:?}");
    assert_eq!(raftctl(["--endpoints", ep, "put", "k", "v"]).code, 0);
    assert_eq!(raftctl(["--endpoints", ep, "get", "k"]).stdout, "v");
    let r = raftctl(["--endpoints", ep, "-o", "json", "leader", "transfer"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    c.stop_and_check();
}

#[test]
fn r8_keys_reach_the_member_as_they_are() {
    let c = TestCluster::start(1, &[]);
    let ep = c.member(1).api.clone();
    for key in ["..", "../x", ".", "a b/c?d#e%41", "/leading", "k/"] {
        let r = raftctl(["--endpoints", &ep, "put", key, key]);
        assert_eq!(r.code, 0, "put {key:?}: {}", r.stderr);
        let r = raftctl(["--endpoints", &ep, "get", key]);
        assert_eq!(
            (r.code, r.stdout.as_str()),
            (0, key),
            "get {key:?}: {}",
            r.stderr
        );
    }
    let r = raftctl(["--endpoints", &ep, "put", "", "v"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("the key is empty"), "{}", r.stderr);
    let long = "k".repeat(9000);
    let r = raftctl(["--endpoints", &ep, "put", &long, "v"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("over the limit of 8192"), "{}", r.stderr);
    // A missing key under -o json is still an answer.
    let r = raftctl(["--endpoints", &ep, "-o", "json", "get", "nothing-here"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()["found"], false);
    c.stop_and_check();
}

#[test]
fn r8_an_oversized_value_gets_one_line_naming_the_limit() {
    let c = TestCluster::start(1, &["--max-request-bytes", "100000"]);
    let ep = c.member(1).api.clone();
    let r = raftctl_stdin(
        &["--endpoints", &ep, "put", "big", "-"],
        &vec![b'x'; 99_000],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = raftctl_stdin(
        &["--endpoints", &ep, "put", "big", "-"],
        &vec![b'x'; 3_000_000],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("3000000 bytes, over the cluster's limit of 100000 bytes"),
        "{}",
        r.stderr
    );
    // Just over the limit, the member's own answer says the same.
    let r = raftctl_stdin(
        &["--endpoints", &ep, "put", "big", "-"],
        &vec![b'x'; 100_001],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("limit of 100000 bytes"), "{}", r.stderr);
    c.stop_and_check();
}

#[test]
fn r8_a_paused_first_endpoint_does_not_stop_commands() {
    let c = TestCluster::start(3, &[]);
    let eps = c
        .members
        .iter()
        .map(|m| m.api.clone())
        .collect::<Vec<_>>()
        .join(",");
    assert_eq!(raftctl(["--endpoints", &eps, "put", "k", "v"]).code, 0);
    let pid = c.members[0].child.as_ref().unwrap().id() as i32;
    // SAFETY: signalling our own child by pid.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let others: Vec<u64> = vec![2, 3];
    wait_until("a leader among the running members", || {
        let s = c.status(others[0])?;
        (s.leader != 0 && s.leader != 1).then_some(())
    });
    let r = raftctl(["--endpoints", &eps, "--dial-timeout", "300ms", "get", "k"]);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    assert_eq!((r.code, r.stdout.as_str()), (0, "v"), "{}", r.stderr);
    c.wait_for_leader();
    c.stop_and_check();
}

#[test]
fn r8_os_errors_print_once() {
    for args in [
        vec!["wal", "verify", "/nonexistent/raftctl-wal"],
        vec!["snap", "verify", "/nonexistent/raftctl.snap"],
    ] {
        let r = raftctl(&args);
        assert_eq!(r.code, 1, "{args:?}");
        assert_eq!(
            r.stderr.matches("No such file or directory").count(),
            1,
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn r8_ranges_as_etcdctl_has_them() {
    let c = TestCluster::start(1, &[]);
    let ep = c.member(1).api.clone();
    let run = |args: &[&str]| {
        let mut all = vec!["--endpoints", ep.as_str()];
        all.extend_from_slice(args);
        raftctl(all)
    };
    for k in ["a/1", "a/2", "a/3", "ab", "b"] {
        assert_eq!(run(&["put", k, &format!("v{k}")]).code, 0);
    }
    let r = run(&["get", "--prefix", "a/"]);
    assert_eq!(
        r.stdout, "a/1\nva/1\na/2\nva/2\na/3\nva/3\n",
        "{}",
        r.stderr
    );
    let r = run(&["get", "--prefix", "a/", "--keys-only"]);
    assert_eq!(r.stdout, "a/1\na/2\na/3\n");
    let r = run(&["get", "--prefix", "a/", "--print-value-only"]);
    assert_eq!(r.stdout, "va/1\nva/2\nva/3\n");
    let j = run(&["-o", "json", "get", "--prefix", "a", "--limit", "2"]).json();
    assert_eq!(
        (j["count"].as_u64(), j["more"].as_bool()),
        (Some(2), Some(true)),
        "{j}"
    );
    let j = run(&["-o", "json", "get", "--from-key", "ab"]).json();
    let keys: Vec<&str> = j["kvs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["ab", "b"]);
    let j = run(&["-o", "json", "del", "--prefix", "a/"]).json();
    assert_eq!(j["deleted"], 3);
    let r = run(&["get", "--prefix", ""]);
    assert_eq!(r.stdout, "ab\nvab\nb\nvb\n");
    // An empty range is an answer, not an error.
    let r = run(&["get", "--prefix", "zz"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    c.stop_and_check();
}
