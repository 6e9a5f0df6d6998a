//! `raftctl doctor DIR…`: the data dirs of one cluster's members, read together (never
//! written). Per member what `wal verify` sees and what etcd would start from; across
//! members what no single dir shows — different cluster ids, two copies of one member, a log
//! that ends before what the others committed (the cause of raft's "tocommit(X) is out of
//! range [lastIndex(Y)]"), committed entries that differ, a member the others removed — and
//! which member has the newest log to recover from. Each finding says what it means and the
//! command that fixes it.

pub mod member;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use member::MemberReport;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A dir without a WAL: empty, wiped, or not a data dir.
    NoWal,
    /// The last write of the WAL was torn (`wal repair` cuts it as etcd does).
    TornTail,
    /// The WAL or a .snap has damage etcd refuses.
    Damaged,
    /// Files an earlier start or repair set aside.
    Broken,
    /// etcd's backend cannot be read.
    DbUnreadable,
    /// The backend is older than the snapshot etcd starts from, without the .snap.db that
    /// would restore it.
    DbBehindSnapshot,
    /// The backend applied entries the WAL does not show as committed.
    DbAheadOfWal,
    /// Dirs of different clusters.
    DifferentClusters,
    /// Two dirs of one member id.
    DuplicateMemberId,
    /// A log that ends before what the others committed.
    LogBehind,
    /// Committed entries differ between two members.
    Divergent,
    /// A member the newest log no longer lists.
    NotAMember,
    /// Members the newest log lists whose dirs were not given.
    MissingMembers,
    /// Which member to recover from, and how.
    RecoverFrom,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub message: String,
    pub dirs: Vec<String>,
    /// The command (or the step) that fixes it.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// No finding is an error.
    pub ok: bool,
    pub members: Vec<MemberReport>,
    pub findings: Vec<Finding>,
    /// The member with the newest log (last term, last index, commit) among those of the
    /// cluster most dirs belong to whose WAL reads cleanly.
    pub recover_from: Option<String>,
}

fn finding(
    kind: FindingKind,
    severity: Severity,
    message: String,
    dirs: Vec<String>,
    fix: Option<String>,
) -> Finding {
    Finding {
        kind,
        severity,
        message,
        dirs,
        fix,
    }
}

