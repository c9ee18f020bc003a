//! UI speed: how long a full frame of a busy screen takes to render, and how long the real binary takes
//! from start to its first frame in a pseudo-terminal.
//!
//! Run: `cargo bench --bench ui`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/pty/mod.rs"]
mod pty;

use std::time::{Duration, Instant};

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, EndpointView, Msg, SourceView, update};
use sitrep::health::{EndpointHealth, Outcome, ProbeResult};
use sitrep::tail::{LogLine, TailEvent, detect_level};
use sitrep::timeline::{Event, chain::seal};
use sitrep::ui::{self, Theme};

/// The busiest screen we expect: a full log buffer, many endpoints with full windows, a long timeline.
fn busy_app() -> App {
    let now = Utc::now();
    let mut records = Vec::new();
    let mut prev = String::new();
    for seq in 1..=5_000u64 {
        let event = if seq == 1 {
            Event::IncidentOpened {
                title: "Payments API errors".into(),
                severity: Some("SEV1".into()),
            }
        } else {
            Event::Note {
                text: format!("note {seq} with some words about what was seen"),
            }
        };
        let r = seal(seq, now, "alice", event, &prev).unwrap().1;
        prev = r.hash.clone();
        records.push(r);
    }
    let mut app = App::new(
        records,
        "t.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        now,
    );
    app.sources.push(SourceView {
        name: "api".into(),
        status: "following /var/log/api.log".into(),
    });
    let mut batch = Vec::new();
    for i in 0..100_000 {
        let text = if i % 7 == 0 {
            format!(
                "2026-11-24T14:00:{:02}.000Z ERROR provider call failed: upstream timeout after 3000ms req_id={i:08x} attempt=1/3 ünïcödé 漢字",
                i % 60
            )
        } else {
            format!(
                "2026-11-24T14:00:{:02}.000Z INFO  request method=POST path=/v1/charges status=200 duration_ms={} req_id={i:08x}",
                i % 60,
                i % 300
            )
        };
        batch.push(LogLine::new(0, text.clone(), detect_level(&text), 0, now));
    }
    update(
        &mut app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines: batch,
        }),
    );
    for e in 0..8 {
        app.endpoints.push(EndpointView {
            name: format!("endpoint-{e}"),
            url: format!("http://127.0.0.1:1/{e}"),
            health: EndpointHealth::new(2),
        });
        for i in 0..300 {
            let ok = (i / 20 + e) % 3 != 0;
            let mut r = ProbeResult::failed(
                e,
                now,
                if ok {
                    Outcome::Ok
                } else {
                    Outcome::UnexpectedStatus(503)
                },
                Duration::from_millis(20 + (i as u64 * 37) % 400),
            );
            r.status = Some(if ok { 200 } else { 503 });
            r.body_head = "{\"status\":\"degraded\",\"error\":\"upstream\"}".into();
            app.endpoints[e].health.record(&r);
        }
    }
    app
}

fn frame_time(app: &App, w: u16, h: u16, frames: usize) -> (Duration, Duration) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::color();
    for _ in 0..20 {
        terminal.draw(|f| ui::draw(f, app, &theme)).unwrap();
    }
    let mut times = Vec::with_capacity(frames);
    for _ in 0..frames {
        let t = Instant::now();
        terminal.draw(|f| ui::draw(f, app, &theme)).unwrap();
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 99 / 100])
}

fn startup(runs: usize) -> Vec<Duration> {
    let mut out = Vec::new();
    for _ in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        let start = Instant::now();
        let mut tty = pty::Tty::spawn(
            &["demo", "--dir", &d, "--fail-after", "1h"],
            dir.path(),
            120,
            40,
        );
        tty.wait_for("first frame", Duration::from_secs(20), |s| {
            s.contains("Runbook 1/6")
        });
        out.push(start.elapsed());
        tty.send("q");
        tty.wait_exit(Duration::from_secs(10));
    }
    out.sort();
    out
}

fn main() {
    let app = busy_app();
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        let (p50, p99) = frame_time(&app, w, h, 500);
        println!(
            "frame {w}x{h} (100k log lines, 8 endpoints, 5k events): p50 {p50:?}, p99 {p99:?}"
        );
    }
    let runs = startup(10);
    println!(
        "startup to first frame (demo, 120x40, {} runs): min {:?}, median {:?}, max {:?}",
        runs.len(),
        runs[0],
        runs[runs.len() / 2],
        runs[runs.len() - 1]
    );
}
