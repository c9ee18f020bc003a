//! One timeline for the whole team, shared through object storage (S3 and S3-compatible stores,
//! GCS, Azure) or a plain folder, offline-first and tamper-evident.
//!
//! - [`store`]: the store, behind the four operations sitrep needs ([`store::Blobs`]).
//! - [`layout`]: keys and ids.
//! - [`credentials`]: S3 credentials from an AWS profile, through the aws CLI.
//! - [`queue`] (`timeline::outbox`): this laptop's events the store has not taken yet, durable.
//! - [`replica`]: the local copy of the shared chain, a timeline file like any other.
//! - [`sync`]: the protocol (create-only per-seq objects) and one round of it.
//!
//! This module adds what the commands need: sharing a local incident, fetching a shared one, and
//! listing both.

pub mod credentials;
pub mod here;
pub mod layout;
pub mod replica;
pub mod store;
pub mod sync;

/// This laptop's events the store has not taken yet (kept beside the replica by the timeline
/// writer).
pub use crate::timeline::outbox as queue;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt as _;

use crate::timeline::{self, Event, Record};
use replica::{Link, Replica};
use store::{Put, Store};
use sync::Fault;

/// Shares an incident that started on this laptop: its lines, byte for byte, become events 1..N
/// of a new incident id in the store, and the file becomes that incident's replica. An incident
/// already shared answers its id. Returns the id.
///
/// The file is locked from the read until it is linked, so no line is appended meanwhile that the
/// store would never get (a writer re-checks for the link under the lock). Events 2..N go up
/// before event 1: an incident is visible (listed, fetchable, written to by teammates) only once
/// it is whole.
pub async fn publish_local(store: &Store, timeline_path: &Path) -> Result<String, Fault> {
    if let Some(link) = replica::link_of(timeline_path).map_err(Fault::Local)? {
        if link.url != store.url {
            return Err(Fault::Local(format!(
                "{} is already shared through {} as {}",
                timeline_path.display(),
                link.url,
                link.incident
            )));
        }
        return Ok(link.incident);
    }
    let local = |what: &str, e: std::io::Error| {
        Fault::Local(format!("{what} {}: {e}", timeline_path.display()))
    };
    let file = std::fs::File::open(timeline_path).map_err(|e| local("cannot read", e))?;
    file.lock().map_err(|e| local("cannot lock", e))?;
    let result = publish_locked(store, timeline_path, &file).await;
    let _ = file.unlock();
    result
}

async fn publish_locked(
    store: &Store,
    timeline_path: &Path,
    file: &std::fs::File,
) -> Result<String, Fault> {
    // Shared by another process while we waited for the lock.
    if let Some(link) = replica::link_of(timeline_path).map_err(Fault::Local)? {
        return Ok(link.incident);
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &*file, &mut bytes)
        .map_err(|e| Fault::Local(format!("cannot read {}: {e}", timeline_path.display())))?;
    let report = timeline::reader::parse(&bytes, 1, 0, "", 0);
    if let Some(problem) = report.problems.first() {
        return Err(Fault::Local(format!(
            "{} is damaged ({problem}): a damaged chain cannot be shared; `sitrep verify` says what is wrong",
            timeline_path.display()
        )));
    }
    if report.torn.is_some() {
        return Err(Fault::Local(format!(
            "{} ends in a torn line: open it once (sitrep note or open) to set the tail aside, then share it",
            timeline_path.display()
        )));
    }
    let Some(first) = report.records.first() else {
        return Err(Fault::Local(format!(
            "{} holds no event to share",
            timeline_path.display()
        )));
    };
    let lines: Vec<&[u8]> = bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .collect();
    let base = layout::incident_id(first.ts, &title_of(first));
    let id = upload(store, &base, &lines).await?;
    let link = Link {
        url: store.url.clone(),
        incident: id.clone(),
    };
    replica::write_link(timeline_path, &link).map_err(|e| {
        Fault::Local(format!(
            "cannot write the link beside {}: {e}",
            timeline_path.display()
        ))
    })?;
    Ok(id)
}

fn title_of(first: &Record) -> String {
    match &first.event {
        Event::IncidentOpened { title, .. } => title.clone(),
        _ => "incident".to_string(),
    }
}

