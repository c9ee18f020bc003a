//! Cutting a byte stream into sanitized, levelled lines.

use chrono::{DateTime, Utc};

use super::level::{Quotes, detect_level_beside};
use crate::core::text::clear_blocks;
use super::timestamp::{self, TimeRule, Zone};
use super::{LogLine, TimeOrigin};
use crate::core::level::Level;
use crate::core::sanitize::{Policy, push_cut_note, sanitize_into};

/// Splits chunks of a stream into lines, holding a partial last line until its newline arrives.
///
/// At most `max_line_bytes` of a line are kept; the rest is counted, not stored, so a line of any
/// length costs bounded memory.
#[derive(Debug)]
pub(crate) struct LineSplitter {
    source: usize,
    max_line_bytes: usize,
    partial: Vec<u8>,
    partial_cut: usize,
    /// Whether the last byte seen of the current line was a CR (it may have been cut).
    last_cr: bool,
    previous_level: Option<Level>,
    times: TimeRule,
    /// The last time a line of this stream named, and the zone it was read in.
    previous_time: Option<(DateTime<Utc>, Option<Zone>)>,
    /// Where and how the previous line's timestamp was written: the next line is tried there first.
    stamp_at: timestamp::Hint,
}

impl LineSplitter {
    pub(crate) fn new(source: usize, max_line_bytes: usize) -> Self {
        Self {
            source,
            max_line_bytes: max_line_bytes.max(1),
            partial: Vec::new(),
            partial_cut: 0,
            last_cr: false,
            previous_level: None,
            times: TimeRule::default(),
            previous_time: None,
            stamp_at: timestamp::Hint::default(),
        }
    }

    /// Reads each line's own time under `times` (the automatic formats in the local zone otherwise).
    pub(crate) fn with_times(mut self, times: TimeRule) -> Self {
        self.times = times;
        self
    }

    /// Splits `chunk`, appending every completed line to `out`.
    pub(crate) fn push(&mut self, chunk: &[u8], received: DateTime<Utc>, out: &mut Vec<LogLine>) {
        let mut start = 0;
        if !self.partial.is_empty() || self.partial_cut > 0 {
            // A line begun in an earlier chunk ends at this chunk's first newline.
            let Some(newline) = memchr::memchr(b'\n', chunk) else {
                self.hold(chunk);
                return;
            };
            self.hold(&chunk[..newline]);
            let partial = std::mem::take(&mut self.partial);
            let cut = std::mem::take(&mut self.partial_cut);
            let line = self.make_line(&partial, cut, self.last_cr, received);
            out.push(line);
            self.partial = partial;
            self.partial.clear();
            self.last_cr = false;
            start = newline + 1;
        }
        while start < chunk.len() {
            let rest = &chunk[start..];
            // One pass finds where a line ends and whether it is plain: in most lines the first
            // byte outside printable ASCII (or a quote) is the newline.
            let clear = clear_blocks(rest, needs_care);
            let Some(hit) = rest[clear..].iter().position(|&b| needs_care(b)) else {
                break;
            };
            let hit = clear + hit;
            let newline = if rest[hit] == b'\n' {
                hit
            } else {
                match memchr::memchr(b'\n', &rest[hit..]) {
                    Some(at) => hit + at,
                    None => break,
                }
            };
            let piece = &rest[..newline];
            let line = if newline == hit && piece.len() <= self.max_line_bytes {
                self.plain_line(piece, received)
            } else {
                let crlf = piece.last() == Some(&b'\r');
                self.make_line(piece, 0, crlf, received)
            };
            out.push(line);
            self.last_cr = false;
            start += newline + 1;
        }
        self.hold(&chunk[start..]);
    }

    /// Emits the held partial line, if any: the stream ended or moved on without its newline.
    pub(crate) fn flush(&mut self, received: DateTime<Utc>, out: &mut Vec<LogLine>) {
        if self.partial.is_empty() && self.partial_cut == 0 {
            return;
        }
        let partial = std::mem::take(&mut self.partial);
        let cut = std::mem::take(&mut self.partial_cut);
        self.last_cr = false;
        let line = self.make_line(&partial, cut, false, received);
        out.push(line);
    }

