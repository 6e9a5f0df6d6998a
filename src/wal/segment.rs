//! Reads the frames of one segment file front to back through a fixed-size buffer, so memory
//! stays bounded by the largest record, never by the file.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;

use super::format::{self, SECTOR};

const CHUNK: usize = 4 << 20;

/// The largest frame the reader holds in memory. etcd 3.4.10+ refuses records of 10 MiB and
/// more already; this bound only keeps a crafted file from asking for unbounded memory.
pub const MAX_FRAME_READ: u64 = 1 << 30;

/// What the next read found.
#[derive(Debug)]
pub enum FrameRead {
    /// A whole frame. `body` is the encoded `walpb.Record`, `padding` what follows it; both are
    /// ranges for [`SegmentReader::bytes`], valid until the next read.
    Frame {
        offset: u64,
        word: u64,
        body: Range<usize>,
        padding: Range<usize>,
    },
    /// The segment has no more records: a zero length word or the end of the file.
    End { offset: u64, zero_word: bool },
    /// A frame larger than [`MAX_FRAME_READ`]: not read (a crafted sparse file could claim
    /// terabytes).
    TooLarge { offset: u64, len: u64 },
    /// The file ends inside a length word or inside the frame it announces.
    Truncated {
        offset: u64,
        word: Option<u64>,
        available: u64,
    },
}

/// A forward-only frame reader over one segment. It reads with `pread`, so several readers
/// can share one file.
pub struct SegmentReader {
    file: File,
    len: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    base: u64,
    /// Valid bytes are `buf[lo..hi]`.
    lo: usize,
    hi: usize,
}

impl SegmentReader {
    pub fn new(file: File, len: u64) -> Self {
        SegmentReader {
            file,
            len,
            buf: Vec::new(),
            base: 0,
            lo: 0,
            hi: 0,
        }
    }

    /// A second reader over the same file from the current offset, for looking ahead.
    pub fn probe(&self) -> io::Result<SegmentReader> {
        let file = self.file.try_clone()?;
        let mut r = SegmentReader::new(file, self.len);
        r.base = self.offset();
        Ok(r)
    }

    /// File offset of the next unread byte.
    pub fn offset(&self) -> u64 {
        self.base + self.lo as u64
    }

    /// Makes `n` bytes available at `buf[lo..]` unless the file ends first; returns how many are.
    fn fill(&mut self, n: usize) -> io::Result<usize> {
        if self.hi - self.lo >= n {
            return Ok(n);
        }
        if self.lo > 0 {
            self.buf.copy_within(self.lo..self.hi, 0);
            self.base += self.lo as u64;
            self.hi -= self.lo;
            self.lo = 0;
        }
        let want = n.max(CHUNK);
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        while self.hi < n {
            let room = (self.len - self.base).saturating_sub(self.hi as u64);
            if room == 0 {
                break;
            }
            let end = self
                .buf
                .len()
                .min(self.hi + room.min(usize::MAX as u64) as usize);
            match self
                .file
                .read_at(&mut self.buf[self.hi..end], self.base + self.hi as u64)
            {
                Ok(0) => break,
                Ok(k) => self.hi += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.hi - self.lo)
    }

    /// The next frame if it is already whole in the buffer (no read, no refill): its offset,
    /// length word, record bytes and padding. For the scanner's fast path.
    #[inline]
    pub fn buffered_frame(&self) -> Option<(u64, u64, &[u8], &[u8])> {
        let avail = &self.buf[self.lo..self.hi];
        let w = u64::from_le_bytes(avail.get(..8)?.try_into().ok()?);
        let (n, pad) = format::decode_length_word(w);
        let total = 8usize.checked_add(n as usize)?.checked_add(pad as usize)?;
        if w == 0 || total > avail.len() {
            return None;
        }
        Some((
            self.offset(),
            w,
            &avail[8..8 + n as usize],
            &avail[8 + n as usize..total],
        ))
    }

    /// Moves past a frame returned by [`SegmentReader::buffered_frame`].
    #[inline]
    pub fn consume(&mut self, total: usize) {
        self.lo += total;
    }

    /// Reads the next frame. Never allocates more than the file has left to read.
    pub fn next_frame(&mut self) -> io::Result<FrameRead> {
        let offset = self.offset();
        let have = self.fill(8)?;
        if have == 0 {
            return Ok(FrameRead::End {
                offset,
                zero_word: false,
            });
        }
        if have < 8 {
            return Ok(FrameRead::Truncated {
                offset,
                word: None,
                available: have as u64,
            });
        }
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.buf[self.lo..self.lo + 8]);
        let word = u64::from_le_bytes(w);
        if word == 0 {
            return Ok(FrameRead::End {
                offset,
                zero_word: true,
            });
        }
        let (n, pad) = format::decode_length_word(word);
        let left = self.len.saturating_sub(offset + 8);
        if n.saturating_add(pad) > left {
            return Ok(FrameRead::Truncated {
                offset,
                word: Some(word),
                available: left,
            });
        }
        if n + pad > MAX_FRAME_READ {
            return Ok(FrameRead::TooLarge { offset, len: n });
        }
        let total = 8 + (n + pad) as usize;
        if self.fill(total)? < total {
            // The file shrank under us.
            let available = (self.hi - self.lo) as u64 - 8;
            return Ok(FrameRead::Truncated {
                offset,
                word: Some(word),
                available,
            });
        }
        let start = self.lo + 8;
        self.lo += total;
        let body = start..start + n as usize;
        let padding = start + n as usize..self.lo;
        Ok(FrameRead::Frame {
            offset,
            word,
            body,
            padding,
        })
    }

