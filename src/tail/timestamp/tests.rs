use chrono::{DateTime, Utc};

use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => panic!("bad test time {text}: {e}"),
    }
}

fn now() -> DateTime<Utc> {
    utc("2026-11-29T00:30:00Z")
}

fn zone(text: &str) -> Zone {
    match Zone::parse(text) {
        Ok(z) => z,
        Err(e) => panic!("{e}"),
    }
}

/// Reads `line` with times lacking a zone taken as UTC.
fn read(line: &str) -> Option<Stamp> {
    parse(line, &TimeRule::auto(Zone::utc()), now())
}

/// The instant read from `line` and the text its span covers.
fn found(line: &str) -> (DateTime<Utc>, &str) {
    match read(line) {
        Some(s) => (s.at, &line[s.span]),
        None => panic!("no time found in {line:?}"),
    }
}

#[test]
fn rfc3339_with_zone_and_fraction_is_read_exactly() {
    let line = "2026-11-28T23:27:19.474Z INFO started";
    assert_eq!(
        found(line),
        (utc("2026-11-28T23:27:19.474Z"), "2026-11-28T23:27:19.474Z")
    );
    assert_eq!(read(line).and_then(|s| s.assumed), None);
}

#[test]
fn an_offset_is_applied() {
    assert_eq!(
        found("2026-11-28T23:27:19+01:00 x").0,
        utc("2026-11-28T22:27:19Z")
    );
    assert_eq!(
        found("2026-11-28T23:27:19-0530 x").0,
        utc("2026-11-29T04:57:19Z")
    );
    assert_eq!(
        found("2026-11-28 23:27:19 +0200 x").0,
        utc("2026-11-28T21:27:19Z")
    );
}

#[test]
fn space_separated_iso_and_log4j_comma_fractions_are_read_in_the_given_zone() {
    let rule = TimeRule::auto(zone("+02:00"));
    let stamp = parse("2026-11-28 23:27:19,474 ERROR [main] x", &rule, now());
    assert_eq!(
        stamp,
        Some(Stamp {
            at: utc("2026-11-28T21:27:19.474Z"),
            span: 0..23,
            assumed: Some(zone("+02:00")),
        })
    );
}

#[test]
fn a_time_without_zone_defaults_to_the_local_zone() {
    let stamp = parse("2026-06-01 12:00:00 x", &TimeRule::default(), now());
    let naive = NaiveDate::from_ymd_opt(2026, 6, 1).and_then(|d| d.and_hms_opt(12, 0, 0));
    let expected = naive.and_then(|n| Local.from_local_datetime(&n).earliest());
    assert_eq!(stamp.as_ref().map(|s| s.at), expected.map(|t| t.to_utc()));
    assert_eq!(stamp.and_then(|s| s.assumed), Some(Zone::Local));
}

#[test]
fn syslog_time_is_placed_in_the_current_year() {
    assert_eq!(
        found("Nov 28 19:42:57 web-1 sshd[42]: Accepted").0,
        utc("2026-11-28T19:42:57Z")
    );
    assert_eq!(
        found("Nov  8 09:02:03 web-1 cron").0,
        utc("2026-11-08T09:02:03Z")
    );
}

#[test]
fn syslog_line_from_new_years_eve_read_on_new_years_day_is_last_years() {
    let jan_first = utc("2027-01-01T00:00:05Z");
    let stamp = parse(
        "Dec 31 23:59:59 host app: bye",
        &TimeRule::auto(Zone::utc()),
        jan_first,
    );
    assert_eq!(stamp.map(|s| s.at), Some(utc("2026-12-31T23:59:59Z")));
}

#[test]
fn syslog_time_slightly_ahead_of_this_clock_stays_in_this_year() {
    let stamp = read("Nov 29 00:31:00 host app: skewed");
    assert_eq!(stamp.map(|s| s.at), Some(utc("2026-11-29T00:31:00Z")));
}

#[test]
fn ctime_with_its_year_uses_that_year() {
    let line = "[Sat Nov 28 19:42:57.123456 2025] [core:error] x";
    assert_eq!(
        found(line),
        (
            utc("2025-11-28T19:42:57.123456Z"),
            "Nov 28 19:42:57.123456 2025"
        )
    );
}

#[test]
fn common_log_format_is_read_with_its_offset_and_brackets() {
    let line = r#"127.0.0.1 - frank [28/Nov/2026:19:42:57 -0700] "GET / HTTP/1.1" 200 2326"#;
    assert_eq!(
        found(line),
        (utc("2026-11-29T02:42:57Z"), "[28/Nov/2026:19:42:57 -0700]")
    );
}

