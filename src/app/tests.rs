//! `update()` as a specification: messages in, state and commands out, no terminal.

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::timeline::{Appended, Milestone, chain::seal};

fn key(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE))
}

fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn app() -> App {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap();
    let opened = seal(
        1,
        t0,
        "alice",
        Event::IncidentOpened {
            title: "Payments".into(),
            severity: Some(crate::timeline::Severity::Sev2),
        },
        "",
    )
    .unwrap()
    .1;
    App::new(
        vec![opened],
        "t.jsonl".into(),
        crate::runbook::shipped(),
        "alice".into(),
        t0,
    )
}

/// Plays the runtime's part: writes what an Append asks for (in memory) and answers with Appended.
fn ack(app: &mut App, commands: Vec<Command>) {
    ack_all(app, commands);
}

#[test]
fn ticking_a_step_asks_for_an_append_and_shows_it_pending_not_checked() {
    let mut app = app();
    let cmds = update(&mut app, key(' '));
    let [Command::Append { event, actor, .. }] = cmds.as_slice() else {
        panic!("expected one append, got {cmds:?}");
    };
    assert_eq!(actor, "alice");
    assert!(
        matches!(event, Event::StepChecked { runbook, step, .. } if runbook == "stabilize" && step == "declare")
    );
    assert!(app.is_pending("stabilize", "declare"));
    assert!(!app.incident.is_checked("stabilize", "declare"));
}

#[test]
fn a_step_shows_checked_only_after_its_line_is_written() {
    let mut app = app();
    let cmds = update(&mut app, key(' '));
    ack(&mut app, cmds);
    assert!(app.incident.is_checked("stabilize", "declare"));
    assert!(!app.is_pending("stabilize", "declare"));
    assert_eq!(app.progress().0, 1);
}

#[test]
fn a_failed_write_leaves_the_step_unticked_and_says_so_loudly() {
    let mut app = app();
    let cmds = update(&mut app, key(' '));
    let Command::Append { req, .. } = cmds[0].clone() else {
        panic!()
    };
    update(
        &mut app,
        Msg::AppendFailed {
            req,
            error: "No space left on device".into(),
        },
    );
    assert!(!app.incident.is_checked("stabilize", "declare"));
    assert!(
        app.pending_step("stabilize", "declare")
            .unwrap()
            .failed
            .is_some()
    );
    let flash = app.flash.clone().unwrap();
    assert!(flash.error);
    assert!(flash.text.starts_with("NOT RECORDED"), "{}", flash.text);
}

#[test]
fn a_failed_write_is_retried_with_r_and_then_shows_done() {
    let mut app = app();
    let cmds = update(&mut app, key(' '));
    let Command::Append { req, .. } = cmds[0].clone() else {
        panic!()
    };
    update(
        &mut app,
        Msg::AppendFailed {
            req,
            error: "disk full".into(),
        },
    );
    // Ticking again does not send a second, conflicting write.
    assert!(update(&mut app, key(' ')).is_empty());
    // Space is freed and r pressed 17 s later: the write says when the tick was made.
    let ticked_at = app.now;
    update(&mut app, Msg::Tick(ticked_at + chrono::TimeDelta::seconds(17)));
    let again = update(&mut app, key('r'));
    assert!(
        matches!(&again[..], [Command::Append { req: r, event: Event::StepChecked { .. }, at, .. }] if *r == req && *at == ticked_at),
        "{again:?}"
    );
    ack(&mut app, again);
    assert!(app.incident.is_checked("stabilize", "declare"));
    assert!(app.pending.is_empty());
}

#[test]
fn ticking_a_checked_step_unticks_it_through_the_timeline() {
    let mut app = app();
    let cmds = update(&mut app, key(' '));
    ack(&mut app, cmds);
    let cmds = update(&mut app, code(KeyCode::Enter));
    assert!(matches!(
        &cmds[0],
        Command::Append {
            event: Event::StepUnchecked { .. },
            ..
        }
    ));
    ack(&mut app, cmds);
    assert!(!app.incident.is_checked("stabilize", "declare"));
}

