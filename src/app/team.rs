//! The team in the pure core: joining and leaving, who else is here, one record per observation,
//! and two people for a risky step (asking, answering, break-glass).

use super::act::RunRequest;
use super::{App, Command, Mode};
use crate::timeline::presence::Beat;
use crate::timeline::team::{Approval, agreeing};
use crate::timeline::{Event, TOOL_ACTOR};

impl App {
    /// What the tool saw by itself, to be recorded: an observation (an endpoint's change, a
    /// pattern) names this cockpit's responder as its observer, and one that agrees with a
    /// teammate's record is recorded as seen too (`observed`), or not at all when it already was.
    pub(super) fn tool(&mut self, mut event: Event) -> Option<Command> {
        if let Event::HealthChanged { observer, .. } | Event::Pattern { observer, .. } = &mut event {
            observer.clone_from(&self.actor);
            let window = self.agreement_window(&event);
            let at = self.now;
            if let Some(r) = agreeing(self.records.iter(), &event, &self.actor, at, window) {
                let seq = r.seq;
                let listed = self
                    .incident
                    .team
                    .observers
                    .get(&seq)
                    .is_some_and(|o| o.contains(&self.actor));
                if listed {
                    return None;
                }
                event = Event::Observed {
                    of: seq,
                    observer: self.actor.clone(),
                };
            }
        }
        Some(self.request(TOOL_ACTOR.to_string(), event))
    }

    /// Two probe intervals of the endpoint an event names (a pattern needs none).
    fn agreement_window(&self, event: &Event) -> chrono::TimeDelta {
        let interval = match event {
            Event::HealthChanged { endpoint, .. } => self
                .endpoints
                .iter()
                .find(|e| &e.name == endpoint)
                .map(|e| e.interval),
            _ => None,
        };
        chrono::TimeDelta::from_std(interval.unwrap_or_default() * 2).unwrap_or_default()
    }

    /// Who else has the incident open now.
    pub fn others_here(&self) -> &[Beat] {
        &self.present
    }

    /// Whether a break-glass run is offered: nobody else can approve (nobody is here, or the
    /// shared store is out of reach).
    pub fn break_glass_allowed(&self) -> bool {
        self.present.is_empty()
            || self
                .share
                .as_ref()
                .is_some_and(|s| s.unreachable_since.is_some() || s.stopped.is_some())
    }

    /// The request this session made for a step, not run yet.
    pub fn approval_of(&self, runbook: &str, step: &str) -> Option<&Approval> {
        self.incident
            .team
            .request_of(runbook, step, &self.session)
    }

    /// Requests from other cockpits waiting for an answer.
    pub fn asking_me(&self) -> Vec<&Approval> {
        self.incident.team.asking(&self.session).collect()
    }
}

/// The session started: recorded once.
pub(super) fn join(app: &mut App) -> Vec<Command> {
    if app.joined {
        return Vec::new();
    }
    app.joined = true;
    let event = Event::Joined {
        session: app.session.clone(),
        host: app.host.clone(),
    };
    vec![app.request(app.actor.clone(), event)]
}

/// The session ends: recorded once, if it joined.
pub(super) fn leave(app: &mut App) -> Vec<Command> {
    if !app.joined || app.left {
        return Vec::new();
    }
    app.left = true;
    let event = Event::Left {
        session: app.session.clone(),
    };
    vec![app.request(app.actor.clone(), event)]
}

/// Who is here changed (the presence thread): say who came and went.
pub(super) fn presence(app: &mut App, here: Vec<Beat>) {
    let names = |beats: &[Beat]| -> Vec<String> { beats.iter().map(|b| b.actor.clone()).collect() };
    let before = names(&app.present);
    let now = names(&here);
    let came: Vec<&String> = now.iter().filter(|n| !before.contains(n)).collect();
    let went: Vec<&String> = before.iter().filter(|n| !now.contains(n)).collect();
    let mut said = Vec::new();
    if !came.is_empty() {
        said.push(format!("{} opened the incident", list(&came)));
    }
    if !went.is_empty() {
        said.push(format!("{} no longer here", list(&went)));
    }
    app.present = here;
    if !said.is_empty() && app.flash.as_ref().is_none_or(|f| !f.error) {
        super::say(app, said.join("; "));
    }
}

