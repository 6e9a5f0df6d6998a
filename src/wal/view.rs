//! The log as etcd's ReadAll sees it, streamed: records in order, with entries that a later
//! write overwrote, or that a snapshot sent by the leader replaced, dropped (or, in raw mode,
//! kept and marked).
//!
//! An entry can be overwritten only while it is above every commit index seen so far, so
//! entries are held back until a state record commits them (or the WAL ends). Held entries
//! are kept in memory up to a budget; past it, only their place in the file is kept and they
//! are read again when released, so memory stays flat whatever the WAL holds.

use std::collections::VecDeque;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use super::check::{Checker, Decoded, Loc, LogSummary, Pos};
use super::error::{IoContext, Result};
use super::format;
use super::layout::Segment;
use super::problem::{Kind, Problem};
use super::scan::{CrcCheck, Event, RawRecord, ScanOptions, Scanner};
use super::writer::Opening;
use crate::proto::raftpb::{Entry, HardState};
use crate::proto::walpb::{Record, WalSnapshot};

/// Bytes of entry data held in memory before held entries are spilled to their file offsets.
const HOLD_BUDGET: usize = 32 << 20;

#[derive(Debug, Clone, Copy, Default)]
pub struct ViewOptions {
    /// Every physical record (crc and state records, overwritten entries), with locations.
    pub raw: bool,
    /// Entries at or below this index are left out (reading from a snapshot).
    pub start_index: u64,
}

/// One thing the log holds, owned. `crc` is the stored CRC, `check` how it compared with
/// the running one (only a raw view hands out a record that fails it).
#[derive(Debug)]
pub enum Item {
    Metadata {
        loc: Loc,
        crc: u32,
        check: CrcCheck,
        data: Vec<u8>,
    },
    Entry {
        loc: Loc,
        crc: u32,
        check: CrcCheck,
        entry: Entry<'static>,
        superseded: bool,
    },
    HardState {
        loc: Loc,
        crc: u32,
        check: CrcCheck,
        hs: HardState,
    },
    Snapshot {
        loc: Loc,
        crc: u32,
        check: CrcCheck,
        /// Boxed: the rare record would otherwise make every item (each entry) twice as big.
        snap: Box<WalSnapshot>,
    },
    Crc {
        loc: Loc,
        crc: u32,
        check: CrcCheck,
    },
    Problem(Problem),
}

impl Item {
    /// Where the record is, its stored CRC and how that checked out (`None` for a problem).
    pub fn record(&self) -> Option<(&Loc, u32, CrcCheck)> {
        match self {
            Item::Metadata {
                loc, crc, check, ..
            }
            | Item::Entry {
                loc, crc, check, ..
            }
            | Item::HardState {
                loc, crc, check, ..
            }
            | Item::Snapshot {
                loc, crc, check, ..
            }
            | Item::Crc { loc, crc, check } => Some((loc, *crc, *check)),
            Item::Problem(_) => None,
        }
    }
}

enum Payload {
    Item(Item),
    /// An entry record that did not fit the budget: where to read it again.
    Spilled {
        seg: usize,
        loc: Loc,
        crc: u32,
        check: CrcCheck,
    },
}

struct Held {
    /// The entry index, for entries.
    index: Option<u64>,
    superseded: bool,
    bytes: usize,
    payload: Payload,
}

