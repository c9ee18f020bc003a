//! Starting sources, and the thread that follows a file or glob.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::event::{EventKind, ModifyKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::Sender;

use super::file::{CHUNK, Followed, Start, Window, file_id, is_linked};
use super::glob::Glob;
use super::handle::{HandleKind, SourceHandle, Wake};
use super::{
    BackfillReport, Bound, LogLine, SourceSpec, SourceStatus, TailEvent, TailOptions, command,
};

/// Starts following `spec`, sending its lines and status changes tagged with `source` to `tx`.
///
/// Files and globs get a thread of their own; commands and journals run as a task on the current tokio runtime
/// (without one, an error status is sent instead).
pub fn spawn_source(
    source: usize,
    spec: SourceSpec,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> SourceHandle {
    let target = match spec {
        // A named pipe is read as `tail -f` reads one, not followed as a file.
        SourceSpec::File(path) if is_fifo(&path) => {
            return SourceHandle {
                kind: super::fifo::spawn(source, path, tx, opts),
            };
        }
        SourceSpec::File(path) => Target::File(path),
        SourceSpec::Glob(pattern) => Target::Glob(Glob::new(&pattern), PathBuf::from(pattern)),
        SourceSpec::Command(argv) => {
            return SourceHandle {
                kind: command::spawn(source, argv, tx, opts),
            };
        }
        SourceSpec::Journal(spec) => {
            return SourceHandle {
                kind: super::journal::spawn(source, spec, tx, opts),
            };
        }
        SourceSpec::Loki(spec) => {
            return SourceHandle {
                kind: super::loki::spawn(source, spec, tx, opts),
            };
        }
        SourceSpec::Kube(spec) => {
            return SourceHandle {
                kind: super::kube::spawn(source, spec, tx, opts),
            };
        }
    };
    let wake = Arc::new(Wake::default());
    let thread_wake = Arc::clone(&wake);
    let error_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("sitrep-tail-{source}"))
        .spawn(move || follow_files(source, target, tx, opts, thread_wake));
    if let Err(err) = &spawned {
        let message = format!("cannot start a thread to follow the log: {err}");
        let status = SourceStatus::Error { message };
        let _ = error_tx.try_send(TailEvent::Status { source, status });
    }
    SourceHandle {
        kind: HandleKind::Thread {
            wake,
            #[cfg(any(test, feature = "test-support"))]
            thread: spawned.ok(),
        },
    }
}

#[derive(Debug)]
enum Target {
    File(PathBuf),
    Glob(Glob, PathBuf),
}

/// The receiver is gone: nothing more to do.
struct Closed;

struct Sink {
    source: usize,
    tx: Sender<TailEvent>,
}

impl Sink {
    fn lines(&self, file: &Arc<Path>, lines: Vec<LogLine>) -> Result<(), Closed> {
        if lines.is_empty() {
            return Ok(());
        }
        let file = Some(Arc::clone(file));
        let event = TailEvent::Lines {
            source: self.source,
            file,
            lines,
        };
        self.tx.blocking_send(event).map_err(|_| Closed)
    }

    fn status(&self, status: SourceStatus) -> Result<(), Closed> {
        let event = TailEvent::Status {
            source: self.source,
            status,
        };
        self.tx.blocking_send(event).map_err(|_| Closed)
    }
}

fn follow_files(
    source: usize,
    target: Target,
    tx: Sender<TailEvent>,
    opts: TailOptions,
    wake: Arc<Wake>,
) {
    let sink = Sink { source, tx };
    let mut watcher = None;
    let mut next_watch_attempt = Instant::now();
    let mut watch_retry = Duration::from_secs(1);
    let mut tracker = Tracker::new(target, opts);
    let mut names_changed = true;
    loop {
        if tracker.opts.use_notify && watcher.is_none() && Instant::now() >= next_watch_attempt {
            watcher = watch(&tracker.target, &wake);
            // The folder may not exist yet; the timer covers until it does.
            next_watch_attempt = Instant::now() + watch_retry;
            watch_retry = (watch_retry * 2).min(Duration::from_secs(30));
        }
        let pass_started = Instant::now();
        if tracker.pass(&sink, names_changed).is_err() {
            return;
        }
        let flags = wake.wait(tracker.opts.poll_interval);
        if flags.stop {
            return;
        }
        // A writer that writes a few lines every few milliseconds is read in batches, not a wake-up
        // (and a message down every queue) for each write; lines wait at most PASS_GAP for it.
        if let Some(rest) = PASS_GAP.checked_sub(pass_started.elapsed())
            && wake.pause(rest)
        {
            return;
        }
        names_changed = flags.names;
    }
}

