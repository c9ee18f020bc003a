//! What the logs panel looks at: a cursor line (following the newest, or frozen on a line), filters
//! that stack (each keeps or hides lines by regex or pattern), a search that only highlights and
//! jumps, one source alone (a tab), context lines around matches, wrapping or sideways scrolling.
//! Lines are addressed by their number since the start (see `LogBuffer`), so a frozen cursor stays
//! on its line while new ones arrive and old ones are evicted.

mod walk;
mod window;

use std::collections::VecDeque;

use regex::Regex;

use crate::core::level::Level;
use crate::patterns::{EventPart, PatternId};
use crate::tail::fields::Followed;
use crate::tail::{LogBuffer, LogLine};
use walk::Shown;
pub use window::{Row, Shape, line_time, placement_mark, shown_text, source_tags, time_label, whole_text};

/// At most this many filters stack.
pub const MAX_FILTERS: usize = 5;

/// What a filter or a search looks for.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Lines matching a regex.
    Regex(Regex),
    /// Lines of one mined pattern.
    Pattern(PatternId),
}

/// One filter over the log lines: it keeps the lines it matches (in), or hides them (out).
#[derive(Debug, Clone)]
pub struct LogFilter {
    /// What the panel shows for it (the regex, or the pattern's template).
    pub text: String,
    /// What it looks for.
    pub matcher: Matcher,
    /// Hide the lines that match instead of keeping them.
    pub invert: bool,
}

/// Which pattern each line belongs to, by line number, and how it stands in its event.
pub type PatternOf<'a> = &'a dyn Fn(u64) -> (Option<PatternId>, EventPart);

impl LogFilter {
    /// Compiles a regex filter (`invert`: it hides what matches); the error text is for the user.
    pub fn new(text: &str, invert: bool) -> Result<LogFilter, String> {
        let regex = Regex::new(text).map_err(|e| format!("invalid regex: {e}"))?;
        Ok(LogFilter {
            text: text.to_string(),
            matcher: Matcher::Regex(regex),
            invert,
        })
    }

    /// A filter that keeps one pattern's lines.
    pub fn pattern(id: PatternId, template: &str) -> LogFilter {
        LogFilter {
            text: format!("pattern #{id}: {template}"),
            matcher: Matcher::Pattern(id),
            invert: false,
        }
    }

    /// Whether it keeps one pattern's lines (Enter on a pattern made it).
    pub fn is_pattern(&self) -> bool {
        matches!(self.matcher, Matcher::Pattern(_))
    }

    /// The regex whose matches the panel highlights: only a keeping filter's.
    pub fn highlight(&self) -> Option<&Regex> {
        match &self.matcher {
            Matcher::Regex(re) if !self.invert => Some(re),
            _ => None,
        }
    }

    /// How the panel title lists it: `/RE/` keeps, `-/RE/` hides.
    pub fn label(&self) -> String {
        let sign = if self.invert { "-" } else { "" };
        match self.matcher {
            Matcher::Regex(_) => format!("{sign}/{}/", self.text),
            Matcher::Pattern(_) => format!("{sign}{}", self.text),
        }
    }

    fn keeps(&self, number: u64, line: &LogLine, pattern_of: PatternOf) -> bool {
        let hit = match &self.matcher {
            Matcher::Regex(re) => re.is_match(&line.text),
            Matcher::Pattern(id) => pattern_of(number).0 == Some(*id),
        };
        hit != self.invert
    }
}

/// Where a frozen view's cursor is, and which line the panel's bottom row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frozen {
    cursor: u64,
    bottom: u64,
}

