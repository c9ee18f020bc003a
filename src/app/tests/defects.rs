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
