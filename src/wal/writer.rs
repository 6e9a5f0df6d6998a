//! Writes an etcd-compatible WAL: Create, Save (entries + HardState, one fsync per batch),
//! SaveSnapshot, segment cuts past 64,000,000 bytes with pre-allocation, and reopening an
//! existing WAL for appending after a restart (cutting a torn tail as etcd does).
//!
//! The directory is locked (flock) for as long as the writer lives, and the tail segment
//! carries etcd's OFD lock, so etcd's tools see a live WAL as in use.

use std::fs::{self, File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{IoContext, Result, WalError};
use super::format::{self, MAX_RECORD_BYTES, RecordType, SEGMENT_SIZE_BYTES};
use super::layout::Layout;
use super::lock;
use super::problem::Kind;
use super::scan::{Event, ScanOptions, Scanner, SegmentEnd};
use crate::disk::Disk;
use crate::proto::raftpb::{Entry, HardState};
use crate::proto::walpb::{self, WalSnapshot};
use crate::proto::wire;

#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Cut a new segment once the tail grows past this (etcd: 64,000,000).
    pub segment_size: u64,
    /// Where the bytes go and how they are made durable: the real disk, or the simulation's
    /// (`crate::disk`).
    pub disk: Arc<dyn Disk>,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            segment_size: SEGMENT_SIZE_BYTES,
            disk: crate::disk::real(),
        }
    }
}

/// Where an existing WAL ended when it was opened for appending.
#[derive(Debug, Clone, Default)]
pub struct TailState {
    pub last_index: Option<u64>,
    pub hard_state: HardState,
    pub metadata: Vec<u8>,
    /// The torn tail that was cut on open.
    pub repaired: Option<Repaired>,
}

/// A torn tail cut when a WAL was reopened.
#[derive(Debug, Clone)]
pub struct Repaired {
    pub segment: PathBuf,
    pub offset: u64,
    /// The whole segment as it was.
    pub copy: PathBuf,
    /// Records after the torn one that still checked out, and were cut with it.
    pub records_after: u64,
}

pub struct WalWriter {
    dir: PathBuf,
    _dir_lock: File,
    tail: File,
    tail_path: PathBuf,
    seq: u64,
    /// File offset where the next frame goes (after what is in `buf`).
    offset: u64,
    /// Frames encoded but not yet written.
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_at: u64,
    crc: u32,
    /// Last index saved (etcd's `enti`): names the next segment.
    enti: u64,
    metadata: Vec<u8>,
    /// The last HardState this process saved (repeated at the head of each new segment).
    last_hs: HardState,
    opts: WriterOptions,
    scratch: Vec<u8>,
}

