//! Durations as people write and read them: one parser for every file and flag, and the three ways
//! sitrep shows a duration (at a glance, precisely in a postmortem, and as a running clock).

use std::fmt::Write as _;
use std::time::Duration;

use chrono::TimeDelta;

/// Parses a duration as people write it (`5s`, `800ms`, `30m`). Nothing sitrep waits for is longer
/// than a week; a bigger value is a typo, and would overflow the clocks it is added to.
pub fn parse(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| e.to_string())?;
    if d > Duration::from_secs(7 * 86_400) {
        return Err("longer than a week".into());
    }
    Ok(d)
}

/// Like [`parse`], with the whole message a user needs: what was written, why it is not a duration,
/// and an example of the form wanted (`example` is written into the message as is, e.g. `"5s"`).
pub fn parse_or_explain(text: &str, example: &str) -> Result<Duration, String> {
    parse(text)
        .map_err(|err| format!("`{text}` is not a duration ({err}); write it like {example}"))
}

/// At a glance, for status lines and dialogs: `850ms`, `4.2s`, `5s`, `42s`, `4m 12s`, `5m`, `1h 23m`.
pub fn glance(d: Duration) -> String {
    let secs = d.as_secs();
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if secs < 10 && d.subsec_millis() >= 50 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        match secs % 60 {
            0 => format!("{}m", secs / 60),
            s => format!("{}m {s}s", secs / 60),
        }
    } else {
        match (secs % 3600) / 60 {
            0 => format!("{}h", secs / 3600),
            m => format!("{}h {m}m", secs / 3600),
        }
    }
}

/// Precisely, for the postmortem: `850 ms`, `42s`, `4m 05s`, `1h 02m 03s`, `2d 03h 04m`.
pub fn precise(d: TimeDelta) -> String {
    let ms = d.num_milliseconds();
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let s = ms / 1000;
    let mut out = String::from(sign);
    // Writing to a String cannot fail.
    let _ = match s {
        0 => write!(out, "{ms} ms"),
        1..60 => write!(out, "{s}s"),
        60..3600 => write!(out, "{}m {:02}s", s / 60, s % 60),
        3600..86400 => write!(out, "{}h {:02}m {:02}s", s / 3600, s / 60 % 60, s % 60),
        _ => write!(
            out,
            "{}d {:02}h {:02}m",
            s / 86400,
            s / 3600 % 24,
            s / 60 % 60
        ),
    };
    out
}

/// [`precise`] for a duration given in milliseconds.
pub fn precise_ms(ms: u64) -> String {
    precise(TimeDelta::milliseconds(
        i64::try_from(ms).unwrap_or(i64::MAX),
    ))
}

/// A running clock with fixed width, for the header: `02m03s`, `1h02m03s`.
pub fn clock(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}m{:02}s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_people_write_them_and_typos_say_so() {
        assert_eq!(parse(" 800ms "), Ok(Duration::from_millis(800)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("8d"), Err("longer than a week".into()));
        let err = parse_or_explain("5 parsecs", "\"5s\"").unwrap_err();
        assert!(err.starts_with("`5 parsecs` is not a duration ("), "{err}");
        assert!(err.ends_with("write it like \"5s\""), "{err}");
    }

    #[test]
    fn durations_read_at_a_glance() {
        let s = Duration::from_secs;
        assert_eq!(glance(Duration::from_millis(850)), "850ms");
        assert_eq!(glance(Duration::from_millis(4240)), "4.2s");
        assert_eq!(glance(s(2)), "2s");
        assert_eq!(glance(s(42)), "42s");
        assert_eq!(glance(s(252)), "4m 12s");
        assert_eq!(glance(s(300)), "5m");
        assert_eq!(glance(s(4980)), "1h 23m");
        assert_eq!(glance(s(7200)), "2h");
    }

    #[test]
    fn durations_read_precisely_in_a_postmortem() {
        let ms = TimeDelta::milliseconds;
        assert_eq!(precise(ms(850)), "850 ms");
        assert_eq!(precise(ms(42_000)), "42s");
        assert_eq!(precise(ms(245_000)), "4m 05s");
        assert_eq!(precise(ms(3_723_000)), "1h 02m 03s");
        assert_eq!(precise(ms(183_840_000)), "2d 03h 04m");
        assert_eq!(precise(ms(-42_000)), "-42s");
        assert_eq!(
            precise_ms(u64::MAX),
            precise(TimeDelta::milliseconds(i64::MAX))
        );
    }

    #[test]
    fn the_clock_keeps_its_width() {
        assert_eq!(clock(15), "00m15s");
        assert_eq!(clock(3723), "1h02m03s");
        assert_eq!(clock(-5), "00m00s");
    }
}
