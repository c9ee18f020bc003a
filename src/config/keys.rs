//! `[keys]` and `[theme]`: checked against the keymap and the theme they change, errors pointing at
//! the name or the key string at fault.

use std::collections::BTreeMap;

use toml::Spanned;

use super::raw::KeyList;
use super::reader::Reader;
use crate::app::keys::{self, Action, Key, Rebinding};
use crate::core::diag::SourceError;
use crate::ui::Theme;

/// The default keymap with `[keys]` applied.
pub(super) fn keymap(
    r: &Reader<'_>,
    raw: BTreeMap<Spanned<String>, Spanned<KeyList>>,
) -> Result<Vec<crate::app::Binding>, SourceError> {
    // In the order written, so a clash between two entries is reported at the later one.
    let mut entries: Vec<_> = raw.into_iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut changes = Vec::new();
    let mut places = Vec::new();
    for (name, list) in entries {
        let action: Action = name
            .get_ref()
            .parse()
            .map_err(|e: keys::UnknownAction| r.at(name.span().start, e.to_string()))?;
        let value_at = list.span().start;
        let written: Vec<(String, usize)> = match list.into_inner() {
            KeyList::One(k) => vec![(k, value_at)],
            KeyList::Many(ks) => ks
                .into_iter()
                .map(|k| {
                    let start = k.span().start;
                    (k.into_inner(), start)
                })
                .collect(),
        };
        let mut parsed = Vec::new();
        for (text, start) in &written {
            let key: Key = text
                .parse()
                .map_err(|e: keys::KeyError| r.at(*start, e.to_string()))?;
            parsed.push(key.0);
        }
        changes.push(Rebinding {
            action,
            keys: parsed,
        });
        places.push((
            value_at,
            written.into_iter().map(|(_, s)| s).collect::<Vec<_>>(),
        ));
    }
    keys::rebind(keys::default_keymap(), &changes).map_err(|e| {
        let place = e.place();
        let offset = places.get(place.entry).map_or(0, |(value_at, key_starts)| {
            place
                .key
                .and_then(|i| key_starts.get(i).copied())
                .unwrap_or(*value_at)
        });
        r.at(offset, e.to_string())
    })
}

/// The colour theme with `[theme]` applied (`NO_COLOR` still wins when the cockpit starts).
pub(super) fn theme(
    r: &Reader<'_>,
    raw: BTreeMap<Spanned<String>, Spanned<String>>,
) -> Result<Theme, SourceError> {
    let mut theme = Theme::color();
    for (name, spec) in raw {
        theme.set(name.get_ref(), spec.get_ref()).map_err(|e| {
            let place = match e {
                crate::ui::theme::StyleError::UnknownStyle(..) => name.span().start,
                _ => spec.span().start,
            };
            r.at(place, e.to_string())
        })?;
    }
    Ok(theme)
}
