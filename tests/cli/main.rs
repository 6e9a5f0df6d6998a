//! Process-level tests: the real `raftctl` binary against real etcd data, damaged WALs made
//! here, etcd's own wal package (walorcl), and the generated completions and man pages.

#![allow(clippy::unwrap_used)]

mod cluster;
mod commands;
mod damage;
mod etcd_fixtures;
mod everyday;
mod generated;
mod harness;
mod oracle;
mod props;
mod util;
