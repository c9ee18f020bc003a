//! Loki's live tail: `GET /loki/api/v1/tail` upgraded to a websocket, each message a batch of
//! `{"streams":[…],"dropped_entries":[{"labels":{…},"timestamp":"<ns>"}]}`.
//!
//! reqwest makes the upgrade (so the tail goes through the same TLS, proxy, tenant and headers as
//! `query_range`), tungstenite reads the frames. Loki pings every second and ends a tail with a
//! close frame that says why (its error, or the end of `tail_max_duration`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::{client::generate_key, derive_accept_key};
use tokio_tungstenite::tungstenite::protocol::Role;

use super::query::{Client, Stream, unanswered};
use super::{Entry, Labels, PAGE};
use crate::tail::lines::sanitize_line;

/// The longest the upgrade's answer may take.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Loki pings a tail every second: this long without a frame, the tail is dead or held.
pub(super) const SILENCE: Duration = Duration::from_secs(15);

/// An open tail.
pub(super) struct Tail {
    ws: WebSocketStream<reqwest::Upgraded>,
}

/// What asking for a tail came to.
pub(super) enum Opened {
    Open(Box<Tail>),
    /// Loki (or a proxy before it) answered, and not with a websocket: its words.
    Refused(String),
    /// No answer (Loki down, the network): asked again with backoff.
    Failed(String),
}

/// What a tail said next.
pub(super) enum Heard {
    /// Entries, and the ones Loki says it dropped from the tail (labels, ns).
    Batch {
        entries: Vec<Entry>,
        dropped: Vec<(Labels, i64)>,
    },
    /// The tail ended: why, and whether it went silent (not closed).
    Ended { why: String, silent: bool },
}

/// A tail message (only what is read); Loki writes `null` for an empty list.
#[derive(Deserialize)]
struct Batch {
    #[serde(default)]
    streams: Option<Vec<Stream>>,
    #[serde(default)]
    dropped_entries: Option<Vec<DroppedEntry>>,
}

#[derive(Deserialize)]
struct DroppedEntry {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    timestamp: String,
}

/// Asks for a tail of the query from `start` (ns, inclusive).
pub(super) async fn open(client: &Client, start: i64) -> Opened {
    let query = [
        ("query", client.query()),
        ("start", &start.to_string()),
        ("limit", &PAGE.to_string()),
        ("delay_for", "0"),
    ];
    let url = match client.url("/loki/api/v1/tail", &query) {
        Ok(url) => url,
        Err(message) => return Opened::Failed(message),
    };
    let key = generate_key();
    let asked = client
        .get(url)
        .header(reqwest::header::CONNECTION, "Upgrade")
        .header(reqwest::header::UPGRADE, "websocket")
        .header(reqwest::header::SEC_WEBSOCKET_VERSION, "13")
        .header(reqwest::header::SEC_WEBSOCKET_KEY, &key)
        .timeout(HANDSHAKE_TIMEOUT)
        .send()
        .await;
    let response = match asked {
        Ok(response) => response,
        // Held without an answer: a proxy that keeps websockets waiting, as good as a refusal.
        Err(e) if e.is_timeout() => return Opened::Refused(unanswered(&e, HANDSHAKE_TIMEOUT)),
        Err(e) => return Opened::Failed(unanswered(&e, HANDSHAKE_TIMEOUT)),
    };
    let status = response.status();
    if status != reqwest::StatusCode::SWITCHING_PROTOCOLS {
        let body = tokio::time::timeout(HANDSHAKE_TIMEOUT, response.bytes()).await;
        let body = match body {
            Ok(Ok(body)) => body,
            _ => Default::default(),
        };
        let said = sanitize_line(&body[..body.len().min(300)], 0, 300).0;
        return Opened::Refused(format!("HTTP {}: {}", status.as_u16(), said.trim()));
    }
    let accept = response
        .headers()
        .get(reqwest::header::SEC_WEBSOCKET_ACCEPT)
        .and_then(|v| v.to_str().ok());
    if accept != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Opened::Refused(
            "the upgrade's answer has no Sec-WebSocket-Accept for its key (not a websocket)".into(),
        );
    }
    match response.upgrade().await {
        Ok(upgraded) => {
            let ws = WebSocketStream::from_raw_socket(upgraded, Role::Client, None).await;
            Opened::Open(Box::new(Tail { ws }))
        }
        Err(e) => Opened::Failed(format!("the upgrade broke off: {e}")),
    }
}

impl Tail {
    /// The next batch, or why the tail ended.
    pub(super) async fn next(&mut self) -> Heard {
        loop {
            let frame = match tokio::time::timeout(SILENCE, self.ws.next()).await {
                Ok(frame) => frame,
                Err(_) => {
                    return Heard::Ended {
                        why: format!(
                            "no word from it for {} s, though Loki pings every second",
                            SILENCE.as_secs()
                        ),
                        silent: true,
                    };
                }
            };
            let text = match frame {
                Some(Ok(Message::Text(text))) => text.as_bytes().to_vec(),
                Some(Ok(Message::Binary(bytes))) => bytes.to_vec(),
                Some(Ok(Message::Close(frame))) => {
                    let why = match frame {
                        Some(frame) if !frame.reason.is_empty() => {
                            let reason = frame.reason.as_bytes();
                            sanitize_line(&reason[..reason.len().min(300)], 0, 300).0
                        }
                        Some(frame) => format!("closed ({})", u16::from(frame.code)),
                        None => "closed".into(),
                    };
                    return Heard::Ended { why, silent: false };
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    let why = format!("broke off: {e}");
                    return Heard::Ended { why, silent: false };
                }
                None => {
                    let why = "closed without a word".into();
                    return Heard::Ended { why, silent: false };
                }
            };
            return match serde_json::from_slice::<Batch>(&text) {
                Ok(batch) => {
                    let mut entries = Vec::new();
                    for stream in batch.streams.unwrap_or_default() {
                        stream.entries(&mut entries);
                    }
                    entries.sort_by_key(|e| e.ns);
                    let dropped = batch
                        .dropped_entries
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|d| Some((Arc::new(d.labels), d.timestamp.parse().ok()?)))
                        .collect();
                    Heard::Batch { entries, dropped }
                }
                Err(e) => Heard::Ended {
                    why: format!("a message that is not tail's JSON: {e}"),
                    silent: false,
                },
            };
        }
    }

    /// Says goodbye (best effort, bounded).
    pub(super) async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(None)).await;
    }
}
