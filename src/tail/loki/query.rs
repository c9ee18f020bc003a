//! Asking Loki's `query_range` (`GET /loki/api/v1/query_range`): one page, the hour before paged
//! newest first, and every entry since a time, paged oldest first.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use chrono::Utc;
use serde::Deserialize;

use super::seen::Seen;
use super::{ANSWER_TIMEOUT, Entry, LokiSpec, PAGE, ns_of};
use crate::tail::{Bound, lines::sanitize_line};

/// `query_range`'s answer (only what is read).
#[derive(Deserialize)]
struct Answer {
    data: AnswerData,
}

#[derive(Deserialize)]
struct AnswerData {
    #[serde(default)]
    result: Vec<Stream>,
}

/// One stream of entries, as `query_range` and tail give it.
#[derive(Deserialize)]
pub(super) struct Stream {
    #[serde(default)]
    stream: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<Vec<serde_json::Value>>,
}

impl Stream {
    /// Its entries that have a time and a line.
    pub(super) fn entries(self, into: &mut Vec<Entry>) {
        let labels = std::sync::Arc::new(self.stream);
        for value in self.values {
            let ns = value
                .first()
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<i64>().ok());
            let line = value.get(1).and_then(|v| v.as_str());
            if let (Some(ns), Some(line)) = (ns, line) {
                into.push(Entry {
                    labels: labels.clone(),
                    ns,
                    line: line.to_string(),
                });
            }
        }
    }
}

/// Which way a page is read.
#[derive(Clone, Copy)]
pub(super) enum Direction {
    Forward,
    Backward,
}

pub(super) struct Client {
    http: reqwest::Client,
    spec: LokiSpec,
    /// How long Loki last asked to be left alone (`Retry-After` on a 429 or 503), in ms; taken by
    /// the next wait (0: nothing asked).
    retry_after_ms: std::sync::atomic::AtomicU64,
}

