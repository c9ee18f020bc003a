//! Loki sources against a small in-process Loki (`loki_support`): no Loki server can run on this
//! machine, so that one is written from Loki's published HTTP API (query_range and the tail).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sitrep::tail::{
    Backfill, BackfillReport, Bound, Dropper, LogLine, SourceSpec, SourceStatus, TailEvent,
    TailOptions,
};

mod loki_support;
mod source_support;

use loki_support::*;
use source_support::Followed;

fn options(backfill_minutes: i64, max_lines: usize) -> TailOptions {
    TailOptions {
        backfill: Some(Backfill {
            since: Utc::now() - TimeDelta::minutes(backfill_minutes),
            max_lines,
        }),
        restart_min: Duration::from_millis(200),
        restart_max: Duration::from_millis(800),
        ..TailOptions::default()
    }
}

fn ns_ago(seconds: f64) -> i64 {
    let now = Utc::now().timestamp_nanos_opt().unwrap();
    now - (seconds * 1e9) as i64
}

impl Followed {
    fn start(url: &str, opts: TailOptions) -> Self {
        let spec = SourceSpec::parse(&format!(r#"loki:{{app="payments"}}@{url}"#)).unwrap();
        Followed::spawn(spec, opts)
    }

    fn report(&self) -> Option<&BackfillReport> {
        self.statuses.iter().rev().find_map(|s| match s {
            SourceStatus::Backfill(r) => Some(r),
            _ => None,
        })
    }

    /// Takes what has come without waiting.
    fn drain(&mut self) {
        while let Ok(event) = self.rx.try_recv() {
            match event {
                TailEvent::Lines { lines, .. } => self.lines.extend(lines),
                TailEvent::Status { status, .. } => self.statuses.push(status),
            }
        }
    }

    /// Every status as shown.
    fn said(&self) -> Vec<String> {
        self.statuses.iter().map(ToString::to_string).collect()
    }

    /// The number each line ends with (`request 17`).
    fn numbers(&self) -> Vec<usize> {
        self.lines
            .iter()
            .filter_map(|l| l.text.rsplit(' ').next()?.parse().ok())
            .collect()
    }
}

/// Whether the source says it reads through the tail.
fn tailing(statuses: &[SourceStatus]) -> bool {
    statuses
        .last()
        .is_some_and(|s| s.to_string().ends_with(" (tail)"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hour_before_is_paged_in_order_and_live_lines_follow_once_each() {
    let loki = Arc::new(Loki::default());
    // 12,000 entries over the last 50 minutes in two streams, every third pair sharing a
    // nanosecond (page boundaries fall inside such groups), and 50 from two hours ago.
    for n in 0..50 {
        loki.add(
            &[("app", "payments"), ("pod", "old")],
            ns_ago(7200.0) + n,
            &format!("request {n}"),
        );
    }
    let base = ns_ago(3000.0);
    for n in 0..12_000i64 {
        let pod = if n % 2 == 0 { "p-1" } else { "p-2" };
        let ns = base + (n / 2) * 250_000_000 + if n % 6 < 2 { 0 } else { n % 2 };
        loki.add(
            &[("app", "payments"), ("pod", pod)],
            ns,
            &format!("request {}", 1000 + n),
        );
    }
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000_000));
    let done = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter()
            .any(|s| matches!(s, SourceStatus::Backfill(r) if r.done))
    };
    assert!(followed.until(done).await, "{:?}", followed.statuses);
    let mut got = followed.numbers();
    assert_eq!(
        got.len(),
        12_000,
        "the window's entries, none twice, none from before it"
    );
    got.sort_unstable();
    assert_eq!(got, (1000..13_000).collect::<Vec<_>>());
    let times: Vec<_> = followed.lines.iter().map(|l| l.time.unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let report = followed.report().unwrap();
    assert_eq!((report.lines, report.bound), (12_000, Bound::Window));
    assert!(
        followed.lines[0].text.contains(" app=payments pod=p-"),
        "{}",
        followed.lines[0].text
    );
    // Live: new entries, two at the very nanosecond of the newest seen.
    let newest = base + 5999 * 250_000_000 + 1;
    loki.add(
        &[("app", "payments"), ("pod", "p-1")],
        newest,
        "request 20000",
    );
    loki.add(
        &[("app", "payments"), ("pod", "p-3")],
        ns_ago(0.5),
        "request 20001",
    );
    let live = |lines: &[LogLine], _: &[SourceStatus]| lines.len() >= 12_002;
    assert!(followed.until(live).await, "{}", followed.lines.len());
    // A few more polls: nothing comes twice.
    tokio::time::sleep(Duration::from_secs(5)).await;
    followed.drain();
    let last: Vec<_> = followed.lines[11_995..]
        .iter()
        .map(|l| (l.time, l.text.as_str()))
        .collect();
    assert_eq!(
        followed.lines.len(),
        12_002,
        "the last lines {last:?}, said {:?}",
        followed.said()
    );
    assert_eq!(
        followed.said().last().map(String::as_str),
        Some(r#"reading loki {app="payments"} at URL (tail)"#.replace("URL", &url).as_str()),
        "{:?}",
        followed.statuses
    );
    assert_eq!(loki.tails.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_keeps_the_newest_and_a_failing_or_hanging_loki_loses_nothing() {
    let loki = Arc::new(Loki::default());
    let base = ns_ago(1800.0);
    for n in 0..9_000i64 {
        loki.add(
            &[("app", "payments")],
            base + n * 1_000_000,
            &format!("request {n}"),
        );
    }
    // A proxy that does not upgrade: Loki is polled.
    loki.set_tail(TailMode::Refuse("404 Not Found", "404 page not found"));
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 7_000));
    let done = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter()
            .any(|s| matches!(s, SourceStatus::Backfill(r) if r.done))
    };
    assert!(followed.until(done).await, "{:?}", followed.statuses);
    assert_eq!(
        followed.numbers(),
        (2_000..9_000).collect::<Vec<_>>(),
        "the newest 7,000"
    );
    assert_eq!(followed.report().unwrap().bound, Bound::Lines);
    // Loki fails for a while, then hangs a moment: said in the status, and what was written
    // meanwhile arrives after, once.
    loki.failing.store(3, Ordering::SeqCst);
    loki.add(
        &[("app", "payments")],
        ns_ago(1.0),
        "written while failing 9000",
    );
    let said = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter().any(|s| {
            s.to_string()
                .contains("HTTP 500: too many outstanding requests")
        })
    };
    assert!(followed.until(said).await, "{:?}", followed.statuses);
    let back = |lines: &[LogLine], _: &[SourceStatus]| {
        lines
            .iter()
            .any(|l| l.text.ends_with("written while failing 9000"))
    };
    assert!(followed.until(back).await, "{:?}", followed.statuses);
    loki.hanging.store(true, Ordering::SeqCst);
    loki.add(
        &[("app", "payments")],
        ns_ago(0.5),
        "written while hanging 9001",
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    loki.hanging.store(false, Ordering::SeqCst);
    let after = |lines: &[LogLine], _: &[SourceStatus]| {
        lines
            .iter()
            .any(|l| l.text.ends_with("written while hanging 9001"))
    };
    assert!(followed.until(after).await);
    let mut got = followed.numbers();
    got.sort_unstable();
    got.dedup();
    assert_eq!(got.len(), followed.lines.len(), "no line twice");
    let polling = "(tail refused: HTTP 404: 404 page not found; polling query_range every 2 s)";
    assert!(
        followed.said().iter().any(|s| s.ends_with(polling)),
        "{:?}",
        followed.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_lines_and_labels_reach_the_screen_safe() {
    let loki = Arc::new(Loki::default());
    loki.add(
        &[("app", "payments"), ("pod", "p\u{1b}]0;owned\u{7}-1")],
        ns_ago(10.0),
        "bad \u{1b}[31mred\u{1b}[0m\nsecond line request 1",
    );
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
    // And through the tail.
    assert!(
        followed.until(|_, s| tailing(s)).await,
        "{:?}",
        followed.statuses
    );
    loki.add(
        &[("app", "pay\u{1b}[2J\u{0}ments"), ("pod", "p-\u{9b}1")],
        ns_ago(0.5),
        "\u{1b}]52;c;b3duZWQ=\u{7}clipboard\r\u{8}\u{7f} request 2",
    );
    assert!(
        followed.until(|l, _| l.len() >= 2).await,
        "{:?}",
        followed.statuses
    );
    for line in &followed.lines {
        let text = &line.text;
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("pod=p") && text.contains("request"), "{text}");
    }
    assert!(followed.lines[0].text.ends_with("request 1"));
    assert!(followed.lines[1].text.ends_with("request 2"));
}

#[test]
fn loki_addresses_explain_their_mistakes() {
    let err = SourceSpec::parse(r#"loki:{app="x"}"#).unwrap_err();
    assert!(err.contains("@ and Loki's URL"), "{err}");
    let spec =
        SourceSpec::parse(r#"loki:{app="x"} |= "timeout"@https://logs.example.com"#).unwrap();
    assert!(matches!(spec, SourceSpec::Loki(_)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tenant_and_auth_header_go_with_every_request() {
    let loki = Arc::new(Loki::default());
    loki.add(&[("app", "payments")], ns_ago(5.0), "request 1");
    let url = serve(Arc::clone(&loki)).await;
    let mut spec =
        sitrep::tail::loki::LokiSpec::parse(&format!(r#"{{app="payments"}}@{url}"#)).unwrap();
    spec.tenant = Some("team-a".into());
    spec.headers = vec![(
        "Authorization".into(),
        sitrep::core::secret::Secret::new("Bearer s3cret"),
    )];
    let mut followed = Followed::spawn(SourceSpec::Loki(spec), options(60, 1_000));
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
    assert!(
        followed.until(|_, s| tailing(s)).await,
        "{:?}",
        followed.statuses
    );
    for head in [&loki.last_head, &loki.tail_head] {
        let head = head.lock().unwrap().to_lowercase();
        assert!(head.contains("x-scope-orgid: team-a"), "{head}");
        assert!(head.contains("authorization: bearer s3cret"), "{head}");
    }
    // The secret is never part of what the source says.
    assert!(!format!("{:?}", followed.statuses).contains("s3cret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_the_url_is_sent_as_basic_auth_and_never_shown() {
    let loki = Arc::new(Loki::default());
    loki.add(&[("app", "payments")], ns_ago(5.0), "request 1");
    let url = serve(Arc::clone(&loki)).await;
    let with_password = url.replacen("http://", "http://alice:S3CRET%21pw@", 1);
    let address = format!(r#"loki:{{app="payments"}}@{with_password}"#);
    let spec = SourceSpec::parse(&address).unwrap();
    let SourceSpec::Loki(loki_spec) = &spec else {
        panic!("{spec:?}")
    };
    assert_eq!(loki_spec.url, url, "the URL keeps no user or password");
    assert!(!spec.describe().contains("S3CRET"), "{}", spec.describe());
    let mut followed = Followed::spawn(spec, options(60, 1_000));
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
    // Loki fails a while, so the source says why, with its URL.
    loki.set_tail(TailMode::Refuse("404 Not Found", "404 page not found"));
    loki.end_tails();
    loki.failing.store(2, Ordering::SeqCst);
    assert!(
        followed
            .until(|_, s| s.iter().any(|s| s.to_string().contains("HTTP 500")))
            .await,
        "{:?}",
        followed.statuses
    );
    let said = followed.said().join("\n");
    assert!(
        !said.contains("S3CRET") && !said.contains("alice"),
        "{said}"
    );
    // alice:S3CRET!pw, as Basic auth on the request.
    let head = loki.last_head.lock().unwrap().to_lowercase();
    assert!(
        head.contains("authorization: basic ywxpy2u6uzndukvuixb3"),
        "{head}"
    );
    // A mistyped address repeats itself without the password.
    let err = SourceSpec::parse(r#"loki:app@http://bob:hunter2@127.0.0.1:3100"#).unwrap_err();
    assert!(
        !err.contains("hunter2") && err.contains("***@127.0.0.1"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_stamped_ahead_of_the_clock_does_not_silence_the_lines_after_it() {
    let loki = Arc::new(Loki::default());
    loki.add(&[("app", "payments")], ns_ago(5.0), "request 1");
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    assert!(
        followed.until(|_, s| tailing(s)).await,
        "{:?}",
        followed.statuses
    );
    // Through the tail, a pod whose clock is ten minutes ahead.
    loki.add(
        &[("app", "payments"), ("pod", "skewed")],
        ns_ago(-600.0),
        "request 2",
    );
    assert!(
        followed.until(|l, _| l.len() >= 2).await,
        "{:?}",
        followed.statuses
    );
    // The tail ends and is refused from then on: the query is polled from the last line, and
    // the other pods' lines go on arriving (they were asked for from ten minutes ahead).
    loki.set_tail(TailMode::Refuse("404 Not Found", "404 page not found"));
    loki.end_tails();
    for n in 3..6 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        loki.add(&[("app", "payments")], ns_ago(0.1), &format!("request {n}"));
    }
    assert!(
        followed.until(|l, _| l.len() >= 5).await,
        "{:?} {:?}",
        followed.numbers(),
        followed.statuses
    );
    let mut got = followed.numbers();
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3, 4, 5], "each line once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loki_failing_as_it_opens_still_gives_the_hour_before() {
    let loki = Arc::new(Loki::default());
    for n in 1..4 {
        loki.add(
            &[("app", "payments")],
            ns_ago(600.0 - n as f64),
            &format!("request {n}"),
        );
    }
    loki.failing.store(2, Ordering::SeqCst);
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    let done = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter()
            .any(|s| matches!(s, SourceStatus::Backfill(r) if r.done))
    };
    assert!(followed.until(done).await, "{:?}", followed.statuses);
    assert_eq!(followed.numbers(), [1, 2, 3]);
    let retried = followed
        .said()
        .iter()
        .filter(|s| s.contains("HTTP 500") && s.contains("asking again in"))
        .count();
    assert_eq!(retried, 2, "{:?}", followed.statuses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loki_that_asks_to_wait_is_not_asked_again_sooner() {
    let loki = Arc::new(Loki::default());
    loki.add(&[("app", "payments")], ns_ago(30.0), "request 1");
    // Two refusals asking for 2 s each, where the source's own backoff is 200 ms.
    loki.throttle_secs.store(2, Ordering::SeqCst);
    loki.failing.store(2, Ordering::SeqCst);
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
    let said = followed.said().join("\n");
    assert!(
        said.contains("HTTP 429: slow down; asking again in 2s"),
        "{said}"
    );
    let at = loki.ranges_at.lock().unwrap().clone();
    assert!(at.len() >= 3, "{at:?}");
    for pair in at[..3].windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(1_900),
            "asked again after {gap:?}"
        );
    }
}

/// Waits (at most 20 s) until `done` holds; returns whether it did.
async fn eventually(done: impl Fn() -> bool) -> bool {
    for _ in 0..200 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Serves `loki` and follows it until the source says it tails.
async fn tailed(loki: &Arc<Loki>) -> Followed {
    let url = serve(Arc::clone(loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    assert!(
        followed.until(|_, s| tailing(s)).await,
        "{:?}",
        followed.statuses
    );
    followed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_ended_by_loki_is_reopened_and_the_gap_arrives_once() {
    let loki = Arc::new(Loki::default());
    loki.add(&[("app", "payments")], ns_ago(60.0), "request 1");
    let mut followed = tailed(&loki).await;
    loki.add(&[("app", "payments")], ns_ago(0.1), "request 2");
    assert!(
        followed.until(|l, _| l.len() >= 2).await,
        "{:?}",
        followed.statuses
    );
    // The tail reaches `tail_max_duration`; lines are written before the next one opens, and
    // that one has no history: only the repair through query_range can bring them.
    loki.no_history.store(true, Ordering::SeqCst);
    loki.end_tails();
    for n in 3..=5 {
        loki.add(
            &[("app", "payments")],
            ns_ago(0.05),
            &format!("request {n}"),
        );
    }
    assert!(
        followed.until(|l, _| l.len() >= 5).await,
        "{:?}",
        followed.statuses
    );
    assert!(eventually(|| loki.tails.load(Ordering::SeqCst) >= 2).await);
    loki.add(&[("app", "payments")], ns_ago(0.0), "request 6");
    assert!(
        followed.until(|l, _| l.len() >= 6).await,
        "{:?}",
        followed.statuses
    );
    // Another tail ending, with history this time: what it repeats is not shown twice.
    loki.no_history.store(false, Ordering::SeqCst);
    loki.end_tails();
    assert!(eventually(|| loki.tails.load(Ordering::SeqCst) >= 3).await);
    loki.add(&[("app", "payments")], ns_ago(0.0), "request 7");
    assert!(
        followed.until(|l, _| l.len() >= 7).await,
        "{:?}",
        followed.statuses
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    followed.drain();
    let mut got = followed.numbers();
    got.sort_unstable();
    assert_eq!(got, (1..=7).collect::<Vec<_>>(), "each line once");
    assert!(
        followed.said().iter().all(|s| !s.contains("refused")),
        "a routine end is no refusal: {:?}",
        followed.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_tail_is_said_and_polling_brings_the_lines() {
    let loki = Arc::new(Loki::default());
    loki.set_tail(TailMode::Refuse(
        "429 Too Many Requests",
        "max concurrent tail requests limit exceeded, count > limit (11 > 10)\n",
    ));
    loki.add(&[("app", "payments")], ns_ago(60.0), "request 1");
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    let polling = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter().any(|s| s.to_string().ends_with(
            "(tail refused: HTTP 429: max concurrent tail requests limit exceeded, count > limit (11 > 10); polling query_range every 2 s)",
        ))
    };
    assert!(followed.until(polling).await, "{:?}", followed.statuses);
    loki.add(&[("app", "payments")], ns_ago(0.1), "request 2");
    assert!(
        followed.until(|l, _| l.len() >= 2).await,
        "{:?}",
        followed.statuses
    );
    assert_eq!(followed.numbers(), [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_closed_at_once_with_lokis_words_is_a_refusal() {
    // Loki's own way: the upgrade succeeds, its limit says no in the close frame.
    refused_then_polled(
        TailMode::CloseAtOnce(
            "max concurrent tail requests limit exceeded, count > limit (11 > 10)",
        ),
        "max concurrent tail requests limit exceeded, count > limit (11 > 10)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_and_out_of_order_tail_lines_arrive_once_each() {
    let loki = Arc::new(Loki::default());
    let mut followed = tailed(&loki).await;
    loki.repeat.store(true, Ordering::SeqCst);
    loki.add(
        &[("app", "payments"), ("pod", "p-1")],
        ns_ago(0.0),
        "request 1",
    );
    // Another stream's line from 3 s before, reaching Loki late; then one at the same time and
    // line as the first, in another stream (not a duplicate).
    loki.add(
        &[("app", "payments"), ("pod", "p-2")],
        ns_ago(3.0),
        "request 2",
    );
    let first = loki.entries.lock().unwrap()[0].1;
    loki.add(&[("app", "payments"), ("pod", "p-3")], first, "request 1");
    assert!(
        followed.until(|l, _| l.len() >= 3).await,
        "{:?}",
        followed.statuses
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    followed.drain();
    // In which order the late line comes among the others depends on when each message is read
    // (a loaded machine reads two in one go): what counts is each once, at its own time.
    let mut numbers = followed.numbers();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 1, 2], "each sent twice, shown once");
    let pod = |p: &str| {
        followed
            .lines
            .iter()
            .find(|l| l.text.contains(&format!("pod={p}")))
            .unwrap_or_else(|| panic!("no line of {p}"))
    };
    assert!(pod("p-2").time < pod("p-1").time, "shown at its own time");
    assert_eq!(pod("p-3").time, pod("p-1").time);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_loki_dropped_from_its_tail_are_fetched_again_and_said() {
    let loki = Arc::new(Loki::default());
    let mut followed = tailed(&loki).await;
    loki.drop_next.store(3, Ordering::SeqCst);
    for n in 1..=4 {
        loki.add(&[("app", "payments")], ns_ago(0.0), &format!("request {n}"));
    }
    assert!(
        followed.until(|l, _| l.len() >= 4).await,
        "{:?}",
        followed.statuses
    );
    let said = |_: &[LogLine], s: &[SourceStatus]| {
        s.last().is_some_and(|s| {
            s.to_string().ends_with(
                "(tail; Loki dropped 3 lines from its tail, 3 fetched again through query_range)",
            )
        })
    };
    assert!(followed.until(said).await, "{:?}", followed.statuses);
    let mut got = followed.numbers();
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_loki_dropped_and_no_longer_has_are_said_as_lost() {
    let loki = Arc::new(Loki::default());
    let mut followed = tailed(&loki).await;
    // Dropped from the tail and not in the store (deleted by retention, say).
    for n in 0..2 {
        let entry = stored(&[("app", "payments")], ns_ago(0.0) + n, "gone");
        let _ = loki.live.send(Live::Dropped(entry));
    }
    loki.add(&[("app", "payments")], ns_ago(0.0), "request 1");
    let lost = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter().any(|s| {
            matches!(
                s,
                SourceStatus::Dropped {
                    by: Dropper::Loki,
                    by_source: 2,
                    ..
                }
            ) && s.to_string()
                == "Loki dropped 2 lines (its tail could not keep up): the log is incomplete"
        })
    };
    assert!(followed.until(lost).await, "{:?}", followed.statuses);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_upgrade_falls_back_to_polling() {
    refused_then_polled(TailMode::Hang, "no answer within 10 s").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_that_says_nothing_falls_back_to_polling() {
    refused_then_polled(
        TailMode::Mute,
        "no word from it for 15 s, though Loki pings every second",
    )
    .await;
}

/// A tail that answers as `mode` is said refused for `why`, and polling brings a new line.
async fn refused_then_polled(mode: TailMode, why: &str) {
    let loki = Arc::new(Loki::default());
    loki.set_tail(mode);
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    let said = format!("(tail refused: {why}; polling query_range every 2 s)");
    let polling =
        |_: &[LogLine], s: &[SourceStatus]| s.iter().any(|s| s.to_string().ends_with(&said));
    assert!(followed.until(polling).await, "{:?}", followed.statuses);
    // Polling asks from the newest time delivered (here: when the source started) on.
    loki.add(&[("app", "payments")], ns_ago(0.0), "request 1");
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
}
