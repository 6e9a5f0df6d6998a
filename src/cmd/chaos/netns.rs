//! `chaos --netns`: the network a run makes for its members, the faults the kernel makes in
//! it, and its removal. Root only; needs `ip` (iproute2) and `nft` (nftables).
//!
//! What a run of pid P makes (each name written to its record, `/run/raftctl-netns/rc-P`,
//! before it is made):
//! - `rc-P-br`, a namespace that holds only the bridge `br0`: the root namespace gets no new
//!   interface, address or route, so the addresses stay private to this run's namespaces.
//! - `rc-P-n<id>` for each member: `eth0` at 10.251.0.(10+id)/24, a veth whose other end
//!   (`v-n<id>`) is a port of `br0`. The member listens there (peers on 7380, its API on
//!   7379) and is started straight into it (`process::join_netns`: setns(2) between fork and
//!   exec, so the pid the run holds is the member's own and it kills by that pid).
//! - `rc-P-cl`, the clients' namespace, 10.251.0.2. The command's main thread joins it
//!   ([`Net::enter_clients`]) before it builds a tokio runtime or starts a member, and goes
//!   back at the end. A thread starts in the namespace of the thread that made it and a
//!   socket stays in the one it was made in, so every socket of the run — the workload's,
//!   the fault API's (`/faults`, `/failpoints`), the status polls, `member add`'s — is made
//!   there and reaches the members over the bridge, as a client on another host would.
//!
//! The subnet is the same for every run: it exists only inside one run's namespaces (its
//! bridge is in one of them), so two runs, or a host network on 10.251.0.0/24, never meet.
//!
//! Faults are rules of a table `inet raftctl` in the members' namespaces (one `nft -f`
//! transaction per namespace and fault):
//! - a partition of member A from the set S: A drops what comes from S and what goes to S;
//! - one way: A drops what it sends to the others' peer port, so the connections it dials
//!   (the only ones it sends Raft messages on) stall, while the others' connections to it
//!   still deliver (its acknowledgements leave from its own peer port, not to theirs);
//! - loss of N%: every member drops N% of its packets to the other members at random
//!   (`numgen random mod 100 < N`); TCP resends them, so the kernel's loss shows as delays
//!   and stalls, as on a lossy link;
//! - delay: netem on the member's `eth0` when this kernel has `sch_netem` (tried once when
//!   the network is made), else the fault API's in-process delay; the report says which.
//!
//! Healing flushes the table in every member namespace (and deletes any netem qdisc) at
//! once. Removal ([`Net`]'s drop, whatever ended the run): any process still in a namespace
//! of the run killed by pid (`ip netns pids`), every recorded namespace deleted (its veths
//! and the bridge go with it), the record removed. A run killed by SIGKILL cannot do that:
//! the next `--netns` run removes what the records of processes no longer running name (a
//! record holds its writer's start time: a pid reused since is not taken for it), and only
//! names of the record's own `rc-<pid>-` prefix.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use anyhow::{Context, anyhow, bail};

use crate::cluster::process::join_netns;
use crate::output::chaos::NetnsReport;

/// Where each run records the namespaces it makes.
const RECORDS: &str = "/run/raftctl-netns";
const SUBNET: &str = "10.251.0.0/24";
const CLIENT_IP: &str = "10.251.0.2";
/// raftctl's own default ports (`raftctl node`), the same in every member's namespace.
const PEER_PORT: u16 = 7380;
const API_PORT: u16 = 7379;
/// Member ids map to 10.251.0.(10+id).
const MAX_ID: u64 = 240;
const TABLE: &str = "raftctl";

/// The network of one run.
pub struct Net {
    /// `rc-<pid>`: every namespace of the run is named `<prefix>-…`.
    pub prefix: String,
    record: PathBuf,
    /// The namespaces made (or about to be), in order.
    made: Mutex<Vec<String>>,
    /// Members with a namespace.
    members: Mutex<BTreeSet<u64>>,
    /// Members with a netem qdisc in force.
    delayed: Mutex<BTreeSet<u64>>,
    /// `Ok` when netem works here; else why delay stays in-process.
    netem: Result<(), String>,
    /// Namespaces of earlier runs (dead pids) this one removed.
    stale_removed: Vec<String>,
}

