//! Naming what went wrong when no usable response arrived.

use std::error::Error as _;
use std::io;

use super::outcome::Outcome;
use super::sanitize::sanitize_line;

/// Error text kept in an outcome is cut to this many characters.
const TEXT_MAX: usize = 200;

/// The named outcome of a transport error.
pub fn classify(e: &reqwest::Error) -> Outcome {
    if e.is_timeout() {
        return if e.is_connect() {
            Outcome::ConnectTimeout
        } else {
            Outcome::Timeout
        };
    }
    if e.is_dns() {
        return Outcome::Dns;
    }
    let mut refused = false;
    let mut parse = false;
    let mut tls = false;
    let mut source = e.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            refused |= io.kind() == io::ErrorKind::ConnectionRefused;
            tls |= wraps_rustls(io);
        }
        tls |= err.is::<rustls::Error>();
        if let Some(h) = err.downcast_ref::<hyper::Error>() {
            parse |= h.is_parse() || h.is_incomplete_message();
        }
        source = err.source();
    }
    let text = chain_text(e);
    // rustls's messages ("received corrupt message of type InvalidContentType") need not name
    // TLS, so its error type decides, not the text.
    if tls && !refused {
        return Outcome::Tls(text);
    }
    classify_text(
        e.is_connect(),
        refused,
        parse || e.is_body() || e.is_decode(),
        text,
    )
}

/// Whether `io` wraps a rustls error, under any number of io::Error layers: an io::Error's
/// source() skips the error it wraps, so the chain walk alone never meets it.
fn wraps_rustls(io: &io::Error) -> bool {
    let mut inner = io.get_ref();
    while let Some(err) = inner {
        if err.is::<rustls::Error>() {
            return true;
        }
        inner = err.downcast_ref::<io::Error>().and_then(io::Error::get_ref);
    }
    false
}

/// The decision on plain facts, so it is testable without provoking each network failure.
fn classify_text(connect: bool, refused: bool, protocol: bool, text: String) -> Outcome {
    let lower = text.to_ascii_lowercase();
    if refused {
        Outcome::ConnectionRefused
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        Outcome::Dns
    } else if connect
        && ["tls", "ssl", "certificate", "handshake"]
            .iter()
            .any(|w| lower.contains(w))
    {
        Outcome::Tls(text)
    } else if protocol {
        Outcome::InvalidResponse(text)
    } else {
        Outcome::Other(text)
    }
}

/// The causes of `e`, joined; the URL is left out (it may carry a token in its query).
fn chain_text(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(err) = source {
        let s = err.to_string();
        // hyper-util's "client error (Connect)" names its own layer, not the problem.
        if s.starts_with("client error (") && err.source().is_some() {
            source = err.source();
            continue;
        }
        // Wrappers often repeat their cause's text; keep each once.
        if !parts
            .iter()
            .any(|p| p.contains(&s) || s.contains(p.as_str()))
        {
            parts.push(s);
        } else if let Some(last) = parts.last_mut()
            && s.len() > last.len()
        {
            *last = s;
        }
        source = err.source();
    }
    if parts.is_empty() {
        parts.push(top_text(e));
    }
    let text = sanitize_line(&parts.join(": "));
    match text.char_indices().nth(TEXT_MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

fn top_text(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_classification() {
        let t = |s: &str| s.to_string();
        assert_eq!(
            classify_text(true, true, false, t("x")),
            Outcome::ConnectionRefused
        );
        assert_eq!(
            classify_text(
                true,
                false,
                false,
                t("dns error: failed to lookup address information")
            ),
            Outcome::Dns
        );
        assert!(matches!(
            classify_text(
                true,
                false,
                false,
                t("error:0A00010B:SSL routines::wrong version number")
            ),
            Outcome::Tls(_)
        ));
        assert!(matches!(
            classify_text(false, false, true, t("invalid HTTP version parsed")),
            Outcome::InvalidResponse(_)
        ));
        assert_eq!(
            classify_text(false, false, false, t("boom")),
            Outcome::Other(t("boom"))
        );
    }
}
