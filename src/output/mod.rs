//! The one rendering layer: every command hands its report here and gets a table for people,
//! JSON for scripts, or etcdctl's `fields` lines. Nothing else in raftctl writes to stdout.
//!
//! Reports are plain `Serialize` data; [`Tabular`] says how each looks as a table. Streams
//! (`wal dump`) go through [`dump::DumpWriter`], which writes one line per record and never
//! holds the log.

pub mod bench;
pub mod chaos;
pub mod cluster;
pub mod doctor;
pub mod dump;
pub mod endpoint;
pub mod etcd;
pub mod fields;
pub mod json;
pub mod recover;
pub mod status;
pub mod tables;
pub mod timeline;

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

/// `-o/--output` (`-w/--write-out`), with etcdctl's names: `simple` is `table` (raftctl's
/// tables have no borders to leave out), `fields` is one `"name" : value` line per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned tables for people, without borders (etcdctl's `simple` is the same).
    #[default]
    #[value(alias = "simple")]
    Table,
    /// JSON for scripts (JSON Lines for streams).
    Json,
    /// One `"name" : value` line per JSON field, as etcdctl's -w fields (see README).
    Fields,
}

/// A report that can also be shown as tables.
pub trait Tabular {
    fn blocks(&self) -> Vec<Block>;

    /// The tables laid out for a width and with paths relative to the command's argument
    /// (for [`render_fit`]); by default the same as [`Tabular::blocks`].
    fn blocks_fit(&self, _fit: &Fit) -> Vec<Block> {
        self.blocks()
    }
}

/// How wide table output may be, and what its paths are shown relative to.
#[derive(Debug, Clone, Default)]
pub struct Fit {
    /// Columns: the terminal's when stdout is one, else `$COLUMNS` when set, else none (the
    /// full lines, as a pipe or a file gets them).
    pub width: Option<usize>,
    /// The PATH argument: paths under it are shown relative to it when fitting.
    pub base: Option<std::path::PathBuf>,
}

impl Fit {
    /// The width of this process's stdout, for paths under `base`.
    pub fn detect(base: &std::path::Path) -> Fit {
        Fit {
            width: width(),
            base: Some(base.to_path_buf()),
        }
    }

    /// `path` as shown: relative to the argument when fitting to a width (the file's name
    /// when the argument is that file), else as it is.
    pub fn path(&self, path: &str) -> String {
        let (Some(_), Some(base)) = (self.width, &self.base) else {
            return path.to_string();
        };
        let p = std::path::Path::new(path);
        match p.strip_prefix(base) {
            Ok(r) if r.as_os_str().is_empty() => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string()),
            Ok(r) => r.display().to_string(),
            Err(_) => path.to_string(),
        }
    }
}

/// A progress bar of `len` steps on a terminal's stderr (nothing otherwise), as wide as the
/// terminal (`bench`, `chaos`).
pub fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("█░"),
    );
    Some(b)
}

/// The width table output should fit: the terminal's when stdout is one (TIOCGWINSZ),
/// otherwise `$COLUMNS` when it is set, otherwise none.
pub fn width() -> Option<usize> {
    use std::io::IsTerminal;
    if io::stdout().is_terminal() {
        let mut ws = libc::winsize {
            ws_row: 0,
            ws_col: 0,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCGWINSZ writes one winsize into the struct we pass; the fd is stdout.
        let r = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) };
        if r == 0 && ws.ws_col > 0 {
            return Some(ws.ws_col as usize);
        }
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 20)
}

/// Lays a table out within `width` columns: unchanged when it fits; otherwise the columns
/// that are not marked free text keep their content width and the free-text ones wrap.
/// (`free`: the columns that may wrap; `None` for all of them.)
pub fn fit_table(t: &mut Table, width: usize, free: Option<&[usize]>) {
    if t.lines()
        .map(|l| l.trim_end().chars().count())
        .max()
        .unwrap_or(0)
        <= width
    {
        return;
    }
    t.set_width(width.min(u16::MAX as usize) as u16)
        .set_content_arrangement(ContentArrangement::Dynamic);
    let Some(free) = free else { return };
    let n = t.column_count();
    for i in 0..n {
        if !free.contains(&i)
            && let Some(c) = t.column_mut(i)
        {
            c.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
}

/// Wraps a line of text at spaces to `width` columns (a word longer than that is cut).
pub fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        let (cw, ww) = (cur.chars().count(), word.chars().count());
        if cw > 0 && cw + 1 + ww > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.chars().count() > width {
            let head: String = cur.chars().take(width).collect();
            cur = cur.chars().skip(width).collect();
            out.push(head);
        }
    }
    out.push(cur);
    out
}

/// Cuts a line to `width` columns, marking the cut with an ellipsis.
pub fn cut(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut s: String = line.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
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
    render_fit(report, format, w, &Fit::default())
}

/// Renders a report, its tables laid out for `fit` (JSON is never changed).
pub fn render_fit<T: Serialize + Tabular>(
    report: &T,
    format: Format,
    w: &mut dyn Write,
    fit: &Fit,
) -> io::Result<()> {
    if let (Format::Table, Some(width)) = (format, fit.width) {
        for b in report.blocks_fit(fit) {
            match b {
                Block::Table(mut t) => {
                    if !t.is_empty() {
                        fit_table(&mut t, width, None);
                        for line in t.lines() {
                            writeln!(w, "{}", line.trim_end())?;
                        }
                    }
                }
                Block::Line(s) => {
                    for l in s.split('\n') {
                        for part in wrap(l, width) {
                            writeln!(w, "{part}")?;
                        }
                    }
                }
            }
        }
        return w.flush();
    }
    match format {
        Format::Json => {
            serde_json::to_writer(&mut *w, report)?;
            writeln!(w)?;
        }
        Format::Fields => fields::write(w, report)?,
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
        Format::Json | Format::Fields => {
            let j = match std::str::from_utf8(v) {
                Ok(s) => serde_json::json!({ "key": key, "found": true, "value": s }),
                Err(_) => {
                    serde_json::json!({ "key": key, "found": true, "value_base64": base64_simd::STANDARD.encode_to_string(v) })
                }
            };
            if format == Format::Fields {
                fields::write(w, &j)?;
            } else {
                serde_json::to_writer(&mut *w, &j)?;
                writeln!(w)?;
            }
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

/// An error as `-o json` shows it on stderr: `{"error":"<the one-line message>","exit":N}`
/// (and `-o fields` as its two lines); `None` for the table formats, which print
/// `raftctl: <message>`.
pub fn error_report(message: &str, exit: u8, format: Format) -> Option<String> {
    let j = serde_json::json!({ "error": message, "exit": exit });
    match format {
        Format::Table => None,
        Format::Json => Some(format!("{j}\n")),
        Format::Fields => {
            let mut v = Vec::new();
            fields::write(
                &mut v,
                &ErrorReport {
                    error: message,
                    exit,
                },
            )
            .ok()?;
            Some(String::from_utf8_lossy(&v).into_owned())
        }
    }
}

#[derive(Serialize)]
struct ErrorReport<'a> {
    error: &'a str,
    exit: u8,
}

/// Writes a diagnostic (a problem found while streaming) to stderr.
pub fn diagnostic(line: &str) {
    let mut e = io::stderr().lock();
    let _ = writeln!(e, "raftctl: {line}");
}
