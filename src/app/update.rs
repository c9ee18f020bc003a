//! `update(state, msg) -> commands`: every change of state happens here, with no I/O.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::act;
use super::editor::Edit;
use super::keys::{self, Action};
use super::palette::{self, PaletteCommand};
use super::patterns::PatternsMode;
use super::{App, Command, Flash, Input, Mode, Msg, Panel, complain, say};
use crate::core::severity::Severity;
use crate::patterns::TimeRange;
use crate::tail::{SourceStatus, TailEvent};
use crate::timeline::{Event, TOOL_ACTOR};

/// Applies one message to the state and returns what the runtime must do.
pub fn update(app: &mut App, msg: Msg) -> Vec<Command> {
    let before = app.flash.clone();
    let commands = apply(app, msg);
    // Every message the status line showed, for `:messages` (a long one is cut on screen).
    if app.flash != before
        && let Some(flash) = app.flash.clone()
    {
        app.remember(flash);
    }
    commands
}

fn apply(app: &mut App, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Paste(text) => {
            on_paste(app, &text);
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            let now_ms = crate::core::clock::epoch_ms(now);
            // An error held for the exception under it (which a read cut at a page's end may
            // bring in the next read) is mined by now; a view of one pattern's lines takes in
            // the lines whose pattern was not known when they came.
            if app.patterns.settle() {
                let patterns = &app.patterns;
                app.logview
                    .patterns_settled(&app.logs, &|n| (patterns.of(n), patterns.part(n)));
            }
            let events = if app.patterns.mode == PatternsMode::Off {
                app.patterns.announce(now_ms, app.seen_from_ms())
            } else {
                app.patterns.refresh(now_ms, app.seen_from_ms())
            };
            let mut commands: Vec<Command> = events
                .into_iter()
                .filter_map(|e| app.tool(e))
                .collect();
            commands.extend(super::episodes::on_tick(app, now));
            commands.extend(sources_checked(app, now));
            commands.extend(super::errorminutes::on_tick(app, now_ms, false));
            commands
        }
        Msg::Resize(viewport) => {
            app.viewport = viewport;
            Vec::new()
        }
        Msg::Flash(flash) => {
            app.flash = Some(flash);
            Vec::new()
        }
        Msg::Tail(event) => on_tail(app, event),
        Msg::Probe(result) => on_probe(app, result),
        Msg::Appended { req, appended } => {
            for record in appended.foreign.iter().cloned() {
                app.record(record);
            }
            let was_pending = app.pending.remove(&req).is_some();
            let mut run = act::start_recorded(app, req);
            let summary = appended.record.event.summary();
            // Joining says nothing (the header shows who is here); asking says who can approve.
            let by_user = appended.record.actor != TOOL_ACTOR
                && !matches!(
                    appended.record.event,
                    Event::Joined { .. } | Event::Left { .. } | Event::ApprovalRequested { .. }
                );
            app.record(appended.record);
            if was_pending && by_user && !matches!(app.flash, Some(Flash { error: true, .. })) {
                say(app, format!("recorded: {summary}"));
            }
            super::team::after_records(app, &appended.foreign);
            run.extend(super::team::broke_glass(app, req, true));
            if app.mode == Mode::ConfirmQuit && app.pending.is_empty() && !busy(app) {
                return leave(app);
            }
            run
        }
        Msg::AppendFailed { req, error } => {
            act::start_failed(app, req);
            super::team::broke_glass(app, req, false);
            let Some(pending) = app.pending.get_mut(&req) else {
                return Vec::new();
            };
            let what = pending.event.summary();
            pending.failed = Some(error.clone());
            app.flash = Some(Flash {
                text: format!(
                    "NOT RECORDED: {what}: {error} · {} retries",
                    keys::label_of(&app.keymap, Action::Retry)
                ),
                error: true,
            });
            Vec::new()
        }
        Msg::Run(event) => act::on_run(app, event),
        Msg::Delivered { delivery, text } => act::delivered(app, delivery, text),
        Msg::Share(state) => on_share(app, state),
        Msg::External(records) => {
            for record in records.iter().cloned() {
                app.record(record);
            }
            super::team::after_records(app, &records);
            Vec::new()
        }
        Msg::Mouse(m) => on_mouse(app, m),
        Msg::Presence(here) => {
            super::team::presence(app, here);
            Vec::new()
        }
        Msg::Join => super::team::join(app),
        Msg::Leave => super::team::leave(app),
        Msg::Behind(behind) => {
            for (i, source) in app.sources.iter_mut().enumerate() {
                source.behind = behind.contains(&i);
            }
            Vec::new()
        }
    }
}

