//! The timeline panel with its cursor and a search, and one event's detail view, drawn by the real
//! drawing code at the sizes responders use.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod screen_support;
use screen_support::text_of;

mod incident_support;
use incident_support::apply;

use chrono::{DateTime, Local, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use sitrep::app::{App, Mode, Msg, Panel, update};
use sitrep::core::level::Level;
use sitrep::timeline::{
    Event, Health, Milestone, PatternChange, Record, UnknownEvent, chain::seal,
};
use sitrep::ui::{self, Theme};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

fn key(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE))
}

fn enter() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

const BODY: &str = r#"{"status":"degraded","error":"payment provider timeout","provider":"acme-pay","region":"eu-west-1","retry_after_ms":3000,"request_id":"cff91303-9b1e-4c2e-a1f3-2b7d4e9c0a11"}"#;

/// Ten minutes of an incident as the timeline recorded it: one event of each kind that carries
/// evidence, and a note longer than any panel row.
fn events() -> Vec<(i64, &'static str, Event)> {
    vec![
        (0, "alice", Event::IncidentOpened { title: "Payments API errors".into(), severity: None }),
        (1, "sitrep", Event::HealthChanged {
            endpoint: "payments-api".into(),
            from: Health::Unknown,
            to: Health::Up,
            status: Some(200),
            latency_ms: Some(31),
            evidence: r#"ok; body: {"status":"ok"}"#.into(),
            since: None,
            episode: None,
            observer: String::new(),
        }),
        (181, "sitrep", Event::Pattern {
            change: PatternChange::New,
            template: "<*> ERROR provider call failed: upstream timeout after <*> attempt=<*>/3".into(),
            level: Some(Level::Error),
            rate: None,
            seen_at: None,
            observer: String::new(),
        }),
        (190, "sitrep", Event::HealthChanged {
            endpoint: "payments-api".into(),
            from: Health::Up,
            to: Health::Down,
            status: Some(503),
            latency_ms: Some(3004),
            evidence: format!("unexpected status 503; body: {BODY}"),
            since: None,
            episode: None,
            observer: String::new(),
        }),
        (200, "alice", Event::Milestone { name: Milestone::Detected }),
        (300, "sitrep", Event::Pattern {
            change: PatternChange::Spike,
            template: "<*> WARN provider rate limited us: 429 retry_after=<*> remaining=0".into(),
            level: Some(Level::Warn),
            rate: Some(4.5),
            seen_at: None,
            observer: String::new(),
        }),
        (400, "alice", Event::CommandFinished {
            runbook: "rollback".into(),
            step: "deploy".into(),
            command: "kubectl rollout undo deploy/payments-api --to-revision=41".into(),
            exit_code: Some(0),
            duration_ms: 12_400,
            output_tail: "deployment.apps/payments-api rolled back\nwaiting for rollout to finish: 1 of 3 updated replicas are available...\ndeployment \"payments-api\" successfully rolled out".into(),
            reason: "exit 0 after 12s".into(),
        }),
        (420, "alice", Event::Note {
            text: "rolled back payments-api to v2.14.0; errors dropped within a minute but the provider still throttles refunds, so customers retrying a refund may see 429s until 14:30".into(),
        }),
        (480, "alice", Event::UpdateSent {
            destination: "slack #incidents".into(),
            text: "Payments are recovering after a rollback.\nRefunds may still fail with 429 until 14:30 UTC.\nNext update at 14:40.".into(),
            result: "delivered (HTTP 200)".into(),
        }),
        (500, "carol", Event::Unknown(UnknownEvent {
            kind: "presence.joined".into(),
            fields: vec![("who".into(), serde_json::json!("carol")), ("client".into(), serde_json::json!({"version": "0.9"}))],
        })),
    ]
}

fn incident() -> App {
    let mut records: Vec<Record> = Vec::new();
    for (secs, actor, event) in events() {
        let prev = records.last().map(|r| r.hash.clone()).unwrap_or_default();
        let seq = records.len() as u64 + 1;
        records.push(seal(seq, at(secs), actor, event, &prev).unwrap().1);
    }
    let mut app = App::new(
        records,
        "t.jsonl".into(),
        Vec::new(),
        "alice".into(),
        at(600),
    );
    app.utc = true;
    app.zoom = true;
    update(&mut app, key('4'));
    app
}

fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, &Theme::monochrome()))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The screen as text, with the machine's local time (which the detail shows) written as a mask of
/// the same width, so the snapshot holds in any time zone.
fn screen(app: &App, width: u16, height: u16) -> String {
    let mut text = text_of(&draw(app, width, height));
    for r in &app.records {
        let local =
            r.ts.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S%.3f %:z")
                .to_string();
        text = text.replace(&local, "yyyy-mm-dd hh:mm:ss.sss +hh:mm");
    }
    text
}

fn row_of(buffer: &Buffer, text: &str) -> Option<u16> {
    let y = text_of(buffer).lines().position(|l| l.contains(text))?;
    u16::try_from(y).ok()
}

