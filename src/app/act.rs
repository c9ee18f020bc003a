//! Acting and communicating, in the pure core: a runbook step's command goes from the key press, through
//! missing parameters and an explicit confirmation showing the exact command, to a run whose output
//! streams into a pane and whose end is recorded; a status update goes from a template filled with live
//! state, through the composer, to every destination, each delivery recorded.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::editor::Editor;
use super::{App, Command, Flash, Input, Mode};
use crate::act::{BrokenEndpoint, CommandSpec, Delivery, RunEvent, UpdateFacts, render_update};
use crate::core::level::Level;
use crate::health::Health;
use crate::timeline::{Event, Milestone};

/// Lines of output kept for the pane.
const PANE_LINES: usize = 500;

/// A command waiting for the responder's yes.
#[derive(Debug, Clone)]
pub struct RunRequest {
    /// Runbook name.
    pub runbook: String,
    /// Step id.
    pub step: String,
    /// Step title.
    pub title: String,
    /// What would run.
    pub spec: CommandSpec,
}

impl PartialEq for RunRequest {
    fn eq(&self, other: &Self) -> bool {
        self.runbook == other.runbook
            && self.step == other.step
            && self.spec.line() == other.spec.line()
    }
}

impl Eq for RunRequest {}

/// A command that runs or ran, as the output pane shows it.
#[derive(Debug, Clone)]
pub struct RunView {
    /// Run id.
    pub id: u64,
    /// What runs.
    pub request: RunRequest,
    /// The last lines of output.
    pub lines: VecDeque<String>,
    /// Lines not shown because output came faster than the pane.
    pub skipped: u64,
    /// When it started.
    pub started: DateTime<Utc>,
    /// How it ended, once it has.
    pub outcome: Option<crate::act::RunOutcome>,
    /// The start's request and the command, until the start is in the timeline.
    pub awaiting: Option<(u64, CommandSpec)>,
}

impl RunView {
    /// Whether it is still running (or about to).
    pub fn running(&self) -> bool {
        self.outcome.is_none()
    }
}

/// Parameters still to ask for before a step's command can be shown for confirmation.
#[derive(Debug, Clone)]
pub struct ParamAsk {
    /// Names still to ask, in order.
    pub names: Vec<String>,
    /// The step whose command needs them.
    pub runbook: usize,
    /// Step index.
    pub step: usize,
}

fn say(app: &mut App, text: String, error: bool) {
    app.flash = Some(Flash { text, error });
}

/// `x` on a step: ask for missing parameters, then show the exact command for confirmation.
pub fn start_run(app: &mut App) -> Vec<Command> {
    if let Some(run) = app.run.as_ref().filter(|r| r.running()) {
        let show = super::keys::label_of(&app.keymap, super::Action::Output);
        say(
            app,
            format!(
                "`{}` is still running: {show} shows it, c there cancels it",
                run.request.spec.line()
            ),
            true,
        );
        return Vec::new();
    }
    prepare(app, app.runbook, app.step)
}

fn prepare(app: &mut App, runbook: usize, step: usize) -> Vec<Command> {
    let Some(rb) = app.runbooks.get(runbook) else {
        return Vec::new();
    };
    let Some(s) = rb.steps.get(step) else {
        return Vec::new();
    };
    let Some(template) = s.command.clone() else {
        say(app, "this step has no command to run".into(), false);
        return Vec::new();
    };
    let missing: Vec<String> = crate::act::placeholder_names(&template)
        .into_iter()
        .filter(|n| !app.params.contains_key(n))
        .collect();
    if !missing.is_empty() {
        app.param_ask = Some(ParamAsk {
            names: missing,
            runbook,
            step,
        });
        app.mode = Mode::Input(Input::Param, String::new());
        return Vec::new();
    }
    let spec = match CommandSpec::from_template(&template, &app.params, s.shell) {
        Ok(spec) => spec.with_timeout(s.timeout.unwrap_or(crate::act::DEFAULT_TIMEOUT)),
        Err(e) => {
            say(app, format!("cannot run this step: {e}"), true);
            return Vec::new();
        }
    };
    app.mode = Mode::ConfirmRun(Box::new(RunRequest {
        runbook: rb.name.clone(),
        step: s.id.clone(),
        title: s.title.clone(),
        spec,
    }));
    Vec::new()
}

