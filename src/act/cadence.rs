//! The update cadence: after each update the next is due a fixed time later. Pure: the caller
//! passes the clock, and rebuilds the cadence from the timeline's `update.sent` records.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::duration::glance as short_duration;

/// A common cadence for a customer-facing incident.
pub const DEFAULT_CADENCE: Duration = Duration::from_secs(30 * 60);

/// When the next status update is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    every: Duration,
    last: DateTime<Utc>,
}

/// Time left until the next update, or how late it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Due in this long (zero: due right now).
    In(Duration),
    /// Past due by this long.
    Overdue(Duration),
}

impl Due {
    /// Whether an update should go out now.
    pub fn is_due(&self) -> bool {
        matches!(self, Due::Overdue(_) | Due::In(Duration::ZERO))
    }

    /// For the header: `next update in 4m 12s` or `update overdue by 1m 3s`.
    pub fn label(&self) -> String {
        match self {
            Due::In(d) => format!("next update in {}", whole_seconds(*d)),
            Due::Overdue(d) => format!("update overdue by {}", whole_seconds(*d)),
        }
    }
}

fn whole_seconds(d: Duration) -> String {
    short_duration(Duration::from_secs(d.as_secs()))
}

impl Cadence {
    /// One update every `every`, the first due `every` after `since` (when the incident opened).
    pub fn new(every: Duration, since: DateTime<Utc>) -> Self {
        Self { every, last: since }
    }

    /// An update went out at `at`; an older time (a record replayed late) changes nothing.
    #[cfg(any(test, feature = "test-support"))]
    pub fn sent(&mut self, at: DateTime<Utc>) {
        self.last = self.last.max(at);
    }

    /// When the next update is due.
    pub fn next_due(&self) -> DateTime<Utc> {
        let every = TimeDelta::from_std(self.every).unwrap_or(TimeDelta::MAX);
        self.last
            .checked_add_signed(every)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// How long until the next update is due at `now`, or how overdue it is.
    pub fn due_in(&self, now: DateTime<Utc>) -> Due {
        let left = self.next_due() - now;
        match left.to_std() {
            Ok(d) => Due::In(d),
            Err(_) => Due::Overdue((-left).to_std().unwrap_or(Duration::MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_first_update_is_due_one_period_after_opening() {
        let c = Cadence::new(Duration::from_secs(1800), at("2026-11-24T14:00:00Z"));
        assert_eq!(c.next_due(), at("2026-11-24T14:30:00Z"));
        let due = c.due_in(at("2026-11-24T14:25:48Z"));
        assert_eq!(due, Due::In(Duration::from_secs(252)));
        assert_eq!(due.label(), "next update in 4m 12s");
        assert!(!due.is_due());
    }

    #[test]
    fn an_update_restarts_the_countdown() {
        let mut c = Cadence::new(Duration::from_secs(1800), at("2026-11-24T14:00:00Z"));
        c.sent(at("2026-11-24T14:10:00Z"));
        assert_eq!(c.next_due(), at("2026-11-24T14:40:00Z"));
        c.sent(at("2026-11-24T14:05:00Z"));
        assert_eq!(c.next_due(), at("2026-11-24T14:40:00Z"));
    }

    #[test]
    fn a_missed_update_reports_how_late_it_is() {
        let c = Cadence::new(Duration::from_secs(600), at("2026-11-24T14:00:00Z"));
        let due = c.due_in(at("2026-11-24T14:11:03.5Z"));
        assert_eq!(due, Due::Overdue(Duration::from_millis(63_500)));
        assert_eq!(due.label(), "update overdue by 1m 3s");
        assert!(due.is_due());
        assert!(c.due_in(at("2026-11-24T14:10:00Z")).is_due());
    }
}
