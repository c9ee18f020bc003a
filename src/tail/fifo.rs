//! Following a named pipe (FIFO), as `tail -f` reads one: its lines as writers send them. A FIFO has
//! no size, no offset and no rotation, so it is not followed as a file: a thread opens it (which
//! waits for a writer), reads until the writer closes it, and opens it again for the next writer,
//! for as long as the source lives.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc::Sender;

use super::handle::HandleKind;
use super::lines::LineSplitter;
use super::{SourceStatus, TailEvent, TailOptions};

/// Starts the thread that reads the FIFO at `path`. It waits in `open` while no writer has the
/// pipe open, where a stop cannot reach it; it ends when the receiver is gone, at the latest when
/// the process does.
pub(crate) fn spawn(
    source: usize,
    path: PathBuf,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> HandleKind {
    let error_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("sitrep-fifo-{source}"))
        .spawn(move || follow(source, path, &tx, &opts));
    if let Err(err) = spawned {
        let message = format!("cannot start a thread to read the named pipe: {err}");
        let _ = error_tx.try_send(TailEvent::Status {
            source,
            status: SourceStatus::Error { message },
        });
    }
    HandleKind::Idle
}

fn follow(source: usize, path: PathBuf, tx: &Sender<TailEvent>, opts: &TailOptions) {
    let file: Arc<std::path::Path> = Arc::from(path.as_path());
    let status = |status| tx.blocking_send(TailEvent::Status { source, status }).is_ok();
    if !status(SourceStatus::Following { path: path.clone() }) {
        return;
    }
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        // Waits here until a writer opens the pipe.
        let mut pipe = match std::fs::File::open(&path) {
            Ok(pipe) => pipe,
            Err(err) => {
                let message = format!("{}: {err}", path.display());
                let _ = status(SourceStatus::Error { message });
                return;
            }
        };
        let mut splitter =
            LineSplitter::new(source, opts.max_line_bytes).with_times(opts.times.clone());
        loop {
            let mut lines = Vec::new();
            let n = match pipe.read(&mut chunk) {
                Ok(0) => {
                    splitter.flush(Utc::now(), &mut lines);
                    0
                }
                Ok(n) => {
                    splitter.push(&chunk[..n], Utc::now(), &mut lines);
                    n
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    let message = format!("{}: {err}", path.display());
                    let _ = status(SourceStatus::Error { message });
                    return;
                }
            };
            if !lines.is_empty() {
                let event = TailEvent::Lines {
                    source,
                    file: Some(Arc::clone(&file)),
                    lines,
                };
                if tx.blocking_send(event).is_err() {
                    return;
                }
            }
            if n == 0 {
                // The writer closed it: the next one opens it again.
                break;
            }
        }
    }
}
