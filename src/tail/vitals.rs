//! How a source is doing, judged from the lines it delivers: gone silent, or lagging behind the
//! clock. Pure (times are passed in), kept by whoever reads the source: the cockpit for its tabs
//! and record, `sitrep tail` for its stderr.
//!
//! - **Silent**: no line for `silent_after` (60 s) from a source that averaged more than one line
//!   a minute over the 10 minutes before (counted by each line's own time, so a backfill read in one
//!   go counts where its lines belong, not as a burst now).
//! - **Lagging**: lines keep arriving (one in the last 10 s) but the newest of them is more than
//!   30 s behind the clock. Not judged while a backfill runs, nor on the lines read in the first
//!   10 s (the history read at open is old by design), nor on lines after a backfill no newer than
//!   what it reached (a second machine's history, released by the merge).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::LogLine;

/// How long without a line makes a busy source silent, unless set (`silent-after`).
pub const DEFAULT_SILENT_AFTER: Duration = Duration::from_secs(60);
/// How far behind the clock a delivering source's newest line may be.
pub const LAG_LIMIT: TimeDelta = TimeDelta::seconds(30);
/// Lines received this recently make a source "delivering" for the lag test.
const DELIVERING: TimeDelta = TimeDelta::seconds(10);
/// The span whose line rate makes a source busy enough to be called silent.
const RATE_SPAN_MINUTES: i64 = 10;

/// A change in how a source is doing, worth showing (and recording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// No line for this long from a source that averaged `per_minute` lines a minute.
    Silent {
        /// How long it has said nothing.
        quiet: TimeDelta,
        /// Its average lines a minute over the 10 minutes before.
        per_minute: u64,
    },
    /// Lines again after a silence this long.
    Speaking {
        /// How long it was silent.
        after: TimeDelta,
    },
    /// Its newest line is this far behind the clock while lines arrive.
    Lagging {
        /// How far behind.
        by: TimeDelta,
    },
    /// Caught up with the clock again.
    CaughtUp,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = |d: &TimeDelta| crate::core::duration::glance(d.to_std().unwrap_or_default());
        match self {
            Change::Silent { quiet, per_minute } => write!(
                f,
                "silent: no line for {} (it averaged {per_minute} a minute over the 10 minutes before)",
                span(quiet)
            ),
            Change::Speaking { after } => write!(f, "lines again after {} silent", span(after)),
            Change::Lagging { by } => {
                write!(f, "lagging: its newest line is {} behind the clock", span(by))?;
                // A whole number of half hours is what a zone puts between a time written
                // without one and the clock: said, with the setting that fixes it.
                let minutes = by.num_seconds() as f64 / 60.0;
                let halves = (minutes / 30.0).round();
                if halves >= 2.0 && (minutes - halves * 30.0).abs() <= 2.0 {
                    write!(
                        f,
                        " (about {}h: a log that writes its times without a zone may be read in the wrong one; name its zone with `timestamp = {{ zone = \"…\" }}` under its [[log]])",
                        halves / 2.0
                    )?;
                }
                Ok(())
            }
            Change::CaughtUp => f.write_str("caught up with the clock"),
        }
    }
}

/// What is known of a source's line flow.
#[derive(Debug, Clone)]
pub struct Vitals {
    silent_after: TimeDelta,
    /// Lines per minute of their own time (minute number since the epoch, count), oldest first.
    minutes: std::collections::VecDeque<(i64, u64)>,
    /// When the first line was received.
    first_received: Option<DateTime<Utc>>,
    /// When the last line was received.
    last_received: Option<DateTime<Utc>>,
    /// The newest own time among the lines received in the current delivering stretch.
    newest: Option<DateTime<Utc>>,
    /// Since when it has been silent, once said.
    silent_since: Option<DateTime<Utc>>,
    /// How far behind it was when said to lag.
    lagging: bool,
    /// A backfill is running: its lines are old by design.
    pub backfilling: bool,
    /// Gaps over a second between lines received in the last 10 minutes (when each ended, how
    /// long): a source that pauses that long as a habit is not silent when it does it again.
    gaps: std::collections::VecDeque<(DateTime<Utc>, TimeDelta)>,
    /// Whether lines received at this instant, with the first line received at that one, came
    /// in the first moments of reading (history read at open).
    early: Option<(DateTime<Utc>, DateTime<Utc>, bool)>,
    /// The newest own time of any line received.
    seen_newest: Option<DateTime<Utc>>,
    /// The newest own time the backfill reached: a line no newer that comes after it (a second
    /// machine's history, released by the merge) is history too, not the source lagging.
    history_until: Option<DateTime<Utc>>,
}