/// The logs panel's view state.
#[derive(Debug, Clone, Default)]
pub struct LogView {
    /// `None` follows the newest line (the cursor sits on it).
    frozen: Option<Frozen>,
    filters: Vec<LogFilter>,
    /// Only this source's lines (a tab), or all merged.
    source: Option<usize>,
    /// Lines of context shown around each kept line while a filter is on.
    context: usize,
    search: Option<(String, Regex)>,
    /// One request followed across every source: only its lines are kept.
    follow: Option<Followed>,
    /// Numbers of kept lines, ascending (only with a filter or a source).
    matches: VecDeque<u64>,
    /// Per source, whether the line that began its latest event was kept: the lines that continue
    /// the event (a stack trace's frames) are kept with it, though the filter or the followed
    /// request names only the first line.
    event_kept: Vec<bool>,
    /// Long lines wrap onto several rows instead of being cut.
    pub wrap: bool,
    /// Columns scrolled sideways (when not wrapping).
    pub hscroll: usize,
    /// The timeline event (its seq) the view was moved to: a line pinned now cites it.
    pub moment: Option<u64>,
}

impl LogView {
    /// The filters, oldest first.
    pub fn filters(&self) -> &[LogFilter] {
        &self.filters
    }

    /// The source shown alone, if any.
    pub fn source(&self) -> Option<usize> {
        self.source
    }

    /// Lines of context around matches.
    pub fn context(&self) -> usize {
        self.context
    }

    /// The search's text and regex, if one is set.
    pub fn search(&self) -> Option<&(String, Regex)> {
        self.search.as_ref()
    }

    /// The request being followed, if any.
    pub fn followed(&self) -> Option<&Followed> {
        self.follow.as_ref()
    }

    fn selective(&self) -> bool {
        !self.filters.is_empty() || self.source.is_some() || self.follow.is_some()
    }

    fn keeps(&self, n: u64, line: &LogLine, pattern_of: PatternOf) -> bool {
        self.source.is_none_or(|s| s == line.source)
            && self.follow.as_ref().is_none_or(|f| f.holds(&line.text))
            && self.filters.iter().all(|f| f.keeps(n, line, pattern_of))
    }

    /// [`LogView::keeps`] for the next line in order: a line that continues an event is kept
    /// with the line that began it, as well as on its own.
    fn keeps_in_order(&mut self, n: u64, line: &LogLine, pattern_of: PatternOf) -> bool {
        let kept = self.keeps(n, line, pattern_of);
        if self.event_kept.len() <= line.source {
            self.event_kept.resize(line.source + 1, false);
        }
        // A line kept on its own counts only when something picked it (a filter that keeps, a
        // followed request): under filters that only hide, the lines of a hidden event's trace
        // are kept by nothing and go with it.
        let picks = self.follow.is_some() || self.filters.iter().any(|f| !f.invert);
        let began = &mut self.event_kept[line.source];
        if pattern_of(n).1 == EventPart::Continues {
            (kept && picks) || (*began && self.source.is_none_or(|s| s == line.source))
        } else {
            *began = kept;
            kept
        }
    }