fn list(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| crate::core::sanitize::sanitize_line(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `a` at a confirmation that needs approval: the request goes into the timeline, where every
/// other cockpit shows it.
pub(super) fn ask(app: &mut App, request: &RunRequest) -> Vec<Command> {
    app.mode = Mode::Normal;
    app.next_ask += 1;
    let event = Event::ApprovalRequested {
        request: format!("{}.{}", app.session, app.next_ask),
        runbook: request.runbook.clone(),
        step: request.step.clone(),
        title: request.title.clone(),
        command: request.spec.line(),
        session: app.session.clone(),
    };
    let others = if app.present.is_empty() {
        "nobody else is here yet".to_string()
    } else {
        let names: Vec<&String> = app.present.iter().map(|b| &b.actor).collect();
        format!("{} can approve it", list(&names))
    };
    super::say(app, format!("approval asked for `{}`: {others}", request.spec.line()));
    vec![app.request(app.actor.clone(), event)]
}

/// A break-glass run with its reason: recorded, then run like an approved one.
pub(super) fn break_glass(app: &mut App, request: RunRequest, reason: &str) -> Vec<Command> {
    let reason = reason.trim();
    if reason.is_empty() {
        super::complain(app, "a break-glass run needs a reason: not run".into());
        app.mode = Mode::Normal;
        return Vec::new();
    }
    let event = Event::BreakGlass {
        runbook: request.runbook.clone(),
        step: request.step.clone(),
        title: request.title.clone(),
        command: request.spec.line(),
        reason: reason.to_string(),
    };
    // The run starts only once its reason is in the record (see `broke_glass`).
    let recorded = app.request(app.actor.clone(), event);
    if let Command::Append { req, .. } = &recorded {
        app.breaking = Some((*req, Box::new(request)));
    }
    app.mode = Mode::Normal;
    vec![recorded]
}

/// An append was answered: a break-glass record that is written lets its run go on; one that
/// failed stops it.
pub(super) fn broke_glass(app: &mut App, req: u64, written: bool) -> Vec<Command> {
    match app.breaking.take() {
        Some((r, request)) if r == req && written => super::act::confirmed(app, *request),
        Some((r, request)) if r == req => {
            super::complain(
                app,
                format!("`{}` was NOT run: its break-glass reason could not be recorded", request.spec.line()),
            );
            Vec::new()
        }
        other => {
            app.breaking = other;
            Vec::new()
        }
    }
}

/// An answer to a teammate's request from this cockpit.
pub(super) fn answer(app: &mut App, request: &str, approved: bool, reason: &str) -> Vec<Command> {
    app.mode = Mode::Normal;
    let Some(asked) = app.incident.team.approval(request).cloned() else {
        return Vec::new();
    };
    if asked.session == app.session {
        super::complain(
            app,
            "your own request needs another responder's cockpit to approve it".into(),
        );
        return Vec::new();
    }
    if asked.answer.is_some() {
        super::say(app, "already answered".into());
        return Vec::new();
    }
    let event = Event::ApprovalAnswered {
        request: request.to_string(),
        approved,
        session: app.session.clone(),
        reason: reason.trim().to_string(),
    };
    vec![app.request(app.actor.clone(), event)]
}

/// `a` or `:approvals`: the first request from another cockpit still waiting, as the prompt. It
/// never opens by itself: a key meant for something else must not approve a risky command.
pub(super) fn open_prompt(app: &mut App) {
    // Not one this cockpit answered already (its answer may still be on its way to the file).
    let answering: Vec<&str> = app
        .pending
        .values()
        .filter_map(|p| match &p.event {
            Event::ApprovalAnswered { request, .. } => Some(request.as_str()),
            _ => None,
        })
        .collect();
    let waiting = app
        .asking_me()
        .iter()
        .map(|a| a.request.as_str())
        .find(|r| !answering.contains(r))
        .map(str::to_string);
    if let Some(request) = waiting {
        app.mode = Mode::Approve {
            request,
            refusing: None,
        };
    }
}

/// The longest reason typed at a prompt.
const REASON_MAX: usize = 200;

/// Edits a line being typed; `false` for a key that is not editing.
fn typed(text: &mut String, key: &crossterm::event::KeyEvent) -> bool {
    use crossterm::event::KeyCode;
    match key.code {
        KeyCode::Backspace => {
            text.pop();
            true
        }
        KeyCode::Char(c) if text.chars().count() < REASON_MAX => {
            text.push(c);
            true
        }
        KeyCode::Char(_) => true,
        _ => false,
    }
}

/// Whether a step's command needs another responder's approval before it runs.
pub fn needs_approval(app: &App, runbook: &str, step: &str) -> bool {
    app.runbooks
        .iter()
        .find(|r| r.name == runbook)
        .and_then(|r| r.steps.iter().find(|s| s.id == step))
        .is_some_and(|s| s.approval)
}

/// A key at the confirmation of a step's command.
pub(super) fn on_confirm_key(
    app: &mut App,
    key: crossterm::event::KeyEvent,
    request: RunRequest,
) -> Vec<Command> {
    use crossterm::event::KeyCode;
    let gated = needs_approval(app, &request.runbook, &request.step) && !app.dry_run;
    let approved = app
        .approval_of(&request.runbook, &request.step)
        .is_some_and(|a| a.usable() && a.command == request.spec.line());
    match key.code {
        KeyCode::Char('y') if !gated || approved => super::act::confirmed(app, request),
        KeyCode::Char('a') if gated && !approved => {
            if let Some(open) = app
                .approval_of(&request.runbook, &request.step)
                .filter(|a| a.answer.is_none() && a.command == request.spec.line())
            {
                let since = crate::core::wall::hm(open.ts, app.utc);
                app.mode = Mode::Normal;
                super::say(app, format!("asked already at {since}: waiting for a teammate's answer"));
                return Vec::new();
            }
            ask(app, &request)
        }
        KeyCode::Char('b') if gated && !approved && app.break_glass_allowed() => {
            app.mode = Mode::BreakGlass {
                request: Box::new(request),
                reason: String::new(),
            };
            Vec::new()
        }
        _ => {
            app.mode = Mode::Normal;
            super::say(app, "not run".into());
            Vec::new()
        }
    }
}

/// A key while typing a break-glass run's reason.
pub(super) fn on_break_glass_key(
    app: &mut App,
    key: crossterm::event::KeyEvent,
    request: Box<RunRequest>,
    mut reason: String,
) -> Vec<Command> {
    use crossterm::event::KeyCode;
    match key.code {
        KeyCode::Enter => break_glass(app, *request, &reason),
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            super::say(app, "not run; nothing recorded".into());
            Vec::new()
        }
        _ => {
            typed(&mut reason, &key);
            app.mode = Mode::BreakGlass { request, reason };
            Vec::new()
        }
    }
}

/// A key at a teammate's approval request.
pub(super) fn on_approve_key(
    app: &mut App,
    key: crossterm::event::KeyEvent,
    request: String,
    refusing: Option<String>,
) -> Vec<Command> {
    use crossterm::event::KeyCode;
    match (refusing, key.code) {
        (None, KeyCode::Char('y')) => answer(app, &request, true, ""),
        (None, KeyCode::Char('n')) => {
            app.mode = Mode::Approve {
                request,
                refusing: Some(String::new()),
            };
            Vec::new()
        }
        (Some(reason), KeyCode::Enter) => answer(app, &request, false, &reason),
        (None, KeyCode::Esc) | (Some(_), KeyCode::Esc) => {
            app.mode = Mode::Normal;
            let key = super::keys::label_of(&app.keymap, super::Action::Approvals);
            super::say(app, format!("not answered yet: {key} opens it again"));
            Vec::new()
        }
        (Some(mut reason), _) => {
            typed(&mut reason, &key);
            app.mode = Mode::Approve {
                request,
                refusing: Some(reason),
            };
            Vec::new()
        }
        (None, _) => {
            app.mode = Mode::Approve {
                request,
                refusing: None,
            };
            Vec::new()
        }
    }
}

/// Records just applied: a teammate's request and an answer to ours are said.
pub(super) fn after_records(app: &mut App, records: &[crate::timeline::Record]) {
    for r in records {
        if let Event::ApprovalRequested {
            command, session, ..
        } = &r.event
            && session != &app.session
        {
            let key = super::keys::label_of(&app.keymap, super::Action::Approvals);
            let text = format!("{} asks approval to run `{command}`: {key} answers", r.actor);
            super::say(app, crate::core::sanitize::sanitize_line(&text));
        }
        if let Event::ApprovalAnswered {
            request,
            approved,
            reason,
            ..
        } = &r.event
            && let Some(asked) = app.incident.team.approval(request)
            && asked.session == app.session
            && asked.answer.as_ref().is_some_and(|a| a.seq == r.seq)
        {
            let text = if *approved {
                format!(
                    "{} approved `{}`: {} on the step runs it",
                    r.actor,
                    asked.command,
                    super::keys::label_of(&app.keymap, super::Action::Run)
                )
            } else if reason.is_empty() {
                format!("{} refused `{}`", r.actor, asked.command)
            } else {
                format!("{} refused `{}`: {reason}", r.actor, asked.command)
            };
            super::say(app, crate::core::sanitize::sanitize_line(&text));
        }
    }
    // A prompt for a request someone else answered meanwhile closes, saying so.
    if let Mode::Approve { request, .. } = &app.mode
        && let Some(asked) = app.incident.team.approval(request)
        && let Some(x) = &asked.answer
    {
        let verb = if x.approved { "approved" } else { "refused" };
        let text = format!("{} {verb} {}'s `{}`", x.actor, asked.actor, asked.command);
        app.mode = Mode::Normal;
        super::say(app, crate::core::sanitize::sanitize_line(&text));
    }
}
