//! Walks every frame of a run of segments, keeps etcd's running CRC-32C across them, and tells
//! apart a torn tail (what a crash leaves; etcd cuts it) from real corruption.
//!
//! The scanner decodes only `walpb.Record`; what the records mean is for its callers (the log
//! view, `verify`, `dump --raw`). It reports what it finds and keeps going where it safely can:
//! after a CRC mismatch it re-seeds from the stored CRC (as `etcd-dump-logs --raw`), after an
//! undecodable frame it skips the rest of that segment.

use std::collections::VecDeque;
use std::fs::File;
use std::ops::Range;
use std::sync::Arc;

use super::error::{IoContext, Result};
use super::format::{self, MAX_RECORD_BYTES, RecordType};
use super::layout::Segment;
use super::problem::{Kind, Problem};
use super::segment::{self, FrameRead, SegmentReader};
use crate::proto::raftpb::Entry;
use crate::proto::walpb::Record;

/// How a record's CRC checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrcCheck {
    Ok,
    /// A crc record with nothing before it to check against (the first one read).
    Unchecked,
    /// The stored CRC differs from the running one (`expected`).
    Mismatch {
        expected: u32,
    },
}

/// One physical record, borrowed from the scanner's buffer.
#[derive(Debug)]
pub struct RawRecord<'a> {
    /// Index into the scanned segments.
    pub seg: usize,
    /// File offset of the frame's length word.
    pub offset: u64,
    /// 8 + record bytes + padding.
    pub frame_len: u64,
    pub record: Record<'a>,
    pub crc: CrcCheck,
}

/// A record [`Scanner::next_clean`] hands out: one that raises no problem, whose CRC checked
/// out ([`CrcCheck::Ok`]) and that has no unknown fields.
#[derive(Debug, Clone, Copy)]
pub struct Clean<'a> {
    pub seg: usize,
    pub offset: u64,
    pub frame_len: u64,
    pub rec_type: i64,
    pub crc: u32,
    pub data: &'a [u8],
}

impl<'a> Clean<'a> {
    /// The same record as [`Scanner::next`] would have handed it out.
    pub fn raw(self) -> RawRecord<'a> {
        RawRecord {
            seg: self.seg,
            offset: self.offset,
            frame_len: self.frame_len,
            record: Record {
                rec_type: self.rec_type,
                crc: self.crc,
                data: Some(self.data),
                extra: std::borrow::Cow::Borrowed(&[]),
            },
            crc: CrcCheck::Ok,
        }
    }
}

/// How a segment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentEnd {
    /// A zero length word: the rest is pre-allocated space.
    ZeroWord,
    /// The end of the file, right after a whole frame.
    Eof,
    /// Reading stopped at a problem (reported just before).
    Stopped,
}

#[derive(Debug)]
pub enum Event<'a> {
    SegmentStart {
        seg: usize,
    },
    Record(RawRecord<'a>),
    Problem(Box<Problem>),
    /// `offset` is where the records end (the start of the zero word, the file end, or the bad
    /// frame).
    SegmentEnd {
        seg: usize,
        offset: u64,
        end: SegmentEnd,
    },
}

/// How far past a torn-looking record the scanner looks for records that still chain.
const PROBE_RECORDS: u64 = 64;

#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Check that everything after a zero length word is zero (costs a read of the rest).
    pub check_trailing_zeros: bool,
}

enum Phase {
    Open,
    Frames,
    Ended { offset: u64, end: SegmentEnd },
    Done,
}

/// A record waiting to be handed out after the problems it raised.
struct Ready {
    offset: u64,
    frame_len: u64,
    rec_type: i64,
    crc: u32,
    data: Option<Range<usize>>,
    extra: Vec<u8>,
    check: CrcCheck,
}

pub struct Scanner {
    segments: Vec<Segment>,
    /// Each segment's path as shown to the user, made once.
    names: Vec<Arc<str>>,
    cur: usize,
    reader: Option<SegmentReader>,
    phase: Phase,
    /// Running CRC-32C; starts at 0 whichever segment the scan starts in.
    crc: u32,
    queue: VecDeque<Problem>,
    ready: Option<Ready>,
    opts: ScanOptions,
    /// Records that decoded in the current segment so far: with none, what fails to read is
    /// not a damaged segment but something that never was one.
    seg_records: u64,
}

