//! `raftctl recover …`.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum RecoverCommand {
    /// Make this member a one-member cluster, as etcd's --force-new-cluster does at start.
    ///
    /// Offline, on a stopped member's data dir: the entries after the commit index are
    /// dropped, a committed RemoveNode entry is appended for every other member, the commit is
    /// raised to the last of them and the cluster id is kept. The member dir is first copied
    /// to DIR/member.before-recover-<UTC time> (named in the output); then the WAL is
    /// rewritten. The .snap files and etcd's db stay as they are. Start the member normally
    /// afterwards (no recovery flags): it leads alone, then add new members. Refuses, changing
    /// nothing, a dir without a WAL, a WAL that does not verify (a torn tail: run `raftctl wal
    /// repair` first) and a member that is running.
    ForceNewCluster {
        /// The member's data dir (DIR/member/wal, DIR/member/snap): etcd's or raftctl's.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Print the plan (entries dropped, members removed, the new commit) and change
        /// nothing.
        #[arg(long)]
        dry_run: bool,
        /// Keep the entries after the commit index and commit them too, as this member would
        /// once elected, instead of dropping them as etcd does: etcd does not sync a
        /// HardState that only moves the commit, so after a crash the last acknowledged
        /// writes can sit after the commit the WAL records (the plan lists them).
        #[arg(long)]
        keep_uncommitted: bool,
    },
}
