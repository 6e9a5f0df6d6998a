//! `chaos --report`'s timeline: one self-contained HTML page with an SVG of every request
//! as a bar on its client's row (from when it was sent to when it was answered) and every
//! fault as a shaded span behind them. No scripts, no outside files: any browser opens it.

use std::fmt::Write as _;

/// One request on the timeline.
#[derive(Debug, Clone)]
pub struct Bar {
    pub client: u64,
    /// `put`, `get` or `delete`.
    pub kind: &'static str,
    /// `ok`, `failed` or `indeterminate`.
    pub fate: &'static str,
    pub call_us: u64,
    /// `None`: never answered (drawn to the end, faded).
    pub ret_us: Option<u64>,
    /// Shown on hover.
    pub title: String,
    /// Part of an anomaly: outlined in red.
    pub flagged: bool,
}

/// One fault on the timeline.
#[derive(Debug, Clone)]
pub struct Span {
    pub kind: String,
    pub start_ms: u64,
    pub end_ms: u64,
    pub label: String,
}

const WIDTH: f64 = 1600.0;
const LEFT: f64 = 90.0;
const TOP: f64 = 40.0;
const ROW: f64 = 16.0;

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

fn op_colour(kind: &str, fate: &str) -> &'static str {
    match (kind, fate) {
        (_, "failed") => "#b0b0b0",
        ("put", _) => "#3b6fd4",
        ("get", _) => "#2e9b4f",
        _ => "#d9822b",
    }
}

fn fault_colour(kind: &str) -> &'static str {
    match kind {
        "kill" => "#e0453a",
        "pause" => "#9b59b6",
        "partition" => "#e67e22",
        "loss" => "#16a085",
        "delay" => "#2980b9",
        "transfer" => "#7f8c8d",
        "blackhole" => "#2c3e50",
        "joint" => "#a0522d",
        _ => "#c0a000",
    }
}

/// The page. `rows` are the clients' ids in the order drawn (a final reader may be one);
/// `end_us` is where the time axis ends.
pub fn html(title: &str, rows: &[u64], bars: &[Bar], spans: &[Span], end_us: u64) -> String {
    let end_us = end_us.max(1);
    let x = |us: u64| LEFT + (WIDTH - LEFT - 10.0) * (us.min(end_us) as f64 / end_us as f64);
    let height = TOP + ROW * rows.len() as f64 + 40.0;
    let row_of = |c: u64| rows.iter().position(|&r| r == c).unwrap_or(0);
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\n<style>body{{\
         font:13px sans-serif;margin:16px}} svg text{{font:11px sans-serif}}</style></head>\n\
         <body><h3>{t}</h3>\n<p>Each bar is one request, from when it was sent to when it was \
         answered: <span style=\"color:#3b6fd4\">put</span>, <span style=\"color:#2e9b4f\">\
         get</span>, <span style=\"color:#d9822b\">delete</span>; grey: failed without effect; \
         faded to the end: never answered. Red outline: part of an anomaly. Shaded spans: \
         faults. Hover for details.</p>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{w}\" height=\"{h}\">\n",
        t = escape(title),
        w = WIDTH,
        h = height
    );
    for sp in spans {
        let (x0, x1) = (x(sp.start_ms * 1000), x(sp.end_ms.max(sp.start_ms) * 1000));
        let _ = writeln!(
            s,
            "<g><title>{}</title><rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
             fill=\"{c}\" fill-opacity=\"0.18\"/><text x=\"{x0:.1}\" y=\"{:.1}\" fill=\"{c}\">{}\
             </text></g>",
            escape(&sp.label),
            TOP - 4.0,
            (x1 - x0).max(2.0),
            ROW * rows.len() as f64 + 4.0,
            TOP - 8.0,
            escape(&sp.kind),
            c = fault_colour(&sp.kind),
        );
    }
    for (i, c) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = writeln!(
            s,
            "<text x=\"4\" y=\"{:.1}\">client {c}</text><line x1=\"{LEFT}\" x2=\"{:.1}\" \
             y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>",
            y + 11.0,
            WIDTH - 10.0,
            y + ROW - 1.0,
            y + ROW - 1.0
        );
    }
    for b in bars {
        let y = TOP + ROW * row_of(b.client) as f64 + 2.0;
        let x0 = x(b.call_us);
        let x1 = x(b.ret_us.unwrap_or(end_us));
        let opacity = if b.ret_us.is_none() { 0.35 } else { 0.9 };
        let stroke = if b.flagged {
            " stroke=\"#e00\" stroke-width=\"2\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"11\" fill=\"{}\" \
             fill-opacity=\"{opacity}\"{stroke}><title>{}</title></rect>",
            (x1 - x0).max(1.0),
            op_colour(b.kind, b.fate),
            escape(&b.title)
        );
    }
    // A tick a second (or every ten for long runs).
    let secs = end_us / 1_000_000;
    let step = if secs > 60 { 10 } else { 1 };
    let axis = TOP + ROW * rows.len() as f64 + 16.0;
    let mut t = 0;
    while t <= secs {
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{axis:.1}\">{t}s</text>",
            x(t * 1_000_000)
        );
        t += step;
    }
    s.push_str("</svg></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_with_every_bar_and_span_escaped() {
        let bars = [
            Bar {
                client: 1,
                kind: "put",
                fate: "ok",
                call_us: 0,
                ret_us: Some(500_000),
                title: "client 1 put \"k\" = <v>".into(),
                flagged: true,
            },
            Bar {
                client: 2,
                kind: "get",
                fate: "indeterminate",
                call_us: 100,
                ret_us: None,
                title: "g".into(),
                flagged: false,
            },
        ];
        let spans = [Span {
            kind: "kill".into(),
            start_ms: 200,
            end_ms: 900,
            label: "kill node 2".into(),
        }];
        let h = html("chaos seed 1", &[1, 2], &bars, &spans, 1_000_000);
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert_eq!(h.matches("<rect").count(), 3);
        assert!(h.contains("&lt;v&gt;") && !h.contains("<v>"));
        assert!(h.contains("stroke=\"#e00\""));
        assert!(h.contains(">kill node 2</title>"));
        assert!(!h.contains("<script"));
    }

    #[test]
    fn each_new_fault_kind_has_a_colour_of_its_own() {
        let kinds = ["kill", "pause", "partition", "loss", "delay", "transfer"];
        for k in ["blackhole", "joint"] {
            let c = fault_colour(k);
            assert_ne!(c, fault_colour("membership"), "{k}");
            assert!(kinds.iter().all(|o| fault_colour(o) != c), "{k}");
        }
        let spans = [Span {
            kind: "blackhole".into(),
            start_ms: 100,
            end_ms: 400,
            label: "blackhole member#1 (nodes [2])".into(),
        }];
        let h = html("t", &[1], &[], &spans, 1_000_000);
        assert!(h.contains("fill=\"#2c3e50\">blackhole</text>"), "{h}");
    }
}
