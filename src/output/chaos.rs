//! `chaos` results: what ran, the faults, what the checks found; and `chaos --plan`'s
//! schedule. JSON has everything; the table says it in a few lines.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Block, Tabular, key_values, table};

/// One fault of the schedule, as the seed gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleItem {
    pub at_ms: u64,
    pub kind: String,
    /// `leader`, `member#K` (voter K mod n, in id order), `all`, `minority#K`, `one-way#K`.
    pub target: String,
    pub hold_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// The failpoint a crash-point fault arms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<String>,
}

/// A fault as it happened.
#[derive(Debug, Clone, Serialize)]
pub struct FaultEvent {
    pub kind: String,
    pub target: String,
    /// The members it hit.
    pub nodes: Vec<u64>,
    pub start_ms: u64,
    /// `null` while in force.
    pub end_ms: Option<u64>,
    /// False when it could not be carried out as planned (`note` says why).
    pub ok: bool,
    pub note: String,
    /// The failpoint a crash-point fault armed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point: Option<String>,
    /// Whether the member died there (a point not reached in time is disarmed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crashed: Option<bool>,
    /// A blackhole: whether the member installed a snapshot from the leader within the
    /// fault's hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<bool>,
}

/// Requests of one kind by what became of them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Fates {
    /// Answered.
    pub ok: u64,
    /// Certainly without effect (refused before proposing, never sent; failed reads).
    pub failed: u64,
    /// Sent, never answered: may take effect later or never.
    pub indeterminate: u64,
}

