//! Following log files and commands; making their bytes safe to show; keeping recent lines.
//!
//! ```text
//!  file / glob ──thread: read chunks, split, sanitize, level──┐
//!  command ─────tokio task: stdout+stderr, restart w/ backoff─┴─> mpsc<TailEvent> ──> UI ──> LogBuffer
//! ```
//! File sources run on a dedicated thread each (reads are blocking syscalls; the UI runtime stays free),
//! woken by `notify` events on the parent folder and by a short timer, since events are only hints.
//! Every line is sanitized before it leaves this module: nothing from a log reaches the terminal raw.
//!
//! Guarantees and their limits:
//! - Every byte appended to a followed file is delivered once, across rename rotation (the old file
//!   is read to its end, and for `linger` after its last growth, so late writers are not lost),
//!   truncation and deletion, as long as it was still on disk when the follower looked: bytes written
//!   and truncated away between two passes (one `poll_interval`, or one change event) are gone.
//! - Truncate-and-regrow is spotted by the size or by the first 64 bytes changing; a rewrite that
//!   restores the very same first 64 bytes and grows past the old size is not.
//! - A glob that also matches rotated names (`app.log*`) tracks files by identity, so renamed files are
//!   not read twice; a copytruncate copy (`app.log.1` as a new file) is read as the new file it is.
//! - Lines go out in batches of one read (64 KiB, several hundred lines): size channels in batches.

mod buffer;
mod command;
pub mod fields;
mod fifo;
mod file;
mod follow;
mod glob;
mod handle;
pub mod journal;
pub mod kube;
mod level;
mod lines;
pub mod loki;
pub mod merge;
mod program;
mod source;
pub mod timestamp;
pub mod vitals;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::level::Level;

pub use crate::core::sanitize::sanitize;
#[cfg(any(test, feature = "test-support"))]
pub use crate::core::sanitize::sanitize_capped;
pub use buffer::{DEFAULT_CAPACITY, LogBuffer};
pub use follow::{FollowError, Selection, follow_to_writer};
pub use glob::is_glob;
pub use handle::SourceHandle;
#[cfg(any(test, feature = "test-support"))]
pub use level::detect_level;
pub use source::spawn_source;
pub(crate) use source::{is_fifo_meta, not_a_file};
pub use timestamp::{TimeRule, Zone};

/// One sanitized line of a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Index of the source it came from (as given to [`spawn_source`]).
    pub source: usize,
    /// The line, sanitized: no escape sequences or control characters, no trailing newline.
    pub text: String,
    /// Severity guessed from the text; `None` when it names none.
    pub level: Option<Level>,
    /// Bytes of the original line dropped by the length cap (0 if none; the text then ends with a note).
    pub cut_bytes: usize,
    /// When the line was read.
    pub received: DateTime<Utc>,
    /// The line's own time (its timestamp, or the previous line's for a line without one);
    /// `None` while its source has shown no time.
    pub time: Option<DateTime<Utc>>,
    /// Where `time` came from.
    pub time_origin: TimeOrigin,
    /// Put in a merged view after lines newer than it by more than its source's `reorder` window.
    pub late: bool,
}

/// Where a line's `time` came from, for a view that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TimeOrigin {
    /// The line has no time.
    #[default]
    None,
    /// Its own timestamp.
    Own {
        /// The timestamp's bytes in `text` (brackets it fills included); kept small (a timestamp
        /// starts within the first 4 KiB), since every kept line carries it.
        span: Range<u16>,
        /// The zone it was read in when it named none (`None`: it named its own).
        assumed: Option<Zone>,
    },
    /// The previous line's time from the same stream (a stack-trace continuation).
    Inherited {
        /// The zone the inherited time was read in, as for `Own`.
        assumed: Option<Zone>,
    },
}

impl TimeOrigin {
    /// Whether the time is the previous line's.
    pub fn inherited(&self) -> bool {
        matches!(self, TimeOrigin::Inherited { .. })
    }

    /// The zone assumed for a time written without one.
    pub fn assumed(&self) -> Option<Zone> {
        match self {
            TimeOrigin::Own { assumed, .. } | TimeOrigin::Inherited { assumed } => *assumed,
            TimeOrigin::None => None,
        }
    }

