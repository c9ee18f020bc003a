//! One probe of one endpoint: the request, manual redirects, a capped body read under one deadline, and
//! the verdict.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Url};
use tokio::time::{Instant, timeout_at};

use super::check::judge;
use super::errors::classify;
use super::outcome::{Outcome, ProbeResult};
use super::sanitize::{sanitize_block, sanitize_line};
use super::spec::EndpointSpec;
use crate::core::ratelimit::RateLimit;
use crate::core::redact::Redactor;

/// Bytes of body kept in a result for display and comparison.
pub const BODY_HEAD: usize = 1024;
/// A header value longer than this is cut in results: a lying server can send anything.
const HEADER_VALUE_MAX: usize = 512;
/// Headers kept in a result.
const HEADERS_MAX: usize = 64;
/// Response headers that carry credentials whatever the endpoint.
const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];
const REDACTED: &str = crate::core::redact::MARKER;

/// Probes endpoints. Cheap to clone; holds the process's HTTP client(s) so connections are pooled.
///
/// reqwest fixes the connect timeout and TLS verification per client, so endpoints that differ in those
/// get a client each; usually there is exactly one.
#[derive(Clone, Default)]
pub struct Prober {
    clients: Arc<Mutex<Vec<(ClientKey, Client)>>>,
}

#[derive(Clone, Copy, PartialEq)]
struct ClientKey {
    connect_timeout: Duration,
    insecure_tls: bool,
}

impl std::fmt::Debug for Prober {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prober").finish_non_exhaustive()
    }
}

impl Prober {
    /// A prober with no clients yet; they are built on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self, spec: &EndpointSpec) -> Result<Client, String> {
        let key = ClientKey {
            connect_timeout: spec.connect_timeout,
            insecure_tls: spec.insecure_tls,
        };
        // A poisoned lock only means another probe panicked mid-lookup; the list itself is still valid.
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = clients.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let client = crate::core::http::client_builder()
            // Redirects are followed by hand so secret headers never go to another origin.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            // Health endpoints are often on loopback or internal hosts a proxy cannot reach.
            .no_proxy()
            .connect_timeout(key.connect_timeout)
            .tls_danger_accept_invalid_certs(key.insecure_tls)
            .tls_danger_accept_invalid_hostnames(key.insecure_tls)
            .tcp_nodelay(true)
            .user_agent(concat!(
                "sitrep/",
                env!("CARGO_PKG_VERSION"),
                " (health probe)"
            ))
            .build()
            .map_err(|e| format!("cannot build HTTP client: {e}"))?;
        clients.push((key, client.clone()));
        Ok(client)
    }

    /// Probes `spec` once. Never fails and never takes (much) longer than `spec.timeout`.
    pub async fn probe(&self, endpoint: usize, spec: &EndpointSpec) -> ProbeResult {
        let at = Utc::now();
        let start = Instant::now();
        let deadline = start + spec.timeout;
        let exchange = match self.client(spec) {
            Ok(client) => exchange(&client, spec, deadline).await,
            Err(e) => Exchange::failed(Outcome::Other(e)),
        };
        let latency = start.elapsed();
        let secrets = redactor_for(spec);

        let mut result = ProbeResult::failed(endpoint, at, Outcome::Ok, latency);
        result.status = exchange.status;
        if let Some(headers) = &exchange.headers {
            result.rate_limit = RateLimit::from_headers(
                headers
                    .iter()
                    .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))),
                Utc::now(),
            );
            result.headers = display_headers(headers, spec, &secrets);
        }
        result.body_head = body_head(&exchange.body, &secrets);
        // A body that broke off after a 5xx or 429 head: the status already says what matters.
        let status_says = exchange
            .status
            .filter(|&s| s == 429 || !spec.status_expected(s));
        result.outcome = match exchange.failure {
            Some(failure) if status_says.is_none() => failure,
            _ => match (exchange.status, &exchange.headers) {
                (Some(status), Some(headers)) => judge(
                    spec,
                    status,
                    headers,
                    &exchange.body,
                    exchange.truncated,
                    latency,
                ),
                _ => Outcome::Other("no response".into()),
            },
        };
        result.health = result.outcome.health();
        result
    }
}

/// Probes `spec` once with `prober`'s clients; see [`Prober::probe`].
#[cfg(any(test, feature = "test-support"))]
pub async fn probe_once(prober: &Prober, endpoint: usize, spec: &EndpointSpec) -> ProbeResult {
    prober.probe(endpoint, spec).await
}

