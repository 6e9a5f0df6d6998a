//! `raftctl cluster up|down|status|stop|start|restart|kill`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

use super::target::{self, Target};
use super::{Outcome, UsageError};
use crate::api::client::Client;
use crate::cli::ClusterCommand;
use crate::cluster::manifest::ManifestTls;
use crate::cluster::{Manifest, MemberEntry, process};
use crate::node::NodeConfig;
use crate::output::cluster::{Acted, UpNode, UpReport};
use crate::output::{self, Format};
use crate::tls::generate::Ca;

/// How long a member may take to start answering, and to elect a leader.
const START_DEADLINE: Duration = Duration::from_secs(20);
const STOP_GRACE: Duration = Duration::from_secs(10);

pub fn run(
    c: ClusterCommand,
    endpoints: &[String],
    dir: &Path,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    match c {
        ClusterCommand::Up {
            nodes,
            base_port,
            foreground,
            snapshot_count,
            allow_faults,
            tls,
        } => {
            if !endpoints.is_empty() {
                bail!(UsageError(
                    "cluster up starts a local cluster; it does not take --endpoints".into()
                ));
            }
            let mut flags = Vec::new();
            if let Some(n) = snapshot_count {
                flags.extend(["--snapshot-count".to_string(), n.to_string()]);
            }
            if allow_faults {
                flags.push("--allow-faults".into());
            }
            let opts = UpOptions {
                nodes,
                base_port,
                foreground,
                flags,
                tls,
            };
            up(dir, opts, format, out)
        }
        ClusterCommand::Down { purge } => down(dir, purge, format, out),
        ClusterCommand::Status => super::kv::status(&Target::resolve(endpoints, dir)?, format, out),
        ClusterCommand::Stop { id } => one(dir, id, "stop", format, out),
        ClusterCommand::Start { id } => one(dir, id, "start", format, out),
        ClusterCommand::Restart { id } => one(dir, id, "restart", format, out),
        ClusterCommand::Kill { id } => one(dir, id, "kill", format, out),
    }
}

pub(super) fn exe() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("finding the raftctl binary to start members with")
}

/// A spinner on stderr when it is a terminal.
pub(super) fn spinner(msg: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let s = indicatif::ProgressBar::new_spinner();
    s.enable_steady_tick(Duration::from_millis(80));
    s.set_message(msg.to_string());
    Some(s)
}

fn step(s: &Option<indicatif::ProgressBar>, msg: &str) {
    if let Some(s) = s {
        s.set_message(msg.to_string());
    }
}

/// What `cluster up` was asked for.
struct UpOptions {
    nodes: Option<u64>,
    base_port: Option<u16>,
    foreground: bool,
    /// Flags every member is started with.
    flags: Vec<String>,
    tls: bool,
}