impl Scanner {
    pub fn new(segments: Vec<Segment>, opts: ScanOptions) -> Scanner {
        let phase = if segments.is_empty() {
            Phase::Done
        } else {
            Phase::Open
        };
        let names = segments.iter().map(|s| Arc::from(s.display())).collect();
        Scanner {
            segments,
            names,
            cur: 0,
            reader: None,
            phase,
            crc: 0,
            queue: VecDeque::new(),
            ready: None,
            opts,
            seg_records: 0,
        }
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The running CRC after the last record handed out.
    pub fn running_crc(&self) -> u32 {
        self.crc
    }

    fn is_last(&self) -> bool {
        self.cur + 1 == self.segments.len()
    }

    /// The current segment's path as shown to the user.
    pub fn file(&self) -> Arc<str> {
        self.names[self.cur].clone()
    }

    fn report(&mut self, p: Problem) {
        self.queue.push_back(p);
    }

    /// The fast path: hands `f` every consecutive record already whole in the read buffer that
    /// needs no report — canonical frame and padding, a data record of a known type that
    /// decodes and passes its CRC — and returns how many. Anything else (and every read) is
    /// left to [`Scanner::next`], which says the same about those records.
    pub fn next_clean(&mut self, mut f: impl FnMut(Clean<'_>)) -> usize {
        if !matches!(self.phase, Phase::Frames) || !self.queue.is_empty() || self.ready.is_some() {
            return 0;
        }
        let Some(reader) = self.reader.as_mut() else {
            return 0;
        };
        let mut n = 0;
        while let Some((offset, word, body, padding)) = reader.buffered_frame() {
            let (len, pad) = (body.len() as u64, padding.len() as u64);
            if !format::length_word_is_canonical(word)
                || padding.iter().any(|&b| b != 0)
                || len + pad >= MAX_RECORD_BYTES
            {
                break;
            }
            let Ok(rec) = Record::decode(body) else { break };
            if rec.rec_type == RecordType::Crc as i64
                || RecordType::from_i64(rec.rec_type).is_none()
                || !rec.extra.is_empty()
            {
                break;
            }
            let running = crc32c::crc32c_append(self.crc, rec.data());
            if running != rec.crc {
                break;
            }
            self.crc = running;
            f(Clean {
                seg: self.cur,
                offset,
                frame_len: 8 + len + pad,
                rec_type: rec.rec_type,
                crc: rec.crc,
                data: rec.data(),
            });
            reader.consume(8 + (len + pad) as usize);
            n += 1;
            self.seg_records += 1;
        }
        n
    }

    /// The next event, or `None` after the last segment. I/O errors end the scan.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<Event<'_>>> {
        loop {
            if let Some(p) = self.queue.pop_front() {
                return Some(Ok(Event::Problem(Box::new(p))));
            }
            if let Some(r) = self.ready.take() {
                let reader = self.reader.as_ref()?;
                self.seg_records += 1;
                let data = r.data.map(|d| reader.bytes(d));
                let record = Record {
                    rec_type: r.rec_type,
                    crc: r.crc,
                    data,
                    extra: std::borrow::Cow::Owned(r.extra),
                };
                return Some(Ok(Event::Record(RawRecord {
                    seg: self.cur,
                    offset: r.offset,
                    frame_len: r.frame_len,
                    record,
                    crc: r.check,
                })));
            }
            match self.phase {
                Phase::Done => return None,
                Phase::Open => {
                    let seg = &self.segments[self.cur];
                    let file = match File::open(&seg.path).at(&seg.path) {
                        Ok(f) => f,
                        Err(e) => {
                            self.phase = Phase::Done;
                            return Some(Err(e));
                        }
                    };
                    let len = match file.metadata().at(&seg.path) {
                        Ok(m) => m.len(),
                        Err(e) => return Some(Err(e)),
                    };
                    self.reader = Some(SegmentReader::new(file, len));
                    self.seg_records = 0;
                    self.phase = Phase::Frames;
                    return Some(Ok(Event::SegmentStart { seg: self.cur }));
                }
                Phase::Ended { offset, end } => {
                    let seg = self.cur;
                    self.cur += 1;
                    self.phase = if self.cur < self.segments.len() {
                        Phase::Open
                    } else {
                        Phase::Done
                    };
                    return Some(Ok(Event::SegmentEnd { seg, offset, end }));
                }
                Phase::Frames => {
                    if let Err(e) = self.step() {
                        self.phase = Phase::Done;
                        return Some(Err(e));
                    }
                }
            }
        }
    }

    /// Reads one frame and turns it into queued problems and/or a ready record, or ends the
    /// segment.
    fn step(&mut self) -> Result<()> {
        let path = &self.segments[self.cur].path;
        let Some(reader) = self.reader.as_mut() else {
            return Ok(());
        };
        let read = reader.next_frame().at(path)?;
        match read {
            FrameRead::End { offset, zero_word } => {
                let mut end = SegmentEnd::Eof;
                if zero_word {
                    end = SegmentEnd::ZeroWord;
                    if self.opts.check_trailing_zeros
                        && let Some(at) = reader.first_nonzero_after().at(path)?
                    {
                        let msg = format!(
                            "the records end at offset {offset} (a zero length word) but the \
                                 bytes after it are not all zero (first non-zero byte at offset \
                                 {at}): records there are invisible to etcd, which zeroes them \
                                 on its next start"
                        );
                        let p = if self.seg_records == 0 {
                            let what = format!(
                                "it starts with a zero length word, but a non-zero byte follows \
                                 at offset {at}"
                            );
                            self.not_a_segment(&what, offset)
                        } else {
                            Problem::error(Kind::GarbageAfterEnd, self.file(), msg).at(offset)
                        };
                        self.report(p);
                    }
                }
                self.phase = Phase::Ended { offset, end };
            }
            FrameRead::Truncated {
                offset,
                word,
                available,
            } => {
                let p = self.truncated(offset, word, available);
                self.report(p);
                self.phase = Phase::Ended {
                    offset,
                    end: SegmentEnd::Stopped,
                };
            }
            FrameRead::TooLarge { offset, len } => {
                let msg = format!(
                    "a frame announces a record of {len} bytes, more than raftctl reads \
                     ({} bytes); the rest of this segment is not read",
                    segment::MAX_FRAME_READ
                );
                let p = Problem::error(Kind::OversizeRecord, self.file(), msg).at(offset);
                self.report(p);
                self.phase = Phase::Ended {
                    offset,
                    end: SegmentEnd::Stopped,
                };
            }
            FrameRead::Frame {
                offset,
                word,
                body,
                padding,
            } => {
                self.frame(offset, word, body, padding);
            }
        }
        Ok(())
    }

    /// What fails to read before any record of the segment did: the file is not a segment
    /// (etcd writes a crc record and the metadata into a new segment before it gets its
    /// name), so it is not a torn tail either, and nothing may cut it.
    fn not_a_segment(&self, what: &str, offset: u64) -> Problem {
        let msg = format!(
            "not a WAL segment: {what}, and nothing before it reads as a WAL record (a segment \
             starts with a crc record and the metadata); `raftctl wal repair` will not touch it"
        );
        Problem::error(Kind::NotASegment, self.file(), msg).at(offset)
    }

    fn truncated(&self, offset: u64, word: Option<u64>, available: u64) -> Problem {
        let what = match word {
            None => format!("the file ends inside a length word ({available} of 8 bytes)"),
            Some(w) => {
                let (n, pad) = format::decode_length_word(w);
                let odd = if format::length_word_is_canonical(w) && n < format::SEGMENT_SIZE_BYTES {
                    ""
                } else {
                    " (the length word itself looks damaged)"
                };
                format!(
                    "a frame announces {n}+{pad} bytes but only {available} remain in the file{odd}"
                )
            }
        };
        if self.seg_records == 0 {
            self.not_a_segment(&what, offset)
        } else if self.is_last() {
            let msg = format!(
                "torn tail: {what}; this is what a crash mid-write leaves, and `raftctl wal \
                 repair` (or etcd on its next start) cuts it here"
            );
            Problem::error(Kind::TornTail, self.file(), msg).at(offset)
        } else {
            let msg = format!(
                "{what}, in a segment that is not the last: etcd stops reading here and \
                 silently ignores every later segment"
            );
            Problem::error(Kind::TruncatedFrame, self.file(), msg).at(offset)
        }
    }

    /// A failing record in the last segment that holds a zeroed sector is what etcd calls a
    /// torn write. It is one only if nothing valid follows it: records that still chain after
    /// it mean damage in the middle of the log, which etcd would cut away with them.
    fn torn_tail(&self, what: &str, stored_crc: Option<u32>, offset: u64) -> Problem {
        let follow = self.valid_records_after(stored_crc);
        let file = &self.names[self.cur];
        let msg = if follow == 0 {
            format!(
                "torn tail: {what} and holds a zeroed 512-byte sector, with nothing valid after \
                 it, as a crash mid-write leaves; `raftctl wal repair` (or etcd on its next \
                 start) cuts it here"
            )
        } else {
            format!(
                "torn tail: {what} and holds a zeroed 512-byte sector, but {follow}{} record(s) \
                 after it still check out — the rest of the write a crash interrupted, or \
                 records behind later damage; etcd would cut them too, and `raftctl wal repair \
                 --force` does",
                if follow >= PROBE_RECORDS { "+" } else { "" }
            )
        };
        let mut p = Problem::error(Kind::TornTail, file, msg).at(offset);
        p.records_after = Some(follow);
        p
    }

    /// How many records after the current frame decode and keep the CRC chain going from
    /// `seed` (or from the first one's stored CRC), looking at most `PROBE_RECORDS` ahead
    /// through a separate handle, so the scan itself does not move.
    fn valid_records_after(&self, seed: Option<u32>) -> u64 {
        let Some(reader) = self.reader.as_ref() else {
            return 0;
        };
        let Ok(mut probe) = reader.probe() else {
            return 0;
        };
        let mut crc = seed;
        let mut n = 0;
        while n < PROBE_RECORDS {
            let Ok(FrameRead::Frame { body, .. }) = probe.next_frame() else {
                break;
            };
            let Ok(rec) = Record::decode(probe.bytes(body)) else {
                break;
            };
            if RecordType::from_i64(rec.rec_type).is_none() {
                break;
            }
            if rec.rec_type != RecordType::Crc as i64 {
                match crc {
                    Some(c) => {
                        let r = crc32c::crc32c_append(c, rec.data());
                        if r != rec.crc {
                            break;
                        }
                        crc = Some(r);
                    }
                    None => {
                        crc = Some(rec.crc);
                        continue;
                    }
                }
            }
            n += 1;
        }
        n
    }

    fn frame(&mut self, offset: u64, word: u64, body: Range<usize>, padding: Range<usize>) {
        let file = &self.names[self.cur];
        let last = self.is_last();
        let Some(reader) = self.reader.as_ref() else {
            return;
        };
        let frame_len = 8 + (body.len() + padding.len()) as u64;
        let body_bytes = reader.bytes(body.clone());
        let pad_bytes = reader.bytes(padding.clone());
        let mut problems = Vec::new();
        if !format::length_word_is_canonical(word) {
            let msg = format!(
                "length word {word:#018x} is not one etcd writes (record {} bytes, padding {}; \
                 etcd reads it anyway)",
                body.len(),
                padding.len()
            );
            problems.push(Problem::warning(Kind::BadFrame, file, msg).at(offset));
        }
        if !offset.is_multiple_of(format::FRAME_ALIGN) {
            let msg = "frame does not start at an 8-byte boundary".to_string();
            problems.push(Problem::warning(Kind::BadFrame, file, msg).at(offset));
        }
        if pad_bytes.iter().any(|&b| b != 0) {
            let msg = "padding bytes after the record are not zero (etcd ignores them)".into();
            problems.push(Problem::warning(Kind::BadPadding, file, msg).at(offset));
        }
        if body.len() as u64 + padding.len() as u64 >= MAX_RECORD_BYTES {
            let msg = format!(
                "record of {} bytes: etcd 3.4.10+ and 3.5.0–3.5.4 refuse records of 10 MiB \
                 and more (\"wal: max entry size limit exceeded\")",
                body.len()
            );
            problems.push(Problem::error(Kind::OversizeRecord, file, msg).at(offset));
        }
        let torn = || {
            let whole = body.start..padding.end;
            last && segment::has_zero_sector(offset + 8, reader.bytes(whole))
        };
        let rec = match Record::decode(body_bytes) {
            Ok(r) => r,
            Err(e) => {
                let p = if self.seg_records == 0 {
                    self.not_a_segment(&format!("the first frame does not decode ({e})"), offset)
                } else if torn() {
                    let what = format!("the record does not decode ({e})");
                    self.torn_tail(&what, None, offset)
                } else {
                    let msg = format!(
                        "record does not decode ({e}); the rest of this segment cannot be read"
                    );
                    Problem::error(Kind::CorruptRecord, &self.names[self.cur], msg).at(offset)
                };
                problems.push(p);
                for p in problems {
                    self.report(p);
                }
                self.phase = Phase::Ended {
                    offset,
                    end: SegmentEnd::Stopped,
                };
                return;
            }
        };
        let data_range = rec.data.map(|d| {
            let start = d.as_ptr() as usize - body_bytes.as_ptr() as usize + body.start;
            start..start + d.len()
        });
        let mut check = CrcCheck::Ok;
        let mut stop = false;
        if rec.rec_type == RecordType::Crc as i64 {
            if rec.data.is_some() {
                let msg = "crc record carries data (etcd writes none)".to_string();
                problems.push(Problem::warning(Kind::BadPayload, file, msg).at(offset));
            }
            if self.crc == 0 {
                check = CrcCheck::Unchecked;
            } else if rec.crc != self.crc {
                check = CrcCheck::Mismatch { expected: self.crc };
                let msg = format!(
                    "crc record holds {:#010x} but the records before it end with running CRC \
                     {:#010x} (\"wal: crc mismatch\"): a segment is missing or damaged before this one",
                    rec.crc, self.crc
                );
                problems.push(Problem::error(Kind::SegmentCrcMismatch, file, msg).at(offset));
            }
            self.crc = rec.crc;
        } else {
            let running = crc32c::crc32c_append(self.crc, rec.data());
            if rec.crc != running {
                check = CrcCheck::Mismatch { expected: running };
                let index = (rec.rec_type == RecordType::Entry as i64)
                    .then(|| Entry::decode(rec.data()).ok().map(|e| e.index))
                    .flatten();
                let at = index.map(|i| format!(" (entry {i})")).unwrap_or_default();
                let p = if torn() {
                    stop = true;
                    let what = format!("the record{at} fails its CRC");
                    self.torn_tail(&what, Some(rec.crc), offset)
                } else {
                    let msg = format!(
                        "record{at} fails its CRC: stored {:#010x}, computed {running:#010x} \
                         (\"walpb: crc mismatch\"): the data was changed after it was written",
                        rec.crc
                    );
                    Problem::error(Kind::CrcMismatch, &self.names[self.cur], msg).at(offset)
                };
                problems.push(p.index(index));
                // A torn record is cut: the chain ends before it. Otherwise re-seed from the
                // stored value so that the records after it are still checked.
                if !stop {
                    self.crc = rec.crc;
                }
            } else {
                self.crc = running;
            }
            if RecordType::from_i64(rec.rec_type).is_none() {
                let msg = format!(
                    "unknown record type {} (\"unexpected block type\")",
                    rec.rec_type
                );
                problems.push(Problem::error(Kind::UnknownType, file, msg).at(offset));
            }
        }
        let ready = Ready {
            offset,
            frame_len,
            rec_type: rec.rec_type,
            crc: rec.crc,
            data: data_range,
            extra: rec.extra.into_owned(),
            check,
        };
        for p in problems {
            self.report(p);
        }
        if stop {
            self.phase = Phase::Ended {
                offset,
                end: SegmentEnd::Stopped,
            };
        } else {
            self.ready = Some(ready);
        }
    }
}
