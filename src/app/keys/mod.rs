//! The keymap: one table that both dispatches keys and generates the help and the footer, so they can
//! never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Panel;

mod names;
mod rebind;

pub use names::{Key, KeyError, UnknownAction};
pub use rebind::{Rebinding, rebind};

/// What a key does; `[keys]` names it in kebab-case (`focus-next`), and the declaration order is the
/// order the keymap lists them in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::Display, strum::IntoStaticStr, strum::VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Action {
    /// Leave (asks first when actions are pending).
    Quit,
    /// Show every key.
    Help,
    /// Focus the next panel.
    FocusNext,
    /// Focus the previous panel.
    FocusPrev,
    /// Focus the logs panel.
    FocusLogs,
    /// Focus the health panel.
    FocusHealth,
    /// Focus the runbook panel.
    FocusRunbook,
    /// Focus the timeline panel.
    FocusTimeline,
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
    #[strum(serialize = "tick")]
    Toggle,
    /// Show the next runbook.
    NextRunbook,
    /// Show the previous runbook.
    PrevRunbook,
    /// Write a note.
    Note,
    /// Record that the problem was noticed.
    MarkDetected,
    /// Record that the impact was stopped.
    MarkMitigated,
    /// Record that the incident is over.
    MarkResolved,
    /// Step the severity to the next level.
    Severity,
    /// Show times in UTC or local time.
    #[strum(serialize = "utc")]
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
    #[strum(serialize = "update")]
    Compose,
    /// Open what is selected: a log line's detail, a pattern's lines.
    Open,
    /// Wrap long log lines onto several rows, or cut them.
    Wrap,
    /// Scroll the log lines left.
    ScrollLeft,
    /// Scroll the log lines right.
    ScrollRight,
    /// Search: the logs (highlight and jump, hiding nothing) or the timeline's events.
    Search,
    /// Jump to the next newer match of the search.
    NextMatch,
    /// Jump to the next older match of the search.
    PrevMatch,
    /// Show every line of the same request as the selected line.
    SameRequest,
    /// Copy the selected line (OSC 52).
    Copy,
    /// Record the selected log line in the timeline as evidence.
    Pin,
    /// Show the logs at the moment of the selected timeline event.
    ShowInLogs,
    /// Retract the selected milestone or severity, recorded by mistake (asks first).
    Retract,
    /// Acknowledge the banner saying the timeline was found damaged.
    Acknowledge,
    /// Answer a teammate's request to run a step that needs approval.
    Approvals,
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

type Row = (
    &'static [&'static str],
    Action,
    Scope,
    &'static str,
    Option<&'static str>,
);

const G: Scope = Scope::Global;
const RB: Scope = Scope::In(Panel::Runbook);
const LG: Scope = Scope::In(Panel::Logs);
const TL: Scope = Scope::In(Panel::Timeline);

/// A panel's action that stands in for a global one while that panel has focus, sharing its keys
/// on purpose: in the timeline, `/` searches the events instead of filtering the logs.
pub const STANDS_IN: &[(Action, Action)] = &[(Action::Search, Action::Filter)];

