//! The most frequent values seen behind one `<*>`, kept in bounded memory (the space-saving
//! algorithm: a value not yet tracked replaces the rarest one and inherits its count, so counts
//! are upper bounds and any value more frequent than 1/k of the total is kept).

use serde::Serialize;

/// Values longer than this are cut (at a character boundary) before they are kept.
pub(crate) const MAX_VALUE_BYTES: usize = 96;

/// A value seen behind a `<*>` and how many times (an upper bound once values were displaced).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValueCount {
    /// The value as it appeared in the line (cut to a bounded length).
    pub value: String,
    /// How many lines showed it.
    pub count: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    hash: u64,
    value: String,
    count: u64,
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
        if cap == 0 {
            return;
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.hash == hash) {
            e.count += 1;
            return;
        }
        self.distinct_hint += 1;
        if self.entries.len() < cap {
            self.entries.push(Entry {
                hash,
                value: cut(value).to_owned(),
                count: 1,
            });
            return;
        }
        if let Some(rarest) = self.entries.iter_mut().min_by_key(|e| e.count) {
            rarest.hash = hash;
            rarest.value.clear();
            rarest.value.push_str(cut(value));
            rarest.count += 1;
        }
    }

    /// Counts `n` occurrences of `value` at once (values of a pattern merged into this one).
    pub fn add_n(&mut self, value: &str, hash: u64, n: u64, cap: usize) {
        if n == 0 || cap == 0 {
            return;
        }
        self.add(value, hash, cap);
        if let Some(e) = self.entries.iter_mut().find(|e| e.hash == hash) {
            e.count += n - 1;
        }
    }

    /// Adds every value of `other` (a pattern merged into this one).
    pub fn absorb(&mut self, other: &TopValues, cap: usize) {
        for e in &other.entries {
            self.add_n(&e.value, e.hash, e.count, cap);
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
                count: e.count,
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
    if value.len() <= MAX_VALUE_BYTES {
        return value;
    }
    let mut end = MAX_VALUE_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}
