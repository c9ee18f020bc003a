//! A log line's own time, read from its text with no configuration for the common formats.
//!
//! Formats read: RFC 3339 / ISO 8601 (`T` or space, optional fraction after `.` or `,`, optional
//! zone `Z`/`+01:00`/`+0100`/`+01`, which also covers log4j's `yyyy-MM-dd HH:mm:ss,SSS`); syslog
//! `Nov 28 19:42:57` and `Nov  8 …` (a `ctime` year after the time is used when present); common log
//! format `28/Nov/2026:19:42:57 +0000`; python `http.server` `28/Nov/2026 19:42:57`; nginx/Go
//! `2026/11/28 19:42:57(.micro)`; and, in a JSON object line, the top-level field `ts`, `time`,
//! `timestamp` or `@timestamp` holding one of those strings or an epoch number.
//!
//! Where it looks (the bounded rule): a text timestamp must *start* within the first [`WINDOW`]
//! bytes, at the line's start or after a byte that is not a letter or digit (so after a level word,
//! a `[`, a host or a k8s/docker prefix); the first position where one parses wins. A timestamp
//! further into the line belongs to the message and is not taken. A JSON line's fields are looked
//! for in its first [`JSON_WINDOW`] bytes. Parsing examines at most those bytes whatever the line's
//! length.
//!
//! Epoch numbers are told apart by the size of their integer part: below 10^11 seconds (until
//! the year 5138), below 10^14 milliseconds, below 10^17 microseconds, else nanoseconds.
//!
//! Syslog times carry no year: the year taken is the latest that puts the time no later than
//! [`SYSLOG_SKEW`] after `now` (so a `Dec 31 23:59:59` line read on Jan 1 is last year's, while a
//! line a few minutes ahead of this machine's clock stays in this year).

mod json;
mod text;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::fmt;
use std::ops::Range;

use chrono::format::{Fixed, Item, StrftimeItems};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime,
    NaiveTime, Offset, TimeZone, Utc,
};

/// How far into a line (bytes) a text timestamp may start.
pub const WINDOW: usize = 80;
/// How far into a JSON line (bytes) its time field is looked for.
pub const JSON_WINDOW: usize = 4096;
/// How far ahead of `now` a year-less syslog time may be before it is taken as last year's.
pub const SYSLOG_SKEW: Duration = Duration::days(1);
/// Longest piece of a line a configured format is tried against.
const FORMAT_REACH: usize = 128;

thread_local! {
    /// The local offset of the last wall-clock minute read: zones change offset only on whole
    /// minutes, so a busy log pays the zone lookup once a minute instead of once a line.
    static LOCAL_MINUTE: Cell<Option<(i64, FixedOffset)>> = const { Cell::new(None) };
}

/// The zone a time written without one is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zone {
    /// This machine's local zone.
    #[default]
    Local,
    /// A fixed offset from UTC (UTC itself is offset 0).
    Fixed(FixedOffset),
}

impl Zone {
    /// UTC.
    pub fn utc() -> Zone {
        Zone::Fixed(Utc.fix())
    }

    /// Reads `local`, `UTC`/`Z`, or an offset `+02:00`, `-0530`, `+02`; the error says what to write.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let trimmed = text.trim();
        if trimmed.eq_ignore_ascii_case("local") {
            return Ok(Zone::Local);
        }
        if ["utc", "z", "gmt"]
            .iter()
            .any(|z| trimmed.eq_ignore_ascii_case(z))
        {
            return Ok(Zone::utc());
        }
        match text::offset(trimmed.as_bytes()) {
            Some((offset, used)) if used == trimmed.len() => Ok(Zone::Fixed(offset)),
            _ => Err(format!(
                "zone `{text}` is not understood; write \"local\", \"UTC\" or an offset like \"+02:00\" (zone names like Europe/Paris are not supported)"
            )),
        }
    }

    /// The instant a wall-clock time in this zone names; in a DST overlap the earlier one, in a
    /// DST gap the time an hour later.
    fn resolve(self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self {
            Zone::Fixed(offset) => offset
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.with_timezone(&Utc)),
            Zone::Local => {
                let minute = naive.and_utc().timestamp().div_euclid(60);
                if let Some((seen, offset)) = LOCAL_MINUTE.get()
                    && seen == minute
                {
                    return Zone::Fixed(offset).resolve(naive);
                }
                match Local.from_local_datetime(&naive) {
                    LocalResult::Single(t) => {
                        LOCAL_MINUTE.set(Some((minute, t.offset().fix())));
                        Some(t.with_timezone(&Utc))
                    }
                    LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
                    LocalResult::None => Local
                        .from_local_datetime(&(naive + Duration::hours(1)))
                        .earliest()
                        .map(|t| t.with_timezone(&Utc)),
                }
            }
        }
    }
}

