//! The incident timeline: the event model, a durable append-only writer, a tolerant reader, replay
//! into state, and chain verification.

pub mod chain;
pub mod episode;
pub mod event;
pub mod pattern;
pub mod pin;
pub mod reader;
pub mod replay;
pub mod time;
pub mod unknown;
pub mod writer;

#[cfg(test)]
mod names;

use std::path::{Path, PathBuf};

pub use event::{
    Event, EventKind, Health, Milestone, PatternChange, Record, Severity, TOOL_ACTOR, UnknownEvent,
};
pub use reader::read;
pub use replay::Incident;
pub use writer::{Appended, OpenReport, TimelineWriter};

/// The newest timeline file (`*.jsonl`, not empty) in a folder, by name (names start with the
/// opening time).
pub fn newest_in(dir: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    // An empty file is no incident (an older version could leave one after a failed start).
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
        .max()
}

/// A new timeline file name for an incident opened now: `2026-11-24T1403-payments-api-errors.jsonl`.
pub fn new_file_name(title: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "incident" } else { slug };
    format!("{}-{slug}.jsonl", now.format("%Y-%m-%dT%H%M%S"))
}

/// The outcome of checking a whole file.
#[derive(Debug)]
pub struct Verification {
    /// Good events.
    pub events: usize,
    /// Everything wrong, in file order.
    pub problems: Vec<String>,
}

/// Checks the chain of a timeline file without changing it.
pub fn verify(path: &Path) -> std::io::Result<Verification> {
    let report = read(path)?;
    let mut problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    if let Some(torn) = &report.torn {
        let line = report.records.len() + report.problems.len() + 1;
        problems.push(format!(
            "line {line} (byte {}): torn last line ({} bytes, no newline or cut short): a crash mid-write; opening the incident sets it aside",
            torn.offset,
            torn.bytes.len()
        ));
    }
    Ok(Verification {
        events: report.records.len(),
        problems,
    })
}
