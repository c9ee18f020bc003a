//! The export as one JSON document, for other tools: a schema version, the summary, the milestones,
//! the runbooks with done and undone steps, the commands, and every event as written (secrets redacted).

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Prepared, measure_name};
use super::pins::{Placement, pins};
use super::text::rfc3339;
use crate::timeline::{Health, Record};

/// The schema of this document; bumped when a field changes meaning or goes away.
pub const SCHEMA: &str = "sitrep.export/1";

#[derive(Serialize)]
struct Export<'a> {
    schema: &'static str,
    source: Source<'a>,
    summary: Summary<'a>,
    milestones: Vec<MilestoneOut>,
    runbooks: Vec<RunbookOut<'a>>,
    other_steps: Vec<StepDone<'a>>,
    commands: Vec<CommandOut<'a>>,
    /// Absent when nothing was pinned, so older exports read the same.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pinned_lines: Vec<PinOut<'a>>,
    /// Milestones and severities a correction took back. Absent when none was, so older exports
    /// read the same.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    retracted: Vec<RetractedOut<'a>>,
    events: &'a [Record],
}

#[derive(Serialize)]
struct RetractedOut<'a> {
    /// The retracted event.
    seq: u64,
    /// Its summary.
    was: String,
    /// The correction's `seq`, who wrote it and when.
    by_seq: u64,
    by: &'a str,
    at: String,
}

#[derive(Serialize)]
struct PinOut<'a> {
    seq: u64,
    source: &'a str,
    read_at: String,
    line_time: Option<String>,
    text: &'a str,
    sha256: &'a str,
    /// The recorded text still hashes to `sha256`.
    text_matches_sha256: bool,
    /// Secrets in `text` were replaced for this export (`sha256` is of the text as recorded).
    text_redacted: bool,
    cites: Option<u64>,
    /// `under` the cited event, `alone` (cites nothing), or `missing` (the cited event is not there).
    placement: &'static str,
}

#[derive(Serialize)]
struct Source<'a> {
    timeline: &'a str,
    events: usize,
    last_seq: u64,
    redacted_fields: usize,
    /// `head #N sha256:…` of the last event, for `sitrep verify --head-from`.
    head: Option<String>,
    /// The last event's full sha256.
    head_sha256: Option<&'a str>,
    /// Whether the hash chain was whole when exported.
    chain_intact: bool,
    /// What reading the file found wrong.
    damage: &'a [String],
    /// What is worth knowing about the file and is not damage.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

#[derive(Serialize)]
struct Summary<'a> {
    title: &'a str,
    severity: Option<&'a str>,
    start: Option<String>,
    end: Option<String>,
    resolved: bool,
    /// To the end, or to the last event while unresolved.
    duration_ms: Option<i64>,
    responders: &'a [String],
    health: &'a BTreeMap<String, Health>,
}

#[derive(Serialize)]
struct MilestoneOut {
    name: &'static str,
    measure: &'static str,
    reached: Option<String>,
    since_start_ms: Option<i64>,
    previous: Option<&'static str>,
    since_previous_ms: Option<i64>,
}

#[derive(Serialize)]
struct RunbookOut<'a> {
    name: &'a str,
    title: &'a str,
    used: bool,
    done: Vec<StepDone<'a>>,
    undone: Vec<StepUndone<'a>>,
}

#[derive(Serialize)]
struct StepDone<'a> {
    runbook: &'a str,
    id: &'a str,
    title: &'a str,
    at: String,
    by: &'a str,
    seq: u64,
}

#[derive(Serialize)]
struct StepUndone<'a> {
    id: &'a str,
    title: &'a str,
    unticked: bool,
}

#[derive(Serialize)]
struct CommandOut<'a> {
    runbook: &'a str,
    step: &'a str,
    command: &'a str,
    by: &'a str,
    started: Option<String>,
    finished: Option<String>,
    exit_code: Option<i32>,
    duration_ms: Option<u64>,
    outcome: String,
}

