//! Judging a response against an endpoint's conditions (pure).

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::outcome::Outcome;
use super::sanitize::sanitize_line;
use super::spec::EndpointSpec;

/// Condition text quoted from the server is cut to this many characters.
const QUOTE_MAX: usize = 80;

/// The outcome of a response that arrived complete (or was cut at the body cap).
///
/// Order matters: a wrong status says more than a wrong body, and a wrong body more than slowness.
pub fn judge(
    spec: &EndpointSpec,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    truncated: bool,
    latency: Duration,
) -> Outcome {
    if status == 429 && !spec.expect_status.contains(&429) {
        return Outcome::Throttled;
    }
    if !spec.status_expected(status) {
        return Outcome::UnexpectedStatus(status);
    }
    if truncated {
        return Outcome::BodyTooLarge;
    }
    if let Some(failed) = conditions(spec, headers, body) {
        return failed;
    }
    if spec.max_latency.is_some_and(|max| latency > max) {
        return Outcome::Slow;
    }
    Outcome::Ok
}

fn conditions(spec: &EndpointSpec, headers: &HeaderMap, body: &[u8]) -> Option<Outcome> {
    for name in &spec.header_present {
        if !headers.contains_key(name.to_ascii_lowercase().as_str()) {
            return Some(Outcome::ConditionFailed(format!(
                "header `{}` missing",
                quote(name)
            )));
        }
    }
    if !spec.body_contains.is_empty() || !spec.body_not_contains.is_empty() {
        let text = String::from_utf8_lossy(body);
        for needle in &spec.body_contains {
            if !text.contains(needle.as_str()) {
                return Some(Outcome::ConditionFailed(format!(
                    "body lacks `{}`",
                    quote(needle)
                )));
            }
        }
        for needle in &spec.body_not_contains {
            if text.contains(needle.as_str()) {
                return Some(Outcome::ConditionFailed(format!(
                    "body contains `{}`",
                    quote(needle)
                )));
            }
        }
    }
    // A body that says it is JSON and is not is its own outcome, with or without a JSON condition.
    let says_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|t| t == "application/json" || t.ends_with("+json"));
    if says_json
        && spec.json_equals.is_empty()
        && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body)
    {
        return Some(Outcome::InvalidJson(format!(
            "Content-Type says JSON but the body is not: {e}"
        )));
    }
    if !spec.json_equals.is_empty() {
        let json: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return Some(Outcome::InvalidJson(e.to_string())),
        };
        for (pointer, expected) in &spec.json_equals {
            match json.pointer(pointer) {
                None => {
                    return Some(Outcome::ConditionFailed(format!(
                        "{} missing",
                        quote(pointer)
                    )));
                }
                Some(found) if found != expected => {
                    return Some(Outcome::ConditionFailed(format!(
                        "{} is {}, expected {}",
                        quote(pointer),
                        quote(&found.to_string()),
                        quote(&expected.to_string())
                    )));
                }
                Some(_) => {}
            }
        }
    }
    None
}

fn quote(s: &str) -> String {
    let clean = sanitize_line(s);
    match clean.char_indices().nth(QUOTE_MAX) {
        Some((i, _)) => format!("{}…", &clean[..i]),
        None => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> EndpointSpec {
        EndpointSpec::new("t", "http://127.0.0.1/")
    }

    fn run(spec: &EndpointSpec, status: u16, body: &str) -> Outcome {
        judge(
            spec,
            status,
            &HeaderMap::new(),
            body.as_bytes(),
            false,
            Duration::from_millis(5),
        )
    }

    #[test]
    fn status_before_body_before_latency() {
        let s = EndpointSpec {
            body_contains: vec!["ok".into()],
            max_latency: Some(Duration::from_millis(1)),
            ..spec()
        };
        assert_eq!(run(&s, 503, "nope"), Outcome::UnexpectedStatus(503));
        assert_eq!(
            run(&s, 200, "nope"),
            Outcome::ConditionFailed("body lacks `ok`".into())
        );
        assert_eq!(run(&s, 200, "ok"), Outcome::Slow);
        assert_eq!(run(&s, 429, "ok"), Outcome::Throttled);
    }

    #[test]
    fn a_200_that_says_error_is_a_failed_condition() {
        let s = EndpointSpec {
            body_not_contains: vec!["\"error\"".into()],
            ..spec()
        };
        assert!(matches!(
            run(&s, 200, r#"{"error":"db down"}"#),
            Outcome::ConditionFailed(_)
        ));
        assert_eq!(run(&s, 200, r#"{"ok":true}"#), Outcome::Ok);
    }

    #[test]
    fn json_pointer_conditions() {
        let s = EndpointSpec {
            json_equals: vec![
                ("/status".into(), json!("ok")),
                ("/db/up".into(), json!(true)),
            ],
            ..spec()
        };
        assert_eq!(
            run(&s, 200, r#"{"status":"ok","db":{"up":true}}"#),
            Outcome::Ok
        );
        assert_eq!(
            run(&s, 200, r#"{"status":"degraded","db":{"up":true}}"#),
            Outcome::ConditionFailed(r#"/status is "degraded", expected "ok""#.into())
        );
        assert_eq!(
            run(&s, 200, r#"{"status":"ok"}"#),
            Outcome::ConditionFailed("/db/up missing".into())
        );
        assert!(matches!(
            run(&s, 200, r#"{"status":"#),
            Outcome::InvalidJson(_)
        ));
    }

    #[test]
    fn missing_header_is_named() {
        let s = EndpointSpec {
            header_present: vec!["X-Version".into()],
            ..spec()
        };
        assert_eq!(
            run(&s, 200, ""),
            Outcome::ConditionFailed("header `X-Version` missing".into())
        );
    }

    #[test]
    fn truncated_body_is_too_large_unless_status_already_failed() {
        let s = spec();
        let h = HeaderMap::new();
        assert_eq!(
            judge(&s, 200, &h, b"x", true, Duration::ZERO),
            Outcome::BodyTooLarge
        );
        assert_eq!(
            judge(&s, 500, &h, b"x", true, Duration::ZERO),
            Outcome::UnexpectedStatus(500)
        );
    }

    #[test]
    fn quoted_server_text_is_sanitized() {
        let s = EndpointSpec {
            json_equals: vec![("/s".into(), json!("ok"))],
            ..spec()
        };
        let Outcome::ConditionFailed(text) = run(&s, 200, r#"{"s":"\u001b[2Jbad"}"#) else {
            panic!("expected a failed condition");
        };
        assert!(!text.contains('\u{1b}'), "{text:?}");
    }
}
