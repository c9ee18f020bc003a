//! Sending a status update: retries with exponential backoff on failures, 5xx and 429 (honouring
//! `Retry-After`), a time limit per attempt and an overall deadline. Nothing returned here ever
//! holds a secret URL or header value.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::time::Instant;

use super::destination::{Destination, MAX_CLIPBOARD_BYTES, append_entry, osc52, scrub};
use crate::core::duration::glance as short_duration;
use crate::core::ratelimit::RateLimit;
use crate::core::redact::Redactor;
use crate::core::sanitize::sanitize_line;
use crate::core::secret::Secret;

/// Bytes of an error response's body quoted in the delivery detail.
const BODY_HEAD: usize = 512;
/// Characters of that body shown.
const BODY_CHARS: usize = 160;

/// A status update to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The rendered text, as the responder approved it.
    pub text: String,
    /// Incident title (webhook payloads carry it apart from the text).
    pub incident: String,
    /// `SEV2`, if set.
    pub severity: Option<crate::core::severity::Severity>,
}

impl Update {
    /// The update with every secret in its text and title redacted, as an export has them: it
    /// goes where the team and customers read it, and a token typed or pasted into it (a note it
    /// quotes) went out in clear.
    pub fn redacted(&self, secrets: &[String]) -> Update {
        let redactor = crate::core::redact::Redactor::new(secrets);
        Update {
            text: redactor.redact(&self.text).into_owned(),
            incident: redactor.redact(&self.incident).into_owned(),
            severity: self.severity,
        }
    }
}

/// How hard to try an HTTP destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    /// Longest computed wait (a server's `Retry-After` is honoured beyond it, within the deadline).
    pub max_backoff: Duration,
    /// Time one attempt may take, the response body included.
    pub attempt_timeout: Duration,
    /// Time from the first attempt after which no further attempt starts or continues.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 1 s backoff doubling up to 30 s, 10 s per attempt, 60 s in all.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1));
        self.first_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// How a delivery went; safe to show and to record (no secret in any field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The destination's label (`slack https://hooks.slack.com`).
    pub destination: String,
    /// Whether the update arrived (HTTP 2xx, file synced, sequence ready).
    pub ok: bool,
    /// Attempts made (0 when the destination was refused before sending).
    pub attempts: u32,
    /// The last status or error: `HTTP 200`, `HTTP 500: upstream down`, `cannot connect: …`.
    pub detail: String,
    /// When the update was first sent (the webhook payload's `sent_at`).
    pub sent_at: DateTime<Utc>,
    /// For [`Destination::Clipboard`]: the OSC 52 sequence the UI must write to the terminal.
    pub osc52: Option<String>,
}

impl Delivery {
    /// For the `update.sent` record and the status line: `delivered (HTTP 200, 3 attempts)`.
    pub fn result(&self) -> String {
        let attempts = match self.attempts {
            0 | 1 => String::new(),
            n => format!(", {n} attempts"),
        };
        if self.ok {
            format!("delivered ({}{attempts})", self.detail)
        } else {
            format!("FAILED ({}{attempts})", self.detail)
        }
    }
}

/// Sends `update` to `dest`, retrying per `policy`.
pub async fn deliver(
    dest: &Destination,
    update: &Update,
    client: &reqwest::Client,
    policy: RetryPolicy,
) -> Delivery {
    let sent_at = Utc::now();
    let mut delivery = Delivery {
        destination: dest.label(),
        ok: false,
        attempts: 0,
        detail: String::new(),
        sent_at,
        osc52: None,
    };
    if let Err(e) = dest.validate() {
        delivery.detail = e.to_string();
        return delivery;
    }
    let (url, headers, body) = match dest {
        Destination::File(path) => {
            delivery.attempts = 1;
            let (path, text) = (path.clone(), update.text.clone());
            let written =
                tokio::task::spawn_blocking(move || append_entry(&path, &text, sent_at)).await;
            match written {
                Ok(Ok(())) => {
                    delivery.ok = true;
                    delivery.detail = "appended and synced".into();
                }
                Ok(Err(why)) => delivery.detail = why,
                Err(_) => delivery.detail = "the file write was interrupted".into(),
            }
            return delivery;
        }
        Destination::Clipboard => {
            delivery.attempts = 1;
            if update.text.len() > MAX_CLIPBOARD_BYTES {
                delivery.detail = format!(
                    "{} bytes is too long for the terminal clipboard (at most {MAX_CLIPBOARD_BYTES}): use a file destination",
                    update.text.len()
                );
            } else {
                delivery.ok = true;
                delivery.osc52 = Some(osc52(&update.text));
                delivery.detail = "handed to the terminal clipboard (OSC 52)".into();
            }
            return delivery;
        }
        Destination::Slack { url } => (url, &[][..], serde_json::json!({ "text": update.text })),
        Destination::Webhook { url, headers } => (
            url,
            &headers[..],
            serde_json::json!({
                "text": update.text,
                "incident": update.incident,
                "severity": update.severity,
                "sent_at": sent_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            }),
        ),
    };
    let body = body.to_string().into_bytes();
    let start = Instant::now();
    let deadline = start + policy.deadline;
    let max_attempts = policy.max_attempts.max(1);
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            delivery.detail = past_deadline(&delivery.detail, policy.deadline);
            return delivery;
        }
        delivery.attempts += 1;
        let attempt = delivery.attempts;
        let limit = policy.attempt_timeout.min(remaining);
        let (why, hint) = match post(client, url, headers, &body, limit).await {
            Outcome::Delivered(detail) => {
                delivery.ok = true;
                delivery.detail = detail;
                return delivery;
            }
            Outcome::Fatal(detail) => {
                delivery.detail = detail;
                return delivery;
            }
            Outcome::Retry { why, wait } => (why, wait),
        };
        delivery.detail = why.clone();
        if attempt >= max_attempts {
            return delivery;
        }
        let wait = hint.unwrap_or_else(|| policy.backoff(attempt));
        if Instant::now() + wait >= deadline {
            delivery.detail = format!(
                "{why}; not retried: the next try (in {}) would pass the {} deadline",
                short_duration(wait),
                short_duration(policy.deadline)
            );
            return delivery;
        }
        tokio::time::sleep(wait).await;
    }
}

