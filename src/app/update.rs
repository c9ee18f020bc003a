//! `update(state, msg) -> commands`: every change of state happens here, with no I/O.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keys::{self, Action};
use super::{App, Command, Flash, Mode, Msg, Panel};
use crate::config::SEVERITIES;
use crate::tail::{SourceStatus, TailEvent};
use crate::timeline::{Event, TOOL_ACTOR};

/// Applies one message to the state and returns what the runtime must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Tick(now) => {
            app.now = now;
            Vec::new()
        }
        Msg::Resize => Vec::new(),
        Msg::Tail(event) => on_tail(app, event),
        Msg::Probe(result) => on_probe(app, result),
        Msg::Appended { req, appended } => {
            for record in appended.foreign {
                app.record(record);
            }
            let was_pending = app.pending.remove(&req).is_some();
            let summary = appended.record.event.summary();
            let by_user = appended.record.actor != TOOL_ACTOR;
            app.record(appended.record);
            if was_pending && by_user && !matches!(app.flash, Some(Flash { error: true, .. })) {
                app.flash = Some(Flash {
                    text: format!("recorded: {summary}"),
                    error: false,
                });
            }
            if app.mode == Mode::ConfirmQuit && app.pending.is_empty() {
                app.quit = true;
                return vec![Command::Quit];
            }
            Vec::new()
        }
        Msg::AppendFailed { req, error } => {
            let Some(pending) = app.pending.get_mut(&req) else {
                return Vec::new();
            };
            let what = pending.event.summary();
            pending.failed = Some(error.clone());
            app.flash = Some(Flash {
                text: format!("NOT RECORDED: {what}: {error} · r retries"),
                error: true,
            });
            Vec::new()
        }
        Msg::External(records) => {
            for record in records {
                app.record(record);
            }
            Vec::new()
        }
    }
}

fn on_tail(app: &mut App, event: TailEvent) -> Vec<Command> {
    match event {
        TailEvent::Lines { lines, .. } => {
            let added = lines.len();
            for line in lines {
                app.logs.push(line);
            }
            if app.log_scroll > 0 {
                // Frozen view: keep the same lines on screen while new ones arrive below.
                app.log_scroll = (app.log_scroll + added).min(app.logs.len().saturating_sub(1));
            }
        }
        TailEvent::Status { source, status } => {
            let text = status.to_string();
            let Some(view) = app.sources.get_mut(source) else {
                return Vec::new();
            };
            let changed = view.status != text;
            view.status = text.clone();
            // What happened to a log source is part of the incident: a rotated, truncated or deleted
            // file, a log command that died. Following and running are the normal case, not news.
            let news = !matches!(
                status,
                SourceStatus::Following { .. }
                    | SourceStatus::Running { .. }
                    | SourceStatus::Waiting { .. }
            );
            if changed && news {
                let event = Event::LogSource {
                    source: view.name.clone(),
                    status: text,
                };
                return vec![app.request(TOOL_ACTOR.to_string(), event)];
            }
        }
    }
    Vec::new()
}

fn on_probe(app: &mut App, result: crate::health::ProbeResult) -> Vec<Command> {
    let Some(view) = app.endpoints.get_mut(result.endpoint) else {
        return Vec::new();
    };
    let Some(change) = view.health.record(&result) else {
        return Vec::new();
    };
    let event = Event::HealthChanged {
        endpoint: view.name.clone(),
        from: change.from.label().to_string(),
        to: change.to.label().to_string(),
        status: change.status,
        latency_ms: Some(change.latency_ms),
        evidence: change.evidence(),
    };
    vec![app.request(TOOL_ACTOR.to_string(), event)]
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return quit(app);
    }
    match app.mode.clone() {
        Mode::Note(text) => on_note_key(app, key, text),
        Mode::Help => {
            app.mode = Mode::Normal;
            Vec::new()
        }
        Mode::ConfirmQuit => match key.code {
            KeyCode::Char('y') | KeyCode::Char('q') => {
                app.quit = true;
                vec![Command::Quit]
            }
            _ => {
                app.mode = Mode::Normal;
                app.flash = None;
                Vec::new()
            }
        },
        Mode::Normal => match keys::lookup(&app.keymap, &key, app.focus) {
            Some(action) => on_action(app, action),
            None => Vec::new(),
        },
    }
}

