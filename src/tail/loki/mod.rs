//! Following a LogQL query in Grafana Loki: the hour before from `query_range` (the HTTP API's
//! `GET /loki/api/v1/query_range`), paged newest first within the backfill's bound, then live lines
//! from its websocket tail (`GET /loki/api/v1/tail`).
//!
//! ```text
//!  loki:{app="payments"}@http://loki:3100 ──query_range (backward pages)──> the hour before
//!                                         ──query_range from the last time (the gap)──┐
//!                                         ──tail from the last time (a websocket)─────┴> live lines
//!        tail refused, held or silent ──> query_range every 2 s, the tail asked again in 5 min
//! ```
//! Loki answers at most `limit` (5000) entries a request: a full page is followed by the next one,
//! from the last time seen. A request starts *at* a time seen (Loki's `start` is inclusive), so
//! entries sharing that nanosecond are not missed; the ones already delivered are dropped by
//! their (stream labels, time, line) (`seen`). Each line shows its own time (the entry's), the
//! stream labels the user picks, and the line, sanitized.
//!
//! The tail (`live`, `socket`): reqwest asks for the upgrade with the tenant and the headers and
//! checks `101` and `Sec-WebSocket-Accept`; tungstenite reads the frames. It starts at the last
//! time seen less 10 s (late lines), after `query_range` has brought everything from there on,
//! and is opened again whenever it ends (Loki ends every tail after `tail_max_duration`, an hour
//! by default; a restart; the network), the gap repaired the same way first. The tail gives lines
//! out of order (streams reach Loki apart, Loki takes late writes), so the newest time seen
//! cannot stand for what came before it: every entry of the last minute behind the newest (as it
//! stood a minute before) is remembered (at most 50,000), and a line never delivered is delivered
//! however old.
//!
//! A tail is *refused* when the upgrade is answered with another status (a proxy without
//! websockets: 404, 400; a limit: 429), is not answered within 10 s, ends within 10 s having given
//! nothing (Loki's limit on concurrent tails says so in its close frame, right after the upgrade),
//! or says nothing for 15 s (Loki pings every second). The source then polls `query_range` every
//! 2 s from the last line delivered, says so with the words of the refusal, and asks for the tail
//! again after 5 minutes. An answer that fails or hangs (30 s) is said in the source's status and
//! asked again with backoff; nothing is skipped, since the next request starts at the last line
//! delivered. Polling does not see a line that reaches Loki after a newer one was delivered; the
//! tail does.
//!
//! Entries Loki could not send on the tail (`dropped_entries`: its labels and time) are still in
//! its store: they are asked for again through `query_range` over their times, at once. How many
//! were dropped and fetched again is part of the reading status; those not found again are said as
//! [`SourceStatus::Dropped`] by Loki (at most once a minute, recorded like journald's).

mod live;
mod query;
mod seen;
mod socket;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::Sender;

use self::query::{Client, history};
use self::seen::Seen;
use super::handle::HandleKind;
use super::program::{Closed, send};
use super::{
    BackfillReport, LogLine, SourceStatus, TailEvent, TailOptions, level::detect_level,
    lines::sanitize_line,
};
use crate::core::secret::Secret;

/// Entries asked for in one request (Loki's default `max_entries_limit_per_query` is 5000).
pub const PAGE: usize = 5000;
/// How often new lines are asked for.
pub const POLL: Duration = Duration::from_secs(2);
/// The longest an answer may take.
pub(super) const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines a reader of `sitrep tail` starts with, as `tail` does (no backfill).
const HISTORY: usize = 200;

/// Which Loki, which query, and how its lines are shown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LokiSpec {
    /// Where Loki answers (`http://loki:3100`), without the API path.
    pub url: String,
    /// The LogQL log query (`{app="payments"} |= "error"`).
    pub query: String,
    /// The tenant (`X-Scope-OrgID`), for a multi-tenant Loki.
    pub tenant: Option<String>,
    /// Stream labels shown with each line (`app`, `pod`); none: all of them.
    pub labels: Vec<String>,
    /// Request headers (auth), by reference to the environment in the config.
    pub headers: Vec<(String, Secret)>,
}