fn past_deadline(last: &str, deadline: Duration) -> String {
    let deadline = short_duration(deadline);
    if last.is_empty() {
        format!("gave up: the {deadline} deadline passed")
    } else {
        format!("{last}; gave up: the {deadline} deadline passed")
    }
}

enum Outcome {
    Delivered(String),
    Retry { why: String, wait: Option<Duration> },
    Fatal(String),
}

/// One POST. Everything it says is scrubbed of the URL.
async fn post(
    client: &reqwest::Client,
    url: &Secret,
    headers: &[(String, Secret)],
    body: &[u8],
    limit: Duration,
) -> Outcome {
    let mut request = client
        .post(url.expose())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.expose());
    }
    let exchange = async {
        let response = request.send().await?;
        let status = response.status();
        let pairs = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)));
        let retry_after = RateLimit::from_headers(pairs, Utc::now()).and_then(|r| r.retry_after);
        let head = read_head(response).await;
        Ok::<_, reqwest::Error>((status, retry_after, head))
    };
    let secret = url.expose();
    // What a server says back may echo our credentials (a 401 quoting the token): those go too.
    let credentials = Redactor::for_credentials(headers.iter().map(|(_, value)| value.expose()));
    let scrub = |text: &str, url: &str| {
        let mut out = scrub(text, url);
        credentials.scrub(&mut out);
        out
    };
    match tokio::time::timeout(limit, exchange).await {
        Err(_) => Outcome::Retry {
            why: format!("no answer within {}", short_duration(limit)),
            wait: None,
        },
        Ok(Err(e)) => Outcome::Retry {
            why: scrub(&describe(e), secret),
            wait: None,
        },
        Ok(Ok((status, retry_after, head))) => {
            let code = status.as_u16();
            let text = String::from_utf8_lossy(&head);
            let snippet: String = sanitize_line(text.trim())
                .chars()
                .take(BODY_CHARS)
                .collect();
            let said = if snippet.is_empty() {
                format!("HTTP {code}")
            } else {
                format!("HTTP {code}: {}", scrub(&snippet, secret))
            };
            if status.is_success() {
                Outcome::Delivered(format!("HTTP {code}"))
            } else if code == 429 || code == 408 || status.is_server_error() {
                Outcome::Retry {
                    why: said,
                    wait: retry_after,
                }
            } else {
                Outcome::Fatal(format!("{said} (not retried: check the URL and its token)"))
            }
        }
    }
}

/// The start of a response body, for error details.
async fn read_head(mut response: reqwest::Response) -> Vec<u8> {
    let mut head = Vec::new();
    while head.len() < BODY_HEAD {
        match response.chunk().await {
            Ok(Some(chunk)) => head.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    head.truncate(BODY_HEAD);
    head
}

/// A transport error in words, without the URL: `cannot connect: Connection refused (os error 111)`.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let head = if e.is_connect() {
        "cannot connect".to_string()
    } else if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    let mut innermost = None;
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        innermost = Some(s.to_string());
        source = s.source();
    }
    match innermost {
        Some(cause) if cause != head => format!("{head}: {cause}"),
        _ => head,
    }
}
