//! Who has a shared incident open: each cockpit's heartbeat is an object under the incident's
//! `here/` folder, rewritten every ten seconds and removed when the cockpit closes. Heartbeats are
//! not events: they are never chained, and a store that loses one loses only a moment of presence.

use bytes::Bytes;

use super::layout::{here_folder, here_key};
use super::store::{Store, StoreResult};
use crate::timeline::presence::Beat;

/// The most heartbeats read for one incident.
const MAX_BEATS: usize = 256;

/// Writes our heartbeat.
pub async fn beat(store: &Store, incident: &str, beat: &Beat) -> StoreResult<()> {
    store
        .put(&here_key(incident, &beat.session), Bytes::from(beat.to_bytes()))
        .await
}

/// Removes our heartbeat.
pub async fn leave(store: &Store, incident: &str, session: &str) -> StoreResult<()> {
    store.delete(&here_key(incident, session)).await
}

/// Every heartbeat of an incident (what is not one, or cannot be read now, is left out).
pub async fn read(store: &Store, incident: &str) -> StoreResult<Vec<Beat>> {
    let keys = store.list(&here_folder(incident), None).await?;
    let mut beats = Vec::new();
    for key in keys.iter().filter(|k| k.ends_with(".json")).take(MAX_BEATS) {
        if let Ok(Some(bytes)) = store.get(key).await {
            beats.extend(Beat::parse(&bytes));
        }
    }
    Ok(beats)
}
