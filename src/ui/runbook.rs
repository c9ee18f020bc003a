//! The runbook panel: the current runbook's steps with checkboxes, and the selected step's detail.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, clock, panel_block};
use crate::app::{App, Panel};

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(rb) = app.current_runbook() else {
        let block = panel_block(app, Panel::Runbook, "Runbook".into(), theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        frame.render_widget(Paragraph::new("no runbooks loaded"), inner);
        return;
    };
    let (done, total) = app.runbook_progress(rb);
    let title = format!(
        "Runbook {}/{}: {} {done}/{total} ◂[ ]▸",
        app.runbook + 1,
        app.runbooks.len(),
        rb.title
    );
    let block = panel_block(app, Panel::Runbook, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let detail_rows = if inner.height >= 10 { 3 } else { 0 };
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_rows)]).areas(inner);
    let rows = list_area.height as usize;
    // Keep the selection in view.
    let first = app.step.saturating_sub(rows.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, step) in rb.steps.iter().enumerate().skip(first).take(rows) {
        let mark = app
            .incident
            .checked
            .get(&(rb.name.clone(), step.id.clone()));
        let pending = app.pending_step(&rb.name, &step.id);
        let (box_, style) = match (pending, mark) {
            (Some(p), _) if p.failed.is_some() => ("[!]", theme.error),
            (Some(_), _) => ("[…]", theme.warn),
            (None, Some(_)) => ("[x]", theme.ok),
            (None, None) => ("[ ]", theme.text),
        };
        let selected = i == app.step && app.focus == Panel::Runbook;
        let row_style = if selected { theme.selected } else { style };
        let mut spans = vec![
            Span::styled(format!("{box_} "), row_style),
            Span::styled(step.title.as_str(), row_style),
        ];
        if step.command.is_some() {
            spans.push(Span::styled(" $", theme.dim));
        }
        if step.approval {
            spans.push(approval(app, &rb.name, &step.id, theme));
        }
        if let Some(m) = mark {
            spans.push(Span::styled(
                format!("  {} {}", clock(app, m.ts), m.actor),
                theme.dim,
            ));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(super::rows::Rows(lines), list_area);
    if detail_rows > 0
        && let Some(step) = rb.steps.get(app.step)
    {
        {
            let mut text = step.detail.clone();
            if let Some(cmd) = &step.command {
                text = format!("$ {cmd}\n{text}");
            }
            if step.approval {
                text = format!(
                    "runs only once another responder approves it from their own cockpit\n{text}"
                );
            }
            frame.render_widget(
                Paragraph::new(text)
                    .style(theme.dim)
                    .wrap(Wrap { trim: true }),
                detail_area,
            );
        }
    }
}

/// A step that needs approval, as its row says it: asked, approved, refused, or not yet.
fn approval<'a>(app: &App, runbook: &str, step: &str, theme: &Theme) -> Span<'a> {
    let asked = app.approval_of(runbook, step);
    let (text, style) = match asked.map(|a| (a.usable(), a.answer.as_ref())) {
        Some((true, Some(x))) => (format!(" ✓ approved by {}", x.actor), theme.ok),
        Some((false, Some(x))) => (format!(" ✗ refused by {}", x.actor), theme.error),
        Some(_) => (" ⧗ approval asked".to_string(), theme.warn),
        None => (" ⚿ approval".to_string(), theme.dim),
    };
    Span::styled(crate::core::sanitize::sanitize_line(&text), style)
}