#[test]
fn python_http_server_format_is_read() {
    let line = r#"127.0.0.1 - - [28/Nov/2026 19:42:57] "GET / HTTP/1.1" 200 -"#;
    assert_eq!(
        found(line),
        (utc("2026-11-28T19:42:57Z"), "[28/Nov/2026 19:42:57]")
    );
}

#[test]
fn slashed_dates_of_nginx_and_go_are_read_with_micros() {
    assert_eq!(
        found("2026/11/28 19:42:57 [error] 31#31: *1 open() failed").0,
        utc("2026-11-28T19:42:57Z")
    );
    assert_eq!(
        found("2026/11/28 19:42:57.123456 main.go:12: boom").0,
        utc("2026-11-28T19:42:57.123456Z")
    );
}

#[test]
fn a_timestamp_after_a_short_prefix_is_found() {
    assert_eq!(
        found("INFO  [2026-11-28 19:42:57] ready").1,
        "[2026-11-28 19:42:57]"
    );
    assert_eq!(
        found("api-7d9f8b-x2x9z web 2026-11-28T19:42:57.1Z GET /").1,
        "2026-11-28T19:42:57.1Z"
    );
}

#[test]
fn a_timestamp_far_into_the_message_is_not_taken() {
    let line = format!("{} 2026-11-28T19:42:57Z", "x".repeat(WINDOW));
    assert_eq!(read(&line), None);
}

#[test]
fn lines_without_a_time_have_none() {
    for line in [
        "",
        "\tat com.example.Foo.bar(Foo.java:42)",
        "Caused by: java.lang.IllegalStateException",
        "GET /v1/pay 200 12ms",
        "2026-11-28 is the day",
        "Nov 28 is a date without a time",
        "2026-13-28T19:42:57Z bad month",
        "2026-11-28T25:42:57Z bad hour",
        "x2026-11-28T19:42:57Z glued to a word",
    ] {
        assert_eq!(read(line), None, "{line:?}");
    }
}

#[test]
fn json_fields_hold_rfc3339_strings() {
    let line = r#"{"level":"error","@timestamp":"2026-11-28T19:42:57.5+01:00","msg":"x"}"#;
    assert_eq!(
        found(line),
        (utc("2026-11-28T18:42:57.5Z"), "2026-11-28T19:42:57.5+01:00")
    );
}

