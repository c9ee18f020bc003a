//! The protocol: one order for the team, decided by create-only writes.
//!
//! Event N of an incident is the object `<incident>/events/<N>.jsonl`, whose bytes are the sealed
//! timeline line (its `prev` the hash of event N-1). A laptop shares its next queued event by
//! sealing it after its replica's head and creating key head+1 only if absent. When the key is
//! taken (412, or 409 for a write in flight), it reads the key: our id there means an earlier
//! answer was lost in transit and the event is shared; another event is verified, appended, and
//! ours is sealed again after it; nothing there yet (the write in flight) is retried at the same
//! seq after a backoff. So no event is published twice and no seq holds two events.
//!
//! Followers poll by reading key head+1 (absent: nothing new) and list only to catch up after a gap
//! (joining, or a while offline): a list costs about 12.5 reads on S3. Every object is verified as
//! the chain's next line before the replica takes it; one that is not (edited, foreign, missing
//! with later ones present) stops the sync with [`Fault::Damage`] and is never chained over.

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;

use super::layout;
use super::replica::{Offer, Replica, Took};
use super::store::{Put, Store, StoreError};
use crate::timeline::chain;

/// Objects read at once when catching up.
const FETCH_AHEAD: usize = 16;
/// Reading ahead one key at a time stops after this many hits: a longer run is caught up by listing.
const READ_RUN: usize = 8;
/// How often a key is read again when it is taken but empty (a write in flight), and the first wait.
const IN_FLIGHT_TRIES: u32 = 4;
const IN_FLIGHT_WAIT: Duration = Duration::from_millis(100);

/// Why a round stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The store did not answer, or refused: everything stays queued; try again later.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The store holds something that is not the chain: said and never chained over.
    #[error("{0}")]
    Damage(String),
    /// The local replica could not be read or written.
    #[error("{0}")]
    Local(String),
}

