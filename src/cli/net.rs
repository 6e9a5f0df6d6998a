//! The flags of the commands that talk to a cluster (`--endpoints`, `--cluster-dir`, the two
//! timeouts) and which commands those are. Only those commands show and take them; each is
//! also taken before the command (`raftctl --endpoints … status`, as etcdctl users type it),
//! and a command that does not talk to a cluster refuses it there with one line.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, FromArgMatches};

use super::HumanDuration;

/// The heading these flags appear under in `--help` and the man pages.
pub const HEADING: &str = "Cluster options";

// Where to find the cluster's members and how long to wait for them. (Not a doc comment:
// clap would make it the about text of every command these flags are added to.)
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = HEADING)]
pub struct Net {
    /// The members' API addresses, HOST:PORT,… (http://HOST:PORT too); without it, those in
    /// the local cluster's cluster.json. ETCDCTL_ENDPOINTS is read when neither this flag nor
    /// RAFTCTL_ENDPOINTS is set.
    #[arg(
        long,
        env = "RAFTCTL_ENDPOINTS",
        value_delimiter = ',',
        value_name = "HOST:PORT,…"
    )]
    pub endpoints: Vec<String>,
    /// A live etcd (3.4+) cluster instead of raftctl members: its client addresses,
    /// HOST:PORT,… (http:// or https://HOST:PORT too; with --cacert a bare HOST:PORT is TLS).
    /// `status`, `top`, `member list|add|remove|promote` and `leader transfer` then speak
    /// etcd's gRPC API; ids are etcd's, in hex. A bare --etcd takes the URLs from
    /// ETCDCTL_ENDPOINTS. Not together with --endpoints.
    #[arg(
        long,
        env = "RAFTCTL_ETCD_ENDPOINTS",
        value_delimiter = ',',
        num_args = 0..=1,
        value_name = "HOST:PORT,…"
    )]
    pub etcd: Option<Vec<String>>,
    #[command(flatten)]
    pub dir: ClusterDir,
    /// How long to wait for a member to accept a connection and answer a status request.
    #[arg(
        long,
        env = "RAFTCTL_DIAL_TIMEOUT",
        value_name = "D",
        default_value = "2s"
    )]
    pub dial_timeout: HumanDuration,
    /// How long to wait for a command's own request (a write, a read, a conf change).
    #[arg(
        long,
        env = "RAFTCTL_COMMAND_TIMEOUT",
        value_name = "D",
        default_value = "10s"
    )]
    pub command_timeout: HumanDuration,
    /// Talk TLS to the members, trusting the CA in FILE (PEM; etcdctl's --cacert): HOST:PORT
    /// endpoints then mean https://. Without it, a cluster made by `cluster up --tls` is
    /// reached with the certificates in its cluster dir.
    #[arg(long, id = "tls_cacert", env = "RAFTCTL_CACERT", value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// The client certificate to present (PEM; etcdctl's --cert), with --key and --cacert.
    #[arg(long, id = "tls_cert", env = "RAFTCTL_CERT", value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The key of --cert (PEM; etcdctl's --key).
    #[arg(long, id = "tls_key", env = "RAFTCTL_KEY", value_name = "FILE")]
    pub key: Option<PathBuf>,
}

// The local cluster's directory (a plain comment, as above).
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = HEADING)]
pub struct ClusterDir {
    /// The local cluster's directory (cluster.json, the members' data dirs and logs).
    #[arg(
        long = "cluster-dir",
        env = "RAFTCTL_CLUSTER",
        value_name = "DIR",
        default_value = "raftctl-cluster"
    )]
    pub cluster_dir: PathBuf,
}

/// Which of the flags a command takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// None: it reads files or runs a member (`wal`, `snap`, `node`, `completions`, `man`).
    Nothing,
    /// Only `--cluster-dir`: it works on the local cluster's processes, never --endpoints.
    ClusterDir,
    /// All of them: it talks to members.
    All,
}

/// What the command at `path` (its names from the top, e.g. `["member", "add"]`) takes.
pub fn takes(path: &[&str]) -> Takes {
    match path {
        ["cluster", "status"] => Takes::All,
        ["cluster", _] => Takes::ClusterDir,
        ["status" | "top" | "put" | "get" | "del" | "bench" | "chaos" | "move-leader"] => {
            Takes::All
        }
        ["member" | "leader" | "endpoint", _] => Takes::All,
        _ => Takes::Nothing,
    }
}

/// Whether the command at `path` works on an etcd cluster with `--etcd` (`src/cmd/etcd.rs`).
pub fn takes_etcd(path: &[&str]) -> bool {
    matches!(
        path,
        ["status" | "top" | "move-leader"]
            | ["cluster", "status"]
            | ["member", "list" | "add" | "remove" | "promote"]
            | ["leader", "transfer"]
    )
}

/// Whether the command at `path` has etcdctl's boolean `--cluster` ("every member") of its own.
pub fn has_every_member_flag(path: &[&str]) -> bool {
    matches!(path, ["endpoint", "status" | "health"])
}

/// The id of the hidden `--cluster [DIR]` that catches the old spelling of `--cluster-dir`.
pub const OLD_CLUSTER: &str = "old_cluster";

/// The one line an old `--cluster DIR` gets.
pub const OLD_CLUSTER_HINT: &str = "--cluster is etcdctl's 'every member' (raftctl endpoint \
     status --cluster, endpoint health --cluster); the cluster directory is --cluster-dir DIR \
     (env RAFTCTL_CLUSTER)";

