//! etcd's data-dir file names, parsed as etcd parses them: `<seq>-<index>.wal` segments and
//! `<term>-<index>.snap` snapshots (`%016x-%016x`). Below both `wal` and `snap`, which share
//! them and must not import each other.

/// A parsed `<seq>-<index>.wal` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentName {
    pub seq: u64,
    pub index: u64,
    /// Exactly 16 lower-case hex digits on each side, as etcd writes.
    pub canonical: bool,
}

/// Parses a segment name the way etcd's `%016x-%016x.wal` scan does (1–16 hex digits of either
/// case), noting whether it is in the canonical form.
pub fn parse_segment_name(name: &str) -> Option<SegmentName> {
    let (a, b, canonical) = parse_pair(name.strip_suffix(".wal")?)?;
    Some(SegmentName {
        seq: a,
        index: b,
        canonical,
    })
}

pub fn segment_file_name(seq: u64, index: u64) -> String {
    format!("{seq:016x}-{index:016x}.wal")
}

/// A parsed `<term>-<index>.snap` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapName {
    pub term: u64,
    pub index: u64,
    pub canonical: bool,
}

pub fn parse_snap_name(name: &str) -> Option<SnapName> {
    let (term, index, canonical) = parse_pair(name.strip_suffix(".snap")?)?;
    Some(SnapName {
        term,
        index,
        canonical,
    })
}

pub fn snap_file_name(term: u64, index: u64) -> String {
    format!("{term:016x}-{index:016x}.snap")
}

fn parse_pair(stem: &str) -> Option<(u64, u64, bool)> {
    let (a, b) = stem.split_once('-')?;
    let hex = |s: &str| -> Option<u64> {
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(s, 16).ok()
    };
    let canon = |s: &str| s.len() == 16 && !s.bytes().any(|c| c.is_ascii_uppercase());
    Some((hex(a)?, hex(b)?, canon(a) && canon(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names() {
        let n = parse_segment_name("0000000000000001-000000000000002b.wal").unwrap();
        assert_eq!((n.seq, n.index, n.canonical), (1, 0x2b, true));
        assert_eq!(
            segment_file_name(1, 0x2b),
            "0000000000000001-000000000000002b.wal"
        );
        let n = parse_segment_name("1-2B.wal").unwrap();
        assert_eq!((n.seq, n.index, n.canonical), (1, 0x2b, false));
        for bad in [
            "0.tmp",
            "x-1.wal",
            "1-.wal",
            "-1.wal",
            "00000000000000000-1.wal",
            "1-1.wal.broken",
        ] {
            assert_eq!(parse_segment_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn snap_names() {
        let n = parse_snap_name("0000000000000002-0000000000000032.snap").unwrap();
        assert_eq!((n.term, n.index), (2, 50));
        assert_eq!(
            snap_file_name(2, 50),
            "0000000000000002-0000000000000032.snap"
        );
        assert_eq!(parse_snap_name("db"), None);
    }
}
