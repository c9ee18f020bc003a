use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::Merger;
use crate::tail::{LogLine, TailEvent, TimeOrigin};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 19, 0, 0).unwrap()
}

/// A line of `source` whose own time is `own_ms` after t0, read at `read_ms` after t0.
fn line(source: usize, text: &str, own_ms: i64, read_ms: i64) -> LogLine {
    let read = t0() + TimeDelta::milliseconds(read_ms);
    LogLine::new(source, text.into(), None, 0, read).with_time(
        t0() + TimeDelta::milliseconds(own_ms),
        TimeOrigin::Own {
            span: 0..0,
            assumed: None,
        },
    )
}

fn texts(events: &[TailEvent]) -> Vec<String> {
    lines(events).iter().map(|l| l.text.clone()).collect()
}

fn lines(events: &[TailEvent]) -> Vec<LogLine> {
    events
        .iter()
        .flat_map(|e| match e {
            TailEvent::Lines { lines, .. } => lines.clone(),
            TailEvent::Status { .. } => Vec::new(),
        })
        .collect()
}

const SECOND: Duration = Duration::from_secs(1);
const GRACE: Duration = super::STARTUP_GRACE;

#[test]
fn one_source_is_never_held_or_reordered() {
    let mut m = Merger::new(vec![SECOND]);
    let now = Instant::now();
    m.push(None, vec![line(0, "b", 2000, 20_000), line(0, "a", 1000, 20_000)], now);
    // Nothing to wait for: out at once, in the order written.
    assert_eq!(m.held(), 0);
    assert_eq!(texts(&m.release(now)), ["b", "a"]);
}

#[test]
fn two_sources_come_out_in_line_time_order() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    m.push(
        None,
        vec![
            line(0, "a1", 1000, 20_000),
            line(0, "a3", 3000, 20_000),
            line(0, "a5", 5000, 20_000),
        ],
        now,
    );
    // Source 1 has said nothing yet: source 0's lines wait for it.
    assert!(m.release(now).is_empty());
    assert_eq!(m.held(), 3);
    m.push(None, vec![line(1, "b2", 2000, 20_000), line(1, "b4", 4000, 20_000)], now);
    // Up to b4 it is known nothing earlier can come; a5 waits for source 1 to pass 5 s.
    assert_eq!(texts(&m.release(now)), ["a1", "b2", "a3", "b4"]);
    assert_eq!(m.held(), 1);
    m.push(None, vec![line(1, "b6", 6000, 20_000)], now);
    assert_eq!(texts(&m.release(now)), ["a5"]);
    // b6 waits for source 0 at most its window.
    assert!(m.release(now + SECOND / 2).is_empty());
    let out = m.release(now + SECOND);
    assert_eq!(texts(&out), ["b6"]);
    assert!(lines(&out).iter().all(|l| !l.late));
}

#[test]
fn a_line_waits_at_most_its_sources_window() {
    let mut m = Merger::new(vec![Duration::from_millis(300), SECOND]);
    let now = Instant::now();
    m.push(None, vec![line(1, "b0", 0, 20_000)], now);
    m.push(None, vec![line(0, "a", 1000, 20_000)], now);
    // b0 is known to be first; a waits for source 1, at most 300 ms.
    assert_eq!(texts(&m.release(now)), ["b0"]);
    assert_eq!(m.next_due(), Some(now + Duration::from_millis(300)));
    assert!(m.release(now + Duration::from_millis(299)).is_empty());
    assert_eq!(
        texts(&m.release(now + Duration::from_millis(300))),
        ["a"]
    );
    assert_eq!(m.next_due(), None);
}

#[test]
fn at_the_start_a_source_that_has_sent_nothing_is_waited_for_a_little_longer() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    // Source 1's thread starts late: its backlog comes 2 s after source 0's.
    m.push(None, vec![line(0, "a1", 1000, 20_000), line(0, "a3", 3000, 20_000)], now);
    assert!(m.release(now + 2 * SECOND).is_empty());
    m.push(None, vec![line(1, "b2", 2000, 20_000)], now + 2 * SECOND);
    assert_eq!(texts(&m.release(now + 2 * SECOND)), ["a1", "b2"]);
    // Never past the grace: a source silent for good holds nothing longer.
    let mut m = Merger::new(vec![SECOND, SECOND]);
    m.push(None, vec![line(0, "a1", 1000, 20_000)], now);
    assert_eq!(m.next_due(), Some(now + super::STARTUP_GRACE));
    assert_eq!(texts(&m.release(now + super::STARTUP_GRACE)), ["a1"]);
}

