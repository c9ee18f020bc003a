//! The values a `pattern` event carries: what changed, and the level of the pattern's lines (the
//! one log-level vocabulary, [`Level`], whose serde names are the words files hold).

use serde::{Deserialize, Deserializer, Serialize};

use crate::core::level::Level;

/// What happened to a log pattern.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum PatternChange {
    /// Seen for the first time.
    New,
    /// Its rate jumped well above its baseline.
    Spike,
}

impl PatternChange {
    /// The name written to the file.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Reads a pattern's level, where `""` (as earlier versions wrote it) means none; a word this
/// version does not know is an error, so the line reads as an unknown event, kept as written.
pub(super) fn level_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Level>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("") => Ok(None),
        Some(name) => Level::deserialize(serde::de::value::StrDeserializer::new(name)).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_change_and_level_is_written_with_the_words_earlier_versions_wrote() {
        let words = |json: Vec<String>| json.join(",");
        let changes = PatternChange::VARIANTS
            .iter()
            .map(|c| serde_json::to_string(c).unwrap_or_default());
        assert_eq!(words(changes.collect()), r#""new","spike""#);
        let levels = Level::ALL
            .iter()
            .map(|l| serde_json::to_string(l).unwrap_or_default());
        assert_eq!(
            words(levels.collect()),
            r#""trace","debug","info","notice","warn","error","fatal""#
        );
    }

    #[test]
    fn an_empty_level_reads_as_none() {
        #[derive(Deserialize)]
        struct Line {
            #[serde(default, deserialize_with = "level_or_empty")]
            level: Option<Level>,
        }
        let read = |json: &str| serde_json::from_str::<Line>(json).map(|l| l.level).ok();
        assert_eq!(read(r#"{"level":""}"#), Some(None));
        assert_eq!(read(r#"{}"#), Some(None));
        assert_eq!(read(r#"{"level":"warn"}"#), Some(Some(Level::Warn)));
        assert_eq!(
            read(r#"{"level":"Warn"}"#),
            None,
            "Debug spelling is not ours"
        );
    }

    #[test]
    fn a_patterns_line_time_is_written_only_when_known_and_read_back() {
        use crate::timeline::Event;
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-24T14:04:30.250Z")
            .map(|t| t.to_utc())
            .ok();
        let event = |seen_at| Event::Pattern {
            change: PatternChange::New,
            template: "payment <*> failed".into(),
            level: None,
            rate: None,
            seen_at,
            observer: String::new(),
        };
        let json = serde_json::to_string(&event(at)).unwrap_or_default();
        assert!(json.contains(r#""seen_at":"2026-11-24T14:04:30.250Z""#), "{json}");
        assert_eq!(serde_json::from_str::<Event>(&json).ok(), Some(event(at)));
        // As earlier versions wrote it: no field, and none read.
        let old = serde_json::to_string(&event(None)).unwrap_or_default();
        assert!(!old.contains("seen_at"), "{old}");
        assert_eq!(serde_json::from_str::<Event>(&old).ok(), Some(event(None)));
    }
}