impl Queue {
    fn accept(
        &mut self,
        seg: usize,
        (loc, crc, check): (Loc, u32, CrcCheck),
        d: Decoded<'_>,
        before: Option<u64>,
    ) {
        let raw = self.opts.raw;
        let item = match d {
            Decoded::Entry(e) => {
                if before.is_some_and(|last| e.index <= last) {
                    // Live held entries are in index order: walk back from the newest until
                    // one is below the overwrite.
                    for h in self.held.iter_mut().rev() {
                        match h.index {
                            Some(i) if i >= e.index => h.superseded = true,
                            Some(_) if !h.superseded => break,
                            _ => {}
                        }
                    }
                }
                if !raw && e.index <= self.opts.start_index {
                    return;
                }
                let bytes = e.data().len() + 64;
                let index = Some(e.index);
                let payload = if self.held_bytes + bytes > HOLD_BUDGET {
                    Payload::Spilled {
                        seg,
                        loc,
                        crc,
                        check,
                    }
                } else {
                    self.held_bytes += bytes;
                    let entry = e.into_owned();
                    Payload::Item(Item::Entry {
                        loc,
                        crc,
                        check,
                        entry,
                        superseded: false,
                    })
                };
                self.held.push_back(Held {
                    index,
                    superseded: false,
                    bytes,
                    payload,
                });
                return;
            }
            Decoded::Metadata(data) => {
                if !raw && self.metadata_seen {
                    return;
                }
                self.metadata_seen = true;
                Item::Metadata {
                    loc,
                    crc,
                    check,
                    data: data.to_vec(),
                }
            }
            Decoded::State(hs) => {
                let item = Item::HardState {
                    loc,
                    crc,
                    check,
                    hs,
                };
                if !raw {
                    self.final_hs = Some(item);
                    return;
                }
                item
            }
            Decoded::Snapshot(snap) => Item::Snapshot {
                loc,
                crc,
                check,
                snap: Box::new(snap),
            },
            Decoded::Crc(_) if raw => Item::Crc { loc, crc, check },
            Decoded::Crc(_) | Decoded::Undecodable => return,
        };
        self.held.push_back(Held {
            index: None,
            superseded: false,
            bytes: 0,
            payload: Payload::Item(item),
        });
    }

    /// A snapshot record the log does not already hold (beyond its last entry, or of another
    /// term there) was sent by a leader: raft drops every entry above the commit index when
    /// it restores one (etcd raft `restore`, raft-rs `RaftLog::restore`), so the held
    /// entries above `commit` are not the log any more.
    fn replaced_by_snapshot(&mut self, commit: u64) {
        for h in self.held.iter_mut().rev() {
            match h.index {
                Some(i) if i > commit => h.superseded = true,
                Some(_) if !h.superseded => break,
                _ => {}
            }
        }
    }

    fn front_releasable(&self, watermark: u64) -> bool {
        self.held.front().is_some_and(|h| match h.index {
            None => true,
            Some(i) => h.superseded || i <= watermark,
        })
    }
}

/// Which problems make the log unreadable past them for etcd (and so for the view).
pub fn stops_reading(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::TornTail
            | Kind::TruncatedFrame
            | Kind::CorruptRecord
            | Kind::CrcMismatch
            | Kind::SegmentCrcMismatch
            | Kind::UnknownType
            | Kind::MetadataConflict
            | Kind::BadPayload
            | Kind::IndexGap
            | Kind::NotASegment
    )
}

/// Which problems mean the WAL did not read cleanly to its end.
pub fn is_read_failure(kind: Kind) -> bool {
    stops_reading(kind) || kind == Kind::OversizeRecord
}

/// Records waiting for their entries to be committed, and what is ready to hand out.
struct Queue {
    opts: ViewOptions,
    held: VecDeque<Held>,
    held_bytes: usize,
    out: VecDeque<Item>,
    final_hs: Option<Item>,
    metadata_seen: bool,
}

pub struct LogView {
    scanner: Scanner,
    checker: Checker,
    files: Vec<Arc<str>>,
    q: Queue,
    finished: bool,
    read_failed: bool,
    summary: Option<LogSummary>,
    /// A WAL being opened for appending, fed this view's scan (see [`LogView::reopening`]).
    opening: Option<Opening>,
    /// Whether the opening refused an event or the scan reported a problem: then the
    /// opening is not handed back.
    troubled: bool,
    /// The scanner ran to its end.
    drained: bool,
}

impl LogView {
    pub fn new(segments: Vec<Segment>, opts: ViewOptions) -> LogView {
        LogView::with_scan(segments, opts, ScanOptions::default(), None)
    }

    /// A view whose scan also opens the WAL for appending (a restart reads the WAL once, not
    /// once to open it and once to replay it): after the last item, [`LogView::into_opening`]
    /// hands the opening back with the scan's CRC, when nothing at all went wrong.
    pub fn reopening(opening: Opening, opts: ViewOptions) -> LogView {
        let segments = opening.segments().to_vec();
        LogView::with_scan(segments, opts, Opening::SCAN, Some(opening))
    }

