//! The timeline panel: the latest events with their times, newest at the bottom, a cursor on one
//! of them (highlighted while the panel has focus) and the matches of a search underlined.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{Theme, clock, panel_block};
use crate::app::keys::{Action, label_in};
use crate::app::{App, Panel};
use crate::timeline::{Event, Health, Record, TOOL_ACTOR};

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let len = app.records.len();
    let view = &app.timeline;
    let cursor = view.cursor(len);
    let mut title = match cursor {
        Some(c) if !view.following() => format!("Timeline · {} of {len} events", c + 1),
        _ => format!("Timeline · {len} events"),
    };
    if !app.pending.is_empty() {
        title.push_str(&format!(" · {} writing…", app.pending.len()));
    }
    if let Some(search) = view.search() {
        title.push_str(&format!(
            " · \"{}\": {} ({}/{})",
            crate::core::sanitize::sanitize_line(search.text()),
            search.matches().len(),
            label_in(&app.keymap, Action::NextMatch, Panel::Timeline),
            label_in(&app.keymap, Action::PrevMatch, Panel::Timeline),
        ));
    }
    let block = panel_block(app, Panel::Timeline, title, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let focused = app.focus == Panel::Timeline;
    let lines: Vec<Line> = view
        .window(len, inner.height as usize)
        .filter_map(|i| Some((i, app.records.get(i)?)))
        .map(|(i, r)| {
            let line = row(app, i, r, theme);
            if focused && Some(i) == cursor {
                line.patch_style(theme.selected)
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(super::rows::Rows(lines), inner);
}

/// An event's summary; an answer to an approval says what it answered.
fn summary_of(app: &App, r: &Record) -> String {
    match &r.event {
        Event::ApprovalAnswered {
            request,
            approved,
            reason,
            ..
        } => match app.incident.team.approval(request) {
            Some(asked) => {
                let verb = if *approved { "approved" } else { "refused" };
                let why = if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                };
                format!("{verb} {}'s $ {}{why}", asked.actor, asked.command)
            }
            None => r.event.summary(),
        },
        _ => r.event.summary(),
    }
}

/// Whose cockpits saw an observation, once a team's do: every observer when more than one saw it,
/// and its one observer when the incident has observations from more than one cockpit (two
/// cockpits that disagree each name theirs).
fn observers(app: &App, r: &Record) -> Option<String> {
    let team = &app.incident.team;
    let own = match &r.event {
        Event::HealthChanged { observer, .. } | Event::Pattern { observer, .. } => observer,
        _ => return None,
    };
    let listed = team.observers.get(&r.seq).filter(|_| r.seq > 0);
    let names: Vec<&str> = match listed {
        Some(list) => list.iter().map(String::as_str).collect(),
        None if !own.is_empty() => vec![own.as_str()],
        None => return None,
    };
    let several = names.len() > 1
        || team
            .observers
            .values()
            .flatten()
            .any(|o| !names.contains(&o.as_str()));
    several.then(|| crate::core::sanitize::sanitize_line(&names.join("+")))
}

/// What a search match looks like: not told by colour alone.
fn matched(theme: &Theme) -> Style {
    theme
        .warn
        .add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
}

fn row<'a>(app: &App, i: usize, r: &Record, theme: &Theme) -> Line<'a> {
    let style = match &r.event {
        Event::HealthChanged {
            to: Health::Down, ..
        } => theme.error,
        Event::HealthChanged { to: Health::Up, .. } => theme.ok,
        Event::HealthChanged { .. } | Event::Pattern { .. } => theme.warn,
        Event::Milestone { .. } | Event::Severity { .. } => theme.focus,
        _ => theme.text,
    };
    // What the tool saw names whose cockpits saw it, once a team's do: `⚙ carol+dave`.
    let actor = match (r.actor == TOOL_ACTOR, observers(app, r)) {
        (true, Some(seen)) => format!("⚙ {seen}"),
        (true, None) => "⚙".to_string(),
        (false, _) => r.actor.clone(),
    };
    let search = app.timeline.search().filter(|s| s.is_match(i));
    // A match found only in the evidence still marks its row: the time is underlined.
    let time_style = if search.is_some() {
        matched(theme)
    } else {
        theme.dim
    };
    let summary = crate::core::sanitize::sanitize_line(&summary_of(app, r));
    let mut spans = vec![
        Span::styled(format!("{} ", clock(app, r.ts)), time_style),
        Span::styled(format!("{} ", crate::core::sanitize::sanitize_line(&actor)), theme.dim),
    ];
    let mut at = 0;
    for hit in search.map(|s| s.highlights(&summary)).unwrap_or_default() {
        spans.push(Span::styled(summary[at..hit.start].to_string(), style));
        spans.push(Span::styled(
            summary[hit.start..hit.end].to_string(),
            style.patch(matched(theme)),
        ));
        at = hit.end;
    }
    spans.push(Span::styled(summary[at..].to_string(), style));
    if let Some(by) = app.incident.retracted.get(&r.seq) {
        // Said first in words, so a narrow panel or a terminal without strike-through still shows it.
        for span in spans.iter_mut().skip(2) {
            span.style = span
                .style
                .add_modifier(Modifier::CROSSED_OUT)
                .patch(theme.dim);
        }
        spans.insert(2, Span::styled("retracted: ", theme.warn));
        spans.push(Span::styled(
            format!(" (by {}, #{})", by.actor, by.seq),
            theme.warn,
        ));
    }
    if r.seq == 0 {
        // A shared incident's event the store has not taken yet: done here, not yet the team's.
        spans.insert(1, Span::styled("⇡ ", theme.warn));
    }
    Line::from(spans)
}
