//! Loki sources against a small in-process Loki: no Loki server can run on this machine, so this
//! one is written from Loki's published HTTP API (`GET /loki/api/v1/query_range`: `query`,
//! `start` inclusive and `end` exclusive in nanoseconds, `limit`, `direction`; the answer is
//! `{"status":"success","data":{"resultType":"streams","result":[{"stream":{labels},"values":
//! [["<ns>","<line>"],…]}]}}`, at most `limit` entries, the newest first when `backward`).
//! It can fail (HTTP 500) or hang on request, as a busy Loki does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use sitrep::tail::{
    Backfill, BackfillReport, Bound, LogLine, SourceSpec, SourceStatus, TailEvent, TailOptions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod source_support;

use source_support::Followed;

/// One stored entry: its stream's labels, its time in ns, its line.
type Stored = (BTreeMap<String, String>, i64, String);

#[derive(Default)]
struct Loki {
    entries: Mutex<Vec<Stored>>,
    /// Answer HTTP 500 to this many requests.
    failing: AtomicUsize,
    /// Answer nothing while set.
    hanging: AtomicBool,
    requests: AtomicUsize,
    /// The last request's head (its request line and headers).
    last_head: Mutex<String>,
}

impl Loki {
    fn add(&self, labels: &[(&str, &str)], ns: i64, line: &str) {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.entries
            .lock()
            .unwrap()
            .push((labels, ns, line.to_string()));
    }

    fn answer(&self, query: &BTreeMap<String, String>) -> String {
        let number = |k: &str| query.get(k).and_then(|v| v.parse::<i64>().ok());
        let (start, end) = (
            number("start").unwrap_or(0),
            number("end").unwrap_or(i64::MAX),
        );
        let limit = number("limit").unwrap_or(100) as usize;
        let backward = query.get("direction").map(String::as_str) != Some("forward");
        let mut hits: Vec<Stored> = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, ns, _)| *ns >= start && *ns < end)
            .cloned()
            .collect();
        hits.sort_by_key(|(_, ns, _)| *ns);
        if backward {
            hits.reverse();
        }
        hits.truncate(limit);
        let mut streams: BTreeMap<String, (serde_json::Value, Vec<serde_json::Value>)> =
            BTreeMap::new();
        for (labels, ns, line) in hits {
            let key = serde_json::to_string(&labels).unwrap();
            let stream = streams
                .entry(key)
                .or_insert_with(|| (serde_json::to_value(&labels).unwrap(), Vec::new()));
            stream.1.push(serde_json::json!([ns.to_string(), line]));
        }
        let result: Vec<serde_json::Value> = streams
            .into_values()
            .map(|(stream, values)| serde_json::json!({"stream": stream, "values": values}))
            .collect();
        serde_json::json!({"status": "success", "data": {"resultType": "streams", "result": result}})
            .to_string()
    }
}

/// Starts the fake Loki on 127.0.0.1 (port 0); returns its URL.
async fn serve(loki: Arc<Loki>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let loki = Arc::clone(&loki);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                loki.requests.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&request).to_string();
                *loki.last_head.lock().unwrap() = text.clone();
                let target = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let query: BTreeMap<String, String> = query
                    .split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                while loki.hanging.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let (status, body) = if path != "/loki/api/v1/query_range" {
                    ("404 Not Found", "404 page not found".to_string())
                } else if loki
                    .failing
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    (
                        "500 Internal Server Error",
                        "too many outstanding requests".to_string(),
                    )
                } else {
                    ("200 OK", loki.answer(&query))
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}

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

    /// The number each line ends with (`request 17`).
    fn numbers(&self) -> Vec<usize> {
        self.lines
            .iter()
            .filter_map(|l| l.text.rsplit(' ').next()?.parse().ok())
            .collect()
    }
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
    while let Ok(event) = followed.rx.try_recv() {
        if let TailEvent::Lines { lines, .. } = event {
            followed.lines.extend(lines);
        }
    }
    assert_eq!(followed.lines.len(), 12_002);
    let status = followed
        .statuses
        .iter()
        .find(|s| matches!(s, SourceStatus::Reading { .. }));
    assert!(
        status
            .unwrap()
            .to_string()
            .contains("polling query_range every 2 s")
    );
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
    let text = &followed.lines[0].text;
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.contains("pod=p") && text.ends_with("request 1"),
        "{text}"
    );
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
    let head = loki.last_head.lock().unwrap().to_lowercase();
    assert!(head.contains("x-scope-orgid: team-a"), "{head}");
    assert!(head.contains("authorization: bearer s3cret"), "{head}");
    // The secret is never part of what the source says.
    assert!(!format!("{:?}", followed.statuses).contains("s3cret"));
}
