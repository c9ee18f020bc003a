//! Outages as episodes in the cockpit: a flapping outage is recorded as its start and its end (with
//! what it held), the health panel's endpoint holds the open episode, and `:compare` puts the
//! outage in the failing window even after the recovery.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::health::{EndpointHealth, Health, Outcome, ProbeResult};

/// A probe of endpoint 0 at `secs` after the incident opened: `status` answered, or `outcome` failed.
fn probe(t0: DateTime<Utc>, secs: i64, outcome: Outcome, status: Option<u16>) -> Msg {
    let mut r = ProbeResult::failed(
        0,
        t0 + TimeDelta::seconds(secs),
        outcome,
        Duration::from_millis(120),
    );
    r.status = status;
    Msg::Probe(r)
}

/// An endpoint whose state changes on one probe.
fn endpoint(name: &str) -> EndpointView {
    EndpointView {
        name: name.into(),
        url: format!("http://127.0.0.1:1/{name}"),
        health: EndpointHealth::new(1),
        insecure_tls: false,
        episode: None,
        episode_adopted: false,
        interval: std::time::Duration::from_secs(5),
    }
}

fn with_endpoint() -> (App, DateTime<Utc>) {
    let mut app = app();
    app.endpoints.push(endpoint("payments-api"));
    let t0 = app.incident.start().expect("opened");
    (app, t0)
}

/// Every health.changed the app asks to record, as (from, to, since, has a summary).
fn recorded(commands: Vec<Command>) -> Vec<(Health, Health, Option<DateTime<Utc>>, bool)> {
    commands
        .into_iter()
        .filter_map(|c| match c {
            Command::Append {
                event:
                    Event::HealthChanged {
                        from,
                        to,
                        since,
                        episode,
                        ..
                    },
                ..
            } => Some((from, to, since, episode.is_some())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_flapping_outage_records_its_start_and_its_end_only() {
    let (mut app, t0) = with_endpoint();
    let mut out = Vec::new();
    let mut send = |app: &mut App, msg| {
        let commands = update(app, msg);
        ack(app, commands.clone());
        out.extend(recorded(commands));
    };
    send(&mut app, probe(t0, 0, Outcome::Ok, Some(200)));
    send(&mut app, probe(t0, 10, Outcome::UnexpectedStatus(503), Some(503)));
    // Flapping: down, throttled, slow, up for 5 s, down again.
    send(&mut app, probe(t0, 12, Outcome::Throttled, Some(429)));
    send(&mut app, probe(t0, 14, Outcome::Slow, Some(200)));
    send(&mut app, probe(t0, 16, Outcome::Ok, Some(200)));
    send(&mut app, probe(t0, 21, Outcome::Timeout, None));
    let open = app.endpoints[0].episode.clone().expect("an open episode");
    assert_eq!(open.start, t0 + TimeDelta::seconds(10));
    assert_eq!(open.summary.worst, Health::Down);
    assert_eq!(
        (open.summary.server_errors, open.summary.throttled, open.summary.slow, open.summary.timeouts),
        (1, 1, 1, 1)
    );
    // Back up: the end is recorded once it has been up for the 30 s hold, not before.
    send(&mut app, probe(t0, 25, Outcome::Ok, Some(200)));
    send(&mut app, probe(t0, 40, Outcome::Ok, Some(200)));
    assert!(app.endpoints[0].episode.is_some(), "up 15 s: not over");
    send(&mut app, Msg::Tick(t0 + TimeDelta::seconds(56)));
    assert!(app.endpoints[0].episode.is_none());
    assert_eq!(
        out,
        [
            (Health::Unknown, Health::Up, None, false),
            (Health::Up, Health::Down, Some(t0 + TimeDelta::seconds(10)), false),
            (Health::Down, Health::Up, Some(t0 + TimeDelta::seconds(25)), true),
        ]
    );
    // The records read back as one episode, with its summary.
    let list = crate::timeline::episode::episodes(
        &app.records,
        crate::timeline::episode::DEFAULT_HOLD,
        t0 + TimeDelta::seconds(60),
    );
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].start, t0 + TimeDelta::seconds(10));
    assert_eq!(list[0].end, Some(t0 + TimeDelta::seconds(25)));
    assert_eq!(list[0].changes, 6);
}

#[test]
fn compare_after_the_recovery_puts_the_outage_in_the_failing_window() {
    let (mut app, t0) = with_endpoint();
    for (secs, outcome, status) in [
        (0, Outcome::Ok, Some(200)),
        (60, Outcome::UnexpectedStatus(503), Some(503)),
        (70, Outcome::Ok, Some(200)),
        (75, Outcome::UnexpectedStatus(502), Some(502)),
        (150, Outcome::Ok, Some(200)),
        (200, Outcome::Ok, Some(200)),
    ] {
        let commands = update(&mut app, probe(t0, secs, outcome, status));
        ack(&mut app, commands);
    }
    app.now = t0 + TimeDelta::seconds(400);
    for ch in ":compare".chars() {
        update(&mut app, key(ch));
    }
    update(&mut app, code(KeyCode::Enter));
    let (good, bad) = app.patterns.ranges.expect("compared");
    let ms = |s: i64| crate::core::clock::epoch_ms(t0 + TimeDelta::seconds(s));
    assert_eq!((bad.from_ms, bad.to_ms), (ms(60), ms(150)), "the outage fails");
    assert_eq!((good.from_ms, good.to_ms), (ms(0), ms(60)), "before it works");
    let why = app.patterns.why.clone().unwrap_or_default();
    assert!(why.contains("payments-api's last episode"), "{why}");
}

#[test]
fn quitting_during_an_outage_records_that_it_was_no_longer_watched() {
    let (mut app, t0) = with_endpoint();
    for (secs, outcome, status) in [
        (0, Outcome::Ok, Some(200)),
        (10, Outcome::UnexpectedStatus(503), Some(503)),
        (12, Outcome::UnexpectedStatus(503), Some(503)),
    ] {
        let commands = update(&mut app, probe(t0, secs, outcome, status));
        ack(&mut app, commands);
    }
    app.now = t0 + TimeDelta::seconds(20);
    let commands = update(&mut app, key('q'));
    assert!(matches!(commands.last(), Some(Command::Quit)), "{commands:?}");
    let closing = recorded(commands.clone());
    assert_eq!(closing, [(Health::Down, Health::Unknown, None, true)]);
    ack(&mut app, commands);
    // Read back, the episode is not over and was watched until the cockpit closed.
    let list = crate::timeline::episode::episodes(
        &app.records,
        crate::timeline::episode::DEFAULT_HOLD,
        t0 + TimeDelta::hours(1),
    );
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].end, None);
    assert_eq!(list[0].watched_until, Some(app.records.last().unwrap().ts));
    assert_eq!(list[0].summary.as_ref().map(|s| s.server_errors), Some(2));
    assert!(
        app.records.last().unwrap().event.summary().contains("no longer watched"),
        "{}",
        app.records.last().unwrap().event.summary()
    );
}

