//! Draws the dashboard from `&App` only: no I/O, so it renders the same on a test backend.
//! Nothing is cut mid-word: when the window is narrow, the least useful columns and parts go
//! first, and what still does not fit ends in "…".

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Cell, Gauge, List, ListItem, Paragraph, Row, Sparkline, Table, Wrap,
};

use super::app::{App, Ids, NodeView};

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

/// The commit-rate sparkline's scale never goes below this many commits/s, so a single
/// commit on an idle cluster is a small bar, not a full one.
pub const RATE_SCALE_MIN: u64 = 10;

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` in at most `w` columns: whole words, then "…" when some had to go (a single word too
/// long for `w` is cut, and still ends in "…").
pub fn fit(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    for word in s.split(' ') {
        let add = if out.is_empty() {
            width(word)
        } else {
            width(word) + 1
        };
        if width(&out) + add + 1 > w {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = s.chars().take(w - 1).collect();
    }
    let out = out.trim_end_matches([' ', '·', ':', ',']).to_string();
    out + "…"
}

/// Which of `parts` (widths, and ranks: higher goes first) fit in `w` columns joined by `sep`
/// columns; the highest ranks are left out until the rest fits.
fn keep(widths: &[usize], ranks: &[u8], sep: usize, w: usize) -> Vec<bool> {
    let mut kept = vec![true; widths.len()];
    loop {
        let n = kept.iter().filter(|k| **k).count();
        let total: usize = widths
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .map(|(x, _)| x)
            .sum::<usize>()
            + sep * n.saturating_sub(1);
        if total <= w || n <= 1 {
            return kept;
        }
        let drop = (0..widths.len())
            .filter(|&i| kept[i])
            .max_by_key(|&i| (ranks[i], i));
        match drop {
            Some(i) => kept[i] = false,
            None => return kept,
        }
    }
}

/// `parts` joined by `sep` in `w` columns, the highest-ranked left out first.
fn join_fit(parts: &[(&str, u8)], sep: &str, w: usize) -> String {
    let widths: Vec<usize> = parts.iter().map(|(p, _)| width(p)).collect();
    let ranks: Vec<u8> = parts.iter().map(|(_, r)| *r).collect();
    let kept = keep(&widths, &ranks, width(sep), w);
    let s = parts
        .iter()
        .zip(&kept)
        .filter(|(_, k)| **k)
        .map(|((p, _), _)| *p)
        .collect::<Vec<_>>()
        .join(sep);
    fit(&s, w)
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
    let w = status.width as usize;
    let line = match app.footer() {
        Some(msg) => fit(msg, w),
        None => {
            // The ones that work here, the most needed kept when the window is narrow.
            let mut hints = vec![("q quit", 0), ("↑↓ select", 2), ("t transfer here", 3)];
            if app.local {
                hints.extend([("k kill", 4), ("s start", 5)]);
            }
            hints.extend([("p pause", 6), ("? help", 1)]);
            join_fit(&hints, "  ", w)
        }
    };
    f.render_widget(
        Paragraph::new(line).style(theme.fg(Color::DarkGray)),
        status,
    );
}

fn draw_title(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    let good = theme.fg(Color::Green);
    let bad = theme.fg(Color::Red).add_modifier(Modifier::BOLD);
    // (text, style, rank: the highest goes first when narrow)
    let mut parts: Vec<(String, Style, u8)> = vec![("raftctl top".into(), Style::default(), 4)];
    if !app.cluster_id.is_empty() {
        parts.push((format!("cluster {}", app.cluster_id), Style::default(), 5));
    }
    match app.leader() {
        Some(l) => parts.extend([
            (format!("leader {}", app.ids_as.id(l.id)), good, 0),
            (format!("term {}", l.term), good, 2),
            (format!("commit {}", l.commit), good, 3),
        ]),
        None => parts.push(("no leader".into(), bad, 0)),
    }
    if app.paused {
        parts.push(("PAUSED".into(), Style::default(), 1));
    }
    let widths: Vec<usize> = parts.iter().map(|p| width(&p.0)).collect();
    let ranks: Vec<u8> = parts.iter().map(|p| p.2).collect();
    let kept = keep(&widths, &ranks, 3, area.width as usize);
    let mut spans = Vec::new();
    for ((text, style, _), k) in parts.into_iter().zip(kept) {
        if !k {
            continue;
        }
        if !spans.is_empty() {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(fit(&text, area.width as usize), style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

const HEADERS: [&str; 9] = [
    "ID", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "LAG", "STATE",
];
/// The column that takes what is left (an unreachable node's error goes there).
const STATE: usize = 8;
/// Ranks of the columns: in a narrow window the highest go first. LAST and APPLIED are
/// mostly COMMIT again, the title names the leader and term, LAG says how far behind a
/// node is; ID, ROLE and STATE always stay.
const COLUMN_RANKS: [u8; 9] = [0, 0, 3, 4, 2, 5, 6, 1, 0];
/// Columns an error message in STATE may be cut to before other columns make room for it.
const STATE_MIN: usize = 12;

/// A node's cells, in `HEADERS` order.
fn cells(n: &NodeView, last: u64, mark: &str, ids: Ids, theme: Theme) -> Vec<(String, Style)> {
    let id = n.id().map(|x| ids.id(x)).unwrap_or_else(|| "?".into());
    let dashes = |role: &str, style: Style, state: String, st: Style| {
        let mut v = vec![
            (format!("{mark}{id}"), Style::default()),
            (role.into(), style),
        ];
        v.extend((0..6).map(|_| ("-".to_string(), Style::default())));
        v.push((state, st));
        v
    };
    match &n.status {
        Ok(_) if n.starting() => dashes(
            "starting",
            theme.fg(Color::Yellow),
            "no Raft status yet".into(),
            Style::default(),
        ),
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
            let leader = if s.leader == 0 {
                "-".into()
            } else {
                ids.id(s.leader)
            };
            let plain = |x: String| (x, Style::default());
            vec![
                plain(format!("{mark}{id}")),
                (role, style),
                plain(s.term.to_string()),
                plain(leader),
                plain(s.commit.to_string()),
                plain(s.applied.to_string()),
                plain(s.last_index.to_string()),
                plain(last.saturating_sub(s.applied).to_string()),
                plain("up".into()),
            ]
        }
        Err(e) => dashes(
            "down",
            theme.fg(Color::Red),
            e.clone(),
            theme.fg(Color::Red),
        ),
    }
}

fn draw_nodes(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    let last = app.last_index();
    let rows: Vec<Vec<(String, Style)>> = app
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mark = if i == app.selected { "›" } else { " " };
            cells(n, last, mark, app.ids_as, theme)
        })
        .collect();
    // Each column as wide as its widest cell; STATE's errors may be cut to STATE_MIN.
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, (text, _)) in r.iter().enumerate() {
            let w = if i == STATE {
                width(text).min(STATE_MIN)
            } else {
                width(text)
            };
            widths[i] = widths[i].max(w);
        }
    }
    let inner = area.width.saturating_sub(2) as usize;
    // Two columns between cells, or one when that keeps more of them.
    let count = |k: &[bool]| k.iter().filter(|x| **x).count();
    let (mut gap, mut kept) = (2, keep(&widths, &COLUMN_RANKS, 2, inner));
    let tight = keep(&widths, &COLUMN_RANKS, 1, inner);
    if count(&tight) > count(&kept) {
        (gap, kept) = (1, tight);
    }
    let cols: Vec<usize> = (0..HEADERS.len()).filter(|&i| kept[i]).collect();
    let used: usize = cols
        .iter()
        .filter(|&&i| i != STATE)
        .map(|&i| widths[i] + gap)
        .sum();
    let state_w = inner.saturating_sub(used);
    let header = Row::new(cols.iter().map(|&i| HEADERS[i]))
        .style(Style::default().add_modifier(Modifier::BOLD));
    let table_rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let row = Row::new(cols.iter().map(|&i| {
                let (text, style) = &r[i];
                let text = if i == STATE {
                    fit(text, state_w)
                } else {
                    text.clone()
                };
                Cell::from(text).style(*style)
            }));
            if n == app.selected {
                row.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        })
        .collect();
    let constraints: Vec<Constraint> = cols
        .iter()
        .map(|&i| {
            if i == STATE {
                Constraint::Fill(1)
            } else {
                Constraint::Length(widths[i] as u16)
            }
        })
        .collect();
    let t = Table::new(table_rows, constraints)
        .column_spacing(gap as u16)
        .header(header)
        .block(Block::bordered().title(" nodes "));
    f.render_widget(t, area);
}

fn draw_progress(f: &mut Frame<'_>, app: &App, area: Rect, theme: Theme) {
    // etcd's API shows no leader's progress: there each member's raft index stands in.
    let block = Block::bordered().title(match app.ids_as {
        Ids::Node => " replication (leader's view) ",
        Ids::EtcdMember => " replication (each member's raft index) ",
    });
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(l) = app.leader() else {
        f.render_widget(
            Paragraph::new(fit("no leader: nothing replicates", inner.width as usize)),
            inner,
        );
        return;
    };
    let rows = Layout::vertical(l.progress.iter().map(|_| Constraint::Length(1))).split(inner);
    for (p, r) in l.progress.iter().zip(rows.iter()) {
        let ratio = if l.last_index == 0 {
            1.0
        } else {
            (p.matched as f64 / l.last_index as f64).clamp(0.0, 1.0)
        };
        let id = app.ids_as.id(p.id);
        let state = if p.id == l.id { "self" } else { &p.state };
        let matched = format!("{}/{}", p.matched, l.last_index);
        let inflight = format!("in {}", p.inflight);
        let mut parts = vec![(id.as_str(), 0), (state, 1), (matched.as_str(), 2)];
        if app.ids_as == Ids::Node {
            parts.push((inflight.as_str(), 4));
        }
        if !(p.recent_active || p.id == l.id) {
            parts.push(("inactive", 3));
        }
        let label = join_fit(&parts, " ", r.width as usize);
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
    let shown = &data[start..];
    let peak = shown.iter().copied().max().unwrap_or(0);
    let title = join_fit(
        &[
            (&format!("commits/s: {now}"), 0),
            (&format!("peak {peak}"), 1),
        ],
        " · ",
        area.width.saturating_sub(4) as usize,
    );
    let s = Sparkline::default()
        .block(Block::bordered().title(format!(" {title} ")))
        .data(shown)
        .max(peak.max(RATE_SCALE_MIN))
        .style(theme.fg(Color::Cyan));
    f.render_widget(s, area);
}

fn draw_events(f: &mut Frame<'_>, app: &App, area: Rect) {
    let w = area.width.saturating_sub(2) as usize;
    let items: Vec<ListItem> = app
        .events
        .iter()
        .take(area.height as usize)
        .map(|e| ListItem::new(fit(&format!("{} {}", e.time(), e.text), w)))
        .collect();
    f.render_widget(
        List::new(items).block(Block::bordered().title(" events (UTC) ")),
        area,
    );
}

fn draw_help(f: &mut Frame<'_>, area: Rect) {
    let text = "q/Esc quit · ↑/↓ select a node · t move leadership to the selected node · \
                k kill (SIGKILL) and s start the selected node (local clusters) · p pause the view · \
                ? this help · Ctrl-C quits with exit status 130";
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
    use crate::top::app::{At, NodeView};

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

    fn down(id: u64) -> NodeView {
        NodeView {
            endpoint: format!("127.0.0.1:720{id}"),
            id: Some(id),
            status: Err("connection refused".into()),
        }
    }

    /// 2026-11-25 10:00:00 UTC, plus `secs`.
    fn at(secs: f64) -> At {
        At {
            secs,
            unix: 1_795_600_800 + secs as u64,
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
            down(3)
        } else {
            up(node(3, "follower", 1, 1000, 1000))
        };
        app.update(
            vec![
                up(leader.clone()),
                up(node(2, "follower", 1, p2.0, p2.0)),
                third.clone(),
            ],
            at(0.0),
        );
        leader.commit = 1250;
        leader.last_index = 1250;
        leader.progress[0].matched = 1250;
        app.update(
            vec![up(leader), up(node(2, "follower", 1, p2.0, p2.0)), third],
            at(0.5),
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
        app.update(
            vec![up(node(1, "pre_candidate", 0, 10, 10)), down(2), down(3)],
            at(0.0),
        );
        golden("no-leader", &render(&app, 90, 20));
    }

    #[test]
    fn narrow_terminal() {
        golden(
            "narrow",
            &render(&cluster((1250, "replicate"), true), 50, 16),
        );
    }

    /// Issue 8, item 14: a member that answers before its Raft loop has published a status
    /// is "starting", named by its manifest id.
    #[test]
    fn starting_member() {
        let mut app = cluster((1250, "replicate"), true);
        let mut nodes = app.nodes.clone();
        nodes[2] = NodeView {
            endpoint: "127.0.0.1:7203".into(),
            id: Some(3),
            status: Ok(NodeStatus::default()),
        };
        app.update(nodes, at(1.0));
        golden("starting", &render(&app, 90, 16));
    }

    /// The screen's lines, inside the nodes table's borders: header, then one per node.
    fn table_lines(screen: &str, nodes: usize) -> Vec<Vec<String>> {
        screen
            .lines()
            .skip(2)
            .take(nodes + 1)
            .map(|l| {
                l.trim_matches(|c| c == '│' || c == ' ')
                    .replace('›', " ")
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    /// Issue 8, item 14: narrow windows cut cells mid-word ("leade", "follo", "STAT"). At
    /// every width each header and each cell is whole, or ends in "…"; columns go in rank
    /// order, ID, ROLE and STATE stay.
    #[test]
    fn narrow_windows_drop_columns_instead_of_cutting_words() {
        let app = cluster((600, "probe"), true);
        let whole = [
            "ID",
            "ROLE",
            "TERM",
            "LEADER",
            "COMMIT",
            "APPLIED",
            "LAST",
            "LAG",
            "STATE",
            "leader",
            "follower",
            "down",
            "up",
            "connection",
            "refused",
            "-",
            "1",
            "2",
            "3",
            "600",
            "1000",
            "1250",
            "250",
            "650",
        ];
        let mut columns_seen = Vec::new();
        for w in 26..=100u16 {
            let screen = render(&app, w, 24);
            let lines = table_lines(&screen, 3);
            let header = &lines[0];
            for h in ["ID", "ROLE", "STATE"] {
                assert!(header.iter().any(|x| x == h), "width {w}: no {h}\n{screen}");
            }
            for (i, line) in lines.iter().enumerate() {
                for tok in line {
                    assert!(
                        whole.contains(&tok.as_str()) || tok.ends_with('…'),
                        "width {w}: '{tok}' is cut\n{screen}"
                    );
                }
                if i > 0 && !line.contains(&"down".to_string()) {
                    assert_eq!(line.len(), header.len(), "width {w}: row {i}\n{screen}");
                }
            }
            if columns_seen.last() != Some(&header.len()) {
                columns_seen.push(header.len());
            }
            // The title and the footer too.
            let title = screen.lines().next().unwrap_or_default();
            assert!(title.contains("leader 1"), "width {w}: {title}");
            let footer = screen.lines().last().unwrap_or_default();
            assert!(footer.contains("q quit"), "width {w}: {footer}");
        }
        assert_eq!(
            columns_seen,
            [3, 4, 5, 6, 7, 8, 9],
            "columns come back one at a time as the window widens"
        );
    }

    /// The inside of the bordered box whose title starts with `title`, line by line.
    fn boxed(screen: &str, title: &str) -> Vec<String> {
        let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
        let (top, x0) = lines
            .iter()
            .enumerate()
            .find_map(|(y, l)| {
                let s: String = l.iter().collect();
                let byte = s.find(&format!("┌ {title}"))?;
                Some((y, s[..byte].chars().count()))
            })
            .unwrap_or_else(|| panic!("no box '{title}' in\n{screen}"));
        lines[top + 1..]
            .iter()
            .take_while(|l| l.get(x0) == Some(&'│'))
            .map(|l| {
                l[x0 + 1..]
                    .iter()
                    .take_while(|c| **c != '│')
                    .collect::<String>()
            })
            .collect()
    }

    /// Issue 8, item 14: the sparkline scaled to its largest sample, so one commit on an idle
    /// cluster drew a full-height bar.
    #[test]
    fn one_commit_on_an_idle_cluster_is_a_small_bar() {
        let mut app = App::new(true);
        let round = |c| {
            let mut l = node(1, "leader", 1, c, c);
            l.progress = vec![progress(1, c, "replicate"), progress(2, c, "replicate")];
            vec![up(l), up(node(2, "follower", 1, c, c))]
        };
        for (i, c) in [10, 10, 10, 11, 11, 11].into_iter().enumerate() {
            app.update(round(c), at(i as f64));
        }
        assert_eq!(app.rates, [0, 0, 1, 0, 0]);
        let screen = render(&app, 90, 24);
        assert!(screen.contains("commits/s: 0 · peak 1"), "{screen}");
        let spark = boxed(&screen, "commits/s");
        assert_eq!(spark.len(), 2, "{screen}");
        let bars: String = spark.concat().chars().filter(|c| *c != ' ').collect();
        assert_eq!(
            bars, "▁",
            "1 commit/s against a scale of {RATE_SCALE_MIN}\n{screen}"
        );
        // A busy cluster still fills the box.
        let mut busy = App::new(true);
        for (i, c) in [10, 510, 1010].into_iter().enumerate() {
            busy.update(round(c), at(i as f64));
        }
        let spark = boxed(&render(&busy, 90, 24), "commits/s");
        assert!(spark[0].contains('█'), "{spark:?}");
    }

    #[test]
    fn footer_shows_a_message_then_the_keys_again() {
        let mut app = cluster((1250, "replicate"), false);
        app.tick(1.0);
        app.say("killed node 3");
        let screen = render(&app, 90, 24);
        assert_eq!(screen.lines().last(), Some("killed node 3"));
        app.tick(1.0 + crate::top::app::FOOTER_SECS);
        let screen = render(&app, 90, 24);
        assert!(
            screen
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("q quit")),
            "{screen}"
        );
    }

    #[test]
    fn fit_keeps_whole_words() {
        assert_eq!(fit("connection refused", 18), "connection refused");
        assert_eq!(fit("connection refused", 17), "connection…");
        assert_eq!(fit("connection refused", 11), "connection…");
        assert_eq!(fit("connection refused", 10), "connectio…");
        assert_eq!(fit("a · b", 4), "a…");
        assert_eq!(fit("abc", 1), "…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn tiny_terminal_does_not_panic() {
        for (w, h) in [(1, 1), (10, 3), (20, 5)] {
            render(&cluster((600, "probe"), true), w, h);
        }
    }
}