/// The shortest time from one pass over the files to the next (see `follow_files`).
const PASS_GAP: Duration = Duration::from_millis(50);

/// Watches the folder(s) where the target's files live; events only wake the follower.
fn watch(target: &Target, wake: &Arc<Wake>) -> Option<RecommendedWatcher> {
    let (dirs, mode, names): (Vec<PathBuf>, _, Vec<std::ffi::OsString>) = match target {
        Target::File(path) => {
            let parent = parent_dir(path);
            let mut dirs = vec![parent.clone()];
            let mut names: Vec<_> = path
                .file_name()
                .map(|n| n.to_os_string())
                .into_iter()
                .collect();
            // A symlinked log is written where it really lives: watch there too.
            if let Ok(real) = std::fs::canonicalize(path) {
                let real_parent = parent_dir(&real);
                if real_parent != parent {
                    dirs.push(real_parent);
                }
                names.extend(real.file_name().map(|n| n.to_os_string()));
            }
            (dirs, RecursiveMode::NonRecursive, names)
        }
        Target::Glob(glob, _) => {
            let (root, deep) = glob.watch_root();
            let mode = if deep {
                RecursiveMode::Recursive
            } else {
                RecursiveMode::NonRecursive
            };
            (vec![root.to_path_buf()], mode, Vec::new())
        }
    };
    let wake = Arc::clone(wake);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            wake.signal(|f| f.names = true);
            return;
        };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let relevant = names.is_empty()
            || event.paths.is_empty()
            || event
                .paths
                .iter()
                .any(|p| p.file_name().is_some_and(|n| names.iter().any(|m| m == n)));
        if !relevant {
            return;
        }
        let data_only = matches!(event.kind, EventKind::Modify(ModifyKind::Data(_)));
        wake.signal(|f| {
            f.data = true;
            f.names |= !data_only;
        });
    })
    .ok()?;
    let mut any = false;
    for dir in &dirs {
        any |= watcher.watch(dir, mode).is_ok();
    }
    any.then_some(watcher)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What became of a single followed file's path, to word the next status.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PathState {
    Unknown,
    Present,
    Waiting,
    RenamedAway,
    Deleted,
}

struct Tracker {
    target: Target,
    opts: TailOptions,
    files: Vec<Followed>,
    started: bool,
    /// The last look could not list the glob's folder.
    listing_failed: bool,
    path_state: PathState,
    next_look: Instant,
    retry_delay: Duration,
    reported_errors: HashMap<PathBuf, String>,
    buf: Vec<u8>,
    /// Lines the backfill may still read (shared by a glob's files).
    backfill_left: usize,
    /// The backfill under way, until its lines are all delivered.
    backfill: Option<BackfillReport>,
}

/// Lines between two reports of a backfill's progress.
const BACKFILL_REPORT_EVERY: u64 = 50_000;

/// Counts `n` more lines of a backfill under way, reporting its progress every
/// [`BACKFILL_REPORT_EVERY`] lines.
fn counted(backfill: &mut Option<BackfillReport>, n: usize, sink: &Sink) -> Result<(), Closed> {
    let Some(report) = backfill.as_mut() else {
        return Ok(());
    };
    let before = report.lines / BACKFILL_REPORT_EVERY;
    report.lines = (report.lines + n as u64).min(report.total);
    if report.lines / BACKFILL_REPORT_EVERY > before {
        sink.status(SourceStatus::Backfill(report.clone()))?;
    }
    Ok(())
}

impl Tracker {
    fn new(target: Target, opts: TailOptions) -> Self {
        let backfill_left = opts.backfill.as_ref().map_or(0, |b| b.max_lines);
        Self {
            target,
            retry_delay: opts.poll_interval,
            opts,
            files: Vec::new(),
            started: false,
            listing_failed: false,
            path_state: PathState::Unknown,
            next_look: Instant::now(),
            reported_errors: HashMap::new(),
            buf: vec![0; CHUNK],
            backfill_left,
            backfill: None,
        }
    }

