//! One followed file: an open handle, how far it has been read, and truncation detection.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use super::{LogLine, TimeRule};
use super::lines::LineSplitter;

/// Bytes from the start of a file remembered to notice it being truncated and regrown.
const HEAD_LEN: usize = 64;
/// Read size: large reads keep syscalls rare at high write rates.
pub(crate) const CHUNK: usize = 64 * 1024;
/// How far back the start-at-the-end search may look for its lines: a backlog read at open is
/// at most this many bytes.
const MAX_TAIL_SCAN: u64 = 64 * 1024 * 1024;

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
    /// Opens `path`; `lines_back` = None reads from the start, Some(n) starts n lines before the end.
    pub(crate) fn open(
        path: &Path,
        source: usize,
        max_line_bytes: usize,
        lines_back: Option<usize>,
        times: &TimeRule,
    ) -> io::Result<Self> {
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
        if let Some(lines) = lines_back {
            followed.offset = start_of_last_lines(&followed.file, meta.len(), lines)?;
            followed.head = followed.read_head(meta.len())?;
        }
        Ok(followed)
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
        loop {
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
}
