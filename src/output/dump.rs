//! `wal dump` output: one line per record as it streams by, as JSON Lines or as fixed-width
//! table rows, then (in table mode) a summary.
//!
//! JSON lines are written directly rather than through a serde value: a dump of a large WAL
//! is mostly base64, and building a value per entry would cost more than reading the WAL.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::tables::hard_state;
use super::{Fit, Format};
use crate::proto::describe::{self, Decoder};
use crate::proto::raftpb::Entry;
use crate::proto::walpb::Metadata;
use crate::wal::check::LogSummary;
use crate::wal::scan::CrcCheck;
use crate::wal::view::Item;

pub struct DumpWriter<W: Write> {
    w: W,
    format: Format,
    raw: bool,
    decoder: Decoder,
    /// A record's base64, kept between records.
    b64: Vec<u8>,
    /// A record's decoded JSON, kept between records.
    scratch: Vec<u8>,
    header_done: bool,
    shown: BTreeMap<&'static str, u64>,
    first_shown: Option<u64>,
    last_shown: Option<u64>,
    fit: Fit,
    /// The file of the last raw row, when fitting a width (its path is a heading line).
    file_shown: Option<String>,
    /// Under `-o fields`, the record's JSON line before it is written as fields.
    fields_buf: Option<Vec<u8>>,
}

impl<W: Write> DumpWriter<W> {
    pub fn new(w: W, format: Format, raw: bool, decoder: Decoder) -> Self {
        DumpWriter {
            w,
            format,
            raw,
            decoder,
            b64: Vec::new(),
            scratch: Vec::new(),
            header_done: false,
            shown: BTreeMap::new(),
            first_shown: None,
            last_shown: None,
            fit: Fit::default(),
            file_shown: None,
            fields_buf: None,
        }
    }

    /// Lays table rows out for `fit` (a width to keep within, paths relative to the argument).
    pub fn fit(mut self, fit: Fit) -> Self {
        self.fit = fit;
        self
    }

    pub fn item(&mut self, item: &Item) -> io::Result<()> {
        let kind = match item {
            Item::Entry { entry, .. } => {
                self.first_shown.get_or_insert(entry.index);
                self.last_shown = Some(entry.index);
                entry.kind().map(|k| k.name()).unwrap_or("EntryUnknown")
            }
            Item::Metadata { .. } => "metadata",
            Item::HardState { .. } => "hard_state",
            Item::Snapshot { .. } => "snapshot",
            Item::Crc { .. } => "crc",
            Item::Problem(_) => "",
        };
        if !kind.is_empty() {
            *self.shown.entry(kind).or_default() += 1;
        }
        match self.format {
            Format::Json => self.json(item),
            Format::Table => self.row(item),
            Format::Fields => self.fields(item),
        }
    }

    /// A record as a block of `"name" : value` lines (from its JSON line), after a blank line.
    fn fields(&mut self, item: &Item) -> io::Result<()> {
        self.fields_buf = Some(Vec::new());
        let r = self.json(item);
        let buf = self.fields_buf.take().unwrap_or_default();
        r?;
        if buf.is_empty() {
            return Ok(());
        }
        if self.header_done {
            writeln!(self.w)?;
        }
        self.header_done = true;
        super::fields::write_json(&mut self.w, &buf)
    }