    /// One pass: read what is new, notice rotation/deletion/new files, retire drained files.
    fn pass(&mut self, sink: &Sink, names_changed: bool) -> Result<(), Closed> {
        self.read_all(sink)?;
        let now = Instant::now();
        let has_active = self.files.iter().any(|f| f.detached_since.is_none());
        let look = match self.target {
            Target::File(_) => has_active || names_changed || now >= self.next_look,
            Target::Glob(..) => names_changed || now >= self.next_look,
        };
        if look {
            if self.reconcile(sink)? {
                // The backfills of a glob's files, merged by line time (else each file's hour
                // would come after the one before it, its lines all late).
                if !self.started && self.backfill.is_some() && self.files.len() > 1 {
                    self.merge_backfills(sink)?;
                }
                // Read the old file's last writes, then the new file, in that order.
                self.read_all(sink)?;
            }
            // Not while the glob's folder cannot be listed: the files found once it can are the
            // ones there at start, read from their last lines, not from their first.
            self.started |= !self.listing_failed;
        }
        // The files there at start have been read to their ends: the backfill is delivered.
        if self.started
            && let Some(mut report) = self.backfill.take()
        {
            report.done = true;
            report.lines = report.total;
            sink.status(SourceStatus::Backfill(report))?;
        }
        self.retire(sink)
    }

    /// Reads the files opened at start to their ends together, a chunk of each at a time, sending
    /// their lines in line-time order (a k-way merge; memory: a chunk's lines a file).
    fn merge_backfills(&mut self, sink: &Sink) -> Result<(), Closed> {
        let count = self.files.len();
        let mut queues: Vec<std::collections::VecDeque<LogLine>> = vec![Default::default(); count];
        let mut ended = vec![false; count];
        loop {
            for i in 0..count {
                if !queues[i].is_empty() || ended[i] {
                    continue;
                }
                let queue = &mut queues[i];
                let read = self.files[i].read_chunks(&mut self.buf, 1, |_, lines, _| {
                    queue.extend(lines);
                    Ok::<(), io::Error>(())
                });
                ended[i] = !matches!(read, Ok(true));
            }
            let heads = queues
                .iter()
                .enumerate()
                .filter_map(|(i, q)| q.front().map(|l| (l.at(), i)));
            let Some((_, first)) = heads.clone().min() else {
                return Ok(());
            };
            // Its lines up to the next file's head go together.
            let bound = heads.filter(|(_, i)| *i != first).map(|(at, _)| at).min();
            let mut batch = Vec::new();
            while let Some(line) = queues[first].front() {
                if bound.is_some_and(|b| line.at() > b) {
                    break;
                }
                batch.extend(queues[first].pop_front());
            }
            counted(&mut self.backfill, batch.len(), sink)?;
            let shown = Arc::clone(&self.files[first].shown);
            sink.lines(&shown, batch)?;
        }
    }

    /// Takes in the backfill window of a file opened at start; for a single file whose window
    /// reaches its start, reads the rotated file beside it (`app.log.1`) first, within what is left.
    fn add_window(
        &mut self,
        sink: &Sink,
        path: &Path,
        main: super::file::FileId,
        window: Window,
    ) -> Result<(), Closed> {
        self.backfill_left = self.backfill_left.saturating_sub(window.lines);
        let report = self.backfill.get_or_insert(BackfillReport {
            lines: 0,
            total: 0,
            reached: None,
            bound: window.bound,
            done: false,
        });
        report.total += window.lines as u64;
        report.reached = match (report.reached, window.reached) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if report.bound == Bound::Start {
            report.bound = window.bound;
        }
        let Some(backfill) = self.opts.backfill.clone() else {
            return Ok(());
        };
        if !matches!(self.target, Target::File(_))
            || window.bound != Bound::Start
            || self.backfill_left == 0
        {
            return Ok(());
        }
        let mut rotated = path.as_os_str().to_os_string();
        rotated.push(".1");
        let rotated = PathBuf::from(rotated);
        // Not the file already open under another name (rotated while it was being looked at).
        if !std::fs::metadata(&rotated).is_ok_and(|m| m.is_file() && file_id(&m) != main) {
            return Ok(());
        }
        let start = Some(Start::Window(&backfill, self.backfill_left));
        let Ok((mut older, Some(window))) = Followed::open_from(
            &rotated,
            sink.source,
            self.opts.max_line_bytes,
            start,
            &self.opts.times,
        ) else {
            return Ok(());
        };
        self.backfill_left = self.backfill_left.saturating_sub(window.lines);
        if let Some(report) = &mut self.backfill {
            report.total += window.lines as u64;
            report.reached = window.reached.or(report.reached);
            report.bound = window.bound;
            // Said before the older file is read: its lines are the backfill's too.
            sink.status(SourceStatus::Backfill(report.clone()))?;
        }
        let result = older.read_new(&mut self.buf, |shown, lines, _| {
            sink.lines(shown, lines).map_err(ReadError::from)
        });
        if let Some(report) = &mut self.backfill {
            report.lines = (report.lines + window.lines as u64).min(report.total);
        }
        match result {
            Ok(_) => {
                let lines = older.finish();
                sink.lines(&older.shown, lines)
            }
            Err(ReadError::Closed) => Err(Closed),
            Err(ReadError::Io(err)) => self.report(sink, &rotated, &err),
        }
    }

