//! One followed file: an open handle, how far it has been read, and truncation detection.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::lines::LineSplitter;
use super::{Backfill, Bound, LogLine, TimeRule};

/// Bytes from the start of a file remembered to notice it being truncated and regrown.
const HEAD_LEN: usize = 64;
/// Read size: large reads keep syscalls rare at high write rates.
pub(crate) const CHUNK: usize = 64 * 1024;
/// How far back the start-at-the-end search may look for its lines: a backlog read at open is
/// at most this many bytes.
const MAX_TAIL_SCAN: u64 = 64 * 1024 * 1024;

/// How far back a backfill may read a file, in bytes (1,000,000 lines of 1 KiB).
const MAX_BACKFILL_SCAN: u64 = 1 << 30;
/// The head of a line read for its time while looking back (a timestamp starts within it).
const TIME_HEAD: usize = 4096;

/// Where a file's backfill starts, and what stopped it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    /// The offset of its first line.
    pub(crate) offset: u64,
    /// Lines from there to the end (a partial last line counts as one).
    pub(crate) lines: usize,
    /// The time of its oldest line that has one.
    pub(crate) reached: Option<DateTime<Utc>>,
    /// What stopped it.
    pub(crate) bound: Bound,
}

/// Identity of a file, stable across renames (device and inode on Unix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId(u64, u64);