/// The name of the parameter being asked for.
pub fn asking(app: &App) -> Option<&str> {
    app.param_ask
        .as_ref()
        .and_then(|a| a.names.first())
        .map(String::as_str)
}

/// A parameter value was typed: keep it for the session, ask the next, or go on to confirmation.
pub fn param_given(app: &mut App, value: String) -> Vec<Command> {
    let Some(mut ask) = app.param_ask.take() else {
        return Vec::new();
    };
    let value = value.trim().to_string();
    if value.is_empty() {
        say(app, "no value given: the command was not run".into(), false);
        return Vec::new();
    }
    let name = ask.names.remove(0);
    app.params.insert(name, value);
    if ask.names.is_empty() {
        prepare(app, ask.runbook, ask.step)
    } else {
        app.param_ask = Some(ask);
        app.mode = Mode::Input(Input::Param, String::new());
        Vec::new()
    }
}

/// `y` at the confirmation: run it (or, read-only, say what would have run).
pub fn confirmed(app: &mut App, request: RunRequest) -> Vec<Command> {
    app.mode = Mode::Normal;
    if app.dry_run {
        say(
            app,
            format!("dry run: `{}` was NOT run", request.spec.line()),
            false,
        );
        return Vec::new();
    }
    let id = app.next_run;
    app.next_run += 1;
    let started = app.request(
        app.actor.clone(),
        Event::CommandStarted {
            runbook: request.runbook.clone(),
            step: request.step.clone(),
            command: request.spec.line(),
        },
    );
    let spec = request.spec.clone();
    let Command::Append { req, .. } = &started else {
        return Vec::new();
    };
    app.run = Some(RunView {
        id,
        request,
        lines: VecDeque::new(),
        skipped: 0,
        started: app.now,
        outcome: None,
        awaiting: Some((*req, spec)),
    });
    app.mode = Mode::Output;
    // The command runs once its start is in the timeline (see `start_recorded`), never before.
    vec![started]
}

/// The start of a run was written: now it may run.
pub fn start_recorded(app: &mut App, req: u64) -> Vec<Command> {
    match app.run.as_mut() {
        Some(run) if run.awaiting.as_ref().is_some_and(|(r, _)| *r == req) => {
            let (_, spec) = run
                .awaiting
                .take()
                .unwrap_or((req, run.request.spec.clone()));
            vec![Command::Run { id: run.id, spec }]
        }
        _ => Vec::new(),
    }
}

/// The start of a run could not be written: it does not run.
pub fn start_failed(app: &mut App, req: u64) {
    if app
        .run
        .as_ref()
        .is_some_and(|r| r.awaiting.as_ref().is_some_and(|(x, _)| *x == req))
    {
        app.run = None;
        if app.mode == Mode::Output {
            app.mode = Mode::Normal;
        }
    }
}