/// Uploads the lines under the first id from `base` (`base`, `base-2`, …) that is free or already
/// ours. The id is claimed first by a create-only `ID/claim` holding line 1's hash (a share that
/// stopped halfway finds its own claim and resumes); then events 2..N, then event 1, which makes
/// the incident visible. Under an id that is ours, a key holding another line means this copy
/// differs from the shared incident: an error naming where, never a second incident.
async fn upload(store: &Store, base: &str, lines: &[&[u8]]) -> Result<String, Fault> {
    let claim = Bytes::from(format!("{}\n", crate::timeline::chain::hex_sha256(lines[0])));
    for attempt in 1..=100 {
        let id = layout::next_incident_id(base, attempt);
        if !put_same(store, &layout::claim_key(&id), &claim).await? {
            continue;
        }
        let order = lines.iter().enumerate().skip(1).chain(lines.iter().enumerate().take(1));
        for (i, line) in order {
            let seq = i as u64 + 1;
            if !put_same(store, &layout::event_key(&id, seq), line).await? {
                return Err(Fault::Local(format!(
                    "this file differs from the shared incident {id} at event #{seq}: it was written to after an earlier share of it began; open the shared one with `sitrep open --incident {id}`"
                )));
            }
        }
        return Ok(id);
    }
    Err(Fault::Local(format!(
        "ids {base} to {base}-100 are all taken in {}",
        store.url
    )))
}

/// Creates `key` holding `line`; true when it holds exactly that now, false when it holds
/// something else. A key taken but not readable yet (a write in flight) is a store error: tried
/// again later.
async fn put_same(store: &Store, key: &str, line: &[u8]) -> Result<bool, Fault> {
    match store.create(key, Bytes::copy_from_slice(line)).await? {
        Put::Created => Ok(true),
        Put::Taken => match store.get(key).await? {
            Some(held) => Ok(held.as_ref() == line),
            None => Err(Fault::Store(store::StoreError(format!(
                "{key} is taken but reads as absent: a write in flight; try again"
            )))),
        },
    }
}

/// The replica of a shared incident in `dir`, when this laptop has one.
pub fn find_replica(dir: &Path, url: &str, incident: &str) -> Option<PathBuf> {
    timeline::files_in(dir).into_iter().find(|p| {
        replica::link_of(p)
            .ok()
            .flatten()
            .is_some_and(|l| l.url == url && l.incident == incident)
    })
}

/// Brings a shared incident to this laptop (or finds its replica) and catches it up with the
/// store; returns the replica's file.
pub async fn fetch(store: &Store, dir: &Path, incident: &str) -> Result<PathBuf, Fault> {
    if !layout::valid_id(incident) {
        return Err(Fault::Local(format!(
            "`{incident}` is not an incident id: ids look like 2026-11-28-payments-api-errors (sitrep incidents lists them)"
        )));
    }
    let path = match find_replica(dir, &store.url, incident) {
        Some(path) => path,
        None => {
            let Some(first) = store.get(&layout::event_key(incident, 1)).await? else {
                return Err(Fault::Local(format!(
                    "{} holds no incident {incident}: sitrep incidents lists the ones it has",
                    store.url
                )));
            };
            let record = first_record(&first).ok_or_else(|| {
                Fault::Damage(format!(
                    "the first event of {incident} in {} is not a timeline line",
                    store.url
                ))
            })?;
            let path = free_name(dir, &timeline::new_file_name(&title_of(&record), record.ts));
            std::fs::create_dir_all(dir)
                .map_err(|e| Fault::Local(format!("cannot make {}: {e}", dir.display())))?;
            let link = Link {
                url: store.url.clone(),
                incident: incident.to_string(),
            };
            replica::write_link(&path, &link)
                .map_err(|e| Fault::Local(format!("cannot write beside {}: {e}", path.display())))?;
            path
        }
    };
    let (mut replica, _) = open_replica(&path)?;
    sync::round(store, &mut replica, true).await?;
    Ok(path)
}

/// Opens the replica at `path` by its link.
pub fn open_replica(path: &Path) -> Result<(Replica, timeline::OpenReport), Fault> {
    open_replica_with(path, timeline::writer::Patience::default())
}

/// Like [`open_replica`], waiting for another process's lock on the file as `patience` allows.
pub fn open_replica_with(
    path: &Path,
    patience: timeline::writer::Patience,
) -> Result<(Replica, timeline::OpenReport), Fault> {
    let link = replica::link_of(path)
        .map_err(Fault::Local)?
        .ok_or_else(|| Fault::Local(format!("{} is not a shared incident", path.display())))?;
    Replica::open(path, link, patience).map_err(|e| Fault::Local(e.to_string()))
}

fn first_record(bytes: &[u8]) -> Option<Record> {
    let report = timeline::reader::parse(bytes, 1, 0, "", 0);
    if !report.problems.is_empty() {
        return None;
    }
    report.records.into_iter().next()
}

