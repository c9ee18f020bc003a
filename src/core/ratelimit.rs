//! What a server says about its rate limits: `Retry-After`, the IETF `RateLimit` headers (old and new
//! drafts) and the common `X-RateLimit-*` family.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Rate-limit information from one response. Times are relative to when the response arrived.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RateLimit {
    /// Requests allowed in the window (quota).
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the quota resets.
    pub reset: Option<Duration>,
    /// Length of the quota window, from a policy header.
    pub window: Option<Duration>,
    /// How long the server asked us to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

/// Values past this are treated as a Unix timestamp rather than a number of seconds (GitHub style).
const EPOCH_THRESHOLD: f64 = 1_000_000_000.0;

impl RateLimit {
    /// Reads rate-limit headers; `now` is when the response arrived. `None` when there are none.
    ///
    /// Names must be lowercase (as `http::HeaderMap` yields them).
    pub fn from_headers<'a>(
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
        now: DateTime<Utc>,
    ) -> Option<RateLimit> {
        let headers: Vec<(&str, &str)> = headers.into_iter().collect();
        // The value of the header named `prefix` + `name` (no string is built to compare with).
        let named = |prefix: &str, name: &str| {
            headers
                .iter()
                .find(|(n, _)| {
                    n.len() == prefix.len() + name.len()
                        && n.starts_with(prefix)
                        && n.ends_with(name)
                })
                .map(|(_, v)| v.trim())
        };
        let get = |name: &str| named("", name);
        let mut rl = RateLimit::default();

        if let Some(v) = get("retry-after") {
            // An HTTP date is measured against the server's own clock when it sent one: clocks disagree.
            let server_now = get("date").and_then(parse_http_date).unwrap_or(now);
            // Capped like the seconds form: a lying server's far-future date must not overflow anything.
            rl.retry_after = parse_seconds(v).or_else(|| {
                parse_http_date(v)
                    .map(|at| positive(at - server_now).min(Duration::from_secs(86_400)))
            });
        }

        if let Some(v) = get("ratelimit") {
            parse_structured(v, &mut rl);
        }
        if let Some(v) = get("ratelimit-policy") {
            parse_policy(v, &mut rl);
        }
        for prefix in ["ratelimit-", "x-ratelimit-", "x-rate-limit-"] {
            let field = |suffix: &str| named(prefix, suffix);
            rl.limit = rl.limit.or_else(|| field("limit").and_then(leading_int));
            rl.remaining = rl
                .remaining
                .or_else(|| field("remaining").and_then(leading_int));
            if rl.reset.is_none() {
                rl.reset = field("reset-after")
                    .and_then(parse_seconds)
                    .or_else(|| field("reset").and_then(|v| parse_reset(v, now)));
            }
        }

        (rl != RateLimit::default()).then_some(rl)
    }

    /// No requests left in this window.
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }

    /// How long the server wants us to hold off: `Retry-After`, or the reset of an exhausted quota.
    pub fn wait(&self) -> Option<Duration> {
        self.retry_after
            .or_else(|| self.reset.filter(|_| self.exhausted()))
    }
}

/// `RateLimit` field: the old draft's `limit=100, remaining=50, reset=5`, or the newer
/// structured form `"default";r=50;t=30` (lowest remaining wins when several policies are listed).
fn parse_structured(v: &str, rl: &mut RateLimit) {
    for item in v.split(',') {
        let mut remaining = None;
        let mut reset = None;
        for part in item.split(';') {
            let Some((k, val)) = part.split_once('=') else {
                continue;
            };
            match k.trim() {
                "limit" => rl.limit = rl.limit.or_else(|| leading_int(val)),
                "remaining" | "r" => remaining = leading_int(val),
                "reset" | "t" => reset = parse_seconds(val),
                _ => {}
            }
        }
        if let Some(r) = remaining
            && rl.remaining.is_none_or(|cur| r < cur)
        {
            rl.remaining = Some(r);
            rl.reset = reset.or(rl.reset);
        } else if rl.reset.is_none() {
            rl.reset = reset;
        }
    }
}

/// `RateLimit-Policy`: `"default";q=100;w=60` (newer) or `100;w=60` (older).
fn parse_policy(v: &str, rl: &mut RateLimit) {
    let Some(first) = v.split(',').next() else {
        return;
    };
    let mut parts = first.split(';');
    if let Some(head) = parts.next() {
        rl.limit = rl.limit.or_else(|| leading_int(head));
    }
    for part in parts {
        if let Some((k, val)) = part.split_once('=') {
            match k.trim() {
                "q" => rl.limit = rl.limit.or_else(|| leading_int(val)),
                "w" => rl.window = parse_seconds(val),
                _ => {}
            }
        }
    }
}

