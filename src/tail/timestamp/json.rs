//! The time field of a JSON object line: a top-level `ts`, `time`, `timestamp` or `@timestamp`,
//! found by a bounded scan (strings and nesting tracked, nothing allocated).

use std::ops::Range;

use chrono::DateTime;

use super::{JSON_WINDOW, When, text};

const KEYS: [&[u8]; 4] = [b"ts", b"time", b"timestamp", b"@timestamp"];
/// Most digits an epoch number may have (nanoseconds now have 19).
const MAX_DIGITS: usize = 20;

/// The first time field at the object's top level, and the span of its value (a string's
/// contents, without the quotes).
pub(super) fn find(line: &str) -> Option<(When, Range<usize>)> {
    let bytes = &line.as_bytes()[..line.len().min(JSON_WINDOW)];
    let mut depth = 0usize;
    let mut key_next = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                depth += 1;
                key_next = depth == 1 && bytes[i] == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => key_next = depth == 1,
            b':' => key_next = false,
            b'"' => {
                let end = string_end(bytes, i + 1)?;
                if depth == 1 && key_next && KEYS.contains(&&bytes[i + 1..end]) {
                    let colon = skip_space(bytes, end + 1);
                    if bytes.get(colon) == Some(&b':') {
                        let at = skip_space(bytes, colon + 1);
                        if let Some(found) = value(bytes, at) {
                            return Some(found);
                        }
                    }
                }
                key_next = false;
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote closing a string whose contents start at `from`.
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    while from < bytes.len() {
        match bytes[from] {
            b'\\' => from += 2,
            b'"' => return Some(from),
            _ => from += 1,
        }
    }
    None
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| b.is_ascii_whitespace()) {
        at += 1;
    }
    at
}

fn value(bytes: &[u8], at: usize) -> Option<(When, Range<usize>)> {
    if bytes.get(at) == Some(&b'"') {
        let end = string_end(bytes, at + 1)?;
        let inner = &bytes[at + 1..end];
        if inner.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
            return Some((epoch(inner)?, at + 1..end));
        }
        let (when, len) = text::at_start(inner)?;
        return Some((when, at + 1..at + 1 + len));
    }
    let len = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
        .count();
    Some((epoch(&bytes[at..at + len])?, at..at + len))
}

/// Nanoseconds in one unit of an epoch number, chosen by the size of its integer part.
fn unit_nanos(integer: f64) -> f64 {
    match integer {
        i if i < 1e11 => 1e9,
        i if i < 1e14 => 1e6,
        i if i < 1e17 => 1e3,
        _ => 1.0,
    }
}

/// An epoch number: seconds, milliseconds, microseconds or nanoseconds by its magnitude.
fn epoch(number: &[u8]) -> Option<When> {
    let (integer, fraction) = match number.iter().position(|&b| b == b'.') {
        Some(dot) => (&number[..dot], &number[dot + 1..]),
        None => (number, &[][..]),
    };
    let plain = !integer.is_empty()
        && integer.len() <= MAX_DIGITS
        && fraction.len() <= MAX_DIGITS
        && integer.iter().chain(fraction).all(u8::is_ascii_digit);
    let nanos: i128 = if plain {
        let whole: u128 = std::str::from_utf8(integer).ok()?.parse().ok()?;
        let unit = unit_nanos(whole as f64) as u128;
        let frac = fraction.iter().take(18).fold((0u128, 1u128), |(v, scale), &b| {
            (v * 10 + u128::from(b - b'0'), scale * 10)
        });
        i128::try_from(whole.checked_mul(unit)? + frac.0 * unit / frac.1).ok()?
    } else {
        // Exponent notation (`1.7328e9`): f64 holds about a microsecond here, so round to that.
        let value: f64 = std::str::from_utf8(number).ok()?.parse().ok()?;
        if !(0.0..1e21).contains(&value) {
            return None;
        }
        (value * unit_nanos(value.trunc()) / 1e3).round() as i128 * 1000
    };
    let secs = i64::try_from(nanos / 1_000_000_000).ok()?;
    let at = DateTime::from_timestamp(secs, (nanos % 1_000_000_000) as u32)?;
    Some(When::Instant(at))
}
