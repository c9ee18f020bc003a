//! Which buffered lines the view shows, and stepping between them: every line, or with filters, a
//! tab or a followed request only the kept lines (the matches) and `context` lines around each.
//! Lines are addressed by their number since the start (see `LogBuffer`).

use std::collections::VecDeque;

use crate::tail::LogBuffer;

/// The shown lines of a buffer: a range of numbers, or the matches and their context.
pub(super) struct Shown<'a> {
    /// The first kept line number and one past the newest.
    lo: u64,
    hi: u64,
    /// `None`: every line is shown.
    matches: Option<&'a VecDeque<u64>>,
    context: u64,
}

impl<'a> Shown<'a> {
    pub(super) fn new(logs: &LogBuffer, matches: Option<&'a VecDeque<u64>>, context: usize) -> Self {
        Shown {
            lo: logs.dropped(),
            hi: logs.total(),
            matches,
            context: context as u64,
        }
    }

    fn kept(&self, n: u64) -> Option<u64> {
        (n >= self.lo && n < self.hi).then_some(n)
    }

    /// Whether line `n` is a match (not context); every shown line is one without filters.
    pub(super) fn is_match(&self, n: u64) -> bool {
        self.matches.is_none_or(|m| m.binary_search(&n).is_ok())
    }

    /// The oldest shown line.
    pub(super) fn first(&self) -> Option<u64> {
        match self.matches {
            None => self.kept(self.lo),
            Some(m) => m
                .front()
                .and_then(|&f| self.kept(f.saturating_sub(self.context).max(self.lo))),
        }
    }

    /// The newest shown line.
    pub(super) fn last(&self) -> Option<u64> {
        match self.matches {
            None => self.hi.checked_sub(1).and_then(|n| self.kept(n)),
            Some(m) => m.back().and_then(|&l| {
                self.kept((l + self.context).min(self.hi.saturating_sub(1)))
            }),
        }
    }

    /// The shown line just before `n`.
    pub(super) fn prev(&self, n: u64) -> Option<u64> {
        let before = n.checked_sub(1)?;
        let Some(m) = self.matches else {
            return self.kept(before);
        };
        let c = self.context;
        // The newest match that could show `before` (at most `c` lines after it).
        let i = m.partition_point(|&x| x <= before + c);
        let newest = *m.get(i.checked_sub(1)?)?;
        let candidate = if newest + c >= before {
            before
        } else {
            newest + c
        };
        self.kept(candidate)
    }

    /// The shown line just after `n`.
    pub(super) fn next(&self, n: u64) -> Option<u64> {
        let after = n + 1;
        let Some(m) = self.matches else {
            return self.kept(after);
        };
        let c = self.context;
        let i = m.partition_point(|&x| x < after.saturating_sub(c));
        let oldest = *m.get(i)?;
        let candidate = if oldest <= after + c {
            after.max(oldest.saturating_sub(c))
        } else {
            oldest - c
        };
        self.kept(candidate)
    }

    /// The shown line at or nearest to `n` (the newer one on a tie).
    pub(super) fn nearest(&self, n: u64) -> Option<u64> {
        if n < self.lo {
            return self.first();
        }
        if n >= self.hi {
            return self.last();
        }
        if self.prev(n + 1) == Some(n) {
            return Some(n);
        }
        match (self.prev(n), self.next(n)) {
            (Some(b), Some(a)) => Some(if n - b < a - n { b } else { a }),
            (b, a) => b.or(a),
        }
    }

    /// Steps `delta` shown lines from `n` (negative: older), stopping at either end.
    pub(super) fn step(&self, n: u64, delta: isize) -> u64 {
        let mut at = n;
        for _ in 0..delta.unsigned_abs() {
            let next = if delta < 0 {
                self.prev(at)
            } else {
                self.next(at)
            };
            match next {
                Some(x) => at = x,
                None => break,
            }
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::LogLine;

    fn logs(n: usize) -> LogBuffer {
        let mut b = LogBuffer::with_capacity(100);
        for i in 0..n {
            b.push(LogLine::new(0, format!("{i}"), None, 0, chrono::Utc::now()));
        }
        b
    }

    fn all(s: &Shown) -> Vec<u64> {
        let mut out = Vec::new();
        let mut at = s.first();
        while let Some(n) = at {
            out.push(n);
            at = s.next(n);
        }
        out
    }

    fn all_back(s: &Shown) -> Vec<u64> {
        let mut out = Vec::new();
        let mut at = s.last();
        while let Some(n) = at {
            out.push(n);
            at = s.prev(n);
        }
        out.reverse();
        out
    }

    #[test]
    fn context_lines_surround_each_match_walking_either_way() {
        let b = logs(20);
        let m: VecDeque<u64> = [3, 4, 10, 19].into();
        let s = Shown::new(&b, Some(&m), 2);
        let expect = [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 17, 18, 19];
        assert_eq!(all(&s), expect);
        assert_eq!(all_back(&s), expect);
        assert!(s.is_match(10) && !s.is_match(11));
    }

    #[test]
    fn without_context_only_matches_are_shown() {
        let b = logs(10);
        let m: VecDeque<u64> = [0, 5, 9].into();
        let s = Shown::new(&b, Some(&m), 0);
        assert_eq!(all(&s), [0, 5, 9]);
        assert_eq!(all_back(&s), [0, 5, 9]);
        assert_eq!(s.nearest(3), Some(5));
        assert_eq!(s.nearest(2), Some(0));
        assert_eq!(s.step(0, 5), 9);
        assert_eq!(s.step(9, -1), 5);
    }

    #[test]
    fn without_filters_every_kept_line_is_shown() {
        let b = logs(4);
        let s = Shown::new(&b, None, 0);
        assert_eq!(all(&s), [0, 1, 2, 3]);
        assert_eq!(s.nearest(99), Some(3));
    }
}
