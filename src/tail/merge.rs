//! Several sources as one stream in line-time order.
//!
//! Each source's lines arrive in the order they were read; across sources they are put in the order
//! of the time each line names ([`LogLine::at`]). A line waits only while another source might
//! still send an earlier one: until every other source has sent a line at least as new, or until its
//! own source's `reorder` window has passed since it arrived, whichever comes first. A single source
//! never waits. A line released older than what already went out by more than its source's window
//! is marked `late` (it goes at the end, never dropped).
//!
//! ```text
//!  source 0 ─┐                       ┌─ released in time order ──> UI / `sitrep tail`
//!  source 1 ─┼─> Merger (held lines) ┤
//!  source 2 ─┘    by (time, arrival) └─ late lines at the end, marked
//! ```
//! At the start, a source that has sent nothing yet is waited for up to [`STARTUP_GRACE`], so
//! backlogs read at open merge in order even when one source's thread starts late. What is held
//! is bounded ([`MAX_HELD_LINES`], [`MAX_HELD_BYTES`]): past that, the earliest go out at once.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::mpsc;

use super::{LogLine, TailEvent};

/// Lines held for ordering at most; past this the earliest go out at once.
pub const MAX_HELD_LINES: usize = 200_000;
/// Bytes of held line text at most.
pub const MAX_HELD_BYTES: usize = 64 * 1024 * 1024;
/// A source's `reorder` window unless it sets one.
pub const DEFAULT_REORDER: Duration = Duration::from_secs(1);
/// At the start, a source that has sent nothing yet is waited for this long from the first line
/// (its thread may start late on a busy machine, or it is still opening its file): backlogs read
/// at open then merge in order.
pub const STARTUP_GRACE: Duration = Duration::from_secs(3);

type Key = (DateTime<Utc>, u64);

#[derive(Debug)]
struct Lane {
    reorder: Duration,
    /// The newest time this source has sent.
    latest: Option<DateTime<Utc>>,
    /// Held lines of this source in arrival order: when each is due, and its key.
    waiting: VecDeque<(Instant, Key)>,
}

#[derive(Debug)]
struct Held {
    file: Option<Arc<Path>>,
    line: LogLine,
}

/// Puts lines from several sources in line-time order (see the module docs).
#[derive(Debug)]
pub struct Merger {
    lanes: Vec<Lane>,
    held: BTreeMap<Key, Held>,
    held_bytes: usize,
    arrivals: u64,
    /// The newest time released so far.
    shown: Option<DateTime<Utc>>,
    /// When the first line arrived.
    first_arrival: Option<Instant>,
    out: Vec<TailEvent>,
}

impl Merger {
    /// A merger for sources whose `reorder` windows are `reorders` (by source index; a source
    /// beyond the list gets [`DEFAULT_REORDER`]).
    pub fn new(reorders: Vec<Duration>) -> Self {
        Self {
            lanes: reorders.into_iter().map(Lane::new).collect(),
            held: BTreeMap::new(),
            held_bytes: 0,
            arrivals: 0,
            shown: None,
            first_arrival: None,
            out: Vec::new(),
        }
    }

    /// Takes lines read from one file of a source (oldest first), arriving at `now`.
    pub fn push(&mut self, file: Option<Arc<Path>>, mut lines: Vec<LogLine>, now: Instant) {
        let first = *self.first_arrival.get_or_insert(now);
        if self.held.is_empty() && self.lanes.len() == 1 && lines.iter().all(|l| l.source == 0) {
            // One source, nothing held: nothing earlier can come, the batch goes out as it is.
            self.pass(file, &mut lines);
            return;
        }
        for line in lines {
            let source = line.source;
            while self.lanes.len() <= source {
                self.lanes.push(Lane::new(DEFAULT_REORDER));
            }
            let at = line.at();
            let lane = &mut self.lanes[source];
            lane.latest = Some(lane.latest.map_or(at, |l| l.max(at)));
            if self.held.is_empty() && self.others_reached(source, at) {
                // Nothing earlier can come: out at once, with no bookkeeping.
                self.emit(file.clone(), line);
                continue;
            }
            let key = (at, self.arrivals);
            self.arrivals += 1;
            let mut due = now + self.lanes[source].reorder;
            if self.lanes.iter().any(|l| l.latest.is_none()) {
                due = due.max(first + STARTUP_GRACE);
            }
            // Each source's lines fall due in the order they came.
            if let Some(&(last, _)) = self.lanes[source].waiting.back() {
                due = due.max(last);
            }
            self.lanes[source].waiting.push_back((due, key));
            self.held_bytes += line.text.len();
            self.held.insert(
                key,
                Held {
                    file: file.clone(),
                    line,
                },
            );
        }
    }

    /// Takes what the sources sent at `now`: their lines, and their status changes, which pass
    /// straight through. Returns what may go out now, the status changes after the lines.
    pub fn take(&mut self, events: impl IntoIterator<Item = TailEvent>, now: Instant) -> Vec<TailEvent> {
        let mut passing = Vec::new();
        for event in events {
            match event {
                TailEvent::Lines { file, lines, .. } => self.push(file, lines, now),
                status @ TailEvent::Status { .. } => passing.push(status),
            }
        }
        let mut out = self.release(now);
        out.extend(passing);
        out
    }

