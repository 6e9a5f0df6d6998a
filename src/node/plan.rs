//! Decisions about membership and leadership as pure functions over what the leader sees:
//! which conf change to propose for a request (or why not), and whom to hand leadership to.
//! No raft-rs node, clock or I/O here, so every rule is tested from a table of cases
//! (`testdata/plan/*.txt`, raft-rs's datadriven style).

use std::collections::{BTreeMap, BTreeSet};

use raft::eraftpb::{ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2};

use super::boot::MemberContext;
use super::{Change, ChangeKind, NodeError};

/// A learner is caught up when its match is within this many entries of the leader's log.
pub const CAUGHT_UP: u64 = 100;

/// How far the leader has replicated to one peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub matched: u64,
    /// In raft-rs's replicate state (not probing, not being sent a snapshot).
    pub replicating: bool,
    pub recent_active: bool,
}

/// What the leader knows when it plans: its membership, its peers' progress and its log.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// This member.
    pub id: u64,
    pub voters: BTreeSet<u64>,
    pub learners: BTreeSet<u64>,
    /// The outgoing half while a joint configuration is not yet left.
    pub voters_outgoing: BTreeSet<u64>,
    pub peers: BTreeMap<u64, Peer>,
    pub last_index: u64,
    /// A conf change is proposed and not yet applied.
    pub pending: bool,
    /// Ids of members removed from the cluster (never used again).
    pub removed: BTreeSet<u64>,
}

fn invalid(reason: String) -> NodeError {
    NodeError::Invalid { reason }
}

/// The conf change that carries out `changes`, or why it must not be proposed: anything
/// raft-rs would silently turn into a no-op, and anything that would hurt the cluster.
pub fn conf_change(v: &View, changes: &[Change]) -> Result<ConfChangeV2, NodeError> {
    if changes.is_empty() {
        return Err(invalid("no change given".into()));
    }
    if v.pending {
        return Err(NodeError::Busy {
            reason: "a conf change is already in progress; retry when it has applied".into(),
        });
    }
    if !v.voters_outgoing.is_empty() {
        return Err(NodeError::Busy {
            reason: "the cluster is leaving a joint configuration; retry in a moment".into(),
        });
    }
    let mut voters = v.voters.clone();
    let mut ctx: BTreeMap<String, MemberContext> = BTreeMap::new();
    let mut cc = ConfChangeV2::default();
    for (i, c) in changes.iter().enumerate() {
        if c.id == 0 {
            return Err(invalid("member id 0 is not allowed".into()));
        }
        if changes[..i].iter().any(|x| x.id == c.id) {
            return Err(invalid(format!(
                "member {} appears more than once in one change",
                c.id
            )));
        }
        let adds = matches!(c.kind, ChangeKind::AddVoter | ChangeKind::AddLearner);
        if adds && v.removed.contains(&c.id) {
            return Err(invalid(format!(
                "member {} was removed from this cluster, and a removed member's id is never \
                 used again (its old log could come back with it): add it under a new id",
                c.id
            )));
        }
        let is_voter = v.voters.contains(&c.id);
        let is_learner = v.learners.contains(&c.id);
        let t = match c.kind {
            ChangeKind::AddVoter => {
                if is_voter {
                    return Err(invalid(format!("member {} is already a voter", c.id)));
                }
                if is_learner {
                    let p = v.peers.get(&c.id);
                    let ok =
                        p.is_some_and(|p| p.replicating && p.matched + CAUGHT_UP >= v.last_index);
                    if !ok {
                        let m = p.map(|p| p.matched).unwrap_or(0);
                        return Err(invalid(format!(
                            "learner {} has not caught up (match {m} of {}); promote it later",
                            c.id, v.last_index
                        )));
                    }
                }
                voters.insert(c.id);
                ConfChangeType::AddNode
            }
            ChangeKind::AddLearner => {
                if is_voter || is_learner {
                    return Err(invalid(format!("member {} is already a member", c.id)));
                }
                ConfChangeType::AddLearnerNode
            }
            ChangeKind::Remove => {
                if !is_voter && !is_learner {
                    return Err(invalid(format!(
                        "member {} is not a member of this cluster",
                        c.id
                    )));
                }
                if c.id == v.id {
                    return Err(invalid(format!(
                        "member {} is the leader: transfer leadership before removing it",
                        c.id
                    )));
                }
                voters.remove(&c.id);
                ConfChangeType::RemoveNode
            }
        };
        let mut s = ConfChangeSingle::default();
        s.set_change_type(t);
        s.node_id = c.id;
        cc.mut_changes().push(s);
        if !c.peer.is_empty() || !c.api.is_empty() {
            ctx.insert(
                c.id.to_string(),
                MemberContext {
                    peer: c.peer.clone(),
                    api: c.api.clone(),
                },
            );
        }
    }
    if voters.is_empty() {
        return Err(invalid("that would remove the last voter".into()));
    }
    // Several changes at once, or a change that leaves a single voter from two (raft-rs-notes
    // §3: the survivor can be stranded), go through joint consensus.
    let shrink_to_one = v.voters.len() == 2 && voters.len() == 1;
    if changes.len() > 1 || shrink_to_one {
        cc.set_transition(ConfChangeTransition::Implicit);
    }
    cc.context = serde_json::to_vec(&ctx).unwrap_or_default().into();
    Ok(cc)
}

/// What a transfer request comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// The target already leads: nothing to do.
    AlreadyLeader,
    /// Hand leadership to this voter.
    To(u64),
}

