//! `raftctl snap dump|verify`.

use std::io::Write;

use super::Outcome;
use crate::cli::SnapCommand;
use crate::output::tables::SnapList;
use crate::output::{self, Format};
use crate::snap;

pub fn run(c: SnapCommand, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let (path, show_data) = match &c {
        SnapCommand::Dump { path } => (path, true),
        SnapCommand::Verify { path } => (path, false),
    };
    let mut files = Vec::new();
    for f in snap::list(path)? {
        let mut r = snap::inspect(&f)?;
        if show_data && r.data_format == Some("etcd-v2-store") {
            r.v2_store = r
                .data
                .as_deref()
                .and_then(|d| serde_json::from_slice(d).ok());
        }
        files.push(r);
    }
    let ok = files.iter().all(|r| r.ok());
    output::render(
        &SnapList {
            ok,
            files,
            show_data,
        },
        format,
        out,
    )?;
    Ok(if ok {
        Outcome::Ok
    } else {
        Outcome::ProblemFound
    })
}