    /// The timestamp's bytes in the line's text, when it has its own.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            TimeOrigin::Own { span, .. } => Some(usize::from(span.start)..usize::from(span.end)),
            _ => None,
        }
    }
}

/// A timestamp's span as a line keeps it (one past `u16::MAX` would not fit: such a span is empty).
pub(crate) fn narrow(span: Range<usize>) -> Range<u16> {
    match (u16::try_from(span.start), u16::try_from(span.end)) {
        (Ok(start), Ok(end)) => start..end,
        _ => 0..0,
    }
}

/// A line from a record that carries its own time (a journal entry, a Loki entry):
/// `TIME PREFIX BODY`, the time in UTC to the microsecond (its span marked, so a time column
/// strips it), `prefix` already safe to show, the body sanitized and capped at what is left of
/// `max_line_bytes` (with how many of its bytes were cut before it got here, counted in its cut
/// note); `level` judges the shown body.
pub(crate) fn stamped_line(
    source: usize,
    time: Option<DateTime<Utc>>,
    prefix: &str,
    (body, already_cut): (&[u8], usize),
    level: impl FnOnce(&str) -> Option<Level>,
    received: DateTime<Utc>,
    max_line_bytes: usize,
) -> LogLine {
    let mut text = String::new();
    let mut time_origin = TimeOrigin::None;
    if let Some(at) = time {
        text.push_str(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        time_origin = TimeOrigin::Own {
            span: narrow(0..text.len()),
            assumed: None,
        };
        text.push(' ');
    }
    text.push_str(prefix);
    let room = max_line_bytes.saturating_sub(text.len()).max(1);
    let (body, cut_bytes) = lines::sanitize_line(body, already_cut, room);
    let level = level(&body);
    text.push_str(&body);
    LogLine {
        source,
        text,
        level,
        cut_bytes,
        received,
        time,
        time_origin,
        late: false,
    }
}

/// Lines of a file's existing content read at open, unless the options say otherwise: mined with
/// their own times, the cockpit opened mid-outage shows when the errors began.
pub const BACKLOG_LINES: usize = 100_000;

/// Lines a backfill reads from one source at most (all of them mined; the buffer keeps the newest).
pub const BACKFILL_LINES: usize = 1_000_000;

/// Reading what a source holds from before the incident, so rates, the patterns' baseline and
/// NEW compare with before it: lines from `since` on, at most `max_lines` of them (the newest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backfill {
    /// The oldest time read (the incident's start less the log's `backfill`).
    pub since: DateTime<Utc>,
    /// At most this many lines.
    pub max_lines: usize,
}

/// What stopped a backfill where it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// It reached lines older than the window.
    Window,
    /// It reached its line cap.
    Lines,
    /// It reached the start of the log (the file, or the rotated file before it). A journal
    /// says the window's start even when its entries begin later: its first line says how far.
    Start,
    /// It read back as far as it may in bytes.
    Bytes,
    /// It read all the kubelet keeps of each container: its current log file and its previous run.
    Kept,
}

impl Bound {
    fn says(self) -> &'static str {
        match self {
            Bound::Window => "all of the window before the incident",
            Bound::Lines => "stopped at the line cap; older lines not read",
            Bound::Start => "everything the log holds",
            Bound::Bytes => "stopped at 1 GiB read back; older lines not read",
            Bound::Kept => "all the kubelet keeps: each container's current log and previous run",
        }
    }
}

/// How a backfill is going, or how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillReport {
    /// Lines delivered so far.
    pub lines: u64,
    /// Lines it will deliver in all (as far as known at its start).
    pub total: u64,
    /// The time of its oldest line that has one.
    pub reached: Option<DateTime<Utc>>,
    /// What stopped it there.
    pub bound: Bound,
    /// Every line of it has been delivered.
    pub done: bool,
}

