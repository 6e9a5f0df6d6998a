//! `raftctl node`: run one member in the foreground.

use std::path::PathBuf;

use clap::Args;

/// `raftctl node`: run one member in the foreground.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// This member's id (a positive integer, unique in the cluster).
    #[arg(long)]
    pub id: u64,
    /// Where the WAL and snapshots live (etcd's layout: DIR/member/wal, DIR/member/snap).
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Address to listen on for peers (not etcd's 2380, so that it does not collide with a
    /// local etcd). Without TLS the peer port trusts whoever reaches it: keep it on loopback
    /// or a private network (README, "What an open port allows").
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7380")]
    pub listen_peer: String,
    /// Address to serve the HTTP+JSON API on (not etcd's 2379).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7379")]
    pub listen_api: String,
    /// The cluster's members, `ID=HOST:PORT,…` (peer addresses); used only to bootstrap a
    /// fresh data dir, or to find the cluster with --join.
    #[arg(
        long,
        value_name = "ID=HOST:PORT,…",
        value_delimiter = ',',
        required = true
    )]
    pub initial_cluster: Vec<String>,
    /// Join an existing cluster (after `member add`) instead of starting a new one.
    #[arg(long)]
    pub join: bool,
    /// The cluster id to join (hex, as `raftctl status` shows it); needed with --join.
    #[arg(long, value_name = "HEX")]
    pub cluster_id: Option<String>,
    /// This member joins as a learner (informational: `member add --learner` decides).
    #[arg(long)]
    pub learner: bool,
    /// Write a snapshot every this many applied entries (etcd 3.4's default: 100,000).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub snapshot_count: u64,
    /// Ticks without a leader before an election.
    #[arg(long, value_name = "TICKS", default_value_t = 10)]
    pub election_tick: usize,
    /// Ticks between the leader's heartbeats.
    #[arg(long, value_name = "TICKS", default_value_t = 2)]
    pub heartbeat_tick: usize,
    /// Length of a tick in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub tick_ms: u64,
    /// Log level: error, warn, info, debug, trace (or a RUST_LOG-style filter).
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
    /// Accept fault injection (drop, delay, partition) through the API.
    #[arg(long)]
    pub allow_faults: bool,
    /// The largest value a client may write, in bytes (etcd's flag and default, 1.5 MiB; at
    /// most 15 MiB, as a write travels to peers in one frame of at most 16 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = crate::node::DEFAULT_MAX_REQUEST_BYTES)]
    pub max_request_bytes: u64,
    /// Entries kept in memory behind a snapshot for slow followers (etcd's 5000).
    #[arg(long, value_name = "N", default_value_t = 5_000, hide = true)]
    pub catch_up_entries: u64,
    #[command(flatten)]
    pub tls: NodeTlsArgs,
    /// WAL segment size in bytes (etcd's is 64,000,000; tests use less).
    #[arg(long, value_name = "BYTES", default_value_t = 64_000_000, hide = true)]
    pub segment_size: u64,
}

/// TLS on the member's two ports (etcd's flag names are taken as aliases).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "TLS")]
pub struct NodeTlsArgs {
    /// This member's peer certificate (PEM; etcd's --peer-cert-file). With --peer-key and
    /// --peer-ca the peer port speaks mutual TLS: peers must present a certificate signed by
    /// the CA, and are refused before any Raft message is read.
    #[arg(
        long,
        value_name = "FILE",
        alias = "peer-cert-file",
        requires_all = ["peer_key", "peer_ca"]
    )]
    pub peer_cert: Option<PathBuf>,
    /// The key of --peer-cert (PEM; etcd's --peer-key-file).
    #[arg(
        long,
        value_name = "FILE",
        alias = "peer-key-file",
        requires_all = ["peer_cert", "peer_ca"]
    )]
    pub peer_key: Option<PathBuf>,
    /// The CA that signs every member's peer certificate (PEM; etcd's
    /// --peer-trusted-ca-file).
    #[arg(
        long,
        value_name = "FILE",
        alias = "peer-trusted-ca-file",
        requires_all = ["peer_cert", "peer_key"]
    )]
    pub peer_ca: Option<PathBuf>,
    /// The API's certificate (PEM; etcd's --cert-file). With --api-key the API speaks HTTPS
    /// only; a plain-text client is told so.
    #[arg(long, value_name = "FILE", alias = "cert-file", requires = "api_key")]
    pub api_cert: Option<PathBuf>,
    /// The key of --api-cert (PEM; etcd's --key-file).
    #[arg(long, value_name = "FILE", alias = "key-file", requires = "api_cert")]
    pub api_key: Option<PathBuf>,
    /// Clients must present a certificate signed by this CA (PEM; etcd's --trusted-ca-file
    /// with --client-cert-auth).
    #[arg(
        long,
        value_name = "FILE",
        alias = "trusted-ca-file",
        requires = "api_cert"
    )]
    pub api_ca: Option<PathBuf>,
}

impl NodeTlsArgs {
    /// The peer port's files, if it speaks TLS.
    pub fn peer(&self) -> Option<crate::tls::TlsFiles> {
        files(&self.peer_cert, &self.peer_key, &self.peer_ca)
    }

    /// The API port's files, if it speaks TLS.
    pub fn api(&self) -> Option<crate::tls::TlsFiles> {
        files(&self.api_cert, &self.api_key, &self.api_ca)
    }
}

fn files(
    cert: &Option<PathBuf>,
    key: &Option<PathBuf>,
    ca: &Option<PathBuf>,
) -> Option<crate::tls::TlsFiles> {
    Some(crate::tls::TlsFiles {
        cert: cert.clone()?,
        key: key.clone()?,
        ca: ca.clone(),
    })
}
