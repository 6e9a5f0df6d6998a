//! `cluster.json`: what `cluster up` started, where, and with which pids. Written atomically
//! (temp file + rename) whenever membership or a process changes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ManifestError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a raftctl cluster manifest ({source})")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
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
            Err(source) => return Err(ManifestError::Io { path, source }),
        };
        serde_json::from_slice(&bytes).map_err(|source| ManifestError::Parse { path, source })
    }

    pub fn save(&self) -> Result<(), ManifestError> {
        let path = Self::path(&self.dir);
        let tmp = self.dir.join("cluster.json.tmp");
        let io = |source| ManifestError::Io {
            path: path.clone(),
            source,
        };
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|source| ManifestError::Parse {
            path: path.clone(),
            source,
        })?;
        bytes.push(b'\n');
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }

    pub fn member(&self, id: u64) -> Option<&MemberEntry> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn member_mut(&mut self, id: u64) -> Option<&mut MemberEntry> {
        self.members.iter_mut().find(|m| m.id == id)
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

    pub fn next_id(&self) -> u64 {
        self.members.iter().map(|m| m.id).max().unwrap_or(0) + 1
    }
}
