//! raftctl's own replicated commands and KV snapshot, as prost messages.
//!
//! Entry data starts with [`COMMAND_PREFIX`], snapshot data with [`SNAPSHOT_MAGIC`]. Both begin
//! with 0x07 (field 0, wire type 7), which no protobuf message can start with, so neither can
//! be mistaken for etcd's InternalRaftRequest or v2 Request.

/// Marks an entry's data as a raftctl [`Command`] (format version 1).
pub const COMMAND_PREFIX: &[u8] = b"\x07rc\x01";

/// Marks a snapshot's data as a raftctl KV snapshot (format version 1).
pub const SNAPSHOT_MAGIC: &[u8] = b"\x07rcsnap\x01";

/// One replicated write. `request_id` (chosen by the client; 0 = none) makes a retried write
/// apply once. `proposer` and `proposal` say which member proposed this entry and which of its
/// proposals it is: that member answers the request waiting for exactly this entry, never by
/// `request_id`, which two requests may share (etcd does the same with its server-made request
/// ids: server/etcdserver/server.go, `w.Trigger(id, …)`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Command {
    #[prost(uint64, tag = "1")]
    pub request_id: u64,
    #[prost(oneof = "Op", tags = "2, 3, 6, 7")]
    pub op: Option<Op>,
    #[prost(uint64, tag = "4")]
    pub proposer: u64,
    #[prost(uint64, tag = "5")]
    pub proposal: u64,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Op {
    #[prost(message, tag = "2")]
    Put(Put),
    #[prost(message, tag = "3")]
    Delete(Delete),
    /// A member says where it listens (etcd's member attributes publish,
    /// server/etcdserver/server.go `publish`): the members of a new cluster know only each
    /// other's peer addresses until each one publishes its API address.
    #[prost(message, tag = "6")]
    Publish(Publish),
    /// Deletes every key in `[start, end)` (`end` empty: to the last key), as etcd's
    /// DeleteRange.
    #[prost(message, tag = "7")]
    DeleteRange(DeleteRange),
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct DeleteRange {
    #[prost(bytes = "vec", tag = "1")]
    pub start: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub end: Vec<u8>,
}

/// The first key after every key that starts with `prefix` (etcd's GetPrefixRangeEnd):
/// empty when there is none (a prefix of 0xff bytes, or the empty prefix), meaning "to the end".
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    Vec::new()
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Publish {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub peer: String,
    #[prost(string, tag = "3")]
    pub api: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Put {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub value: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Delete {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
}

impl Command {
    /// Entry data for this command: the prefix, then the message.
    pub fn to_entry_data(&self) -> Vec<u8> {
        let mut v = COMMAND_PREFIX.to_vec();
        prost::Message::encode(self, &mut v).unwrap_or_default();
        v
    }

    /// Decodes entry data written by [`Command::to_entry_data`]; `None` if it is not one.
    pub fn from_entry_data(data: &[u8]) -> Option<Result<Command, prost::DecodeError>> {
        let body = data.strip_prefix(COMMAND_PREFIX)?;
        Some(<Command as prost::Message>::decode(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let c = Command {
            request_id: 7,
            op: Some(Op::Put(Put {
                key: b"k".to_vec(),
                value: b"v".to_vec(),
            })),
            proposer: 3,
            proposal: 0x1234_5678_9abc,
        };
        let d = c.to_entry_data();
        assert_eq!(Command::from_entry_data(&d).unwrap().unwrap(), c);
        assert!(Command::from_entry_data(b"\x08\x01").is_none());
    }

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"a/"), b"a0".to_vec());
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert_eq!(prefix_end(b"\xff\xff"), Vec::<u8>::new());
        assert_eq!(prefix_end(b""), Vec::<u8>::new());
    }
}
