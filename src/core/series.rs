//! The one per-bucket count series (lines a second, errors a second), bounded in memory.
//!
//! Only buckets that saw a sample are stored, oldest first, and only the newest `keep` of them: a quiet
//! series costs a few bytes and a busy one at most its window. A sample stamped earlier than the newest
//! bucket (a clock step, lines reordered between sources) counts in its own bucket, so history says
//! when things happened rather than when they were read; one older than the window is dropped.

use std::collections::VecDeque;

/// Sample counts per bucket index (a second, a minute: the caller decides the width).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Series {
    buckets: VecDeque<(u64, u32)>,
}

impl Series {
    /// Counts one sample in `bucket`, keeping the newest `keep` buckets.
    pub fn record(&mut self, bucket: u64, keep: u64) {
        let keep = keep.max(1);
        match self.buckets.back_mut() {
            Some((last, count)) if *last == bucket => *count = count.saturating_add(1),
            Some((last, _)) if *last > bucket => {
                if bucket + keep <= *last {
                    return;
                }
                match self.buckets.binary_search_by_key(&bucket, |&(b, _)| b) {
                    Ok(i) => self.buckets[i].1 = self.buckets[i].1.saturating_add(1),
                    Err(i) => self.buckets.insert(i, (bucket, 1)),
                }
            }
            _ => self.buckets.push_back((bucket, 1)),
        }
        let newest = self.newest().unwrap_or(bucket);
        while self
            .buckets
            .front()
            .is_some_and(|&(b, _)| b + keep <= newest)
        {
            self.buckets.pop_front();
        }
    }

    /// Adds every count of `other` (two series becoming one), keeping the newest `keep` buckets.
    pub fn absorb(&mut self, other: &Series, keep: u64) {
        let mut merged = VecDeque::with_capacity(self.buckets.len() + other.buckets.len());
        let (mut a, mut b) = (self.buckets.iter().peekable(), other.buckets.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&(x, cx)), Some(&&(y, cy))) if x == y => {
                    a.next();
                    b.next();
                    (x, cx.saturating_add(cy))
                }
                (Some(&&x), Some(&&y)) if x.0 < y.0 => *a.next().unwrap_or(&x),
                (_, Some(&&y)) => *b.next().unwrap_or(&y),
                (Some(&&x), None) => *a.next().unwrap_or(&x),
                (None, None) => break,
            };
            merged.push_back(next);
        }
        self.buckets = merged;
        let keep = keep.max(1);
        if let Some(newest) = self.newest() {
            while self
                .buckets
                .front()
                .is_some_and(|&(b, _)| b + keep <= newest)
            {
                self.buckets.pop_front();
            }
        }
    }

    /// The stored `(bucket, count)` pairs, oldest first.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.buckets.iter().copied()
    }

    /// The newest bucket that saw a sample.
    pub fn newest(&self) -> Option<u64> {
        self.buckets.back().map(|&(b, _)| b)
    }

    /// Counts of the `n` buckets ending with `now`, oldest first.
    pub fn last(&self, now: u64, n: usize) -> Vec<u32> {
        let mut out = vec![0; n];
        let first = (now + 1).saturating_sub(n as u64);
        // Fewer than `n` buckets exist before `now` when it is near zero: they fill the right end.
        let offset = n as u64 - (now + 1 - first);
        for (b, c) in self.buckets() {
            if (first..=now).contains(&b) {
                out[(offset + b - first) as usize] = c;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorbing_a_series_sums_shared_buckets_and_keeps_the_window() {
        let mut a = Series::default();
        let mut b = Series::default();
        for x in [1, 3, 3, 7] {
            a.record(x, 100);
        }
        for x in [2, 3, 9] {
            b.record(x, 100);
        }
        a.absorb(&b, 100);
        let got: Vec<_> = a.buckets().collect();
        assert_eq!(got, vec![(1, 1), (2, 1), (3, 3), (7, 1), (9, 1)]);
        a.absorb(&Series::default(), 5);
        assert_eq!(a.buckets().next(), Some((7, 1)), "older than the window is dropped");
    }

    #[test]
    fn a_late_sample_counts_in_its_own_bucket() {
        let mut s = Series::default();
        s.record(10, 60);
        s.record(7, 60);
        s.record(7, 60);
        assert_eq!(s.last(10, 5), [0, 2, 0, 0, 1]);
    }

    #[test]
    fn a_late_sample_in_an_existing_bucket_adds_to_it() {
        let mut s = Series::default();
        s.record(5, 60);
        s.record(6, 60);
        s.record(5, 60);
        assert_eq!(s.last(6, 2), [2, 1]);
    }

    #[test]
    fn a_sample_older_than_the_window_is_dropped() {
        let mut s = Series::default();
        s.record(100, 10);
        s.record(90, 10);
        s.record(91, 10);
        assert_eq!(s.buckets().collect::<Vec<_>>(), [(91, 1), (100, 1)]);
    }

    #[test]
    fn memory_stays_within_the_window_however_long_it_runs() {
        let mut s = Series::default();
        for second in 0..10_000 {
            s.record(second, 120);
        }
        assert_eq!(s.buckets().count(), 120);
        assert_eq!(s.newest(), Some(9_999));
    }

    #[test]
    fn the_last_buckets_near_zero_fill_the_right_end() {
        let mut s = Series::default();
        s.record(0, 10);
        s.record(1, 10);
        assert_eq!(s.last(1, 4), [0, 0, 1, 1]);
    }
}
