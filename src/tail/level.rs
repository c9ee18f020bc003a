//! Guessing a log line's severity from its text.
//!
//! Logs come in every shape (plain prefixes, logfmt, JSON, syslog, access logs), so detection is a
//! cheap heuristic: structured fields win over words, and the first level word wins over later ones.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::core::level::{
    Level, http_status_class, is_everyday_word, of_http_status, of_value, parse_lowercase,
    syslog_severity,
};

/// Only the head of a line is examined: levels sit near the start, and huge lines must stay cheap.
const SCAN_LIMIT: usize = 2048;
/// Single-letter levels (`E`, `W`) only count near the start, where a prefix would put them.
const LETTER_LIMIT: usize = 48;

static HTTP_VERSION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"HTTP/"));

/// Detects the level of one log line (already split, without its newline); `None` when its text
/// names none.
pub fn detect_level(line: &str) -> Option<Level> {
    detect_level_beside(line, 0..0, Quotes::Unknown)
}

/// What the caller already knows of a line's quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quotes {
    /// Nothing: the line is looked at.
    Unknown,
    /// The line holds no `"`, so it is no access-log line.
    None,
}

/// [`detect_level`] for a line whose timestamp is at `stamp`: no level word is inside a time, so
/// its bytes are not read again.
pub(crate) fn detect_level_beside(
    line: &str,
    stamp: std::ops::Range<usize>,
    quotes: Quotes,
) -> Option<Level> {
    let bytes = line.as_bytes();
    let bytes = &bytes[..bytes.len().min(SCAN_LIMIT)];
    if quotes == Quotes::None
        && let Some(level) = word_after_stamp(bytes, &stamp)
    {
        return Some(level);
    }
    syslog_priority(bytes)
        .or_else(|| dotnet_head(bytes))
        .or_else(|| match quotes {
            Quotes::Unknown => access_log_status(bytes),
            Quotes::None => None,
        })
        .or_else(|| scan_tokens(bytes, stamp))
}

/// The level of a .NET console record's head (`fail: Acme.Payments.PaymentService[0]`), also
/// behind the service's name that `docker compose logs` writes (`api-1  | fail: …`). A head ends
/// in `]`: other lines pay one byte's test.
fn dotnet_head(bytes: &[u8]) -> Option<Level> {
    if bytes.last() != Some(&b']') {
        return None;
    }
    let own = crate::core::text::compose_prefix(bytes).map_or(bytes, |skip| &bytes[skip..]);
    crate::core::level::dotnet_head(own)
}

/// Most lines of a log with levels: the time first, then the level in capitals (`2026-11-28
/// 23:27:01.042 ERROR …`, `[…] [WARN] …`). The token scan would read that word first and return
/// it (no syslog priority before a time, no access log in a line without quotes, no JSON, no word
/// before the time); this reads it without the scan's general machinery. `None` sends the line
/// to the scan.
#[inline]
fn word_after_stamp(bytes: &[u8], stamp: &std::ops::Range<usize>) -> Option<Level> {
    // A word before the time would be read first; in a line opening with `{` a level key wins
    // over a word.
    let before = bytes.get(..stamp.start)?;
    if stamp.is_empty() || before.iter().any(|&b| b.is_ascii_alphanumeric() || b == b'{') {
        return None;
    }
    let rest = bytes.get(stamp.end..)?;
    let mut start = 0;
    while start < 4 && !rest.get(start)?.is_ascii_alphanumeric() {
        start += 1;
    }
    // The word's first nine bytes (padded with spaces), read as a block: a level word is at most
    // eight letters, all capitals, ended by a byte that is no letter or digit.
    let word = &rest[start..];
    let mut head = [b' '; 9];
    let n = word.len().min(9);
    head[..n].copy_from_slice(&word[..n]);
    let mut len = 0;
    while len < 9 && head[len].is_ascii_uppercase() {
        len += 1;
    }
    if !(3..=8).contains(&len) || head[len].is_ascii_alphanumeric() {
        return None;
    }
    let mut lower = [0u8; 8];
    lower.copy_from_slice(&head[..8]);
    let lower = (u64::from_le_bytes(lower) | 0x2020_2020_2020_2020).to_le_bytes();
    // No level word is also a level key (`LEVEL=debug` is left to the scan, which reads its value).
    parse_lowercase(&lower[..len])
}

