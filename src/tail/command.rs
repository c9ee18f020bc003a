//! Following a command's output (`kubectl logs -f ...`), restarting it when it exits; the process
//! itself is run by the one child-process runner (`crate::core::child`), which kills the whole group
//! when the source stops or the command ends.

use std::process::ExitStatus;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::Sender;
use tokio::time::Instant;

use super::handle::HandleKind;
use super::lines::LineSplitter;
use super::{SourceStatus, TailEvent, TailOptions};
use crate::core::child::{Child, Event, Stream, Survivors};

/// A run at least this long was healthy: the next restart delay starts small again.
const HEALTHY_RUN: Duration = Duration::from_secs(10);

pub(crate) fn spawn(
    source: usize,
    argv: Vec<String>,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> HandleKind {
    super::handle::task(source, "command", tx, |tx| run(source, argv, tx, opts))
}

/// The receiver is gone.
struct Closed;

async fn run(source: usize, argv: Vec<String>, tx: Sender<TailEvent>, opts: TailOptions) {
    let send_status = |status| {
        let tx = tx.clone();
        async move {
            tx.send(TailEvent::Status { source, status })
                .await
                .map_err(|_| Closed)
        }
    };
    let Some((program, args)) = argv.split_first() else {
        let message = "empty command".to_string();
        let _ = send_status(SourceStatus::Error { message }).await;
        return;
    };
    let command_line = crate::core::argv::join_words(&argv);
    let mut delay = opts.restart_min;
    loop {
        let started = Instant::now();
        // Its own session and process group, so `sh -c "kubectl logs -f | grep"` dies whole with the
        // source, and an auth prompt cannot reach the terminal.
        let args: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
        let spawned = Child::spawn(program.as_ref(), &args, None, Survivors::Kill);
        let status = match spawned {
            Ok(mut child) => {
                let running = SourceStatus::Running {
                    command: command_line.clone(),
                };
                if send_status(running).await.is_err() {
                    return;
                }
                let code = match follow_child(source, &mut child, &tx, &opts).await {
                    Ok(status) => status.and_then(|s| s.code()),
                    Err(Closed) => return,
                };
                if started.elapsed() >= HEALTHY_RUN {
                    delay = opts.restart_min;
                }
                SourceStatus::Exited {
                    code,
                    restart_in: delay,
                }
            }
            Err(err) => {
                let retry = crate::core::duration::glance(delay);
                let message = format!("cannot start {program}: {err}; retrying in {retry}");
                SourceStatus::Error { message }
            }
        };
        if send_status(status).await.is_err() {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = opts.longer(delay);
    }
}

/// Reads stdout and stderr until both end and the process exits (or the grace period after exit).
async fn follow_child(
    source: usize,
    child: &mut Child,
    tx: &Sender<TailEvent>,
    opts: &TailOptions,
) -> Result<Option<ExitStatus>, Closed> {
    let splitter = || LineSplitter::new(source, opts.max_line_bytes).with_times(opts.times.clone());
    let (mut out_lines, mut err_lines) = (splitter(), splitter());
    let mut exit = None;
    loop {
        match child.next().await {
            Event::Output(stream) => {
                let splitter = match stream {
                    Stream::Stdout => &mut out_lines,
                    Stream::Stderr => &mut err_lines,
                };
                let chunk = child.chunk();
                if chunk.is_empty() {
                    continue;
                }
                let mut lines = Vec::with_capacity(chunk.len() / 64 + 1);
                splitter.push(chunk, Utc::now(), &mut lines);
                send_lines(source, lines, tx).await?;
            }
            Event::Exited(status) => exit = status,
            Event::Done => break,
        }
    }
    let mut lines = Vec::new();
    out_lines.flush(Utc::now(), &mut lines);
    err_lines.flush(Utc::now(), &mut lines);
    send_lines(source, lines, tx).await?;
    Ok(exit)
}

async fn send_lines(
    source: usize,
    lines: Vec<super::LogLine>,
    tx: &Sender<TailEvent>,
) -> Result<(), Closed> {
    if lines.is_empty() {
        return Ok(());
    }
    let event = TailEvent::Lines {
        source,
        file: None,
        lines,
    };
    tx.send(event).await.map_err(|_| Closed)
}