    fn shown<'a>(&'a self, logs: &LogBuffer) -> Shown<'a> {
        if self.selective() {
            let context = if self.filters.is_empty() {
                0
            } else {
                self.context
            };
            Shown::new(logs, Some(&self.matches), context)
        } else {
            Shown::new(logs, None, 0)
        }
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
        self.event_kept.clear();
        if self.selective() {
            let first = logs.dropped();
            for (i, line) in logs.iter().enumerate() {
                let n = first + i as u64;
                if self.keeps_in_order(n, line, pattern_of) {
                    self.matches.push_back(n);
                }
            }
        }
        // A frozen cursor stays where it was, on the nearest line still shown.
        if let Some(f) = self.frozen {
            let shown = self.shown(logs);
            self.frozen = shown.nearest(f.cursor).map(|c| Frozen {
                cursor: c,
                bottom: shown.nearest(f.bottom).unwrap_or(c).max(c),
            });
        }
    }

    /// Adds a filter on top of the others; at most [`MAX_FILTERS`] stack.
    pub fn add_filter(
        &mut self,
        filter: LogFilter,
        logs: &LogBuffer,
        pattern_of: PatternOf,
    ) -> Result<(), String> {
        if self.filters.len() >= MAX_FILTERS {
            return Err(format!(
                "{MAX_FILTERS} filters already: Esc removes the newest, :unfilter N any one"
            ));
        }
        self.filters.push(filter);
        self.rescan(logs, pattern_of);
        Ok(())
    }

    /// Removes filter `index` (0 the oldest), returning it.
    pub fn remove_filter(
        &mut self,
        index: usize,
        logs: &LogBuffer,
        pattern_of: PatternOf,
    ) -> Option<LogFilter> {
        (index < self.filters.len()).then(|| {
            let f = self.filters.remove(index);
            self.rescan(logs, pattern_of);
            f
        })
    }

    /// Reads the view again where a filter keeps or hides one pattern's lines: lines whose
    /// pattern was not known when they came (an error held for its exception) have one now.
    pub fn patterns_settled(&mut self, logs: &LogBuffer, pattern_of: PatternOf) {
        if self.filters.iter().any(LogFilter::is_pattern) {
            self.rescan(logs, pattern_of);
        }
    }

    /// Removes every filter.
    pub fn clear_filters(&mut self, logs: &LogBuffer, pattern_of: PatternOf) {
        self.filters.clear();
        self.rescan(logs, pattern_of);
    }

    /// Turns the newest filter from keeping into hiding, or back.
    pub fn invert_newest(&mut self, logs: &LogBuffer, pattern_of: PatternOf) -> bool {
        let Some(f) = self.filters.last_mut() else {
            return false;
        };
        f.invert = !f.invert;
        self.rescan(logs, pattern_of);
        true
    }

    /// Follows one request (only its lines, from every source), or ends following it.
    pub fn set_follow(
        &mut self,
        follow: Option<Followed>,
        logs: &LogBuffer,
        pattern_of: PatternOf,
    ) {
        self.follow = follow;
        self.rescan(logs, pattern_of);
    }

    /// Shows one source alone (a tab), or all merged in arrival order.
    pub fn set_source(&mut self, source: Option<usize>, logs: &LogBuffer, pattern_of: PatternOf) {
        self.source = source;
        self.rescan(logs, pattern_of);
    }

    /// Changes the lines of context around matches.
    pub fn set_context(&mut self, context: usize) {
        self.context = context;
    }

    /// Sets (or clears) the search: it hides nothing, highlights its matches, and the match keys
    /// jump between them.
    pub fn set_search(&mut self, search: Option<(String, Regex)>) {
        self.search = search;
    }

    /// Takes note of lines just pushed into the buffer (numbers `from..logs.total()`).
    pub fn pushed(&mut self, logs: &LogBuffer, from: u64, pattern_of: PatternOf) {
        let first = logs.dropped();
        if self.selective() {
            for n in from.max(first)..logs.total() {
                let Some(line) = logs.get_by_number(n) else {
                    continue;
                };
                if self.keeps_in_order(n, line, pattern_of) {
                    self.matches.push_back(n);
                }
            }
            while self.matches.front().is_some_and(|&n| n < first) {
                self.matches.pop_front();
            }
        }
        if let Some(f) = self.frozen
            && f.cursor < first
        {
            let shown = self.shown(logs);
            self.frozen = shown.first().map(|c| Frozen {
                cursor: c,
                bottom: f.bottom.max(c),
            });
        }
    }

    /// Whether the view follows new lines.
    pub fn following(&self) -> bool {
        self.frozen.is_none()
    }

    /// The line under the cursor: the frozen one, or the newest shown.
    pub fn cursor(&self, logs: &LogBuffer) -> Option<u64> {
        let shown = self.shown(logs);
        match self.frozen {
            Some(f) => shown.nearest(f.cursor),
            None => shown.last(),
        }
    }

    /// Puts the cursor on `cursor` (frozen), scrolling the panel as little as needed to show it.
    fn place(&mut self, logs: &LogBuffer, cursor: u64, shape: &Shape) {
        let bottom = match self.frozen {
            Some(f) => f.bottom,
            None => self.shown(logs).last().unwrap_or(cursor),
        };
        self.frozen = Some(Frozen { cursor, bottom });
        let rows = self.window(logs, shape);
        if let Some(last) = rows.last() {
            self.frozen = Some(Frozen {
                cursor,
                bottom: last.number,
            });
        }
    }

    /// Moves the cursor `delta` shown lines (negative: older). Moving on from the newest line
    /// follows again.
    pub fn move_cursor(&mut self, logs: &LogBuffer, delta: isize, shape: &Shape) {
        let shown = self.shown(logs);
        let Some(last) = shown.last() else {
            self.frozen = None;
            return;
        };
        let Some(current) = self.cursor(logs) else {
            return;
        };
        if delta > 0 && current == last {
            self.follow();
            return;
        }
        let target = shown.step(current, delta);
        self.place(logs, target, shape);
    }

    /// The cursor to the oldest shown line.
    pub fn top(&mut self, logs: &LogBuffer, shape: &Shape) {
        if let Some(first) = self.shown(logs).first() {
            self.place(logs, first, shape);
        }
    }

    /// Follows the newest line again (and leaves the moment the view was moved to).
    pub fn follow(&mut self) {
        self.frozen = None;
        self.moment = None;
    }

    /// Freezes the view where it is, or follows again.
    pub fn toggle_follow(&mut self, logs: &LogBuffer, shape: &Shape) {
        match self.frozen {
            Some(_) => self.follow(),
            None => {
                if let Some(c) = self.cursor(logs) {
                    self.place(logs, c, shape);
                }
            }
        }
    }

    /// Freezes the view with the cursor on the shown line nearest to line `n`, in the middle of the
    /// panel so the lines before and after that moment both show.
    pub fn freeze_at(&mut self, logs: &LogBuffer, n: u64, shape: &Shape) -> bool {
        let shown = self.shown(logs);
        let Some(cursor) = shown.nearest(n) else {
            return false;
        };
        let bottom = shown.step(cursor, (shape.rows / 2) as isize);
        self.frozen = Some(Frozen { cursor, bottom });
        let rows = self.window(logs, shape);
        if let Some(last) = rows.last() {
            self.frozen = Some(Frozen {
                cursor,
                bottom: last.number,
            });
        }
        true
    }

    /// Moves the cursor to the nearest shown line older (`back`) or newer than it that `hit` accepts.
    /// Returns whether one was found.
    fn jump(
        &mut self,
        logs: &LogBuffer,
        back: bool,
        shape: &Shape,
        hit: impl Fn(&LogLine) -> bool,
    ) -> bool {
        let shown = self.shown(logs);
        let Some(mut at) = self.cursor(logs) else {
            return false;
        };
        // While following there is no cursor on screen: the newest line is a candidate too (an
        // error that just arrived at the bottom is the one a responder means).
        if back && self.frozen.is_none() && logs.get_by_number(at).is_some_and(&hit) {
            self.place(logs, at, shape);
            return true;
        }
        loop {
            let next = if back { shown.prev(at) } else { shown.next(at) };
            let Some(n) = next else { return false };
            at = n;
            if logs.get_by_number(n).is_some_and(&hit) {
                self.place(logs, n, shape);
                return true;
            }
        }
    }

    /// Jumps to the nearest error line older (`back`) or newer than the cursor.
    pub fn jump_to_error(&mut self, logs: &LogBuffer, back: bool, shape: &Shape) -> bool {
        self.jump(logs, back, shape, |l| l.level.is_some_and(Level::is_error))
    }

    /// Jumps to the nearest line the search matches; `None` when no search is set.
    pub fn jump_to_search(&mut self, logs: &LogBuffer, back: bool, shape: &Shape) -> Option<bool> {
        let re = self.search.as_ref()?.1.clone();
        Some(self.jump(logs, back, shape, |l| re.is_match(&l.text)))
    }

    /// Scrolls sideways by `delta` columns (when not wrapping).
    pub fn scroll_sideways(&mut self, delta: isize) {
        self.hscroll = self.hscroll.saturating_add_signed(delta);
    }
}

#[cfg(test)]
mod tests;
