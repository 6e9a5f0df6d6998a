//! The shape of one schedule, and the flags that give it (`cargo run --example sim`).

use crate::node::PlantedBug;

/// The shape of one schedule.
#[derive(Debug, Clone)]
pub struct Options {
    pub members: u64,
    /// Steps of the faulty phase; a member ticks every [`super::TICK_EVERY`] steps.
    pub steps: u64,
    pub clients: usize,
    /// Chance per message of being lost, and of being delivered twice.
    pub drop: f64,
    pub duplicate: f64,
    /// Most steps a message waits before delivery (its order among others is random).
    pub max_delay: u64,
    /// Chance per step of a machine crash (what was not fsynced is lost or torn), and of a
    /// partition change.
    pub crash: f64,
    pub partition: f64,
    /// Chance per fsync that the machine dies right there, mid-Ready.
    pub crash_at_sync: f64,
    /// Chance per step that the operator asks the leader for a membership change (learner
    /// add, promote, remove, a joint replacement), and for a leadership transfer.
    pub conf_change: f64,
    pub transfer: f64,
    /// Members that may join beyond the first `members` (ids `members + 1 ..`).
    pub spares: u64,
    pub snapshot_count: u64,
    /// A bug to plant in every member (to prove the checks catch it).
    pub planted_bug: Option<PlantedBug>,
    /// Print every event to stderr as it happens (`--trace`).
    pub trace: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            members: 3,
            steps: 1_500,
            clients: 3,
            drop: 0.02,
            duplicate: 0.01,
            max_delay: 6,
            crash: 0.002,
            partition: 0.004,
            crash_at_sync: 0.001,
            conf_change: 0.003,
            transfer: 0.002,
            spares: 2,
            snapshot_count: 25,
            planted_bug: None,
            trace: false,
        }
    }
}

/// The flags of `cargo run --release --example sim`, one per [`Options`] field.
const FLAGS: &[&str] = &[
    "members",
    "steps",
    "clients",
    "drop",
    "duplicate",
    "max-delay",
    "crash",
    "partition",
    "crash-at-sync",
    "conf-change",
    "transfer",
    "spares",
    "snapshot-count",
    "planted-bug",
];

impl Options {
    fn get(&self, flag: &str) -> String {
        match flag {
            "members" => self.members.to_string(),
            "steps" => self.steps.to_string(),
            "clients" => self.clients.to_string(),
            "drop" => self.drop.to_string(),
            "duplicate" => self.duplicate.to_string(),
            "max-delay" => self.max_delay.to_string(),
            "crash" => self.crash.to_string(),
            "partition" => self.partition.to_string(),
            "crash-at-sync" => self.crash_at_sync.to_string(),
            "conf-change" => self.conf_change.to_string(),
            "transfer" => self.transfer.to_string(),
            "spares" => self.spares.to_string(),
            "snapshot-count" => self.snapshot_count.to_string(),
            "planted-bug" => self.planted_bug.map(bug_name).unwrap_or("none").into(),
            _ => String::new(),
        }
    }

    /// Sets the option a flag names (`--crash 0.02`), refusing what it cannot parse.
    pub fn set(&mut self, flag: &str, value: &str) -> Result<(), String> {
        fn num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
            v.parse()
                .map_err(|_| format!("--{flag}: {v:?} is not a number of the right kind"))
        }
        match flag {
            "members" => self.members = num(flag, value)?,
            "steps" => self.steps = num(flag, value)?,
            "clients" => self.clients = num(flag, value)?,
            "drop" => self.drop = num(flag, value)?,
            "duplicate" => self.duplicate = num(flag, value)?,
            "max-delay" => self.max_delay = num(flag, value)?,
            "crash" => self.crash = num(flag, value)?,
            "partition" => self.partition = num(flag, value)?,
            "crash-at-sync" => self.crash_at_sync = num(flag, value)?,
            "conf-change" => self.conf_change = num(flag, value)?,
            "transfer" => self.transfer = num(flag, value)?,
            "spares" => self.spares = num(flag, value)?,
            "snapshot-count" => self.snapshot_count = num(flag, value)?,
            "planted-bug" => {
                self.planted_bug = match value {
                    "none" => None,
                    v => Some(
                        PLANTED
                            .iter()
                            .copied()
                            .find(|b| bug_name(*b) == v)
                            .ok_or_else(|| {
                                let names: Vec<&str> =
                                    PLANTED.iter().map(|b| bug_name(*b)).collect();
                                format!("--planted-bug: {v:?} is none of {}", names.join(", "))
                            })?,
                    ),
                }
            }
            _ => {
                return Err(format!(
                    "--{flag}: no such option (options: {})",
                    FLAGS.join(", ")
                ));
            }
        }
        let rate = [
            self.drop,
            self.duplicate,
            self.crash,
            self.partition,
            self.crash_at_sync,
            self.conf_change,
            self.transfer,
        ];
        if rate.iter().any(|p| !(0.0..=1.0).contains(p)) {
            return Err(format!(
                "--{flag}: a chance is between 0 and 1, not {value}"
            ));
        }
        if self.members == 0 {
            return Err("--members: at least 1".into());
        }
        Ok(())
    }

    /// The flags that give these options (those that differ from the defaults).
    pub fn to_flags(&self) -> String {
        let default = Options::default();
        FLAGS
            .iter()
            .filter(|f| self.get(f) != default.get(f))
            .map(|f| format!(" --{f} {}", self.get(f)))
            .collect()
    }
}

/// Every planted bug, for `--planted-bug` and the tests.
pub const PLANTED: &[PlantedBug] = &[
    PlantedBug::ReadWithoutReadIndex,
    PlantedBug::ForgetVote,
    PlantedBug::AckBeforeFsync,
    PlantedBug::SendBeforeFsync,
    PlantedBug::ApplyBeforeCommit,
    PlantedBug::SkipSnapshotInstall,
];

/// A planted bug's flag value.
pub fn bug_name(b: PlantedBug) -> &'static str {
    match b {
        PlantedBug::ReadWithoutReadIndex => "read-without-read-index",
        PlantedBug::ForgetVote => "forget-vote",
        PlantedBug::AckBeforeFsync => "ack-before-fsync",
        PlantedBug::SendBeforeFsync => "send-before-fsync",
        PlantedBug::ApplyBeforeCommit => "apply-before-commit",
        PlantedBug::SkipSnapshotInstall => "skip-snapshot-install",
    }
}