#[test]
fn space_in_the_logs_panel_does_not_tick_anything() {
    let mut app = app();
    update(&mut app, key('1'));
    assert_eq!(app.focus, Panel::Logs);
    assert!(update(&mut app, key(' ')).is_empty());
}

#[test]
fn a_note_is_typed_then_recorded_on_enter() {
    let mut app = app();
    update(&mut app, key('n'));
    for ch in "rolled back v2.14".chars() {
        update(&mut app, key(ch));
    }
    assert_eq!(
        app.mode,
        Mode::Input(Input::Note, "rolled back v2.14".into())
    );
    let cmds = update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Normal);
    assert!(
        matches!(&cmds[0], Command::Append { event: Event::Note { text }, .. } if text == "rolled back v2.14")
    );
}

#[test]
fn q_in_a_note_is_text_not_quit() {
    let mut app = app();
    update(&mut app, key('n'));
    assert!(update(&mut app, key('q')).is_empty());
    assert!(!app.quit);
}

#[test]
fn quitting_with_a_pending_write_asks_first() {
    let mut app = app();
    update(&mut app, key(' '));
    assert!(update(&mut app, key('q')).is_empty());
    assert_eq!(app.mode, Mode::ConfirmQuit);
    assert_eq!(update(&mut app, key('y')), vec![Command::Quit]);
}

#[test]
fn switching_runbooks_moves_to_the_next_and_wraps() {
    let mut app = app();
    update(&mut app, key(']'));
    assert_eq!(app.current_runbook().unwrap().name, "rollback");
    update(&mut app, key('['));
    update(&mut app, key('['));
    assert_eq!(app.current_runbook().unwrap().name, "follow-up");
}

#[test]
fn a_milestone_is_recorded_once() {
    let mut app = app();
    let cmds = update(&mut app, key('M'));
    // One key is not enough: it asks first.
    assert!(cmds.is_empty());
    assert_eq!(app.mode, Mode::ConfirmMilestone(Milestone::Mitigated));
    let cmds = update(&mut app, key('y'));
    ack(&mut app, cmds);
    assert!(app.incident.milestones.contains_key(&Milestone::Mitigated));
    assert!(update(&mut app, key('M')).is_empty());
    assert_eq!(app.mode, Mode::Normal, "already marked: nothing to ask");
}

#[test]
fn a_milestone_pressed_by_mistake_is_not_recorded() {
    let mut app = app();
    update(&mut app, key('R'));
    assert_eq!(app.mode, Mode::ConfirmMilestone(Milestone::Resolved));
    assert!(update(&mut app, code(KeyCode::Esc)).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    assert!(!app.incident.milestones.contains_key(&Milestone::Resolved));
}

#[test]
fn severity_is_chosen_in_a_picker_and_recorded_once() {
    let mut app = app();
    // SEV2 now: S opens the picker on it; ↑ moves to SEV1, Enter records only that.
    assert!(update(&mut app, key('S')).is_empty());
    assert_eq!(app.mode, Mode::PickSeverity(1));
    update(&mut app, code(KeyCode::Up));
    let cmds = update(&mut app, code(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Command::Append { event: Event::Severity { level }, .. }] if *level == crate::core::severity::Severity::Sev1),
        "{cmds:?}"
    );
    ack(&mut app, cmds);
    // A digit picks directly; Esc records nothing; choosing the current one records nothing.
    update(&mut app, key('S'));
    assert!(update(&mut app, code(KeyCode::Esc)).is_empty());
    update(&mut app, key('S'));
    assert!(update(&mut app, key('1')).is_empty(), "SEV1 already");
    update(&mut app, key('S'));
    assert_eq!(update(&mut app, key('3')).len(), 1);
}

