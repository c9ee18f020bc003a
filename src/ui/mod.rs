//! Rendering: a pure function of the state. One module a panel.
//!
//! ```text
//! ┌ header: title │ severity │ elapsed │ steps done │ milestones │ clock ──────────────┐
//! ┌ 1 Logs ───────────────────────────────┐┌ 2 Health ──────────────────────────────┐
//! │ newest at the bottom, errors marked    ││ one row an endpoint                     │
//! └────────────────────────────────────────┘└─────────────────────────────────────────┘
//! ┌ 3 Runbook ────────────────────────────┐┌ 4 Timeline ────────────────────────────┐
//! │ [x] steps of the current runbook       ││ latest events, local time              │
//! └────────────────────────────────────────┘└─────────────────────────────────────────┘
//!  footer: main keys, or the last message
//! ```

mod detail;
mod event_detail;
mod health;
mod logs;
mod overlay;
mod runbook;
pub mod theme;
mod timeline;

use chrono::{DateTime, Local, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use crate::app::{App, Mode, Panel, Viewport};
pub use theme::Theme;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < 20 || area.height < 5 {
        let text = format!("sitrep needs 20x5; this is {}x{}", area.width, area.height);
        frame.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, app, theme);
    if app.zoom {
        draw_panel(frame, app.focus, body, app, theme);
    } else {
        for (panel, rect) in panel_areas(body) {
            draw_panel(frame, panel, rect, app, theme);
        }
    }
    draw_footer(frame, footer, app, theme);
    match &app.mode {
        Mode::Input(kind, text) => overlay::input(frame, area, app, *kind, text, theme),
        Mode::Help => overlay::help(frame, area, app, theme),
        Mode::ConfirmQuit => overlay::confirm_quit(frame, area, app, theme),
        Mode::ConfirmRun(request) => overlay::confirm_run(frame, area, app, request, theme),
        Mode::Output => overlay::output(frame, area, app, theme),
        Mode::Compose(editor) => overlay::compose(frame, area, app, editor, theme),
        Mode::ConfirmDiscard(draft) => overlay::confirm_discard(frame, area, draft, theme),
        Mode::Detail(d) => detail::draw(frame, area, app, d, theme),
        Mode::EventDetail { index, scroll } => {
            event_detail::draw(frame, area, app, *index, *scroll, theme)
        }
        Mode::Normal => {}
    }
}

/// How many rows of content each panel shows on a screen of this size, laid out as `draw` lays it out
/// for `app` (zoom, log sources): the runtime tells the app after each draw.
pub fn viewport(screen: Rect, app: &App) -> Viewport {
    let body = Rect {
        y: screen.y + 1,
        height: screen.height.saturating_sub(2),
        ..screen
    };
    let area = |panel: Panel| -> Rect {
        if app.zoom && app.focus == panel {
            body
        } else {
            panel_areas(body)
                .into_iter()
                .find(|(p, _)| *p == panel)
                .map_or(body, |(_, r)| r)
        }
    };
    let inner = |panel: Panel| -> usize { area(panel).height.saturating_sub(2) as usize };
    let logs = inner(Panel::Logs);
    let runbook = inner(Panel::Runbook);
    Viewport {
        // The error-rate row, when there are sources to rate (see `logs::draw_lines`).
        logs: if !app.sources.is_empty() && logs > 3 {
            logs - 1
        } else {
            logs
        },
        logs_width: area(Panel::Logs).width.saturating_sub(2) as usize,
        health: inner(Panel::Health),
        // The selected step's detail, when there is room for it (see `runbook::draw`).
        runbook: if runbook >= 10 { runbook - 3 } else { runbook },
        timeline: inner(Panel::Timeline),
    }
}

/// Where each panel goes in the body: logs and health on top, runbook and timeline below.
pub fn panel_areas(body: Rect) -> [(Panel, Rect); 4] {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    let [logs, health] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(top);
    let [runbook, timeline] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    [
        (Panel::Logs, logs),
        (Panel::Health, health),
        (Panel::Runbook, runbook),
        (Panel::Timeline, timeline),
    ]
}

