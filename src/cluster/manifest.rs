//! `cluster.json`: what `cluster up` started, where, and with which pids. Written atomically
//! (temp file + rename) whenever membership or a process changes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::tls::TlsError;
use crate::tls::generate::{Ca, Pair};

#[derive(Debug, Error)]
pub enum ManifestError {
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: not a raftctl cluster manifest ({error})")]
    Parse {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "no cluster in {dir} (no cluster.json): run `raftctl cluster up` there, or pass --endpoints"
    )]
    Missing { dir: PathBuf },
}

/// One member as the manifest knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberEntry {
    pub id: u64,
    pub peer: String,
    pub api: String,
    pub data_dir: PathBuf,
    pub log: PathBuf,
    /// The running process, if any.
    #[serde(default)]
    pub pid: Option<u32>,
    /// Started with --join (added after the cluster was created).
    #[serde(default)]
    pub joined: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub dir: PathBuf,
    pub cluster_id: String,
    pub members: Vec<MemberEntry>,
    /// Extra flags every member is started with.
    #[serde(default)]
    pub node_flags: Vec<String>,
    /// Ids of members removed from the cluster: never used again.
    #[serde(default)]
    pub removed: Vec<u64>,
    /// When set (`chaos --netns`), member `id` runs in the network namespace
    /// `<netns>-n<id>` (`/run/netns/`, as `ip netns` names them), which the command that
    /// wrote this manifest made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns: Option<String>,
    /// The cluster's certificates, when it was made with `cluster up --tls`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ManifestTls>,
}

/// Where a TLS cluster's certificates are: the CA, one pair per member, one for the CLI
/// (`crate::tls::generate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestTls {
    pub dir: PathBuf,
}

impl ManifestTls {
    pub fn ca(&self) -> PathBuf {
        self.dir.join(crate::tls::generate::CA_CERT)
    }

    pub fn client(&self) -> Pair {
        self.pair("client")
    }

    pub fn member(&self, id: u64) -> Pair {
        self.pair(&format!("member-{id}"))
    }

    fn pair(&self, name: &str) -> Pair {
        Pair {
            cert: self.dir.join(format!("{name}.pem")),
            key: self.dir.join(format!("{name}-key.pem")),
        }
    }

    /// Member `m`'s certificate, made with the cluster's CA if it has none yet (a member
    /// added after `cluster up`).
    pub fn ensure_member(&self, m: &MemberEntry) -> Result<Pair, TlsError> {
        let pair = self.member(m.id);
        if pair.cert.exists() && pair.key.exists() {
            return Ok(pair);
        }
        let host = |addr: &str| {
            let h = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
            h.trim_start_matches('[').trim_end_matches(']').to_string()
        };
        let hosts = vec![host(&m.peer), host(&m.api)];
        Ca::load(&self.dir)?.issue_member(m.id, &hosts)
    }
}

impl Manifest {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("cluster.json")
    }

    pub fn load(dir: &Path) -> Result<Manifest, ManifestError> {
        let path = Self::path(dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ManifestError::Missing {
                    dir: dir.to_path_buf(),
                });
            }
            Err(error) => return Err(ManifestError::Io { path, error }),
        };
        serde_json::from_slice(&bytes).map_err(|error| ManifestError::Parse { path, error })
    }

    pub fn save(&self) -> Result<(), ManifestError> {
        let path = Self::path(&self.dir);
        let tmp = self.dir.join("cluster.json.tmp");
        let io = |error| ManifestError::Io {
            path: path.clone(),
            error,
        };
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|error| ManifestError::Parse {
            path: path.clone(),
            error,
        })?;
        bytes.push(b'\n');
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    /// Loads the current manifest under an exclusive lock, lets `f` change it, and saves it,
    /// so that commands running at the same time (a restart while a member is added) each
    /// change what the other left instead of overwriting it with an older copy.
    pub fn update<T>(
        dir: &Path,
        f: impl FnOnce(&mut Manifest) -> T,
    ) -> Result<(Manifest, T), ManifestError> {
        let lock_path = dir.join("cluster.json.lock");
        let io = |error| ManifestError::Io {
            path: lock_path.clone(),
            error,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io)?;
        // SAFETY: flock(2) on a descriptor this function owns; released when `lock` closes.
        if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
            return Err(io(std::io::Error::last_os_error()));
        }
        let mut m = Manifest::load(dir)?;
        let out = f(&mut m);
        m.save()?;
        drop(lock);
        Ok((m, out))
    }

    /// Records `pid` (or none) for member `id`.
    pub fn set_pid(dir: &Path, id: u64, pid: Option<u32>) -> Result<(), ManifestError> {
        Manifest::update(dir, |m| {
            if let Some(e) = m.member_mut(id) {
                e.pid = pid;
            }
        })
        .map(|_| ())
    }

    pub fn member(&self, id: u64) -> Option<&MemberEntry> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn member_mut(&mut self, id: u64) -> Option<&mut MemberEntry> {
        self.members.iter_mut().find(|m| m.id == id)
    }

    /// The network namespace member `id` runs in, if the cluster has them.
    pub fn netns_of(&self, id: u64) -> Option<String> {
        self.netns.as_ref().map(|p| format!("{p}-n{id}"))
    }

    pub fn initial_cluster(&self) -> String {
        self.members
            .iter()
            .map(|m| format!("{}={}", m.id, m.peer))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().map(|m| m.api.clone()).collect()
    }

    /// The lowest id above every id this manifest has used, removed ones included.
    pub fn next_id(&self) -> u64 {
        let used = self
            .members
            .iter()
            .map(|m| m.id)
            .chain(self.removed.iter().copied());
        used.max().unwrap_or(0) + 1
    }
}
