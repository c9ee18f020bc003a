//! The logs panel: followed lines, newest at the bottom, errors marked with colour and a symbol; or,
//! with `p`, the mined patterns (new and spiking first), or the comparison of working vs failing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::health::sparkline_counts;
use super::{Theme, clock, panel_block};
use crate::app::keys::label_in;
use crate::app::patterns::change_label;
use crate::app::{Action, App, Panel, PatternsMode};
use crate::core::level::Level;

/// The symbol and style of a line's level: fatal is marked as error, notice as info.
pub fn level_mark(level: Option<Level>, theme: &Theme) -> (&'static str, ratatui::style::Style) {
    match level {
        Some(l) if l.is_error() => ("✖", theme.error),
        Some(l) if l.is_warning() => ("▲", theme.warn),
        Some(l) if l.is_detail() => ("·", theme.dim),
        _ => (" ", theme.text),
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    match app.patterns.mode {
        PatternsMode::Off => draw_lines(frame, area, app, theme),
        PatternsMode::List => draw_patterns(frame, area, app, theme),
        PatternsMode::Compare => draw_compare(frame, area, app, theme),
    }
}

fn draw_lines(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // What the user set (filter, freeze, tab) first: it matters more than where the lines come from.
    let mut title = String::from("Logs");
    if let Some(f) = app.logview.filter() {
        let bang = if f.invert { "!" } else { "" };
        title.push_str(&format!(
            " · {bang}/{}/ {} lines",
            f.text,
            app.logview.matching(&app.logs)
        ));
    }
    if !app.logview.following() {
        title.push_str(&format!(
            " · FROZEN ({} follows)",
            label_in(&app.keymap, Action::Follow, Panel::Logs)
        ));
    }
    let tab = app.logview.source();
    if let Some(i) = tab {
        title.push_str(&format!(" · tab {}/{} (:source)", i + 1, app.sources.len()));
    }
    for (i, s) in app.sources.iter().enumerate() {
        if tab.is_none() || tab == Some(i) {
            title.push_str(&format!(" · {}: {}", s.name, s.status));
        }
    }
    let block = panel_block(app, Panel::Logs, title, theme);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    // The bottom row: errors a second, per source, over the last minute.
    if !app.sources.is_empty() && inner.height > 3 {
        inner.height -= 1;
        let row = Rect {
            y: inner.y + inner.height,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(error_rates(app, theme)), row);
    }
    let rows = app.logview.rows(&app.logs, inner.height as usize);
    let mut lines = Vec::with_capacity(rows.len());
    if app.logs.is_empty() {
        lines.push(Line::from(Span::styled(
            "waiting for log lines…",
            theme.dim,
        )));
    } else if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "no line matches the filter",
            theme.dim,
        )));
    }
    for row in rows {
        let Some(line) = app.logs.get_by_number(row.number) else {
            continue;
        };
        let (mark, style) = level_mark(line.level, theme);
        let style = if row.context { theme.dim } else { style };
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

fn error_rates<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    let now = app.now.timestamp();
    let mut spans = vec![Span::styled("errors/s ", theme.dim)];
    for s in &app.sources {
        let series = s.errors.last(now, 30);
        let last_10: u32 = series.iter().rev().take(10).sum();
        let style = if last_10 > 0 { theme.error } else { theme.dim };
        spans.push(Span::styled(format!("{} ", s.name), theme.dim));
        spans.push(Span::styled(sparkline_counts(&series, 30), style));
        spans.push(Span::styled(
            format!(" {:.1}  ", last_10 as f64 / 10.0),
            style,
        ));
    }
    Line::from(spans)
}

fn at(app: &App, ms: u64) -> String {
    match crate::core::clock::from_epoch_ms(ms) {
        Some(t) => clock(app, t),
        None => "--".into(),
    }
}

fn draw_patterns(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let p = &app.patterns;
    let title = format!(
        "Patterns · {} from {} lines · {}: its lines · {}: raw log",
        p.rows.len(),
        p.miner.lines_seen(),
        label_in(&app.keymap, Action::Toggle, Panel::Logs),
        label_in(&app.keymap, Action::Patterns, Panel::Logs)
    );
    let block = panel_block(app, Panel::Logs, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = inner.height as usize;
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{:<6} {:>7} {:>7} {:<12} {:<9} {:<9} template",
            "", "count", "rate/s", "trend", "first", "last"
        ),
        theme.dim,
    ))];
    let rows_room = height.saturating_sub(1 + 2);
    let first = p.selected.saturating_sub(rows_room.saturating_sub(1));
    for (i, row) in p.rows.iter().enumerate().skip(first).take(rows_room) {
        let flag = match (row.new, row.spike) {
            (_, Some(_)) => "SPIKE",
            (true, _) => "NEW",
            _ => "",
        };
        let style = match row.level {
            Some(l) if l.is_error() => theme.error,
            Some(l) if l.is_warning() => theme.warn,
            _ => theme.text,
        };
        let selected = i == p.selected && app.focus == Panel::Logs;
        let line_style = if selected { theme.selected } else { style };
        let mark = match row.level {
            Some(l) if l.is_error() => "✖",
            Some(l) if l.is_warning() => "▲",
            _ => " ",
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark}{flag:<5} "), style),
            Span::styled(format!("{:>7} {:>7.1} ", row.count, row.rate), line_style),
            Span::styled(format!("{:<12} ", sparkline_counts(&row.spark, 12)), style),
            Span::styled(
                format!("{:<9} {:<9} ", at(app, row.first_ms), at(app, row.last_ms)),
                theme.dim,
            ),
            Span::styled(row.template.clone(), line_style),
        ]));
    }
    if let Some(row) = p.selected_row() {
        for v in row.values.iter().take(2) {
            lines.push(Line::from(Span::styled(format!("  {v}"), theme.dim)));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_compare(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let p = &app.patterns;
    let title = match p.ranges {
        Some((good, bad)) => format!(
            "Compare · working {}–{} vs failing {}–{} · {}: raw log",
            at(app, good.from_ms),
            at(app, good.to_ms),
            at(app, bad.from_ms),
            at(app, bad.to_ms),
            label_in(&app.keymap, Action::Patterns, Panel::Logs)
        ),
        None => "Compare".into(),
    };
    let block = panel_block(app, Panel::Logs, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if p.diffs.is_empty() {
        lines.push(Line::from(Span::styled(
            "no pattern appeared, vanished or changed rate",
            theme.dim,
        )));
    }
    for d in &p.diffs {
        let style = match d.change {
            crate::patterns::Change::Appeared | crate::patterns::Change::Increased => theme.error,
            _ => theme.ok,
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:<12}", change_label(d.change)), style),
            Span::styled(
                format!(
                    "{:>9} → {:<9} ",
                    format!("{:.2}/s", d.good_rate),
                    format!("{:.2}/s", d.bad_rate)
                ),
                theme.dim,
            ),
            Span::raw(d.template.clone()),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
