//! `raftctl top`: a live dashboard of the cluster. Polling runs on its own task and hands
//! rounds of statuses over a channel, so a dead node (a slow time-out) never freezes the
//! screen; drawing reads only the app state.

pub mod app;
pub mod ui;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc;

use app::{Action, App, NodeView};

use crate::api::client::Client;
use crate::cluster::{Manifest, process};

/// Polls every endpoint each `interval`, sending a round when all have answered or timed out.
async fn poll(
    endpoints: Vec<String>,
    ids: Vec<Option<u64>>,
    interval: Duration,
    tx: mpsc::Sender<Vec<NodeView>>,
) {
    let timeout = interval.max(Duration::from_millis(500));
    loop {
        let t = Instant::now();
        let round = crate::api::client::statuses(&endpoints, timeout)
            .await
            .into_iter()
            .zip(&ids)
            .map(|((endpoint, status), id)| NodeView {
                endpoint,
                id: *id,
                status: status.map_err(|e| short(&e)),
            })
            .collect();
        if tx.send(round).await.is_err() {
            return;
        }
        tokio::time::sleep(interval.saturating_sub(t.elapsed())).await;
    }
}

/// The reason part of a client error ("connection refused", "timed out").
fn short(e: &str) -> String {
    e.rsplit(": ").next().unwrap_or(e).to_string()
}

/// Runs the dashboard until q, Esc or Ctrl-C.
pub fn run(
    endpoints: Vec<String>,
    manifest: Option<Manifest>,
    interval: Duration,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let ids: Vec<Option<u64>> = endpoints
        .iter()
        .map(|e| {
            manifest
                .as_ref()
                .and_then(|m| m.members.iter().find(|x| e.ends_with(&x.api)).map(|x| x.id))
        })
        .collect();
    let (tx, mut rx) = mpsc::channel(4);
    rt.spawn(poll(endpoints.clone(), ids, interval, tx));
    let (done_tx, mut done_rx) = mpsc::channel::<String>(16);
    let theme = ui::Theme {
        color: std::env::var_os("NO_COLOR").is_none(),
    };
    let mut app = App::new(manifest.is_some());
    let start = Instant::now();
    let mut terminal = ratatui::init();
    let result = (|| -> anyhow::Result<()> {
        loop {
            while let Ok(round) = rx.try_recv() {
                app.update(round, start.elapsed().as_secs_f64());
            }
            while let Ok(msg) = done_rx.try_recv() {
                app.status_line = msg;
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
                KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => 'q',
                KeyCode::Char(c) => c,
                KeyCode::Esc => '\u{1b}',
                KeyCode::Up => '↑',
                KeyCode::Down => '↓',
                _ => continue,
            };
            match app.on_key(c) {
                Action::Quit => return Ok(()),
                Action::None => {}
                action => {
                    app.status_line = "working…".into();
                    let (leader, m, done) = (
                        app.leader().map(|l| l.api.clone()),
                        manifest.clone(),
                        done_tx.clone(),
                    );
                    rt.spawn(async move {
                        let msg = act(action, leader, m).await;
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

/// Whether the dashboard can run (a terminal on stdout) or should print one snapshot.
pub fn interactive() -> bool {
    std::io::stdout().is_terminal()
}
