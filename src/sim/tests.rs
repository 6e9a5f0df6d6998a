//! The simulation in the test suite: schedules, replays, and every planted bug caught.

use super::*;
use crate::node::PlantedBug;

/// Runs `count` seeds from 1 (`RAFTCTL_SIM_SEEDS=N` runs N instead), failing on the first
/// schedule that breaks an invariant (its message names the seed and the command that
/// replays it), and checks that the schedules did what they are there for.
fn schedules(opts: &Options, count: u64) -> Report {
    let count = std::env::var("RAFTCTL_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(count);
    let mut total = Report::default();
    for seed in 1..=count {
        match run(seed, opts) {
            Ok(r) => total.add(&r),
            Err(f) => panic!("{f}"),
        }
    }
    eprintln!("{count} schedules: {total}");
    // A schedule that does nothing proves nothing.
    assert!(
        total.acked_puts > 0 && total.reads > 0 && total.deletes > 0,
        "{total}"
    );
    assert!(total.crashes > 0 && total.partitions > 0, "{total}");
    total
}

/// 1,200 schedules of three members, with every kind of fault, membership changes and
/// transfers.
#[test]
fn three_members() {
    let t = schedules(&Options::default(), 1_200);
    assert!(
        t.crashes_at_sync > 0 && t.lost_writes > 0 && t.torn_writes > 0,
        "{t}"
    );
    assert!(t.conf_changes > 0 && t.joined > 0 && t.transfers > 0, "{t}");
}

/// 300 schedules of five members.
#[test]
fn five_members() {
    let opts = Options {
        members: 5,
        ..Options::default()
    };
    let t = schedules(&opts, 300);
    assert!(t.conf_changes > 0 && t.transfers > 0, "{t}");
}

/// Runs seeds from 1 until one fails with `bug` planted in every member, and checks that
/// the correct core passes that same seed: what was caught is the bug, not the schedule.
fn first_catch(bug: PlantedBug, opts: Options, limit: u64) -> Failure {
    let planted = Options {
        planted_bug: Some(bug),
        ..opts.clone()
    };
    let f = (1..=limit)
        .find_map(|seed| run(seed, &planted).err())
        .unwrap_or_else(|| panic!("{bug:?} planted, {limit} seeds run, none caught it"));
    if let Err(g) = run(f.seed, &opts) {
        panic!("the correct core fails seed {} too: {g}", f.seed);
    }
    eprintln!("{bug:?}: caught at seed {}: {}", f.seed, f.what);
    f
}

/// Reads answered from local state without ReadIndex are stale on a member cut off from
/// the leader.
#[test]
fn a_read_without_read_index_is_caught() {
    let f = first_catch(PlantedBug::ReadWithoutReadIndex, Options::default(), 200);
    assert!(
        f.what.contains("stale read") || f.what.contains("not linearizable"),
        "{f}"
    );
}

/// 500 schedules of the correct core under the crash rates the crash-sensitive planted
/// bugs are caught with: nothing to report.
#[test]
fn frequent_crashes_break_nothing() {
    let t = schedules(&crashy(), 500);
    assert!(t.crashes_at_sync > 0 && t.torn_writes > 0, "{t}");
}

fn crashy() -> Options {
    Options {
        crash: 0.02,
        crash_at_sync: 0.01,
        steps: 1_000,
        ..Options::default()
    }
}

/// Forgetting the vote across a crash lets a member vote twice in a term.
#[test]
fn a_forgotten_vote_is_caught() {
    first_catch(PlantedBug::ForgetVote, crashy(), 1_000);
}

/// Entries acknowledged before their fsync are lost by a crash in between.
#[test]
fn an_ack_before_fsync_is_caught() {
    first_catch(PlantedBug::AckBeforeFsync, crashy(), 300);
}

/// A follower's acknowledgement sent before its fsync promises what a crash at that
/// fsync loses.
#[test]
fn a_send_before_fsync_is_caught() {
    first_catch(PlantedBug::SendBeforeFsync, crashy(), 300);
}

/// Applying appended entries before they commit answers writes a later leader drops.
#[test]
fn an_apply_before_commit_is_caught() {
    first_catch(PlantedBug::ApplyBeforeCommit, Options::default(), 300);
}

/// A member that skips the leader's snapshot applies later entries to the wrong state.
#[test]
fn a_skipped_snapshot_is_caught() {
    first_catch(PlantedBug::SkipSnapshotInstall, Options::default(), 300);
}

/// One seed is one run: the same seed twice gives the same trace.
#[test]
fn a_seed_replays_exactly() {
    let opts = Options::default();
    let a = run(7, &opts).unwrap_or_else(|f| panic!("{f}"));
    let b = run(7, &opts).unwrap_or_else(|f| panic!("{f}"));
    assert_eq!(a, b);
    assert!(a.crashes + a.partitions > 0 || a.acked_puts > 0);
}