/// Renders the document (pretty-printed, so that it diffs well).
pub(crate) fn render(p: &Prepared<'_>) -> String {
    let inc = &p.incident;
    let milestones = p
        .milestones()
        .into_iter()
        .map(|m| MilestoneOut {
            name: m.milestone.name(),
            measure: measure_name(m.milestone),
            reached: m.at.map(rfc3339),
            since_start_ms: m.since_start.map(|d| d.num_milliseconds()),
            previous: m.since_previous.map(|(pm, _)| pm.name()),
            since_previous_ms: m.since_previous.map(|(_, d)| d.num_milliseconds()),
        })
        .collect();
    let runbooks = p
        .runbook_states()
        .into_iter()
        .map(|s| RunbookOut {
            name: &s.runbook.name,
            title: &s.runbook.title,
            used: s.touched,
            done: s
                .done
                .iter()
                .map(|(step, mark)| StepDone {
                    runbook: &s.runbook.name,
                    id: &step.id,
                    title: &step.title,
                    at: rfc3339(mark.ts),
                    by: &mark.actor,
                    seq: mark.seq,
                })
                .collect(),
            undone: s
                .undone
                .iter()
                .map(|(step, unticked)| StepUndone {
                    id: &step.id,
                    title: &step.title,
                    unticked: *unticked,
                })
                .collect(),
        })
        .collect();
    let other_steps = p
        .stray_steps()
        .into_iter()
        .map(|s| StepDone {
            runbook: s.runbook,
            id: s.step,
            title: s.title,
            at: rfc3339(s.mark.ts),
            by: &s.mark.actor,
            seq: s.mark.seq,
        })
        .collect();
    let commands = p
        .commands()
        .into_iter()
        .map(|c| CommandOut {
            outcome: c.outcome(),
            runbook: c.runbook,
            step: c.step,
            command: c.command,
            by: c.actor,
            started: c.started.map(rfc3339),
            finished: c.finished.as_ref().map(|f| rfc3339(f.ts)),
            exit_code: c.finished.as_ref().and_then(|f| f.exit_code),
            duration_ms: c.finished.as_ref().map(|f| f.duration_ms),
        })
        .collect();
    let retracted = inc
        .retracted
        .iter()
        .map(|(seq, by)| RetractedOut {
            seq: *seq,
            was: p
                .records
                .iter()
                .find(|r| r.seq == *seq)
                .map(|r| r.event.summary())
                .unwrap_or_default(),
            by_seq: by.seq,
            by: &by.actor,
            at: rfc3339(by.ts),
        })
        .collect();
    let pinned_lines = pins(&p.records, &p.pin_checks)
        .iter()
        .map(|(_, pin)| {
            let (read_at, line_time) = pin.times();
            PinOut {
                seq: pin.record.seq,
                source: pin.source,
                read_at,
                line_time,
                text: pin.text,
                sha256: pin.sha256,
                text_matches_sha256: pin.check.intact,
                text_redacted: pin.check.redacted,
                cites: pin.cites,
                placement: match pin.placement {
                    Placement::Under(_) => "under",
                    Placement::Alone => "alone",
                    Placement::Missing(_) => "missing",
                },
            }
        })
        .collect();
    let doc = Export {
        schema: SCHEMA,
        source: Source {
            timeline: &p.timeline_path,
            events: p.records.len(),
            last_seq: inc.last_seq,
            redacted_fields: p.redacted_fields,
            head: p.head().map(|h| h.to_string()),
            head_sha256: p.records.last().map(|r| r.hash.as_str()),
            chain_intact: p.damage.is_empty(),
            damage: &p.damage,
            notes: &p.notes,
        },
        summary: Summary {
            title: &inc.title,
            severity: inc.severity.map(|s| s.name()),
            start: inc.start().map(rfc3339),
            end: inc.end().map(rfc3339),
            resolved: inc.is_resolved(),
            duration_ms: p.duration().map(|d| d.num_milliseconds()),
            responders: &inc.responders,
            health: &inc.health,
        },
        milestones,
        runbooks,
        other_steps,
        commands,
        pinned_lines,
        retracted,
        events: &p.records,
    };
    match serde_json::to_string_pretty(&doc) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        // These types always serialize; should that change, still hand back a valid document.
        Err(e) => serde_json::json!({ "schema": SCHEMA, "error": e.to_string() }).to_string(),
    }
}
