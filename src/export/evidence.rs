//! The evidence sections of the postmortem, straight from the records: notes, status updates,
//! commands run, health transitions, log patterns, and the whole timeline with its pinned log lines.

use std::collections::HashMap;

use super::doc::{Block, Span, b, code, none_recorded, t};
use super::model::Prepared;
use super::pins::{self, Pin, Placement};
use super::text::{local, utc};
use crate::core::duration::{precise as duration, precise_ms as duration_ms};
use crate::timeline::episode::{DEFAULT_HOLD, Summary, episodes};
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

/// Each endpoint's outages as episodes (see `timeline::episode`): one row an outage however much
/// it flapped, read the same way from files that only hold transitions.
pub(super) fn health(p: &Prepared<'_>) -> Vec<Block> {
    let Some(until) = p.incident.end().or(p.records.last().map(|r| r.ts)) else {
        return vec![none_recorded("health episodes")];
    };
    let list = episodes(&p.records, DEFAULT_HOLD, until);
    if list.is_empty() {
        return vec![none_recorded("health episodes")];
    }
    let rows = list
        .iter()
        .map(|e| {
            let length = duration(e.length(until));
            let (ended, length) = match (e.end, e.watched_until) {
                (Some(end), _) => (utc(end), length),
                (None, Some(until)) => (
                    format!("not over when sitrep stopped watching at {}", utc(until)),
                    format!("{length} and more"),
                ),
                (None, None) => (
                    "not over when the record ends".to_string(),
                    format!("{length} and more"),
                ),
            };
            vec![
                vec![t(e.endpoint.clone())],
                vec![t(utc(e.start))],
                vec![t(ended)],
                vec![t(length)],
                vec![b(e.worst.to_string())],
                vec![t(e.changes.to_string())],
                vec![t(e
                    .summary
                    .as_ref()
                    .map(Summary::failures)
                    .unwrap_or_default())],
                vec![t(e.evidence.clone())],
            ]
        })
        .collect();
    vec![Block::Table(
        &[
            "Endpoint",
            "Began (UTC)",
            "Ended (UTC)",
            "Length",
            "Worst",
            "Changes",
            "Probes that failed",
            "First evidence",
        ],
        rows,
    )]
}