/// `name` in `dir`, or `name` with `.2`, `.3` before `.jsonl` when that file is taken.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let stem = name.strip_suffix(".jsonl").unwrap_or(name);
    (1..)
        .map(|n| match n {
            1 => dir.join(name),
            _ => dir.join(format!("{stem}.{n}.jsonl")),
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(name))
}

/// An incident in the store, as its first event tells it.
#[derive(Debug, Clone)]
pub struct SharedIncident {
    /// Its id.
    pub id: String,
    /// Its first event, when it reads.
    pub first: Option<Record>,
}

/// The incidents in the store, each with its first event (read several at a time).
pub async fn shared_incidents(store: &Store) -> Result<Vec<SharedIncident>, Fault> {
    let ids: Vec<String> = store
        .folders()
        .await?
        .into_iter()
        .filter(|id| layout::valid_id(id))
        .collect();
    let reads = futures_util::stream::iter(ids.into_iter().map(|id| async move {
        let got = store.get(&layout::event_key(&id, 1)).await;
        (id, got)
    }))
    .buffered(8)
    .collect::<Vec<_>>()
    .await;
    let mut out = Vec::new();
    for (id, got) in reads {
        // No event 1 yet: a share still uploading (or one that stopped halfway); not an incident.
        let Some(bytes) = got? else { continue };
        let first = first_record(&bytes);
        out.push(SharedIncident { id, first });
    }
    Ok(out)
}

/// What [`compare`] found: problems (damage on either side) and notes (what is fine to know).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Events in the store.
    pub shared: u64,
    /// What is wrong.
    pub problems: Vec<String>,
    /// What is worth knowing and is not damage (this copy is behind the store).
    pub notes: Vec<String>,
}

/// Checks a replica's bytes against the store's chain for the incident, and the store's chain on
/// its own: every object must be the next line of a valid chain, and every line of the replica
/// the store's object at its seq, byte for byte.
pub async fn compare(store: &Store, incident: &str, local: &[u8]) -> Result<Comparison, Fault> {
    let keys = store.list(&layout::events_folder(incident), None).await?;
    let seqs: Vec<u64> = keys.iter().filter_map(|k| layout::seq_of(k)).collect();
    let mut out = Comparison::default();
    if seqs.is_empty() {
        out.problems
            .push(format!("{} holds no incident {incident}", store.url));
        return Ok(out);
    }
    let objects: Vec<(u64, Result<Option<Bytes>, store::StoreError>)> =
        futures_util::stream::iter(seqs.iter().map(|&seq| async move {
            (seq, store.get(&layout::event_key(incident, seq)).await)
        }))
        .buffered(16)
        .collect()
        .await;
    let mut chain = Vec::new();
    for (expected, (seq, got)) in (1u64..).zip(objects) {
        if seq != expected {
            out.problems.push(format!(
                "the store has no event #{expected} (next is #{seq}): an object was removed"
            ));
            break;
        }
        let Some(bytes) = got? else {
            out.problems
                .push(format!("the store's event #{seq} was listed but cannot be read"));
            break;
        };
        if bytes.iter().filter(|&&b| b == b'\n').count() != 1 || !bytes.ends_with(b"\n") {
            out.problems.push(format!(
                "the store's event #{seq} is not one timeline line"
            ));
            break;
        }
        chain.extend_from_slice(&bytes);
    }
    let report = timeline::reader::parse(&chain, 1, 0, "", 0);
    out.shared = report.records.len() as u64;
    for p in &report.problems {
        out.problems.push(format!(
            "the store's event #{}: {}",
            p.line, p.message
        ));
    }
    let theirs: Vec<&[u8]> = chain.split_inclusive(|&b| b == b'\n').collect();
    let ours: Vec<&[u8]> = local
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .collect();
    if let Some(i) = ours.iter().zip(&theirs).position(|(a, b)| a != b) {
        out.problems.push(format!(
            "event #{} differs between this file and the store: one of them was edited",
            i + 1
        ));
    }
    match ours.len().cmp(&theirs.len()) {
        std::cmp::Ordering::Greater => out.problems.push(format!(
            "events #{} to #{} are in this file but not in the store: added here outside sitrep's sync, or removed from the store",
            theirs.len() + 1,
            ours.len()
        )),
        std::cmp::Ordering::Less => out.notes.push(format!(
            "the store has {} event(s) after this file's last (#{}); `sitrep sync` fetches them",
            theirs.len() - ours.len(),
            ours.len()
        )),
        std::cmp::Ordering::Equal => {}
    }
    Ok(out)
}
