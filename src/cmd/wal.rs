//! `raftctl wal dump|verify|repair|diff`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::{Outcome, UsageError};
use crate::cli::{DecodeArg, DumpArgs, RecordKind, WalCommand};
use crate::output::dump::DumpWriter;
use crate::output::{self, Fit, Format};
use crate::proto::describe::Decoder;
use crate::proto::raftpb::EntryType;
use crate::wal::layout::{Layout, LeftoverKind, Segment};
use crate::wal::view::{Item, LogView, ViewOptions};
use crate::wal::{diff, repair};

pub fn run(c: WalCommand, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match c {
        WalCommand::Dump(a) => dump(a, format, out),
        WalCommand::Verify { path } => {
            let layout = open(&path)?;
            let report = crate::datadir::verify(&layout)
                .with_context(|| format!("verifying {}", path.display()))?;
            output::render_fit(&report, format, out, &Fit::detect(&path))?;
            Ok(if report.ok {
                Outcome::Ok
            } else {
                Outcome::ProblemFound
            })
        }
        WalCommand::Repair {
            path,
            dry_run,
            force,
        } => {
            let layout = open(&path)?;
            let report = repair::repair(&layout, dry_run, force)?;
            output::render_fit(&report, format, out, &Fit::detect(&path))?;
            Ok(Outcome::Ok)
        }
        WalCommand::Diff { a, b } => {
            let report = diff::diff(&a, &b)?;
            let fit = Fit {
                width: output::width(),
                base: None,
            };
            output::render_fit(&report, format, out, &fit)?;
            Ok(if report.problem_found() {
                Outcome::ProblemFound
            } else {
                Outcome::Ok
            })
        }
    }
}

fn open(path: &Path) -> anyhow::Result<Layout> {
    Ok(Layout::open(path)?)
}

fn dump(a: DumpArgs, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    if let (Some(f), Some(t)) = (a.from_index, a.to_index)
        && f > t
    {
        return Err(UsageError(format!("--from-index {f} is above --to-index {t}")).into());
    }
    if a.types.contains(&RecordKind::Crc) && !a.raw {
        // Only a raw dump lists crc records; without it the filter would silently show nothing.
        return Err(UsageError(
            "--type crc needs --raw (crc records are physical records, listed only by a raw dump)"
                .into(),
        )
        .into());
    }
    keep_freed_memory();
    let layout = open(&a.path)?;
    for l in &layout.leftovers {
        if l.kind == LeftoverKind::BadSegmentName {
            output::diagnostic(&format!(
                "{}: skipped: the name is not <seq>-<index>.wal, so etcd ignores this file and \
                 every record in it",
                l.path.display()
            ));
        }
    }
    let (segments, start_index) = if a.from_snap {
        from_snap(&layout)?
    } else {
        (layout.segments.clone(), 0)
    };
    let opts = ViewOptions {
        raw: a.raw,
        start_index,
    };
    let mut view = LogView::new(segments, opts);
    let decoder = match a.decode {
        DecodeArg::Auto => Decoder::Auto,
        DecodeArg::Raftctl => Decoder::Raftctl,
        DecodeArg::Etcd => Decoder::Etcd,
        DecodeArg::Hex => Decoder::Hex,
        DecodeArg::None => Decoder::None,
    };
    let mut w = DumpWriter::new(out, format, a.raw, decoder).fit(Fit::detect(&a.path));
    let filter = Filter {
        types: a.types,
        from: a.from_index,
        to: a.to_index,
    };
    while let Some(item) = view.next() {
        let item = item.with_context(|| format!("reading {}", a.path.display()))?;
        if let Item::Problem(p) = &item {
            output::diagnostic(&p.to_string());
            continue;
        }
        if filter.passes(&item) {
            w.item(&item)?;
        }
    }
    w.finish(view.summary())?;
    Ok(if view.read_failed() {
        Outcome::ProblemFound
    } else {
        Outcome::Ok
    })
}

/// Tells glibc's malloc to keep memory it is given back instead of returning it to the
/// kernel at once. Decoding an entry allocates and frees a few buffers the size of its value;
/// with glibc's defaults (a 128 KiB trim threshold, and buffers of 128 KiB and up mmapped
/// each time) every entry of 100 kB or more faulted fresh zeroed pages in again: ten times
/// the page faults of a dump without decoding, most of the decoded dump's system time
/// (scripts/bench-wal). The peak is unchanged (memory is only kept after it is freed).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets two of malloc's tunables; it touches no memory of ours.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

struct Filter {
    types: Vec<RecordKind>,
    from: Option<u64>,
    to: Option<u64>,
}

impl Filter {
    fn passes(&self, item: &Item) -> bool {
        let (kind, index) = match item {
            Item::Entry { entry, .. } => {
                let k = match entry.kind() {
                    Some(EntryType::EntryNormal) => Some(RecordKind::EntryNormal),
                    Some(EntryType::EntryConfChange) => Some(RecordKind::EntryConfChange),
                    Some(EntryType::EntryConfChangeV2) => Some(RecordKind::EntryConfChangeV2),
                    None => None,
                };
                (k, Some(entry.index))
            }
            Item::Snapshot { snap, .. } => (Some(RecordKind::Snapshot), Some(snap.index)),
            Item::HardState { .. } => (Some(RecordKind::HardState), None),
            Item::Metadata { .. } => (Some(RecordKind::Metadata), None),
            Item::Crc { .. } => (Some(RecordKind::Crc), None),
            Item::Problem(_) => (None, None),
        };
        if !self.types.is_empty() && !kind.is_some_and(|k| self.types.contains(&k)) {
            return false;
        }
        match index {
            Some(i) => self.from.is_none_or(|f| i >= f) && self.to.is_none_or(|t| i <= t),
            None => true,
        }
    }
}

/// The segments etcd would read when starting from the snapshot it would pick (the WAL's
/// snapshot records and commit decide, as `wal verify` says: one rule for both), and that
/// snapshot's index (etcd-wal-format.md §7.1).
fn from_snap(layout: &Layout) -> anyhow::Result<(Vec<Segment>, u64)> {
    let report = crate::datadir::verify(layout)?;
    let index = match report.opens_from {
        Some(f) if f.snap_file.is_some() => f.index,
        _ => return Ok((layout.segments.clone(), 0)),
    };
    let pos = layout
        .segments
        .iter()
        .rposition(|s| s.index <= index)
        .with_context(|| {
            format!(
                "{}: no segment starts at or below the snapshot's index {index}: etcd cannot open \
             this WAL from it",
                layout.wal_dir.as_deref().unwrap_or(Path::new("")).display()
            )
        })?;
    Ok((layout.segments[pos..].to_vec(), index))
}
