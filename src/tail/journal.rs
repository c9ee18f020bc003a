//! Following the systemd journal through `journalctl -o json`: the local journal, journal files or a
//! folder of them (as `systemd-journal-remote` collects them), or a remote host's journal through a
//! command prefix (`ssh db1`).
//!
//! ```text
//!  journal:payments.service ──> journalctl -o json --follow -u payments.service ──> entries ──> lines
//!  journal:…@/var/log/journal/remote ──> journalctl -F _MACHINE_ID (every 5 s) ──> one follower a machine
//! ```
//! Each entry keeps its own time (`_SOURCE_REALTIME_TIMESTAMP`, else `__REALTIME_TIMESTAMP`), host
//! and program; `PRIORITY` sets the level; a `MESSAGE` written as bytes is sanitized like any line.
//! Every follower remembers the cursor of the last entry it delivered: when `journalctl` exits (an
//! ssh connection dropped, a journal file rotated away) it is started again `--after-cursor`, so no
//! entry is read twice or skipped. A folder holding several machines' files gets one follower (and
//! one cursor) per machine: `journalctl --follow` over several files moves one position through
//! them all in time order, and would skip the entries of a host that delivers them late.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;

use super::handle::HandleKind;
use super::program::{Closed, cannot_start, send, split, stderr_text};
use super::{
    Backfill, BackfillReport, Bound, LogLine, SourceStatus, TailEvent, TailOptions,
    lines::sanitize_line,
};
use crate::core::child::{Child, Event, Stream, Survivors};
use crate::core::level::Level;

/// How often a folder of journal files is looked at again for machines not seen before.
const RESCAN: Duration = Duration::from_secs(5);
/// A run at least this long was healthy: the next restart delay starts small again.
const HEALTHY_RUN: Duration = Duration::from_secs(10);
/// The longest JSON entry read; a longer one (a core dump's fields) is skipped and counted.
const MAX_ENTRY_BYTES: usize = 4 << 20;
/// Entries put in one batch for the UI.
const BATCH: usize = 512;

/// Which journal, and which of its entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JournalSpec {
    /// Units (`payments.service`; `-u`, which also takes globs like `pay*`): an entry of any of them.
    pub units: Vec<String>,
    /// Field matches (`_SYSTEMD_UNIT=payments.service`, `PRIORITY=3`), as `journalctl` takes them.
    pub matches: Vec<String>,
    /// Where the entries are.
    pub from: JournalFrom,
    /// A command the `journalctl` command line is appended to, to read another host's journal
    /// (`["ssh", "db1"]`). Empty: this machine.
    pub via: Vec<String>,
}

/// Where a journal is read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum JournalFrom {
    /// The journal of the machine `journalctl` runs on.
    #[default]
    Local,
    /// A folder of journal files (`--directory`), as `systemd-journal-remote` fills it.
    Directory(PathBuf),
    /// Journal files (`--file`; a glob is passed on to `journalctl`).
    Files(Vec<PathBuf>),
}

