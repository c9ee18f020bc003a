//! The share thread of a shared incident's cockpit: a round of the protocol (`share::sync`) at
//! every poll, and at once when this laptop queues an event; the records it brings into the
//! replica reach the UI through the writer thread's watch on the file, like any other process's
//! lines. It says how the sync stands (`Msg::Share`) whenever that changes. Its own small runtime
//! keeps the store's slow answers off the UI's.

use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::app::{Flash, Msg, ShareState};
use crate::share::store::Store;
use crate::share::sync::{self, Fault};

/// Every this many rounds, a round lists the keys after the head: a missing object shows, and a
/// long absence is caught up by listing instead of one read at a time.
const LIST_EVERY: u64 = 60;
/// The longest wait between tries while the store does not answer.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The running share thread; dropping it ends the thread after its current round.
pub(super) struct Sharer {
    _nudge: std_mpsc::SyncSender<()>,
    _watcher: Option<notify::RecommendedWatcher>,
}

/// Starts syncing the replica at `timeline` with `store`, reading it every `poll`.
pub(super) fn spawn(
    timeline: &Path,
    (store, poll): (Store, Duration),
    windows: Windows,
    out: mpsc::Sender<Msg>,
) -> Sharer {
    let (tx, rx) = std_mpsc::sync_channel::<()>(1);
    // Our own events go out at once, not at the next poll.
    let outbox = crate::timeline::outbox::Queue::beside(timeline);
    let nudge = tx.clone();
    let watcher = super::writer::watch_file(outbox.path(), super::writer::Place::Folder, move || {
        let _ = nudge.try_send(());
    });
    let path = timeline.to_path_buf();
    std::thread::spawn(move || serve(&path, (&store, poll), windows, &rx, &out));
    Sharer {
        _nudge: tx,
        _watcher: watcher,
    }
}

/// Two probe intervals of each endpoint, by name.
pub(super) type Windows = std::collections::HashMap<String, chrono::TimeDelta>;

fn serve(
    path: &Path,
    (store, poll): (&Store, Duration),
    windows: Windows,
    nudge: &std_mpsc::Receiver<()>,
    out: &mpsc::Sender<Msg>,
) {
    let mut state = ShareState {
        store: store.url.clone(),
        ..ShareState::default()
    };
    let stop = |state: &mut ShareState, why: String| {
        state.stopped = Some(crate::core::sanitize::sanitize(why.as_bytes()));
        let _ = out.blocking_send(Msg::Share(state.clone()));
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return stop(&mut state, "cannot start its runtime".into());
    };
    let (mut replica, _) = match crate::share::open_replica(path) {
        Ok(opened) => opened,
        Err(e) => return stop(&mut state, e.to_string()),
    };
    // What it publishes is settled against the store with the cockpit's own windows.
    replica.set_agreement_windows(windows);
    let mut said: Option<ShareState> = None;
    let mut failures = 0u32;
    let mut checked = false;
    let outbox = crate::timeline::outbox::Queue::beside(path).path().to_path_buf();
    let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    for n in 0u64.. {
        let started = chrono::Utc::now();
        let queued_before = len(&outbox);
        let result = rt.block_on(async {
            // Before the first write: a store that accepts a second create of one key would
            // fork the chain.
            if !checked {
                store.check_create_only().await.map_err(Fault::Store)?;
                checked = true;
            }
            // Back from time offline, listing catches up at once instead of a refused create per
            // event the others wrote meanwhile.
            // While the store holds damage, every round lists again: the damage is said until a
            // listing finds it gone, and nothing is written past it meanwhile.
            let list = n % LIST_EVERY == 0 || failures > 0 || state.damage.is_some();
            sync::round(store, &mut replica, list).await
        });
        match result {
            Err(Fault::Store(e)) if e.0.contains("accepted a second create") => {
                return stop(&mut state, e.to_string());
            }
            result => failures = settle(&mut state, result, started, failures, out),
        }
        if said.as_ref() != Some(&state) {
            if out.blocking_send(Msg::Share(state.clone())).is_err() {
                return;
            }
            said = Some(state.clone());
        }
        let wait = match failures {
            0 => poll,
            k => (poll * 2u32.saturating_pow(k.min(8))).min(MAX_BACKOFF).max(poll),
        };
        // An event queued during the round goes out at once.
        let waiting = state.waiting.unwrap_or(0) > 0;
        if failures == 0 && (len(&outbox) > queued_before || waiting) {
            continue;
        }
        if !wait_for_news(nudge, wait, &outbox) {
            return;
        }
    }
}

/// Takes a round's outcome into the state the header shows; returns the failures in a row.
fn settle(
    state: &mut ShareState,
    result: Result<sync::Round, Fault>,
    started: chrono::DateTime<chrono::Utc>,
    failures: u32,
    out: &mpsc::Sender<Msg>,
) -> u32 {
    let flash = |text: String, error: bool| {
        let text = crate::core::sanitize::sanitize(text.as_bytes());
        let _ = out.blocking_send(Msg::Flash(Flash { text, error }));
    };
    match result {
        Ok(round) => {
            if state.unreachable_since.is_some() {
                flash(format!("the store answers again ({} waiting to share)", round.waiting), false);
            }
            state.unreachable_since = None;
            state.error = None;
            state.damage = None;
            state.waiting = Some(round.waiting);
            return 0;
        }
        Err(Fault::Store(e)) => {
            if state.unreachable_since.is_none() {
                flash(format!("the store: {e}"), true);
            }
            state.unreachable_since.get_or_insert(started);
            state.error = Some(e.to_string());
        }
        Err(Fault::Damage(why)) => state.damage = Some(why),
        Err(Fault::Local(why)) => {
            // A full disk, a lock not had: said once, tried again with the back-off.
            if state.error.as_ref() != Some(&why) {
                flash(format!("sharing: {why}"), true);
            }
            state.error = Some(why);
        }
    }
    failures + 1
}

/// Waits `wait`, or less when the outbox grew (our own event to share). A nudge for anything else
/// the watcher saw on the outbox (our own round reading or emptying it) does not cut the wait.
/// False when the cockpit is gone.
fn wait_for_news(nudge: &std_mpsc::Receiver<()>, wait: Duration, outbox: &Path) -> bool {
    let len = || std::fs::metadata(outbox).map_or(0, |m| m.len());
    let before = len();
    let until = std::time::Instant::now() + wait;
    loop {
        let left = until.saturating_duration_since(std::time::Instant::now());
        match nudge.recv_timeout(left) {
            Ok(()) if len() > before => return true,
            Ok(()) => {}
            Err(std_mpsc::RecvTimeoutError::Timeout) => return true,
            Err(std_mpsc::RecvTimeoutError::Disconnected) => return false,
        }
    }
}
