//! The timeline panel's view: a cursor on one event (on the newest, it stays on the newest as
//! events arrive), the rows around it, a search through the events, and the event detail overlay.
//! Records are appended, except on a shared incident, where a record the store numbered goes
//! before our own events it has not numbered yet (shown at the end): the search looks again from
//! there, and the cursor and an open detail move with their event.

mod detail;
mod search;

use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent};

pub use detail::{actor, fields};
pub use search::EventSearch;

use super::keys::{self, Action};
use super::{App, Input, Mode, Panel, complain, say};

/// Where the timeline panel's cursor is, which rows it shows, and what it searches for.
#[derive(Debug, Clone, Default)]
pub struct TimelineView {
    /// The selected record; `None` is the newest, whichever that is when drawn.
    selected: Option<usize>,
    /// The first row shown while the cursor is off the newest event.
    top: usize,
    search: Option<EventSearch>,
}

impl TimelineView {
    /// The selected record among `len`, if there is any record.
    pub fn cursor(&self, len: usize) -> Option<usize> {
        match self.selected {
            Some(i) if i < len => Some(i),
            _ => len.checked_sub(1),
        }
    }

    /// Whether the cursor stays on the newest event as new ones arrive.
    pub fn following(&self) -> bool {
        self.selected.is_none()
    }

    /// The records shown in a panel of `rows` rows: the cursor always among them, the panel full.
    pub fn window(&self, len: usize, rows: usize) -> Range<usize> {
        let rows = rows.max(1).min(len);
        let Some(cursor) = self.cursor(len) else {
            return 0..0;
        };
        let start = if self.following() {
            len - rows
        } else {
            self.top
                .min(cursor)
                .max((cursor + 1).saturating_sub(rows))
                .min(len - rows)
        };
        start..start + rows
    }

    /// Moves the cursor `delta` events (negative: older), the view following it.
    pub fn move_by(&mut self, delta: isize, len: usize, rows: usize) {
        if let Some(cursor) = self.cursor(len) {
            self.select(cursor.saturating_add_signed(delta).min(len - 1), len, rows);
        }
    }

    /// Puts the cursor on record `i`; the view scrolls only as far as it must to show it.
    pub fn select(&mut self, i: usize, len: usize, rows: usize) {
        self.top = self.window(len, rows).start;
        self.selected = (i + 1 < len).then_some(i);
        self.top = self.window(len, rows).start;
    }

    /// The search in force.
    pub fn search(&self) -> Option<&EventSearch> {
        self.search.as_ref()
    }

    /// Takes note of records just appended (the search looks at them too).
    pub fn recorded(&mut self, records: &[crate::timeline::Record]) {
        if let Some(s) = &mut self.search {
            s.catch_up(records);
        }
    }

    /// Records were put in at `at`, before others: the search looks again from there.
    pub fn inserted(&mut self, at: usize, records: &[crate::timeline::Record]) {
        if let Some(s) = &mut self.search {
            s.rescan_from(at);
            s.catch_up(records);
        }
    }

    /// The record at `from` (or a new one, `None`) now stands at `to`: the cursor stays on the
    /// event it was on.
    pub fn moved(&mut self, from: Option<usize>, to: usize) {
        if let Some(sel) = &mut self.selected {
            *sel = moved_index(*sel, from, to);
        }
        self.top = moved_index(self.top, from, to);
    }
}

impl TimelineView {
    /// The record at `at` left the list (it turned out to be a second sighting, shown on the row
    /// it agrees with): the cursor stays on the event it was on, or the one after.
    pub fn removed(&mut self, at: usize, records: &[crate::timeline::Record]) {
        if let Some(sel) = &mut self.selected {
            *sel = removed_index(*sel, at).min(records.len().saturating_sub(1));
        }
        self.top = removed_index(self.top, at);
        if let Some(s) = &mut self.search {
            s.rescan_from(at);
            s.catch_up(records);
        }
    }
}

/// Where index `i` is after the record at `at` was taken out.
pub fn removed_index(i: usize, at: usize) -> usize {
    if i > at { i - 1 } else { i }
}

/// Where index `i` is after the record at `from` (or a new one) was put at `to` (`to <= from`).
pub fn moved_index(i: usize, from: Option<usize>, to: usize) -> usize {
    match from {
        Some(from) if i == from => to,
        Some(from) if (to..from).contains(&i) => i + 1,
        None if i >= to => i + 1,
        _ => i,
    }
}

fn rows(app: &App) -> usize {
    app.viewport.rows(Panel::Timeline)
}

/// Carries out the timeline's own actions: the detail, the search, the matches, the moment.
pub fn act(app: &mut App, action: Action) {
    let len = app.records.len();
    let cursor = app.timeline.cursor(len);
    match action {
        Action::Open => {
            if let Some(index) = cursor {
                app.mode = Mode::EventDetail { index, scroll: 0 };
            }
        }
        Action::Search => {
            let current = app.timeline.search().map(|s| s.text().to_string());
            app.mode = Mode::Input(Input::EventSearch, current.unwrap_or_default());
        }
        Action::NextMatch | Action::PrevMatch => {
            let newer = action == Action::NextMatch;
            let Some(search) = app.timeline.search() else {
                let key = keys::label_in(&app.keymap, Action::Search, Panel::Timeline);
                say(app, format!("no search: {key} in the timeline searches events"));
                return;
            };
            let found = cursor.and_then(|c| {
                if newer {
                    search.after(c)
                } else {
                    search.before(c)
                }
            });
            match found {
                Some(i) => {
                    let rows = rows(app);
                    app.timeline.select(i, len, rows);
                }
                None => say(
                    app,
                    format!(
                        "no {} event matches \"{}\"",
                        if newer { "newer" } else { "older" },
                        search.text()
                    ),
                ),
            }
        }
        Action::ShowInLogs => {
            if let Some(i) = cursor {
                show_in_logs(app, i);
            }
        }
        Action::Retract => {
            if let Some(i) = cursor {
                ask_retract(app, i, String::new());
            }
        }
        _ => {}
    }
}

