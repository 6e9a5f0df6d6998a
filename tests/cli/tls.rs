//! TLS on both ports (issue 10, "Doors"): `cluster up --tls`, every command over it, and what
//! a client or a peer without the right certificate gets.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use raftctl::transport::frame::{Body, Envelope, Hello, encode_frame};
use serde_json::Value;

use crate::harness::wait_until;
use crate::util::{Down, raftctl, rc};

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("cluster.json")).unwrap()).unwrap()
}

fn log_has(dir: &Path, id: u64, needle: &str) -> Option<()> {
    let log = std::fs::read_to_string(dir.join(format!("n{id}.log"))).ok()?;
    log.contains(needle).then_some(())
}

#[test]
fn cluster_up_tls_serves_every_command_and_refuses_who_lacks_a_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    let _down = Down(&dir);
    let r = rc(&dir, &["cluster", "up", "--tls"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let tls = dir.join("tls");
    let ca = tls.join("ca.pem");
    let (cert, key) = (tls.join("client.pem"), tls.join("client-key.pem"));

    // Every command reaches the members with the cluster dir's certificates.
    assert_eq!(rc(&dir, &["put", "k", "v"]).code, 0);
    assert_eq!(rc(&dir, &["get", "k"]).stdout.trim(), "v");
    let st = rc(&dir, &["-o", "json", "status"]).json();
    let nodes = st["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{st}");
    assert!(nodes.iter().any(|n| n["role"] == "leader"), "{st}");
    // A member added later gets a certificate from the same CA and joins over mutual TLS.
    let r = rc(&dir, &["member", "add", "--learner"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(tls.join("member-4.pem").exists());
    wait_until("member 4 to apply the first write", || {
        let st = rc(&dir, &["-o", "json", "status"]).json();
        let n4 = st["nodes"]
            .as_array()?
            .iter()
            .find(|n| n["id"] == 4)?
            .clone();
        (n4["applied"].as_u64()? >= 2 && n4["leader"].as_u64()? > 0).then_some(())
    });
    // A member stopped and started again comes back over TLS.
    assert_eq!(rc(&dir, &["cluster", "restart", "2"]).code, 0);

    let m = manifest(&dir);
    let api = m["members"][0]["api"].as_str().unwrap().to_string();
    let peer = m["members"][0]["peer"].as_str().unwrap().to_string();
    let cluster_id = u64::from_str_radix(m["cluster_id"].as_str().unwrap(), 16).unwrap();

    // Clients without what the API asks for are told what is missing.
    let r = raftctl(["--endpoints", &api, "get", "k"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("speaks TLS: give it as https://"),
        "{}",
        r.stderr
    );
    let r = raftctl(["--endpoints", &format!("https://{api}"), "get", "k"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("needs --cacert"), "{}", r.stderr);
    let r = raftctl([
        "--endpoints",
        &api,
        "--cacert",
        ca.to_str().unwrap(),
        "get",
        "k",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("requires a client certificate"),
        "{}",
        r.stderr
    );
    let with_flags = [
        "--endpoints",
        &api,
        "--cacert",
        ca.to_str().unwrap(),
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    let r = raftctl(with_flags.iter().chain(&["get", "k"]));
    assert_eq!((r.code, r.stdout.trim()), (0, "v"), "{}", r.stderr);
    let half = [
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    let r = raftctl(
        ["--endpoints", &api]
            .iter()
            .chain(&half)
            .chain(&["get", "k"]),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("need --cacert"), "{}", r.stderr);
    // A plain HTTP client (curl without https) gets a 400 that says so.
    let mut s = std::net::TcpStream::connect(&api).unwrap();
    s.write_all(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("this port speaks TLS"), "{answer}");

    // A peer that says a perfect hello in plain text is refused before it is read.
    let hello = Envelope {
        body: Some(Body::Hello(Hello {
            cluster_id,
            from: 2,
            to: 1,
            api: String::new(),
        })),
    };
    let mut s = std::net::TcpStream::connect(&peer).unwrap();
    s.write_all(&encode_frame(&hello)).unwrap();
    wait_until("member 1 to refuse the plain-text peer", || {
        log_has(&dir, 1, "it speaks plain text, not TLS")
    });
    // So is one whose certificate another CA signed, and one with no certificate at all.
    let rogue = tmp.path().join("rogue");
    let other = raftctl::tls::generate::Ca::create(&rogue).unwrap();
    let pair = other.issue_member(2, &[]).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dial = |config: Arc<rustls::ClientConfig>| {
        let peer = peer.clone();
        let hello = encode_frame(&hello);
        rt.block_on(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let tcp = tokio::net::TcpStream::connect(&peer).await.unwrap();
            let name = raftctl::tls::server_name(&peer).unwrap();
            let connector = tokio_rustls::TlsConnector::from(config);
            // TLS 1.3 lets the client finish before the server checks its certificate: the
            // refusal comes back as an alert on the first read.
            if let Ok(mut s) = connector.connect(name, tcp).await {
                let _ = s.write_all(&hello).await;
                let _ = s.flush().await;
                let mut buf = [0u8; 16];
                let _ = s.read(&mut buf).await;
            }
        })
    };
    let id = Some((&pair.cert, &pair.key));
    dial(raftctl::tls::client_config(&ca, id, "peer").unwrap());
    wait_until("member 1 to refuse the rogue CA's certificate", || {
        log_has(&dir, 1, "its certificate is not signed by the trusted CA")
    });
    dial(raftctl::tls::client_config(&ca, None, "peer").unwrap());
    wait_until("member 1 to refuse a peer without a certificate", || {
        log_has(&dir, 1, "it presented no certificate")
    });
    // None of them got as far as a hello: no hello was refused or taken from them.
    let log = std::fs::read_to_string(dir.join("n1.log")).unwrap();
    assert!(!log.contains("refused member"), "{log}");
    // The members never stopped talking among themselves.
    assert_eq!(rc(&dir, &["put", "k2", "v2"]).code, 0);
    assert_eq!(rc(&dir, &["get", "k2"]).stdout.trim(), "v2");
}

#[test]
fn a_member_with_bad_tls_files_stops_in_one_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let junk = tmp.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let data = tmp.path().join("d");
    let junk = junk.to_str().unwrap();
    let base = [
        "node",
        "--id",
        "1",
        "--data-dir",
        data.to_str().unwrap(),
        "--initial-cluster",
        "1=127.0.0.1:1",
        "--listen-peer",
        "127.0.0.1:0",
        "--listen-api",
        "127.0.0.1:0",
    ];
    let r =
        raftctl(
            base.iter()
                .chain(&["--peer-cert", junk, "--peer-key", junk, "--peer-ca", junk]),
        );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let line = r.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("--peer-cert") && line.contains(junk) && line.contains("no CERTIFICATE"),
        "{line}"
    );
    assert!(!data.exists(), "the data dir was created");
    // The peer port is mutual TLS or nothing: a certificate without the CA is a usage error.
    let r = raftctl(
        base.iter()
            .chain(&["--peer-cert", junk, "--peer-key", junk]),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--peer-ca"), "{}", r.stderr);
}
