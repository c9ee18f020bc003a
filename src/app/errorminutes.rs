//! Error-rate summaries: while errors flow, each log source's minute (by its lines' own times) is
//! counted, and once it is over (and a grace for late lines has passed) one `log.errors` record says
//! how many errors it had, at its busiest second, and which pattern most of them had. At most one
//! record a minute per source, none for a minute without errors, and none twice for the same minute
//! (an incident reopened reads its backlog again: `App::summarized` holds the minutes already
//! recorded). They feed the export's chart and error table; the timeline panel does not list them.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::{App, Command};
use crate::patterns::PatternId;
use crate::timeline::Event;

/// How long after a minute's end its late lines still count (the merge reorders within a second).
pub const GRACE_MS: u64 = 5_000;

/// How far before the incident opened a backlog's minutes are still summed: the hour before.
pub const BEFORE_OPEN_MS: u64 = 60 * 60_000;

const MINUTE_MS: u64 = 60_000;

/// One minute of one source, being counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Error lines.
    pub errors: u64,
    /// All lines.
    pub lines: u64,
    /// Error lines in each second of the minute.
    seconds: [u32; 60],
    /// Error lines by pattern.
    patterns: HashMap<PatternId, u64>,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            errors: 0,
            lines: 0,
            seconds: [0; 60],
            patterns: HashMap::new(),
        }
    }
}

impl Tally {
    /// Error lines in the busiest second.
    pub fn peak_per_s(&self) -> u32 {
        self.seconds.iter().copied().max().unwrap_or(0)
    }