/// Whom to transfer leadership to: `to`, or the most caught-up recently active voter (ties to
/// the lowest id); refused when the target cannot lead.
pub fn transfer(v: &View, to: Option<u64>) -> Result<Transfer, NodeError> {
    let target = match to {
        Some(t) => t,
        None => v
            .peers
            .iter()
            .filter(|(id, _)| **id != v.id && v.voters.contains(id))
            .max_by_key(|(id, p)| (p.recent_active, p.matched, std::cmp::Reverse(**id)))
            .map(|(id, _)| *id)
            .ok_or_else(|| invalid("no other voter to transfer to".into()))?,
    };
    if target == v.id {
        return Ok(Transfer::AlreadyLeader);
    }
    if v.learners.contains(&target) {
        return Err(invalid(format!(
            "member {target} is a learner; only a voter can lead"
        )));
    }
    if !v.voters.contains(&target) {
        return Err(invalid(format!(
            "member {target} is not a voter of this cluster"
        )));
    }
    if let Some(p) = v.peers.get(&target)
        && !p.recent_active
    {
        return Err(invalid(format!(
            "member {target} is unreachable (not recently active; match {} of {})",
            p.matched, v.last_index
        )));
    }
    Ok(Transfer::To(target))
}

#[cfg(test)]
mod tests {
    //! Cases in `testdata/plan/*.txt`: a block of commands, `----`, then what they give.
    //!
    //! ```text
    //! view id=1 voters=1,2,3 learners=4 last=100 [outgoing=…] [removed=…] [pending]
    //! peer 4 match=95 replicate active
    //! change add-voter 4, remove 3
    //! transfer [ID]
    //! ```
    //! `view` and `peer` set the scene (kept for the following cases until the next `view`);
    //! `change` and `transfer` print what the planner decides. `UPDATE_GOLDEN=1` rewrites the
    //! expected blocks.

    use super::*;

    fn ids(s: &str) -> BTreeSet<u64> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .filter_map(|x| x.parse().ok())
            .collect()
    }

    fn describe(cc: &ConfChangeV2) -> String {
        let kind = if cc.get_transition() == ConfChangeTransition::Implicit {
            "joint"
        } else {
            "simple"
        };
        let parts: Vec<String> = cc
            .get_changes()
            .iter()
            .map(|c| format!("{:?} {}", c.get_change_type(), c.node_id))
            .collect();
        format!("{kind}: {}", parts.join(", "))
    }

    fn run(view: &mut View, line: &str) -> Option<String> {
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        match cmd {
            "view" => {
                *view = View::default();
                for kv in rest.split_whitespace() {
                    let (k, val) = kv.split_once('=').unwrap_or((kv, ""));
                    match k {
                        "id" => view.id = val.parse().unwrap(),
                        "voters" => view.voters = ids(val),
                        "learners" => view.learners = ids(val),
                        "outgoing" => view.voters_outgoing = ids(val),
                        "removed" => view.removed = ids(val),
                        "last" => view.last_index = val.parse().unwrap(),
                        "pending" => view.pending = true,
                        other => panic!("view: unknown {other}"),
                    }
                }
                None
            }
            "peer" => {
                let mut words = rest.split_whitespace();
                let id: u64 = words.next().unwrap().parse().unwrap();
                let mut p = Peer {
                    matched: 0,
                    replicating: false,
                    recent_active: false,
                };
                for w in words {
                    match w.split_once('=') {
                        Some(("match", m)) => p.matched = m.parse().unwrap(),
                        _ if w == "replicate" => p.replicating = true,
                        _ if w == "active" => p.recent_active = true,
                        _ => panic!("peer: unknown {w}"),
                    }
                }
                view.peers.insert(id, p);
                None
            }
            "change" => {
                let changes: Vec<Change> = rest
                    .split(',')
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| {
                        let (k, id) = c.trim().split_once(' ').unwrap();
                        let kind = match k {
                            "add-voter" => ChangeKind::AddVoter,
                            "add-learner" => ChangeKind::AddLearner,
                            "remove" => ChangeKind::Remove,
                            other => panic!("change: unknown {other}"),
                        };
                        Change::of(kind, id.parse().unwrap())
                    })
                    .collect();
                Some(match conf_change(view, &changes) {
                    Ok(cc) => describe(&cc),
                    Err(e) => format!("refused: {e}"),
                })
            }
            "transfer" => {
                let to = rest.trim().parse().ok();
                Some(match transfer(view, to) {
                    Ok(Transfer::AlreadyLeader) => "nothing to do: already the leader".into(),
                    Ok(Transfer::To(t)) => format!("transfer to {t}"),
                    Err(e) => format!("refused: {e}"),
                })
            }
            other => panic!("unknown command {other}"),
        }
    }

    /// Runs every case of one file; returns the file as it should read.
    fn run_file(text: &str) -> String {
        let mut out = String::new();
        let mut view = View::default();
        let mut blocks = text.split("\n\n").peekable();
        while let Some(block) = blocks.next() {
            let (input, _) = block.split_once("----").unwrap_or((block, ""));
            let mut got = Vec::new();
            for line in input.lines() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                got.extend(run(&mut view, line));
            }
            out.push_str(input.trim_end());
            out.push('\n');
            if block.contains("----") || !got.is_empty() {
                out.push_str("----\n");
                for g in got {
                    out.push_str(&g);
                    out.push('\n');
                }
            }
            if blocks.peek().is_some() {
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn datadriven_cases() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/plan");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|d| d.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no cases in {}", dir.display());
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let want = run_file(&text);
            if std::env::var_os("UPDATE_GOLDEN").is_some() {
                std::fs::write(&f, &want).unwrap();
            } else {
                assert_eq!(text, want, "{} (UPDATE_GOLDEN=1 to rewrite)", f.display());
            }
        }
    }
}
