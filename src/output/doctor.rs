//! `raftctl doctor` as tables: one row per member, then each finding with its fix, then the
//! member to recover from.

use super::{Block, Fit, Tabular, table, wrap};
use crate::doctor::{DoctorReport, Severity};

impl Tabular for DoctorReport {
    fn blocks(&self) -> Vec<Block> {
        self.blocks_fit(&Fit::default())
    }

    fn blocks_fit(&self, fit: &Fit) -> Vec<Block> {
        let mut t = table(&[
            "DIR", "MEMBER", "CLUSTER", "TERM", "VOTE", "COMMIT", "LAST", "SNAPSHOT", "VOTERS",
            "DB INDEX", "WAL",
        ]);
        for m in &self.members {
            let ids = |v: &[u64]| {
                v.iter()
                    .map(|i| format!("{i:x}"))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let db = match (&m.db, &m.db_error) {
                (Some(d), _) => d
                    .consistent_index
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "none".into()),
                (None, Some(_)) => "unreadable".into(),
                (None, None) => "-".into(),
            };
            let wal = if !m.has_wal {
                "none"
            } else if m.ok {
                "ok"
            } else {
                "damaged"
            };
            let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "?".into());
            t.add_row(vec![
                fit.path(&m.dir),
                opt(&m.member_id_hex),
                opt(&m.cluster_id_hex),
                m.term.to_string(),
                format!("{:x}", m.vote),
                m.commit.to_string(),
                format!("{} (term {})", m.last_index, m.last_term),
                m.snapshot_index.to_string(),
                ids(&m.voters),
                db,
                wal.to_string(),
            ]);
        }
        let mut blocks = vec![Block::Table(Box::new(t))];
        let width = fit.width.unwrap_or(100).max(40);
        for f in &self.findings {
            let tag = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            let kind = serde_json::to_value(f.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            blocks.push(Block::Line(String::new()));
            for l in wrap(&format!("{tag} [{kind}] {}", f.message), width) {
                blocks.push(Block::Line(l));
            }
            if let Some(fix) = &f.fix {
                for (i, l) in wrap(fix, width.saturating_sub(7)).into_iter().enumerate() {
                    let lead = if i == 0 { "  fix: " } else { "       " };
                    blocks.push(Block::Line(format!("{lead}{l}")));
                }
            }
        }
        let errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let verdict = match (&self.recover_from, errors) {
            (Some(d), 0) => format!("\nOK: no errors; the newest log is in {d}"),
            (Some(d), n) => format!("\nFAILED: {n} error(s); the newest log is in {d}"),
            (None, n) => format!("\nFAILED: {n} error(s); no member's WAL reads cleanly"),
        };
        blocks.push(Block::Line(verdict));
        blocks
    }
}