    /// The opening this view was made with and the scan's running CRC, ready for
    /// [`Opening::finish`]: only once the WAL was read to its end with no problem the scanner
    /// reported and nothing the opening refused; otherwise `None`.
    pub fn into_opening(self) -> Option<(Opening, u32)> {
        let crc = self.scanner.running_crc();
        (self.drained && !self.troubled)
            .then_some(self.opening)
            .flatten()
            .map(|o| (o, crc))
    }

    fn with_scan(
        segments: Vec<Segment>,
        opts: ViewOptions,
        scan: ScanOptions,
        opening: Option<Opening>,
    ) -> LogView {
        let files = segments.iter().map(|s| Arc::from(s.display())).collect();
        LogView {
            scanner: Scanner::new(segments, scan),
            checker: Checker::new(),
            files,
            q: Queue {
                opts,
                held: VecDeque::new(),
                held_bytes: 0,
                out: VecDeque::new(),
                final_hs: None,
                metadata_seen: false,
            },
            finished: false,
            read_failed: false,
            summary: None,
            opening,
            troubled: false,
            drained: false,
        }
    }

    /// True when the log could not be read cleanly to its end.
    pub fn read_failed(&self) -> bool {
        self.read_failed
    }

    /// The replay's summary, once the view is exhausted.
    pub fn summary(&self) -> Option<&LogSummary> {
        self.summary.as_ref()
    }

    /// The next item, in log order. I/O errors end the view.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Item>> {
        loop {
            if let Some(item) = self.q.out.pop_front() {
                return Some(Ok(item));
            }
            if let Err(e) = self.release(false) {
                return Some(Err(e));
            }
            if !self.q.out.is_empty() {
                continue;
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.pump() {
                self.finished = true;
                return Some(Err(e));
            }
        }
    }