/// The hidden argument that catches `--cluster DIR` where it is not `endpoint`'s boolean.
pub fn old_cluster_arg() -> clap::Arg {
    clap::Arg::new(OLD_CLUSTER)
        .long("cluster")
        .num_args(0..=1)
        .value_name("DIR")
        .value_parser(clap::value_parser!(std::ffi::OsString))
        .action(clap::ArgAction::Set)
        .hide(true)
}

const IDS: [(&str, &str); 8] = [
    ("endpoints", "--endpoints"),
    ("etcd", "--etcd"),
    ("cluster_dir", "--cluster-dir"),
    ("dial_timeout", "--dial-timeout"),
    ("command_timeout", "--command-timeout"),
    ("tls_cacert", "--cacert"),
    ("tls_cert", "--cert"),
    ("tls_key", "--key"),
];

/// The flags in force for the command the user ran (`path`, its matches `leaf`): given after
/// the command, else before it (`top`), else from the environment (ETCDCTL_ENDPOINTS last),
/// else the defaults. A flag given before a command that does not take it, and the old
/// `--cluster DIR`, are usage errors: `Err` has the line to show.
pub fn resolve(top: &ArgMatches, path: &[&str], leaf: &ArgMatches) -> Result<Net, String> {
    let read = |e: clap::Error| e.to_string();
    let given = |m: &ArgMatches, id: &str| m.value_source(id) == Some(ValueSource::CommandLine);
    let old = |m: &ArgMatches| m.try_contains_id(OLD_CLUSTER).unwrap_or(false);
    if old(top) || old(leaf) {
        return Err(OLD_CLUSTER_HINT.to_string());
    }
    let takes = takes(path);
    let mut net = Net::from_arg_matches(top).map_err(read)?;
    for (id, flag) in IDS {
        let leaf_has = match takes {
            Takes::All => true,
            Takes::ClusterDir => id == "cluster_dir",
            Takes::Nothing => false,
        };
        if given(top, id) && !leaf_has {
            let what = match takes {
                Takes::ClusterDir => "works on the local cluster's processes (--cluster-dir)",
                _ => "does not talk to a cluster",
            };
            return Err(format!(
                "`raftctl {}` {what}: it does not take {flag}",
                path.join(" ")
            ));
        }
    }
    match takes {
        Takes::All => {
            let l = Net::from_arg_matches(leaf).map_err(read)?;
            if given(leaf, "endpoints") {
                net.endpoints = l.endpoints;
            }
            if given(leaf, "etcd") {
                net.etcd = l.etcd;
            }
            if given(leaf, "cluster_dir") {
                net.dir = l.dir;
            }
            if given(leaf, "dial_timeout") {
                net.dial_timeout = l.dial_timeout;
            }
            if given(leaf, "command_timeout") {
                net.command_timeout = l.command_timeout;
            }
            if given(leaf, "tls_cacert") {
                net.cacert = l.cacert;
            }
            if given(leaf, "tls_cert") {
                net.cert = l.cert;
            }
            if given(leaf, "tls_key") {
                net.key = l.key;
            }
        }
        Takes::ClusterDir if given(leaf, "cluster_dir") => {
            net.dir = ClusterDir::from_arg_matches(leaf).map_err(read)?;
        }
        _ => {}
    }
    if takes != Takes::All {
        // Not read from the environment either: `cluster up` with ETCDCTL_ENDPOINTS exported
        // for etcdctl starts a local cluster all the same.
        net.endpoints.clear();
        net.etcd = None;
        (net.cacert, net.cert, net.key) = (None, None, None);
        return Ok(net);
    }
    match (&net.cacert, &net.cert, &net.key) {
        (None, Some(_), _) | (None, _, Some(_)) => {
            return Err(
                "--cert and --key need --cacert (the CA the members' certificates are \
                 signed by)"
                    .into(),
            );
        }
        (_, Some(_), None) | (_, None, Some(_)) => {
            return Err("--cert and --key go together".into());
        }
        _ => {}
    }
    let endpoints_given = given(top, "endpoints") || given(leaf, "endpoints");
    let etcd_given = given(top, "etcd") || given(leaf, "etcd");
    if endpoints_given && etcd_given {
        return Err(
            "--etcd and --endpoints go to different clusters: give one (--etcd for \
                    etcd's members, --endpoints for raftctl's)"
                .into(),
        );
    }
    let endpoints_env = top.value_source("endpoints") == Some(ValueSource::EnvVariable);
    if endpoints_given || (endpoints_env && !etcd_given) {
        // The command line beats the environment; RAFTCTL_ENDPOINTS beats
        // RAFTCTL_ETCD_ENDPOINTS only as the other's equal: both set is refused below.
        if endpoints_env && !endpoints_given && net.etcd.is_some() {
            return Err(
                "both RAFTCTL_ENDPOINTS and RAFTCTL_ETCD_ENDPOINTS are set: unset one, \
                        or give --endpoints or --etcd"
                    .into(),
            );
        }
        net.etcd = None;
    }
    if let Some(urls) = &mut net.etcd {
        net.endpoints.clear();
        urls.retain(|u| !u.trim().is_empty());
        if urls.is_empty() {
            let from = std::env::var("ETCDCTL_ENDPOINTS").unwrap_or_default();
            *urls = split_list(&from);
            if urls.is_empty() {
                return Err(
                    "--etcd without URLs takes them from ETCDCTL_ENDPOINTS, which is \
                            not set: give --etcd HOST:PORT,…"
                        .into(),
                );
            }
        }
        return Ok(net);
    }
    if !endpoints_given
        && !endpoints_env
        && let Some(e) = std::env::var_os("ETCDCTL_ENDPOINTS")
    {
        net.endpoints = split_list(&e.to_string_lossy());
    }
    Ok(net)
}

/// A comma-separated list as etcdctl reads ETCDCTL_ENDPOINTS: trimmed, empty items dropped.
fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}