impl fmt::Display for BackfillReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |n: u64| crate::core::text::thousands(n);
        if self.done {
            let lines = crate::core::text::counted(self.lines, "line", "lines");
            write!(f, "backfilled {lines}")?;
        } else if self.total < self.lines {
            // Its length was not known in advance.
            write!(f, "backfilling {} lines", count(self.lines))?;
        } else {
            write!(
                f,
                "backfilling {} of {} lines",
                count(self.lines),
                count(self.total)
            )?;
        }
        if let Some(at) = self.reached {
            let local = at.with_timezone(&chrono::Local);
            // The date too when it is not today's (a reopened incident, a window over midnight).
            let today = chrono::Local::now().date_naive();
            let format = if local.date_naive() == today {
                "%H:%M:%S"
            } else {
                "%b %d %H:%M:%S"
            };
            write!(f, " back to {}", local.format(format))?;
        }
        write!(f, " ({})", self.bound.says())
    }
}

/// How far ahead of when it was read a line's own time may be before it is taken for a wrong clock.
pub const CLOCK_AHEAD: TimeDelta = TimeDelta::seconds(5);

impl LogLine {
    /// When the line happened, as far as sitrep can tell: its own time, unless it has none or that is
    /// more than [`CLOCK_AHEAD`] after it was read (a clock ahead, a wrong zone), then when it was read.
    /// Rates count a line here and merged views order lines by it.
    pub fn at(&self) -> DateTime<Utc> {
        match self.time {
            Some(t) if t <= self.received + CLOCK_AHEAD => t,
            _ => self.received,
        }
    }

    /// Whether the line's own time is more than [`CLOCK_AHEAD`] after it was read (shown `clock?`).
    pub fn clock_ahead(&self) -> bool {
        self.time.is_some_and(|t| t > self.received + CLOCK_AHEAD)
    }

    /// A line from its parts (`text` must already be sanitized).
    #[cfg(any(test, feature = "test-support"))]
    pub fn new(
        source: usize,
        text: String,
        level: Option<Level>,
        cut_bytes: usize,
        received: DateTime<Utc>,
    ) -> Self {
        Self {
            source,
            text,
            level,
            cut_bytes,
            received,
            time: None,
            time_origin: TimeOrigin::None,
            late: false,
        }
    }

    /// The same line with its own time (or an inherited one) and where it came from.
    #[cfg(any(test, feature = "test-support"))]
    pub fn with_time(mut self, time: DateTime<Utc>, origin: TimeOrigin) -> Self {
        self.time = Some(time);
        self.time_origin = origin;
        self
    }

    /// The same line with the time of a timestamp found in it.
    #[cfg(any(test, feature = "test-support"))]
    pub fn with_stamp(self, stamp: timestamp::Stamp) -> Self {
        let origin = TimeOrigin::Own {
            span: narrow(stamp.span),
            assumed: stamp.assumed,
        };
        self.with_time(stamp.at, origin)
    }

    /// A line from raw bytes: sanitized, capped at `max_bytes`, level detected.
    #[cfg(any(test, feature = "test-support"))]
    pub fn from_raw(source: usize, raw: &[u8], max_bytes: usize) -> Self {
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let (text, cut_bytes) = lines::sanitize_line(raw, 0, max_bytes);
        let level = detect_level(&text);
        let received = Utc::now();
        let line = Self::new(source, text, level, cut_bytes, received);
        match timestamp::parse(&line.text, &TimeRule::default(), received) {
            Some(stamp) => line.with_stamp(stamp),
            None => line,
        }
    }
}

/// How a source's lines are placed in time: how their own times are read (`timestamp`), how
/// long a merged view may hold a line back to put it in order (`reorder`), and how long before the
/// incident's start its lines are read at open (`backfill`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// How lines' own times are read.
    pub times: TimeRule,
    /// The longest a merged view holds a line back (see [`merge`]).
    pub reorder: Duration,
    /// How long before the incident's start the backfill reaches.
    pub backfill: Duration,
    /// How long without a line makes a busy source silent (see [`vitals`]).
    pub silent_after: Duration,
}

/// How long before the incident's start a source's lines are read at open, unless set.
pub const DEFAULT_BACKFILL: Duration = Duration::from_secs(60 * 60);

