//! Access logs: the common and combined log formats (nginx, apache) and python `http.server`.
//!
//! ```text
//! 10.0.0.7 - alice [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 200 2326 "referer" "agent" rt=0.004
//! └client┘ └ident┘ └user┘ └──────time───────┘ └────request────┘ status bytes └─combined──────┘ └pairs┘
//! 127.0.0.1 - - [28/Nov/2026 23:27:19] "GET /health HTTP/1.1" 200 -        (python, a request)
//! 127.0.0.1 - - [28/Nov/2026 23:27:19] code 404, message File not found    (python, an error)
//! ```
//! The time's shape tells the two apart (`2000:13:55:36 -0700` or `2026 23:27:19`). `key=value`
//! pairs after the combined fields (nginx formats often add `rt=` or `req_id=`) are read too.
//! Quoted parts are kept as written, escapes included.

use super::{Format, logfmt};

type Fields = Vec<(String, String)>;

/// The format and fields of an access-log line, or `None` when `text` is not one.
pub(super) fn parse(text: &str) -> Option<(Format, Fields)> {
    let mut cur = Cursor { rest: text };
    let client = cur.word()?;
    let ident = cur.word()?;
    let user = cur.word()?;
    let time = cur.bracketed()?;
    let mut fields: Fields = vec![
        ("client".into(), client.into()),
        ("ident".into(), ident.into()),
        ("user".into(), user.into()),
        ("time".into(), time.into()),
    ];
    match time_shape(time)? {
        Shape::Clf => clf(cur, fields),
        Shape::Python => {
            python(cur, &mut fields)?;
            Some((Format::PythonHttp, fields))
        }
    }
}

enum Shape {
    Clf,
    Python,
}

/// `10/Oct/2000:13:55:36 -0700` or `28/Nov/2026 23:27:19`.
fn time_shape(time: &str) -> Option<Shape> {
    let b = time.as_bytes();
    let date = b.len() >= 20
        && b[..2].iter().all(u8::is_ascii_digit)
        && b[2] == b'/'
        && b[3..6].iter().all(u8::is_ascii_alphabetic)
        && b[6] == b'/'
        && b[7..11].iter().all(u8::is_ascii_digit);
    match b.get(11) {
        Some(b':') if date => Some(Shape::Clf),
        Some(b' ') if date => Some(Shape::Python),
        _ => None,
    }
}

fn clf(mut cur: Cursor<'_>, mut fields: Fields) -> Option<(Format, Fields)> {
    let request = cur.quoted()?;
    let status = cur.word().filter(|s| is_status(s))?;
    let bytes = cur.word().filter(|s| is_size(s))?;
    push_request(&mut fields, request);
    fields.push(("status".into(), status.into()));
    fields.push(("bytes".into(), bytes.into()));
    let mut combined = cur;
    let format = match (combined.quoted(), combined.quoted()) {
        (Some(referer), Some(agent)) => {
            fields.push(("referer".into(), referer.into()));
            fields.push(("user_agent".into(), agent.into()));
            cur = combined;
            Format::CombinedLog
        }
        _ => Format::CommonLog,
    };
    logfmt::pairs(cur.rest, &mut fields);
    push_query(&mut fields);
    Some((format, fields))
}

fn python(mut cur: Cursor<'_>, fields: &mut Fields) -> Option<()> {
    if cur.rest.starts_with('"') {
        let request = cur.quoted()?;
        let status = cur.word().filter(|s| is_status(s))?;
        let bytes = cur.word().filter(|s| is_size(s))?;
        push_request(fields, request);
        fields.push(("status".into(), status.into()));
        fields.push(("bytes".into(), bytes.into()));
    } else if let Some((code, message)) = cur
        .rest
        .strip_prefix("code ")
        .and_then(|r| r.split_once(", message "))
        .filter(|(code, _)| is_status(code))
    {
        fields.push(("status".into(), code.into()));
        fields.push(("message".into(), message.into()));
    } else if !cur.rest.is_empty() {
        fields.push(("message".into(), cur.rest.into()));
    }
    push_query(fields);
    Some(())
}

/// The path's query parameters (`/charge?req=a30056&retry=1`) as fields of their own, after the
/// line's: a request id an app logs as `req=a30056` is then the same field in the access log, so
/// following the request finds the access line (what the client got). After the line's own
/// fields, so a parameter named `status` never hides the HTTP status.
fn push_query(fields: &mut Fields) {
    let Some(query) = fields
        .iter()
        .find(|(k, _)| k == "path")
        .and_then(|(_, path)| path.split_once('?'))
        .map(|(_, query)| query.split('#').next().unwrap_or_default().to_string())
    else {
        return;
    };
    for pair in query.split('&') {
        if let Some((key, value)) = pair.split_once('=')
            && !key.is_empty()
            && key.len() <= 64
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            fields.push((key.into(), value.into()));
        }
    }
}

/// `GET /x HTTP/1.1` as method, path and protocol; anything else (a TLS hello sent to a plain
/// port, `-`) as the request text.
fn push_request(fields: &mut Fields, request: &str) {
    let mut parts = request.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(path), protocol, None)
            if !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase()) =>
        {
            fields.push(("method".into(), method.into()));
            fields.push(("path".into(), path.into()));
            if let Some(protocol) = protocol {
                fields.push(("protocol".into(), protocol.into()));
            }
        }
        _ => fields.push(("request".into(), request.into())),
    }
}

