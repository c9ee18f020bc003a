//! Outages as episodes in the cockpit: an endpoint's first confirmed non-up state opens one and is
//! recorded; moves between non-up states and the probes inside it only update its counts; it ends,
//! and that is recorded with its summary, once the endpoint has been up for the hold. A flapping
//! outage is two timeline lines, not twenty.

use chrono::{DateTime, TimeDelta, Utc};

use super::{App, Command};
use crate::health::{Health, Outcome, ProbeResult, Transition};
use crate::timeline::episode::Summary;
use crate::timeline::Event;

/// An endpoint's open episode, between its recorded start and end.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEpisode {
    /// Its first confirmed non-up state.
    pub start: DateTime<Utc>,
    /// What it holds so far.
    pub summary: Summary,
    /// The state before it came back up (the end's `from`).
    pub last_bad: Health,
    /// When it came back up, while it is up but not yet for the hold.
    pub up_since: Option<DateTime<Utc>>,
    /// Taken on from a timeline whose last word on it was "no longer watched" (`→ unknown`): the
    /// first state this cockpit confirms is recorded, so the record says it was watched again.
    pub unwatched: bool,
}

impl LiveEpisode {
    fn count(&mut self, r: &ProbeResult) {
        if r.health == Health::Up {
            return;
        }
        let s = &mut self.summary;
        match (&r.outcome, r.status) {
            (Outcome::Throttled, _) | (_, Some(429)) => s.throttled += 1,
            (_, Some(500..=599)) => s.server_errors += 1,
            (Outcome::Timeout | Outcome::ConnectTimeout, _) => s.timeouts += 1,
            (Outcome::Slow, _) => s.slow += 1,
            _ => s.other += 1,
        }
        if r.status.is_some() {
            let ms = u64::try_from(r.latency.as_millis()).unwrap_or(u64::MAX);
            s.worst_latency_ms = Some(s.worst_latency_ms.map_or(ms, |w| w.max(ms)));
        }
    }
}

/// A probe result for endpoint `i`, and the transition it confirmed, if any: what to record.
pub fn on_probe(app: &mut App, r: &ProbeResult, change: Option<Transition>) -> Vec<Command> {
    let hold = app.episode_hold;
    let Some(view) = app.endpoints.get_mut(r.endpoint) else {
        return Vec::new();
    };
    let name = view.name.clone();
    if !view.episode_adopted {
        // An incident reopened with this endpoint's episode still open: it goes on.
        view.episode_adopted = true;
        let open = crate::timeline::episode::episodes(&app.records, hold_std(hold), r.at)
            .into_iter()
            .rfind(|e| e.endpoint == name && e.end.is_none());
        let view = &mut app.endpoints[r.endpoint];
        if let Some(e) = open {
            view.episode = Some(LiveEpisode {
                start: e.start,
                summary: Summary {
                    changes: u32::try_from(e.changes).unwrap_or(u32::MAX),
                    worst: e.worst,
                    ..e.summary.unwrap_or_default()
                },
                last_bad: if e.state == Health::Up { e.worst } else { e.state },
                up_since: None,
                unwatched: e.watched_until.is_some(),
            });
        }
    }
    let view = &mut app.endpoints[r.endpoint];
    let mut record = None;
    if let Some(change) = change {
        match (&mut view.episode, change.to) {
            (None, Health::Up | Health::Unknown) => {
                // Outside an episode (the first answer): recorded as it is.
                record = Some(health_changed(&name, &change, None, None));
            }
            (None, state) => {
                view.episode = Some(LiveEpisode {
                    start: change.at,
                    summary: Summary {
                        changes: 1,
                        worst: state,
                        ..Summary::default()
                    },
                    last_bad: state,
                    up_since: None,
                    unwatched: false,
                });
                // The record is written a little later: it says when the probe saw it.
                record = Some(health_changed(&name, &change, Some(change.at), None));
            }
            (Some(episode), Health::Up) => {
                episode.summary.changes += 1;
                episode.up_since.get_or_insert(change.at);
            }
            (Some(episode), state) => {
                episode.summary.changes += 1;
                episode.last_bad = state;
                episode.up_since = None;
                episode.summary.worst = episode.summary.worst.worse(state);
                if std::mem::take(&mut episode.unwatched) {
                    // Watched again: `unknown → down`, the outage going on, so the record's next
                    // `→ unknown` (if sitrep closes again) follows a state it gave.
                    record = Some(health_changed(&name, &change, Some(change.at), None));
                }
            }
        }
    }
    if let Some(episode) = &mut view.episode {
        episode.count(r);
    }
    let mut commands: Vec<Command> = record
        .and_then(|event| app.tool(event))
        .into_iter()
        .collect();
    commands.extend(end_if_held(app, r.endpoint, r.at, hold));
    commands
}