#[test]
fn lines_written_by_another_process_appear_in_the_timeline() {
    let mut app = app();
    let prev = app.records[0].hash.clone();
    let note = seal(
        2,
        app.now,
        "bob",
        Event::Note {
            text: "from a script".into(),
        },
        &prev,
    )
    .unwrap()
    .1;
    update(&mut app, Msg::External(vec![note]));
    assert_eq!(app.records.len(), 2);
    assert_eq!(
        app.incident.responders,
        vec!["alice".to_string(), "bob".to_string()]
    );
}

#[test]
fn moving_down_selects_the_next_step_and_stops_at_the_last() {
    let mut app = app();
    for _ in 0..50 {
        update(&mut app, key('j'));
    }
    let last = app.current_runbook().unwrap().steps.len() - 1;
    assert_eq!(app.step, last);
}

/// Like `ack`, but returns what the runtime is asked to do next (e.g. run a command whose start was
/// just recorded).
fn ack_all(app: &mut App, commands: Vec<Command>) -> Vec<Command> {
    let mut next = Vec::new();
    for c in commands {
        match c {
            Command::Append { req, actor, event, .. } => {
                let prev = app
                    .records
                    .last()
                    .map(|r| r.hash.clone())
                    .unwrap_or_default();
                let seq = app.incident.last_seq + 1;
                let record = seal(seq, app.now, &actor, event, &prev).unwrap().1;
                next.extend(update(
                    app,
                    Msg::Appended {
                        req,
                        appended: Appended {
                            record,
                            foreign: vec![],
                            problems: vec![],
                        },
                    },
                ));
            }
            other => next.push(other),
        }
    }
    next
}

/// The rollback runbook's "roll back the deploy" step, selected; its command needs `{service}`.
fn at_rollback_step(app: &mut App) {
    update(app, key(']'));
    assert_eq!(app.current_runbook().unwrap().name, "rollback");
    update(app, key('j'));
    update(app, key('j'));
    let step = &app.current_runbook().unwrap().steps[app.step];
    assert_eq!(step.id, "roll-back");
}

fn outcome(id: u64, exit: i32) -> crate::act::RunOutcome {
    crate::act::RunOutcome {
        id,
        exit_code: Some(exit),
        duration: std::time::Duration::from_millis(1200),
        reason: crate::act::FinishReason::Exited,
        tail: vec!["deployment.apps/payments-api rolled back".into()],
        lines_total: 1,
        bytes_total: 40,
    }
}

#[test]
fn running_a_step_asks_for_missing_params_then_shows_the_exact_command() {
    let mut app = app();
    at_rollback_step(&mut app);
    assert!(update(&mut app, key('x')).is_empty());
    assert_eq!(app.mode, Mode::Input(Input::Param, String::new()));
    assert_eq!(super::act::asking(&app), Some("service"));
    for ch in "payments-api".chars() {
        update(&mut app, key(ch));
    }
    assert!(
        update(&mut app, code(KeyCode::Enter)).is_empty(),
        "nothing runs before the yes"
    );
    let Mode::ConfirmRun(request) = &app.mode else {
        panic!("expected a confirmation, got {:?}", app.mode);
    };
    assert_eq!(
        request.spec.line(),
        "kubectl rollout undo deploy/payments-api"
    );
}

#[test]
fn a_confirmed_command_runs_only_after_its_start_is_recorded_and_success_ticks_the_step() {
    let mut app = app();
    app.params.insert("service".into(), "payments-api".into());
    at_rollback_step(&mut app);
    update(&mut app, key('x'));
    let cmds = update(&mut app, key('y'));
    assert!(
        matches!(&cmds[..], [Command::Append { event: Event::CommandStarted { command, .. }, .. }] if command == "kubectl rollout undo deploy/payments-api"),
        "only the start is asked for: {cmds:?}"
    );
    let next = ack_all(&mut app, cmds);
    let [Command::Run { id, spec }] = &next[..] else {
        panic!("expected the run once the start was written: {next:?}");
    };
    assert_eq!(spec.line(), "kubectl rollout undo deploy/payments-api");
    let done = update(
        &mut app,
        Msg::Run(crate::act::RunEvent::Finished(outcome(*id, 0))),
    );
    assert!(matches!(
        &done[0],
        Command::Append {
            event: Event::CommandFinished {
                exit_code: Some(0),
                ..
            },
            ..
        }
    ));
    assert!(
        matches!(&done[1], Command::Append { event: Event::StepChecked { step, .. }, .. } if step == "roll-back")
    );
    ack(&mut app, done);
    assert!(app.incident.is_checked("rollback", "roll-back"));
}