impl Vitals {
    /// A source said silent after `silent_after` without a line.
    pub fn new(silent_after: Duration) -> Self {
        Self {
            silent_after: TimeDelta::from_std(silent_after).unwrap_or(TimeDelta::seconds(60)),
            minutes: std::collections::VecDeque::new(),
            first_received: None,
            last_received: None,
            newest: None,
            silent_since: None,
            lagging: false,
            backfilling: false,
            gaps: std::collections::VecDeque::new(),
            early: None,
            seen_newest: None,
            history_until: None,
        }
    }

    /// Takes in one delivered line.
    pub fn line(&mut self, line: &LogLine) {
        let received = line.received;
        let first = *self.first_received.get_or_insert(received);
        // A line without a time of its own counts when it was read: not the history read at open
        // or a backfill (all read at once, it would look like a torrent that then stops).
        // Lines read together share the instant they were received: what depends on it alone
        // is worked out once for them.
        let early = match self.early {
            Some((r, f, early)) if r == received && f == first => early,
            _ => {
                let early = received - first <= DELIVERING;
                self.early = Some((received, first, early));
                early
            }
        };
        let counts = line.time.is_some() || !(self.backfilling || early);
        if counts {
            self.count(line.at().timestamp().div_euclid(60));
        }
        if self.last_received != Some(received) {
            if let Some(last) = self.last_received {
                let gap = received - last;
                if gap > TimeDelta::seconds(1) {
                    self.gaps.push_back((received, gap));
                }
                while self.gaps.front().is_some_and(|(at, _)| {
                    received - *at > TimeDelta::minutes(RATE_SPAN_MINUTES)
                }) {
                    self.gaps.pop_front();
                }
            }
            // A new delivering stretch starts over the newest time.
            if self
                .last_received
                .is_none_or(|last| received - last > DELIVERING)
            {
                self.newest = None;
            }
            self.last_received = Some(received);
        }
        if let Some(time) = line.time {
            self.seen_newest = Some(self.seen_newest.map_or(time, |n| n.max(time)));
            if self.history_until.is_none_or(|until| time > until) {
                self.newest = Some(self.newest.map_or(time, |n| n.max(time)));
            }
        }
    }

    /// The backfill has been delivered: its old lines are not the source lagging, and lag is
    /// judged again from the lines that come after it.
    pub fn backfill_done(&mut self) {
        self.backfilling = false;
        self.newest = None;
        self.first_received = None;
        self.history_until = self.seen_newest;
    }

    fn count(&mut self, minute: i64) {
        match self.minutes.back_mut() {
            Some((m, count)) if *m == minute => *count += 1,
            _ => {
                // Lines come roughly in time order; one out of order is counted in its minute
                // when that minute is still kept.
                if let Some(slot) = self.minutes.iter_mut().find(|(m, _)| *m == minute) {
                    slot.1 += 1;
                } else if self.minutes.back().is_none_or(|(m, _)| *m < minute) {
                    self.minutes.push_back((minute, 1));
                    while self.minutes.len() > (RATE_SPAN_MINUTES as usize + 2) {
                        self.minutes.pop_front();
                    }
                }
            }
        }
    }