/// Ends every episode whose endpoint has been up for the hold by `now` (on each tick).
pub fn on_tick(app: &mut App, now: DateTime<Utc>) -> Vec<Command> {
    let hold = app.episode_hold;
    (0..app.endpoints.len())
        .flat_map(|i| end_if_held(app, i, now, hold))
        .collect()
}

fn end_if_held(app: &mut App, i: usize, now: DateTime<Utc>, hold: TimeDelta) -> Vec<Command> {
    let Some(view) = app.endpoints.get_mut(i) else {
        return Vec::new();
    };
    let Some(up) = view.episode.as_ref().and_then(|e| e.up_since) else {
        return Vec::new();
    };
    if now - up < hold {
        return Vec::new();
    }
    let Some(episode) = view.episode.take() else {
        return Vec::new();
    };
    let length = crate::core::duration::precise(up - episode.start);
    let event = Event::HealthChanged {
        endpoint: view.name.clone(),
        from: episode.last_bad,
        to: Health::Up,
        status: view.health.last_status(),
        latency_ms: view
            .health
            .last_latency()
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        evidence: format!(
            "episode over: up since {} for {}; it lasted {length}: {}",
            up.format("%H:%M:%S UTC"),
            crate::core::duration::precise(now - up),
            episode.summary.describe()
        ),
        since: Some(up),
        episode: Some(episode.summary),
        observer: String::new(),
    };
    app.tool(event).into_iter().collect()
}

/// The session ends: each open episode is recorded as no longer watched (`→ unknown`, with what it
/// held so far). Reopened, the incident carries the episode on.
pub fn closing(app: &mut App) -> Vec<Command> {
    if !app.present.is_empty() {
        // Teammates still have it open: they watch on, and their cockpits end the episodes.
        return Vec::new();
    }
    let mut events = Vec::new();
    for view in &mut app.endpoints {
        let Some(episode) = view.episode.take() else {
            continue;
        };
        events.push(Event::HealthChanged {
            endpoint: view.name.clone(),
            from: view.health.state(),
            to: Health::Unknown,
            status: None,
            latency_ms: None,
            evidence: format!(
                "sitrep closed: the outage since {} was no longer watched ({})",
                episode.start.format("%H:%M:%S UTC"),
                episode.summary.describe()
            ),
            since: None,
            episode: Some(episode.summary),
            observer: String::new(),
        });
    }
    events
        .into_iter()
        .filter_map(|event| app.tool(event))
        .collect()
}

fn hold_std(hold: TimeDelta) -> std::time::Duration {
    hold.to_std().unwrap_or_default()
}

fn health_changed(
    name: &str,
    change: &Transition,
    since: Option<DateTime<Utc>>,
    summary: Option<Summary>,
) -> Event {
    Event::HealthChanged {
        endpoint: name.to_string(),
        from: change.from,
        to: change.to,
        status: change.status,
        latency_ms: Some(change.latency_ms),
        evidence: change.evidence(),
        since,
        episode: summary,
        observer: String::new(),
    }
}
