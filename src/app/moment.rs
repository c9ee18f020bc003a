//! A moment of the incident in the logs: the kept line nearest a time, and the logs view frozen
//! there, or why the buffer has no line for it.

use chrono::{DateTime, Utc};

use super::patterns::PatternsMode;
use super::{App, Flash, Panel, keys};
use crate::core::wall::hms;
use crate::tail::LogBuffer;

/// How far the nearest kept line may be from a moment older than every kept line and still stand
/// for it: a line is written (and read) a little after the event a probe or a tick recorded.
const SLACK: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Why no kept line stands for a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// No line has been read yet.
    Empty,
    /// Lines of that moment were read and have since been dropped to bound memory.
    Aged {
        /// When the oldest kept line happened.
        oldest: DateTime<Utc>,
    },
    /// No line read is that old; no line was ever dropped.
    Before {
        /// When the oldest kept line happened.
        oldest: DateTime<Utc>,
    },
}

impl Missing {
    /// What to tell the user, with times as the screen shows them.
    pub fn message(self, at: DateTime<Utc>, utc: bool) -> String {
        match self {
            Missing::Empty => "no log lines have been read yet".into(),
            Missing::Aged { oldest } => format!(
                "lines from {} have aged out: the buffer holds lines from {}",
                hms(at, utc),
                hms(oldest, utc)
            ),
            Missing::Before { oldest } => format!(
                "no log lines from {}: the oldest line read is from {}",
                hms(at, utc),
                hms(oldest, utc)
            ),
        }
    }
}

/// The number of the kept line nearest `at` by when it happened ([`crate::tail::LogLine::at`],
/// the time the logs are ordered by), the later one of two as near.
pub fn nearest_line(logs: &LogBuffer, at: DateTime<Utc>) -> Result<u64, Missing> {
    let (first, end) = (logs.dropped(), logs.total());
    let received = |n: u64| logs.get_by_number(n).map(crate::tail::LogLine::at);
    let Some(oldest) = received(first) else {
        return Err(Missing::Empty);
    };
    if at + SLACK < oldest {
        return Err(if first > 0 {
            Missing::Aged { oldest }
        } else {
            Missing::Before { oldest }
        });
    }
    // Lines are kept in the order of `at` (a `late` line breaks it only locally): the first one
    // after `at`, by bisection.
    let (mut lo, mut hi) = (first, end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if received(mid).is_some_and(|t| t <= at) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let after = lo;
    let Some(before) = after.checked_sub(1).filter(|&b| b >= first) else {
        return Ok(first);
    };
    let distance = |n: u64| received(n).map_or(chrono::TimeDelta::MAX, |t| (t - at).abs());
    if after < end && distance(after) <= distance(before) {
        Ok(after)
    } else {
        Ok(before)
    }
}

/// Moves the logs panel to `at`: focused, showing raw lines, frozen with the cursor on the nearest
/// line, and `at` in the status line; or says why it cannot. `what` names the moment; `seq` is the
/// timeline event it is the moment of (a line pinned there cites it).
pub fn show_in_logs(app: &mut App, at: DateTime<Utc>, what: &str, seq: Option<u64>) {
    match nearest_line(&app.logs, at) {
        Ok(line) => {
            app.patterns.mode = PatternsMode::Off;
            app.focus = Panel::Logs;
            let shape = app.log_shape();
            app.logview.freeze_at(&app.logs, line, &shape);
            app.logview.moment = seq;
            let filtered = if !app.logview.filters().is_empty() || app.logview.source().is_some() {
                ", filtered"
            } else {
                ""
            };
            let follow = keys::label_in(&app.keymap, keys::Action::Follow, Panel::Logs);
            // The time and the keys first: a narrow status line cuts the end.
            app.flash = Some(Flash {
                text: format!(
                    "logs at {} (cursor line{filtered}) · {follow} follows again · m pins a line as evidence for it · {what}",
                    hms(at, app.utc)
                ),
                error: false,
            });
        }
        Err(missing) => {
            app.flash = Some(Flash {
                text: missing.message(at, app.utc),
                error: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::LogLine;
    use chrono::TimeZone;

    fn t(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
    }

    /// A buffer of `capacity` lines read at the given seconds.
    fn read_at(seconds: &[i64], capacity: usize) -> LogBuffer {
        let mut logs = LogBuffer::with_capacity(capacity);
        for &s in seconds {
            logs.push(LogLine::new(0, format!("line at {s}"), None, 0, t(s)));
        }
        logs
    }

    #[test]
    fn the_nearest_line_is_the_one_read_closest_to_the_moment() {
        let logs = read_at(&[0, 10, 20, 30], 10);
        assert_eq!(nearest_line(&logs, t(12)), Ok(1));
        assert_eq!(nearest_line(&logs, t(18)), Ok(2));
        assert_eq!(nearest_line(&logs, t(15)), Ok(2), "a tie goes to the later line");
        assert_eq!(nearest_line(&logs, t(99)), Ok(3), "after the newest: the newest");
        assert_eq!(nearest_line(&logs, t(20)), Ok(2));
    }

    #[test]
    fn line_numbers_count_from_the_start_after_old_lines_are_dropped() {
        let logs = read_at(&[0, 10, 20, 30, 40], 3);
        assert_eq!(nearest_line(&logs, t(31)), Ok(3));
    }

    #[test]
    fn a_moment_whose_lines_were_dropped_has_aged_out() {
        let logs = read_at(&[0, 10, 20, 30, 40], 3);
        assert_eq!(
            nearest_line(&logs, t(5)),
            Err(Missing::Aged { oldest: t(20) })
        );
        assert_eq!(
            Missing::Aged { oldest: t(20) }.message(t(5), true),
            "lines from 14:00:05Z have aged out: the buffer holds lines from 14:00:20Z"
        );
    }

    #[test]
    fn a_moment_before_anything_was_read_is_not_called_aged() {
        let logs = read_at(&[60, 70], 10);
        let missing = nearest_line(&logs, t(5)).unwrap_err();
        assert_eq!(missing, Missing::Before { oldest: t(60) });
        assert_eq!(
            missing.message(t(5), true),
            "no log lines from 14:00:05Z: the oldest line read is from 14:01:00Z"
        );
        assert_eq!(
            nearest_line(&LogBuffer::with_capacity(5), t(5)),
            Err(Missing::Empty)
        );
    }

    #[test]
    fn a_line_read_just_after_the_moment_stands_for_it() {
        let logs = read_at(&[60, 70], 10);
        assert_eq!(nearest_line(&logs, t(59)), Ok(0));
    }
}
