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
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// One stored entry: its stream's labels, its time in ns, its line.
pub type Stored = (BTreeMap<String, String>, i64, String);

/// How the tail endpoint answers.
#[derive(Clone, Default)]
pub enum TailMode {
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
pub enum Live {
    Entry(Stored),
    /// An entry Loki could not send: said in the next message's `dropped_entries`.
    Dropped(Stored),
    /// The end of `tail_max_duration`.
    End,
}

pub struct Loki {
    pub entries: Mutex<Vec<Stored>>,
    pub tail: Mutex<TailMode>,
    pub live: broadcast::Sender<Live>,
    /// Tails upgraded so far.
    pub tails: AtomicUsize,
    /// The next this many entries added are stored, but dropped from the tails.
    pub drop_next: AtomicUsize,
    /// Tails send every message twice.
    pub repeat: AtomicBool,
    /// Tails send no history first (so only `query_range` repairs a gap).
    pub no_history: AtomicBool,
    /// Answer HTTP 500 to this many requests.
    pub failing: AtomicUsize,
    /// When set, those failures are `429 Too Many Requests` with `Retry-After` of this many seconds.
    pub throttle_secs: AtomicUsize,
    /// When each `query_range` request came.
    pub ranges_at: Mutex<Vec<std::time::Instant>>,
    /// Answer nothing while set.
    pub hanging: AtomicBool,
    pub requests: AtomicUsize,
    /// The last request's head (its request line and headers).
    pub last_head: Mutex<String>,
    /// The last tail request's head.
    pub tail_head: Mutex<String>,
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
            throttle_secs: AtomicUsize::default(),
            ranges_at: Mutex::default(),
            hanging: AtomicBool::default(),
            requests: AtomicUsize::default(),
            last_head: Mutex::default(),
            tail_head: Mutex::default(),
        }
    }
}

pub fn stored(labels: &[(&str, &str)], ns: i64, line: &str) -> Stored {
    let labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (labels, ns, line.to_string())
}

impl Loki {
    /// Stores an entry, and tails it (or says it dropped it).
    pub fn add(&self, labels: &[(&str, &str)], ns: i64, line: &str) {
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
    pub fn end_tails(&self) {
        let _ = self.live.send(Live::End);
    }

    pub fn set_tail(&self, mode: TailMode) {
        *self.tail.lock().unwrap() = mode;
    }

    /// The tail's first message: the newest `limit` entries from `start`, oldest first.
    pub fn history(&self, query: &BTreeMap<String, String>) -> Vec<Stored> {
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

    pub fn answer(&self, query: &BTreeMap<String, String>) -> String {
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
pub fn streams(hits: Vec<Stored>) -> Vec<serde_json::Value> {
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
pub async fn tail(
    mut stream: TcpStream,
    head: &str,
    query: &BTreeMap<String, String>,
    loki: &Loki,
) {
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
    // Subscribed before the upgrade is answered: once the client sees the tail open, nothing sent
    // to it can be missed (a test sends entries as soon as its source says "tail").
    let mut live = loki.live.subscribe();
    if stream.write_all(upgrade.as_bytes()).await.is_err() {
        return;
    }
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
pub async fn serve(loki: Arc<Loki>) -> String {
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
                if path == "/loki/api/v1/query_range" {
                    loki.ranges_at
                        .lock()
                        .unwrap()
                        .push(std::time::Instant::now());
                }
                let throttle = loki.throttle_secs.load(Ordering::SeqCst);
                let mut extra = String::new();
                let (status, body) = if path != "/loki/api/v1/query_range" {
                    ("404 Not Found", "404 page not found".to_string())
                } else if loki
                    .failing
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    if throttle > 0 {
                        extra = format!("Retry-After: {throttle}\r\n");
                        ("429 Too Many Requests", "slow down".to_string())
                    } else {
                        (
                            "500 Internal Server Error",
                            "too many outstanding requests".to_string(),
                        )
                    }
                } else {
                    ("200 OK", loki.answer(&query))
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    url
}