impl fmt::Display for Zone {
    /// `local`, `UTC` or `+02:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Local => f.write_str("local"),
            Zone::Fixed(o) if o.local_minus_utc() == 0 => f.write_str("UTC"),
            Zone::Fixed(o) => write!(f, "{o}"),
        }
    }
}

/// How one source's lines are read for their time: the automatic formats, or one strftime format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimeRule {
    format: Option<Format>,
    /// The zone for times written without one.
    pub zone: Zone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Format {
    text: String,
    /// Whether the format reads an offset (`%z` and kin), so the zone is never assumed.
    zoned: bool,
}

impl TimeRule {
    /// The automatic formats, with times lacking a zone read in `zone`.
    pub fn auto(zone: Zone) -> TimeRule {
        TimeRule { format: None, zone }
    }

    /// Only the chrono strftime `format` (`%d.%m.%Y %H:%M:%S`); the error says what is wrong with it.
    pub fn with_format(format: &str, zone: Zone) -> Result<TimeRule, String> {
        let items = StrftimeItems::new(format)
            .parse()
            .map_err(|_| {
                format!(
                    "timestamp format `{format}` is not a valid strftime format; write one like \"%d.%m.%Y %H:%M:%S\""
                )
            })?;
        let zoned = items.iter().any(|i| {
            matches!(
                i,
                Item::Fixed(
                    Fixed::TimezoneOffset
                        | Fixed::TimezoneOffsetColon
                        | Fixed::TimezoneOffsetDoubleColon
                        | Fixed::TimezoneOffsetTripleColon
                        | Fixed::TimezoneOffsetColonZ
                        | Fixed::TimezoneOffsetZ
                        | Fixed::RFC2822
                        | Fixed::RFC3339
                )
            )
        });
        // A format that cannot read back a time it wrote lacks a date or a time of day.
        let sample = NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_milli_opt(19, 42, 57, 474))
            .map(|n| n.and_utc().fixed_offset());
        let whole = sample.is_some_and(|s| {
            let written = s.format_with_items(items.iter()).to_string();
            if zoned {
                DateTime::parse_from_str(&written, format).is_ok()
            } else {
                NaiveDateTime::parse_from_str(&written, format).is_ok()
            }
        });
        if !whole {
            return Err(format!(
                "timestamp format `{format}` does not name a full date and time; it needs the year, month, day, hour and minute, like \"%d.%m.%Y %H:%M:%S\""
            ));
        }
        let format = Some(Format {
            text: format.to_string(),
            zoned,
        });
        Ok(TimeRule { format, zone })
    }
}

/// A timestamp found in a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The instant it names.
    pub at: DateTime<Utc>,
    /// Its bytes in the line (char boundaries); brackets it fills (`[…]`) are included.
    pub span: Range<usize>,
    /// The zone it was read in when it named none; `None` when it named its own.
    pub assumed: Option<Zone>,
}

/// What a format parser found: a wall-clock time, maybe its offset, and where it ends.
#[derive(Debug, Clone, Copy)]
enum When {
    /// A full date and time.
    Full(NaiveDateTime, Option<FixedOffset>),
    /// An instant (epoch numbers).
    Instant(DateTime<Utc>),
    /// Month, day and time without a year (syslog).
    NoYear(u32, u32, NaiveTime),
}

/// Finds the line's own timestamp under `rule`; `now` places year-less times.
#[cfg(any(test, feature = "test-support"))]
pub fn parse(line: &str, rule: &TimeRule, now: DateTime<Utc>) -> Option<Stamp> {
    parse_hinted(line, rule, now, &mut Hint::default())
}