/// What came back over the wire, before judging it.
struct Exchange {
    status: Option<u16>,
    headers: Option<HeaderMap>,
    body: Vec<u8>,
    truncated: bool,
    failure: Option<Outcome>,
}

impl Exchange {
    fn failed(outcome: Outcome) -> Self {
        Self {
            status: None,
            headers: None,
            body: Vec::new(),
            truncated: false,
            failure: Some(outcome),
        }
    }
}

async fn exchange(client: &Client, spec: &EndpointSpec, deadline: Instant) -> Exchange {
    let first = match Url::parse(&spec.url) {
        Ok(u) => u,
        Err(e) => return Exchange::failed(Outcome::Other(format!("invalid url: {e}"))),
    };
    let secret_headers = request_headers(spec);
    let mut url = first.clone();
    let mut visited = vec![first.clone()];
    let mut response = loop {
        let mut req = client.get(url.clone());
        // Secrets go only to the origin they were configured for, never to where a redirect points.
        if same_origin(&url, &first) {
            req = req.headers(secret_headers.clone());
        }
        let resp = match timeout_at(deadline, req.send()).await {
            Err(_) => return Exchange::failed(Outcome::Timeout),
            Ok(Err(e)) => return Exchange::failed(classify(&e)),
            Ok(Ok(r)) => r,
        };
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok());
        let follow = resp.status().is_redirection()
            && spec.max_redirects > 0
            && !spec.expect_status.contains(&status);
        match location {
            Some(next) if follow => {
                if visited.len() > spec.max_redirects as usize {
                    return Exchange::failed(Outcome::TooManyRedirects);
                }
                if visited.contains(&next) {
                    return Exchange::failed(Outcome::RedirectLoop);
                }
                visited.push(next.clone());
                url = next;
            }
            _ => break resp,
        }
    };

    let mut ex = Exchange {
        status: Some(response.status().as_u16()),
        headers: Some(response.headers().clone()),
        body: Vec::new(),
        truncated: false,
        failure: None,
    };
    // Read in chunks under the same deadline: a server dripping one byte at a time cannot hold us.
    loop {
        match timeout_at(deadline, response.chunk()).await {
            Err(_) => {
                ex.failure = Some(Outcome::Timeout);
                break;
            }
            Ok(Err(e)) => {
                ex.failure = Some(classify(&e));
                break;
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => {
                let room = spec.body_cap.saturating_sub(ex.body.len());
                if chunk.len() > room {
                    ex.body.extend_from_slice(&chunk[..room]);
                    ex.truncated = true;
                    break;
                }
                ex.body.extend_from_slice(&chunk);
            }
        }
    }
    ex
}

fn request_headers(spec: &EndpointSpec) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, secret) in &spec.headers {
        // Invalid names/values are rejected by `EndpointSpec::validate`; skip them here rather than fail.
        let (Ok(name), Ok(mut value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(secret.expose()),
        ) else {
            continue;
        };
        value.set_sensitive(true);
        map.append(name, value);
    }
    map
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The one redactor, for the values of the spec's headers and the words of them a server may echo.
fn redactor_for(spec: &EndpointSpec) -> Redactor {
    Redactor::for_credentials(spec.headers.iter().map(|(_, s)| s.expose()))
}

fn redact(text: String, secrets: &Redactor) -> String {
    let mut text = text;
    secrets.scrub(&mut text);
    text
}

fn display_headers(
    headers: &HeaderMap,
    spec: &EndpointSpec,
    secrets: &Redactor,
) -> Vec<(String, String)> {
    headers
        .iter()
        .take(HEADERS_MAX)
        .map(|(name, value)| {
            let name = name.as_str();
            let sensitive = SENSITIVE_HEADERS.contains(&name)
                || spec
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name));
            let value = if sensitive {
                REDACTED.to_string()
            } else {
                let raw = String::from_utf8_lossy(value.as_bytes());
                let clean = redact(sanitize_line(&raw), secrets);
                cut_chars(clean, HEADER_VALUE_MAX)
            };
            (sanitize_line(name), value)
        })
        .collect()
}

fn body_head(body: &[u8], secrets: &Redactor) -> String {
    // Sanitize and redact a little more than we keep, so a secret straddling the cut is still caught.
    let margin = secrets.longest();
    let text = super::sanitize::text_head(body, BODY_HEAD + margin);
    let text = redact(text, secrets);
    let text = cut_chars(text, BODY_HEAD);
    sanitize_block(&text)
}

fn cut_chars(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
        s.push('…');
    }
    s
}
