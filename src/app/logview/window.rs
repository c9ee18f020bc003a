//! Which rows the logs panel shows: the lines around the cursor, each taking one row or, wrapped,
//! as many as its text needs. The same function lays out the screen and answers the keys, so a
//! moved cursor is always on screen and the view scrolls only when the cursor reaches an edge.

use chrono::{DateTime, Local, NaiveDate, Utc};

use super::LogView;
use super::walk::Shown;
use crate::tail::{LogBuffer, LogLine};

/// Columns of the time column (`HH:MM:SS.mmm `), and what a date adds in front (`MM-DD `).
pub const TIME_COLUMNS: usize = 13;
/// Columns a date adds to the time column on a row whose date differs from the row above.
pub const DATE_COLUMNS: usize = 6;
/// Columns of the level mark (`✖ `).
pub const MARK_COLUMNS: usize = 2;

/// The panel's size and what each row shows in front of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Rows of lines.
    pub rows: usize,
    /// Columns of a row.
    pub width: usize,
    /// Columns of the source tag and its space (0: no tag, one source shown).
    pub tag: usize,
    /// Times in UTC rather than local time.
    pub utc: bool,
    /// Today's date as shown, so the first row shows its date only when it is another day.
    pub today: NaiveDate,
}

impl Shape {
    /// Columns in front of the text on a row (with its date or without).
    pub fn prefix(&self, date: bool) -> usize {
        TIME_COLUMNS + MARK_COLUMNS + self.tag + if date { DATE_COLUMNS } else { 0 }
    }

    /// The date a time falls on, as shown.
    pub fn date_of(&self, ts: DateTime<Utc>) -> NaiveDate {
        if self.utc {
            ts.date_naive()
        } else {
            ts.with_timezone(&Local).date_naive()
        }
    }
}

/// One line of the logs panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// The line's number.
    pub number: u64,
    /// Shown as context around a match, not a match itself.
    pub context: bool,
    /// The cursor is on it.
    pub cursor: bool,
    /// Its date differs from the row above's: the time column shows it.
    pub date: bool,
    /// Screen rows it takes (1 unless wrapped).
    pub height: usize,
    /// Its first rows scrolled off the top of the panel.
    pub skip: usize,
}

/// The time column of a line: `HH:MM:SS.mmm`, with `MM-DD ` in front when `date`.
pub fn time_label(ts: DateTime<Utc>, date: bool, utc: bool) -> String {
    let format = if date {
        "%m-%d %H:%M:%S%.3f"
    } else {
        "%H:%M:%S%.3f"
    };
    if utc {
        ts.format(format).to_string()
    } else {
        ts.with_timezone(&Local).format(format).to_string()
    }
}

/// A short tag per source for a merged view, stable for the session: the name's last path part
/// without its extension, at most 8 characters, numbered when two would read the same.
pub fn source_tags(names: &[&str]) -> Vec<String> {
    let base: Vec<String> = names
        .iter()
        .map(|name| {
            let last = name.rsplit(['/', ' ']).find(|p| !p.is_empty()).unwrap_or(name);
            let stem = last.split('.').find(|p| !p.is_empty()).unwrap_or(last);
            stem.chars().take(8).collect()
        })
        .collect();
    base.iter()
        .enumerate()
        .map(|(i, b)| {
            if base.iter().filter(|x| *x == b).count() > 1 {
                let short: String = b.chars().take(6).collect();
                format!("{short}{}", i + 1)
            } else {
                b.clone()
            }
        })
        .collect()
}

/// The text a row shows for a line: without the timestamp it starts with (the time column shows
/// it), and with a note of bytes the length cap cut. A timestamp inside the line (a JSON field, after
/// a word) stays where it is. The detail view shows the line whole.
pub fn shown_text(line: &LogLine) -> std::borrow::Cow<'_, str> {
    let shown = without_timestamp(line);
    match placement_mark(line) {
        Some(mark) => format!("{mark}{shown}").into(),
        None => shown,
    }
}

/// What a row says first about a line out of place in a merged view: `late ` (put after newer
/// lines, by more than its source's `reorder` window) or `clock? ` (its time is more than 5 s
/// ahead of when it was read, so it is placed when read).
pub fn placement_mark(line: &LogLine) -> Option<&'static str> {
    if line.late {
        Some("late ")
    } else if line.clock_ahead() {
        Some("clock? ")
    } else {
        None
    }
}

