//! Reading lines written by other versions of sitrep. Teammates on one timeline may run different
//! versions, so a kind, or a value of a known kind, that this version does not know is kept as an
//! [`UnknownEvent`]: hashed and chained like any other line, shown and exported, never damage.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// An event this version cannot read: its kind and every other field, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownEvent {
    /// The line's `kind`.
    pub kind: String,
    /// The line's fields besides the envelope and `kind`, as written, in file order.
    pub fields: Vec<(String, Value)>,
}

impl Serialize for UnknownEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len() + 1))?;
        map.serialize_entry("kind", &self.kind)?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A JSON object's fields in file order (`serde_json::Map` would sort them).
pub(super) struct Fields(pub(super) Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        d.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event's fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some((name, value)) = map.next_entry::<String, Value>()? {
            fields.push((name, value));
        }
        Ok(Fields(fields))
    }
}

#[cfg(test)]
mod tests {
    use crate::timeline::{Event, Record};

    const ENVELOPE: &str = r#""seq":1,"ts":"2026-11-24T14:00:00.000Z","actor":"carol""#;

    fn parse(event: &str) -> Result<Record, serde_json::Error> {
        serde_json::from_str(&format!(r#"{{{ENVELOPE},{event},"prev":"","hash":""}}"#))
    }

    #[test]
    fn an_unknown_kind_keeps_every_field_in_file_order() {
        let record = parse(r#""kind":"presence.joined","who":"carol","at":{"x":1}"#).unwrap();
        let Event::Unknown(unknown) = &record.event else {
            panic!("{record:?}");
        };
        assert_eq!(unknown.kind, "presence.joined");
        let names: Vec<&str> = unknown.fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["who", "at"]);
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            format!(
                r#"{{{ENVELOPE},"kind":"presence.joined","who":"carol","at":{{"x":1}},"prev":"","hash":""}}"#
            )
        );
    }

    #[test]
    fn a_pattern_level_this_version_does_not_write_reads_as_an_unknown_event() {
        // `critical` is a word the tail reads as fatal, but no sitrep writes it to a timeline.
        for level in ["critical", "Warn", "verbose"] {
            let fields =
                format!(r#""kind":"pattern","change":"new","template":"x","level":"{level}""#);
            let record = parse(&fields).unwrap();
            let Event::Unknown(unknown) = &record.event else {
                panic!("{level}: {record:?}");
            };
            assert_eq!(unknown.kind, "pattern");
            assert_eq!(unknown.fields[2].1, serde_json::Value::from(level));
        }
    }

    #[test]
    fn a_line_without_a_kind_is_not_an_event() {
        assert!(parse(r#""text":"hi""#).is_err());
        assert!(parse(r#""kind":7,"text":"hi""#).is_err());
    }
}