fn on_note_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Command> {
    match key.code {
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            app.flash = Some(Flash {
                text: "note discarded".into(),
                error: false,
            });
            Vec::new()
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            let text = text.trim().to_string();
            if text.is_empty() {
                return Vec::new();
            }
            vec![app.request(app.actor.clone(), Event::Note { text })]
        }
        KeyCode::Backspace => {
            text.pop();
            app.mode = Mode::Note(text);
            Vec::new()
        }
        KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            text.push(ch);
            app.mode = Mode::Note(text);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn quit(app: &mut App) -> Vec<Command> {
    if app.pending.is_empty() {
        app.quit = true;
        vec![Command::Quit]
    } else {
        app.mode = Mode::ConfirmQuit;
        Vec::new()
    }
}

fn on_action(app: &mut App, action: Action) -> Vec<Command> {
    match action {
        Action::Quit => return quit(app),
        Action::FocusNext | Action::FocusPrev => {
            let i = Panel::ALL.iter().position(|p| *p == app.focus).unwrap_or(0);
            let n = Panel::ALL.len();
            let j = if action == Action::FocusNext {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            app.focus = Panel::ALL[j];
        }
        Action::Focus(panel) => app.focus = panel,
        Action::Up => scroll(app, -1),
        Action::Down => scroll(app, 1),
        Action::PageUp => scroll(app, -10),
        Action::PageDown => scroll(app, 10),
        Action::Top => scroll(app, isize::MIN / 2),
        Action::Bottom => scroll(app, isize::MAX / 2),
        Action::NextRunbook | Action::PrevRunbook => {
            let n = app.runbooks.len().max(1);
            app.runbook = if action == Action::NextRunbook {
                (app.runbook + 1) % n
            } else {
                (app.runbook + n - 1) % n
            };
            app.step = 0;
        }
        Action::Toggle => return toggle(app),
        Action::Note => app.mode = Mode::Note(String::new()),
        Action::Help => app.mode = Mode::Help,
        Action::Mark(name) => {
            if app.incident.milestones.contains_key(&name) {
                app.flash = Some(Flash {
                    text: format!("already marked {}", name.name()),
                    error: false,
                });
                return Vec::new();
            }
            return vec![app.request(app.actor.clone(), Event::Milestone { name })];
        }
        Action::Severity => {
            let current = app.incident.severity.as_deref().unwrap_or("SEV4");
            let i = SEVERITIES.iter().position(|s| *s == current).unwrap_or(3);
            // Stepping towards more severe first: an incident usually turns out worse than declared.
            let next = SEVERITIES[(i + SEVERITIES.len() - 1) % SEVERITIES.len()];
            return vec![app.request(
                app.actor.clone(),
                Event::Severity {
                    level: next.to_string(),
                },
            )];
        }
        Action::ToggleUtc => app.utc = !app.utc,
        Action::Retry => return retry(app),
    }
    Vec::new()
}

/// Sends every failed write again, under its original request id.
fn retry(app: &mut App) -> Vec<Command> {
    let mut commands = Vec::new();
    for (req, p) in app.pending.iter_mut() {
        if p.failed.take().is_some() {
            commands.push(Command::Append {
                req: *req,
                actor: p.actor.clone(),
                event: p.event.clone(),
            });
        }
    }
    app.flash = Some(Flash {
        text: if commands.is_empty() {
            "nothing to retry".into()
        } else {
            format!("retrying {} write(s)…", commands.len())
        },
        error: false,
    });
    commands
}

fn toggle(app: &mut App) -> Vec<Command> {
    let Some(rb) = app.current_runbook() else {
        return Vec::new();
    };
    let Some(step) = rb.steps.get(app.step) else {
        return Vec::new();
    };
    let (runbook, id, title) = (rb.name.clone(), step.id.clone(), step.title.clone());
    if let Some(p) = app.pending_step(&runbook, &id) {
        let text = match &p.failed {
            Some(_) => "the last change to this step was NOT recorded: r retries".into(),
            None => "still writing the last change to this step".into(),
        };
        app.flash = Some(Flash {
            text,
            error: p.failed.is_some(),
        });
        return Vec::new();
    }
    let event = if app.incident.is_checked(&runbook, &id) {
        Event::StepUnchecked {
            runbook,
            step: id,
            title,
        }
    } else {
        Event::StepChecked {
            runbook,
            step: id,
            title,
        }
    };
    vec![app.request(app.actor.clone(), event)]
}

fn scroll(app: &mut App, delta: isize) {
    let apply = |value: usize, max: usize, delta: isize| -> usize {
        (value as isize)
            .saturating_add(delta)
            .clamp(0, max as isize) as usize
    };
    match app.focus {
        Panel::Runbook => {
            let max = app
                .current_runbook()
                .map_or(0, |r| r.steps.len().saturating_sub(1));
            app.step = apply(app.step, max, delta);
        }
        Panel::Health => {
            app.endpoint = apply(app.endpoint, app.endpoints.len().saturating_sub(1), delta);
        }
        // Logs and timeline count back from the newest entry: up means further back.
        Panel::Logs => {
            app.log_scroll = apply(app.log_scroll, app.logs.len().saturating_sub(1), -delta);
        }
        Panel::Timeline => {
            app.timeline_scroll = apply(
                app.timeline_scroll,
                app.records.len().saturating_sub(1),
                -delta,
            );
        }
    }
}
