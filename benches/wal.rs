//! `cargo bench --bench wal`: criterion benches of the WAL's hot paths, entries of 64 B to
//! 64 KiB, throughput in entry payload bytes.
//!
//! - `wal_append/no_fsync`: `WalWriter::append` of one entry and its HardState into a real
//!   segment in a temp dir (page cache only; segments are cut and the old ones released as
//!   they fill, as a member does after a snapshot).
//! - `wal_append/fsync`: `WalWriter::save`, the same with the fdatasync etcd's `Save` does:
//!   the disk's flush latency, one entry per flush.
//! - `wal_replay`: `node::boot::recover` of a data dir holding 32 MB of entries: what a
//!   restart does before raft-rs starts (open for append, read every segment, convert).
//! - `wal_record_codec`: one entry framed as the writer frames it (entry encode, rolling
//!   CRC-32C, `walpb.Record`, length word and padding) and read back as the scanner reads it.
//!
//! `cargo bench --bench wal -- --test` runs each once (small replay WALs); `BENCH_DIR` keeps
//! the temp dirs somewhere else (the append benches write to it: put it on the disk to measure).

use std::borrow::Cow;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use raftctl::node::boot;
use raftctl::proto::raftpb::{Entry, HardState};
use raftctl::proto::walpb::{self, Metadata, Record};
use raftctl::wal::format::{self, RecordType};
use raftctl::wal::writer::{WalWriter, WriterOptions};

mod support;
use support::{entry, temp_dir};

const SIZES: [usize; 6] = [64, 256, 1024, 4096, 16 << 10, 64 << 10];

fn quick() -> bool {
    std::env::args().any(|a| a == "--test")
}

fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 + 13) as u8).collect()
}

fn hard_state(commit: u64) -> HardState {
    HardState {
        term: 1,
        vote: 1,
        commit,
    }
}

/// A new data dir's WAL (member/wal, with member/snap beside it), and its writer.
fn create(data_dir: &Path) -> WalWriter {
    let mut md = Vec::new();
    Metadata {
        node_id: 1,
        cluster_id: 2,
    }
    .encode(&mut md);
    std::fs::create_dir_all(boot::snap_dir(data_dir)).expect("mkdir");
    WalWriter::create(&boot::wal_dir(data_dir), &md, WriterOptions::default()).expect("create")
}

/// One entry (and its HardState) per call, `sync` saying whether with etcd's fsync.
fn append_one(w: &mut WalWriter, last: &mut PathBuf, index: u64, data: &[u8], sync: bool) {
    let (hs, e) = (hard_state(index), [entry(index, data)]);
    if sync {
        w.save(&hs, &e).expect("save");
    } else {
        w.append(&hs, &e).expect("append");
    }
    if w.tail_path() != last.as_path() {
        // A new segment: drop the full ones, so the bench's disk use stays at two segments.
        *last = w.tail_path().to_path_buf();
        w.release_to(index).expect("release");
    }
}

fn wal_append(c: &mut Criterion) {
    let mut g = c.benchmark_group("wal_append");
    for (name, sync) in [("no_fsync", false), ("fsync", true)] {
        if sync {
            // Each sample is milliseconds of disk flushes.
            g.sample_size(10).measurement_time(Duration::from_secs(3));
        }
        for size in SIZES {
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_with_input(BenchmarkId::new(name, size), &size, |b, &size| {
                let dir = temp_dir();
                let mut w = create(dir.path());
                let mut last = w.tail_path().to_path_buf();
                let data = payload(size);
                let mut index = 0;
                b.iter(|| {
                    index += 1;
                    append_one(&mut w, &mut last, index, &data, sync);
                });
            });
        }
    }
    g.finish();
}

fn wal_replay(c: &mut Criterion) {
    let mut g = c.benchmark_group("wal_replay");
    g.sample_size(10);
    let total: usize = if quick() { 1 << 20 } else { 32 << 20 };
    for size in [256, 4096, 64 << 10] {
        let dir = temp_dir();
        let n = (total / size) as u64;
        {
            let mut w = create(dir.path());
            let data = payload(size);
            let mut index = 1;
            while index <= n {
                let batch: Vec<Entry> = (index..(index + 64).min(n + 1))
                    .map(|i| entry(i, &data))
                    .collect();
                index += batch.len() as u64;
                w.save(&hard_state(index - 1), &batch).expect("save");
            }
        }
        g.throughput(Throughput::Bytes(n * size as u64));
        g.bench_with_input(BenchmarkId::new("recover", size), &size, |b, _| {
            b.iter(|| {
                let r = boot::recover(dir.path(), WriterOptions::default()).expect("recover");
                assert_eq!(r.entries.len() as u64, n);
                black_box(r.entries.len())
            });
        });
    }
    g.finish();
}

/// `e` framed as `WalWriter` frames an entry record: length word, `walpb.Record` with the
/// rolling CRC over the encoded entry, padding to 8 bytes.
fn encode_frame(out: &mut Vec<u8>, scratch: &mut Vec<u8>, crc: u32, e: &Entry<'_>) -> u32 {
    scratch.clear();
    e.encode(scratch);
    let crc = crc32c::crc32c_append(crc, scratch);
    let n = walpb::record_len(RecordType::Entry as i64, crc, scratch.len()) as u64;
    let (word, pad) = format::encode_length_word(n);
    out.extend_from_slice(&word.to_le_bytes());
    Record {
        rec_type: RecordType::Entry as i64,
        crc,
        data: Some(scratch.as_slice()),
        extra: Cow::Borrowed(&[]),
    }
    .encode(out);
    out.resize(out.len() + pad as usize, 0);
    crc
}

/// The entry in a frame, as the scanner reads one: length word, record, CRC check, entry.
fn decode_frame(frame: &[u8], crc: u32) -> Entry<'_> {
    let mut word = [0u8; 8];
    word.copy_from_slice(&frame[..8]);
    let (n, _pad) = format::decode_length_word(u64::from_le_bytes(word));
    let rec = Record::decode(&frame[8..8 + n as usize]).expect("record");
    assert_eq!(crc32c::crc32c_append(crc, rec.data()), rec.crc, "crc");
    Entry::decode(rec.data()).expect("entry")
}

fn wal_record_codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("wal_record_codec");
    for size in SIZES {
        let data = payload(size);
        let e = entry(7, &data);
        g.throughput(Throughput::Bytes(size as u64));
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        g.bench_with_input(BenchmarkId::new("encode", size), &size, |b, _| {
            b.iter(|| {
                out.clear();
                black_box(encode_frame(&mut out, &mut scratch, 0x1234, black_box(&e)))
            });
        });
        out.clear();
        encode_frame(&mut out, &mut scratch, 0x1234, &e);
        g.bench_with_input(BenchmarkId::new("decode", size), &size, |b, _| {
            b.iter(|| {
                let d = decode_frame(black_box(&out), 0x1234);
                black_box(d.index)
            });
        });
        assert_eq!(decode_frame(&out, 0x1234), e);
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = wal_append, wal_replay, wal_record_codec
}
criterion_main!(benches);
