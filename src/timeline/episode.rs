//! Outages as episodes: an endpoint's run of trouble, read from its `health.changed` records.
//!
//! An episode starts at the endpoint's first confirmed non-up state and ends when it has been up for
//! `hold` (default 30 s); a non-up state within the hold continues the same episode, and moves
//! between non-up states (degraded, throttled, down) only update it. Any timeline, old or new, is
//! read the same way: episodes are a view of the records, not records of their own. An up record
//! carrying the episode's summary was written by a cockpit once the endpoint had been up for its
//! own hold (`episode-hold`): the episode ends there, whatever hold the reader assumes, so an
//! export keeps the outages the cockpit recorded.
//!
//! ```text
//!  up ─┐ down  degraded  up ─(12 s)─ down   up ─────(≥ hold)────
//!      └──────────────── one episode ───────┴─ ends here (came back up)
//! ```

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, Record};
use crate::core::health::Health;

/// How long an endpoint must stay up for its episode to end, unless configured.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(30);

/// What an episode held, written with its end: the probes that failed, by why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Summary {
    /// State changes in it, the first included.
    pub changes: u32,
    /// The worst state it reached.
    pub worst: Health,
    /// Probes answered with a 5xx.
    pub server_errors: u32,
    /// Probes answered with a 429.
    pub throttled: u32,
    /// Probes that timed out.
    pub timeouts: u32,
    /// Probes answered, but slower than allowed.
    pub slow: u32,
    /// Probes with no usable answer for another reason (connection, TLS, body).
    pub other: u32,
    /// The slowest answer, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_latency_ms: Option<u64>,
}

impl Summary {
    /// `1 change`, `6 changes`.
    pub fn changes_text(&self) -> String {
        match self.changes {
            1 => "1 change".to_string(),
            n => format!("{n} changes"),
        }
    }

    /// One line for the evidence and the views: `down at worst · 12 changes · 5xx ×40 · …`.
    pub fn describe(&self) -> String {
        let failures = self.failures();
        let head = format!("{} at worst · {}", self.worst, self.changes_text());
        if failures.is_empty() {
            head
        } else {
            format!("{head} · {failures}")
        }
    }

    /// The probes that failed, by why, and the slowest answer: `5xx ×40 · 429 ×3 · slowest 3004 ms`.
    pub fn failures(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.server_errors, "5xx"),
            (self.throttled, "429"),
            (self.timeouts, "timeouts"),
            (self.slow, "slow"),
            (self.other, "failed"),
        ] {
            if n > 0 {
                parts.push(format!("{what} ×{n}"));
            }
        }
        match self.worst_latency_ms {
            // A timeout got no answer, so it has no latency: the slowest answer says nothing of
            // them, and `slowest 7 ms` beside `timeouts ×4` read as a fast outage.
            Some(ms) if self.timeouts > 0 => parts.push(format!("slowest answer {ms} ms, timeouts aside")),
            Some(ms) => parts.push(format!("slowest {ms} ms")),
            None => {}
        }
        parts.join(" · ")
    }
}

/// One endpoint's run of trouble.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    /// The endpoint.
    pub endpoint: String,
    /// Its first confirmed non-up state.
    pub start: DateTime<Utc>,
    /// When it came back up for good (up for the hold after it); `None` while it lasts.
    pub end: Option<DateTime<Utc>>,
    /// The worst state it reached (down over throttled over degraded).
    pub worst: Health,
    /// Its state changes, the first included.
    pub changes: usize,
    /// Its state now (at its end: up).
    pub state: Health,
    /// What it held, when its end was recorded with it.
    pub summary: Option<Summary>,
    /// What the probe saw when it began.
    pub evidence: String,
    /// When it stopped being watched while not over (sitrep closed), unless watched again since.
    pub watched_until: Option<DateTime<Utc>>,
}

impl Episode {
    /// Its length: to its end, else to when it stopped being watched, else to `until`.
    pub fn length(&self, until: DateTime<Utc>) -> TimeDelta {
        self.end.or(self.watched_until).unwrap_or(until) - self.start
    }
}

/// The episodes in `records`, in the order they started; `until` is how far observation reached
/// (now in the cockpit, the last record in an export): an endpoint up for less than the hold by
/// then is still in its episode.
pub fn episodes(records: &[Record], hold: Duration, until: DateTime<Utc>) -> Vec<Episode> {
    let hold = TimeDelta::from_std(hold).unwrap_or(TimeDelta::MAX);
    let mut done = Vec::new();
    // Open episodes by endpoint, with when each came back up, if it has.
    let mut open: Vec<(Episode, Option<DateTime<Utc>>)> = Vec::new();
    for r in records {
        let Event::HealthChanged {
            endpoint,
            to,
            since,
            episode: summary,
            evidence,
            ..
        } = &r.event
        else {
            continue;
        };
        // When the state began: an end recorded after the hold says when it came back up.
        let at = since.unwrap_or(r.ts);
        let slot = open.iter().position(|(e, _)| e.endpoint == *endpoint);
        // An episode whose endpoint stayed up for the hold ended when it came back up.
        if let Some(i) = slot
            && let (_, Some(up)) = &open[i]
            && r.ts - *up >= hold
        {
            let (mut ended, up) = open.remove(i);
            ended.end = up;
            done.push(ended);
        }
        let slot = open.iter().position(|(e, _)| e.endpoint == *endpoint);
        match (slot, *to) {
            (Some(i), Health::Up) => {
                let (episode, up) = &mut open[i];
                episode.watched_until = None;
                episode.changes += 1;
                episode.state = Health::Up;
                up.get_or_insert(at);
                if let Some(summary) = summary {
                    // Recorded at its end: the live count of changes and the worst state. The
                    // cockpit that wrote it judged the end with its own hold (`episode-hold`),
                    // so the episode ends here whatever hold this reading assumes.
                    episode.changes = summary.changes.max(1) as usize;
                    episode.worst = episode.worst.worse(summary.worst);
                    episode.summary = Some(summary.clone());
                    let (mut ended, up) = open.remove(i);
                    ended.end = up;
                    done.push(ended);
                }
            }
            (Some(i), Health::Unknown) if summary.is_some() => {
                // No longer watched (sitrep closed): not a change of the endpoint's state.
                let (episode, _) = &mut open[i];
                episode.watched_until = Some(r.ts);
                episode.summary.clone_from(summary);
            }
            (Some(i), state) => {
                let (episode, up) = &mut open[i];
                episode.watched_until = None;
                episode.changes += 1;
                episode.state = state;
                episode.worst = episode.worst.worse(state);
                *up = None;
            }
            (None, Health::Up | Health::Unknown) => {}
            (None, state) => open.push((
                Episode {
                    endpoint: endpoint.clone(),
                    start: at,
                    end: None,
                    worst: state,
                    changes: 1,
                    state,
                    summary: None,
                    evidence: evidence.clone(),
                    watched_until: None,
                },
                None,
            )),
        }
    }
    for (mut episode, up) in open {
        if let Some(up) = up
            && until - up >= hold
        {
            episode.end = Some(up);
        }
        done.push(episode);
    }
    done.sort_by_key(|e| e.start);
    done
}

#[cfg(test)]
mod tests;
