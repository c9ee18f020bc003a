//! What has been delivered, so that an entry asked for twice is delivered once.

use std::collections::{BTreeMap, HashSet};

use super::Entry;

/// What has been delivered at the newest time: the next request starts there, and drops these.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) ns: i64,
    pub(super) at_ns: HashSet<(std::sync::Arc<BTreeMap<String, String>>, String)>,
}

impl Seen {
    /// Keeps the entries not delivered yet, and remembers them.
    pub(super) fn fresh(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            if entry.ns < self.ns {
                continue;
            }
            if entry.ns > self.ns {
                self.ns = entry.ns;
                self.at_ns.clear();
            }
            if self
                .at_ns
                .insert((entry.labels.clone(), entry.line.clone()))
            {
                out.push(entry);
            }
        }
        out
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_at_the_last_time_are_delivered_once() {
        let labels = std::sync::Arc::new(BTreeMap::from([("app".to_string(), "a".to_string())]));
        let e = |ns: i64, line: &str| Entry {
            labels: labels.clone(),
            ns,
            line: line.into(),
        };
        let mut seen = Seen::default();
        assert_eq!(seen.fresh(vec![e(1, "a"), e(2, "b")]).len(), 2);
        // The next page starts at 2 again: b is dropped, c at the same time is new.
        let fresh = seen.fresh(vec![e(2, "b"), e(2, "c"), e(3, "d")]);
        let lines: Vec<&str> = fresh.iter().map(|e| e.line.as_str()).collect();
        assert_eq!(lines, ["c", "d"]);
    }
}
