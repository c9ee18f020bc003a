//! Loki sources against a small in-process Loki: no Loki server can run on this machine, so this
//! one is written from Loki's published HTTP API (`GET /loki/api/v1/query_range`: `query`,
//! `start` inclusive and `end` exclusive in nanoseconds, `limit`, `direction`; the answer is
//! `{"status":"success","data":{"resultType":"streams","result":[{"stream":{labels},"values":
//! [["<ns>","<line>"],…]}]}}`, at most `limit` entries, the newest first when `backward`).
//! It can fail (HTTP 500) or hang on request, as a busy Loki does.
//!
//! Its tail (`GET /loki/api/v1/tail`, a websocket: `query`, `start` in ns, `limit`, `delay_for`)
//! sends first the newest `limit` entries from `start`, then each new entry as a message
//! `{"streams":[…],"dropped_entries":[{"labels":{…},"timestamp":"<ns>"}]}` (the entries it could
//! not send since the last message, or null), pings every second,
//! and ends with a close frame that says why (code 1011 and the error, as Loki does when
//! `tail_max_duration` is reached or its limit on concurrent tails refuses one). It can refuse the
//! upgrade with an HTTP status, hang the upgrade, or open a tail that never says a word.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use futures_util::{SinkExt, StreamExt};
use sitrep::tail::{
    Backfill, BackfillReport, Bound, Dropper, LogLine, SourceSpec, SourceStatus, TailEvent,
    TailOptions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

mod source_support;

use source_support::Followed;

/// One stored entry: its stream's labels, its time in ns, its line.
type Stored = (BTreeMap<String, String>, i64, String);

/// How the tail endpoint answers.
#[derive(Clone, Default)]
enum TailMode {
    /// Upgrades, and tails.
    #[default]
    Open,
    /// Answers this status line and body instead.
    Refuse(&'static str, &'static str),
    /// Upgrades, then closes at once with code 1011 and these words.
    CloseAtOnce(&'static str),
    /// Never answers the upgrade.
    Hang,
    /// Upgrades, then says nothing, not even a ping.
    Mute,
}

/// What open tails are told.
#[derive(Clone)]
enum Live {
    Entry(Stored),
    /// An entry Loki could not send: said in the next message's `dropped_entries`.
    Dropped(Stored),
    /// The end of `tail_max_duration`.
    End,
}

struct Loki {
    entries: Mutex<Vec<Stored>>,
    tail: Mutex<TailMode>,
    live: broadcast::Sender<Live>,
    /// Tails upgraded so far.
    tails: AtomicUsize,
    /// The next this many entries added are stored, but dropped from the tails.
    drop_next: AtomicUsize,
    /// Tails send every message twice.
    repeat: AtomicBool,
    /// Tails send no history first (so only `query_range` repairs a gap).
    no_history: AtomicBool,
    /// Answer HTTP 500 to this many requests.
    failing: AtomicUsize,
    /// Answer nothing while set.
    hanging: AtomicBool,
    requests: AtomicUsize,
    /// The last request's head (its request line and headers).
    last_head: Mutex<String>,
    /// The last tail request's head.
    tail_head: Mutex<String>,
}

impl Default for Loki {
    fn default() -> Self {
        Loki {
            entries: Mutex::default(),
            tail: Mutex::default(),
            live: broadcast::channel(4096).0,
            tails: AtomicUsize::default(),
            drop_next: AtomicUsize::default(),
            repeat: AtomicBool::default(),
            no_history: AtomicBool::default(),
            failing: AtomicUsize::default(),
            hanging: AtomicBool::default(),
            requests: AtomicUsize::default(),
            last_head: Mutex::default(),
            tail_head: Mutex::default(),
        }
    }
}

fn stored(labels: &[(&str, &str)], ns: i64, line: &str) -> Stored {
    let labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (labels, ns, line.to_string())
}

impl Loki {
    /// Stores an entry, and tails it (or says it dropped it).
    fn add(&self, labels: &[(&str, &str)], ns: i64, line: &str) {
        let entry = stored(labels, ns, line);
        self.entries.lock().unwrap().push(entry.clone());
        let dropped = self
            .drop_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let _ = self.live.send(if dropped {
            Live::Dropped(entry)
        } else {
            Live::Entry(entry)
        });
    }

    /// Ends every open tail, as `tail_max_duration` does.
    fn end_tails(&self) {
        let _ = self.live.send(Live::End);
    }

    fn set_tail(&self, mode: TailMode) {
        *self.tail.lock().unwrap() = mode;
    }

    /// The tail's first message: the newest `limit` entries from `start`, oldest first.
    fn history(&self, query: &BTreeMap<String, String>) -> Vec<Stored> {
        if self.no_history.load(Ordering::SeqCst) {
            return Vec::new();
        }
        let number = |k: &str| query.get(k).and_then(|v| v.parse::<i64>().ok());
        let start = number("start").unwrap_or(0);
        let limit = number("limit").unwrap_or(100) as usize;
        let mut hits: Vec<Stored> = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, ns, _)| *ns >= start)
            .cloned()
            .collect();
        hits.sort_by_key(|(_, ns, _)| *ns);
        hits.split_off(hits.len().saturating_sub(limit))
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
        let result = streams(hits);
        serde_json::json!({"status": "success", "data": {"resultType": "streams", "result": result}})
            .to_string()
    }
}

