//! The values a `pattern` event carries: what changed, and the level of the pattern's lines.

use serde::{Deserialize, Deserializer, Serialize};

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

/// The level of a pattern's lines, as its header says.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum PatternLevel {
    /// TRACE, FINEST.
    Trace,
    /// DEBUG, FINE.
    Debug,
    /// INFO.
    Info,
    /// NOTICE.
    Notice,
    /// WARN, WARNING.
    Warn,
    /// ERROR, SEVERE.
    Error,
    /// FATAL, CRITICAL, ALERT, EMERG, PANIC.
    Fatal,
}

impl PatternLevel {
    /// The name written to the file.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Reads a pattern's level, where `""` (as earlier versions wrote it) means none.
pub(super) fn level_or_empty<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<PatternLevel>, D::Error> {
    match Option::<String>::deserialize(d)?.as_deref() {
        None | Some("") => Ok(None),
        Some(name) => {
            PatternLevel::deserialize(serde::de::value::StrDeserializer::new(name)).map(Some)
        }
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
        let levels = PatternLevel::VARIANTS
            .iter()
            .map(|l| serde_json::to_string(l).unwrap_or_default());
        assert_eq!(
            words(levels.collect()),
            r#""trace","debug","info","notice","warn","error","fatal""#
        );
        for l in PatternLevel::VARIANTS {
            assert_eq!(
                format!("\"{l}\""),
                serde_json::to_string(l).unwrap_or_default()
            );
        }
    }

    #[test]
    fn an_empty_level_reads_as_none() {
        #[derive(Deserialize)]
        struct Line {
            #[serde(default, deserialize_with = "level_or_empty")]
            level: Option<PatternLevel>,
        }
        let read = |json: &str| serde_json::from_str::<Line>(json).map(|l| l.level).ok();
        assert_eq!(read(r#"{"level":""}"#), Some(None));
        assert_eq!(read(r#"{}"#), Some(None));
        assert_eq!(read(r#"{"level":"warn"}"#), Some(Some(PatternLevel::Warn)));
        assert_eq!(
            read(r#"{"level":"Warn"}"#),
            None,
            "Debug spelling is not ours"
        );
    }
}