impl JournalSpec {
    /// Reads the part of a source address after `journal:`: selectors separated by commas (a unit,
    /// or `FIELD=value`), then optionally `@` and where from: a path starting `/` or `.`
    /// (`@/var/log/journal/remote`, a folder or a file) or `ssh:HOST`. An `@` followed by anything else is part of a unit name
    /// (`getty@tty1.service`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (selectors, place) = match text.rsplit_once('@') {
            Some((before, after))
                if after.starts_with(['/', '.']) || after.starts_with("ssh:") =>
            {
                (before, Some(after))
            }
            _ => (text, None),
        };
        let mut spec = JournalSpec::default();
        for selector in selectors.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match selector.split_once('=') {
                Some((field, _)) => {
                    if field.is_empty()
                        || !field
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                    {
                        return Err(format!(
                            "`{selector}`: a journal field is written in capitals, like _SYSTEMD_UNIT=payments.service or PRIORITY=3"
                        ));
                    }
                    spec.matches.push(selector.to_string());
                }
                None => spec.units.push(selector.to_string()),
            }
        }
        match place {
            None => {}
            Some(host) if host.starts_with("ssh:") => {
                let host = &host[4..];
                if host.is_empty() || host.starts_with('-') {
                    return Err("`@ssh:` needs a host, like journal:payments.service@ssh:db1".into());
                }
                spec.via = vec!["ssh".into(), "-T".into(), host.into()];
            }
            Some(path) => {
                let path = PathBuf::from(path);
                spec.from = if path.is_dir() {
                    JournalFrom::Directory(path)
                } else {
                    JournalFrom::Files(vec![path])
                };
            }
        }
        Ok(spec)
    }

    /// A short human name: `journal payments.service` and where from.
    pub fn describe(&self) -> String {
        let mut what: Vec<&str> = self.units.iter().map(String::as_str).collect();
        what.extend(self.matches.iter().map(String::as_str));
        let mut text = format!("journal {}", what.join(","));
        if what.is_empty() {
            text.push_str("(all)");
        }
        match &self.from {
            JournalFrom::Local => {}
            JournalFrom::Directory(dir) => text.push_str(&format!(" in {}", dir.display())),
            JournalFrom::Files(files) => {
                let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                text.push_str(&format!(" in {}", files.join(" ")));
            }
        }
        if !self.via.is_empty() {
            text.push_str(&format!(" via {}", self.via.join(" ")));
        }
        text
    }

    /// Whether the journal may hold several machines' entries, each followed on its own.
    fn collected(&self) -> bool {
        !matches!(self.from, JournalFrom::Local)
    }

    /// The command to run for `argv` (`journalctl` and its arguments): as it is, or after `via`.
    /// ssh joins the words it is given with spaces for the remote shell to read, so after ssh each
    /// word is quoted for a shell (a cursor's `;` or a unit glob's `*` stays in its word); a prefix
    /// that runs its words as they are (`sudo`, `docker exec c`) gets them as they are.
    fn command(&self, argv: Vec<String>) -> Vec<String> {
        let mut command = self.via.clone();
        let ssh = self
            .via
            .first()
            .and_then(|p| std::path::Path::new(p).file_name())
            .is_some_and(|name| name == "ssh");
        if ssh {
            command.extend(argv.iter().map(|word| shell_quote(word)));
        } else {
            command.extend(argv);
        }
        command
    }

    /// `journalctl` and its arguments before the position: where, which entries, JSON.
    fn base(&self) -> Vec<String> {
        let mut argv = vec!["journalctl".to_string()];
        match &self.from {
            JournalFrom::Local => {}
            JournalFrom::Directory(dir) => argv.push(format!("--directory={}", dir.display())),
            JournalFrom::Files(files) => {
                argv.extend(files.iter().map(|f| format!("--file={}", f.display())));
            }
        }
        argv.push("--no-pager".into());
        argv
    }

    /// The command that follows the entries of `machine` (all when `None`) from `position`.
    fn follow_argv(&self, machine: Option<&str>, position: &Position) -> Vec<String> {
        let mut argv = self.base();
        argv.extend(
            ["--output=json", "--all", "--follow"]
                .iter()
                .map(|s| s.to_string()),
        );
        // `--follow` alone keeps to the newest boot (journalctl 252 adds `--boot`): a host that
        // rebooted in the window would lose what came before. `--merge` lifts that; over collected
        // files it adds nothing else.
        if self.collected() {
            argv.push("--merge".into());
        }
        match position {
            // `--follow` alone shows at most 10 entries before following: say all of them.
            Position::After(cursor) => {
                argv.push(format!("--after-cursor={cursor}"));
                argv.push("--lines=all".into());
            }
            Position::Since(at) => {
                argv.push(format!("--since=@{}", at.timestamp()));
                argv.push("--lines=all".into());
            }
            Position::From(cursor) => {
                argv.push(format!("--cursor={cursor}"));
                argv.push("--lines=all".into());
            }
            Position::Last(n) => argv.push(format!("--lines={n}")),
            Position::All => argv.push("--lines=all".into()),
        }
        self.select(&mut argv, machine);
        self.command(argv)
    }

    /// The command that lists, newest first, the entries a backfill from `backfill.since` reads
    /// (at most `backfill.max_lines`), one line each (`cat` of `_BOOT_ID`, which every entry
    /// journald writes has, to count them; `json` for the last one's cursor): the last one printed
    /// is where it starts.
    fn window_argv(
        &self,
        machine: Option<&str>,
        backfill: &Backfill,
        output: &str,
    ) -> Vec<String> {
        let mut argv = self.base();
        argv.extend([
            format!("--output={output}"),
            "--output-fields=_BOOT_ID".to_string(),
            "--reverse".to_string(),
            format!("--since=@{}", backfill.since.timestamp()),
            format!("--lines={}", backfill.max_lines),
        ]);
        self.select(&mut argv, machine);
        self.command(argv)
    }

    /// Adds which entries: the units, the matches, and the machine (all when `None`).
    fn select(&self, argv: &mut Vec<String>, machine: Option<&str>) {
        for unit in &self.units {
            argv.push(format!("--unit={unit}"));
        }
        argv.extend(self.matches.iter().cloned());
        if let Some(machine) = machine {
            argv.push(format!("_MACHINE_ID={machine}"));
        }
    }

    /// The command that lists the machines whose entries the journal holds.
    fn machines_argv(&self) -> Vec<String> {
        let mut argv = self.base();
        argv.push("--field=_MACHINE_ID".into());
        self.command(argv)
    }
}

/// Where a follower starts reading.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Position {
    /// After the entry with this cursor (a restart).
    After(String),
    /// From this time on.
    Since(DateTime<Utc>),
    /// From the entry with this cursor on (a backfill that reached its line cap).
    From(String),
    /// The last n entries.
    Last(usize),
    /// Every entry.
    All,
}

impl Position {
    fn first(opts: &TailOptions) -> Self {
        if opts.from_start {
            Position::All
        } else {
            Position::Last(opts.initial_lines)
        }
    }
}