#[test]
fn the_timeline_cursor_and_a_search() {
    let mut app = incident();
    app.viewport.timeline = 20;
    for _ in 0..3 {
        update(&mut app, key('k'));
    }
    update(&mut app, key('/'));
    for ch in "provider".chars() {
        update(&mut app, key(ch));
    }
    update(&mut app, enter());
    app.flash = None;
    let small = screen(&app, 80, 24);
    insta::assert_snapshot!("timeline_cursor_80x24", small);
    let big = screen(&app, 120, 40);
    insta::assert_snapshot!("timeline_cursor_120x40", big);
    assert!(
        big.contains("Timeline · 6 of 10 events · \"provider\": 4 (>/<)"),
        "{big}"
    );
    // The newest match at or before the cursor (on the command) is the rate-limit spike.
    let buffer = draw(&app, 120, 40);
    let y = row_of(&buffer, "spike pattern").unwrap();
    assert!(
        buffer[(3, y)].modifier.contains(Modifier::REVERSED),
        "the cursor's row is highlighted"
    );
    let note = row_of(&buffer, "rolled back payments-api").unwrap();
    assert!(!buffer[(3, note)].modifier.contains(Modifier::REVERSED));
    let word = (0..120)
        .find(|&x| buffer[(x, y)].symbol() == "p" && buffer[(x + 1, y)].symbol() == "r")
        .unwrap();
    assert!(
        buffer[(word, y)].modifier.contains(Modifier::UNDERLINED),
        "the match is underlined"
    );
}

#[test]
fn an_events_detail_shows_its_evidence_whole() {
    let mut app = incident();
    app.zoom = false;
    for _ in 0..6 {
        update(&mut app, key('k'));
    }
    update(&mut app, enter());
    assert_eq!(
        app.mode,
        Mode::EventDetail {
            index: 3,
            scroll: 0
        }
    );
    let small = screen(&app, 80, 24);
    insta::assert_snapshot!("event_detail_80x24", small);
    let big = screen(&app, 120, 40);
    insta::assert_snapshot!("event_detail_120x40", big);
    for s in [&small, &big] {
        assert!(s.contains("Event #4 · health.changed"), "{s}");
        assert!(s.contains("2026-11-24 14:03:10.000 UTC"), "{s}");
        assert!(s.contains("HTTP 503"), "{s}");
        assert!(s.contains("3004 ms"), "{s}");
        assert!(s.contains("2b7d4e9c0a11"), "the body's end:\n{s}");
    }
}

#[test]
fn a_long_detail_scrolls_at_80x24() {
    let mut app = incident();
    app.zoom = false;
    update(&mut app, key('k'));
    update(&mut app, key('k'));
    update(&mut app, key('k'));
    update(&mut app, enter());
    let first = screen(&app, 80, 24);
    assert!(first.contains("Event #7 · command.finished"), "{first}");
    assert!(first.contains("successfully rolled out"), "{first}");
    // A short screen: the end is below, j brings it up.
    let top = screen(&app, 80, 12);
    assert!(!top.contains("successfully rolled out"), "{top}");
    assert!(top.contains("scroll"), "{top}");
    for _ in 0..10 {
        update(&mut app, key('j'));
    }
    let bottom = screen(&app, 80, 12);
    assert!(bottom.contains("successfully rolled out"), "{bottom}");
    update(&mut app, enter());
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.focus, Panel::Timeline);
}

#[test]
fn a_milestone_marked_by_mistake_is_retracted_and_stays_in_the_panel_struck_through() {
    let mut app = incident();
    app.zoom = false;
    // On the note first: a note is not taken back, and the user is told why.
    for _ in 0..2 {
        update(&mut app, key('k'));
    }
    update(&mut app, key('x'));
    assert_eq!(app.mode, Mode::Normal);
    let said = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(said.contains("#8 is a note event"), "{said}");
    // On `detected` (#5): x asks, with the event named and the reason typed in place.
    for _ in 0..3 {
        update(&mut app, key('k'));
    }
    update(&mut app, key('x'));
    assert_eq!(
        app.mode,
        Mode::ConfirmRetract {
            seq: 5,
            reason: String::new()
        }
    );
    for ch in "marked before the page".chars() {
        update(&mut app, key(ch));
    }
    let small = screen(&app, 80, 24);
    insta::assert_snapshot!("retract_confirm_80x24", small);
    for s in [&small, &screen(&app, 120, 40)] {
        assert!(s.contains("Retract #5?"), "{s}");
        assert!(
            s.contains("milestone: detected (by alice at 14:03:20Z)"),
            "{s}"
        );
        assert!(s.contains("Reason: marked before the page"), "{s}");
        assert!(s.contains("Enter: retract it · Esc: it stands"), "{s}");
    }
    apply(&mut app, enter());
    assert_eq!(app.mode, Mode::Normal);
    let last = app.records.last().unwrap();
    assert_eq!(
        last.event,
        Event::Correction {
            retracts: 5,
            was: "milestone: detected".into(),
            reason: "marked before the page".into(),
        }
    );
    assert!(
        !app.incident.milestones.contains_key(&Milestone::Detected),
        "the header and the export no longer count it"
    );
    let big = screen(&app, 120, 40);
    insta::assert_snapshot!("retracted_row_120x40", big);
    assert!(
        big.contains("14:03:20Z alice retracted: milestone: detected (by alice,"),
        "{big}"
    );
    let buffer = draw(&app, 120, 40);
    let y = row_of(&buffer, "retracted: milestone: detected").unwrap();
    let x = (0..120)
        .find(|&x| buffer[(x, y)].symbol() == "m" && buffer[(x + 1, y)].symbol() == "i")
        .unwrap();
    assert!(buffer[(x, y)].modifier.contains(Modifier::CROSSED_OUT));
    // Once is enough: a second x says so and asks nothing.
    let index = app.records.iter().position(|r| r.seq == 5).unwrap();
    let len = app.records.len();
    app.timeline.select(index, len, 20);
    update(&mut app, key('x'));
    assert_eq!(app.mode, Mode::Normal);
    let said = app
        .flash
        .as_ref()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(
        said.contains("#5 is already retracted (by alice, #11)"),
        "{said}"
    );
}