/// `<11>Jan ...`: the syslog priority's low three bits are the severity.
fn syslog_priority(bytes: &[u8]) -> Option<Level> {
    let rest = bytes.strip_prefix(b"<")?;
    let end = rest.iter().take(4).position(|&b| b == b'>')?;
    let digits = &rest[..end];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pri: u32 = digits.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0'));
    Some(syslog_severity(pri & 7))
}

/// Combined/common access-log lines: `"GET / HTTP/1.1" 503 ...`.
fn access_log_status(bytes: &[u8]) -> Option<Level> {
    // The request is quoted: a line with no quote (most lines) is no access-log line.
    if !has_quote(bytes) {
        return None;
    }
    let at = HTTP_VERSION.find(bytes)?;
    let mut i = at + 5;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    let rest = bytes.get(i..)?;
    if rest == b"\"" {
        return status_before_request(bytes, at);
    }
    let rest = rest.strip_prefix(b"\" ")?;
    let status = rest.get(..3)?;
    if !status.iter().all(u8::is_ascii_digit) || rest.get(3).is_some_and(|&b| b != b' ') {
        return None;
    }
    Some(of_http_status(status[0]))
}

/// HAProxy ends its line with the request and writes the status before it, followed by the bytes
/// sent (`… 3/5/5/895/303 503 512 - - ---- … "GET / HTTP/1.1"`): the first lone status followed
/// by a count, before the request whose `HTTP/` is at `at`.
fn status_before_request(bytes: &[u8], at: usize) -> Option<Level> {
    let open = bytes[..at].iter().rposition(|&b| b == b'"')?;
    let mut fields = bytes[..open].split(|&b| b == b' ').filter(|f| !f.is_empty()).peekable();
    while let Some(field) = fields.next() {
        let class = http_status_class(field);
        if class != 0 && fields.peek().is_some_and(|n| n.iter().all(u8::is_ascii_digit)) {
            return Some(of_http_status(class));
        }
    }
    None
}

/// Whether `bytes` hold a `"`: a block at a time (a call to `memchr` costs more than the whole
/// check on a line of a hundred bytes).
fn has_quote(bytes: &[u8]) -> bool {
    let clear = crate::core::text::clear_blocks(bytes, |b| b == b'"');
    clear < bytes.len() && bytes[clear..].contains(&b'"')
}

fn scan_tokens(bytes: &[u8], stamp: std::ops::Range<usize>) -> Option<Level> {
    let structured = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let mut first_word = None;
    let mut i = 0;
    while i < bytes.len() {
        if stamp.contains(&i) {
            i = stamp.end;
            continue;
        }
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let token = &bytes[start..i];
        // No level word or key is that long (`severitytext`, twelve, is the longest) or starts
        // with a digit (a time, a count, an id).
        if token.len() > 12 || token[0].is_ascii_digit() {
            continue;
        }
        // The token is letters and digits only: setting 0x20 lowers a letter and keeps a digit.
        let mut lower = [0u8; 12];
        for (dst, src) in lower.iter_mut().zip(token) {
            *dst = src | 0x20;
        }
        let lower = &lower[..token.len()];
        if is_level_key(lower) {
            if let Some(level) = keyed_value(&bytes[i..]) {
                return Some(level);
            }
            continue;
        }
        if first_word.is_some() {
            continue;
        }
        let level = prose_level(token, lower).or_else(|| {
            (start < LETTER_LIMIT)
                .then(|| letter_level(bytes, start, token))
                .flatten()
        });
        if let Some(level) = level {
            if !structured {
                return Some(level);
            }
            first_word = Some(level);
        }
    }
    first_word
}

fn is_level_key(lower: &[u8]) -> bool {
    matches!(
        lower,
        b"level" | b"lvl" | b"severity" | b"loglevel" | b"levelname" | b"severitytext"
    )
}

/// After a level key: `":"error"`, `=warn`, `: 50`; returns the level the value names.
fn keyed_value(rest: &[u8]) -> Option<Level> {
    let mut i = 0;
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < rest.len() && set.contains(&rest[*i]) {
            *i += 1;
        }
    };
    skip(&mut i, b"\" ");
    if !matches!(rest.get(i), Some(b':' | b'=')) {
        return None;
    }
    i += 1;
    skip(&mut i, b"\" ");
    let start = i;
    while i < rest.len() && rest[i].is_ascii_alphanumeric() {
        i += 1;
    }
    of_value(&rest[start..i])
}

