//! Issue 10, "Doors": the fault API bounds what it takes and heals at once; the peer port
//! refuses peers of another cluster and ids that are not members, frames over the limit and
//! chunks that are not a snapshot; the API refuses a body over the limit from its length;
//! a port open beyond this host is named in the log; a second member on a data dir is refused.
//! Hostile peers are raw TCP clients writing frames built with `raftctl::transport::frame`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use raftctl::transport::Faults;
use raftctl::transport::frame::{Body, Chunk, Envelope, Hello, encode_frame};

use crate::harness::{DEADLINE, TestCluster, free_ports, wait_until};
use crate::util::raftctl;

/// A `raftctl node` started by a test, killed when the test ends (pass or fail).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn hello(cluster_id: u64, from: u64, to: u64) -> Vec<u8> {
    encode_frame(&Envelope {
        body: Some(Body::Hello(Hello {
            cluster_id,
            from,
            to,
            api: String::new(),
        })),
    })
}

/// Connects to `addr`, writes `bytes`, and says whether the other end then closed the
/// connection (a member never writes on a connection it accepted), waiting at most DEADLINE.
fn closed_after(addr: &str, bytes: &[u8]) -> bool {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(bytes).expect("write");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

fn log_of(c: &TestCluster, id: u64) -> String {
    std::fs::read_to_string(c.member(id).dir.with_extension("log")).expect("member log")
}

fn cluster_id(c: &TestCluster) -> u64 {
    u64::from_str_radix(&c.cluster_id, 16).expect("hex cluster id")
}

/// A request with only its head sent (the body it announces never comes); the status and
/// body of the answer, read until the member closes the connection.
fn head_only(addr: &str, method: &str, path: &str, content_length: u64) -> (u16, String) {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {content_length}\r\n\r\n"
    );
    crate::util::raw_http(addr, head.as_bytes())
}

/// Issue 10: `PUT /faults {"delay_ms": 9223372036854775807}` then `{}` left the member's links
/// dead until a restart (the delay was slept once per batch, and healing did not interrupt
/// it). The longest delay the API takes now, then a heal, and the member's own links carry
/// a write and a linearizable read within the command timeout.
#[test]
fn healing_a_delay_takes_effect_at_once() {
    let c = TestCluster::start(3, &["--allow-faults"]);
    let slow = c.wait_for_leader();
    let term = c.status(slow).expect("status").term;
    let delay = Faults {
        delay_ms: raftctl::transport::MAX_DELAY_MS,
        ..Default::default()
    };
    c.block(c.client(slow).faults(Some(&delay)))
        .expect("set the delay");
    // The delay holds: the others stop hearing from their leader and elect again.
    wait_until("the other members to start an election", || {
        (1..=3)
            .filter(|&i| i != slow)
            .any(|i| c.status(i).is_some_and(|s| s.term > term))
            .then_some(())
    });
    let healed = c
        .block(c.client(slow).faults(Some(&Faults::default())))
        .expect("heal");
    assert_eq!(healed, Faults::default());
    let api = c.member(slow).api.clone();
    let put = raftctl([
        "--endpoints",
        &api,
        "--command-timeout",
        "10s",
        "put",
        "after-heal",
        "yes",
    ]);
    assert_eq!(put.code, 0, "put via member {slow}: {}", put.stderr);
    // A linearizable read on the member that was slowed needs its own links (a read index
    // from its leader, or heartbeats to its followers).
    assert_eq!(c.get(slow, "after-heal", false).as_deref(), Some("yes"));
    c.stop_and_check();
}