pub(crate) fn spawn(
    source: usize,
    spec: JournalSpec,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> HandleKind {
    super::handle::task(source, "journal", tx, |tx| run(source, spec, tx, opts))
}

async fn run(source: usize, spec: JournalSpec, tx: Sender<TailEvent>, opts: TailOptions) {
    let backfilling = |readers: usize| {
        (opts.backfill.is_some() && !opts.from_start && readers > 0)
            .then(|| Arc::new(Mutex::new(Progress::new(readers))))
    };
    // What its readers lost, counted for the source as a whole across their restarts.
    let dropped = Arc::new(Mutex::new(Lost::default()));
    if !spec.collected() {
        let shared = Shared {
            progress: backfilling(1),
            lost: dropped,
            check: true,
        };
        let _ = follow(source, &spec, None, &tx, &opts, shared).await;
        return;
    }
    // One follower a machine, started as machines appear; they end with this task. The machines
    // there at start share one backfill report; one found later is read from the window's start.
    let mut followers = JoinSet::new();
    let mut known: HashSet<String> = HashSet::new();
    let mut first_look = true;
    loop {
        match list_machines(&spec).await {
            Ok(machines) => {
                let fresh: Vec<String> = machines
                    .into_iter()
                    .filter(|m| known.insert(m.clone()))
                    .collect();
                let first_found = std::mem::take(&mut first_look);
                let progress = if first_found {
                    backfilling(fresh.len())
                } else {
                    None
                };
                for (i, machine) in fresh.into_iter().enumerate() {
                    let (spec, tx, mut opts) = (spec.clone(), tx.clone(), opts.clone());
                    let shared = Shared {
                        progress: progress.clone(),
                        lost: Arc::clone(&dropped),
                        // What journalctl says about the folder is said once, not per machine.
                        check: first_found && i == 0,
                    };
                    if !first_found {
                        // A machine seen only now: all its entries are new to this session (in
                        // the backfill's window, when there is one).
                        opts.from_start |= opts.backfill.is_none();
                    }
                    followers.spawn(async move {
                        let _ = follow(source, &spec, Some(&machine), &tx, &opts, shared).await;
                    });
                }
                if known.is_empty() {
                    let status = SourceStatus::Waiting {
                        path: PathBuf::from(spec.describe()),
                    };
                    if send(&tx, source, status).await.is_err() {
                        return;
                    }
                }
            }
            Err(message) => {
                if send(&tx, source, SourceStatus::Error { message })
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(RESCAN).await;
    }
}

/// The machines (`_MACHINE_ID` values) the journal holds entries of, or what went wrong.
async fn list_machines(spec: &JournalSpec) -> Result<Vec<String>, String> {
    let (out, err, exit) = run_once(spec, spec.machines_argv()).await?;
    if exit.is_some_and(|s| !s.success()) {
        return Err(said(spec, &err));
    }
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .map(str::trim)
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(String::from)
        .collect())
}

/// What `journalctl` says about the journal before reading it, when it says anything: no journal
/// files, none readable, or only the user's own entries (outside the journal's groups).
async fn check(spec: &JournalSpec) -> Option<String> {
    let mut argv = spec.base();
    argv.push("--lines=0".into());
    match run_once(spec, spec.command(argv)).await {
        Ok((_, err, _)) => {
            let text = stderr_text(&err);
            (!text.is_empty()).then(|| format!("{text}{}", advice(&text)))
        }
        Err(message) => Some(message),
    }
}

/// What to do about what `journalctl` said, when sitrep knows.
fn advice(said: &str) -> &'static str {
    if said.contains("insufficient permissions") || said.contains("not seeing messages") {
        " (only members of the systemd-journal or adm group see every entry: `sudo usermod -aG systemd-journal $USER`, then log in again)"
    } else if said.contains("No journal files were found") {
        " (no journal here, or none you may read: is systemd-journald running? Collected files are read with journal:UNIT@/path/to/folder)"
    } else {
        ""
    }
}

/// Runs a short `journalctl` command to its end (at most 30 s): its stdout, stderr and exit.
async fn run_once(
    spec: &JournalSpec,
    argv: Vec<String>,
) -> Result<(Vec<u8>, Vec<u8>, Option<std::process::ExitStatus>), String> {
    let (program, args) = split(&argv);
    let mut child = Child::spawn(program.as_ref(), &args, None, Survivors::Kill)
        .map_err(|err| cannot_start(program, &err, NEEDS))?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut exit = None;
    let finished = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match child.next().await {
                Event::Output(Stream::Stdout) => out.extend_from_slice(child.chunk()),
                Event::Output(Stream::Stderr) => err.extend_from_slice(child.chunk()),
                Event::Exited(status) => exit = status,
                Event::Done => break,
            }
        }
    })
    .await;
    if finished.is_err() {
        child.kill();
        return Err(format!(
            "{}: journalctl did not answer within 30 s",
            spec.describe()
        ));
    }
    Ok((out, err, exit))
}

/// Where a reader's backfill starts, how many entries it holds, and what bounds it.
struct Found {
    start: Position,
    lines: u64,
    reached: Option<DateTime<Utc>>,
    bound: Bound,
}

/// Finds the backfill's start by listing its entries newest first (few fields of each): at most
/// `max_lines` of them, none older than `since`; the last one listed is where reading starts.
async fn find_window(
    spec: &JournalSpec,
    machine: Option<&str>,
    backfill: &Backfill,
) -> Result<Found, String> {
    // Counting is cheap in `cat` (journalctl renders JSON at a quarter of the speed); the cursor of
    // the oldest is needed only when the window holds more than the cap.
    let (count, _, err) = list(spec.window_argv(machine, backfill, "cat")).await?;
    if count == 0 && !err.is_empty() {
        return Err(said(spec, &err));
    }
    let capped = backfill.max_lines > 0 && count >= backfill.max_lines as u64;
    if !capped {
        return Ok(Found {
            start: Position::Since(backfill.since),
            lines: count,
            reached: None,
            bound: Bound::Window,
        });
    }
    let (count, last, err) = list(spec.window_argv(machine, backfill, "json")).await?;
    let oldest = serde_json::from_slice::<Entry>(&last).ok();
    let reached = oldest.as_ref().and_then(Entry::time);
    match oldest.and_then(|e| e.cursor) {
        Some(cursor) => Ok(Found {
            start: Position::From(cursor),
            lines: count,
            reached,
            bound: Bound::Lines,
        }),
        None if !err.is_empty() => Err(said(spec, &err)),
        None => Ok(Found {
            start: Position::Since(backfill.since),
            lines: count,
            reached,
            bound: Bound::Lines,
        }),
    }
}

/// Runs a listing to its end: how many lines it printed, the last one, and its stderr.
async fn list(argv: Vec<String>) -> Result<(u64, Vec<u8>, Vec<u8>), String> {
    // A hung connection (ssh into a black hole) gives up here; the reader then starts at `--since`.
    let listing = list_all(&argv);
    match tokio::time::timeout(Duration::from_secs(120), listing).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "journalctl: counting the backfill's entries took over 2 minutes; reading from the window's start{}",
            if argv.first().is_some_and(|p| p != "journalctl") {
                format!(" (through {})", argv.first().map_or("", String::as_str))
            } else {
                String::new()
            }
        )),
    }
}

