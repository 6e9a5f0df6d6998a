//! Process-level tests: the real `raftctl` binary against real etcd data, damaged WALs made
//! here, etcd's own wal package (walorcl), the generated completions and man pages, and what
//! `top` and `bench` draw on a (pseudo-)terminal.

#![allow(clippy::unwrap_used)]

mod bench;
mod chaos;
mod client;
mod cluster;
mod commands;
mod conventions;
mod damage;
mod doctor;
mod doors;
mod etcd;
mod etcd_fixtures;
mod etcd_live;
mod everyday;
mod failpoints;
mod generated;
mod harness;
mod membership;
mod netns;
mod oracle;
mod props;
mod pty;
mod recover;
mod restart;
mod tls;
mod top;
mod util;
mod writes;
