//! Helpers: run the binary, find test data, build etcd's reader.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }

    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

pub fn raftctl<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    raftctl_env(args, &[])
}

/// The variables raftctl reads that a test's own environment must not decide.
const READ_VARS: [&str; 7] = [
    "RAFTCTL_ENDPOINTS",
    "RAFTCTL_ETCD_ENDPOINTS",
    "ETCDCTL_ENDPOINTS",
    "RAFTCTL_CLUSTER",
    "RAFTCTL_DIAL_TIMEOUT",
    "RAFTCTL_COMMAND_TIMEOUT",
    "COLUMNS",
];

/// [`raftctl`] with these environment variables set (and the others raftctl reads unset).
pub fn raftctl_env<I, S>(args: I, env: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raftctl"));
    cmd.args(args).env("NO_COLOR", "1");
    // Table output fits $COLUMNS when it is set: the tests read the full lines.
    for v in READ_VARS {
        cmd.env_remove(v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().expect("run raftctl");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn testdata(p: &str) -> PathBuf {
    repo().join("testdata").join(p)
}

/// JSON Lines from a gzip file.
pub fn gz_lines(p: &Path) -> Vec<Value> {
    use std::io::Read;
    let f = std::fs::File::open(p).unwrap();
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .unwrap();
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A copy of a directory tree in a fresh temp dir (fixtures are read-only in CI).
pub fn copy_tree(from: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_into(from, tmp.path());
    tmp
}

fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for de in std::fs::read_dir(from).unwrap() {
        let de = de.unwrap();
        let dst = to.join(de.file_name());
        if de.file_type().unwrap().is_dir() {
            copy_into(&de.path(), &dst);
        } else {
            std::fs::copy(de.path(), &dst).unwrap();
            let mut perm = std::fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dst, perm).unwrap();
        }
    }
}

/// The path of walorcl, etcd 3.4.23's own wal package behind a small CLI, built by the shared
/// build script (which installs Go and etcd's sources from Debian when missing).
pub fn walorcl() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("WALORCL") {
            return PathBuf::from(p);
        }
        let script = shared().join("tools/walorcl/build.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .expect("run walorcl build.sh");
        assert!(
            out.status.success(),
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

/// The shared folder beside the repository (or $RAFTCTL_SHARED).
pub fn shared() -> PathBuf {
    std::env::var("RAFTCTL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo().join("../shared"))
}

/// Runs walorcl; returns (exit code, stdout, stderr).
pub fn walorcl_run(args: &[&str]) -> Run {
    let out = Command::new(walorcl())
        .args(args)
        .output()
        .expect("run walorcl");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs raftctl against the local cluster in `dir`.
pub fn rc(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--cluster-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    raftctl(all)
}

/// The id of the node `status` of the local cluster in `dir` shows as the leader.
pub fn leader_of(dir: &Path) -> u64 {
    let st = rc(dir, &["-o", "json", "status"]).json();
    let nodes = st["nodes"].as_array().cloned().unwrap_or_default();
    let leader = nodes.iter().find(|n| n["role"] == "leader");
    leader
        .and_then(|n| n["id"].as_u64())
        .unwrap_or_else(|| panic!("no leader in {st}"))
}

/// Stops the cluster in a dir even when the test fails.
pub struct Down<'a>(pub &'a Path);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = rc(self.0, &["cluster", "down"]);
    }
}

/// Sends `request` (an HTTP/1.1 head, and any body) to `addr` as it is and reads the answer
/// until the member closes the connection or 30 s pass: its status and body.
pub fn raw_http(addr: &str, request: &[u8]) -> (u16, String) {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.write_all(request).expect("write");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no answer from {addr}: {text:?}"));
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, body.to_string())
}
