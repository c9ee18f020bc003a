//! What the logs panel looks at: following or frozen at a line, filtered by a regex (or its inverse)
//! with context lines. Lines are addressed by their number since the start (see `LogBuffer`), so a
//! frozen view stays on the same lines while new ones arrive and old ones are evicted.

use std::collections::VecDeque;

use regex::Regex;

use crate::core::level::Level;
use crate::patterns::PatternId;
use crate::tail::{LogBuffer, LogLine};

/// What a filter keeps.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Lines matching a regex.
    Regex(Regex),
    /// Lines of one mined pattern.
    Pattern(PatternId),
}

/// A filter over the log lines.
#[derive(Debug, Clone)]
pub struct LogFilter {
    /// What the panel shows for it (the regex, or the pattern's template).
    pub text: String,
    /// What it keeps.
    pub matcher: Matcher,
    /// Show the lines that do NOT match.
    pub invert: bool,
    /// Lines of context shown around each match.
    pub context: usize,
}

/// Which pattern each line belongs to, by line number.
pub type PatternOf<'a> = &'a dyn Fn(u64) -> Option<PatternId>;

impl LogFilter {
    /// Compiles a regex filter; the error text is for the user.
    pub fn new(text: &str, invert: bool, context: usize) -> Result<LogFilter, String> {
        let regex = Regex::new(text).map_err(|e| format!("invalid regex: {e}"))?;
        Ok(LogFilter {
            text: text.to_string(),
            matcher: Matcher::Regex(regex),
            invert,
            context,
        })
    }

    /// A filter that keeps one pattern's lines.
    pub fn pattern(id: PatternId, template: &str) -> LogFilter {
        LogFilter {
            text: format!("pattern #{id}: {template}"),
            matcher: Matcher::Pattern(id),
            invert: false,
            context: 0,
        }
    }

    fn keeps(&self, number: u64, line: &LogLine, pattern_of: PatternOf) -> bool {
        let hit = match &self.matcher {
            Matcher::Regex(re) => re.is_match(&line.text),
            Matcher::Pattern(id) => pattern_of(number) == Some(*id),
        };
        hit != self.invert
    }
}

/// The logs panel's view state.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    /// The number of the bottom line when frozen; `None` follows the newest line.
    pub anchor: Option<u64>,
    filter: Option<LogFilter>,
    /// Only this source's lines (a tab), or all merged.
    source: Option<usize>,
    /// Numbers of kept lines, ascending (only with a filter or a source).
    matches: VecDeque<u64>,
}

/// One row of the logs panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The line's number.
    pub number: u64,
    /// Shown as context around a match, not a match itself.
    pub context: bool,
}

impl LogView {
    /// The active filter.
    pub fn filter(&self) -> Option<&LogFilter> {
        self.filter.as_ref()
    }

    /// The source shown alone, if any.
    pub fn source(&self) -> Option<usize> {
        self.source
    }

    fn selective(&self) -> bool {
        self.filter.is_some() || self.source.is_some()
    }

    fn keeps(&self, n: u64, line: &LogLine, pattern_of: PatternOf) -> bool {
        self.source.is_none_or(|s| s == line.source)
            && self
                .filter
                .as_ref()
                .is_none_or(|f| f.keeps(n, line, pattern_of))
    }

    /// How many lines the view keeps (all lines without a filter or a source).
    pub fn matching(&self, logs: &LogBuffer) -> usize {
        if self.selective() {
            self.matches.len()
        } else {
            logs.len()
        }
    }

    fn rescan(&mut self, logs: &LogBuffer, pattern_of: PatternOf) {
        self.matches.clear();
        if self.selective() {
            let first = logs.dropped();
            for (i, line) in logs.iter().enumerate() {
                let n = first + i as u64;
                if self.keeps(n, line, pattern_of) {
                    self.matches.push_back(n);
                }
            }
        }
        self.anchor = None;
    }

    /// Sets or clears the filter, scanning the buffer once.
    pub fn set_filter(
        &mut self,
        filter: Option<LogFilter>,
        logs: &LogBuffer,
        pattern_of: PatternOf,
    ) {
        self.filter = filter;
        self.rescan(logs, pattern_of);
    }

