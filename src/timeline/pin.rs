//! A pinned log line: a line the responder kept as evidence, hashed when it was pinned so that a
//! postmortem can show whether the quote is still the line that was seen.

use chrono::{DateTime, Utc};

use super::chain::hex_sha256;
use super::event::Event;

impl Event {
    /// A pinned log line, its hash computed from `text`.
    pub fn pinned(
        source: String,
        read_at: DateTime<Utc>,
        line_time: Option<DateTime<Utc>>,
        text: String,
        cites: Option<u64>,
    ) -> Event {
        let sha256 = hex_sha256(text.as_bytes());
        Event::LinePinned {
            source,
            read_at,
            line_time,
            text,
            sha256,
            cites,
        }
    }

    /// For a pinned line, whether its text still hashes to its `sha256`; `None` for other kinds.
    pub fn pin_intact(&self) -> Option<bool> {
        match self {
            Event::LinePinned { text, sha256, .. } => Some(hex_sha256(text.as_bytes()) == *sha256),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use crate::timeline::chain::seal;
    use crate::timeline::{Event, Record};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn a_pin_hashes_its_text_as_hex_sha256() {
        let pin = Event::pinned("api".into(), at("2026-11-24T14:00:00Z"), None, "abc".into(), None);
        let Event::LinePinned { sha256, .. } = &pin else {
            panic!("{pin:?}");
        };
        // The SHA-256 test vector for "abc" (FIPS 180-2).
        assert_eq!(
            sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(pin.pin_intact(), Some(true));
    }

    #[test]
    fn a_pin_whose_text_was_changed_is_not_intact() {
        let mut pin = Event::pinned("api".into(), at("2026-11-24T14:00:00Z"), None, "ERROR 500".into(), None);
        if let Event::LinePinned { text, .. } = &mut pin {
            text.replace_range(.., "ERROR 200");
        }
        assert_eq!(pin.pin_intact(), Some(false));
        assert_eq!(Event::Note { text: "x".into() }.pin_intact(), None);
    }

    #[test]
    fn a_pin_without_line_time_or_citation_writes_neither_field() {
        let pin = Event::pinned(
            "payments-api".into(),
            at("2026-11-24T14:00:41.52Z"),
            None,
            "ERROR request failed".into(),
            None,
        );
        let (line, _) = seal(4, at("2026-11-24T14:00:42Z"), "alice", pin, "p").unwrap();
        let body = line.split(",\"hash\"").next().unwrap_or_default();
        assert_eq!(
            body,
            r#"{"seq":4,"ts":"2026-11-24T14:00:42.000Z","actor":"alice","kind":"log.pinned","source":"payments-api","read_at":"2026-11-24T14:00:41.520Z","text":"ERROR request failed","sha256":"0cce7f5d22507094dbc5d453f92b6764a4031aaebcf7b929f1f494e081a84744","prev":"p""#
        );
    }

    #[test]
    fn a_pin_with_line_time_and_citation_reads_back_as_written() {
        let pin = Event::pinned(
            "ledger".into(),
            at("2026-11-24T14:00:54.870Z"),
            Some(at("2026-11-24T14:00:54.861Z")),
            "WARN retrying".into(),
            Some(2),
        );
        let (line, record) = seal(5, at("2026-11-24T14:00:55Z"), "bob", pin, "p").unwrap();
        assert!(line.contains(r#""line_time":"2026-11-24T14:00:54.861Z""#), "{line}");
        assert!(line.contains(r#""cites":2,"#), "{line}");
        let read: Record = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(read.event, record.event);
    }

    #[test]
    fn the_summary_quotes_the_start_of_a_long_line() {
        let long = format!("ERROR request failed {}", "x".repeat(200));
        let pin = Event::pinned("payments-api".into(), at("2026-11-24T14:00:00Z"), None, long, None);
        let summary = pin.summary();
        assert!(summary.starts_with("pinned payments-api line: ERROR request failed xxx"), "{summary}");
        assert!(summary.ends_with('…'), "{summary}");
        assert_eq!(summary.chars().count(), "pinned payments-api line: ".len() + 80 + 1);
        let short = Event::pinned("db".into(), at("2026-11-24T14:00:00Z"), None, "WARN slow".into(), None);
        assert_eq!(short.summary(), "pinned db line: WARN slow");
    }

    #[test]
    fn a_pinned_line_this_version_cannot_read_whole_is_kept_as_an_unknown_event() {
        // What a later version might write: a line time in another form, a citation by id.
        let line = r#"{"seq":1,"ts":"2026-11-24T14:00:00.000Z","actor":"carol","kind":"log.pinned","source":"api","read_at":"2026-11-24T14:00:00.000Z","line_time":"yesterday","text":"x","sha256":"","cites":"evt-2","prev":"","hash":""}"#;
        let record: Record = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
        let Event::Unknown(unknown) = &record.event else {
            panic!("{record:?}");
        };
        assert_eq!(unknown.kind, "log.pinned");
        assert_eq!(record.event.summary(), "unknown event log.pinned");
        assert_eq!(record.event.pin_intact(), None);
    }
}
