//! `key=value` pairs anywhere in a line (logfmt and the many loggers that write like it).
//!
//! A key starts a word (at the line's start or after whitespace), begins with a letter or `_` and
//! holds only letters, digits and `_ . - /`, so a URL query (`/search?q=1`), `a==b` or `x<=y` make
//! no pairs. A value runs to the next whitespace, or is quoted (`msg="a \"b\" c"`); a quote that
//! never closes takes the rest of the line (a line cut by the length cap ends that way). Only `\"`
//! and `\\` are unescaped: other escapes stay as written, so a value never gains a control character.
//! One pass over the line: each `=` looks back only over the key characters before it.

/// The pairs of `text`, in order; none when no pair has a value (a lone `x=` in prose is no field).
pub(super) fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    pairs(text, &mut out);
    if out.iter().all(|(_, v)| v.is_empty()) {
        out.clear();
    }
    out
}

/// Appends the pairs of `text` to `out`, in order.
pub(super) fn pairs(text: &str, out: &mut Vec<(String, String)>) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = memchr::memchr(b'=', &bytes[from..]) {
        let eq = from + found;
        let start = key_start(bytes, from, eq);
        let Some(start) = start else {
            from = eq + 1;
            continue;
        };
        let (value, end) = value_at(text, eq + 1);
        out.push((text[start..eq].to_string(), value));
        from = end;
        if from >= bytes.len() {
            break;
        }
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/')
}

/// Where the key before the `=` at `eq` starts, if there is a key there.
fn key_start(bytes: &[u8], floor: usize, eq: usize) -> Option<usize> {
    let mut start = eq;
    while start > floor && is_key_byte(bytes[start - 1]) {
        start -= 1;
    }
    let starts_word = start == 0 || bytes[start - 1].is_ascii_whitespace();
    let identifier = bytes
        .get(start)
        .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_');
    let value_ok = bytes.get(eq + 1) != Some(&b'=');
    (start < eq && starts_word && identifier && value_ok).then_some(start)
}

/// The value starting at `at` and the offset just past it.
fn value_at(text: &str, at: usize) -> (String, usize) {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        let end = bytes[at..]
            .iter()
            .position(u8::is_ascii_whitespace)
            .map_or(bytes.len(), |n| at + n);
        return (text[at..end].to_string(), end);
    }
    let body = at + 1;
    let mut i = body;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return (unescape(&text[body..i]), i + 1),
            _ => i += 1,
        }
    }
    (unescape(&text[body..]), bytes.len())
}

fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(e @ ('"' | '\\')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_demo_request_line_gives_every_pair_after_the_prefix() {
        let line = "2026-11-28T23:27:19.474Z ERROR request method=POST path=/v1/charge status=502 duration_ms=3004 req_id=cff91303 customer=cus_1234";
        assert_eq!(
            parse(line),
            pairs(&[
                ("method", "POST"),
                ("path", "/v1/charge"),
                ("status", "502"),
                ("duration_ms", "3004"),
                ("req_id", "cff91303"),
                ("customer", "cus_1234"),
            ])
        );
    }

    #[test]
    fn pairs_after_free_text_are_found() {
        let line = "2026-11-28T23:27:19.474Z ERROR provider call failed: upstream timeout after 3000ms req_id=cff91303 attempt=1/3";
        assert_eq!(
            parse(line),
            pairs(&[("req_id", "cff91303"), ("attempt", "1/3")])
        );
    }

    #[test]
    fn quoted_values_keep_spaces_and_unescape_quotes_and_backslashes() {
        assert_eq!(
            parse(r#"msg="a \"b\" c" path="C:\\tmp" n=1"#),
            pairs(&[("msg", r#"a "b" c"#), ("path", r"C:\tmp"), ("n", "1")])
        );
    }

    #[test]
    fn other_escapes_stay_as_written() {
        assert_eq!(parse(r#"msg="a\nb\t""#), pairs(&[("msg", r"a\nb\t")]));
    }

    #[test]
    fn an_unclosed_quote_takes_the_rest_of_the_line() {
        assert_eq!(
            parse(r#"level=warn msg="cut short … [900 bytes cut]"#),
            pairs(&[("level", "warn"), ("msg", "cut short … [900 bytes cut]")])
        );
    }

    #[test]
    fn keys_may_hold_dots_dashes_and_slashes() {
        assert_eq!(
            parse("http.status=502 x-request-id=ab k8s/pod=api-1"),
            pairs(&[
                ("http.status", "502"),
                ("x-request-id", "ab"),
                ("k8s/pod", "api-1")
            ])
        );
    }

    #[test]
    fn a_url_query_double_equals_and_comparisons_make_no_pairs() {
        for line in [
            "GET /search?q=1&page=2 HTTP/1.1",
            "assert a==b failed",
            "x<=y and x>=z",
            "\"quoted=inside\" (paren=thesis)",
            "1st=first -flag=on",
        ] {
            assert_eq!(parse(line), pairs(&[]), "{line}");
        }
    }

    #[test]
    fn a_value_may_hold_equals_signs() {
        assert_eq!(
            parse("token=abc== next=/a?b=c"),
            pairs(&[("token", "abc=="), ("next", "/a?b=c")])
        );
    }

    #[test]
    fn a_line_whose_only_pair_is_an_accidental_empty_one_has_no_fields() {
        assert_eq!(parse("expected a value after x= on line 3"), pairs(&[]));
        assert_eq!(parse("set x = 5"), pairs(&[]));
    }

    #[test]
    fn a_single_pair_with_a_value_is_a_field() {
        assert_eq!(
            parse("connection reset, retry=false"),
            pairs(&[("retry", "false")])
        );
    }

    #[test]
    fn empty_values_are_kept_beside_real_ones() {
        assert_eq!(
            parse("user= status=401"),
            pairs(&[("user", ""), ("status", "401")])
        );
    }

    #[test]
    fn ten_thousand_equals_signs_make_no_pairs() {
        assert_eq!(parse(&"=".repeat(10_000)), pairs(&[]));
        assert_eq!(parse(&"a=".repeat(10_000)).len(), 1);
        assert_eq!(parse(&"a= ".repeat(10_000)).len(), 0);
    }

    #[test]
    fn a_lone_quote_or_backslash_at_the_end_does_not_break_parsing() {
        assert_eq!(parse(r#"k=""#), pairs(&[]));
        assert_eq!(parse(r#"k="\"#), pairs(&[("k", "\\")]));
        assert_eq!(parse(r#"k="é\"#), pairs(&[("k", "é\\")]));
        assert_eq!(parse("k=\"é\\\""), pairs(&[("k", "é\"")]));
    }
}
