//! Searching the timeline's events: plain text, in any case, through everything the detail view
//! shows of an event (its actor, kind, summary and evidence), so a word only the evidence holds
//! still finds its event.

use std::ops::Range;

use regex::{Regex, RegexBuilder};

use super::detail::fields;
use crate::timeline::Record;

/// A search through the events, with the matches found so far.
#[derive(Debug, Clone)]
pub struct EventSearch {
    text: String,
    regex: Regex,
    /// Records looked at so far (the timeline only grows).
    scanned: usize,
    /// Indexes of the matching records, ascending.
    matches: Vec<usize>,
}

impl EventSearch {
    /// A search for `text` taken literally; the error is for the user.
    pub fn new(text: &str) -> Result<EventSearch, String> {
        let regex = RegexBuilder::new(&regex::escape(text))
            .case_insensitive(true)
            .build()
            .map_err(|e| format!("cannot search for that: {e}"))?;
        Ok(EventSearch {
            text: text.to_string(),
            regex,
            scanned: 0,
            matches: Vec::new(),
        })
    }

    /// What is searched for, as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Forgets what it found from record `at` on: records were put there (a shared incident's
    /// store record before our events not numbered yet), so it looks again.
    pub fn rescan_from(&mut self, at: usize) {
        self.matches.retain(|&i| i < at);
        self.scanned = self.scanned.min(at);
    }

    /// Looks at the records added since the last call.
    pub fn catch_up(&mut self, records: &[Record]) {
        for (i, r) in records.iter().enumerate().skip(self.scanned) {
            if self.finds(r) {
                self.matches.push(i);
            }
        }
        self.scanned = self.scanned.max(records.len());
    }

    fn finds(&self, r: &Record) -> bool {
        self.regex.is_match(&r.actor)
            || self.regex.is_match(r.event.kind())
            || self.regex.is_match(&r.event.summary())
            || fields(&r.event)
                .iter()
                .any(|f| self.regex.is_match(&f.label) || self.regex.is_match(&f.value))
    }

    /// The indexes of the matching records, oldest first.
    pub fn matches(&self) -> &[usize] {
        &self.matches
    }

    /// Whether record `i` matches.
    pub fn is_match(&self, i: usize) -> bool {
        self.matches.binary_search(&i).is_ok()
    }

    /// The newest match at or before record `i`.
    pub fn at_or_before(&self, i: usize) -> Option<usize> {
        let n = self.matches.partition_point(|&m| m <= i);
        n.checked_sub(1).map(|k| self.matches[k])
    }

    /// The oldest match after record `i`.
    pub fn after(&self, i: usize) -> Option<usize> {
        let n = self.matches.partition_point(|&m| m <= i);
        self.matches.get(n).copied()
    }

    /// The newest match before record `i`.
    pub fn before(&self, i: usize) -> Option<usize> {
        self.at_or_before(i.checked_sub(1)?)
    }

    /// Where the searched text occurs in `shown` (byte ranges), to highlight it.
    pub fn highlights(&self, shown: &str) -> Vec<Range<usize>> {
        self.regex
            .find_iter(shown)
            .map(|m| m.range())
            .filter(|r| !r.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Event, chain::seal};
    use chrono::Utc;

    fn note(seq: u64, text: &str) -> Record {
        seal(seq, Utc::now(), "alice", Event::Note { text: text.into() }, "")
            .unwrap()
            .1
    }

    #[test]
    fn a_search_ignores_case_and_takes_the_text_literally() {
        let records = [note(1, "Rolled BACK (v2)"), note(2, "rolled forward"), note(3, "a.b")];
        let mut s = EventSearch::new("back (v2").unwrap();
        s.catch_up(&records);
        assert_eq!(s.matches(), [0]);
        let mut dot = EventSearch::new(".").unwrap();
        dot.catch_up(&records);
        assert_eq!(dot.matches(), [2], "a dot is a dot, not any character");
    }

    #[test]
    fn records_added_later_are_searched_as_they_come() {
        let mut records = vec![note(1, "timeout")];
        let mut s = EventSearch::new("TIMEOUT").unwrap();
        s.catch_up(&records);
        records.push(note(2, "nothing"));
        records.push(note(3, "timeout again"));
        s.catch_up(&records);
        assert_eq!(s.matches(), [0, 2]);
        assert_eq!(s.at_or_before(1), Some(0));
        assert_eq!(s.at_or_before(2), Some(2));
        assert_eq!(s.after(0), Some(2));
        assert_eq!(s.before(0), None);
        assert_eq!(s.highlights("a Timeout, a timeout"), [2..9, 13..20]);
    }
}