/// Refuses a run that cannot make namespaces, in one line that says what to do.
pub fn preflight() -> anyhow::Result<()> {
    // SAFETY: geteuid(2) has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        bail!("--netns needs root: it makes network namespaces and nftables rules");
    }
    for (tool, package) in [("ip", "iproute2"), ("nft", "nftables")] {
        if which(tool).is_none() {
            bail!("--netns needs the `{tool}` command: install it (apt-get install -y {package})");
        }
    }
    Ok(())
}

/// `tool` on PATH, where `Command` looks for it.
fn which(tool: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Runs `prog args` (in namespace `ns`, when given) with `stdin`; its first line of stderr
/// is the error when it fails.
fn run(ns: Option<&str>, prog: &str, args: &[&str], stdin: Option<&str>) -> anyhow::Result<()> {
    let shown = || {
        let mut s = format!("{prog} {}", args.join(" "));
        if let Some(ns) = ns {
            s = format!("{s} (in {ns})");
        }
        s
    };
    let mut cmd = Command::new(prog);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(ns) = ns {
        join_netns(&mut cmd, ns).with_context(shown)?;
    }
    let mut child = cmd.spawn().with_context(shown)?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).with_context(shown)?;
    }
    let out = child.wait_with_output().with_context(shown)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "`{}` failed ({}): {}",
            shown(),
            out.status,
            err.lines().next().unwrap_or("no message").trim()
        );
    }
    Ok(())
}

