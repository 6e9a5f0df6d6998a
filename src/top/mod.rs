//! `raftctl top`: a live dashboard of the cluster. Polling runs on its own task and hands
//! rounds of statuses over a channel, so a dead node (a slow time-out) never freezes the
//! screen; drawing reads only the app state.

pub mod app;
pub mod etcd;
pub mod ui;

use std::io::IsTerminal;
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc;

use app::{Action, App, At, NodeView};

use crate::api::client::Client;
use crate::cluster::{Manifest, process};

/// The shortest `--interval`: each round asks every node, so much less only burns a core
/// (0 polled in a loop).
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// What the dashboard watches.
#[derive(Clone)]
pub enum Source {
    /// raftctl's own members at their API endpoints, with the manifest of a local cluster
    /// (which k and s need).
    Raftctl {
        endpoints: Vec<String>,
        manifest: Option<Manifest>,
    },
    /// A live etcd cluster, asked at these endpoints (and its members' client URLs).
    Etcd(crate::etcd::Target),
}

/// How the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// q or Esc.
    Quit,
    /// Ctrl-C (or SIGINT, SIGTERM or SIGHUP from elsewhere).
    Interrupted,
}

/// `At` for now, on the dashboard's clock that began at `start`.
fn at(start: Instant) -> At {
    At {
        secs: start.elapsed().as_secs_f64(),
        unix: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    }
}

/// Asks every member each `interval`, sending a round, stamped with when it was asked,
/// once all have answered or timed out.
async fn poll(
    source: Source,
    interval: Duration,
    start: Instant,
    tx: mpsc::Sender<(Vec<NodeView>, At)>,
) {
    let timeout = interval.max(Duration::from_millis(500));
    let ids: Vec<Option<u64>> = match &source {
        Source::Raftctl {
            endpoints,
            manifest,
        } => endpoints
            .iter()
            .map(|e| {
                manifest
                    .as_ref()
                    .and_then(|m| m.members.iter().find(|x| e.ends_with(&x.api)).map(|x| x.id))
            })
            .collect(),
        Source::Etcd(_) => Vec::new(),
    };
    loop {
        let t = Instant::now();
        let asked = at(start);
        let round = match &source {
            Source::Raftctl { endpoints, .. } => crate::api::client::statuses(endpoints, timeout)
                .await
                .into_iter()
                .zip(&ids)
                .map(|((endpoint, status), id)| NodeView {
                    endpoint,
                    id: *id,
                    status: status.map_err(|e| short(&e)),
                })
                .collect(),
            Source::Etcd(dial) => {
                let target = dial.with_timeouts(timeout, timeout);
                etcd::views(&crate::etcd::cluster_status(&target).await)
            }
        };
        if tx.send((round, asked)).await.is_err() {
            return;
        }
        tokio::time::sleep(interval.saturating_sub(t.elapsed())).await;
    }
}

/// The reason part of a client error ("connection refused", "timed out").
pub(crate) fn short(e: &str) -> String {
    e.rsplit(": ").next().unwrap_or(e).to_string()
}

/// Runs the dashboard until q or Esc (`Exit::Quit`) or Ctrl-C (`Exit::Interrupted`). The
/// terminal is restored in every case, a panic included (ratatui's hook).
pub fn run(source: Source, interval: Duration) -> anyhow::Result<Exit> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let start = Instant::now();
    let (tx, mut rx) = mpsc::channel(4);
    rt.spawn(poll(source.clone(), interval, start, tx));
    let (done_tx, mut done_rx) = mpsc::channel::<String>(16);
    // In raw mode Ctrl-C is a key; a SIGINT sent from elsewhere ends the dashboard the same
    // way instead of killing it with the terminal still raw.
    // SIGTERM and SIGHUP (the terminal closing, `kill` without a signal) end it the same way,
    // so the terminal is given back whatever stops the dashboard.
    let (sigint_tx, mut sigint_rx) = mpsc::channel::<()>(3);
    let tx = sigint_tx.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(()).await;
        }
    });
    for kind in [
        tokio::signal::unix::SignalKind::terminate(),
        tokio::signal::unix::SignalKind::hangup(),
    ] {
        let tx = sigint_tx.clone();
        rt.spawn(async move {
            if let Ok(mut s) = tokio::signal::unix::signal(kind)
                && s.recv().await.is_some()
            {
                let _ = tx.send(()).await;
            }
        });
    }
    let theme = ui::Theme {
        color: std::env::var_os("NO_COLOR").is_none(),
    };
    let mut app = match &source {
        Source::Raftctl { manifest, .. } => App::new(manifest.is_some()),
        Source::Etcd(_) => App::etcd(),
    };
    let mut terminal = ratatui::init();
    let result = (|| -> anyhow::Result<Exit> {
        loop {
            if sigint_rx.try_recv().is_ok() {
                return Ok(Exit::Interrupted);
            }
            app.tick(start.elapsed().as_secs_f64());
            while let Ok((round, asked)) = rx.try_recv() {
                app.update(round, asked);
            }
            while let Ok(msg) = done_rx.try_recv() {
                app.say(msg);
            }
            terminal.draw(|f| ui::draw(f, &app, theme))?;
            if !event::poll(interval.min(Duration::from_millis(100)))? {
                continue;
            }
            let key = match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => k,
                _ => continue,
            };
            let c = match key.code {
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    return Ok(Exit::Interrupted);
                }
                KeyCode::Char(c) => c,
                KeyCode::Esc => '\u{1b}',
                KeyCode::Up => '↑',
                KeyCode::Down => '↓',
                _ => continue,
            };
            match app.on_key(c) {
                Action::Quit => return Ok(Exit::Quit),
                Action::None => {}
                action => {
                    let name = |id| app.ids_as.name(id);
                    let doing = match action {
                        Action::Transfer(id) => format!("moving leadership to {}…", name(id)),
                        Action::Kill(id) => format!("killing {}…", name(id)),
                        Action::Start(id) => format!("starting {}…", name(id)),
                        Action::None | Action::Quit => String::new(),
                    };
                    app.working(doing);
                    let leader = app.leader().map(|l| (l.id, l.api.clone()));
                    let (source, done) = (source.clone(), done_tx.clone());
                    rt.spawn(async move {
                        let msg = match source {
                            Source::Raftctl { manifest, .. } => {
                                act(action, leader.map(|l| l.1), manifest).await
                            }
                            Source::Etcd(dial) => etcd_act(action, leader, dial).await,
                        };
                        let _ = done.send(msg).await;
                    });
                }
            }
        }
    })();
    ratatui::restore();
    result
}

