//! Timestamps written as text: each parser reads a fixed shape from the start of a slice and
//! returns what it found and how many (ASCII) bytes it used.

use std::ops::Range;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::{WINDOW, When, Zone};

/// Most fraction-of-second digits read; a longer run is not a timestamp (bounds the work).
const MAX_FRACTION: usize = 12;

/// Whether a token may start at `at`: the line's start, or after a byte that is no letter or digit.
pub(super) fn starts_token(bytes: &[u8], at: usize) -> bool {
    at == 0 || !bytes[at - 1].is_ascii_alphanumeric()
}

/// The first timestamp starting within the window, and its span (widened over `[…]`).
pub(super) fn find(bytes: &[u8]) -> Option<(When, Range<usize>)> {
    // Every text format holds `HH:MM:SS`: a line with no colon near its start has no timestamp.
    let reach = &bytes[..bytes.len().min(WINDOW + 16)];
    memchr::memchr(b':', reach)?;
    for start in 0..bytes.len().min(WINDOW) {
        let first = bytes[start];
        if !(first.is_ascii_digit() || first.is_ascii_uppercase()) || !starts_token(bytes, start) {
            continue;
        }
        if let Some((when, len)) = at_start(&bytes[start..]) {
            return Some((when, widen(bytes, start..start + len)));
        }
    }
    None
}

/// A timestamp at the very start of `s`.
pub(super) fn at_start(s: &[u8]) -> Option<(When, usize)> {
    match Form::of(s) {
        Some(form) => {
            let (second, len) = form.head(s)?;
            form.finish(s, len, second)
        }
        None if s.first()?.is_ascii_uppercase() => syslog(s),
        None => None,
    }
}

/// Includes the brackets around a timestamp that fills them, so a view can drop `[…]` whole.
pub(super) fn widen(bytes: &[u8], span: Range<usize>) -> Range<usize> {
    if span.start > 0 && bytes[span.start - 1] == b'[' && bytes.get(span.end) == Some(&b']') {
        span.start - 1..span.end + 1
    } else {
        span
    }
}

/// The `N` decimal digits at `at`, if all are digits (`N` is fixed, so the loop unrolls).
#[inline(always)]
fn num<const N: usize>(s: &[u8], at: usize) -> Option<u32> {
    let digits: &[u8; N] = s.get(at..at + N)?.try_into().ok()?;
    let mut value = 0u32;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        value = value * 10 + u32::from(d);
    }
    Some(value)
}

/// 10^(9 - n): scales `n` fraction digits to nanoseconds.
const NANOS_SCALE: [u32; 10] = [
    1_000_000_000,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

fn is(s: &[u8], at: usize, any: &[u8]) -> bool {
    s.get(at).is_some_and(|b| any.contains(b))
}

fn ymd(s: &[u8], sep: u8) -> Option<NaiveDate> {
    if !is(s, 4, &[sep]) || !is(s, 7, &[sep]) {
        return None;
    }
    NaiveDate::from_ymd_opt(num::<4>(s, 0)? as i32, num::<2>(s, 5)?, num::<2>(s, 8)?)
}

/// The hours, minutes and seconds of `HH:MM:SS` at `at`, its eight bytes checked as one word: the
/// six digits each `0x30..=0x39`, the colons in their places.
fn clock(s: &[u8], at: usize) -> Option<(u32, u32, u32)> {
    const HIGH: u64 = 0xF0F0_00F0_F000_F0F0;
    const LOW: u64 = 0x0F0F_000F_0F00_0F0F;
    const COLONS: u64 = 0x0000_FF00_00FF_0000;
    let word: [u8; 8] = s.get(at..at + 8)?.try_into().ok()?;
    let w = u64::from_le_bytes(word);
    let digits = w & HIGH == 0x3030_0030_3000_3030 && ((w & LOW) + 0x0606_0006_0600_0606) & HIGH == 0;
    if !digits || w & COLONS != 0x0000_3A00_003A_0000 {
        return None;
    }
    let d = (w & LOW).to_le_bytes().map(u32::from);
    Some((d[0] * 10 + d[1], d[3] * 10 + d[4], d[6] * 10 + d[7]))
}

/// `HH:MM:SS` at `at` as a time of day (no leap second), and where it ends.
fn hms(s: &[u8], at: usize) -> Option<(NaiveTime, usize)> {
    let (h, m, sec) = clock(s, at)?;
    Some((NaiveTime::from_hms_opt(h, m, sec)?, at + 8))
}

/// An optional `.fff` or `,fff` at `at`: the nanoseconds it names and where it ends; `None` for a
/// run of digits too long to be a fraction of a second.
#[inline]
fn fraction(s: &[u8], at: usize) -> Option<(u32, usize)> {
    // Milliseconds are the most common fraction: three digits and no fourth.
    if is(s, at, b".,")
        && let Some(millis) = num::<3>(s, at + 1)
        && !s.get(at + 4).is_some_and(u8::is_ascii_digit)
    {
        return Some((millis * 1_000_000, at + 4));
    }
    let mut end = at;
    let mut nanos = 0u32;
    if is(s, end, b".,") && s.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1;
        let mut digits = 0usize;
        while let Some(d) = s.get(end).map(|b| b.wrapping_sub(b'0')).filter(|d| *d <= 9) {
            if digits == MAX_FRACTION {
                return None;
            }
            if digits < 9 {
                nanos = nanos * 10 + u32::from(d);
            }
            digits += 1;
            end += 1;
        }
        nanos *= NANOS_SCALE[digits.min(9)];
    }
    Some((nanos, end))
}

