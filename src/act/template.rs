//! `{name}` placeholders, shared by command templates and status-update templates.
//!
//! A placeholder is `{` + a lowercase name (letters, digits, `_`, `-`, starting with a letter) + `}`.
//! Anything else in braces is text: `awk '{print $1}'`, JSON bodies and `${HOME}` (a `{` right after
//! `$` belongs to the shell) pass through untouched, so templates need no escaping.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use thiserror::Error;

/// A template named placeholders that have no value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", missing_message(.names))]
pub struct MissingParams {
    /// The names without a value, in order of first use, each once.
    pub names: Vec<String>,
}

fn missing_message(names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("{{{n}}}")).collect();
    let (noun, pronoun) = if names.len() == 1 {
        ("value", "it")
    } else {
        ("values", "them")
    };
    format!(
        "no {noun} for {}: set {pronoun} before running the command",
        list.join(", ")
    )
}

/// Fills every `{name}` from `params`; fails listing every placeholder that has no value.
pub fn fill(template: &str, params: &BTreeMap<String, String>) -> Result<String, MissingParams> {
    let (text, missing) = substitute(template, |name| {
        params.get(name).map(|v| Cow::from(v.as_str()))
    });
    if missing.is_empty() {
        Ok(text)
    } else {
        Err(MissingParams { names: missing })
    }
}

/// The placeholder names a template uses, in order of first use, each once (for prompting).
pub fn placeholder_names(template: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (_, name) in placeholders(template) {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Replaces each placeholder with `value(name)`; a placeholder without a value stays as written.
/// Returns the text and the names left unfilled (in order, each once).
pub(crate) fn substitute<'t, 'v, F>(template: &'t str, mut value: F) -> (String, Vec<String>)
where
    F: FnMut(&'t str) -> Option<Cow<'v, str>>,
{
    let mut out = String::with_capacity(template.len());
    let mut missing: Vec<String> = Vec::new();
    let mut last = 0;
    for (span, name) in placeholders(template) {
        out.push_str(&template[last..span.start]);
        match value(name) {
            Some(v) => out.push_str(&v),
            None => {
                out.push_str(&template[span.clone()]);
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_string());
                }
            }
        }
        last = span.end;
    }
    out.push_str(&template[last..]);
    (out, missing)
}

/// Every placeholder: its byte span (braces included) and its name.
pub(crate) fn placeholders(template: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    let bytes = template.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = memchr::memchr(b'{', &bytes[at..]) {
            let open = at + offset;
            at = open + 1;
            if open > 0 && bytes[open - 1] == b'$' {
                continue;
            }
            let name_len = bytes[open + 1..]
                .iter()
                .take_while(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || **b == b'_' || **b == b'-'
                })
                .count();
            let close = open + 1 + name_len;
            let starts_with_letter = bytes.get(open + 1).is_some_and(u8::is_ascii_lowercase);
            if starts_with_letter && bytes.get(close) == Some(&b'}') {
                at = close + 1;
                return Some((open..close + 1, &template[open + 1..close]));
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_every_placeholder() {
        let filled = fill(
            "kubectl -n {namespace} rollout undo deploy/{service}",
            &params(&[("service", "payments"), ("namespace", "prod")]),
        );
        assert_eq!(
            filled.as_deref(),
            Ok("kubectl -n prod rollout undo deploy/payments")
        );
    }

    #[test]
    fn lists_every_missing_name_once_in_order() {
        let err = fill(
            "{flag} {service} {flag} {region}",
            &params(&[("service", "api")]),
        )
        .unwrap_err();
        assert_eq!(err.names, ["flag", "region"]);
        assert_eq!(
            err.to_string(),
            "no values for {flag}, {region}: set them before running the command"
        );
    }

    #[test]
    fn braces_that_are_not_placeholders_stay_as_written() {
        let t = r#"awk '{print $1}' | jq '{"a": 1}' ${HOME} {Upper} {9x} {} {a b} {"#;
        assert_eq!(fill(t, &params(&[])).as_deref(), Ok(t));
        assert!(placeholder_names(t).is_empty());
    }

    #[test]
    fn names_are_listed_for_prompting() {
        assert_eq!(
            placeholder_names("{a-b} {c_d} {a-b} x{e1}y"),
            ["a-b", "c_d", "e1"]
        );
    }

    #[test]
    fn values_are_not_rescanned() {
        let filled = fill("{a}", &params(&[("a", "{b}")]));
        assert_eq!(filled.as_deref(), Ok("{b}"));
    }
}
