//! The durable, append-only writer. One line, one `write`, then `sync_data`, under an advisory lock so
//! that two processes appending to one file never interleave or fork the chain.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound as _, Utc};

use super::chain;
use super::event::{Event, Record};
use super::reader::{self, Problem, ReadReport, Torn};

/// Why a timeline could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    /// The file or its folder could not be opened or created.
    #[error("cannot open timeline {path}: {cause}. {}", advice(cause))]
    Open {
        /// The timeline file.
        path: PathBuf,
        /// The OS error (said in the message, so not a `source` that would repeat it).
        cause: std::io::Error,
    },
    /// A write or sync failed; the event was not recorded.
    #[error(
        "could not write to timeline {path}: {cause}. The action was NOT recorded; free disk space or fix permissions, then retry."
    )]
    Write {
        /// The timeline file.
        path: PathBuf,
        /// The OS error (said in the message, so not a `source` that would repeat it).
        cause: std::io::Error,
    },
    /// The file got shorter under us: someone truncated or replaced it.
    #[error(
        "timeline {path} shrank from {was} to {now} bytes while open: another program truncated or replaced it. Nothing was written; reopen the incident."
    )]
    Shrank {
        /// The timeline file.
        path: PathBuf,
        /// Length we knew.
        was: u64,
        /// Length now.
        now: u64,
    },
    /// An event could not be turned into JSON (should not happen).
    #[error("could not encode event: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What to do about an error opening a timeline.
fn advice(e: &std::io::Error) -> &'static str {
    // EFBIG: over the file size limit.
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(27) {
        "Free disk space (or raise the file size limit) and try again."
    } else if e.kind() == std::io::ErrorKind::TimedOut {
        // The message says what to do.
        ""
    } else if e.kind() == std::io::ErrorKind::AlreadyExists {
        "Another incident has that file name; try again."
    } else {
        "Check that the folder exists and is writable."
    }
}

pub use super::LATE_WRITE;

/// What opening found and did, for the user to see.
#[derive(Debug, Default)]
pub struct OpenReport {
    /// Every good record already in the file.
    pub records: Vec<Record>,
    /// Bad lines that were kept in the file.
    pub problems: Vec<Problem>,
    /// A torn last line that was moved aside, and where to.
    pub torn: Option<(Torn, PathBuf)>,
}

/// An open timeline file that events are appended to.
#[derive(Debug)]
pub struct TimelineWriter {
    path: PathBuf,
    file: File,
    len: u64,
    last_seq: u64,
    last_hash: String,
    next_line: usize,
    patience: Patience,
    /// A shared incident's replica takes only what the store took: our appends wait here.
    outbox: Option<super::outbox::Queue>,
    /// Recent observations, to write a teammate's just-written one once.
    seen: super::team::Seen,
}

/// How long to wait for another process's lock on the timeline, and how to say that it is being
/// waited for. The cockpit's writer thread waits as long as it takes (its writes show as pending);
/// a command-line action says who holds the lock after a second and gives up after a while.
#[derive(Debug, Clone, Copy, Default)]
pub struct Patience {
    /// Give up after this long (none: wait as long as it takes).
    pub timeout: Option<std::time::Duration>,
    /// Told once, after a second of waiting, who holds the lock.
    pub say: Option<fn(&str)>,
}

/// After this long waiting for the lock, [`Patience::say`] is told.
const LOCK_SAY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Takes the exclusive lock on `file`, waiting as `patience` allows.
fn lock(file: &File, path: &Path, patience: Patience) -> std::io::Result<()> {
    if patience.timeout.is_none() && patience.say.is_none() {
        return file.lock();
    }
    let start = std::time::Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let waited = start.elapsed();
        if !said
            && waited >= LOCK_SAY_AFTER
            && let Some(say) = patience.say
        {
            say(&format!(
                "waiting for the timeline lock held by {}",
                lock_holder(path)
            ));
            said = true;
        }
        if let Some(timeout) = patience.timeout
            && waited >= timeout
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the timeline lock is still held by {} after {}: another sitrep (or a program with the file open) has it; try again, or wait longer with --lock-timeout",
                    lock_holder(path),
                    crate::core::duration::precise(chrono::TimeDelta::from_std(timeout).unwrap_or_default())
                ),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Who holds a lock on `path`, as `/proc/locks` says (`PID 1234`), or `another process`.
