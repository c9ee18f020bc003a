//! The logs panel: followed lines, newest at the bottom, errors marked with colour and a symbol.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, panel_block};
use crate::app::{App, Panel};
use crate::tail::Level;

/// The symbol and style of a line's level.
pub fn level_mark(level: Level, theme: &Theme) -> (&'static str, ratatui::style::Style) {
    match level {
        Level::Error => ("✖", theme.error),
        Level::Warn => ("▲", theme.warn),
        Level::Debug | Level::Trace => ("·", theme.dim),
        _ => (" ", theme.text),
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut title = String::from("Logs");
    for s in &app.sources {
        title.push_str(&format!(" · {}: {}", s.name, s.status));
    }
    if app.log_scroll > 0 {
        title.push_str(&format!(" · FROZEN −{} (G follows)", app.log_scroll));
    }
    let block = panel_block(app, Panel::Logs, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = inner.height as usize;
    let len = app.logs.len();
    let end = len.saturating_sub(app.log_scroll);
    let start = end.saturating_sub(rows);
    let mut lines = Vec::with_capacity(rows);
    if len == 0 {
        lines.push(Line::from(Span::styled(
            "waiting for log lines…",
            theme.dim,
        )));
    }
    for i in start..end {
        let Some(line) = app.logs.get(i) else {
            continue;
        };
        let (mark, style) = level_mark(line.level, theme);
        let mut spans = vec![Span::styled(format!("{mark} "), style)];
        spans.push(Span::styled(line.text.as_str(), style));
        if line.cut_bytes > 0 {
            spans.push(Span::styled(
                format!(" …[{} bytes cut]", line.cut_bytes),
                theme.dim,
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
