//! The fault schedule: which fault, on whom and when, from the seed alone. Targets are picks
//! ("the leader", "member #k of the voters in id order") resolved when the fault starts, so
//! that the same seed gives the same schedule whoever happens to lead.

use std::fmt;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Serialize, Serializer};

/// A kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Kill,
    Pause,
    Partition,
    Loss,
    Delay,
    Transfer,
    Membership,
    /// A member armed at a persistence point (`crate::failpoint`) dies there.
    #[serde(rename = "crash-point")]
    CrashPoint,
    /// A follower cut off both ways until the leader has compacted past its log, then let
    /// through: the leader must send it a snapshot.
    Blackhole,
    /// A voter replaced in one joint change: a learner added (its process started), then
    /// promoted while the voter is removed, in one ConfChangeV2.
    Joint,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Kill,
        Kind::Pause,
        Kind::Partition,
        Kind::Loss,
        Kind::Delay,
        Kind::Transfer,
        Kind::Membership,
        Kind::CrashPoint,
        Kind::Blackhole,
        Kind::Joint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Kill => "kill",
            Kind::Pause => "pause",
            Kind::Partition => "partition",
            Kind::Loss => "loss",
            Kind::Delay => "delay",
            Kind::Transfer => "transfer",
            Kind::Membership => "membership",
            Kind::CrashPoint => "crash-point",
            Kind::Blackhole => "blackhole",
            Kind::Joint => "joint",
        }
    }

    /// Whether it needs the members' processes (a cluster this command started).
    pub fn needs_processes(self) -> bool {
        matches!(
            self,
            Kind::Kill | Kind::Pause | Kind::Membership | Kind::CrashPoint | Kind::Joint
        )
    }
}

/// Whom a fault is aimed at, chosen by the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Whoever leads when the fault starts.
    Leader,
    /// Voter `k mod n` of the voters in id order.
    Member(u64),
    /// Every member.
    All,
    /// The first ⌊(n-1)/2⌋ voters of an order the pick shuffles, cut off from the others.
    Minority(u64),
    /// Voter `k mod n`: its messages out are all dropped, those in still arrive.
    OneWay(u64),
}

