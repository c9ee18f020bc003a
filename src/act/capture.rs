//! Turning a command's stdout and stderr into sanitized lines with bounded memory.
//!
//! A command may print gigabytes (`yes`, a log dump). We keep the last [`TAIL_LINES`] for the record
//! and at most [`PENDING_LINES`] waiting for the UI; older lines are only counted. Lines that would
//! be dropped before anyone sees them are never sanitized or allocated, so a flood costs little more
//! than finding its newlines.

use std::collections::VecDeque;

use crate::core::sanitize::sanitize;

/// Lines kept for the `command.finished` record.
pub const TAIL_LINES: usize = 20;
/// Lines held for the UI between two batches; a flood beyond this is counted as skipped.
pub const PENDING_LINES: usize = 1000;
/// Bytes of one line kept; the rest is counted and noted at the end of the line.
pub const MAX_LINE_BYTES: usize = 4096;

/// Output lines ready for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Batch {
    /// Lines printed (and dropped) before `lines`, since the previous batch.
    pub skipped: u64,
    /// The newest lines, sanitized.
    pub lines: Vec<String>,
}

/// A line being assembled from chunks: at most [`MAX_LINE_BYTES`] kept, the rest counted.
#[derive(Debug, Default)]
struct Partial {
    bytes: Vec<u8>,
    cut: usize,
}

impl Partial {
    fn hold(&mut self, chunk: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.bytes.len());
        let take = room.min(chunk.len());
        self.bytes.extend_from_slice(&chunk[..take]);
        self.cut += chunk.len() - take;
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.cut = 0;
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty() && self.cut == 0
    }
}

/// Stdout and stderr of one run, split into lines.
#[derive(Debug, Default)]
pub(crate) struct Capture {
    streams: [Partial; 2],
    pending: VecDeque<String>,
    skipped: u64,
    tail: VecDeque<String>,
    lines_total: u64,
    bytes_total: u64,
    newlines: Vec<usize>,
}

impl Capture {
    /// Adds a chunk read from `stream` (0 stdout, 1 stderr).
    pub(crate) fn push(&mut self, stream: usize, chunk: &[u8]) {
        let stream = stream.min(1);
        self.bytes_total += chunk.len() as u64;
        self.newlines.clear();
        self.newlines.extend(memchr::memchr_iter(b'\n', chunk));
        let n = self.newlines.len();
        let Some(&last_newline) = self.newlines.last() else {
            self.streams[stream].hold(chunk);
            return;
        };
        // Only the newest lines can still be seen by anyone: the rest are counted, not built.
        let first_kept = n.saturating_sub(PENDING_LINES.max(TAIL_LINES));
        if first_kept > 0 {
            self.streams[stream].clear();
            self.lines_total += first_kept as u64;
            self.skipped += first_kept as u64;
        }
        for i in first_kept..n {
            let end = self.newlines[i];
            if i == 0 {
                let mut partial = std::mem::take(&mut self.streams[stream]);
                partial.hold(&chunk[..end]);
                self.emit(&partial.bytes, partial.cut);
                partial.clear();
                self.streams[stream] = partial;
            } else {
                let start = self.newlines[i - 1] + 1;
                let line = &chunk[start..end];
                let kept = line.len().min(MAX_LINE_BYTES);
                self.emit(&line[..kept], line.len() - kept);
            }
        }
        self.streams[stream].hold(&chunk[last_newline + 1..]);
    }

    /// Emits unfinished last lines: the streams ended.
    pub(crate) fn finish(&mut self) {
        for stream in 0..2 {
            if !self.streams[stream].is_empty() {
                let partial = std::mem::take(&mut self.streams[stream]);
                self.emit(&partial.bytes, partial.cut);
            }
        }
    }

    fn emit(&mut self, raw: &[u8], cut: usize) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let mut text = sanitize(raw);
        if cut > 0 {
            text.push_str(&format!(" … [{cut} bytes cut]"));
        }
        self.lines_total += 1;
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(text.clone());
        if self.pending.len() == PENDING_LINES {
            self.pending.pop_front();
            self.skipped += 1;
        }
        self.pending.push_back(text);
    }

    /// Whether there is anything to tell the UI.
    pub(crate) fn has_batch(&self) -> bool {
        !self.pending.is_empty() || self.skipped > 0
    }

    /// Takes what is waiting for the UI.
    pub(crate) fn take_batch(&mut self) -> Batch {
        Batch {
            skipped: std::mem::take(&mut self.skipped),
            lines: self.pending.drain(..).collect(),
        }
    }

    /// The last lines printed, oldest first.
    pub(crate) fn tail(&self) -> Vec<String> {
        self.tail.iter().cloned().collect()
    }

    /// Lines printed so far (complete ones, plus unfinished ones after [`Capture::finish`]).
    pub(crate) fn lines_total(&self) -> u64 {
        self.lines_total
    }

    /// Bytes read so far.
    pub(crate) fn bytes_total(&self) -> u64 {
        self.bytes_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let mut c = Capture::default();
        c.push(0, b"hel");
        c.push(0, b"lo\r\nwor");
        c.push(0, b"ld\n");
        assert_eq!(c.take_batch().lines, ["hello", "world"]);
        assert_eq!(c.lines_total(), 2);
    }

    #[test]
    fn stdout_and_stderr_partials_do_not_mix() {
        let mut c = Capture::default();
        c.push(0, b"out-");
        c.push(1, b"err-");
        c.push(1, b"line\n");
        c.push(0, b"line\n");
        assert_eq!(c.take_batch().lines, ["err-line", "out-line"]);
    }

    #[test]
    fn an_unfinished_last_line_is_kept_at_the_end() {
        let mut c = Capture::default();
        c.push(0, b"done\nno newline");
        c.finish();
        assert_eq!(c.tail(), ["done", "no newline"]);
    }

    #[test]
    fn escape_sequences_never_come_out() {
        let mut c = Capture::default();
        c.push(0, b"\x1b[31mred\x1b[0m \x1b]0;title\x07ok\n");
        let lines = c.take_batch().lines;
        assert_eq!(lines, ["red ok"]);
    }

    #[test]
    fn a_huge_line_is_cut_with_a_note() {
        let mut c = Capture::default();
        for _ in 0..10 {
            c.push(0, &[b'x'; 1000]);
        }
        c.push(0, b"\n");
        let line = &c.take_batch().lines[0];
        assert!(line.starts_with(&"x".repeat(MAX_LINE_BYTES)));
        assert!(line.ends_with(&format!(" … [{} bytes cut]", 10_000 - MAX_LINE_BYTES)));
    }

    #[test]
    fn a_flood_keeps_only_the_newest_lines_and_counts_the_rest() {
        let mut c = Capture::default();
        let chunk: Vec<u8> = (0..5000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        c.push(0, &chunk);
        c.push(0, &chunk);
        let batch = c.take_batch();
        assert_eq!(batch.lines.len(), PENDING_LINES);
        assert_eq!(batch.skipped, 10_000 - PENDING_LINES as u64);
        assert_eq!(batch.lines.last().map(String::as_str), Some("4999"));
        assert_eq!(c.lines_total(), 10_000);
        assert_eq!(c.tail().len(), TAIL_LINES);
        assert_eq!(c.tail()[0], "4980");
        assert!(!c.has_batch());
    }
}
