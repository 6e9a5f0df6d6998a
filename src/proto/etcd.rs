//! The parts of etcd's `etcdserverpb` that its entries carry (etcd 3.4 field numbers), for
//! showing what an etcd WAL entry does. Decode only.

#![allow(missing_docs)]

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct RequestHeader {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(string, tag = "2")]
    pub username: String,
    #[prost(uint64, tag = "3")]
    pub auth_revision: u64,
}

/// etcd's v2 `Request` (proto2; every field written).
#[derive(Clone, PartialEq, Message)]
pub struct Request {
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    #[prost(string, optional, tag = "2")]
    pub method: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub path: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub val: Option<String>,
    #[prost(bool, optional, tag = "5")]
    pub dir: Option<bool>,
    #[prost(string, optional, tag = "6")]
    pub prev_value: Option<String>,
    #[prost(uint64, optional, tag = "7")]
    pub prev_index: Option<u64>,
    #[prost(bool, optional, tag = "8")]
    pub prev_exist: Option<bool>,
    #[prost(int64, optional, tag = "9")]
    pub expiration: Option<i64>,
    #[prost(bool, optional, tag = "10")]
    pub wait: Option<bool>,
    #[prost(uint64, optional, tag = "11")]
    pub since: Option<u64>,
    #[prost(bool, optional, tag = "12")]
    pub recursive: Option<bool>,
    #[prost(bool, optional, tag = "13")]
    pub sorted: Option<bool>,
    #[prost(bool, optional, tag = "14")]
    pub quorum: Option<bool>,
    #[prost(int64, optional, tag = "15")]
    pub time: Option<i64>,
    #[prost(bool, optional, tag = "16")]
    pub stream: Option<bool>,
    #[prost(bool, optional, tag = "17")]
    pub refresh: Option<bool>,
}

