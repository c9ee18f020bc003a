//! A fixed incident, ten minutes of an outage fed to the real app through `update()`, and the real
//! drawing code to render it: shared by the snapshot tests of the panels.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, Command, EndpointView, Msg, Panel, SourceView, update};
use sitrep::health::{EndpointHealth, Outcome, ProbeResult, RateLimit};
use sitrep::tail::{LogLine, TailEvent, TimeRule, detect_level, timestamp};
use sitrep::timeline::{Appended, Event, chain::seal};
use sitrep::ui::{self, Theme};

use super::screen_support::text_of;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
}

pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::seconds(secs)
}

pub fn key(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE))
}

pub fn enter() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// Applies a message and writes every append it asks for, at the app's current time, the way the
/// timeline writer answers.
pub fn apply(app: &mut App, msg: Msg) {
    for c in update(app, msg) {
        if let Command::Append {
            req, actor, event, ..
        } = c
        {
            let prev = app
                .records
                .last()
                .map(|r| r.hash.clone())
                .unwrap_or_default();
            let record = seal(app.incident.last_seq + 1, app.now, &actor, event, &prev)
                .unwrap()
                .1;
            let appended = Appended {
                record,
                foreign: vec![],
                problems: vec![],
            };
            update(app, Msg::Appended { req, appended });
        }
    }
}

pub fn lines_at(app: &mut App, secs: i64, texts: &[String]) {
    let lines = texts
        .iter()
        .map(|t| {
            // Each line with its own time, as a real source reads it.
            let line = LogLine::new(0, t.clone(), detect_level(t), 0, at(secs));
            match timestamp::parse(t, &TimeRule::default(), at(secs)) {
                Some(stamp) => line.with_stamp(stamp),
                None => line,
            }
        })
        .collect();
    apply(
        app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
}

pub fn probe(endpoint: usize, secs: i64, status: u16, ms: u64, outcome: Outcome) -> ProbeResult {
    let mut r = ProbeResult::failed(endpoint, at(secs), outcome, Duration::from_millis(ms));
    r.status = Some(status);
    r.body_head = match status {
        200 => r#"{"status":"ok"}"#.into(),
        429 => r#"{"error":"rate limited"}"#.into(),
        _ => r#"{"status":"degraded","error":"payment provider timeout"}"#.into(),
    };
    if status == 429 {
        r.rate_limit = Some(RateLimit {
            limit: Some(600),
            remaining: Some(0),
            reset: Some(Duration::from_secs(40)),
            window: Some(Duration::from_secs(60)),
            retry_after: Some(Duration::from_secs(30)),
        });
        r.backoff = Some(Duration::from_secs(30));
    }
    r
}

/// Ten minutes of an incident: healthy for three, then the provider times out, the payments API goes
/// down, the provider throttles; the responder ticks steps, notes a rollback; one tick is still
/// being written when the screen is drawn.
pub fn incident() -> App {
    let opened = seal(
        1,
        t0(),
        "alice",
        Event::IncidentOpened {
            title: "Payments API errors".into(),
            severity: Some(sitrep::timeline::Severity::Sev2),
        },
        "",
    )
    .unwrap()
    .1;
    let mut app = App::new(
        vec![opened],
        "incidents/2026-11-24T140000-payments-api-errors.jsonl".into(),
        sitrep::runbook::shipped(),
        "alice".into(),
        t0(),
    );
    app.utc = true;
    app.sources.push(SourceView {
        status: "following api.log".into(),
        ..SourceView::new("api")
    });
    for (name, url) in [
        ("payments-api", "http://127.0.0.1:8080/health"),
        ("ledger", "http://127.0.0.1:8081/health"),
        ("provider", "http://127.0.0.1:8082/status"),
    ] {
        app.endpoints.push(EndpointView {
            name: name.into(),
            url: url.into(),
            health: EndpointHealth::new(2),
            insecure_tls: false,
            episode: None,
            episode_adopted: false,
            interval: std::time::Duration::from_secs(5),
        });
    }
    let failing = 180;
    for s in 0..=600i64 {
        apply(&mut app, Msg::Tick(at(s)));
        let mut texts = Vec::new();
        let ts = at(s).format("%Y-%m-%dT%H:%M:%S%.3fZ");
        if s % 4 == 1 {
            texts.push(format!(
                "{ts} INFO  request method=POST path=/v1/refunds status=200 duration_ms={} req_id={:08x}",
                30 + s % 17,
                s * 7919
            ));
        }
        if s >= failing && s % 3 == 0 {
            texts.push(format!(
                "{ts} ERROR provider call failed: upstream timeout after 3000ms attempt={}/3",
                s / 3 % 3 + 1
            ));
            texts.push(format!(
                "{ts} ERROR request method=POST path=/v1/charges status=502 duration_ms={} req_id={:08x}",
                3000 + s % 13,
                s * 104729
            ));
        }
        if s >= failing + 20 && s % 20 == 0 {
            texts.push(format!(
                "{ts} WARN  provider rate limited us: 429 retry_after=3s remaining=0"
            ));
        }
        if !texts.is_empty() {
            lines_at(&mut app, s, &texts);
        }
        if s % 10 == 0 {
            let (status, outcome) = if s < failing {
                (200, Outcome::Ok)
            } else {
                (503, Outcome::UnexpectedStatus(503))
            };
            let slow = if s < failing { 30 + s as u64 % 9 } else { 3004 };
            apply(&mut app, Msg::Probe(probe(0, s, status, slow, outcome)));
            apply(
                &mut app,
                Msg::Probe(probe(1, s, 200, 4 + s as u64 % 3, Outcome::Ok)),
            );
            let p = if s < failing + 60 {
                probe(2, s, 200, 120, Outcome::Ok)
            } else {
                probe(2, s, 429, 95, Outcome::Throttled)
            };
            apply(&mut app, Msg::Probe(p));
        }
        match s {
            200 => {
                apply(&mut app, key('D'));
                apply(&mut app, key('y'));
            }
            230 => apply(&mut app, key(' ')),
            260 => {
                apply(&mut app, key('j'));
                apply(&mut app, key(' '));
            }
            420 => {
                apply(&mut app, key('n'));
                for ch in "rolled back to v2.14.0".chars() {
                    apply(&mut app, key(ch));
                }
                apply(&mut app, enter());
            }
            _ => {}
        }
    }
    // The third step's tick is still being written: its box shows it.
    apply(&mut app, key('j'));
    update(&mut app, key(' '));
    app.flash = None;
    app
}

pub fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, &Theme::monochrome()))
        .unwrap();
    text_of(terminal.backend().buffer())
}

pub fn zoomed(panel: Panel) -> App {
    let mut app = incident();
    app.zoom = true;
    app.focus = panel;
    app
}
