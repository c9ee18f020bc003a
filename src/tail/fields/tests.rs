use proptest::prelude::*;

use super::{Followed, Format, Parsed, TRIED, parse, request_field, same_value};
use crate::core::sanitize::sanitize_line;

const REQUEST: &str = "2026-11-28T23:27:19.474Z ERROR request method=POST path=/v1/charge status=502 duration_ms=3004 req_id=cff91303 customer=cus_1234";
const PROVIDER: &str = "2026-11-28T23:27:19.474Z ERROR provider call failed: upstream timeout after 3000ms req_id=cff91303 attempt=1/3";

#[test]
fn each_format_is_recognised_by_the_first_reader_that_fits() {
    let cases = [
        (r#"{"req_id":"cff91303"}"#, Some(Format::Json)),
        (REQUEST, Some(Format::Logfmt)),
        (
            r#"1.2.3.4 - - [28/Nov/2026:23:27:19 +0000] "GET / HTTP/1.1" 200 5"#,
            Some(Format::CommonLog),
        ),
        (
            r#"1.2.3.4 - - [28/Nov/2026:23:27:19 +0000] "GET / HTTP/1.1" 200 5 "-" "curl""#,
            Some(Format::CombinedLog),
        ),
        (
            r#"127.0.0.1 - - [28/Nov/2026 23:27:19] "GET /health HTTP/1.1" 200 -"#,
            Some(Format::PythonHttp),
        ),
        ("server started on port 8080", None),
    ];
    for (line, format) in cases {
        assert_eq!(parse(line).format, format, "{line}");
    }
}

#[test]
fn a_json_line_with_key_value_text_inside_is_read_as_json() {
    let parsed = parse(r#"{"msg":"retry a=b","n":2}"#);
    assert_eq!(parsed.format, Some(Format::Json));
    assert_eq!(parsed.get("msg"), Some("retry a=b"));
    assert_eq!(parsed.get("a"), None);
}

#[test]
fn a_line_with_no_format_has_no_fields_and_names_what_was_tried() {
    assert_eq!(parse("plain words only"), Parsed::default());
    let tried: Vec<String> = TRIED.iter().map(ToString::to_string).collect();
    assert_eq!(
        tried.join(", "),
        "JSON, combined log format, common log format, python http.server, logfmt (key=value)"
    );
}

#[test]
fn get_gives_the_first_field_of_that_name() {
    let parsed = parse("a=1 b=2 a=3");
    assert_eq!(parsed.get("a"), Some("1"));
    assert_eq!(parsed.get("c"), None);
}

#[test]
fn the_same_request_id_matches_lines_of_both_demo_kinds() {
    assert!(same_value(REQUEST, "req_id", "cff91303"));
    assert!(same_value(PROVIDER, "req_id", "cff91303"));
}

#[test]
fn a_longer_or_shorter_id_is_another_request() {
    assert!(!same_value(REQUEST, "req_id", "cff913031"));
    assert!(!same_value(REQUEST, "req_id", "cff9130"));
    let longer = REQUEST.replace("cff91303", "cff913031");
    assert!(!same_value(&longer, "req_id", "cff91303"));
}

#[test]
fn the_value_under_another_key_is_not_the_same_request() {
    assert!(!same_value(
        "req_id=aaaa parent_id=cff91303",
        "req_id",
        "cff91303"
    ));
}

#[test]
fn a_line_with_fields_but_not_the_key_does_not_match_on_the_bare_word() {
    assert!(!same_value(
        "retrying cff91303 attempt=2",
        "req_id",
        "cff91303"
    ));
}

#[test]
fn a_line_without_fields_matches_the_value_as_a_whole_word() {
    assert!(same_value("timeout for cff91303, giving up", "req_id", "cff91303"));
    assert!(same_value("cff91303", "req_id", "cff91303"));
    assert!(same_value("(cff91303)", "req_id", "cff91303"));
    assert!(!same_value("timeout for cff913031", "req_id", "cff91303"));
    assert!(!same_value("timeout for xcff91303", "req_id", "cff91303"));
    assert!(!same_value("timeout for cff91303_b", "req_id", "cff91303"));
    assert!(!same_value("timeout for écff91303", "req_id", "cff91303"));
}

#[test]
fn a_whole_word_may_overlap_an_earlier_partial_occurrence() {
    assert!(same_value("ax-x-x", "k", "x-x"));
}

#[test]
fn an_empty_value_matches_only_an_empty_field() {
    assert!(same_value("user= status=401", "user", ""));
    assert!(!same_value("user=bob status=401", "user", ""));
    assert!(!same_value("no fields here", "user", ""));
}

#[test]
fn a_value_written_with_json_escapes_matches_its_decoded_form() {
    assert!(same_value(r#"{"req_id":"\u0063ff91303"}"#, "req_id", "cff91303"));
    assert!(same_value(r#"msg="say \"hi\"""#, "msg", r#"say "hi""#));
}

#[test]
fn access_log_fields_can_be_followed() {
    let line = r#"10.0.0.7 - - [28/Nov/2026:23:27:19 +0000] "GET /v1/charge HTTP/1.1" 502 0"#;
    assert!(same_value(line, "client", "10.0.0.7"));
    assert!(!same_value(line, "client", "10.0.0.70"));
}

#[test]
fn a_followed_field_shows_as_key_equals_value_and_tests_many_lines() {
    let followed = Followed::new("req_id", "cff91303");
    assert_eq!(followed.to_string(), "req_id=cff91303");
    let lines = [REQUEST, PROVIDER, "req_id=cff913031", "plain cff91303 text"];
    let held: Vec<bool> = lines.iter().map(|l| followed.holds(l)).collect();
    assert_eq!(held, [true, true, false, true]);
}

fn request_of(line: &str) -> Option<(String, String)> {
    request_field(&parse(line)).map(|(k, v)| (k.to_string(), v.to_string()))
}

#[test]
fn the_request_id_is_the_field_that_identifies_a_request() {
    assert_eq!(
        request_of(REQUEST),
        Some(("req_id".into(), "cff91303".into()))
    );
}

#[test]
fn request_keys_are_found_in_any_case_and_spelling() {
    for key in [
        "request_id",
        "requestId",
        "RequestID",
        "x_request_id",
        "X-Request-ID",
        "reqId",
        "http.request.id",
        "ctx.req_id",
        "trace_id",
        "traceId",
        "dd.trace_id",
        "correlation_id",
        "span_id",
    ] {
        let line = format!("msg=hi {key}=abc");
        assert_eq!(request_of(&line), Some((key.into(), "abc".into())), "{key}");
    }
}

#[test]
fn a_request_id_is_preferred_to_a_trace_id_and_a_trace_id_to_a_span_id() {
    assert_eq!(
        request_of("span_id=s trace_id=t request_id=r"),
        Some(("request_id".into(), "r".into()))
    );
    assert_eq!(
        request_of(r#"{"span_id":"s","trace":{"id":"t"}}"#),
        Some(("trace.id".into(), "t".into()))
    );
}

#[test]
fn a_line_without_a_request_key_or_with_an_empty_one_has_none() {
    assert_eq!(request_of("method=POST status=502 id=7 grid=3"), None);
    assert_eq!(request_of("req_id=- trace_id= status=1"), None);
    assert_eq!(request_of("nothing here"), None);
}

#[test]
fn megabyte_hostile_lines_parse_to_what_they_hold() {
    let mb = 1 << 20;
    let quotes = "\"".repeat(mb);
    assert_eq!(parse(&quotes), Parsed::default());
    let escaped = format!("k=\"{}", "\\\"".repeat(mb / 2));
    assert_eq!(parse(&escaped).get("k").map(str::len), Some(mb / 2));
    let braces = format!("{{\"a\":{}", "{".repeat(mb));
    assert_eq!(parse(&braces), Parsed::default());
    let pairs = "k=v ".repeat(mb / 4);
    assert_eq!(parse(&pairs).fields.len(), mb / 4);
    let access = format!("1.2.3.4 - - [{}", "x".repeat(mb));
    assert_eq!(parse(&access), Parsed::default());
    // A million overlapping occurrences, none a whole word.
    assert!(!same_value(&"a".repeat(mb), "k", "aa"));
}

/// Lines shaped like the formats read, with hostile pieces mixed in.
fn line_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z_.]{1,6}=[a-zA-Z0-9/=\"\\\\ ]{0,8}",
        "\"[^\"]{0,6}\\\\?\"?",
        "\\{\"[a-z]{1,3}\":(1|\"[a-z\\\\\"]{0,4}\"|\\{\"b\":[0-9]\\}|\\[1,2\\])\\}?",
        "[0-9.]{1,9} - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}(:| )[0-9:]{8}( \\+0000)?\\]",
        "[0-9]{3} (-|[0-9]{1,4})",
        "[ =\\\\\"{}\\[\\]]{1,4}",
        ".{0,10}",
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| sanitize_line(&pieces.join(" ")))
}

proptest! {
    #[test]
    fn every_parsed_field_is_matched_by_same_value_and_followed(line in line_strategy()) {
        let parsed = parse(&line);
        for (key, value) in &parsed.fields {
            prop_assert!(same_value(&line, key, value), "{key}={value} in {line:?}");
            prop_assert!(Followed::new(key, value).holds(&line), "{key}={value} in {line:?}");
        }
    }

    #[test]
    fn parse_never_panics_and_fields_come_with_a_format(line in ".{0,200}") {
        let parsed = parse(&line);
        prop_assert!(parsed.format.is_some() || parsed.fields.is_empty());
    }
}

#[test]
fn an_access_lines_query_parameters_are_fields_and_follow_the_apps_request() {
    let access = r#"10.0.0.7 - - [07/Dec/2026:12:01:02 +0000] "GET /api/charge?req=916717&status=new&x HTTP/1.1" 502 31 "-" "curl/8""#;
    let parsed = parse(access);
    assert_eq!(parsed.format, Some(Format::CombinedLog));
    assert_eq!(parsed.get("path"), Some("/api/charge?req=916717&status=new&x"));
    assert_eq!(parsed.get("req"), Some("916717"));
    // The HTTP status is still the line's status; the parameter comes after it.
    assert_eq!(parsed.get("status"), Some("502"));
    assert!(parsed.fields.contains(&("status".into(), "new".into())));
    // `=` on the access line follows the request id, and the app's line of it is the same request.
    assert_eq!(request_field(&parsed), Some(("req", "916717")));
    let app = "2026-12-07T13:01:02.100+01:00 ERROR unhandled exception req=916717";
    assert_eq!(request_of(app), Some(("req".into(), "916717".into())));
    let follow = Followed::new("req", "916717");
    assert!(follow.holds(access) && follow.holds(app));
    assert!(!follow.holds(&access.replace("916717", "916718")));
    // Python's http.server writes requests too.
    let python = r#"127.0.0.1 - - [07/Dec/2026 12:01:02] "GET /health?req=42 HTTP/1.1" 200 -"#;
    assert_eq!(parse(python).get("req"), Some("42"));
}