async fn list_all(argv: &[String]) -> Result<(u64, Vec<u8>, Vec<u8>), String> {
    let (program, args) = split(argv);
    let mut child = Child::spawn(program.as_ref(), &args, None, Survivors::Kill)
        .map_err(|err| cannot_start(program, &err, NEEDS))?;
    let mut count = 0u64;
    let mut last = Vec::new();
    let mut current = Vec::new();
    let mut err = Vec::new();
    loop {
        match child.next().await {
            Event::Output(Stream::Stdout) => {
                let chunk = child.chunk();
                let mut start = 0;
                for newline in memchr::memchr_iter(b'\n', chunk) {
                    count += 1;
                    current.extend_from_slice(&chunk[start..newline]);
                    std::mem::swap(&mut last, &mut current);
                    current.clear();
                    start = newline + 1;
                }
                if current.len() < 64 * 1024 {
                    current.extend_from_slice(&chunk[start..]);
                }
            }
            Event::Output(Stream::Stderr) => {
                if err.len() < 4096 {
                    err.extend_from_slice(child.chunk());
                }
            }
            Event::Exited(_) => {}
            Event::Done => break,
        }
    }
    if !current.is_empty() {
        count += 1;
        last = current;
    }
    Ok((count, last, err))
}

/// What a reader shares with the other readers of its source.
struct Shared {
    /// The backfill report, when it takes part in one.
    progress: Option<Arc<Mutex<Progress>>>,
    /// Lines lost, for the whole source.
    lost: Arc<Mutex<Lost>>,
    /// Whether it asks journalctl what it says about the journal before reading it.
    check: bool,
}

/// Lines a source lost, since it started.
#[derive(Debug, Default)]
struct Lost {
    by_source: u64,
    unreadable: u64,
    /// The counts changed since they were last said.
    unsaid: bool,
    /// When they were last said: at most once a minute (a storming unit's journald says every 30 s).
    said_at: Option<std::time::Instant>,
}

impl Lost {
    /// The counts to say now, if they changed and the last saying is a minute old.
    fn due(&mut self) -> Option<SourceStatus> {
        let due = self
            .said_at
            .is_none_or(|at| at.elapsed() >= Duration::from_secs(60));
        if !(self.unsaid && due) {
            return None;
        }
        self.unsaid = false;
        self.said_at = Some(std::time::Instant::now());
        Some(SourceStatus::Dropped {
            by: super::Dropper::Journald,
            by_source: self.by_source,
            unreadable: self.unreadable,
        })
    }
}

/// One backfill report for all the readers of a source (one a machine in a collected folder).
#[derive(Debug)]
struct Progress {
    report: BackfillReport,
    /// Readers whose backfill is not delivered yet.
    pending: usize,
}

impl Progress {
    fn new(readers: usize) -> Self {
        Self {
            report: BackfillReport {
                lines: 0,
                total: 0,
                reached: None,
                bound: Bound::Window,
                done: false,
            },
            pending: readers,
        }
    }
}

/// One reader's part of a backfill.
struct Backfilling {
    progress: Arc<Mutex<Progress>>,
    /// Its entries not delivered yet.
    left: u64,
    /// Lines of the shared report when it was last sent.
    reported: u64,
    /// When its window was counted: an entry from then on is past the window.
    counted_at: DateTime<Utc>,
    /// Its part is delivered (and counted once in the shared report).
    finished: bool,
    /// An entry has arrived.
    seen_any: bool,
}

