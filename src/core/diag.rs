//! Errors in files people write, pointing at `file:line:col`, and "did you mean" suggestions.

use std::fmt;

/// An error in a file a user wrote, pointing at the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file (or `(built in) x.toml`).
    pub origin: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for SourceError {}

impl SourceError {
    /// An error at a byte offset of `text`.
    pub fn at(origin: &str, text: &str, offset: usize, message: String) -> SourceError {
        SourceError {
            origin: origin.to_string(),
            position: Some(line_col(text, offset)),
            message,
        }
    }

    /// An error about a whole file.
    pub fn plain(origin: &str, message: String) -> SourceError {
        SourceError {
            origin: origin.to_string(),
            position: None,
            message,
        }
    }

    /// Turns a TOML parse error into one that says where, and suggests the key that was meant.
    pub fn from_toml(origin: &str, text: &str, err: &toml::de::Error) -> SourceError {
        let mut message = err.message().trim().to_string();
        if let Some(hint) = suggest_field(&message) {
            message.push_str(&format!("; did you mean `{hint}`?"));
        }
        // toml says "duplicate key" without naming it: the key is the text where the error points.
        if message == "duplicate key"
            && let Some(key) = err.span().and_then(|s| key_at(text, s.start))
        {
            message = format!(
                "duplicate key `{key}`: it is set twice in this table; keep one (for several, use a list or another [[table]])"
            );
        }
        match err.span() {
            Some(span) => SourceError::at(origin, text, span.start, message),
            None => SourceError::plain(origin, message),
        }
    }
}

/// Reads `text` as a `T`, with every misspelt key at once: serde stops at the first unknown key, so
/// each one found is read again as the key it was most likely meant to be (or left out when no key
/// is near) and the document is read again (at most 50 times). Any other error (a wrong type, a
/// missing key, a TOML syntax error) ends the search, since what follows it cannot be read as
/// meant. The errors come in file order. With them comes the value the document reads as once its
/// misspelt keys are read as meant (when it then reads at all; `Some` even with errors): a caller
/// checks what it holds too, so one run names the misspelt keys and what is wrong beyond them.
pub fn from_toml_read_on<T: serde::de::DeserializeOwned>(
    origin: &str,
    text: &str,
) -> (Option<T>, Vec<SourceError>) {
    let mut err = match toml::from_str::<T>(text) {
        Ok(value) => return (Some(value), Vec::new()),
        Err(e) => e,
    };
    let mut errors = vec![SourceError::from_toml(origin, text, &err)];
    let mut value = None;
    if let Ok(mut doc) = toml::de::DeTable::parse(text) {
        for _ in 0..50 {
            let (Some(span), Some(rest)) = (err.span(), err.message().strip_prefix("unknown field `"))
            else {
                break;
            };
            let meant = suggest_field(err.message());
            let Some(unknown) = rest.split('`').next() else { break };
            if !rekey_at(doc.get_mut(), span.start, unknown, meant.as_deref()) {
                break;
            }
            match T::deserialize(toml::de::Deserializer::from(doc.clone())) {
                Ok(read) => {
                    value = Some(read);
                    break;
                }
                Err(e) => {
                    errors.push(SourceError::from_toml(origin, text, &e));
                    err = e;
                }
            }
        }
    }
    errors.sort_by_key(|e| e.position);
    errors.dedup();
    (value, errors)
}

/// In `table` (or a table inside it), renames the key `unknown` written at byte `at` to `meant`, or
/// takes it out when nothing is meant or `meant` is set already; false if no such key is there.
fn rekey_at(table: &mut toml::de::DeTable<'_>, at: usize, unknown: &str, meant: Option<&str>) -> bool {
    let found = table
        .keys()
        .find(|k| k.span().start == at && k.get_ref().as_ref() == unknown)
        .cloned();
    if let Some(key) = found {
        let Some(value) = table.remove(&key) else { return false };
        if let Some(meant) = meant {
            let new = toml::Spanned::new(key.span(), std::borrow::Cow::Owned(meant.to_string()));
            if !table.contains_key(&new) {
                table.insert(new, value);
            }
        }
        return true;
    }
    table
        .iter_mut()
        .any(|(_, v)| rekey_in(v.get_mut(), at, unknown, meant))
}

fn rekey_in(value: &mut toml::de::DeValue<'_>, at: usize, unknown: &str, meant: Option<&str>) -> bool {
    match value {
        toml::de::DeValue::Table(t) => rekey_at(t, at, unknown, meant),
        toml::de::DeValue::Array(items) => {
            items.iter_mut().any(|v| rekey_in(v.get_mut(), at, unknown, meant))
        }
        _ => false,
    }
}

/// The key written at byte `at`: the text up to `=` on that line, unquoted.
fn key_at(text: &str, at: usize) -> Option<String> {
    let rest = text.get(at..)?;
    let line = rest.lines().next()?;
    let key = line.split_once('=')?.0.trim().trim_matches('"').trim_matches('\'');
    (!key.is_empty()).then(|| key.to_string())
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

/// From serde's "unknown field `x`, expected one of `a`, `b`" picks the closest expected name.
fn suggest_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    closest(unknown, expected.split('`').skip(1).step_by(2)).map(str::to_string)
}

/// The candidate nearest to a misspelt `word`, if one is near enough to be what was meant.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|cand| (strsim::levenshtein(word, cand), cand))
        .filter(|(d, cand)| *d <= 2.max(cand.len() / 3))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_is_counted_in_lines_and_characters_from_one() {
        let text = "a = 1\nbé = x\n";
        let err = SourceError::at("f.toml", text, text.find('x').unwrap(), "bad".into());
        assert_eq!(err.to_string(), "f.toml:2:6: bad");
        assert_eq!(
            SourceError::plain("f.toml", "gone".into()).to_string(),
            "f.toml: gone"
        );
    }

    #[test]
    fn a_misspelt_name_finds_the_one_meant_and_nonsense_finds_none() {
        let names = ["interval", "timeout", "threshold"];
        assert_eq!(closest("intervall", names), Some("interval"));
        assert_eq!(closest("treshold", names), Some("threshold"));
        assert_eq!(closest("banana", names), None);
    }

    #[test]
    fn an_unknown_toml_key_suggests_the_expected_one() {
        let msg = "unknown field `intreval`, expected one of `name`, `url`, `interval`";
        assert_eq!(suggest_field(msg).as_deref(), Some("interval"));
    }
}