#[test]
fn a_failing_command_leaves_the_step_unticked_and_says_so() {
    let mut app = app();
    app.params.insert("service".into(), "payments-api".into());
    at_rollback_step(&mut app);
    update(&mut app, key('x'));
    let cmds = update(&mut app, key('y'));
    let next = ack_all(&mut app, cmds);
    let [Command::Run { id, .. }] = &next[..] else {
        panic!("{next:?}")
    };
    let done = update(
        &mut app,
        Msg::Run(crate::act::RunEvent::Finished(outcome(*id, 3))),
    );
    assert_eq!(done.len(), 1, "the end is recorded, no tick: {done:?}");
    ack(&mut app, done);
    assert!(!app.incident.is_checked("rollback", "roll-back"));
    let flash = app.flash.clone().unwrap();
    assert!(
        flash.error && flash.text.contains("failed"),
        "{}",
        flash.text
    );
}

#[test]
fn dry_run_shows_the_command_but_never_runs_it() {
    let mut app = app();
    app.dry_run = true;
    app.params.insert("service".into(), "payments-api".into());
    at_rollback_step(&mut app);
    update(&mut app, key('x'));
    assert!(update(&mut app, key('y')).is_empty());
    assert!(app.flash.clone().unwrap().text.contains("was NOT run"));
}

#[test]
fn a_dry_run_sends_no_status_update_and_keeps_the_draft() {
    let mut app = app();
    app.dry_run = true;
    app.destinations = vec!["webhook http://127.0.0.1:9".into()];
    update(&mut app, key('u'));
    let Mode::Compose(editor) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    let text = editor.text();
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    let said = app.flash.clone().unwrap().text;
    assert!(said.contains("dry run: the update was NOT sent"), "{said}");
    assert_eq!(app.update_draft.as_ref().map(|e| e.text()), Some(text));
}

#[test]
fn a_failed_delivery_stays_said_while_the_other_destinations_answer() {
    let mut app = app();
    app.destinations = vec![
        "file status-updates.md".into(),
        "file /nonexistent/updates.md".into(),
        "webhook http://127.0.0.1:9".into(),
    ];
    update(&mut app, key('u'));
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    let answer = |destination: &str, ok: bool, detail: &str| Msg::Delivered {
        delivery: crate::act::Delivery {
            destination: destination.into(),
            ok,
            attempts: 1,
            detail: detail.into(),
            sent_at: chrono::Utc::now(),
            osc52: None,
        },
        text: "the update".into(),
    };
    update(&mut app, answer("file /nonexistent/updates.md", false, "No such file or directory"));
    update(&mut app, answer("file status-updates.md", true, "written"));
    update(&mut app, answer("webhook http://127.0.0.1:9", false, "cannot connect: refused"));
    let flash = app.flash.clone().unwrap();
    assert!(flash.error, "{flash:?}");
    assert!(
        flash.text.starts_with("update NOT delivered to 2 of 3: file /nonexistent/updates.md: ")
            && flash.text.contains("webhook http://127.0.0.1:9: "),
        "{}",
        flash.text
    );
    assert_eq!(app.deliveries, 0);
    // And the timeline's line of a failed one says so, not only its detail.
    let failed = Event::UpdateSent {
        destination: "webhook http://127.0.0.1:9".into(),
        text: "Payments: degraded\nmore".into(),
        result: "FAILED (cannot connect: refused)".into(),
    };
    assert_eq!(
        failed.summary(),
        "update → webhook http://127.0.0.1:9 NOT delivered: Payments: degraded"
    );
}

