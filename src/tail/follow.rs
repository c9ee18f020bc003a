//! `sitrep tail`: follow sources and print their sanitized lines, like `tail -F`.

use std::future::Future;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use tokio::sync::mpsc;

use super::{SourceSpec, SourceStatus, TailEvent, TailOptions, sanitize, spawn_source};
use super::fields::Followed;
use super::vitals::Vitals;

/// Why printing stopped early.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// Writing the output failed (the OS error is said in the message, not repeated as a source).
    #[error("cannot write the log output: {0}")]
    Write(io::Error),
}

/// Which lines `sitrep tail` prints: every line, unless narrowed (both narrowings must hold).
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection<'a> {
    /// Only lines whose sanitized text matches this regex.
    pub filter: Option<&'a Regex>,
    /// Only the lines of one request.
    pub field: Option<&'a Followed>,
}

impl Selection<'_> {
    /// Whether the sanitized line `text` is printed.
    pub fn admits(&self, text: &str) -> bool {
        self.filter.is_none_or(|re| re.is_match(text))
            && self
                .field
                .is_none_or(|followed| followed.holds(text))
    }
}

/// Follows `specs` and writes their lines (sanitized, one per line) to `out` until `cancel` resolves
/// or every source has ended; status changes go to `diag` as `sitrep: ...` lines, and so does a
/// source that goes silent or lags behind the clock (see [`super::vitals`]).
///
/// Only the lines `select` admits are written. Several sources are merged in line-time order (as
/// the cockpit merges them, see [`super::merge`]). With several sources or a glob, a `==> name <==`
/// header (as `tail` prints) marks where the file changes; a line put out of order says so in its
/// header (`==> name (late) <==`, `==> name (clock?) <==`). A closed pipe (`sitrep tail x | head`)
/// ends quietly. Returns the number of lines written.
pub async fn follow_to_writer<W: Write, D: Write>(
    specs: Vec<SourceSpec>,
    select: Selection<'_>,
    opts: TailOptions,
    out: &mut W,
    diag: &mut D,
    cancel: impl Future<Output = ()>,
) -> Result<u64, FollowError> {
    let headers = specs.len() > 1 || specs.iter().any(|s| matches!(s, SourceSpec::Glob(_)));
    let names: Vec<String> = specs.iter().map(SourceSpec::describe).collect();
    let (tx, source_rx) = mpsc::channel(256);
    let reorders = specs.iter().map(SourceSpec::default_reorder).collect();
    let handles: Vec<_> = specs
        .into_iter()
        .enumerate()
        .map(|(index, spec)| spawn_source(index, spec, tx.clone(), opts.clone()))
        .collect();
    drop(tx);
    let (merged_tx, mut rx) = mpsc::channel(256);
    let merging = tokio::spawn(super::merge::merge(source_rx, merged_tx, reorders));
    tokio::pin!(cancel);
    let mut current: Option<(usize, Option<Arc<Path>>, &str)> = None;
    let mut text = String::new();
    let mut written = 0u64;
    let mut events = Vec::with_capacity(64);
    // Whether each source has gone silent or lags, said on `diag` as it changes.
    let mut vitals = vec![Vitals::new(opts.silent_after); names.len()];
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut cancel => break,
            _ = tick.tick() => {
                let now = chrono::Utc::now();
                for (source, v) in vitals.iter_mut().enumerate() {
                    if let Some(change) = v.check(now) {
                        let name = names.get(source).map_or("", String::as_str);
                        let _ = writeln!(diag, "sitrep: {name}: {change}");
                    }
                }
                continue;
            }
            received = rx.recv_many(&mut events, 64) => {
                if received == 0 {
                    break;
                }
            }
        }
        for event in events.drain(..) {
            match event {
                TailEvent::Lines {
                    source,
                    file,
                    lines,
                } => {
                    if let Some(v) = vitals.get_mut(source) {
                        lines.iter().for_each(|l| v.line(l));
                    }
                    for line in lines.iter().filter(|l| select.admits(&l.text)) {
                        let mark = if line.late {
                            " (late)"
                        } else if line.clock_ahead() {
                            " (clock?)"
                        } else {
                            ""
                        };
                        let key = (source, file.clone(), mark);
                        // The header goes with the first line printed, so a file whose lines
                        // are all filtered out shows no empty section.
                        if headers && current.as_ref() != Some(&key) {
                            let name = match &key.1 {
                                Some(path) => sanitize(path.as_os_str().as_encoded_bytes()),
                                None => names.get(source).cloned().unwrap_or_default(),
                            };
                            let gap = if current.is_some() { "\n" } else { "" };
                            text.push_str(&format!("{gap}==> {name}{mark} <==\n"));
                            current = Some(key);
                        }
                        text.push_str(&line.text);
                        text.push('\n');
                        written += 1;
                    }
                }
                TailEvent::Status { source, status } => {
                    if let SourceStatus::Notice { .. } = status {
                        // A notice does not name its source (the cockpit's record does).
                        let name = names.get(source).map_or("", String::as_str);
                        let _ = writeln!(diag, "sitrep: {name}: {status}");
                    } else if !matches!(
                        status,
                        SourceStatus::Following { .. }
                            | SourceStatus::Running { .. }
                            | SourceStatus::Reading { .. }
                    ) {
                        // Diagnostics are best effort; the lines are what matter. Each names
                        // its source (`command exited with code 3` says nothing of which).
                        let name = names.get(source).map_or("", String::as_str);
                        let said = status.to_string();
                        if name.is_empty() || said.contains(name) {
                            let _ = writeln!(diag, "sitrep: {said}");
                        } else {
                            let _ = writeln!(diag, "sitrep: {name}: {said}");
                        }
                    }
                }
            }
        }
        let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        text.clear();
        match result {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => break,
            Err(err) => return Err(FollowError::Write(err)),
        }
    }
    drop(handles);
    merging.abort();
    Ok(written)
}