    /// Shows one source alone (a tab), or all merged in arrival order.
    pub fn set_source(&mut self, source: Option<usize>, logs: &LogBuffer, pattern_of: PatternOf) {
        self.source = source;
        self.rescan(logs, pattern_of);
    }

    /// Inverts the filter in place.
    pub fn invert(&mut self, logs: &LogBuffer, pattern_of: PatternOf) {
        if let Some(mut f) = self.filter.take() {
            f.invert = !f.invert;
            self.set_filter(Some(f), logs, pattern_of);
        }
    }

    /// Changes the lines of context around matches.
    pub fn set_context(&mut self, context: usize) {
        if let Some(f) = &mut self.filter {
            f.context = context;
        }
    }

    /// Takes note of lines just pushed into the buffer (numbers `from..logs.total()`).
    pub fn pushed(&mut self, logs: &LogBuffer, from: u64, pattern_of: PatternOf) {
        let first = logs.dropped();
        if self.selective() {
            for n in from.max(first)..logs.total() {
                if logs
                    .get_by_number(n)
                    .is_some_and(|l| self.keeps(n, l, pattern_of))
                {
                    self.matches.push_back(n);
                }
            }
            while self.matches.front().is_some_and(|&n| n < first) {
                self.matches.pop_front();
            }
        }
        if let Some(a) = self.anchor
            && a < first
        {
            self.anchor = Some(first);
        }
    }

    /// Whether the view follows new lines.
    pub fn following(&self) -> bool {
        self.anchor.is_none()
    }

    /// The candidate lines (all, or the matches), as an ordered list view.
    fn candidates<'a>(&'a self, logs: &LogBuffer) -> Candidates<'a> {
        if self.selective() {
            Candidates::Matches(&self.matches)
        } else {
            Candidates::Range(logs.dropped(), logs.total())
        }
    }

    /// The rows to show, oldest first, at most `rows` of them, ending at the anchor.
    pub fn rows(&self, logs: &LogBuffer, rows: usize) -> Vec<Row> {
        let c = self.candidates(logs);
        let end = match self.anchor {
            Some(a) => c.upto(a),
            None => c.len(),
        };
        // A panel is filled from its first row: near the top, the rows after the anchor fill it.
        let end = end.max(rows.min(c.len()));
        let context = self.filter.as_ref().map_or(0, |f| f.context);
        if context == 0 {
            let start = end.saturating_sub(rows);
            return (start..end)
                .filter_map(|i| c.get(i))
                .map(|number| Row {
                    number,
                    context: false,
                })
                .collect();
        }
        // With context: walk matches back from the end, adding each one's neighbourhood.
        let (lo, hi) = (logs.dropped(), logs.total());
        let mut out: Vec<Row> = Vec::new();
        let mut i = end;
        while i > 0 && out.len() < rows {
            i -= 1;
            let Some(m) = c.get(i) else { break };
            let from = m.saturating_sub(context as u64).max(lo);
            let to = (m + context as u64 + 1).min(hi);
            for n in (from..to).rev() {
                if out.iter().any(|r| r.number == n) {
                    continue;
                }
                out.push(Row {
                    number: n,
                    context: n != m && self.matches.binary_search(&n).is_err(),
                });
            }
        }
        out.sort_by_key(|r| r.number);
        let skip = out.len().saturating_sub(rows);
        out.split_off(skip)
    }

    /// Moves the view `delta` candidates (negative: back in time) in a panel of `rows` rows; reaching
    /// the newest line follows again.
    pub fn scroll(&mut self, logs: &LogBuffer, delta: isize, rows: usize) {
        let c = self.candidates(logs);
        let len = c.len();
        if len == 0 {
            self.anchor = None;
            return;
        }
        let current = match self.anchor {
            Some(a) => c.upto(a).saturating_sub(1),
            None => len - 1,
        } as isize;
        // The bottom row never goes above the last row of a full panel: every key then moves the view.
        let context = self.filter.as_ref().map_or(0, |f| f.context);
        let lowest = if context == 0 {
            rows.saturating_sub(1)
        } else {
            0
        };
        let lowest = lowest.min(len - 1) as isize;
        let target = (current + delta).clamp(lowest, len as isize - 1) as usize;
        self.anchor = if target == len - 1 {
            None
        } else {
            c.get(target)
        };
    }

    /// Freezes the view where it is, or follows again.
    pub fn toggle_follow(&mut self, logs: &LogBuffer) {
        self.anchor = match self.anchor {
            Some(_) => None,
            None => logs.total().checked_sub(1),
        };
    }

    /// Jumps to the nearest error line older (`back`) or newer than the bottom of the view. Returns
    /// whether one was found.
    pub fn jump_to_error(&mut self, logs: &LogBuffer, back: bool) -> bool {
        let c = self.candidates(logs);
        let len = c.len();
        let current = match self.anchor {
            Some(a) => c.upto(a).saturating_sub(1),
            None => len.saturating_sub(1),
        };
        let is_error = |i: usize| {
            c.get(i)
                .and_then(|n| logs.get_by_number(n))
                .is_some_and(|l| l.level.is_some_and(Level::is_error))
        };
        let found = if back {
            (0..current).rev().find(|&i| is_error(i))
        } else {
            (current + 1..len).find(|&i| is_error(i))
        };
        match found {
            Some(i) => {
                self.anchor = c.get(i);
                true
            }
            None => false,
        }
    }
}

