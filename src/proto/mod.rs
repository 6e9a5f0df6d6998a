//! The protobuf messages raftctl reads and writes: etcd's `raftpb`, `walpb` and `snappb` (hand
//! encoded, byte-identical to etcd), and the decoders for what etcd and raftctl put in entries.
//! No I/O here.

pub mod raftpb;
pub mod walpb;
pub mod wire;

pub use wire::DecodeError;
pub mod batch;
pub mod command;
pub mod convert;
pub mod describe;
pub mod etcd;
pub mod etcdrpc;
