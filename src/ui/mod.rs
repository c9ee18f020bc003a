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

mod approval;
mod border;
mod detail;
mod event_detail;
mod health;
mod logs;
mod overlay;
mod rows;
mod runbook;
pub mod theme;
mod timeline;

use chrono::{DateTime, Local, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{BorderType, Paragraph};

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
    let [header, banner, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner_rows(app)),
        Constraint::Min(3),
        Constraint::Length(footer_rows(app, area.width)),
    ])
    .areas(area);
    draw_header(frame, header, app, theme);
    draw_banner(frame, banner, app, theme);
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
        Mode::ConfirmMilestone(name) => overlay::confirm_milestone(frame, area, *name, theme),
        Mode::PickSeverity(i) => overlay::pick_severity(frame, area, app, *i, theme),
        Mode::Messages(scroll) => overlay::messages(frame, area, app, *scroll, theme),
        Mode::ConfirmRetract { seq, reason } => {
            overlay::confirm_retract(frame, area, app, (*seq, reason), theme)
        }
        Mode::ConfirmRun(request) => overlay::confirm_run(frame, area, app, request, theme),
        Mode::BreakGlass { request, reason } => {
            approval::break_glass(frame, area, app, (request, reason), theme)
        }
        Mode::Approve { request, refusing } => {
            approval::approve(frame, area, app, (request, refusing.as_deref()), theme)
        }
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

/// A box of `width` by `height` in the middle of `area` (cut to it): where a pop-up goes.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(ratatui::layout::Flex::Center)
        .areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(ratatui::layout::Flex::Center)
        .areas(row);
    cell
}

