//! Working versus failing: what changed between the last good and the last bad response (pure).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::outcome::{Health, Outcome, ProbeResult};

/// Headers that differ on every response and say nothing about why one failed.
const VOLATILE_HEADERS: [&str; 16] = [
    "date",
    "age",
    "expires",
    "last-modified",
    "etag",
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-amzn-trace-id",
    "cf-ray",
    "traceparent",
    "server-timing",
    "x-runtime",
    "x-response-time",
];

/// One response kept for comparison (already sanitized and secret-free).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// When the probe started.
    pub at: DateTime<Utc>,
    /// What the probe said.
    pub health: Health,
    /// Its outcome.
    pub outcome: Outcome,
    /// Status, if a response arrived.
    pub status: Option<u16>,
    /// Its latency.
    pub latency: Duration,
    /// Its headers.
    pub headers: Vec<(String, String)>,
    /// The first bytes of its body.
    pub body_head: String,
}

impl Snapshot {
    /// Keeps what a comparison needs from a result.
    pub fn of(r: &ProbeResult) -> Self {
        Self {
            at: r.at,
            health: r.health,
            outcome: r.outcome.clone(),
            status: r.status,
            latency: r.latency,
            headers: r.headers.clone(),
            body_head: r.body_head.clone(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One thing that differs: `what` (`status`, `header content-type`, `body`...) and each side's value,
/// `None` where that side lacks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs.
    pub what: String,
    /// Its value in the good response.
    pub good: Option<String>,
    /// Its value in the bad response.
    pub bad: Option<String>,
}

/// Differences between a good and a bad response, most telling first: outcome, status, latency (only
/// when it more than doubled), headers (volatile ones skipped), body.
pub fn differences(good: &Snapshot, bad: &Snapshot) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |what: &str, g: Option<String>, b: Option<String>| {
        if g != b {
            out.push(Difference {
                what: what.to_string(),
                good: g,
                bad: b,
            });
        }
    };
    push(
        "outcome",
        Some(good.outcome.to_string()),
        Some(bad.outcome.to_string()),
    );
    push(
        "status",
        good.status.map(|s| s.to_string()),
        bad.status.map(|s| s.to_string()),
    );
    if bad.latency > good.latency.saturating_mul(2) + Duration::from_millis(10) {
        push(
            "latency",
            Some(fmt_ms(good.latency)),
            Some(fmt_ms(bad.latency)),
        );
    }
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in good.headers.iter().chain(&bad.headers) {
        let lower = name.as_str();
        if !VOLATILE_HEADERS
            .iter()
            .any(|v| v.eq_ignore_ascii_case(lower))
            && !names.iter().any(|n| n.eq_ignore_ascii_case(lower))
        {
            names.push(lower);
        }
    }
    for name in names {
        push(
            &format!("header {name}"),
            good.header(name).map(str::to_string),
            bad.header(name).map(str::to_string),
        );
    }
    push(
        "body",
        Some(good.body_head.clone()).filter(|b| !b.is_empty()),
        Some(bad.body_head.clone()).filter(|b| !b.is_empty()),
    );
    out
}

fn fmt_ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(status: u16, headers: &[(&str, &str)], body: &str, ms: u64) -> Snapshot {
        let outcome = if status == 200 {
            Outcome::Ok
        } else {
            Outcome::UnexpectedStatus(status)
        };
        Snapshot {
            at: Utc::now(),
            health: outcome.health(),
            outcome,
            status: Some(status),
            latency: Duration::from_millis(ms),
            headers: headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            body_head: body.into(),
        }
    }

    #[test]
    fn lists_what_changed_and_skips_volatile_headers() {
        let good = snap(
            200,
            &[
                ("content-type", "application/json"),
                ("date", "Mon"),
                ("x-version", "41"),
            ],
            "{\"ok\":true}",
            20,
        );
        let bad = snap(
            503,
            &[
                ("content-type", "text/html"),
                ("date", "Tue"),
                ("retry-after", "5"),
            ],
            "<h1>upstream</h1>",
            900,
        );
        let whats: Vec<_> = differences(&good, &bad)
            .into_iter()
            .map(|d| d.what)
            .collect();
        assert_eq!(
            whats,
            [
                "outcome",
                "status",
                "latency",
                "header content-type",
                "header x-version",
                "header retry-after",
                "body"
            ]
        );
    }

    #[test]
    fn identical_responses_have_no_differences() {
        let a = snap(200, &[("content-type", "x")], "b", 10);
        assert!(differences(&a, &a.clone()).is_empty());
    }

    #[test]
    fn a_connection_failure_shows_missing_status() {
        let good = snap(200, &[], "ok", 10);
        let mut bad = snap(200, &[], "", 10);
        bad.status = None;
        bad.outcome = Outcome::ConnectionRefused;
        let d = differences(&good, &bad);
        assert_eq!(d[1].what, "status");
        assert_eq!(
            (d[1].good.as_deref(), d[1].bad.as_deref()),
            (Some("200"), None)
        );
    }
}
