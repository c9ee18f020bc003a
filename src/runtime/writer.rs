//! The timeline writer's thread: appends are blocking, synced file I/O and must never stall the UI.
//! Lines other processes append are noticed through notify and, since notify events are only hints
//! (some file systems send none), a short timer as well.
//!
//! Both directions are bounded and the UI never waits on either: it hands appends over with
//! `try_send`, keeping what does not fit in its own queue (the actions stay pending and the status
//! line says `writer busy: N waiting`), while the thread waits when the UI's queue is full. So
//! neither side can block the other into a deadlock, and no append is dropped.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::{Flash, Msg};
use crate::timeline::{Event, TimelineWriter};

/// Appends waiting for the writer thread, at most; more wait in the UI's own queue.
pub(super) const WRITER_QUEUE: usize = 256;

/// What the timeline thread is told.
pub(super) enum WriterMsg {
    /// Append an event and answer with `Appended` or `AppendFailed`.
    Append {
        req: u64,
        actor: String,
        // Boxed: the queue holds many, and events vary a lot in size.
        event: Box<Event>,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The file changed on disk (a notify hint): look for lines others appended.
    Changed,
    /// The session is over. (The watcher holds a sender too, so a dropped channel is no signal.)
    Stop,
}

/// The UI's end of the writer: appends go in order, never blocking the UI.
pub(super) struct Appender {
    tx: std_mpsc::SyncSender<WriterMsg>,
    /// Appends the thread had no room for yet, in order.
    waiting: VecDeque<WriterMsg>,
    /// Whether the thread is gone (every later append fails at once).
    stopped: bool,
}

impl Appender {
    fn new(tx: std_mpsc::SyncSender<WriterMsg>) -> Self {
        Appender {
            tx,
            waiting: VecDeque::new(),
            stopped: false,
        }
    }

    /// Queues an append; `Err` with a message for the user when the writer thread has stopped.
    pub(super) fn append(
        &mut self,
        req: u64,
        actor: String,
        event: Event,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), String> {
        if self.stopped {
            return Err("the timeline writer stopped".into());
        }
        self.waiting.push_back(WriterMsg::Append {
            req,
            actor,
            event: Box::new(event),
            at,
        });
        self.flush()
    }

    /// Hands over what fits; `Err` when the thread has stopped (the waiting appends are then
    /// failed by the caller through [`Appender::drain_failed`]).
    pub(super) fn flush(&mut self) -> Result<(), String> {
        while let Some(msg) = self.waiting.pop_front() {
            match self.tx.try_send(msg) {
                Ok(()) => {}
                Err(std_mpsc::TrySendError::Full(msg)) => {
                    self.waiting.push_front(msg);
                    return Ok(());
                }
                Err(std_mpsc::TrySendError::Disconnected(msg)) => {
                    self.waiting.push_front(msg);
                    self.stopped = true;
                    return Err("the timeline writer stopped".into());
                }
            }
        }
        Ok(())
    }

    /// Appends still waiting for room in the writer's queue.
    pub(super) fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// The request ids of the appends that can no longer be written (the thread stopped).
    pub(super) fn drain_failed(&mut self) -> Vec<u64> {
        self.waiting
            .drain(..)
            .filter_map(|m| match m {
                WriterMsg::Append { req, .. } => Some(req),
                _ => None,
            })
            .collect()
    }

