//! `raftctl wal …` and `raftctl snap …`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Debug, Subcommand)]
pub enum WalCommand {
    /// Print the log's entries (and with --raw every physical record).
    ///
    /// PATH is a data dir (member/wal + member/snap), a wal dir or one .wal file. By default
    /// every entry the WAL holds, from its first record, with entries that a later write
    /// overwrote left out, as etcd's ReadAll does. Exits 1 (after printing what it could) when
    /// the WAL does not read cleanly to its end.
    Dump(DumpArgs),
    /// Check every invariant of the WAL and its .snap files.
    ///
    /// Lists each problem with its file, offset, raft index, kind and severity. Exits 1 on any
    /// error (a torn tail is one); warnings alone keep exit 0.
    Verify {
        /// Data dir, wal dir or .wal file.
        path: PathBuf,
    },
    /// Cut a torn tail exactly where etcd would, keeping the removed bytes beside it.
    ///
    /// The last segment is copied whole to <segment>.broken before it is cut. Any other damage
    /// is refused, and nothing is changed.
    Repair {
        /// Data dir, wal dir or .wal file.
        path: PathBuf,
        /// Say what would be cut, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also cut when records after the torn one still check out (etcd would cut them).
        #[arg(long)]
        force: bool,
    },
    /// Compare two members' logs: where they diverge, or that one is a prefix of the other.
    ///
    /// Exits 1 only when they disagree on an entry both members committed.
    Diff {
        /// The first member's data dir, wal dir or .wal file.
        a: PathBuf,
        /// The second one.
        b: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Data dir, wal dir or .wal file.
    pub path: PathBuf,
    /// Every physical record with its file, offset and crc; overwritten entries are kept and
    /// marked, and reading goes on past a bad record where it can.
    #[arg(long)]
    pub raw: bool,
    /// Start after the newest readable .snap (as etcd-dump-logs does).
    #[arg(long)]
    pub from_snap: bool,
    /// Show entries from this index on.
    #[arg(long, value_name = "N")]
    pub from_index: Option<u64>,
    /// Show entries up to this index.
    #[arg(long, value_name = "N")]
    pub to_index: Option<u64>,
    /// Show only these kinds of record (comma-separated or repeated).
    #[arg(long = "type", value_enum, value_delimiter = ',', value_name = "TYPE")]
    pub types: Vec<RecordKind>,
    /// How to decode normal entries' data.
    #[arg(long, value_enum, default_value_t = DecodeArg::Auto)]
    pub decode: DecodeArg,
}

/// What `--type` can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordKind {
    /// Normal entries.
    #[value(name = "EntryNormal", alias = "normal")]
    EntryNormal,
    /// Single conf changes.
    #[value(name = "EntryConfChange", alias = "conf-change")]
    EntryConfChange,
    /// ConfChangeV2 entries (joint consensus).
    #[value(name = "EntryConfChangeV2", alias = "conf-change-v2")]
    EntryConfChangeV2,
    /// Snapshot records.
    #[value(name = "snapshot")]
    Snapshot,
    /// HardState records.
    #[value(name = "hard_state", alias = "state")]
    HardState,
    /// Metadata records.
    #[value(name = "metadata")]
    Metadata,
    /// CRC records (with --raw).
    #[value(name = "crc")]
    Crc,
}

/// `--decode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecodeArg {
    /// raftctl's commands when marked as such, else etcd's v3/v2 requests.
    Auto,
    /// raftctl's own commands only.
    Raftctl,
    /// etcd's InternalRaftRequest (v3) and Request (v2) only.
    Etcd,
    /// The data as hex.
    Hex,
    /// No decoding.
    None,
}

#[derive(Debug, Subcommand)]
pub enum SnapCommand {
    /// Show .snap files: term, index, membership, CRC and the data (etcd's v2 store as keys).
    Dump {
        /// A data dir, a snap dir or one .snap file.
        path: PathBuf,
    },
    /// Check .snap files: CRC, the name against the content, the payload.
    Verify {
        /// A data dir, a snap dir or one .snap file.
        path: PathBuf,
    },
}