    /// Releases, in time order, every held line that may go out at `now`; returns them as batches
    /// of consecutive lines from one file.
    pub fn release(&mut self, now: Instant) -> Vec<TailEvent> {
        while let Some((&(at, _), first)) = self.held.first_key_value() {
            let source = first.line.source;
            if self.others_reached(source, at)
                || self.held.len() > MAX_HELD_LINES
                || self.held_bytes > MAX_HELD_BYTES
            {
                self.pop_first();
                continue;
            }
            // A line whose window has passed goes now, after everything held that is older.
            match self.newest_due(now) {
                Some(due) => {
                    while self.held.first_key_value().is_some_and(|(k, _)| *k <= due) {
                        self.pop_first();
                    }
                }
                None => break,
            }
        }
        std::mem::take(&mut self.out)
    }

    /// Releases everything held, in time order (the sources have ended).
    pub fn flush(&mut self) -> Vec<TailEvent> {
        while !self.held.is_empty() {
            self.pop_first();
        }
        std::mem::take(&mut self.out)
    }

    /// When the next held line's window ends, if any is held.
    pub fn next_due(&self) -> Option<Instant> {
        self.lanes
            .iter()
            .filter_map(|lane| {
                lane.waiting
                    .iter()
                    .find(|(_, key)| self.held.contains_key(key))
                    .map(|(due, _)| *due)
            })
            .min()
    }

    /// Lines held now.
    #[cfg(any(test, feature = "test-support"))]
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Whether every source but `source` has sent a line at least as new as `at`.
    fn others_reached(&self, source: usize, at: DateTime<Utc>) -> bool {
        self.lanes
            .iter()
            .enumerate()
            .all(|(i, lane)| i == source || lane.latest.is_some_and(|l| l >= at))
    }

    /// The newest key among held lines whose window has passed.
    fn newest_due(&mut self, now: Instant) -> Option<Key> {
        let mut newest = None;
        for lane in &mut self.lanes {
            // Lines already released (they went out early) are dropped from the front first.
            while lane
                .waiting
                .front()
                .is_some_and(|(_, key)| !self.held.contains_key(key))
            {
                lane.waiting.pop_front();
            }
            let due = lane
                .waiting
                .iter()
                .take_while(|(due, _)| *due <= now)
                .map(|(_, key)| *key)
                .max();
            newest = newest.max(due);
        }
        newest
    }

    fn pop_first(&mut self) {
        if let Some((_, held)) = self.held.pop_first() {
            self.held_bytes -= held.line.text.len();
            self.emit(held.file, held.line);
        }
    }

    /// What [`Merger::emit`] does for each line of a batch of the only source, for the batch.
    fn pass(&mut self, file: Option<Arc<Path>>, lines: &mut Vec<LogLine>) {
        let lane = &mut self.lanes[0];
        let window = TimeDelta::from_std(lane.reorder).unwrap_or(TimeDelta::MAX);
        for line in lines.iter_mut() {
            let at = line.at();
            lane.latest = Some(lane.latest.map_or(at, |l| l.max(at)));
            mark_late(&mut self.shown, line, at, window);
        }
        match self.out.last_mut() {
            Some(TailEvent::Lines {
                source: 0,
                file: last_file,
                lines: out,
            }) if *last_file == file => out.append(lines),
            _ if lines.is_empty() => {}
            _ => self.out.push(TailEvent::Lines {
                source: 0,
                file,
                lines: std::mem::take(lines),
            }),
        }
    }

    fn emit(&mut self, file: Option<Arc<Path>>, mut line: LogLine) {
        let at = line.at();
        let window = self.lanes.get(line.source).map_or(DEFAULT_REORDER, |l| l.reorder);
        let window = TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX);
        mark_late(&mut self.shown, &mut line, at, window);
        match self.out.last_mut() {
            Some(TailEvent::Lines {
                source,
                file: last_file,
                lines,
            }) if *source == line.source && *last_file == file => lines.push(line),
            _ => self.out.push(TailEvent::Lines {
                source: line.source,
                file,
                lines: vec![line],
            }),
        }
    }
}

/// Marks `line` (its time `at`) late if it is older than the newest time `shown` so far by more than
/// its source's `window`, and moves `shown` on.
fn mark_late(shown: &mut Option<DateTime<Utc>>, line: &mut LogLine, at: DateTime<Utc>, window: TimeDelta) {
    if let Some(newest) = *shown {
        line.late = at < newest && newest - at > window;
    }
    *shown = Some(shown.map_or(at, |s| s.max(at)));
}

impl Lane {
    fn new(reorder: Duration) -> Self {
        Self {
            reorder,
            latest: None,
            waiting: VecDeque::new(),
        }
    }
}

/// Merges what `rx` receives from several sources into `tx`, in line-time order, until `rx` closes
/// (what is held then goes out) or `tx` does. Status changes pass straight through.
pub async fn merge(
    mut rx: mpsc::Receiver<TailEvent>,
    tx: mpsc::Sender<TailEvent>,
    reorders: Vec<Duration>,
) {
    let mut merger = Merger::new(reorders);
    let mut events = Vec::with_capacity(64);
    loop {
        let due = merger.next_due();
        let received = tokio::select! {
            received = rx.recv_many(&mut events, 64) => Some(received),
            () = sleep_until(due), if due.is_some() => None,
        };
        if received == Some(0) {
            for event in merger.flush() {
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            return;
        }
        for event in merger.take(events.drain(..), Instant::now()) {
            if tx.send(event).await.is_err() {
                return;
            }
        }
    }
}

/// Sleeps until `due` (at once without one: a `select!` branch on it is guarded by `due.is_some()`).
pub(crate) async fn sleep_until(due: Option<Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due.into()).await;
    }
}

#[cfg(test)]
mod tests;