/// `X-RateLimit-Reset`: seconds from now, or a Unix timestamp when it is that large.
fn parse_reset(v: &str, now: DateTime<Utc>) -> Option<Duration> {
    let n: f64 = v
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    if n >= EPOCH_THRESHOLD {
        let at = DateTime::from_timestamp(n as i64, 0)?;
        Some(positive(at - now))
    } else {
        Some(Duration::from_secs_f64(n))
    }
}

fn parse_seconds(v: &str) -> Option<Duration> {
    let n: f64 = v.trim().trim_matches('"').parse().ok()?;
    // A lying server can send anything; a day is more than any real retry window.
    (n.is_finite() && n >= 0.0).then(|| Duration::from_secs_f64(n.min(86_400.0)))
}

fn leading_int(v: &str) -> Option<u64> {
    let v = v.trim().trim_matches('"');
    let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    v[..end].parse().ok()
}

fn parse_http_date(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(v.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

fn positive(d: chrono::TimeDelta) -> Duration {
    d.to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T14:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn parse(h: &[(&str, &str)]) -> RateLimit {
        RateLimit::from_headers(h.iter().copied(), now()).unwrap_or_default()
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(
            parse(&[("retry-after", "120")]).retry_after,
            Some(Duration::from_secs(120))
        );
    }

    #[test]
    fn retry_after_http_date_uses_server_clock() {
        let rl = parse(&[
            ("retry-after", "Tue, 24 Nov 2026 15:00:30 GMT"),
            ("date", "Tue, 24 Nov 2026 15:00:00 GMT"),
        ]);
        assert_eq!(rl.retry_after, Some(Duration::from_secs(30)));
        let rl = parse(&[("retry-after", "Tue, 24 Nov 2026 14:01:00 GMT")]);
        assert_eq!(rl.retry_after, Some(Duration::from_secs(60)));
    }

    #[test]
    fn retry_after_garbage_is_ignored() {
        assert_eq!(
            RateLimit::from_headers([("retry-after", "soon")], now()),
            None
        );
        assert_eq!(parse(&[("retry-after", "-5")]).retry_after, None);
    }

    #[test]
    fn ietf_separate_fields() {
        let rl = parse(&[
            ("ratelimit-limit", "100"),
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "30"),
        ]);
        assert_eq!((rl.limit, rl.remaining), (Some(100), Some(0)));
        assert_eq!(rl.wait(), Some(Duration::from_secs(30)));
    }

    #[test]
    fn ietf_structured_new_and_old_drafts() {
        let rl = parse(&[
            ("ratelimit", "\"default\";r=50;t=30, \"burst\";r=3;t=1"),
            ("ratelimit-policy", "\"default\";q=100;w=60"),
        ]);
        assert_eq!(rl.remaining, Some(3));
        assert_eq!(rl.reset, Some(Duration::from_secs(1)));
        assert_eq!(
            (rl.limit, rl.window),
            (Some(100), Some(Duration::from_secs(60)))
        );
        let rl = parse(&[("ratelimit", "limit=10, remaining=9, reset=4")]);
        assert_eq!((rl.limit, rl.remaining), (Some(10), Some(9)));
        assert_eq!(rl.reset, Some(Duration::from_secs(4)));
        let rl = parse(&[("ratelimit-policy", "100;w=3600")]);
        assert_eq!(rl.limit, Some(100));
    }

    #[test]
    fn x_ratelimit_reset_as_epoch_or_delta() {
        let epoch = (now().timestamp() + 90).to_string();
        let rl = parse(&[
            ("x-ratelimit-remaining", "4999"),
            ("x-ratelimit-reset", &epoch),
        ]);
        assert_eq!(rl.reset, Some(Duration::from_secs(90)));
        assert!(!rl.exhausted());
        let rl = parse(&[("x-rate-limit-reset", "15"), ("x-rate-limit-limit", "15")]);
        assert_eq!(
            (rl.reset, rl.limit),
            (Some(Duration::from_secs(15)), Some(15))
        );
    }

    #[test]
    fn absurd_values_are_capped() {
        let rl = parse(&[("retry-after", "99999999999")]);
        assert_eq!(rl.retry_after, Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn no_headers_no_rate_limit() {
        assert_eq!(
            RateLimit::from_headers([("content-type", "text/plain")], now()),
            None
        );
    }
}
