//! The mouse, when the user turned it on (`[ui] mouse = true`, `--mouse`): a click focuses the panel
//! under it and the wheel scrolls the panel under the pointer. The shell, which knows the layout, has
//! already found the panel; here the pointer only does what keys do.

use super::keys::Action;
use super::{App, Mode, Panel};

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

/// What a mouse event asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Focus this panel.
    Focus(Panel),
    /// Scroll the help overlay by this many lines.
    ScrollHelp(isize),
    /// Do what `action` does in `panel`, as if it had the focus, and leave the focus where it was.
    Act {
        /// What to do.
        action: Action,
        /// Where.
        panel: Panel,
    },
}

/// What a mouse event means here, if anything. Only the panels and the help react: a stray click
/// never answers a question or leaves a half-typed note.
pub fn reaction(app: &App, mouse: Mouse) -> Option<Reaction> {
    match (&app.mode, mouse.pointer) {
        (Mode::Help, Pointer::WheelUp) => Some(Reaction::ScrollHelp(-HELP_LINES)),
        (Mode::Help, Pointer::WheelDown) => Some(Reaction::ScrollHelp(HELP_LINES)),
        (Mode::Normal, Pointer::Click) => mouse.panel.map(Reaction::Focus),
        (Mode::Normal, Pointer::WheelUp) => mouse.panel.map(|panel| Reaction::Act {
            action: Action::Up,
            panel,
        }),
        (Mode::Normal, Pointer::WheelDown) => mouse.panel.map(|panel| Reaction::Act {
            action: Action::Down,
            panel,
        }),
        _ => None,
    }
}

/// Lines one wheel step scrolls the help, as one press of a scrolling key does.
pub const HELP_LINES: isize = 5;
