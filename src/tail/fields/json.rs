//! JSON lines: one object, alone or after a prefix (a time, a level, `docker`/`kubectl` tags),
//! flattened to dotted keys in the order they are written.
//!
//! Work is bounded on hostile input: serde_json refuses nesting past 128 levels without
//! recursing further, objects are flattened only [`MAX_DEPTH`] levels deep (deeper ones stay as
//! their JSON text), and only the first [`MAX_STARTS`] candidate `{` are tried, so a line is read
//! at most a few times over.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::core::sanitize::{is_unsafe, sanitize_line};

/// Levels of nested objects flattened into dotted keys; each level re-reads its object's text.
const MAX_DEPTH: usize = 8;
/// `{` positions tried as the object's start, from the left.
const MAX_STARTS: usize = 3;

/// The fields of the JSON object that ends `text`, or `None` when there is none.
pub(super) fn parse(text: &str) -> Option<Vec<(String, String)>> {
    let text = text.trim_end();
    if !text.ends_with('}') {
        return None;
    }
    let bytes = text.as_bytes();
    // An object after a prefix starts a word: `INFO {"a":1}`, not `f{x}`.
    let starts = memchr::memchr_iter(b'{', bytes)
        .filter(|&at| at == 0 || bytes[at - 1].is_ascii_whitespace())
        .take(MAX_STARTS);
    for at in starts {
        if let Some(members) = members(&text[at..]) {
            return Some(flatten(members));
        }
    }
    None
}

/// An object's members in the order written, their values still as JSON text.
struct Members<'a>(Vec<(String, &'a RawValue)>);

/// Reads a JSON object's members without building a map, which would lose their order.
struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            members.push(entry);
        }
        Ok(Members(members))
    }
}

/// `text` as one JSON object (whitespace may follow it, nothing else).
fn members(text: &str) -> Option<Members<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let members = (&mut de).deserialize_map(MembersVisitor).ok()?;
    de.end().ok()?;
    Some(members)
}

/// Flattens with an explicit stack, so nesting costs no recursion here.
fn flatten(top: Members<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), top.0.into_iter())];
    while let Some((prefix, members)) = stack.last_mut() {
        let Some((key, value)) = members.next() else {
            stack.pop();
            continue;
        };
        let key = format!("{prefix}{}", clean(key));
        let raw = value.get();
        if raw.starts_with('{')
            && stack.len() < MAX_DEPTH
            && let Some(inner) = members_of(raw)
        {
            stack.push((format!("{key}."), inner.0.into_iter()));
            continue;
        }
        out.push((key, scalar(raw)));
    }
    out
}

/// The members of a nested, non-empty object (an empty one stays `{}` so its key is kept).
fn members_of(raw: &str) -> Option<Members<'_>> {
    members(raw).filter(|m| !m.0.is_empty())
}

/// A value as shown: strings unquoted (and unescaped), everything else as its JSON text.
fn scalar(raw: &str) -> String {
    if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        if !inner.contains('\\') {
            return inner.to_string();
        }
        if let Ok(text) = serde_json::from_str::<String>(raw) {
            return clean(text);
        }
    }
    raw.to_string()
}

/// Unescaping can produce what the line's sanitizer removed (`\u001b`, `\n`): sanitize again.
fn clean(text: String) -> String {
    if text.chars().any(is_unsafe) {
        sanitize_line(&text)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn fields(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap_or_else(|| panic!("not JSON: {text}"))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_object_gives_its_members_in_the_order_written() {
        assert_eq!(
            fields(r#"{"msg":"charge failed","level":"error","req_id":"cff91303"}"#),
            pairs(&[
                ("msg", "charge failed"),
                ("level", "error"),
                ("req_id", "cff91303")
            ])
        );
    }

    #[test]
    fn nested_objects_flatten_to_dotted_keys() {
        assert_eq!(
            fields(r#"{"http":{"method":"POST","status":502},"ok":false}"#),
            pairs(&[
                ("http.method", "POST"),
                ("http.status", "502"),
                ("ok", "false")
            ])
        );
    }

    #[test]
    fn numbers_arrays_and_null_keep_their_json_text() {
        assert_eq!(
            fields(r#"{"ms":3.0,"tags":["a", "b"],"user":null,"empty":{}}"#),
            pairs(&[
                ("ms", "3.0"),
                ("tags", r#"["a", "b"]"#),
                ("user", "null"),
                ("empty", "{}")
            ])
        );
    }

    #[test]
    fn strings_are_unescaped_and_made_safe_again() {
        assert_eq!(
            fields(r#"{"msg":"say \"hi\"\u001b[31m\nbye\u0007","k\u0007":1}"#),
            pairs(&[("msg", "say \"hi\" bye^G"), ("k^G", "1")])
        );
    }

    #[test]
    fn an_object_after_a_time_and_level_prefix_is_read() {
        let line = r#"2026-11-28T23:27:19.474Z stdout F {"req_id":"cff91303"}"#;
        assert_eq!(fields(line), pairs(&[("req_id", "cff91303")]));
    }

    #[test]
    fn a_line_that_is_not_one_object_is_not_json() {
        for line in [
            r#"{"a":1} trailing"#,
            r#"[1, 2]"#,
            r#"{"a":1"#,
            "{",
            "set{x}",
            r#"{"a":1}{"b":2}"#,
            "",
        ] {
            assert_eq!(parse(line), None, "{line}");
        }
    }

    #[test]
    fn the_last_of_several_objects_is_read_when_the_first_does_not_end_the_line() {
        let line = r#"got {"a":1} then {"b":2}"#;
        assert_eq!(fields(line), pairs(&[("b", "2")]));
    }

    #[test]
    fn nesting_past_the_flattening_depth_stays_as_json_text() {
        let line = r#"{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}"#;
        assert_eq!(
            fields(line),
            pairs(&[("a.b.c.d.e.f.g.h", r#"{"i":1}"#)])
        );
    }

    #[test]
    fn hostile_nesting_is_read_without_recursion_and_kept_as_text_past_the_depth() {
        let depth = 100_000;
        let deep = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        let got = fields(&deep);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "a.a.a.a.a.a.a.a");
        assert_eq!(got[0].1.len(), deep.len() - 8 * r#"{"a":"#.len() - 8);
    }

    #[test]
    fn unbalanced_braces_are_not_json() {
        assert_eq!(parse(&format!("{}}}", "{".repeat(1_000_000))), None);
        assert_eq!(parse(&format!("{}{{\"a\":1}}", "}".repeat(1_000_000))), None);
    }

    #[test]
    fn a_megabyte_value_is_read_whole() {
        let big = "x".repeat(1 << 20);
        let line = format!(r#"{{"blob":"{big}","n":1}}"#);
        let got = fields(&line);
        assert_eq!(got[0].1.len(), 1 << 20);
        assert_eq!(got[1], ("n".to_string(), "1".to_string()));
    }
}
