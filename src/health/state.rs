//! The confirmed health of one endpoint and its recent history (pure: no I/O, no clock).

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::compare::{Difference, Snapshot, differences};
use super::outcome::{Health, Outcome, ProbeResult};
use crate::core::ratelimit::RateLimit;

/// Results kept for statistics and the sparkline: memory stays flat however long the incident runs.
pub const WINDOW: usize = 256;

/// A confirmed change of state, with the evidence of the probe that confirmed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    /// Index of the endpoint.
    pub endpoint: usize,
    /// When the confirming probe started.
    pub at: DateTime<Utc>,
    /// State before.
    pub from: Health,
    /// State after.
    pub to: Health,
    /// Status of the confirming probe, if a response arrived.
    pub status: Option<u16>,
    /// Latency of the confirming probe, in milliseconds.
    pub latency_ms: u64,
    /// First bytes of its body (sanitized, secret-free).
    pub body_head: String,
    /// Its outcome, as text (`unexpected status 503`).
    pub outcome: String,
}

/// Body characters in [`Transition::evidence`].
const EVIDENCE_BODY: usize = 160;

impl Transition {
    /// One line for a timeline entry: `unexpected status 503; body: upstream connect error` (body
    /// collapsed to one line and cut).
    pub fn evidence(&self) -> String {
        let body = self
            .body_head
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if body.is_empty() {
            return self.outcome.clone();
        }
        let mut cut: String = body.chars().take(EVIDENCE_BODY).collect();
        if cut.len() < body.len() {
            cut.push('…');
        }
        format!("{}; body: {cut}", self.outcome)
    }
}

/// Latency percentiles over the window, of probes that got a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

/// Where the endpoint's quota stands, from the last response that said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests left.
    pub remaining: Option<u64>,
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// When the quota resets.
    pub reset_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    health: Health,
    /// `None` when no response arrived (timeout, refused...).
    latency: Option<Duration>,
}

/// The health of one endpoint, fed probe results one by one.
#[derive(Debug, Clone)]
pub struct EndpointHealth {
    threshold: u32,
    state: Health,
    since: Option<DateTime<Utc>>,
    pending: Option<(Health, u32)>,
    window: VecDeque<Sample>,
    /// Of the window, worked out when it changes rather than at every frame that shows it.
    percentiles: Option<Percentiles>,
    probes: u64,
    ups: u64,
    last_at: Option<DateTime<Utc>>,
    last_status: Option<u16>,
    last_latency: Option<Duration>,
    last_outcome: Option<Outcome>,
    rate_limit: Option<(DateTime<Utc>, RateLimit)>,
    hold_until: Option<DateTime<Utc>>,
    last_good: Option<Snapshot>,
    last_bad: Option<Snapshot>,
}

impl EndpointHealth {
    /// A tracker that confirms a change after `threshold` consecutive results (at least 1).
    pub fn new(threshold: u32) -> Self {
        Self {
            threshold: threshold.max(1),
            state: Health::Unknown,
            since: None,
            pending: None,
            window: VecDeque::with_capacity(WINDOW),
            percentiles: None,
            probes: 0,
            ups: 0,
            last_at: None,
            last_status: None,
            last_latency: None,
            last_outcome: None,
            rate_limit: None,
            hold_until: None,
            last_good: None,
            last_bad: None,
        }
    }

    /// Takes one result into account; returns the transition it confirms, if any.
    ///
    /// Leaving `Unknown` takes one result: there is no earlier state to protect from a blip. So does
    /// `Throttled` when the server said how long to back off.
    pub fn record(&mut self, r: &ProbeResult) -> Option<Transition> {
        self.probes += 1;
        if r.health == Health::Up {
            self.ups += 1;
        }
        if self.window.len() == WINDOW {
            self.window.pop_front();
        }
        self.window.push_back(Sample {
            health: r.health,
            latency: r.status.map(|_| r.latency),
        });
        self.percentiles = percentiles_of(&self.window);
        self.last_at = Some(r.at);
        self.last_status = r.status;
        self.last_latency = Some(r.latency);
        self.last_outcome = Some(r.outcome.clone());
        if let Some(rl) = &r.rate_limit {
            self.rate_limit = Some((r.at, rl.clone()));
        }
        let done = chrono::TimeDelta::from_std(r.latency)
            .ok()
            .and_then(|l| r.at.checked_add_signed(l))
            .unwrap_or(r.at);
        self.hold_until = r
            .backoff
            .or_else(|| r.rate_limit.as_ref().and_then(RateLimit::wait))
            .and_then(|d| chrono::TimeDelta::from_std(d).ok())
            .and_then(|d| done.checked_add_signed(d));
        if r.health == Health::Up {
            self.last_good = Some(Snapshot::of(r));
        } else {
            self.last_bad = Some(Snapshot::of(r));
        }

        if r.health == self.state {
            self.pending = None;
            return None;
        }
        let count = match self.pending {
            Some((h, n)) if h == r.health => n + 1,
            _ => 1,
        };
        // A 429 that says how long to wait is the server's explicit word, and no probe will follow for
        // that long: waiting for a second one would show "up" through the whole backoff.
        let told = r.health == Health::Throttled
            && r.rate_limit.as_ref().and_then(RateLimit::wait).is_some();
        if self.state != Health::Unknown && count < self.threshold && !told {
            self.pending = Some((r.health, count));
            return None;
        }
        let from = self.state;
        self.state = r.health;
        self.since = Some(r.at);
        self.pending = None;
        Some(Transition {
            endpoint: r.endpoint,
            at: r.at,
            from,
            to: r.health,
            status: r.status,
            latency_ms: u64::try_from(r.latency.as_millis()).unwrap_or(u64::MAX),
            body_head: r.body_head.clone(),
            outcome: r.outcome.to_string(),
        })
    }