    fn json(&mut self, item: &Item) -> io::Result<()> {
        let Some((loc, crc, check)) = item.record() else {
            return Ok(());
        };
        let name = record_name(item);
        let w: &mut dyn Write = match self.fields_buf.as_mut() {
            Some(b) => b,
            None => &mut self.w,
        };
        w.write_all(b"{\"record\":\"")?;
        w.write_all(name.as_bytes())?;
        w.write_all(b"\"")?;
        if self.raw {
            w.write_all(b",\"file\":")?;
            serde_json::to_writer(&mut *w, &*loc.file)?;
            write!(w, ",\"offset\":{},\"crc\":{}", loc.offset, crc)?;
            match check {
                CrcCheck::Ok => w.write_all(b",\"crc_ok\":true")?,
                CrcCheck::Unchecked => w.write_all(b",\"crc_ok\":null")?,
                CrcCheck::Mismatch { expected } => {
                    write!(w, ",\"crc_ok\":false,\"crc_computed\":{expected}")?
                }
            }
        }
        match item {
            Item::Metadata { data, .. } => {
                w.write_all(b",\"data\":\"")?;
                write_b64(w, &mut self.b64, data)?;
                w.write_all(b"\"")?;
                if let Ok(m) = Metadata::decode(data) {
                    write!(
                        w,
                        ",\"node_id\":{0},\"node_id_hex\":\"{0:x}\",\"cluster_id\":{1},\
                         \"cluster_id_hex\":\"{1:x}\"",
                        m.node_id, m.cluster_id
                    )?;
                }
            }
            Item::Entry {
                entry, superseded, ..
            } => {
                let t = entry.kind().map(|k| k.name()).unwrap_or("EntryUnknown");
                write!(
                    w,
                    ",\"term\":{},\"index\":{},\"type\":\"{t}\",\"data\":\"",
                    entry.term, entry.index
                )?;
                write_b64(w, &mut self.b64, entry.data())?;
                w.write_all(b"\"")?;
                if self.raw {
                    write!(w, ",\"superseded\":{superseded}")?;
                }
                if let Some(d) =
                    describe::describe(entry.kind(), entry.data.as_deref(), self.decoder)
                {
                    self.scratch.clear();
                    self.scratch.extend_from_slice(b",\"decoded\":");
                    super::json::write_value(&mut self.scratch, &d.json);
                    w.write_all(&self.scratch)?;
                }
            }
            Item::HardState { hs, .. } => {
                write!(
                    w,
                    ",\"term\":{},\"vote\":{},\"vote_hex\":\"{:x}\",\"commit\":{}",
                    hs.term, hs.vote, hs.vote, hs.commit
                )?;
            }
            Item::Snapshot { snap, .. } => {
                write!(w, ",\"term\":{},\"index\":{}", snap.term, snap.index)?;
                if let Some(cs) = &snap.conf_state {
                    w.write_all(b",\"conf_state\":")?;
                    serde_json::to_writer(&mut *w, cs)?;
                }
            }
            Item::Crc { .. } | Item::Problem(_) => {}
        }
        w.write_all(b"}\n")
    }

    fn row(&mut self, item: &Item) -> io::Result<()> {
        let width = self.fit.width;
        if !self.header_done {
            self.header_done = true;
            let header = match (self.raw, width) {
                (true, None) => format!(
                    "{:<40} {:>10} {:<10} {:<12} {:>10} {:>6} {:<12} {:>7}  DATA",
                    "FILE", "OFFSET", "RECORD", "CRC", "INDEX", "TERM", "TYPE", "SIZE"
                ),
                // Fitting a width, the file is a heading line of its own instead of a column.
                (true, Some(_)) => format!(
                    "{:>9} {:<8} {:<12} {:>8} {:>4} {:<12} {:>6}  DATA",
                    "OFFSET", "RECORD", "CRC", "INDEX", "TERM", "TYPE", "SIZE"
                ),
                (false, _) => format!(
                    "{:>10} {:>6} {:<12} {:>7}  DATA",
                    "INDEX", "TERM", "TYPE", "SIZE"
                ),
            };
            self.line(&header)?;
        }
        let Some((loc, crc, check)) = item.record() else {
            return Ok(());
        };
        let c = self.cells(item);
        let line = if self.raw {
            let mut data = c.data;
            if let CrcCheck::Mismatch { .. } = check {
                data = format!("(stored crc {crc:08x}) {data}");
            }
            if width.is_some() {
                if self.file_shown.as_deref() != Some(&*loc.file) {
                    self.file_shown = Some(loc.file.to_string());
                    let heading = format!("{}:", self.fit.path(&loc.file));
                    self.line(&heading)?;
                }
                format!(
                    "{:>9} {:<8} {:<12} {:>8} {:>4} {:<12} {:>6}  {data}",
                    loc.offset,
                    c.record,
                    crc_cell(crc, check),
                    c.index,
                    c.term,
                    c.ty,
                    c.size
                )
            } else {
                let file = loc.file.rsplit('/').next().unwrap_or(&loc.file);
                format!(
                    "{file:<40} {:>10} {:<10} {:<12} {:>10} {:>6} {:<12} {:>7}  {data}",
                    loc.offset,
                    c.record,
                    crc_cell(crc, check),
                    c.index,
                    c.term,
                    c.ty,
                    c.size
                )
            }
        } else {
            let ty = if c.record == "entry" {
                c.ty.to_string()
            } else {
                format!("({})", c.record)
            };
            format!(
                "{:>10} {:>6} {ty:<12} {:>7}  {}",
                c.index, c.term, c.size, c.data
            )
        };
        self.line(&line)
    }

    /// Writes one line, cut to the width when fitting one (the free-text DATA column is last,
    /// so it is what the cut takes).
    fn line(&mut self, line: &str) -> io::Result<()> {
        match self.fit.width {
            Some(w) => writeln!(self.w, "{}", super::cut(line.trim_end(), w)),
            None => writeln!(self.w, "{line}"),
        }
    }

