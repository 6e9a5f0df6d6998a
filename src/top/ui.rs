//! Draws the dashboard from `&App` only: no I/O, so it renders the same on a test backend.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Gauge, List, ListItem, Paragraph, Row, Sparkline, Table, Wrap,
};

use super::app::App;

/// Colours, or none (NO_COLOR, tests).
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
}

pub fn draw(f: &mut Frame<'_>, app: &App, theme: Theme) {
    let area = f.area();
    let table_h = (app.nodes.len() as u16 + 3).min(area.height.saturating_sub(4));
    let progress_h = app
        .leader()
        .map(|l| l.progress.len() as u16 + 2)
        .unwrap_or(3)
        .min(10);
    let [title, nodes, middle, events, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(table_h),
        Constraint::Length(progress_h),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(f, app, title, theme);
    draw_nodes(f, app, nodes, theme);
    if area.width >= 70 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .areas(middle);
        draw_progress(f, app, left, theme);
        draw_rate(f, app, right, theme);
    } else {
        draw_progress(f, app, middle, theme);
    }
    if app.show_help {
        draw_help(f, events);
    } else {
        draw_events(f, app, events);
    }
    let line = if app.status_line.is_empty() {
        "q quit  ↑↓ select  t transfer here  k kill  s start  p pause  ? help".to_string()
    } else {
        app.status_line.clone()
    };
    f.render_widget(
        Paragraph::new(line).style(theme.fg(Color::DarkGray)),
        status,
    );
}

