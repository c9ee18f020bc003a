//! The probe task against real loopback servers: its cadence, one probe in flight, backing off when
//! throttled, and the tracker confirming states from what it sends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use health_support::Server;
use sitrep::health::{
    EndpointHealth, EndpointSpec, Health, Outcome, ProbeResult, Prober, spawn_prober,
};
use tokio::sync::mpsc;

const BOUND: Duration = Duration::from_secs(20);

async fn next(rx: &mut mpsc::Receiver<ProbeResult>) -> ProbeResult {
    tokio::time::timeout(BOUND, rx.recv())
        .await
        .expect("a result within the bound")
        .expect("prober still running")
}

fn fast(url: String) -> EndpointSpec {
    EndpointSpec {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(2),
        ..EndpointSpec::new("api", url)
    }
}

#[tokio::test]
async fn prober_keeps_sending_results_for_its_endpoint() {
    let s = Server::start().await;
    let (tx, mut rx) = mpsc::channel(8);
    let _h = spawn_prober(7, fast(s.url("/ok")), Prober::new(), tx);
    for _ in 0..3 {
        let r = next(&mut rx).await;
        assert_eq!((r.endpoint, r.outcome), (7, Outcome::Ok));
    }
}

#[tokio::test]
async fn never_two_probes_of_one_endpoint_in_flight() {
    let s = Server::start().await;
    let (tx, mut rx) = mpsc::channel(8);
    // Interval far shorter than the answer, and impatient requests for more: still one at a time.
    let h = spawn_prober(0, fast(s.url("/slow")), Prober::new(), tx);
    for _ in 0..3 {
        for _ in 0..5 {
            h.probe_now();
        }
        assert_eq!(next(&mut rx).await.outcome, Outcome::Ok);
    }
    assert_eq!(s.max_in_flight.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn throttled_endpoint_is_left_alone_for_its_retry_after() {
    let s = Server::start().await;
    let (tx, mut rx) = mpsc::channel(8);
    let h = spawn_prober(0, fast(s.url("/429")), Prober::new(), tx);
    let r = next(&mut rx).await;
    assert_eq!(r.outcome, Outcome::Throttled);
    assert_eq!(r.backoff, Some(Duration::from_secs(60)));
    // At a 20 ms interval we would otherwise have sent dozens more; even asking does not override it.
    h.probe_now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.seen("/429").len(), 1);
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn dropping_the_handle_stops_probing() {
    let s = Server::start().await;
    let (tx, mut rx) = mpsc::channel(8);
    let h = spawn_prober(0, fast(s.url("/ok")), Prober::new(), tx);
    next(&mut rx).await;
    drop(h);
    // The task held the only sender: once it is gone the channel closes.
    let end = tokio::time::timeout(BOUND, async { while rx.recv().await.is_some() {} }).await;
    assert!(
        end.is_ok(),
        "prober kept running after its handle was dropped"
    );
}

#[tokio::test]
async fn prober_ends_when_nobody_listens() {
    let s = Server::start().await;
    let (tx, rx) = mpsc::channel(1);
    let h = spawn_prober(0, fast(s.url("/ok")), Prober::new(), tx);
    drop(rx);
    let ended = tokio::time::timeout(BOUND, async {
        while !h.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(ended.is_ok());
}

#[tokio::test]
async fn flapping_endpoint_does_not_flap_the_confirmed_state() {
    let s = Server::start().await;
    let (tx, mut rx) = mpsc::channel(8);
    let _h = spawn_prober(0, fast(s.url("/flap")), Prober::new(), tx);
    let mut health = EndpointHealth::new(2);
    let mut transitions = Vec::new();
    for _ in 0..10 {
        if let Some(t) = health.record(&next(&mut rx).await) {
            transitions.push(t);
        }
    }
    // 503, 200, 503, 200...: the first result sets the state; alternating never confirms a change.
    assert_eq!(transitions.len(), 1);
    assert_eq!(
        (transitions[0].from, transitions[0].to),
        (Health::Unknown, Health::Down)
    );
    assert_eq!(transitions[0].status, Some(503));
    assert_eq!(transitions[0].body_head, "upstream connect error");
    let rate = health.success_rate().unwrap();
    assert!((rate - 0.5).abs() < f64::EPSILON, "{rate}");
    let diffs = health.differences();
    assert_eq!(diffs[1].what, "status");
    assert_eq!(
        (diffs[1].good.as_deref(), diffs[1].bad.as_deref()),
        (Some("200"), Some("503"))
    );
}

#[tokio::test]
async fn endpoints_are_probed_independently() {
    let s = Server::start().await;
    let (tx, mut rx) = mpsc::channel(16);
    let prober = Prober::new();
    let _a = spawn_prober(0, fast(s.url("/hang")), prober.clone(), tx.clone());
    let _b = spawn_prober(1, fast(s.url("/ok")), prober, tx);
    // The hanging endpoint must not delay the healthy one.
    let mut oks = 0;
    while oks < 3 {
        let r = next(&mut rx).await;
        if r.endpoint == 1 {
            assert_eq!(r.outcome, Outcome::Ok);
            oks += 1;
        }
    }
}
