//! The time field of a JSON object line: a top-level `ts`, `time`, `timestamp` or `@timestamp`,
//! found by a bounded scan (strings and nesting tracked, nothing allocated).

use std::ops::Range;

use chrono::DateTime;

use super::{JSON_WINDOW, When, text};

const KEYS: [&[u8]; 4] = [b"ts", b"time", b"timestamp", b"@timestamp"];
/// Most digits an epoch number's parts may have (nanoseconds now have 19; fits a u64).
const MAX_DIGITS: usize = 19;

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

/// Digits of a second an epoch number's unit is (0 seconds, 3 ms, 6 µs, 9 ns), chosen by the
/// size of its integer part.
fn unit_digits(integer: f64) -> u32 {
    match integer {
        i if i < 1e11 => 0,
        i if i < 1e14 => 3,
        i if i < 1e17 => 6,
        _ => 9,
    }
}

fn digits(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0, |acc, &b| acc * 10 + u64::from(b - b'0'))
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
    let (secs, nanos) = if plain {
        let whole = digits(integer);
        let unit = unit_digits(whole as f64);
        let per_second = 10u64.pow(unit);
        // The fraction fills the digits of a nanosecond the unit leaves (none for nanoseconds).
        let room = 9 - unit;
        let kept = &fraction[..fraction.len().min(room as usize)];
        let fraction_nanos = digits(kept) * 10u64.pow(room - kept.len() as u32);
        let nanos = (whole % per_second) * 10u64.pow(room) + fraction_nanos;
        (i64::try_from(whole / per_second).ok()?, nanos as u32)
    } else {
        // Exponent notation (`1.7328e9`): f64 holds about a microsecond here, so round to that.
        let value: f64 = std::str::from_utf8(number).ok()?.parse().ok()?;
        if !(0.0..1e21).contains(&value) {
            return None;
        }
        let unit = unit_digits(value.trunc());
        let micros = (value * 10f64.powi(6 - unit as i32)).round() as i128;
        let secs = i64::try_from(micros.div_euclid(1_000_000)).ok()?;
        (secs, (micros.rem_euclid(1_000_000) * 1000) as u32)
    };
    Some(When::Instant(DateTime::from_timestamp(secs, nanos)?))
}