impl Backfilling {
    fn lock(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds this reader's window to the report; the report to show, if any.
    fn start(
        &mut self,
        lines: u64,
        reached: Option<DateTime<Utc>>,
        bound: Bound,
    ) -> Option<BackfillReport> {
        self.left = lines;
        let mut progress = self.lock();
        let report = &mut progress.report;
        report.total += lines;
        report.reached = match (report.reached, reached) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if bound == Bound::Lines {
            report.bound = Bound::Lines;
        }
        if lines == 0 {
            drop(progress);
            return self.delivered(0);
        }
        Some(progress.report.clone())
    }

    /// Takes in a batch of lines read: the first one's time is how far back it reached (when the
    /// listing did not say); a line from after the count means the window is all read. The report
    /// to show, if any.
    fn read(&mut self, lines: &[LogLine]) -> Option<BackfillReport> {
        let first = !std::mem::replace(&mut self.seen_any, true);
        if first {
            self.first_time(lines.iter().find_map(|l| l.time));
        }
        let within = lines
            .iter()
            .filter(|l| l.time.is_none_or(|t| t < self.counted_at))
            .count() as u64;
        let report = self.delivered(within);
        if within < lines.len() as u64 {
            // An entry from after the count: the window is all read.
            return self.finish().or(report);
        }
        report
    }

    /// Its part is over with what it delivered (the window held fewer entries than counted, or
    /// its count was unknown).
    fn finish(&mut self) -> Option<BackfillReport> {
        if self.finished {
            return None;
        }
        self.left = 0;
        self.finished = true;
        let mut progress = self.lock();
        progress.pending = progress.pending.saturating_sub(1);
        if progress.pending == 0 && !progress.report.done {
            progress.report.done = true;
            progress.report.total = progress.report.lines;
            return Some(progress.report.clone());
        }
        None
    }

    fn first_time(&mut self, time: Option<DateTime<Utc>>) {
        let Some(time) = time else { return };
        let mut progress = self.lock();
        let report = &mut progress.report;
        report.reached = Some(report.reached.map_or(time, |r| r.min(time)));
    }

    /// Counts `n` more lines delivered (all that are left with `u64::MAX`); the report to show.
    fn delivered(&mut self, n: u64) -> Option<BackfillReport> {
        if self.finished {
            return None;
        }
        let n = n.min(self.left);
        self.left -= n;
        let left = self.left;
        let reported = self.reported;
        self.finished = left == 0;
        let mut progress = self.lock();
        if progress.report.done {
            return None;
        }
        progress.report.lines += n;
        if left == 0 {
            progress.pending = progress.pending.saturating_sub(1);
            if progress.pending == 0 && !progress.report.done {
                progress.report.done = true;
                return Some(progress.report.clone());
            }
            return None;
        }
        let lines = progress.report.lines;
        let report = progress.report.clone();
        drop(progress);
        if lines / 50_000 > reported / 50_000 {
            self.reported = lines;
            return Some(report);
        }
        None
    }
}

/// `word` in single quotes for a POSIX shell (a `'` inside closes, escapes and reopens them).
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// What to install when journalctl is not found.
const NEEDS: &str = "journal sources need systemd's journalctl (Debian: apt-get install systemd)";

/// What `journalctl` said on stderr, as one status line.
fn said(spec: &JournalSpec, stderr: &[u8]) -> String {
    let text = stderr_text(stderr);
    let text = if text.is_empty() {
        "journalctl failed and said nothing".to_string()
    } else {
        format!("{text}{}", advice(&text))
    };
    format!("{}: {text}", sanitize_line(spec.describe().as_bytes(), 0, 1024).0)
}

/// Follows one machine's entries (all entries when `machine` is `None`), restarting `journalctl`
/// after the last cursor whenever it exits.
async fn follow(
    source: usize,
    spec: &JournalSpec,
    machine: Option<&str>,
    tx: &Sender<TailEvent>,
    opts: &TailOptions,
    shared: Shared,
) -> Result<(), Closed> {
    let Shared {
        progress,
        lost,
        check: mut first,
    } = shared;
    let what = match machine {
        Some(m) => format!("{} (machine {})", spec.describe(), &m[..m.len().min(12)]),
        None => spec.describe(),
    };
    let mut position = match (&opts.backfill, opts.from_start) {
        (Some(window), false) => Position::Since(window.since),
        _ => Position::first(opts),
    };
    let mut backfill = None;
    if let (Some(window), Some(progress)) = (&opts.backfill, progress) {
        send(tx, source, SourceStatus::Reading { what: what.clone() }).await?;
        let found = find_window(spec, machine, window).await;
        let mut mine = Backfilling {
            progress,
            left: 0,
            reported: 0,
            counted_at: Utc::now(),
            finished: false,
            seen_any: false,
        };
        match found {
            Ok(found) => {
                position = found.start;
                mine.left = found.lines;
                let report = mine.start(found.lines, found.reached, found.bound);
                if let Some(report) = report {
                    send(tx, source, SourceStatus::Backfill(report)).await?;
                }
            }
            Err(message) => {
                // Not counted: read from the window's start, a backfill of unknown length that
                // ends at the first entry from after now (or when journalctl goes quiet).
                position = Position::Since(window.since);
                send(tx, source, SourceStatus::Error { message }).await?;
                mine.left = u64::MAX;
            }
        }
        backfill = (!mine.finished).then_some(mine);
    }
    let mut delay = opts.restart_min;
    loop {
        let argv = spec.follow_argv(machine, &position);
        let (program, args) = split(&argv);
        let started = tokio::time::Instant::now();
        let status = match Child::spawn(program.as_ref(), &args, None, Survivors::Kill) {
            Ok(mut child) => {
                let running = SourceStatus::Reading { what: what.clone() };
                send(tx, source, running).await?;
                // An empty source needs a word: no journal files, none readable, only the user's own.
                if std::mem::take(&mut first)
                    && let Some(said) = check(spec).await
                {
                    let message = format!("{what}: {said}");
                    send(tx, source, SourceStatus::Error { message }).await?;
                }
                let mut reader = EntryReader::new(source, opts.max_line_bytes);
                let (code, stderr) =
                    read_entries(source, &what, &mut child, &mut reader, tx, &mut backfill, &lost)
                        .await?;
                if let Some(cursor) = reader.cursor.take() {
                    position = Position::After(cursor);
                }
                if started.elapsed() >= HEALTHY_RUN {
                    delay = opts.restart_min;
                }
                let retry = crate::core::duration::glance(delay);
                let why = if stderr.iter().all(u8::is_ascii_whitespace) {
                    match code {
                        Some(code) => format!("journalctl exited with code {code}"),
                        None => "journalctl was killed by a signal".to_string(),
                    }
                } else {
                    stderr_text(&stderr)
                };
                SourceStatus::Error {
                    message: format!("{what}: {why}; reading again in {retry}"),
                }
            }
            Err(err) => {
                let retry = crate::core::duration::glance(delay);
                SourceStatus::Error {
                    message: format!("{}; retrying in {retry}", cannot_start(program, &err, NEEDS)),
                }
            }
        };
        send(tx, source, status).await?;
        tokio::time::sleep(delay).await;
        delay = opts.longer(delay);
    }
}

/// Reads `journalctl`'s entries until it exits; returns its exit code and what it said on stderr
/// (also shown while it runs: a permission hint comes before any entry).
async fn read_entries(
    source: usize,
    what: &str,
    child: &mut Child,
    reader: &mut EntryReader,
    tx: &Sender<TailEvent>,
    backfill: &mut Option<Backfilling>,
    lost: &Mutex<Lost>,
) -> Result<(Option<i32>, Vec<u8>), Closed> {
    let mut stderr = Vec::new();
    let mut exit = None;
    let mut hinted = false;
    loop {
        // A backfill is over when its entries are read, when an entry from after the count
        // arrives, or when journalctl goes quiet for long after its first entry (the window held
        // fewer than counted: entries vacuumed away meanwhile).
        let event = match backfill.as_ref().filter(|b| b.left > 0) {
            Some(b) => match tokio::time::timeout(
                Duration::from_secs(if b.seen_any { 5 } else { 60 }),
                child.next(),
            )
            .await
            {
                Ok(event) => event,
                Err(_) => {
                    if let Some(report) = backfill.take().and_then(|mut b| b.finish()) {
                        send(tx, source, SourceStatus::Backfill(report)).await?;
                    }
                    continue;
                }
            },
            None => child.next().await,
        };
        match event {
            Event::Output(Stream::Stdout) => {
                let mut lines = Vec::new();
                let before = (reader.dropped, reader.dropped_by_journald);
                reader.push(child.chunk(), Utc::now(), &mut lines);
                let count = lines.len() as u64;
                let status = {
                    let mut lost = lost.lock().unwrap_or_else(PoisonError::into_inner);
                    lost.unreadable += reader.dropped - before.0;
                    lost.by_source += reader.dropped_by_journald - before.1;
                    lost.unsaid |= (reader.dropped, reader.dropped_by_journald) != before;
                    lost.due()
                };
                if let Some(status) = status {
                    send(tx, source, status).await?;
                }
                for batch in lines.chunks(BATCH) {
                    let event = TailEvent::Lines {
                        source,
                        file: None,
                        lines: batch.to_vec(),
                    };
                    tx.send(event).await.map_err(|_| Closed)?;
                }
                // After the lines it counts, so a done report follows every line of the backfill.
                if let Some(b) = backfill.as_mut().filter(|_| count > 0) {
                    let report = b.read(&lines);
                    if b.finished {
                        *backfill = None;
                    }
                    if let Some(report) = report {
                        send(tx, source, SourceStatus::Backfill(report)).await?;
                    }
                }
            }
            Event::Output(Stream::Stderr) => {
                if stderr.len() < 4096 {
                    stderr.extend_from_slice(child.chunk());
                }
                // A hint about permissions (a user outside the journal's groups sees only their
                // own entries) is shown at once: an empty source needs a word.
                let text = String::from_utf8_lossy(&stderr);
                if !hinted && (text.contains("Hint:") || text.contains("insufficient permissions")) {
                    hinted = true;
                    let said = stderr_text(&stderr);
                    let message = format!("{what}: {said}{}", advice(&said));
                    send(tx, source, SourceStatus::Error { message }).await?;
                }
            }
            Event::Exited(status) => exit = status,
            Event::Done => break,
        }
    }
    let mut lines = Vec::new();
    reader.flush(Utc::now(), &mut lines);
    if !lines.is_empty() {
        let event = TailEvent::Lines {
            source,
            file: None,
            lines,
        };
        tx.send(event).await.map_err(|_| Closed)?;
    }
    Ok((exit.and_then(|s| s.code()), stderr))
}

/// Cuts `journalctl -o json` output into entries and turns each into a line.
#[derive(Debug)]
pub(crate) struct EntryReader {
    source: usize,
    max_line_bytes: usize,
    partial: Vec<u8>,
    /// The current entry grew past [`MAX_ENTRY_BYTES`]: the rest of it is skipped.
    skipping: bool,
    /// The cursor of the last entry read.
    pub(crate) cursor: Option<String>,
    /// Entries that could not be read (too long, not JSON).
    pub(crate) dropped: u64,
    /// Entries journald itself dropped (its rate limit), as its `N_DROPPED` notices say.
    pub(crate) dropped_by_journald: u64,
}

impl EntryReader {
    pub(crate) fn new(source: usize, max_line_bytes: usize) -> Self {
        Self {
            source,
            max_line_bytes,
            partial: Vec::new(),
            skipping: false,
            cursor: None,
            dropped: 0,
            dropped_by_journald: 0,
        }
    }

