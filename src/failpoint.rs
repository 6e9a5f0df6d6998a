//! Failpoints at a member's persistence points (issue 10): places in the Ready loop and the
//! durable log where a test or `raftctl chaos` can make the member crash, to show that what it
//! wrote up to there is enough to come back from.
//!
//! The points are the `fail` crate's (as TiKV uses it), with its `failpoints` feature on in
//! every build, so that a real member can be crashed at them. Two things keep them off and
//! free in normal use:
//! - each point is evaluated only while some point is armed: one relaxed atomic load of
//!   [`ARMED`] when none is, before the `fail` registry (a lock and a map look-up) is read;
//! - the only way to arm one is `PUT /failpoints` on a member started with `--allow-faults`
//!   (the API refuses it otherwise, 403 as for `/faults`). The `fail` crate's `FAILPOINTS`
//!   environment variable is read only by `fail::FailScenario::setup`, which raftctl never
//!   calls.
//!
//! Actions: `exit` ends the process at once with status [`EXIT_STATUS`] (`_exit`: no
//! destructors, no flushing, no fsync of anything not yet synced — a crash at that point),
//! `panic` aborts it (SIGABRT), `off` disarms. The registry is per process; the simulation
//! runs many members in one process and never arms any.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Deserialize;

/// The exit status of a member that an `exit` failpoint ended.
pub const EXIT_STATUS: i32 = 71;

/// A persistence point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Point {
    /// Before a Ready's entries and HardState are appended to the WAL (`DurableLog::persist`).
    WalSaveBefore,
    /// After they are appended and fsynced, before raft-rs is told (and the acks go out).
    WalSaveAfter,
    /// Before this member's own snapshot is written as a `.snap` (`write_snapshot`).
    SnapshotSaveBefore,
    /// After the `.snap` and its WAL record are durable, before the log is compacted.
    SnapshotSaveAfter,
    /// After the WAL segments a snapshot made unnecessary are released (`release_to`).
    WalReleaseAfter,
    /// Before a snapshot from the leader is written (`DurableLog::install_snapshot`).
    SnapshotApplyBefore,
    /// After its `.snap` and WAL record are durable, before the state machine takes it.
    SnapshotApplyAfter,
    /// Before the leader sends a Ready's messages (step 2 of `on_ready`).
    LeaderSendBefore,
}

impl Point {
    pub const ALL: [Point; 8] = [
        Point::WalSaveBefore,
        Point::WalSaveAfter,
        Point::SnapshotSaveBefore,
        Point::SnapshotSaveAfter,
        Point::WalReleaseAfter,
        Point::SnapshotApplyBefore,
        Point::SnapshotApplyAfter,
        Point::LeaderSendBefore,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Point::WalSaveBefore => "raftctl::wal_save::before",
            Point::WalSaveAfter => "raftctl::wal_save::after",
            Point::SnapshotSaveBefore => "raftctl::snapshot_save::before",
            Point::SnapshotSaveAfter => "raftctl::snapshot_save::after",
            Point::WalReleaseAfter => "raftctl::wal_release::after",
            Point::SnapshotApplyBefore => "raftctl::snapshot_apply::before",
            Point::SnapshotApplyAfter => "raftctl::snapshot_apply::after",
            Point::LeaderSendBefore => "raftctl::leader_send::before",
        }
    }

    pub fn from_name(name: &str) -> Option<Point> {
        Point::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// What an armed point does when it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Off,
    Exit,
    Panic,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Off, Action::Exit, Action::Panic];

    pub fn name(self) -> &'static str {
        match self {
            Action::Off => "off",
            Action::Exit => "exit",
            Action::Panic => "panic",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Whether any point is armed: the one load a point costs when none is.
static ARMED: AtomicBool = AtomicBool::new(false);
/// The points armed, and with what (the `fail` registry holds the callbacks).
static ACTIONS: Mutex<BTreeMap<Point, Action>> = Mutex::new(BTreeMap::new());

/// Evaluates point `p`: nothing unless some point is armed.
#[inline(always)]
pub fn point(p: Point) {
    if ARMED.load(Ordering::Relaxed) {
        eval(p);
    }
}

#[cold]
#[inline(never)]
fn eval(p: Point) {
    fail::fail_point!(p.name());
}

/// The body of `PUT /failpoints`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    pub name: String,
    pub action: String,
}