/// A level word in free prose: everyday words (`fine`) count only in upper case.
fn prose_level(token: &[u8], lower: &[u8]) -> Option<Level> {
    let level = parse_lowercase(lower)?;
    let everyday =
        level.is_detail() && is_everyday_word(lower) && !token.iter().all(u8::is_ascii_uppercase);
    (!everyday).then_some(level)
}

/// `E`, `[W]`, `I/Tag:` (logcat), `E0102 12:00:00` (glog): an upper-case letter standing alone.
fn letter_level(bytes: &[u8], start: usize, token: &[u8]) -> Option<Level> {
    let letter = *token.first()?;
    let glog = start == 0 && token.len() == 5 && token[1..].iter().all(u8::is_ascii_digit);
    if token.len() != 1 && !glog {
        return None;
    }
    if token.len() == 1 {
        let before = start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(start + 1).copied();
        let spaced = |b: Option<u8>| b.is_none_or(|b| b == b' ' || b == b'\t');
        let bracketed = matches!(
            (before, after),
            (Some(b'['), Some(b']')) | (Some(b'('), Some(b')'))
        );
        // `E Tag:` at the start, or after logcat's pid/tid numbers.
        let after_numbers = spaced(before)
            && bytes[..start]
                .iter()
                .rev()
                .find(|b| !b.is_ascii_whitespace())
                .is_none_or(u8::is_ascii_digit);
        let prefix = after_numbers && (spaced(after) || matches!(after, Some(b'/' | b':')));
        if !bracketed && !prefix {
            return None;
        }
    }
    match letter {
        b'F' | b'C' => Some(Level::Fatal),
        b'E' => Some(Level::Error),
        b'W' => Some(Level::Warn),
        b'I' => Some(Level::Info),
        b'D' => Some(Level::Debug),
        b'T' | b'V' => Some(Level::Trace),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_after_the_time_is_read_as_the_scan_of_the_whole_line_reads_it() {
        let stamp = "2026-11-24T14:03:07.123Z";
        for (line, expected) in [
            (format!("{stamp} ERROR api.handler failed"), Some(Level::Error)),
            (format!("[{stamp}] [WARNING] disk at 91%"), Some(Level::Warn)),
            (format!("{stamp}  FINE: polled"), Some(Level::Debug)),
            // A level word before the time is the first one.
            (format!("warn {stamp} ERROR x"), Some(Level::Warn)),
            // A key in capitals is a key: its value is the level.
            (format!("{stamp} LEVEL=debug x"), Some(Level::Debug)),
            // No level word is that long: the scan goes on to the next one.
            (format!("{stamp} INFORMATIONAL notice x"), Some(Level::Notice)),
            (format!("{stamp} ERR2 ERR x"), Some(Level::Error)),
            (format!("{stamp} Warning x"), Some(Level::Warn)),
            (format!("{stamp} ERR"), Some(Level::Error)),
            (format!("{stamp} STARTED worker"), None),
            // A line opening with `{` reads its level key first.
            (format!("{{{stamp}}} ERROR level=info done"), Some(Level::Info)),
        ] {
            let at = line.find(stamp).unwrap_or(0);
            let span = at..at + stamp.len() + usize::from(line.starts_with('['));
            let beside = detect_level_beside(&line, span, Quotes::None);
            assert_eq!(beside, detect_level(&line), "{line}");
            assert_eq!(beside, expected, "{line}");
        }
    }

    #[test]
    fn a_quote_is_found_in_any_block_or_the_tail() {
        for len in [0, 1, 31, 32, 33, 64, 100] {
            let plain = vec![b'a'; len];
            assert!(!has_quote(&plain), "{len}");
            for at in 0..len {
                let mut quoted = plain.clone();
                quoted[at] = b'"';
                assert!(has_quote(&quoted), "{len} {at}");
            }
        }
    }

    #[test]
    fn plain_prefixes_are_recognised() {
        let cases = [
            (
                "2024-01-02T03:04:05Z ERROR db: connection refused",
                Some(Level::Error),
            ),
            ("2024-01-02 03:04:05 [WARN] slow query", Some(Level::Warn)),
            ("INFO  server started", Some(Level::Info)),
            ("debug: cache miss", Some(Level::Debug)),
            ("TRACE enter handler", Some(Level::Trace)),
            ("Warning: disk 91% full", Some(Level::Warn)),
            ("FATAL out of memory", Some(Level::Fatal)),
            ("CRITICAL payment failed", Some(Level::Fatal)),
            (
                "thread 'main' panicked at src/main.rs:3",
                Some(Level::Fatal),
            ),
            ("just some words", None),
        ];
        for (line, want) in cases {
            assert_eq!(detect_level(line), want, "{line}");
        }
    }

    #[test]
    fn serilogs_and_winstons_console_levels_are_read() {
        let cases = [
            ("[10:00:01 ERR] Charge failed for order 1234", Some(Level::Error)),
            // Pi-hole's FTL is no level.
            ("[2024-01-01 10:00:00.123 1234M] FTL branch: master", None),
            ("[10:00:03 WRN] Slow response", Some(Level::Warn)),
            ("2026-12-07T10:00:00.405Z [error]: Request failed: read ECONNRESET", Some(Level::Error)),
            ("2026-12-07T10:00:00.405Z [warn]: retrying", Some(Level::Warn)),
        ];
        for (line, want) in cases {
            assert_eq!(detect_level(line), want, "{line}");
        }
    }

    #[test]
    fn a_dotnet_console_head_names_its_level() {
        let cases = [
            ("fail: Acme.Payments.PaymentService[0]", Some(Level::Error)),
            ("crit: Microsoft.AspNetCore.Hosting.Diagnostics[6]", Some(Level::Fatal)),
            ("dbug: Microsoft.EntityFrameworkCore.Query[10111]", Some(Level::Debug)),
            ("trce: Acme.Cache[1]", Some(Level::Trace)),
            ("api-1  | fail: Acme.Payments.PaymentService[0]", Some(Level::Error)),
            // Not a head: words after the category, or no category.
            ("fail: the build is red", None),
            ("fail: Acme.Payments[0] and more", None),
        ];
        for (line, want) in cases {
            assert_eq!(detect_level(line), want, "{line}");
        }
    }

    #[test]
    fn java_levels_count_in_upper_case_or_in_a_level_field() {
        assert_eq!(detect_level("FINE loaded 3 plugins"), Some(Level::Debug));
        assert_eq!(detect_level("Jan 2 FINEST enter parse"), Some(Level::Trace));
        assert_eq!(detect_level("SEVERE: cannot bind"), Some(Level::Error));
        assert_eq!(detect_level("ts=1 level=fine msg=x"), Some(Level::Debug));
        assert_eq!(
            detect_level("all is fine, retrying after error"),
            Some(Level::Error)
        );
    }

    #[test]
    fn syslog_notice_keeps_its_own_level() {
        assert_eq!(detect_level("NOTICE: config reloaded"), Some(Level::Notice));
        assert_eq!(
            detect_level(r#"{"severity":"notice"}"#),
            Some(Level::Notice)
        );
        assert_eq!(
            detect_level("<13>Jan  2 03:04:05 host app: x"),
            Some(Level::Notice)
        );
    }

    #[test]
    fn fatal_words_letters_and_numbers_name_fatal() {
        assert_eq!(
            detect_level("<10>Jan  2 03:04:05 host app: x"),
            Some(Level::Fatal)
        );
        assert_eq!(
            detect_level(r#"{"level":60,"msg":"x"}"#),
            Some(Level::Fatal)
        );
        assert_eq!(detect_level("ts=1 lvl=c msg=x"), Some(Level::Fatal));
        assert_eq!(
            detect_level("F0102 12:00:00.000 123 main.go:1] boom"),
            Some(Level::Fatal)
        );
    }

    #[test]
    fn a_level_number_under_ten_names_no_level() {
        // Nextcloud's 1 is info, GELF's 1 an alert: neither is guessed.
        assert_eq!(
            detect_level(r#"{"reqId":"tw","level":1,"message":"Tried to scan non file"}"#),
            None
        );
        assert_eq!(
            detect_level(r#"{"level":40,"msg":"disk low"}"#),
            Some(Level::Warn)
        );
    }

    #[test]
    fn first_level_word_wins_over_later_ones() {
        assert_eq!(detect_level("INFO retrying after error"), Some(Level::Info));
        assert_eq!(
            detect_level("request failed with error 7"),
            Some(Level::Error)
        );
    }

    #[test]
    fn single_letters_count_only_standing_alone_near_the_start() {
        assert_eq!(
            detect_level("E0102 12:00:00.000 123 main.go:1] boom"),
            Some(Level::Error)
        );
        assert_eq!(
            detect_level("01-02 12:00:00.000 1 2 W ActivityManager: slow"),
            Some(Level::Warn)
        );
        assert_eq!(detect_level("I/Tag( 123): hello"), Some(Level::Info));
        assert_eq!(detect_level("[E] bad"), Some(Level::Error));
        assert_eq!(detect_level("Vitamin E is good"), None);
        assert_eq!(detect_level("e mail"), None);
    }

    #[test]
    fn structured_level_fields_win_over_message_words() {
        assert_eq!(
            detect_level(r#"{"msg":"no error here","level":"info"}"#),
            Some(Level::Info)
        );
        assert_eq!(
            detect_level(r#"{"level":"error","msg":"x"}"#),
            Some(Level::Error)
        );
        assert_eq!(
            detect_level(r#"{"severity": "WARNING"}"#),
            Some(Level::Warn)
        );
        assert_eq!(
            detect_level(r#"{"name":"api","level":50,"msg":"x"}"#),
            Some(Level::Error)
        );
        assert_eq!(
            detect_level(r#"{"level":30,"msg":"error?"}"#),
            Some(Level::Info)
        );
        assert_eq!(detect_level("ts=1 level=warn msg=\"x\""), Some(Level::Warn));
        assert_eq!(detect_level("ts=1 lvl=e msg=x"), Some(Level::Error));
        assert_eq!(detect_level(r#"{"msg":"an error"}"#), Some(Level::Error));
        // OpenTelemetry's log records name it `severityText`.
        assert_eq!(
            detect_level(r#"{"body":"error budget fine","severityText":"INFO"}"#),
            Some(Level::Info)
        );
    }

    #[test]
    fn access_log_status_decides() {
        let line = |status: &str| {
            format!(
                r#"10.0.0.1 - - [02/Jan/2024:03:04:05 +0000] "GET /error HTTP/1.1" {status} 12 "-" "curl""#
            )
        };
        assert_eq!(detect_level(&line("503")), Some(Level::Error));
        assert_eq!(detect_level(&line("404")), Some(Level::Warn));
        assert_eq!(detect_level(&line("200")), Some(Level::Info));
        // HAProxy: the status before the request, followed by the bytes sent.
        let haproxy = |status: &str| {
            format!(
                r#"Dec  6 10:00:00 lb1 haproxy[9030]: 10.1.2.3:56994 [06/Dec/2026:10:00:00.399] fe_https~ be_api/api2 3/5/5/895/303 {status} 67292 - - ---- 72/49/2/8/0 0/0 "POST /v1/pay/775 HTTP/1.1""#
            )
        };
        assert_eq!(detect_level(&haproxy("503")), Some(Level::Error));
        assert_eq!(detect_level(&haproxy("429")), Some(Level::Warn));
        assert_eq!(detect_level(&haproxy("201")), Some(Level::Info));
        // A message ending with a quoted request and no status before it keeps its own level.
        assert_eq!(
            detect_level(r#"2026/12/06 10:00:00 [error] 12#0: *17 open() failed (2: No such file), client: 10.0.0.1, request: "GET /x HTTP/1.1""#),
            Some(Level::Error)
        );
    }

    #[test]
    fn syslog_priority_gives_severity() {
        assert_eq!(
            detect_level("<11>Jan  2 03:04:05 host app: x"),
            Some(Level::Error)
        );
        assert_eq!(
            detect_level("<12>Jan  2 03:04:05 host app: x"),
            Some(Level::Warn)
        );
        assert_eq!(
            detect_level("<14>Jan  2 03:04:05 host app: x"),
            Some(Level::Info)
        );
        assert_eq!(
            detect_level("<15>Jan  2 03:04:05 host app: x"),
            Some(Level::Debug)
        );
    }
}