/// The defaults, keys spelt as `[keys]` spells them: keys, action, scope, help, footer label.
const DEFAULTS: [Row; 53] = {
    use Action::*;
    [
        (
            &["q"],
            Quit,
            G,
            "quit (asks first if writes are pending)",
            Some("quit"),
        ),
        (&["?"], Help, G, "show this help", Some("help")),
        (
            &["tab"],
            FocusNext,
            G,
            "focus the next panel",
            Some("panel"),
        ),
        (
            &["shift-tab"],
            FocusPrev,
            G,
            "focus the previous panel",
            None,
        ),
        (&["1"], FocusLogs, G, "focus logs", None),
        (&["2"], FocusHealth, G, "focus health", None),
        (&["3"], FocusRunbook, G, "focus runbook", None),
        (&["4"], FocusTimeline, G, "focus timeline", None),
        (&["k", "up"], Up, G, "move up / scroll back", None),
        (&["j", "down"], Down, G, "move down / scroll on", None),
        (&["g", "home"], Top, G, "jump to the top", None),
        (
            &["G", "end"],
            Bottom,
            G,
            "jump to the bottom (logs: follow)",
            None,
        ),
        (&["ctrl-u", "pgup"], PageUp, G, "half a page up", None),
        (&["ctrl-d", "pgdn"], PageDown, G, "half a page down", None),
        (
            &["space", "enter"],
            Toggle,
            RB,
            "tick / untick the selected step",
            Some("tick"),
        ),
        (
            &["enter"],
            Open,
            LG,
            "open the line whole (patterns: its lines)",
            None,
        ),
        (&["]", "l", "right"], NextRunbook, RB, "next runbook", None),
        (
            &["[", "h", "left"],
            PrevRunbook,
            RB,
            "previous runbook",
            Some("runbook"),
        ),
        (&["n"], Note, G, "add a note to the timeline", Some("note")),
        (&["D"], MarkDetected, G, "mark the incident detected (asks first)", None),
        (
            &["M"],
            MarkMitigated,
            G,
            "mark the incident mitigated (asks first)",
            None,
        ),
        (&["R"], MarkResolved, G, "mark the incident resolved (asks first)", None),
        (
            &["S"],
            Severity,
            G,
            "choose the severity in a picker",
            None,
        ),
        (&["t"], ToggleUtc, G, "show times in UTC / local time", None),
        (&["r"], Retry, G, "retry timeline writes that failed", None),
        (
            &[":"],
            Palette,
            G,
            "command palette (Tab completes)",
            Some("cmd"),
        ),
        (
            &["/"],
            Filter,
            G,
            "add a filter: keep lines matching a regex",
            Some("filter"),
        ),
        (
            &["!"],
            Invert,
            LG,
            "newest filter: keep ↔ hide what it matches",
            None,
        ),
        (
            &["f"],
            Follow,
            LG,
            "freeze the view / follow new lines",
            None,
        ),
        (
            &["e"],
            PrevError,
            LG,
            "jump to the previous error line",
            None,
        ),
        (&["E"], NextError, LG, "jump to the next error line", None),
        (
            &["p"],
            Patterns,
            G,
            "log patterns instead of raw lines",
            None,
        ),
        (
            &["z"],
            Zoom,
            G,
            "zoom the focused panel (Esc goes back)",
            None,
        ),
        (&["x"], Run, RB, "run the step's command (asks first)", None),
        (
            &["o"],
            Output,
            G,
            "show the output of the last command",
            None,
        ),
        (
            &["u"],
            Compose,
            G,
            "write a status update (Ctrl-S sends)",
            Some("update"),
        ),
        (&["w"], Wrap, LG, "wrap long lines / cut them", None),
        (&["left"], ScrollLeft, LG, "scroll lines left", None),
        (&["right"], ScrollRight, LG, "scroll lines right", None),
        (
            &["s"],
            Search,
            LG,
            "search: highlight a regex, hide nothing",
            None,
        ),
        (&[">"], NextMatch, LG, "next newer search match", None),
        (&["<"], PrevMatch, LG, "next older search match", None),
        (
            &["="],
            SameRequest,
            LG,
            "follow this line's request (same req_id…)",
            None,
        ),
        (
            &["y"],
            Copy,
            LG,
            "copy the line (tmux: set-clipboard on)",
            None,
        ),
        (
            &["m"],
            Pin,
            LG,
            "pin the line in the timeline as evidence",
            None,
        ),
        (
            &["enter"],
            Open,
            TL,
            "the selected event whole, with its evidence",
            None,
        ),
        (
            &["/"],
            Search,
            TL,
            "search events (plain text, any case)",
            None,
        ),
        (&[">"], NextMatch, TL, "next newer match of the search", None),
        (&["<"], PrevMatch, TL, "next older match of the search", None),
        (
            &["L"],
            ShowInLogs,
            TL,
            "the logs at the selected event's moment",
            None,
        ),
        (
            &["A"],
            Acknowledge,
            G,
            "acknowledge the damaged-timeline banner",
            None,
        ),
        (
            &["a"],
            Approvals,
            G,
            "answer a teammate's approval request",
            None,
        ),
        (
            &["x", "delete"],
            Retract,
            TL,
            "retract a milestone/severity (asks first)",
            None,
        ),
    ]
};

/// The default keymap.
pub fn default_keymap() -> Vec<Binding> {
    DEFAULTS
        .iter()
        .map(|&(keys, action, scope, help, footer)| Binding {
            // Every default parses: a test holds it to that.
            keys: keys
                .iter()
                .filter_map(|k| k.parse::<Key>().ok())
                .map(|k| k.0)
                .collect(),
            action,
            scope,
            help,
            footer,
        })
        .collect()
}