fn up(dir: &Path, o: UpOptions, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let UpOptions {
        nodes,
        base_port,
        foreground,
        flags,
        tls,
    } = o;
    let n = nodes.unwrap_or(3);
    let start = Instant::now();
    let spin = spinner("preparing");
    let manifest = match Manifest::load(dir) {
        Ok(mut m) => {
            target::use_manifest_tls(&m)?;
            let running: Vec<u64> = m
                .members
                .iter()
                .filter(|x| process::alive(x))
                .map(|x| x.id)
                .collect();
            if !running.is_empty() && running.len() == m.members.len() {
                if let Some(s) = spin {
                    s.finish_and_clear();
                }
                // A report, not a wait: whoever answers as leader now (none during an election).
                let dial = target::timeouts().dial;
                let all = target::runtime()?.block_on(target::statuses(&m.endpoints(), dial));
                let leader = all
                    .iter()
                    .find_map(|(_, r)| r.as_ref().ok().filter(|s| s.role == "leader"))
                    .map(|s| s.id);
                let report = up_report(&m, dir, start, leader)?;
                output::diagnostic(&format!(
                    "a cluster is already running in {} (members {running:?})",
                    dir.display()
                ));
                output::render_fit(
                    &report,
                    format,
                    out,
                    &output::Fit {
                        width: output::width(),
                        base: None,
                    },
                )?;
                return Ok(Outcome::Ok);
            }
            let ignored: Vec<&str> = [
                ("--nodes", nodes.is_some()),
                ("--base-port", base_port.is_some()),
                ("--snapshot-count / --allow-faults", !flags.is_empty()),
                ("--tls", tls && m.tls.is_none()),
            ]
            .iter()
            .filter(|(_, given)| *given)
            .map(|(f, _)| *f)
            .collect();
            if !ignored.is_empty() {
                output::diagnostic(&format!(
                    "{} already holds a cluster: starting its stopped members as they were; {} \
                     ignored (`cluster down --purge` first for a new one)",
                    dir.display(),
                    ignored.join(", ")
                ));
            }
            step(&spin, "restarting the stopped members");
            let exe = exe()?;
            let mut children = Vec::new();
            for i in 0..m.members.len() {
                if !process::alive(&m.members[i]) {
                    children.push(start_member(&exe, &mut m, i)?);
                }
            }
            m.save()?;
            (m, children)
        }
        Err(crate::cluster::manifest::ManifestError::Missing { .. }) => {
            create(dir, n, base_port, flags, tls, &spin)?
        }
        Err(e) => return Err(e.into()),
    };
    let (manifest, mut children) = manifest;
    step(&spin, "waiting for a leader and a first committed write");
    let leader = match wait_ready(&manifest, &mut children) {
        Ok(l) => l,
        Err(e) => {
            if let Some(s) = &spin {
                s.finish_and_clear();
            }
            for m in &manifest.members {
                process::stop(m, Duration::from_secs(2));
            }
            return Err(e);
        }
    };
    if let Some(s) = spin {
        s.finish_and_clear();
    }
    let report = up_report(&manifest, dir, start, Some(leader))?;
    let fit = output::Fit {
        width: output::width(),
        base: None,
    };
    output::render_fit(&report, format, out, &fit)?;
    if foreground {
        return hold(manifest);
    }
    Ok(Outcome::Ok)
}

fn up_report(
    m: &Manifest,
    dir: &Path,
    start: Instant,
    leader: Option<u64>,
) -> anyhow::Result<UpReport> {
    Ok(UpReport {
        dir: dir.display().to_string(),
        cluster_id: m.cluster_id.clone(),
        leader,
        elapsed_ms: start.elapsed().as_millis() as u64,
        nodes: m
            .members
            .iter()
            .map(|x| UpNode {
                id: x.id,
                pid: x.pid,
                api: x.api.clone(),
                peer: x.peer.clone(),
                data_dir: x.data_dir.display().to_string(),
            })
            .collect(),
    })
}

fn ports(n: usize, base: Option<u16>) -> anyhow::Result<Vec<u16>> {
    if let Some(b) = base {
        let v: Vec<u16> = (0..n)
            .map(|i| b.checked_add(i as u16))
            .collect::<Option<_>>()
            .ok_or_else(|| UsageError("--base-port is too high".into()))?;
        for p in &v {
            std::net::TcpListener::bind(("127.0.0.1", *p))
                .map_err(|e| anyhow!("port {p} on 127.0.0.1 is not free: {e}"))?;
        }
        return Ok(v);
    }
    let ls: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<_, _>>()
        .context("picking free ports")?;
    Ok(ls
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .map(|a| a.port())
        .collect())
}

pub(super) fn create(
    dir: &Path,
    n: u64,
    base_port: Option<u16>,
    flags: Vec<String>,
    tls: bool,
    spin: &Option<indicatif::ProgressBar>,
) -> anyhow::Result<(Manifest, Vec<(u64, Child)>)> {
    // Ports first: a refused `up` leaves no cluster dir behind.
    let p = ports(2 * n as usize, base_port)?;
    let addrs = p
        .chunks(2)
        .map(|a| (format!("127.0.0.1:{}", a[0]), format!("127.0.0.1:{}", a[1])))
        .collect();
    create_at(dir, addrs, flags, None, tls, spin)
}

