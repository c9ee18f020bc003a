//! Running a confirmed command: output in sanitized batches, a time limit, and cancellation that
//! takes the whole process group down (so `sh -c` children die too).
//!
//! The command is the leader of a new process group. Stopping it (cancel, timeout, dropped handle)
//! sends SIGTERM to the group, then SIGKILL after the spec's grace. A command that exits on its own
//! is left alone, and so is anything it deliberately left running in the background; its output
//! is read until the pipes close or for `core::child::DRAIN_GRACE` after the exit. The process
//! handling is the one child-process runner, `crate::core::child`.

use std::process::ExitStatus;
use std::time::Duration;

use tokio::sync::mpsc::Sender;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::capture::Capture;
use super::spec::{CommandSpec, Invocation};
use crate::core::child::{Child, Event, Stream, Survivors};
use crate::core::duration::glance as short_duration;
use crate::core::sanitize::sanitize;

/// At most one output batch per this interval, however fast the command prints.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(50);

/// Why a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// The command exited by itself (see the exit code).
    Exited,
    /// A signal from outside sitrep ended it (OOM killer, `kill -9`).
    KilledBySignal(i32),
    /// It ran past its time limit and was stopped.
    TimedOut,
    /// The responder cancelled it.
    Cancelled,
    /// It never started; the text says why.
    FailedToStart(String),
}

/// How a run ended, for the output pane and the `command.finished` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// The id given to [`spawn_command`].
    pub id: u64,
    /// Exit code; `None` when stopped, killed by a signal or never started.
    pub exit_code: Option<i32>,
    /// Wall time from start to end.
    pub duration: Duration,
    /// Why it ended.
    pub reason: FinishReason,
    /// The last lines of output (stdout and stderr interleaved), sanitized, oldest first.
    pub tail: Vec<String>,
    /// Lines printed in all.
    pub lines_total: u64,
    /// Bytes printed in all.
    pub bytes_total: u64,
}

impl RunOutcome {
    /// Exited by itself with code 0.
    pub fn succeeded(&self) -> bool {
        self.reason == FinishReason::Exited && self.exit_code == Some(0)
    }

    /// One line for the output pane's title and the status bar: `exit 3 after 1.2s`.
    pub fn summary(&self) -> String {
        let took = short_duration(self.duration);
        match &self.reason {
            FinishReason::Exited => match self.exit_code {
                Some(code) => format!("exit {code} after {took}"),
                None => format!("ended without an exit code after {took}"),
            },
            FinishReason::KilledBySignal(signal) => {
                format!("killed by signal {signal} after {took}")
            }
            FinishReason::TimedOut => format!("timed out after {took}: stopped"),
            FinishReason::Cancelled => format!("cancelled after {took}"),
            FinishReason::FailedToStart(why) => format!("did not start: {why}"),
        }
    }
}

/// What a running command reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEvent {
    /// New output. During a flood only the newest lines are sent; `skipped` counts the lines
    /// printed before them that were not.
    Output {
        /// The run.
        id: u64,
        /// Lines printed before `lines` and not sent, since the previous batch.
        skipped: u64,
        /// Sanitized lines, oldest first.
        lines: Vec<String>,
    },
    /// The run is over; always the last event of a run, sent exactly once.
    Finished(RunOutcome),
}