    /// The confirmed state.
    pub fn state(&self) -> Health {
        self.state
    }

    /// When the confirmed state began.
    #[cfg(any(test, feature = "test-support"))]
    pub fn since(&self) -> Option<DateTime<Utc>> {
        self.since
    }

    /// A state seen but not yet confirmed, and how many consecutive results showed it (e.g. "down? 1/2").
    pub fn pending(&self) -> Option<(Health, u32)> {
        self.pending
    }

    /// The threshold this tracker confirms changes with.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// Status of the last probe, if it got a response.
    pub fn last_status(&self) -> Option<u16> {
        self.last_status
    }

    /// Latency of the last probe.
    pub fn last_latency(&self) -> Option<Duration> {
        self.last_latency
    }

    /// Outcome of the last probe.
    pub fn last_outcome(&self) -> Option<&Outcome> {
        self.last_outcome.as_ref()
    }

    /// Probes recorded since the start, and how many of them were up.
    #[cfg(any(test, feature = "test-support"))]
    pub fn totals(&self) -> (u64, u64) {
        (self.probes, self.ups)
    }

    /// Share of probes in the window that were up, 0.0..=1.0.
    pub fn success_rate(&self) -> Option<f64> {
        if self.window.is_empty() {
            return None;
        }
        let ups = self
            .window
            .iter()
            .filter(|s| s.health == Health::Up)
            .count();
        Some(ups as f64 / self.window.len() as f64)
    }

    /// Latency percentiles over the window (nearest rank), of probes that got a response.
    pub fn percentiles(&self) -> Option<Percentiles> {
        self.percentiles
    }

    /// Latencies of the window, oldest first, `None` where no response arrived: a sparkline's data.
    pub fn latency_series(&self) -> impl Iterator<Item = Option<Duration>> + '_ {
        self.window.iter().map(|s| s.latency)
    }

    /// The last rate-limit information any response carried, and when.
    pub fn rate_limit(&self) -> Option<(DateTime<Utc>, &RateLimit)> {
        self.rate_limit.as_ref().map(|(at, rl)| (*at, rl))
    }

    /// Quota remaining/limit/reset from the last response that told.
    pub fn quota(&self) -> Option<Quota> {
        let (at, rl) = self.rate_limit.as_ref()?;
        Some(Quota {
            remaining: rl.remaining,
            limit: rl.limit,
            reset_at: rl
                .reset
                .and_then(|d| chrono::TimeDelta::from_std(d).ok())
                .map(|d| *at + d),
        })
    }

    /// Until when the prober holds off because the server asked (`Retry-After`, exhausted quota).
    pub fn throttled_until(&self) -> Option<DateTime<Utc>> {
        self.hold_until
    }

    /// The last response that was up.
    pub fn last_good(&self) -> Option<&Snapshot> {
        self.last_good.as_ref()
    }

    /// The last response that was not up.
    pub fn last_bad(&self) -> Option<&Snapshot> {
        self.last_bad.as_ref()
    }

    /// What differs between the last good and the last bad response (empty unless both exist).
    pub fn differences(&self) -> Vec<Difference> {
        match (&self.last_good, &self.last_bad) {
            (Some(good), Some(bad)) => differences(good, bad),
            _ => Vec::new(),
        }
    }
}

fn percentiles_of(window: &VecDeque<Sample>) -> Option<Percentiles> {
    let mut lat: Vec<Duration> = window.iter().filter_map(|s| s.latency).collect();
    if lat.is_empty() {
        return None;
    }
    lat.sort_unstable();
    let rank = |p: f64| lat[((p * lat.len() as f64).ceil() as usize).clamp(1, lat.len()) - 1];
    Some(Percentiles {
        p50: rank(0.50),
        p95: rank(0.95),
        p99: rank(0.99),
        max: lat[lat.len() - 1],
    })
}

impl Default for EndpointHealth {
    fn default() -> Self {
        Self::new(super::spec::DEFAULT_THRESHOLD)
    }
}
