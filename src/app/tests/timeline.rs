//! The timeline panel's cursor, its detail view, its search, and going to an event's moment in the
//! logs.

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::mouse::{Mouse, Pointer};
use crate::app::{App, Input, Mode, Msg, Panel, Viewport, update};
use crate::core::health::Health;
use crate::tail::{LogLine, TailEvent};
use crate::timeline::{Event, chain::seal};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

fn key(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn typed(app: &mut App, text: &str) {
    for ch in text.chars() {
        update(app, key(ch));
    }
}

/// Appends an event as the writer would, `secs` after the start.
fn record(app: &mut App, secs: i64, event: Event) {
    let prev = app.records.last().map(|r| r.hash.clone()).unwrap_or_default();
    let seq = app.incident.last_seq + 1;
    let actor = if matches!(event, Event::Note { .. }) {
        "alice"
    } else {
        "sitrep"
    };
    app.record(seal(seq, t(secs), actor, event, &prev).unwrap().1);
}

/// An incident opened at 0 s with notes `note 1`... every 10 s, the timeline focused and 5 rows high.
fn timeline(notes: usize) -> App {
    let mut app = App::new(Vec::new(), "t.jsonl".into(), Vec::new(), "alice".into(), t(0));
    record(
        &mut app,
        0,
        Event::IncidentOpened {
            title: "Payments".into(),
            severity: None,
        },
    );
    for i in 1..=notes {
        record(
            &mut app,
            10 * i as i64,
            Event::Note {
                text: format!("note {i}"),
            },
        );
    }
    app.viewport = Viewport {
        timeline: 5,
        ..Viewport::default()
    };
    update(&mut app, key('4'));
    app
}

fn selected(app: &App) -> String {
    let i = app.timeline.cursor(app.records.len()).unwrap();
    app.records[i].event.summary()
}

#[test]
fn the_cursor_stays_on_the_newest_event_as_events_arrive() {
    let mut app = timeline(3);
    assert_eq!(selected(&app), "note: note 3");
    record(&mut app, 40, Event::Note { text: "note 4".into() });
    assert_eq!(selected(&app), "note: note 4");
}

#[test]
fn a_cursor_moved_back_stays_on_its_event_as_events_arrive() {
    let mut app = timeline(3);
    update(&mut app, key('k'));
    assert_eq!(selected(&app), "note: note 2");
    record(&mut app, 40, Event::Note { text: "note 4".into() });
    assert_eq!(selected(&app), "note: note 2");
    update(&mut app, key('G'));
    record(&mut app, 50, Event::Note { text: "note 5".into() });
    assert_eq!(selected(&app), "note: note 5", "G follows the newest again");
}

#[test]
fn the_rows_shown_keep_the_cursor_and_scroll_only_when_it_leaves_them() {
    let mut app = timeline(20);
    let len = app.records.len();
    assert_eq!(app.timeline.window(len, 5), 16..21);
    for _ in 0..4 {
        update(&mut app, key('k'));
    }
    assert_eq!(app.timeline.window(len, 5), 16..21, "the cursor is still in view");
    update(&mut app, key('k'));
    assert_eq!(app.timeline.window(len, 5), 15..20);
    update(&mut app, key('g'));
    assert_eq!(selected(&app), "incident opened: Payments");
    assert_eq!(app.timeline.window(len, 5), 0..5);
    update(&mut app, code(KeyCode::PageDown));
    assert_eq!(selected(&app), "note: note 2", "half of 5 rows");
}

#[test]
fn the_mouse_wheel_over_the_timeline_moves_its_cursor() {
    let mut app = timeline(3);
    update(&mut app, key('3'));
    let wheel = |pointer| {
        Msg::Mouse(Mouse {
            pointer,
            panel: Some(Panel::Timeline),
        })
    };
    update(&mut app, wheel(Pointer::WheelUp));
    assert_eq!(selected(&app), "note: note 2");
    assert_eq!(app.focus, Panel::Runbook, "the wheel leaves the focus alone");
    update(&mut app, wheel(Pointer::WheelDown));
    assert_eq!(selected(&app), "note: note 3");
}

#[test]
fn enter_opens_the_selected_event_and_esc_or_enter_closes_it() {
    let mut app = timeline(3);
    update(&mut app, key('k'));
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.mode, Mode::EventDetail { index: 2, scroll: 0 });
    update(&mut app, key('j'));
    assert_eq!(app.mode, Mode::EventDetail { index: 2, scroll: 1 });
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(selected(&app), "note: note 2", "the detail leaves the cursor alone");
}

