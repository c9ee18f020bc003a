//! The words of `[keys]` in sitrep.toml: action names and key strings, read and written.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Action;
use crate::app::Panel;
use crate::timeline::Milestone;

impl Action {
    /// Every action, in the order the keymap lists them.
    pub const ALL: &'static [Action] = <Action as strum::VariantArray>::VARIANTS;

    /// The name `[keys]` knows it by: `tick`, `focus-logs`, `mark-resolved`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The action that focuses `panel`.
    pub fn focus(panel: Panel) -> Action {
        match panel {
            Panel::Logs => Action::FocusLogs,
            Panel::Health => Action::FocusHealth,
            Panel::Runbook => Action::FocusRunbook,
            Panel::Timeline => Action::FocusTimeline,
        }
    }

    /// The panel this action focuses, if it is one of the `focus-<panel>` actions.
    pub fn focused(self) -> Option<Panel> {
        Panel::ALL
            .iter()
            .copied()
            .find(|p| Action::focus(*p) == self)
    }

    /// The action that records `milestone`.
    pub fn mark(milestone: Milestone) -> Action {
        match milestone {
            Milestone::Detected => Action::MarkDetected,
            Milestone::Mitigated => Action::MarkMitigated,
            Milestone::Resolved => Action::MarkResolved,
        }
    }

    /// The milestone this action records, if it is one of the `mark-<milestone>` actions.
    pub fn marked(self) -> Option<Milestone> {
        Milestone::ALL
            .iter()
            .copied()
            .find(|m| Action::mark(*m) == self)
    }
}

/// A name in `[keys]` that is no action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{name}` in [keys]; {}", match suggestion {
    Some(s) => format!("did you mean `{s}`?"),
    None => format!("the actions are: {}", names().join(", ")),
})]
pub struct UnknownAction {
    /// What was written.
    pub name: String,
    /// The action probably meant.
    pub suggestion: Option<&'static str>,
}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Action, UnknownAction> {
        let name = s.trim();
        Action::ALL
            .iter()
            .copied()
            .find(|a| a.name() == name)
            .ok_or_else(|| UnknownAction {
                name: name.to_string(),
                suggestion: crate::core::diag::closest(name, names()),
            })
    }
}

fn names() -> Vec<&'static str> {
    Action::ALL.iter().map(|a| a.name()).collect()
}

/// Named keys as `[keys]` spells them; the first spelling of a key is the one written back.
const NAMED: [(&str, KeyCode); 23] = [
    ("space", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("tab", KeyCode::Tab),
    ("shift-tab", KeyCode::BackTab),
    ("backtab", KeyCode::BackTab),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
];

/// A key string of `[keys]` that is no key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// `""`.
    #[error("an empty string is not a key: write a character like \"x\" or a name like \"space\"")]
    Empty,
    /// A misspelt name, with the one probably meant.
    #[error("`{0}` is not a key; did you mean `{1}`?")]
    Misspelt(String, &'static str),
    /// `f0`, `f13`.
    #[error("`{0}` is not a key: function keys go from f1 to f12")]
    Function(String),
    /// `shift-x`: the character itself says it.
    #[error("`{0}` is not a key: write the character itself, `{1}`")]
    Shifted(String, String),
    /// Anything else.
    #[error(
        "`{0}` is not a key: write a character (x, N, ?), a name (space, enter, tab, shift-tab, esc, up, down, left, right, home, end, pgup, pgdn, f1 to f12), or ctrl- or alt- before one (ctrl-x)"
    )]
    Unknown(String),
}

/// A key as `[keys]` writes it: `x`, `N`, `space`, `ctrl-q`, `f5`, `shift-tab`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub KeyEvent);

impl FromStr for Key {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Key, KeyError> {
        if s.is_empty() {
            return Err(KeyError::Empty);
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = s;
        // A lone `-` is the minus key, and `ctrl--` is Ctrl and minus.
        while rest.chars().count() > 1 {
            if let Some(r) = strip_prefix_ignore_case(rest, "ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = strip_prefix_ignore_case(rest, "alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(KeyError::Unknown(s.to_string())),
            // Terminals cannot tell Ctrl-Q from Ctrl-q.
            (Some(ch), None) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(ch.to_ascii_lowercase())
            }
            (Some(ch), None) => KeyCode::Char(ch),
            _ => named(rest).ok_or_else(|| unknown(s, rest))?,
        };
        Ok(Key(KeyEvent::new(code, modifiers)))
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn named(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
        return Some(*code);
    }
    let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
    (1..=12).contains(&n).then_some(KeyCode::F(n))
}

fn unknown(whole: &str, name: &str) -> KeyError {
    let lower = name.to_ascii_lowercase();
    if lower
        .strip_prefix('f')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    {
        return KeyError::Function(whole.to_string());
    }
    if let Some(ch) = strip_prefix_ignore_case(name, "shift-")
        && ch.chars().count() == 1
    {
        let upper: String = ch.chars().flat_map(char::to_uppercase).collect();
        return KeyError::Shifted(whole.to_string(), upper);
    }
    let mut names: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
    names.extend(["f1", "f5", "f10", "f12"]);
    match crate::core::diag::closest(&lower, names) {
        Some(m) => KeyError::Misspelt(whole.to_string(), m),
        None => KeyError::Unknown(whole.to_string()),
    }
}

impl fmt::Display for Key {
    /// The spelling `[keys]` reads back: `ctrl-q`, `space`, `N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let KeyEvent {
            code, modifiers, ..
        } = self.0;
        if modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(ch) => write!(f, "{ch}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => match NAMED.iter().find(|(_, c)| *c == other) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{other:?}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Result<KeyEvent, KeyError> {
        s.parse::<Key>().map(|k| k.0)
    }

