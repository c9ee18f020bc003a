//! Error rates count each line in the second it says it happened, not the second it was read.

use super::*;
use crate::tail::{LogLine, TailEvent, TimeOrigin};

/// An error line read at `read` that says it happened at `own`.
fn error_line(read: chrono::DateTime<Utc>, own: chrono::DateTime<Utc>) -> LogLine {
    LogLine::new(
        0,
        "ERROR upstream timeout".into(),
        Some(crate::core::level::Level::Error),
        0,
        read,
    )
    .with_time(
        own,
        TimeOrigin::Own {
            span: 0..0,
            assumed: None,
        },
    )
}

fn feed(app: &mut App, lines: Vec<LogLine>) {
    update(
        app,
        Msg::Tail(TailEvent::Lines {
            source: 0,
            file: None,
            lines,
        }),
    );
}

#[test]
fn a_backlog_read_at_once_counts_in_the_seconds_its_lines_name() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let now = app.now;
    // Ten errors written over the last ten seconds, all read just now.
    let lines = (0..10)
        .map(|i| error_line(now, now - chrono::TimeDelta::seconds(10 - i)))
        .collect();
    feed(&mut app, lines);
    let series = app.sources[0].errors.last(now.timestamp(), 11);
    assert_eq!(series, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], "no spike now");
}

#[test]
fn a_line_stamped_far_ahead_of_this_clock_counts_when_it_was_read() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let now = app.now;
    feed(
        &mut app,
        vec![error_line(now, now + chrono::TimeDelta::hours(2))],
    );
    let series = app.sources[0].errors.last(now.timestamp(), 3);
    assert_eq!(series, [0, 0, 1]);
}
