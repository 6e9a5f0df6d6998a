//! `raftctl doctor DIR…`: the data dirs of one cluster's members, read together (never
//! written). Per member what `wal verify` sees and what etcd would start from; across
//! members what no single dir shows — different cluster ids, two copies of one member, a log
//! that ends before what the others committed (the cause of raft's "tocommit(X) is out of
//! range [lastIndex(Y)]"), committed entries that differ, a member the others removed — and
//! which member has the newest log to recover from. Each finding says what it means and the
//! command that fixes it.

pub mod member;
pub mod peers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use member::MemberReport;
use peers::Known;

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
    /// The command (or the steps) that fixes it.
    pub fix: Option<String>,
    /// The fix's shell commands, one a step, in order, to run as they are (etcdctl's against
    /// a running member: `ETCDCTL_ENDPOINTS`); the steps no command does are in `fix`.
    pub commands: Vec<String>,
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
        commands: Vec::new(),
    }
}

impl Finding {
    fn with_commands(mut self, commands: Vec<String>) -> Finding {
        self.commands = commands;
        self
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
    for m in members.iter().filter(|m| !m.has_wal) {
        no_wal(m, best, &ours, &mut findings);
    }
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

/// A member's data lost or not to be trusted: how to replace it with a new member on an
/// empty data dir. etcd's way (docs/v3.4/op-guide/runtime-configuration.md, "Replace a
/// failed machine"): remove it, add it again, start it on an empty dir with
/// `--initial-cluster-state existing`; raftctl's: remove, then `raftctl member add`.
struct Replace {
    text: String,
    commands: Vec<String>,
}

/// Who is replaced: the member's id, its dir, whether it is etcd's, and what the newest log
/// says of its name and peer URLs.
struct Target<'a> {
    id: Option<u64>,
    dir: &'a str,
    etcd: bool,
    known: Option<&'a Known>,
}

impl<'a> Target<'a> {
    fn of(m: &'a MemberReport, best: Option<&'a MemberReport>) -> Target<'a> {
        let known = m.member_id.and_then(|id| {
            best.and_then(|b| b.known.get(&id))
                .filter(|k| !k.peer_urls.is_empty())
                .or_else(|| m.known.get(&id))
        });
        Target {
            id: m.member_id,
            dir: &m.dir,
            etcd: m.etcd || best.is_some_and(|b| b.etcd),
            known,
        }
    }
}

/// A path as one shell word.
fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-:=,@+".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn replace(t: &Target) -> Replace {
    let aside = format!("mv {} {}", sh(t.dir), sh(&format!("{}.lost", t.dir)));
    if t.etcd {
        let id =
            t.id.map(|i| format!("{i:x}"))
                .unwrap_or_else(|| "ID".into());
        let name = t
            .known
            .map(|k| k.name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or("NAME");
        let urls = t
            .known
            .map(|k| k.peer_urls.join(","))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "PEER_URL".into());
        let commands = vec![
            format!("etcdctl member remove {id}"),
            aside,
            format!("etcdctl member add {} --peer-urls={}", sh(name), sh(&urls)),
        ];
        let text = format!(
            "replace it with a new member on an empty data dir (etcd's way for a member \
             whose data is lost), etcdctl talking to a running member: 1. `{}` 2. `{}` \
             (the old data, kept aside) 3. `{}` (if etcd answers \"unhealthy cluster\", its \
             members have not been connected for 5 s yet: run it again) 4. start etcd as \
             before on {}, which starts empty, with --initial-cluster-state existing and --initial-cluster set to the \
             ETCD_INITIAL_CLUSTER that `member add` printed",
            commands[0], commands[1], commands[2], t.dir
        );
        Replace { text, commands }
    } else {
        let id = t.id.map(|i| i.to_string()).unwrap_or_else(|| "ID".into());
        let commands = vec![
            format!("raftctl member remove {id}"),
            aside,
            "raftctl member add".to_string(),
        ];
        let text = format!(
            "replace it with a new member on an empty data dir: 1. `{}` 2. `{}` (the old \
             data, kept aside) 3. `{}` (on a local cluster it starts the new member; \
             elsewhere give it --id, --peer and --api and run the `raftctl node` command it \
             prints)",
            commands[0], commands[1], commands[2]
        );
        Replace { text, commands }
    }
}