/// A shared incident's sync changed: the header says it; damage in the store is said like damage
/// in the file (the banner, and once in the timeline).
fn on_share(app: &mut App, state: super::ShareState) -> Vec<Command> {
    let mut commands = Vec::new();
    if let Some(damage) = &state.damage
        && app.share.as_ref().and_then(|s| s.damage.as_ref()) != Some(damage)
    {
        let finding = format!("{}: {damage}", state.store);
        if !app.damage.contains(&finding) {
            app.damage.push(finding.clone());
            app.damage_acknowledged = false;
            commands.push(app.request(
                crate::timeline::TOOL_ACTOR.to_string(),
                crate::timeline::Event::TimelineDamaged {
                    problems: vec![finding],
                },
            ));
        }
    }
    if let Some(why) = &state.stopped
        && app.share.as_ref().and_then(|s| s.stopped.as_ref()) != Some(why)
    {
        complain(app, format!("sharing stopped: {why}; this laptop's events wait in its outbox (sitrep sync shares them)"));
    }
    app.share = Some(state);
    commands
}

fn on_mouse(app: &mut App, mouse: super::mouse::Mouse) -> Vec<Command> {
    use super::mouse::Reaction;
    match super::mouse::reaction(app, mouse) {
        None => Vec::new(),
        Some(Reaction::Focus(panel)) => {
            app.focus = panel;
            Vec::new()
        }
        Some(Reaction::ScrollHelp(lines)) => {
            app.help_scroll = app
                .help_scroll
                .saturating_add_signed(lines)
                .min(app.viewport.help);
            Vec::new()
        }
        Some(Reaction::Act { action, panel }) => {
            let focus = std::mem::replace(&mut app.focus, panel);
            let commands = on_action(app, action);
            if app.focus == panel {
                app.focus = focus;
            }
            commands
        }
    }
}

/// Sources gone silent, lagging, or back: each change said once, in the record.
fn sources_checked(app: &mut App, now: chrono::DateTime<chrono::Utc>) -> Vec<Command> {
    let mut changes = Vec::new();
    for view in &mut app.sources {
        if let Some(change) = view.vitals.check(now) {
            changes.push(Event::LogSource {
                source: view.name.clone(),
                status: change.to_string(),
            });
        }
    }
    changes
        .into_iter()
        .filter_map(|event| app.tool(event))
        .collect()
}

fn on_tail(app: &mut App, event: TailEvent) -> Vec<Command> {
    match event {
        TailEvent::Lines { lines, .. } => {
            let from = app.logs.total();
            let floor = super::errorminutes::floor_ms(app);
            for line in lines {
                let number = app.logs.total();
                // Patterns are timed by the line's own time, as the error rates are.
                let ms = crate::core::clock::epoch_ms(line.at());
                app.saw_line(ms, crate::core::clock::epoch_ms(line.received));
                app.patterns.observe(number, line.source, &line.text, ms);
                let error = line.level.is_some_and(crate::core::level::Level::is_error);
                if let Some(src) = app.sources.get_mut(line.source) {
                    src.vitals.line(&line);
                    if error {
                        // In the second the line says it happened: a backlog read at once is not a spike now.
                        src.errors.add(line.at().timestamp());
                    }
                    let pattern = error.then(|| app.patterns.of(number)).flatten();
                    src.minutes.count(ms, floor, error, pattern);
                }
                app.logs.push(line);
            }
            app.saw_lines();
            app.patterns.evicted_before(app.logs.dropped());
            let patterns = &app.patterns;
            app.logview.pushed(&app.logs, from, &|n| (patterns.of(n), patterns.part(n)));
        }
        TailEvent::Status { source, status } => {
            let text = status.to_string();
            let Some(view) = app.sources.get_mut(source) else {
                return Vec::new();
            };
            // A backfill's progress is shown while it runs; how far back it reached, and what
            // stopped it, is part of the record (what the baseline was made of).
            if let SourceStatus::Backfill(report) = &status {
                if report.done {
                    view.vitals.backfill_done();
                } else {
                    view.vitals.backfilling = true;
                }
                if !report.done {
                    view.backfill = Some(text);
                    return Vec::new();
                }
                view.backfill = None;
                let event = Event::LogSource {
                    source: view.name.clone(),
                    status: text,
                };
                return app.tool(event).into_iter().collect();
            }
            let changed = view.status != text;
            view.status = text.clone();
            // What happened to a log source is part of the incident: a rotated, truncated or deleted
            // file, a log command that died. Following and running are the normal case, not news.
            let news = !matches!(
                status,
                SourceStatus::Following { .. }
                    | SourceStatus::Running { .. }
                    | SourceStatus::Reading { .. }
                    | SourceStatus::Waiting { .. }
            );
            // The same trouble again (a command or journalctl that keeps failing, an ssh link that
            // keeps dropping), only its retry delay new: shown, recorded once every 5 minutes.
            let trouble = matches!(
                status,
                SourceStatus::Error { .. } | SourceStatus::Exited { .. }
            );
            let gist = text
                .rsplit_once("; ")
                .filter(|(_, tail)| {
                    ["again in ", "restarting in ", "retrying in "]
                        .iter()
                        .any(|w| tail.starts_with(w) || tail.contains(&format!(" {w}")))
                })
                .map_or(text.as_str(), |(head, _)| head)
                .to_string();
            let repeated = trouble
                && view.last_recorded.as_ref().is_some_and(|(at, said)| {
                    *said == gist && app.now - *at < chrono::TimeDelta::minutes(5)
                });
            if changed && news && !repeated {
                if trouble {
                    view.last_recorded = Some((app.now, gist));
                }
                let event = Event::LogSource {
                    source: view.name.clone(),
                    status: text,
                };
                return app.tool(event).into_iter().collect();
            }
        }
    }
    Vec::new()
}