/// What the previous line of a stream taught about where and how its timestamps are written.
#[derive(Debug, Clone, Default)]
pub struct Hint {
    /// Where the previous line's timestamp started.
    at: Option<usize>,
    /// Its bytes up to the minutes, and the minute they name.
    minute: Option<text::Minute>,
}

/// Like [`parse`], trying first where the previous line of the same stream had its timestamp
/// (`hint`, kept up to date): the lines of one log share a layout, so the search is skipped for
/// most lines, and a line whose timestamp repeats the previous one's to the minute reads only
/// the seconds, fraction and zone after it. A line whose timestamp is elsewhere is searched as `parse`
/// does.
pub fn parse_hinted(
    line: &str,
    rule: &TimeRule,
    now: DateTime<Utc>,
    hint: &mut Hint,
) -> Option<Stamp> {
    if let Some(format) = &rule.format {
        return parse_format(line, format, rule.zone);
    }
    let bytes = line.as_bytes();
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let (when, span) = if first == Some(&b'{') {
        json::find(line)?
    } else {
        let at = hint
            .at
            .filter(|&h| h < bytes.len() && text::starts_token(bytes, h));
        // A line repeating the previous one's minute where it had its timestamp: its instant
        // is the minute's plus the seconds, with no date or zone work.
        let mut reread = false;
        if let Some(h) = at
            && let Some(minute) = &mut hint.minute
            && let Some(seconds) = minute.reread(&bytes[h..])
        {
            reread = true;
            if let Some(seconds) = seconds
                && let Some((at, assumed)) = minute.instant(seconds, rule.zone, now)
            {
                let span = text::widen(bytes, h..h + seconds.len);
                return Some(Stamp { at, span, assumed });
            }
        }
        let hinted = at.filter(|_| !reread).and_then(|h| {
            let (when, len) = text::at_start_remembering(&bytes[h..], &mut hint.minute)?;
            Some((when, text::widen(bytes, h..h + len)))
        });
        let found = match hinted {
            Some(found) => found,
            None => text::find(bytes)?,
        };
        // The hint is where the timestamp starts, inside any brackets it fills.
        let span = &found.1;
        hint.at = Some(span.start + usize::from(bytes.get(span.start) == Some(&b'[')));
        found
    };
    let (at, assumed) = resolve(when, rule.zone, now)?;
    Some(Stamp { at, span, assumed })
}

fn resolve(when: When, zone: Zone, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Option<Zone>)> {
    match when {
        When::Full(naive, Some(offset)) => {
            let at = offset.from_local_datetime(&naive).single()?;
            Some((at.with_timezone(&Utc), None))
        }
        When::Full(naive, None) => Some((zone.resolve(naive)?, Some(zone))),
        When::Instant(at) => Some((at, None)),
        When::NoYear(month, day, time) => {
            let latest = now + SYSLOG_SKEW;
            let this_year = now.year();
            (this_year - 2..=this_year + 1).rev().find_map(|year| {
                let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_time(time);
                // No zone is more than 14 hours from UTC: skip a year surely ahead unresolved.
                if naive.and_utc() - Duration::hours(14) > latest {
                    return None;
                }
                let at = zone.resolve(naive)?;
                (at <= latest).then_some((at, Some(zone)))
            })
        }
    }
}

fn parse_format(line: &str, format: &Format, zone: Zone) -> Option<Stamp> {
    let bytes = line.as_bytes();
    for start in 0..bytes.len().min(WINDOW) {
        if !text::starts_token(bytes, start) || !line.is_char_boundary(start) {
            continue;
        }
        let mut end = (start + FORMAT_REACH).min(line.len());
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        let piece = &line[start..end];
        let found = if format.zoned {
            DateTime::parse_and_remainder(piece, &format.text)
                .map(|(at, rest)| (at.with_timezone(&Utc), None, rest.len()))
                .ok()
        } else {
            NaiveDateTime::parse_and_remainder(piece, &format.text)
                .ok()
                .and_then(|(naive, rest)| Some((zone.resolve(naive)?, Some(zone), rest.len())))
        };
        if let Some((at, assumed, rest)) = found {
            let span = text::widen(bytes, start..end - rest);
            return Some(Stamp { at, span, assumed });
        }
    }
    None
}
