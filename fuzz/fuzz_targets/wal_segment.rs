//! Feeds arbitrary bytes to the segment decoder as a WAL file: the scanner, the log view (raw
//! and not) and the verifier must end without panicking or allocating more than the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use raftctl::wal::layout::Layout;
use raftctl::wal::view::{LogView, ViewOptions};

fuzz_target!(|data: &[u8]| {
    let tmp = tempfile::tempdir().expect("temp dir");
    let wal = tmp.path().join("wal");
    std::fs::create_dir(&wal).expect("mkdir");
    std::fs::write(wal.join("0000000000000000-0000000000000000.wal"), data).expect("write");
    let layout = Layout::open(&wal).expect("layout");
    let _ = raftctl::datadir::verify(&layout);
    for raw in [false, true] {
        let mut view = LogView::new(layout.segments.clone(), ViewOptions { raw, start_index: 0 });
        while let Some(item) = view.next() {
            if item.is_err() {
                break;
            }
        }
    }
});