enum Candidates<'a> {
    Range(u64, u64),
    Matches(&'a VecDeque<u64>),
}

impl Candidates<'_> {
    fn len(&self) -> usize {
        match self {
            Candidates::Range(a, b) => (b - a) as usize,
            Candidates::Matches(m) => m.len(),
        }
    }

    fn get(&self, i: usize) -> Option<u64> {
        match self {
            Candidates::Range(a, b) => Some(a + i as u64).filter(|n| n < b),
            Candidates::Matches(m) => m.get(i).copied(),
        }
    }

    /// How many candidates are at or before line `n`.
    fn upto(&self, n: u64) -> usize {
        match self {
            Candidates::Range(a, b) => (n.clamp(*a, b.saturating_sub(1)) + 1 - a) as usize,
            Candidates::Matches(m) => m.partition_point(|&x| x <= n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(lines: &[&str], capacity: usize) -> LogBuffer {
        let mut b = LogBuffer::with_capacity(capacity);
        for t in lines {
            b.push(LogLine::new(
                0,
                t.to_string(),
                crate::tail::detect_level(t),
                0,
                chrono::Utc::now(),
            ));
        }
        b
    }

    fn texts(view: &LogView, logs: &LogBuffer, rows: usize) -> Vec<String> {
        view.rows(logs, rows)
            .iter()
            .map(|r| logs.get_by_number(r.number).unwrap().text.clone())
            .collect()
    }

    #[test]
    fn following_shows_the_newest_lines() {
        let logs = buffer(&["a", "b", "c", "d"], 10);
        assert_eq!(texts(&LogView::default(), &logs, 2), ["c", "d"]);
    }

    #[test]
    fn the_top_fills_the_panel_and_the_next_line_down_moves_it() {
        let logs = buffer(&["a", "b", "c", "d", "e"], 10);
        let mut view = LogView::default();
        view.scroll(&logs, isize::MIN / 2, 3);
        assert_eq!(texts(&view, &logs, 3), ["a", "b", "c"]);
        view.scroll(&logs, 1, 3);
        assert_eq!(texts(&view, &logs, 3), ["b", "c", "d"]);
    }

    #[test]
    fn a_frozen_view_keeps_its_lines_while_new_ones_arrive() {
        let mut logs = buffer(&["a", "b", "c", "d"], 10);
        let mut view = LogView::default();
        view.toggle_follow(&logs);
        view.scroll(&logs, -1, 2);
        assert_eq!(texts(&view, &logs, 2), ["b", "c"]);
        let from = logs.total();
        logs.push(LogLine::new(
            0,
            "e".into(),
            Some(Level::Info),
            0,
            chrono::Utc::now(),
        ));
        view.pushed(&logs, from, &|_| None);
        assert_eq!(texts(&view, &logs, 2), ["b", "c"]);
        view.scroll(&logs, 100, 2);
        assert!(view.following());
        assert_eq!(texts(&view, &logs, 2), ["d", "e"]);
    }

    #[test]
    fn a_filter_shows_matches_and_inverting_shows_the_rest() {
        let logs = buffer(
            &["GET /a 200", "GET /b 500", "POST /c 200", "GET /d 502"],
            10,
        );
        let mut view = LogView::default();
        view.set_filter(
            Some(LogFilter::new(r" 5\d\d$", false, 0).unwrap()),
            &logs,
            &|_| None,
        );
        assert_eq!(texts(&view, &logs, 10), ["GET /b 500", "GET /d 502"]);
        view.invert(&logs, &|_| None);
        assert_eq!(texts(&view, &logs, 10), ["GET /a 200", "POST /c 200"]);
    }

    #[test]
    fn context_lines_surround_each_match() {
        let logs = buffer(&["1", "2", "ERR x", "4", "5", "6", "ERR y", "8"], 20);
        let mut view = LogView::default();
        view.set_filter(
            Some(LogFilter::new("ERR", false, 1).unwrap()),
            &logs,
            &|_| None,
        );
        let rows = view.rows(&logs, 20);
        let shown: Vec<u64> = rows.iter().map(|r| r.number).collect();
        assert_eq!(shown, [1, 2, 3, 5, 6, 7]);
        assert!(!rows[1].context && rows[0].context);
    }

    #[test]
    fn a_source_tab_shows_only_that_sources_lines_and_new_ones_as_they_come() {
        let mut logs = LogBuffer::with_capacity(10);
        for (src, t) in [(0, "a0"), (1, "b0"), (0, "a1")] {
            logs.push(LogLine::new(
                src,
                t.into(),
                Some(Level::Info),
                0,
                chrono::Utc::now(),
            ));
        }
        let mut view = LogView::default();
        view.set_source(Some(1), &logs, &|_| None);
        assert_eq!(texts(&view, &logs, 10), ["b0"]);
        let from = logs.total();
        logs.push(LogLine::new(
            1,
            "b1".into(),
            Some(Level::Info),
            0,
            chrono::Utc::now(),
        ));
        view.pushed(&logs, from, &|_| None);
        assert_eq!(texts(&view, &logs, 10), ["b0", "b1"]);
        view.set_source(None, &logs, &|_| None);
        assert_eq!(texts(&view, &logs, 10), ["a0", "b0", "a1", "b1"]);
    }

    #[test]
    fn an_invalid_regex_is_a_message_not_a_crash() {
        let err = LogFilter::new("(unclosed", false, 0).unwrap_err();
        assert!(err.starts_with("invalid regex"), "{err}");
    }

    #[test]
    fn jumping_to_errors_goes_back_then_forward() {
        let logs = buffer(&["ERROR one", "ok", "ERROR two", "ok", "ok"], 10);
        let mut view = LogView::default();
        assert!(view.jump_to_error(&logs, true));
        assert_eq!(view.anchor, Some(2));
        assert!(view.jump_to_error(&logs, true));
        assert_eq!(view.anchor, Some(0));
        assert!(!view.jump_to_error(&logs, true));
        assert!(view.jump_to_error(&logs, false));
        assert_eq!(view.anchor, Some(2));
    }

    #[test]
    fn matches_evicted_from_the_buffer_are_forgotten() {
        let mut logs = buffer(&["x1", "y", "x2"], 3);
        let mut view = LogView::default();
        view.set_filter(Some(LogFilter::new("x", false, 0).unwrap()), &logs, &|_| {
            None
        });
        let from = logs.total();
        for t in ["x3", "y", "y"] {
            logs.push(LogLine::new(
                0,
                t.into(),
                Some(Level::Info),
                0,
                chrono::Utc::now(),
            ));
        }
        view.pushed(&logs, from, &|_| None);
        assert_eq!(texts(&view, &logs, 10), ["x3"]);
    }
}