impl Default for Timing {
    fn default() -> Self {
        Self {
            times: TimeRule::default(),
            reorder: merge::DEFAULT_REORDER,
            backfill: DEFAULT_BACKFILL,
            silent_after: vitals::DEFAULT_SILENT_AFTER,
        }
    }
}

/// What to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// One file, followed across rotation, truncation, deletion and re-creation.
    File(PathBuf),
    /// Every file matching a shell pattern (`/var/log/app/*.log`), including files created later.
    Glob(String),
    /// A command's stdout and stderr (`kubectl logs -f deploy/api`), restarted when it exits.
    Command(Vec<String>),
    /// Entries of the systemd journal (see [`journal`]).
    Journal(journal::JournalSpec),
    /// Lines of a LogQL query in Grafana Loki (see [`loki`]).
    Loki(loki::LokiSpec),
    /// Every container of the pods matching a label selector, through kubectl (see [`kube`]).
    Kube(kube::KubeSpec),
}

impl SourceSpec {
    /// A file, or a glob if the path contains `*`, `?` or `[`.
    pub fn path(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        let text = path.to_string_lossy();
        if is_glob(&text) {
            SourceSpec::Glob(text.into_owned())
        } else {
            SourceSpec::File(path.to_path_buf())
        }
    }

    /// A source named by its address, as `sitrep tail` and a log's `source` take it:
    /// `journal:UNITS[@WHERE]` (see [`journal::JournalSpec::parse`]), `file:PATH`, `glob:PATTERN`,
    /// `command:PROGRAM ARGS…` (split as `sh` would, quotes and backslashes, nothing expanded), or a
    /// path (a glob when it has `*`, `?` or `[`). A file whose name starts with one of these
    /// kinds is written `./journal:…`.
    pub fn parse(address: &str) -> Result<Self, String> {
        let Some((kind, rest)) = address.split_once(':') else {
            return Ok(Self::path(address));
        };
        match kind {
            "journal" => journal::JournalSpec::parse(rest)
                .map(SourceSpec::Journal)
                .map_err(|why| format!("source `{address}`: {why}")),
            "loki" => loki::LokiSpec::parse(rest)
                .map(SourceSpec::Loki)
                .map_err(|why| format!("source `{}`: {why}", loki::shown_address(address))),
            "k8s" | "kubernetes" => kube::KubeSpec::parse(rest)
                .map(SourceSpec::Kube)
                .map_err(|why| format!("source `{address}`: {why}")),
            "file" if !rest.is_empty() => Ok(SourceSpec::File(PathBuf::from(rest))),
            "glob" if !rest.is_empty() => Ok(SourceSpec::Glob(rest.to_string())),
            "command" => {
                // Split by the shell's quoting rules, without a shell: `command:ssh web1 'tail
                // -F /var/log/app.log'` is three words.
                use crate::core::argv::{SplitError, split_line};
                match split_line(rest) {
                    Ok(argv) => Ok(SourceSpec::Command(argv)),
                    Err(SplitError::Empty) => Err(format!(
                        "source `{address}`: give the program and its arguments, like command:kubectl logs -f deploy/api"
                    )),
                    Err(SplitError::NeedsShell { token, what, .. }) => Err(format!(
                        "source `{address}`: `{token}` needs a shell ({what}): run one, like command:sh -c 'journalctl -f | grep pay', or quote it"
                    )),
                    Err(e) => Err(format!("source `{address}`: {e}")),
                }
            }
            "file" | "glob" => Err(format!(
                "source `{address}`: give a path after `{kind}:`, like {kind}:/var/log/app.log"
            )),
            _ if kind.len() > 1 && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') => {
                Err(format!(
                    "source `{address}`: unknown kind `{kind}`; use journal:, k8s:, loki:, file:, glob: or command: (a file whose name has a colon: ./{address})"
                ))
            }
            _ => Ok(Self::path(address)),
        }
    }

    /// How long a merged view holds this source's lines for the others unless its log sets
    /// `reorder`: Loki's 3 s, since polling (where its tail is refused) brings a line up to 2 s
    /// after it happened; 1 s for the others.
    pub fn default_reorder(&self) -> std::time::Duration {
        match self {
            SourceSpec::Loki(_) => loki::POLL + std::time::Duration::from_secs(1),
            _ => merge::DEFAULT_REORDER,
        }
    }

    /// A short human name: the path, pattern, or command line.
    pub fn describe(&self) -> String {
        let raw = match self {
            SourceSpec::File(path) => path.display().to_string(),
            SourceSpec::Glob(pattern) => pattern.clone(),
            SourceSpec::Command(argv) => crate::core::argv::join_words(argv),
            SourceSpec::Journal(spec) => spec.describe(),
            SourceSpec::Loki(spec) => spec.describe(),
            SourceSpec::Kube(spec) => spec.describe(),
        };
        sanitize(raw.as_bytes())
    }
}