#[test]
fn an_incident_reopened_mid_outage_carries_its_episode_on() {
    let (mut app, t0) = with_endpoint();
    for (secs, outcome, status) in [
        (0, Outcome::Ok, Some(200)),
        (10, Outcome::UnexpectedStatus(503), Some(503)),
    ] {
        let commands = update(&mut app, probe(t0, secs, outcome, status));
        ack(&mut app, commands);
    }
    let commands = update(&mut app, key('q'));
    ack(&mut app, commands);
    // Reopened later: the endpoint is still down, then recovers; one episode, no second start.
    // The record says it was watched again (`unknown → down`, after the `→ unknown` the first
    // session closed with), so its states follow one another.
    let mut again = App::new(
        app.records.clone(),
        "t.jsonl".into(),
        Vec::new(),
        "alice".into(),
        t0 + TimeDelta::minutes(5),
    );
    again.endpoints.push(endpoint("payments-api"));
    let mut out = Vec::new();
    for (secs, outcome, status) in [
        (300, Outcome::UnexpectedStatus(503), Some(503)),
        (310, Outcome::Ok, Some(200)),
        (345, Outcome::Ok, Some(200)),
    ] {
        let commands = update(&mut again, probe(t0, secs, outcome, status));
        out.extend(recorded(commands.clone()));
        ack(&mut again, commands);
    }
    assert_eq!(
        out,
        [
            (Health::Unknown, Health::Down, Some(t0 + TimeDelta::seconds(300)), false),
            (Health::Down, Health::Up, Some(t0 + TimeDelta::seconds(310)), true)
        ]
    );
    let list = crate::timeline::episode::episodes(
        &again.records,
        crate::timeline::episode::DEFAULT_HOLD,
        t0 + TimeDelta::hours(1),
    );
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].start, t0 + TimeDelta::seconds(10));
    assert_eq!(list[0].end, Some(t0 + TimeDelta::seconds(310)));
}

#[test]
fn an_update_names_what_recovered_and_the_notes_since_the_last_one() {
    let (mut app, t0) = with_endpoint();
    let note = |app: &mut App, text: &str| {
        let c = app.request("alice".into(), Event::Note { text: text.into() });
        ack(app, vec![c]);
    };
    note(&mut app, "before the last update");
    let sent = app.request(
        "alice".into(),
        Event::UpdateSent {
            destination: "file updates.md".into(),
            text: "first".into(),
            result: "delivered (written)".into(),
        },
    );
    ack(&mut app, vec![sent]);
    app.now = t0 + TimeDelta::seconds(5);
    note(&mut app, "rolled back v2.15");
    for (secs, outcome, status) in [
        (0, Outcome::Ok, Some(200)),
        (10, Outcome::UnexpectedStatus(503), Some(503)),
        (70, Outcome::Ok, Some(200)),
        (100, Outcome::Ok, Some(200)),
    ] {
        app.now = t0 + TimeDelta::seconds(secs);
        let commands = update(&mut app, probe(t0, secs, outcome, status));
        ack(&mut app, commands);
    }
    let f = super::super::act::facts(&app);
    assert_eq!(f.notes, ["rolled back v2.15"]);
    assert_eq!(f.recovered.len(), 1, "{:?}", f.recovered);
    assert!(
        f.recovered[0].starts_with("payments-api (up since 14:01 UTC, after 1m"),
        "{:?}",
        f.recovered
    );
}

#[test]
fn the_last_good_and_bad_pane_follows_the_open_episode_until_the_user_picks() {
    let (mut app, t0) = with_endpoint();
    // A second endpoint, listed after the first: it is the one that fails.
    app.endpoints.push(endpoint("ledger"));
    assert_eq!(app.compared_endpoint(), 0);
    let mut r = ProbeResult::failed(
        1,
        t0 + TimeDelta::seconds(5),
        Outcome::Timeout,
        Duration::from_secs(5),
    );
    r.status = None;
    let commands = update(&mut app, Msg::Probe(r));
    ack(&mut app, commands);
    assert_eq!(app.compared_endpoint(), 1, "the endpoint in trouble");
    // The user moves in the health panel: their choice wins.
    app.focus = Panel::Health;
    update(&mut app, key('k'));
    assert_eq!(app.compared_endpoint(), 0);
}