/// Reads a `PUT /failpoints` body, `{"name": N, "action": A}`; `Err` is one line naming the
/// field that is wrong.
pub fn parse(body: &[u8]) -> Result<(Point, Action), String> {
    let s: Setting = serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
            format!("the body is not JSON: {e}")
        }
        _ => e.to_string(),
    })?;
    let point = Point::from_name(&s.name).ok_or_else(|| {
        let names: Vec<&str> = Point::ALL.iter().map(|p| p.name()).collect();
        format!(
            "name {:?} is not a failpoint (one of {})",
            s.name,
            names.join(", ")
        )
    })?;
    let action = Action::from_name(&s.action).ok_or_else(|| {
        let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        format!("action {:?} is not one of {}", s.action, names.join(", "))
    })?;
    Ok((point, action))
}

/// Arms `p` with `action` (or disarms it: `off`), for this process.
pub fn set(p: Point, action: Action) {
    let mut actions = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    match action {
        Action::Off => {
            actions.remove(&p);
            fail::remove(p.name());
        }
        Action::Exit | Action::Panic => {
            actions.insert(p, action);
            // The name is one of ours, so the registry takes it.
            let _ = fail::cfg_callback(p.name(), move || crash(p, action));
        }
    }
    ARMED.store(!actions.is_empty(), Ordering::Relaxed);
}

/// Every point and its action (`off` when not armed), by name.
pub fn list() -> BTreeMap<String, String> {
    let actions = ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    Point::ALL
        .iter()
        .map(|p| {
            let a = actions.get(p).copied().unwrap_or(Action::Off);
            (p.name().to_string(), a.name().to_string())
        })
        .collect()
}

/// The member dies at point `p`: one line on stderr (unbuffered), then at once.
fn crash(p: Point, action: Action) {
    eprintln!(
        "failpoint {}: {} (the process ends here)",
        p.name(),
        action.name()
    );
    match action {
        Action::Panic => std::process::abort(),
        _ => {
            // SAFETY: `_exit` ends the process without running anything of ours: that is the
            // point (a crash here), and nothing is left for it to break.
            unsafe { libc::_exit(EXIT_STATUS) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_settings_name_their_field() {
        for p in Point::ALL {
            assert_eq!(Point::from_name(p.name()), Some(p));
        }
        assert_eq!(
            parse(br#"{"name":"raftctl::wal_save::after","action":"exit"}"#),
            Ok((Point::WalSaveAfter, Action::Exit))
        );
        let e = parse(br#"{"name":"raftctl::nope","action":"exit"}"#).unwrap_err();
        assert!(
            e.starts_with(r#"name "raftctl::nope" is not a failpoint"#),
            "{e}"
        );
        let e = parse(br#"{"name":"raftctl::wal_save::after","action":"return"}"#).unwrap_err();
        assert!(
            e.starts_with(r#"action "return" is not one of off, exit, panic"#),
            "{e}"
        );
        let e = parse(br#"{"name":"raftctl::wal_save::after"}"#).unwrap_err();
        assert!(e.contains("missing field `action`"), "{e}");
        let e = parse(br#"{"name":"x","action":"off","count":1}"#).unwrap_err();
        assert!(e.contains("unknown field `count`"), "{e}");
        assert!(parse(b"{").unwrap_err().contains("not JSON"));
    }

    /// Nothing is armed in this process (the simulation's members share it): every point is
    /// off and costs the one load.
    #[test]
    fn nothing_is_armed_unless_asked() {
        assert!(list().values().all(|a| a == "off"));
        assert!(!ARMED.load(Ordering::Relaxed));
        point(Point::WalSaveAfter);
    }
}