impl Client {
    pub(super) fn new(spec: LokiSpec) -> Result<Self, String> {
        let http = crate::core::http::client_builder()
            .timeout(ANSWER_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot make an HTTP client: {e}"))?;
        Ok(Client {
            http,
            spec,
            retry_after_ms: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The wait before asking again: `delay`, or longer when Loki's last refusal asked for more
    /// (`Retry-After`), which is then forgotten.
    pub(super) fn wait_before_asking(&self, delay: Duration) -> Duration {
        let asked = self
            .retry_after_ms
            .swap(0, std::sync::atomic::Ordering::Relaxed);
        delay.max(Duration::from_millis(asked))
    }

    /// Loki's URL with this API path and query.
    pub(super) fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<reqwest::Url, String> {
        let url = format!("{}{path}", self.spec.url);
        reqwest::Url::parse_with_params(&url, query)
            .map_err(|e| format!("`{}` is not a URL: {e}", self.spec.url))
    }

    /// A GET with the tenant and the headers.
    pub(super) fn get(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        let mut request = self.http.get(url);
        if let Some(tenant) = &self.spec.tenant {
            request = request.header("X-Scope-OrgID", tenant);
        }
        for (name, value) in &self.spec.headers {
            request = request.header(name, value.expose());
        }
        request
    }

    /// The query.
    pub(super) fn query(&self) -> &str {
        &self.spec.query
    }

    /// One page: entries in `[start, end)` ns, at most `limit`, sorted by time (oldest first).
    pub(super) async fn page(
        &self,
        start: i64,
        end: i64,
        limit: usize,
        direction: Direction,
    ) -> Result<Vec<Entry>, String> {
        let direction = match direction {
            Direction::Forward => "forward",
            Direction::Backward => "backward",
        };
        let url = self.url(
            "/loki/api/v1/query_range",
            &[
                ("query", self.spec.query.as_str()),
                ("start", &start.to_string()),
                ("end", &end.to_string()),
                ("limit", &limit.to_string()),
                ("direction", direction),
            ],
        )?;
        let response = self
            .get(url)
            .send()
            .await
            .map_err(|e| unanswered(&e, ANSWER_TIMEOUT))?;
        let status = response.status();
        let asked = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)));
        let retry_after = crate::core::ratelimit::RateLimit::from_headers(asked, chrono::Utc::now())
            .and_then(|r| r.retry_after);
        let body = response
            .bytes()
            .await
            .map_err(|e| format!("the answer broke off: {e}"))?;
        if !status.is_success() {
            if let Some(wait) = retry_after {
                // At most ten minutes: a Loki that asks for more is asked again then.
                let ms = wait.min(Duration::from_secs(600)).as_millis() as u64;
                self.retry_after_ms
                    .store(ms, std::sync::atomic::Ordering::Relaxed);
            }
            let said = sanitize_line(&body[..body.len().min(300)], 0, 300).0;
            return Err(format!("HTTP {}: {said}", status.as_u16()));
        }
        let answer: Answer = serde_json::from_slice(&body)
            .map_err(|e| format!("an answer that is not query_range's JSON: {e}"))?;
        let mut entries = Vec::new();
        for stream in answer.data.result {
            stream.entries(&mut entries);
        }
        entries.sort_by_key(|e| e.ns);
        Ok(entries)
    }
}

/// The newest entries in `[start, end)`, at most `max`, oldest first, and what bounded them.
pub(super) async fn history(
    client: &Client,
    start: i64,
    end: i64,
    max: usize,
) -> Result<(Vec<Entry>, Bound), String> {
    let mut pages: Vec<Vec<Entry>> = Vec::new();
    let mut total = 0usize;
    let mut end = end;
    let mut seen_at_end: HashSet<(std::sync::Arc<BTreeMap<String, String>>, String)> =
        HashSet::new();
    loop {
        // Asked up to one past the oldest time so far (its other entries are not lost to `limit`),
        // so the ones already kept come again: ask for them too.
        let overlap = seen_at_end.len();
        let want = (max - total).saturating_add(overlap).min(PAGE);
        let page = client.page(start, end, want, Direction::Backward).await?;
        let full = page.len() >= want;
        let Some(oldest) = page.first().map(|e| e.ns) else {
            break;
        };
        let mut page: Vec<Entry> = page
            .into_iter()
            .filter(|e| {
                !(e.ns == end - 1 && seen_at_end.contains(&(e.labels.clone(), e.line.clone())))
            })
            .collect();
        if page.is_empty() {
            if !full {
                break;
            }
            // More entries at one nanosecond than a page holds: the rest of them are passed.
            end = oldest;
            seen_at_end.clear();
            continue;
        }
        let room = max - total;
        if page.len() > room {
            page.drain(..page.len() - room);
        }
        total += page.len();
        seen_at_end = page
            .iter()
            .filter(|e| e.ns == oldest)
            .map(|e| (e.labels.clone(), e.line.clone()))
            .collect();
        pages.push(page);
        if total >= max {
            pages.reverse();
            return Ok((pages.concat(), Bound::Lines));
        }
        if !full {
            break;
        }
        end = oldest + 1;
    }
    pages.reverse();
    Ok((pages.concat(), Bound::Window))
}

/// Every entry in `[from, end)` (`end` none: up to now) not delivered yet, page after page.
pub(super) async fn range(
    client: &Client,
    seen: &mut Seen,
    from: i64,
    end: Option<i64>,
) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut from = from;
    loop {
        let end = end.unwrap_or_else(|| ns_of(Utc::now()) + 1);
        if from >= end {
            return Ok(out);
        }
        let page = client.page(from, end, PAGE, Direction::Forward).await?;
        let full = page.len() >= PAGE;
        let newest = page.last().map(|e| e.ns);
        out.extend(seen.fresh(page));
        match newest {
            // A full page all at one nanosecond cannot be paged past: move on a nanosecond.
            Some(newest) if full && newest == from => from += 1,
            Some(newest) => from = newest,
            None => {}
        }
        if !full || out.len() > 1_000_000 {
            return Ok(out);
        }
    }
}

/// What a request that got no answer says: a timeout, or its deepest cause (connection refused,
/// no such host) rather than reqwest's URL dump.
pub(super) fn unanswered(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let verb = if e.is_connect() { "cannot connect" } else { "cannot ask" };
    format!("{verb}: {cause}")
}
