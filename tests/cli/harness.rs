//! Real clusters for tests: `raftctl node` processes on free 127.0.0.1 ports, in a temp dir,
//! killed by pid when the test ends (pass or fail). Waiting is always on a condition with a
//! deadline, never a fixed sleep.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use raftctl::api::client::Client;
use raftctl::node::NodeStatus;

/// Generous: CI is a loaded 2-core machine.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub fn free_ports(n: usize) -> Vec<u16> {
    let ls: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("bind"))
        .collect();
    ls.iter()
        .map(|l| l.local_addr().expect("addr").port())
        .collect()
}

pub struct Member {
    pub id: u64,
    pub peer: String,
    pub api: String,
    pub dir: PathBuf,
    pub child: Option<Child>,
    pub extra: Vec<String>,
}

pub struct TestCluster {
    pub tmp: tempfile::TempDir,
    pub members: Vec<Member>,
    pub cluster_id: String,
    rt: tokio::runtime::Runtime,
    /// Flags every member gets.
    pub flags: Vec<String>,
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The members' last words, to see why.
            for m in &self.members {
                if m.child.is_some() {
                    eprintln!("--- member {} status: {:?}", m.id, self.status(m.id));
                }
                let log = std::fs::read_to_string(m.dir.with_extension("log")).unwrap_or_default();
                // Election chatter hides the story: leave it out.
                let lines: Vec<&str> = log.lines().filter(|l| !l.contains("vote")).collect();
                eprintln!("--- member {} ({}), last lines:", m.id, m.dir.display());
                for l in &lines[lines.len().saturating_sub(25)..] {
                    eprintln!("{l}");
                }
            }
        }
        for m in &mut self.members {
            if let Some(mut c) = m.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

pub fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out after {DEADLINE:?} waiting for {what}"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

impl TestCluster {
    /// Starts `n` members of a new cluster with `flags` on each.
    pub fn start(n: u64, flags: &[&str]) -> TestCluster {
        let tmp = tempfile::tempdir().expect("temp dir");
        let ports = free_ports(2 * n as usize);
        let members: Vec<Member> = (1..=n)
            .map(|id| Member {
                id,
                peer: format!("127.0.0.1:{}", ports[2 * (id as usize - 1)]),
                api: format!("127.0.0.1:{}", ports[2 * (id as usize - 1) + 1]),
                dir: tmp.path().join(format!("n{id}")),
                child: None,
                extra: Vec::new(),
            })
            .collect();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut c = TestCluster {
            tmp,
            members,
            cluster_id: String::new(),
            rt,
            flags: flags.iter().map(|s| s.to_string()).collect(),
        };
        for id in 1..=n {
            c.spawn(id);
        }
        c.wait_for_leader();
        c.cluster_id = c.status(1).expect("status").cluster_id;
        c
    }

    pub fn initial_cluster(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("{}={}", m.id, m.peer))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn member(&self, id: u64) -> &Member {
        self.members.iter().find(|m| m.id == id).expect("member")
    }

    fn member_mut(&mut self, id: u64) -> &mut Member {
        self.members
            .iter_mut()
            .find(|m| m.id == id)
            .expect("member")
    }

    /// Starts (or restarts) member `id`'s process.
    pub fn spawn(&mut self, id: u64) {
        let ic = self.initial_cluster();
        let flags = self.flags.clone();
        let m = self.member_mut(id);
        assert!(m.child.is_none(), "member {id} is running");
        std::fs::create_dir_all(&m.dir).expect("mkdir");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(m.dir.with_extension("log"))
            .expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_raftctl"))
            .args(["node", "--id", &id.to_string(), "--data-dir"])
            .arg(&m.dir)
            .args([
                "--listen-peer",
                &m.peer,
                "--listen-api",
                &m.api,
                "--initial-cluster",
                &ic,
            ])
            .args(&flags)
            .args(&m.extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn raftctl node");
        m.child = Some(child);
    }

    /// Adds a member that will join (its process is started by `spawn`).
    pub fn add_member(&mut self, id: u64) -> (String, String) {
        let ports = free_ports(2);
        let (peer, api) = (
            format!("127.0.0.1:{}", ports[0]),
            format!("127.0.0.1:{}", ports[1]),
        );
        let dir = self.tmp.path().join(format!("n{id}"));
        let extra = vec![
            "--join".to_string(),
            "--cluster-id".to_string(),
            self.cluster_id.clone(),
        ];
        self.members.push(Member {
            id,
            peer: peer.clone(),
            api: api.clone(),
            dir,
            child: None,
            extra,
        });
        (peer, api)
    }

    pub fn kill(&mut self, id: u64) {
        if let Some(mut c) = self.member_mut(id).child.take() {
            c.kill().expect("kill");
            c.wait().expect("wait");
        }
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(&mut self, id: u64) {
        if let Some(mut c) = self.member_mut(id).child.take() {
            // SAFETY: signalling our own child by pid.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let status = c.wait().expect("wait");
            assert!(status.success(), "member {id} exited with {status}");
        }
    }

    pub fn client(&self, id: u64) -> Client {
        Client::new(&self.member(id).api, Duration::from_secs(8))
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn status(&self, id: u64) -> Option<NodeStatus> {
        let c = Client::new(&self.member(id).api, Duration::from_secs(2));
        self.block(c.status()).ok()
    }

    pub fn running(&self) -> Vec<u64> {
        self.members
            .iter()
            .filter(|m| m.child.is_some())
            .map(|m| m.id)
            .collect()
    }

    /// Waits until every running member agrees on one leader; returns it.
    pub fn wait_for_leader(&self) -> u64 {
        wait_until("one leader all running members agree on", || {
            let ss: Vec<NodeStatus> = self
                .running()
                .iter()
                .filter_map(|&id| self.status(id))
                .collect();
            if ss.len() != self.running().len() {
                return None;
            }
            let leader = ss.iter().find(|s| s.role == "leader")?.id;
            ss.iter().all(|s| s.leader == leader).then_some(leader)
        })
    }

    pub fn put(&self, via: u64, key: &str, value: &str) -> u64 {
        let c = self.client(via);
        self.block(c.put(key, value.as_bytes().to_vec(), rand::random::<u64>().max(1)))
            .unwrap_or_else(|e| panic!("put {key} via {via}: {e}"))
    }

    pub fn get(&self, via: u64, key: &str, serializable: bool) -> Option<String> {
        let c = self.client(via);
        self.block(c.get(key, serializable))
            .unwrap_or_else(|e| panic!("get {key} via {via}: {e}"))
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// Waits until every running member has applied at least `index`.
    pub fn wait_applied(&self, index: u64) {
        wait_until(&format!("every running member to apply {index}"), || {
            self.running()
                .iter()
                .all(|&id| self.status(id).is_some_and(|s| s.applied >= index))
                .then_some(())
        })
    }

    pub fn dirs(&self) -> Vec<&Path> {
        self.members.iter().map(|m| m.dir.as_path()).collect()
    }

    /// The checks every cluster test ends with: members stopped cleanly, each data dir passes
    /// `wal verify`, etcd's own wal package reads it entry for entry as raftctl does, and all
    /// members' logs agree.
    pub fn stop_and_check(mut self) {
        for id in self.running() {
            self.stop(id);
        }
        for dir in self.dirs() {
            let d = dir.display().to_string();
            let v = crate::util::raftctl(["-o", "json", "wal", "verify", &d]);
            let j = v.json();
            assert_eq!(j["ok"], true, "{d}: {:#}", j["problems"]);
            // etcd opens a member's WAL from its newest snapshot (a member that installed one
            // from its leader has a gap before it that ReadAll from index 0 refuses).
            crate::oracle::assert_same_from(dir, true);
        }
        let dirs = self.dirs();
        for w in dirs.windows(2) {
            let (a, b) = (w[0].display().to_string(), w[1].display().to_string());
            let r = crate::util::raftctl(["-o", "json", "wal", "diff", &a, &b]);
            assert_eq!(r.code, 0, "{a} vs {b}: {}", r.stdout);
            let rel = r.json()["relation"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            assert!(
                ["identical", "a-prefix-of-b", "b-prefix-of-a", "disjoint"].contains(&rel.as_str()),
                "{a} vs {b}: {rel}"
            );
        }
    }
}
