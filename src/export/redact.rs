//! Redaction: the secret values a config references never reach an export.
//!
//! Secrets are removed twice: from every field of every record before rendering (so escaping cannot
//! change a secret's shape before it is found), and from the finished document (so that text joined from
//! several fields cannot spell one). The replacing is the one redactor's (`crate::core::redact`).

use crate::runbook::Runbook;
use crate::timeline::{Event, Record};

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
        Event::IncidentOpened { title, severity } => {
            let mut v = vec![title];
            v.extend(severity.as_mut());
            v
        }
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
        Event::Severity { level } => vec![level],
        Event::HealthChanged {
            endpoint,
            from,
            to,
            status: _,
            latency_ms: _,
            evidence,
        } => vec![endpoint, from, to, evidence],
        Event::LogSource { source, status } => vec![source, status],
        Event::Pattern {
            change,
            template,
            level,
            rate: _,
        } => vec![change, template, level],
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
    }
}
