//! What to probe and what counts as healthy: the endpoint spec and the secret header values it carries.

pub use crate::core::secret::Secret;
use std::time::Duration;

/// One endpoint to probe and the conditions its answer must meet.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointSpec {
    /// Short name shown in panels and the timeline.
    pub name: String,
    /// Absolute http(s) URL.
    pub url: String,
    /// Time between the starts of two probes.
    pub interval: Duration,
    /// Total time one probe may take, redirects and body included.
    pub timeout: Duration,
    /// Time allowed to open the TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Accepted status codes; empty means any 2xx.
    pub expect_status: Vec<u16>,
    /// Slower answers count as `Slow` (degraded).
    pub max_latency: Option<Duration>,
    /// Substrings the body must contain.
    pub body_contains: Vec<String>,
    /// Substrings the body must not contain (a 200 that says "error").
    pub body_not_contains: Vec<String>,
    /// JSON pointer (RFC 6901) and the value found there.
    pub json_equals: Vec<(String, serde_json::Value)>,
    /// Response headers that must be present (case-insensitive names).
    pub header_present: Vec<String>,
    /// Request headers; values are secrets and only ever go to the endpoint's own origin.
    pub headers: Vec<(String, Secret)>,
    /// Consecutive results needed to confirm a state change.
    pub threshold: u32,
    /// Skip TLS certificate and hostname verification.
    pub insecure_tls: bool,
    /// Bodies longer than this are not read further (`BodyTooLarge`).
    pub body_cap: usize,
    /// Redirects followed before giving up with `TooManyRedirects`.
    pub max_redirects: u32,
}

/// Default consecutive results for a state change.
pub const DEFAULT_THRESHOLD: u32 = 2;
/// Default body cap: 64 KiB.
pub const DEFAULT_BODY_CAP: usize = 64 * 1024;
/// Default redirects followed.
pub const DEFAULT_MAX_REDIRECTS: u32 = 5;

impl EndpointSpec {
    /// A spec with defaults: every 5 s, 2 s timeout, 1 s connect timeout, any 2xx, threshold 2.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(1),
            expect_status: Vec::new(),
            max_latency: None,
            body_contains: Vec::new(),
            body_not_contains: Vec::new(),
            json_equals: Vec::new(),
            header_present: Vec::new(),
            headers: Vec::new(),
            threshold: DEFAULT_THRESHOLD,
            insecure_tls: false,
            body_cap: DEFAULT_BODY_CAP,
            max_redirects: DEFAULT_MAX_REDIRECTS,
        }
    }

    /// Whether `status` is what this endpoint is expected to answer.
    pub fn status_expected(&self, status: u16) -> bool {
        if self.expect_status.is_empty() {
            (200..300).contains(&status)
        } else {
            self.expect_status.contains(&status)
        }
    }

    /// Checks what a config file or command line can get wrong, before any probe runs.
    pub fn validate(&self) -> Result<(), SpecError> {
        let url = reqwest::Url::parse(&self.url).map_err(|e| SpecError::Url {
            url: self.url.clone(),
            reason: e.to_string(),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SpecError::Url {
                url: self.url.clone(),
                reason: format!("scheme `{}` is not http or https", url.scheme()),
            });
        }
        for (field, d) in [
            ("interval", self.interval),
            ("timeout", self.timeout),
            ("connect-timeout", self.connect_timeout),
        ] {
            if d.is_zero() {
                return Err(SpecError::ZeroDuration(field));
            }
        }
        if self.threshold == 0 {
            return Err(SpecError::ZeroThreshold);
        }
        if self.body_cap == 0 {
            return Err(SpecError::ZeroBodyCap);
        }
        for &s in &self.expect_status {
            if !(100..=599).contains(&s) {
                return Err(SpecError::Status(s));
            }
        }
        for (name, value) in &self.headers {
            check_header(name, value.expose())?;
        }
        for (pointer, _) in &self.json_equals {
            if !(pointer.is_empty() || pointer.starts_with('/')) {
                return Err(SpecError::Pointer(pointer.clone()));
            }
        }
        Ok(())
    }
}

