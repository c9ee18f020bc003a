//! Text hygiene shared by the formats: control characters, escaping, times and durations.
//!
//! Everything in a timeline that came from outside (log lines, HTTP bodies, notes, command output) passes
//! through here before it reaches an export, so that a hostile body cannot inject markup, a formula, or
//! terminal escape sequences into a postmortem.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, Local, Utc};

/// Makes text safe for an export: the one sanitizer's export policy.
pub(crate) use crate::core::sanitize::export_text as sanitize;

/// Characters with a meaning in Markdown (CommonMark + GFM) anywhere in a line. Escaping them turns
/// links, images, emphasis, code, raw HTML, entities, tables and math into plain text.
const MD_SPECIAL: &[u8] = b"\\`*_[]<>#|~&$";

/// [`MD_SPECIAL`] as a lookup table: this test runs for every byte of every export.
const MD_TABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < MD_SPECIAL.len() {
        table[MD_SPECIAL[i] as usize] = true;
        i += 1;
    }
    table
};

/// Appends text as inline Markdown. In a table cell (`in_cell`) line breaks show as `↵`; elsewhere
/// they become hard line breaks indented by `indent` spaces so that they stay in their list item.
/// `line_start` says the text begins a Markdown line, where list and heading markers would count.
pub(crate) fn push_md(out: &mut String, s: &str, in_cell: bool, indent: usize, line_start: bool) {
    let clean = sanitize(s);
    let mut lines = clean.split('\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        // Spaces at a span's own ends are kept (spans are joined); only those around a break go.
        let line = if lines.peek().is_some() {
            line.trim_end()
        } else {
            line
        };
        let line = if first { line } else { line.trim_start() };
        if !first {
            if in_cell {
                out.push_str(" ↵ ");
            } else if line.is_empty() {
                continue;
            } else {
                out.push_str("\\\n");
                out.extend(std::iter::repeat_n(' ', indent));
            }
        }
        push_md_line(out, line, line_start || (!first && !in_cell));
        first = false;
    }
}

/// One line: escapes specials everywhere and, at a line start, what only matters there (list
/// markers, setext underlines, ordered-list numbers).
fn push_md_line(out: &mut String, line: &str, line_start: bool) {
    let line: Cow<'_, str> = if line.contains('\t') {
        Cow::Owned(line.replace('\t', " "))
    } else {
        Cow::Borrowed(line)
    };
    let bytes = line.as_bytes();
    let mut start = 0;
    if line_start
        && let Some(&b) = bytes.first()
        && matches!(b, b'-' | b'+' | b'=')
    {
        out.push('\\');
    }
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let ordered = line_start && digits > 0 && matches!(bytes.get(digits), Some(b'.' | b')'));
    for (i, &b) in bytes.iter().enumerate() {
        if MD_TABLE[b as usize] || (ordered && i == digits) {
            out.push_str(&line[start..i]);
            out.push('\\');
            start = i;
        }
    }
    out.push_str(&line[start..]);
}

/// Appends text as a Markdown code span, with a fence longer than any run of backticks inside. In a
/// table cell a `|` is escaped, which GFM honours even inside code.
pub(crate) fn push_md_code(out: &mut String, s: &str, in_cell: bool) {
    let clean = sanitize(s);
    let text: String = clean
        .chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect();
    if text.is_empty() {
        return;
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = text.starts_with('`') || text.ends_with('`');
    out.push_str(&fence);
    if pad {
        out.push(' ');
    }
    if in_cell {
        out.push_str(&text.replace('|', "\\|"));
    } else {
        out.push_str(&text);
    }
    if pad {
        out.push(' ');
    }
    out.push_str(&fence);
}

/// Appends text escaped for HTML element content and attribute values. Line breaks become `<br>`
/// when `breaks` is set.
pub(crate) fn push_html(out: &mut String, s: &str, breaks: bool) {
    let clean = sanitize(s);
    let mut start = 0;
    for (i, b) in clean.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\n' if breaks => "<br>",
            _ => continue,
        };
        out.push_str(&clean[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&clean[start..]);
}

/// Text escaped for HTML, as a new string.
pub(crate) fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    push_html(&mut out, s, false);
    out
}

