//! Which field names one request: request ids, then correlation, trace and span ids.

use super::Parsed;

/// Request identifiers from the most to the least specific to one request, as the last one or
/// two words of a key (`req`, `req_id`, `requestId`, `http.request.id`, `X-Request-ID`, `dd.trace_id`).
const REQUEST_KEYS: &[&[&str]] = &[
    &["req", "reqid", "requestid", "xrequestid"],
    &["correlationid"],
    &["traceid"],
    &["spanid"],
];

/// The field that best identifies one request (a request id before a trace id before a span id),
/// if the line has one with a value.
pub fn request_field(p: &Parsed) -> Option<(&str, &str)> {
    p.fields
        .iter()
        .filter(|(_, v)| !v.is_empty() && v != "-")
        .filter_map(|(k, v)| request_rank(k).map(|rank| (rank, k.as_str(), v.as_str())))
        .min_by_key(|(rank, _, _)| *rank)
        .map(|(_, k, v)| (k, v))
}

/// The rank of `key` in [`REQUEST_KEYS`], compared case-insensitively on its last words.
fn request_rank(key: &str) -> Option<usize> {
    let words = key_words(key);
    let last = |n: usize| words.len().checked_sub(n).map(|at| words[at..].concat());
    let tails = [last(1), last(2)];
    REQUEST_KEYS.iter().position(|names| {
        tails
            .iter()
            .flatten()
            .any(|tail| names.contains(&tail.as_str()))
    })
}

/// `dd.trace_id` → `dd`, `trace`, `id`; `requestId` → `request`, `id`; lowercased.
fn key_words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        let split = !c.is_alphanumeric() || (c.is_uppercase() && prev_lower);
        if split && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}
