//! The node's HTTP+JSON API (server) and the client the CLI and the dashboard use.
//!
//! | method | path | body | answer |
//! |---|---|---|---|
//! | GET | /status | | the node's status object |
//! | GET | /kv/KEY[?serializable=true] | | the raw value (404 when missing) |
//! | PUT | /kv/KEY | the raw value | `{"index":n}` once committed and applied |
//! | DELETE | /kv/KEY | | `{"deleted":bool}` |
//! | POST | /kv/batch | a protobuf `PutBatch` (`proto::batch`): puts with their request ids | `{"results":[{"index":n}\|{"error":…}]}`, one per put, in order |
//! | POST | /members | `{"changes":[{"kind":"add_voter"\|"add_learner"\|"remove","id":n,"peer","api"}]}` | the membership after it |
//! | POST | /leader/transfer | `{"to":n\|null}` | `{"from","to"}` once it happened |
//! | GET, PUT | /faults | `{"partition":[ids],"drop_rate":f,"delay_ms":n}` | the faults in force |
//! | GET, PUT | /failpoints | `{"name":"raftctl::wal_save::after","action":"exit"\|"panic"\|"off"}` | `{name: action}` for every failpoint |
//!
//! Errors are `{"error":kind,…,"message"}` with a status that says whether to retry.

pub mod client;
pub mod conn;
pub mod server;
pub mod wire;
