//! The timeline panel: the latest events with their local times, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, clock, panel_block};
use crate::app::{App, Panel};
use crate::timeline::{Event, Health, TOOL_ACTOR};

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut title = format!("Timeline · {} events", app.records.len());
    if !app.pending.is_empty() {
        title.push_str(&format!(" · {} writing…", app.pending.len()));
    }
    let block = panel_block(app, Panel::Timeline, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = inner.height as usize;
    let len = app.records.len();
    // Filled from the first row, however far back the view was scrolled on a smaller screen.
    let end = len.saturating_sub(app.timeline_scroll).max(rows.min(len));
    let start = end.saturating_sub(rows);
    let lines: Vec<Line> = app.records[start..end]
        .iter()
        .map(|r| {
            let style = match &r.event {
                Event::HealthChanged {
                    to: Health::Down, ..
                } => theme.error,
                Event::HealthChanged { to: Health::Up, .. } => theme.ok,
                Event::HealthChanged { .. } | Event::Pattern { .. } => theme.warn,
                Event::Milestone { .. } | Event::Severity { .. } => theme.focus,
                _ => theme.text,
            };
            let actor = if r.actor == TOOL_ACTOR {
                "⚙"
            } else {
                r.actor.as_str()
            };
            Line::from(vec![
                Span::styled(format!("{} ", clock(app, r.ts)), theme.dim),
                Span::styled(format!("{actor} "), theme.dim),
                Span::styled(
                    crate::core::sanitize::sanitize(r.event.summary().as_bytes()),
                    style,
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
