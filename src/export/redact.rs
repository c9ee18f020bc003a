//! Redaction: the secret values a config references never reach an export.
//!
//! Secrets are removed twice: from every field of every record before rendering (so escaping cannot
//! change a secret's shape before it is found), and from the finished document (so that text joined from
//! several fields cannot spell one).

use std::borrow::Cow;

use crate::runbook::Runbook;
use crate::timeline::{Event, Record, UnknownEvent};

/// What a secret is replaced with.
pub const MARKER: &str = "[redacted]";

/// Used instead of [`MARKER`] when a secret is part of it (a secret like `red`), so that replacing
/// never puts the secret back.
const FALLBACK_MARKERS: [&str; 3] = ["[REDACTED]", "<hidden>", "***"];

/// Rounds of replacing before falling back to plain removal, which always ends.
const MAX_ROUNDS: usize = 8;

/// Finds and replaces a set of secret values.
#[derive(Debug, Clone)]
pub(crate) struct Redactor {
    /// Longest first, so a secret that contains another is replaced whole.
    secrets: Vec<String>,
    marker: &'static str,
}

impl Redactor {
    /// A redactor for these values. Empty values are ignored: they would match everywhere.
    pub(crate) fn new(secrets: &[String]) -> Redactor {
        let mut secrets: Vec<String> = secrets.iter().filter(|s| !s.is_empty()).cloned().collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        let marker = std::iter::once(MARKER)
            .chain(FALLBACK_MARKERS)
            .find(|m| !secrets.iter().any(|s| m.contains(s.as_str())))
            .unwrap_or("");
        Redactor { secrets, marker }
    }

    /// Whether there is nothing to redact.
    pub(crate) fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    fn found_in(&self, s: &str) -> bool {
        self.secrets
            .iter()
            .any(|secret| s.contains(secret.as_str()))
    }

    /// The text with every secret replaced.
    pub(crate) fn redact<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !self.found_in(s) {
            return Cow::Borrowed(s);
        }
        let mut out = s.to_string();
        self.scrub(&mut out);
        Cow::Owned(out)
    }

    /// Replaces every secret in place; true when something was replaced.
    pub(crate) fn scrub(&self, s: &mut String) -> bool {
        if !self.found_in(s) {
            return false;
        }
        // Replacing one secret can join the text on its two sides into another secret (or the same
        // one again), so repeat until none is left.
        for _ in 0..MAX_ROUNDS {
            if !self.replace_all(s, self.marker) {
                return true;
            }
        }
        // Pathological secrets (that overlap the marker): removal shrinks the text every round, so
        // this loop ends.
        while self.replace_all(s, "") {}
        true
    }

    fn replace_all(&self, s: &mut String, with: &str) -> bool {
        let mut changed = false;
        for secret in &self.secrets {
            if s.contains(secret.as_str()) {
                *s = s.replace(secret.as_str(), with);
                changed = true;
            }
        }
        changed
    }

    /// Redacts every text field of a record; returns how many fields changed.
    pub(crate) fn record(&self, r: &mut Record) -> usize {
        let mut fields = event_texts(&mut r.event);
        fields.extend([&mut r.actor, &mut r.prev, &mut r.hash]);
        fields
            .into_iter()
            .map(|f| self.scrub(f))
            .filter(|&changed| changed)
            .count()
    }

    /// Redacts every text field of a runbook; returns how many fields changed.
    pub(crate) fn runbook(&self, rb: &mut Runbook) -> usize {
        let mut n = [&mut rb.name, &mut rb.title, &mut rb.summary, &mut rb.origin]
            .into_iter()
            .map(|f| self.scrub(f))
            .filter(|&changed| changed)
            .count();
        for step in &mut rb.steps {
            let mut fields = vec![&mut step.id, &mut step.title, &mut step.detail];
            fields.extend(step.command.as_mut());
            fields.extend(step.template.as_mut());
            n += fields
                .into_iter()
                .map(|f| self.scrub(f))
                .filter(|&changed| changed)
                .count();
        }
        n
    }
}

/// Every text field of an event. Fields are named one by one (no `..`) so that a field added to the
/// event model fails to compile here until someone decides whether it needs redacting.
fn event_texts(e: &mut Event) -> Vec<&mut String> {
    match e {
        // A severity, a health state, a pattern change or level is one of a few fixed words.
        Event::IncidentOpened { title, severity: _ } => vec![title],
        Event::StepChecked {
            runbook,
            step,
            title,
        }
        | Event::StepUnchecked {
            runbook,
            step,
            title,
        } => vec![runbook, step, title],
        Event::Note { text } => vec![text],
        Event::Milestone { name: _ } => vec![],
        Event::Severity { level: _ } => vec![],
        Event::HealthChanged {
            endpoint,
            from: _,
            to: _,
            status: _,
            latency_ms: _,
            evidence,
        } => vec![endpoint, evidence],
        Event::LogSource { source, status } => vec![source, status],
        Event::Pattern {
            change: _,
            template,
            level: _,
            rate: _,
        } => vec![template],
        Event::CommandStarted {
            runbook,
            step,
            command,
        } => vec![runbook, step, command],
        Event::CommandFinished {
            runbook,
            step,
            command,
            exit_code: _,
            duration_ms: _,
            output_tail,
            reason,
        } => vec![runbook, step, command, output_tail, reason],
        Event::UpdateSent {
            destination,
            text,
            result,
        } => vec![destination, text, result],
        Event::Unknown(UnknownEvent { kind, fields }) => {
            let mut v = vec![kind];
            for (_, value) in fields {
                json_texts(value, &mut v);
            }
            v
        }
    }
}

/// Every string inside a JSON value, however deep.
fn json_texts<'a>(value: &'a mut serde_json::Value, out: &mut Vec<&'a mut String>) {
    match value {
        serde_json::Value::String(s) => out.push(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| json_texts(v, out)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| json_texts(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn redactor(secrets: &[&str]) -> Redactor {
        Redactor::new(&secrets.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_secret_is_replaced_by_the_marker() {
        let r = redactor(&["tok-123"]);
        assert_eq!(
            r.redact("Bearer tok-123 and tok-123"),
            "Bearer [redacted] and [redacted]"
        );
    }

    #[test]
    fn the_longer_of_two_overlapping_secrets_is_replaced_whole() {
        let r = redactor(&["abc", "abcdef"]);
        assert_eq!(r.redact("xabcdefx"), "x[redacted]x");
    }

    #[test]
    fn a_secret_inside_the_marker_does_not_come_back() {
        let r = redactor(&["red"]);
        let out = r.redact("a red car");
        assert!(!out.contains("red"), "{out}");
    }

    #[test]
    fn an_empty_secret_redacts_nothing() {
        let r = redactor(&[""]);
        assert!(r.is_empty());
        assert_eq!(r.redact("text"), "text");
    }

    proptest! {
        #[test]
        fn no_secret_survives_redaction(
            text in "[ab\\]\\[rde ]{0,40}",
            secrets in proptest::collection::vec("[ab\\]\\[rde]{1,4}", 1..4),
        ) {
            let r = Redactor::new(&secrets);
            let out = r.redact(&text);
            for s in &secrets {
                prop_assert!(!out.contains(s.as_str()), "{s:?} in {out:?}");
            }
        }
    }
}