/// Finds what a key does with `focus` focused: a panel's own binding wins over a global one.
pub fn lookup(keymap: &[Binding], key: &KeyEvent, focus: Panel) -> Option<Action> {
    let matches = |b: &&Binding| b.keys.iter().any(|bk| same_key(bk, key));
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

/// A key that, pressed with `focus` focused, does `action` (the mouse wheel presses it).
pub fn key_for(keymap: &[Binding], action: Action, focus: Panel) -> Option<KeyEvent> {
    keymap
        .iter()
        .filter(|b| b.action == action)
        .flat_map(|b| b.keys.iter())
        .find(|key| lookup(keymap, key, focus) == Some(action))
        .copied()
}

/// The first key of an action as the help shows it, for messages that name a key (`r retries`).
pub fn label_of(keymap: &[Binding], action: Action) -> String {
    keymap
        .iter()
        .filter(|b| b.action == action)
        .find_map(|b| b.keys.first())
        .map(key_label)
        .unwrap_or_else(|| action.name().to_string())
}

/// The key that does `action` with `panel` focused, as the help shows it, for hints in a panel.
pub fn label_in(keymap: &[Binding], action: Action, panel: Panel) -> String {
    key_for(keymap, action, panel)
        .map(|k| key_label(&k))
        .unwrap_or_else(|| label_of(keymap, action))
}

/// Keys of the dialogs and modes that `[keys]` cannot rebind: where, keys, what they do.
pub const FIXED: &[(&str, &str, &str)] = &[
    (
        "anywhere",
        "Ctrl-c",
        "quit (asks first if writes are pending)",
    ),
    ("anywhere", "Esc", "close the message, leave zoom"),
    ("the timeline", "Esc", "clear the search first"),
    (
        "logs",
        "Esc",
        "leave patterns, a followed request, filters",
    ),
    (
        "a line of input",
        "Enter",
        "record / apply / run what was typed",
    ),
    (
        "a line of input",
        "Esc",
        "close (a note is kept as a draft)",
    ),
    ("a line of input", "Ctrl-u", "clear the line"),
    ("a line of input", "Ctrl-x", "discard the note draft (asks)"),
    ("a line of input", "Tab", "complete a : command"),
    ("the update editor", "Ctrl-s", "send to every destination"),
    ("the update editor", "Esc", "close, keeping the draft"),
    ("the update editor", "Ctrl-x", "discard the draft (asks)"),
    ("run this command?", "y", "run it; any other key: don't"),
    ("mark a milestone?", "y Enter", "record it; any other key: don't"),
    ("the severity picker", "↑ ↓ 1-4", "choose; Enter records it, Esc: no change"),
    ("retract?", "Enter", "record the correction; Esc: it stands"),
    ("the output pane", "c", "cancel the running command"),
    ("the output pane", "Esc", "hide the pane"),
    ("an event's detail", "Esc Enter", "close it"),
    ("quit? / discard?", "y", "yes; any other key: no"),
];

/// Whether two keys are one press: modifiers compared as `normalize` leaves them.
fn same_key(a: &KeyEvent, b: &KeyEvent) -> bool {
    a.code == b.code && normalize(a) == normalize(b)
}

/// Shift is part of an upper-case letter and of Shift-Tab already; terminals disagree on whether to
/// report it.
fn normalize(key: &KeyEvent) -> KeyModifiers {
    match key.code {
        KeyCode::Char(_) | KeyCode::BackTab => key.modifiers - KeyModifiers::SHIFT,
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
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let mut label = String::new();
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        label.push_str("Ctrl-");
    }
    if key.modifiers.contains(KeyModifiers::ALT) {
        label.push_str("Alt-");
    }
    label.push_str(&base);
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(ch: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE)
    }

    #[test]
    fn every_default_key_string_parses_and_reads_back_as_written() {
        for (keys, action, ..) in DEFAULTS {
            for written in keys {
                let key: Key = written.parse().unwrap_or_else(|e| panic!("{action}: {e}"));
                assert_eq!(key.to_string(), *written);
            }
        }
        assert!(
            Action::ALL
                .iter()
                .all(|a| DEFAULTS.iter().any(|row| row.1 == *a)),
            "every action has a default key"
        );
    }

    #[test]
    fn shift_tab_focuses_back_whether_or_not_the_terminal_reports_shift() {
        let map = default_keymap();
        for modifiers in [KeyModifiers::NONE, KeyModifiers::SHIFT] {
            let key = KeyEvent::new(KeyCode::BackTab, modifiers);
            assert_eq!(lookup(&map, &key, Panel::Logs), Some(Action::FocusPrev));
        }
    }

    #[test]
    fn the_wheel_finds_the_key_that_scrolls_in_each_panel() {
        let map = default_keymap();
        for &panel in Panel::ALL {
            assert_eq!(key_for(&map, Action::Down, panel), Some(c('j')));
        }
        assert_eq!(label_of(&map, Action::Retry), "r");
    }

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
