//! raftctl: an etcd/raft-style cluster toolkit and WAL inspector.
//!
//! # Layout
//! - `checker`: linearizability of a key-value client history, per key (as Porcupine); no I/O.
//! - `proto`: etcd's on-disk protobuf messages, encoded byte-for-byte as etcd does.
//! - `wal`: etcd-format write-ahead log: reading, verifying, repairing, writing.

pub mod api;
pub mod bbolt;
pub mod checker;
pub mod cli;
pub mod cluster;
pub mod cmd;
pub mod datadir;
pub mod disk;
pub mod doctor;
pub mod etcd;
pub mod failpoint;
pub mod hash;
pub mod kv;
pub mod names;
pub mod node;
pub mod output;
pub mod problem;
pub mod proto;
pub mod recover;
pub mod sim;
pub mod snap;
pub mod storage;
pub mod tls;
pub mod top;
pub mod transport;
pub mod wal;
