//! What has been delivered, so that an entry given twice (a page boundary, a repair after the tail
//! closed, the tail's own first entries, a tail that repeats itself) is delivered once.
//!
//! An entry is known by (time in ns, stream labels, line). The tail gives lines out of order
//! (streams reach Loki apart, and Loki takes late writes), so the newest time delivered cannot
//! stand for everything before it: every entry of the last [`WINDOW_NS`] behind the newest is
//! remembered (at most [`KEPT`] of them), and `floor` is where that memory is whole. An entry not
//! remembered is new: nothing asks Loki for anything below the floor again (the next request
//! starts at [`Seen::newest`] or [`Seen::resume`], a repair of dropped entries at the floor at the
//! earliest), and the tail gives an entry once.
//!
//! The window trails the newest time as it stood a minute ago ([`SETTLE`]), not as it stands now: a
//! tail's first message holds history that its live messages may repeat (an entry stored while the
//! tail opened comes in both), and a quiet stream's first live line can put the newest far ahead
//! of lines the tail still repeats. Forgetting at once would show such a line twice. Only a tail
//! that repeats an entry more than a minute later, and a minute older than the newest line of a
//! minute before, would.

use std::collections::{BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Entry, Labels};

/// How far behind the newest line delivered entries are remembered.
pub(super) const WINDOW_NS: i64 = 60_000_000_000;
/// How far behind the newest line a repair starts, for lines that reached Loki late.
const REPAIR_LAG_NS: i64 = 10_000_000_000;
/// The most entries remembered (a busy query's minute).
const KEPT: usize = 50_000;
/// How long the newest time stands before the window behind it is forgotten.
const SETTLE: Duration = Duration::from_secs(60);

#[derive(Default)]
pub(super) struct Seen {
    /// (time, labels, the line's hash): a 64-bit hash, not the line, so a minute of big JSON lines
    /// costs little.
    kept: BTreeSet<(i64, Labels, u64)>,
    newest: i64,
    floor: i64,
    /// (when, the newest time then), a mark a second at most: what the window trails.
    marks: VecDeque<(Instant, i64)>,
}

impl Seen {
    /// The newest time delivered (0 before any).
    pub(super) fn newest(&self) -> i64 {
        self.newest
    }

    /// Where remembering starts: below it every entry was delivered or is new.
    pub(super) fn floor(&self) -> i64 {
        self.floor
    }

    /// Where a repair starts: a little before the newest line, within what is remembered.
    pub(super) fn resume(&self) -> i64 {
        self.newest.saturating_sub(REPAIR_LAG_NS).max(self.floor)
    }

    /// Live lines start at `ns`: nothing before it is asked for.
    pub(super) fn start_at(&mut self, ns: i64) {
        self.newest = self.newest.max(ns);
        self.floor = self.floor.max(ns);
    }

    /// Whether a line of this stream at this time was delivered (and is still remembered).
    pub(super) fn holds(&self, labels: &Labels, ns: i64) -> bool {
        let from = (ns, labels.clone(), 0);
        self.kept
            .range(from..)
            .next()
            .is_some_and(|(at, l, _)| *at == ns && l == labels)
    }

    /// Keeps the entries not delivered yet, and remembers them.
    pub(super) fn fresh(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        let clock = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
        self.fresh_at(entries, Instant::now(), clock)
    }

    /// [`Seen::fresh`] at `now`; an entry's time counts towards the newest up to `ceiling` only (this
    /// machine's clock): a line stamped ten minutes ahead by a pod with a skewed clock is
    /// delivered, but the next request does not start ten minutes ahead, which asked for nothing
    /// until the clock caught up and silenced every other stream of the query meanwhile. Loki
    /// gives it again once the clock passes its time; it is still remembered then (the window
    /// trails the newest time) and is not delivered twice.
    fn fresh_at(&mut self, entries: Vec<Entry>, now: Instant, ceiling: i64) -> Vec<Entry> {
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let key = (entry.ns, entry.labels.clone(), line_hash(&entry.line));
            if !self.kept.insert(key) {
                continue;
            }
            self.newest = self.newest.max(entry.ns.min(ceiling));
            if self.kept.len() > 2 * KEPT {
                self.forget(now);
            }
            out.push(entry);
        }
        self.mark(now);
        self.forget(now);
        out
    }

    /// Notes the newest time as it stands at `now`.
    fn mark(&mut self, now: Instant) {
        match self.marks.back_mut() {
            Some((_, newest)) if *newest == self.newest => {}
            Some((at, newest)) if now.saturating_duration_since(*at) < Duration::from_secs(1) => {
                *newest = self.newest;
            }
            _ => self.marks.push_back((now, self.newest)),
        }
    }

    /// The newest time as it stood [`SETTLE`] before `now`; `None` before the first mark is that old.
    fn settled(&mut self, now: Instant) -> Option<i64> {
        let old = |mark: &(Instant, i64)| now.saturating_duration_since(mark.0) >= SETTLE;
        while self.marks.get(1).is_some_and(old) {
            self.marks.pop_front();
        }
        self.marks.front().filter(|m| old(m)).map(|m| m.1)
    }

    /// Forgets what is older than the window behind the settled newest time, and the oldest past
    /// the count.
    fn forget(&mut self, now: Instant) {
        let cut = self
            .settled(now)
            .map_or(i64::MIN, |settled| settled.saturating_sub(WINDOW_NS));
        if cut > self.floor {
            self.kept = self.kept.split_off(&(cut, Arc::default(), 0));
            self.floor = cut;
        }
        while self.kept.len() > KEPT {
            if let Some((ns, _, _)) = self.kept.pop_first() {
                // What is left at that time is still remembered; the rest of it was delivered.
                self.floor = self.floor.max(ns + 1);
            }
        }
    }
}

