//! The keymap: one table that both dispatches keys and generates the help and the footer, so they can
//! never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Panel;
use crate::timeline::Milestone;

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave (asks first when actions are pending).
    Quit,
    /// Focus the next panel.
    FocusNext,
    /// Focus the previous panel.
    FocusPrev,
    /// Focus a panel directly.
    Focus(Panel),
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Jump to the top.
    Top,
    /// Jump to the bottom (logs: follow again).
    Bottom,
    /// Half a page up.
    PageUp,
    /// Half a page down.
    PageDown,
    /// Tick or untick the selected step.
    Toggle,
    /// Show the next runbook.
    NextRunbook,
    /// Show the previous runbook.
    PrevRunbook,
    /// Write a note.
    Note,
    /// Show every key.
    Help,
    /// Record a milestone.
    Mark(Milestone),
    /// Step the severity to the next level.
    Severity,
    /// Show times in UTC or local time.
    ToggleUtc,
    /// Write again what failed to be written.
    Retry,
    /// Open the `:` command palette.
    Palette,
    /// Filter the logs by a regex.
    Filter,
    /// Show the lines the filter hides instead.
    Invert,
    /// Freeze the logs view, or follow again.
    Follow,
    /// Jump to the next older error line.
    PrevError,
    /// Jump to the next newer error line.
    NextError,
    /// Log patterns instead of raw lines.
    Patterns,
    /// The focused panel fills the screen.
    Zoom,
    /// Run the selected step's command (asks first).
    Run,
    /// Show the command output pane.
    Output,
    /// Write a status update.
    Compose,
}

/// Where a binding works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere.
    Global,
    /// Only when this panel has focus.
    In(Panel),
}

/// One binding: keys, what they do, where, and how the help describes it.
#[derive(Debug, Clone)]
pub struct Binding {
    /// Keys that trigger it.
    pub keys: Vec<KeyEvent>,
    /// What it does.
    pub action: Action,
    /// Where it works.
    pub scope: Scope,
    /// Text for the help overlay.
    pub help: &'static str,
    /// Shown in the footer when this short label is set.
    pub footer: Option<&'static str>,
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn c(ch: char) -> KeyEvent {
    k(KeyCode::Char(ch))
}

fn ctrl(ch: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(ch), KeyModifiers::CONTROL)
}