/// The panel under a screen cell (for mouse clicks), given the whole screen's size.
pub fn panel_at(screen: Rect, x: u16, y: u16, zoomed: Option<Panel>) -> Option<Panel> {
    let body = Rect {
        y: screen.y + 1,
        height: screen.height.saturating_sub(2),
        ..screen
    };
    let hit = |r: Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
    if let Some(p) = zoomed {
        return hit(body).then_some(p);
    }
    panel_areas(body)
        .into_iter()
        .find(|(_, r)| hit(*r))
        .map(|(p, _)| p)
}

fn draw_panel(frame: &mut Frame, panel: Panel, area: Rect, app: &App, theme: &Theme) {
    match panel {
        Panel::Logs => logs::draw(frame, area, app, theme),
        Panel::Health => health::draw(frame, area, app, theme),
        Panel::Runbook => runbook::draw(frame, area, app, theme),
        Panel::Timeline => timeline::draw(frame, area, app, theme),
    }
}

/// A bordered block titled with the panel's number and name, highlighted when focused.
fn panel_block<'a>(app: &App, panel: Panel, title: String, theme: &Theme) -> Block<'a> {
    let n = Panel::ALL.iter().position(|p| *p == panel).unwrap_or(0) + 1;
    let focused = app.focus == panel;
    let style = if focused { theme.focus } else { theme.border };
    let marker = if focused { "▶" } else { " " };
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(style)
        .title(Span::styled(format!("{marker}{n} {title} "), style))
}

/// A time as the screen shows it: local by default, UTC on demand.
pub fn clock(app: &App, ts: DateTime<Utc>) -> String {
    crate::core::wall::hms(ts, app.utc)
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (done, total) = app.progress();
    let since = app
        .incident
        .start()
        .map(|t| crate::core::duration::clock((app.now - t).num_seconds()))
        .unwrap_or_else(|| "--".into());
    let mut parts = vec![
        format!(
            " sitrep │ {}",
            crate::core::sanitize::sanitize(app.incident.title.as_bytes())
        ),
        app.incident
            .severity
            .map_or_else(|| "SEV?".into(), |s| s.to_string()),
        format!("⏱ {since}"),
        format!("steps {done}/{total}"),
    ];
    let reached: Vec<&str> = crate::timeline::Milestone::ALL
        .iter()
        .filter(|m| app.incident.milestones.contains_key(m))
        .map(|m| m.name())
        .collect();
    if let Some(last) = reached.last() {
        parts.push(format!("● {last}"));
    }
    if app.dry_run {
        parts.push("DRY RUN".into());
    }
    if let Some(run) = app.run.as_ref().filter(|r| r.running()) {
        parts.push(format!("⚙ running {}", run.request.step));
    }
    let (cadence, due) = crate::app::act::cadence_label(app);
    parts.push(if due {
        format!("⚠ {}", cadence.to_uppercase())
    } else {
        cadence
    });
    let zone = if app.utc {
        "UTC".to_string()
    } else {
        Local::now().format("%Z").to_string()
    };
    parts.push(format!("{} {zone} ", clock(app, app.now)));
    let text = parts.join(" │ ");
    let style = if due { theme.urgent } else { theme.header };
    frame.render_widget(Paragraph::new(text).style(style), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(flash) = &app.flash {
        let style = if flash.error { theme.error } else { theme.text };
        let prefix = if flash.error { "✖ " } else { "" };
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(
                format!(
                    "{prefix}{}",
                    crate::core::sanitize::sanitize(flash.text.as_bytes())
                ),
                style,
            ))),
            area,
        );
        return;
    }
    // Whole entries only: one that does not fit is left out, never cut in half.
    let mut spans = Vec::new();
    let mut used = 0usize;
    for b in app.keymap.iter() {
        let (Some(label), Some(key)) = (b.footer, b.keys.first()) else {
            continue;
        };
        let key = crate::app::keys::key_label(key);
        let label = format!(" {label}  ");
        let width = key.chars().count() + label.trim_end().chars().count();
        if used + width > area.width as usize {
            break;
        }
        used += width + 2;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(label, theme.dim));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::default()),
        area,
    );
}