/// Appends one CSV field (RFC 4180). A text cell that a spreadsheet would read as a formula gets a
/// leading `'`; numbers we formatted ourselves are passed with `text = false` and left as they are.
pub(crate) fn push_csv(out: &mut String, s: &str, text: bool) {
    let clean = sanitize(s);
    let guard = text
        && matches!(
            clean.as_bytes().first(),
            Some(b'=' | b'+' | b'-' | b'@' | b'\t')
        );
    let quote = clean
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&clean.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&clean);
    }
}

/// `2026-11-24 14:03:12` (UTC; the column or label says so).
pub(crate) fn utc(ts: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(19);
    push_datetime(&mut out, &ts.naive_utc());
    out
}

/// `2026-11-24 15:03:12 +01:00` in the exporting machine's time zone.
pub(crate) fn local(ts: DateTime<Utc>) -> String {
    let local = ts.with_timezone(&Local);
    let mut out = String::with_capacity(26);
    push_datetime(&mut out, &local.naive_local());
    let offset = local.offset().local_minus_utc();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs() / 60;
    let _ = write!(out, " {sign}{:02}:{:02}", offset / 60, offset % 60);
    out
}

/// Formats by hand: chrono's `format` re-parses its pattern on every call, and exports format two
/// times a row for every event.
fn push_datetime(out: &mut String, t: &chrono::NaiveDateTime) {
    use chrono::{Datelike, Timelike};
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

/// RFC 3339 with milliseconds, as in the timeline file.
pub(crate) fn rfc3339(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> String {
        let mut out = String::new();
        push_md(&mut out, s, true, 0, true);
        out
    }

    #[test]
    fn escape_sequences_become_visible_pictures() {
        assert_eq!(sanitize("a\u{1b}[31mred\r\nb"), "a␛[31mred\nb");
        assert_eq!(sanitize("x\u{202E}y\u{85}"), "x\u{FFFD}y\u{FFFD}");
        assert!(matches!(sanitize("plain text"), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_link_table_and_heading_syntax_is_neutralized() {
        assert_eq!(
            md("| # [x](javascript:alert(1))"),
            "\\| \\# \\[x\\](javascript:alert(1))"
        );
        assert_eq!(md("</td><script>"), "\\</td\\>\\<script\\>");
        assert_eq!(md("a\nb"), "a ↵ b");
        assert_eq!(md("# title"), "\\# title");
        assert_eq!(md("1. item"), "1\\. item");
        assert_eq!(md("- item"), "\\- item");
    }

    #[test]
    fn multi_line_text_in_a_list_keeps_its_lines_and_guards_each_start() {
        let mut out = String::new();
        push_md(&mut out, "first\n---\n\n# second", false, 2, false);
        assert_eq!(out, "first\\\n  \\---\\\n  \\# second");
    }

    #[test]
    fn code_spans_fence_around_backticks() {
        let mut out = String::new();
        push_md_code(&mut out, "echo `date` | wc", true);
        assert_eq!(out, "``echo `date` \\| wc``");
    }

    #[test]
    fn html_escapes_tags_quotes_and_ampersands() {
        assert_eq!(
            html("</td><script>a&b\"'"),
            "&lt;/td&gt;&lt;script&gt;a&amp;b&quot;&#39;"
        );
    }

    #[test]
    fn csv_quotes_and_guards_formulas() {
        let cell = |s: &str, text| {
            let mut out = String::new();
            push_csv(&mut out, s, text);
            out
        };
        assert_eq!(cell("plain", true), "plain");
        assert_eq!(cell("a,\"b\"\nc", true), "\"a,\"\"b\"\"\nc\"");
        assert_eq!(
            cell("=HYPERLINK(\"x\")", true),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(cell("-1", false), "-1");
        assert_eq!(cell("@sum", true), "'@sum");
    }

    #[test]
    fn times_show_date_and_seconds_in_utc() {
        let ts = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(utc(ts), "2026-01-02 03:04:05");
        assert_eq!(local(ts).len(), "2026-01-02 03:04:05 +00:00".len());
    }
}