#[derive(Clone, PartialEq, Message)]
pub struct RangeRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub range_end: Vec<u8>,
    #[prost(int64, tag = "3")]
    pub limit: i64,
    #[prost(int64, tag = "4")]
    pub revision: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct PutRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    /// `Bytes`: prost decodes a `Vec` through a `Bytes` and copies it again; this is the one
    /// copy, and `Vec::from` takes it over (a decoded dump of large values, scripts/bench-wal).
    #[prost(bytes = "bytes", tag = "2")]
    pub value: bytes::Bytes,
    #[prost(int64, tag = "3")]
    pub lease: i64,
    #[prost(bool, tag = "4")]
    pub prev_kv: bool,
    #[prost(bool, tag = "5")]
    pub ignore_value: bool,
    #[prost(bool, tag = "6")]
    pub ignore_lease: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct DeleteRangeRequest {
    #[prost(bytes = "vec", tag = "1")]
    pub key: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub range_end: Vec<u8>,
    #[prost(bool, tag = "3")]
    pub prev_kv: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Compare {
    #[prost(int32, tag = "1")]
    pub result: i32,
    #[prost(int32, tag = "2")]
    pub target: i32,
    #[prost(bytes = "vec", tag = "3")]
    pub key: Vec<u8>,
    #[prost(oneof = "CompareTarget", tags = "4, 5, 6, 7, 8")]
    pub target_union: Option<CompareTarget>,
    #[prost(bytes = "vec", tag = "64")]
    pub range_end: Vec<u8>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum CompareTarget {
    #[prost(int64, tag = "4")]
    Version(i64),
    #[prost(int64, tag = "5")]
    CreateRevision(i64),
    #[prost(int64, tag = "6")]
    ModRevision(i64),
    #[prost(bytes, tag = "7")]
    Value(Vec<u8>),
    #[prost(int64, tag = "8")]
    Lease(i64),
}

#[derive(Clone, PartialEq, Message)]
pub struct RequestOp {
    #[prost(oneof = "RequestOpKind", tags = "1, 2, 3, 4")]
    pub request: Option<RequestOpKind>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum RequestOpKind {
    #[prost(message, tag = "1")]
    Range(RangeRequest),
    #[prost(message, tag = "2")]
    Put(PutRequest),
    #[prost(message, tag = "3")]
    DeleteRange(DeleteRangeRequest),
    #[prost(message, tag = "4")]
    Txn(TxnRequest),
}

#[derive(Clone, PartialEq, Message)]
pub struct TxnRequest {
    #[prost(message, repeated, tag = "1")]
    pub compare: Vec<Compare>,
    #[prost(message, repeated, tag = "2")]
    pub success: Vec<RequestOp>,
    #[prost(message, repeated, tag = "3")]
    pub failure: Vec<RequestOp>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CompactionRequest {
    #[prost(int64, tag = "1")]
    pub revision: i64,
    #[prost(bool, tag = "2")]
    pub physical: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct LeaseGrantRequest {
    #[prost(int64, tag = "1")]
    pub ttl: i64,
    #[prost(int64, tag = "2")]
    pub id: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct LeaseRevokeRequest {
    #[prost(int64, tag = "1")]
    pub id: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct LeaseCheckpoint {
    #[prost(int64, tag = "1")]
    pub id: i64,
    #[prost(int64, tag = "2")]
    pub remaining_ttl: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct LeaseCheckpointRequest {
    #[prost(message, repeated, tag = "1")]
    pub checkpoints: Vec<LeaseCheckpoint>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AlarmRequest {
    #[prost(int32, tag = "1")]
    pub action: i32,
    #[prost(uint64, tag = "2")]
    pub member_id: u64,
    #[prost(int32, tag = "3")]
    pub alarm: i32,
}

/// Every auth request carries at most a few strings; one shape serves them all for display.
#[derive(Clone, PartialEq, Message)]
pub struct AuthRequest {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub second: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct AuthRoleGrantPermissionRequest {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, optional, tag = "2")]
    pub perm: Option<Permission>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Permission {
    #[prost(int32, tag = "1")]
    pub perm_type: i32,
    #[prost(bytes = "vec", tag = "2")]
    pub key: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub range_end: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct AuthRoleRevokePermissionRequest {
    #[prost(string, tag = "1")]
    pub role: String,
    #[prost(bytes = "vec", tag = "2")]
    pub key: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub range_end: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Empty {}

/// `etcdserverpb.InternalRaftRequest`: what etcd 3.x proposes for every v3 request.
#[derive(Clone, PartialEq, Message)]
pub struct InternalRaftRequest {
    #[prost(message, optional, tag = "100")]
    pub header: Option<RequestHeader>,
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(message, optional, tag = "2")]
    pub v2: Option<Request>,
    #[prost(message, optional, tag = "3")]
    pub range: Option<RangeRequest>,
    #[prost(message, optional, tag = "4")]
    pub put: Option<PutRequest>,
    #[prost(message, optional, tag = "5")]
    pub delete_range: Option<DeleteRangeRequest>,
    #[prost(message, optional, tag = "6")]
    pub txn: Option<TxnRequest>,
    #[prost(message, optional, tag = "7")]
    pub compaction: Option<CompactionRequest>,
    #[prost(message, optional, tag = "8")]
    pub lease_grant: Option<LeaseGrantRequest>,
    #[prost(message, optional, tag = "9")]
    pub lease_revoke: Option<LeaseRevokeRequest>,
    #[prost(message, optional, tag = "10")]
    pub alarm: Option<AlarmRequest>,
    #[prost(message, optional, tag = "11")]
    pub lease_checkpoint: Option<LeaseCheckpointRequest>,
    #[prost(message, optional, tag = "1000")]
    pub auth_enable: Option<Empty>,
    #[prost(message, optional, tag = "1011")]
    pub auth_disable: Option<Empty>,
    #[prost(message, optional, tag = "1012")]
    pub authenticate: Option<AuthRequest>,
    #[prost(message, optional, tag = "1100")]
    pub auth_user_add: Option<AuthRequest>,
    #[prost(message, optional, tag = "1101")]
    pub auth_user_delete: Option<AuthRequest>,
    #[prost(message, optional, tag = "1102")]
    pub auth_user_get: Option<AuthRequest>,
    #[prost(message, optional, tag = "1103")]
    pub auth_user_change_password: Option<AuthRequest>,
    #[prost(message, optional, tag = "1104")]
    pub auth_user_grant_role: Option<AuthRequest>,
    #[prost(message, optional, tag = "1105")]
    pub auth_user_revoke_role: Option<AuthRequest>,
    #[prost(message, optional, tag = "1106")]
    pub auth_user_list: Option<Empty>,
    #[prost(message, optional, tag = "1107")]
    pub auth_role_list: Option<Empty>,
    #[prost(message, optional, tag = "1200")]
    pub auth_role_add: Option<AuthRequest>,
    #[prost(message, optional, tag = "1201")]
    pub auth_role_delete: Option<AuthRequest>,
    #[prost(message, optional, tag = "1202")]
    pub auth_role_get: Option<AuthRequest>,
    #[prost(message, optional, tag = "1203")]
    pub auth_role_grant_permission: Option<AuthRoleGrantPermissionRequest>,
    #[prost(message, optional, tag = "1204")]
    pub auth_role_revoke_permission: Option<AuthRoleRevokePermissionRequest>,
}