    /// Whether a partial line is being held.
    #[cfg(test)]
    pub(crate) fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.partial_cut > 0
    }

    fn hold(&mut self, bytes: &[u8]) {
        let room = self.max_line_bytes.saturating_sub(self.partial.len());
        let kept = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..kept]);
        self.partial_cut += bytes.len() - kept;
        if let Some(&last) = bytes.last() {
            self.last_cr = last == b'\r';
        }
    }

    /// Builds a line from its kept head and the count of bytes cut after it; `crlf` says the line
    /// ended in CR LF, whose CR is dropped wherever it sits.
    fn make_line(
        &mut self,
        head: &[u8],
        mut cut: usize,
        crlf: bool,
        received: DateTime<Utc>,
    ) -> LogLine {
        let mut head = head;
        if crlf {
            if cut > 0 {
                cut -= 1;
            } else {
                head = &head[..head.len().saturating_sub(1)];
            }
        }
        if head.len() > self.max_line_bytes {
            cut += head.len() - self.max_line_bytes;
            head = &head[..self.max_line_bytes];
        }
        let (text, cut_bytes) = sanitize_line(head, cut, self.max_line_bytes);
        self.finish_line(text, cut_bytes, Quotes::Unknown, received)
    }

    /// A line of printable ASCII without a quote, at most `max_line_bytes` long: it needs no
    /// sanitizing, and its level no look for an access log's request.
    fn plain_line(&mut self, head: &[u8], received: DateTime<Utc>) -> LogLine {
        match plain_text(head) {
            Some(text) => self.finish_line(text, 0, Quotes::None, received),
            None => self.make_line(head, 0, false, received),
        }
    }

    /// A line of sanitized `text`: its time and level.
    fn finish_line(
        &mut self,
        text: String,
        cut_bytes: usize,
        quotes: Quotes,
        received: DateTime<Utc>,
    ) -> LogLine {
        let (time, time_origin) = self.time_of(&text, received);
        let mut level = detect_level_beside(&text, time_origin.span().unwrap_or(0..0), quotes);
        // Stack frames and wrapped continuation lines belong to the line above them.
        if level.is_none() && text.starts_with(' ') {
            level = self.previous_level;
        } else {
            self.previous_level = level;
        }
        LogLine {
            source: self.source,
            text,
            level,
            cut_bytes,
            received,
            time,
            time_origin,
            late: false,
        }
    }

    /// The line's own time, else the previous line's (a continuation belongs to the line above).
    fn time_of(
        &mut self,
        text: &str,
        received: DateTime<Utc>,
    ) -> (Option<DateTime<Utc>>, TimeOrigin) {
        if let Some(stamp) = timestamp::parse_hinted(text, &self.times, received, &mut self.stamp_at)
        {
            self.previous_time = Some((stamp.at, stamp.assumed));
            let origin = TimeOrigin::Own {
                span: super::narrow(stamp.span),
                assumed: stamp.assumed,
            };
            return (Some(stamp.at), origin);
        }
        match self.previous_time {
            Some((at, assumed)) => (Some(at), TimeOrigin::Inherited { assumed }),
            None => (None, TimeOrigin::None),
        }
    }
}

/// Whether a byte asks more of a line than copying it: one outside printable ASCII (a newline
/// among them) or a quote (an access log's request).
fn needs_care(b: u8) -> bool {
    b.wrapping_sub(0x20) > 0x5e || b == b'"'
}

/// `bytes`, known to be printable ASCII, as text. Copied first: UTF-8 validation of a fresh
/// (aligned) allocation reads a word at a time from its first byte.
fn plain_text(bytes: &[u8]) -> Option<String> {
    String::from_utf8(bytes.to_vec()).ok()
}