fn lock_holder(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(ino) = std::fs::metadata(path).map(|m| m.ino()) else {
        return "another process".into();
    };
    let locks = std::fs::read_to_string("/proc/locks").unwrap_or_default();
    // `1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF`: the pid, then major:minor:inode.
    locks
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let at = fields.iter().position(|f| f.matches(':').count() == 2)?;
            let inode = fields[at].rsplit(':').next()?.parse::<u64>().ok()?;
            let pid = fields.get(at.checked_sub(1)?)?;
            (inode == ino).then(|| format!("PID {pid}"))
        })
        .unwrap_or_else(|| "another process".into())
}

impl TimelineWriter {
    /// Opens (or creates) a timeline, setting a torn last line aside into `<file>.torn`, waiting for
    /// another process's lock as long as it takes.
    pub fn open(path: &Path) -> Result<(TimelineWriter, OpenReport), TimelineError> {
        Self::open_with(path, Patience::default())
    }

    /// Like [`TimelineWriter::open`], waiting for the lock (now and at every append) as
    /// `patience` allows.
    pub fn open_with(
        path: &Path,
        patience: Patience,
    ) -> Result<(TimelineWriter, OpenReport), TimelineError> {
        let open_err = |cause| TimelineError::Open {
            path: path.to_path_buf(),
            cause,
        };
        let existed = path.exists();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(open_err)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(open_err)?;
        if !existed {
            sync_parent(path).map_err(open_err)?;
        }
        lock(&file, path, patience).map_err(open_err)?;
        let result = Self::load(path, file, patience);
        result.map_err(open_err)
    }

