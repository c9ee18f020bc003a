//! Pop-ups drawn over the panels: the note editor, the help, the quit question.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use crate::app::act::RunRequest;
use crate::app::editor::Editor;
use crate::app::keys::{FIXED, key_label, label_of};
use crate::app::{Action, App, Draft, Input, Panel, Scope, palette};

use super::centered;

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
            " Note: Enter records it · Esc keeps a draft · Ctrl-X discards ",
            "",
        ),
        Input::Filter => (
            " Keep log lines matching a regex (stacks; :filter-out hides) · Enter · Esc cancels ",
            "/",
        ),
        Input::Search => (
            " Search the logs: highlights, hides nothing · Enter · Esc cancels ",
            "search /",
        ),
        Input::Palette => (" Command: Tab completes · Enter runs · Esc cancels ", ":"),
        Input::Param => (" The command needs a value · Enter · Esc cancels ", ""),
        Input::EventSearch => (
            " Search events (plain text, any case) · Enter finds · Esc cancels ",
            "/",
        ),
    };
    let width = area.width.saturating_sub(8).max(20);
    let inner = usize::from(width - 2);
    // Every row is cut here, so the box's height is known: a hint by words, the typed text by
    // character (a newline starts a row). The box shows the typed text's last rows, where the
    // cursor is, so a long note stays in sight as it grows.
    let dim_rows = |text: &str| -> Vec<Line<'static>> {
        crate::core::text::word_wrap(text, inner)
            .into_iter()
            .map(|row| Line::from(Span::styled(row, theme.dim)))
            .collect()
    };
    let mut before = Vec::new();
    if kind == Input::Param {
        let name = crate::app::act::asking(app).unwrap_or("value");
        before = dim_rows(&format!(
            "{{{name}}} (kept for this session; set it for good in sitrep.toml [incident] params):"
        ));
    }
    let mut after = Vec::new();
    if kind == Input::Palette {
        let options = palette::complete(text, &app.runbook_names(), &app.source_names());
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
        after = dim_rows(&hint);
    }
    let typed = format!("{prompt}{text}▏");
    let mut rows: Vec<&str> = Vec::new();
    for line in typed.split('\n') {
        rows.extend(crate::core::text::wrap(line, inner));
    }
    let room = usize::from(area.height / 2)
        .saturating_sub(2 + before.len() + after.len())
        .max(1);
    let mut lines = before;
    if rows.len() > room {
        // A row says how many are out of sight, when there is room for it and a row of text.
        let hidden = rows.len() + usize::from(room > 1) - room;
        if room > 1 {
            lines.push(Line::from(Span::styled(
                format!("… {hidden} more row(s) above"),
                theme.dim,
            )));
        }
        rows.drain(..hidden);
    }
    lines.extend(rows.into_iter().map(|row| Line::from(row.to_string())));
    lines.extend(after);
    let rect = centered(area, width, 2 + lines.len() as u16);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(title);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

/// Rows of the help's list, as [`help`] lays them out (a title a section, a row a binding).
fn help_rows(app: &App) -> usize {
    let section = |scope: Scope| 1 + app.keymap.iter().filter(|b| b.scope == scope).count();
    let mut rows = section(Scope::Global);
    for &panel in Panel::ALL {
        if app.keymap.iter().any(|b| b.scope == Scope::In(panel)) {
            rows += section(Scope::In(panel));
        }
    }
    // The dialogs' title, then each place's title and its keys.
    rows += 1;
    let mut place = "";
    for (at, _, _) in FIXED {
        if *at != place {
            place = at;
            rows += 1;
        }
        rows += 1;
    }
    rows
}

/// How many rows the help scrolls at most on a screen of this size: its last row then shows at
/// the bottom, and a key back up moves it at once.
pub(super) fn help_max_scroll(area: Rect, app: &App) -> usize {
    let columns: usize = if area.width >= 120 { 2 } else { 1 };
    let rows = (area.height as usize).saturating_sub(2).max(1);
    help_rows(app).div_ceil(columns).saturating_sub(rows)
}