    /// Reads scanner events until something can be handed out or the WAL ends.
    fn pump(&mut self) -> Result<()> {
        loop {
            // Runs of clean records (all of a healthy WAL but the crc records) take the
            // scanner's fast path, the same records in the same order as `next` hands out.
            let (checker, q, files, opening) = (
                &mut self.checker,
                &mut self.q,
                &self.files,
                &mut self.opening,
            );
            let (mut taken, mut troubled) = (Taken::default(), false);
            self.scanner.next_clean(|c| {
                if taken.stop {
                    // Read past a problem that stops reading: never handed out.
                    return;
                }
                let r = c.raw();
                if let Some(o) = opening.as_mut() {
                    troubled |= o.event(&Event::Record(c.raw())).is_err();
                }
                let t = take_record(checker, q, files, &r);
                taken.stop |= t.stop;
                taken.read_failed |= t.read_failed;
            });
            self.troubled |= troubled;
            self.read_failed |= taken.read_failed;
            if taken.stop {
                return self.finish();
            }
            if !self.q.out.is_empty() || self.q.front_releasable(self.checker.max_commit()) {
                return Ok(());
            }
            let ev = match self.scanner.next() {
                None => {
                    self.drained = true;
                    return self.finish();
                }
                Some(ev) => ev?,
            };
            if let Some(o) = &mut self.opening {
                self.troubled |= o.event(&ev).is_err() || matches!(ev, Event::Problem(_));
            }
            match ev {
                Event::SegmentStart { seg } => {
                    let s = &self.scanner.segments()[seg];
                    let (seq, idx) = (s.seq, s.index);
                    self.checker
                        .segment_start(self.files[seg].clone(), seq, idx, seg == 0);
                }
                Event::SegmentEnd { .. } => {}
                Event::Problem(p) => {
                    let stop = !self.q.opts.raw && stops_reading(p.kind);
                    self.read_failed |= is_read_failure(p.kind);
                    self.q.out.push_back(Item::Problem(*p));
                    if stop {
                        return self.finish();
                    }
                    return Ok(());
                }
                Event::Record(r) => {
                    let stop = take_record(&mut self.checker, &mut self.q, &self.files, &r);
                    self.read_failed |= stop.read_failed;
                    if stop.stop {
                        return self.finish();
                    }
                    if !self.q.out.is_empty() || self.q.front_releasable(self.checker.max_commit())
                    {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Moves releasable held items to the output (all of them at the end of the WAL).
    fn release(&mut self, all: bool) -> Result<()> {
        let watermark = self.checker.max_commit();
        while all || self.q.front_releasable(watermark) {
            let Some(h) = self.q.held.pop_front() else {
                break;
            };
            self.q.held_bytes -= if matches!(h.payload, Payload::Item(_)) {
                h.bytes
            } else {
                0
            };
            if h.superseded && !self.q.opts.raw {
                continue;
            }
            let item = match h.payload {
                Payload::Item(Item::Entry {
                    loc,
                    crc,
                    check,
                    entry,
                    ..
                }) => Item::Entry {
                    loc,
                    crc,
                    check,
                    entry,
                    superseded: h.superseded,
                },
                Payload::Item(item) => item,
                Payload::Spilled {
                    seg,
                    loc,
                    crc,
                    check,
                } => {
                    let entry = self.reread(seg, &loc)?;
                    Item::Entry {
                        loc,
                        crc,
                        check,
                        entry,
                        superseded: h.superseded,
                    }
                }
            };
            self.q.out.push_back(item);
        }
        Ok(())
    }

    fn reread(&self, seg: usize, loc: &Loc) -> Result<Entry<'static>> {
        let path = &self.scanner.segments()[seg].path;
        let frame = read_frame_at(path, loc.offset)?;
        let changed = || super::error::WalError::Damaged {
            path: path.clone(),
            message: format!(
                "the record at offset {} changed while it was being read",
                loc.offset
            ),
        };
        let rec = Record::decode(&frame).map_err(|_| changed())?;
        let e = Entry::decode(rec.data()).map_err(|_| changed())?;
        Ok(e.into_owned())
    }

    fn finish(&mut self) -> Result<()> {
        self.release(true)?;
        if let Some(hs) = self.q.final_hs.take() {
            self.q.out.push_back(hs);
        }
        let last = self.files.last().map(|f| f.to_string()).unwrap_or_default();
        let summary = self.checker.finish(&last);
        // Problems from the final checks are the verifier's business; the view reports only
        // what stops reading.
        self.checker.take_problems();
        self.summary = Some(summary);
        self.finished = true;
        Ok(())
    }
}

/// What taking a record did to the view.
#[derive(Default)]
struct Taken {
    /// A problem that stops reading was found.
    stop: bool,
    read_failed: bool,
}

/// Checks a record and queues what it holds (and the problems it raised).
fn take_record(
    checker: &mut Checker,
    q: &mut Queue,
    files: &[Arc<str>],
    r: &RawRecord<'_>,
) -> Taken {
    let loc = Loc {
        file: files[r.seg].clone(),
        offset: r.offset,
    };
    let before = checker.last_index();
    let pos = Pos {
        file: &loc.file,
        offset: loc.offset,
    };
    let decoded = checker.record(pos, r.record.rec_type, r.record.data());
    if let Decoded::Snapshot(s) = &decoded
        && s.index > 0
        && let Some(last) = before
        && (s.index > last || checker.term_at(s.index) != Some(s.term))
    {
        q.replaced_by_snapshot(checker.max_commit());
    }
    let mut taken = Taken::default();
    for p in checker.take_problems() {
        taken.stop |= !q.opts.raw && stops_reading(p.kind);
        taken.read_failed |= is_read_failure(p.kind);
        q.out.push_back(Item::Problem(p));
    }
    q.accept(r.seg, (loc, r.record.crc, r.crc), decoded, before);
    taken
}

/// Reads the record bytes of the frame at `offset` (for re-reading spilled entries).
pub fn read_frame_at(path: &std::path::Path, offset: u64) -> Result<Vec<u8>> {
    let f = File::open(path).at(path)?;
    let mut w = [0u8; 8];
    f.read_exact_at(&mut w, offset).at(path)?;
    let (n, _) = format::decode_length_word(u64::from_le_bytes(w));
    let len = f.metadata().at(path)?.len();
    if n > len.saturating_sub(offset + 8) {
        return Err(super::error::WalError::Damaged {
            path: path.to_path_buf(),
            message: format!("the frame at offset {offset} no longer fits the file"),
        });
    }
    let mut body = vec![0u8; n as usize];
    f.read_exact_at(&mut body, offset + 8).at(path)?;
    Ok(body)
}
