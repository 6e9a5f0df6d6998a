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
use crate::cluster::{Manifest, MemberEntry, process};
use crate::node::NodeConfig;
use crate::output::cluster::{Acted, UpNode, UpReport};
use crate::output::{self, Format};

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
            up(dir, nodes, base_port, foreground, flags, format, out)
        }
        ClusterCommand::Down { purge } => down(dir, purge, format, out),
        ClusterCommand::Status => super::kv::status(&Target::resolve(endpoints, dir)?, format, out),
        ClusterCommand::Stop { id } => one(dir, endpoints, id, "stop", format, out),
        ClusterCommand::Start { id } => one(dir, endpoints, id, "start", format, out),
        ClusterCommand::Restart { id } => one(dir, endpoints, id, "restart", format, out),
        ClusterCommand::Kill { id } => one(dir, endpoints, id, "kill", format, out),
    }
}

fn exe() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("finding the raftctl binary to start members with")
}

fn spinner(msg: &str) -> Option<indicatif::ProgressBar> {
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

fn up(
    dir: &Path,
    n: u64,
    base_port: Option<u16>,
    foreground: bool,
    flags: Vec<String>,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    if n == 0 {
        bail!(UsageError("--nodes must be at least 1".into()));
    }
    let start = Instant::now();
    let spin = spinner("preparing");
    let manifest = match Manifest::load(dir) {
        Ok(mut m) => {
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
                let report = up_report(&m, dir, start, None)?;
                output::diagnostic(&format!(
                    "a cluster is already running in {} (members {running:?})",
                    dir.display()
                ));
                output::render(&report, format, out)?;
                return Ok(Outcome::Ok);
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
            create(dir, n, base_port, flags, &spin)?
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
    output::render(&report, format, out)?;
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
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
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

fn create(
    dir: &Path,
    n: u64,
    base_port: Option<u16>,
    flags: Vec<String>,
    spin: &Option<indicatif::ProgressBar>,
) -> anyhow::Result<(Manifest, Vec<(u64, Child)>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let dir = dir
        .canonicalize()
        .with_context(|| format!("{}", dir.display()))?;
    let p = ports(2 * n as usize, base_port)?;
    let members: Vec<MemberEntry> = (1..=n)
        .map(|id| {
            let i = 2 * (id as usize - 1);
            MemberEntry {
                id,
                peer: format!("127.0.0.1:{}", p[i]),
                api: format!("127.0.0.1:{}", p[i + 1]),
                data_dir: dir.join(format!("n{id}")),
                log: dir.join(format!("n{id}.log")),
                pid: None,
                joined: false,
            }
        })
        .collect();
    let ic: Vec<(u64, String)> = members.iter().map(|m| (m.id, m.peer.clone())).collect();
    let mut m = Manifest {
        dir: dir.clone(),
        cluster_id: format!("{:x}", NodeConfig::derive_cluster_id(&ic)),
        members,
        node_flags: flags,
    };
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
fn wait_ready(m: &Manifest, children: &mut [(u64, Child)]) -> anyhow::Result<u64> {
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
            let c = Client::new(&e, Duration::from_secs(5));
            if rt
                .block_on(c.put("raftctl/up", b"ok".to_vec(), rand::random::<u64>().max(1)))
                .is_ok()
            {
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

fn down(dir: &Path, purge: bool, format: Format, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut m = Manifest::load(dir)?;
    let mut ids = Vec::new();
    for x in &mut m.members {
        if process::alive(x) {
            process::stop(x, STOP_GRACE);
            ids.push(x.id);
        }
        x.pid = None;
    }
    if purge {
        std::fs::remove_dir_all(&m.dir).with_context(|| format!("removing {}", m.dir.display()))?;
    } else {
        m.save()?;
    }
    let what = if purge {
        "stopped and purged"
    } else {
        "stopped"
    };
    output::render(
        &Acted {
            action: what.into(),
            ids,
        },
        format,
        out,
    )?;
    Ok(Outcome::Ok)
}

fn one(
    dir: &Path,
    endpoints: &[String],
    id: u64,
    action: &str,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<Outcome> {
    let t = Target::resolve(endpoints, dir)?;
    let mut m = t.local(&format!("cluster {action}"))?.clone();
    let known: Vec<u64> = m.members.iter().map(|x| x.id).collect();
    let Some(x) = m.member(id).cloned() else {
        bail!(UsageError(format!(
            "unknown node id {id} (the cluster has {known:?})"
        )));
    };
    let (done, pid) = match action {
        "stop" => {
            process::stop(&x, STOP_GRACE);
            ("stopped", None)
        }
        "kill" => {
            process::kill(&x);
            ("killed", None)
        }
        _ => {
            if action == "restart" {
                process::stop(&x, STOP_GRACE);
            } else if process::alive(&x) {
                bail!("node {id} is already running (pid {})", x.pid.unwrap_or(0));
            }
            let mut child =
                process::spawn(&exe()?, &m, &x).with_context(|| format!("starting node {id}"))?;
            let pid = child.id();
            // Recorded before waiting, so that `cluster down` finds it whatever happens next.
            if let Some(e) = m.member_mut(id) {
                e.pid = Some(pid);
            }
            m.save()?;
            if let Err(e) = wait_answering(&x, &mut child) {
                let _ = child.kill();
                let _ = child.wait();
                if let Some(e) = m.member_mut(id) {
                    e.pid = None;
                }
                m.save()?;
                return Err(e);
            }
            (
                if action == "start" {
                    "started"
                } else {
                    "restarted"
                },
                Some(pid),
            )
        }
    };
    if let Some(e) = m.member_mut(id) {
        e.pid = pid;
    }
    m.save()?;
    output::render(
        &Acted {
            action: done.into(),
            ids: vec![id],
        },
        format,
        out,
    )?;
    Ok(Outcome::Ok)
}

/// Waits until a started member answers its API; if it dies first, says why.
pub fn wait_answering(x: &MemberEntry, child: &mut Child) -> anyhow::Result<()> {
    let rt = target::runtime()?;
    let start = Instant::now();
    let c = Client::new(&x.api, Duration::from_secs(1));
    loop {
        if rt.block_on(c.status()).is_ok() {
            return Ok(());
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
                "node {} ({}) did not answer within {} s",
                x.id,
                x.api,
                START_DEADLINE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