fn draw_title(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    let leader = match app.leader() {
        Some(l) => Span::styled(
            format!("leader {} · term {} · commit {}", l.id, l.term, l.commit),
            theme.fg(Color::Green),
        ),
        None => Span::styled(
            "no leader".to_string(),
            theme.fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
    };
    let mut spans = vec![Span::raw("raftctl top"), Span::raw(" · ")];
    if !app.cluster_id.is_empty() {
        spans.push(Span::raw(format!("cluster {} · ", app.cluster_id)));
    }
    spans.push(leader);
    if app.paused {
        spans.push(Span::raw(" · PAUSED"));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_nodes(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    let last = app.last_index();
    let header = Row::new([
        "ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "LAG", "STATE",
    ])
    .style(Style::default().add_modifier(Modifier::BOLD));
    let rows: Vec<Row> = app
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mark = if i == app.selected { "›" } else { " " };
            let id = n.id().map(|x| x.to_string()).unwrap_or_else(|| "?".into());
            let row = match &n.status {
                Ok(s) => {
                    let role = if s.learners.contains(&s.id) {
                        "learner".to_string()
                    } else {
                        s.role.clone()
                    };
                    let style = match role.as_str() {
                        "leader" => theme.fg(Color::Green),
                        "candidate" | "pre_candidate" => theme.fg(Color::Yellow),
                        _ => Style::default(),
                    };
                    Row::new(vec![
                        Cell::from(format!("{mark}{id}")),
                        Cell::from(role).style(style),
                        Cell::from(s.term.to_string()),
                        Cell::from(if s.leader == 0 {
                            "-".into()
                        } else {
                            s.leader.to_string()
                        }),
                        Cell::from(s.commit.to_string()),
                        Cell::from(s.applied.to_string()),
                        Cell::from(s.last_index.to_string()),
                        Cell::from(last.saturating_sub(s.applied).to_string()),
                        Cell::from("up"),
                    ])
                }
                Err(e) => Row::new(vec![
                    Cell::from(format!("{mark}{id}")),
                    Cell::from("down").style(theme.fg(Color::Red)),
                    Cell::from("-"),
                    Cell::from("-"),
                    Cell::from("-"),
                    Cell::from("-"),
                    Cell::from("-"),
                    Cell::from("-"),
                    Cell::from(e.clone()).style(theme.fg(Color::Red)),
                ]),
            };
            if i == app.selected {
                row.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(4),
        Constraint::Length(13),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Min(4),
    ];
    let t = Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(" nodes "));
    f.render_widget(t, area);
}

fn draw_progress(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    let block = Block::bordered().title(" replication (leader's view) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(l) = app.leader() else {
        f.render_widget(Paragraph::new("no leader: nothing replicates"), inner);
        return;
    };
    let rows = Layout::vertical(l.progress.iter().map(|_| Constraint::Length(1))).split(inner);
    for (p, r) in l.progress.iter().zip(rows.iter()) {
        let ratio = if l.last_index == 0 {
            1.0
        } else {
            (p.matched as f64 / l.last_index as f64).clamp(0.0, 1.0)
        };
        let state = if p.id == l.id {
            "self".to_string()
        } else {
            p.state.clone()
        };
        let label = format!(
            "{} {} {}/{} in {}{}",
            p.id,
            state,
            p.matched,
            l.last_index,
            p.inflight,
            if p.recent_active || p.id == l.id {
                ""
            } else {
                " inactive"
            }
        );
        let color = match p.state.as_str() {
            "replicate" => Color::Green,
            "snapshot" => Color::Magenta,
            _ => Color::Yellow,
        };
        f.render_widget(
            Gauge::default()
                .ratio(ratio)
                .label(label)
                .gauge_style(theme.fg(color)),
            *r,
        );
    }
}

fn draw_rate(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    let now = app.rates.back().copied().unwrap_or(0);
    let data: Vec<u64> = app.rates.iter().copied().collect();
    let start = data
        .len()
        .saturating_sub(area.width.saturating_sub(2) as usize);
    let s = Sparkline::default()
        .block(Block::bordered().title(format!(" commits/s: {now} ")))
        .data(&data[start..])
        .style(theme.fg(Color::Cyan));
    f.render_widget(s, area);
}

fn draw_events(f: &mut Frame<'_>, app: &App, area: Rect) {
    let items: Vec<ListItem> = app
        .events
        .iter()
        .take(area.height as usize)
        .map(|e| ListItem::new(e.clone()))
        .collect();
    f.render_widget(
        List::new(items).block(Block::bordered().title(" events ")),
        area,
    );
}

fn draw_help(f: &mut Frame<'_>, area: Rect) {
    let text = "q/Esc quit · ↑/↓ select a node · t move leadership to the selected node · \
                k kill (SIGKILL) and s start the selected node (local clusters) · p pause the view · ? this help";
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" help ")),
        area,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;
    use crate::node::{NodeStatus, PeerProgress};
    use crate::top::app::NodeView;

    fn node(id: u64, role: &str, leader: u64, commit: u64, last: u64) -> NodeStatus {
        NodeStatus {
            id,
            api: format!("127.0.0.1:720{id}"),
            reachable: true,
            role: role.into(),
            term: 3,
            leader,
            commit,
            applied: commit,
            first_index: 1,
            last_index: last,
            voters: vec![1, 2, 3],
            cluster_id: "7a7556b22ef1ae1e".into(),
            ..NodeStatus::default()
        }
    }

    fn progress(id: u64, matched: u64, state: &str) -> PeerProgress {
        PeerProgress {
            id,
            matched,
            next: matched + 1,
            state: state.into(),
            recent_active: true,
            paused: state != "replicate",
            inflight: if state == "replicate" { 2 } else { 0 },
            pending_snapshot: if state == "snapshot" { 900 } else { 0 },
        }
    }

    fn up(s: NodeStatus) -> NodeView {
        NodeView {
            endpoint: s.api.clone(),
            id: Some(s.id),
            status: Ok(s),
        }
    }

    fn cluster(p2: (u64, &str), down3: bool) -> App {
        let mut leader = node(1, "leader", 1, 1000, 1000);
        leader.progress = vec![
            progress(1, 1000, "replicate"),
            progress(2, p2.0, p2.1),
            progress(3, 1000, "replicate"),
        ];
        let mut app = App::new(true);
        let third = if down3 {
            NodeView {
                endpoint: "127.0.0.1:7203".into(),
                id: Some(3),
                status: Err("connection refused".into()),
            }
        } else {
            up(node(3, "follower", 1, 1000, 1000))
        };
        app.update(
            vec![
                up(leader.clone()),
                up(node(2, "follower", 1, p2.0, p2.0)),
                third.clone(),
            ],
            0.0,
        );
        leader.commit = 1250;
        leader.last_index = 1250;
        leader.progress[0].matched = 1250;
        app.update(
            vec![up(leader), up(node(2, "follower", 1, p2.0, p2.0)), third],
            0.5,
        );
        app
    }

    fn render(app: &App, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        t.draw(|f| draw(f, app, Theme { color: false }))
            .expect("draw");
        let buf = t.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// Compares with testdata/top/NAME.txt; `UPDATE_GOLDEN=1 cargo test` rewrites it.
    fn golden(name: &str, got: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("testdata/top/{name}.txt"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, got).expect("write golden");
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            want == got,
            "{name}: screen differs from {}:\n{got}",
            path.display()
        );
    }

    #[test]
    fn healthy() {
        golden(
            "healthy",
            &render(&cluster((1250, "replicate"), false), 90, 24),
        );
    }

    #[test]
    fn follower_lagging_in_probe() {
        golden("lagging", &render(&cluster((600, "probe"), false), 90, 24));
    }

    #[test]
    fn snapshot_in_flight() {
        golden(
            "snapshot",
            &render(&cluster((0, "snapshot"), false), 90, 24),
        );
    }

    #[test]
    fn node_down() {
        golden("down", &render(&cluster((1250, "replicate"), true), 90, 24));
    }

    #[test]
    fn no_leader() {
        let mut app = App::new(false);
        let down = |id: u64| NodeView {
            endpoint: format!("127.0.0.1:720{id}"),
            id: Some(id),
            status: Err("connection refused".into()),
        };
        app.update(
            vec![up(node(1, "pre_candidate", 0, 10, 10)), down(2), down(3)],
            0.0,
        );
        golden("no-leader", &render(&app, 90, 20));
    }

    #[test]
    fn narrow_terminal() {
        golden(
            "narrow",
            &render(&cluster((1250, "replicate"), false), 50, 16),
        );
    }

    #[test]
    fn tiny_terminal_does_not_panic() {
        for (w, h) in [(1, 1), (10, 3), (20, 5)] {
            render(&cluster((600, "probe"), true), w, h);
        }
    }
}
