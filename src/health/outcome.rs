//! What one probe found: its named outcome, the health it implies, and the evidence.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::core::ratelimit::RateLimit;

pub use crate::core::health::Health;

/// What happened to one probe. Each failure mode has its own name so a responder can tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Outcome {
    /// Expected status, every condition met, fast enough.
    Ok,
    /// A status not in the expected list.
    UnexpectedStatus(u16),
    /// Everything matched but it took longer than `max_latency`.
    Slow,
    /// A body or header condition failed; says which.
    ConditionFailed(String),
    /// 429: the server is rate-limiting us.
    Throttled,
    /// No complete answer within the probe's total timeout.
    Timeout,
    /// The TCP/TLS connection was not established within the connect timeout.
    ConnectTimeout,
    /// Nothing listens on that port.
    ConnectionRefused,
    /// The host name did not resolve.
    Dns,
    /// TLS handshake or certificate verification failed.
    Tls(String),
    /// More redirects than allowed.
    TooManyRedirects,
    /// A redirect led back to a URL already visited.
    RedirectLoop,
    /// The body was longer than the cap; we stopped reading.
    BodyTooLarge,
    /// A JSON condition was set but the body is not JSON.
    InvalidJson(String),
    /// The server answered with something that is not valid HTTP, or broke off mid-answer.
    InvalidResponse(String),
    /// Anything else, with the error text.
    Other(String),
}

impl Outcome {
    /// The health this single outcome implies.
    pub fn health(&self) -> Health {
        match self {
            Outcome::Ok => Health::Up,
            Outcome::Slow
            | Outcome::ConditionFailed(_)
            | Outcome::BodyTooLarge
            | Outcome::InvalidJson(_) => Health::Degraded,
            Outcome::Throttled => Health::Throttled,
            Outcome::UnexpectedStatus(_)
            | Outcome::Timeout
            | Outcome::ConnectTimeout
            | Outcome::ConnectionRefused
            | Outcome::Dns
            | Outcome::Tls(_)
            | Outcome::TooManyRedirects
            | Outcome::RedirectLoop
            | Outcome::InvalidResponse(_)
            | Outcome::Other(_) => Health::Down,
        }
    }

    /// Short stable name (`timeout`, `unexpected_status`), for filters and compact columns.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::UnexpectedStatus(_) => "unexpected_status",
            Outcome::Slow => "slow",
            Outcome::ConditionFailed(_) => "condition_failed",
            Outcome::Throttled => "throttled",
            Outcome::Timeout => "timeout",
            Outcome::ConnectTimeout => "connect_timeout",
            Outcome::ConnectionRefused => "connection_refused",
            Outcome::Dns => "dns",
            Outcome::Tls(_) => "tls",
            Outcome::TooManyRedirects => "too_many_redirects",
            Outcome::RedirectLoop => "redirect_loop",
            Outcome::BodyTooLarge => "body_too_large",
            Outcome::InvalidJson(_) => "invalid_json",
            Outcome::InvalidResponse(_) => "invalid_response",
            Outcome::Other(_) => "other",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::UnexpectedStatus(s) => write!(f, "unexpected status {s}"),
            Outcome::Slow => f.write_str("slow"),
            Outcome::ConditionFailed(why) => write!(f, "condition failed: {why}"),
            Outcome::Throttled => f.write_str("throttled (429)"),
            Outcome::Timeout => f.write_str("timed out"),
            Outcome::ConnectTimeout => f.write_str("connect timed out"),
            Outcome::ConnectionRefused => f.write_str("connection refused"),
            Outcome::Dns => f.write_str("DNS lookup failed"),
            Outcome::Tls(why) => write!(f, "TLS failed: {why}"),
            Outcome::TooManyRedirects => f.write_str("too many redirects"),
            Outcome::RedirectLoop => f.write_str("redirect loop"),
            Outcome::BodyTooLarge => f.write_str("body too large"),
            Outcome::InvalidJson(why) => write!(f, "invalid JSON: {why}"),
            Outcome::InvalidResponse(why) => write!(f, "invalid response: {why}"),
            Outcome::Other(why) => f.write_str(why),
        }
    }
}

/// The result of one probe of one endpoint. Everything textual in it is sanitized and secret-free.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// Index of the endpoint in the caller's list.
    pub endpoint: usize,
    /// When the probe started.
    pub at: DateTime<Utc>,
    /// What happened.
    pub outcome: Outcome,
    /// Final status, when a response arrived (also on a timeout while reading the body).
    pub status: Option<u16>,
    /// Time from the first byte sent to the last byte read (or to the failure).
    pub latency: Duration,
    /// Response headers, sanitized; credentials and cookies redacted.
    pub headers: Vec<(String, String)>,
    /// First bytes of the body, sanitized; echoes of our secrets redacted.
    pub body_head: String,
    /// Rate-limit headers of the response, if any.
    pub rate_limit: Option<RateLimit>,
    /// What this single probe says (see [`Outcome::health`]).
    pub health: Health,
    /// Set by the prober when it waits longer than the interval before the next probe (throttled).
    pub backoff: Option<Duration>,
}

impl ProbeResult {
    /// A result with no response (connection failures), for building results by hand.
    pub fn failed(endpoint: usize, at: DateTime<Utc>, outcome: Outcome, latency: Duration) -> Self {
        let health = outcome.health();
        Self {
            endpoint,
            at,
            outcome,
            status: None,
            latency,
            headers: Vec::new(),
            body_head: String::new(),
            rate_limit: None,
            health,
            backoff: None,
        }
    }

    /// A header value by case-insensitive name.
    #[cfg(any(test, feature = "test-support"))]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_maps_to_a_health_and_a_name() {
        assert_eq!(Outcome::Ok.health(), Health::Up);
        assert_eq!(Outcome::Slow.health(), Health::Degraded);
        assert_eq!(Outcome::Throttled.health(), Health::Throttled);
        assert_eq!(Outcome::UnexpectedStatus(503).health(), Health::Down);
        assert_eq!(
            Outcome::UnexpectedStatus(503).to_string(),
            "unexpected status 503"
        );
        assert_eq!(Outcome::ConnectionRefused.name(), "connection_refused");
    }

    #[test]
    fn health_symbols_are_distinct() {
        let all = [
            Health::Unknown,
            Health::Up,
            Health::Degraded,
            Health::Throttled,
            Health::Down,
        ];
        let mut symbols: Vec<_> = all.iter().map(|h| h.symbol()).collect();
        symbols.dedup();
        assert_eq!(symbols.len(), all.len());
    }
}