    #[test]
    fn key_strings_name_the_keys_a_responder_presses() {
        let ev = KeyEvent::new;
        let none = KeyModifiers::NONE;
        assert_eq!(key("x"), Ok(ev(KeyCode::Char('x'), none)));
        assert_eq!(key("N"), Ok(ev(KeyCode::Char('N'), none)));
        assert_eq!(key("-"), Ok(ev(KeyCode::Char('-'), none)));
        assert_eq!(key("Space"), Ok(ev(KeyCode::Char(' '), none)));
        assert_eq!(key("shift-tab"), Ok(ev(KeyCode::BackTab, none)));
        assert_eq!(key("pgdn"), Ok(ev(KeyCode::PageDown, none)));
        assert_eq!(key("f12"), Ok(ev(KeyCode::F(12), none)));
        assert_eq!(
            key("ctrl-Q"),
            Ok(ev(KeyCode::Char('q'), KeyModifiers::CONTROL))
        );
        assert_eq!(
            key("ctrl--"),
            Ok(ev(KeyCode::Char('-'), KeyModifiers::CONTROL))
        );
        assert_eq!(key("alt-up"), Ok(ev(KeyCode::Up, KeyModifiers::ALT)));
    }

    #[test]
    fn a_wrong_key_string_says_what_would_be_right() {
        assert_eq!(
            key("spcae").unwrap_err().to_string(),
            "`spcae` is not a key; did you mean `space`?"
        );
        assert_eq!(
            key("f13").unwrap_err().to_string(),
            "`f13` is not a key: function keys go from f1 to f12"
        );
        assert_eq!(
            key("shift-x").unwrap_err().to_string(),
            "`shift-x` is not a key: write the character itself, `X`"
        );
        assert!(matches!(key("ctrl-"), Err(KeyError::Unknown(_))));
        assert!(matches!(key("hyper-k"), Err(KeyError::Unknown(_))));
        assert_eq!(key(""), Err(KeyError::Empty));
    }

    #[test]
    fn every_action_keeps_the_name_sitrep_toml_knows_it_by() {
        let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(
            names,
            [
                "quit",
                "help",
                "focus-next",
                "focus-prev",
                "focus-logs",
                "focus-health",
                "focus-runbook",
                "focus-timeline",
                "up",
                "down",
                "top",
                "bottom",
                "page-up",
                "page-down",
                "tick",
                "next-runbook",
                "prev-runbook",
                "note",
                "mark-detected",
                "mark-mitigated",
                "mark-resolved",
                "severity",
                "utc",
                "retry",
                "palette",
                "filter",
                "invert",
                "follow",
                "prev-error",
                "next-error",
                "patterns",
                "zoom",
                "run",
                "output",
                "update",
                "open",
                "wrap",
                "scroll-left",
                "scroll-right",
                "search",
                "next-match",
                "prev-match",
                "same-request",
                "copy",
                "pin",
                "show-in-logs",
                "retract",
                "acknowledge",
                "approvals",
            ]
        );
        for &a in Action::ALL {
            assert_eq!(a.to_string(), a.name());
        }
    }

    #[test]
    fn every_panel_and_milestone_has_its_own_action() {
        for &p in Panel::ALL {
            assert_eq!(Action::focus(p).focused(), Some(p));
            let name = format!("focus-{}", p.title().to_lowercase());
            assert_eq!(name.parse(), Ok(Action::focus(p)));
        }
        for &m in Milestone::ALL {
            assert_eq!(Action::mark(m).marked(), Some(m));
            assert_eq!(format!("mark-{}", m.name()).parse(), Ok(Action::mark(m)));
        }
        assert_eq!(Action::Quit.focused(), None);
        assert_eq!(Action::Quit.marked(), None);
    }

    #[test]
    fn every_action_name_reads_back_and_a_typo_gets_a_suggestion() {
        for &a in Action::ALL {
            assert_eq!(a.name().parse::<Action>(), Ok(a));
        }
        assert_eq!(
            "tik".parse::<Action>().unwrap_err().to_string(),
            "unknown action `tik` in [keys]; did you mean `tick`?"
        );
    }
}
