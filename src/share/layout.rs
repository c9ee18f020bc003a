//! Where things are in the store and beside a replica: one folder an incident, one object an
//! event at its sequence number, and the ids that name incidents and events.
//!
//! ```text
//! <prefix>/2026-11-28-payments-api-errors/claim                       sha256 of event 1 (the id is taken)
//! <prefix>/2026-11-28-payments-api-errors/events/000000000001.jsonl   the incident's first line
//! <prefix>/2026-11-28-payments-api-errors/events/000000000002.jsonl   …
//! <prefix>/2026-11-28-payments-api-errors/here/<session>.json          a cockpit's heartbeat (not the chain)
//! ```

use chrono::{DateTime, Utc};

/// The folder an incident's events are in, ending in `/`.
pub fn events_folder(incident: &str) -> String {
    format!("{incident}/events/")
}

/// The key of an incident's event `seq`: zero-padded, so keys sort in sequence order.
pub fn event_key(incident: &str, seq: u64) -> String {
    format!("{incident}/events/{seq:012}.jsonl")
}

/// The key that claims an incident id before its events go up: create-only, holding the hash of
/// its first line, so two shares never fill one id and a share that stopped halfway resumes.
pub fn claim_key(incident: &str) -> String {
    format!("{incident}/claim")
}

/// The folder of an incident's heartbeats (who has it open), ending in `/`.
pub fn here_folder(incident: &str) -> String {
    format!("{incident}/here/")
}

/// The key of one cockpit session's heartbeat.
pub fn here_key(incident: &str, session: &str) -> String {
    format!("{incident}/here/{session}.json")
}

/// The sequence number an event key holds; `None` for anything else.
pub fn seq_of(key: &str) -> Option<u64> {
    let name = key.rsplit('/').next()?;
    let digits = name.strip_suffix(".jsonl")?;
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A short id to type for an incident opened at `opened`: `2026-11-28-payments-api-errors`.
pub fn incident_id(opened: DateTime<Utc>, title: &str) -> String {
    format!(
        "{}-{}",
        opened.format("%Y-%m-%d"),
        crate::timeline::slug(title)
    )
}

/// The id to try after `id` was taken by another incident: `…-2`, `…-3`.
pub fn next_incident_id(base: &str, attempt: u32) -> String {
    if attempt <= 1 {
        base.to_string()
    } else {
        format!("{base}-{attempt}")
    }
}

/// Whether a folder name in the store can be an incident id (what [`incident_id`] makes, or
/// what a person typed the same way).
pub fn valid_id(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && !id.starts_with(['.', '-'])
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

pub use crate::timeline::outbox::new_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_sort_in_sequence_order_and_read_back() {
        let keys: Vec<String> = [9, 10, 1000].iter().map(|&s| event_key("inc", s)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
        assert_eq!(seq_of(&keys[1]), Some(10));
        assert_eq!(seq_of("inc/events/12.jsonl"), None);
        assert_eq!(seq_of("inc/events/00000000000x.jsonl"), None);
    }

    #[test]
    fn incident_ids_are_short_and_typable() {
        let at = DateTime::parse_from_rfc3339("2026-11-28T14:03:12Z").unwrap().to_utc();
        let id = incident_id(at, "Payments API: errors!");
        assert_eq!(id, "2026-11-28-payments-api-errors");
        assert!(valid_id(&id));
        assert_eq!(next_incident_id(&id, 2), "2026-11-28-payments-api-errors-2");
        assert!(!valid_id(".sitrep-probe"));
        assert!(!valid_id("Has Space"));
    }

    #[test]
    fn ids_do_not_repeat() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 32));
    }
}
