//! One timeline event whole, over the panels: its summary wrapped, when (UTC and local), who, and
//! the evidence its kind carries, each value wrapped beside its label.
//!
//! ```text
//! ┌ Event #7 · health.changed ─────────────────────────────────┐
//! │ payments-api: up → down (HTTP 503, 3004 ms)                 │
//! │                                                             │
//! │ time      2026-11-24 14:03:10.000 UTC                       │
//! │           2026-11-24 15:03:10.000 +01:00 local              │
//! │ evidence  unexpected status 503; body: {"status":"degraded", │
//! │           "error":"payment provider timeout"}               │
//! └ L the logs at this moment · Esc closes ─────────────────────┘
//! ```

use chrono::{DateTime, Local, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph};
use crate::core::text::word_wrap as wrap;

use super::Theme;
use crate::app::keys::{Action, label_in};
use crate::app::timelineview::{actor, fields};
use crate::app::{App, Panel};
use crate::core::sanitize::sanitize_block;

/// Cells of the label column (`exit code` and a space).
const LABEL: usize = 10;

pub(super) fn draw(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    index: usize,
    scroll: usize,
    theme: &Theme,
) {
    let Some(record) = app.records.get(index) else {
        return;
    };
    let width = area.width.saturating_sub(4).clamp(20, 110).min(area.width);
    // Borders and a column of padding on each side.
    let text_width = width.saturating_sub(4) as usize;
    let mut rows: Vec<Line> = wrap(&sanitize_block(&record.event.summary()), text_width)
        .into_iter()
        .map(|r| Line::from(Span::styled(r, theme.focus)))
        .collect();
    rows.push(Line::from(""));
    let mut labelled = |label: &str, value: &str, style: Style| {
        let value = sanitize_block(value);
        let cut = wrap(&value, text_width.saturating_sub(LABEL).max(1));
        for (i, part) in cut.into_iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            rows.push(Line::from(vec![
                Span::styled(format!("{label:<LABEL$}"), theme.dim),
                Span::styled(part, style),
            ]));
        }
    };
    let (utc, local) = times(record.ts);
    labelled("time", &utc, theme.text);
    labelled("", &local, theme.text);
    if let Some(written) = record.written {
        let late = crate::core::duration::precise(written - record.ts);
        let (utc, _) = times(written);
        labelled("written", &format!("{utc} ({late} late: a retried write)"), theme.warn);
    }
    labelled("actor", &actor(&record.actor), theme.text);
    for f in fields(&record.event) {
        labelled(&f.label, &f.value, theme.text);
    }
    let height = (rows.len() as u16 + 2).min(area.height.saturating_sub(2).max(3));
    let shown = height.saturating_sub(2) as usize;
    let scroll = scroll.min(rows.len().saturating_sub(shown));
    let mut keys = vec![format!(
        "{} the logs at this moment",
        label_in(&app.keymap, Action::ShowInLogs, Panel::Timeline)
    )];
    if rows.len() > shown {
        keys.push(format!(
            "{}/{} scroll {}-{} of {}",
            label_in(&app.keymap, Action::Down, Panel::Timeline),
            label_in(&app.keymap, Action::Up, Panel::Timeline),
            scroll + 1,
            scroll + shown,
            rows.len()
        ));
    }
    keys.push("Esc closes".into());
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .padding(Padding::horizontal(1))
        .title(format!(
            " Event #{} · {} ",
            record.seq,
            sanitize_block(record.event.kind())
        ))
        .title_bottom(Line::from(Span::styled(
            format!(" {} ", keys.join(" · ")),
            theme.key,
        )));
    let visible: Vec<Line> = rows.into_iter().skip(scroll).take(shown).collect();
    frame.render_widget(Paragraph::new(visible).block(block), rect);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width: width.min(area.width),
        height: height.min(area.height),
    }
}

/// The moment in UTC, then in local time with its offset: both, whatever the screen shows.
fn times(ts: DateTime<Utc>) -> (String, String) {
    (
        ts.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
        ts.with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S%.3f %:z local")
            .to_string(),
    )
}