    /// Ends the session: hands over every waiting append, then the stop, blocking while the thread
    /// makes room (run it off the UI loop, with the thread's answers still being read).
    pub(super) fn finish(mut self) {
        for msg in self.waiting.drain(..).chain([WriterMsg::Stop]) {
            if self.tx.send(msg).is_err() {
                return;
            }
        }
    }
}

/// Starts the writer thread. Its answers and news of others' lines go to `out`.
pub(super) fn spawn_writer(
    writer: TimelineWriter,
    out: mpsc::Sender<Msg>,
) -> (Appender, std::thread::JoinHandle<()>) {
    let (tx, rx) = std_mpsc::sync_channel::<WriterMsg>(WRITER_QUEUE);
    let changed = tx.clone();
    // When the queue is full the thread is busy and will look anyway.
    let watcher = watch_file(writer.path(), Place::Itself, move || {
        let _ = changed.try_send(WriterMsg::Changed);
    });
    let handle = std::thread::spawn(move || {
        let _watcher = watcher;
        serve(writer, &rx, &out);
    });
    (Appender::new(tx), handle)
}

fn serve(mut writer: TimelineWriter, rx: &std_mpsc::Receiver<WriterMsg>, out: &mpsc::Sender<Msg>) {
    let mut last_error: Option<String> = None;
    loop {
        let poll = match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(WriterMsg::Append {
                req,
                actor,
                event,
                at,
            }) => {
                let msg = match writer.append_happened(at, &actor, *event) {
                    Ok(appended) => Msg::Appended { req, appended },
                    Err(e) => Msg::AppendFailed {
                        req,
                        error: e.to_string(),
                    },
                };
                if out.blocking_send(msg).is_err() {
                    return;
                }
                false
            }
            Ok(WriterMsg::Changed) | Err(std_mpsc::RecvTimeoutError::Timeout) => true,
            Ok(WriterMsg::Stop) | Err(std_mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if poll && send_all(out, others(&mut writer, &mut last_error)).is_err() {
            return;
        }
    }
}

/// What other writers appended since the last look, or the error reading it (said once).
fn others(writer: &mut TimelineWriter, last_error: &mut Option<String>) -> Vec<Msg> {
    match writer.poll() {
        Ok(report) => {
            *last_error = None;
            let mut msgs = Vec::new();
            if let Some(p) = report.problems.first() {
                msgs.push(Msg::Flash(Flash {
                    text: format!("timeline: another writer's line is damaged: {p}"),
                    error: true,
                }));
            }
            if !report.records.is_empty() {
                msgs.push(Msg::External(report.records));
            }
            msgs
        }
        Err(e) => {
            let text = e.to_string();
            if last_error.as_deref() == Some(text.as_str()) {
                return Vec::new();
            }
            *last_error = Some(text.clone());
            vec![Msg::Flash(Flash { text, error: true })]
        }
    }
}

fn send_all(out: &mpsc::Sender<Msg>, msgs: Vec<Msg>) -> Result<(), ()> {
    for m in msgs {
        out.blocking_send(m).map_err(|_| ())?;
    }
    Ok(())
}

/// Watches a file and calls `nudge` when it changes (a hint only: notify events can be missed, so
/// whoever is nudged also looks on a timer). `None` when the platform offers no watcher.
///
/// A file that stays where it is (`Place::Itself`, the timeline) is watched itself: a log written
/// in the same folder, line by line, then costs the watcher nothing. One that may appear later (an
/// outbox, which may not exist yet: `Place::Folder`) is watched through its folder.
pub(super) fn watch_file(
    path: &Path,
    place: Place,
    nudge: impl Fn() + Send + 'static,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let name = path.file_name()?.to_os_string();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res
            && event
                .paths
                .iter()
                .any(|p| p.file_name() == Some(name.as_os_str()))
        {
            nudge();
        }
    })
    .ok()?;
    let itself = place == Place::Itself
        && watcher
            .watch(path, notify::RecursiveMode::NonRecursive)
            .is_ok();
    if !itself {
        watcher
            .watch(&dir, notify::RecursiveMode::NonRecursive)
            .ok()?;
    }
    Some(watcher)
}

/// What [`watch_file`] watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// The file itself (its folder when it does not exist yet).
    Itself,
    /// The file's folder.
    Folder,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> Event {
        Event::Note {
            text: text.to_string(),
        }
    }

    fn req_of(msg: WriterMsg) -> Option<u64> {
        match msg {
            WriterMsg::Append { req, .. } => Some(req),
            _ => None,
        }
    }

    #[test]
    fn a_full_writer_queue_never_blocks_the_ui_and_loses_no_append() {
        let (tx, rx) = std_mpsc::sync_channel(1);
        let mut appender = Appender::new(tx);
        for req in 1..=3 {
            // Returns at once although nobody reads: the rest wait in order.
            assert_eq!(appender.append(req, "alice".into(), note("x"), chrono::Utc::now()), Ok(()));
        }
        assert_eq!(appender.waiting(), 2, "writer busy: 2 waiting");
        let mut written = Vec::new();
        while written.len() < 3 {
            written.extend(rx.try_recv().ok().and_then(req_of));
            appender.flush().expect("the writer is there");
        }
        assert_eq!(written, vec![1, 2, 3]);
        assert_eq!(appender.waiting(), 0);
    }

    #[test]
    fn appends_the_stopped_writer_cannot_take_fail_instead_of_hanging() {
        let (tx, rx) = std_mpsc::sync_channel(1);
        let mut appender = Appender::new(tx);
        appender
            .append(1, "alice".into(), note("a"), chrono::Utc::now())
            .expect("room for one");
        appender
            .append(2, "alice".into(), note("b"), chrono::Utc::now())
            .expect("waits");
        drop(rx);
        assert_eq!(
            appender.append(3, "alice".into(), note("c"), chrono::Utc::now()),
            Err("the timeline writer stopped".to_string())
        );
        assert_eq!(appender.drain_failed(), vec![2, 3]);
    }
}