    /// The table cells of a record.
    fn cells(&self, item: &Item) -> Cells {
        let blank = |record: &'static str, data: String| Cells {
            record,
            index: String::new(),
            term: String::new(),
            ty: "",
            size: String::new(),
            data,
        };
        match item {
            Item::Entry {
                entry, superseded, ..
            } => {
                let mut d = self.describe(entry);
                if *superseded {
                    d = format!("(overwritten) {d}");
                }
                let ty = match entry.kind() {
                    Some(k) => k.name().trim_start_matches("Entry"),
                    None => "?",
                };
                Cells {
                    record: "entry",
                    index: entry.index.to_string(),
                    term: entry.term.to_string(),
                    ty,
                    size: entry.data().len().to_string(),
                    data: d,
                }
            }
            Item::Metadata { data, .. } => {
                let d = match Metadata::decode(data) {
                    Ok(m) => format!("node {:x} cluster {:x}", m.node_id, m.cluster_id),
                    Err(_) => describe::hex(data, 32),
                };
                Cells {
                    size: data.len().to_string(),
                    ..blank("metadata", d)
                }
            }
            Item::HardState { hs, .. } => blank("state", hard_state(Some(*hs))),
            Item::Snapshot { snap, .. } => Cells {
                index: snap.index.to_string(),
                term: snap.term.to_string(),
                ..blank(
                    "snapshot",
                    format!("snapshot at {} (term {})", snap.index, snap.term),
                )
            },
            Item::Crc { .. } | Item::Problem(_) => blank("crc", String::new()),
        }
    }

    fn describe(&self, e: &Entry<'_>) -> String {
        describe::describe(e.kind(), e.data.as_deref(), self.decoder)
            .map(|d| d.summary)
            .unwrap_or_default()
    }

    /// Ends the dump: in table mode, a summary of what was shown and of the log.
    pub fn finish(&mut self, summary: Option<&LogSummary>) -> io::Result<()> {
        if self.format == Format::Table {
            let counts: Vec<String> = self.shown.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let mut rows = vec![
                (
                    "shown",
                    if counts.is_empty() {
                        "nothing".into()
                    } else {
                        counts.join(", ")
                    },
                ),
                (
                    "shown indexes",
                    match (self.first_shown, self.last_shown) {
                        (Some(a), Some(b)) => format!("{a} .. {b}"),
                        _ => "-".into(),
                    },
                ),
            ];
            if let Some(s) = summary {
                let range = match (s.first_index, s.last_index) {
                    (Some(a), Some(b)) => format!(
                        "{a} .. {b} ({} entries, {} overwritten)",
                        s.entries, s.superseded
                    ),
                    _ => "no entries".into(),
                };
                rows.push(("log", range));
                if let Some((lo, hi)) = s.terms {
                    rows.push(("terms", format!("{lo} .. {hi}")));
                }
                rows.push(("hard state", hard_state(s.hard_state)));
                if let (Some(n), Some(c)) = (s.node_id, s.cluster_id) {
                    rows.push(("member", format!("node {n:x} cluster {c:x}")));
                }
            }
            writeln!(self.w)?;
            let mut kv = super::key_values(rows);
            if let Some(w) = self.fit.width {
                super::fit_table(&mut kv, w, Some(&[1]));
            }
            for line in kv.lines() {
                writeln!(self.w, "{}", line.trim_end())?;
            }
        }
        self.w.flush()
    }
}

/// Standard base64 with padding, SIMD-accelerated: a dump of large entries is mostly this.
fn write_b64<W: Write + ?Sized>(w: &mut W, buf: &mut Vec<u8>, data: &[u8]) -> io::Result<()> {
    let engine = base64_simd::STANDARD;
    buf.resize(engine.encoded_length(data.len()), 0);
    let out = engine.encode(data, base64_simd::Out::from_slice(buf));
    w.write_all(out)
}

/// The `"record"` name of an item.
fn record_name(item: &Item) -> &'static str {
    match item {
        Item::Metadata { .. } => "metadata",
        Item::Entry { .. } => "entry",
        Item::HardState { .. } => "hard_state",
        Item::Snapshot { .. } => "snapshot",
        Item::Crc { .. } | Item::Problem(_) => "crc",
    }
}

/// The CRC cell of a raw row: the stored CRC, or BAD and the CRC its data has.
fn crc_cell(crc: u32, check: CrcCheck) -> String {
    match check {
        CrcCheck::Mismatch { expected } => format!("BAD {expected:08x}"),
        CrcCheck::Ok | CrcCheck::Unchecked => format!("{crc:08x}"),
    }
}

/// One row of `wal dump`'s table.
struct Cells {
    record: &'static str,
    index: String,
    term: String,
    ty: &'static str,
    size: String,
    data: String,
}
