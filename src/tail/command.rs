//! Following a command's output (`kubectl logs -f ...`), restarting it when it exits.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio::sync::mpsc::Sender;
use tokio::time::Instant;

use super::handle::HandleKind;
use super::lines::LineSplitter;
use super::{SourceStatus, TailEvent, TailOptions};

/// A run at least this long was healthy: the next restart delay starts small again.
const HEALTHY_RUN: Duration = Duration::from_secs(10);
/// After the process exits, output still in flight is read for this long (a grandchild may keep
/// the pipe open forever).
const DRAIN_GRACE: Duration = Duration::from_millis(500);
const READ_SIZE: usize = 64 * 1024;

pub(crate) fn spawn(
    source: usize,
    argv: Vec<String>,
    tx: Sender<TailEvent>,
    opts: TailOptions,
) -> HandleKind {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => HandleKind::Task(runtime.spawn(run(source, argv, tx, opts))),
        Err(_) => {
            let message = "command sources need a tokio runtime".to_string();
            let status = SourceStatus::Error { message };
            let _ = tx.try_send(TailEvent::Status { source, status });
            HandleKind::Idle
        }
    }
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
    let command_line = argv.join(" ");
    let mut delay = opts.restart_min;
    loop {
        let started = Instant::now();
        let spawned = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // Its own process group, so `sh -c "kubectl logs -f | grep"` dies whole with the source.
            .process_group(0)
            .spawn();
        let status = match spawned {
            Ok(mut child) => {
                let _group = child.id().map(GroupGuard);
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
        delay = (delay * 2).min(opts.restart_max.max(opts.restart_min));
    }
}

/// Reads stdout and stderr until both end and the process exits (or the grace period after exit).
async fn follow_child(
    source: usize,
    child: &mut tokio::process::Child,
    tx: &Sender<TailEvent>,
    opts: &TailOptions,
) -> Result<Option<ExitStatus>, Closed> {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut out_lines = LineSplitter::new(source, opts.max_line_bytes);
    let mut err_lines = LineSplitter::new(source, opts.max_line_bytes);
    let mut out_buf = vec![0u8; READ_SIZE];
    let mut err_buf = vec![0u8; READ_SIZE];
    let mut exit: Option<Option<ExitStatus>> = None;
    let mut deadline = Instant::now();
    loop {
        if stdout.is_none() && stderr.is_none() && exit.is_some() {
            break;
        }
        tokio::select! {
            read = read_some(&mut stdout, &mut out_buf), if stdout.is_some() => {
                forward(source, read, &mut stdout, &out_buf, &mut out_lines, tx).await?;
            }
            read = read_some(&mut stderr, &mut err_buf), if stderr.is_some() => {
                forward(source, read, &mut stderr, &err_buf, &mut err_lines, tx).await?;
            }
            status = child.wait(), if exit.is_none() => {
                exit = Some(status.ok());
                deadline = Instant::now() + DRAIN_GRACE;
            }
            () = tokio::time::sleep_until(deadline), if exit.is_some() => break,
        }
    }
    let mut lines = Vec::new();
    out_lines.flush(Utc::now(), &mut lines);
    err_lines.flush(Utc::now(), &mut lines);
    send_lines(source, lines, tx).await?;
    Ok(exit.flatten())
}

async fn read_some<R: AsyncRead + Unpin>(
    reader: &mut Option<R>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match reader {
        Some(reader) => reader.read(buf).await,
        None => Ok(0),
    }
}

async fn forward<R>(
    source: usize,
    read: std::io::Result<usize>,
    reader: &mut Option<R>,
    buf: &[u8],
    splitter: &mut LineSplitter,
    tx: &Sender<TailEvent>,
) -> Result<(), Closed> {
    match read {
        Ok(0) | Err(_) => {
            *reader = None;
            Ok(())
        }
        Ok(n) => {
            let mut lines = Vec::with_capacity(n / 64 + 1);
            splitter.push(&buf[..n], Utc::now(), &mut lines);
            send_lines(source, lines, tx).await
        }
    }
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

/// Kills a log command's whole process group when the source stops (or the command ends): children it
/// started must not outlive sitrep, waiting forever on a quiet log.
struct GroupGuard(u32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = i32::try_from(self.0)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}
