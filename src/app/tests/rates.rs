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

/// The error-rate summaries a tick at `now` asks to record.
fn summaries(app: &mut App, now: chrono::DateTime<Utc>) -> Vec<Command> {
    update(app, Msg::Tick(now))
        .into_iter()
        .filter(|c| matches!(c, Command::Append { event: Event::ErrorMinute { .. }, .. }))
        .collect()
}

#[test]
fn one_error_summary_a_minute_with_its_busiest_pattern_once_the_minute_is_over() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.now; // 14:00:00, the incident's opening
    let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
    let mut lines = Vec::new();
    for i in 0..40 {
        // Two a second for twenty seconds, read as they come.
        lines.push(error_line(at(i / 2), at(i / 2)));
    }
    for i in 0..5 {
        lines.push(super::baseline::error("ERROR ledger write refused id=7", at(30 + i), at(30 + i)));
    }
    feed(&mut app, lines);
    assert!(summaries(&mut app, at(61)).is_empty(), "the minute's late lines may still come");
    let cmds = summaries(&mut app, at(66));
    let [Command::Append { event, actor, .. }] = cmds.as_slice() else {
        panic!("one summary, got {cmds:?}");
    };
    assert_eq!(actor, crate::timeline::TOOL_ACTOR);
    assert_eq!(
        *event,
        Event::ErrorMinute {
            source: "api".into(),
            minute: t0,
            errors: 45,
            lines: 45,
            peak_per_s: 2,
            busiest: "upstream timeout".into(),
            busiest_errors: 40,
            partial: false,
        }
    );
    ack(&mut app, cmds);
    assert!(summaries(&mut app, at(200)).is_empty(), "at most one for the minute");
    assert!(
        !app.records.iter().any(|r| matches!(r.event, Event::ErrorMinute { .. })),
        "not a row of the timeline panel"
    );
    assert_eq!(app.error_minutes.len(), 1);
}

#[test]
fn a_reopened_incident_does_not_summarize_a_minute_again_and_quiet_minutes_give_none() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.now;
    let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
    feed(&mut app, vec![error_line(at(5), at(5))]);
    let cmds = summaries(&mut app, at(70));
    ack(&mut app, cmds);
    // Reopened: the file's records, the same backlog read again.
    let mut all = app.records.clone();
    all.extend(app.error_minutes.clone());
    let mut again = App::new(all, "t.jsonl".into(), Vec::new(), "alice".into(), at(80));
    again.sources.push(SourceView::new("api"));
    feed(&mut again, vec![error_line(at(80), at(5))]);
    let quiet = LogLine::new(0, "INFO ok".into(), None, 0, at(90));
    feed(&mut again, vec![quiet]);
    assert!(summaries(&mut again, at(300)).is_empty());
}

#[test]
fn quitting_records_the_minute_under_way() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.now;
    let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
    feed(&mut app, vec![error_line(at(10), at(10))]);
    app.now = at(20);
    let cmds = update(&mut app, key('q'));
    let cmds = if cmds.is_empty() { update(&mut app, key('y')) } else { cmds };
    assert!(
        cmds.iter().any(|c| matches!(c, Command::Append { event: Event::ErrorMinute { errors: 1, partial: true, .. }, .. })),
        "{cmds:?}"
    );
}

#[test]
fn a_minute_summed_in_part_as_sitrep_closed_is_summed_again_whole_by_the_next_session() {
    let mut app = app();
    app.sources.push(SourceView::new("api"));
    let t0 = app.now;
    let at = |s: i64| t0 + chrono::TimeDelta::seconds(s);
    feed(&mut app, vec![error_line(at(10), at(10))]);
    app.now = at(20);
    let cmds = update(&mut app, key('q'));
    let cmds = if cmds.is_empty() { update(&mut app, key('y')) } else { cmds };
    ack(&mut app, cmds);
    // Reopened: the backlog holds the first session's line and the ones written after it quit.
    let mut all = app.records.clone();
    all.extend(app.error_minutes.clone());
    let mut again = App::new(all, "t.jsonl".into(), Vec::new(), "alice".into(), at(40));
    again.sources.push(SourceView::new("api"));
    feed(
        &mut again,
        vec![error_line(at(40), at(10)), error_line(at(40), at(25)), error_line(at(40), at(35))],
    );
    let cmds = summaries(&mut again, at(70));
    assert!(
        cmds.iter().any(|c| matches!(c, Command::Append { event: Event::ErrorMinute { errors: 3, partial: false, .. }, .. })),
        "{cmds:?}"
    );
}
