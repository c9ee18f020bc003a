//! A running source as its owner holds it: stopping it, and asking whether it has ended.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(any(test, feature = "test-support"))]
use std::thread::JoinHandle;
use std::time::Duration;

/// Runs a source as a task on the current tokio runtime; without one, says so on `tx` (`kind`
/// names the source's kind: command, journal, loki).
pub(crate) fn task<F>(
    source: usize,
    kind: &str,
    tx: tokio::sync::mpsc::Sender<super::TailEvent>,
    run: impl FnOnce(tokio::sync::mpsc::Sender<super::TailEvent>) -> F,
) -> HandleKind
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => HandleKind::Task(runtime.spawn(run(tx))),
        Err(_) => {
            let message = format!("{kind} sources need a tokio runtime");
            let status = super::SourceStatus::Error { message };
            let _ = tx.try_send(super::TailEvent::Status { source, status });
            HandleKind::Idle
        }
    }
}

/// A running source; dropping it (or calling [`SourceHandle::stop`]) stops it.
#[derive(Debug)]
pub struct SourceHandle {
    pub(super) kind: HandleKind,
}

#[derive(Debug)]
pub(crate) enum HandleKind {
    Thread {
        wake: Arc<Wake>,
        #[cfg(any(test, feature = "test-support"))]
        thread: Option<JoinHandle<()>>,
    },
    Task(tokio::task::JoinHandle<()>),
    Idle,
}

impl SourceHandle {
    /// Stops the source; lines already sent stay in the channel.
    pub fn stop(&self) {
        match &self.kind {
            HandleKind::Thread { wake, .. } => wake.signal(|flags| flags.stop = true),
            HandleKind::Task(task) => task.abort(),
            HandleKind::Idle => {}
        }
    }

    /// Whether the source has ended (stopped, or its receiver went away).
    #[cfg(any(test, feature = "test-support"))]
    pub fn is_finished(&self) -> bool {
        match &self.kind {
            HandleKind::Thread { thread, .. } => thread.as_ref().is_none_or(|t| t.is_finished()),
            HandleKind::Task(task) => task.is_finished(),
            HandleKind::Idle => true,
        }
    }
}

impl Drop for SourceHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Why the follower thread should look again, set by notify callbacks, the handle, or nobody (timer).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Flags {
    pub(super) data: bool,
    pub(super) names: bool,
    pub(super) stop: bool,
    /// The follower is in [`Wake::pause`], where only `stop` ends the wait.
    pausing: bool,
}

/// A coalescing wake-up: any number of change events between two passes cost one pass.
#[derive(Debug, Default)]
pub(crate) struct Wake {
    flags: Mutex<Flags>,
    cond: Condvar,
}

impl Wake {
    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets flags, waking the follower only when that changes what its wait is for: a flag newly
    /// set while it waits for one, or `stop`. A writer that writes every few milliseconds while the
    /// follower pauses between passes wakes nobody (it woke the thread for nothing at each write).
    pub(crate) fn signal(&self, set: impl FnOnce(&mut Flags)) {
        let mut flags = self.lock();
        let before = *flags;
        set(&mut flags);
        let news = (flags.data && !before.data) || (flags.names && !before.names);
        if flags.stop && !before.stop || news && !flags.pausing {
            self.cond.notify_one();
        }
    }

    /// Waits `timeout` unless asked to stop first; true when asked to stop. Other flags stay set
    /// for the next [`Wake::wait`].
    pub(super) fn pause(&self, timeout: Duration) -> bool {
        let mut guard = self.lock();
        guard.pausing = true;
        let (mut guard, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |f| !f.stop)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.pausing = false;
        guard.stop
    }

    pub(super) fn wait(&self, timeout: Duration) -> Flags {
        let guard = self.lock();
        let (mut guard, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |f| !f.data && !f.names && !f.stop)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let flags = *guard;
        guard.data = false;
        guard.names = false;
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn writes_during_a_pause_are_kept_for_the_next_wait_and_stop_ends_the_pause() {
        let wake = Arc::new(Wake::default());
        let paused = {
            let wake = Arc::clone(&wake);
            std::thread::spawn(move || wake.pause(Duration::from_millis(100)))
        };
        for _ in 0..5 {
            wake.signal(|f| f.data = true);
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!paused.join().unwrap(), "data does not end a pause as stop would");
        let flags = wake.wait(Duration::ZERO);
        assert!(flags.data, "the writes seen during the pause wait for the next pass");
        assert!(!wake.wait(Duration::ZERO).data, "and are taken once");

        let stopping = {
            let wake = Arc::clone(&wake);
            std::thread::spawn(move || wake.pause(Duration::from_secs(30)))
        };
        std::thread::sleep(Duration::from_millis(20));
        wake.signal(|f| f.stop = true);
        assert!(stopping.join().unwrap(), "stop ends a pause at once");
    }
}
