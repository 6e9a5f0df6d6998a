//! The few messages of etcd's gRPC API (`etcdserverpb`) that `--etcd` speaks: Maintenance.Status
//! and MoveLeader, Cluster.MemberList/Add/Remove/Promote. Hand-written prost structs with the
//! field numbers of etcd 3.4's `etcdserver/etcdserverpb/rpc.proto` (release-3.4), so no protoc
//! and no build script are needed; fields a server does not send decode as 0/empty.
//!
//! Not in 3.4 and so absent here: StatusResponse's `dbSizeQuota` (3.6) and
//! MemberListRequest's `linearizable` (3.5); a 3.5+ server's extra fields are skipped.

#![allow(missing_docs)]

#[derive(Clone, PartialEq, prost::Message)]
pub struct ResponseHeader {
    #[prost(uint64, tag = "1")]
    pub cluster_id: u64,
    #[prost(uint64, tag = "2")]
    pub member_id: u64,
    #[prost(int64, tag = "3")]
    pub revision: i64,
    #[prost(uint64, tag = "4")]
    pub raft_term: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StatusRequest {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StatusResponse {
    #[prost(message, optional, tag = "1")]
    pub header: Option<ResponseHeader>,
    #[prost(string, tag = "2")]
    pub version: String,
    #[prost(int64, tag = "3")]
    pub db_size: i64,
    #[prost(uint64, tag = "4")]
    pub leader: u64,
    /// The member's commit index (etcd calls it raftIndex).
    #[prost(uint64, tag = "5")]
    pub raft_index: u64,
    #[prost(uint64, tag = "6")]
    pub raft_term: u64,
    #[prost(uint64, tag = "7")]
    pub raft_applied_index: u64,
    #[prost(string, repeated, tag = "8")]
    pub errors: Vec<String>,
    #[prost(int64, tag = "9")]
    pub db_size_in_use: i64,
    #[prost(bool, tag = "10")]
    pub is_learner: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Member {
    /// 0 in etcd's answers never; an unstarted member has an empty `name`.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub name: String,
    #[prost(string, repeated, tag = "3")]
    pub peer_urls: Vec<String>,
    #[prost(string, repeated, tag = "4")]
    pub client_urls: Vec<String>,
    #[prost(bool, tag = "5")]
    pub is_learner: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberListRequest {}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberListResponse {
    #[prost(message, optional, tag = "1")]
    pub header: Option<ResponseHeader>,
    #[prost(message, repeated, tag = "2")]
    pub members: Vec<Member>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberAddRequest {
    #[prost(string, repeated, tag = "1")]
    pub peer_urls: Vec<String>,
    #[prost(bool, tag = "2")]
    pub is_learner: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberAddResponse {
    #[prost(message, optional, tag = "1")]
    pub header: Option<ResponseHeader>,
    #[prost(message, optional, tag = "2")]
    pub member: Option<Member>,
    #[prost(message, repeated, tag = "3")]
    pub members: Vec<Member>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberRemoveRequest {
    #[prost(uint64, tag = "1")]
    pub id: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberRemoveResponse {
    #[prost(message, optional, tag = "1")]
    pub header: Option<ResponseHeader>,
    #[prost(message, repeated, tag = "2")]
    pub members: Vec<Member>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberPromoteRequest {
    #[prost(uint64, tag = "1")]
    pub id: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MemberPromoteResponse {
    #[prost(message, optional, tag = "1")]
    pub header: Option<ResponseHeader>,
    #[prost(message, repeated, tag = "2")]
    pub members: Vec<Member>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MoveLeaderRequest {
    #[prost(uint64, tag = "1")]
    pub target_id: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MoveLeaderResponse {
    #[prost(message, optional, tag = "1")]
    pub header: Option<ResponseHeader>,
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    /// Bytes as etcd 3.4's gogo-protobuf writes a StatusResponse (field by field, by hand from
    /// rpc.proto's numbers), decoded into the right fields.
    #[test]
    fn status_response_fields_have_etcd_3_4_numbers() {
        let mut b = Vec::new();
        // header {cluster_id: 7, member_id: 0x8e9e05c52164694d, revision: 3, raft_term: 2}
        let h = ResponseHeader {
            cluster_id: 7,
            member_id: 0x8e9e_05c5_2164_694d,
            revision: 3,
            raft_term: 2,
        }
        .encode_to_vec();
        b.push(0x0a);
        b.push(h.len() as u8);
        b.extend(&h);
        b.extend([0x12, 6]);
        b.extend(b"3.4.23");
        b.extend([0x18, 0x80, 0x80, 0x01]); // dbSize 16384
        b.extend([0x20, 9]); // leader
        b.extend([0x28, 11]); // raftIndex
        b.extend([0x30, 2]); // raftTerm
        b.extend([0x38, 10]); // raftAppliedIndex
        b.extend([0x42, 2]);
        b.extend(b"e1"); // errors
        b.extend([0x48, 5]); // dbSizeInUse
        b.extend([0x50, 1]); // isLearner
        let s = StatusResponse::decode(b.as_slice()).unwrap();
        let hd = s.header.unwrap();
        assert_eq!(hd.member_id, 0x8e9e_05c5_2164_694d);
        assert_eq!((hd.cluster_id, hd.revision, hd.raft_term), (7, 3, 2));
        assert_eq!(s.version, "3.4.23");
        assert_eq!(s.db_size, 16384);
        assert_eq!((s.leader, s.raft_index, s.raft_term), (9, 11, 2));
        assert_eq!(s.raft_applied_index, 10);
        assert_eq!(s.errors, vec!["e1".to_string()]);
        assert_eq!((s.db_size_in_use, s.is_learner), (5, true));
    }

    #[test]
    fn member_fields_have_etcd_3_4_numbers() {
        let m = Member {
            id: 1,
            name: "a".into(),
            peer_urls: vec!["p".into()],
            client_urls: vec!["c".into()],
            is_learner: true,
        };
        let b = m.encode_to_vec();
        assert_eq!(
            b,
            [
                0x08, 1, 0x12, 1, b'a', 0x1a, 1, b'p', 0x22, 1, b'c', 0x28, 1
            ]
        );
        let r = MemberRemoveRequest { id: 5 }.encode_to_vec();
        assert_eq!(r, [0x08, 5]);
        let a = MemberAddRequest {
            peer_urls: vec!["p".into()],
            is_learner: true,
        }
        .encode_to_vec();
        assert_eq!(a, [0x0a, 1, b'p', 0x10, 1]);
        assert_eq!(
            MoveLeaderRequest { target_id: 3 }.encode_to_vec(),
            [0x08, 3]
        );
    }
}
