//! The detail view of one log line: the whole sanitized text wrapped, where it came from, when it
//! was read, the pattern it belongs to, and the keys that act on it.

use chrono::Local;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Theme;
use crate::app::keys::label_in;
use crate::app::logs::LineDetail;
use crate::app::logview::whole_text;
use crate::app::{Action, App, Panel};
use crate::core::text;
use crate::tail::fields;

/// The lines of the detail view for a box `width` columns wide inside.
pub(super) fn lines<'a>(app: &App, d: &'a LineDetail, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let label = |name: &'static str| Span::styled(format!("{name:<10}"), theme.dim);
    let read = d.line.received;
    let mut out = vec![
        Line::from(vec![label("source"), Span::raw(d.source.clone())]),
        Line::from(vec![
            label("read at"),
            Span::raw(format!(
                "{} local · {}",
                read.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S%.3f"),
                read.format("%Y-%m-%dT%H:%M:%S%.3fZ")
            )),
        ]),
        Line::from(vec![label("line time"), Span::raw(own_time(&d.line))]),
    ];
    if let Some(placed) = placement(&d.line) {
        out.push(Line::from(vec![label("placed"), Span::styled(placed, theme.warn)]));
    }
    out.extend([
        Line::from(vec![
            label("level"),
            Span::raw(d.line.level.map_or("none named".to_string(), |l| l.to_string())),
        ]),
        Line::from(vec![
            label("pattern"),
            Span::raw(d.pattern.clone().unwrap_or_else(|| "not mined yet".into())),
        ]),
    ]);
    match d.parsed.format {
        Some(format) => {
            out.push(Line::from(vec![label("fields"), Span::raw(format!("{format}"))]));
            let key_width = d
                .parsed
                .fields
                .iter()
                .map(|(k, _)| text::width(k))
                .max()
                .unwrap_or(0)
                .min(24);
            for (i, (k, v)) in d.parsed.fields.iter().enumerate() {
                let picked = i == d.field;
                let row = Line::from(vec![
                    Span::raw(if picked { "  ▶ " } else { "    " }),
                    Span::styled(format!("{k:<key_width$} "), theme.key),
                    Span::raw(v.clone()),
                ]);
                out.push(if picked { row.style(theme.selected) } else { row });
            }
        }
        None => {
            let tried: Vec<String> = fields::TRIED.iter().map(|f| f.to_string()).collect();
            out.push(Line::from(vec![
                label("fields"),
                Span::styled(format!("none: tried {}", tried.join(", ")), theme.dim),
            ]));
        }
    }
    if d.line.cut_bytes > 0 {
        out.push(Line::from(vec![
            label("cut"),
            Span::styled(
                format!("{} bytes past the line length cap were not kept", d.line.cut_bytes),
                theme.warn,
            ),
        ]));
    }
    if d.event.len() > 1 {
        // The whole event: the line that began it and the lines that continue it (a stack
        // trace), this one marked.
        out.push(Line::from(Span::styled(
            format!(
                "── the event: {} lines, this is line {} ──",
                d.event.len(),
                d.at + 1
            ),
            theme.dim,
        )));
        for (i, line) in d.event.iter().enumerate() {
            let whole = whole_text(line);
            for piece in text::wrap(&whole, width.max(1)) {
                let row = Line::from(piece.to_string());
                out.push(if i == d.at { row.style(theme.selected) } else { row });
            }
        }
    } else {
        out.push(Line::from(Span::styled("── text ──", theme.dim)));
        let whole = whole_text(&d.line);
        for piece in text::wrap(&whole, width.max(1)) {
            out.push(Line::from(piece.to_string()));
        }
    }
    out.push(Line::from(Span::styled("──", theme.dim)));
    let keys = [
        (Action::Copy, "copies"),
        (Action::SameRequest, "follows the picked field"),
        (Action::Pin, "pins it"),
    ];
    let mut hint: Vec<Span> = Vec::new();
    for (action, what) in keys {
        hint.push(Span::styled(label_in(&app.keymap, action, Panel::Logs), theme.key));
        hint.push(Span::styled(format!(" {what} · "), theme.dim));
    }
    let more = if d.parsed.fields.is_empty() {
        "↑/↓ scroll · Home/End · Esc closes"
    } else {
        "↑/↓ pick a field · PgUp/PgDn scroll · Home/End · Esc closes"
    };
    let line = Line::from(hint);
    // One row when it fits, else the navigation keys on a row of their own.
    if line.width() + text::width(more) <= width {
        let mut spans = line.spans;
        spans.push(Span::styled(more, theme.dim));
        out.push(Line::from(spans));
    } else {
        out.push(line);
        out.push(Line::from(Span::styled(more, theme.dim)));
    }
    out
}

/// Why a line is out of place in the merged order, if it is.
fn placement(line: &crate::tail::LogLine) -> Option<String> {
    if line.late {
        Some("late: it came after lines newer than it by more than its source's reorder window".into())
    } else if line.clock_ahead() {
        Some(format!(
            "clock?: its time is {} ahead of when it was read, so it is placed when read",
            crate::core::duration::precise(line.time? - line.received)
        ))
    } else {
        None
    }
}

/// The line's own time, in local time and UTC, and where it came from.
fn own_time(line: &crate::tail::LogLine) -> String {
    let Some(at) = line.time else {
        return "none in the line: the time column shows when it was read".into();
    };
    let whence = match (&line.time_origin.inherited(), line.time_origin.assumed()) {
        (true, _) => " (the previous line's: this one names none)".to_string(),
        (false, Some(zone)) => format!(" (written without a zone: read as {zone})"),
        (false, None) => String::new(),
    };
    format!(
        "{} local · {}{whence}",
        at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S%.3f"),
        at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

/// Draws the detail view over most of the screen.
/// How many rows the detail of `d` scrolls at most on a screen of this size (its last row then
/// shows at the bottom), as [`draw`] lays it out.
pub(super) fn max_scroll(area: Rect, app: &App, d: &LineDetail) -> usize {
    let width = area.width.saturating_sub(2);
    let rows = lines(app, d, width.saturating_sub(2) as usize, &Theme::monochrome()).len();
    let height = (rows as u16 + 2).min(area.height.saturating_sub(2));
    rows.saturating_sub(height.saturating_sub(2) as usize)
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, d: &LineDetail, theme: &Theme) {
    let width = area.width.saturating_sub(2);
    let lines = lines(app, d, width.saturating_sub(2) as usize, theme);
    // As tall as its text, at most the screen less the header and footer rows.
    let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let rect = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(Span::styled(
            format!(" Line {} · {} ", d.number + 1, d.source),
            theme.focus,
        ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let rows = inner.height as usize;
    // The picked field stays on screen: its row is after the six header rows.
    let picked_row = 6 + d.field;
    let skip = d
        .scroll
        .max((picked_row + 1).saturating_sub(rows))
        .min(lines.len().saturating_sub(rows));
    let shown: Vec<Line> = lines.into_iter().skip(skip).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}
