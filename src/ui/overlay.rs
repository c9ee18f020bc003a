//! Pop-ups drawn over the panels: the note editor, the help, the quit question.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use crate::app::keys::key_label;
use crate::app::{App, Input, Panel, Scope, palette};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    cell
}

pub(super) fn input(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    kind: Input,
    text: &str,
    theme: &Theme,
) {
    let (title, prompt) = match kind {
        Input::Note => (
            " Note: Enter records it in the timeline · Esc discards ",
            "",
        ),
        Input::Filter => (
            " Filter logs by regex: Enter applies (empty clears) · Esc cancels ",
            "/",
        ),
        Input::Palette => (" Command: Tab completes · Enter runs · Esc cancels ", ":"),
    };
    let mut lines = vec![Line::from(format!("{prompt}{text}▏"))];
    if kind == Input::Palette {
        let options = palette::complete(text, &app.runbook_names());
        let hint = if text.contains(' ') || options.is_empty() {
            palette::COMMANDS
                .iter()
                .find(|(n, _, _)| text.split(' ').next() == Some(*n))
                .map(|(n, arg, help)| format!("{n} {arg} — {help}"))
                .unwrap_or_else(|| options.join("  "))
        } else {
            options
                .iter()
                .map(|o| o.trim())
                .collect::<Vec<_>>()
                .join("  ")
        };
        lines.push(Line::from(Span::styled(hint, theme.dim)));
    }
    let rect = centered(
        area,
        area.width.saturating_sub(8).max(20),
        2 + lines.len() as u16 + 1,
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

pub(super) fn help(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut lines = Vec::new();
    let section = |title: String, scope: Scope, lines: &mut Vec<Line>| {
        lines.push(Line::from(Span::styled(title, theme.focus)));
        for b in app.keymap.iter().filter(|b| b.scope == scope) {
            let keys: Vec<String> = b.keys.iter().map(key_label).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<16}", keys.join(" ")), theme.key),
                Span::raw(b.help),
            ]));
        }
    };
    section("Everywhere".into(), Scope::Global, &mut lines);
    for panel in Panel::ALL {
        if app.keymap.iter().any(|b| b.scope == Scope::In(panel)) {
            section(
                format!("In {}", panel.title()),
                Scope::In(panel),
                &mut lines,
            );
        }
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = centered(area, 72, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(" Keys · any key closes ");
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

pub(super) fn confirm_quit(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rect = centered(area, 60, 5);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error)
        .title(" Quit? ");
    let text = format!(
        "{} action(s) are still being written to the timeline.\ny: quit now (they may be lost) · any other key: stay",
        app.pending.len()
    );
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}