/// Output or the end of a run.
pub fn on_run(app: &mut App, event: RunEvent) -> Vec<Command> {
    match event {
        RunEvent::Output { id, skipped, lines } => {
            if let Some(run) = app.run.as_mut().filter(|r| r.id == id) {
                run.skipped += skipped;
                for line in lines {
                    if run.lines.len() == PANE_LINES {
                        run.lines.pop_front();
                    }
                    run.lines.push_back(line);
                }
            }
            Vec::new()
        }
        RunEvent::Finished(outcome) => {
            let Some(run) = app.run.as_mut().filter(|r| r.id == outcome.id) else {
                return Vec::new();
            };
            let request = run.request.clone();
            let tail: Vec<String> = outcome.tail.iter().rev().take(10).rev().cloned().collect();
            let finished = Event::CommandFinished {
                runbook: request.runbook.clone(),
                step: request.step.clone(),
                command: request.spec.line(),
                exit_code: outcome.exit_code,
                duration_ms: outcome.duration.as_millis() as u64,
                output_tail: tail.join("\n"),
                reason: outcome.summary(),
            };
            let ok = outcome.succeeded();
            let summary = outcome.summary();
            run.outcome = Some(outcome);
            let mut commands = vec![app.request(app.actor.clone(), finished)];
            if ok {
                say(
                    app,
                    format!("✔ `{}`: {summary}; step ticked", request.spec.line()),
                    false,
                );
                if !app.incident.is_checked(&request.runbook, &request.step)
                    && !app.is_pending(&request.runbook, &request.step)
                {
                    commands.push(app.request(
                        app.actor.clone(),
                        Event::StepChecked {
                            runbook: request.runbook,
                            step: request.step,
                            title: request.title,
                        },
                    ));
                }
            } else {
                say(
                    app,
                    format!(
                        "`{}` failed: {summary}; the step stays unticked",
                        request.spec.line()
                    ),
                    true,
                );
            }
            commands
        }
    }
}

/// `c` in the output pane.
pub fn cancel(app: &mut App) -> Vec<Command> {
    match app.run.as_ref().filter(|r| r.running()) {
        Some(run) => vec![Command::CancelRun { id: run.id }],
        None => Vec::new(),
    }
}

/// Error lines over the last minute (errors a minute), from the buffered lines.
fn error_rate(app: &App) -> Option<f64> {
    if app.logs.is_empty() {
        return None;
    }
    let since = app.now - chrono::Duration::seconds(60);
    let errors = app
        .logs
        .iter()
        .rev()
        .take_while(|l| l.at() >= since)
        .filter(|l| l.level.is_some_and(Level::is_error))
        .count();
    Some(errors as f64)
}

/// What the composer starts from: the live state of the incident.
pub fn facts(app: &App) -> UpdateFacts {
    let mut f = UpdateFacts::new(app.incident.title.clone(), app.now);
    f.severity = app.incident.severity;
    f.status = Some(
        if app.incident.milestones.contains_key(&Milestone::Resolved) {
            "resolved"
        } else if app.incident.milestones.contains_key(&Milestone::Mitigated) {
            "mitigated, monitoring"
        } else {
            "investigating"
        }
        .to_string(),
    );
    f.broken = app
        .endpoints
        .iter()
        .filter(|e| !matches!(e.health.state(), Health::Up | Health::Unknown))
        .map(|e| BrokenEndpoint {
            name: e.name.clone(),
            state: e.health.state().label().to_string(),
        })
        .collect();
    f.error_rate = error_rate(app);
    f.new_patterns = app
        .patterns
        .rows
        .iter()
        .filter(|r| r.new && r.level.is_some_and(Level::is_error))
        .take(3)
        .map(|r| r.template.clone())
        .collect();
    let mut done: Vec<(DateTime<Utc>, String)> = Vec::new();
    for rb in &app.runbooks {
        for s in &rb.steps {
            if let Some(m) = app.incident.checked.get(&(rb.name.clone(), s.id.clone())) {
                done.push((m.ts, s.title.clone()));
            }
        }
    }
    done.sort();
    // The last three, oldest first: the update reads as what happened, in order.
    let skip = done.len().saturating_sub(3);
    f.doing = done.into_iter().skip(skip).map(|(_, t)| t).collect();
    // Since the last update that reached people (or the start): the notes written.
    let since = app
        .records
        .iter()
        .rev()
        .find(|r| matches!(&r.event, Event::UpdateSent { result, .. } if result.starts_with("delivered")))
        .map(|r| r.ts);
    f.notes = app
        .records
        .iter()
        .filter(|r| since.is_none_or(|s| r.ts > s))
        .filter_map(|r| match &r.event {
            Event::Note { text } => Some(crate::core::sanitize::sanitize_line(text)),
            _ => None,
        })
        .collect();
    f.recovered = crate::timeline::episode::episodes(
        &app.records,
        app.episode_hold.to_std().unwrap_or_default(),
        app.now,
    )
    .into_iter()
    .filter_map(|e| {
        let end = e.end?;
        Some(format!(
            "{} (up since {}, after {})",
            e.endpoint,
            end.format("%H:%M UTC"),
            crate::core::duration::glance((end - e.start).to_std().unwrap_or_default())
        ))
    })
    .collect();
    let (d, t) = app.progress();
    f.steps_done = d;
    f.steps_total = t;
    f.elapsed = app
        .incident
        .start()
        .and_then(|s| (app.now - s).to_std().ok())
        .unwrap_or_default();
    let every = app.compose_every.unwrap_or(app.update_every);
    f.next_update = Some(app.now + chrono::Duration::from_std(every).unwrap_or_default());
    f
}

