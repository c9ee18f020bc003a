//! The export as CSV: one row an event, for spreadsheets. RFC 4180 quoting with CRLF line ends; text
//! cells a spreadsheet would run as a formula get a leading `'`. Columns are only ever added at the
//! end (`written_utc` and `sha256`, each event's hash, came last), so a reader by position keeps
//! working. Rows are in file order (the Markdown sorts by time): the last row is the chain's head.

use std::collections::HashMap;

use super::model::Prepared;
use super::pins::{Pin, pins};
use super::text::{push_csv, rfc3339};
use crate::core::level::Level;
use crate::timeline::{Event, Record, Severity};

/// The columns, in order. Each event fills the ones it has.
pub const COLUMNS: [&str; 31] = [
    "seq",
    "ts_utc",
    "actor",
    "kind",
    "summary",
    "runbook",
    "step",
    "title",
    "text",
    "milestone",
    "severity",
    "endpoint",
    "from",
    "to",
    "http_status",
    "latency_ms",
    "evidence",
    "source",
    "status",
    "change",
    "template",
    "level",
    "rate",
    "command",
    "exit_code",
    "duration_ms",
    "output_tail",
    "destination",
    "result",
    "written_utc",
    "sha256",
];

fn col(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or(0)
}

/// Renders every event as a row under a header row.
pub(crate) fn render(p: &Prepared<'_>) -> String {
    let mut out = String::with_capacity(64 + p.records.len() * 160);
    out.push_str(&COLUMNS.join(","));
    out.push_str("\r\n");
    // Cells are (text, is_text); numbers are written by us and need no formula guard.
    let mut row: Vec<(String, bool)> = vec![(String::new(), true); COLUMNS.len()];
    let pins: HashMap<usize, Pin<'_>> = pins(&p.records, &p.pin_checks).into_iter().collect();
    for (i, r) in p.records.iter().enumerate() {
        for cell in row.iter_mut() {
            cell.0.clear();
            cell.1 = true;
        }
        fill(&mut row, r);
        if let Some(pin) = pins.get(&i) {
            fill_pin(&mut row, pin);
        }
        if let Some(by) = p.incident.retracted.get(&r.seq) {
            row[col("status")].0 = format!(
                "retracted by {} at {} (#{})",
                by.actor,
                rfc3339(by.ts),
                by.seq
            );
        }
        for (i, (value, text)) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_csv(&mut out, value, *text);
        }
        out.push_str("\r\n");
    }
    out
}

