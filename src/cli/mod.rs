//! The command line: clap definitions only. Parsing happens here; doing happens in `cmd`.

mod node;
mod wal;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::output::Format;

pub use node::{Endpoints, NodeArgs};
pub use wal::{DecodeArg, DumpArgs, RecordKind, SnapCommand, WalCommand};

/// raftctl — an etcd/raft-style cluster toolkit and WAL inspector.
///
/// Reads, verifies and repairs etcd-format write-ahead logs and snapshots, from raftctl's own
/// nodes and from real etcd data dirs, byte for byte.
///
/// Exit status: 0 success, 1 the operation failed or found a problem (a corrupt WAL, an
/// unreachable node), 2 usage error.
#[derive(Debug, Parser)]
#[command(
    name = "raftctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Args {
    /// Output format: aligned tables for people, JSON for scripts.
    #[arg(
        short = 'o',
        long = "output",
        visible_short_alias = 'w',
        visible_alias = "write-out",
        global = true,
        value_enum,
        default_value_t = Format::Table
    )]
    pub output: Format,

    #[command(flatten)]
    pub endpoints: Endpoints,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one cluster member in the foreground (what `cluster up` starts).
    Node(Box<NodeArgs>),
    /// Show every node's role, term, commit and applied index, and the leader's progress.
    Status,
    /// Write a key (the value from the argument, or from stdin when it is absent or `-`).
    Put { key: String, value: Option<String> },
    /// Print a key's raw value; exit 1 when it does not exist.
    Get {
        key: String,
        /// Answer from the node's local state instead of a linearizable read.
        #[arg(long)]
        serializable: bool,
    },
    /// Delete a key.
    Del { key: String },
    /// Read, check and repair etcd-format write-ahead logs.
    #[command(subcommand)]
    Wal(WalCommand),
    /// Read and check etcd-format .snap files.
    #[command(subcommand)]
    Snap(SnapCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write one page per command into a directory.
    Man {
        /// Write raftctl.1 and raftctl-<command>.1 here instead of printing raftctl.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}