/// A running command. Dropping the handle cancels the run.
#[derive(Debug)]
#[must_use = "dropping a RunHandle cancels the command"]
pub struct RunHandle {
    id: u64,
    cancel: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunHandle {
    /// The run's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Stops the command (SIGTERM to its process group, SIGKILL after the grace); the run then
    /// ends with [`FinishReason::Cancelled`]. Does nothing once it has ended.
    pub fn cancel(&self) {
        self.cancel.send_replace(true);
    }

    /// Whether the run has ended and sent [`RunEvent::Finished`].
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for RunHandle {
    fn drop(&mut self) {
        self.cancel.send_replace(true);
    }
}

/// Starts `spec` on the current tokio runtime and reports its output and end on `tx`.
///
/// Output batches are dropped, never queued, while `tx` is full (the newest lines wait, bounded);
/// `Finished` always arrives. Needs a tokio runtime; without one the run fails to start.
pub fn spawn_command(id: u64, spec: CommandSpec, tx: Sender<RunEvent>) -> RunHandle {
    let (cancel, cancelled) = watch::channel(false);
    let task = match tokio::runtime::Handle::try_current() {
        Ok(runtime) => Some(runtime.spawn(run(id, spec, tx, cancelled))),
        Err(_) => {
            let why = "commands need a tokio runtime".to_string();
            let _ = tx.try_send(RunEvent::Finished(outcome(
                id,
                None,
                Duration::ZERO,
                FinishReason::FailedToStart(why),
                &Capture::default(),
            )));
            None
        }
    };
    RunHandle { id, cancel, task }
}

fn outcome(
    id: u64,
    exit_code: Option<i32>,
    duration: Duration,
    reason: FinishReason,
    capture: &Capture,
) -> RunOutcome {
    RunOutcome {
        id,
        exit_code,
        duration,
        reason,
        tail: capture.tail(),
        lines_total: capture.lines_total(),
        bytes_total: capture.bytes_total(),
    }
}

async fn run(id: u64, spec: CommandSpec, tx: Sender<RunEvent>, mut cancel: watch::Receiver<bool>) {
    let started = Instant::now();
    let mut capture = Capture::default();
    let mut child = match start(&spec) {
        Ok(child) => child,
        Err(why) => {
            let reason = FinishReason::FailedToStart(why);
            let done = outcome(id, None, started.elapsed(), reason, &capture);
            let _ = tx.send(RunEvent::Finished(done)).await;
            return;
        }
    };
    let mut exit: Option<Option<ExitStatus>> = None;
    let mut stop: Option<FinishReason> = None;
    let mut next_batch = started;
    let mut cancel_open = true;
    let timeout_at = started + spec.timeout;

    loop {
        let mut stop_now = None;
        tokio::select! {
            event = child.next() => match event {
                Event::Output(stream) => {
                    let stream = usize::from(stream == Stream::Stderr);
                    capture.push(stream, child.chunk());
                }
                Event::Exited(status) => exit = Some(status),
                Event::Done => break,
            },
            changed = cancel.changed(), if cancel_open && stop.is_none() => {
                // The sender is gone only when the handle was dropped, which cancels too.
                cancel_open = changed.is_ok();
                if changed.is_err() || *cancel.borrow_and_update() {
                    stop_now = Some(FinishReason::Cancelled);
                }
            }
            () = tokio::time::sleep_until(timeout_at), if stop.is_none() && exit.is_none() => {
                stop_now = Some(FinishReason::TimedOut);
            }
            // Only a wake-up for output that stopped flowing: a flood is flushed below.
            () = tokio::time::sleep_until(next_batch), if capture.has_batch() => {}
        }
        // Checked on every turn rather than by the timer alone: under a flood, reads are always
        // ready and the timer would be starved.
        if capture.has_batch() && Instant::now() >= next_batch {
            next_batch = Instant::now() + BATCH_INTERVAL;
            if send_batch(id, &tx, &mut capture).is_err() {
                // Nobody is listening: stop at once, report to no one.
                child.kill();
                return;
            }
        }
        if let Some(reason) = stop_now {
            stop = Some(reason);
            if exit.is_some() {
                break;
            }
            child.stop(spec.kill_grace);
        }
    }
    if stop.is_some() {
        // Whatever in the group outlived the leader goes too.
        child.kill();
    }
    drop(child);
    capture.finish();
    let duration = started.elapsed();
    if capture.has_batch() {
        let batch = capture.take_batch();
        let output = RunEvent::Output {
            id,
            skipped: batch.skipped,
            lines: batch.lines,
        };
        if tx.send(output).await.is_err() {
            return;
        }
    }
    let status = exit.flatten();
    let (exit_code, reason) = match stop {
        Some(reason) => (None, reason),
        None => exit_reason(status),
    };
    let done = outcome(id, exit_code, duration, reason, &capture);
    let _ = tx.send(RunEvent::Finished(done)).await;
}

fn exit_reason(status: Option<ExitStatus>) -> (Option<i32>, FinishReason) {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => match (s.code(), s.signal()) {
            (None, Some(signal)) => (None, FinishReason::KilledBySignal(signal)),
            (code, _) => (code, FinishReason::Exited),
        },
        None => (None, FinishReason::Exited),
    }
}

fn start(spec: &CommandSpec) -> Result<Child, String> {
    if let Some(cwd) = &spec.cwd
        && !cwd.is_dir()
    {
        let shown = sanitize(cwd.display().to_string().as_bytes());
        return Err(format!("working folder {shown} does not exist"));
    }
    use std::ffi::OsString;
    let (program, args): (OsString, Vec<OsString>) = match &spec.invocation {
        Invocation::Argv(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return Err("the command is empty".into());
            };
            (program.into(), args.iter().map(OsString::from).collect())
        }
        Invocation::Shell(line) => ("sh".into(), vec!["-c".into(), line.into()]),
    };
    Child::spawn(&program, &args, spec.cwd.as_deref(), Survivors::Spare).map_err(|e| {
        let program = sanitize(spec.program().as_bytes());
        match e.kind() {
            // A path (`./scripts/flag`) is looked for from the working folder, not on PATH.
            std::io::ErrorKind::NotFound if program.contains('/') => {
                let from = spec.cwd.as_deref().map_or_else(
                    || {
                        std::env::current_dir()
                            .map(|d| d.display().to_string())
                            .unwrap_or_else(|_| "the current folder".into())
                    },
                    |d| d.display().to_string(),
                );
                let from = sanitize(from.as_bytes());
                format!("`{program}` was not found from {from}: check the path (a relative one is read from that folder)")
            }
            std::io::ErrorKind::NotFound => {
                format!("`{program}` was not found: is it installed and on PATH?")
            }
            std::io::ErrorKind::PermissionDenied => {
                format!("`{program}` is not executable (permission denied)")
            }
            _ => format!("cannot start `{program}`: {e}"),
        }
    })
}

/// Hands the waiting lines to the UI if it has room; `Err` when the receiver is gone.
fn send_batch(id: u64, tx: &Sender<RunEvent>, capture: &mut Capture) -> Result<(), ()> {
    match tx.try_reserve() {
        Ok(permit) => {
            let batch = capture.take_batch();
            permit.send(RunEvent::Output {
                id,
                skipped: batch.skipped,
                lines: batch.lines,
            });
            Ok(())
        }
        Err(TrySendError::Full(())) => Ok(()),
        Err(TrySendError::Closed(())) => Err(()),
    }
}