/// Something a source reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailEvent {
    /// New lines, one event per chunk read (a burst costs one event, not one per line).
    Lines {
        /// Source index.
        source: usize,
        /// The file they came from (None for commands); tells glob matches apart.
        file: Option<Arc<Path>>,
        /// The lines, oldest first.
        lines: Vec<LogLine>,
    },
    /// A change in the source's state, worth showing to the user.
    Status {
        /// Source index.
        source: usize,
        /// The new state.
        status: SourceStatus,
    },
}

/// The state of a source, as shown in a status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    /// Reading this file.
    Following {
        /// The file.
        path: PathBuf,
    },
    /// The file (or, for a glob, any match) does not exist yet; it will be picked up when it appears.
    Waiting {
        /// The path or pattern.
        path: PathBuf,
    },
    /// The file was replaced by a new one (rename rotation); the old one was read to its end and the
    /// new one is followed from its start.
    Rotated {
        /// The path now followed.
        path: PathBuf,
    },
    /// The file shrank or was rewritten (copytruncate); reading restarted at its start.
    Truncated {
        /// The file.
        path: PathBuf,
    },
    /// The file was deleted; reopening is retried.
    Gone {
        /// The file.
        path: PathBuf,
    },
    /// The command (re)started.
    Running {
        /// The command line.
        command: String,
    },
    /// Reading a journal (see [`journal`]): `what` names it, and the machine for a collected one.
    Reading {
        /// The journal and its selection.
        what: String,
    },
    /// Lines lost before sitrep saw them: dropped by the source itself (journald's rate limit,
    /// Loki's tail that could not keep up), or entries that could not be read (over 4 MiB, not
    /// JSON); counts for the whole source (all its machines, across restarts) since it started.
    Dropped {
        /// Who dropped them.
        by: Dropper,
        /// Dropped by the source.
        by_source: u64,
        /// Skipped as unreadable.
        unreadable: u64,
    },
    /// Reading what the source holds from before the incident; `done` once all of it is delivered.
    Backfill(BackfillReport),
    /// Something the source saw happen, worth a record (a pod appeared or went away, a container
    /// restarted and why); it does not name the source, the record and `sitrep tail` do.
    Notice {
        /// What happened.
        message: String,
    },
    /// The command exited; it restarts after `restart_in`.
    Exited {
        /// Exit code (None when killed by a signal).
        code: Option<i32>,
        /// Delay before the restart.
        restart_in: Duration,
    },
    /// Something failed; following continues where it can.
    Error {
        /// What failed and why.
        message: String,
    },
}

/// Who dropped lines before sitrep saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dropper {
    /// journald, by its rate limit.
    Journald,
    /// Loki, from its tail, which could not keep up (and `query_range` did not give them again).
    Loki,
}

fn shown(path: &Path) -> String {
    sanitize(path.as_os_str().as_encoded_bytes())
}