    /// Reads the entries completed by `chunk` into `out`.
    pub(crate) fn push(&mut self, chunk: &[u8], received: DateTime<Utc>, out: &mut Vec<LogLine>) {
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', chunk) {
            let piece = &chunk[start..newline];
            start = newline + 1;
            if self.skipping {
                self.skipping = false;
                self.partial.clear();
                continue;
            }
            if self.partial.is_empty() {
                self.entry(piece, received, out);
            } else {
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(piece);
                self.entry(&whole, received, out);
                whole.clear();
                self.partial = whole;
            }
        }
        let rest = &chunk[start..];
        if !self.skipping {
            if self.partial.len() + rest.len() > MAX_ENTRY_BYTES {
                self.skipping = true;
                self.dropped += 1;
                self.partial = Vec::new();
            } else {
                self.partial.extend_from_slice(rest);
            }
        }
    }

    /// Reads a last entry that ended without a newline.
    pub(crate) fn flush(&mut self, received: DateTime<Utc>, out: &mut Vec<LogLine>) {
        let partial = std::mem::take(&mut self.partial);
        if !partial.is_empty() && !self.skipping {
            self.entry(&partial, received, out);
        }
        self.skipping = false;
    }

    fn entry(&mut self, json: &[u8], received: DateTime<Utc>, out: &mut Vec<LogLine>) {
        if json.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let Ok(entry) = serde_json::from_slice::<Entry>(json) else {
            self.dropped += 1;
            return;
        };
        if let Some(cursor) = &entry.cursor {
            self.cursor = Some(cursor.clone());
        }
        if let Some(n) = entry.n_dropped.as_ref().and_then(|f| f.text().trim().parse::<u64>().ok()) {
            self.dropped_by_journald += n;
        }
        out.push(entry.line(self.source, self.max_line_bytes, received));
    }
}

