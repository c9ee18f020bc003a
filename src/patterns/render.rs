//! What the CLI prints: `sitrep patterns --assign` (one `<id>\t<template>` line per input line)
//! and the pattern list as a table or JSON.

use std::io::{BufRead, BufWriter, Write};

use serde::Serialize;

use super::values::ValueCount;
use super::{Miner, PatternId};
use crate::core::level::Level;
use crate::core::sanitize::{Policy, is_plain, sanitize_for};

/// Why mining a stream failed.
#[derive(Debug, thiserror::Error)]
pub enum PatternsError {
    /// The input could not be read (the OS error is said in the message, not repeated as a source).
    #[error("could not read log lines: {0}")]
    Read(std::io::Error),
    /// The output could not be written.
    #[error("could not write patterns: {0}")]
    Write(std::io::Error),
    /// The pattern list could not be encoded.
    #[error("could not encode patterns as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Calls `f` with each line of `input` (invalid UTF-8 replaced; the miner trims the line end);
/// returns how many lines there were. A read error becomes `read_error(e)`.
fn for_each_line<R: BufRead, E>(
    mut input: R,
    read_error: impl Fn(std::io::Error) -> E,
    mut f: impl FnMut(&str) -> Result<(), E>,
) -> Result<u64, E> {
    let mut buf = Vec::with_capacity(256);
    let mut n = 0;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(&read_error)? == 0 {
            return Ok(n);
        }
        n += 1;
        // The text the cockpit mines: the follower's, a CR before the newline dropped, escape
        // sequences removed and other controls made visible, tabs expanded (a line of printable
        // ASCII, by far the usual one, is taken as it is).
        let line = match buf.strip_suffix(b"\n") {
            Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
            // The last line, with no newline after it, keeps a CR at its end as the follower does.
            None => &buf,
        };
        match std::str::from_utf8(line) {
            Ok(s) if is_plain(line) => f(s)?,
            _ => f(&sanitize_for(line, Policy::ScreenLine))?,
        }
    }
}

/// A template as it may reach a terminal: log text can carry escape sequences and bidi controls.
/// Plain ASCII, by far the usual case, passes without a copy.
fn printable(template: &str) -> std::borrow::Cow<'_, str> {
    if template
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\t')
    {
        std::borrow::Cow::Borrowed(template)
    } else {
        std::borrow::Cow::Owned(crate::core::sanitize::sanitize(template.as_bytes()))
    }
}

/// Lines whose ids wait for later lines before they are written: a pattern may merge into an older
/// one once later lines show that a word of it is a value, and the ids written say where each line
/// belongs then.
const ASSIGN_WINDOW: usize = 1 << 16;
/// A stream that pauses this long has its waiting lines written (`tail -f | sitrep patterns
/// --assign -` shows each line within this delay).
const ASSIGN_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);
/// Lines the reading thread may be ahead of the miner.
const ASSIGN_QUEUE: usize = 4096;

/// Observes every line of `input`, writing `<pattern id>\t<template>` for each, in order. Ids are
/// written after up to 65,536 later lines were mined (or at the end of the input, or when it pauses
/// for 100 ms), as they stand then: a line of a pattern merged into an older one gets the older
/// id. Returns the number of lines.
pub fn assign_stream<R: BufRead + Send, W: Write>(
    miner: &mut Miner,
    input: R,
    output: W,
) -> Result<u64, PatternsError> {
    use std::sync::mpsc;
    let mut out = BufWriter::with_capacity(64 * 1024, output);
    let (tx, rx) = mpsc::sync_channel::<Result<String, std::io::Error>>(ASSIGN_QUEUE);
    std::thread::scope(|scope| {
        scope.spawn(move || read_lines(input, &tx));
        let rx = rx;
        let result = assign_from(miner, &rx, &mut out);
        // The reader may be waiting to hand over a line: with the receiver gone its send fails and
        // it stops, so the scope can end (a reader that stopped listening, `| head`, is no hang).
        drop(rx);
        result
    })
}

/// The writing side of [`assign_stream`]: mines what the reader hands over, writes ids in order.
fn assign_from<W: Write>(
    miner: &mut Miner,
    rx: &std::sync::mpsc::Receiver<Result<String, std::io::Error>>,
    out: &mut BufWriter<W>,
) -> Result<u64, PatternsError> {
    use std::sync::mpsc::RecvTimeoutError;
    let mut pending: Vec<PatternId> = Vec::new();
    let mut n = 0u64;
    loop {
        match rx.recv_timeout(ASSIGN_PAUSE) {
            Ok(Ok(line)) => {
                n += 1;
                pending.push(miner.observe(&line));
                // At the cap, patterns are evicted: an id held back could name one no more. (A
                // line the miner holds for what may finish it waits on, and the lines after it.)
                if pending.len() >= ASSIGN_WINDOW || miner.len() >= miner.config().max_patterns {
                    let settled = pending
                        .iter()
                        .position(|&id| miner.holds(id))
                        .unwrap_or(pending.len());
                    let rest = pending.split_off(settled);
                    write_assigned(miner, &mut pending, out)?;
                    pending = rest;
                }
            }
            Ok(Err(e)) => return Err(PatternsError::Read(e)),
            Err(RecvTimeoutError::Timeout) => {
                // The input paused: what the miner holds has had what came with it.
                miner.settle_held();
                write_assigned(miner, &mut pending, out)?;
            }
            Err(RecvTimeoutError::Disconnected) => {
                miner.settle_held();
                write_assigned(miner, &mut pending, out)?;
                return Ok(n);
            }
        }
    }
}

