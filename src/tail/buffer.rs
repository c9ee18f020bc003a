//! The bounded store of recent log lines behind a logs panel.

use std::collections::VecDeque;

use super::LogLine;

/// Lines kept by default.
pub const DEFAULT_CAPACITY: usize = 100_000;
/// Text bytes kept by default, so a flood of long lines cannot grow memory without bound.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

/// A ring of the newest log lines: old lines fall off the front once either limit is reached.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    capacity: usize,
    max_text_bytes: usize,
    text_bytes: usize,
    total: u64,
}

impl Default for LogBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl LogBuffer {
    /// A buffer with the default limits (100,000 lines, 64 MiB of text).
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_CAPACITY, DEFAULT_MAX_TEXT_BYTES)
    }

    /// A buffer keeping at most `capacity` lines (and the default text budget).
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_limits(capacity, DEFAULT_MAX_TEXT_BYTES)
    }

    /// A buffer keeping at most `capacity` lines and `max_text_bytes` bytes of text (at least one line).
    pub fn with_limits(capacity: usize, max_text_bytes: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            max_text_bytes,
            text_bytes: 0,
            total: 0,
        }
    }

    /// Appends a line, dropping the oldest ones if a limit is exceeded.
    pub fn push(&mut self, line: LogLine) {
        self.total += 1;
        self.text_bytes += line.text.len();
        self.lines.push_back(line);
        while self.lines.len() > self.capacity
            || (self.text_bytes > self.max_text_bytes && self.lines.len() > 1)
        {
            if let Some(old) = self.lines.pop_front() {
                self.text_bytes -= old.text.len();
            }
        }
    }

    /// Appends every line of a batch.
    #[cfg(any(test, feature = "test-support"))]
    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        for line in lines {
            self.push(line);
        }
    }

    /// Lines currently kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines ever pushed; never decreases, not even on `clear`.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Lines pushed but no longer kept.
    pub fn dropped(&self) -> u64 {
        self.total - self.lines.len() as u64
    }

    /// The kept line at `index`, 0 being the oldest kept.
    #[cfg(any(test, feature = "test-support"))]
    pub fn get(&self, index: usize) -> Option<&LogLine> {
        self.lines.get(index)
    }

    /// The line with absolute number `number` (0 = the first line ever pushed), if still kept.
    pub fn get_by_number(&self, number: u64) -> Option<&LogLine> {
        let index = number.checked_sub(self.dropped())?;
        self.lines.get(usize::try_from(index).ok()?)
    }

    /// The kept lines, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// The newest line.
    #[cfg(any(test, feature = "test-support"))]
    pub fn last(&self) -> Option<&LogLine> {
        self.lines.back()
    }

    /// Forgets every kept line (the total count stays).
    #[cfg(any(test, feature = "test-support"))]
    pub fn clear(&mut self) {
        self.lines.clear();
        self.text_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> LogLine {
        LogLine::new(0, text.to_string(), None, 0, chrono::Utc::now())
    }

    #[test]
    fn oldest_lines_fall_off_and_are_counted() {
        let mut buffer = LogBuffer::with_capacity(3);
        for i in 0..5 {
            buffer.push(line(&format!("line {i}")));
        }
        let kept: Vec<_> = buffer.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(kept, ["line 2", "line 3", "line 4"]);
        assert_eq!((buffer.len(), buffer.total(), buffer.dropped()), (3, 5, 2));
        assert_eq!(buffer.get(0).map(|l| l.text.as_str()), Some("line 2"));
        assert_eq!(
            buffer.get_by_number(4).map(|l| l.text.as_str()),
            Some("line 4")
        );
        assert!(buffer.get_by_number(1).is_none());
    }

    #[test]
    fn text_budget_bounds_memory() {
        let mut buffer = LogBuffer::with_limits(1000, 25);
        for i in 0..10 {
            buffer.push(line(&format!("0123456789 {i}")));
        }
        assert_eq!(buffer.len(), 2);
        assert_eq!(buffer.total(), 10);
    }
}
