//! `[keys]` applied to the keymap: each entry replaces the keys of one action, and the result is
//! refused when a key would mean two things in one place.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Action, Binding, Key, STANDS_IN, Scope, same_key};

/// One `[keys]` entry: an action and the keys it gets instead of its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebinding {
    /// The action.
    pub action: Action,
    /// Its new keys.
    pub keys: Vec<KeyEvent>,
}

/// Which entry (and which of its keys) a rebinding error is about, for the config to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Index into the rebindings.
    pub entry: usize,
    /// Index into that entry's keys; `None` for the entry as a whole.
    pub key: Option<usize>,
}

/// Why a set of rebindings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RebindError {
    /// One key would trigger two actions in one place.
    #[error(
        "key `{key}` is bound to both `{first}` and `{second}` {place}; give one of them another key"
    )]
    Clash {
        /// The key, as `[keys]` spells it.
        key: String,
        /// The action whose entry is pointed at.
        first: Action,
        /// The action it collides with.
        second: Action,
        /// `everywhere` or `in the runbook panel`.
        place: String,
        /// Where.
        at: Place,
    },
    /// Esc and Ctrl-C keep their meaning so a responder can always get out.
    #[error("`{key}` cannot be bound: it is kept to {why}")]
    Reserved {
        /// The key.
        key: String,
        /// What it always does.
        why: &'static str,
        /// Where.
        at: Place,
    },
    /// `note = []`.
    #[error("`{action}` needs at least one key; leave it out of [keys] to keep `{default}`")]
    NoKeys {
        /// The action.
        action: Action,
        /// Its default keys.
        default: String,
        /// Where.
        at: Place,
    },
}

impl RebindError {
    /// The entry and key the error is about.
    pub fn place(&self) -> Place {
        match self {
            RebindError::Clash { at, .. }
            | RebindError::Reserved { at, .. }
            | RebindError::NoKeys { at, .. } => *at,
        }
    }
}

fn reserved(key: &KeyEvent) -> Option<&'static str> {
    match key.code {
        KeyCode::Esc if key.modifiers.is_empty() => Some("close pop-ups and leave zoom"),
        KeyCode::Char('c') if key.modifiers == KeyModifiers::CONTROL => Some("quit"),
        _ => None,
    }
}

/// The keymap with `changes` applied, each replacing every key of its action. Entries should come in
/// the order they were written, so a clash between two of them is reported at the later one.
pub fn rebind(
    mut keymap: Vec<Binding>,
    changes: &[Rebinding],
) -> Result<Vec<Binding>, RebindError> {
    for (entry, change) in changes.iter().enumerate() {
        let mut keys: Vec<KeyEvent> = Vec::with_capacity(change.keys.len());
        for (i, key) in change.keys.iter().enumerate() {
            if let Some(why) = reserved(key) {
                return Err(RebindError::Reserved {
                    key: Key(*key).to_string(),
                    why,
                    at: Place {
                        entry,
                        key: Some(i),
                    },
                });
            }
            if !keys.iter().any(|k| same_key(k, key)) {
                keys.push(*key);
            }
        }
        if keys.is_empty() {
            let default: Vec<String> = keymap
                .iter()
                .filter(|b| b.action == change.action)
                .flat_map(|b| b.keys.iter().map(|k| Key(*k).to_string()))
                .fold(Vec::new(), |mut seen, k| {
                    if !seen.contains(&k) {
                        seen.push(k);
                    }
                    seen
                });
            return Err(RebindError::NoKeys {
                action: change.action,
                default: default.join("`, `"),
                at: Place { entry, key: None },
            });
        }
        for b in keymap.iter_mut().filter(|b| b.action == change.action) {
            b.keys = keys.clone();
        }
    }
    check_clashes(&keymap, changes)?;
    Ok(keymap)
}

/// Where two bindings can both fire, described for a message; `None` when they never meet.
fn overlap(a: Scope, b: Scope) -> Option<String> {
    let panel = |p: crate::app::Panel| format!("in the {} panel", p.title().to_lowercase());
    match (a, b) {
        (Scope::Global, Scope::Global) => Some("everywhere".into()),
        (Scope::Global, Scope::In(p)) | (Scope::In(p), Scope::Global) => Some(panel(p)),
        (Scope::In(p), Scope::In(q)) if p == q => Some(panel(p)),
        _ => None,
    }
}

