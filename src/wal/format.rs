//! On-disk constants and file names of etcd's WAL (etcd-wal-format.md §1–§4).

/// A segment is cut once it grows past this many bytes (decimal "64MB", as etcd means it).
pub const SEGMENT_SIZE_BYTES: u64 = 64_000_000;

/// etcd 3.4.10+ and 3.5.0–3.5.4 refuse to read a record of this many bytes minus its padding.
pub const MAX_RECORD_BYTES: u64 = 10 * 1024 * 1024;

/// The torn-write test looks at a failing record in pieces cut at these file-offset boundaries.
pub const SECTOR: u64 = 512;

/// Every frame starts at a multiple of this.
pub const FRAME_ALIGN: u64 = 8;

/// `walpb.Record.type` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    Metadata = 1,
    Entry = 2,
    State = 3,
    Crc = 4,
    Snapshot = 5,
}

impl RecordType {
    pub fn from_i64(v: i64) -> Option<RecordType> {
        match v {
            1 => Some(RecordType::Metadata),
            2 => Some(RecordType::Entry),
            3 => Some(RecordType::State),
            4 => Some(RecordType::Crc),
            5 => Some(RecordType::Snapshot),
            _ => None,
        }
    }

    /// The name used in JSON output (`"record":"hard_state"` for a state record).
    pub fn json_name(self) -> &'static str {
        match self {
            RecordType::Metadata => "metadata",
            RecordType::Entry => "entry",
            RecordType::State => "hard_state",
            RecordType::Crc => "crc",
            RecordType::Snapshot => "snapshot",
        }
    }
}

/// Splits a length word into (record bytes, padding bytes) exactly as etcd's decoder does:
/// the padding is in bits 56–58 only when bit 63 is set, and bits 59–62 are ignored.
pub fn decode_length_word(word: u64) -> (u64, u64) {
    let n = word & 0x00ff_ffff_ffff_ffff;
    let pad = if (word as i64) < 0 {
        (word >> 56) & 7
    } else {
        0
    };
    (n, pad)
}

/// The length word etcd writes for a record of `n` bytes, and its padding.
pub fn encode_length_word(n: u64) -> (u64, u64) {
    let pad = (FRAME_ALIGN - n % FRAME_ALIGN) % FRAME_ALIGN;
    let word = if pad == 0 {
        n
    } else {
        n | ((0x80 | pad) << 56)
    };
    (word, pad)
}

/// True when the top byte is one etcd's encoder can produce (0x00 or 0x81..=0x87) and the
/// padding is the one it would choose.
pub fn length_word_is_canonical(word: u64) -> bool {
    let (n, _) = decode_length_word(word);
    encode_length_word(n).0 == word
}

pub use crate::names::{SegmentName, parse_segment_name, segment_file_name};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_words() {
        // Reference: etcd-wal-format.md §15 V1 (crc record N=4 P=4, metadata N=18 P=6).
        assert_eq!(encode_length_word(4), (0x8400_0000_0000_0004, 4));
        assert_eq!(encode_length_word(18).0, 0x8600_0000_0000_0012);
        assert_eq!(encode_length_word(24), (24, 0));
        assert_eq!(decode_length_word(0x8600_0000_0000_0012), (18, 6));
        // Bits 59–62 are ignored, and without bit 63 there is no padding.
        assert_eq!(decode_length_word(0xfe00_0000_0000_0012), (18, 6));
        assert_eq!(decode_length_word(0x0600_0000_0000_0012), (18, 0));
        assert!(!length_word_is_canonical(0x0600_0000_0000_0012));
        assert!(length_word_is_canonical(0x8600_0000_0000_0012));
    }
}