fn on_probe(app: &mut App, result: crate::health::ProbeResult) -> Vec<Command> {
    let Some(view) = app.endpoints.get_mut(result.endpoint) else {
        return Vec::new();
    };
    let change = view.health.record(&result);
    super::episodes::on_probe(app, &result, change)
}

/// Pasted text goes into the field being typed into, sanitized (no escape sequence, no control
/// character); a note and a status update keep its newlines, a one-line field makes them spaces.
/// Outside a field a paste does nothing: its letters are never taken for keys.
fn on_paste(app: &mut App, text: &str) {
    use crate::core::sanitize::{sanitize_block, sanitize_line};
    let text = text.trim_end_matches(['\r', '\n']);
    match &mut app.mode {
        Mode::Input(Input::Note, typed) => typed.push_str(&sanitize_block(text)),
        Mode::Input(_, typed) => typed.push_str(&sanitize_line(text)),
        Mode::Compose(editor) => editor.insert(&sanitize_block(text)),
        Mode::ConfirmRetract { reason, .. } | Mode::BreakGlass { reason, .. } => {
            reason.push_str(&sanitize_line(text));
        }
        Mode::Approve {
            refusing: Some(reason),
            ..
        } => reason.push_str(&sanitize_line(text)),
        _ => say(
            app,
            "paste ignored: n opens a note, : a command; paste into one of them".into(),
        ),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Command> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        return quit(app);
    }
    match app.mode.clone() {
        Mode::Input(kind, text) => on_input_key(app, key, kind, text),
        Mode::ConfirmRun(request) => super::team::on_confirm_key(app, key, *request),
        Mode::BreakGlass { request, reason } => {
            super::team::on_break_glass_key(app, key, request, reason)
        }
        Mode::Approve { request, refusing } => {
            super::team::on_approve_key(app, key, request, refusing)
        }
        Mode::Output => match key.code {
            KeyCode::Char('c') => act::cancel(app),
            KeyCode::Esc => {
                app.mode = Mode::Normal;
                Vec::new()
            }
            // The keys that open the pane or quit close it, as the keymap has them.
            _ if matches!(
                keys::lookup(&app.keymap, &key, app.focus),
                Some(Action::Output | Action::Quit)
            ) =>
            {
                app.mode = Mode::Normal;
                Vec::new()
            }
            _ => Vec::new(),
        },
        Mode::Compose(mut editor) => match editor.key(key) {
            Edit::Submit => act::send(app, editor.text()),
            Edit::Close => {
                app.mode = Mode::Normal;
                app.update_draft = Some(editor);
                let reopen = keys::label_of(&app.keymap, Action::Compose);
                say(
                    app,
                    format!("update kept as a draft: {reopen} reopens it · Ctrl-X there discards"),
                );
                Vec::new()
            }
            Edit::Discard => {
                app.mode = Mode::ConfirmDiscard(super::Draft::Update(editor));
                Vec::new()
            }
            Edit::Edited => {
                app.mode = Mode::Compose(editor);
                Vec::new()
            }
        },
        Mode::Help => {
            let action = keys::lookup(&app.keymap, &key, app.focus);
            match (key.code, action) {
                (KeyCode::Down | KeyCode::PageDown, _)
                | (_, Some(Action::Down | Action::PageDown)) => {
                    app.help_scroll = (app.help_scroll + 5).min(app.viewport.help);
                }
                (KeyCode::Up | KeyCode::PageUp, _) | (_, Some(Action::Up | Action::PageUp)) => {
                    app.help_scroll = app.help_scroll.saturating_sub(5)
                }
                _ => {
                    app.mode = Mode::Normal;
                    app.help_scroll = 0;
                }
            }
            Vec::new()
        }
        Mode::ConfirmDiscard(draft) => {
            if key.code == KeyCode::Char('y') {
                app.mode = Mode::Normal;
                let what = match draft {
                    super::Draft::Note(_) => {
                        app.note_draft.clear();
                        "note"
                    }
                    super::Draft::Update(_) => {
                        app.update_draft = None;
                        "update"
                    }
                };
                say(app, format!("{what} discarded"));
            } else {
                app.mode = match draft {
                    super::Draft::Note(text) => Mode::Input(Input::Note, text),
                    super::Draft::Update(editor) => Mode::Compose(editor),
                };
            }
            Vec::new()
        }
        Mode::Detail(detail) => super::logs::on_detail_key(app, key, *detail),
        Mode::EventDetail { index, scroll } => {
            super::timelineview::detail_key(app, key, index, scroll);
            Vec::new()
        }
        Mode::ConfirmMilestone(name) => {
            app.mode = Mode::Normal;
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Enter) {
                return vec![app.request(app.actor.clone(), Event::Milestone { name })];
            }
            say(app, format!("not marked {}", name.name()));
            Vec::new()
        }
        Mode::PickSeverity(i) => pick_severity(app, key, i),
        Mode::Messages(scroll) => {
            app.mode = match key.code {
                KeyCode::Down | KeyCode::Char('j') => Mode::Messages(scroll + 1),
                KeyCode::Up | KeyCode::Char('k') => Mode::Messages(scroll.saturating_sub(1)),
                _ => Mode::Normal,
            };
            Vec::new()
        }
        Mode::ConfirmRetract { seq, mut reason } => {
            match key.code {
                KeyCode::Enter => {
                    app.mode = Mode::Normal;
                    let was = app
                        .records
                        .iter()
                        .find(|r| r.seq == seq)
                        .map(|r| r.event.summary())
                        .unwrap_or_default();
                    let reason = reason.trim().to_string();
                    let event = Event::Correction {
                        retracts: seq,
                        was,
                        reason,
                    };
                    return vec![app.request(app.actor.clone(), event)];
                }
                KeyCode::Esc => {
                    app.mode = Mode::Normal;
                    say(app, format!("#{seq} stands; nothing recorded"));
                }
                KeyCode::Backspace => {
                    reason.pop();
                    app.mode = Mode::ConfirmRetract { seq, reason };
                }
                KeyCode::Char(c) if reason.chars().count() < RETRACT_REASON_MAX => {
                    reason.push(c);
                    app.mode = Mode::ConfirmRetract { seq, reason };
                }
                _ => app.mode = Mode::ConfirmRetract { seq, reason },
            }
            Vec::new()
        }
        Mode::ConfirmQuit => match key.code {
            KeyCode::Char('y') | KeyCode::Char('q') => leave(app),
            _ => {
                app.mode = Mode::Normal;
                app.flash = None;
                Vec::new()
            }
        },
        Mode::Normal => {
            if key.code == KeyCode::Esc {
                if app.focus == Panel::Timeline && super::timelineview::clear_search(app) {
                    return Vec::new();
                }
                if !super::logs::escape(app) {
                    app.flash = None;
                    app.zoom = false;
                }
                return Vec::new();
            }
            match keys::lookup(&app.keymap, &key, app.focus) {
                Some(action) => on_action(app, action),
                None => Vec::new(),
            }
        }
    }
}

