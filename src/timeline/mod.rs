//! The incident timeline: the event model, a durable append-only writer, a tolerant reader, replay
//! into state, and chain verification.

pub mod chain;
pub mod episode;
pub mod event;
pub mod head;
pub mod outbox;
pub mod pattern;
pub mod pin;
pub mod presence;
pub mod reader;
pub mod replay;
pub mod team;
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

/// Whether the incident in the timeline at `path` is resolved; `None` when the file cannot be read.
pub fn resolved(path: &Path) -> Option<bool> {
    read(path)
        .ok()
        .map(|r| Incident::replay(&r.records).is_resolved())
}

/// A line written more than this after the time it records says when it was written.
pub const LATE_WRITE: chrono::TimeDelta = chrono::TimeDelta::seconds(1);

/// Whether a name can stand for a responder in the timeline: not empty, at most 64 characters, no
/// control characters, and not the tool's own name. The name, trimmed, or what is wrong.
pub fn check_actor(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.chars().count() > 64 {
        return Err("the name is over 64 characters".into());
    }
    if name.chars().any(char::is_control) {
        return Err("the name holds a control character".into());
    }
    if name == TOOL_ACTOR {
        return Err(format!(
            "`{TOOL_ACTOR}` is the tool's own name in the timeline (what it saw by itself); choose yours"
        ));
    }
    Ok(name.to_string())
}

/// The most text a responder may put in one field (a note, a status update): a timeline line is for
/// what people read, a file is recorded by path, size and hash instead.
pub const TEXT_CAP: usize = 64 * 1024;

/// The timeline files (`*.jsonl`) in a folder, sorted by name (names start with the opening
/// time); none when the folder cannot be read.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The newest timeline file (`*.jsonl`, not empty) in a folder, by name.
pub fn newest_in(dir: &Path) -> Option<PathBuf> {
    // An empty file is no incident (an older version could leave one after a failed start).
    files_in(dir)
        .into_iter()
        .rfind(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
}

/// A new timeline file name for an incident opened now: `2026-11-24T1403-payments-api-errors.jsonl`.
pub fn new_file_name(title: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("{}-{}.jsonl", now.format("%Y-%m-%dT%H%M%S"), slug(title))
}

/// A title as a file-name word: lowercase ASCII letters and digits joined by `-`, at most 40
/// characters (`incident` when nothing is left).
pub fn slug(title: &str) -> String {
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
    if slug.is_empty() {
        "incident".to_string()
    } else {
        slug.to_string()
    }
}

/// The outcome of checking a whole file.
#[derive(Debug)]
pub struct Verification {
    /// Good events: those that read, with no problem of their own.
    pub events: usize,
    /// The head the file reaches: its last good record.
    pub head: Option<head::Head>,
    /// Everything wrong, in file order, then what the heads held elsewhere say.
    pub problems: Vec<String>,
    /// What is worth knowing and is not damage (a torn tail set aside earlier, a witness reached).
    pub notes: Vec<String>,
}

/// Checks the chain of a timeline file without changing it.
#[cfg(any(test, feature = "test-support"))]
pub fn verify(path: &Path) -> std::io::Result<Verification> {
    verify_against(path, &[])
}

/// Checks the chain of a timeline file, then that it still reaches its sidecar's head and each head
/// a witness kept (`(head, where it was found)`): a chain alone cannot show a cut tail or a chain
/// rewritten from an edit on, a head held elsewhere can.
pub fn verify_against(path: &Path, witnesses: &[(head::Head, String)]) -> std::io::Result<Verification> {
    // A shared lock while reading, when it can be had within a moment: a writer's line is then
    // never caught half-written (one that holds the lock for long is not waited for).
    let held = std::fs::File::open(path).ok().filter(|f| {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(2);
        loop {
            match f.try_lock_shared() {
                Ok(()) => return true,
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < until => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(_) => return false,
            }
        }
    });
    // The sidecar first: a writer appends, then replaces it, so the file read after it reaches its
    // head unless lines were really removed.
    let side = head::read_sidecar(path);
    let report = read(path);
    drop(held);
    let report = report?;
    let mut problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    let mut notes = Vec::new();
    if let Some(torn) = &report.torn {
        problems.push(format!(
            "line {} (byte {}): torn last line ({} bytes, no newline or cut short): a crash mid-write; opening the incident sets it aside",
            torn.line,
            torn.offset,
            torn.bytes.len()
        ));
    }
    let mut torn_aside = path.as_os_str().to_owned();
    torn_aside.push(".torn");
    let torn_aside = PathBuf::from(torn_aside);
    if let Ok(meta) = std::fs::metadata(&torn_aside) {
        notes.push(format!(
            "{} holds {} bytes of torn last line(s) set aside when the incident was opened: a crash mid-write lost them from the chain",
            torn_aside.display(),
            meta.len()
        ));
    }
    problems.extend(head::sidecar_problem(path, side.as_ref(), &report.records));
    // The writer replaces the sidecar whole (a rename), so one that holds no head was overwritten.
    // A missing one says nothing: a file older than sidecars has none.
    if side.is_none() && std::fs::metadata(head::sidecar(path)).is_ok() {
        problems.push(format!(
            "{} holds no head (`head #N sha256:…`): it was overwritten, so a cut at the file's end would not show",
            head::sidecar(path).display()
        ));
    }
    if outbox::is_replica(path) {
        let queue = outbox::Queue::beside(path);
        let (waiting, unread) = queue.read().unwrap_or_default();
        for line in unread {
            problems.push(format!(
                "{}: {line}: a line of the outbox that does not read, so it cannot be shared (write its text again as a note)",
                queue.path().display()
            ));
        }
        let shared: std::collections::HashSet<&str> =
            report.records.iter().filter_map(|r| r.id.as_deref()).collect();
        let left = waiting.iter().filter(|p| !shared.contains(p.id.as_str())).count();
        if left > 0 {
            notes.push(format!(
                "{left} event(s) of this laptop wait in {}, not shared yet, so not in this file: `sitrep sync` shares them",
                queue.path().display()
            ));
        }
    }
    for (witness, from) in witnesses {
        match witness.check(&report.records) {
            Ok(()) => notes.push(format!("reaches {witness} ({from})")),
            Err(e) => problems.push(format!("{from}: {e}")),
        }
    }
    Ok(Verification {
        events: report.records.len() - report.flawed,
        head: report.records.last().map(head::Head::of),
        problems,
        notes,
    })
}
