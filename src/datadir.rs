//! A member's data dir as a whole: its WAL and its `.snap` files together. `wal` and `snap`
//! do not import each other; what needs both — verifying a WAL against its snapshots, and
//! picking the snapshot a member starts from — joins them here.

use std::path::Path;

use crate::snap::{self, SnapReport};
use crate::wal::layout::Layout;
use crate::wal::verify::{self, SnapFacts, VerifyReport};
use crate::wal::{Result, WalError};

/// What the WAL's checks need of a `.snap` report.
pub fn snap_facts(r: &SnapReport) -> SnapFacts {
    SnapFacts {
        file: r.file.clone(),
        term: r.term,
        index: r.index,
        conf_state: r.conf_state.clone(),
        ok: r.ok(),
        problems: r.problems.clone(),
    }
}

/// Reads every `.snap` beside the WAL (none when the user named one segment).
pub fn read_snaps(layout: &Layout) -> Result<Vec<SnapReport>> {
    if layout.single_file {
        return Ok(Vec::new());
    }
    let mut reports = Vec::new();
    for path in layout.snap_files()? {
        let r = snap::inspect(&path).map_err(|e| WalError::Damaged {
            path: path.clone(),
            message: e.to_string(),
        })?;
        reports.push(r);
    }
    Ok(reports)
}

/// `wal verify`: the WAL, and its `.snap` files against it.
pub fn verify(layout: &Layout) -> Result<VerifyReport> {
    let snaps = read_snaps(layout)?;
    verify::verify(layout, snaps.iter().map(snap_facts).collect())
}

/// The `.snap` a member starts from, given the WAL's snapshot records ((index, term) pairs)
/// and, for etcd's rule, its commit index (see [`verify::start_snapshot`]). Files are read
/// newest first and only until one qualifies: each holds a whole state.
pub fn start_snapshot(
    snap_dir: &Path,
    records: &[(u64, u64)],
    commit: Option<u64>,
) -> std::result::Result<Option<SnapReport>, snap::SnapError> {
    if !snap_dir.is_dir() {
        return Ok(None);
    }
    for f in snap::list(snap_dir)?.iter().rev() {
        let r = snap::inspect(f)?;
        if verify::start_snapshot(&[snap_facts(&r)], records, commit).is_some() {
            return Ok(Some(r));
        }
        tracing::warn!(
            "{}: not usable (unreadable, or no WAL record matches it)",
            f.display()
        );
    }
    Ok(None)
}