fn on_input_key(app: &mut App, key: KeyEvent, kind: Input, mut text: String) -> Vec<Command> {
    // Only the key right after a refused command may start a new one.
    let kept = std::mem::take(&mut app.palette_kept);
    match key.code {
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            if kind == Input::Note && !text.trim().is_empty() {
                app.note_draft = text;
                let reopen = keys::label_of(&app.keymap, Action::Note);
                say(
                    app,
                    format!("note kept as a draft: {reopen} reopens it · Ctrl-X there discards"),
                );
            }
            if kind == Input::Param {
                app.param_ask = None;
                say(app, "not run".into());
            }
            Vec::new()
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            if kind == Input::Note {
                app.note_draft.clear();
            }
            submit(app, kind, text)
        }
        KeyCode::Char('x')
            if kind == Input::Note && key.modifiers.contains(KeyModifiers::CONTROL) =>
        {
            app.mode = Mode::ConfirmDiscard(super::Draft::Note(text));
            Vec::new()
        }
        KeyCode::Tab if kind == Input::Palette => {
            app.mode = Mode::Input(kind, palette::tab(&text, &app.runbook_names(), &app.source_names()));
            Vec::new()
        }
        KeyCode::Backspace => {
            text.pop();
            app.mode = Mode::Input(kind, text);
            Vec::new()
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.mode = Mode::Input(kind, String::new());
            Vec::new()
        }
        KeyCode::Char(':') if kind == Input::Palette && kept => {
            // `:` again after a refused command opens a new one (it had been typed onto the
            // old text: `context:compare`).
            app.mode = Mode::Input(kind, String::new());
            Vec::new()
        }
        KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            text.push(ch);
            app.mode = Mode::Input(kind, text);
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn submit(app: &mut App, kind: Input, text: String) -> Vec<Command> {
    match kind {
        Input::Note => {
            let text = text.trim().to_string();
            if text.is_empty() {
                return Vec::new();
            }
            if text.len() > crate::timeline::TEXT_CAP {
                // Kept as the draft, so nothing typed is lost.
                app.note_draft = text;
                complain(
                    app,
                    format!(
                        "the note is over {} KiB: shorten it, or record a file with `sitrep note --attach FILE`; n brings the draft back",
                        crate::timeline::TEXT_CAP / 1024
                    ),
                );
                return Vec::new();
            }
            vec![app.request(app.actor.clone(), Event::Note { text })]
        }
        Input::Filter => {
            super::logs::add_filter(app, &text, false);
            Vec::new()
        }
        Input::Search => {
            super::logs::search(app, &text);
            Vec::new()
        }
        Input::Param => act::param_given(app, text),
        Input::EventSearch => {
            super::timelineview::search(app, &text);
            Vec::new()
        }
        Input::Palette => match palette::parse(&text, &app.runbook_names()) {
            Ok(cmd) => run_palette(app, cmd),
            Err(e) => {
                complain(app, e);
                // Keep what was typed so it can be fixed; a `:` typed first starts afresh.
                app.mode = Mode::Input(Input::Palette, text);
                app.palette_kept = true;
                Vec::new()
            }
        },
    }
}

/// Times in UTC or local, and the status line says which (a narrow header has no room for the
/// zone).
fn toggle_utc(app: &mut App) {
    app.utc = !app.utc;
    let zone = if app.utc {
        "UTC".to_string()
    } else {
        format!(
            "local time ({})",
            app.now.with_timezone(&chrono::Local).format("%:z")
        )
    };
    let key = keys::label_of(&app.keymap, Action::ToggleUtc);
    say(app, format!("times in {zone}; {key} switches"));
}

fn run_palette(app: &mut App, cmd: PaletteCommand) -> Vec<Command> {
    match cmd {
        PaletteCommand::Note(text) => {
            return vec![app.request(app.actor.clone(), Event::Note { text })];
        }
        PaletteCommand::Runbook(name) => {
            if let Some(i) = app.runbooks.iter().position(|r| r.name == name) {
                app.runbook = i;
                app.step = 0;
                app.focus = Panel::Runbook;
            }
        }
        PaletteCommand::Export(format) => return vec![Command::Export { format }],
        PaletteCommand::Mark(name) => return on_action(app, Action::mark(name)),
        PaletteCommand::Severity(level) => {
            return vec![app.request(app.actor.clone(), Event::Severity { level })];
        }
        PaletteCommand::Lead(note) => {
            if app.incident.lead().is_some_and(|m| m.actor == app.actor) && note.is_empty() {
                say(app, format!("{} leads already; :lead NOTE records a handoff note", app.actor));
                return Vec::new();
            }
            return vec![app.request(app.actor.clone(), Event::Lead { note })];
        }
        PaletteCommand::Approvals => open_approvals(app),
        PaletteCommand::Retract(seq, reason) => {
            match app.records.iter().position(|r| r.seq == seq) {
                Some(i) => super::timelineview::ask_retract(app, i, reason),
                None => complain(app, format!("there is no event #{seq} in this timeline")),
            }
        }
        PaletteCommand::Filter(text) => super::logs::add_filter(app, &text, false),
        PaletteCommand::FilterOut(text) => super::logs::add_filter(app, &text, true),
        PaletteCommand::Unfilter(n) => super::logs::unfilter(app, n),
        PaletteCommand::Search(text) => super::logs::search(app, &text),
        PaletteCommand::Wrap => super::logs::toggle_wrap(app),
        PaletteCommand::FollowField(arg) => super::logs::follow_field(app, &arg),
        PaletteCommand::Context(n) => {
            app.logview.set_context(n);
            say(app, format!("{n} lines of context around matches"));
        }
        PaletteCommand::Patterns => return on_action(app, Action::Patterns),
        PaletteCommand::Compare => compare(app),
        PaletteCommand::Source(name) => {
            let n = app.sources.len();
            let next = match name.as_deref() {
                Some("all") => None,
                Some(name) => {
                    // The name, else the one source whose name starts so (`:source pay`).
                    let exact = app.sources.iter().position(|s| s.name == name);
                    let starting: Vec<usize> = (0..n)
                        .filter(|&i| app.sources[i].name.starts_with(name))
                        .collect();
                    match (exact, starting.as_slice()) {
                        (Some(i), _) | (None, &[i]) => Some(i),
                        _ => {
                            let names: Vec<&str> =
                                app.sources.iter().map(|s| s.name.as_str()).collect();
                            let what = if starting.is_empty() { "no" } else { "more than one" };
                            complain(
                                app,
                                format!(
                                    "{what} log source named `{name}`: the sources are {} (or `all`)",
                                    names.join(", ")
                                ),
                            );
                            return Vec::new();
                        }
                    }
                }
                // No name: the next tab.
                None => match app.logview.source() {
                    None if n > 1 => Some(0),
                    Some(i) if i + 1 < n => Some(i + 1),
                    _ => None,
                },
            };
            let patterns = &app.patterns;
            app.logview.set_source(next, &app.logs, &|x| (patterns.of(x), patterns.part(x)));
            app.focus = Panel::Logs;
            let shown = next
                .and_then(|i| app.sources.get(i))
                .map_or("all sources, merged".to_string(), |s| s.name.clone());
            say(app, format!("logs: {shown}"));
        }
        PaletteCommand::Good => {
            let now = app.now_ms();
            app.good = Some(TimeRange {
                from_ms: app.seen_from_ms().min(now.saturating_sub(1)),
                to_ms: now,
            });
            app.bad_from = None;
            say(
                app,
                "marked: everything seen so far is the working range; :bad when it breaks".into(),
            );
        }
        PaletteCommand::Bad => {
            let now = app.now_ms();
            if app.good.is_none() {
                app.good = Some(TimeRange {
                    from_ms: app.seen_from_ms(),
                    to_ms: now.max(app.seen_from_ms() + 1),
                });
            }
            app.bad_from = Some(now);
            say(
                app,
                "marked: failing from now on; :compare shows what differs".into(),
            );
        }
        PaletteCommand::Baseline => {
            app.patterns.trend.new_after_ms = app.now_ms();
            app.baseline_set = true;
            say(
                app,
                "baseline reset: patterns first seen from now on are new".into(),
            );
        }
        PaletteCommand::Zoom => app.zoom = !app.zoom,
        PaletteCommand::Utc => toggle_utc(app),
        PaletteCommand::Help => app.mode = Mode::Help,
        PaletteCommand::Messages => app.mode = Mode::Messages(0),
        PaletteCommand::Quit => return quit(app),
    }
    Vec::new()
}

/// Compares patterns in a working and a failing window. Marked with `:good`/`:bad`, those; else the
/// failing window is the latest episode of an endpoint (open or closed), or with no episode, from the
/// first new error pattern on; the working window is as long, just before the first episode (or that
/// pattern), never before the lines read reach.
fn compare(app: &mut App) {
    let now = app.now_ms();
    if let (Some(good), Some(bad_from)) = (app.good, app.bad_from) {
        let bad = TimeRange {
            from_ms: bad_from,
            to_ms: now.max(bad_from + 1),
        };
        app.patterns.compare(good, bad);
        app.patterns.why = Some("the windows marked with :good and :bad".into());
        app.patterns.mode = PatternsMode::Compare;
        app.focus = Panel::Logs;
        return;
    }
    let ms = crate::core::clock::epoch_ms;
    let episodes = crate::timeline::episode::episodes(
        &app.records,
        app.episode_hold.to_std().unwrap_or_default(),
        app.now,
    );
    let first_new = app.records.iter().find_map(|r| match &r.event {
        Event::Pattern {
            change: crate::timeline::PatternChange::New,
            seen_at,
            template,
            ..
        } => Some((seen_at.unwrap_or(r.ts), template.clone())),
        _ => None,
    });
    let (boundary, bad, why) = match (episodes.first(), episodes.last(), first_new) {
        (Some(first), Some(latest), _) => {
            let from = ms(latest.start);
            let to = latest.end.map_or(now, ms).max(from + 1);
            let which = if latest.end.is_some() { "last" } else { "open" };
            let why = format!(
                "failing: {}'s {which} episode ({}); working: as long, before the first episode",
                latest.endpoint,
                latest.worst
            );
            (ms(first.start), TimeRange { from_ms: from, to_ms: to }, why)
        }
        (_, _, Some((at, template))) => {
            let from = ms(at);
            let why = format!(
                "no endpoint episode: failing since the first new error pattern ({template}); working: as long, before it"
            );
            let bad = TimeRange {
                from_ms: from,
                to_ms: now.max(from + 1),
            };
            (from, bad, why)
        }
        _ => {
            complain(
                app,
                "nothing to compare yet: no endpoint episode and no new error pattern; mark the windows with :good and :bad".into(),
            );
            return;
        }
    };
    let span = (bad.to_ms - bad.from_ms).max(10_000);
    // The working side never reaches back before the lines read do: nothing was seen there.
    let good = TimeRange {
        from_ms: boundary
            .saturating_sub(span)
            .max(app.seen_from_ms())
            .min(boundary.saturating_sub(1)),
        to_ms: boundary,
    };
    app.patterns.compare(good, bad);
    app.patterns.why = Some(why);
    app.patterns.mode = PatternsMode::Compare;
    app.focus = Panel::Logs;
}

/// A command runs or an update is being delivered: quitting now would cut it off unrecorded.
fn busy(app: &App) -> bool {
    app.run.as_ref().is_some_and(|r| r.running()) || app.deliveries > 0
}

fn quit(app: &mut App) -> Vec<Command> {
    if app.pending.is_empty() && !busy(app) {
        leave(app)
    } else {
        app.mode = Mode::ConfirmQuit;
        Vec::new()
    }
}

/// Ends the session: an outage still open is recorded as no longer watched (the runtime writes it
/// before it exits), so the export bounds it by what was seen.
/// `a` or `:approvals`: the first teammate's request waiting for an answer, as a prompt.
fn open_approvals(app: &mut App) {
    super::team::open_prompt(app);
    if app.mode == Mode::Normal {
        say(app, "no teammate is waiting for an approval".into());
    }
}

fn leave(app: &mut App) -> Vec<Command> {
    let mut commands = super::episodes::closing(app);
    commands.extend(super::team::leave(app));
    let now_ms = crate::core::clock::epoch_ms(app.now);
    commands.extend(super::errorminutes::on_tick(app, now_ms, true));
    app.quit = true;
    commands.push(Command::Quit);
    commands
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
        Action::FocusLogs | Action::FocusHealth | Action::FocusRunbook | Action::FocusTimeline => {
            app.focus = action.focused().unwrap_or(app.focus);
        }
        Action::Up => scroll(app, -1),
        Action::Down => scroll(app, 1),
        Action::PageUp => scroll(app, -half_page(app)),
        Action::PageDown => scroll(app, half_page(app)),
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
        Action::Note => app.mode = Mode::Input(Input::Note, std::mem::take(&mut app.note_draft)),
        Action::Palette => app.mode = Mode::Input(Input::Palette, String::new()),
        Action::Filter => app.mode = Mode::Input(Input::Filter, String::new()),
        Action::Open | Action::Search | Action::NextMatch | Action::PrevMatch
            if app.focus == Panel::Timeline =>
        {
            super::timelineview::act(app, action)
        }
        Action::Search => {
            let current = app
                .logview
                .search()
                .map(|(t, _)| t.clone())
                .unwrap_or_default();
            app.mode = Mode::Input(Input::Search, current);
        }
        Action::Invert => super::logs::invert(app),
        Action::Follow => super::logs::toggle_follow(app),
        Action::NextError | Action::PrevError => {
            super::logs::jump_error(app, action == Action::PrevError)
        }
        Action::NextMatch | Action::PrevMatch => {
            super::logs::jump_match(app, action == Action::PrevMatch)
        }
        Action::Wrap => super::logs::toggle_wrap(app),
        Action::ScrollLeft | Action::ScrollRight => {
            super::logs::sideways(app, action == Action::ScrollRight)
        }
        Action::Open => {
            if app.patterns.mode == PatternsMode::List {
                super::logs::show_pattern_lines(app);
            } else if app.patterns.mode == PatternsMode::Off {
                super::logs::open_detail(app);
            }
        }
        Action::Copy => return super::logs::copy(app),
        Action::Pin => return super::logs::pin(app),
        Action::SameRequest => super::logs::same_request(app),
        Action::Patterns => {
            app.patterns.mode = match app.patterns.mode {
                PatternsMode::Off => PatternsMode::List,
                _ => PatternsMode::Off,
            };
            app.focus = Panel::Logs;
            let now = app.now_ms();
            let events = app.patterns.refresh(now, app.seen_from_ms());
            return events
                .into_iter()
                .filter_map(|e| app.tool(e))
                .collect();
        }
        Action::Zoom => app.zoom = !app.zoom,
        Action::Run => return act::start_run(app),
        Action::Output => {
            if app.run.is_some() {
                app.mode = Mode::Output;
            } else {
                say(
                    app,
                    format!(
                        "no command has run yet: {} on a step marked $ runs it",
                        keys::label_of(&app.keymap, Action::Run)
                    ),
                );
            }
        }
        Action::Compose => return act::compose(app),
        Action::Help => app.mode = Mode::Help,
        Action::MarkDetected | Action::MarkMitigated | Action::MarkResolved => {
            let Some(name) = action.marked() else {
                return Vec::new();
            };
            if app.incident.milestones.contains_key(&name) {
                say(app, format!("already marked {}", name.name()));
                return Vec::new();
            }
            // One key, and the record keeps it: asked first.
            app.mode = Mode::ConfirmMilestone(name);
        }
        Action::Severity => {
            let current = app.incident.severity.unwrap_or(Severity::Sev4);
            let i = Severity::ALL.iter().position(|s| *s == current).unwrap_or(0);
            app.mode = Mode::PickSeverity(i);
        }
        Action::ToggleUtc => toggle_utc(app),
        Action::Retry => return retry(app),
        Action::ShowInLogs | Action::Retract => super::timelineview::act(app, action),
        Action::Approvals => open_approvals(app),
        Action::Acknowledge => {
            if app.damage_unacknowledged() {
                app.damage_acknowledged = true;
                say(app, "damage acknowledged: it stays recorded in the timeline".into());
            } else {
                say(app, "nothing to acknowledge".into());
            }
        }
    }
    Vec::new()
}