/// One op of the history, for people: its place in the history and what it was.
#[derive(Debug, Clone, Serialize)]
pub struct OpView {
    pub index: usize,
    pub client: u64,
    pub endpoint: String,
    /// `client 3 get "chaos/k001" -> "c2-17" [1200, 1450]` (times in µs).
    pub op: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnomalyView {
    pub key: String,
    /// `stale-read`, `never-written`, `reverted` or `other`.
    pub kind: String,
    pub description: String,
    /// The ops the description names.
    pub ops: Vec<OpView>,
    /// A sub-history that is not linearizable on its own.
    pub sub_history: Vec<OpView>,
    pub minimal: bool,
}

/// An acknowledged write nothing could have overwritten whose effect the final read did not
/// see.
#[derive(Debug, Clone, Serialize)]
pub struct Lost {
    pub key: String,
    pub write: OpView,
    /// What the final read found (`null`: absent).
    pub found: Option<String>,
}

/// One member's WAL after the run.
#[derive(Debug, Clone, Serialize)]
pub struct WalCheck {
    pub id: u64,
    pub data_dir: String,
    pub ok: bool,
    /// Errors, then warnings, one line each.
    pub problems: Vec<String>,
}

/// One member's key-value contents at an applied index.
#[derive(Debug, Clone, Serialize)]
pub struct KvCheck {
    pub id: u64,
    pub applied: u64,
    pub keys: u64,
    /// FNV-1a over every (key, value), in key order, in hex.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChaosReport {
    pub seed: u64,
    /// The workload's length as asked.
    pub duration_s: f64,
    /// As it ran.
    pub elapsed_s: f64,
    /// `local` (a cluster this command started) or `endpoints`.
    pub cluster: String,
    pub nodes: u64,
    pub clients: u64,
    pub keys: u64,
    /// Requests the clients made (the final write and reads not counted).
    pub ops: u64,
    pub ops_ok: u64,
    pub ops_per_sec: f64,
    pub min_rate: f64,
    pub ops_by_kind: BTreeMap<String, Fates>,
    /// Faults carried out, by kind.
    pub faults: BTreeMap<String, u64>,
    /// Crash-point faults by failpoint: members that died there.
    pub crash_points: BTreeMap<String, u64>,
    pub schedule: Vec<ScheduleItem>,
    pub events: Vec<FaultEvent>,
    /// What this run did not do, and why.
    pub skipped: Vec<String>,
    /// Ops the checker read (final reads included) and how many had no answer.
    pub history_ops: u64,
    pub history_unanswered: u64,
    pub linearizable: bool,
    /// `linearizable`, `not-linearizable` or `undecided`.
    pub outcome: String,
    pub anomalies: Vec<AnomalyView>,
    /// Keys the checker ran out of steps on.
    pub undecided: Vec<String>,
    pub lost: Vec<Lost>,
    pub final_write: bool,
    /// `null` when the data dirs are not at hand (--endpoints).
    pub wal_ok: Option<bool>,
    pub wal: Vec<WalCheck>,
    /// Whether the members' logs agree on every committed index (`wal diff`).
    pub logs_agree: Option<bool>,
    pub kv_ok: bool,
    pub kv: Vec<KvCheck>,
    /// Why the run failed; empty when it passed.
    pub problems: Vec<String>,
    pub ok: bool,
    pub report_dir: Option<String>,
    /// With `--netns`: the network the run made and how it made each network fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns: Option<NetnsReport>,
    /// The workload and the faults talked TLS to the members (`--tls`, or `--cacert`).
    pub tls: bool,
}

/// `chaos --netns`: the namespaces of the run and the mechanism of each network fault.
#[derive(Debug, Clone, Serialize)]
pub struct NetnsReport {
    /// Every namespace of the run is named `<prefix>-…` (`rc-<pid>`).
    pub prefix: String,
    pub subnet: String,
    /// Namespaces made (the bridge's, the clients', one per member); all removed at the end.
    pub namespaces: u64,
    /// `nftables`.
    pub partition: String,
    /// `nftables`.
    pub loss: String,
    /// `netem`, or `in-process (why)`: through the fault API.
    pub delay: String,
    /// Namespaces that runs no longer alive had left, removed before this one started.
    pub stale_removed: Vec<String>,
}

impl Tabular for ChaosReport {
    fn blocks(&self) -> Vec<Block> {
        let mut rows = vec![
            (
                "run",
                format!(
                    "seed {} · {:.1} s · {} cluster of {} · {} clients on {} keys",
                    self.seed, self.elapsed_s, self.cluster, self.nodes, self.clients, self.keys
                ),
            ),
            (
                "ops",
                format!(
                    "{} ({} ok, {:.0} ok/s; at least {} needed)",
                    self.ops, self.ops_ok, self.ops_per_sec, self.min_rate
                ),
            ),
        ];
        for (kind, f) in &self.ops_by_kind {
            rows.push((
                "",
                format!(
                    "{kind}: {} ok, {} failed, {} indeterminate",
                    f.ok, f.failed, f.indeterminate
                ),
            ));
        }
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        rows.push((
            "faults",
            if faults.is_empty() {
                "none".into()
            } else {
                faults.join(", ")
            },
        ));
        if !self.crash_points.is_empty() {
            let points: Vec<String> = self
                .crash_points
                .iter()
                .map(|(p, n)| format!("{p} {n}"))
                .collect();
            rows.push(("crashed at", points.join(", ")));
        }
        for s in &self.skipped {
            rows.push(("skipped", s.clone()));
        }
        if let Some(n) = &self.netns {
            rows.push((
                "netns",
                format!(
                    "{} namespaces {}-* on {}: partition by {}, loss by {}, delay {}",
                    n.namespaces, n.prefix, n.subnet, n.partition, n.loss, n.delay
                ),
            ));
            if !n.stale_removed.is_empty() {
                rows.push((
                    "",
                    format!(
                        "removed first, left by dead runs: {}",
                        n.stale_removed.join(", ")
                    ),
                ));
            }
        }
        rows.push((
            "history",
            format!(
                "{} ops checked ({} without an answer): {}",
                self.history_ops, self.history_unanswered, self.outcome
            ),
        ));
        rows.push(("lost writes", self.lost.len().to_string()));
        rows.push((
            "wal",
            match self.wal_ok {
                None => "not checked (no data dirs with --endpoints)".into(),
                Some(ok) => format!(
                    "{} of {} members verify{}",
                    self.wal.iter().filter(|w| w.ok).count(),
                    self.wal.len(),
                    match (ok, self.logs_agree) {
                        (_, Some(false)) => "; the logs disagree on committed entries",
                        (_, Some(true)) => "; the logs agree",
                        _ => "",
                    }
                ),
            },
        ));
        rows.push((
            "kv",
            match self.kv.first() {
                Some(k) if self.kv_ok => format!(
                    "{} members hold the same {} keys at index {} ({})",
                    self.kv.len(),
                    k.keys,
                    k.applied,
                    k.hash
                ),
                _ => "the members' contents differ, or could not be compared".into(),
            },
        ));
        if let Some(d) = &self.report_dir {
            rows.push(("report", d.clone()));
        }
        let mut blocks = vec![Block::Table(Box::new(key_values(rows)))];
        for a in &self.anomalies {
            blocks.push(Block::Line(format!(
                "\nanomaly on {} ({}): {}",
                a.key, a.kind, a.description
            )));
            let mut t = table(&["#", "ENDPOINT", "OP"]);
            for o in &a.sub_history {
                t.add_row(vec![o.index.to_string(), o.endpoint.clone(), o.op.clone()]);
            }
            blocks.push(Block::Table(Box::new(t)));
        }
        for l in &self.lost {
            blocks.push(Block::Line(format!(
                "lost: {} (the final read found {})",
                l.write.op,
                l.found.as_deref().unwrap_or("nothing")
            )));
        }
        blocks.push(Block::Line(if self.ok {
            "\nOK: linearizable, nothing lost, every WAL verifies, the members agree".into()
        } else {
            format!("\nFAILED: {}", self.problems.join("; "))
        }));
        blocks
    }
}

/// `chaos --plan`: the schedule a seed gives.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub seed: u64,
    pub duration_s: f64,
    pub faults: Vec<String>,
    pub schedule: Vec<ScheduleItem>,
}

impl Tabular for PlanReport {
    fn blocks(&self) -> Vec<Block> {
        let mut t = table(&["AT", "KIND", "TARGET", "HOLD", "AMOUNT"]);
        for s in &self.schedule {
            let amount = match (s.drop_rate, s.delay_ms) {
                (Some(r), _) => format!("drop {:.0}%", r * 100.0),
                (_, Some(d)) => format!("+{d} ms"),
                _ => String::new(),
            };
            t.add_row(vec![
                format!("{:.1}s", s.at_ms as f64 / 1000.0),
                s.kind.clone(),
                s.target.clone(),
                if s.hold_ms == 0 {
                    String::new()
                } else {
                    format!("{:.1}s", s.hold_ms as f64 / 1000.0)
                },
                amount,
            ]);
        }
        vec![
            Block::Line(format!(
                "seed {} · {} s · faults {}",
                self.seed,
                self.duration_s,
                self.faults.join(",")
            )),
            Block::Table(Box::new(t)),
        ]
    }
}