/// The default keymap.
pub fn default_keymap() -> Vec<Binding> {
    use Action::*;
    let b = |keys: Vec<KeyEvent>, action, scope, help, footer| Binding {
        keys,
        action,
        scope,
        help,
        footer,
    };
    let g = Scope::Global;
    let rb = Scope::In(Panel::Runbook);
    let lg = Scope::In(Panel::Logs);
    vec![
        b(
            vec![c('q')],
            Quit,
            g,
            "quit (asks first if writes are pending)",
            Some("quit"),
        ),
        b(vec![c('?')], Help, g, "show this help", Some("help")),
        b(
            vec![k(KeyCode::Tab)],
            FocusNext,
            g,
            "focus the next panel",
            Some("panel"),
        ),
        b(
            vec![
                k(KeyCode::BackTab),
                KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
            ],
            FocusPrev,
            g,
            "focus the previous panel",
            None,
        ),
        b(vec![c('1')], Focus(Panel::Logs), g, "focus logs", None),
        b(vec![c('2')], Focus(Panel::Health), g, "focus health", None),
        b(
            vec![c('3')],
            Focus(Panel::Runbook),
            g,
            "focus runbook",
            None,
        ),
        b(
            vec![c('4')],
            Focus(Panel::Timeline),
            g,
            "focus timeline",
            None,
        ),
        b(
            vec![c('k'), k(KeyCode::Up)],
            Up,
            g,
            "move up / scroll back",
            None,
        ),
        b(
            vec![c('j'), k(KeyCode::Down)],
            Down,
            g,
            "move down / scroll on",
            None,
        ),
        b(
            vec![c('g'), k(KeyCode::Home)],
            Top,
            g,
            "jump to the top",
            None,
        ),
        b(
            vec![c('G'), k(KeyCode::End)],
            Bottom,
            g,
            "jump to the bottom (logs: follow)",
            None,
        ),
        b(
            vec![ctrl('u'), k(KeyCode::PageUp)],
            PageUp,
            g,
            "half a page up",
            None,
        ),
        b(
            vec![ctrl('d'), k(KeyCode::PageDown)],
            PageDown,
            g,
            "half a page down",
            None,
        ),
        b(
            vec![c(' '), k(KeyCode::Enter)],
            Toggle,
            rb,
            "tick / untick the selected step",
            Some("tick"),
        ),
        b(
            vec![k(KeyCode::Enter)],
            Toggle,
            lg,
            "patterns view: the selected pattern's lines",
            None,
        ),
        b(
            vec![c(']'), c('l'), k(KeyCode::Right)],
            NextRunbook,
            rb,
            "next runbook",
            None,
        ),
        b(
            vec![c('['), c('h'), k(KeyCode::Left)],
            PrevRunbook,
            rb,
            "previous runbook",
            Some("runbook"),
        ),
        b(
            vec![c('n')],
            Note,
            g,
            "add a note to the timeline",
            Some("note"),
        ),
        b(
            vec![c('D')],
            Mark(Milestone::Detected),
            g,
            "mark the incident detected",
            None,
        ),
        b(
            vec![c('M')],
            Mark(Milestone::Mitigated),
            g,
            "mark the incident mitigated",
            None,
        ),
        b(
            vec![c('R')],
            Mark(Milestone::Resolved),
            g,
            "mark the incident resolved",
            None,
        ),
        b(
            vec![c('S')],
            Severity,
            g,
            "change severity (SEV1 → SEV4 → SEV1)",
            None,
        ),
        b(
            vec![c('t')],
            ToggleUtc,
            g,
            "show times in UTC / local time",
            None,
        ),
        b(
            vec![c('r')],
            Retry,
            g,
            "retry timeline writes that failed",
            None,
        ),
        b(
            vec![c(':')],
            Palette,
            g,
            "command palette (Tab completes)",
            Some("cmd"),
        ),
        b(
            vec![c('/')],
            Filter,
            g,
            "filter the logs by regex (empty clears)",
            Some("filter"),
        ),
        b(vec![c('!')], Invert, lg, "invert the filter", None),
        b(
            vec![c('f')],
            Follow,
            lg,
            "freeze the view / follow new lines",
            None,
        ),
        b(
            vec![c('e')],
            PrevError,
            lg,
            "jump to the previous error line",
            None,
        ),
        b(
            vec![c('E')],
            NextError,
            lg,
            "jump to the next error line",
            None,
        ),
        b(
            vec![c('p')],
            Patterns,
            g,
            "log patterns instead of raw lines",
            None,
        ),
        b(
            vec![c('z')],
            Zoom,
            g,
            "zoom the focused panel (Esc or z back)",
            None,
        ),
        b(
            vec![c('x')],
            Run,
            rb,
            "run the step's command (asks first)",
            None,
        ),
        b(
            vec![c('o')],
            Output,
            g,
            "show the output of the last command",
            None,
        ),
        b(
            vec![c('u')],
            Compose,
            g,
            "write a status update (Ctrl-S sends)",
            Some("update"),
        ),
    ]
}

/// Finds what a key does with `focus` focused: a panel's own binding wins over a global one.
pub fn lookup(keymap: &[Binding], key: &KeyEvent, focus: Panel) -> Option<Action> {
    let matches = |b: &&Binding| {
        b.keys
            .iter()
            .any(|bk| bk.code == key.code && bk.modifiers == normalize(key))
    };
    keymap
        .iter()
        .filter(matches)
        .find(|b| b.scope == Scope::In(focus))
        .or_else(|| {
            keymap
                .iter()
                .filter(matches)
                .find(|b| b.scope == Scope::Global)
        })
        .map(|b| b.action)
}

/// Shift is part of an upper-case letter already; terminals disagree on whether to report it.
fn normalize(key: &KeyEvent) -> KeyModifiers {
    match key.code {
        KeyCode::Char(_) => key.modifiers - KeyModifiers::SHIFT,
        _ => key.modifiers,
    }
}

/// A key as the help shows it: `Ctrl-d`, `Tab`, `j`.
pub fn key_label(key: &KeyEvent) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(ch) => ch.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Esc => "Esc".into(),
        other => format!("{other:?}"),
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_ticks_only_in_the_runbook_panel() {
        let map = default_keymap();
        assert_eq!(lookup(&map, &c(' '), Panel::Runbook), Some(Action::Toggle));
        assert_eq!(lookup(&map, &c(' '), Panel::Logs), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        let map = default_keymap();
        for (i, a) in map.iter().enumerate() {
            for b in &map[i + 1..] {
                if a.scope == b.scope {
                    for key in &a.keys {
                        assert!(!b.keys.contains(key), "{} bound twice", key_label(key));
                    }
                }
            }
        }
    }
}