fn check_header(name: &str, value: &str) -> Result<(), SpecError> {
    if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(SpecError::HeaderName(name.to_string()));
    }
    if reqwest::header::HeaderValue::from_str(value).is_err() {
        // The value is secret: name the header only.
        return Err(SpecError::HeaderValue(name.to_string()));
    }
    Ok(())
}

/// Parses a `--header K:V` argument; the value becomes a [`Secret`].
pub fn parse_header_arg(arg: &str) -> Result<(String, Secret), SpecError> {
    let Some((name, value)) = arg.split_once(':') else {
        return Err(SpecError::HeaderArg(arg.chars().take(40).collect()));
    };
    let (name, value) = (name.trim(), value.trim());
    check_header(name, value)?;
    Ok((name.to_string(), Secret::new(value)))
}

/// A spec that cannot be probed, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The URL does not parse or is not http(s).
    #[error("invalid url `{url}`: {reason}; expected an absolute http:// or https:// URL")]
    Url {
        /// The URL as given.
        url: String,
        /// What the parser said.
        reason: String,
    },
    /// A duration that must be positive is zero.
    #[error("`{0}` must be greater than zero, e.g. \"2s\" or \"500ms\"")]
    ZeroDuration(&'static str),
    /// A threshold of zero would never confirm anything.
    #[error("`threshold` must be at least 1")]
    ZeroThreshold,
    /// A body cap of zero cannot read any body.
    #[error("`body-cap` must be at least 1 byte")]
    ZeroBodyCap,
    /// An expected status outside 100..=599.
    #[error("expected status {0} is not an HTTP status; use a number from 100 to 599")]
    Status(u16),
    /// A header name with characters HTTP does not allow.
    #[error("invalid header name `{0}`")]
    HeaderName(String),
    /// A header value with characters HTTP does not allow (value not shown: it may be secret).
    #[error(
        "the value of header `{0}` contains characters not allowed in HTTP headers (newline or control)"
    )]
    HeaderValue(String),
    /// A `--header` argument without a colon.
    #[error("header `{0}` has no `:`; write it as Name:value")]
    HeaderArg(String),
    /// A JSON pointer that does not start with `/`.
    #[error("JSON pointer `{0}` must be empty or start with `/`, e.g. \"/status\"")]
    Pointer(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "[redacted] [redacted]");
        let spec = EndpointSpec {
            headers: vec![("Authorization".into(), s)],
            ..EndpointSpec::new("a", "http://x")
        };
        assert!(!format!("{spec:?}").contains("hunter2"));
    }

    #[test]
    fn empty_expect_status_means_any_2xx() {
        let spec = EndpointSpec::new("a", "http://x");
        assert!(spec.status_expected(204));
        assert!(!spec.status_expected(301));
        let spec = EndpointSpec {
            expect_status: vec![301],
            ..spec
        };
        assert!(spec.status_expected(301));
        assert!(!spec.status_expected(200));
    }

    #[test]
    fn validate_names_the_problem() {
        let bad = EndpointSpec::new("a", "ftp://x");
        assert!(matches!(bad.validate(), Err(e) if e.to_string().contains("ftp")));
        let bad = EndpointSpec::new("a", "not a url");
        assert!(matches!(bad.validate(), Err(SpecError::Url { .. })));
        let bad = EndpointSpec {
            threshold: 0,
            ..EndpointSpec::new("a", "http://x")
        };
        assert_eq!(bad.validate(), Err(SpecError::ZeroThreshold));
        assert_eq!(EndpointSpec::new("a", "https://x/h").validate(), Ok(()));
    }

    #[test]
    fn header_arg_splits_on_first_colon_and_hides_value() {
        let (k, v) =
            parse_header_arg("Authorization: Bearer a:b").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((k.as_str(), v.expose()), ("Authorization", "Bearer a:b"));
        assert!(matches!(
            parse_header_arg("nocolon"),
            Err(SpecError::HeaderArg(_))
        ));
        let err = parse_header_arg("X-Key: a\nb")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("X-Key") && !err.contains("a\nb"));
    }
}