#[test]
fn a_line_older_than_what_is_shown_by_more_than_the_window_goes_last_marked_late() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    m.push(None, vec![line(0, "a10", 10_000, 20_000)], now);
    // Source 1 says nothing for a while: a10 goes out when the wait at the start ends.
    let first = m.release(now + GRACE);
    assert_eq!(texts(&first), ["a10"]);
    // Source 1 turns up late with lines from before: they are never lost.
    m.push(
        None,
        vec![line(1, "b9.5", 9_500, 20_000), line(1, "b3", 3_000, 20_000)],
        now + GRACE,
    );
    let out = lines(&m.release(now + GRACE + SECOND));
    let got: Vec<(&str, bool)> = out.iter().map(|l| (l.text.as_str(), l.late)).collect();
    // b9.5 is within the 1 s window of a10: not late. b3 is 7 s older: at the end, marked.
    assert_eq!(got, [("b9.5", false), ("b3", true)]);
}

#[test]
fn a_line_from_a_clock_ahead_is_placed_when_it_was_read() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    // b's clock is a minute ahead: ordered at its arrival, between a1 and a3.
    let ahead = line(1, "b?", 62_000, 2_000);
    assert!(ahead.clock_ahead());
    m.push(None, vec![line(0, "a1", 1000, 1000), line(0, "a3", 3000, 3000)], now);
    m.push(None, vec![ahead], now);
    let out = [m.release(now), m.release(now + GRACE)].concat();
    assert_eq!(texts(&out), ["a1", "b?", "a3"]);
}

#[test]
fn lines_without_a_time_are_placed_when_read() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    let plain = LogLine::new(1, "plain".into(), None, 0, t0() + TimeDelta::seconds(2));
    m.push(None, vec![line(0, "a1", 1000, 1000), line(0, "a3", 3000, 3000)], now);
    m.push(None, vec![plain], now);
    let out = [m.release(now), m.release(now + GRACE)].concat();
    assert_eq!(texts(&out), ["a1", "plain", "a3"]);
}

#[test]
fn what_is_held_is_bounded() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    // Source 1 is silent; source 0 sends more than may be held.
    let many: Vec<LogLine> = (0..super::MAX_HELD_LINES as i64 + 10)
        .map(|i| line(0, "x", i, 0))
        .collect();
    m.push(None, many, now);
    let out = m.release(now);
    assert_eq!(lines(&out).len(), 10);
    assert_eq!(m.held(), super::MAX_HELD_LINES);
    assert_eq!(lines(&m.flush()).len(), super::MAX_HELD_LINES);
}

#[test]
fn batches_keep_each_lines_file() {
    let mut m = Merger::new(vec![SECOND, SECOND]);
    let now = Instant::now();
    let a: std::sync::Arc<std::path::Path> = std::path::Path::new("a.log").into();
    let b: std::sync::Arc<std::path::Path> = std::path::Path::new("b.log").into();
    m.push(Some(a.clone()), vec![line(0, "a1", 1000, 20_000), line(0, "a3", 3000, 20_000)], now);
    m.push(Some(b.clone()), vec![line(1, "b2", 2000, 20_000), line(1, "b4", 4000, 20_000)], now);
    let out = [m.release(now), m.flush()].concat();
    let files: Vec<(usize, Option<&std::path::Path>, usize)> = out
        .iter()
        .map(|e| match e {
            TailEvent::Lines {
                source,
                file,
                lines,
            } => (*source, file.as_deref(), lines.len()),
            TailEvent::Status { .. } => unreachable!(),
        })
        .collect();
    assert_eq!(
        files,
        [
            (0, Some(&*a), 1),
            (1, Some(&*b), 1),
            (0, Some(&*a), 1),
            (1, Some(&*b), 1)
        ]
    );
}