/// Starts members 1..=n at the given (peer, api) addresses, each in its network namespace
/// when `netns` names them (see [`Manifest::netns`]), with a CA and certificates when `tls`.
pub(super) fn create_at(
    dir: &Path,
    addrs: Vec<(String, String)>,
    flags: Vec<String>,
    netns: Option<String>,
    tls: bool,
    spin: &Option<indicatif::ProgressBar>,
) -> anyhow::Result<(Manifest, Vec<(u64, Child)>)> {
    let n = addrs.len();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("{}", dir.display()))?;
    let members: Vec<MemberEntry> = addrs
        .into_iter()
        .zip(1u64..)
        .map(|((peer, api), id)| MemberEntry {
            id,
            peer,
            api,
            data_dir: dir.join(format!("n{id}")),
            log: dir.join(format!("n{id}.log")),
            pid: None,
            joined: false,
        })
        .collect();
    let ic: Vec<(u64, String)> = members.iter().map(|m| (m.id, m.peer.clone())).collect();
    let mut m = Manifest {
        dir: dir.clone(),
        cluster_id: format!("{:x}", NodeConfig::derive_cluster_id(&ic)),
        members,
        node_flags: flags,
        removed: Vec::new(),
        tls: None,
        netns,
    };
    if tls {
        step(spin, "making a CA and certificates");
        let t = ManifestTls {
            dir: dir.join("tls"),
        };
        let ca =
            Ca::create(&t.dir).with_context(|| format!("cluster up --tls in {}", dir.display()))?;
        ca.issue_client()
            .with_context(|| format!("cluster up --tls in {}", dir.display()))?;
        m.tls = Some(t);
        target::use_manifest_tls(&m)?;
    }
    step(spin, &format!("starting {n} members"));
    let exe = exe()?;
    let mut children: Vec<(u64, Child)> = Vec::new();
    for i in 0..m.members.len() {
        match start_member(&exe, &mut m, i) {
            Ok(c) => children.push(c),
            Err(e) => {
                // Leave nothing running behind a failed start.
                for (_, c) in &mut children {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                return Err(e);
            }
        }
    }
    m.save()?;
    Ok((m, children))
}

/// Starts member `i` of `m`, recording its pid.
fn start_member(exe: &Path, m: &mut Manifest, i: usize) -> anyhow::Result<(u64, Child)> {
    let child = process::spawn(exe, m, &m.members[i])
        .with_context(|| format!("starting node {}", m.members[i].id))?;
    m.members[i].pid = Some(child.id());
    Ok((m.members[i].id, child))
}