fn is_status(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_size(s: &str) -> bool {
    s == "-" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads an access-log line left to right; each read consumes one part and the space after it.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    /// A run of non-space characters that is no quoted or bracketed part.
    fn word(&mut self) -> Option<&'a str> {
        let end = self.rest.find(' ').unwrap_or(self.rest.len());
        let word = &self.rest[..end];
        if word.is_empty() || word.starts_with(['"', '[']) {
            return None;
        }
        self.advance(end);
        Some(word)
    }

    /// `[...]`
    fn bracketed(&mut self) -> Option<&'a str> {
        let inner = self.rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        let text = &inner[..end];
        self.advance(end + 2);
        Some(text)
    }

    /// `"..."`, where `\"` does not end it.
    fn quoted(&mut self) -> Option<&'a str> {
        let inner = self.rest.strip_prefix('"')?;
        let bytes = inner.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    let text = &inner[..i];
                    self.advance(i + 2);
                    return Some(text);
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Drops `n` bytes and one following space, if any.
    fn advance(&mut self, n: usize) {
        let rest = self.rest.get(n..).unwrap_or("");
        self.rest = rest.strip_prefix(' ').unwrap_or(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::{Format, parse};

    fn fields(text: &str) -> (Format, Vec<(String, String)>) {
        parse(text).unwrap_or_else(|| panic!("not an access log: {text}"))
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_common_log_line_gives_its_nine_fields() {
        let line = r#"10.0.0.7 - alice [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#;
        assert_eq!(
            fields(line),
            (
                Format::CommonLog,
                pairs(&[
                    ("client", "10.0.0.7"),
                    ("ident", "-"),
                    ("user", "alice"),
                    ("time", "10/Oct/2000:13:55:36 -0700"),
                    ("method", "GET"),
                    ("path", "/apache_pb.gif"),
                    ("protocol", "HTTP/1.0"),
                    ("status", "200"),
                    ("bytes", "2326"),
                ])
            )
        );
    }

    #[test]
    fn a_combined_log_line_adds_referer_and_user_agent() {
        let line = r#"10.0.0.7 - - [28/Nov/2026:23:27:19 +0000] "POST /v1/charge?x=1 HTTP/1.1" 502 0 "https://shop.example/cart" "Mozilla/5.0 (X11; Linux x86_64)""#;
        let (format, got) = fields(line);
        assert_eq!(format, Format::CombinedLog);
        assert_eq!(
            got[4..],
            pairs(&[
                ("method", "POST"),
                ("path", "/v1/charge?x=1"),
                ("protocol", "HTTP/1.1"),
                ("status", "502"),
                ("bytes", "0"),
                ("referer", "https://shop.example/cart"),
                ("user_agent", "Mozilla/5.0 (X11; Linux x86_64)"),
                ("x", "1"),
            ])
        );
    }

    #[test]
    fn pairs_after_the_combined_fields_are_read_too() {
        let line = r#"10.0.0.7 - - [28/Nov/2026:23:27:19 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/8.5" rt=0.004 req_id=cff91303"#;
        let (_, got) = fields(line);
        assert_eq!(
            got[got.len() - 2..],
            pairs(&[("rt", "0.004"), ("req_id", "cff91303")])
        );
    }

    #[test]
    fn an_escaped_quote_does_not_end_the_request() {
        let line = r#"1.2.3.4 - - [28/Nov/2026:23:27:19 +0000] "GET /a\"b HTTP/1.1" 404 -"#;
        let (_, got) = fields(line);
        assert_eq!(got[5], ("path".to_string(), r#"/a\"b"#.to_string()));
    }

    #[test]
    fn a_request_that_is_not_http_is_kept_whole() {
        let line = r#"1.2.3.4 - - [28/Nov/2026:23:27:19 +0000] "\x16\x03\x01" 400 157"#;
        let (_, got) = fields(line);
        assert_eq!(got[4], ("request".to_string(), r"\x16\x03\x01".to_string()));
    }

    #[test]
    fn a_python_http_server_request_line_uses_the_same_names() {
        let line = r#"127.0.0.1 - - [28/Nov/2026 23:27:19] "GET /health HTTP/1.1" 200 -"#;
        assert_eq!(
            fields(line),
            (
                Format::PythonHttp,
                pairs(&[
                    ("client", "127.0.0.1"),
                    ("ident", "-"),
                    ("user", "-"),
                    ("time", "28/Nov/2026 23:27:19"),
                    ("method", "GET"),
                    ("path", "/health"),
                    ("protocol", "HTTP/1.1"),
                    ("status", "200"),
                    ("bytes", "-"),
                ])
            )
        );
    }

    #[test]
    fn a_python_http_server_error_gives_status_and_message() {
        let line = "127.0.0.1 - - [28/Nov/2026 23:27:19] code 404, message File not found";
        let (format, got) = fields(line);
        assert_eq!(format, Format::PythonHttp);
        assert_eq!(
            got[4..],
            pairs(&[("status", "404"), ("message", "File not found")])
        );
    }

    #[test]
    fn lines_that_only_look_alike_are_not_access_logs() {
        for line in [
            "10.0.0.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200",
            "10.0.0.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" OK 12",
            "10.0.0.7 - - [yesterday] \"GET / HTTP/1.1\" 200 12",
            "10.0.0.7 - - [10/Oct/2000:13:55:36 -0700 \"GET / HTTP/1.1\" 200 12",
            "10.0.0.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1 200 12",
            "[INFO] server started on port 8080",
            "",
        ] {
            assert_eq!(parse(line), None, "{line}");
        }
    }
}
