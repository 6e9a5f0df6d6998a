//! The local cluster: a manifest (`<dir>/cluster.json`) of members started as detached
//! `raftctl node` processes on 127.0.0.1 (or each in a network namespace of its own, for
//! `chaos --netns`), and the means to start, stop and watch them.

pub mod manifest;
pub mod process;

pub use manifest::{Manifest, MemberEntry};