    /// How long without a line is silence: `silent-after`, or twice the longest pause the source
    /// made in the last 10 minutes, whichever is longer (a batch job writing every 2 minutes is
    /// not silent after 60 s).
    fn silence(&self, now: DateTime<Utc>) -> TimeDelta {
        let habit = self
            .gaps
            .iter()
            .filter(|(at, _)| now - *at <= TimeDelta::minutes(RATE_SPAN_MINUTES))
            .map(|(_, gap)| *gap * 2)
            .max()
            .unwrap_or_default();
        self.silent_after.max(habit)
    }

    /// Lines of their own time in the 10 minutes up to and including the minute of `last`.
    fn lines_before(&self, last: DateTime<Utc>) -> u64 {
        let to = last.timestamp().div_euclid(60) + 1;
        self.minutes
            .iter()
            .filter(|(m, _)| *m >= to - RATE_SPAN_MINUTES && *m < to)
            .map(|(_, c)| c)
            .sum()
    }

    /// What changed by `now`, if anything (at most one change a call; call it every second).
    pub fn check(&mut self, now: DateTime<Utc>) -> Option<Change> {
        let last = self.last_received?;
        let quiet = now - last;
        match self.silent_since {
            Some(since) if quiet < now - since => {
                self.silent_since = None;
                return Some(Change::Speaking {
                    after: last - since,
                });
            }
            Some(_) => {}
            None if quiet >= self.silence(now) && !self.backfilling => {
                // More than one line a minute on average.
                let lines = self.lines_before(last);
                if lines > RATE_SPAN_MINUTES as u64 {
                    self.silent_since = Some(last);
                    let per_minute = lines / RATE_SPAN_MINUTES as u64;
                    return Some(Change::Silent { quiet, per_minute });
                }
            }
            None => {}
        }
        let settled = self
            .first_received
            .is_some_and(|first| now - first > DELIVERING);
        let delivering = quiet <= DELIVERING && settled && !self.backfilling;
        let behind = self.newest.map(|n| now - n).filter(|b| *b > LAG_LIMIT);
        match (self.lagging, delivering, behind) {
            (false, true, Some(by)) => {
                self.lagging = true;
                Some(Change::Lagging { by })
            }
            (true, true, None) => {
                self.lagging = false;
                Some(Change::CaughtUp)
            }
            _ => None,
        }
    }

