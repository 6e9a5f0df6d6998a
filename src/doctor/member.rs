//! One member's data dir as `doctor` reads it: the WAL's verdict, the state etcd would start
//! from, set-aside `.broken` files and, for etcd, the bbolt backend's consistent index.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::peers::{self, Known};
use crate::bbolt::{self, DbFacts};
use crate::problem::{Kind, Problem, Severity};
use crate::wal::layout::Layout;

/// What one data dir holds.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    pub dir: String,
    /// Exact u64 in JSON; `member_id_hex` as etcdctl prints it.
    pub member_id: Option<u64>,
    pub member_id_hex: Option<String>,
    pub cluster_id: Option<u64>,
    pub cluster_id_hex: Option<String>,
    pub term: u64,
    pub vote: u64,
    pub commit: u64,
    /// The last index the member holds (its last entry, or the snapshot it starts from).
    pub last_index: u64,
    pub last_term: u64,
    /// The snapshot etcd would start from (0: from the beginning).
    pub snapshot_index: u64,
    pub voters: Vec<u64>,
    pub learners: Vec<u64>,
    /// The WAL and .snap files verify without an error.
    pub ok: bool,
    pub problems: Vec<Problem>,
    /// Files a start or a repair set aside (`*.broken`).
    pub broken: Vec<String>,
    /// etcd's backend (`member/snap/db`), when there is one.
    pub db: Option<DbFacts>,
    /// Why the db could not be read, when it could not.
    pub db_error: Option<String>,
    /// The `<index>.snap.db` etcd 3.4 restores its backend from when the db is older than
    /// the snapshot it starts from, if that file is there.
    #[serde(skip)]
    pub snap_db_present: bool,
    /// Whether a WAL was found at all.
    #[serde(skip)]
    pub has_wal: bool,
    /// An etcd member's dir (it has etcd's backend, `member/snap/db`), not raftctl's.
    #[serde(skip)]
    pub etcd: bool,
    /// The members its start snapshot and WAL name, with their names and peer URLs.
    #[serde(skip)]
    pub known: BTreeMap<u64, Known>,
    #[serde(skip)]
    pub path: PathBuf,
}

/// Reads the data dir at `dir` (never writes).
pub fn read(dir: &Path) -> MemberReport {
    let mut r = MemberReport {
        dir: dir.display().to_string(),
        member_id: None,
        member_id_hex: None,
        cluster_id: None,
        cluster_id_hex: None,
        term: 0,
        vote: 0,
        commit: 0,
        last_index: 0,
        last_term: 0,
        snapshot_index: 0,
        voters: Vec::new(),
        learners: Vec::new(),
        ok: false,
        problems: Vec::new(),
        broken: Vec::new(),
        db: None,
        db_error: None,
        snap_db_present: false,
        has_wal: false,
        etcd: false,
        known: BTreeMap::new(),
        path: dir.to_path_buf(),
    };
    let layout = match Layout::open(dir) {
        Ok(l) if !l.segments.is_empty() => l,
        Ok(_) | Err(crate::wal::WalError::NotAWal { .. }) => {
            r.problems.push(Problem::error(
                Kind::NotASegment,
                r.dir.clone(),
                "no WAL here (no member/wal with segments): an empty or wiped data dir".into(),
            ));
            return r;
        }
        Err(e) => {
            r.problems
                .push(Problem::error(Kind::BadName, r.dir.clone(), e.to_string()));
            return r;
        }
    };
    r.has_wal = true;
    broken_files(&layout, &mut r.broken);
    match crate::datadir::verify(&layout) {
        Ok(v) => {
            r.ok = v.ok;
            r.member_id = v.node_id;
            r.member_id_hex = v.node_id_hex.clone();
            r.cluster_id = v.cluster_id;
            r.cluster_id_hex = v.cluster_id_hex.clone();
            if let Some(hs) = &v.hard_state {
                (r.term, r.vote, r.commit) = (hs.term, hs.vote, hs.commit);
            }
            let (snap_index, snap_term) = v
                .opens_from
                .as_ref()
                .map(|o| (o.index, o.term))
                .unwrap_or((0, 0));
            r.snapshot_index = snap_index;
            (r.last_index, r.last_term) = match (v.last_index, v.last_term) {
                (Some(i), Some(t)) if i >= snap_index => (i, t),
                _ => (snap_index, snap_term),
            };
            if let Some(cs) = &v.conf_state {
                r.voters = cs.voters.clone();
                r.learners = cs.learners.clone();
                r.voters.sort_unstable();
                r.learners.sort_unstable();
            }
            r.problems = v.problems;
            let snap_file = v.opens_from.as_ref().and_then(|o| o.snap_file.as_deref());
            r.known = peers::read(&layout, snap_file.map(Path::new));
        }
        Err(e) => r.problems.push(Problem::error(
            Kind::NotOpenable,
            r.dir.clone(),
            e.to_string(),
        )),
    }
    if let Some(snap) = &layout.snap_dir {
        let db = snap.join("db");
        if db.is_file() {
            r.etcd = true;
            match bbolt::read_facts(&db) {
                Ok(f) => r.db = Some(f),
                Err(e) => r.db_error = Some(e.to_string()),
            }
        }
        // etcd's snap.DBFilePath: "%016x.snap.db" of the snapshot index.
        r.snap_db_present = snap
            .join(format!("{:016x}.snap.db", r.snapshot_index))
            .is_file();
    }
    r
}

/// `*.broken` files in the WAL and snap dirs.
fn broken_files(layout: &Layout, out: &mut Vec<String>) {
    let dirs = layout
        .segments
        .first()
        .and_then(|s| s.path.parent().map(Path::to_path_buf))
        .into_iter()
        .chain(layout.snap_dir.clone());
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "broken"))
            .map(|p| p.display().to_string())
            .collect();
        names.sort();
        out.extend(names);
    }
}

impl MemberReport {
    /// The errors among its problems.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// Its only errors are a torn tail, which `wal repair` cuts as etcd would.
    pub fn only_torn_tail(&self) -> bool {
        let mut errors = self.errors().peekable();
        errors.peek().is_some() && errors.all(|p| p.kind == Kind::TornTail)
    }

    /// How doctor ranks logs: last term, then last index, then commit (Raft's up-to-date
    /// rule, §5.4.1, with the commit as the tie-break).
    pub fn rank(&self) -> (u64, u64, u64) {
        (self.last_term, self.last_index, self.commit)
    }
}
