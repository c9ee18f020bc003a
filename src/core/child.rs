//! The one child-process runner: a command in its own session and process group, its output as it
//! comes, and a stop that takes the whole group down (so `sh -c "a | b"` and whatever it started die
//! too).
//!
//! A new session has no controlling terminal: `sudo` in a step or an `ssh` password prompt in a log
//! command cannot write over the cockpit or wait for a key it will never get; opening `/dev/tty`
//! fails at once and the command says so on stderr. The session is made by util-linux `setsid`,
//! which the child execs before the command (this crate forbids the `unsafe` a `pre_exec` needs);
//! where it is missing, the command gets its own process group only, as before.
//!
//! The caller drives it with [`Child::next`] inside its own `select!` (for its cancel, its time limit,
//! its batching), and asks for [`Child::stop`]: SIGTERM to the group, SIGKILL after a grace. After the
//! leader exits, output still in flight is read until the pipes close or for [`DRAIN_GRACE`]: a
//! background grandchild may hold them open forever. What survives the leader is decided by
//! [`Survivors`]: a confirmed command may leave a daemon running on purpose; a log command may not.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use rustix::process::{Pid, Signal, kill_process, kill_process_group};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{ChildStderr, ChildStdout, Command};
use tokio::time::Instant;

/// After the leader exits, output still in flight is read for this long.
pub const DRAIN_GRACE: Duration = Duration::from_millis(500);
const READ_SIZE: usize = 64 * 1024;

/// What happens to the rest of the group once the leader has exited by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Survivors {
    /// Left alone: a command may start a background service on purpose.
    Spare,
    /// Killed when the run ends: nothing a log command started may outlive it.
    Kill,
}

/// Which pipe a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// What [`Child::next`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Bytes arrived on a pipe: read them with [`Child::chunk`].
    Output(Stream),
    /// The leader exited (the status is `None` when waiting for it failed).
    Exited(Option<ExitStatus>),
    /// Both pipes closed after the exit, or the drain grace ran out: the run is over.
    Done,
}

/// A running command, the leader of its own process group.
pub struct Child {
    child: tokio::process::Child,
    leader: Option<Pid>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    out_buf: Vec<u8>,
    err_buf: Vec<u8>,
    last: Stream,
    len: usize,
    exit: Option<Option<ExitStatus>>,
    drain_until: Option<Instant>,
    kill_at: Option<Instant>,
    stopped: bool,
    survivors: Survivors,
}

impl Child {
    /// Starts `program` with `args` (in `cwd` if given) with stdin closed, both outputs piped, in a
    /// new session (a new process group where `setsid` is missing). A program that cannot be found
    /// or run fails here, as a spawn would, not later as an exit of `setsid`.
    pub fn spawn(
        program: &OsStr,
        args: &[OsString],
        cwd: Option<&Path>,
        survivors: Survivors,
    ) -> std::io::Result<Child> {
        let resolved = resolve(program, cwd)?;
        let mut command = match setsid() {
            Some(setsid) => {
                // Spawned inside our group, `setsid` is no group leader, so it makes the session
                // itself (no fork) and execs the command: the pid we get is the session's leader.
                let mut c = Command::new(setsid);
                c.arg("--").arg(&resolved);
                c
            }
            None => {
                let mut c = Command::new(&resolved);
                c.process_group(0);
                c
            }
        };
        command.args(args);
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let leader = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .and_then(Pid::from_raw);
        Ok(Child {
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            child,
            leader,
            out_buf: vec![0; READ_SIZE],
            err_buf: vec![0; READ_SIZE],
            last: Stream::Stdout,
            len: 0,
            exit: None,
            drain_until: None,
            kill_at: None,
            stopped: false,
            survivors,
        })
    }

    /// The next thing that happens; cancel-safe, so it can sit in a `select!` with other branches.
    /// After [`Event::Done`] it returns `Done` again at once.
    pub async fn next(&mut self) -> Event {
        loop {
            if self.exit.is_some() && self.stdout.is_none() && self.stderr.is_none() {
                return Event::Done;
            }
            let far = Instant::now() + Duration::from_secs(86_400);
            let event = tokio::select! {
                read = read_some(&mut self.stdout, &mut self.out_buf), if self.stdout.is_some() => {
                    Some(self.took(read, Stream::Stdout))
                }
                read = read_some(&mut self.stderr, &mut self.err_buf), if self.stderr.is_some() => {
                    Some(self.took(read, Stream::Stderr))
                }
                status = self.child.wait(), if self.exit.is_none() => {
                    let status = status.ok();
                    self.exit = Some(status);
                    self.drain_until = Some(Instant::now() + DRAIN_GRACE);
                    Some(Event::Exited(status))
                }
                () = sleep_until(self.kill_at, far), if self.kill_at.is_some() => {
                    self.signal(Signal::KILL);
                    self.kill_at = None;
                    None
                }
                () = sleep_until(self.drain_until, far), if self.drain_until.is_some() => {
                    self.stdout = None;
                    self.stderr = None;
                    Some(Event::Done)
                }
            };
            if let Some(event) = event {
                return event;
            }
        }
    }