pub(super) fn help(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut lines = Vec::new();
    let section = |title: String, scope: Scope, lines: &mut Vec<Line>| {
        lines.push(Line::from(Span::styled(title, theme.focus)));
        for b in app.keymap.iter().filter(|b| b.scope == scope) {
            let mut keys: Vec<String> = b.keys.iter().map(key_label).collect();
            keys.dedup();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<12}", keys.join(" ")), theme.key),
                Span::raw(b.help),
            ]));
        }
    };
    section("Everywhere".into(), Scope::Global, &mut lines);
    for &panel in Panel::ALL {
        if app.keymap.iter().any(|b| b.scope == Scope::In(panel)) {
            section(
                format!("In {}", panel.title()),
                Scope::In(panel),
                &mut lines,
            );
        }
    }
    lines.push(Line::from(Span::styled(
        "In dialogs (fixed: [keys] cannot rebind these)",
        theme.focus,
    )));
    let mut place = "";
    for (at, keys, what) in FIXED {
        if *at != place {
            place = at;
            lines.push(Line::from(Span::styled(format!(" {at}"), theme.dim)));
        }
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<12}"), theme.key),
            Span::raw(*what),
        ]));
    }
    // Two columns when the terminal is wide; scrolling (j/k) when it is short.
    let columns: usize = if area.width >= 120 { 2 } else { 1 };
    let per_column = lines.len().div_ceil(columns);
    let rows = (area.height as usize).saturating_sub(2).max(1);
    let shown_rows = per_column.min(rows);
    debug_assert_eq!(lines.len(), help_rows(app), "help_rows counts the help's rows");
    let max_scroll = help_max_scroll(area, app);
    let scroll = app.help_scroll.min(max_scroll);
    let width = (columns * 72).min(area.width as usize) as u16;
    let rect = centered(area, width, shown_rows as u16 + 2);
    frame.render_widget(Clear, rect);
    let more = if max_scroll > 0 {
        format!(
            " · {}/{} scroll",
            label_of(&app.keymap, Action::Down),
            label_of(&app.keymap, Action::Up)
        )
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(format!(" Keys{more} · any other key closes "));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let column_width = inner.width / columns as u16;
    for (c, chunk) in lines.chunks(per_column.max(1)).enumerate() {
        let col_rect = Rect {
            x: inner.x + c as u16 * column_width,
            width: column_width,
            ..inner
        };
        let visible: Vec<Line> = chunk
            .iter()
            .skip(scroll)
            .take(shown_rows)
            .cloned()
            .collect();
        frame.render_widget(Paragraph::new(visible), col_rect);
    }
}