/// Sanitizes one line's bytes, capping the text and noting the bytes cut (including `already_cut`).
pub(crate) fn sanitize_line(bytes: &[u8], already_cut: usize, max: usize) -> (String, usize) {
    if already_cut == 0
        && bytes.len() <= max
        && crate::core::sanitize::is_plain(bytes)
        && let Some(text) = plain_text(bytes)
    {
        return (text, 0);
    }
    let mut text = String::with_capacity(bytes.len().min(max) + 8);
    let used = sanitize_into(&mut text, bytes, max, Policy::ScreenLine);
    let cut = already_cut + (bytes.len() - used);
    if cut > 0 {
        push_cut_note(&mut text, cut);
    }
    (text, cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], max: usize) -> (Vec<(String, usize)>, LineSplitter) {
        let mut splitter = LineSplitter::new(0, max);
        let mut out = Vec::new();
        for chunk in chunks {
            splitter.push(chunk, Utc::now(), &mut out);
        }
        let lines = out.into_iter().map(|l| (l.text, l.cut_bytes)).collect();
        (lines, splitter)
    }

    #[test]
    fn partial_lines_wait_for_their_newline() {
        let (lines, splitter) = split(&[b"one\ntw", b"o\r", b"\nthr"], 100);
        assert_eq!(lines, [("one".into(), 0), ("two".into(), 0)]);
        assert!(splitter.has_partial());
    }

    #[test]
    fn nul_does_not_end_a_line() {
        let (lines, _) = split(&[b"a\0b\n"], 100);
        assert_eq!(lines, [("a^@b".into(), 0)]);
    }

    #[test]
    fn long_lines_are_capped_across_chunks() {
        let big = vec![b'x'; 1000];
        let (lines, _) = split(&[&big, &big, b"\nnext\n"], 100);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].1, 1900);
        assert!(lines[0].0.starts_with(&"x".repeat(100)));
        assert!(lines[0].0.ends_with("[1900 bytes cut]"));
        assert_eq!(lines[1], ("next".into(), 0));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 500,
            failure_persistence: None,
            ..Default::default()
        })]

        /// However a stream is cut into reads, the same lines come out.
        #[test]
        fn chunk_boundaries_do_not_change_lines(
            stream in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b'\n'),
                    proptest::strategy::Just(b'\r'),
                    proptest::strategy::Just(0x1b_u8),
                    proptest::num::u8::ANY,
                ],
                0..300,
            ),
            cuts in proptest::collection::vec(0usize..300, 0..6),
            max in 1usize..40,
        ) {
            let whole = split(&[&stream], max).0;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(stream.len())).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut at = 0;
            for cut in cuts {
                pieces.push(&stream[at..cut]);
                at = cut;
            }
            pieces.push(&stream[at..]);
            let (chunked, _) = split(&pieces, max);
            proptest::prop_assert_eq!(whole, chunked);
        }

        /// Lines' texts and levels are those of the full treatment (split at each newline, a CR
        /// before it dropped, the sanitizer's own machine, then the level of the whole text),
        /// whether or not a line takes the fast path for plain lines.
        #[test]
        fn the_plain_path_gives_what_the_full_treatment_gives(
            lines in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        proptest::prop_oneof![
                            proptest::strategy::Just(&b"2026-11-24T14:03:07.123Z "[..]),
                            proptest::strategy::Just(&b"ERROR "[..]),
                            proptest::strategy::Just(&b"[WARNING] "[..]),
                            proptest::strategy::Just(&b"LEVEL=debug "[..]),
                            proptest::strategy::Just(&b"INFORMATIONAL "[..]),
                            proptest::strategy::Just(&b"FINE: "[..]),
                            proptest::strategy::Just(&b"host7 "[..]),
                            proptest::strategy::Just(&b"warn "[..]),
                            proptest::strategy::Just(&b"level=info "[..]),
                            proptest::strategy::Just(&b"\"GET /a HTTP/1.1\" 503 12 "[..]),
                            proptest::strategy::Just(&b"request_id=0000002a path=/v1/pay "[..]),
                            proptest::strategy::Just(&b"\x1b[31m"[..]),
                            proptest::strategy::Just(&b"caf\xc3\xa9 \xff "[..]),
                            proptest::strategy::Just(&b"\t"[..]),
                            proptest::strategy::Just(&b"<11>"[..]),
                            proptest::strategy::Just(&b"\r"[..]),
                        ],
                        0..10,
                    ),
                    proptest::bool::ANY,
                ),
                1..5,
            ),
        ) {
            let mut stream = Vec::new();
            let mut expected = Vec::new();
            for (pieces, crlf) in &lines {
                let line: Vec<u8> = pieces.concat();
                stream.extend_from_slice(&line);
                stream.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
                // A CR just before the newline is dropped, whether written with it or in the line.
                let kept = if *crlf { &line[..] } else { line.strip_suffix(b"\r").unwrap_or(&line) };
                // The sanitizer's own machine, past both fast paths (push's and sanitize_line's).
                let mut text = String::new();
                let used = sanitize_into(&mut text, kept, 4096, Policy::ScreenLine);
                proptest::prop_assert_eq!(used, kept.len());
                expected.push(text);
            }
            let mut splitter = LineSplitter::new(0, 4096);
            let mut out = Vec::new();
            splitter.push(&stream, Utc::now(), &mut out);
            let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
            proptest::prop_assert_eq!(texts, expected.iter().map(String::as_str).collect::<Vec<_>>());
            for line in &out {
                proptest::prop_assert_eq!(line.cut_bytes, 0);
                let level = crate::tail::detect_level(&line.text);
                if level.is_some() || !line.text.starts_with(' ') {
                    proptest::prop_assert_eq!(line.level, level, "{:?}", line.text);
                }
            }
        }
    }

    #[test]
    fn continuation_lines_inherit_the_level_above() {
        let mut splitter = LineSplitter::new(0, 100);
        let mut out = Vec::new();
        splitter.push(
            b"ERROR boom\n\tat a.b(C.java:1)\nplain\n",
            Utc::now(),
            &mut out,
        );
        let levels: Vec<_> = out.iter().map(|l| l.level).collect();
        assert_eq!(levels, [Some(Level::Error), Some(Level::Error), None]);
    }

    #[test]
    fn lines_without_a_time_take_the_previous_lines_time() {
        let mut splitter = LineSplitter::new(0, 100).with_times(TimeRule::auto(Zone::utc()));
        let mut out = Vec::new();
        let text = b"late\n2026-11-28T19:42:57Z ERROR boom\n\tat a.b(C.java:1)\n";
        splitter.push(text, Utc::now(), &mut out);
        let at = DateTime::parse_from_rfc3339("2026-11-28T19:42:57Z").map(|t| t.to_utc());
        let times: Vec<_> = out.iter().map(|l| l.time).collect();
        assert_eq!(times, [None, at.ok(), at.ok()]);
        let origins: Vec<_> = out.iter().map(|l| l.time_origin.clone()).collect();
        let own = TimeOrigin::Own {
            span: 0..20,
            assumed: None,
        };
        assert_eq!(
            origins,
            [TimeOrigin::None, own, TimeOrigin::Inherited { assumed: None }]
        );
    }

    #[test]
    fn a_level_is_read_around_the_timestamp_as_in_the_whole_line() {
        // The level scan skips the timestamp's bytes: the same level as a scan of the whole line.
        let lines: &[&[u8]] = &[
            b"2026-11-24T14:03:00.000Z ERROR api.handler request failed",
            b"[INFO] 2026-11-24 14:03:00 request served",
            b"2026-11-24 14:03:00,123 [main] WARN  Pool - slow",
            b"03-17 16:13:47.450  2227  2227 E PhoneStatusBar: boom",
            b"I1204 10:00:03.678662 1321 file.go:12] started",
            b"<11>Dec  6 10:00:00 host app[1]: failed",
            b"10.0.0.1 - - [04/Dec/2026:10:00:00 +0000] \"GET /a HTTP/1.1\" 503 12",
            b"{\"time\":\"2026-11-24T14:03:00Z\",\"level\":\"warn\",\"msg\":\"x\"}",
            b"Dec  6 10:00:00 host kernel: Out of memory: Killed process 12",
            b"2026-11-24T14:03:00Z fine weather, nothing wrong",
        ];
        let mut splitter = LineSplitter::new(0, 4096);
        let mut out = Vec::new();
        for line in lines {
            let mut chunk = line.to_vec();
            chunk.push(b'\n');
            splitter.push(&chunk, Utc::now(), &mut out);
        }
        assert_eq!(out.len(), lines.len());
        for line in &out {
            assert_eq!(line.level, crate::tail::detect_level(&line.text), "{:?}", line.text);
        }
        assert!(out.iter().filter(|l| l.level.is_some()).count() >= 8);
        let timed = out.iter().filter(|l| l.time_origin.span().is_some());
        assert!(timed.count() >= 7, "most lines have their own time");
    }
}

#[cfg(test)]
mod size {
    #[test]
    fn a_kept_line_stays_small() {
        // 100,000 lines are kept: each byte of the struct is 100 kB of memory and of copying.
        let size = std::mem::size_of::<super::LogLine>();
        assert!(size <= 80, "LogLine is {size} bytes");
        println!("LogLine: {size} bytes");
    }
}
