//! Errors of the WAL layer. Problems found *in* a WAL are data (`Problem`), not errors: an
//! error here means the WAL could not be opened, read or written at all.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum WalError {
    /// An I/O call failed on this path.
    /// The OS error is part of the message, not a separate cause, so that it prints once.
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: io::Error },
    /// The path is neither a data dir, a wal dir, nor a `.wal` file.
    #[error("{path}: no WAL here (expected a data dir with member/wal, a wal dir or a .wal file)")]
    NotAWal { path: PathBuf },
    /// A wal dir without any segment.
    #[error("{path}: no .wal segment in this directory")]
    NoSegments { path: PathBuf },
    /// Another process holds the WAL's lock.
    #[error("{path}: locked by another process (is a node running on this data dir?)")]
    Locked { path: PathBuf },
    /// Create was asked for a directory that already holds a WAL.
    #[error("{path}: a WAL already exists here")]
    Exists { path: PathBuf },
    /// The WAL cannot be opened for writing because it is damaged beyond a torn tail.
    #[error("{path}: {message}")]
    Damaged { path: PathBuf, message: String },
    /// A file given as a segment that is not one (its name, or nothing in it reads).
    #[error("{path}: not a WAL segment: {reason}")]
    NotASegment { path: PathBuf, reason: String },
    /// A record too large for etcd 3.4.10+/3.5 readers to read back.
    #[error("record of {size} bytes is larger than etcd can read back ({limit} bytes)")]
    RecordTooLarge { size: u64, limit: u64 },
}

pub type Result<T> = std::result::Result<T, WalError>;

/// Attaches a path to an `io::Error`.
pub(crate) trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|error| WalError::Io {
            path: path.into(),
            error,
        })
    }
}
