//! `cargo run --release --example kv_mem -- [KEYS] [VALUE_BYTES]`: where a member's memory per
//! key goes. Applies KEYS puts as `raftctl bench` makes them (keys `bench/%010d` in order,
//! 256 B values, a random request id each) to a `Kv`, and prints the heap in use (glibc
//! `mallinfo2`) after each step: the store, a snapshot's clone of it with writes going on
//! (what copy-on-write costs while a snapshot is written), and the time of a snapshot's two
//! passes (its length, then its bytes). `NO_IDS=1` applies the puts without request ids,
//! to tell the de-duplication table's cost (memory and time per put) from the store's.

use std::time::Instant;

use raftctl::kv::Kv;
use raftctl::proto::command::{Command, Op, Put};

fn heap() -> usize {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    unsafe { libc::mallinfo2().uordblks }
}

fn put(id: u64, n: u64, value: &[u8]) -> Command {
    Command {
        request_id: id,
        op: Some(Op::Put(Put {
            key: format!("bench/{n:010}").into_bytes(),
            value: value.to_vec(),
        })),
        ..Default::default()
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let keys: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let value = vec![b'x'; size];
    let data = keys * (16 + size as u64);
    let mb = |b: usize| b as f64 / 1e6;
    let base = heap();
    let mut kv = Kv::new();
    let t = Instant::now();
    for n in 0..keys {
        let id = if std::env::var_os("NO_IDS").is_some() {
            0
        } else {
            rand::random::<u64>().max(1)
        };
        kv.apply(&put(id, n, &value), n + 1);
    }
    let applied = t.elapsed();
    let store = heap() - base;
    println!(
        "keys {keys} of {} B: data {:.1} MB, heap {:.1} MB, {:.0} B/key over the data ({:.0} ns/put)",
        16 + size,
        data as f64 / 1e6,
        mb(store),
        (store as f64 - data as f64) / keys as f64,
        applied.as_nanos() as f64 / keys as f64
    );
    let t = Instant::now();
    let snap = kv.clone();
    let cloned = t.elapsed();
    let after_clone = heap() - base;
    // Writes while the snapshot is held: every 10th key overwritten, as a bench keeps writing.
    let writes = keys / 10;
    for i in 0..writes {
        let n = (i * 7919) % keys;
        kv.apply(&put(rand::random::<u64>().max(1), n, &value), keys + i + 1);
    }
    let during = heap() - base;
    let t = Instant::now();
    let len = snap.snapshot_len();
    let len_time = t.elapsed();
    let t = Instant::now();
    let mut emitted = 0usize;
    snap.emit_snapshot(&mut |b| emitted += b.len());
    let emit_time = t.elapsed();
    assert_eq!(len, emitted);
    println!(
        "clone {:?} (+{:.1} MB); {writes} writes meanwhile: heap {:.1} MB; snapshot {:.1} MB: len {:?}, emit {:?}",
        cloned,
        mb(after_clone - store),
        mb(during),
        len as f64 / 1e6,
        len_time,
        emit_time
    );
    drop(snap);
    println!("snapshot dropped: heap {:.1} MB", mb(heap() - base));
}
