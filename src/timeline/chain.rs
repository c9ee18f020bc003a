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
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
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
    seal_stamped(seq, &Stamp::now_as(ts, actor), event, prev)
}

/// Who and when of a line: its time, when it was written if long after, its actor and (on a shared
/// incident) its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// When it happened.
    pub ts: DateTime<Utc>,
    /// When it was written, when that was long after `ts`.
    pub written: Option<DateTime<Utc>>,
    /// Who did it.
    pub actor: String,
    /// Its id (shared incidents).
    pub id: Option<String>,
}

impl Stamp {
    /// A stamp at `ts` by `actor`, written then, without an id.
    pub fn now_as(ts: DateTime<Utc>, actor: &str) -> Stamp {
        Stamp {
            ts,
            written: None,
            actor: actor.to_string(),
            id: None,
        }
    }
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
    let stamp = Stamp {
        ts,
        written,
        actor: actor.to_string(),
        id: None,
    };
    seal_stamped(seq, &stamp, event, prev)
}

/// Makes the line and record for an event with a full [`Stamp`].
pub fn seal_stamped(
    seq: u64,
    stamp: &Stamp,
    event: Event,
    prev: &str,
) -> Result<(String, Record), serde_json::Error> {
    let body = serde_json::to_string(&Unsigned {
        seq,
        ts: &stamp.ts,
        actor: &stamp.actor,
        id: stamp.id.as_deref(),
        written: &stamp.written,
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
        ts: stamp.ts,
        actor: stamp.actor.clone(),
        id: stamp.id.clone(),
        written: stamp.written,
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
pub fn hex_sha256(bytes: &[u8]) -> String {
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