    /// Bytes of a range handed out by the last `next_frame`.
    pub fn bytes(&self, r: Range<usize>) -> &[u8] {
        &self.buf[r]
    }

    /// Offset of the first non-zero byte from the current position to the end, if any.
    /// Holes are skipped without reading them (they read as zeros, lseek(2) `SEEK_DATA`): a
    /// pre-allocated segment's unused tail is unwritten extents, which ext4 and xfs report as
    /// holes, so a restart does not read tens of megabytes of zeros.
    pub fn first_nonzero_after(&mut self) -> io::Result<Option<u64>> {
        loop {
            let chunk = &self.buf[self.lo..self.hi];
            if let Some(i) = first_nonzero(chunk) {
                return Ok(Some(self.offset() + i as u64));
            }
            self.lo = self.hi;
            let at = self.offset();
            match next_data(&self.file, at)? {
                None => return Ok(None),
                Some(d) if d >= self.len => return Ok(None),
                Some(d) if d > at => {
                    (self.base, self.lo, self.hi) = (d, 0, 0);
                }
                Some(_) => {}
            }
            if self.fill(1)? == 0 {
                return Ok(None);
            }
        }
    }
}

/// Where the next data at or after `at` is (`None`: only holes follow). A file system that
/// cannot tell says `at`, so the caller reads on from there.
fn next_data(file: &File, at: u64) -> io::Result<Option<u64>> {
    use std::os::fd::AsRawFd;
    let Ok(off) = libc::off_t::try_from(at) else {
        return Ok(Some(at));
    };
    // SAFETY: a valid fd; lseek only moves the file offset, which this reader never uses
    // (it reads with pread).
    let r = unsafe { libc::lseek(file.as_raw_fd(), off, libc::SEEK_DATA) };
    if r >= 0 {
        return Ok(Some(r as u64));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENXIO) => Ok(None),
        Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) => Ok(Some(at)),
        _ => Err(e),
    }
}

/// Index of the first non-zero byte. Scans 64 bytes at a time with a loop the compiler
/// vectorises, then finds the byte in the chunk that has one.
pub fn first_nonzero(b: &[u8]) -> Option<usize> {
    let mut chunks = b.chunks_exact(64);
    let mut base = 0;
    for c in &mut chunks {
        let mut acc = 0u64;
        for w in c.chunks_exact(8) {
            acc |= u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        }
        if acc != 0 {
            return c.iter().position(|&x| x != 0).map(|p| base + p);
        }
        base += 64;
    }
    chunks
        .remainder()
        .iter()
        .position(|&x| x != 0)
        .map(|p| base + p)
}

/// etcd's torn-write test (etcd-wal-format.md §7.5): cut the frame's record and padding bytes,
/// which start at file offset `start`, at every 512-byte file-offset boundary; the record is
/// torn if any piece is entirely zero.
pub fn has_zero_sector(start: u64, bytes: &[u8]) -> bool {
    let mut pos = 0usize;
    let mut off = start;
    while pos < bytes.len() {
        let to_boundary = (SECTOR - off % SECTOR) as usize;
        let end = (pos + to_boundary).min(bytes.len());
        if first_nonzero(&bytes[pos..end]).is_none() {
            return true;
        }
        off += (end - pos) as u64;
        pos = end;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sector_pieces_follow_file_offsets() {
        // 600 bytes starting at offset 8: pieces [8,512) and [512,608).
        let mut b = vec![1u8; 600];
        assert!(!has_zero_sector(8, &b));
        b[504..].fill(0); // offsets 512..608: the second piece is all zero
        assert!(has_zero_sector(8, &b));
        let mut b = vec![1u8; 600];
        b[10..504].fill(0); // most of the first piece, but not all of it
        assert!(!has_zero_sector(8, &b));
    }

    #[test]
    fn first_nonzero_finds_each_position() {
        for n in [0usize, 1, 63, 64, 65, 200] {
            let mut b = vec![0u8; n + 10];
            assert_eq!(first_nonzero(&b), None);
            b[n] = 9;
            assert_eq!(first_nonzero(&b), Some(n));
        }
    }

    /// A byte past holes (pre-allocated and sparse space) is found; holes to the end read as
    /// zeros without being read.
    #[test]
    fn first_nonzero_after_skips_holes_but_not_data() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg");
        let mut f = File::create(&path).unwrap();
        f.write_all(&[7u8; 100]).unwrap();
        f.write_all(&[0u8; 5000]).unwrap();
        let size = 3 * CHUNK as u64;
        f.set_len(size).unwrap();
        let mut zeros = SegmentReader::new(File::open(&path).unwrap(), size);
        zeros.base = 100;
        assert_eq!(zeros.first_nonzero_after().unwrap(), None);
        for at in [100u64 + 4999, 2 * CHUNK as u64 + 17, size - 1] {
            let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            f.write_all_at(&[1], at).unwrap();
            let mut r = SegmentReader::new(File::open(&path).unwrap(), size);
            r.base = 100;
            assert_eq!(r.first_nonzero_after().unwrap(), Some(at));
            f.write_all_at(&[0], at).unwrap();
        }
    }
}
