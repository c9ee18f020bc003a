//! Pinned log lines in the exports: where each one goes (under the event it cites, or on its own),
//! how it is quoted, and what is known about its text (does it still match its hash, was it redacted).

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::doc::{Span, code, t};
use super::text::rfc3339;
use crate::core::redact::Redactor;
use crate::timeline::{Event, Record};

/// How many hex characters of a pinned line's hash the documents show.
pub(crate) const SHORT_HASH: usize = 12;

/// What was found about a pinned line's text before redaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PinCheck {
    /// The recorded text hashes to the recorded `sha256`.
    pub intact: bool,
    /// The text holds a secret, so the export quotes it redacted (the hash is of the text as recorded).
    pub redacted: bool,
}

/// Checks every pinned line of the records as written, by index; other events get `None`.
pub(crate) fn checks(records: &[Record], redactor: &Redactor) -> Vec<Option<PinCheck>> {
    records
        .iter()
        .map(|r| match &r.event {
            Event::LinePinned { text, .. } => Some(PinCheck {
                intact: r.event.pin_intact() == Some(true),
                redacted: matches!(redactor.redact(text), Cow::Owned(_)),
            }),
            _ => None,
        })
        .collect()
}

/// Where a pinned line is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Under the event it cites, which comes before it in the file.
    Under(u64),
    /// As its own entry: it cites nothing.
    Alone,
    /// As its own entry, with a note: the event it cites is not in the file before it.
    Missing(u64),
}

/// One pinned line, as the exports show it.
pub(crate) struct Pin<'p> {
    /// The (redacted) record.
    pub record: &'p Record,
    /// The log source's name.
    pub source: &'p str,
    /// The quote (redacted when `check.redacted`).
    pub text: &'p str,
    /// The recorded hash, in full.
    pub sha256: &'p str,
    /// When sitrep read the line.
    pub read_at: DateTime<Utc>,
    /// The line's own time, when known.
    pub line_time: Option<DateTime<Utc>>,
    /// The cited seq, if any.
    pub cites: Option<u64>,
    /// Where it goes.
    pub placement: Placement,
    /// What is known about its text.
    pub check: PinCheck,
}

impl Pin<'_> {
    /// `line time 2026-11-24 14:00:58.123 UTC` when the line had one, else `read …`.
    pub(crate) fn time_label(&self) -> String {
        let (label, ts) = match self.line_time {
            Some(ts) => ("line time", ts),
            None => ("read", self.read_at),
        };
        format!("{label} {} UTC", ts.format("%Y-%m-%d %H:%M:%S%.3f"))
    }

    /// The first [`SHORT_HASH`] characters of the hash.
    pub(crate) fn short_hash(&self) -> &str {
        self.sha256
            .char_indices()
            .nth(SHORT_HASH)
            .map_or(self.sha256, |(cut, _)| &self.sha256[..cut])
    }

    /// The notes a reader needs beside the quote: a missing citation, an edited or redacted text.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Placement::Missing(seq) = self.placement {
            notes.push(format!(
                "it cites event #{seq}, which is missing from this timeline"
            ));
        }
        if !self.check.intact {
            notes.push(
                "⚠ the text does not match its sha256: it was edited after it was pinned".into(),
            );
        }
        if self.check.redacted {
            notes.push(
                "secrets in the text were redacted for this export; the sha256 is of the text as recorded"
                    .into(),
            );
        }
        notes
    }

    /// The whole entry as document text: what it is, where it came from, its hash, the quote, the notes.
    pub(crate) fn spans(&self) -> Vec<Span> {
        let mut spans = Vec::new();
        if let Placement::Under(seq) = self.placement {
            spans.push(t(format!("↳ evidence for #{seq}: ")));
        }
        spans.push(t(format!(
            "pinned {} line, {}, sha256 ",
            self.source,
            self.time_label()
        )));
        spans.push(code(self.short_hash()));
        spans.push(t(": "));
        spans.push(code(self.text));
        for note in self.notes() {
            spans.push(t(format!(" ({note})")));
        }
        spans
    }

    /// Times as in the timeline file, for the JSON and CSV exports.
    pub(crate) fn times(&self) -> (String, Option<String>) {
        (rfc3339(self.read_at), self.line_time.map(rfc3339))
    }
}

/// Every pinned line of the (redacted) records, in file order, keyed by its record's index; `checks`
/// are what [`checks`] found in the records as written.
pub(crate) fn pins<'p>(records: &'p [Record], checks: &[Option<PinCheck>]) -> Vec<(usize, Pin<'p>)> {
    let mut first_at: HashMap<u64, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        first_at.entry(r.seq).or_insert(i);
    }
    records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let Event::LinePinned {
                source,
                read_at,
                line_time,
                text,
                sha256,
                cites,
            } = &r.event
            else {
                return None;
            };
            // Only an earlier event can hold a pin: that keeps every chain of citations finite.
            let placement = match cites {
                None => Placement::Alone,
                Some(seq) if first_at.get(seq).is_some_and(|&at| at < i) => Placement::Under(*seq),
                Some(seq) => Placement::Missing(*seq),
            };
            let check = checks.get(i).copied().flatten().unwrap_or(PinCheck {
                intact: r.event.pin_intact() == Some(true),
                redacted: false,
            });
            Some((
                i,
                Pin {
                    record: r,
                    source,
                    text,
                    sha256,
                    read_at: *read_at,
                    line_time: *line_time,
                    cites: *cites,
                    placement,
                    check,
                },
            ))
        })
        .collect()
}