#[test]
fn json_epoch_units_are_told_apart_by_magnitude() {
    let at = utc("2026-11-28T19:42:57.474Z");
    for value in [
        "1795894977.474",
        "1795894977474",
        "1795894977474000",
        "1795894977474000000",
        "\"1795894977.474\"",
        "1.795894977474e9",
    ] {
        let line = format!(r#"{{"ts":{value},"msg":"x"}}"#);
        let stamp = read(&line);
        let got = stamp.as_ref().map(|s| s.at);
        assert_eq!(got, Some(at), "{value}");
        assert_eq!(stamp.and_then(|s| s.assumed), None, "{value}");
    }
    assert_eq!(found(r#"{"time": 1795894977}"#).0, utc("2026-11-28T19:42:57Z"));
}

#[test]
fn json_time_fields_are_only_taken_at_the_top_level() {
    let line = r#"{"req":{"time":"2020-01-01T00:00:00Z"},"msg":"time","timestamp":"2026-11-28T19:42:57Z"}"#;
    assert_eq!(found(line).0, utc("2026-11-28T19:42:57Z"));
    assert_eq!(read(r#"{"msg":"2026-11-28T19:42:57Z"}"#), None);
}

#[test]
fn a_configured_format_reads_its_own_layout_in_its_zone() {
    let rule = TimeRule::with_format("%d.%m.%Y %H:%M:%S", zone("+02:00"));
    let rule = rule.unwrap_or_else(|e| panic!("{e}"));
    let line = "app1 28.11.2026 19:42:57 payment failed";
    let stamp = parse(line, &rule, now());
    assert_eq!(stamp.as_ref().map(|s| s.at), Some(utc("2026-11-28T17:42:57Z")));
    assert_eq!(stamp.map(|s| &line[s.span]), Some("28.11.2026 19:42:57"));
}

#[test]
fn a_configured_format_with_an_offset_assumes_no_zone() {
    let rule = TimeRule::with_format("%Y%m%d-%H%M%S%z", Zone::Local);
    let rule = rule.unwrap_or_else(|e| panic!("{e}"));
    let stamp = parse("20261128-194257+0100 x", &rule, now());
    assert_eq!(stamp.as_ref().map(|s| s.at), Some(utc("2026-11-28T18:42:57Z")));
    assert_eq!(stamp.and_then(|s| s.assumed), None);
}

#[test]
fn bad_formats_and_zones_are_explained() {
    let err = |r: Result<TimeRule, String>| r.err().unwrap_or_default();
    assert!(err(TimeRule::with_format("%d.%m.%Q", Zone::Local)).contains("not a valid strftime"));
    assert!(err(TimeRule::with_format("%H:%M:%S", Zone::Local)).contains("full date and time"));
    let zone_err = Zone::parse("Europe/Paris").err().unwrap_or_default();
    assert!(zone_err.contains("\"+02:00\""), "{zone_err}");
    assert_eq!(zone("utc"), Zone::utc());
    assert_eq!(zone("-0530").to_string(), "-05:30");
    assert_eq!(zone("local").to_string(), "local");
}

#[test]
fn a_megabyte_line_costs_only_its_first_bytes() {
    let digits = "1".repeat(1 << 20);
    let hostile = [
        digits.clone(),
        format!("2026-11-28T19:42:57.{digits}"),
        format!("{{\"ts\":{digits}}}"),
        format!("{{\"a\":\"{}", "\\\"".repeat(1 << 19)),
        "[".repeat(1 << 20),
    ];
    for line in &hostile {
        assert_eq!(read(line), None);
    }
    let rule = TimeRule::with_format(" %Y-%m-%d %H:%M:%S", Zone::Local);
    let rule = rule.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse(&" ".repeat(1 << 20), &rule, now()), None);
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 2000,
        failure_persistence: None,
        ..Default::default()
    })]

    /// Whatever the line, parsing returns, and any span lies within it on char boundaries.
    #[test]
    fn parsing_never_panics_and_spans_stay_on_char_boundaries(
        line in proptest::string::string_regex(
            r#"[0-9A-Za-z :/.,+\-TZ\[\]{}"@é€]{0,120}"#
        ).unwrap_or_else(|e| panic!("{e}")),
        json in proptest::bool::ANY,
    ) {
        let line = if json { format!("{{\"ts\":{line}") } else { line };
        for rule in [TimeRule::auto(Zone::utc()), TimeRule::default()] {
            if let Some(stamp) = parse(&line, &rule, now()) {
                proptest::prop_assert!(stamp.span.start <= stamp.span.end);
                proptest::prop_assert!(stamp.span.end <= line.len());
                proptest::prop_assert!(line.is_char_boundary(stamp.span.start));
                proptest::prop_assert!(line.is_char_boundary(stamp.span.end));
            }
        }
    }

    /// A stream's lines read one after another with a hint (the previous line's place and second)
    /// read exactly as each line read alone: same instant, same span, same zone.
    #[test]
    fn a_hinted_stream_reads_as_each_line_alone(
        lines in proptest::collection::vec(
            (
                proptest::sample::select(vec![
                    "2026-11-28T23:27:19", "2026-11-28 23:27:19", "2026-11-28T23:27:20",
                    "2026-11-29T23:27:19", "2026/11/28 23:27:19", "2026/11/28T23:27:19",
                    "28/Nov/2026:23:27:19", "28/Nov/2026 23:27:19", "28/Dec/2026:23:27:19",
                    "Nov 28 23:27:19", "Nov  8 23:27:19", "2026-02-30T23:27:19",
                    "2026-11-28T23:27:60", "2026-11-28X23:27:19", "2026-11-28T23:27",
                ]),
                proptest::string::string_regex(r"([.,][0-9]{0,14})?").unwrap_or_else(|e| panic!("{e}")),
                proptest::sample::select(vec![
                    "", "Z", "z", "+01:00", "-0530", "+02", " +0100", " -0800", "+99:00", " 2025",
                    " 2026 x", "]", " INFO x", "0", ".", " +",
                ]),
                proptest::sample::select(vec!["", "[", "app ", "[I] "]),
            ),
            1..12,
        ),
    ) {
        for rule in [
            TimeRule::auto(Zone::utc()),
            TimeRule::auto(zone("+03:00")),
            TimeRule::auto(Zone::Local),
        ] {
            let mut hint = Hint::default();
            for (time, fraction, zone, before) in &lines {
                let line = format!("{before}{time}{fraction}{zone} message");
                let alone = parse(&line, &rule, now());
                let hinted = parse_hinted(&line, &rule, now(), &mut hint);
                proptest::prop_assert_eq!(hinted, alone, "{:?}", line);
            }
        }
    }
}