#[test]
fn any_key_but_y_at_the_confirmation_runs_nothing() {
    let mut app = app();
    app.params.insert("service".into(), "payments-api".into());
    at_rollback_step(&mut app);
    update(&mut app, key('x'));
    assert!(update(&mut app, code(KeyCode::Enter)).is_empty());
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn a_status_update_is_composed_from_live_state_and_sent_to_every_destination() {
    let mut app = app();
    app.destinations = vec!["file updates.md".into()];
    update(&mut app, key('u'));
    let Mode::Compose(editor) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    let text = editor.text();
    assert!(text.contains("Payments"), "{text}");
    assert!(text.contains("SEV2"), "{text}");
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    // What people receive ends with the chain's head as it stands: the opening line, #1.
    let head = &app.records[0].hash[..32];
    let sent = format!("{}\n\n— sitrep head #1 sha256:{head}", text.trim_end());
    assert!(
        matches!(&cmds[..], [Command::Deliver { update }] if update.text == sent && update.incident == app.incident.title),
        "{cmds:?}"
    );
}

#[test]
fn an_update_with_no_destination_is_kept_in_the_composer_with_a_reason() {
    let mut app = app();
    update(&mut app, key('u'));
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert!(cmds.is_empty());
    assert!(matches!(app.mode, Mode::Compose(_)));
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .contains("no destinations configured")
    );
}

/// Types `text` into whatever input is open.
fn typed(app: &mut App, text: &str) {
    for ch in text.chars() {
        update(app, key(ch));
    }
}

mod baseline;
mod episodes;
mod defects;
mod mouse;
mod rates;
mod shared;
mod timeline;

#[test]
fn the_panels_keep_their_focus_order_and_titles() {
    let titles: Vec<&str> = Panel::ALL.iter().map(|p| p.title()).collect();
    assert_eq!(titles, ["Logs", "Health", "Runbook", "Timeline"]);
}

#[test]
fn a_colon_after_a_refused_command_starts_a_new_one() {
    let mut app = app();
    for ch in ":bogus".chars() {
        update(&mut app, key(ch));
    }
    update(&mut app, code(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Input(Input::Palette, "bogus".into()));
    assert!(app.flash.clone().unwrap().text.contains("unknown command"));
    // `:` again: a fresh command, not `bogus:`.
    update(&mut app, key(':'));
    assert_eq!(app.mode, Mode::Input(Input::Palette, String::new()));
    // Fixing the refused one by typing on works as before, `:` included after the first key.
    for ch in "bogu".chars() {
        update(&mut app, key(ch));
    }
    update(&mut app, code(KeyCode::Enter));
    update(&mut app, key('s'));
    update(&mut app, key(':'));
    assert_eq!(app.mode, Mode::Input(Input::Palette, "bogus:".into()));
}

#[test]
fn a_draft_kept_a_while_is_sent_with_its_times_written_afresh() {
    let mut app = app();
    app.destinations = vec!["file updates.md".into()];
    let start = app.now;
    update(&mut app, key('u'));
    let Mode::Compose(editor) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    let due_then = (start + chrono::Duration::from_std(app.update_every).unwrap())
        .format("%H:%M UTC")
        .to_string();
    assert!(editor.text().contains(&format!("Next update: {due_then}")), "{}", editor.text());
    update(&mut app, code(KeyCode::Esc));
    // Twenty minutes later, the kept draft is reopened and sent.
    let later = start + chrono::Duration::minutes(20);
    update(&mut app, Msg::Tick(later));
    update(&mut app, key('u'));
    let said = app.flash.clone().unwrap().text;
    assert!(said.contains("draft filled at"), "{said}");
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    let [Command::Deliver { update: sent }] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    let due_now = (later + chrono::Duration::from_std(app.update_every).unwrap())
        .format("%H:%M UTC")
        .to_string();
    assert!(sent.text.contains(&format!("Next update: {due_now}")), "{}", sent.text);
    assert!(!sent.text.contains(&due_then), "{}", sent.text);
}
