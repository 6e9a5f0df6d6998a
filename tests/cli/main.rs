//! Process-level tests: the real `raftctl` binary against real etcd data, damaged WALs made
//! here, etcd's own wal package (walorcl), and the generated completions and man pages.

#![allow(clippy::unwrap_used)]

mod client;
mod cluster;
mod commands;
mod damage;
mod etcd_fixtures;
mod generated;
mod harness;
mod membership;
mod oracle;
mod props;
mod restart;
mod util;
mod writes;