/// Reads the lines of `input` for [`assign_stream`]. Stops at the end, on an error, or when nobody
/// listens.
fn read_lines<R: BufRead>(
    input: R,
    tx: &std::sync::mpsc::SyncSender<Result<String, std::io::Error>>,
) {
    // `Err(None)`: nobody listens any more; `Err(Some(e))`: the input failed, which is handed over.
    let read = for_each_line(input, Some, |line| {
        tx.send(Ok(line.to_owned())).map_err(|_| None)
    });
    if let Err(Some(e)) = read {
        let _ = tx.send(Err(e));
    }
}

/// Writes the ids of `pending` as they stand now.
fn write_assigned<W: Write>(
    miner: &Miner,
    pending: &mut Vec<PatternId>,
    out: &mut BufWriter<W>,
) -> Result<(), PatternsError> {
    for id in pending.drain(..) {
        let id = miner.resolve(id);
        let template = printable(miner.template(id).unwrap_or_default());
        writeln!(out, "{id}\t{template}").map_err(PatternsError::Write)?;
    }
    out.flush().map_err(PatternsError::Write)
}

/// Observes every line of `input`; returns the number of lines.
pub fn mine<R: BufRead>(miner: &mut Miner, input: R) -> Result<u64, PatternsError> {
    let n = for_each_line(input, PatternsError::Read, |line| {
        miner.observe(line);
        Ok(())
    })?;
    miner.settle_held();
    Ok(n)
}

/// One `<*>` of a pattern in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariableSummary {
    /// Which `<*>`, from 0.
    pub index: usize,
    /// Most frequent values first.
    pub values: Vec<ValueCount>,
    /// More distinct values were seen than listed.
    pub more: bool,
}

/// One pattern in the list printed by `sitrep patterns`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternSummary {
    /// The pattern id.
    pub id: PatternId,
    /// Lines in the pattern.
    pub count: u64,
    /// Share of all observed lines, 0 to 1.
    pub share: f64,
    /// Level shown by its lines.
    pub level: Option<Level>,
    /// The template.
    pub template: String,
    /// Sequence number of its first line.
    pub first_line: u64,
    /// Sequence number of its latest line.
    pub last_line: u64,
    /// Values behind each `<*>`.
    pub variables: Vec<VariableSummary>,
}

/// The patterns kept, most frequent first (ties: first seen first).
pub fn summaries(miner: &Miner) -> Vec<PatternSummary> {
    let total = miner.lines_seen().max(1) as f64;
    let mut out: Vec<PatternSummary> = miner
        .patterns()
        .map(|p| PatternSummary {
            id: p.id(),
            count: p.count(),
            share: p.count() as f64 / total,
            level: p.level(),
            template: p.template().to_owned(),
            first_line: p.first_seen().seq,
            last_line: p.last_seen().seq,
            variables: p
                .variables()
                .into_iter()
                .map(|v| VariableSummary {
                    index: v.index,
                    values: v.values,
                    more: v.more,
                })
                .collect(),
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.first_line.cmp(&b.first_line)));
    out
}

/// The pattern list as an aligned text table: count, share, level, id, template.
/// `limit` keeps only the most frequent patterns.
pub fn render_table(miner: &Miner, limit: Option<usize>) -> String {
    let rows = summaries(miner);
    let shown = limit.unwrap_or(rows.len()).min(rows.len());
    let width = rows
        .iter()
        .take(shown)
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1)
        .max(5);
    let mut out = format!(
        "{:>width$}  {:>6}  {:<5}  {:>5}  TEMPLATE\n",
        "COUNT", "SHARE", "LEVEL", "ID"
    );
    for r in rows.iter().take(shown) {
        let level = r
            .level
            .map(|l| l.to_string())
            .unwrap_or_else(|| "-".to_owned());
        out.push_str(&format!(
            "{:>width$}  {:>5.1}%  {:<5}  {:>5}  {}\n",
            r.count,
            r.share * 100.0,
            level,
            // Through a string: the id's Display writes its number without the width.
            r.id.to_string(),
            printable(&r.template)
        ));
    }
    if shown < rows.len() {
        out.push_str(&format!("… {} more patterns\n", rows.len() - shown));
    }
    out.push_str(&format!(
        "{} lines, {} patterns\n",
        miner.lines_seen(),
        rows.len()
    ));
    out
}

#[derive(Serialize)]
struct JsonReport {
    lines: u64,
    patterns: Vec<PatternSummary>,
}

/// The pattern list as pretty JSON: `{"lines": N, "patterns": [...]}`.
pub fn render_json(miner: &Miner) -> Result<String, PatternsError> {
    let report = JsonReport {
        lines: miner.lines_seen(),
        patterns: summaries(miner),
    };
    Ok(serde_json::to_string_pretty(&report)?)
}