fn line_hash(line: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    line.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn entry(pod: &str, ns: i64, line: &str) -> Entry {
        Entry {
            labels: Arc::new(BTreeMap::from([("pod".to_string(), pod.to_string())])),
            ns,
            line: line.into(),
        }
    }

    fn lines(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.line.as_str()).collect()
    }

    #[test]
    fn entries_at_the_last_time_are_delivered_once() {
        let mut seen = Seen::default();
        assert_eq!(
            seen.fresh(vec![entry("a", 1, "a"), entry("a", 2, "b")]).len(),
            2
        );
        // The next page starts at 2 again: b is dropped, c at the same time is new.
        let fresh = seen.fresh(vec![
            entry("a", 2, "b"),
            entry("a", 2, "c"),
            entry("a", 3, "d"),
        ]);
        assert_eq!(lines(&fresh), ["c", "d"]);
    }

    #[test]
    fn a_late_line_of_another_stream_is_delivered_and_a_repeat_is_not() {
        let mut seen = Seen::default();
        let s = 1_000_000_000;
        seen.fresh(vec![entry("a", 100 * s, "a1")]);
        // Older than the newest, never delivered: it comes through.
        let fresh = seen.fresh(vec![entry("b", 95 * s, "b1"), entry("a", 100 * s, "a1")]);
        assert_eq!(lines(&fresh), ["b1"]);
        // A repair from `resume` gives both again: neither is repeated.
        assert!(seen.resume() <= 95 * s);
        let fresh = seen.fresh(vec![entry("b", 95 * s, "b1"), entry("a", 100 * s, "a1")]);
        assert!(fresh.is_empty());
        assert!(seen.holds(&entry("b", 0, "").labels, 95 * s));
        assert!(!seen.holds(&entry("c", 0, "").labels, 95 * s));
        // A line a minute and more later: the old ones are still known for a minute, then
        // forgotten, and the floor says so.
        let now = Instant::now();
        seen.fresh_at(vec![entry("a", 200 * s, "a2")], now, i64::MAX);
        assert!(seen.holds(&entry("b", 0, "").labels, 95 * s));
        seen.fresh_at(Vec::new(), now + SETTLE, i64::MAX);
        assert_eq!(seen.floor(), 200 * s - WINDOW_NS);
        assert!(seen.resume() >= seen.floor());
        assert!(!seen.holds(&entry("b", 0, "").labels, 95 * s));
    }

    #[test]
    fn a_tail_repeating_its_history_after_a_jump_gives_each_entry_once() {
        // A quiet stream: its last lines 25 minutes ago. The tail opens; its first message holds
        // those and two new entries, one written late at the old time and one from now, and then
        // it gives the two again, live.
        let mut seen = Seen::default();
        let s = 1_000_000_000;
        let now = Instant::now();
        seen.fresh_at(vec![entry("a", 100 * s, "old")], now, i64::MAX);
        let history = vec![
            entry("a", 100 * s, "old"),
            entry("a", 100 * s + 1, "late"),
            entry("b", 1600 * s, "new"),
        ];
        assert_eq!(lines(&seen.fresh_at(history, now, i64::MAX)), ["late", "new"]);
        let live = vec![entry("a", 100 * s + 1, "late"), entry("b", 1600 * s, "new")];
        let later = now + Duration::from_millis(300);
        assert!(seen.fresh_at(live, later, i64::MAX).is_empty(), "nothing twice");
        assert!(seen.floor() <= 100 * s);
        // A minute on, what is a minute behind the newest is forgotten.
        seen.fresh_at(Vec::new(), later + SETTLE, i64::MAX);
        assert_eq!(seen.floor(), 1600 * s - WINDOW_NS);
    }

    #[test]
    fn memory_stays_bounded_under_a_flood() {
        let mut seen = Seen::default();
        let flood: Vec<Entry> = (0..3 * KEPT as i64)
            .map(|n| entry("a", n, &format!("line {n}")))
            .collect();
        assert_eq!(seen.fresh(flood).len(), 3 * KEPT);
        assert!(seen.kept.len() <= KEPT);
        // What was forgotten is below the floor, what is kept above it is still known.
        let again = seen.fresh(vec![entry("a", 3 * KEPT as i64 - 1, &format!("line {}", 3 * KEPT - 1))]);
        assert!(again.is_empty());
    }
}
