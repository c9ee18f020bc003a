//! The mouse, when the user turned it on (`[ui] mouse = true`, `--mouse`): a click focuses the panel
//! under it and the wheel scrolls the panel under the pointer. The shell, which knows the layout, has
//! already found the panel; here the pointer only does what keys do.

use crossterm::event::{KeyCode, KeyEvent};

use super::keys::{self, Action};
use super::{App, Command, Mode, Msg, Panel};

/// What the pointer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointer {
    /// The left button went down.
    Click,
    /// The wheel turned towards the user's screen top (back through the logs).
    WheelUp,
    /// The wheel turned the other way.
    WheelDown,
}

/// A mouse event placed on the screen: what happened, over which panel (`None`: header, footer, gaps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    /// What happened.
    pub pointer: Pointer,
    /// The panel under the pointer.
    pub panel: Option<Panel>,
}

/// Applies a mouse event. Only the panels and the help react: a stray click never answers a question
/// or leaves a half-typed note.
pub fn on_mouse(app: &mut App, mouse: Mouse) -> Vec<Command> {
    match (&app.mode, mouse.pointer) {
        (Mode::Help, Pointer::WheelUp) => press(app, KeyEvent::from(KeyCode::Up)),
        (Mode::Help, Pointer::WheelDown) => press(app, KeyEvent::from(KeyCode::Down)),
        (Mode::Normal, Pointer::Click) => {
            if let Some(panel) = mouse.panel {
                app.focus = panel;
            }
            Vec::new()
        }
        (Mode::Normal, Pointer::WheelUp | Pointer::WheelDown) => {
            let Some(panel) = mouse.panel else {
                return Vec::new();
            };
            let action = if mouse.pointer == Pointer::WheelUp {
                Action::Up
            } else {
                Action::Down
            };
            // Scroll the panel under the pointer as its key would, and leave the focus where it was.
            let Some(key) = keys::key_for(&app.keymap, action, panel) else {
                return Vec::new();
            };
            let focus = std::mem::replace(&mut app.focus, panel);
            let commands = press(app, key);
            if app.focus == panel {
                app.focus = focus;
            }
            commands
        }
        _ => Vec::new(),
    }
}

fn press(app: &mut App, key: KeyEvent) -> Vec<Command> {
    super::update(app, Msg::Key(key))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        super::super::update(&mut app, over(Panel::Health, Pointer::Click));
        assert_eq!(app.focus, Panel::Health);
        super::super::update(
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
            super::super::update(&mut app, over(Panel::Runbook, Pointer::WheelDown));
        }
        super::super::update(&mut app, over(Panel::Runbook, Pointer::WheelUp));
        assert_eq!(app.step, 2, "three steps down, one up, as j j j k");
        assert_eq!(app.focus, Panel::Logs);
    }

    #[test]
    fn the_wheel_follows_rebound_keys() {
        let mut app = app();
        let rebound = keys::Rebinding {
            action: Action::Down,
            keys: vec![KeyEvent::from(KeyCode::Char('J'))],
        };
        app.keymap = keys::rebind(keys::default_keymap(), &[rebound]).unwrap();
        super::super::update(&mut app, over(Panel::Runbook, Pointer::WheelDown));
        assert_eq!(app.step, 1);
    }

    #[test]
    fn a_click_never_interrupts_typing_or_answers_a_question() {
        let mut app = app();
        app.mode = Mode::Input(super::super::Input::Note, "half a no".into());
        super::super::update(&mut app, over(Panel::Logs, Pointer::Click));
        super::super::update(&mut app, over(Panel::Runbook, Pointer::WheelDown));
        assert_eq!(app.focus, Panel::Runbook);
        assert_eq!(app.step, 0);
        assert_eq!(
            app.mode,
            Mode::Input(super::super::Input::Note, "half a no".into())
        );
    }

    #[test]
    fn the_wheel_scrolls_the_help() {
        let mut app = app();
        app.mode = Mode::Help;
        super::super::update(&mut app, over(Panel::Logs, Pointer::WheelDown));
        assert!(app.help_scroll > 0);
        assert_eq!(app.mode, Mode::Help);
    }
}
