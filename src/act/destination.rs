//! Where a status update goes, and the parts of delivery that need no network: files, the
//! terminal clipboard (OSC 52), masking secret URLs.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::core::redact::MARKER;
use crate::core::sanitize::sanitize;
use crate::core::secret::Secret;

/// Longest text handed to the terminal clipboard: many terminals drop larger OSC 52 payloads.
pub const MAX_CLIPBOARD_BYTES: usize = 74_000;

/// A place a status update can be sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Appended to a file (one entry per update, with a dated separator), synced to disk.
    File(PathBuf),
    /// Copied through the terminal (OSC 52); opt-in, since not every terminal allows it.
    Clipboard,
    /// A Slack incoming webhook; the URL is a credential.
    Slack {
        /// `https://hooks.slack.com/services/…`
        url: Secret,
    },
    /// Any HTTP endpoint taking a JSON POST.
    Webhook {
        /// The URL, a credential as often as not.
        url: Secret,
        /// Extra request headers (`Authorization`), values secret.
        headers: Vec<(String, Secret)>,
    },
}

/// A destination that cannot work as configured.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DestinationError {
    /// The URL does not parse (the URL itself is never repeated: it may hold a token).
    #[error("the {kind} URL is not a valid URL ({reason}): check it in the config")]
    Url {
        /// `slack` or `webhook`.
        kind: &'static str,
        /// What the parser said.
        reason: String,
    },
    /// Not http(s).
    #[error("the {kind} URL must start with https:// (or http://), not `{scheme}:`")]
    Scheme {
        /// `slack` or `webhook`.
        kind: &'static str,
        /// The scheme found.
        scheme: String,
    },
    /// A header name HTTP does not allow.
    #[error("webhook header `{0}` is not a valid HTTP header name")]
    HeaderName(String),
    /// A header value HTTP does not allow.
    #[error(
        "the value of webhook header `{0}` is not valid in HTTP (a newline or control character?)"
    )]
    HeaderValue(String),
}

impl Destination {
    /// A short name with no secret in it: `file updates.md`, `slack https://hooks.slack.com`.
    pub fn label(&self) -> String {
        match self {
            Destination::File(path) => {
                format!("file {}", sanitize(path.display().to_string().as_bytes()))
            }
            Destination::Clipboard => "clipboard".into(),
            Destination::Slack { url } => format!("slack {}", mask_url(url.expose())),
            Destination::Webhook { url, .. } => format!("webhook {}", mask_url(url.expose())),
        }
    }

    /// Checks what a config can get wrong, before anything is sent.
    pub fn validate(&self) -> Result<(), DestinationError> {
        let (kind, url, headers): (_, _, &[(String, Secret)]) = match self {
            Destination::File(_) | Destination::Clipboard => return Ok(()),
            Destination::Slack { url } => ("slack", url, &[]),
            Destination::Webhook { url, headers } => ("webhook", url, headers),
        };
        let parsed = reqwest::Url::parse(url.expose()).map_err(|e| DestinationError::Url {
            kind,
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(DestinationError::Scheme {
                kind,
                scheme: parsed.scheme().to_string(),
            });
        }
        for (name, value) in headers {
            let shown = sanitize(name.as_bytes());
            reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| DestinationError::HeaderName(shown.clone()))?;
            reqwest::header::HeaderValue::from_str(value.expose())
                .map_err(|_| DestinationError::HeaderValue(shown))?;
        }
        Ok(())
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Scheme, host and port of a URL, nothing else (path and query often carry the token).
pub fn mask_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", u.scheme()),
            (Some(host), None) => format!("{}://{host}", u.scheme()),
            (None, _) => format!("{}:", u.scheme()),
        },
        Err(_) => "[invalid URL]".into(),
    }
}

/// Removes every trace of a secret URL from `text` (an error message, a response body).
pub(crate) fn scrub(text: &str, secret_url: &str) -> String {
    let mut out = text.to_string();
    if secret_url.is_empty() {
        return out;
    }
    out = out.replace(secret_url, &mask_url(secret_url));
    if let Ok(u) = reqwest::Url::parse(secret_url) {
        if let Some(query) = u.query().filter(|q| !q.is_empty()) {
            out = out.replace(query, MARKER);
        }
        let path = u.path();
        if path.len() > 1 {
            out = out.replace(path, &format!("/{MARKER}"));
        }
    }
    out
}

/// The OSC 52 sequence that asks the terminal to put `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\u{1b}]52;c;{encoded}\u{7}")
}

/// Appends one entry (separator line, text, blank line) with a single write, then syncs it.
pub(crate) fn append_entry(path: &Path, text: &str, sent_at: DateTime<Utc>) -> Result<(), String> {
    let entry = format!(
        "--- update sent {} ---\n{}\n\n",
        sent_at.format("%Y-%m-%d %H:%M:%S UTC"),
        text.trim_end()
    );
    let shown = sanitize(path.display().to_string().as_bytes());
    let fail = |e: std::io::Error| format!("cannot append to {shown}: {e}");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(entry.as_bytes()).map_err(fail)?;
    file.sync_data().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOOK: &str = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";

    #[test]
    fn labels_and_debug_never_show_the_secret() {
        let slack = Destination::Slack {
            url: Secret::new(HOOK),
        };
        assert_eq!(slack.label(), "slack https://hooks.slack.com");
        assert_eq!(slack.to_string(), "slack https://hooks.slack.com");
        assert!(!format!("{slack:?}").contains("XXXXSECRET"));
        let hook = Destination::Webhook {
            url: Secret::new("http://127.0.0.1:8080/hook?token=abc123"),
            headers: vec![("Authorization".into(), Secret::new("Bearer t0k"))],
        };
        assert_eq!(hook.label(), "webhook http://127.0.0.1:8080");
        let debug = format!("{hook:?}");
        assert!(
            !debug.contains("abc123") && !debug.contains("t0k"),
            "{debug}"
        );
    }

    #[test]
    fn scrub_removes_url_path_and_query() {
        let text = format!("error for {HOOK}; path /services/T000/B000/XXXXSECRET");
        let clean = scrub(&text, HOOK);
        assert!(!clean.contains("XXXXSECRET"), "{clean}");
        let clean = scrub("bad token=abc123 sent", "https://x.test/h?token=abc123");
        assert_eq!(clean, "bad [redacted] sent");
    }

    #[test]
    fn bad_urls_and_headers_are_refused_without_echoing_them() {
        let bad = Destination::Slack {
            url: Secret::new("hooks.slack.com/services/SECRET"),
        };
        let message = bad.validate().unwrap_err().to_string();
        assert!(!message.contains("SECRET"), "{message}");
        let ftp = Destination::Slack {
            url: Secret::new("ftp://x.test/SECRET"),
        };
        assert_eq!(
            ftp.validate().unwrap_err().to_string(),
            "the slack URL must start with https:// (or http://), not `ftp:`"
        );
        let header = Destination::Webhook {
            url: Secret::new("https://x.test/"),
            headers: vec![("X-Token".into(), Secret::new("a\nb"))],
        };
        assert_eq!(
            header.validate(),
            Err(DestinationError::HeaderValue("X-Token".into()))
        );
    }

    #[test]
    fn osc52_carries_base64_text() {
        assert_eq!(osc52("hi\n"), "\u{1b}]52;c;aGkK\u{7}");
    }
}
