//! One log-level vocabulary: the level a pattern event writes reads back as the same level, and the
//! seven levels a line can name show as the four marks the logs panel has always had (notice like
//! info, fatal like error), with fatal lines counted as errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sitrep::app::{App, Msg, Panel, PatternsMode, SourceView, update};
use sitrep::core::level::Level;
use sitrep::tail::{LogLine, TailEvent, detect_level};
use sitrep::timeline::{self, Event, PatternChange, TimelineWriter, chain::seal};
use sitrep::ui::{self, Theme};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap()
}

#[test]
fn every_level_written_to_a_timeline_reads_back_as_the_same_level() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("incident.jsonl");
    let (mut writer, _) = TimelineWriter::open(&path).unwrap();
    let levels: Vec<Option<Level>> = Level::ALL.into_iter().map(Some).chain([None]).collect();
    for level in &levels {
        let event = Event::Pattern {
            change: PatternChange::Spike,
            template: "payment <*> failed".into(),
            level: *level,
            rate: Some(2.5),
            seen_at: None,
            observer: String::new(),
        };
        writer.append("alice", event).unwrap();
    }
    drop(writer);

    let file = std::fs::read_to_string(&path).unwrap();
    let written: Vec<&str> = file
        .lines()
        .map(|line| match line.split_once(r#""level":""#) {
            Some((_, rest)) => rest.split('"').next().unwrap(),
            None => "",
        })
        .collect();
    assert_eq!(
        written,
        [
            "trace", "debug", "info", "notice", "warn", "error", "fatal", ""
        ],
        "the words earlier versions wrote; no level, no field:\n{file}"
    );

    let report = timeline::read(&path).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let read: Vec<Option<Level>> = report
        .records
        .iter()
        .map(|r| match &r.event {
            Event::Pattern { level, .. } => *level,
            other => panic!("not a pattern event: {other:?}"),
        })
        .collect();
    assert_eq!(read, levels);
}

/// An app following one source, at `t0`, that has been sent `texts` as one batch of lines.
fn app_with_lines(texts: &[&str]) -> App {
    let opened = seal(
        1,
        t0(),
        "alice",
        Event::IncidentOpened {
            title: "Payments API errors".into(),
            severity: None,
        },
        "",
    )
    .unwrap()
    .1;
    let mut app = App::new(
        vec![opened],
        "incident.jsonl".into(),
        vec![],
        "alice".into(),
        t0(),
    );
    app.utc = true;
    app.zoom = true;
    app.focus = Panel::Logs;
    app.sources.push(SourceView::new("api"));
    let lines = texts
        .iter()
        .map(|t| LogLine::new(0, t.to_string(), detect_level(t), 0, t0()))
        .collect();
    update(
        &mut app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
    app
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 20)).unwrap();
    terminal
        .draw(|f| ui::draw(f, app, &Theme::monochrome()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The mark drawn before the screen row that shows `text` (a space and then the text follow it).
fn mark_of(screen: &str, text: &str) -> char {
    let row = screen
        .lines()
        .find(|row| row.contains(text))
        .unwrap_or_else(|| panic!("no row shows {text:?}:\n{screen}"));
    let at = row.find(text).unwrap();
    row[..at].chars().rev().nth(1).unwrap()
}

const LINES: [&str; 7] = [
    "TRACE enter handler",
    "DEBUG cache miss",
    "INFO server started",
    "NOTICE config reloaded",
    "WARN slow query",
    "ERROR connection refused",
    "FATAL out of memory",
];

#[test]
fn notice_lines_are_marked_like_info_and_fatal_lines_like_error() {
    let s = screen(&app_with_lines(&LINES));
    let marks: String = LINES.iter().map(|t| mark_of(&s, t)).collect();
    assert_eq!(marks, "··  ▲✖✖", "info and notice have no mark:\n{s}");
}

#[test]
fn fatal_lines_count_as_errors_and_notice_lines_do_not() {
    let app = app_with_lines(&LINES);
    assert_eq!(
        app.sources[0].errors.last(t0().timestamp(), 1),
        [2],
        "the error and the fatal line"
    );
    let s = screen(&app);
    let row = s.lines().find(|r| r.contains("errors/s")).unwrap();
    assert!(row.contains(" 0.2"), "two errors over ten seconds: {row}");
}

#[test]
fn a_fatal_pattern_is_marked_as_an_error_and_a_notice_pattern_is_not() {
    let mut app = app_with_lines(&LINES);
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE)),
    );
    assert_eq!(app.patterns.mode, PatternsMode::List);
    let s = screen(&app);
    let row = |text: &str| {
        s.lines()
            .find(|r| r.contains(text))
            .unwrap_or_else(|| panic!("no pattern row shows {text:?}:\n{s}"))
            .to_string()
    };
    assert!(row("out of memory").contains('✖'), "{s}");
    assert!(row("connection refused").contains('✖'), "{s}");
    assert!(row("slow query").contains('▲'), "{s}");
    let notice = row("config reloaded");
    assert!(!notice.contains('✖') && !notice.contains('▲'), "{s}");
}