/// The fields of a journal entry sitrep reads.
#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(rename = "__CURSOR")]
    cursor: Option<String>,
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<Field>,
    #[serde(rename = "_SOURCE_REALTIME_TIMESTAMP")]
    source_realtime: Option<Field>,
    #[serde(rename = "MESSAGE")]
    message: Option<Field>,
    #[serde(rename = "PRIORITY")]
    priority: Option<Field>,
    #[serde(rename = "_HOSTNAME")]
    host: Option<Field>,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    identifier: Option<Field>,
    #[serde(rename = "_COMM")]
    comm: Option<Field>,
    #[serde(rename = "_SYSTEMD_UNIT")]
    unit: Option<Field>,
    #[serde(rename = "_PID")]
    pid: Option<Field>,
    #[serde(rename = "N_DROPPED")]
    n_dropped: Option<Field>,
}

/// A field's value as `journalctl -o json` writes it: text, bytes (an array of numbers) for a value
/// that is not printable UTF-8, several values (an array of either) for a repeated field, or
/// `null` for one too large to show.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Field {
    Text(String),
    Bytes(Vec<u8>),
    Many(Vec<Field>),
    Other(serde::de::IgnoredAny),
}

impl Field {
    /// The value's bytes; several values joined by a space.
    fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Field::Text(text) => text.as_bytes().into(),
            Field::Bytes(bytes) => bytes.as_slice().into(),
            Field::Many(values) => {
                let mut joined = Vec::new();
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        joined.push(b' ');
                    }
                    joined.extend_from_slice(&value.bytes());
                }
                joined.into()
            }
            Field::Other(_) => (&[][..]).into(),
        }
    }

    /// A short value (a host, a unit, a number) as safe text.
    fn text(&self) -> String {
        sanitize_line(&self.bytes(), 0, 256).0
    }
}

impl Entry {
    /// When it happened: the time the program gave, else when journald received it.
    fn time(&self) -> Option<DateTime<Utc>> {
        [&self.source_realtime, &self.realtime]
            .into_iter()
            .flatten()
            .find_map(|f| {
                let micros: i64 = f.text().trim().parse().ok()?;
                DateTime::from_timestamp_micros(micros)
            })
    }

    /// `PRIORITY` as a level: 0-2 fatal, 3 error, 4 warning, 5-6 info, 7 debug.
    fn level(&self) -> Option<Level> {
        let priority: u8 = self.priority.as_ref()?.text().trim().parse().ok()?;
        Some(match priority {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warn,
            5 | 6 => Level::Info,
            _ => Level::Debug,
        })
    }

