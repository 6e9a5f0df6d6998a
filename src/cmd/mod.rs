//! Runs a parsed command: the only module that combines the others, and the place where
//! errors get their context (the file, node or peer they concern).

mod generate;
mod kv;
mod node;
mod snap;
mod wal;

use std::io::Write;

use crate::cli::{Args, Command};

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing wrong.
    Ok,
    /// Done, and it found a problem (already reported in the output): exit 1.
    ProblemFound,
}

/// A mistake in how raftctl was called that clap cannot see (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn run(args: Args, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let format = args.output;
    let eps = &args.endpoints.endpoints;
    match args.command {
        Command::Node(a) => node::run(*a),
        Command::Status => kv::status(eps, format, out),
        Command::Put { key, value } => kv::put(eps, &key, value, format, out),
        Command::Get { key, serializable } => kv::get(eps, &key, serializable, format, out),
        Command::Del { key } => kv::del(eps, &key, format, out),
        Command::Wal(c) => wal::run(c, format, out),
        Command::Snap(c) => snap::run(c, format, out),
        Command::Completions { shell } => generate::completions(shell, out),
        Command::Man { dir } => generate::man(dir.as_deref(), out),
    }
}