    fn read_all(&mut self, sink: &Sink) -> Result<(), Closed> {
        for index in 0..self.files.len() {
            let file = &mut self.files[index];
            let backfill = &mut self.backfill;
            let result = file.read_new(&mut self.buf, |shown, lines, truncated| {
                counted(backfill, lines.len(), sink)?;
                sink.lines(shown, lines)?;
                if truncated {
                    let path = shown.to_path_buf();
                    sink.status(SourceStatus::Truncated { path })?;
                }
                Ok::<(), ReadError>(())
            });
            match result {
                Ok(_) => {
                    let path = self.files[index].path.clone();
                    self.reported_errors.remove(&path);
                }
                Err(ReadError::Closed) => return Err(Closed),
                Err(ReadError::Io(err)) => {
                    let path = self.files[index].path.clone();
                    self.report(sink, &path, &err)?;
                }
            }
        }
        Ok(())
    }

    fn report(&mut self, sink: &Sink, path: &Path, err: &io::Error) -> Result<(), Closed> {
        let message = format!("{}: {err}", path.display());
        if self.reported_errors.get(path) == Some(&message) {
            return Ok(());
        }
        self.reported_errors
            .insert(path.to_path_buf(), message.clone());
        sink.status(SourceStatus::Error { message })
    }

    /// Matches the files on disk against the followed ones; true if a file was opened or detached.
    fn reconcile(&mut self, sink: &Sink) -> Result<bool, Closed> {
        let now = Instant::now();
        let candidates = match &self.target {
            Target::File(path) => vec![path.clone()],
            Target::Glob(glob, pattern) => match glob.expand() {
                Ok(paths) => {
                    self.listing_failed = false;
                    paths
                }
                Err(err) => {
                    // Not "every file gone": the followed files stay as they are until it lists,
                    // and the next look waits as a missing path's would.
                    let pattern = pattern.clone();
                    self.listing_failed = true;
                    self.report(sink, &pattern, &err)?;
                    self.next_look = now + self.retry_delay;
                    self.retry_delay = (self.retry_delay * 2)
                        .min(self.opts.retry_max.max(self.opts.poll_interval));
                    return Ok(false);
                }
            },
        };
        let mut present = Vec::new();
        let mut opened_any = false;
        // Something is at the path but cannot be followed: said once, and never "waiting for it
        // to appear".
        let mut blocked = false;
        for path in candidates {
            let meta = match std::fs::metadata(&path) {
                Ok(meta) => meta,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => {
                    blocked = true;
                    self.report(sink, &path, &err)?;
                    continue;
                }
            };
            if !meta.is_file() {
                if matches!(self.target, Target::File(_)) {
                    blocked = true;
                    self.report(sink, &path, &io::Error::other(not_a_file(&meta, &path)))?;
                }
                continue;
            }
            let id = file_id(&meta);
            if let Some(known) = self.files.iter_mut().find(|f| f.id == id) {
                if known.path != path {
                    known.shown = Arc::from(path.as_path());
                    known.path = path;
                }
                known.detached_since = None;
                present.push(id);
                continue;
            }
            let backfill = self.opts.backfill.clone();
            let start = match (&backfill, !self.started && !self.opts.from_start) {
                (_, false) => None,
                (Some(backfill), true) => Some(Start::Window(backfill, self.backfill_left)),
                (None, true) => Some(Start::Lines(self.opts.initial_lines)),
            };
            let opened = Followed::open_from(
                &path,
                sink.source,
                self.opts.max_line_bytes,
                start,
                &self.opts.times,
            );
            match opened {
                Ok((followed, window)) => {
                    if let Some(window) = window {
                        self.add_window(sink, &path, followed.id, window)?;
                        if let Some(report) = &self.backfill {
                            sink.status(SourceStatus::Backfill(report.clone()))?;
                        }
                    }
                    self.reported_errors.remove(&path);
                    present.push(followed.id);
                    if self.files.iter().any(|f| f.id == followed.id) {
                        continue;
                    }
                    let replaced = self
                        .files
                        .iter()
                        .any(|f| f.detached_since.is_none() && !present.contains(&f.id));
                    let status = match (&self.target, self.path_state) {
                        (Target::File(_), PathState::RenamedAway | PathState::Present)
                            if replaced || self.path_state == PathState::RenamedAway =>
                        {
                            SourceStatus::Rotated { path: path.clone() }
                        }
                        _ => SourceStatus::Following { path: path.clone() },
                    };
                    self.files.push(followed);
                    opened_any = true;
                    sink.status(status)?;
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
                    blocked = true;
                    let why = io::Error::other(format!(
                        "{err}: sitrep runs as a user who cannot read it; run it as one who can (log files are often readable by the `adm` group)"
                    ));
                    self.report(sink, &path, &why)?;
                }
                // Out of file descriptors (EMFILE, ENFILE): what the file holds is not read yet.
                Err(err) if matches!(err.raw_os_error(), Some(23 | 24)) => {
                    blocked = true;
                    let why = io::Error::other(format!(
                        "{err}: its {} bytes are not read; tried again as descriptors free up (raise the limit, `ulimit -n`, or follow fewer files)",
                        meta.len()
                    ));
                    self.report(sink, &path, &why)?;
                }
                Err(err) => {
                    blocked = true;
                    self.report(sink, &path, &err)?;
                }
            }
        }
        let mut changed = opened_any;
        for file in &mut self.files {
            if file.detached_since.is_some() || present.contains(&file.id) {
                continue;
            }
            changed = true;
            file.detached_since = Some(now);
            let linked = file.metadata().map(|m| is_linked(&m)).unwrap_or(false);
            if !linked {
                sink.status(SourceStatus::Gone {
                    path: file.path.clone(),
                })?;
            }
            if let Target::File(_) = self.target {
                self.path_state = if linked {
                    PathState::RenamedAway
                } else {
                    PathState::Deleted
                };
            }
        }
        self.update_path_state(sink, !present.is_empty(), blocked, now)?;
        Ok(changed)
    }