    /// Starts a new timeline whose first line is `first`, all at once: the line is written to a
    /// temporary file in the same folder, synced, and linked into place, so a failed start (a full
    /// disk) leaves no empty timeline behind to become "the newest incident". Fails with
    /// `AlreadyExists` when `path` is there already (then open it instead).
    pub fn create(
        path: &Path,
        actor: &str,
        first: Event,
    ) -> Result<(TimelineWriter, OpenReport), TimelineError> {
        let open_err = |cause| TimelineError::Open {
            path: path.to_path_buf(),
            cause,
        };
        let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(open_err)?;
                dir.to_path_buf()
            }
            None => PathBuf::from("."),
        };
        let (line, first) = chain::seal(1, Utc::now(), actor, first, "")?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.new", std::process::id()));
        let written = (|| {
            let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(line.as_bytes())?;
            f.sync_all()?;
            // A link, unlike a rename, never replaces a timeline someone started meanwhile.
            std::fs::hard_link(&tmp, path)
        })();
        let _ = std::fs::remove_file(&tmp);
        let written = match written {
            // A filesystem without hard links (vfat, some network mounts): the file is made
            // exclusively and written in place, and taken back if the line does not go in whole.
            Err(e) if matches!(e.raw_os_error(), Some(1 | 95)) => (|| {
                let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
                let wrote = f.write_all(line.as_bytes()).and_then(|()| f.sync_all());
                if wrote.is_err() {
                    let _ = std::fs::remove_file(path);
                }
                wrote
            })(),
            other => other,
        };
        written.map_err(open_err)?;
        sync_parent(path).map_err(open_err)?;
        super::head::write_sidecar(path, &super::head::Head::of(&first));
        Self::open(path)
    }

    fn load(
        path: &Path,
        file: File,
        patience: Patience,
    ) -> std::io::Result<(TimelineWriter, OpenReport)> {
        let mut bytes = Vec::new();
        (&file).seek(SeekFrom::Start(0))?;
        (&file).read_to_end(&mut bytes)?;
        let parsed = reader::parse(&bytes, 1, 0, "", 0);
        let mut report = OpenReport::default();
        let torn = match parsed.torn.clone() {
            Some(torn) => {
                let aside = set_aside(path, &file, &torn)?;
                Some((torn, aside))
            }
            None => None,
        };
        file.unlock()?;
        let writer = TimelineWriter {
            path: path.to_path_buf(),
            file,
            len: parsed.good_len,
            last_seq: parsed.last_seq(),
            last_hash: parsed.last_hash().to_string(),
            next_line: count_lines(&bytes[..parsed.good_len as usize]) + 1,
            patience,
            outbox: super::outbox::is_replica(path).then(|| super::outbox::Queue::beside(path)),
            seen: super::team::Seen::default(),
        };
        let mut writer = writer;
        for r in &parsed.records {
            writer.seen.note(r);
        }
        report.records = parsed.records;
        report.problems = parsed.problems;
        report.torn = torn;
        Ok((writer, report))
    }

    /// Two probe intervals of each endpoint: an observation from another cockpit within that of
    /// one being appended makes it `observed` instead (see [`super::team::Seen`]).
    pub fn set_agreement_windows(&mut self, windows: std::collections::HashMap<String, chrono::TimeDelta>) {
        self.seen.set_windows(windows);
    }

    /// The event to write for `event` now (see [`super::team::Seen::settle`]): a shared
    /// incident settles its observations again as it publishes them, against what the store
    /// holds by then.
    pub fn settle(&self, event: Event, at: DateTime<Utc>) -> Event {
        self.seen.settle(event, at)
    }

    /// Whether this is a shared incident's replica, whose appends wait in its outbox.
    pub fn is_replica(&self) -> bool {
        self.outbox.is_some()
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sequence number of the last line in the file.
    #[cfg(any(test, feature = "test-support"))]
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Appends an event now. Returns the new record and any records other processes appended since
    /// we last looked (in file order, before ours).
    pub fn append(&mut self, actor: &str, event: Event) -> Result<Appended, TimelineError> {
        self.append_at(Utc::now(), actor, event)
    }

    /// Appends an event that happened at `at` (the action's or observation's time, on the actor's
    /// clock). Written more than [`LATE_WRITE`] after it (a write retried after a full disk), the
    /// line also says when it was written; `ts` stays `at`.
    pub fn append_happened(
        &mut self,
        at: DateTime<Utc>,
        actor: &str,
        event: Event,
    ) -> Result<Appended, TimelineError> {
        let now = Utc::now();
        let written = (now - at > LATE_WRITE).then_some(now);
        self.append_with(at, written, actor, event)
    }

    /// Appends an event with the given time (tests and imports).
    pub fn append_at(
        &mut self,
        ts: DateTime<Utc>,
        actor: &str,
        event: Event,
    ) -> Result<Appended, TimelineError> {
        self.append_with(ts, None, actor, event)
    }

    fn append_with(
        &mut self,
        ts: DateTime<Utc>,
        written: Option<DateTime<Utc>>,
        actor: &str,
        event: Event,
    ) -> Result<Appended, TimelineError> {
        let write_err = |path: &Path, cause| TimelineError::Write {
            path: path.to_path_buf(),
            cause,
        };
        lock(&self.file, &self.path, self.patience).map_err(|e| write_err(&self.path, e))?;
        // Shared since it was opened (`sitrep share` holds this lock until the link is there):
        // from now on the store numbers our events.
        if self.outbox.is_none() && super::outbox::is_replica(&self.path) {
            self.outbox = Some(super::outbox::Queue::beside(&self.path));
        }
        if let Some(outbox) = self.outbox.clone() {
            let _ = self.file.unlock();
            return self.append_to_outbox(&outbox, ts, actor, event);
        }
        // The file holds milliseconds: the record handed back says what the file says.
        let (ts, written) = (ts.trunc_subsecs(3), written.map(|w| w.trunc_subsecs(3)));
        let result = self.append_locked(ts, written, actor, event);
        let _ = self.file.unlock();
        result
    }

    /// A shared incident's event: synced into the outbox, the action is done; the store gives it
    /// its seq, and the record handed back is provisional (seq 0).
    fn append_to_outbox(
        &mut self,
        outbox: &super::outbox::Queue,
        ts: DateTime<Utc>,
        actor: &str,
        event: Event,
    ) -> Result<Appended, TimelineError> {
        // What others appended is news, not part of this answer: a failure to read it now must
        // not make a recorded action look unrecorded (the next poll reads it). Read first, it
        // settles an observation a teammate already shared.
        let foreign = self.poll().unwrap_or_default();
        let event = self.seen.settle(event, ts);
        let pending = super::outbox::Pending::new(ts, actor, event);
        outbox.push(&pending).map_err(|cause| TimelineError::Write {
            path: outbox.path().to_path_buf(),
            cause,
        })?;
        Ok(Appended {
            record: pending.provisional(),
            foreign: foreign.records,
            #[cfg(any(test, feature = "test-support"))]
            problems: foreign.problems,
        })
    }

    fn append_locked(
        &mut self,
        ts: DateTime<Utc>,
        written: Option<DateTime<Utc>>,
        actor: &str,
        event: Event,
    ) -> Result<Appended, TimelineError> {
        let foreign = self.catch_up()?;
        let event = self.seen.settle(event, ts);
        let Some(seq) = self.last_seq.checked_add(1) else {
            return Err(TimelineError::Write {
                path: self.path.clone(),
                cause: std::io::Error::other(
                    "the last line's seq is at its maximum: the file was edited by hand",
                ),
            });
        };
        let (line, record) = chain::seal_written(seq, ts, written, actor, event, &self.last_hash)?;
        let path = self.path.clone();
        let werr = |cause| TimelineError::Write {
            path: path.clone(),
            cause,
        };
        if let Err(e) = (&self.file).write_all(line.as_bytes()) {
            // Leave no half line behind for the next writer to trip on.
            let _ = self.file.set_len(self.len);
            return Err(werr(e));
        }
        if let Err(e) = self.file.sync_data() {
            // Not durable means not recorded: take the line back so a retry does not duplicate it.
            let _ = self.file.set_len(self.len);
            return Err(werr(e));
        }
        self.len += line.len() as u64;
        self.last_seq = seq;
        self.last_hash = record.hash.clone();
        super::head::write_sidecar(&self.path, &super::head::Head::of(&record));
        self.next_line += 1;
        self.seen.note(&record);
        Ok(Appended {
            record,
            foreign: foreign.records,
            #[cfg(any(test, feature = "test-support"))]
            problems: foreign.problems,
        })
    }

    /// Appends a line sealed elsewhere (an event of a shared incident, as the store holds it), byte
    /// for byte. The line must continue the file: after catching up with other processes, its seq
    /// must follow the last and its `prev` and hash must hold. A line whose place another process
    /// already filled is not written ([`Sealed::appended`] is `None`; the caller compares what it
    /// got); one that does not continue the chain is refused with what is wrong.
    pub fn append_sealed(&mut self, line: &[u8]) -> Result<Sealed, TimelineError> {
        lock(&self.file, &self.path, self.patience).map_err(|e| self.write_error(e))?;
        let result = self.append_sealed_locked(line);
        let _ = self.file.unlock();
        result
    }

    fn append_sealed_locked(&mut self, line: &[u8]) -> Result<Sealed, TimelineError> {
        let foreign = self.catch_up()?;
        let parsed = reader::parse(line, self.next_line, self.len, &self.last_hash, self.last_seq);
        let whole = line.ends_with(b"\n") && parsed.torn.is_none();
        let record = match (parsed.records.as_slice(), parsed.problems.first()) {
            ([record], None) if whole => record.clone(),
            (_, problem) => {
                let why = problem.map_or_else(
                    || "not one whole timeline line".to_string(),
                    |p| p.message.clone(),
                );
                return Ok(Sealed {
                    appended: None,
                    foreign: foreign.records,
                    refused: Some(why),
                });
            }
        };
        if let Err(e) = (&self.file).write_all(line).and_then(|()| self.file.sync_data()) {
            let _ = self.file.set_len(self.len);
            return Err(self.write_error(e));
        }
        self.len += line.len() as u64;
        self.last_seq = record.seq;
        self.last_hash = record.hash.clone();
        super::head::write_sidecar(&self.path, &super::head::Head::of(&record));
        self.next_line += 1;
        self.seen.note(&record);
        Ok(Sealed {
            appended: Some(record),
            foreign: foreign.records,
            refused: None,
        })
    }

    /// The seq and hash of the file's last line as last read.
    pub fn head(&self) -> (u64, &str) {
        (self.last_seq, &self.last_hash)
    }

    /// Reads what other processes appended since we last looked.
    pub fn poll(&mut self) -> Result<ReadReport, TimelineError> {
        let len = self.current_len()?;
        if len == self.len {
            return Ok(ReadReport::default());
        }
        // Exclusive, not shared: catching up may cut a torn tail off the file, and a reader holding a
        // shared lock must never see the file shrink under it.
        self.file.lock().map_err(|e| self.write_error(e))?;
        let result = self.catch_up();
        let _ = self.file.unlock();
        result
    }

    fn current_len(&self) -> Result<u64, TimelineError> {
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| self.write_error(e))
    }

    fn write_error(&self, source: std::io::Error) -> TimelineError {
        TimelineError::Write {
            path: self.path.clone(),
            cause: source,
        }
    }

    fn catch_up(&mut self) -> Result<ReadReport, TimelineError> {
        let len = self.current_len()?;
        if len < self.len {
            return Err(TimelineError::Shrank {
                path: self.path.clone(),
                was: self.len,
                now: len,
            });
        }
        if len == self.len {
            return Ok(ReadReport::default());
        }
        let mut bytes = Vec::with_capacity((len - self.len) as usize);
        let mut reader = &self.file;
        reader
            .seek(SeekFrom::Start(self.len))
            .and_then(|_| reader.take(len - self.len).read_to_end(&mut bytes))
            .map_err(|e| self.write_error(e))?;
        let report = reader::parse(
            &bytes,
            self.next_line,
            self.len,
            &self.last_hash,
            self.last_seq,
        );
        if let Some(torn) = &report.torn {
            // Another writer died mid-line; set its fragment aside so our line starts clean.
            set_aside(&self.path, &self.file, torn).map_err(|e| self.write_error(e))?;
        }
        if let Some(last) = report.records.last() {
            self.last_seq = last.seq;
            self.last_hash = last.hash.clone();
        }
        for r in &report.records {
            self.seen.note(r);
        }
        self.next_line += count_lines(&bytes[..(report.good_len - self.len) as usize]);
        self.len = report.good_len;
        Ok(report)
    }
}

/// The result of one append.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The record that was written and synced.
    pub record: Record,
    /// Records other processes wrote before ours.
    pub foreign: Vec<Record>,
    /// Problems found in those.
    #[cfg(any(test, feature = "test-support"))]
    pub problems: Vec<Problem>,
}

/// The result of [`TimelineWriter::append_sealed`].
#[derive(Debug, Clone)]
pub struct Sealed {
    /// The line's record, when it was written.
    pub appended: Option<Record>,
    /// Records other processes wrote before (caught up first).
    pub foreign: Vec<Record>,
    /// Why the line was not written: what is wrong with it as the file's next line.
    pub refused: Option<String>,
}

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Moves a torn tail into `<file>.torn` (appending, so repeated crashes keep every fragment) and cuts it
/// off the timeline.
fn set_aside(path: &Path, file: &File, torn: &Torn) -> std::io::Result<PathBuf> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".torn");
    let aside = PathBuf::from(aside);
    let mut out = OpenOptions::new().create(true).append(true).open(&aside)?;
    out.write_all(&torn.bytes)?;
    out.write_all(b"\n")?;
    out.sync_data()?;
    file.set_len(torn.offset)?;
    file.sync_data()?;
    Ok(aside)
}

fn sync_parent(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}
