//! Where the baseline ends: at the incident's start when lines from before it were read, else two
//! minutes after the first line read; and a new pattern is recorded once, even across a reopen.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::tail::{LogLine, TailEvent, TimeOrigin};
use crate::timeline::PatternChange;
use super::super::logview::LogFilter;

/// An error line written at `own`, read at `read`.
pub(super) fn error(text: &str, own: DateTime<Utc>, read: DateTime<Utc>) -> LogLine {
    LogLine::new(0, text.into(), Some(crate::core::level::Level::Error), 0, read).with_time(
        own,
        TimeOrigin::Own {
            span: 0..0,
            assumed: None,
        },
    )
}

pub(super) fn feed(app: &mut App, lines: Vec<LogLine>) {
    update(
        app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
}

/// The templates of the new-pattern events a tick at `now` asks to record.
fn announced(app: &mut App, now: DateTime<Utc>) -> Vec<String> {
    update(app, Msg::Tick(now))
        .into_iter()
        .filter_map(|c| match c {
            Command::Append {
                event:
                    Event::Pattern {
                        change: PatternChange::New,
                        template,
                        ..
                    },
                ..
            } => Some(template),
            _ => None,
        })
        .collect()
}

fn ms(t: DateTime<Utc>) -> u64 {
    crate::core::clock::epoch_ms(t)
}

#[test]
fn with_lines_from_before_the_start_the_baseline_ends_at_the_start() {
    // Opened at t0; sitrep is started ten minutes later and reads the file's backlog.
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    let read = t0 + TimeDelta::minutes(10);
    feed(
        &mut app,
        vec![
            error("ERROR db pool exhausted after 30s", t0 - TimeDelta::minutes(30), read),
            error("ERROR db pool exhausted after 31s", t0 + TimeDelta::minutes(2), read),
            error("ERROR provider timeout calling /v1/charge", t0 + TimeDelta::minutes(1), read),
        ],
    );
    assert_eq!(app.patterns.trend.new_after_ms, ms(t0));
    // Only what first happened after the start is new; the pool errors were there before.
    assert_eq!(
        announced(&mut app, read),
        ["provider timeout calling /<*>/charge"]
    );
    assert_eq!(app.seen_from_ms(), ms(t0 - TimeDelta::minutes(30)));
}

#[test]
fn without_lines_from_before_the_start_it_ends_two_minutes_after_the_first_line_read() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    let read = t0 + TimeDelta::minutes(5);
    feed(
        &mut app,
        vec![error("ERROR db pool exhausted after 30s", read, read)],
    );
    assert_eq!(app.patterns.trend.new_after_ms, ms(read) + 120_000);
    assert!(announced(&mut app, read).is_empty(), "seen in the baseline");
    let later = read + TimeDelta::minutes(3);
    feed(
        &mut app,
        vec![error("ERROR provider timeout calling /v1/charge", later, later)],
    );
    assert_eq!(
        announced(&mut app, later),
        ["provider timeout calling /<*>/charge"]
    );
}

#[test]
fn a_baseline_set_by_hand_stays_where_it_was_set() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    app.set_baseline(std::time::Duration::from_secs(30));
    feed(
        &mut app,
        vec![error("ERROR old", t0 - TimeDelta::hours(1), t0)],
    );
    assert_eq!(app.patterns.trend.new_after_ms, ms(t0) + 30_000);
}

#[test]
fn a_pattern_recorded_new_before_a_reopen_is_not_recorded_again() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    let prev = app.records[0].hash.clone();
    let (_, earlier) = seal(
        2,
        t0 + TimeDelta::minutes(1),
        "sitrep",
        Event::Pattern {
            change: PatternChange::New,
            template: "provider timeout calling /<*>/charge".into(),
            level: Some(crate::core::level::Level::Error),
            rate: None,
            seen_at: None,
            observer: String::new(),
        },
        &prev,
    )
    .unwrap();
    // The incident reopened: the same file's backlog is read again.
    let mut app = App::new(
        vec![app.records[0].clone(), earlier],
        "t.jsonl".into(),
        Vec::new(),
        "alice".into(),
        t0 + TimeDelta::minutes(10),
    );
    app.sources.push(SourceView::new("api"));
    let read = t0 + TimeDelta::minutes(10);
    feed(
        &mut app,
        vec![
            error("ERROR before", t0 - TimeDelta::minutes(1), read),
            error("ERROR provider timeout calling /v1/charge", t0 + TimeDelta::minutes(1), read),
            error("ERROR ledger refused the write", t0 + TimeDelta::minutes(2), read),
        ],
    );
    assert_eq!(
        announced(&mut app, read),
        ["ledger refused the write"]
    );
}