/// `+HH:MM`, `+HHMM` or `+HH` (or `-`) at the start of `b`; the offset and the bytes used.
pub(super) fn offset(b: &[u8]) -> Option<(FixedOffset, usize)> {
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hours = num::<2>(b, 1)?;
    let (minutes, used) = if is(b, 3, b":") {
        (num::<2>(b, 4)?, 6)
    } else {
        num::<2>(b, 3).map_or((0, 3), |m| (m, 5))
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    let seconds = sign * (hours * 3600 + minutes * 60) as i32;
    Some((FixedOffset::east_opt(seconds)?, used))
}

/// A zone right after a time: `Z`, an attached offset, or a space and a four-digit `+0100`.
fn zone_after(s: &[u8], at: usize) -> (Option<FixedOffset>, usize) {
    let rest = s.get(at..).unwrap_or_default();
    match rest.first() {
        Some(b'Z' | b'z') => (FixedOffset::east_opt(0), at + 1),
        Some(b'+' | b'-') => match offset(rest) {
            Some((o, used)) => (Some(o), at + used),
            None => (None, at),
        },
        Some(b' ') if is(rest, 1, b"+-") && num::<4>(rest, 2).is_some() => match offset(&rest[1..]) {
            Some((o, used)) => (Some(o), at + 1 + used),
            None => (None, at),
        },
        _ => (None, at),
    }
}

/// The text formats with a date before the time: what comes after the seconds (a fraction, a
/// zone) is read the same way whatever the date and time were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `2026-11-28T23:27:19.474Z`, `2026-11-28 23:27:19,474`, `2026-11-28T23:27:19+01:00`.
    Iso,
    /// `2026/11/28 19:42:57` with an optional `.micro` (nginx error log, Go's `log`).
    Slashed,
    /// `28/Nov/2026:19:42:57 +0000` (common log format) or `28/Nov/2026 19:42:57` (python).
    Clf,
}

impl Form {
    /// The form a timestamp starting `s` would have, from its first bytes.
    fn of(s: &[u8]) -> Option<Form> {
        match (s.first()?, s.get(2), s.get(4)) {
            (b'0'..=b'9', _, Some(b'-')) => Some(Form::Iso),
            (b'0'..=b'9', _, Some(b'/')) => Some(Form::Slashed),
            (b'0'..=b'9', Some(b'/'), _) => Some(Form::Clf),
            _ => None,
        }
    }