impl fmt::Display for SourceStatus {
    /// A sanitized one-line description, safe to print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceStatus::Following { path } => write!(f, "following {}", shown(path)),
            SourceStatus::Waiting { path } => write!(f, "waiting for {} to appear", shown(path)),
            SourceStatus::Rotated { path } => {
                write!(f, "{} rotated; following the new file", shown(path))
            }
            SourceStatus::Truncated { path } => {
                write!(f, "{} truncated; reading from the start", shown(path))
            }
            SourceStatus::Gone { path } => write!(f, "{} deleted; retrying", shown(path)),
            SourceStatus::Running { command } => {
                write!(f, "running {}", sanitize(command.as_bytes()))
            }
            SourceStatus::Reading { what } => write!(f, "reading {}", sanitize(what.as_bytes())),
            SourceStatus::Backfill(report) => write!(f, "{report}"),
            SourceStatus::Dropped {
                by,
                by_source,
                unreadable,
            } => {
                let mut parts = Vec::new();
                if *by_source > 0 {
                    let (who, why) = match by {
                        Dropper::Journald => ("journald", "its rate limit"),
                        Dropper::Loki => ("Loki", "its tail could not keep up"),
                    };
                    parts.push(format!(
                        "{who} dropped {} lines ({why}): the log is incomplete",
                        crate::core::text::thousands(*by_source)
                    ));
                }
                if *unreadable > 0 {
                    parts.push(format!(
                        "{} entries skipped (over 4 MiB or not JSON)",
                        crate::core::text::thousands(*unreadable)
                    ));
                }
                f.write_str(&parts.join("; "))
            }
            SourceStatus::Exited { code, restart_in } => {
                match code {
                    Some(code) => write!(f, "command exited with code {code}")?,
                    None => write!(f, "command killed by a signal")?,
                }
                write!(
                    f,
                    "; restarting in {}",
                    humantime::format_duration(*restart_in)
                )
            }
            SourceStatus::Error { message } | SourceStatus::Notice { message } => {
                f.write_str(&sanitize(message.as_bytes()))
            }
        }
    }
}

/// How sources are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailOptions {
    /// Read existing files from their start (demo, tests) instead of their last `initial_lines`.
    pub from_start: bool,
    /// Lines of history read from files that exist at start when `from_start` is false (the
    /// backlog: at most this many lines, and at most 64 MiB, before the end).
    pub initial_lines: usize,
    /// How often files are re-checked even without a change event.
    pub poll_interval: Duration,
    /// Use `notify` change events to react at once (the timer stays on either way).
    pub use_notify: bool,
    /// Longest line kept, in bytes; the rest is cut and counted.
    pub max_line_bytes: usize,
    /// How long a rotated or deleted file keeps being read after its last growth (late writers).
    pub linger: Duration,
    /// Longest wait between attempts to reopen a missing file.
    pub retry_max: Duration,
    /// First delay before restarting an exited command; doubles up to `restart_max`.
    pub restart_min: Duration,
    /// Longest delay before restarting an exited command.
    pub restart_max: Duration,
    /// How lines' own times are read (a source's `timestamp` setting; set it for each source).
    pub times: TimeRule,
    /// At open, read the lines from before the incident instead of the last `initial_lines`
    /// (files: their content and the rotated `.1` file beside them; journals: `--since`).
    pub backfill: Option<Backfill>,
    /// How long without a line makes a busy source silent (`sitrep tail --silent-after`).
    pub silent_after: Duration,
}

impl Default for TailOptions {
    fn default() -> Self {
        Self {
            from_start: false,
            initial_lines: BACKLOG_LINES,
            poll_interval: Duration::from_millis(250),
            use_notify: true,
            max_line_bytes: 16 * 1024,
            linger: Duration::from_secs(5),
            retry_max: Duration::from_secs(2),
            restart_min: Duration::from_secs(1),
            restart_max: Duration::from_secs(30),
            times: TimeRule::default(),
            backfill: None,
            silent_after: vitals::DEFAULT_SILENT_AFTER,
        }
    }
}

impl TailOptions {
    /// Options that read whole files from the start (demo, tests).
    #[cfg(any(test, feature = "test-support"))]
    pub fn from_start() -> Self {
        Self {
            from_start: true,
            ..Self::default()
        }
    }

    /// The next wait of a source's backoff: twice `delay`, up to the longest (`restart_max`).
    pub(crate) fn longer(&self, delay: Duration) -> Duration {
        (delay * 2).min(self.restart_max.max(self.restart_min))
    }
}
