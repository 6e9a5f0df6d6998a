//! `cargo bench --bench wal_read`: the speed and memory of `raftctl wal verify` and
//! `raftctl wal dump -o json` on page-cached WALs, beside `cat` of the same files.
//!
//! Two WALs are written with raftctl's writer into a temp dir (or $BENCH_DIR):
//! - large: 100 kB entries filling four 64,000,000-byte segments;
//! - small: 1,000,000 entries of 100 bytes.
//!
//! Each command runs `BENCH_RUNS` times (default 5) after a warm-up; the median wall time,
//! GB/s of WAL and max RSS are printed. `cargo bench --bench wal_read -- --test` only checks
//! that the benchmark runs, on tiny WALs.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use raftctl::proto::raftpb::{Entry, HardState};
use raftctl::proto::walpb::Metadata;
use raftctl::wal::writer::{WalWriter, WriterOptions};

fn main() {
    let quick = std::env::args().any(|a| a == "--test");
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let runs = if quick { 1 } else { runs };
    let keep = std::env::var("BENCH_DIR").ok().map(PathBuf::from);
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let bin = release_binary();
    let (large_n, small_n) = if quick { (40, 2000) } else { (2520, 1_000_000) };
    let cases = [
        ("large (100 kB entries)", "large", large_n, 100_000usize),
        ("small (100 B entries)", "small", small_n, 100),
    ];
    for (title, name, n, size) in cases {
        let dir = base.join(name);
        if !dir.join("member/wal").exists() {
            write_wal(&dir, n, size);
        }
        let files = segments(&dir.join("member/wal"));
        let bytes: u64 = files
            .iter()
            .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
            .sum();
        println!(
            "\n{title}: {n} entries, {} segments, {:.1} MB",
            files.len(),
            bytes as f64 / 1e6
        );
        let d = dir.display().to_string();
        let mut cat = Command::new("cat");
        cat.args(&files);
        let cat_t = measure("cat FILES > /dev/null", cat, runs, bytes, None, n);
        for (label, args) in [
            ("raftctl wal verify", vec!["wal", "verify", d.as_str()]),
            (
                "raftctl wal dump -o json",
                vec!["-o", "json", "wal", "dump", d.as_str()],
            ),
        ] {
            let mut c = Command::new(&bin);
            c.args(&args);
            measure(label, c, runs, bytes, Some(cat_t), n);
        }
    }
}

/// Runs `cmd` with stdout to /dev/null `runs` times after one warm-up; prints the median.
/// Each child is reaped with `wait4`, which also gives its own max RSS.
#[allow(clippy::zombie_processes)]
fn measure(
    label: &str,
    mut cmd: Command,
    runs: usize,
    bytes: u64,
    cat: Option<f64>,
    entries: u64,
) -> f64 {
    cmd.stdout(Stdio::null());
    let mut times = Vec::new();
    let mut rss = 0i64;
    for i in 0..=runs {
        let t = Instant::now();
        let child = cmd.spawn().expect("spawn");
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: plain wait4 on our own child; ru is a valid out-parameter.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        let secs = t.elapsed().as_secs_f64();
        assert!(
            status == 0 || label.contains("verify"),
            "{label} failed with status {status}"
        );
        if i > 0 {
            times.push(secs);
            rss = rss.max(ru.ru_maxrss);
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let med = times[times.len() / 2];
    let ratio = cat
        .map(|c| format!("  {:.2}x cat", med / c))
        .unwrap_or_default();
    println!(
        "  {label:<28} {:>8.1} ms  {:>6.2} GB/s  {:>12.0} entries/s  max RSS {:>6.1} MB{ratio}",
        med * 1e3,
        bytes as f64 / med / 1e9,
        entries as f64 / med,
        rss as f64 / 1024.0
    );
    med
}

fn write_wal(dir: &Path, n: u64, size: usize) {
    let mut md = Vec::new();
    Metadata {
        node_id: 1,
        cluster_id: 2,
    }
    .encode(&mut md);
    let wal = dir.join("member/wal");
    std::fs::create_dir_all(dir.join("member/snap")).expect("mkdir");
    let mut w = WalWriter::create(&wal, &md, WriterOptions::default()).expect("create");
    let payload: Vec<u8> = (0..size).map(|i| (i * 7 + 13) as u8).collect();
    let mut i = 1;
    while i <= n {
        let batch: Vec<Entry> = (i..(i + 64).min(n + 1))
            .map(|j| Entry {
                entry_type: 0,
                term: 1,
                index: j,
                data: Some(Cow::Borrowed(&payload)),
                extra: Cow::Borrowed(&[]),
            })
            .collect();
        i += batch.len() as u64;
        w.save(
            &HardState {
                term: 1,
                vote: 1,
                commit: i - 1,
            },
            &batch,
        )
        .expect("save");
    }
}

fn segments(wal: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(wal)
        .expect("read wal dir")
        .filter_map(|d| d.ok().map(|d| d.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    v.sort();
    v
}

/// The release binary, built if needed (benches run with the bench profile, = release).
fn release_binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "raftctl"])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(status.success());
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    target.join("release/raftctl")
}