/// Carries out a key's action; says how it went.
async fn act(action: Action, leader: Option<String>, manifest: Option<Manifest>) -> String {
    match action {
        Action::Transfer(id) => {
            let Some(l) = leader else {
                return "no leader to transfer from".into();
            };
            let t = Instant::now();
            match Client::new(&l, Duration::from_secs(10))
                .transfer(Some(id))
                .await
            {
                Ok(r) => format!(
                    "leadership moved from {} to {} in {} ms",
                    r.from,
                    r.to,
                    t.elapsed().as_millis()
                ),
                Err(e) => format!("transfer to {id} failed: {e}"),
            }
        }
        Action::Kill(id) | Action::Start(id) => {
            let Some(mut m) = manifest.clone() else {
                return "not a local cluster".into();
            };
            let Ok(fresh) = Manifest::load(&m.dir) else {
                return "cannot read cluster.json".into();
            };
            m = fresh;
            let Some(e) = m.member(id).cloned() else {
                return format!("node {id} is not in cluster.json");
            };
            let r = tokio::task::spawn_blocking(move || -> Result<String, String> {
                if matches!(action, Action::Kill(_)) {
                    process::kill(&e);
                    if let Some(x) = m.member_mut(id) {
                        x.pid = None;
                    }
                    m.save().map_err(|x| x.to_string())?;
                    return Ok(format!("killed node {id}"));
                }
                if process::alive(&e) {
                    return Ok(format!("node {id} is already running"));
                }
                let exe = std::env::current_exe().map_err(|x| x.to_string())?;
                let child = process::spawn(&exe, &m, &e).map_err(|x| x.to_string())?;
                if let Some(x) = m.member_mut(id) {
                    x.pid = Some(child.id());
                }
                m.save().map_err(|x| x.to_string())?;
                Ok(format!("started node {id} (pid {})", child.id()))
            })
            .await;
            match r {
                Ok(Ok(s)) | Ok(Err(s)) => s,
                Err(e) => e.to_string(),
            }
        }
        Action::None | Action::Quit => String::new(),
    }
}

/// Carries out a key's action on an etcd cluster (only t does anything there): MoveLeader,
/// asked of the leader as etcd requires.
async fn etcd_act(
    action: Action,
    leader: Option<(u64, String)>,
    dial: crate::etcd::Target,
) -> String {
    let Action::Transfer(to) = action else {
        return String::new();
    };
    let Some((from, endpoint)) = leader else {
        return "no leader to transfer from".into();
    };
    let name = |id| app::Ids::EtcdMember.name(id);
    if from == to {
        return format!("{} already leads", name(to));
    }
    let t = Instant::now();
    let moved = async {
        let c = crate::etcd::Client::connect(&endpoint, &dial).await?;
        c.move_leader(to).await
    };
    match moved.await {
        Ok(_) => format!(
            "leadership moved from {} to {} in {} ms",
            name(from),
            name(to),
            t.elapsed().as_millis()
        ),
        Err(e) => format!("transfer to {} failed: {e:#}", name(to)),
    }
}

/// Whether the dashboard can run (a terminal on stdout) or should print one snapshot.
pub fn interactive() -> bool {
    std::io::stdout().is_terminal()
}