/// `leader`, `member#3`, `all`, `minority#8`, `one-way#1`.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Leader => write!(f, "leader"),
            Target::Member(k) => write!(f, "member#{k}"),
            Target::All => write!(f, "all"),
            Target::Minority(k) => write!(f, "minority#{k}"),
            Target::OneWay(k) => write!(f, "one-way#{k}"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One fault of the schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planned {
    /// When it starts, in milliseconds from the start of the workload.
    pub at_ms: u64,
    pub kind: Kind,
    pub target: Target,
    /// How long it is held before it is healed (0: a one-off act, a transfer or a
    /// membership change, which takes what it takes).
    pub hold_ms: u64,
    /// Share of messages dropped (loss).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_rate: Option<f64>,
    /// Milliseconds added to each batch (delay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// The failpoint a crash-point fault arms (`raftctl::wal_save::after`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<&'static str>,
}

impl Planned {
    /// As the report shows it.
    pub fn item(&self) -> crate::output::chaos::ScheduleItem {
        crate::output::chaos::ScheduleItem {
            at_ms: self.at_ms,
            kind: self.kind.name().to_string(),
            target: self.target.to_string(),
            hold_ms: self.hold_ms,
            drop_rate: self.drop_rate,
            delay_ms: self.delay_ms,
            point: self.point.map(String::from),
        }
    }
}

/// Milliseconds of workload before the first fault, and kept free of faults at the end.
const WARM_UP_MS: u64 = 1000;

/// The most a blackhole takes: cut off until the leader compacts past the member's log, then
/// until it has installed the leader's snapshot (the report counts one that has not by then
/// apart).
pub const BLACKHOLE_HOLD_MS: u64 = 6000;

/// The schedule for a run of `duration_ms` with these kinds (none: an empty schedule). The
/// kinds come in rounds, each a shuffle of all of them, so that a short run still sees many
/// kinds; each fault ends before the run does.
pub fn plan(seed: u64, duration_ms: u64, kinds: &[Kind]) -> Vec<Planned> {
    let mut kinds: Vec<Kind> = kinds.to_vec();
    kinds.sort();
    kinds.dedup();
    let mut out = Vec::new();
    if kinds.is_empty() {
        return out;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut round: Vec<Kind> = Vec::new();
    let mut at = WARM_UP_MS;
    let end = duration_ms.saturating_sub(WARM_UP_MS / 2);
    loop {
        if round.is_empty() {
            round = kinds.clone();
            round.shuffle(&mut rng);
        }
        let Some(kind) = round.pop() else { break };
        let pick = rng.random_range(0..1000u64);
        let (target, hold_ms) = match kind {
            Kind::Kill | Kind::Pause => {
                let t = if rng.random_bool(0.5) {
                    Target::Leader
                } else {
                    Target::Member(pick)
                };
                (t, rng.random_range(1000..=3500))
            }
            Kind::Partition => {
                let t = match rng.random_range(0..3) {
                    0 => Target::Leader,
                    1 => Target::Minority(pick),
                    _ => Target::OneWay(pick),
                };
                (t, rng.random_range(1500..=4000))
            }
            Kind::Loss => (Target::All, rng.random_range(1500..=4000)),
            Kind::Delay => {
                let t = if rng.random_bool(0.5) {
                    Target::All
                } else {
                    Target::Member(pick)
                };
                (t, rng.random_range(1500..=4000))
            }
            Kind::Transfer | Kind::Membership | Kind::Joint => (Target::Member(pick), 0),
            // The hold is how long the member has to reach the point (a snapshot from the
            // leader needs it cut off first), then to stay down before it is started again.
            Kind::CrashPoint => (Target::Member(pick), rng.random_range(3500..=6000)),
            // A follower; the hold bounds the whole of it (cut off, compacted past, let
            // through, snapshot installed), which usually ends sooner.
            Kind::Blackhole => (Target::Member(pick), BLACKHOLE_HOLD_MS),
        };
        let point = (kind == Kind::CrashPoint).then(|| {
            let points = crate::failpoint::Point::ALL;
            points[rng.random_range(0..points.len())].name()
        });
        // Only the leader sends before its own fsync.
        let target = match point {
            Some(p) if p == crate::failpoint::Point::LeaderSendBefore.name() => Target::Leader,
            _ => target,
        };
        let drop_rate =
            (kind == Kind::Loss).then(|| f64::from(rng.random_range(10..=40u32)) / 100.0);
        let delay_ms = (kind == Kind::Delay).then(|| rng.random_range(20..=200));
        // A one-off act still takes a moment: leave it room before the end.
        let room = hold_ms.max(1000);
        if at + room > end {
            break;
        }
        out.push(Planned {
            at_ms: at,
            kind,
            target,
            hold_ms,
            drop_rate,
            delay_ms,
            point,
        });
        at += room + rng.random_range(300..=1200);
    }
    out
}

/// Voter `pick mod n` of `voters` (in id order).
pub fn nth(voters: &[u64], pick: u64) -> Option<u64> {
    let mut v = voters.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return None;
    }
    Some(v[(pick % v.len() as u64) as usize])
}

/// The minority a pick names: ⌊(n-1)/2⌋ voters of a shuffle seeded by the pick.
pub fn minority(voters: &[u64], pick: u64) -> Vec<u64> {
    let mut v = voters.to_vec();
    v.sort_unstable();
    v.shuffle(&mut StdRng::seed_from_u64(pick));
    v.truncate(voters.len().saturating_sub(1) / 2);
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let a = plan(7, 60_000, &Kind::ALL);
        assert_eq!(a, plan(7, 60_000, &Kind::ALL));
        assert_ne!(a, plan(8, 60_000, &Kind::ALL));
        assert!(a.len() > 10, "{a:?}");
    }

    #[test]
    fn faults_are_in_order_apart_and_inside_the_run() {
        for seed in 0..50 {
            let s = plan(seed, 20_000, &Kind::ALL);
            assert!(s.len() >= 4, "seed {seed}: {s:?}");
            for w in s.windows(2) {
                assert!(w[0].at_ms + w[0].hold_ms.max(1000) < w[1].at_ms, "{w:?}");
            }
            let last = s.last().unwrap();
            assert!(last.at_ms + last.hold_ms.max(1000) <= 19_500);
            assert!(s[0].at_ms >= WARM_UP_MS);
            // A round shuffles every kind: the first faults are all of different kinds.
            let mut first: Vec<Kind> = s.iter().take(4).map(|p| p.kind).collect();
            first.sort();
            first.dedup();
            assert_eq!(first.len(), 4, "seed {seed}: {s:?}");
        }
    }

    #[test]
    fn only_the_kinds_asked_for() {
        let s = plan(3, 60_000, &[Kind::Loss, Kind::Transfer]);
        assert!(
            s.iter()
                .all(|p| matches!(p.kind, Kind::Loss | Kind::Transfer))
        );
        assert!(
            s.iter()
                .all(|p| p.drop_rate.is_some() == (p.kind == Kind::Loss))
        );
        assert!(plan(3, 60_000, &[]).is_empty());
        let s = plan(3, 120_000, &[Kind::CrashPoint]);
        assert!(s.iter().all(|p| p.point.is_some()), "{s:?}");
        let mut points: Vec<&str> = s.iter().filter_map(|p| p.point).collect();
        points.sort();
        points.dedup();
        assert!(points.len() >= 4, "several points: {points:?}");
        // Too short for any fault.
        assert!(plan(3, 1_000, &Kind::ALL).is_empty());
        // A blackhole aims at a member (a follower, resolved when it starts) and is bounded
        // by its fixed hold; a joint replace names the voter to replace and holds nothing.
        let s = plan(3, 60_000, &[Kind::Blackhole, Kind::Joint]);
        assert!(s.iter().any(|p| p.kind == Kind::Blackhole), "{s:?}");
        assert!(s.iter().any(|p| p.kind == Kind::Joint), "{s:?}");
        for p in &s {
            assert!(matches!(p.target, Target::Member(_)), "{p:?}");
            let hold = if p.kind == Kind::Blackhole {
                BLACKHOLE_HOLD_MS
            } else {
                0
            };
            assert_eq!(p.hold_ms, hold, "{p:?}");
        }
        assert!(Kind::Joint.needs_processes() && !Kind::Blackhole.needs_processes());
    }

    #[test]
    fn targets_resolve_among_the_voters() {
        assert_eq!(nth(&[3, 1, 2], 0), Some(1));
        assert_eq!(nth(&[3, 1, 2], 4), Some(2));
        assert_eq!(nth(&[], 4), None);
        for pick in 0..20 {
            let m = minority(&[1, 2, 3, 4, 5], pick);
            assert_eq!(m.len(), 2);
            assert_eq!(m, minority(&[5, 4, 3, 2, 1], pick));
            assert_eq!(minority(&[1, 2, 3], pick).len(), 1);
        }
        assert_eq!(
            serde_json::to_value(Target::OneWay(3)).unwrap(),
            serde_json::json!("one-way#3")
        );
    }
}
