//! `wal repair`: cut a torn tail exactly where etcd would, keeping every removed byte in a
//! `.broken` copy beside the segment; refuse anything else and change nothing.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::{IoContext, Result, WalError};
use super::format;
use super::layout::Layout;
use super::lock;
use super::problem::{Kind, Problem};
use super::scan::{Event, ScanOptions, Scanner};

/// What a repair did.
#[derive(Debug, Clone, Serialize)]
pub struct RepairReport {
    /// The segment that was cut (or would be, with `dry_run`).
    pub file: String,
    /// True when there was nothing to cut.
    pub clean: bool,
    pub dry_run: bool,
    /// The offset the segment was cut at: the end of its last good record.
    pub cut_at: Option<u64>,
    pub old_size: u64,
    pub removed_bytes: u64,
    /// The full copy of the segment taken before cutting.
    pub broken_copy: Option<String>,
    /// The problem that was repaired.
    pub problem: Option<Problem>,
}

/// Looks at the whole WAL, and cuts the last segment if (and only if) its only damage is a
/// torn tail — a partly written last record, or records hidden behind a zeroed length word.
/// When records after a torn-looking one still check out, it cuts them (as etcd would) only
/// with `force`.
pub fn repair(layout: &Layout, dry_run: bool, force: bool) -> Result<RepairReport> {
    let path = last_segment(layout)?;
    // Hold etcd's lock while we look and cut, so no member appends meanwhile.
    let handle = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .at(&path)?;
    if !lock::try_lock(&handle).at(&path)? {
        return Err(WalError::Locked { path });
    }
    repair_locked(layout, &handle, dry_run, force)
}

/// The last segment, if it is one etcd would read.
fn last_segment(layout: &Layout) -> Result<PathBuf> {
    let last = layout.segments.last().ok_or_else(|| WalError::NoSegments {
        path: layout.wal_dir.clone().unwrap_or_default(),
    })?;
    let path = last.path.clone();
    // etcd reads only files named <seq>-<index>.wal; anything else is not a segment to cut.
    if layout.single_file && format::parse_segment_name(&last.name).is_none() {
        return Err(WalError::NotASegment {
            path,
            reason: "the name is not <seq>-<index>.wal (etcd reads no other file); nothing \
                     was changed"
                .into(),
        });
    }
    Ok(path)
}

/// [`repair`] with the last segment open as `handle`, whose OFD lock the caller holds (the
/// WAL writer keeps it for appending: one lock from the look to the last write, with no
/// moment between in which another process could take it).
pub fn repair_locked(
    layout: &Layout,
    handle: &File,
    dry_run: bool,
    force: bool,
) -> Result<RepairReport> {
    let path = last_segment(layout)?;
    let file = layout
        .segments
        .last()
        .map(|s| s.display())
        .unwrap_or_default();
    let mut scanner = Scanner::new(
        layout.segments.clone(),
        ScanOptions {
            check_trailing_zeros: true,
        },
    );
    let mut problems = Vec::new();
    while let Some(ev) = scanner.next() {
        if let Event::Problem(p) = ev? {
            problems.push(*p);
        }
    }
    let errors: Vec<&Problem> = problems.iter().filter(|p| p.is_error()).collect();
    let old_size = handle.metadata().at(&path)?.len();
    let mut report = RepairReport {
        file: file.clone(),
        clean: errors.is_empty(),
        dry_run,
        cut_at: None,
        old_size,
        removed_bytes: 0,
        broken_copy: None,
        problem: None,
    };
    if errors.is_empty() {
        return Ok(report);
    }
    let tail = errors.iter().find(|p| is_cuttable(p, &file));
    let other = errors.iter().find(|p| !is_cuttable(p, &file));
    if let Some(p) = other {
        let message = format!(
            "refusing to repair: {p}; only a torn tail in the last segment can be cut, and \
             nothing was changed"
        );
        return Err(WalError::Damaged { path, message });
    }
    let Some(p) = tail else { return Ok(report) };
    if p.records_after.is_some_and(|n| n > 0) && !force {
        let message = format!("refusing to repair without --force: {p}; nothing was changed");
        return Err(WalError::Damaged { path, message });
    }
    let cut_at = p.offset.unwrap_or(old_size);
    if cut_at == 0 {
        // A torn tail follows at least a valid header: cutting here would empty the file.
        return Err(WalError::NotASegment {
            path,
            reason: format!("no record in it reads ({p}); nothing was changed"),
        });
    }
    report.cut_at = Some(cut_at);
    report.removed_bytes = old_size - cut_at;
    report.problem = Some((*p).clone());
    if dry_run {
        return Ok(report);
    }
    let copy = broken_name(&path);
    copy_synced(&path, &copy)?;
    handle.set_len(cut_at).at(&path)?;
    handle.sync_all().at(&path)?;
    if let Some(dir) = path.parent() {
        File::open(dir).and_then(|d| d.sync_all()).at(dir)?;
    }
    report.broken_copy = Some(copy.display().to_string());
    Ok(report)
}

fn is_cuttable(p: &Problem, last_file: &str) -> bool {
    p.file == last_file && matches!(p.kind, Kind::TornTail | Kind::GarbageAfterEnd)
}

/// `<segment>.broken`, or `<segment>.broken.N` when an earlier repair's copy is there: an
/// earlier copy is never overwritten (etcd's Repair would).
fn broken_name(path: &Path) -> PathBuf {
    let base = format!("{}.broken", path.display());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

fn copy_synced(from: &Path, to: &Path) -> Result<()> {
    let mut src = File::open(from).at(from)?;
    let mut dst = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .at(to)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = src.read(&mut buf).at(from)?;
        if n == 0 {
            break;
        }
        dst.write_all(&buf[..n]).at(to)?;
    }
    dst.sync_all().at(to)?;
    drop(dst);
    Ok(())
}