/// How long a correction's reason may be, typed in its confirmation.
const RETRACT_REASON_MAX: usize = 200;

/// Keys in the severity picker: ↑/↓ (or k/j) choose, 1-4 pick directly, Enter records the choice
/// (nothing when it is the current one), Esc leaves it as it was.
fn pick_severity(app: &mut App, key: KeyEvent, i: usize) -> Vec<Command> {
    let all = Severity::ALL;
    let last = all.len() - 1;
    let chosen = match key.code {
        KeyCode::Up | KeyCode::Char('k') => {
            app.mode = Mode::PickSeverity(i.saturating_sub(1));
            return Vec::new();
        }
        KeyCode::Down | KeyCode::Char('j') => {
            app.mode = Mode::PickSeverity((i + 1).min(last));
            return Vec::new();
        }
        KeyCode::Enter => all.get(i).copied(),
        KeyCode::Char(c @ '1'..='4') => all.get(c as usize - '1' as usize).copied(),
        _ => None,
    };
    app.mode = Mode::Normal;
    match chosen {
        Some(level) if Some(level) != app.incident.severity => {
            vec![app.request(app.actor.clone(), Event::Severity { level })]
        }
        Some(level) => {
            say(app, format!("severity stays {level}"));
            Vec::new()
        }
        None => {
            say(app, "severity unchanged".into());
            Vec::new()
        }
    }
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
                at: p.at,
            });
        }
    }
    let text = if commands.is_empty() {
        "nothing to retry".into()
    } else {
        format!("retrying {} write(s)…", commands.len())
    };
    say(app, text);
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
        let failed = p.failed.is_some();
        let text = if failed {
            format!(
                "the last change to this step was NOT recorded: {} retries",
                keys::label_of(&app.keymap, Action::Retry)
            )
        } else {
            "still writing the last change to this step".to_string()
        };
        app.flash = Some(Flash {
            text,
            error: failed,
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

/// Half of what the focused panel shows, in the units it scrolls by.
fn half_page(app: &App) -> isize {
    let rows = app.viewport.rows(app.focus);
    // An endpoint takes two rows or more.
    let rows = if app.focus == Panel::Health {
        rows / 2
    } else {
        rows
    };
    (rows / 2).max(1) as isize
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
            app.endpoint_chosen = true;
        }
        Panel::Logs if app.patterns.mode == PatternsMode::List => {
            let max = app.patterns.rows.len().saturating_sub(1);
            app.patterns.selected = apply(app.patterns.selected, max, delta);
        }
        Panel::Logs => super::logs::scroll(app, delta),
        // The timeline counts back from the newest entry: up means further back.
        Panel::Timeline => {
            let rows = app.viewport.rows(Panel::Timeline);
            app.timeline.move_by(delta, app.records.len(), rows);
        }
    }
}
