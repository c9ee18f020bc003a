//! The presence thread: this cockpit's heartbeat every ten seconds, everyone's read every five,
//! and `Msg::Presence` whenever who is here changed. Beside a local timeline the heartbeats are
//! files; a shared incident keeps them in its store. Its own small runtime keeps a slow store off
//! the UI's; when it stops, our heartbeat is removed, so teammates see us leave at once.

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::Msg;
use crate::share::store::Store;
use crate::timeline::presence::{self, Beat, EVERY, Watch};

/// How often who is here is read.
const READ_EVERY: Duration = Duration::from_secs(5);
/// The longest the end waits for our heartbeat's removal.
const LEAVE_WAIT: Duration = Duration::from_secs(3);

/// Where an incident's heartbeats are.
#[derive(Debug, Clone)]
pub enum Place {
    /// Files beside a local timeline.
    Beside(PathBuf),
    /// Objects in a shared incident's store.
    Store(Store, String),
}

impl Place {
    /// Where the heartbeats of the incident at `timeline` are, given its store when shared.
    pub fn of(timeline: &std::path::Path, store: Option<&Store>) -> Place {
        match (
            store,
            crate::share::replica::link_of(timeline).ok().flatten(),
        ) {
            (Some(store), Some(link)) => Place::Store(store.clone(), link.incident),
            _ => Place::Beside(timeline.to_path_buf()),
        }
    }

    /// Every heartbeat there now.
    pub async fn read(&self) -> Result<Vec<Beat>, String> {
        match self {
            Place::Beside(path) => Ok(presence::read_local(path)),
            Place::Store(store, id) => crate::share::here::read(store, id)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    async fn beat(&self, beat: &Beat) -> Result<(), String> {
        match self {
            Place::Beside(path) => presence::beat_local(path, beat).map_err(|e| e.to_string()),
            Place::Store(store, id) => crate::share::here::beat(store, id, beat)
                .await
                .map_err(|e| e.to_string()),
        }
    }

    async fn leave(&self, session: &str) {
        match self {
            Place::Beside(path) => presence::leave_local(path, session),
            Place::Store(store, id) => {
                let _ = crate::share::here::leave(store, id, session).await;
            }
        }
    }
}

/// This cockpit's heartbeat, naming its machine (found now, once).
pub(super) fn me(app: &mut crate::app::App) -> Beat {
    if app.host.is_empty() {
        app.host = presence::host();
    }
    let now = Utc::now();
    Beat {
        actor: app.actor.clone(),
        session: app.session.clone(),
        host: app.host.clone(),
        joined: now,
        at: now,
    }
}

/// Someone else with `actor`'s name who has the incident open now, if any: a second cockpit
/// under one name (everyone is `$USER` on a jump host) is refused before it opens.
pub async fn name_taken(place: &Place, actor: &str) -> Option<Beat> {
    let beats = place.read().await.ok()?;
    let now = Utc::now();
    Watch::default()
        .present(beats, "", now)
        .into_iter()
        .find(|b| b.actor == actor)
}

/// The running presence thread.
pub(super) struct Presence {
    stop: Option<std_mpsc::SyncSender<()>>,
    done: std_mpsc::Receiver<()>,
}

impl Presence {
    /// Stops the heartbeat and removes it, waiting a moment for that.
    pub(super) fn stop(mut self) {
        self.stop.take();
        let _ = self.done.recv_timeout(LEAVE_WAIT);
    }
}

/// Starts saying we are here, and telling the UI who else is.
pub(super) fn spawn(place: Place, me: Beat, out: mpsc::Sender<Msg>) -> Presence {
    let (stop, stopped) = std_mpsc::sync_channel::<()>(1);
    let (done_tx, done) = std_mpsc::sync_channel::<()>(1);
    std::thread::spawn(move || {
        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            rt.block_on(serve(&place, me, &stopped, &out));
        }
        let _ = done_tx.send(());
    });
    Presence {
        stop: Some(stop),
        done,
    }
}

async fn serve(
    place: &Place,
    mut me: Beat,
    stopped: &std_mpsc::Receiver<()>,
    out: &mpsc::Sender<Msg>,
) {
    let mut watch = Watch::default();
    let mut said: Option<Vec<(String, String)>> = None;
    let mut last_beat: Option<Instant> = None;
    let mut last_read = Instant::now();
    loop {
        if last_beat.is_none_or(|t| t.elapsed() >= EVERY) {
            me.at = Utc::now();
            // A failed heartbeat is retried at the next read; the share thread says the store is
            // out of reach.
            if place.beat(&me).await.is_ok() {
                last_beat = Some(Instant::now());
            }
        }
        let here = match place.read().await {
            Ok(beats) => {
                last_read = Instant::now();
                let here = watch.present(beats, &me.session, Utc::now());
                for session in watch.stale(Utc::now()) {
                    place.leave(&session).await;
                }
                Some(here)
            }
            // Out of reach for as long as a teammate takes to count as gone: nobody is known to
            // be here (and a step that needs approval may break glass).
            Err(_) if last_read.elapsed() > presence::GONE_AFTER => Some(Vec::new()),
            Err(_) => None,
        };
        if let Some(here) = here {
            let who: Vec<(String, String)> = here
                .iter()
                .map(|b| (b.session.clone(), b.actor.clone()))
                .collect();
            if said.as_ref() != Some(&who) {
                said = Some(who);
                if out.send(Msg::Presence(here)).await.is_err() {
                    break;
                }
            }
        }
        // Waiting off the runtime's thread is fine: this runtime serves only this loop.
        match stopped.recv_timeout(READ_EVERY) {
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            _ => break,
        }
    }
    place.leave(&me.session).await;
}