/// `u`: open the composer on the draft Esc kept, or pre-filled from the selected communicate step's
/// template (or the first template of any runbook, or the default).
pub fn compose(app: &mut App) -> Vec<Command> {
    if let Some(draft) = app.update_draft.take() {
        app.mode = Mode::Compose(draft);
        if let Some((at, _)) = app.composed.as_ref().filter(|(at, _)| app.now - *at > chrono::Duration::minutes(1)) {
            let at = crate::core::wall::hms(*at, app.utc);
            say(
                app,
                format!("draft filled at {at}: when the next update is due and the time are written afresh as it is sent; check the rest"),
                false,
            );
        }
        return Vec::new();
    }
    // The pattern rows are only kept fresh while their view is open; the update needs them now.
    let now_ms = app.now_ms();
    let events = app.patterns.refresh(now_ms, app.seen_from_ms());
    let commands: Vec<Command> = events
        .into_iter()
        .filter_map(|e| app.tool(e))
        .collect();
    let selected = app
        .current_runbook()
        .and_then(|rb| rb.steps.get(app.step))
        .filter(|s| s.template.is_some());
    let from_step = app.current_runbook().and_then(|rb| {
        let s = selected?;
        Some((rb.name.clone(), s.id.clone(), s.title.clone()))
    });
    let step = selected.or_else(|| {
        app.runbooks
            .iter()
            .flat_map(|r| r.steps.iter())
            .find(|s| s.template.is_some())
    });
    let template = step.and_then(|s| s.template.clone()).unwrap_or_default();
    // The step's own cadence counts for this update: its text promises the next one then, and once it
    // is delivered the header counts down to it.
    app.compose_every = step.and_then(|s| s.update_every);
    app.compose_step = from_step;
    let facts = facts(app);
    let text = render_update(&template, &facts);
    app.composed = Some((app.now, stamps(&facts)));
    app.mode = Mode::Compose(Editor::new(text.trim_end()));
    commands
}

/// How an update filled from `facts` writes `{next_update}` and `{now}`.
fn stamps(facts: &crate::act::UpdateFacts) -> [String; 2] {
    ["{next_update}", "{now}"].map(|p| render_update(p, facts))
}

/// `text` with the times it was filled with (`{next_update}`, `{now}`) written as they stand now:
/// a draft kept a while had promised a next update already past.
fn refreshed(app: &App, text: String) -> String {
    let Some((_, then)) = &app.composed else {
        return text;
    };
    let now = stamps(&facts(app));
    let mut text = text;
    for (old, new) in then.iter().zip(&now) {
        if old != new && !old.is_empty() && text.contains(old.as_str()) {
            text = text.replace(old.as_str(), new);
        }
    }
    text
}

