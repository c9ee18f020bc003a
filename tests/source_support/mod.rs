//! A source followed in a test, and everything it has said so far (shared by the journal and
//! Loki tests).
#![allow(dead_code)]

use std::time::Duration;

use sitrep::tail::{
    LogLine, SourceHandle, SourceSpec, SourceStatus, TailEvent, TailOptions, spawn_source,
};
use tokio::sync::mpsc;

/// Long enough for a slow, busy machine; only reached when something is wrong.
pub const PATIENCE: Duration = Duration::from_secs(40);

pub struct Followed {
    pub rx: mpsc::Receiver<TailEvent>,
    _handle: SourceHandle,
    pub lines: Vec<LogLine>,
    pub statuses: Vec<SourceStatus>,
}

impl Followed {
    /// Starts following `spec` (source 0).
    pub fn spawn(spec: SourceSpec, opts: TailOptions) -> Self {
        let (tx, rx) = mpsc::channel(64);
        let handle = spawn_source(0, spec, tx, opts);
        Followed {
            rx,
            _handle: handle,
            lines: Vec::new(),
            statuses: Vec::new(),
        }
    }

    /// Reads events until `done` holds (at most [`PATIENCE`]); returns whether it did.
    pub async fn until(
        &mut self,
        mut done: impl FnMut(&[LogLine], &[SourceStatus]) -> bool,
    ) -> bool {
        tokio::time::timeout(PATIENCE, async {
            while !done(&self.lines, &self.statuses) {
                match self.rx.recv().await {
                    Some(TailEvent::Lines { lines, .. }) => self.lines.extend(lines),
                    Some(TailEvent::Status { status, .. }) => self.statuses.push(status),
                    None => return false,
                }
            }
            true
        })
        .await
        .unwrap_or(false)
    }
}
