//! The team's prompts: a teammate's request to run a step (approve, or refuse with a reason), a
//! break-glass run's reason, and what a step's confirmation says of its approval.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use super::centered;
use crate::app::App;
use crate::app::act::RunRequest;
use crate::core::sanitize::sanitize_line;

/// The approval state of a step being confirmed, and whether it may run now: `None` for a step
/// that needs none.
pub(super) fn state(app: &App, request: &RunRequest) -> Option<(Line<'static>, bool)> {
    if !crate::app::needs_approval(app, &request.runbook, &request.step) || app.dry_run {
        return None;
    }
    let asked = app.approval_of(&request.runbook, &request.step);
    let at = |t| crate::core::wall::hm(t, app.utc);
    Some(match asked.and_then(|a| a.answer.as_ref().map(|x| (a, x))) {
        Some((a, x)) if a.usable() && a.command == request.spec.line() => (
            Line::from(format!("approved by {} at {}", sanitize_line(&x.actor), at(x.ts))),
            true,
        ),
        Some((a, x)) if a.usable() => (
            Line::from(format!(
                "{} approved `{}`, not this command: ask again",
                sanitize_line(&x.actor),
                sanitize_line(&a.command)
            )),
            false,
        ),
        Some((_, x)) => (
            Line::from(format!(
                "refused by {} at {}{}: ask again or break glass",
                sanitize_line(&x.actor),
                at(x.ts),
                if x.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", sanitize_line(&x.reason))
                }
            )),
            false,
        ),
        None => match asked {
            Some(a) => (
                Line::from(format!("approval asked at {}: waiting for a teammate", at(a.ts))),
                false,
            ),
            None => (
                Line::from("needs another responder's approval, from their own cockpit"),
                false,
            ),
        },
    })
}

/// The keys line of a confirmation that needs approval and has none.
pub(super) fn keys(app: &App, theme: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled("a", theme.key),
        Span::raw(" asks for approval · "),
    ];
    if app.break_glass_allowed() {
        spans.push(Span::styled("b", theme.key));
        spans.push(Span::raw(" breaks glass (a reason) · "));
    }
    spans.push(Span::raw("other keys: don't"));
    Line::from(spans)
}

/// Who could approve, said under the state.
pub(super) fn approvers(app: &App) -> String {
    let names: Vec<String> = app
        .others_here()
        .iter()
        .map(|b| sanitize_line(&b.actor))
        .collect();
    if names.is_empty() {
        "nobody else has the incident open".to_string()
    } else {
        format!("here now: {}", names.join(", "))
    }
}

/// A teammate's request, waiting for this cockpit's answer.
pub(super) fn approve(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    (request, refusing): (&str, Option<&str>),
    theme: &Theme,
) {
    let Some(asked) = app.incident.team.approval(request) else {
        return;
    };
    let width = area.width.saturating_sub(4).clamp(30, 90).min(area.width);
    let mut lines = vec![
        Line::styled(
            format!(
                "{} asks (at {}) to run:",
                sanitize_line(&asked.actor),
                crate::core::wall::hm(asked.ts, app.utc)
            ),
            theme.text,
        ),
        Line::styled(
            format!("{}: {}", sanitize_line(&asked.runbook), sanitize_line(&asked.title)),
            theme.dim,
        ),
        Line::styled(format!("$ {}", sanitize_line(&asked.command)), theme.focus),
    ];
    match refusing {
        None => lines.push(Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" approves · "),
            Span::styled("n", theme.key),
            Span::raw(" refuses · "),
            Span::styled("Esc", theme.key),
            Span::raw(" later"),
        ])),
        Some(reason) => {
            lines.push(Line::from(vec![
                Span::styled("Why refused: ", theme.dim),
                Span::raw(sanitize_line(reason)),
                Span::styled("▏", theme.focus),
            ]));
            lines.push(Line::styled("Enter: refuse · Esc: later", theme.dim));
        }
    }
    let rows = wrapped_rows(&lines, width.saturating_sub(2));
    let rect = centered(area, width, rows + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warn)
        .title(" Approve this command? ");
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}

/// A break-glass run's reason being typed.
pub(super) fn break_glass(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    (request, reason): (&RunRequest, &str),
    theme: &Theme,
) {
    let width = area.width.saturating_sub(4).clamp(30, 90).min(area.width);
    let lines = vec![
        Line::styled(format!("$ {}", sanitize_line(&request.spec.line())), theme.focus),
        Line::styled(
            format!(
                "runs without another responder's approval ({}); the reason goes into the record and the postmortem lists it",
                approvers(app)
            ),
            theme.text,
        ),
        Line::from(vec![
            Span::styled("Reason: ", theme.dim),
            Span::raw(sanitize_line(reason)),
            Span::styled("▏", theme.focus),
        ]),
        Line::styled("Enter: run it now · Esc: don't", theme.dim),
    ];
    let rows = wrapped_rows(&lines, width.saturating_sub(2));
    let rect = centered(area, width, rows + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error)
        .title(" Break glass? ");
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}

/// Rows the lines take wrapped at `width` columns.
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| {
            let w = l.width();
            w.div_ceil(width).max(1)
        })
        .sum::<usize>()
        .try_into()
        .unwrap_or(u16::MAX)
}