    fn update_path_state(
        &mut self,
        sink: &Sink,
        found: bool,
        blocked: bool,
        now: Instant,
    ) -> Result<(), Closed> {
        if found {
            self.path_state = PathState::Present;
            self.retry_delay = self.opts.poll_interval;
            self.next_look = now + self.opts.poll_interval;
            return Ok(());
        }
        if !blocked
            && (self.path_state == PathState::Unknown
                || (self.path_state == PathState::Present
                    && matches!(self.target, Target::Glob(..))))
        {
            self.path_state = PathState::Waiting;
            let path = match &self.target {
                Target::File(path) => path.clone(),
                Target::Glob(_, pattern) => pattern.clone(),
            };
            sink.status(SourceStatus::Waiting { path })?;
        }
        self.next_look = now + self.retry_delay;
        self.retry_delay =
            (self.retry_delay * 2).min(self.opts.retry_max.max(self.opts.poll_interval));
        Ok(())
    }

    /// Stops reading files that left their path and have been quiet for the linger time.
    fn retire(&mut self, sink: &Sink) -> Result<(), Closed> {
        let linger = self.opts.linger;
        let mut index = 0;
        while index < self.files.len() {
            let file = &self.files[index];
            let expired = file
                .detached_since
                .is_some_and(|since| since.max(file.last_growth).elapsed() >= linger);
            if expired {
                let mut file = self.files.remove(index);
                let lines = file.finish();
                sink.lines(&file.shown, lines)?;
            } else {
                index += 1;
            }
        }
        Ok(())
    }
}

enum ReadError {
    Closed,
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(err: io::Error) -> Self {
        ReadError::Io(err)
    }
}

impl From<Closed> for ReadError {
    fn from(_: Closed) -> Self {
        ReadError::Closed
    }
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// Whether `meta` is a named pipe's.
pub(crate) fn is_fifo_meta(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt as _;
    meta.file_type().is_fifo()
}

/// Why something at a log path is not a file sitrep can follow, and what to write instead.
pub(crate) fn not_a_file(meta: &std::fs::Metadata, path: &Path) -> String {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    let shown = crate::core::sanitize::sanitize(path.as_os_str().as_encoded_bytes());
    if t.is_dir() {
        format!("is a folder, not a log file: name a file in it, or a glob such as `{shown}/*.log`")
    } else if t.is_fifo() {
        // Read as a pipe when it is one at start; here it became one later.
        format!("became a named pipe (FIFO) after sitrep started: restart sitrep to read `{shown}` as a pipe")
    } else if t.is_char_device() || t.is_block_device() {
        "is a device, not a log file: name the file the program writes its log to".to_string()
    } else if t.is_socket() {
        "is a socket, not a log file: follow what writes to it as a command source".to_string()
    } else {
        "is not a regular file".to_string()
    }
}