/// Whether one of two bindings is a panel's stand-in for the other, a global one (see `STANDS_IN`).
fn stands_in(a: &Binding, b: &Binding) -> bool {
    let one_way = |panel: &Binding, global: &Binding| {
        matches!(panel.scope, Scope::In(_))
            && global.scope == Scope::Global
            && STANDS_IN.contains(&(panel.action, global.action))
    };
    one_way(a, b) || one_way(b, a)
}

/// Global against global, global against a panel's, and a panel's against its own all collide: a
/// panel's binding would silently hide the global one there.
fn check_clashes(keymap: &[Binding], changes: &[Rebinding]) -> Result<(), RebindError> {
    let entry_of = |a: Action| changes.iter().position(|c| c.action == a);
    for (entry, change) in changes.iter().enumerate() {
        for (i, key) in change.keys.iter().enumerate() {
            for mine in keymap.iter().filter(|b| b.action == change.action) {
                for other in keymap.iter().filter(|b| b.action != change.action) {
                    // A clash between two entries is reported at the later one.
                    if entry_of(other.action).is_some_and(|e| e > entry)
                        || stands_in(mine, other)
                    {
                        continue;
                    }
                    let Some(place) = overlap(mine.scope, other.scope) else {
                        continue;
                    };
                    if other.keys.iter().any(|k| same_key(k, key)) {
                        return Err(RebindError::Clash {
                            key: Key(*key).to_string(),
                            first: change.action,
                            second: other.action,
                            place,
                            at: Place {
                                entry,
                                key: Some(i),
                            },
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::default_keymap;
    use super::*;

    fn change(action: &str, keys: &[&str]) -> Rebinding {
        Rebinding {
            action: action.parse().unwrap(),
            keys: keys.iter().map(|k| k.parse::<Key>().unwrap().0).collect(),
        }
    }

    #[test]
    fn the_default_keymap_has_no_clash() {
        let every: Vec<Rebinding> = Action::ALL
            .iter()
            .map(|a| Rebinding {
                action: *a,
                keys: default_keymap()
                    .iter()
                    .filter(|b| b.action == *a)
                    .flat_map(|b| b.keys.clone())
                    .collect(),
            })
            .collect();
        assert_eq!(check_clashes(&default_keymap(), &every), Ok(()));
    }

    #[test]
    fn a_rebinding_replaces_every_key_of_its_action() {
        let map = rebind(
            default_keymap(),
            &[change("tick", &["x"]), change("run", &["X"])],
        )
        .unwrap();
        for b in map.iter().filter(|b| b.action == Action::Toggle) {
            assert_eq!(b.keys, vec![KeyEvent::from(KeyCode::Char('x'))]);
        }
    }

    #[test]
    fn a_key_taken_from_a_panel_binding_is_a_clash() {
        let err = rebind(default_keymap(), &[change("tick", &["space", "x"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "key `x` is bound to both `tick` and `run` in the runbook panel; give one of them another key"
        );
        assert_eq!(
            err.place(),
            Place {
                entry: 0,
                key: Some(1)
            }
        );
    }

    #[test]
    fn two_entries_that_clash_are_reported_at_the_later_one() {
        let err = rebind(
            default_keymap(),
            &[change("note", &["N"]), change("quit", &["N"])],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "key `N` is bound to both `quit` and `note` everywhere; give one of them another key"
        );
        assert_eq!(err.place().entry, 1);
    }

    #[test]
    fn the_timeline_search_may_share_the_filter_key_but_nothing_else_may() {
        assert!(rebind(default_keymap(), &[change("filter", &["/", "F"])]).is_ok());
        assert!(rebind(default_keymap(), &[change("search", &["F"]), change("filter", &["F"])]).is_ok());
        let err = rebind(default_keymap(), &[change("note", &["/"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "key `/` is bound to both `note` and `filter` everywhere; give one of them another key"
        );
    }

    #[test]
    fn keys_of_different_panels_do_not_clash() {
        // `f` follows in the logs panel; in the runbook panel it is free.
        assert!(rebind(default_keymap(), &[change("run", &["f"])]).is_ok());
    }

    #[test]
    fn esc_and_ctrl_c_are_kept() {
        let err = rebind(default_keymap(), &[change("quit", &["q", "ctrl-c"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`ctrl-c` cannot be bound: it is kept to quit"
        );
        let err = rebind(default_keymap(), &[change("help", &["esc"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`esc` cannot be bound: it is kept to close pop-ups and leave zoom"
        );
    }

    #[test]
    fn an_empty_list_is_refused() {
        let err = rebind(default_keymap(), &[change("note", &[])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`note` needs at least one key; leave it out of [keys] to keep `n`"
        );
    }
}