/// Waits until a leader exists and a first write commits; a member that dies meanwhile ends
/// the wait with its last log lines.
pub(super) fn wait_ready(m: &Manifest, children: &mut [(u64, Child)]) -> anyhow::Result<u64> {
    let rt = target::runtime()?;
    let start = Instant::now();
    let eps = m.endpoints();
    loop {
        for (id, child) in children.iter_mut() {
            if let (Some(how), Some(x)) = (process::exited(child), m.member(*id)) {
                bail!(
                    "node {} ({}) exited during start ({how}); its last log lines:\n{}",
                    x.id,
                    x.api,
                    process::log_tail(x, 8)
                );
            }
        }
        if let Ok((s, e)) = rt.block_on(target::leader(&eps)) {
            // A linearizable read is answered only once the leader has committed an entry
            // of its own term (its no-op): a first committed write, without writing into
            // the user's keyspace.
            let c = Client::new(&e, Duration::from_secs(5));
            if rt.block_on(c.get("raftctl/up", false)).is_ok() {
                return Ok(s.id);
            }
        }
        if start.elapsed() > START_DEADLINE {
            bail!(
                "no leader was elected within {} s (logs in {})",
                START_DEADLINE.as_secs(),
                m.dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `--foreground`: wait for Ctrl-C or SIGTERM, then stop every member.
fn hold(m: Manifest) -> anyhow::Result<Outcome> {
    let rt = target::runtime()?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        anyhow::Ok(())
    })?;
    for x in &m.members {
        process::stop(x, STOP_GRACE);
    }
    let mut m = m;
    for x in &mut m.members {
        x.pid = None;
    }
    m.save()?;
    Ok(Outcome::Ok)
}

/// `cluster down [--purge]`: idempotent, as CI teardown needs: nothing left to stop or purge
/// is success.
fn down(dir: &Path, purge: bool, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut m = match Manifest::load(dir) {
        Ok(m) => m,
        Err(crate::cluster::manifest::ManifestError::Missing { .. }) => {
            let what = format!("nothing to do: no cluster in {}", dir.display());
            output::render(&Acted::new(&what, Vec::new()), format, out)?;
            return Ok(Outcome::Ok);
        }
        Err(e) => return Err(e.into()),
    };
    let mut ids = Vec::new();
    for x in &mut m.members {
        if process::alive(x) {
            process::stop(x, STOP_GRACE);
            ids.push(x.id);
        }
        x.pid = None;
    }
    let mut report = Acted::new("stopped", ids);
    if purge {
        std::fs::remove_dir_all(&m.dir).with_context(|| format!("removing {}", m.dir.display()))?;
        report.action = "purged".into();
        report.purged = Some(m.dir.display().to_string());
        report.members = m.members.iter().map(|x| x.id).collect();
    } else {
        Manifest::update(dir, |cur| {
            for x in &mut cur.members {
                x.pid = None;
            }
        })?;
    }
    output::render(&report, format, out)?;
    Ok(Outcome::Ok)
}

/// `cluster stop|start|restart|kill ID`: process management, always through the cluster
/// dir (never --endpoints). Each is idempotent: stopping a stopped member or starting a
/// running one says there was nothing to do and exits 0.
fn one(
    dir: &Path,
    id: u64,
    action: &str,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let m = Manifest::load(dir)?;
    target::use_manifest_tls(&m)?;
    let known: Vec<u64> = m.members.iter().map(|x| x.id).collect();
    let Some(x) = m.member(id).cloned() else {
        bail!("unknown node id {id} (the cluster has {known:?})");
    };
    let running = process::alive(&x);
    let done = match action {
        "stop" | "kill" if !running => "already stopped",
        "stop" => {
            process::stop(&x, STOP_GRACE);
            Manifest::set_pid(dir, id, None)?;
            "stopped"
        }
        "kill" => {
            process::kill(&x);
            Manifest::set_pid(dir, id, None)?;
            "killed"
        }
        "start" if running => "already running",
        _ => {
            if action == "restart" {
                process::stop(&x, STOP_GRACE);
            }
            let mut child =
                process::spawn(&exe()?, &m, &x).with_context(|| format!("starting node {id}"))?;
            // Recorded before waiting, so that `cluster down` finds it whatever happens next.
            Manifest::set_pid(dir, id, Some(child.id()))?;
            if let Err(e) = wait_following(&x, &mut child) {
                let _ = child.kill();
                let _ = child.wait();
                Manifest::set_pid(dir, id, None)?;
                return Err(e);
            }
            if action == "start" {
                "started"
            } else {
                "restarted"
            }
        }
    };
    output::render(&Acted::new(done, vec![id]), format, out)?;
    Ok(Outcome::Ok)
}

/// Waits until a started member answers its API and follows a leader (as `up` and `member
/// add` do); if it dies first, says why with its last log lines.
pub fn wait_following(x: &MemberEntry, child: &mut Child) -> anyhow::Result<()> {
    let rt = target::runtime()?;
    let start = Instant::now();
    let c = Client::new(&x.api, Duration::from_secs(1));
    let mut last = String::from("it did not answer");
    loop {
        match rt.block_on(c.status()) {
            Ok(s) if s.leader != 0 => return Ok(()),
            Ok(s) => last = format!("it answers but knows no leader (term {})", s.term),
            Err(_) => {}
        }
        if let Some(how) = process::exited(child) {
            bail!(
                "node {} ({}) exited during start ({how}); its last log lines:\n{}",
                x.id,
                x.api,
                process::log_tail(x, 8)
            );
        }
        if start.elapsed() > START_DEADLINE {
            bail!(
                "node {} ({}) did not join within {} s: {last}",
                x.id,
                x.api,
                START_DEADLINE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