/// Ctrl-S in the composer: send to every destination.
pub fn send(app: &mut App, text: String) -> Vec<Command> {
    app.mode = Mode::Normal;
    if text.trim().is_empty() {
        say(app, "the update is empty: nothing sent".into(), true);
        return Vec::new();
    }
    if text.len() > crate::timeline::TEXT_CAP {
        say(
            app,
            format!(
                "the update is over {} KiB: people read it in a chat; shorten it",
                crate::timeline::TEXT_CAP / 1024
            ),
            true,
        );
        app.mode = Mode::Compose(Editor::new(&text));
        return Vec::new();
    }
    let text = refreshed(app, text);
    if app.destinations.is_empty() {
        say(
            app,
            "no destinations configured: add [[destination]] to sitrep.toml (see sitrep init)"
                .into(),
            true,
        );
        app.mode = Mode::Compose(Editor::new(&text));
        return Vec::new();
    }
    if app.dry_run {
        // A rehearsal sends nothing anywhere: the draft stays to be sent for real.
        say(
            app,
            format!(
                "dry run: the update was NOT sent to {}; the draft is kept",
                app.destinations.join(", ")
            ),
            true,
        );
        app.update_draft = Some(Editor::new(&text));
        return Vec::new();
    }
    if app.deliveries == 0 {
        app.delivery_round = (0, Vec::new());
    }
    app.deliveries += app.destinations.len();
    app.delivery_round.0 += app.destinations.len();
    say(
        app,
        format!("sending to {}…", app.destinations.join(", ")),
        false,
    );
    // The chain's head as it stands, held by everyone who reads the update: `sitrep verify
    // --head-from` shows whether the timeline still reaches it.
    let text = match &app.head {
        Some(head) => format!(
            "{}\n\n— sitrep {}",
            text.trim_end(),
            head.text(crate::timeline::head::SHORT_DIGITS)
        ),
        None => text,
    };
    vec![Command::Deliver {
        update: crate::act::Update {
            text,
            incident: app.incident.title.clone(),
            severity: app.incident.severity,
        },
    }]
}

/// A delivery finished: record where it went and how.
pub fn delivered(app: &mut App, d: Delivery, text: String) -> Vec<Command> {
    app.deliveries = app.deliveries.saturating_sub(1);
    if d.ok {
        // The next update is due counted from one that reached people; the template may set its own
        // cadence (`update-every`), otherwise the config's.
        let every = app.compose_every.unwrap_or(app.update_every);
        app.cadence = crate::act::Cadence::new(every, app.now);
    }
    let result = d.result();
    if !d.ok {
        app.delivery_round.1.push(format!("{}: {result}", d.destination));
    }
    // A failure stays in the status line while the other destinations answer: one delivered
    // after it had hidden it behind its own success.
    match &app.delivery_round {
        (total, failed) if !failed.is_empty() => {
            let text = format!(
                "update NOT delivered to {} of {}: {}",
                failed.len(),
                (*total).max(failed.len()),
                failed.join(" · ")
            );
            say(app, text, true);
        }
        _ => say(app, format!("update → {}: {result}", d.destination), false),
    }
    let mut commands = vec![app.request(
        app.actor.clone(),
        Event::UpdateSent {
            destination: d.destination.clone(),
            text,
            result,
        },
    )];
    // Delivered from a communicate step: that step is done.
    if d.ok
        && let Some((runbook, step, title)) = app.compose_step.take()
        && !app.incident.is_checked(&runbook, &step)
        && !app.is_pending(&runbook, &step)
    {
        commands.push(app.request(
            app.actor.clone(),
            Event::StepChecked {
                runbook,
                step,
                title,
            },
        ));
    }
    commands
}

/// The cadence as the header shows it.
pub fn cadence_label(app: &App) -> (String, bool) {
    let due = app.cadence.due_in(app.now);
    (due.label(), due.is_due())
}

/// The default time between status updates.
pub const DEFAULT_EVERY: Duration = crate::act::DEFAULT_CADENCE;