impl LokiSpec {
    /// Reads the part of a source address after `loki:`: `QUERY@URL`, the URL starting `http://`
    /// or `https://` (`{app="payments"}@http://127.0.0.1:3100`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let split = ["@http://", "@https://"]
            .iter()
            .filter_map(|m| text.rfind(m))
            .max();
        let Some(at) = split else {
            return Err(
                "write the LogQL query, then @ and Loki's URL, like loki:{app=\"payments\"}@http://127.0.0.1:3100"
                    .into(),
            );
        };
        let (query, url) = (text[..at].trim(), &text[at + 1..]);
        if !query.starts_with('{') {
            return Err(format!(
                "`{query}` is not a LogQL log query: it starts with a stream selector, like {{app=\"payments\"}}"
            ));
        }
        let (url, basic) = split_credentials(url);
        Ok(LokiSpec {
            url: url.trim_end_matches('/').to_string(),
            query: query.to_string(),
            headers: basic
                .map(|b| vec![("Authorization".to_string(), b)])
                .unwrap_or_default(),
            ..LokiSpec::default()
        })
    }

    /// A short human name.
    pub fn describe(&self) -> String {
        format!("loki {} at {}", self.query, self.url)
    }
}

pub(crate) fn spawn(
    source: usize,
    spec: LokiSpec,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> HandleKind {
    super::handle::task(source, "loki", tx, |tx| run(source, spec, tx, opts))
}

/// The URL without the `user:pass@` it carries, and those as a Basic `Authorization` value: the
/// password is sent as a header and never shown or recorded with the URL (a panel's title, a
/// status, an error, the timeline).
fn split_credentials(url: &str) -> (String, Option<Secret>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return (url.to_string(), None);
    };
    let (user, pass) = rest[..at].split_once(':').unwrap_or((&rest[..at], ""));
    let pair = format!("{}:{}", percent_decoded(user), percent_decoded(pass));
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
    (
        format!("{scheme}://{}", &rest[at + 1..]),
        Some(Secret::new(format!("Basic {basic}"))),
    )
}

/// A source address (`loki:QUERY@URL`) as it may be shown: a password in its URL written `***`.
pub fn shown_address(address: &str) -> String {
    let Some(at) = ["@http://", "@https://"].iter().filter_map(|m| address.rfind(m)).max() else {
        return address.to_string();
    };
    let (head, url) = address.split_at(at + 1);
    match split_credentials(url) {
        (plain, Some(_)) => {
            let (scheme, rest) = plain.split_once("://").unwrap_or(("", &plain));
            format!("{head}{scheme}://***@{rest}")
        }
        (_, None) => address.to_string(),
    }
}

/// `%40` and the like read as the bytes they stand for (a user or password in a URL).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A stream's labels, shared by its entries.
type Labels = std::sync::Arc<BTreeMap<String, String>>;


/// One entry as Loki gives it: its stream's labels, its time in ns, its line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    labels: Labels,
    ns: i64,
    line: String,
}

