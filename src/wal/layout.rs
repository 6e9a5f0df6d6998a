//! Finds the WAL segments, `.snap` files and leftovers behind a PATH given by the user.

use std::fs;
use std::path::{Path, PathBuf};

use super::error::{IoContext, Result, WalError};
use super::format::{self, SegmentName};

/// One `.wal` file, by name order.
#[derive(Debug, Clone)]
pub struct Segment {
    pub path: PathBuf,
    pub name: String,
    pub seq: u64,
    pub index: u64,
    pub canonical: bool,
    pub size: u64,
}

impl Segment {
    /// The path as shown to the user.
    pub fn display(&self) -> String {
        self.path.display().to_string()
    }
}

/// A file that is not a segment but sits where segments do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeftoverKind {
    /// `N.tmp`: the next segment, pre-allocated (normal while etcd runs).
    Preallocated,
    /// `<segment>.wal.broken`: a repair happened.
    Broken,
    /// `<waldir>.tmp`: an interrupted Create.
    CreateTmp,
    /// A name ending in `.wal` that does not parse: etcd ignores the file and its records.
    BadSegmentName,
    /// Anything else.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct Leftover {
    pub path: PathBuf,
    pub kind: LeftoverKind,
}

/// What a PATH holds.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub wal_dir: Option<PathBuf>,
    pub snap_dir: Option<PathBuf>,
    /// Segments sorted by file name (etcd sorts the names as strings).
    pub segments: Vec<Segment>,
    pub leftovers: Vec<Leftover>,
    /// The user named one `.wal` file: directory-level checks do not apply.
    pub single_file: bool,
}

impl Layout {
    /// Resolves a data dir (`member/wal`), a member dir (`wal/`), a wal dir or one `.wal` file.
    pub fn open(path: &Path) -> Result<Layout> {
        let meta = fs::metadata(path).at(path)?;
        if meta.is_file() {
            return Self::single(path, meta.len());
        }
        for (wal, snap) in [("member/wal", "member/snap"), ("wal", "snap")] {
            let w = path.join(wal);
            if w.is_dir() {
                let s = path.join(snap);
                return Self::dir(w, s.is_dir().then_some(s));
            }
        }
        if has_wal_files(path)? {
            let snap = path.parent().map(|p| p.join("snap")).filter(|s| s.is_dir());
            return Self::dir(path.to_path_buf(), snap);
        }
        Err(WalError::NotAWal {
            path: path.to_path_buf(),
        })
    }

    fn single(path: &Path, size: u64) -> Result<Layout> {
        let name = file_name(path);
        let parsed = format::parse_segment_name(&name).unwrap_or(SegmentName {
            seq: 0,
            index: 0,
            canonical: false,
        });
        Ok(Layout {
            segments: vec![Segment {
                path: path.to_path_buf(),
                name,
                seq: parsed.seq,
                index: parsed.index,
                canonical: parsed.canonical,
                size,
            }],
            single_file: true,
            ..Layout::default()
        })
    }

    fn dir(wal_dir: PathBuf, snap_dir: Option<PathBuf>) -> Result<Layout> {
        let mut layout = Layout {
            snap_dir,
            ..Layout::default()
        };
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for de in fs::read_dir(&wal_dir).at(&wal_dir)? {
            let de = de.at(&wal_dir)?;
            names.push((de.file_name().to_string_lossy().into_owned(), de.path()));
        }
        names.sort();
        for (name, path) in names {
            if let Some(n) = format::parse_segment_name(&name) {
                let size = fs::metadata(&path).at(&path)?.len();
                layout.segments.push(Segment {
                    path,
                    name,
                    seq: n.seq,
                    index: n.index,
                    canonical: n.canonical,
                    size,
                });
                continue;
            }
            let kind = if name.ends_with(".tmp") {
                LeftoverKind::Preallocated
            } else if name.ends_with(".wal.broken") {
                LeftoverKind::Broken
            } else if name.ends_with(".wal") {
                LeftoverKind::BadSegmentName
            } else {
                LeftoverKind::Unknown
            };
            layout.leftovers.push(Leftover { path, kind });
        }
        let tmp = PathBuf::from(format!("{}.tmp", wal_dir.display()));
        if tmp.exists() {
            layout.leftovers.push(Leftover {
                path: tmp,
                kind: LeftoverKind::CreateTmp,
            });
        }
        if layout.segments.is_empty() {
            return Err(WalError::NoSegments { path: wal_dir });
        }
        layout.wal_dir = Some(wal_dir);
        Ok(layout)
    }

    /// The `.snap` files in the snap dir, sorted by name, with names that do not parse left out.
    pub fn snap_files(&self) -> Result<Vec<PathBuf>> {
        let Some(dir) = &self.snap_dir else {
            return Ok(Vec::new());
        };
        let mut v = Vec::new();
        for de in fs::read_dir(dir).at(dir)? {
            let p = de.at(dir)?.path();
            if p.extension().is_some_and(|e| e == "snap") {
                v.push(p);
            }
        }
        v.sort();
        Ok(v)
    }
}

pub(crate) fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn has_wal_files(dir: &Path) -> Result<bool> {
    for de in fs::read_dir(dir).at(dir)? {
        if de.at(dir)?.file_name().to_string_lossy().ends_with(".wal") {
            return Ok(true);
        }
    }
    Ok(false)
}