#[test]
fn slash_searches_the_timeline_there_and_filters_the_logs_elsewhere() {
    let mut app = timeline(3);
    update(&mut app, key('/'));
    assert_eq!(app.mode, Mode::Input(Input::EventSearch, String::new()));
    update(&mut app, code(KeyCode::Esc));
    update(&mut app, key('1'));
    update(&mut app, key('/'));
    assert_eq!(app.mode, Mode::Input(Input::Filter, String::new()));
}

#[test]
fn a_search_goes_to_the_newest_match_at_or_before_the_cursor_and_steps_between_matches() {
    let mut app = timeline(0);
    for (i, text) in ["Rollback started", "checking", "rollback done", "all good"]
        .iter()
        .enumerate()
    {
        record(&mut app, 10 * (i as i64 + 1), Event::Note { text: text.to_string() });
    }
    update(&mut app, key('/'));
    typed(&mut app, "ROLLBACK");
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(selected(&app), "note: rollback done");
    let flash = app.flash.clone().unwrap();
    assert!(flash.text.starts_with("2 events match \"ROLLBACK\""), "{flash:?}");
    update(&mut app, key('<'));
    assert_eq!(selected(&app), "note: Rollback started");
    update(&mut app, key('<'));
    assert_eq!(selected(&app), "note: Rollback started");
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        "no older event matches \"ROLLBACK\""
    );
    update(&mut app, key('>'));
    assert_eq!(selected(&app), "note: rollback done");
}

#[test]
fn a_search_without_a_match_says_so_and_leaves_the_cursor() {
    let mut app = timeline(3);
    update(&mut app, key('k'));
    update(&mut app, key('/'));
    typed(&mut app, "nowhere");
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(selected(&app), "note: note 2");
    assert_eq!(app.flash.unwrap().text, "no event matches \"nowhere\"");
}

#[test]
fn esc_clears_the_search_before_anything_else() {
    let mut app = timeline(3);
    update(&mut app, key('z'));
    update(&mut app, key('/'));
    typed(&mut app, "note");
    update(&mut app, code(KeyCode::Enter));
    assert!(app.timeline.search().is_some());
    update(&mut app, code(KeyCode::Esc));
    assert!(app.timeline.search().is_none());
    assert!(app.zoom, "the first Esc only clears the search");
    update(&mut app, code(KeyCode::Esc));
    assert!(!app.zoom);
}

fn lines_at(app: &mut App, seconds: std::ops::Range<i64>) {
    let lines = seconds
        .map(|s| LogLine::new(0, format!("line read at {s}s"), None, 0, t(s)))
        .collect();
    update(
        app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
}

fn went_down(app: &mut App, secs: i64) {
    record(
        app,
        secs,
        Event::HealthChanged {
            endpoint: "payments-api".into(),
            from: Health::Up,
            to: Health::Down,
            status: Some(503),
            latency_ms: Some(3004),
            evidence: "unexpected status 503".into(),
            since: None,
            episode: None,
            observer: String::new(),
        },
    );
}

#[test]
fn an_events_moment_freezes_the_logs_at_the_nearest_line() {
    let mut app = timeline(0);
    app.utc = true;
    lines_at(&mut app, 0..120);
    went_down(&mut app, 42);
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, key('L'));
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.focus, Panel::Logs);
    let cursor = app.selected_line().map(|(_, l)| l.text.clone());
    assert_eq!(cursor.as_deref(), Some("line read at 42s"));
    assert!(!app.logview.following());
    let flash = app.flash.clone().unwrap().text;
    assert!(flash.starts_with("logs at 14:00:42Z (cursor line) · f follows again"), "{flash}");
    assert!(flash.contains("payments-api: up → down"), "{flash}");
    // A line pinned there is evidence for that event.
    let seq = app.records.last().unwrap().seq;
    let pinned = update(&mut app, key('m'));
    assert!(
        matches!(&pinned[..], [crate::app::Command::Append { event: Event::LinePinned { cites: Some(c), .. }, .. }] if *c == seq),
        "{pinned:?}"
    );
}

#[test]
fn an_events_moment_whose_lines_aged_out_says_from_when_the_buffer_holds_lines() {
    let mut app = timeline(0);
    app.utc = true;
    app.logs = crate::tail::LogBuffer::with_capacity(50);
    lines_at(&mut app, 0..120);
    went_down(&mut app, 42);
    update(&mut app, key('L'));
    assert_eq!(app.focus, Panel::Timeline, "nothing to show: the focus stays");
    assert!(app.logview.following());
    assert_eq!(
        app.flash.unwrap().text,
        "lines from 14:00:42Z have aged out: the buffer holds lines from 14:01:10Z"
    );
}
