use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{DEFAULT_HOLD, Episode, episodes};
use crate::core::health::Health;
use crate::timeline::{Event, Record, chain::seal};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap() + TimeDelta::seconds(secs)
}

/// Health changes as (seconds, endpoint, from, to), sealed into a chain.
fn records(changes: &[(i64, &str, Health, Health)]) -> Vec<Record> {
    let mut prev = String::new();
    let mut out = Vec::new();
    for (i, (secs, endpoint, from, to)) in changes.iter().enumerate() {
        let event = Event::HealthChanged {
            endpoint: (*endpoint).into(),
            from: *from,
            to: *to,
            status: None,
            latency_ms: None,
            evidence: String::new(),
            since: None,
            episode: None,
            observer: String::new(),
        };
        let (_, record) = seal(i as u64 + 1, t(*secs), "sitrep", event, &prev).unwrap();
        prev = record.hash.clone();
        out.push(record);
    }
    out
}

use Health::{Degraded, Down, Throttled, Unknown, Up};

#[test]
fn a_flapping_outage_is_one_episode_with_its_worst_state() {
    // 18 transitions in 90 s, as the demo's outage made: one episode.
    let mut changes = vec![(0, "pay", Unknown, Up), (20, "pay", Up, Degraded)];
    let cycle = [Down, Throttled, Up, Down, Degraded];
    let mut from = Degraded;
    for i in 0..16 {
        let to = cycle[i % cycle.len()];
        changes.push((25 + 4 * i as i64, "pay", from, to));
        from = to;
    }
    changes.push((110, "pay", from, Up));
    let list = episodes(&records(&changes), DEFAULT_HOLD, t(200));
    assert_eq!(
        list,
        [Episode {
            endpoint: "pay".into(),
            start: t(20),
            end: Some(t(110)),
            worst: Down,
            changes: 18,
            state: Up,
            summary: None,
            evidence: String::new(),
            watched_until: None,
        }]
    );
}

#[test]
fn up_for_the_hold_ends_an_episode_and_trouble_after_it_is_a_new_one() {
    let changes = [
        (10, "pay", Up, Down),
        (40, "pay", Down, Up),
        (75, "pay", Up, Degraded),
        (80, "pay", Degraded, Up),
    ];
    let list = episodes(&records(&changes), DEFAULT_HOLD, t(300));
    let spans: Vec<_> = list.iter().map(|e| (e.start, e.end, e.worst)).collect();
    assert_eq!(
        spans,
        [(t(10), Some(t(40)), Down), (t(75), Some(t(80)), Degraded)]
    );
}

#[test]
fn an_episode_lasts_while_the_endpoint_is_not_yet_up_for_the_hold() {
    let changes = [(10, "pay", Up, Down), (40, "pay", Down, Up)];
    // Only 20 s up when observation stops: still in the episode.
    let list = episodes(&records(&changes), DEFAULT_HOLD, t(60));
    assert_eq!(list[0].end, None);
    assert_eq!(list[0].state, Up);
    assert_eq!(list[0].length(t(60)), TimeDelta::seconds(50));
}

#[test]
fn each_endpoint_has_its_own_episodes_in_the_order_they_started() {
    let changes = [
        (5, "ledger", Up, Down),
        (10, "pay", Up, Throttled),
        (50, "ledger", Down, Up),
        (60, "pay", Throttled, Up),
    ];
    let list = episodes(&records(&changes), DEFAULT_HOLD, t(500));
    let names: Vec<_> = list.iter().map(|e| (e.endpoint.as_str(), e.end)).collect();
    assert_eq!(names, [("ledger", Some(t(50))), ("pay", Some(t(60)))]);
}

#[test]
fn a_start_from_unknown_to_up_is_no_episode() {
    let list = episodes(&records(&[(0, "pay", Unknown, Up)]), DEFAULT_HOLD, t(100));
    assert!(list.is_empty());
}

#[test]
fn an_end_recorded_by_a_cockpit_with_a_short_hold_ends_the_episode_whatever_hold_is_read() {
    // A cockpit with `episode-hold = "10s"`: down at 0, up at 20, recorded as the outage's end at
    // 30 (with its summary, `since` the moment it came up); down again at 38: a second outage,
    // though an export reading with the 30 s default would join them.
    let mut recs = records(&[
        (0, "pay", Up, Down),
        (30, "pay", Down, Up),
        (38, "pay", Up, Down),
    ]);
    let mut prev = String::new();
    for (i, r) in recs.iter_mut().enumerate() {
        if let Event::HealthChanged {
            to: Up,
            since,
            episode,
            ..
        } = &mut r.event
        {
            *since = Some(t(20));
            *episode = Some(super::Summary {
                changes: 2,
                worst: Down,
                ..super::Summary::default()
            });
        }
        let (_, sealed) = seal(i as u64 + 1, r.ts, "sitrep", r.event.clone(), &prev).unwrap();
        prev = sealed.hash.clone();
        *r = sealed;
    }
    let list = episodes(&recs, DEFAULT_HOLD, t(60));
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0].end, Some(t(20)));
    assert_eq!(list[1].start, t(38));
    assert_eq!(list[1].end, None);
}

#[test]
fn the_slowest_answer_is_said_apart_from_timeouts() {
    let mut s = super::Summary {
        timeouts: 4,
        other: 8,
        worst_latency_ms: Some(7),
        ..super::Summary::default()
    };
    assert_eq!(
        s.failures(),
        "timeouts ×4 · failed ×8 · slowest answer 7 ms, timeouts aside"
    );
    s.timeouts = 0;
    assert_eq!(s.failures(), "failed ×8 · slowest 7 ms");
}
