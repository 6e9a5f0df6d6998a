//! etcd-compatible write-ahead log: segment names and framing, a streaming reader that keeps
//! etcd's CRC chain, the log as ReadAll sees it, the verifier, repair and the writer.
//! Pure file I/O: nothing here knows raft-rs, the network or the terminal.

pub mod check;
pub mod diff;
pub mod error;
pub mod format;
pub mod layout;
pub mod lock;
pub mod repair;
pub mod scan;
pub mod segment;
pub mod verify;
pub mod view;
pub mod writer;

pub use crate::problem;
pub use error::{Result, WalError};
pub use problem::{Kind, Problem, Severity};
