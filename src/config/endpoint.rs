//! `[[endpoint]]` into the prober's own `EndpointSpec`, checked where it is written.

use std::time::Duration;

use super::raw::RawEndpoint;
use super::reader::Reader;
use crate::core::diag::SourceError;
use crate::health::{DEFAULT_THRESHOLD, EndpointSpec, Secret};

const DURATION_EXAMPLE: &str = "\"5s\", \"800ms\" or \"2m\"";

/// One endpoint, with durations parsed, secret headers read and the whole spec validated.
pub(super) fn endpoint(r: &mut Reader<'_>, e: RawEndpoint) -> Result<EndpointSpec, SourceError> {
    let name = e.name.get_ref().clone();
    let name_at = e.name.span().start;
    if name.trim().is_empty() {
        return Err(r.at(
            name_at,
            "an endpoint's name is empty: give it a short name the health panel shows, like `payments`".into(),
        ));
    }
    let url = e.url.get_ref().trim().to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(r.at(
            e.url.span().start,
            format!("endpoint `{name}`: url `{url}` must start with http:// or https://"),
        ));
    }
    // Secrets are by reference only: a password in the URL would be in the file for everyone.
    if let Ok(parsed) = reqwest::Url::parse(&url)
        && (!parsed.username().is_empty() || parsed.password().is_some())
    {
        return Err(r.at(
            e.url.span().start,
            format!(
                "endpoint `{name}`: the url carries a user and password (`user:pass@`); secrets are by reference only: remove them from the url and send them as a header, headers = {{ Authorization = {{ env = \"PAYMENTS_BASIC_AUTH\", prefix = \"Basic \" }} }}"
            ),
        ));
    }
    let mut spec = EndpointSpec::new(name.clone(), url);
    spec.interval = r.duration(
        e.interval.as_ref(),
        Duration::from_secs(5),
        DURATION_EXAMPLE,
    )?;
    if spec.interval < Duration::from_millis(100) {
        return Err(r.at(
            name_at,
            format!(
                "endpoint `{name}`: interval must be at least 100ms, so the probe does not hammer the API"
            ),
        ));
    }
    spec.timeout = r.duration(e.timeout.as_ref(), Duration::from_secs(2), DURATION_EXAMPLE)?;
    spec.connect_timeout = r.duration(
        e.connect_timeout.as_ref(),
        Duration::from_secs(1).min(spec.timeout),
        DURATION_EXAMPLE,
    )?;
    spec.max_latency = match &e.max_latency {
        Some(d) => Some(r.duration(Some(d), Duration::ZERO, DURATION_EXAMPLE)?),
        None => None,
    };
    spec.expect_status = e.expect_status;
    spec.body_contains = e.body_contains;
    spec.body_not_contains = e.body_not_contains;
    spec.json_equals = e.json.into_iter().collect();
    spec.header_present = e.header_present;
    for (key, value) in e.headers {
        let (value, _) = r.secret(value, &format!("header `{key}` of endpoint `{name}`"))?;
        spec.headers.push((key, Secret::new(value)));
    }
    spec.threshold = match &e.threshold {
        Some(t) if *t.get_ref() == 0 => {
            return Err(r.at(
                t.span().start,
                format!(
                    "endpoint `{name}`: threshold = 0 would never confirm a change: write 1 (every result counts) or more (default {DEFAULT_THRESHOLD})"
                ),
            ));
        }
        Some(t) => *t.get_ref(),
        None => DEFAULT_THRESHOLD,
    };
    spec.insecure_tls = e.insecure_tls;
    spec.validate()
        .map_err(|err| r.at(name_at, format!("endpoint `{name}`: {err}")))?;
    Ok(spec)
}
