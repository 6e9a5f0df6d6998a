//! `raftctl recover force-new-cluster DIR [--dry-run]`.

use std::io::Write;

use super::Outcome;
use crate::cli::RecoverCommand;
use crate::output::Format;

pub fn run(c: RecoverCommand, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match c {
        RecoverCommand::ForceNewCluster {
            dir,
            dry_run,
            keep_uncommitted,
        } => {
            if !dir.is_dir() {
                anyhow::bail!("{}: not a directory", dir.display());
            }
            // Every error names the dir or the file it is about.
            let mut report = crate::recover::force_new_cluster(&dir, dry_run, keep_uncommitted)?;
            report.dry_run = dry_run;
            crate::output::render(&report, format, out)?;
            Ok(Outcome::Ok)
        }
    }
}