/// What one dir shows by itself.
fn own_findings(m: &MemberReport, out: &mut Vec<Finding>) {
    let dir = vec![m.dir.clone()];
    if !m.has_wal {
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
        out.push(
            finding(
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
                    replace(&Target::of(m, None)).text
                )),
            )
            .with_commands(replace(&Target::of(m, None)).commands),
        );
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
        out.push(
            finding(
                FindingKind::DbUnreadable,
                Severity::Error,
                format!("{}: etcd's backend cannot be read: {e}", m.dir),
                dir.clone(),
                Some(replace(&Target::of(m, None)).text),
            )
            .with_commands(replace(&Target::of(m, None)).commands),
        );
    }
    if let Some(ci) = m.db.as_ref().and_then(|d| d.consistent_index) {
        if ci < m.snapshot_index && !m.snap_db_present {
            out.push(
                finding(
                    FindingKind::DbBehindSnapshot,
                    Severity::Error,
                    format!(
                        "{}: the backend's consistent index {ci} is older than the snapshot etcd \
                     starts from ({}), and member/snap/{:016x}.snap.db is not there: etcd 3.4 \
                     stops with \"failed to find database snapshot file\"",
                        m.dir, m.snapshot_index, m.snapshot_index
                    ),
                    dir.clone(),
                    Some(replace(&Target::of(m, None)).text),
                )
                .with_commands(replace(&Target::of(m, None)).commands),
            );
        }
        // A backend ahead of the WAL's commit alone is how etcd leaves every member: it does
        // not sync a HardState that only moves the commit (etcd 3.4 wal/wal.go Save,
        // raft.MustSync). Ahead of the WAL's last entry, the WAL lost entries.
        if ci > m.last_index {
            out.push(finding(
                FindingKind::DbAheadOfWal,
                Severity::Warning,
                format!(
                    "{}: the backend applied entries up to {ci}, but the WAL ends at {}: the \
                     WAL lost entries the member had applied — by a few, as a crash between \
                     etcd's apply and its WAL write leaves it (etcd 3.4 applies committed \
                     entries while the same batch is still being written, etcdserver/raft.go \
                     start); by more, its tail was cut or the WAL put back from an older copy",
                    m.dir, m.last_index
                ),
                dir,
                Some(format!(
                    "compare it with the others (`raftctl wal diff {} OTHER`); alone, do not \
                     start it as it is: the backend would skip new entries up to {ci} as \
                     already applied",
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
        out.push(
            finding(
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
                    "if it belongs to cluster {}: {}",
                    hex(cluster),
                    replace(&Target::of(m, None)).text
                )),
            )
            .with_commands(replace(&Target::of(m, None)).commands),
        );
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
        let removed = !listed.is_empty() && m.member_id.is_some_and(|id| !listed.contains(&id));
        // A member the others removed has nothing to catch up with (not-a-member says so).
        if m.last_index < max_commit && !removed {
            log_behind(m, best, max_commit, out);
        }
        if removed && let Some(id) = m.member_id {
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
    out.push(
        finding(
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
                replace(&Target::of(m, Some(best))).text
            )),
        )
        .with_commands(replace(&Target::of(m, Some(best))).commands),
    );
}

/// What raft does to a follower whose log ends before the commit the leader sends it: a
/// leader's heartbeat carries min(the follower's match, its commit), and a follower whose
/// log ends before that panics (etcd 3.4 raft/log.go commitTo, "tocommit(%d) is out of
/// range [lastIndex(%d)]. Was the raft log corrupted, truncated, or lost?"). The match is
/// what the member last acknowledged, so only a member that lost what it had acknowledged
/// while that leader ran on is stopped; one that was only down catches up.
fn log_behind(m: &MemberReport, best: &MemberReport, max_commit: u64, out: &mut Vec<Finding>) {
    let last = m.last_index;
    let applied =
        m.db.as_ref()
            .and_then(|d| d.consistent_index)
            .filter(|ci| *ci > last);
    // `etcdctl snapshot restore` writes one AddNode a member at term 1, a snapshot there and
    // nothing else (etcd 3.4 clientv3/snapshot/v3_snapshot.go saveWALAndSnap); with this
    // cluster's token and --initial-cluster, the member id is the one the others list.
    let restored = m.snapshot_index > 0 && m.snapshot_index == last && m.last_term <= 1;
    let r = replace(&Target::of(m, Some(best)));
    let (severity, what, fix) = if let Some(ci) = applied {
        (
            Severity::Error,
            format!(
                "its backend applied up to {ci}: its WAL lost entries it had written (a cut \
                 tail, or an older copy put back). If the leader that saw them is still \
                 running, etcd started on it panics at that leader's first heartbeat with \
                 \"tocommit(N) is out of range [lastIndex({last})]\", N the index the leader \
                 last saw it hold (at least {ci}, at most {max_commit}); under a new leader \
                 it would take the entries again"
            ),
            format!("do not start it as it is; {}", r.text),
        )
    } else if restored {
        (
            Severity::Error,
            format!(
                "its log is only a snapshot at {last} of term {}, what `etcdctl snapshot \
                 restore` writes: a member restored alone, under the member id the others \
                 still list. Started into the running cluster, etcd panics at the leader's \
                 first heartbeat with \"tocommit(N) is out of range [lastIndex({last})]\", N \
                 the index the leader last saw this member hold (at most {max_commit})",
                m.last_term
            ),
            format!(
                "do not start it as it is (a restore is for every member of a new cluster \
                 at once); {}",
                r.text
            ),
        )
    } else {
        (
            Severity::Warning,
            format!(
                "if it was only down, it catches up; if its data was lost or restored from an \
                 older copy while the leader kept running, etcd panics at that leader's first \
                 heartbeat with \"tocommit(N) is out of range [lastIndex({last})]\", N the \
                 index the leader last saw it hold (at most {max_commit})"
            ),
            format!("if it stops with that message: {}", r.text),
        )
    };
    out.push(
        finding(
            FindingKind::LogBehind,
            severity,
            format!(
                "{}'s log ends at {last}, but the others committed up to {max_commit}: {what}",
                m.dir
            ),
            vec![m.dir.clone()],
            Some(fix),
        )
        .with_commands(r.commands),
    );
}

/// A dir without a WAL. When the newest log lists a member whose dir is not among the
/// others, this is likely its dir wiped: the one member missing, or the one whose name the
/// dir bears (etcd's default data dir is `NAME.etcd`).
fn no_wal(
    m: &MemberReport,
    best: Option<&MemberReport>,
    ours: &[&MemberReport],
    out: &mut Vec<Finding>,
) {
    let present: Vec<u64> = ours.iter().filter_map(|o| o.member_id).collect();
    let missing: Vec<u64> = best
        .map(|b| {
            b.voters
                .iter()
                .chain(&b.learners)
                .copied()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|id| !present.contains(id))
        .collect();
    let base = Path::new(&m.dir)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let by_name = |id: &u64| {
        best.and_then(|b| b.known.get(id)).is_some_and(|k| {
            !k.name.is_empty() && (base == k.name || base == format!("{}.etcd", k.name))
        })
    };
    let id = match missing.as_slice() {
        [one] => Some(*one),
        _ => missing.iter().copied().find(by_name),
    };
    let etcd = best.is_some_and(|b| b.etcd);
    let known = id.and_then(|i| best.and_then(|b| b.known.get(&i)));
    let r = replace(&Target {
        id,
        dir: &m.dir,
        etcd,
        known,
    });
    let mut message = format!(
        "{}: no WAL (member/wal with segments): an empty or wiped data dir",
        m.dir
    );
    let fix = match id {
        Some(id) => {
            let name = known
                .map(|k| k.name.as_str())
                .filter(|n| !n.is_empty())
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            message.push_str(&format!(
                ", likely member {id:x}{name}, which the newest log still lists"
            ));
            if etcd {
                message.push_str(&format!(
                    ": etcd 3.4 started on it with the flags it was bootstrapped with \
                     (--initial-cluster-state new) refuses with \"member {id:x} has already been bootstrapped\"; with \
                     --initial-cluster-state existing it starts with an empty log and panics \
                     at the leader's first heartbeat with \"tocommit(N) is out of range \
                     [lastIndex(0)]\""
                ));
            }
            r.text
        }
        None => format!("if the cluster still lists this member, {}", r.text),
    };
    out.push(
        finding(
            FindingKind::NoWal,
            Severity::Error,
            message,
            vec![m.dir.clone()],
            Some(fix),
        )
        .with_commands(r.commands),
    );
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