/// The pattern events, leaving out those a correction retracted (a new pattern that turned out to
/// be an older one is no finding; the timeline section keeps it, struck through).
pub(super) fn patterns(p: &Prepared<'_>) -> Vec<Block> {
    let rows: Vec<_> = p.standing()
        .filter_map(|r| match &r.event {
            Event::Pattern {
                change,
                template,
                level,
                rate,
                seen_at,
                ..
            } => Some(vec![
                // When its lines say it happened, where the record has it.
                vec![t(utc(seen_at.unwrap_or(r.ts)))],
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

/// How many of the busiest minutes the export lists one by one.
const BUSIEST_MINUTES: usize = 10;

/// The error-rate summaries: each source's minutes with errors, and the busiest minutes.
pub(super) fn errors(p: &Prepared<'_>) -> Vec<Block> {
    struct Minute<'r> {
        at: chrono::DateTime<chrono::Utc>,
        source: &'r str,
        errors: u64,
        lines: u64,
        peak: u32,
        busiest: &'r str,
        busiest_errors: u64,
    }
    let minutes: Vec<Minute<'_>> = p
        .error_minutes()
        .into_iter()
        .filter_map(|r| match &r.event {
            Event::ErrorMinute {
                source,
                minute,
                errors,
                lines,
                peak_per_s,
                busiest,
                busiest_errors,
                ..
            } => Some(Minute {
                at: *minute,
                source,
                errors: *errors,
                lines: *lines,
                peak: *peak_per_s,
                busiest,
                busiest_errors: *busiest_errors,
            }),
            _ => None,
        })
        .collect();
    if minutes.is_empty() {
        return vec![Block::Para(vec![t(
            "No error-rate summary recorded: no log source had an error line while sitrep watched \
             (timelines written before sitrep recorded them have none).",
        )])];
    }
    let rate = |m: &Minute<'_>| {
        format!(
            "{:.1}/s, {}/s at peak",
            m.errors as f64 / 60.0,
            m.peak
        )
    };
    let mut sources: Vec<&str> = minutes.iter().map(|m| m.source).collect();
    sources.sort_unstable();
    sources.dedup();
    let mut rows = Vec::new();
    for source in sources {
        let own: Vec<&Minute<'_>> = minutes.iter().filter(|m| m.source == source).collect();
        let (Some(first), Some(last)) = (
            own.iter().map(|m| m.at).min(),
            own.iter().map(|m| m.at).max(),
        ) else {
            continue;
        };
        let total: u64 = own.iter().map(|m| m.errors).sum();
        let busiest_minute = own
            .iter()
            .max_by(|a, b| a.errors.cmp(&b.errors).then(b.at.cmp(&a.at)));
        let mut by_pattern: Vec<(&str, u64)> = Vec::new();
        for m in own.iter().filter(|m| !m.busiest.is_empty()) {
            match by_pattern.iter_mut().find(|(t, _)| *t == m.busiest) {
                Some(entry) => entry.1 += m.busiest_errors,
                None => by_pattern.push((m.busiest, m.busiest_errors)),
            }
        }
        let pattern = by_pattern
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1))
            .map(|(t, n)| vec![code(t.to_string()), t_count(*n)])
            .unwrap_or_else(|| vec![t("–")]);
        rows.push(vec![
            vec![t(source.to_string())],
            vec![t(own.len().to_string())],
            vec![t(format!("{} – {}", minute(first), minute(last)))],
            vec![t(total.to_string())],
            vec![t(busiest_minute.map_or_else(String::new, |m| {
                format!("{}: {} ({})", minute(m.at), m.errors, rate(m))
            }))],
            pattern,
        ]);
    }
    let mut busiest: Vec<&Minute<'_>> = minutes.iter().collect();
    busiest.sort_by(|a, b| b.errors.cmp(&a.errors).then(a.at.cmp(&b.at)));
    busiest.truncate(BUSIEST_MINUTES);
    busiest.sort_by(|a, b| a.at.cmp(&b.at).then(a.source.cmp(b.source)));
    let busiest_rows = busiest
        .iter()
        .map(|m| {
            let share = (m.errors * 100)
                .checked_div(m.lines)
                .map_or_else(|| "–".into(), |pct| format!("{pct}%"));
            vec![
                vec![t(minute(m.at))],
                vec![t(m.source.to_string())],
                vec![t(m.errors.to_string())],
                vec![t(share)],
                vec![t(rate(m))],
                if m.busiest.is_empty() {
                    vec![t("–")]
                } else {
                    vec![code(m.busiest.to_string()), t_count(m.busiest_errors)]
                },
            ]
        })
        .collect();
    vec![
        Block::Para(vec![t(format!(
            "One summary a minute for each log source while it had errors, by the times its lines \
             name ({} in all). The chart draws them as its error rate.",
            minutes.len()
        ))]),
        Block::Table(
            &[
                "Source",
                "Minutes",
                "From – to (UTC)",
                "Errors",
                "Busiest minute",
                "Most errors had",
            ],
            rows,
        ),
        Block::Para(vec![b(if minutes.len() > BUSIEST_MINUTES {
            format!("The {BUSIEST_MINUTES} busiest minutes")
        } else {
            "Every minute".to_string()
        })]),
        Block::Table(
            &[
                "Minute (UTC)",
                "Source",
                "Errors",
                "Of lines",
                "Rate",
                "Busiest pattern",
            ],
            busiest_rows,
        ),
    ]
}

fn minute(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn t_count(n: u64) -> Span {
    t(format!(" ×{n}"))
}

/// Every event in file order, each pinned line that cites an earlier event right under it; the
/// error-rate summaries have their own section.
pub(super) fn timeline(p: &Prepared<'_>) -> Vec<Block> {
    let pins = pins::pins(&p.records, &p.pin_checks);
    let mut under: HashMap<u64, Vec<&Pin<'_>>> = HashMap::new();
    let mut by_index: HashMap<usize, &Pin<'_>> = HashMap::new();
    for (i, pin) in &pins {
        by_index.insert(*i, pin);
        if let Placement::Under(seq) = pin.placement {
            under.entry(seq).or_default().push(pin);
        }
    }
    // Each event with the pins under it, as one group; the groups in the order things happened
    // (`ts`: a write retried late keeps its place in time, and says it was written late).
    let mut groups: Vec<(chrono::DateTime<chrono::Utc>, Vec<Row>)> = Vec::new();
    let mut summaries = 0;
    for (i, r) in p.records.iter().enumerate() {
        if matches!(r.event, Event::ErrorMinute { .. }) {
            summaries += 1;
            continue;
        }
        let mut rows = Vec::new();
        match by_index.get(&i) {
            Some(pin) if matches!(pin.placement, Placement::Under(_)) => continue,
            Some(pin) => rows.push(row(r, pin.spans())),
            None => rows.push(row(r, event_spans(p, r))),
        }
        // A pin can cite a pin: walk down, each seq's pins taken once (a damaged file may repeat a seq).
        let mut stack: Vec<&Pin<'_>> = under.remove(&r.seq).unwrap_or_default();
        stack.reverse();
        while let Some(pin) = stack.pop() {
            rows.push(row(pin.record, pin.spans()));
            let mut cited = under.remove(&pin.record.seq).unwrap_or_default();
            cited.reverse();
            stack.extend(cited);
        }
        groups.push((r.ts, rows));
    }
    groups.sort_by_key(|(ts, _)| *ts);
    let rows: Vec<_> = groups.into_iter().flat_map(|(_, rows)| rows).collect();
    if rows.is_empty() {
        return vec![none_recorded("events")];
    }
    let mut blocks = Vec::new();
    if summaries > 0 {
        blocks.push(Block::Para(vec![t(format!(
            "The {summaries} error-rate summaries (one a minute per log source) are in Errors over time, not listed here."
        ))]));
    }
    blocks.push(Block::Table(&["#", "UTC", "Local", "Actor", "Event"], rows));
    blocks
}

/// An event's cell: its summary, struck through with who retracted it and when if a correction did.
fn event_spans(p: &Prepared<'_>, r: &Record) -> Vec<Span> {
    match p.incident.retracted.get(&r.seq) {
        Some(by) => vec![
            Span::Struck(r.event.summary()),
            t(format!(
                " retracted by {} at {} UTC (#{})",
                by.actor,
                utc(by.ts),
                by.seq
            )),
        ],
        None => vec![t(r.event.summary())],
    }
}

/// A table row: its cells, each some spans.
type Row = Vec<Vec<Span>>;

fn row(r: &Record, event: Vec<Span>) -> Row {
    let mut when = vec![t(utc(r.ts))];
    if let Some(written) = r.written {
        when.push(t(format!(
            " (written {}, {} late)",
            utc(written),
            duration(written - r.ts)
        )));
    }
    vec![
        vec![t(r.seq.to_string())],
        when,
        vec![t(local(r.ts))],
        vec![t(r.actor.clone())],
        event,
    ]
}
