//! The pure per-endpoint tracker: confirmation after a threshold, statistics, quota, comparison.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use sitrep::health::{EndpointHealth, Health, Outcome, ProbeResult, RateLimit, WINDOW};

fn result(i: i64, outcome: Outcome, status: Option<u16>, ms: u64) -> ProbeResult {
    let at = Utc.timestamp_opt(1_800_000_000 + i, 0).unwrap();
    let mut r = ProbeResult::failed(0, at, outcome, Duration::from_millis(ms));
    r.status = status;
    r
}

fn ok(i: i64, ms: u64) -> ProbeResult {
    let mut r = result(i, Outcome::Ok, Some(200), ms);
    r.body_head = "{\"ok\":true}".into();
    r.headers = vec![("content-type".into(), "application/json".into())];
    r
}

fn down(i: i64) -> ProbeResult {
    let mut r = result(i, Outcome::UnexpectedStatus(503), Some(503), 5);
    r.body_head = "upstream connect error".into();
    r.headers = vec![("content-type".into(), "text/plain".into())];
    r
}

#[test]
fn first_result_sets_the_state_at_once() {
    let mut h = EndpointHealth::new(3);
    assert_eq!(h.state(), Health::Unknown);
    let t = h.record(&ok(0, 10)).unwrap();
    assert_eq!(
        (t.from, t.to, h.state()),
        (Health::Unknown, Health::Up, Health::Up)
    );
}

#[test]
fn change_is_confirmed_after_threshold_consecutive_results() {
    let mut h = EndpointHealth::new(2);
    h.record(&ok(0, 10));
    assert_eq!(h.record(&down(1)), None);
    assert_eq!(h.pending(), Some((Health::Down, 1)));
    assert_eq!(h.state(), Health::Up);
    let t = h.record(&down(2)).unwrap();
    assert_eq!((t.from, t.to), (Health::Up, Health::Down));
    assert_eq!((t.status, t.latency_ms), (Some(503), 5));
    assert_eq!(t.outcome, "unexpected status 503");
    assert_eq!(t.body_head, "upstream connect error");
    assert_eq!(
        t.evidence(),
        "unexpected status 503; body: upstream connect error"
    );
    assert_eq!(h.since(), Some(down(2).at));
    assert_eq!(h.pending(), None);
}

#[test]
fn a_blip_resets_the_pending_count() {
    let mut h = EndpointHealth::new(2);
    h.record(&ok(0, 10));
    h.record(&down(1));
    h.record(&ok(2, 10));
    assert_eq!(h.pending(), None);
    assert_eq!(h.record(&down(3)), None);
    assert_eq!(h.state(), Health::Up);
}

#[test]
fn different_bad_results_do_not_add_up() {
    let mut h = EndpointHealth::new(2);
    h.record(&ok(0, 10));
    h.record(&down(1));
    let slow = result(2, Outcome::Slow, Some(200), 900);
    assert_eq!(h.record(&slow), None);
    assert_eq!(h.pending(), Some((Health::Degraded, 1)));
}

#[test]
fn percentiles_and_success_rate_over_the_window() {
    let mut h = EndpointHealth::new(2);
    for i in 1..=100 {
        h.record(&ok(i, i as u64));
    }
    h.record(&result(101, Outcome::Timeout, None, 2000));
    let p = h.percentiles().unwrap();
    // The timeout has no response latency and stays out of the percentiles.
    assert_eq!(
        (p.p50, p.p95, p.p99, p.max),
        (
            Duration::from_millis(50),
            Duration::from_millis(95),
            Duration::from_millis(99),
            Duration::from_millis(100)
        )
    );
    assert!((h.success_rate().unwrap() - 100.0 / 101.0).abs() < 1e-9);
    let series: Vec<_> = h.latency_series().collect();
    assert_eq!(series.last(), Some(&None));
    assert_eq!(h.totals(), (101, 100));
}

#[test]
fn history_is_bounded() {
    let mut h = EndpointHealth::new(2);
    for i in 0..(WINDOW as i64 * 4) {
        h.record(&ok(i, 1));
    }
    assert_eq!(h.latency_series().count(), WINDOW);
    assert_eq!(h.totals().0, WINDOW as u64 * 4);
}

#[test]
fn quota_and_throttle_hold_come_from_the_last_response() {
    let mut h = EndpointHealth::new(1);
    let mut r = result(0, Outcome::Throttled, Some(429), 0);
    r.rate_limit = Some(RateLimit {
        limit: Some(100),
        remaining: Some(0),
        reset: Some(Duration::from_secs(30)),
        retry_after: Some(Duration::from_secs(10)),
        ..RateLimit::default()
    });
    h.record(&r);
    assert_eq!(h.state(), Health::Throttled);
    let q = h.quota().unwrap();
    assert_eq!((q.remaining, q.limit), (Some(0), Some(100)));
    assert_eq!(q.reset_at, Some(r.at + chrono::TimeDelta::seconds(30)));
    assert_eq!(
        h.throttled_until(),
        Some(r.at + chrono::TimeDelta::seconds(10))
    );
    h.record(&ok(1, 1));
    assert_eq!(h.throttled_until(), None);
    // The quota seen last is kept until a response says otherwise.
    assert_eq!(h.quota().unwrap().limit, Some(100));
}

#[test]
fn working_and_failing_responses_are_compared() {
    let mut h = EndpointHealth::new(2);
    assert!(h.differences().is_empty());
    h.record(&ok(0, 10));
    h.record(&down(1));
    assert_eq!(h.last_good().unwrap().status, Some(200));
    assert_eq!(h.last_bad().unwrap().status, Some(503));
    let d = h.differences();
    let whats: Vec<_> = d.iter().map(|d| d.what.as_str()).collect();
    assert_eq!(whats, ["outcome", "status", "header content-type", "body"]);
    assert_eq!(d[3].bad.as_deref(), Some("upstream connect error"));
}

#[test]
fn throttled_with_retry_after_is_confirmed_at_once() {
    let mut h = EndpointHealth::new(2);
    h.record(&ok(0, 10));
    // Without a wait it is a blip like any other...
    assert_eq!(h.record(&result(1, Outcome::Throttled, Some(429), 1)), None);
    h.record(&ok(2, 10));
    // ...with one, no probe follows for a while, so the state must say so now.
    let mut r = result(3, Outcome::Throttled, Some(429), 1);
    r.rate_limit = Some(RateLimit {
        retry_after: Some(Duration::from_secs(60)),
        ..RateLimit::default()
    });
    let t = h.record(&r).unwrap();
    assert_eq!((t.from, t.to), (Health::Up, Health::Throttled));
}