/// Entries grouped in streams, as Loki writes them.
fn streams(hits: Vec<Stored>) -> Vec<serde_json::Value> {
    let mut streams: BTreeMap<String, (serde_json::Value, Vec<serde_json::Value>)> =
        BTreeMap::new();
    for (labels, ns, line) in hits {
        let key = serde_json::to_string(&labels).unwrap();
        let stream = streams
            .entry(key)
            .or_insert_with(|| (serde_json::to_value(&labels).unwrap(), Vec::new()));
        stream.1.push(serde_json::json!([ns.to_string(), line]));
    }
    streams
        .into_values()
        .map(|(stream, values)| serde_json::json!({"stream": stream, "values": values}))
        .collect()
}

/// Answers `/loki/api/v1/tail` as the fake's tail mode says.
async fn tail(mut stream: TcpStream, head: &str, query: &BTreeMap<String, String>, loki: &Loki) {
    *loki.tail_head.lock().unwrap() = head.to_string();
    let mode = loki.tail.lock().unwrap().clone();
    let close = match mode {
        TailMode::Refuse(status, body) => {
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            return;
        }
        TailMode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        TailMode::CloseAtOnce(words) => Some(words),
        TailMode::Open | TailMode::Mute => None,
    };
    let key = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    let upgrade = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    if stream.write_all(upgrade.as_bytes()).await.is_err() {
        return;
    }
    let mut live = loki.live.subscribe();
    loki.tails.fetch_add(1, Ordering::SeqCst);
    let mut ws = WebSocketStream::from_raw_socket(stream, Role::Server, None).await;
    let frame = |reason: &str| CloseFrame {
        code: CloseCode::Error,
        reason: reason.to_string().into(),
    };
    if let Some(words) = close {
        let _ = ws.close(Some(frame(words))).await;
        return;
    }
    if matches!(mode, TailMode::Mute) {
        while let Some(Ok(_)) = ws.next().await {}
        return;
    }
    let history = loki.history(query);
    if !history.is_empty() {
        let message = serde_json::json!({"streams": streams(history), "dropped_entries": null});
        if ws.send(Message::text(message.to_string())).await.is_err() {
            return;
        }
    }
    let mut ping = tokio::time::interval(Duration::from_secs(1));
    // As Loki's tailer: what it could not send is said with the next message it sends.
    let mut dropped: Vec<Stored> = Vec::new();
    loop {
        let message = tokio::select! {
            live = live.recv() => match live {
                Ok(Live::Entry(entry)) => {
                    let dropped: Vec<serde_json::Value> = dropped
                        .drain(..)
                        .map(|(labels, ns, _): Stored| {
                            serde_json::json!({"labels": labels, "timestamp": ns.to_string()})
                        })
                        .collect();
                    let dropped = (!dropped.is_empty()).then_some(dropped);
                    serde_json::json!({"streams": streams(vec![entry]), "dropped_entries": dropped})
                }
                Ok(Live::Dropped(entry)) => {
                    dropped.push(entry);
                    continue;
                }
                Ok(Live::End) => {
                    let _ = ws.close(Some(frame("reached tail max duration limit"))).await;
                    return;
                }
                Err(_) => return,
            },
            _ = ping.tick() => {
                if ws.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
                continue;
            }
            heard = ws.next() => match heard {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => continue,
            },
        };
        let times = if loki.repeat.load(Ordering::SeqCst) {
            2
        } else {
            1
        };
        for _ in 0..times {
            if ws.send(Message::text(message.to_string())).await.is_err() {
                return;
            }
        }
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
                if path == "/loki/api/v1/tail" {
                    return tail(stream, &text, &query, &loki).await;
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
    assert_eq!(followed.lines.len(), 12_002);
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
    let loki = Arc::new(Loki::default());
    // Loki's own way: the upgrade succeeds, its limit says no in the close frame.
    loki.set_tail(TailMode::CloseAtOnce(
        "max concurrent tail requests limit exceeded, count > limit (11 > 10)",
    ));
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    let polling = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter().any(|s| s.to_string().ends_with(
            "(tail refused: max concurrent tail requests limit exceeded, count > limit (11 > 10); polling query_range every 2 s)",
        ))
    };
    assert!(followed.until(polling).await, "{:?}", followed.said());
    // Polling asks from the newest time delivered (here: when the source started) on.
    loki.add(&[("app", "payments")], ns_ago(0.0), "request 1");
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
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
    assert_eq!(followed.numbers(), [1, 2, 1], "each sent twice, shown once");
    assert!(followed.lines[1].text.contains("pod=p-2"));
    assert!(
        followed.lines[1].time < followed.lines[0].time,
        "shown at its own time"
    );
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
    let loki = Arc::new(Loki::default());
    loki.set_tail(TailMode::Hang);
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    let polling = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter().any(|s| {
            s.to_string()
                .ends_with("(tail refused: no answer within 10 s; polling query_range every 2 s)")
        })
    };
    assert!(followed.until(polling).await, "{:?}", followed.statuses);
    loki.add(&[("app", "payments")], ns_ago(0.1), "request 1");
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tail_that_says_nothing_falls_back_to_polling() {
    let loki = Arc::new(Loki::default());
    loki.set_tail(TailMode::Mute);
    let url = serve(Arc::clone(&loki)).await;
    let mut followed = Followed::start(&url, options(60, 1_000));
    let polling = |_: &[LogLine], s: &[SourceStatus]| {
        s.iter().any(|s| {
            s.to_string().ends_with(
                "(tail refused: no word from it for 15 s, though Loki pings every second; polling query_range every 2 s)",
            )
        })
    };
    assert!(followed.until(polling).await, "{:?}", followed.statuses);
    loki.add(&[("app", "payments")], ns_ago(0.1), "request 1");
    assert!(
        followed.until(|l, _| !l.is_empty()).await,
        "{:?}",
        followed.statuses
    );
}