/// Asks before a milestone is recorded: the record keeps it.
pub(super) fn confirm_milestone(
    frame: &mut Frame,
    area: Rect,
    name: crate::timeline::Milestone,
    theme: &Theme,
) {
    let rect = centered(area, 56, 5);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(format!(" Mark {}? ", name.name()));
    let text = format!(
        "Record in the timeline that the incident is {} now.\ny or Enter: record it · any other key: not now",
        name.name()
    );
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

/// Asks whether to retract a milestone or severity, the reason typed in place.
pub(super) fn confirm_retract(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    (seq, reason): (u64, &str),
    theme: &Theme,
) {
    let rect = centered(area, 66, 8);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warn)
        .title(format!(" Retract #{seq}? "));
    let what = app
        .records
        .iter()
        .find(|r| r.seq == seq)
        .map(|r| {
            format!(
                "{} (by {} at {})",
                r.event.summary(),
                r.actor,
                super::clock(app, r.ts)
            )
        })
        .unwrap_or_default();
    let lines = vec![
        Line::styled(crate::core::sanitize::sanitize_line(&what), theme.focus),
        Line::from("It stays in the record, struck through, with your name; the incident's milestones and severity leave it out."),
        Line::from(vec![
            Span::styled("Reason: ", theme.dim),
            Span::raw(crate::core::sanitize::sanitize_line(reason)),
            Span::styled("▏", theme.focus),
        ]),
        Line::styled("Enter: retract it · Esc: it stands", theme.dim),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

/// The last status-line messages, whole, newest last (`:messages`).
pub(super) fn messages(frame: &mut Frame, area: Rect, app: &App, scroll: usize, theme: &Theme) {
    let width = area.width.saturating_sub(4).max(20);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let mut rows: Vec<Line> = Vec::new();
    for (at, flash) in &app.messages {
        let style = if flash.error { theme.error } else { theme.text };
        let text = format!(
            "{} {}{}",
            super::clock(app, *at),
            if flash.error { "✖ " } else { "" },
            crate::core::sanitize::sanitize(flash.text.as_bytes())
        );
        for row in crate::core::text::word_wrap(&text, inner) {
            rows.push(Line::styled(row, style));
        }
    }
    if rows.is_empty() {
        rows.push(Line::styled("no messages yet", theme.dim));
    }
    let height = (rows.len() as u16 + 2).min(area.height.saturating_sub(2).max(3));
    let shown = usize::from(height.saturating_sub(2));
    // Newest at the bottom, as they came; j/k scroll back.
    let start = rows.len().saturating_sub(shown).saturating_sub(scroll);
    let visible: Vec<Line> = rows.into_iter().skip(start).take(shown).collect();
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(format!(
            " Messages (last {}) · j/k scroll · any other key closes ",
            crate::app::MESSAGES_KEPT
        ));
    frame.render_widget(Paragraph::new(visible).block(block), rect);
}

/// The severity picker: each level with what it means, the current one marked.
pub(super) fn pick_severity(frame: &mut Frame, area: Rect, app: &App, selected: usize, theme: &Theme) {
    use crate::core::severity::Severity;
    let meaning = |s: Severity| match s {
        Severity::Sev1 => "critical: most users or money affected, all hands",
        Severity::Sev2 => "major: a core flow broken for many users",
        Severity::Sev3 => "minor: degraded, a workaround exists",
        Severity::Sev4 => "low: little user impact",
    };
    let rect = centered(area, 64, Severity::ALL.len() as u16 + 3);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(" Severity ");
    let mut lines = Vec::new();
    for (i, s) in Severity::ALL.iter().enumerate() {
        let now = if app.incident.severity == Some(*s) { "  ◂ now" } else { "" };
        let line = Line::from(format!(" {}  {s}  {}{now}", i + 1, meaning(*s)));
        lines.push(if i == selected {
            line.style(theme.selected)
        } else {
            line
        });
    }
    lines.push(Line::from(Span::styled(
        " ↑/↓ choose · Enter or 1-4 records it · Esc: as it was",
        theme.dim,
    )));
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}

pub(super) fn confirm_quit(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rect = centered(area, 60, 5);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error)
        .title(" Quit? ");
    let mut what = Vec::new();
    if !app.pending.is_empty() {
        what.push(format!(
            "{} action(s) are not yet in the timeline",
            app.pending.len()
        ));
    }
    if app.run.as_ref().is_some_and(|r| r.running()) {
        what.push("a command is running (quitting kills it)".to_string());
    }
    if app.deliveries > 0 {
        what.push(format!(
            "{} status update(s) are being delivered",
            app.deliveries
        ));
    }
    let text = format!(
        "{}.\ny: quit now (that is lost) · any other key: stay",
        what.join("; ")
    );
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

pub(super) fn confirm_run(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    request: &RunRequest,
    theme: &Theme,
) {
    let how = match &request.spec.invocation {
        crate::act::Invocation::Shell(_) => "through sh -c",
        crate::act::Invocation::Argv(_) => "without a shell",
    };
    let width = area.width.saturating_sub(6).max(30).min(area.width);
    let inner_width = width.saturating_sub(2).max(1) as usize;
    // The command is cut into rows here, character by character, so that its height is known
    // exactly: all of it is shown, and the keys line below it is never pushed out of the box.
    let command: Vec<char> = format!("$ {}", request.spec.line()).chars().collect();
    let command: Vec<Line> = command
        .chunks(inner_width)
        .map(|c| Line::from(Span::styled(c.iter().collect::<String>(), theme.focus)))
        .collect();
    let approval = super::approval::state(app, request);
    let keys = match &approval {
        Some((_, false)) => super::approval::keys(app, theme),
        // A dry run says what `y` does there: it shows that nothing ran.
        _ if app.dry_run => Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" rehearses it (nothing runs) · any other key: back"),
        ]),
        _ => Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" runs it · any other key: don't"),
        ]),
    };
    let approval: Vec<Line> = approval
        .map(|(state, _)| {
            vec![
                state.style(theme.warn),
                Line::styled(super::approval::approvers(app), theme.dim),
            ]
        })
        .unwrap_or_default();
    let title = Line::from(Span::styled(
        format!("{}: {}", request.runbook, request.title),
        theme.dim,
    ));
    let limits = Line::from(Span::styled(
        format!(
            "runs {how}, stopped after {}",
            crate::core::duration::glance(request.spec.timeout)
        ),
        theme.dim,
    ));
    let dry = app
        .dry_run
        .then(|| Line::from(Span::styled("DRY RUN: nothing will run", theme.warn)));
    let room = (area.height as usize).saturating_sub(2);
    // What may go when the screen is short, least needed first: the blank rows, the limits, the title.
    let fixed = command.len() + 1 + usize::from(dry.is_some()) + approval.len();
    let extras = room.saturating_sub(fixed);
    let mut lines = Vec::new();
    if extras >= 4 {
        lines.push(title.clone());
        lines.push(Line::from(""));
    } else if extras >= 2 {
        lines.push(title.clone());
    }
    let keep =
        room.saturating_sub(1 + usize::from(dry.is_some()) + approval.len() + lines.len());
    lines.extend(command.into_iter().take(keep));
    if extras >= 4 {
        lines.push(Line::from(""));
    }
    if extras >= 1 {
        lines.push(limits);
    }
    lines.extend(dry);
    lines.extend(approval);
    lines.push(keys);
    let rect = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error)
        .title(" Run this command? ");
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

