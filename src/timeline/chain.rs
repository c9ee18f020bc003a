//! How a record becomes one line, and how a line proves it was not edited.
//!
//! A line is the JSON of the record without its `hash`, with `,"hash":"<sha256 of that JSON>"` spliced in
//! before the closing brace. Hashing the exact bytes (not a re-serialization) means a verifier needs no
//! canonical JSON: any edit to the text, including reformatting, breaks the hash.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::event::{Event, Record};

#[derive(Serialize)]
struct Unsigned<'a> {
    seq: u64,
    #[serde(with = "super::event::ts_millis")]
    ts: &'a DateTime<Utc>,
    actor: &'a str,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "super::event::ts_millis_opt"
    )]
    written: &'a Option<DateTime<Utc>>,
    #[serde(flatten)]
    event: &'a Event,
    prev: &'a str,
}

/// Makes the line (with its trailing newline) and the record for an event.
pub fn seal(
    seq: u64,
    ts: DateTime<Utc>,
    actor: &str,
    event: Event,
    prev: &str,
) -> Result<(String, Record), serde_json::Error> {
    seal_written(seq, ts, None, actor, event, prev)
}

/// Like [`seal`], for a line written at `written`, long after `ts` (a retried write).
pub fn seal_written(
    seq: u64,
    ts: DateTime<Utc>,
    written: Option<DateTime<Utc>>,
    actor: &str,
    event: Event,
    prev: &str,
) -> Result<(String, Record), serde_json::Error> {
    let body = serde_json::to_string(&Unsigned {
        seq,
        ts: &ts,
        actor,
        written: &written,
        event: &event,
        prev,
    })?;
    let hash = hex_sha256(body.as_bytes());
    let mut line = String::with_capacity(body.len() + 80);
    line.push_str(&body[..body.len() - 1]);
    line.push_str(",\"hash\":\"");
    line.push_str(&hash);
    line.push_str("\"}\n");
    let record = Record {
        seq,
        ts,
        actor: actor.to_string(),
        written,
        event,
        prev: prev.to_string(),
        hash,
    };
    Ok((line, record))
}

/// Recomputes the hash of a line's text (without its newline). `None` when the line has no hash field
/// in the place a sealed line has it.
pub fn recompute(line: &str) -> Option<String> {
    const SUFFIX_LEN: usize = ",\"hash\":\"".len() + 64 + "\"}".len();
    if line.len() < SUFFIX_LEN + 1 || !line.is_char_boundary(line.len() - SUFFIX_LEN) {
        return None;
    }
    let (head, tail) = line.split_at(line.len() - SUFFIX_LEN);
    if !tail.starts_with(",\"hash\":\"") || !tail.ends_with("\"}") {
        return None;
    }
    let mut body = String::with_capacity(head.len() + 1);
    body.push_str(head);
    body.push('}');
    Some(hex_sha256(body.as_bytes()))
}

/// Lowercase hex SHA-256 of some bytes.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_line_verifies_and_an_edited_one_does_not() {
        let ts = Utc::now();
        let (line, record) = seal(1, ts, "alice", Event::Note { text: "hi".into() }, "").unwrap();
        let text = line.trim_end_matches('\n');
        assert_eq!(recompute(text).as_deref(), Some(record.hash.as_str()));
        let edited = text.replace("hi", "ho");
        assert_ne!(recompute(&edited).as_deref(), Some(record.hash.as_str()));
    }

    #[test]
    fn the_line_parses_back_into_the_same_record() {
        let ts = Utc::now();
        let (line, record) = seal(
            3,
            ts,
            "bob",
            Event::StepChecked {
                runbook: "stabilize".into(),
                step: "assess-impact".into(),
                title: "Assess".into(),
            },
            "abc",
        )
        .unwrap();
        let parsed: Record = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed.seq, record.seq);
        assert_eq!(parsed.event, record.event);
        assert_eq!(parsed.hash, record.hash);
        assert_eq!(
            parsed.ts.timestamp_millis(),
            record.ts.timestamp_millis(),
            "milliseconds survive"
        );
    }
}