    /// The pattern most errors had (the older pattern on a tie), and how many; `resolve` says
    /// which pattern a line's id belongs to now (a merge, a line held for its exception).
    pub fn busiest(&self, resolve: impl Fn(PatternId) -> PatternId) -> Option<(PatternId, u64)> {
        let mut by_pattern: HashMap<PatternId, u64> = HashMap::new();
        for (id, n) in &self.patterns {
            *by_pattern.entry(resolve(*id)).or_default() += n;
        }
        by_pattern
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

/// A source's minutes being counted, and those already summarized.
#[derive(Debug, Clone, Default)]
pub struct ErrorMinutes {
    /// Open minutes by their index (epoch minutes).
    open: BTreeMap<u64, Tally>,
    /// Minutes up to this index (exclusive) are over: their late lines are not counted.
    closed_until: u64,
}

impl ErrorMinutes {
    /// Counts a line at `ms` (its own time), an error or not, with its pattern. Lines before
    /// `floor_ms` or in a minute already over are not counted.
    pub fn count(&mut self, ms: u64, floor_ms: u64, error: bool, pattern: Option<PatternId>) {
        let minute = ms / MINUTE_MS;
        if ms < floor_ms || minute < self.closed_until {
            return;
        }
        let tally = self.open.entry(minute).or_default();
        tally.lines += 1;
        if error {
            tally.errors += 1;
            let second = ((ms % MINUTE_MS) / 1000) as usize;
            tally.seconds[second] = tally.seconds[second].saturating_add(1);
            if let Some(id) = pattern {
                *tally.patterns.entry(id).or_default() += 1;
            }
        }
    }

    /// The minutes over by `now_ms` (their end plus the grace; every minute when `all`), each with
    /// its start and whether it was not over yet (closed by `all`), oldest first: those with
    /// errors, to record.
    pub fn close(&mut self, now_ms: u64, all: bool) -> Vec<(DateTime<Utc>, Tally, bool)> {
        let until = if all {
            u64::MAX
        } else {
            now_ms.saturating_sub(GRACE_MS) / MINUTE_MS
        };
        let mut over = Vec::new();
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() >= until {
                break;
            }
            let (minute, tally) = entry.remove_entry();
            self.closed_until = self.closed_until.max(minute + 1);
            if tally.errors > 0 {
                let start = crate::core::clock::from_epoch_ms(minute * MINUTE_MS);
                let partial = (minute + 1) * MINUTE_MS + GRACE_MS > now_ms;
                over.extend(start.map(|s| (s, tally, partial)));
            }
        }
        // Only minutes that were counted are over: a backlog read after the first tick still has
        // its older minutes summed (a minute already recorded is never recorded again).
        over
    }
}

/// Records the minutes that are over (every open one when `all`: sitrep is closing), each source's
/// with errors, once.
pub fn on_tick(app: &mut App, now_ms: u64, all: bool) -> Vec<Command> {
    let mut events = Vec::new();
    for source in &mut app.sources {
        for (minute, tally, partial) in source.minutes.close(now_ms, all) {
            if app.summarized.contains(&(source.name.clone(), minute)) {
                continue;
            }
            let (busiest, busiest_errors) = tally
                .busiest(|id| app.patterns.miner.resolve(id))
                .and_then(|(id, n)| Some((app.patterns.miner.template(id)?.to_string(), n)))
                .unwrap_or_default();
            events.push(Event::ErrorMinute {
                source: source.name.clone(),
                minute,
                errors: tally.errors,
                lines: tally.lines,
                peak_per_s: tally.peak_per_s(),
                busiest,
                busiest_errors,
                partial,
            });
        }
    }
    events
        .into_iter()
        .filter_map(|e| app.tool(e))
        .collect()
}

/// The earliest line time whose minute is still summed: the hour before the incident opened.
pub fn floor_ms(app: &App) -> u64 {
    app.incident
        .opened
        .map_or(0, |t| crate::core::clock::epoch_ms(t).saturating_sub(BEFORE_OPEN_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_764_000_000_000 - 1_764_000_000_000 % MINUTE_MS;

    #[test]
    fn a_minute_is_summed_once_it_is_over_and_the_grace_has_passed() {
        let mut m = ErrorMinutes::default();
        for s in 0..60 {
            m.count(T0 + s * 1000, 0, s % 2 == 0, Some(PatternId(1)));
        }
        m.count(T0 + 30_500, 0, true, Some(PatternId(2)));
        assert!(m.close(T0 + 60_000, false).is_empty(), "late lines may come");
        assert!(m.close(T0 + 64_999, false).is_empty());
        let over = m.close(T0 + 65_000, false);
        assert_eq!(over.len(), 1);
        let (start, tally, partial) = &over[0];
        assert!(!partial, "the minute was over");
        assert_eq!(crate::core::clock::epoch_ms(*start), T0);
        assert_eq!((tally.errors, tally.lines), (31, 61));
        assert_eq!(tally.peak_per_s(), 2, "second 30 had two");
        assert_eq!(tally.busiest(|id| id), Some((PatternId(1), 30)));
        // Ids that turned out to be one pattern (a merge, an error held for its exception) are
        // counted as one: 30 + 1 for pattern 2 outnumbers pattern 1's 30 when 1 went into 2.
        let into_two = |id: PatternId| if id == PatternId(1) { PatternId(2) } else { id };
        assert_eq!(tally.busiest(into_two), Some((PatternId(2), 31)));
        // A late line for that minute no longer counts, and it is never summed again.
        m.count(T0 + 59_000, 0, true, None);
        assert!(m.close(T0 + 200_000, false).is_empty());
    }

    #[test]
    fn a_minute_without_errors_gives_nothing() {
        let mut m = ErrorMinutes::default();
        m.count(T0, 0, false, None);
        assert!(m.close(u64::MAX / 2, false).is_empty());
    }

    #[test]
    fn lines_before_the_floor_are_not_summed_and_closing_all_flushes_the_open_minute() {
        let mut m = ErrorMinutes::default();
        m.count(T0, T0 + 1, true, None);
        m.count(T0 + 10_000_000, T0 + 1, true, None);
        let over = m.close(T0 + 10_000_001, true);
        assert_eq!(over.len(), 1);
        assert_eq!(over[0].1.errors, 1);
    }

    #[test]
    fn a_backlog_read_after_the_first_tick_is_still_summed() {
        let mut m = ErrorMinutes::default();
        // The first tick comes before any line.
        assert!(m.close(T0 + 10 * MINUTE_MS, false).is_empty());
        m.count(T0 + 5_000, 0, true, None);
        let over = m.close(T0 + 10 * MINUTE_MS + 1, false);
        assert_eq!(over.len(), 1, "the minute nine minutes back is summed");
    }
}