#[cfg(unix)]
pub(crate) fn file_id(meta: &Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    FileId(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
pub(crate) fn file_id(_meta: &Metadata) -> FileId {
    FileId(0, 0)
}

/// Whether the file still has a name (deleted files stay readable while open).
#[cfg(unix)]
pub(crate) fn is_linked(meta: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 0
}

#[cfg(not(unix))]
pub(crate) fn is_linked(_meta: &Metadata) -> bool {
    true
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_at(mut file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read(buf)
}

/// A file being followed.
#[derive(Debug)]
pub(crate) struct Followed {
    pub(crate) path: PathBuf,
    pub(crate) shown: Arc<Path>,
    pub(crate) id: FileId,
    file: File,
    offset: u64,
    head: Vec<u8>,
    splitter: LineSplitter,
    /// When the file stopped being the one at its path (rotated or deleted).
    pub(crate) detached_since: Option<Instant>,
    pub(crate) last_growth: Instant,
}

impl Followed {
    /// Opens `path` to be read from `start` (its beginning when `None`); for a backfill, also says
    /// where it starts and why.
    pub(crate) fn open_from(
        path: &Path,
        source: usize,
        max_line_bytes: usize,
        start: Option<Start<'_>>,
        times: &TimeRule,
    ) -> io::Result<(Self, Option<Window>)> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        let mut followed = Self {
            path: path.to_path_buf(),
            shown: Arc::from(path),
            id: file_id(&meta),
            file,
            offset: 0,
            head: Vec::new(),
            splitter: LineSplitter::new(source, max_line_bytes).with_times(times.clone()),
            detached_since: None,
            last_growth: Instant::now(),
        };
        let mut window = None;
        match start {
            None => {}
            Some(Start::Lines(lines)) => {
                followed.offset = start_of_last_lines(&followed.file, meta.len(), lines)?;
            }
            Some(Start::Window(backfill, max_lines)) => {
                let found = start_of_window(&followed.file, meta.len(), backfill, max_lines, times)?;
                followed.offset = found.offset;
                window = Some(found);
            }
        }
        if start.is_some() {
            followed.head = followed.read_head(meta.len())?;
        }
        Ok((followed, window))
    }


    fn read_head(&self, size: u64) -> io::Result<Vec<u8>> {
        let want = usize::try_from(size).unwrap_or(HEAD_LEN).min(HEAD_LEN);
        let mut head = vec![0; want];
        let mut filled = 0;
        while filled < want {
            let n = read_at(&self.file, &mut head[filled..], filled as u64)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        head.truncate(filled);
        Ok(head)
    }

    /// Whether the file now holds something other than what was read: shorter than the read offset,
    /// or different bytes at its start (truncated and regrown past the offset).
    fn truncated(&self, size: u64) -> io::Result<bool> {
        if size < self.offset {
            return Ok(true);
        }
        if self.head.is_empty() {
            return Ok(false);
        }
        let now = self.read_head(size.min(self.head.len() as u64))?;
        Ok(!self.head.starts_with(&now) || now.is_empty())
    }

    /// Reads everything appended since the last pass, handing each chunk's lines to `emit`
    /// (its flag is true for the lines flushed by a truncation, which is handled first: the held
    /// partial line is emitted and reading restarts at 0).
    pub(crate) fn read_new<E>(
        &mut self,
        buf: &mut [u8],
        emit: impl FnMut(&Arc<Path>, Vec<LogLine>, bool) -> Result<(), E>,
    ) -> Result<bool, E>
    where
        E: From<io::Error>,
    {
        self.read_chunks(buf, usize::MAX, emit)
    }

    /// Like [`Followed::read_new`], reading at most `chunks` reads of `buf`'s size (a merge of
    /// several files takes a chunk of each in turn).
    pub(crate) fn read_chunks<E>(
        &mut self,
        buf: &mut [u8],
        chunks: usize,
        mut emit: impl FnMut(&Arc<Path>, Vec<LogLine>, bool) -> Result<(), E>,
    ) -> Result<bool, E>
    where
        E: From<io::Error>,
    {
        let size = self.file.metadata()?.len();
        if self.truncated(size)? {
            let mut lines = Vec::new();
            self.splitter.flush(Utc::now(), &mut lines);
            self.offset = 0;
            self.head.clear();
            emit(&self.shown, lines, true)?;
        }
        let mut grew = false;
        for _ in 0..chunks {
            let n = read_at(&self.file, buf, self.offset)?;
            if n == 0 {
                break;
            }
            grew = true;
            let chunk = &buf[..n];
            if self.head.len() < HEAD_LEN && self.offset == self.head.len() as u64 {
                let take = (HEAD_LEN - self.head.len()).min(n);
                self.head.extend_from_slice(&chunk[..take]);
            }
            self.offset += n as u64;
            let mut lines = Vec::with_capacity(n / 64 + 1);
            self.splitter.push(chunk, Utc::now(), &mut lines);
            if !lines.is_empty() {
                emit(&self.shown, lines, false)?;
            }
            if n < buf.len() {
                break;
            }
        }
        if grew {
            self.last_growth = Instant::now();
        }
        Ok(grew)
    }

    /// Emits the held partial line: the file will not be read again.
    pub(crate) fn finish(&mut self) -> Vec<LogLine> {
        let mut lines = Vec::new();
        self.splitter.flush(Utc::now(), &mut lines);
        lines
    }

    /// Current metadata of the open file.
    pub(crate) fn metadata(&self) -> io::Result<Metadata> {
        self.file.metadata()
    }
}

/// Where to start reading a file that exists at open.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Start<'a> {
    /// This many lines before its end.
    Lines(usize),
    /// The lines of a backfill, at most this many.
    Window(&'a Backfill, usize),
}

/// Where the backfill of a file of `size` bytes starts: looking back from its end, at the first
/// line older than `backfill.since`, after `max_lines` lines, at [`MAX_BACKFILL_SCAN`] bytes, or
/// at the file's start, whichever comes first. Lines without a time of their own go with the
/// line above them.
fn start_of_window(
    file: &File,
    size: u64,
    backfill: &Backfill,
    max_lines: usize,
    times: &TimeRule,
) -> io::Result<Window> {
    let floor = size.saturating_sub(MAX_BACKFILL_SCAN);
    let now = Utc::now();
    let mut window = Window {
        offset: size,
        lines: 0,
        reached: None,
        bound: Bound::Start,
    };
    if max_lines == 0 {
        window.bound = Bound::Lines;
        return Ok(window);
    }
    let mut hint = super::timestamp::Hint::default();
    // A last line still being written is read whole even when it is older than the window: starting
    // after it would show the rest of it as a line of its own.
    let mut last_byte = [0u8; 1];
    let partial_end = size > 0 && read_at(file, &mut last_byte, size - 1)? == 1 && last_byte[0] != b'\n';
    // Takes in the line starting at `start` whose first bytes are `head`; true when it ends the window.
    let mut judge = |head: &[u8], start: u64, window: &mut Window| -> bool {
        let text = String::from_utf8_lossy(head);
        let at = super::timestamp::parse_hinted(&text, times, now, &mut hint).map(|s| s.at);
        if let Some(at) = at
            && at < backfill.since
        {
            window.bound = Bound::Window;
            if window.lines == 0 && partial_end {
                window.offset = start;
                window.lines = 1;
            }
            return true;
        }
        window.offset = start;
        window.lines += 1;
        window.reached = at.or(window.reached);
        if window.lines >= max_lines {
            window.bound = Bound::Lines;
            return true;
        }
        false
    };
    let mut buf = vec![0u8; CHUNK];
    // The first bytes of the line whose end has been read but not yet its start.
    let mut head: Vec<u8> = Vec::new();
    let mut end = size;
    let mut last_chunk = true;
    while end > floor {
        let start = end.saturating_sub(CHUNK as u64).max(floor);
        let len = (end - start) as usize;
        let mut filled = 0;
        while filled < len {
            let n = read_at(file, &mut buf[filled..len], start + filled as u64)?;
            if n == 0 {
                return Ok(window);
            }
            filled += n;
        }
        let chunk = &buf[..len];
        let mut seg_end = len;
        // The file's final newline ends its last line; it does not start an empty one.
        if std::mem::take(&mut last_chunk) && chunk.last() == Some(&b'\n') {
            seg_end -= 1;
        }
        while let Some(pos) = memchr::memrchr(b'\n', &chunk[..seg_end]) {
            let line = &chunk[pos + 1..seg_end];
            let done = if line.len() >= TIME_HEAD || head.is_empty() {
                judge(&line[..line.len().min(TIME_HEAD)], start + pos as u64 + 1, &mut window)
            } else {
                let mut whole = line.to_vec();
                whole.extend_from_slice(&head[..head.len().min(TIME_HEAD - line.len())]);
                judge(&whole, start + pos as u64 + 1, &mut window)
            };
            if done {
                return Ok(window);
            }
            head.clear();
            seg_end = pos;
        }
        // The chunk's first bytes begin a line that started earlier (or the file's first line).
        let mut joined = chunk[..seg_end].to_vec();
        joined.extend_from_slice(&head);
        joined.truncate(TIME_HEAD);
        head = joined;
        end = start;
    }
    if floor > 0 {
        window.bound = Bound::Bytes;
        return Ok(window);
    }
    if size > 0 && !judge(&head, 0, &mut window) {
        window.offset = 0;
    }
    Ok(window)
}

/// The offset where the last `lines` lines of the file begin (a partial last line counts as one).
fn start_of_last_lines(file: &File, size: u64, lines: usize) -> io::Result<u64> {
    let floor = size.saturating_sub(MAX_TAIL_SCAN);
    let mut end = size;
    let mut seen = 0usize;
    // With no lines wanted, start after the last newline so a partial last line is still whole.
    let (wanted, mut skip_final_newline) = if lines == 0 {
        (1, false)
    } else {
        (lines, true)
    };
    let mut buf = vec![0u8; 64 * 1024];
    while end > floor {
        let start = end.saturating_sub(buf.len() as u64).max(floor);
        let len = (end - start) as usize;
        let mut filled = 0;
        while filled < len {
            let n = read_at(file, &mut buf[filled..len], start + filled as u64)?;
            if n == 0 {
                return Ok(size);
            }
            filled += n;
        }
        for pos in memchr::memrchr_iter(b'\n', &buf[..len]) {
            let at = start + pos as u64;
            if skip_final_newline && at + 1 == size {
                continue;
            }
            seen += 1;
            if seen == wanted {
                return Ok(at + 1);
            }
        }
        skip_final_newline = false;
        end = start;
    }
    if floor == 0 {
        return Ok(0);
    }
    // Too far back: start at the first line boundary inside the window instead of mid-line.
    let mut window = vec![0u8; 64 * 1024];
    let n = read_at(file, &mut window, floor)?;
    Ok(memchr::memchr(b'\n', &window[..n]).map_or(floor, |p| floor + p as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starting_near_the_end_keeps_the_last_lines() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a.log");
        let check = |content: &str, n: usize| -> io::Result<String> {
            std::fs::write(&path, content)?;
            let file = File::open(&path)?;
            let at = start_of_last_lines(&file, content.len() as u64, n)?;
            Ok(content[at as usize..].to_string())
        };
        assert_eq!(check("a\nb\nc\n", 2)?, "b\nc\n");
        assert_eq!(check("a\nb\nc", 2)?, "b\nc");
        assert_eq!(check("a\nb\nc\n", 0)?, "");
        assert_eq!(check("a\nb\nc\n", 10)?, "a\nb\nc\n");
        assert_eq!(check("", 3)?, "");
        assert_eq!(check("a\nb", 0)?, "b");
        Ok(())
    }

    fn window_of(content: &str, since: &str, max_lines: usize) -> io::Result<(String, Window)> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a.log");
        std::fs::write(&path, content)?;
        let file = File::open(&path)?;
        let backfill = Backfill {
            since: DateTime::parse_from_rfc3339(since).unwrap().to_utc(),
            max_lines,
        };
        let times = TimeRule::auto(super::super::Zone::utc());
        let window = start_of_window(&file, content.len() as u64, &backfill, max_lines, &times)?;
        Ok((content[window.offset as usize..].to_string(), window))
    }

    #[test]
    fn a_backfill_starts_at_the_window_the_line_cap_or_the_file_start() -> io::Result<()> {
        let log = "2026-12-04T10:00:00Z a\n2026-12-04T10:30:00Z b\n  at frame\n2026-12-04T11:00:00Z c\n";
        // Lines older than the window are left out; a continuation goes with its line.
        let (kept, w) = window_of(log, "2026-12-04T10:15:00Z", 100)?;
        assert_eq!(kept, "2026-12-04T10:30:00Z b\n  at frame\n2026-12-04T11:00:00Z c\n");
        assert_eq!((w.lines, w.bound), (3, Bound::Window));
        assert_eq!(w.reached.unwrap().to_rfc3339(), "2026-12-04T10:30:00+00:00");
        // The cap keeps the newest lines.
        let (kept, w) = window_of(log, "2026-12-04T09:00:00Z", 2)?;
        assert_eq!(kept, "  at frame\n2026-12-04T11:00:00Z c\n");
        assert_eq!(w.bound, Bound::Lines);
        // All of it, without a final newline.
        let (kept, w) = window_of(log.trim_end(), "2026-12-04T09:00:00Z", 100)?;
        assert_eq!(kept, log.trim_end());
        assert_eq!((w.lines, w.bound), (4, Bound::Start));
        // A last line older than the window, still being written: kept whole, not cut in two.
        let (kept, w) = window_of("2026-12-04T10:00:00Z a\n2026-12-04T10:01:00Z b", "2026-12-04T11:00:00Z", 100)?;
        assert_eq!((kept.as_str(), w.lines), ("2026-12-04T10:01:00Z b", 1));
        let (kept, w) = window_of("2026-12-04T10:00:00Z a\n", "2026-12-04T11:00:00Z", 100)?;
        assert_eq!((kept.as_str(), w.lines, w.bound), ("", 0, Bound::Window));
        let (kept, w) = window_of("", "2026-12-04T09:00:00Z", 100)?;
        assert_eq!((kept.as_str(), w.lines, w.bound), ("", 0, Bound::Start));
        Ok(())
    }

    #[test]
    fn a_backfill_reads_times_of_lines_that_cross_read_chunks() -> io::Result<()> {
        // Lines of 3000 bytes: many cross a 64 KiB chunk boundary, their times still read.
        let mut log = String::new();
        for minute in 0..60 {
            log.push_str(&format!("2026-12-04T10:{minute:02}:00Z {}\n", "x".repeat(3000)));
        }
        let (kept, w) = window_of(&log, "2026-12-04T10:30:00Z", 1000)?;
        assert_eq!(w.lines, 30);
        assert_eq!(w.bound, Bound::Window);
        assert!(kept.starts_with("2026-12-04T10:30:00Z x"));
        Ok(())
    }
}