/// Asks whether to retract record `index` (with `reason` typed so far), or says why it cannot be.
pub fn ask_retract(app: &mut App, index: usize, reason: String) {
    let Some(record) = app.records.get(index) else {
        return;
    };
    let seq = record.seq;
    if seq == 0 {
        // A correction names its event by seq: one the store has not numbered yet has none.
        return say(
            app,
            "not shared yet: this event gets its # when the team's store takes it; retract it then"
                .to_string(),
        );
    }
    if let Some(by) = app.incident.retracted.get(&seq) {
        let by = format!("#{seq} is already retracted (by {}, #{})", by.actor, by.seq);
        return say(app, by);
    }
    if !app.incident.retractable(seq) {
        let kind = record.event.kind().to_string();
        return say(
            app,
            format!(
                "#{seq} is a {kind} event: only a milestone, a severity or a pattern the tool saw can be retracted (a note stays; write another)"
            ),
        );
    }
    app.flash = None;
    app.mode = Mode::ConfirmRetract { seq, reason };
}

fn show_in_logs(app: &mut App, index: usize) {
    let Some(record) = app.records.get(index) else {
        return;
    };
    // A pinned line goes back to where the logs place it (its own time, as `LogLine::at` has it);
    // any other event to when it was recorded.
    let at = match &record.event {
        crate::timeline::Event::LinePinned {
            read_at, line_time, ..
        } => line_time
            .filter(|t| *t <= *read_at + crate::tail::CLOCK_AHEAD)
            .unwrap_or(*read_at),
        _ => record.ts,
    };
    let what = crate::core::sanitize::sanitize_line(&record.event.summary());
    let seq = record.seq;
    super::moment::show_in_logs(app, at, &what, Some(seq));
}

/// Searches for `text` (Enter in the search prompt): the cursor goes to the newest match at or
/// before it. Empty text clears the search.
pub fn search(app: &mut App, text: &str) {
    if text.is_empty() {
        clear_search(app);
        return;
    }
    let mut search = match EventSearch::new(text) {
        Ok(s) => s,
        Err(e) => {
            complain(app, e);
            return;
        }
    };
    search.catch_up(&app.records);
    let len = app.records.len();
    let found = app
        .timeline
        .cursor(len)
        .and_then(|c| search.at_or_before(c));
    let total = search.matches().len();
    let newer = keys::label_in(&app.keymap, Action::NextMatch, Panel::Timeline);
    let older = keys::label_in(&app.keymap, Action::PrevMatch, Panel::Timeline);
    let matching = match total {
        1 => format!("1 event matches \"{text}\""),
        n => format!("{n} events match \"{text}\""),
    };
    let text = match (found, total) {
        (_, 0) => format!("no event matches \"{text}\""),
        (Some(_), _) => format!("{matching} · {newer} newer · {older} older"),
        (None, 1) => format!("{matching}, newer than the cursor · {newer} goes there"),
        (None, _) => format!("{matching}, all newer than the cursor · {newer} goes there"),
    };
    app.timeline.search = Some(search);
    if let Some(i) = found {
        let rows = rows(app);
        app.timeline.select(i, len, rows);
    }
    say(app, text);
}

/// Esc with the timeline focused: ends the search, if there is one. Returns whether there was.
pub fn clear_search(app: &mut App) -> bool {
    let had = app.timeline.search.take().is_some();
    if had {
        say(app, "search cleared".into());
    }
    had
}

/// A key while the detail of record `index` is open, scrolled `scroll` rows.
pub fn detail_key(app: &mut App, key: KeyEvent, index: usize, scroll: usize) {
    let close = |app: &mut App| app.mode = Mode::Normal;
    if matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
        return close(app);
    }
    let Some(action) = keys::lookup(&app.keymap, &key, Panel::Timeline) else {
        return;
    };
    // The screen clamps what is past the end; this only keeps the number from running away.
    let most = app.records.get(index).map_or(0, |r| {
        fields(&r.event)
            .iter()
            .map(|f| f.value.lines().count().max(1))
            .sum::<usize>()
            + 8
    });
    let page = rows(app).max(2) / 2;
    let scroll = match action {
        Action::Down => scroll + 1,
        Action::Up => scroll.saturating_sub(1),
        Action::PageDown => scroll + page,
        Action::PageUp => scroll.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => most,
        Action::ShowInLogs => {
            close(app);
            return show_in_logs(app, index);
        }
        Action::Open | Action::Quit => return close(app),
        _ => return,
    };
    app.mode = Mode::EventDetail {
        index,
        scroll: scroll.min(most),
    };
}
