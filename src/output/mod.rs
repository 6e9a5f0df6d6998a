//! The one rendering layer: every command hands its report here and gets a table for people
//! or JSON for scripts. Nothing else in raftctl writes to stdout.
//!
//! Reports are plain `Serialize` data; [`Tabular`] says how each looks as a table. Streams
//! (`wal dump`) go through [`dump::DumpWriter`], which writes one line per record and never
//! holds the log.

pub mod bench;
pub mod cluster;
pub mod dump;
pub mod status;
pub mod tables;

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for people.
    #[default]
    Table,
    /// JSON for scripts (JSON Lines for streams).
    Json,
}

/// A report that can also be shown as tables.
pub trait Tabular {
    fn blocks(&self) -> Vec<Block>;
}

/// A piece of table output.
pub enum Block {
    Table(Box<Table>),
    /// A line of text (a heading or a verdict).
    Line(String),
}

/// A table with raftctl's look: no borders, a header, wrapped to the terminal when there is one.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(|h| h.to_string()));
    t
}

/// Two columns: a name and its value.
pub fn key_values(rows: Vec<(&str, String)>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING);
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    t
}

/// Renders a report in the chosen format.
pub fn render<T: Serialize + Tabular>(
    report: &T,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *w, report)?;
            writeln!(w)?;
        }
        Format::Table => {
            for b in report.blocks() {
                match b {
                    Block::Table(t) => {
                        if !t.is_empty() {
                            for line in t.lines() {
                                writeln!(w, "{}", line.trim_end())?;
                            }
                        }
                    }
                    Block::Line(s) => writeln!(w, "{s}")?,
                }
            }
        }
    }
    w.flush()
}

/// A value as `get` prints it: the raw bytes for people and shell scripts (`v=$(raftctl get
/// k)`), or `{"key","value"}` in JSON (base64 in `value_base64` when it is not UTF-8).
pub fn value(key: &str, v: &[u8], format: Format, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => w.write_all(v)?,
        Format::Json => {
            let j = match std::str::from_utf8(v) {
                Ok(s) => serde_json::json!({ "key": key, "found": true, "value": s }),
                Err(_) => {
                    serde_json::json!({ "key": key, "found": true, "value_base64": base64_simd::STANDARD.encode_to_string(v) })
                }
            };
            serde_json::to_writer(&mut *w, &j)?;
            writeln!(w)?;
        }
    }
    w.flush()
}

/// `get -o json` of a key that does not exist: `{"key":…,"found":false}`.
pub fn missing_value(key: &str, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &serde_json::json!({ "key": key, "found": false }))?;
    writeln!(w)?;
    w.flush()
}

/// Writes a diagnostic (a problem found while streaming) to stderr.
pub fn diagnostic(line: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "raftctl: {line}");
}
