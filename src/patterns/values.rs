//! The most frequent values seen behind one `<*>`, kept in bounded memory (the space-saving
//! algorithm: a value not yet tracked replaces the rarest one and inherits its count, so any
//! value more frequent than 1/k of the total is kept). The inherited part is remembered, and what
//! is shown is the count the value has surely had: a run of ids each seen once reads `×1` each,
//! not the count they inherited.

use serde::Serialize;

/// Values longer than this are cut (at a character boundary) before they are kept.
pub(crate) const MAX_VALUE_BYTES: usize = 96;

/// A value seen behind a `<*>` and how many times (at least: exact for a value kept since its
/// first line, a lower bound for one that displaced another).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueCount {
    /// The value as it appeared in the line (cut to a bounded length).
    pub value: String,
    /// How many lines surely showed it.
    pub count: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    hash: u64,
    value: String,
    /// Counted, including `inherited`.
    count: u64,
    /// The part of `count` taken over from the values it displaced.
    inherited: u64,
}

/// A bounded table of the top values of one variable.
#[derive(Clone, Debug, Default)]
pub(crate) struct TopValues {
    entries: Vec<Entry>,
    distinct_hint: u64,
}

impl TopValues {
    /// Counts one occurrence of `value`, whose hash is `hash`; keeps at most `cap` values.
    pub fn add(&mut self, value: &str, hash: u64, cap: usize) {
        self.add_counted(value, hash, 1, 0, cap);
    }

    /// Counts `n` occurrences of `value` at once (values of a pattern merged into this one).
    pub fn add_n(&mut self, value: &str, hash: u64, n: u64, cap: usize) {
        self.add_counted(value, hash, n, 0, cap);
    }

    /// Counts `n` occurrences of `value`, `inherited` of them taken over from displaced values.
    fn add_counted(&mut self, value: &str, hash: u64, n: u64, inherited: u64, cap: usize) {
        if n == 0 || cap == 0 {
            return;
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.hash == hash) {
            e.count += n;
            e.inherited += inherited;
            return;
        }
        self.distinct_hint += 1;
        if self.entries.len() < cap {
            self.entries.push(Entry {
                hash,
                value: cut(value).to_owned(),
                count: n,
                inherited,
            });
            return;
        }
        if let Some(rarest) = self.entries.iter_mut().min_by_key(|e| e.count) {
            rarest.hash = hash;
            rarest.value.clear();
            rarest.value.push_str(cut(value));
            rarest.inherited = rarest.count + inherited;
            rarest.count += n;
        }
    }

    /// Adds every value of `other` (a pattern merged into this one).
    pub fn absorb(&mut self, other: &TopValues, cap: usize) {
        for e in &other.entries {
            self.add_counted(&e.value, e.hash, e.count, e.inherited, cap);
        }
        self.distinct_hint = self.distinct_hint.max(other.distinct_hint);
    }

    /// The kept values, most frequent first.
    pub fn top(&self) -> Vec<ValueCount> {
        let mut out: Vec<ValueCount> = self
            .entries
            .iter()
            .map(|e| ValueCount {
                value: e.value.clone(),
                count: e.count - e.inherited,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        out
    }

    /// Whether more distinct values were seen than are kept.
    pub fn overflowed(&self) -> bool {
        self.distinct_hint > self.entries.len() as u64
    }
}

/// `value`, cut at a character boundary to at most [`MAX_VALUE_BYTES`].
pub(crate) fn cut(value: &str) -> &str {
    crate::core::text::within_bytes(value, MAX_VALUE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patterns::hash::hash_bytes;

    fn add(top: &mut TopValues, value: &str) {
        top.add(value, hash_bytes(value.as_bytes()), 5);
    }

    #[test]
    fn ids_each_seen_once_read_once_each_and_a_frequent_value_keeps_its_count() {
        let mut top = TopValues::default();
        for i in 0..100 {
            add(&mut top, &format!("ch_{i:04x}"));
            if i % 2 == 0 {
                add(&mut top, "acct_hot");
            }
        }
        let shown = top.top();
        assert_eq!(shown.len(), 5);
        assert_eq!((shown[0].value.as_str(), shown[0].count), ("acct_hot", 50));
        assert!(shown[1..].iter().all(|v| v.count == 1), "{shown:?}");
        assert!(top.overflowed());
    }

    #[test]
    fn a_merged_table_keeps_what_was_inherited_apart() {
        let (mut a, mut b) = (TopValues::default(), TopValues::default());
        for i in 0..20 {
            add(&mut b, &format!("id{i}"));
        }
        for _ in 0..10 {
            add(&mut a, "kept");
        }
        a.absorb(&b, 5);
        let shown = a.top();
        assert_eq!((shown[0].value.as_str(), shown[0].count), ("kept", 10));
        assert!(shown[1..].iter().all(|v| v.count == 1), "{shown:?}");
    }
}