    fn took(&mut self, read: std::io::Result<usize>, stream: Stream) -> Event {
        self.last = stream;
        // A read error ends that pipe like its closing does.
        self.len = read.unwrap_or_default();
        if self.len == 0 {
            match stream {
                Stream::Stdout => self.stdout = None,
                Stream::Stderr => self.stderr = None,
            }
        }
        Event::Output(stream)
    }

    /// The bytes of the last [`Event::Output`] (empty when that pipe just closed).
    pub fn chunk(&self) -> &[u8] {
        match self.last {
            Stream::Stdout => &self.out_buf[..self.len],
            Stream::Stderr => &self.err_buf[..self.len],
        }
    }

    /// Stops the run: SIGTERM to the group now, SIGKILL after `grace` if the leader is still there;
    /// whatever of the group is left when the run ends is killed. Keep calling [`Child::next`].
    pub fn stop(&mut self, grace: Duration) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        if self.exit.is_none() {
            self.signal(Signal::TERM);
            self.kill_at = Some(Instant::now() + grace);
        }
    }

    /// Kills the whole group at once (nobody is listening any more).
    pub fn kill(&mut self) {
        self.stopped = true;
        self.signal(Signal::KILL);
    }

    /// Whether [`Child::stop`] or [`Child::kill`] was called.
    #[cfg(any(test, feature = "test-support"))]
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether the leader has exited.
    #[cfg(any(test, feature = "test-support"))]
    pub fn has_exited(&self) -> bool {
        self.exit.is_some()
    }

    fn signal(&self, signal: Signal) {
        // Never signal our own group or init's, whatever a broken pid says.
        if let Some(pid) = self.leader.filter(|p| p.as_raw_nonzero().get() > 1) {
            // In the instant before `setsid` has made its group there is none yet: the leader
            // itself (still running, so its pid is its own) is signalled instead.
            if kill_process_group(pid, signal).is_err() && self.exit.is_none() {
                let _ = kill_process(pid, signal);
            }
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Dropped mid-run (a task aborted, a runtime shut down), stopped, or a group whose survivors
        // must not outlive it: the whole group goes.
        let exited_alone = self.exit.is_some() && !self.stopped;
        if !exited_alone || self.survivors == Survivors::Kill {
            self.signal(Signal::KILL);
        }
    }
}

/// Where util-linux `setsid` is, if it is installed.
fn setsid() -> Option<&'static Path> {
    static SETSID: OnceLock<Option<PathBuf>> = OnceLock::new();
    SETSID
        .get_or_init(|| find_on_path(OsStr::new("setsid")).ok())
        .as_deref()
}

/// The program to run: a name without `/` looked up on `PATH` (as `execvp` would, absolute folders
/// only: a relative one would be taken from the step's folder), a path as it is (relative to `cwd`).
/// Not there is `NotFound`, there but not executable `PermissionDenied`, as a spawn would say: with
/// `setsid` in front, the spawn itself would succeed and the command fail later.
fn resolve(program: &OsStr, cwd: Option<&Path>) -> std::io::Result<PathBuf> {
    if program.is_empty() {
        return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
    }
    if program.as_encoded_bytes().contains(&b'/') {
        let path = PathBuf::from(program);
        let at = match cwd {
            Some(dir) if path.is_relative() => dir.join(&path),
            _ => path.clone(),
        };
        executable(&at)?;
        // Relative to the child's folder, which the command sets.
        return Ok(path);
    }
    find_on_path(program)
}

/// Whether `path` is a file that can be run: `Ok`, or the error a spawn would give.
fn executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
    }
    Ok(())
}

/// The first executable file named `name` in `PATH`'s absolute folders; a file there that cannot be
/// run is `PermissionDenied` when nothing runnable comes later, none at all `NotFound`.
pub(crate) fn find_on_path(name: &OsStr) -> std::io::Result<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut denied = None;
    for dir in std::env::split_paths(&path).filter(|d| d.is_absolute()) {
        let candidate = dir.join(name);
        match executable(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                denied.get_or_insert(e);
            }
        }
    }
    Err(denied.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)))
}

async fn sleep_until(at: Option<Instant>, far: Instant) {
    tokio::time::sleep_until(at.unwrap_or(far)).await;
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
