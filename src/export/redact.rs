//! Redaction: the secret values a config references never reach an export.
//!
//! Secrets are removed twice: from every field of every record before rendering (so escaping cannot
//! change a secret's shape before it is found), and from the finished document (so that text joined from
//! several fields cannot spell one). The replacing is the one redactor's (`crate::core::redact`).

use crate::runbook::Runbook;
use crate::timeline::{Event, Record, UnknownEvent};

pub use crate::core::redact::MARKER;
pub(crate) use crate::core::redact::Redactor;

/// Redacting the texts of what an export shows, with the one redactor.
pub(crate) trait RedactFields {
    /// Redacts every text field of a record; returns how many fields changed.
    fn record(&self, r: &mut Record) -> usize;
    /// Redacts every text field of a runbook; returns how many fields changed.
    fn runbook(&self, rb: &mut Runbook) -> usize;
}

impl RedactFields for Redactor {
    fn record(&self, r: &mut Record) -> usize {
        let mut fields = event_texts(&mut r.event);
        fields.extend([&mut r.actor, &mut r.prev, &mut r.hash]);
        fields
            .into_iter()
            .map(|f| self.scrub(f))
            .filter(|&changed| changed)
            .count()
    }

    fn runbook(&self, rb: &mut Runbook) -> usize {
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
        Event::Note { text } | Event::Lead { note: text } => vec![text],
        Event::Milestone { name: _ } => vec![],
        Event::Severity { level: _ } => vec![],
        Event::HealthChanged {
            endpoint,
            from: _,
            to: _,
            status: _,
            latency_ms: _,
            evidence,
            since: _,
            episode: _,
            observer: _,
        } => vec![endpoint, evidence],
        Event::LogSource { source, status } => vec![source, status],
        Event::Pattern {
            change: _,
            template,
            level: _,
            rate: _,
            seen_at: _,
            observer: _,
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
        // The hash stays as recorded: the export says when the quote it belongs to was redacted.
        Event::LinePinned {
            source,
            read_at: _,
            line_time: _,
            text,
            sha256: _,
            cites: _,
        } => vec![source, text],
        Event::ErrorMinute {
            source,
            minute: _,
            errors: _,
            lines: _,
            peak_per_s: _,
            busiest,
            busiest_errors: _,
            partial: _,
        } => vec![source, busiest],
        Event::TimelineDamaged { problems } => problems.iter_mut().collect(),
        Event::Correction {
            retracts: _,
            was,
            reason,
        } => vec![was, reason],
        Event::Joined { session: _, host } => vec![host],
        Event::Left { session: _ } | Event::Observed { of: _, observer: _ } => vec![],
        Event::ApprovalRequested {
            request: _,
            runbook,
            step,
            title,
            command,
            session: _,
        } => vec![runbook, step, title, command],
        Event::ApprovalAnswered {
            request: _,
            approved: _,
            session: _,
            reason,
        } => vec![reason],
        Event::BreakGlass {
            runbook,
            step,
            title,
            command,
            reason,
        } => vec![runbook, step, title, command, reason],
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