/// The pids `ip netns pids` lists in namespace `ns`.
fn pids_in(ns: &str) -> Vec<u32> {
    Command::new("ip")
        .args(["netns", "pids", ns])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// SIGKILL to every process left in `ns` (not this one), then the namespace deleted.
fn remove_ns(ns: &str) -> bool {
    if !Path::new("/run/netns").join(ns).exists() {
        return false;
    }
    let me = std::process::id();
    for pid in pids_in(ns).into_iter().filter(|&p| p != me) {
        // SAFETY: kill(2) of a process that lives in a namespace this run (or a dead run of
        // ours, by its record) made: only raftctl members are started there.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
    run(None, "ip", &["netns", "del", ns], None).is_ok()
}

/// When process `pid` started (clock ticks after boot, field 22 of `/proc/<pid>/stat`):
/// with the pid, it names one process, never a later one that reuses the pid.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    // A zombie (killed, not reaped yet) runs no more.
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Whether the process that wrote a record (`pid`, started at `start`) still runs.
fn is_alive(pid: u32, start: u64) -> bool {
    start_time(pid) == Some(start)
}

/// Removes what the records of runs no longer alive name. Returns the namespaces removed.
fn remove_stale() -> Vec<String> {
    let mut removed = Vec::new();
    let Ok(dir) = std::fs::read_dir(RECORDS) else {
        return removed;
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("rc-").and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        // The first line is `start <ticks>`; a record without it is not removed by guess.
        let Some(start) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("start "))
            .and_then(|t| t.trim().parse::<u64>().ok())
        else {
            continue;
        };
        if is_alive(pid, start) {
            continue;
        }
        let own = format!("{name}-");
        for ns in text.lines().rev().filter(|l| l.starts_with(&own)) {
            if remove_ns(ns) {
                removed.push(ns.to_string());
            }
        }
        let _ = std::fs::remove_file(entry.path());
    }
    removed
}

/// Member `id`'s address.
fn ip_of(id: u64) -> anyhow::Result<String> {
    if !(1..=MAX_ID).contains(&id) {
        bail!("--netns gives addresses to member ids 1 to {MAX_ID}, not {id}");
    }
    Ok(format!("10.251.0.{}", 10 + id))
}

/// `{ a, b }`: an nftables set of the members' addresses.
fn set_of(ids: &[u64]) -> anyhow::Result<String> {
    let ips = ids
        .iter()
        .map(|&i| ip_of(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("{{ {} }}", ips.join(", ")))
}

/// Back to the namespace the thread was in before [`Net::enter_clients`].
pub struct Inside {
    back: File,
}

impl Drop for Inside {
    fn drop(&mut self) {
        // SAFETY: setns(2) on a descriptor this guard owns, of a network namespace.
        unsafe {
            libc::setns(self.back.as_raw_fd(), libc::CLONE_NEWNET);
        }
    }
}

impl Net {
    /// Makes the bridge, the clients' namespace and one namespace for each of members
    /// 1..=`nodes`; first removes what dead runs left. On an error, what was made is
    /// removed again (the drop).
    /// Call [`preflight`] first.
    pub fn create(nodes: u64) -> anyhow::Result<Net> {
        let me = std::process::id();
        let start = start_time(me).context("reading this process's start time")?;
        let stale_removed = remove_stale();
        std::fs::create_dir_all(RECORDS).with_context(|| format!("creating {RECORDS}"))?;
        let prefix = format!("rc-{me}");
        let mut net = Net {
            record: Path::new(RECORDS).join(&prefix),
            prefix,
            made: Mutex::new(Vec::new()),
            members: Mutex::new(BTreeSet::new()),
            delayed: Mutex::new(BTreeSet::new()),
            netem: Err("not tried".into()),
            stale_removed,
        };
        std::fs::write(&net.record, format!("start {start}\n"))
            .with_context(|| format!("writing {}", net.record.display()))?;
        let br = net.ns("br");
        net.add_ns(&br)?;
        for args in [
            &["link", "set", "dev", "lo", "up"][..],
            &["link", "add", "name", "br0", "type", "bridge"],
            &["link", "set", "dev", "br0", "up"],
        ] {
            net.ip(&br, args)?;
        }
        net.attach("cl", CLIENT_IP)?;
        for id in 1..=nodes {
            net.add_member(id)?;
        }
        net.netem = net.try_netem();
        Ok(net)
    }

    fn ns(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    fn ip(&self, ns: &str, args: &[&str]) -> anyhow::Result<()> {
        let mut all = vec!["-n", ns];
        all.extend_from_slice(args);
        run(None, "ip", &all, None)
    }

    /// Records `ns`, then makes it.
    fn add_ns(&self, ns: &str) -> anyhow::Result<()> {
        {
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            made.push(ns.to_string());
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&self.record)
                .with_context(|| format!("opening {}", self.record.display()))?;
            writeln!(f, "{ns}").with_context(|| format!("writing {}", self.record.display()))?;
        }
        run(None, "ip", &["netns", "add", ns], None)
    }

    /// A namespace `<prefix>-<suffix>` on the bridge, its `eth0` at `addr`.
    fn attach(&self, suffix: &str, addr: &str) -> anyhow::Result<()> {
        let ns = self.ns(suffix);
        let br = self.ns("br");
        let port = format!("v-{suffix}");
        let cidr = format!("{addr}/24");
        self.add_ns(&ns)?;
        self.ip(
            &br,
            &[
                "link", "add", "name", &port, "type", "veth", "peer", "name", "eth0", "netns", &ns,
            ],
        )?;
        self.ip(&br, &["link", "set", "dev", &port, "master", "br0", "up"])?;
        self.ip(&ns, &["addr", "add", &cidr, "dev", "eth0"])?;
        self.ip(&ns, &["link", "set", "dev", "eth0", "up"])?;
        self.ip(&ns, &["link", "set", "dev", "lo", "up"])
    }

    /// Member `id`'s namespace, on the bridge, with its empty fault table; returns the
    /// member's (peer, API) addresses in it.
    pub fn add_member(&self, id: u64) -> anyhow::Result<(String, String)> {
        let addr = ip_of(id)?;
        self.attach(&format!("n{id}"), &addr)?;
        let table = format!(
            "table inet {TABLE} {{\n\
             \tchain input {{ type filter hook input priority 0; policy accept; }}\n\
             \tchain output {{ type filter hook output priority 0; policy accept; }}\n\
             }}\n"
        );
        run(
            Some(&self.ns(&format!("n{id}"))),
            "nft",
            &["-f", "-"],
            Some(&table),
        )?;
        self.members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        Ok((format!("{addr}:{PEER_PORT}"), format!("{addr}:{API_PORT}")))
    }

    /// The (peer, API) addresses of members 1..=`nodes`.
    pub fn addrs(nodes: u64) -> anyhow::Result<Vec<(String, String)>> {
        (1..=nodes)
            .map(|id| {
                let a = ip_of(id)?;
                Ok((format!("{a}:{PEER_PORT}"), format!("{a}:{API_PORT}")))
            })
            .collect()
    }

    /// Whether netem can be added here (on the clients' `eth0`, removed again at once).
    fn try_netem(&self) -> Result<(), String> {
        let ns = self.ns("cl");
        if which("tc").is_none() {
            return Err("in-process (no tc command: apt-get install -y iproute2)".into());
        }
        let add = [
            "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "1ms",
        ];
        match run(Some(&ns), "tc", &add, None) {
            Ok(()) => {
                run(
                    Some(&ns),
                    "tc",
                    &["qdisc", "del", "dev", "eth0", "root"],
                    None,
                )
                .map_err(|e| format!("in-process (netem could not be removed: {e:#})"))?;
                Ok(())
            }
            Err(e) if format!("{e:#}").contains("qdisc kind is unknown") => {
                Err("in-process (no sch_netem in this kernel)".into())
            }
            Err(e) => Err(format!("in-process (netem: {e:#})")),
        }
    }

    /// Whether delay is made by netem.
    pub fn netem(&self) -> bool {
        self.netem.is_ok()
    }

    /// Joins the clients' namespace on this thread (the threads it makes from now on start
    /// there), until the guard drops. Call it before any runtime or member is started.
    pub fn enter_clients(&self) -> anyhow::Result<Inside> {
        let back =
            File::open("/proc/thread-self/ns/net").context("opening /proc/thread-self/ns/net")?;
        let path = Path::new("/run/netns").join(self.ns("cl"));
        let to = File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        // SAFETY: setns(2) on descriptors of network namespaces this function opened.
        if unsafe { libc::setns(to.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(anyhow!(std::io::Error::last_os_error()))
                .with_context(|| format!("joining {}", path.display()));
        }
        Ok(Inside { back })
    }

    /// The members that have a namespace of this run, in id order.
    fn member_ids(&self) -> Vec<u64> {
        self.members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect()
    }

    fn member_ns(&self, id: u64) -> anyhow::Result<String> {
        if !self
            .members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
        {
            bail!("node {id} has no namespace of this run");
        }
        Ok(self.ns(&format!("n{id}")))
    }

    /// Adds `rules` (nft commands, one a line) in member `id`'s namespace, as one transaction.
    fn rules(&self, id: u64, rules: &[String]) -> anyhow::Result<()> {
        if rules.is_empty() {
            return Ok(());
        }
        let script: String = rules
            .iter()
            .map(|r| format!("add rule inet {TABLE} {r}\n"))
            .collect();
        run(
            Some(&self.member_ns(id)?),
            "nft",
            &["-f", "-"],
            Some(&script),
        )
        .with_context(|| format!("adding nftables rules for node {id}"))
    }

    /// Members `cut` hear nothing from `from`, and `from` nothing from them.
    pub fn partition(&self, cut: &[u64], from: &[u64]) -> anyhow::Result<()> {
        for &a in cut {
            let others: Vec<u64> = from.iter().copied().filter(|&x| x != a).collect();
            if others.is_empty() {
                continue;
            }
            let set = set_of(&others)?;
            self.rules(
                a,
                &[
                    format!("input ip saddr {set} drop"),
                    format!("output ip daddr {set} drop"),
                ],
            )?;
        }
        Ok(())
    }

    /// Member `id`'s messages to `others` are lost; theirs to it arrive.
    pub fn one_way(&self, id: u64, others: &[u64]) -> anyhow::Result<()> {
        let others: Vec<u64> = others.iter().copied().filter(|&x| x != id).collect();
        if others.is_empty() {
            return Ok(());
        }
        let set = set_of(&others)?;
        self.rules(
            id,
            &[format!("output ip daddr {set} tcp dport {PEER_PORT} drop")],
        )
    }

    /// Each of `on` drops `rate` of its packets to the other members.
    pub fn loss(&self, on: &[u64], rate: f64) -> anyhow::Result<()> {
        let pct = (rate * 100.0).round().clamp(0.0, 100.0) as u32;
        let all = self.member_ids();
        for &a in on {
            let others: Vec<u64> = all.iter().copied().filter(|&x| x != a).collect();
            if others.is_empty() {
                continue;
            }
            let set = set_of(&others)?;
            // nft takes `< N` for N up to 99 only: all of it is a plain drop, none no rule.
            let rule = match pct {
                0 => continue,
                100.. => format!("output ip daddr {set} drop"),
                _ => format!("output ip daddr {set} numgen random mod 100 < {pct} drop"),
            };
            self.rules(a, &[rule])?;
        }
        Ok(())
    }

    /// netem delay of `ms` on the `eth0` of each of `on` (only when [`Net::netem`]).
    pub fn delay(&self, on: &[u64], ms: u64) -> anyhow::Result<()> {
        if let Err(why) = &self.netem {
            bail!("netem is not available: {why}");
        }
        let d = format!("{ms}ms");
        for &a in on {
            let ns = self.member_ns(a)?;
            self.delayed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(a);
            run(
                Some(&ns),
                "tc",
                &[
                    "qdisc", "replace", "dev", "eth0", "root", "netem", "delay", &d,
                ],
                None,
            )
            .with_context(|| format!("adding netem delay for node {a}"))?;
        }
        Ok(())
    }

    /// Every rule and qdisc of a fault removed, in every member's namespace.
    pub fn heal(&self) -> anyhow::Result<()> {
        let ids = self.member_ids();
        let mut failed = Vec::new();
        for id in ids {
            let ns = self.ns(&format!("n{id}"));
            if let Err(e) = run(Some(&ns), "nft", &["flush", "table", "inet", TABLE], None) {
                failed.push(format!("{e:#}"));
            }
        }
        let delayed = std::mem::take(&mut *self.delayed.lock().unwrap_or_else(|e| e.into_inner()));
        for id in delayed {
            let ns = self.ns(&format!("n{id}"));
            if let Err(e) = run(
                Some(&ns),
                "tc",
                &["qdisc", "del", "dev", "eth0", "root"],
                None,
            ) {
                failed.push(format!("{e:#}"));
            }
        }
        if !failed.is_empty() {
            bail!("kernel faults not removed: {}", failed.join("; "));
        }
        Ok(())
    }

    /// What the report says about the network.
    pub fn report(&self) -> NetnsReport {
        NetnsReport {
            prefix: self.prefix.clone(),
            subnet: SUBNET.into(),
            namespaces: self.made.lock().map(|m| m.len() as u64).unwrap_or_default(),
            partition: "nftables".into(),
            loss: "nftables".into(),
            delay: match &self.netem {
                Ok(()) => "netem".into(),
                Err(why) => why.clone(),
            },
            stale_removed: self.stale_removed.clone(),
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let made = std::mem::take(&mut *self.made.lock().unwrap_or_else(|e| e.into_inner()));
        // Members' namespaces first, the bridge's last.
        for ns in made.iter().rev() {
            remove_ns(ns);
        }
        let _ = std::fs::remove_file(&self.record);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_get_addresses_in_the_subnet_and_no_others() {
        assert_eq!(ip_of(1).unwrap(), "10.251.0.11");
        assert_eq!(ip_of(MAX_ID).unwrap(), "10.251.0.250");
        assert!(ip_of(0).is_err());
        assert!(ip_of(MAX_ID + 1).is_err());
        assert_eq!(set_of(&[1, 3]).unwrap(), "{ 10.251.0.11, 10.251.0.13 }");
        assert_eq!(
            Net::addrs(2).unwrap(),
            vec![
                (
                    "10.251.0.11:7380".to_string(),
                    "10.251.0.11:7379".to_string()
                ),
                (
                    "10.251.0.12:7380".to_string(),
                    "10.251.0.12:7379".to_string()
                ),
            ]
        );
    }

    /// Whether this machine can run the test; when it cannot, the test may skip only if
    /// RAFTCTL_REQUIRE_NETNS is unset (CI sets it).
    fn can_run(test: &str) -> bool {
        match preflight() {
            Ok(()) => true,
            Err(e) if std::env::var_os("RAFTCTL_REQUIRE_NETNS").is_some() => {
                panic!("RAFTCTL_REQUIRE_NETNS is set, but {e:#}")
            }
            Err(e) => {
                eprintln!("skipping {test}: {e:#}");
                false
            }
        }
    }

    /// Runs `f` on a thread of its own inside namespace `ns`: the sockets it makes are there.
    fn inside<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = Path::new("/run/netns").join(ns);
        std::thread::spawn(move || {
            let to = File::open(&path).unwrap();
            // SAFETY: setns(2) of this thread only, on a network namespace's descriptor.
            assert_eq!(
                unsafe { libc::setns(to.as_raw_fd(), libc::CLONE_NEWNET) },
                0
            );
            f()
        })
        .join()
        .unwrap()
    }

    /// A listener on `addr` made inside `ns` (it stays there), accepting in the background.
    fn listen(ns: &str, addr: &str) {
        let addr = addr.to_string();
        let l = inside(ns, move || std::net::TcpListener::bind(addr).unwrap());
        std::thread::spawn(move || {
            for s in l.incoming() {
                drop(s);
            }
        });
    }

    /// Whether a connection from inside `ns` to `addr` is made within 500 ms.
    fn reaches(ns: &str, addr: &str) -> bool {
        let addr: std::net::SocketAddr = addr.parse().unwrap();
        inside(ns, move || {
            std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(500))
                .is_ok()
        })
    }

    #[test]
    fn kernel_faults_cut_what_they_say_and_healing_restores_it_at_once() {
        if !can_run("kernel_faults_cut_what_they_say_and_healing_restores_it_at_once") {
            return;
        }
        let root = || {
            let o = Command::new("ip").args(["-o", "addr"]).output().unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let before = root();
        let net = Net::create(2).unwrap();
        // The root namespace gets no interface or address of the run.
        assert_eq!(root(), before);
        assert!(!before.contains("10.251.0."), "{before}");
        let (n1, n2, cl) = (net.ns("n1"), net.ns("n2"), net.ns("cl"));
        let peer = |id| format!("{}:{PEER_PORT}", ip_of(id).unwrap());
        let api = |id| format!("{}:{API_PORT}", ip_of(id).unwrap());
        for id in [1, 2] {
            let ns = net.ns(&format!("n{id}"));
            listen(&ns, &peer(id));
            listen(&ns, &api(id));
        }
        assert!(reaches(&n1, &peer(2)) && reaches(&n2, &peer(1)));
        assert!(reaches(&cl, &api(1)) && reaches(&cl, &api(2)));

        net.partition(&[1], &[1, 2]).unwrap();
        assert!(!reaches(&n1, &peer(2)) && !reaches(&n2, &peer(1)));
        // Clients are not cut off.
        assert!(reaches(&cl, &api(1)));
        net.heal().unwrap();
        assert!(reaches(&n1, &peer(2)) && reaches(&n2, &peer(1)));

        // One way: node 1 cannot reach node 2's peer port; node 2 still reaches node 1's.
        net.one_way(1, &[1, 2]).unwrap();
        assert!(!reaches(&n1, &peer(2)));
        assert!(reaches(&n2, &peer(1)));
        net.heal().unwrap();
        assert!(reaches(&n1, &peer(2)));

        // All of it lost: nothing goes through; none: everything does.
        net.loss(&[1, 2], 1.0).unwrap();
        assert!(!reaches(&n1, &peer(2)) && !reaches(&n2, &peer(1)));
        net.heal().unwrap();
        net.loss(&[1, 2], 0.0).unwrap();
        assert!(reaches(&n1, &peer(2)) && reaches(&n2, &peer(1)));
        net.heal().unwrap();

        let prefix = format!("{}-", net.prefix);
        let record = net.record.clone();
        drop(net);
        let left: Vec<String> = std::fs::read_dir("/run/netns")
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(&prefix))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(left, Vec::<String>::new());
        assert!(!record.exists());
    }

    #[test]
    fn a_live_run_is_told_from_a_reused_pid() {
        let me = std::process::id();
        let start = start_time(me).unwrap();
        assert!(is_alive(me, start));
        // The same pid started at another time is another process.
        assert!(!is_alive(me, start + 1));
        assert!(!is_alive(u32::MAX, start));
    }
}