    /// The date and time to the second at the start of `s`, and where the seconds end.
    fn head(self, s: &[u8]) -> Option<(NaiveDateTime, usize)> {
        let (date, at) = match self {
            Form::Iso if is(s, 10, b"Tt ") => (ymd(s, b'-')?, 10),
            Form::Slashed if is(s, 10, b" T") => (ymd(s, b'/')?, 10),
            Form::Iso | Form::Slashed => return None,
            Form::Clf => {
                if !is(s, 2, b"/") || !is(s, 6, b"/") || !is(s, 11, b": ") {
                    return None;
                }
                let year = num::<4>(s, 7)? as i32;
                (NaiveDate::from_ymd_opt(year, month(s.get(3..6)?)?, num::<2>(s, 0)?)?, 11)
            }
        };
        let (time, end) = hms(s, at + 1)?;
        Some((date.and_time(time), end))
    }

    /// The whole timestamp, given its date and time to the second and where the seconds end.
    fn finish(self, s: &[u8], seconds_end: usize, second: NaiveDateTime) -> Option<(When, usize)> {
        let (nanos, zone, end) = self.after_seconds(s, seconds_end)?;
        Some((When::Full(second.with_nanosecond(nanos)?, zone), end))
    }

    /// The fraction (as nanoseconds) and zone after the seconds, and where the timestamp ends.
    #[inline]
    fn after_seconds(self, s: &[u8], seconds_end: usize) -> Option<(u32, Option<FixedOffset>, usize)> {
        let (nanos, end) = fraction(s, seconds_end)?;
        let (zone, end) = match self {
            Form::Iso => zone_after(s, end),
            Form::Slashed => (None, end),
            Form::Clf if is(s, end, b" ") => zone_after(s, end),
            Form::Clf => (None, end),
        };
        Some((nanos, zone, end))
    }
}

/// The previous line's timestamp up to its minutes and what it names: the next line of a busy log
/// most often repeats those bytes, and then only the seconds, fraction and zone are read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Minute {
    /// The first sixteen bytes (`2026-11-28T23:27`, `28/Nov/2026:23:2`) as one number.
    head: u128,
    /// Where the minutes end: 16, or 17 for the common log format.
    len: usize,
    /// The seventeenth byte, compared when `len` is 17.
    last: u8,
    form: Form,
    minute: NaiveDateTime,
    /// The instant the minute starts (as a UTC wall time) for the zone last written after it and
    /// the zone assumed when none is: a line of the same minute then costs no zone arithmetic.
    start: Option<MinuteStart>,
}

#[derive(Debug, Clone, Copy)]
struct MinuteStart {
    written: Option<FixedOffset>,
    zone: Zone,
    utc: NaiveDateTime,
}

/// What follows a repeated minute: the second, its fraction, the zone written, where it ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seconds {
    second: u32,
    nanos: u32,
    zone: Option<FixedOffset>,
    /// Bytes from the timestamp's start to its end.
    pub(super) len: usize,
}

impl Minute {
    /// The rest of a timestamp at the start of `s` that repeats this minute's bytes; `None` when
    /// it does not (read it whole then), `Some(None)` when it does but what follows is no
    /// timestamp (or a leap second).
    pub(super) fn reread(&self, s: &[u8]) -> Option<Option<Seconds>> {
        let head: [u8; 16] = s.get(..16)?.try_into().ok()?;
        if u128::from_le_bytes(head) != self.head || (self.len == 17 && s.get(16) != Some(&self.last)) {
            return None;
        }
        let second = match (s.get(self.len), num::<2>(s, self.len + 1)) {
            (Some(b':'), Some(sec)) if sec < 60 => sec,
            _ => return Some(None),
        };
        Some(
            self.form
                .after_seconds(s, self.len + 3)
                .map(|(nanos, zone, len)| Seconds { second, nanos, zone, len }),
        )
    }

    /// What the repeated minute and `seconds` name.
    fn when(&self, seconds: Seconds) -> Option<When> {
        let at = self.minute.with_second(seconds.second)?.with_nanosecond(seconds.nanos)?;
        Some(When::Full(at, seconds.zone))
    }