/// Reads every dir and reports on them together.
pub fn examine(dirs: &[PathBuf]) -> DoctorReport {
    let members: Vec<MemberReport> = dirs.iter().map(|d| member::read(d)).collect();
    let mut findings = Vec::new();
    for m in &members {
        own_findings(m, &mut findings);
    }
    let cluster = main_cluster(&members);
    different_clusters(&members, cluster, &mut findings);
    let ours: Vec<&MemberReport> = members
        .iter()
        .filter(|m| m.has_wal && m.cluster_id == cluster)
        .collect();
    duplicates(&ours, &mut findings);
    let best = ours
        .iter()
        .filter(|m| m.ok)
        .max_by_key(|m| m.rank())
        .copied();
    if let Some(best) = best {
        across(best, &ours, &mut findings);
        recover_advice(best, &ours, &mut findings);
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    DoctorReport {
        ok: !findings.iter().any(|f| f.severity == Severity::Error),
        recover_from: best.map(|b| b.dir.clone()),
        members,
        findings,
    }
}

fn hex(id: Option<u64>) -> String {
    id.map(|i| format!("{i:x}")).unwrap_or_else(|| "?".into())
}

/// How to take member `id` out and bring it back on an empty data dir, in raftctl's words
/// (decimal ids) and etcdctl's (hex ids).
fn readd(id: Option<u64>) -> String {
    let (dec, hex) = match id {
        Some(i) => (i.to_string(), format!("{i:x}")),
        None => ("ID".to_string(), "ID".to_string()),
    };
    format!(
        "remove the member and add it again on an empty data dir: `raftctl member remove {dec}` \
         then `raftctl member add` (etcd: `etcdctl member remove {hex}`, `etcdctl member add`, \
         start etcd with --initial-cluster-state existing)"
    )
}

/// What one dir shows by itself.
fn own_findings(m: &MemberReport, out: &mut Vec<Finding>) {
    let dir = vec![m.dir.clone()];
    if !m.has_wal {
        out.push(finding(
            FindingKind::NoWal,
            Severity::Error,
            format!(
                "{}: no WAL (member/wal with segments): an empty or wiped data dir",
                m.dir
            ),
            dir,
            Some(format!(
                "if the cluster still lists this member, {}",
                readd(None)
            )),
        ));
        return;
    }
    if m.only_torn_tail() {
        let after: u64 = m.errors().filter_map(|p| p.records_after).sum();
        out.push(finding(
            FindingKind::TornTail,
            Severity::Error,
            format!(
                "{}: the WAL's last write was torn (a crash or power cut mid-write); {after} \
                 record(s) after it would be cut with it",
                m.dir
            ),
            dir.clone(),
            Some(format!(
                "raftctl wal repair {} (cuts it where etcd does and keeps the segment as \
                 .broken)",
                m.dir
            )),
        ));
    } else if let Some(first) = m.errors().next() {
        let n = m.errors().count();
        out.push(finding(
            FindingKind::Damaged,
            Severity::Error,
            format!(
                "{}: {n} error(s) etcd will not start past; the first: {} ({})",
                m.dir, first.message, first.file
            ),
            dir.clone(),
            Some(format!(
                "do not start it as it is (`raftctl wal verify {}` lists every problem); {}",
                m.dir,
                readd(m.member_id)
            )),
        ));
    }
    if !m.broken.is_empty() {
        out.push(finding(
            FindingKind::Broken,
            Severity::Warning,
            format!(
                "{}: {} file(s) set aside by an earlier start or repair: {}",
                m.dir,
                m.broken.len(),
                m.broken.join(", ")
            ),
            dir.clone(),
            Some("keep them until the member runs well: they hold what was cut".into()),
        ));
    }
    if let Some(e) = &m.db_error {
        out.push(finding(
            FindingKind::DbUnreadable,
            Severity::Error,
            format!("{}: etcd's backend cannot be read: {e}", m.dir),
            dir.clone(),
            Some(readd(m.member_id)),
        ));
    }
    if let Some(ci) = m.db.as_ref().and_then(|d| d.consistent_index) {
        if ci < m.snapshot_index && !m.snap_db_present {
            out.push(finding(
                FindingKind::DbBehindSnapshot,
                Severity::Error,
                format!(
                    "{}: the backend's consistent index {ci} is older than the snapshot etcd \
                     starts from ({}), and member/snap/{:016x}.snap.db is not there: etcd 3.4 \
                     stops with \"failed to find database snapshot file\"",
                    m.dir, m.snapshot_index, m.snapshot_index
                ),
                dir.clone(),
                Some(readd(m.member_id)),
            ));
        }
        if m.commit > 0 && ci > m.commit {
            out.push(finding(
                FindingKind::DbAheadOfWal,
                Severity::Warning,
                format!(
                    "{}: the backend applied entries up to {ci}, but the WAL's commit is {}: \
                     the WAL lost writes the backend had already applied (a disk that lies \
                     about fsync, or a WAL copied from an older backup)",
                    m.dir, m.commit
                ),
                dir,
                Some(format!(
                    "compare it with the others (`raftctl wal diff {} OTHER`) before trusting it",
                    m.dir
                )),
            ));
        }
    }
}

/// The cluster id most dirs carry (ties: the one whose member has the newest log).
fn main_cluster(members: &[MemberReport]) -> Option<u64> {
    let mut by: BTreeMap<u64, (usize, (u64, u64, u64))> = BTreeMap::new();
    for m in members {
        if let Some(c) = m.cluster_id {
            let e = by.entry(c).or_insert((0, (0, 0, 0)));
            e.0 += 1;
            e.1 = e.1.max(m.rank());
        }
    }
    by.into_iter().max_by_key(|(_, v)| *v).map(|(c, _)| c)
}

fn different_clusters(members: &[MemberReport], cluster: Option<u64>, out: &mut Vec<Finding>) {
    let ours: Vec<String> = members
        .iter()
        .filter(|m| m.cluster_id == cluster)
        .map(|m| m.dir.clone())
        .collect();
    for m in members {
        if m.cluster_id.is_none() || m.cluster_id == cluster {
            continue;
        }
        out.push(finding(
            FindingKind::DifferentClusters,
            Severity::Error,
            format!(
                "{} is member {} of cluster {}, but {} belong to cluster {}: a dir restored \
                 from another cluster's backup (etcdctl snapshot restore makes a new cluster \
                 id), or a member of another cluster",
                m.dir,
                hex(m.member_id),
                hex(m.cluster_id),
                ours.join(", "),
                hex(cluster)
            ),
            vec![m.dir.clone()],
            Some(format!(
                "if it belongs to cluster {}: move {} away, then {}",
                hex(cluster),
                m.dir,
                readd(m.member_id)
            )),
        ));
    }
}

fn duplicates(ours: &[&MemberReport], out: &mut Vec<Finding>) {
    let mut by: BTreeMap<u64, Vec<&MemberReport>> = BTreeMap::new();
    for m in ours {
        if let Some(id) = m.member_id {
            by.entry(id).or_default().push(m);
        }
    }
    for (id, mut same) in by {
        if same.len() < 2 {
            continue;
        }
        same.sort_by_key(|m| std::cmp::Reverse(m.rank()));
        let dirs: Vec<String> = same.iter().map(|m| m.dir.clone()).collect();
        out.push(finding(
            FindingKind::DuplicateMemberId,
            Severity::Error,
            format!(
                "{} are all member {id:x}: copies of one member (a restore, or a dir copied to a \
                 new host); two running copies would vote twice",
                dirs.join(" and ")
            ),
            dirs.clone(),
            Some(format!(
                "keep {} (the newest log of them) and move the others away",
                dirs[0]
            )),
        ));
    }
}

/// Findings against the member with the newest log.
fn across(best: &MemberReport, ours: &[&MemberReport], out: &mut Vec<Finding>) {
    let max_commit = ours
        .iter()
        .filter(|m| m.ok)
        .map(|m| m.commit)
        .max()
        .unwrap_or(0);
    let listed: Vec<u64> = best.voters.iter().chain(&best.learners).copied().collect();
    for m in ours {
        if std::ptr::eq(*m, best) {
            continue;
        }
        if m.last_index < max_commit {
            out.push(finding(
                FindingKind::LogBehind,
                Severity::Warning,
                format!(
                    "{}'s log ends at {}, but the others committed up to {max_commit}: if it \
                     was only down, it catches up; if its data was lost or restored from an \
                     older copy while the leader kept running, the leader still thinks it holds \
                     more, and raft stops it with \"tocommit({max_commit}) is out of range \
                     [lastIndex({})]\"",
                    m.dir, m.last_index, m.last_index
                ),
                vec![m.dir.clone()],
                Some(format!(
                    "if it stops with that message: {}",
                    readd(m.member_id)
                )),
            ));
        }
        if !listed.is_empty()
            && let Some(id) = m.member_id
            && !listed.contains(&id)
        {
            out.push(finding(
                FindingKind::NotAMember,
                Severity::Warning,
                format!(
                    "{} is member {id:x}, which the newest log ({}) no longer lists: it was \
                     removed, and its data is stale",
                    m.dir, best.dir
                ),
                vec![m.dir.clone()],
                Some(format!(
                    "move {} away; to bring the machine back, add it as a new member",
                    m.dir
                )),
            ));
        }
        if m.ok {
            divergence(best, m, out);
        }
    }
}

/// Committed entries that differ between the newest log and `m` (`wal diff`).
fn divergence(best: &MemberReport, m: &MemberReport, out: &mut Vec<Finding>) {
    let Ok(d) = crate::wal::diff::diff(&best.path, &m.path) else {
        return;
    };
    if !d.unsafe_divergence() {
        return;
    }
    let at = d
        .divergence
        .as_ref()
        .map(|x| format!(" from index {}", x.index))
        .unwrap_or_default();
    out.push(finding(
        FindingKind::Divergent,
        Severity::Error,
        format!(
            "{} and {} hold different committed entries{at}: Raft's safety was broken (a disk \
             that lost synced writes, or a dir restored into a running cluster)",
            best.dir, m.dir
        ),
        vec![best.dir.clone(), m.dir.clone()],
        Some(format!(
            "`raftctl wal diff {} {}` shows the entries; keep one history: {}",
            best.dir,
            m.dir,
            readd(m.member_id)
        )),
    ));
}

/// Which member to recover from; when the voters the newest log lists are not all here,
/// how to make it a cluster of its own.
fn recover_advice(best: &MemberReport, ours: &[&MemberReport], out: &mut Vec<Finding>) {
    let present: Vec<u64> = ours.iter().filter_map(|m| m.member_id).collect();
    let missing: Vec<u64> = best
        .voters
        .iter()
        .chain(&best.learners)
        .copied()
        .filter(|id| !present.contains(id))
        .collect();
    let voters_here = best
        .voters
        .iter()
        .filter(|v| ours.iter().any(|m| m.ok && m.member_id == Some(**v)))
        .count();
    let quorum = best.voters.len() / 2 + 1;
    if !missing.is_empty() {
        let ids: Vec<String> = missing.iter().map(|i| format!("{i:x}")).collect();
        out.push(finding(
            FindingKind::MissingMembers,
            Severity::Info,
            format!(
                "the newest log lists member(s) {} whose data dirs were not given",
                ids.join(", ")
            ),
            Vec::new(),
            None,
        ));
    }
    let (severity, fix) = if !best.voters.is_empty() && voters_here < quorum {
        (
            Severity::Warning,
            Some(format!(
                "only {voters_here} of {} voters are here, short of a quorum of {quorum}: if \
                 the others are lost for good, make {} a cluster of its own — read the plan \
                 with `raftctl recover force-new-cluster --dry-run {}`, then run it without \
                 --dry-run and start the member normally (etcd's own way: start it once with \
                 --force-new-cluster) — then add new members",
                best.voters.len(),
                best.dir,
                best.dir
            )),
        )
    } else {
        (Severity::Info, None)
    };
    out.push(finding(
        FindingKind::RecoverFrom,
        severity,
        format!(
            "{} has the newest log: member {}, last entry {} of term {}, commit {}",
            best.dir,
            hex(best.member_id),
            best.last_index,
            best.last_term,
            best.commit
        ),
        vec![best.dir.clone()],
        fix,
    ));
}