#[test]
fn a_new_pattern_is_recorded_with_the_time_of_its_first_line() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    let read = t0 + TimeDelta::minutes(10);
    let first = t0 + TimeDelta::minutes(3);
    feed(
        &mut app,
        vec![
            error("ERROR before", t0 - TimeDelta::minutes(1), read),
            error("ERROR ledger refused the write", t0 + TimeDelta::minutes(4), read),
            error("ERROR ledger refused the write", first, read),
        ],
    );
    let seen: Vec<_> = update(&mut app, Msg::Tick(read))
        .into_iter()
        .filter_map(|c| match c {
            Command::Append {
                event: Event::Pattern { seen_at, .. },
                ..
            } => Some(seen_at),
            _ => None,
        })
        .collect();
    assert_eq!(seen, [Some(first)]);
}

/// The template of the pattern of line `n`, as the cockpit has it now.
fn template(app: &App, n: u64) -> Option<String> {
    app.patterns
        .of(n)
        .and_then(|id| app.patterns.miner.template(id))
        .map(str::to_owned)
}

#[test]
fn an_error_and_its_exception_split_between_two_reads_are_one_record() {
    // A write that crosses a page's end is seen in two parts: the error's line in one read, its
    // exception and frames in the next. They are still one record, and the error's line alone
    // is never a pattern (it would have been a false NEW).
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    let line = |text: &str| error(text, t0, t0);
    feed(&mut app, vec![line("2026-12-07 10:00:00 ERROR Charge failed for order 1")]);
    feed(&mut app, vec![
        line("java.net.ConnectException: Connection refused"),
        line("\tat com.acme.Pay.charge(Pay.java:10)"),
    ]);
    update(&mut app, Msg::Tick(t0 + TimeDelta::seconds(1)));
    let combined = "Charge failed for order <*> java.net.ConnectException: Connection refused";
    assert_eq!(template(&app, 0).as_deref(), Some(combined));
    assert_eq!(template(&app, 2).as_deref(), Some(combined), "the frame is the record's");
    assert_eq!(app.patterns.miner.len(), 1, "no pattern of the error's line alone");

    // A view of that pattern's lines takes in the next record once the clock ticks (its lines
    // came before their pattern was known: the record ended the read).
    let id = app.patterns.of(0).expect("mined");
    let patterns = &app.patterns;
    app.logview
        .add_filter(LogFilter::pattern(id, combined), &app.logs, &|n| (patterns.of(n), patterns.part(n)))
        .expect("one filter");
    assert_eq!(app.logview.matching(&app.logs), 3);
    feed(&mut app, vec![
        line("2026-12-07 10:00:02 ERROR Charge failed for order 2"),
        line("java.net.ConnectException: Connection refused"),
    ]);
    update(&mut app, Msg::Tick(t0 + TimeDelta::seconds(2)));
    assert_eq!(app.logview.matching(&app.logs), 5);
}

#[test]
fn every_line_of_a_read_has_its_pattern_once_the_clock_ticks() {
    // An error waits for the exception under it; the read that ends with the error has no more
    // lines for it, so the error is mined alone then, and a view filtering by pattern, the error
    // minutes and the pattern list all see it at once.
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.incident.start().expect("opened");
    let line = |text: &str| error(text, t0, t0);
    feed(&mut app, vec![
        line("2026-12-07 10:00:00 ERROR Charge failed for order 1"),
        line("java.net.ConnectException: Connection refused"),
        line("\tat com.acme.Pay.charge(Pay.java:10)"),
        line("2026-12-07 10:00:01 ERROR Webhook rejected by provider"),
    ]);
    update(&mut app, Msg::Tick(t0 + TimeDelta::seconds(1)));
    assert_eq!(template(&app, 0).as_deref(), Some("Charge failed for order <*> java.net.ConnectException: Connection refused"));
    assert_eq!(template(&app, 2), template(&app, 0), "the frame is the record's");
    assert_eq!(template(&app, 3).as_deref(), Some("Webhook rejected by provider"));
}