impl From<Offer> for Fault {
    fn from(offer: Offer) -> Fault {
        match offer {
            Offer::Damage(why) => Fault::Damage(why),
            Offer::Local(e) => Fault::Local(e.to_string()),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Events others wrote that the replica took.
    pub pulled: usize,
    /// Our events the store took.
    pub published: usize,
    /// Our events still waiting.
    pub waiting: usize,
    /// Requests made to the store.
    pub requests: usize,
}

/// One push and pull: catches the replica up with the store and shares what is queued.
/// `list` makes it list the incident's keys after the head first (joining, after time offline,
/// and now and then to notice a missing object), instead of only reading the next key.
pub async fn round(store: &Store, replica: &mut Replica, list: bool) -> Result<Round, Fault> {
    let mut done = Round::default();
    replica.refresh().map_err(|e| Fault::Local(e.to_string()))?;
    if list {
        catch_up(store, replica, &mut done).await?;
    }
    let pending = replica
        .pending()
        .map_err(|e| Fault::Local(format!("cannot read {}: {e}", replica.queue().path().display())))?;
    if pending.is_empty() {
        pull(store, replica, &mut done).await?;
    } else {
        // Creating key head+1 is itself the read of what is new: a key taken is read and taken
        // in before ours goes after it, so a round with something to share skips the pull (one
        // request fewer while the team keeps up, the common case).
        publish(store, replica, &mut done).await?;
    }
    done.waiting = replica
        .pending()
        .map_err(|e| Fault::Local(format!("cannot read {}: {e}", replica.queue().path().display())))?
        .len();
    if done.waiting == 0 {
        let _ = replica.tidy_queue();
    }
    Ok(done)
}

/// Reads the keys after the head one at a time until one is absent; a long run goes on by listing.
async fn pull(store: &Store, replica: &mut Replica, done: &mut Round) -> Result<(), Fault> {
    for _ in 0..READ_RUN {
        let seq = replica.last_seq() + 1;
        done.requests += 1;
        let Some(bytes) = store.get(&layout::event_key(&replica.link.incident, seq)).await? else {
            return Ok(());
        };
        if let Took::Appended(_) = replica.take(seq, &bytes)? {
            done.pulled += 1;
        }
    }
    catch_up(store, replica, done).await
}

/// Lists the keys after the head and reads them, several at a time, taking them in order. A key
/// missing before later ones is damage (an object removed from the store).
/// Reads the replica's head in the store: an incident removed from the store (a lifecycle rule,
/// a cleanup) must not be recreated from head+1 by our next event, nor an edited head built on.
async fn confirm_head(store: &Store, replica: &mut Replica, done: &mut Round) -> Result<(), Fault> {
    let head = replica.last_seq();
    if head == 0 {
        return Ok(());
    }
    done.requests += 1;
    match store
        .get(&layout::event_key(&replica.link.incident, head))
        .await?
    {
        Some(bytes) if replica.holds(head, &bytes) => {
            replica.head_confirmed = true;
            Ok(())
        }
        Some(_) => Err(Fault::Damage(format!(
            "the store's event #{head} is not the one this laptop has: one of the two was edited (sitrep verify --against the store says which chain holds)"
        ))),
        None => Err(Fault::Damage(format!(
            "event #{head}, this laptop's last, is missing from the store: it was removed there"
        ))),
    }
}

async fn catch_up(store: &Store, replica: &mut Replica, done: &mut Round) -> Result<(), Fault> {
    let incident = replica.link.incident.clone();
    confirm_head(store, replica, done).await?;
    let after = (replica.last_seq() > 0).then(|| layout::event_key(&incident, replica.last_seq()));
    done.requests += 1;
    let keys = store
        .list(&layout::events_folder(&incident), after.as_deref())
        .await?;
    let mut seqs = Vec::with_capacity(keys.len());
    for key in &keys {
        // Anything else in the folder is not ours to judge (a tool's marker, a later version's).
        if let Some(seq) = layout::seq_of(key) {
            seqs.push(seq);
        }
    }
    if let Some(gap) = seqs
        .iter()
        .enumerate()
        .find(|(i, seq)| **seq != replica.last_seq() + 1 + *i as u64)
    {
        let expected = replica.last_seq() + 1 + gap.0 as u64;
        return Err(Fault::Damage(format!(
            "event #{expected} is missing from the store while #{} is there: an object was removed",
            gap.1
        )));
    }
    let mut reads = futures_util::stream::iter(seqs.into_iter().map(|seq| {
        let key = layout::event_key(&incident, seq);
        async move { (seq, store.get(&key).await) }
    }))
    .buffered(FETCH_AHEAD);
    while let Some((seq, got)) = reads.next().await {
        done.requests += 1;
        let Some(bytes) = got? else {
            // A listing ahead of reads (NFS attribute caches), or a removal: the next round's
            // listing tells which.
            return Err(Fault::Store(StoreError(format!(
                "event #{seq} was listed but reads as absent"
            ))));
        };
        if let Took::Appended(_) = replica.take(seq, &bytes)? {
            done.pulled += 1;
        }
    }
    Ok(())
}

/// Shares the queued events in order, each at the seq after the replica's head.
async fn publish(store: &Store, replica: &mut Replica, done: &mut Round) -> Result<(), Fault> {
    let pending = replica
        .pending()
        .map_err(|e| Fault::Local(format!("cannot read {}: {e}", replica.queue().path().display())))?;
    if !pending.is_empty() && !replica.head_confirmed {
        // Once a process, before its first create: the head it builds on is still the store's.
        confirm_head(store, replica, done).await?;
    }
    for event in pending {
        let stamp = event.stamp();
        let mut in_flight = 0;
        while !replica.has(&event.id) {
            let (head, prev) = replica.head();
            let seq = head + 1;
            // An observation a teammate's cockpit shared meanwhile goes out as seen too.
            let settled = replica.settle(event.event.clone(), stamp.ts);
            let (line, _) = chain::seal_stamped(seq, &stamp, settled, &prev)
                .map_err(|e| Fault::Local(format!("cannot encode an event: {e}")))?;
            let key = layout::event_key(&replica.link.incident, seq);
            done.requests += 1;
            match store.create(&key, Bytes::from(line.clone())).await? {
                Put::Created => {
                    replica.take(seq, line.as_bytes())?;
                    done.published += 1;
                }
                Put::Taken => {
                    done.requests += 1;
                    match store.get(&key).await? {
                        Some(theirs) => {
                            // Ours (an answer lost in transit) or another's, placed before ours.
                            if let Took::Appended(id) = replica.take(seq, &theirs)? {
                                if id.as_deref() == Some(event.id.as_str()) {
                                    done.published += 1;
                                } else {
                                    done.pulled += 1;
                                }
                            }
                            in_flight = 0;
                        }
                        None if in_flight < IN_FLIGHT_TRIES => {
                            tokio::time::sleep(IN_FLIGHT_WAIT * 2u32.pow(in_flight)).await;
                            in_flight += 1;
                        }
                        None => {
                            return Err(Fault::Store(StoreError(format!(
                                "{key} is taken but reads as absent after {IN_FLIGHT_TRIES} tries: a write in flight that never finished"
                            ))));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}