fn fill(row: &mut [(String, bool)], r: &Record) {
    let mut set = |name: &str, value: &str| {
        let cell = &mut row[col(name)];
        cell.0.push_str(value);
    };
    set("ts_utc", &rfc3339(r.ts));
    // Added last, so the columns before keep their places: the last row's is the chain's head,
    // which `sitrep verify --head-from` reads.
    set("sha256", &r.hash);
    // A line written long after what it records (a retried write); rows stay in file order, so
    // the last one is the head.
    if let Some(written) = r.written {
        set("written_utc", &rfc3339(written));
    }
    set("actor", &r.actor);
    set("kind", r.event.kind());
    set("summary", &r.event.summary());
    let mut nums: Vec<(&str, String)> = vec![("seq", r.seq.to_string())];
    match &r.event {
        Event::IncidentOpened { title, severity } => {
            set("title", title);
            set("severity", severity.map_or("", Severity::name));
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
        } => {
            set("runbook", runbook);
            set("step", step);
            set("title", title);
        }
        Event::Note { text } | Event::Lead { note: text } => set("text", text),
        Event::Milestone { name } => set("milestone", name.name()),
        Event::Severity { level } => set("severity", level.name()),
        Event::HealthChanged {
            endpoint,
            from,
            to,
            status,
            latency_ms,
            evidence,
            since: _,
            episode: _,
            observer: _,
        } => {
            set("endpoint", endpoint);
            set("from", from.label());
            set("to", to.label());
            set("evidence", evidence);
            nums.extend(status.map(|s| ("http_status", s.to_string())));
            nums.extend(latency_ms.map(|ms| ("latency_ms", ms.to_string())));
        }
        Event::LogSource { source, status } => {
            set("source", source);
            set("status", status);
        }
        Event::Pattern {
            change,
            template,
            level,
            rate,
            seen_at,
            observer: _,
        } => {
            set("change", change.name());
            set("template", template);
            set("level", level.map_or("", Level::name));
            nums.extend(rate.map(|x| ("rate", format!("{x}"))));
            // No column of its own (the header is a promise): the lines' own time is evidence.
            if let Some(at) = seen_at {
                let which = match change {
                    crate::timeline::PatternChange::New => "first line",
                    _ => "newest line",
                };
                set("evidence", &format!("{which} at {}", rfc3339(*at)));
            }
        }
        Event::Joined { host, .. } => set("text", host),
        Event::Left { .. } => {}
        Event::Observed { observer, .. } => set("text", observer),
        Event::ApprovalRequested {
            runbook,
            step,
            title,
            command,
            ..
        } => {
            set("runbook", runbook);
            set("step", step);
            set("title", title);
            set("command", command);
        }
        Event::ApprovalAnswered {
            approved, reason, ..
        } => {
            set("result", if *approved { "approved" } else { "refused" });
            set("text", reason);
        }
        Event::BreakGlass {
            runbook,
            step,
            title,
            command,
            reason,
        } => {
            set("runbook", runbook);
            set("step", step);
            set("title", title);
            set("command", command);
            set("text", reason);
        }
        Event::CommandStarted {
            runbook,
            step,
            command,
        } => {
            set("runbook", runbook);
            set("step", step);
            set("command", command);
        }
        Event::CommandFinished {
            runbook,
            step,
            command,
            exit_code,
            duration_ms,
            output_tail,
            ..
        } => {
            set("runbook", runbook);
            set("step", step);
            set("command", command);
            set("output_tail", output_tail);
            nums.extend(exit_code.map(|c| ("exit_code", c.to_string())));
            nums.push(("duration_ms", duration_ms.to_string()));
        }
        Event::UpdateSent {
            destination,
            text,
            result,
        } => {
            set("destination", destination);
            set("text", text);
            set("result", result);
        }
        // The source and the busiest pattern have columns; the counts go in `evidence`, and the
        // rate column holds the minute's mean errors a second.
        Event::ErrorMinute {
            source,
            minute,
            errors,
            lines,
            peak_per_s,
            busiest,
            busiest_errors,
            ..
        } => {
            set("source", source);
            set("template", busiest);
            set("level", "error");
            set(
                "evidence",
                &format!(
                    "{errors} errors of {lines} lines in the minute from {}; {peak_per_s}/s at peak; {busiest_errors} with the busiest pattern",
                    rfc3339(*minute)
                ),
            );
            nums.push(("rate", format!("{}", *errors as f64 / 60.0)));
        }
        // What was found is its text, one problem a line.
        Event::TimelineDamaged { problems } => set("text", &problems.join("\n")),
        // No columns of its own (the header is a promise): what it retracts is its evidence.
        Event::Correction {
            retracts,
            was,
            reason,
        } => {
            set("text", reason);
            let was = if was.is_empty() {
                String::new()
            } else {
                format!(" ({was})")
            };
            set("evidence", &format!("retracts #{retracts}{was}"));
        }
        // `fill_pin` fills it: what the columns say needs more than the record.
        Event::LinePinned { .. } => {}
        // Its fields have no column; the kind and the summary say what it is.
        Event::Unknown(_) => {}
    }
    for (name, value) in nums {
        let cell = &mut row[col(name)];
        cell.0 = value;
        cell.1 = false;
    }
}

/// A pinned line has no columns of its own (the header is a promise): its source and quote go in
/// `source` and `text`, its times, citation and hash in `evidence`, what is known of its text in `status`.
fn fill_pin(row: &mut [(String, bool)], pin: &Pin<'_>) {
    let (read_at, line_time) = pin.times();
    let mut evidence = format!("read {read_at}");
    if let Some(line_time) = line_time {
        evidence.push_str(&format!("; line time {line_time}"));
    }
    if let Some(seq) = pin.cites {
        evidence.push_str(&format!("; cites #{seq}"));
    }
    evidence.push_str(&format!("; sha256 {}", pin.sha256));
    let mut status = if pin.check.intact {
        "text matches sha256".to_string()
    } else {
        String::new()
    };
    for note in pin.notes() {
        if !status.is_empty() {
            status.push_str("; ");
        }
        status.push_str(&note);
    }
    for (name, value) in [
        ("source", pin.source),
        ("text", pin.text),
        ("evidence", &evidence),
        ("status", &status),
    ] {
        row[col(name)].0 = value.to_string();
    }
}
