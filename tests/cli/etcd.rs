//! Real etcd 3.4 members for the tests that need them (`doctor`'s on etcd data dirs, and the
//! `--etcd` commands against live members): started on free loopback ports, killed by pid when
//! dropped. Without etcd on the machine those tests skip, except where CI says they must run
//! (RAFTCTL_REQUIRE_ETCD=1, set by .ci/run, which installs etcd-server).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::harness::free_ports;

/// A real etcd 3.4 member, killed by pid when dropped.
pub struct Etcd {
    pub child: Child,
    pub name: String,
    /// Its client URL, http://127.0.0.1:PORT.
    pub client: String,
    pub dir: PathBuf,
}

impl Etcd {
    /// SIGKILL it now and reap it.
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

/// Whether the machine has etcd; without it the caller skips (a line says so), unless
/// RAFTCTL_REQUIRE_ETCD is set, which makes a missing etcd a failure.
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

/// Starts an `n`-member etcd cluster (members m0…) in `root`, each member's log beside its dir.
pub fn start_etcd(root: &Path, n: usize, token: &str) -> Vec<Etcd> {
    let ports = free_ports(2 * n);
    let cluster: Vec<String> = (0..n)
        .map(|i| format!("m{i}=http://127.0.0.1:{}", ports[2 * i]))
        .collect();
    let cluster = cluster.join(",");
    (0..n)
        .map(|i| {
            let name = format!("m{i}");
            let peer = format!("http://127.0.0.1:{}", ports[2 * i]);
            let client = format!("http://127.0.0.1:{}", ports[2 * i + 1]);
            let dir = root.join(&name);
            let child = spawn_etcd(root, &name, &peer, &client, &cluster, "new", token);
            Etcd {
                child,
                name,
                client,
                dir,
            }
        })
        .collect()
}

/// Starts one etcd member named `name` in `root` (data dir `root/name`, log `root/name.log`).
pub fn spawn_etcd(
    root: &Path,
    name: &str,
    peer: &str,
    client: &str,
    cluster: &str,
    state: &str,
    token: &str,
) -> Child {
    let log = std::fs::File::create(root.join(format!("{name}.log"))).unwrap();
    Command::new("etcd")
        .args(["--name", name])
        .arg("--data-dir")
        .arg(root.join(name))
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
        .args([
            "--initial-cluster",
            cluster,
            "--initial-cluster-token",
            token,
        ])
        .args(["--initial-cluster-state", state, "--snapshot-count", "200"])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// etcdctl (API v3) against `endpoint`.
pub fn etcdctl(endpoint: &str, args: &[&str]) -> std::process::Output {
    Command::new("etcdctl")
        .env("ETCDCTL_API", "3")
        .args(["--endpoints", endpoint, "--command-timeout", "2s"])
        .args(args)
        .output()
        .unwrap()
}
