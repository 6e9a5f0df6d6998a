//! What the WAL benches share: where their temp dirs go, and the entry they write.

use std::borrow::Cow;

use raftctl::proto::raftpb::Entry;

/// A temp dir, under `BENCH_DIR` when it is set (put it on the disk to measure).
pub fn temp_dir() -> tempfile::TempDir {
    match std::env::var_os("BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir(),
    }
    .expect("temp dir")
}

/// A normal entry of term 1 at `index` holding `data`.
pub fn entry(index: u64, data: &[u8]) -> Entry<'_> {
    Entry {
        entry_type: 0,
        term: 1,
        index,
        data: Some(Cow::Borrowed(data)),
        extra: Cow::Borrowed(&[]),
    }
}