    /// The line shown: `2026-12-04T23:15:02.123456Z host program[pid]: message`, like
    /// `journalctl -o short-iso-precise` (in UTC), sanitized and capped.
    fn line(&self, source: usize, max_line_bytes: usize, received: DateTime<Utc>) -> LogLine {
        let mut head = String::new();
        if let Some(host) = &self.host {
            head.push_str(&host.text());
            head.push(' ');
        }
        let program = [&self.identifier, &self.comm, &self.unit]
            .into_iter()
            .flatten()
            .map(Field::text)
            .find(|p| !p.is_empty());
        if let Some(program) = program {
            head.push_str(&program);
            if let Some(pid) = &self.pid {
                head.push_str(&format!("[{}]", pid.text()));
            }
            head.push_str(": ");
        }
        let message = self.message.as_ref().map(Field::bytes).unwrap_or_default();
        let level = self.level();
        super::stamped_line(
            source,
            self.time(),
            &head,
            (&message, 0),
            |_| level,
            received,
            max_line_bytes,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tail::TimeOrigin;

    fn read(json: &str) -> Vec<LogLine> {
        let mut reader = EntryReader::new(0, 1024);
        let mut out = Vec::new();
        reader.push(json.as_bytes(), Utc::now(), &mut out);
        out
    }

    #[test]
    fn an_entry_keeps_its_own_time_host_program_and_level() {
        let lines = read(concat!(
            r#"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1796426152526785","#,
            r#""_SOURCE_REALTIME_TIMESTAMP":"1796426150000000","_HOSTNAME":"db1","#,
            r#""SYSLOG_IDENTIFIER":"payments","_PID":"42","PRIORITY":"3","MESSAGE":"charge failed"}"#,
            "\n"
        ));
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(
            line.text,
            "2026-12-04T23:15:50.000000Z db1 payments[42]: charge failed"
        );
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(line.time.unwrap().timestamp(), 1_796_426_150);
        assert_eq!(line.time_origin.span(), Some(0..27));
    }

    #[test]
    fn priorities_become_levels() {
        let levels: Vec<Option<Level>> = (0..=7)
            .map(|p| {
                let json = format!("{{\"PRIORITY\":\"{p}\",\"MESSAGE\":\"x\"}}\n");
                read(&json)[0].level
            })
            .collect();
        use Level::*;
        let want = [Fatal, Fatal, Fatal, Error, Warn, Info, Info, Debug].map(Some);
        assert_eq!(levels, want);
    }

    #[test]
    fn a_message_of_bytes_is_sanitized_and_repeated_fields_join() {
        // "ok \x1b[31m red" as bytes: the escape never reaches the screen.
        let lines = read(concat!(
            r#"{"MESSAGE":[111,107,32,27,91,51,49,109,32,114,101,100,255]}"#,
            "\n",
            r#"{"MESSAGE":["one","two"]}"#,
            "\n",
            r#"{"MESSAGE":null}"#,
            "\n"
        ));
        assert_eq!(lines.len(), 3);
        assert!(lines[0].text.starts_with("ok "), "{}", lines[0].text);
        assert!(lines[0].text.ends_with("red\u{FFFD}") || lines[0].text.contains("red"));
        assert!(!lines[0].text.contains('\u{1b}'));
        assert_eq!(lines[1].text, "one two");
        assert_eq!(lines[2].text, "");
    }

    #[test]
    fn entries_split_across_chunks_and_bad_ones_are_counted() {
        let mut reader = EntryReader::new(0, 1024);
        let mut out = Vec::new();
        reader.push(br#"{"MESSAGE":"hel"#, Utc::now(), &mut out);
        assert!(out.is_empty());
        reader.push(b"lo\",\"__CURSOR\":\"c1\"}\nnot json\n", Utc::now(), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].text, "hello");
        assert_eq!(reader.cursor.as_deref(), Some("c1"));
        assert_eq!(reader.dropped, 1);
    }

    #[test]
    fn addresses_name_units_matches_and_places() {
        let spec = JournalSpec::parse("payments.service,_HOSTNAME=db1").unwrap();
        assert_eq!(spec.units, ["payments.service"]);
        assert_eq!(spec.matches, ["_HOSTNAME=db1"]);
        assert_eq!(spec.from, JournalFrom::Local);
        let spec = JournalSpec::parse("getty@tty1.service").unwrap();
        assert_eq!(spec.units, ["getty@tty1.service"]);
        let spec = JournalSpec::parse("api@ssh:db1").unwrap();
        assert_eq!(spec.via, ["ssh", "-T", "db1"]);
        let dir = std::env::temp_dir();
        let spec = JournalSpec::parse(&format!("api@{}", dir.display())).unwrap();
        assert_eq!(spec.from, JournalFrom::Directory(dir));
        assert!(JournalSpec::parse("_hostname=x").is_err());
        assert!(JournalSpec::parse("api@ssh:").is_err());
    }

    fn line_at(secs: i64) -> LogLine {
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        LogLine::new(0, "x".into(), None, 0, at).with_time(at, TimeOrigin::None)
    }

    #[test]
    fn a_shared_backfill_is_done_once_when_every_reader_has_delivered() {
        let progress = Arc::new(Mutex::new(Progress::new(2)));
        let reader = |progress: &Arc<Mutex<Progress>>| Backfilling {
            progress: Arc::clone(progress),
            left: 0,
            reported: 0,
            counted_at: DateTime::from_timestamp(1_000, 0).unwrap(),
            finished: false,
            seen_any: false,
        };
        let (mut a, mut b) = (reader(&progress), reader(&progress));
        assert!(a.start(3, None, Bound::Window).is_some_and(|r| !r.done));
        // B has nothing in its window: its part is done at once, the whole is not.
        assert_eq!(b.start(0, None, Bound::Window), None);
        assert!(b.finished);
        // B's live entries later change nothing.
        assert_eq!(b.read(&[line_at(2_000)]), None);
        assert_eq!(a.read(&[line_at(500), line_at(501)]), None);
        let done = a.read(&[line_at(502)]).unwrap();
        assert!(done.done);
        assert_eq!((done.lines, done.total), (3, 3));
        assert_eq!(done.reached.unwrap().timestamp(), 500);
        assert_eq!(a.read(&[line_at(2_001)]), None, "said once");
    }

    #[test]
    fn an_entry_from_after_the_count_ends_the_backfill() {
        let progress = Arc::new(Mutex::new(Progress::new(1)));
        let mut a = Backfilling {
            progress,
            left: 0,
            reported: 0,
            counted_at: DateTime::from_timestamp(1_000, 0).unwrap(),
            finished: false,
            seen_any: false,
        };
        a.start(10, None, Bound::Window);
        // Entries vacuumed away meanwhile: fewer came than counted, then a new one.
        assert_eq!(a.read(&[line_at(900)]), None);
        let done = a.read(&[line_at(1_001)]).unwrap();
        assert!(done.done);
        assert_eq!((done.lines, done.total), (1, 1));
    }

    #[test]
    fn a_backfill_whose_count_failed_ends_at_the_first_entry_after_it() {
        let progress = Arc::new(Mutex::new(Progress::new(1)));
        let mut a = Backfilling {
            progress,
            left: u64::MAX,
            reported: 0,
            counted_at: DateTime::from_timestamp(1_000, 0).unwrap(),
            finished: false,
            seen_any: false,
        };
        assert_eq!(a.read(&[line_at(900), line_at(901), line_at(902)]), None);
        let done = a.read(&[line_at(903), line_at(1_002)]).unwrap();
        assert!(done.done);
        assert_eq!(done.to_string().split(" back").next(), Some("backfilled 4 lines"));
    }

    #[test]
    fn words_after_a_prefix_are_quoted_for_the_remote_shell() {
        assert_eq!(shell_quote("--after-cursor=s=1;i=2"), "'--after-cursor=s=1;i=2'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        let spec = JournalSpec::parse("pay*@ssh:db1").unwrap();
        let argv = spec.follow_argv(None, &Position::After("s=1;i=2".into()));
        assert_eq!(&argv[..4], ["ssh", "-T", "db1", "'journalctl'"]);
        assert!(argv.contains(&"'--after-cursor=s=1;i=2'".to_string()), "{argv:?}");
        assert!(argv.contains(&"'--unit=pay*'".to_string()), "{argv:?}");
        // A prefix that runs its words itself gets them as they are.
        let spec = JournalSpec {
            via: vec!["sudo".into()],
            ..JournalSpec::default()
        };
        let argv = spec.follow_argv(None, &Position::After("s=1;i=2".into()));
        assert_eq!(&argv[..2], ["sudo", "journalctl"]);
        assert!(argv.contains(&"--after-cursor=s=1;i=2".to_string()), "{argv:?}");
    }
}