    /// The instant the repeated minute and `seconds` name, times without a zone read in `zone`,
    /// and the zone assumed. Every second of a wall-clock minute is in the same offset (zones
    /// change on whole minutes), so the minute's start is resolved once and the seconds added.
    #[inline]
    pub(super) fn instant(
        &mut self,
        seconds: Seconds,
        zone: Zone,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<(chrono::DateTime<chrono::Utc>, Option<Zone>)> {
        let assumed = seconds.zone.is_none().then_some(zone);
        let start = match self.start {
            Some(start) if start.written == seconds.zone && start.zone == zone => start.utc,
            _ => {
                let (at, _) = super::resolve(When::Full(self.minute, seconds.zone), zone, now)?;
                let utc = at.naive_utc();
                if utc.second() != 0 || utc.nanosecond() != 0 {
                    // An offset with seconds (a historic local mean time): no shortcut.
                    let (at, _) = super::resolve(self.when(seconds)?, zone, now)?;
                    return Some((at, assumed));
                }
                self.start = Some(MinuteStart { written: seconds.zone, zone, utc });
                utc
            }
        };
        let at = start.with_second(seconds.second)?.with_nanosecond(seconds.nanos)?;
        Some((at.and_utc(), assumed))
    }
}

/// [`at_start`], remembering the minute read in `memo` for the next line (which
/// [`Minute::reread`] then tries first).
pub(super) fn at_start_remembering(s: &[u8], memo: &mut Option<Minute>) -> Option<(When, usize)> {
    let Some(form) = Form::of(s) else {
        return at_start(s);
    };
    let (second, len) = form.head(s)?;
    let found = form.finish(s, len, second)?;
    let head: [u8; 16] = s.get(..16)?.try_into().ok()?;
    *memo = second.with_second(0).map(|minute| Minute {
        head: u128::from_le_bytes(head),
        len: len - 3,
        last: s[16],
        form,
        minute,
        start: None,
    });
    Some(found)
}

/// `Nov 28 19:42:57`, `Nov  8 19:42:57`, `Nov 8 19:42:57`; a year after it (`ctime`) is used.
fn syslog(s: &[u8]) -> Option<(When, usize)> {
    let month = month(s.get(..3)?)?;
    if !is(s, 3, b" ") {
        return None;
    }
    let (day, at) = if is(s, 4, b" ") {
        (num::<1>(s, 5)?, 6)
    } else if is(s, 5, b" ") {
        (num::<1>(s, 4)?, 5)
    } else {
        (num::<2>(s, 4)?, 6)
    };
    if !is(s, at, b" ") || !(1..=31).contains(&day) {
        return None;
    }
    let (time, end) = hms(s, at + 1)?;
    let (nanos, end) = fraction(s, end)?;
    let time = time.with_nanosecond(nanos)?;
    if is(s, end, b" ")
        && !s.get(end + 5).is_some_and(u8::is_ascii_digit)
        && let Some(year) = num::<4>(s, end + 1)
    {
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
        return Some((When::Full(date.and_time(time), None), end + 5));
    }
    Some((When::NoYear(month, day, time), end))
}

fn month(name: &[u8]) -> Option<u32> {
    let month = match name {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    Some(month)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `HH:MM:SS` read a byte at a time: what the one-word check must agree with.
    fn clock_bytewise(s: &[u8], at: usize) -> Option<(u32, u32, u32)> {
        if !is(s, at + 2, b":") || !is(s, at + 5, b":") {
            return None;
        }
        Some((num::<2>(s, at)?, num::<2>(s, at + 3)?, num::<2>(s, at + 6)?))
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 2000,
            failure_persistence: None,
            ..Default::default()
        })]

        /// Bytes near the edges of the digit and colon ranges, in every position.
        #[test]
        fn clock_reads_as_the_bytewise_check(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"0123456789:/;.@ \xb0\xba\x00\xff".to_vec()),
                    proptest::num::u8::ANY,
                ],
                0..12,
            ),
            at in 0usize..4,
        ) {
            proptest::prop_assert_eq!(clock(&bytes, at), clock_bytewise(&bytes, at));
        }
    }

    #[test]
    fn clock_reads_every_time_of_day() {
        for h in 0..24 {
            for m in 0..60 {
                for sec in [0, 7, 30, 59, 60] {
                    let text = format!("x{h:02}:{m:02}:{sec:02}");
                    assert_eq!(clock(text.as_bytes(), 1), Some((h, m, sec)), "{text}");
                }
            }
        }
        assert_eq!(clock(b"12:34:5", 0), None, "too short");
        assert_eq!(clock(b"12-34:56", 0), None);
        assert_eq!(clock(b"1a:34:56", 0), None);
    }
}
