//! Shared helpers for the tail tests: a follower driven without a runtime, and bounded waits.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sitrep::tail::{SourceHandle, SourceSpec, SourceStatus, TailEvent, TailOptions, spawn_source};
use tokio::sync::mpsc::{self, Receiver};

/// Long enough for a slow, busy machine; only reached when something is wrong.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Options for tests: whole files, quick polling, notify on or off.
pub fn options(use_notify: bool) -> TailOptions {
    TailOptions {
        from_start: true,
        poll_interval: Duration::from_millis(50),
        use_notify,
        retry_max: Duration::from_millis(200),
        ..TailOptions::default()
    }
}

/// A followed source and everything it has reported so far.
pub struct Follower {
    rx: Receiver<TailEvent>,
    _handle: SourceHandle,
    pub lines: Vec<String>,
    pub files: Vec<Option<PathBuf>>,
    pub statuses: Vec<SourceStatus>,
}

impl Follower {
    pub fn start(spec: SourceSpec, opts: TailOptions) -> Self {
        let (tx, rx) = mpsc::channel(64);
        let handle = spawn_source(0, spec, tx, opts);
        Self {
            rx,
            _handle: handle,
            lines: Vec::new(),
            files: Vec::new(),
            statuses: Vec::new(),
        }
    }

    /// Takes whatever has arrived, without waiting.
    pub fn drain(&mut self) {
        while let Ok(event) = self.rx.try_recv() {
            match event {
                TailEvent::Lines { lines, file, .. } => {
                    for line in lines {
                        self.lines.push(line.text);
                        self.files.push(file.as_ref().map(|f| f.to_path_buf()));
                    }
                }
                TailEvent::Status { status, .. } => self.statuses.push(status),
            }
        }
    }

    /// Waits (bounded) until `done` holds; returns whether it did.
    pub fn wait_until(&mut self, mut done: impl FnMut(&Self) -> bool) -> bool {
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.drain();
            if done(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until at least `n` lines arrived, then asserts exactly `expected` arrived.
    pub fn expect_lines(&mut self, expected: &[String]) {
        let n = expected.len();
        let arrived = self.wait_until(|f| f.lines.len() >= n);
        assert!(
            arrived,
            "only {} of {n} lines arrived: {:?}\nstatuses: {:?}",
            self.lines.len(),
            self.lines,
            self.statuses
        );
        // Give duplicates a moment to show up before judging.
        std::thread::sleep(Duration::from_millis(150));
        self.drain();
        assert_eq!(self.lines, expected, "statuses: {:?}", self.statuses);
    }

    pub fn wait_for_status(&mut self, want: impl Fn(&SourceStatus) -> bool) {
        let seen = self.wait_until(|f| f.statuses.iter().any(&want));
        assert!(seen, "status never reported; got {:?}", self.statuses);
    }
}

/// Lines `prefix 0 ..= prefix n-1`.
pub fn numbered(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix} {i:05}")).collect()
}

/// The lines joined with newlines, as written to a file.
pub fn as_text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Counts how often each line arrived.
pub fn counts(lines: &[String]) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for line in lines {
        *counts.entry(line.as_str()).or_default() += 1;
    }
    counts
}

/// Declares, for each named scenario `fn(TailOptions) -> Result`, a test on each path:
/// notify events plus the timer, and the timer alone.
#[macro_export]
macro_rules! on_both_paths {
    ($($name:ident),* $(,)?) => {
        mod notify_path {
            $(#[test]
            fn $name() -> Result<(), Box<dyn std::error::Error>> {
                super::$name($crate::tail_support::options(true))
            })*
        }
        mod polling_path {
            $(#[test]
            fn $name() -> Result<(), Box<dyn std::error::Error>> {
                super::$name($crate::tail_support::options(false))
            })*
        }
    };
}
