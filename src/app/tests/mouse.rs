//! The mouse does what the keys do, over the panel under the pointer.

use crate::app::mouse::{Mouse, Pointer};
use crossterm::event::{KeyCode, KeyEvent};

use crate::app::keys::{self, Action};
use crate::app::{App, Mode, Msg, Panel, update};

fn app() -> App {
    App::new(
        Vec::new(),
        "t.jsonl".into(),
        crate::runbook::shipped(),
        "alice".into(),
        chrono::Utc::now(),
    )
}

fn over(panel: Panel, pointer: Pointer) -> Msg {
    Msg::Mouse(Mouse {
        pointer,
        panel: Some(panel),
    })
}

#[test]
fn a_click_focuses_the_panel_under_it() {
    let mut app = app();
    assert_eq!(app.focus, Panel::Runbook);
    update(&mut app, over(Panel::Health, Pointer::Click));
    assert_eq!(app.focus, Panel::Health);
    update(
        &mut app,
        Msg::Mouse(Mouse {
            pointer: Pointer::Click,
            panel: None,
        }),
    );
    assert_eq!(
        app.focus,
        Panel::Health,
        "a click on the header changes nothing"
    );
}

#[test]
fn the_wheel_scrolls_the_panel_under_the_pointer_and_leaves_the_focus() {
    let mut app = app();
    app.focus = Panel::Logs;
    for _ in 0..3 {
        update(&mut app, over(Panel::Runbook, Pointer::WheelDown));
    }
    update(&mut app, over(Panel::Runbook, Pointer::WheelUp));
    assert_eq!(app.step, 2, "three steps down, one up, as j j j k");
    assert_eq!(app.focus, Panel::Logs);
}

#[test]
fn the_wheel_scrolls_by_its_action_whatever_keys_it_is_bound_to() {
    let mut app = app();
    let rebound = keys::Rebinding {
        action: Action::Down,
        keys: vec![KeyEvent::from(KeyCode::Char('J'))],
    };
    app.keymap = keys::rebind(keys::default_keymap(), &[rebound]).unwrap();
    update(&mut app, over(Panel::Runbook, Pointer::WheelDown));
    assert_eq!(app.step, 1);
}

#[test]
fn a_click_never_interrupts_typing_or_answers_a_question() {
    let mut app = app();
    app.mode = Mode::Input(crate::app::Input::Note, "half a no".into());
    update(&mut app, over(Panel::Logs, Pointer::Click));
    update(&mut app, over(Panel::Runbook, Pointer::WheelDown));
    assert_eq!(app.focus, Panel::Runbook);
    assert_eq!(app.step, 0);
    assert_eq!(
        app.mode,
        Mode::Input(crate::app::Input::Note, "half a no".into())
    );
}

#[test]
fn the_wheel_scrolls_the_help() {
    let mut app = app();
    app.mode = Mode::Help;
    update(&mut app, over(Panel::Logs, Pointer::WheelDown));
    assert!(app.help_scroll > 0);
    assert_eq!(app.mode, Mode::Help);
}
