//! The evidence sections of the postmortem, straight from the records: notes, status updates,
//! commands run, health transitions, log patterns, and the whole timeline.

use super::doc::{Block, Span, b, code, none_recorded, t};
use super::model::Prepared;
use super::text::{local, utc};
use crate::core::duration::precise_ms as duration_ms;
use crate::timeline::{Event, Record};

fn stamp(r: &Record) -> Vec<Span> {
    vec![
        b(format!("{} UTC", utc(r.ts))),
        t(format!(" {}: ", r.actor)),
    ]
}

pub(super) fn notes(p: &Prepared<'_>) -> Vec<Block> {
    let items: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Note { text } => {
                let mut spans = stamp(r);
                spans.push(t(text.clone()));
                Some((None, spans))
            }
            _ => None,
        })
        .collect();
    if items.is_empty() {
        return vec![none_recorded("notes")];
    }
    vec![Block::List(items)]
}

pub(super) fn updates(p: &Prepared<'_>) -> Vec<Block> {
    let items: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::UpdateSent {
                destination,
                text,
                result,
            } => {
                let mut spans = stamp(r);
                let result = if result.is_empty() {
                    String::new()
                } else {
                    format!(" ({result})")
                };
                spans.push(t(format!("to {destination}{result}: ")));
                spans.push(t(text.clone()));
                Some((None, spans))
            }
            _ => None,
        })
        .collect();
    if items.is_empty() {
        return vec![none_recorded("status updates")];
    }
    vec![Block::List(items)]
}

pub(super) fn commands(p: &Prepared<'_>) -> Vec<Block> {
    let rows: Vec<_> = p
        .commands()
        .into_iter()
        .map(|c| {
            let start = c.started.map(utc).unwrap_or_else(|| "not recorded".into());
            let (dur, tail) = match &c.finished {
                Some(f) => (duration_ms(f.duration_ms), f.output_tail.to_string()),
                None => (String::new(), String::new()),
            };
            vec![
                vec![t(start)],
                vec![t(c.actor)],
                vec![t(format!("{}/", c.runbook)), code(c.step)],
                vec![code(c.command)],
                vec![b(c.outcome())],
                vec![t(dur)],
                vec![t(tail)],
            ]
        })
        .collect();
    if rows.is_empty() {
        return vec![none_recorded("commands")];
    }
    vec![Block::Table(
        &[
            "Started (UTC)",
            "By",
            "Step",
            "Command",
            "Result",
            "Duration",
            "Output (last lines)",
        ],
        rows,
    )]
}

pub(super) fn health(p: &Prepared<'_>) -> Vec<Block> {
    let rows: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::HealthChanged {
                endpoint,
                from,
                to,
                status,
                latency_ms,
                evidence,
            } => Some(vec![
                vec![t(utc(r.ts))],
                vec![t(endpoint.clone())],
                vec![t(format!("{from} → ")), b(to.to_string())],
                vec![t(status.map(|s| s.to_string()).unwrap_or_default())],
                vec![t(latency_ms
                    .map(|ms| format!("{ms} ms"))
                    .unwrap_or_default())],
                vec![t(evidence.clone())],
            ]),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        return vec![none_recorded("health transitions")];
    }
    vec![Block::Table(
        &["UTC", "Endpoint", "Change", "HTTP", "Latency", "Evidence"],
        rows,
    )]
}

pub(super) fn patterns(p: &Prepared<'_>) -> Vec<Block> {
    let rows: Vec<_> = p
        .records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Pattern {
                change,
                template,
                level,
                rate,
            } => Some(vec![
                vec![t(utc(r.ts))],
                vec![t(change.to_string())],
                vec![t(level.map(|l| l.to_string()).unwrap_or_default())],
                vec![t(rate.map(|x| format!("{x:.1}/s")).unwrap_or_default())],
                vec![code(template.clone())],
            ]),
            _ => None,
        })
        .collect();
    if rows.is_empty() {
        return vec![none_recorded("pattern events")];
    }
    vec![Block::Table(
        &["UTC", "Change", "Level", "Rate", "Template"],
        rows,
    )]
}

pub(super) fn timeline(p: &Prepared<'_>) -> Vec<Block> {
    let rows: Vec<_> = p
        .records
        .iter()
        .map(|r| {
            vec![
                vec![t(r.seq.to_string())],
                vec![t(utc(r.ts))],
                vec![t(local(r.ts))],
                vec![t(r.actor.clone())],
                vec![t(r.event.summary())],
            ]
        })
        .collect();
    if rows.is_empty() {
        return vec![none_recorded("events")];
    }
    vec![Block::Table(&["#", "UTC", "Local", "Actor", "Event"], rows)]
}