    /// What the source's tab says about it now, if anything is wrong.
    pub fn state(&self, now: DateTime<Utc>) -> Option<String> {
        if let Some(since) = self.silent_since {
            let quiet = crate::core::duration::glance((now - since).to_std().unwrap_or_default());
            return Some(format!("silent {quiet}"));
        }
        if self.lagging {
            let by = self.newest.map(|n| now - n).unwrap_or_default();
            let by = crate::core::duration::glance(by.to_std().unwrap_or_default());
            return Some(format!("lagging {by}"));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lag_of_whole_hours_points_at_the_zone() {
        let said = |minutes: i64| {
            super::Change::Lagging {
                by: chrono::TimeDelta::minutes(minutes),
            }
            .to_string()
        };
        assert!(said(300).contains("(about 5h: a log that writes its times without a zone"), "{}", said(300));
        assert!(said(331).contains("about 5.5h"), "{}", said(331));
        assert!(!said(3).contains("zone"), "{}", said(3));
        assert!(!said(75).contains("zone"), "{}", said(75));
    }

    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn line(time: i64, received: i64) -> LogLine {
        LogLine::new(0, "x".into(), None, 0, at(received))
            .with_time(at(time), super::super::TimeOrigin::None)
    }

    #[test]
    fn a_busy_source_that_stops_is_silent_once_and_speaks_again() {
        let mut v = Vitals::new(Duration::from_secs(60));
        // Ten minutes of a line every 10 s.
        for s in (0..600).step_by(10) {
            v.line(&line(s, s));
        }
        assert_eq!(v.check(at(630)), None);
        let change = v.check(at(660)).unwrap();
        assert!(matches!(change, Change::Silent { per_minute: 6, .. }), "{change:?}");
        assert!(change.to_string().starts_with("silent: no line for 1m"), "{change}");
        assert_eq!(v.check(at(700)), None, "said once");
        assert_eq!(v.state(at(700)).as_deref(), Some("silent 1m 50s"));
        v.line(&line(900, 900));
        let change = v.check(at(901)).unwrap();
        assert_eq!(change.to_string(), "lines again after 5m 10s silent");
        assert_eq!(v.state(at(901)), None);
    }

    #[test]
    fn a_source_that_pauses_by_habit_is_not_silent_when_it_pauses_again() {
        let mut v = Vitals::new(Duration::from_secs(3));
        // 20 lines every 6 s for 10 minutes; once its habit is known (the first pause), pausing
        // again is not silence.
        for burst in 0..100 {
            for _ in 0..20 {
                v.line(&line(burst * 6, burst * 6));
            }
            if burst == 0 {
                continue;
            }
            for s in 1..6 {
                assert_eq!(v.check(at(burst * 6 + s)), None, "at {}", burst * 6 + s);
            }
        }
        // It stops for good: silent once the pause is twice its habit.
        assert_eq!(v.check(at(594 + 11)), None);
        assert!(matches!(v.check(at(594 + 13)), Some(Change::Silent { .. })));
    }

    #[test]
    fn timeless_history_read_at_open_is_no_torrent_that_stops() {
        let mut v = Vitals::new(Duration::from_secs(3));
        for _ in 0..200 {
            v.line(&LogLine::new(0, "x".into(), None, 0, at(0)));
        }
        assert_eq!(v.check(at(30)), None);
    }

    #[test]
    fn a_quiet_source_is_never_silent() {
        let mut v = Vitals::new(Duration::from_secs(60));
        // A line every 2 minutes: less than one a minute.
        for s in (0..600).step_by(120) {
            v.line(&line(s, s));
        }
        assert_eq!(v.check(at(1200)), None);
    }

    #[test]
    fn a_source_delivering_old_lines_lags_and_catches_up() {
        let mut v = Vitals::new(Duration::from_secs(60));
        for s in 0..20 {
            v.line(&line(s - 45, s));
        }
        let change = v.check(at(20)).unwrap();
        assert!(matches!(change, Change::Lagging { .. }), "{change:?}");
        assert_eq!(v.state(at(20)).as_deref(), Some("lagging 46s"));
        for s in 21..40 {
            v.line(&line(s, s));
        }
        assert_eq!(v.check(at(40)), Some(Change::CaughtUp));
    }

    #[test]
    fn history_read_at_open_and_a_backfill_are_not_lag() {
        let mut v = Vitals::new(Duration::from_secs(60));
        // At open: lines an hour old, all read in the first second.
        for s in 0..100 {
            v.line(&line(s - 3600, 0));
        }
        assert_eq!(v.check(at(1)), None);
        let mut v = Vitals::new(Duration::from_secs(60));
        v.backfilling = true;
        for s in 0..30 {
            v.line(&line(s - 3600, s));
        }
        assert_eq!(v.check(at(30)), None);
        // Done: the backfill's newest line is not taken for the source lagging.
        v.backfill_done();
        assert_eq!(v.check(at(31)), None);
        v.line(&line(40, 40));
        assert_eq!(v.check(at(41)), None);
    }

    #[test]
    fn history_released_after_the_backfill_is_not_lag_but_fresh_lines_behind_are() {
        // A collected journal of two machines: the backfill reaches 300 s ago; after its done
        // report the merge goes on releasing the other machine's older entries for 20 s.
        let mut v = Vitals::new(Duration::from_secs(60));
        v.backfilling = true;
        for s in 0..5 {
            v.line(&line(s - 300, s));
        }
        v.backfill_done();
        for s in 5..25 {
            v.line(&line(s - 600, s));
        }
        assert_eq!(v.check(at(25)), None, "history is not lag");
        assert_eq!(v.state(at(60)), None);
        // Lines newer than the history, but still far behind the clock: that is lag.
        for s in 25..45 {
            v.line(&line(s - 200, s));
        }
        let change = v.check(at(45));
        assert!(matches!(change, Some(Change::Lagging { .. })), "{change:?}");
    }
}
