//! Error rates count each line in the second it says it happened, not the second it was read.

use super::*;
use super::baseline::feed;
use crate::tail::LogLine;

/// An error line read at `read` that says it happened at `own`.
fn error_line(read: chrono::DateTime<Utc>, own: chrono::DateTime<Utc>) -> LogLine {
    super::baseline::error("ERROR upstream timeout", own, read)
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
fn lines_out_of_order_count_in_the_buckets_their_times_name() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let now = app.now;
    let ago = |s: i64| error_line(now, now - chrono::TimeDelta::seconds(s));
    // Seconds ago, in the order they arrive: two batches, each out of order.
    feed(&mut app, vec![ago(1), ago(5), ago(3)]);
    feed(&mut app, vec![ago(5), ago(8), ago(1), ago(5)]);
    let series = app.sources[0].errors.last(now.timestamp(), 9);
    // Oldest first: 8 s ago … now.
    assert_eq!(series, [1, 0, 0, 3, 0, 1, 0, 2, 0]);
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

#[test]
fn a_patterns_first_and_last_seen_are_the_times_its_lines_name_in_any_order() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let now = app.now;
    let ago = |s: i64| now - chrono::TimeDelta::seconds(s);
    // Read now, in this order: written 30 s ago, 90 s ago, 10 s ago.
    feed(
        &mut app,
        vec![error_line(now, ago(30)), error_line(now, ago(90)), error_line(now, ago(10))],
    );
    update(&mut app, key('p'));
    let row = app.patterns.rows.first().expect("one pattern");
    assert_eq!(row.count, 3);
    assert_eq!(row.first_ms, crate::core::clock::epoch_ms(ago(90)));
    assert_eq!(row.last_ms, crate::core::clock::epoch_ms(ago(10)));
}
