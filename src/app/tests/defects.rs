//! Defects a user hit, each held to what the user now sees.

use super::*;

#[test]
fn every_palette_command_runs_by_name_and_only_quit_quits() {
    for (name, arg, _) in palette::COMMANDS {
        let mut app = app();
        let line = match *name {
            "note" => "note db failover done".to_string(),
            "runbook" => "runbook rollback".to_string(),
            "mark" => "mark detected".to_string(),
            "severity" => "severity SEV1".to_string(),
            "context" => "context 2".to_string(),
            _ if arg.is_empty() || arg.contains('|') => name.to_string(),
            _ => format!("{name} x"),
        };
        update(&mut app, key(':'));
        typed(&mut app, &line);
        update(&mut app, code(KeyCode::Enter));
        let said = app.flash.clone().map(|f| f.text).unwrap_or_default();
        assert!(
            !said.contains("unknown command") && !said.contains("not handled"),
            ":{line} answered {said:?}"
        );
        assert_eq!(app.quit, *name == "quit", ":{line} (quit: {})", app.quit);
    }
}

#[test]
fn good_then_bad_marks_the_ranges_that_compare_uses() {
    let mut app = app();
    update(&mut app, key(':'));
    typed(&mut app, "good");
    update(&mut app, code(KeyCode::Enter));
    assert!(app.flash.clone().unwrap().text.contains("working range"));
    update(&mut app, key(':'));
    typed(&mut app, "bad");
    update(&mut app, code(KeyCode::Enter));
    assert!(
        app.flash
            .clone()
            .unwrap()
            .text
            .contains("failing from now on")
    );
    assert!(app.good.is_some() && app.bad_from.is_some());
}

#[test]
fn a_steps_update_every_sets_when_the_next_update_is_due_after_it_is_sent() {
    let text = "name = \"comms\"\n[[step]]\nid = \"hourly\"\ntitle = \"Update\"\nupdate-every = \"5m\"\ntemplate = \"Next update in {next_update_in}\"\n";
    let mut app = app();
    app.runbooks = vec![crate::runbook::parse("comms.toml", text).unwrap()];
    app.destinations = vec!["file updates.md".into()];
    update(&mut app, key('u'));
    let Mode::Compose(editor) = &app.mode else {
        panic!("{:?}", app.mode)
    };
    assert_eq!(editor.text(), "Next update in 5m");
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    let [Command::Deliver { update: sent }] = cmds.as_slice() else {
        panic!("{cmds:?}")
    };
    let text = &sent.text;
    let delivery = crate::act::Delivery {
        destination: "file updates.md".into(),
        ok: true,
        attempts: 1,
        detail: "written".into(),
        sent_at: app.now,
        osc52: None,
    };
    let cmds = update(
        &mut app,
        Msg::Delivered {
            delivery,
            text: text.clone(),
        },
    );
    assert_eq!(act::cadence_label(&app).0, "next update in 5m");
    // Sent from the communicate step: the delivered update ticks it.
    assert!(
        cmds.iter().any(|c| matches!(c, Command::Append { event: Event::StepChecked { runbook, step, .. }, .. } if runbook == "comms" && step == "hourly")),
        "{cmds:?}"
    );
}

fn ctrl(ch: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL))
}

#[test]
fn esc_in_the_note_editor_keeps_the_draft_and_n_brings_it_back() {
    let mut app = app();
    update(&mut app, key('n'));
    typed(&mut app, "db failover started at 14:02");
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.flash.clone().unwrap().text.contains("kept as a draft"));
    update(&mut app, key('n'));
    assert_eq!(
        app.mode,
        Mode::Input(Input::Note, "db failover started at 14:02".into())
    );
}

#[test]
fn esc_in_the_update_editor_keeps_the_draft_and_u_brings_it_back() {
    let mut app = app();
    update(&mut app, key('u'));
    typed(
        &mut app,
        " Rollback in progress, payments retried automatically.",
    );
    let Mode::Compose(written) = app.mode.clone() else {
        panic!("{:?}", app.mode)
    };
    update(&mut app, code(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
    update(&mut app, key('u'));
    assert_eq!(app.mode, Mode::Compose(written));
}

#[test]
fn ctrl_x_asks_before_a_draft_is_thrown_away() {
    let mut app = app();
    update(&mut app, key('n'));
    typed(&mut app, "half a thought");
    update(&mut app, ctrl('x'));
    assert!(matches!(app.mode, Mode::ConfirmDiscard(_)));
    update(&mut app, key('n'));
    assert_eq!(app.mode, Mode::Input(Input::Note, "half a thought".into()));
    update(&mut app, ctrl('x'));
    update(&mut app, key('y'));
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.flash.clone().unwrap().text, "note discarded");
    update(&mut app, key('n'));
    assert_eq!(app.mode, Mode::Input(Input::Note, String::new()));

    update(&mut app, code(KeyCode::Esc));
    update(&mut app, key('u'));
    update(&mut app, ctrl('x'));
    update(&mut app, key('y'));
    assert_eq!(app.flash.clone().unwrap().text, "update discarded");
    assert!(app.update_draft.is_none());
}

/// Binds `action` to `keys` alone, the way `[keys]` in sitrep.toml does.
fn rebind(app: &mut App, action: Action, key: KeyCode) {
    for b in app.keymap.iter_mut().filter(|b| b.action == action) {
        b.keys = vec![KeyEvent::new(key, KeyModifiers::NONE)];
    }
}

#[test]
fn messages_name_the_keys_in_use_after_a_rebind() {
    let mut app = app();
    rebind(&mut app, Action::Retry, KeyCode::F(5));
    let cmds = update(&mut app, key(' '));
    let Command::Append { req, .. } = cmds[0].clone() else {
        panic!("{cmds:?}")
    };
    update(
        &mut app,
        Msg::AppendFailed {
            req,
            error: "disk full".into(),
        },
    );
    update(&mut app, key(' '));
    let said = app.flash.clone().unwrap().text;
    assert!(said.contains("F5 retries"), "{said}");
    assert!(!said.contains("(r)"), "{said}");
}

#[test]
fn help_scrolls_with_the_keys_bound_to_down_and_up() {
    let mut app = app();
    rebind(&mut app, Action::Down, KeyCode::Char('s'));
    update(&mut app, key('?'));
    update(&mut app, key('s'));
    assert_eq!((app.mode.clone(), app.help_scroll), (Mode::Help, 5));
}

#[test]
fn switching_times_to_utc_or_local_says_which_they_are_now() {
    let mut app = app();
    let was = app.utc;
    update(&mut app, key('t'));
    assert_ne!(app.utc, was);
    let said = app.flash.clone().unwrap().text;
    let expected = if app.utc { "times in UTC" } else { "times in local time (" };
    assert!(said.starts_with(expected), "{said}");
    update(&mut app, key('t'));
    let said = app.flash.clone().unwrap().text;
    assert_eq!(app.utc, was);
    assert_eq!(said.starts_with("times in UTC"), app.utc, "{said}");
    assert!(said.ends_with("t switches"), "{said}");
}