fn without_timestamp(line: &LogLine) -> std::borrow::Cow<'_, str> {
    let text = line.text.as_str();
    let text: std::borrow::Cow<'_, str> = match line.time_origin.span() {
        Some(span)
            if text.is_char_boundary(span.end)
                && text.get(..span.start).is_some_and(|b| b.trim().is_empty()) =>
        {
            text[span.end..].trim_start().into()
        }
        _ => text.into(),
    };
    if line.cut_bytes > 0 {
        format!("{text} …[{} bytes cut]", line.cut_bytes).into()
    } else {
        text
    }
}

/// The whole line as read, with a note of bytes the length cap cut (the detail view, a copy).
pub fn whole_text(line: &LogLine) -> std::borrow::Cow<'_, str> {
    if line.cut_bytes > 0 {
        format!("{} …[{} bytes cut]", line.text, line.cut_bytes).into()
    } else {
        line.text.as_str().into()
    }
}

/// When a line happened: its own time, else when it was read.
pub fn line_time(line: &LogLine) -> DateTime<Utc> {
    line.time.unwrap_or(line.received)
}

struct Layout<'a> {
    logs: &'a LogBuffer,
    shown: Shown<'a>,
    shape: &'a Shape,
    wrap: bool,
}

impl Layout<'_> {
    fn row(&self, n: u64) -> Row {
        let line = self.logs.get_by_number(n);
        let date_of = |n: u64| {
            self.logs
                .get_by_number(n)
                .map(|l| self.shape.date_of(line_time(l)))
        };
        let date = match self.shown.prev(n) {
            Some(p) => date_of(p) != date_of(n),
            None => date_of(n) != Some(self.shape.today),
        };
        let height = match (line, self.wrap) {
            (Some(line), true) => {
                let columns = self.shape.width.saturating_sub(self.shape.prefix(date));
                crate::core::text::rows(&shown_text(line), columns)
            }
            _ => 1,
        };
        Row {
            number: n,
            context: !self.shown.is_match(n),
            cursor: false,
            date,
            height,
            skip: 0,
        }
    }

    /// Rows ending with line `bottom`, going back until the panel is full.
    fn back_from(&self, bottom: u64) -> (Vec<Row>, usize) {
        let mut rows = Vec::new();
        let mut used = 0;
        let mut at = Some(bottom);
        while let Some(n) = at {
            let row = self.row(n);
            used += row.height;
            rows.push(row);
            if used >= self.shape.rows {
                break;
            }
            at = self.shown.prev(n);
        }
        rows.reverse();
        (rows, used)
    }

    /// Rows starting with line `top`, going on until the panel is full.
    fn on_from(&self, top: u64, mut rows: Vec<Row>, mut used: usize) -> (Vec<Row>, usize) {
        let mut at = Some(top);
        while let Some(n) = at {
            if used >= self.shape.rows {
                break;
            }
            let row = self.row(n);
            used += row.height;
            rows.push(row);
            at = self.shown.next(n);
        }
        (rows, used)
    }
}

impl LogView {
    /// The rows to show, oldest first, filling at most `shape.rows` screen rows and always
    /// including the cursor's line.
    pub fn window(&self, logs: &LogBuffer, shape: &Shape) -> Vec<Row> {
        let layout = Layout {
            logs,
            shown: self.shown(logs),
            shape,
            wrap: self.wrap,
        };
        let Some(last) = layout.shown.last() else {
            return Vec::new();
        };
        let cursor = self.cursor(logs).unwrap_or(last);
        let bottom = self
            .frozen
            .and_then(|f| layout.shown.nearest(f.bottom))
            .unwrap_or(last)
            .max(cursor);
        let (mut rows, mut used) = layout.back_from(bottom);
        let cut_top = used.saturating_sub(shape.rows);
        let cursor_hidden = rows.first().is_none_or(|r| {
            r.number > cursor || (r.number == cursor && cut_top > 0 && rows.len() > 1)
        });
        if cursor_hidden {
            (rows, used) = layout.on_from(cursor, Vec::new(), 0);
        } else if used < shape.rows
            && let Some(next) = layout.shown.next(bottom)
        {
            // Near the top the panel fills from its first row: the lines after the bottom fill it.
            (rows, used) = layout.on_from(next, rows, used);
        }
        // When the lines after the cursor run out, earlier lines fill the rest.
        while used < shape.rows
            && let Some(first) = rows.first()
            && let Some(p) = layout.shown.prev(first.number)
        {
            let row = layout.row(p);
            used += row.height;
            rows.insert(0, row);
        }
        if used > shape.rows
            && rows.len() > 1
            && let Some(first) = rows.first_mut()
            && first.number != cursor
        {
            first.skip = (used - shape.rows).min(first.height.saturating_sub(1));
        }
        for r in &mut rows {
            r.cursor = r.number == cursor;
        }
        rows
    }
}