pub(super) fn output(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(run) = &app.run else { return };
    let height = (area.height * 2 / 3).max(6);
    let rect = Rect {
        x: area.x + 1,
        y: area.y + area.height.saturating_sub(height + 1),
        width: area.width.saturating_sub(2),
        height: height.min(area.height),
    };
    frame.render_widget(Clear, rect);
    let status = match &run.outcome {
        None => format!(
            "running {}s · c cancels · Esc hides",
            (app.now - run.started).num_seconds().max(0)
        ),
        Some(o) => format!("{} · Esc closes", o.summary()),
    };
    let style = match &run.outcome {
        Some(o) if o.succeeded() => theme.ok,
        Some(_) => theme.error,
        None => theme.warn,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        // How it ended first: a long command may be cut at the right edge, the exit status never.
        .title(Span::styled(
            format!(" {status} · $ {} ", run.request.spec.line()),
            style,
        ));
    let inner = block.inner(rect);
    let rows = inner.height as usize;
    let mut lines: Vec<Line> = Vec::new();
    if run.skipped > 0 {
        lines.push(Line::from(Span::styled(
            format!("… {} lines not shown", run.skipped),
            theme.dim,
        )));
    }
    let skip = run
        .lines
        .len()
        .saturating_sub(rows.saturating_sub(lines.len()));
    lines.extend(run.lines.iter().skip(skip).map(|l| Line::from(l.as_str())));
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

pub(super) fn compose(frame: &mut Frame, area: Rect, app: &App, editor: &Editor, theme: &Theme) {
    let rect = centered(
        area,
        area.width.saturating_sub(6).max(30),
        (editor.lines().len() as u16 + 4).min(area.height),
    );
    frame.render_widget(Clear, rect);
    let to = if app.destinations.is_empty() {
        "no destination configured".to_string()
    } else {
        app.destinations.join(", ")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus)
        .title(format!(
            " Status update → {to} · Ctrl-S sends · Esc keeps a draft · Ctrl-X discards "
        ));
    let (row, col) = editor.cursor();
    let lines: Vec<Line> = editor
        .lines()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i != row {
                return Line::from(l.as_str());
            }
            let at = l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
            let (before, after) = l.split_at(at);
            let mut chars = after.chars();
            let under = chars.next().map_or(" ".to_string(), |c| c.to_string());
            Line::from(vec![
                Span::raw(before),
                Span::styled(under, theme.selected),
                Span::raw(chars.as_str()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

pub(super) fn confirm_discard(frame: &mut Frame, area: Rect, draft: &Draft, theme: &Theme) {
    let what = match draft {
        Draft::Note(_) => "this note",
        Draft::Update(_) => "this status update",
    };
    let rect = centered(area, 60, 4);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error)
        .title(" Discard? ");
    let lines = vec![
        Line::from(format!("Throw {what} away? It cannot be brought back.")),
        Line::from(vec![
            Span::styled("y", theme.key),
            Span::raw(" discards · any other key: keep writing"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}
