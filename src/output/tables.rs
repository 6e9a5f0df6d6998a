//! How each report looks as a table.

use super::{Block, Fit, Tabular, key_values, table};
use crate::proto::raftpb::{ConfState, HardState};
use crate::snap::SnapReport;
use crate::wal::diff::{DiffReport, Relation};
use crate::wal::problem::Problem;
use crate::wal::repair::RepairReport;
use crate::wal::verify::VerifyReport;

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

pub fn hard_state(hs: Option<HardState>) -> String {
    match hs {
        Some(h) => format!("term {} vote {:x} commit {}", h.term, h.vote, h.commit),
        None => "-".into(),
    }
}

fn ids(v: &[u64]) -> String {
    v.iter()
        .map(|i| format!("{i:x}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn conf_state(cs: Option<&ConfState>) -> String {
    let Some(cs) = cs else { return "-".into() };
    let mut s = format!("voters [{}]", ids(&cs.voters));
    if !cs.learners.is_empty() {
        s.push_str(&format!(" learners [{}]", ids(&cs.learners)));
    }
    if cs.is_joint() {
        s.push_str(&format!(" outgoing [{}] (joint)", ids(&cs.voters_outgoing)));
    }
    if !cs.learners_next.is_empty() {
        s.push_str(&format!(" learners_next [{}]", ids(&cs.learners_next)));
    }
    s
}

pub fn problems_table(problems: &[Problem]) -> Block {
    let mut t = table(&["SEVERITY", "KIND", "FILE", "OFFSET", "INDEX", "MESSAGE"]);
    for p in problems {
        t.add_row(vec![
            format!("{:?}", p.severity).to_lowercase(),
            p.kind.name(),
            p.file.clone(),
            opt(p.offset),
            opt(p.index),
            p.message.clone(),
        ]);
    }
    Block::Table(Box::new(t))
}

/// The problems for a width: one heading per file (relative to the argument), then its
/// problems without the file column, the message last and wrapped.
pub fn problems_fit(problems: &[Problem], fit: &Fit) -> Vec<Block> {
    let Some(width) = fit.width else {
        return vec![problems_table(problems)];
    };
    let mut files: Vec<&str> = Vec::new();
    for p in problems {
        if !files.contains(&p.file.as_str()) {
            files.push(&p.file);
        }
    }
    let mut v = Vec::new();
    for f in files {
        let shown = if f.is_empty() {
            "(the log)".to_string()
        } else {
            fit.path(f)
        };
        v.push(Block::Line(format!("{shown}:")));
        let mut t = table(&["SEVERITY", "KIND", "OFFSET", "INDEX", "MESSAGE"]);
        for p in problems.iter().filter(|p| p.file == f) {
            t.add_row(vec![
                format!("{:?}", p.severity).to_lowercase(),
                p.kind.name(),
                opt(p.offset),
                opt(p.index),
                p.message.clone(),
            ]);
        }
        super::fit_table(&mut t, width, Some(&[4]));
        v.push(Block::Table(Box::new(t)));
    }
    v
}

impl Tabular for VerifyReport {
    fn blocks(&self) -> Vec<Block> {
        self.blocks_fit(&Fit::default())
    }

    fn blocks_fit(&self, fit: &Fit) -> Vec<Block> {
        let mut rows = vec![
            (
                "segments",
                format!("{} ({} bytes)", self.segments, self.bytes),
            ),
            ("records", self.records.to_string()),
            (
                "entries",
                format!("{} ({} overwritten)", self.entries, self.superseded),
            ),
            (
                "indexes",
                format!("{} .. {}", opt(self.first_index), opt(self.last_index)),
            ),
            ("hard state", hard_state(self.hard_state)),
            (
                "member",
                format!(
                    "node {} cluster {}",
                    opt(self.node_id_hex.as_ref()),
                    opt(self.cluster_id_hex.as_ref())
                ),
            ),
            (
                "snapshots",
                format!(
                    "{} WAL records, {} .snap files",
                    self.snapshot_records, self.snap_files
                ),
            ),
        ];
        if let Some(o) = &self.opens_from {
            let from = match &o.snap_file {
                Some(f) => format!("snapshot {} (term {}) in {}", o.index, o.term, fit.path(f)),
                None => "the beginning (no usable snapshot)".into(),
            };
            rows.push(("opens from", from));
        }
        rows.push(("membership", conf_state(self.conf_state.as_ref())));
        let mut kv = key_values(rows);
        if let Some(w) = fit.width {
            super::fit_table(&mut kv, w, Some(&[1]));
        }
        let mut blocks = vec![Block::Table(Box::new(kv))];
        let errors = self.problems.iter().filter(|p| p.is_error()).count();
        let warnings = self.problems.len() - errors;
        if !self.problems.is_empty() {
            blocks.push(Block::Line(String::new()));
            blocks.extend(problems_fit(&self.problems, fit));
        }
        let verdict = if self.ok {
            format!("\nOK: the WAL reads cleanly to its end ({warnings} warning(s))")
        } else {
            format!("\nFAILED: {errors} error(s), {warnings} warning(s)")
        };
        blocks.push(Block::Line(verdict));
        blocks
    }
}

impl Tabular for RepairReport {
    fn blocks(&self) -> Vec<Block> {
        let line = if self.clean {
            format!(
                "{}: nothing to repair, the WAL reads cleanly to its end",
                self.file
            )
        } else if self.dry_run {
            format!(
                "{}: would cut at offset {} ({} bytes removed)",
                self.file,
                opt(self.cut_at),
                self.removed_bytes
            )
        } else {
            format!(
                "{}: cut at offset {} ({} bytes removed); the whole segment as it was is in {}",
                self.file,
                opt(self.cut_at),
                self.removed_bytes,
                opt(self.broken_copy.as_ref())
            )
        };
        let mut v = vec![Block::Line(line)];
        if let Some(p) = &self.problem {
            let verb = if self.dry_run {
                "would cut"
            } else {
                "repaired"
            };
            v.push(Block::Line(format!("{verb}: {}", p.message)));
        }
        v
    }
}

/// The indexes a side holds: `1 .. 73084, 73305 .. 73400 (after its snapshot at 73304)`.
fn runs(side: &crate::wal::diff::Side) -> String {
    if side.runs.is_empty() {
        return "no entries".into();
    }
    side.runs
        .iter()
        .map(|r| match r.after_snapshot {
            Some(s) => format!("{} .. {} (after its snapshot at {s})", r.from, r.to),
            None => format!("{} .. {}", r.from, r.to),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tabular for DiffReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&["", "A", "B"]);
        t.add_row(vec![
            "path".into(),
            self.a.path.clone(),
            self.b.path.clone(),
        ]);
        t.add_row(vec![
            "member".into(),
            format!(
                "node {} cluster {}",
                opt(self.a.node_id_hex.as_ref()),
                opt(self.a.cluster_id_hex.as_ref())
            ),
            format!(
                "node {} cluster {}",
                opt(self.b.node_id_hex.as_ref()),
                opt(self.b.cluster_id_hex.as_ref())
            ),
        ]);
        t.add_row(vec!["indexes".into(), runs(&self.a), runs(&self.b)]);
        t.add_row(vec![
            "hard state".into(),
            hard_state(self.a.hard_state),
            hard_state(self.b.hard_state),
        ]);
        let mut v = vec![Block::Table(Box::new(t))];
        for (name, side) in [("A", &self.a), ("B", &self.b)] {
            if let Some(p) = &side.stopped {
                let upto = match side.last_index {
                    Some(i) => format!("after index {i}"),
                    None => "before any entry".into(),
                };
                v.push(Block::Line(format!("{name} stops reading {upto}: {p}")));
            } else if side.read_failed {
                v.push(Block::Line(format!(
                    "{name} does not read cleanly to its end (see `raftctl wal verify`)"
                )));
            }
        }
        let partial = self.a.read_failed || self.b.read_failed;
        let common = match (self.common_from, self.common_to) {
            (Some(f), Some(t)) => format!("{} common entries in {f} .. {t}", self.common_entries),
            _ => "none".into(),
        };
        let mut verdict = match (self.relation, &self.divergence) {
            (Relation::DifferentClusters, _) => format!(
                "different clusters (A {}, B {}): the logs are not copies of one log; nothing \
                 was compared",
                opt(self.a.cluster_id_hex.as_ref()),
                opt(self.b.cluster_id_hex.as_ref())
            ),
            (Relation::Identical, _) => format!(
                "identical: they agree on every index both hold ({common}) and end at the same one"
            ),
            (Relation::APrefixOfB, _) => format!("A is a prefix of B ({common})"),
            (Relation::BPrefixOfA, _) => format!("B is a prefix of A ({common})"),
            (Relation::Disjoint, _) => "no index in common".into(),
            (Relation::Diverged, Some(d)) => format!(
                "diverge at index {} ({} differs: A term {} {} {} B, B term {} {} {} B){}",
                d.index,
                d.field,
                d.a.term,
                d.a.entry_type,
                d.a.data_len,
                d.b.term,
                d.b.entry_type,
                d.b.data_len,
                if d.committed {
                    " — both members committed this index: the logs disagree on committed entries"
                } else {
                    " — above a commit index, so one side's uncommitted suffix"
                }
            ),
            (Relation::Diverged, None) => "diverged".into(),
        };
        let stopped_short = match self.relation {
            Relation::APrefixOfB => self.a.read_failed.then_some(("A", "B")),
            Relation::BPrefixOfA => self.b.read_failed.then_some(("B", "A")),
            _ => None,
        };
        if let Some((short, other)) = stopped_short {
            verdict = format!(
                "{short} agrees with {other} up to where it stops reading ({common}); the rest \
                 was not compared"
            );
        } else if partial && self.relation != Relation::DifferentClusters {
            verdict = format!("as far as both read: {verdict}; the rest was not compared");
        }
        v.push(Block::Line(verdict));
        v
    }
}

/// `snap dump` and `snap verify` show a list of files.
#[derive(serde::Serialize)]
pub struct SnapList {
    pub ok: bool,
    /// The snap dir looked in (none when one file was named).
    pub dir: Option<String>,
    /// The file etcd's `Snapshotter.Load` would pick: the newest (by name) that it can read.
    pub etcd_loads: Option<String>,
    pub files: Vec<SnapReport>,
    /// For `snap dump`: the application data, decoded where raftctl knows its format.
    #[serde(skip)]
    pub show_data: bool,
}

/// What a `.snap` file's application data is, for a table cell.
fn snap_data(r: &SnapReport) -> String {
    let Some(n) = r.data_len else {
        return "-".into();
    };
    let Some(f) = r.data_format else {
        return format!("{n} B");
    };
    match r.kv.as_ref() {
        Some(kv) if kv.get("error").is_none() => format!(
            "{n} B {f}: {} keys, {} B of keys and values",
            kv["keys"], kv["bytes"]
        ),
        Some(kv) => format!("{n} B {f} that does not decode: {}", kv["error"]),
        None => format!("{n} B {f}"),
    }
}

impl Tabular for SnapList {
    fn blocks(&self) -> Vec<Block> {
        self.blocks_fit(&Fit::default())
    }

    fn blocks_fit(&self, fit: &Fit) -> Vec<Block> {
        if self.files.is_empty() {
            let dir = self.dir.as_deref().unwrap_or("here");
            return vec![Block::Line(format!(
                "no .snap file in {dir}: a member that has not taken a snapshot yet (etcd starts \
                 from the WAL alone)"
            ))];
        }
        let mut t = table(&["FILE", "SIZE", "TERM", "INDEX", "CRC", "MEMBERSHIP", "DATA"]);
        for r in &self.files {
            let crc = match (r.crc, r.crc_ok) {
                (Some(c), Some(true)) => format!("{c:08x} ok"),
                (Some(c), Some(false)) => format!("{c:08x} BAD"),
                (Some(c), None) => format!("{c:08x}"),
                _ => "-".into(),
            };
            t.add_row(vec![
                fit.path(&r.file),
                r.size.to_string(),
                opt(r.term),
                opt(r.index),
                crc,
                conf_state(r.conf_state.as_ref()),
                snap_data(r),
            ]);
        }
        let too_wide =
            |t: &comfy_table::Table, w: usize| t.lines().any(|l| l.trim_end().chars().count() > w);
        let mut v = match fit.width {
            Some(w) if too_wide(&t, w) => self
                .files
                .iter()
                .flat_map(|r| snap_card(r, fit, w))
                .collect(),
            _ => vec![Block::Table(Box::new(t))],
        };
        let problems: Vec<Problem> = self
            .files
            .iter()
            .flat_map(|r| r.problems.iter().cloned())
            .collect();
        if !problems.is_empty() {
            v.push(Block::Line(String::new()));
            v.extend(problems_fit(&problems, fit));
        }
        if self.show_data {
            for r in &self.files {
                match (&r.data, r.data_format, &r.kv) {
                    (Some(d), Some("etcd-v2-store"), _) => {
                        v.push(Block::Line(format!(
                            "\n{}: etcd v2 store",
                            fit.path(&r.file)
                        )));
                        v.push(Block::Table(Box::new(crate::snap::v2store::table(d))));
                    }
                    (_, Some("raftctl-kv"), Some(kv)) => {
                        v.push(Block::Line(format!("\n{}: raftctl KV", fit.path(&r.file))));
                        let mut t = table(&["KEY", "VALUE", "SIZE"]);
                        for k in kv["key_list"].as_array().into_iter().flatten() {
                            let cell = |v: &serde_json::Value| match v.as_str() {
                                Some(s) => crate::proto::describe::text(s.as_bytes()),
                                None => "(binary)".into(),
                            };
                            t.add_row(vec![
                                cell(&k["key"]),
                                cell(&k["value"]),
                                k["value_size"].to_string(),
                            ]);
                        }
                        v.push(Block::Table(Box::new(t)));
                    }
                    _ => {}
                }
            }
        }
        let errors = problems.iter().filter(|p| p.is_error()).count();
        let warnings = problems.len() - errors;
        let n = self.files.len();
        v.push(Block::Line(if self.ok {
            format!("\nOK: {n} .snap file(s) check out ({warnings} warning(s))")
        } else {
            format!("\nFAILED: {errors} error(s), {warnings} warning(s) in {n} .snap file(s)")
        }));
        v.push(Block::Line(match &self.etcd_loads {
            Some(f) => format!(
                "etcd would load {} (the newest .snap it can read)",
                fit.path(f)
            ),
            None => "etcd can read none of them: it would start from the WAL alone".into(),
        }));
        v
    }
}

/// One `.snap` file as a block of name/value lines, for a width its table row does not fit.
fn snap_card(r: &SnapReport, fit: &Fit, width: usize) -> Vec<Block> {
    let crc = match (r.crc, r.crc_ok) {
        (Some(c), Some(true)) => format!("{c:08x} ok"),
        (Some(c), Some(false)) => format!("{c:08x} BAD"),
        (Some(c), None) => format!("{c:08x}"),
        _ => "-".into(),
    };
    let mut kv = key_values(vec![
        ("size", format!("{} bytes", r.size)),
        ("term, index", format!("{}, {}", opt(r.term), opt(r.index))),
        ("crc", crc),
        ("membership", conf_state(r.conf_state.as_ref())),
        ("data", snap_data(r)),
    ]);
    super::fit_table(&mut kv, width, Some(&[1]));
    vec![Block::Line(fit.path(&r.file)), Block::Table(Box::new(kv))]
}
