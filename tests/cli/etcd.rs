//! Real etcd 3.4 members (Debian's etcd-server) for the tests that need etcd itself
//! (`doctor` and `recover` on etcd data dirs, the `--etcd` commands against live members):
//! started on free loopback ports, killed by pid when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::harness::free_ports;

/// A real etcd 3.4 member, killed by pid when dropped.
pub struct Etcd {
    pub child: Child,
    pub name: String,
    pub peer: String,
    pub client: String,
    pub dir: PathBuf,
}

impl Etcd {
    /// SIGKILL, and wait for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Etcd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether the machine has etcd; without it the etcd half is skipped, except where CI says
/// it must run (RAFTCTL_REQUIRE_ETCD=1, set by .ci/run, which installs etcd-server).
pub fn have_etcd() -> bool {
    let found = Command::new("etcd")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("RAFTCTL_REQUIRE_ETCD").is_none(),
            "RAFTCTL_REQUIRE_ETCD is set but there is no etcd (apt-get install etcd-server)"
        );
        eprintln!("skipping the etcd half: no etcd here (apt-get install etcd-server)");
    }
    found
}

/// `n` members m0…m{n-1} of a new cluster, data dirs and logs under `root`.
pub fn start_etcd(root: &Path, n: usize, token: &str) -> Vec<Etcd> {
    start_members(root, n, token, "http", |_| Vec::new())
}

/// `n` members of a new cluster whose client URLs have `scheme`, member `i` started with
/// `extra(i)` too.
fn start_members(
    root: &Path,
    n: usize,
    token: &str,
    scheme: &str,
    extra: impl Fn(usize) -> Vec<String>,
) -> Vec<Etcd> {
    let ports = free_ports(2 * n);
    let cluster: Vec<String> = (0..n)
        .map(|i| format!("m{i}=http://127.0.0.1:{}", ports[2 * i]))
        .collect();
    let cluster = cluster.join(",");
    (0..n)
        .map(|i| {
            let more = extra(i);
            let mut args = vec![
                "--initial-cluster",
                &cluster,
                "--initial-cluster-token",
                token,
                "--initial-cluster-state",
                "new",
            ];
            args.extend(more.iter().map(String::as_str));
            spawn(
                root,
                &format!("m{i}"),
                &root.join(format!("m{i}")),
                &format!("http://127.0.0.1:{}", ports[2 * i]),
                &format!("{scheme}://127.0.0.1:{}", ports[2 * i + 1]),
                &args,
            )
        })
        .collect()
}

/// Starts etcd as a member with a data dir normally starts: no recovery flags, no initial
/// cluster (etcd reads everything from the dir); its log is `root/<name>.log` (appended to).
pub fn restart_etcd(root: &Path, name: &str, dir: &Path, peer: &str, client: &str) -> Etcd {
    spawn(root, name, dir, peer, client, &[])
}

/// Starts member `name` on `root/name` with the bootstrap flags: `cluster` its initial
/// cluster, `token` the cluster's, `state` `new` (as `start_etcd` started it) or `existing`
/// (joining a running cluster after `member add`, `cluster` as it printed it).
pub fn bootstrap_etcd(
    root: &Path,
    name: &str,
    peer: &str,
    client: &str,
    cluster: &str,
    token: &str,
    state: &str,
) -> Etcd {
    let extra = [
        "--initial-cluster",
        cluster,
        "--initial-cluster-token",
        token,
        "--initial-cluster-state",
        state,
    ];
    spawn(root, name, &root.join(name), peer, client, &extra)
}

fn spawn(root: &Path, name: &str, dir: &Path, peer: &str, client: &str, extra: &[&str]) -> Etcd {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(root.join(format!("{name}.log")))
        .unwrap();
    let child = Command::new("etcd")
        .args(["--name", name])
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
        ])
        .args([
            "--listen-client-urls",
            client,
            "--advertise-client-urls",
            client,
        ])
        .args(extra)
        .args(["--snapshot-count", "200"])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    Etcd {
        child,
        name: name.to_string(),
        peer: peer.to_string(),
        client: client.to_string(),
        dir: dir.to_path_buf(),
    }
}

pub fn etcdctl(endpoint: &str, args: &[&str]) -> std::process::Output {
    Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args(["--endpoints", endpoint, "--command-timeout", "2s"])
        .args(args)
        .output()
        .unwrap()
}

/// `n` members of a new cluster, once they take a first write (`first` = `1`).
pub fn start_etcd_serving(root: &Path, n: usize, token: &str) -> Vec<Etcd> {
    let members = start_etcd(root, n, token);
    let ep = members[0].client.clone();
    crate::harness::wait_until("etcd to take a write", || {
        etcdctl(&ep, &["put", "first", "1"])
            .status
            .success()
            .then_some(())
    });
    members
}

/// The TLS files of an etcd test cluster: one CA, a certificate per member for 127.0.0.1,
/// and a client certificate, made with raftctl's own generator.
pub struct EtcdTls {
    pub ca: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

/// `n` members of a new cluster serving clients over TLS only (`https://` client URLs) and
/// asking every client for a certificate the CA signed (etcd's `--client-cert-auth`).
pub fn start_etcd_tls(root: &Path, n: usize, token: &str) -> (Vec<Etcd>, EtcdTls) {
    let ca = raftctl::tls::generate::Ca::create(&root.join("tls")).unwrap();
    let client = ca.issue_client().unwrap();
    let ca_path = ca.cert_path();
    let members = start_members(root, n, token, "https", |i| {
        let pair = ca.issue_member(i as u64 + 1, &[]).unwrap();
        vec![
            "--cert-file".into(),
            pair.cert.display().to_string(),
            "--key-file".into(),
            pair.key.display().to_string(),
            "--trusted-ca-file".into(),
            ca_path.display().to_string(),
            "--client-cert-auth".into(),
        ]
    });
    let tls = EtcdTls {
        ca: ca_path,
        client_cert: client.cert,
        client_key: client.key,
    };
    (members, tls)
}