impl WalWriter {
    /// Creates a new WAL in `dir` (which must not hold one), atomically: it is built in
    /// `<dir>.tmp` and renamed into place.
    pub fn create(dir: &Path, metadata: &[u8], opts: WriterOptions) -> Result<WalWriter> {
        if dir.exists() && fs::read_dir(dir).at(dir)?.next().is_some() {
            return Err(WalError::Exists {
                path: dir.to_path_buf(),
            });
        }
        let tmp = PathBuf::from(format!("{}.tmp", dir.display()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).at(&tmp)?;
        }
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&tmp)
            .at(&tmp)?;
        let name = format::segment_file_name(0, 0);
        let (file, _) = new_segment_file(&tmp.join(&name), opts.segment_size)?;
        let mut w = WalWriter {
            dir: dir.to_path_buf(),
            _dir_lock: File::open(&tmp).at(&tmp)?,
            tail: file,
            tail_path: tmp.join(&name),
            seq: 0,
            offset: 0,
            buf: Vec::new(),
            buf_at: 0,
            crc: 0,
            enti: 0,
            metadata: metadata.to_vec(),
            last_hs: HardState::default(),
            opts,
            scratch: Vec::new(),
        };
        w.push_record(RecordType::Crc, None)?;
        w.push_record(RecordType::Metadata, Some(metadata))?;
        let mut snap = Vec::new();
        WalSnapshot::default().encode(&mut snap);
        w.push_record(RecordType::Snapshot, Some(&snap))?;
        w.sync()?;
        if dir.exists() {
            fs::remove_dir(dir).at(dir)?;
        }
        fs::rename(&tmp, dir).at(dir)?;
        if let Some(parent) = dir.parent() {
            w.sync_dir(parent)?;
        }
        w.tail_path = dir.join(&name);
        w._dir_lock = lock_dir(dir)?;
        Ok(w)
    }

    /// Opens an existing WAL for appending. A torn tail of the last segment is cut first (its
    /// bytes kept in a `.broken` copy); anything else is refused, naming the file: a gap in the
    /// segment sequence, a `.wal` file etcd would skip, a segment that does not start with its
    /// header or holds another WAL's metadata, and a "torn tail" with no valid record before
    /// it (then the file is not a segment of this WAL at all, and cutting it would empty it).
    pub fn open(dir: &Path, opts: WriterOptions) -> Result<(WalWriter, TailState)> {
        let mut opening = Opening::start(dir)?;
        let mut scan = Scanner::new(opening.segments().to_vec(), Opening::SCAN);
        while let Some(ev) = scan.next() {
            opening.event(&ev?)?;
        }
        opening.finish(scan.running_crc(), opts)
    }

    /// The segment being appended to.
    pub fn tail_path(&self) -> &Path {
        &self.tail_path
    }

    /// Appends entries and then the HardState (unless it is empty), etcd's `Save`. Syncs when
    /// etcd would (entries, or a new term or vote); cuts a new segment when the tail is full.
    pub fn save(&mut self, hs: &HardState, entries: &[Entry<'_>]) -> Result<()> {
        if self.append(hs, entries)? {
            self.sync()
        } else {
            Ok(())
        }
    }

    /// [`WalWriter::save`] without its fsync: writes the records and says whether etcd would
    /// sync them now (entries, or a new term or vote). Whoever calls this owes that
    /// [`WalWriter::sync`] before telling anyone the records are durable.
    pub fn append(&mut self, hs: &HardState, entries: &[Entry<'_>]) -> Result<bool> {
        if hs.is_empty() && entries.is_empty() {
            return Ok(false);
        }
        let must_sync =
            !entries.is_empty() || hs.term != self.last_hs.term || hs.vote != self.last_hs.vote;
        for e in entries {
            self.scratch.clear();
            e.encode(&mut self.scratch);
            let data = std::mem::take(&mut self.scratch);
            let r = self.push_record(RecordType::Entry, Some(&data));
            self.scratch = data;
            r?;
            self.enti = e.index;
        }
        if !hs.is_empty() {
            let mut data = Vec::with_capacity(32);
            hs.encode(&mut data);
            self.push_record(RecordType::State, Some(&data))?;
            self.last_hs = *hs;
        }
        if self.offset >= self.opts.segment_size {
            // A cut syncs the old tail and the new segment's header.
            self.cut()?;
            return Ok(false);
        }
        self.flush()?;
        Ok(must_sync)
    }

    /// Deletes the segments a snapshot at `index` makes unnecessary: all before the last one
    /// whose name index is at or below it, which holds what a restart from that snapshot reads
    /// (etcd's ReleaseLockTo followed by purge).
    pub fn release_to(&mut self, index: u64) -> Result<()> {
        let layout = Layout::open(&self.dir)?;
        let Some(pos) = layout.segments.iter().rposition(|s| s.index <= index) else {
            return Ok(());
        };
        let mut removed = false;
        for s in &layout.segments[..pos] {
            if s.path != self.tail_path {
                fs::remove_file(&s.path).at(&s.path)?;
                removed = true;
            }
        }
        if removed {
            self.sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Writes a snapshot record and syncs (etcd's `SaveSnapshot`; it never cuts).
    pub fn save_snapshot(&mut self, snap: &WalSnapshot) -> Result<()> {
        let mut data = Vec::new();
        snap.encode(&mut data);
        self.push_record(RecordType::Snapshot, Some(&data))?;
        self.enti = self.enti.max(snap.index);
        self.sync()
    }

    /// Writes what is buffered and fdatasyncs the tail segment.
    pub fn sync(&mut self) -> Result<()> {
        self.flush()?;
        self.opts
            .disk
            .sync_data(&self.tail, &self.tail_path)
            .at(&self.tail_path)
    }

    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.opts.disk.sync_dir(dir).at(dir)
    }

    fn flush(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.opts
                .disk
                .write_at(&self.tail, &self.tail_path, &self.buf, self.buf_at)
                .at(&self.tail_path)?;
            self.buf_at += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    /// Frames one record into the buffer, chaining the CRC.
    fn push_record(&mut self, t: RecordType, data: Option<&[u8]>) -> Result<()> {
        let crc = match (t, data) {
            (RecordType::Crc, _) => self.crc,
            (_, Some(d)) => crc32c::crc32c_append(self.crc, d),
            (_, None) => self.crc,
        };
        let n = match data {
            Some(d) => walpb::record_len(t as i64, crc, d.len()),
            None => 2 + wire::varint_len(t as u64) + wire::varint_len(u64::from(crc)),
        } as u64;
        let (word, pad) = format::encode_length_word(n);
        if n + pad >= MAX_RECORD_BYTES {
            return Err(WalError::RecordTooLarge {
                size: n,
                limit: MAX_RECORD_BYTES - pad,
            });
        }
        self.buf.extend_from_slice(&word.to_le_bytes());
        wire::put_uint(&mut self.buf, 1, t as u64);
        wire::put_uint(&mut self.buf, 2, u64::from(crc));
        if let Some(d) = data {
            wire::put_bytes(&mut self.buf, 3, d);
        }
        self.buf.extend(std::iter::repeat_n(0u8, pad as usize));
        self.offset += 8 + n + pad;
        if t != RecordType::Crc {
            self.crc = crc;
        }
        if self.buf.len() >= 1 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    /// etcd's cut: end the tail exactly at its last record, start `seq+1` (named after the next
    /// index) with crc, metadata and the last HardState, and rename it into place.
    fn cut(&mut self) -> Result<()> {
        self.flush()?;
        self.tail.set_len(self.offset).at(&self.tail_path)?;
        self.opts
            .disk
            .sync_data(&self.tail, &self.tail_path)
            .at(&self.tail_path)?;
        let tmp = self.dir.join(format!("{}.tmp", (self.seq + 1) % 2));
        let (file, _) = new_segment_file(&tmp, self.opts.segment_size)?;
        self.tail = file;
        self.tail_path = tmp.clone();
        self.seq += 1;
        self.offset = 0;
        self.buf_at = 0;
        self.push_record(RecordType::Crc, None)?;
        let md = self.metadata.clone();
        self.push_record(RecordType::Metadata, Some(&md))?;
        if !self.last_hs.is_empty() {
            let mut data = Vec::new();
            self.last_hs.encode(&mut data);
            self.push_record(RecordType::State, Some(&data))?;
        }
        self.sync()?;
        let name = self
            .dir
            .join(format::segment_file_name(self.seq, self.enti + 1));
        fs::rename(&tmp, &name).at(&name)?;
        self.tail_path = name;
        self.sync_dir(&self.dir)?;
        Ok(())
    }
}

/// Creates (or truncates a stale) segment file, locks it and pre-allocates it.
fn new_segment_file(path: &Path, size: u64) -> Result<(File, ())> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .at(path)?;
    if !lock::try_lock(&f).at(path)? {
        return Err(WalError::Locked {
            path: path.to_path_buf(),
        });
    }
    // A multiple of 8, so that the zeros after the last record always hold a whole length
    // word: 1–7 bytes left at the end read as a torn one (etcd's 64,000,000 is one already).
    preallocate(&f, size.next_multiple_of(format::FRAME_ALIGN)).at(path)?;
    Ok((f, ()))
}

/// [`WalWriter::open`] in steps, for a reader that scans the whole WAL anyway (a restart,
/// `node::boot::recover`) and so need not scan it twice: `start` locks the directory and
/// checks the segment names, `event` takes each event of a [`Scanner`] over `segments()`
/// with [`Opening::SCAN`] (and refuses what `open` refuses), `finish` takes the scan's
/// running CRC, cuts a torn tail and opens the tail for appending.
pub struct Opening {
    dir: PathBuf,
    dir_lock: File,
    layout: Layout,
    state: TailState,
    /// Records seen in the segment being scanned, for the header check.
    seg_records: u64,
    seg_file: String,
    seg_is_first_of_wal: bool,
    end: u64,
    cut: Option<u64>,
    seg_count: usize,
}

impl Opening {
    /// How the scan that feeds [`Opening::event`] must read: the bytes after the last record
    /// are checked to be zero (what is not gets cut with the tail).
    pub const SCAN: ScanOptions = ScanOptions {
        check_trailing_zeros: true,
    };

    pub fn start(dir: &Path) -> Result<Opening> {
        let dir_lock = lock_dir(dir)?;
        let layout = Layout::open(dir)?;
        let mut names = Vec::new();
        super::verify::names_and_leftovers(&layout, &mut names);
        if let Some(p) = names.iter().find(|p| p.is_error()) {
            return Err(refuse(&p.file, p.message.clone()));
        }
        Ok(Opening {
            dir: dir.to_path_buf(),
            dir_lock,
            layout,
            state: TailState::default(),
            seg_records: 0,
            seg_file: String::new(),
            seg_is_first_of_wal: false,
            end: 0,
            cut: None,
            seg_count: 0,
        })
    }

    /// The segments to scan.
    pub fn segments(&self) -> &[super::layout::Segment] {
        &self.layout.segments
    }

    /// Takes the next event of the scan.
    pub fn event(&mut self, ev: &Event<'_>) -> Result<()> {
        let (layout, state) = (&self.layout, &mut self.state);
        match ev {
            Event::Record(r) => {
                self.end = r.offset + r.frame_len;
                let data = r.record.data();
                let rec_type = RecordType::from_i64(r.record.rec_type);
                self.seg_records += 1;
                let header: &[RecordType] = if self.seg_is_first_of_wal {
                    &[RecordType::Crc, RecordType::Metadata, RecordType::Snapshot]
                } else {
                    &[RecordType::Crc, RecordType::Metadata]
                };
                if let Some(want) = header.get(self.seg_records as usize - 1)
                    && rec_type != Some(*want)
                {
                    let msg = format!(
                        "record {} (offset {}) is not the {} record a segment \
                         starts with: the file is not a segment of this WAL",
                        self.seg_records,
                        r.offset,
                        want.json_name()
                    );
                    return Err(refuse(&self.seg_file, msg));
                }
                if rec_type == Some(RecordType::Metadata)
                    && !state.metadata.is_empty()
                    && data != state.metadata.as_slice()
                {
                    let msg = "its metadata (member and cluster id) differs from the first \
                               segment's: the file belongs to another WAL"
                        .to_string();
                    return Err(refuse(&self.seg_file, msg));
                }
                match rec_type {
                    Some(RecordType::Entry) => {
                        if let Ok(e) = Entry::decode(data) {
                            state.last_index = Some(e.index);
                        }
                    }
                    Some(RecordType::State) => {
                        if let Ok(hs) = HardState::decode(data) {
                            state.hard_state = hs;
                        }
                    }
                    Some(RecordType::Metadata) if state.metadata.is_empty() => {
                        state.metadata = data.to_vec();
                    }
                    Some(RecordType::Snapshot) => {
                        if let Ok(s) = WalSnapshot::decode(data) {
                            state.last_index = Some(state.last_index.unwrap_or(0).max(s.index));
                        }
                    }
                    _ => {}
                }
            }
            Event::Problem(p) => {
                let last = layout
                    .segments
                    .last()
                    .map(|s| s.display())
                    .unwrap_or_default();
                let tail =
                    p.file == last && matches!(p.kind, Kind::TornTail | Kind::GarbageAfterEnd);
                if tail && self.seg_records < 2 {
                    let msg = format!(
                        "no valid record before offset {}: not a torn tail (a crash leaves \
                         one after at least the segment's header) but a file that is not a \
                         segment of this WAL; move it away if it does not belong here",
                        p.offset.unwrap_or(0)
                    );
                    return Err(refuse(&p.file, msg));
                }
                if tail {
                    self.cut = p.offset;
                } else if p.is_error() {
                    return Err(WalError::Damaged {
                        path: self.dir.clone(),
                        message: format!("cannot open the WAL for writing: {p}"),
                    });
                }
            }
            Event::SegmentStart { seg } => {
                self.seg_count += 1;
                self.end = 0;
                self.seg_records = 0;
                self.seg_file = layout.segments[*seg].display();
                self.seg_is_first_of_wal = *seg == 0 && layout.segments[*seg].seq == 0;
            }
            Event::SegmentEnd {
                offset, end: how, ..
            } => {
                if *how != SegmentEnd::Stopped {
                    self.end = *offset;
                }
            }
        }
        Ok(())
    }

    /// After the scan's last event: `crc` is its running CRC.
    pub fn finish(self, crc: u32, opts: WriterOptions) -> Result<(WalWriter, TailState)> {
        let Opening {
            dir,
            dir_lock,
            layout,
            mut state,
            mut end,
            cut,
            seg_count,
            ..
        } = self;
        let last = layout
            .segments
            .last()
            .ok_or_else(|| WalError::NoSegments { path: dir.clone() })?;
        debug_assert_eq!(seg_count, layout.segments.len());
        // etcd's lock on the tail, taken before anything changes and held from the cut of a
        // torn tail to the last append (a moment without it would let another process in).
        let tail = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&last.path)
            .at(&last.path)?;
        if !lock::try_lock(&tail).at(&last.path)? {
            return Err(WalError::Locked {
                path: last.path.clone(),
            });
        }
        if let Some(at) = cut {
            let report = super::repair::repair_locked(&layout, &tail, false, true)?;
            let copy = report.broken_copy.map(PathBuf::from).unwrap_or_default();
            // Like etcd, a member cuts on start even when records after the torn one check out
            // (they may be the rest of the write the crash interrupted); it says how many.
            let records_after = report.problem.and_then(|p| p.records_after).unwrap_or(0);
            state.repaired = Some(Repaired {
                segment: last.path.clone(),
                offset: at,
                copy,
                records_after,
            });
            end = at;
        }
        // etcd's ZeroToEnd: whatever follows the last record reads as zeros again. Without a
        // cut the scan already found nothing but zeros there (`Opening::SCAN`; anything else
        // is a problem that sets the cut), so the file is left as it is: a truncate and a
        // fallocate would change no byte, only make the next fdatasync write metadata.
        if cut.is_some() {
            let old_len = tail.metadata().at(&last.path)?.len();
            tail.set_len(end).at(&last.path)?;
            preallocate(&tail, old_len.max(end)).at(&last.path)?;
        }
        let metadata = state.metadata.clone();
        let w = WalWriter {
            dir,
            _dir_lock: dir_lock,
            tail,
            tail_path: last.path.clone(),
            seq: last.seq,
            offset: end,
            buf: Vec::new(),
            buf_at: end,
            crc,
            enti: state.last_index.unwrap_or(0),
            metadata,
            last_hs: HardState::default(),
            opts,
            scratch: Vec::new(),
        };
        Ok((w, state))
    }
}

/// A refusal to open the WAL for appending, naming the file.
fn refuse(file: &str, message: String) -> WalError {
    WalError::Damaged {
        path: PathBuf::from(file),
        message: format!("cannot open the WAL for writing: {message}"),
    }
}

/// Extends the file to `size` with fallocate (mode 0), or ftruncate where unsupported.
fn preallocate(f: &File, size: u64) -> std::io::Result<()> {
    if size == 0 {
        return Ok(());
    }
    // SAFETY: a valid fd; fallocate only changes the file's allocation.
    let r = unsafe { libc::fallocate(f.as_raw_fd(), 0, 0, size as libc::off_t) };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EOPNOTSUPP) | Some(libc::EINTR) => {
            if f.metadata()?.len() < size {
                f.set_len(size)?;
            }
            Ok(())
        }
        _ => Err(e),
    }
}

/// An exclusive, non-blocking flock on the WAL directory: one writer per WAL.
fn lock_dir(dir: &Path) -> Result<File> {
    let f = File::open(dir).at(dir)?;
    // SAFETY: a valid fd.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            return Err(WalError::Locked {
                path: dir.to_path_buf(),
            });
        }
        return Err(WalError::Io {
            path: dir.to_path_buf(),
            error: e,
        });
    }
    Ok(f)
}

impl Drop for WalWriter {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}