/// How many rows of content each panel shows on a screen of this size, laid out as `draw` lays it out
/// for `app` (zoom, log sources): the runtime tells the app after each draw.
pub fn viewport(screen: Rect, app: &App) -> Viewport {
    let banner = banner_rows(app);
    let footer = footer_rows(app, screen.width);
    let body = Rect {
        y: screen.y + 1 + banner,
        height: screen.height.saturating_sub(1 + footer + banner),
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
        help: overlay::help_max_scroll(screen, app),
        detail: match &app.mode {
            Mode::Detail(d) => detail::max_scroll(screen, app, d),
            _ => usize::MAX,
        },
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
fn panel_block<'a>(app: &App, panel: Panel, title: String, theme: &Theme) -> border::PanelBlock<'a> {
    let n = Panel::ALL.iter().position(|p| *p == panel).unwrap_or(0) + 1;
    let focused = app.focus == panel;
    let style = if focused { theme.focus } else { theme.border };
    let marker = if focused { "▶" } else { " " };
    border::PanelBlock::new(
        Span::styled(format!("{marker}{n} {title} "), style),
        if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        },
        style,
    )
}

/// A time as the screen shows it: local by default, UTC on demand.
pub fn clock(app: &App, ts: DateTime<Utc>) -> String {
    crate::core::wall::hms(ts, app.utc)
}

/// Rows of the damage banner: one while the timeline's damage is not acknowledged.
fn banner_rows(app: &App) -> u16 {
    u16::from(app.damage_unacknowledged())
}

/// The damage banner: the timeline was found damaged at open, in reverse video until acknowledged.
fn draw_banner(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let key = crate::app::keys::label_of(&app.keymap, crate::app::Action::Acknowledge);
    let first = app.damage.first().map_or("", String::as_str);
    let more = match app.damage.len() {
        0 | 1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    let text = format!(
        " ⚠ TIMELINE DAMAGED ({key} acknowledges): {}{more} · recorded in the timeline; sitrep verify tells all ",
        crate::core::sanitize::sanitize_line(first)
    );
    frame.render_widget(
        Paragraph::new(crate::core::text::cut(&text, area.width as usize)).style(theme.urgent),
        area,
    );
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (text, due) = header_text(app, area.width as usize);
    let style = if due { theme.urgent } else { theme.header };
    frame.render_widget(Paragraph::new(text).style(style), area);
}

/// The header line for `width` columns, and whether an update is overdue. What matters most stays:
/// the severity, the last milestone and the DRY RUN badge; the title is shortened first, then the
/// wall clock, the steps, the incident clock and the update countdown (unless overdue) go.
/// A shared incident's sync in the header: what is not shared yet and why, loud; all shared, a
/// quiet mark that goes first when room is short.
fn share_label(app: &App) -> Option<(String, Option<u8>)> {
    let share = app.share.as_ref()?;
    let waiting = app.not_shared().max(share.waiting.unwrap_or(0));
    // What waits, when something does: `⇡ 3 not shared · `, never `⇡ 0 not shared`.
    let queued = if waiting > 0 {
        format!("⇡ {waiting} not shared · ")
    } else {
        "⇅ ".to_string()
    };
    if share.stopped.is_some() {
        return Some((format!("{queued}sharing stopped"), None));
    }
    if share.damage.is_some() {
        return Some((format!("{queued}store damaged"), None));
    }
    match share.unreachable_since {
        Some(since) => Some((
            format!(
                "{queued}store unreachable since {}",
                crate::core::wall::hm(since, app.utc)
            ),
            None,
        )),
        None if waiting > 0 => Some((format!("⇡ {waiting} not shared"), Some(5))),
        None if share.waiting.is_none() => Some(("⇅ reaching the store".to_string(), Some(1))),
        None => Some(("⇅ shared".to_string(), Some(1))),
    }
}

/// Who else has the incident open: two names, then how many more.
fn here_label(app: &App) -> Option<String> {
    let names: Vec<String> = app
        .others_here()
        .iter()
        .map(|b| crate::core::sanitize::sanitize_line(&b.actor))
        .collect();
    match names.len() {
        0 => None,
        1 | 2 => Some(format!("with {}", names.join(", "))),
        n => Some(format!("with {}, {} +{}", names[0], names[1], n - 2)),
    }
}

fn header_text(app: &App, width: usize) -> (String, bool) {
    let resolved = app.incident.end();
    // After `resolved` the clock stops at the incident's length.
    let since = app
        .incident
        .start()
        .map(|t| {
            let until = resolved.unwrap_or(app.now);
            let mark = if resolved.is_some() { "⏹" } else { "⏱" };
            format!("{mark} {}", crate::core::duration::clock((until - t).num_seconds()))
        })
        .unwrap_or_else(|| "⏱ --".into());
    let title = crate::core::sanitize::sanitize(app.incident.title.as_bytes());
    let severity = app
        .incident
        .severity
        .map_or_else(|| "SEV?".into(), |s| s.to_string());
    // Steps of the runbook on screen: the whole list's count says little.
    let steps = app.runbooks.get(app.runbook).map(|rb| {
        let (done, total) = app.runbook_progress(rb);
        format!("steps {done}/{total}")
    });
    let milestone = crate::timeline::Milestone::ALL
        .iter()
        .rfind(|m| app.incident.milestones.contains_key(m))
        .map(|m| {
            // Marked mitigated (or resolved) while an endpoint is failing again: said beside the
            // mark, which alone read as if the outage were over.
            let failing = app
                .endpoints
                .iter()
                .filter(|e| matches!(e.health.state(), crate::core::health::Health::Down | crate::core::health::Health::Degraded))
                .count();
            match (m, failing) {
                (crate::timeline::Milestone::Detected, _) | (_, 0) => format!("● {}", m.name()),
                (_, 1) => format!("● {}, but 1 endpoint failing", m.name()),
                (_, n) => format!("● {}, but {n} endpoints failing", m.name()),
            }
        });
    let (cadence, due) = crate::app::act::cadence_label(app);
    // Once resolved, no update is due any more.
    let due = due && resolved.is_none();
    let cadence = match (resolved, due) {
        (Some(_), _) => None,
        (None, true) => Some(format!("⚠ {}", cadence.to_uppercase())),
        (None, false) => Some(cadence),
    };
    let zone = if app.utc {
        "UTC".to_string()
    } else {
        Local::now().format("%Z").to_string()
    };
    let wall = format!("{} {zone}", clock(app, app.now));
    let running = app
        .run
        .as_ref()
        .filter(|r| r.running())
        .map(|r| format!("⚙ running {}", r.request.step));
    let share = share_label(app);
    let lead = app.incident.lead().map(|m| {
        let who = crate::core::sanitize::sanitize(m.actor.as_bytes());
        (format!("lead {who}"), None)
    });
    // Who else is here is what a team looks for first: it stays, the title gives way.
    let here = here_label(app).map(|h| (h, None));
    // A teammate waiting for this cockpit's approval is never out of sight.
    let asking = app.asking_me().first().map(|a| {
        let who = crate::core::sanitize::sanitize_line(&a.actor);
        (format!("⚑ {who} asks approval"), None)
    });
    // (text, drop order: lower goes first; None never goes)
    let parts: Vec<(String, Option<u8>)> = [
        Some((severity, None)),
        asking,
        lead,
        here,
        share,
        Some((since, Some(2))),
        steps.map(|s| (s, Some(1))),
        milestone.map(|m| (m, None)),
        app.dry_run.then(|| ("DRY RUN".to_string(), None)),
        running.map(|r| (r, Some(4))),
        cadence.map(|c| (c, if due { None } else { Some(3) })),
        Some((wall, Some(0))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut keep: Vec<bool> = vec![true; parts.len()];
    let joined = |keep: &[bool], title: &str| {
        let mut all = vec![format!(" sitrep │ {title}")];
        all.extend(
            parts
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|((t, _), _)| t.clone()),
        );
        format!("{} ", all.join(" │ "))
    };
    let fixed = |keep: &[bool]| crate::core::text::width(&joined(keep, ""));
    // The title gets what is left, but never less than 12 columns while parts can still go.
    const TITLE_MIN: usize = 12;
    let mut order: Vec<(u8, usize)> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, (_, d))| d.map(|d| (d, i)))
        .collect();
    order.sort();
    for (_, i) in order {
        if fixed(&keep) + TITLE_MIN.min(crate::core::text::width(&title)) <= width {
            break;
        }
        keep[i] = false;
    }
    let room = width.saturating_sub(fixed(&keep));
    let title = crate::core::text::cut(&title, room).into_owned();
    (joined(&keep, &title), due)
}

/// The most rows a status-line message takes; a longer one ends with a pointer to `:messages`.
const FOOTER_MAX_ROWS: usize = 3;

/// The status line's text as shown: the message, sanitized, with its error mark.
fn flash_text(flash: &crate::app::Flash) -> String {
    let prefix = if flash.error { "✖ " } else { "" };
    format!(
        "{prefix}{}",
        crate::core::sanitize::sanitize(flash.text.as_bytes())
    )
}

/// Rows of the footer: the keys take one; a message as many as it needs, up to three.
fn footer_rows(app: &App, width: u16) -> u16 {
    let Some(flash) = &app.flash else {
        return 1;
    };
    let rows = crate::core::text::word_wrap(&flash_text(flash), usize::from(width.max(1))).len();
    rows.clamp(1, FOOTER_MAX_ROWS) as u16
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(flash) = &app.flash {
        let style = if flash.error { theme.error } else { theme.text };
        let width = usize::from(area.width.max(1));
        let mut rows = crate::core::text::word_wrap(&flash_text(flash), width);
        if rows.len() > FOOTER_MAX_ROWS {
            rows.truncate(FOOTER_MAX_ROWS);
            let more = " … (:messages shows it whole)";
            let keep = width.saturating_sub(crate::core::text::width(more));
            let last = crate::core::text::cut(rows[FOOTER_MAX_ROWS - 1].trim_end(), keep);
            // One ellipsis: a row cut short already ends with its own.
            let more = if last.ends_with('…') {
                " (:messages shows it whole)"
            } else {
                more
            };
            rows[FOOTER_MAX_ROWS - 1] = format!("{last}{more}");
        }
        let lines: Vec<Line> = rows
            .into_iter()
            .map(|r| Line::from(Span::styled(r, style)))
            .collect();
        frame.render_widget(rows::Rows(lines), area);
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
    frame.render_widget(rows::Rows(vec![Line::from(spans)]), area);
}

#[cfg(test)]
mod header_tests {
    use chrono::{TimeDelta, TimeZone, Utc};

    use super::header_text;
    use crate::app::App;
    use crate::timeline::{Event, Milestone, Record, chain::seal};

    fn app(events: Vec<(i64, Event)>, now_secs: i64) -> App {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
        let mut records: Vec<Record> = Vec::new();
        for (i, (secs, event)) in events.into_iter().enumerate() {
            let prev = records.last().map(|r| r.hash.clone()).unwrap_or_default();
            let at = t0 + TimeDelta::seconds(secs);
            records.push(seal(i as u64 + 1, at, "alice", event, &prev).unwrap().1);
        }
        let mut app = App::new(
            records,
            "t.jsonl".into(),
            crate::runbook::shipped(),
            "alice".into(),
            t0 + TimeDelta::seconds(now_secs),
        );
        app.utc = true;
        app
    }

    fn opened(title: &str) -> Event {
        Event::IncidentOpened {
            title: title.into(),
            severity: Some(crate::core::severity::Severity::Sev2),
        }
    }

    #[test]
    fn at_80_columns_the_milestone_and_dry_run_stay_and_the_title_is_shortened() {
        let mut app = app(
            vec![
                (0, opened("Payments provider integration failing in eu-west-1")),
                (
                    60,
                    Event::Milestone {
                        name: Milestone::Mitigated,
                    },
                ),
            ],
            600,
        );
        app.dry_run = true;
        let (text, _) = header_text(&app, 80);
        assert!(crate::core::text::width(&text) <= 80, "{text}");
        assert!(text.contains("● mitigated") && text.contains("DRY RUN"), "{text}");
        assert!(text.contains("SEV2") && text.contains("Payments provide"), "{text}");
        assert!(text.contains('…'), "the title gave way: {text}");
        // Wide, everything fits: the steps of the runbook on screen and the wall clock.
        let (text, _) = header_text(&app, 200);
        assert!(text.contains("steps 0/6") && text.contains("14:10:00Z UTC"), "{text}");
    }

    #[test]
    fn once_resolved_the_clock_stops_and_the_update_countdown_goes() {
        let app = app(
            vec![
                (0, opened("Payments")),
                (
                    754,
                    Event::Milestone {
                        name: Milestone::Resolved,
                    },
                ),
            ],
            3600,
        );
        let (text, due) = header_text(&app, 200);
        assert!(text.contains("⏹ 12m34s"), "{text}");
        assert!(!text.contains("next update") && !due, "{text}");
    }
}