/// The fault API refuses what is out of bounds, with a 400 and one line naming the field and
/// its bound, and leaves the faults in force as they were.
#[test]
fn fault_values_out_of_bounds_are_refused() {
    let c = TestCluster::start(1, &["--allow-faults"]);
    let api = c.member(1).api.clone();
    for (body, says) in [
        (
            r#"{"delay_ms": 9223372036854775807}"#,
            "delay_ms 9223372036854775807 is over the limit of 60000",
        ),
        (
            r#"{"drop_rate": 1.5}"#,
            "drop_rate 1.5 is not between 0 and 1",
        ),
        (
            r#"{"drop_rate": -0.1}"#,
            "drop_rate -0.1 is not between 0 and 1",
        ),
        (r#"{"partition": [0]}"#, "partition: 0 is not a member"),
        (r#"{"partition": [7]}"#, "partition: 7 is not a member"),
        (r#"{"partition": [1]}"#, "partition: 1 is this member"),
        (r#"{"delay": 100}"#, r#"unknown field "delay""#),
        (
            r#"{"delay_ms": -1}"#,
            "delay_ms: invalid value: integer `-1`",
        ),
        (r#"{"partition": "2"}"#, "partition: invalid type"),
        ("[]", "not a JSON object"),
        ("{", "not JSON"),
    ] {
        let (code, answer) = put_json(&api, "/faults", body);
        assert_eq!(code, 400, "{body}: {answer}");
        let j: serde_json::Value = serde_json::from_str(&answer).expect("JSON error");
        let message = j["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{body}: {message}");
        assert!(!message.contains('\n'), "{body}: one line: {message:?}");
    }
    let now = c.block(c.client(1).faults(None)).expect("faults");
    assert_eq!(now, Faults::default());
    c.stop_and_check();
}

pub(crate) fn put_json(addr: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    (code, body.to_string())
}

/// A peer of another cluster, and one claiming an id that is not a member, are refused: the
/// member closes the connection, and says so once however often they come back (a
/// misconfigured peer reconnects with every heartbeat).
#[test]
fn peers_of_another_cluster_or_not_members_are_refused() {
    let c = TestCluster::start(3, &[]);
    let cluster = cluster_id(&c);
    let peer = c.member(1).peer.clone();
    for _ in 0..3 {
        assert!(
            closed_after(&peer, &hello(cluster ^ 1, 2, 1)),
            "a peer of another cluster is refused"
        );
        assert!(
            closed_after(&peer, &hello(cluster, 9, 1)),
            "a peer that is not a member is refused"
        );
        assert!(
            closed_after(&peer, &hello(cluster, 2, 5)),
            "a hello addressed to another member is refused"
        );
    }
    let log = log_of(&c, 1);
    let foreign = format!("refused a peer of cluster {:x}", cluster ^ 1);
    for says in [
        foreign.as_str(),
        "refused a peer claiming to be member 9",
        "it addressed member 5",
    ] {
        let lines: Vec<&str> = log.lines().filter(|l| l.contains(says)).collect();
        assert_eq!(lines.len(), 1, "{says:?} logged once:\n{log}");
    }
    c.put(1, "still", "serving");
    c.stop_and_check();
}

/// Frames over the limit and chunks that are not a snapshot close the connection without the
/// member allocating what they claim, and the member keeps serving. Member 3 is stopped and
/// impersonated, so that its own reconnects do not take the connection over.
#[test]
fn oversized_frames_and_stray_chunks_close_the_connection() {
    let mut c = TestCluster::start(3, &[]);
    c.kill(3);
    c.wait_for_leader();
    let hello = hello(cluster_id(&c), 3, 1);
    let peer = c.member(1).peer.clone();
    let with = |tail: &[u8]| [hello.as_slice(), tail].concat();
    // The length word alone is refused: nothing follows it.
    assert!(closed_after(&peer, &with(&0xFFFF_FFF0u32.to_be_bytes())));
    // Over 16 MiB (and under the 256 MiB the limit used to be).
    assert!(closed_after(&peer, &with(&(32u32 << 20).to_be_bytes())));
    // Chunks that begin a raft MsgAppend (field 1 = 3), not a snapshot.
    let stray = encode_frame(&Envelope {
        body: Some(Body::Chunk(Chunk {
            bytes: [&[0x08, 0x03][..], &[0u8; 4096]].concat(),
            last: false,
        })),
    });
    assert!(closed_after(&peer, &with(&stray)));
    let log = log_of(&c, 1);
    for says in [
        "sent a frame of 4294967280 bytes, over the 16777216-byte limit",
        "member 3 sent chunks that do not start a snapshot",
    ] {
        assert!(log.contains(says), "{says:?} in the log:\n{log}");
    }
    c.put(1, "still", "serving");
    // The real member 3 comes back and catches up, and an entry over the old 1 MiB chunk
    // size (a value at the default --max-request-bytes) travels whole in one frame.
    c.spawn(3);
    let big = "b".repeat(raftctl::node::DEFAULT_MAX_REQUEST_BYTES as usize);
    let index = c.put(1, "big", &big);
    c.wait_applied(index);
    assert_eq!(c.get(3, "big", true).as_deref(), Some(big.as_str()));
    c.stop_and_check();
}

/// A request whose Content-Length is over --max-request-bytes is answered 413 with the
/// limit, before any of its body is read (here none is ever sent).
#[test]
fn request_body_over_the_limit_is_refused_from_its_length() {
    let c = TestCluster::start(1, &["--max-request-bytes", "100000"]);
    let api = c.member(1).api.clone();
    for (method, path) in [
        ("PUT", "/kv?key=big"),
        ("PUT", "/faults"),
        ("POST", "/members"),
    ] {
        let (status, body) = head_only(&api, method, path, 1 << 40);
        assert_eq!(status, 413, "{method} {path}: {body}");
        let j: serde_json::Value = serde_json::from_str(&body).expect("JSON error");
        assert_eq!(j["limit"], 100000, "{j}");
        assert!(
            j["message"]
                .as_str()
                .is_some_and(|m| m.contains("--max-request-bytes")),
            "{j}"
        );
    }
    c.put(1, "still", "serving");
    c.stop_and_check();
}

/// `--max-request-bytes` is bounded by what fits in one peer frame.
#[test]
fn max_request_bytes_over_the_frame_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = free_ports(2);
    let log = tmp.path().join("d.log");
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_raftctl"))
            .args(["node", "--id", "1", "--data-dir"])
            .arg(tmp.path().join("d"))
            .args(["--listen-peer", &format!("127.0.0.1:{}", p[0])])
            .args(["--listen-api", &format!("127.0.0.1:{}", p[1])])
            .args(["--initial-cluster", &format!("1=127.0.0.1:{}", p[0])])
            .args(["--max-request-bytes", "100000000"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("spawn"),
    );
    // A member that starts instead would run until killed.
    let status = wait_until("the member to exit", || child.0.try_wait().ok().flatten());
    let err = std::fs::read_to_string(&log).expect("log");
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("--max-request-bytes 100000000 is over the ceiling"),
        "{err}"
    );
    assert!(!tmp.path().join("d").exists(), "nothing written");
}

/// A port that listens beyond this host is named in the log, with what it allows; one on
/// 127.0.0.1 is not.
#[test]
fn a_port_open_beyond_this_host_is_named() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = free_ports(2);
    let log = tmp.path().join("n1.log");
    let child = Running(
        Command::new(env!("CARGO_BIN_EXE_raftctl"))
            .args(["node", "--id", "1", "--data-dir"])
            .arg(tmp.path().join("n1"))
            .args(["--listen-peer", &format!("0.0.0.0:{}", p[0])])
            .args(["--listen-api", &format!("127.0.0.1:{}", p[1])])
            .args(["--initial-cluster", &format!("1=127.0.0.1:{}", p[0])])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("spawn"),
    );
    let text = wait_until("member 1 to start", || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.contains("ready").then_some(text)
    });
    drop(child);
    let line = text
        .lines()
        .find(|l| l.contains("peer port"))
        .unwrap_or_else(|| panic!("no line about the peer port:\n{text}"));
    assert!(
        line.contains(&format!("0.0.0.0:{}", p[0])) && line.contains("without TLS"),
        "{line}"
    );
    assert!(
        !text.contains("API port"),
        "the API is on 127.0.0.1:\n{text}"
    );
}

/// A second `raftctl node` on a running member's data dir exits non-zero with one line
/// naming the data dir, whether it was given other ports or the very same command line, and
/// the first keeps serving.
#[test]
fn second_member_on_a_data_dir_is_refused_naming_it() {
    let c = TestCluster::start(1, &[]);
    let m = c.member(1);
    let dir = m.dir.display().to_string();
    let other = free_ports(2);
    let other = (
        format!("127.0.0.1:{}", other[0]),
        format!("127.0.0.1:{}", other[1]),
    );
    for (peer, api) in [(other.0.as_str(), other.1.as_str()), (&m.peer, &m.api)] {
        let out = Command::new(env!("CARGO_BIN_EXE_raftctl"))
            .args(["node", "--id", "1", "--data-dir", &dir])
            .args(["--listen-peer", peer, "--listen-api", api])
            .args(["--initial-cluster", &c.initial_cluster()])
            .stdin(Stdio::null())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{peer}");
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {err}");
        assert!(
            lines[0].contains(&dir) && lines[0].contains("locked by another process"),
            "{err}"
        );
    }
    c.put(1, "still", "fine");
    c.stop_and_check();
}