fn ns_of(t: DateTime<Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

async fn run(source: usize, spec: LokiSpec, tx: Sender<TailEvent>, opts: TailOptions) {
    let _ = follow(source, spec, &tx, &opts).await;
}

async fn follow(
    source: usize,
    spec: LokiSpec,
    tx: &Sender<TailEvent>,
    opts: &TailOptions,
) -> Result<(), Closed> {
    let what = spec.describe();
    let client = match Client::new(spec.clone()) {
        Ok(client) => client,
        Err(message) => return send(tx, source, SourceStatus::Error { message }).await,
    };
    let reading = SourceStatus::Reading { what: what.clone() };
    send(tx, source, reading).await?;
    let mut seen = Seen::default();
    let now = Utc::now();
    // The start: the hour before (newest first, within the cap), or tail's last lines.
    let (first, report) = match (&opts.backfill, opts.from_start) {
        (Some(backfill), false) => {
            let (start, end) = (ns_of(backfill.since), ns_of(now));
            let found = asked_again(&client, tx, source, &what, opts, || {
                history(&client, start, end, backfill.max_lines)
            })
            .await?;
            match found {
                Ok((entries, bound)) => {
                    let report = BackfillReport {
                        lines: entries.len() as u64,
                        total: entries.len() as u64,
                        reached: entries.first().map(|e| time_of(e.ns)),
                        bound,
                        done: true,
                    };
                    (entries, Some(report))
                }
                Err(message) => {
                    let message = format!("{what}: {message}");
                    send(tx, source, SourceStatus::Error { message }).await?;
                    (Vec::new(), None)
                }
            }
        }
        (backfill, from_start) => {
            // No backfill: tail's last lines of the last hour (all of them from the start).
            let (start, max) = match (backfill, from_start) {
                (_, true) => (0, usize::MAX),
                _ => (ns_of(now - chrono::TimeDelta::hours(1)), HISTORY),
            };
            let found =
                asked_again(&client, tx, source, &what, opts, || history(&client, start, ns_of(now), max))
                    .await?;
            match found {
                Ok((entries, _)) => (entries, None),
                Err(message) => {
                    let message = format!("{what}: {message}");
                    send(tx, source, SourceStatus::Error { message }).await?;
                    (Vec::new(), None)
                }
            }
        }
    };
    let first = seen.fresh(first);
    if seen.newest() == 0 {
        // Nothing in the window: live lines start now.
        seen.start_at(ns_of(now));
    }
    deliver(source, &spec, first, tx, opts).await?;
    if let Some(report) = report {
        send(tx, source, SourceStatus::Backfill(report)).await?;
    }
    // Then new lines, from the last one delivered on.
    live::Live::new(source, &spec, &client, tx, opts, seen)
        .follow()
        .await
}

/// What `ask` answers, asked again while it fails (at most four times, with the source's backoff):
/// a Loki that answers 500 or 429 as the cockpit opens still gives the hour before, where one
/// failure had left it out for good. Each failure but the last is said with its retry.
async fn asked_again<T, F: std::future::Future<Output = Result<T, String>>>(
    client: &Client,
    tx: &Sender<TailEvent>,
    source: usize,
    what: &str,
    opts: &TailOptions,
    mut ask: impl FnMut() -> F,
) -> Result<Result<T, String>, Closed> {
    let mut delay = opts.restart_min;
    for _ in 0..3 {
        match ask().await {
            Ok(found) => return Ok(Ok(found)),
            Err(message) => {
                let wait = client.wait_before_asking(delay);
                let retry = crate::core::duration::glance(wait);
                let message = format!("{what}: {message}; asking again in {retry}");
                send(tx, source, SourceStatus::Error { message }).await?;
                tokio::time::sleep(wait).await;
                delay = opts.longer(delay);
            }
        }
    }
    Ok(ask().await)
}

fn time_of(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// Turns entries into lines and sends them.
async fn deliver(
    source: usize,
    spec: &LokiSpec,
    entries: Vec<Entry>,
    tx: &Sender<TailEvent>,
    opts: &TailOptions,
) -> Result<(), Closed> {
    let received = Utc::now();
    for chunk in entries.chunks(512) {
        let lines: Vec<LogLine> = chunk
            .iter()
            .map(|e| line_of(source, spec, e, received, opts.max_line_bytes))
            .collect();
        let event = TailEvent::Lines {
            source,
            file: None,
            lines,
        };
        tx.send(event).await.map_err(|_| Closed)?;
    }
    Ok(())
}

/// `2026-12-05T00:36:00.123456Z app=payments pod=p-1: the line`, sanitized and capped.
fn line_of(
    source: usize,
    spec: &LokiSpec,
    entry: &Entry,
    received: DateTime<Utc>,
    max_line_bytes: usize,
) -> LogLine {
    let labels: Vec<String> = entry
        .labels
        .iter()
        .filter(|(k, _)| spec.labels.is_empty() || spec.labels.contains(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let prefix = if labels.is_empty() {
        String::new()
    } else {
        format!("{}: ", sanitize_line(labels.join(" ").as_bytes(), 0, 512).0)
    };
    super::stamped_line(
        source,
        Some(time_of(entry.ns)),
        &prefix,
        (entry.line.as_bytes(), 0),
        detect_level,
        received,
        max_line_bytes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_a_query_and_a_url() {
        let spec = LokiSpec::parse(r#"{app="payments"} |= "error"@http://127.0.0.1:3100/"#).unwrap();
        assert_eq!(spec.query, r#"{app="payments"} |= "error""#);
        assert_eq!(spec.url, "http://127.0.0.1:3100");
        assert!(LokiSpec::parse(r#"{app="x"}"#).unwrap_err().contains("@ and Loki's URL"));
        assert!(LokiSpec::parse("app@http://x").unwrap_err().contains("stream selector"));
    }
}
