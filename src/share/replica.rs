//! A laptop's copy of a shared incident: the timeline file holds exactly the store's chain (the
//! objects' bytes, in sequence order, so it is byte-identical on every laptop and `sitrep verify`
//! reads it as any timeline), `<timeline>.share` says which store and incident it copies, and
//! `<timeline>.queue` holds this laptop's events the store has not taken yet.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::queue::{Pending, Queue};
use crate::timeline::writer::Patience;
use crate::timeline::{OpenReport, Record, TimelineWriter};

/// Which store and incident a replica copies (`<timeline>.share`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The store's URL, as in `[share] url`.
    pub url: String,
    /// The incident's id in the store.
    pub incident: String,
}

/// The link file of a timeline.
pub fn link_path(timeline: &Path) -> PathBuf {
    let mut path = timeline.as_os_str().to_owned();
    path.push(".share");
    PathBuf::from(path)
}

/// The link of a timeline, when it is a shared incident's replica. An unreadable link file is an
/// error: writing to such a timeline as a local one would fork it from the team's.
pub fn link_of(timeline: &Path) -> Result<Option<Link>, String> {
    let path = link_path(timeline);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
            format!(
                "{} does not read ({e}): it should say which store and incident this timeline copies, {{\"url\":\"s3://…\",\"incident\":\"…\"}}",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes a timeline's link (a new file, renamed into place).
pub fn write_link(timeline: &Path, link: &Link) -> std::io::Result<()> {
    let path = link_path(timeline);
    let dir = tempfile_dir(&path);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    serde_json::to_writer(&mut tmp, link).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut tmp, b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    File::open(&dir)?.sync_all()
}

fn tempfile_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What happened to a line offered to the replica.
#[derive(Debug, Clone, PartialEq)]
pub enum Took {
    /// It was appended: the event's id, when it has one.
    Appended(Option<String>),
    /// The replica had it already (another process on this laptop appended it).
    Had,
}

/// A shared incident's replica, open for syncing.
#[derive(Debug)]
pub struct Replica {
    /// What it copies.
    pub link: Link,
    writer: TimelineWriter,
    queue: Queue,
    /// The hash of each record, by seq - 1.
    hashes: Vec<String>,
    /// The ids of the events in the replica.
    ids: HashSet<String>,
    /// Whether this process has seen the replica's head in the store (before its first create).
    pub head_confirmed: bool,
}

impl Replica {
    /// Opens the replica at `timeline` (creating an empty file for an incident being fetched).
    pub fn open(
        timeline: &Path,
        link: Link,
        patience: Patience,
    ) -> Result<(Replica, OpenReport), crate::timeline::writer::TimelineError> {
        let (writer, report) = TimelineWriter::open_with(timeline, patience)?;
        let mut replica = Replica {
            link,
            queue: Queue::beside(timeline),
            writer,
            hashes: Vec::new(),
            ids: HashSet::new(),
            head_confirmed: false,
        };
        for record in &report.records {
            replica.know(record);
        }
        Ok((replica, report))
    }

    fn know(&mut self, record: &Record) {
        if record.seq as usize == self.hashes.len() + 1 {
            self.hashes.push(record.hash.clone());
        }
        if let Some(id) = &record.id {
            self.ids.insert(id.clone());
        }
    }

    /// The queue of our events not yet shared.
    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// The seq and hash of the replica's last event (0 and "" when it has none).
    pub fn head(&self) -> (u64, String) {
        let (seq, hash) = self.writer.head();
        (seq, hash.to_string())
    }

    /// The hash of event `seq`, when the replica has it.
    pub fn hash_of(&self, seq: u64) -> Option<&str> {
        let i = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.hashes.get(i).map(String::as_str)
    }

    /// Two probe intervals of each endpoint, for settling observations (see [`Replica::settle`]).
    pub fn set_agreement_windows(
        &mut self,
        windows: std::collections::HashMap<String, chrono::TimeDelta>,
    ) {
        self.writer.set_agreement_windows(windows);
    }

    /// The event to share for `event` now: an observation a teammate's cockpit shared meanwhile
    /// goes out as seen too.
    pub fn settle(&self, event: crate::timeline::Event, at: chrono::DateTime<chrono::Utc>) -> crate::timeline::Event {
        self.writer.settle(event, at)
    }

    /// Whether the replica holds the event with this id.
    pub fn has(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Reads what other processes on this laptop appended.
    pub fn refresh(&mut self) -> Result<(), crate::timeline::writer::TimelineError> {
        let report = self.writer.poll()?;
        for record in report.records {
            self.know(&record);
        }
        Ok(())
    }

    /// Our events the store has not taken yet, in the order they were recorded.
    pub fn pending(&self) -> std::io::Result<Vec<Pending>> {
        let (all, _) = self.queue.read()?;
        Ok(all.into_iter().filter(|p| !self.has(&p.id)).collect())
    }

    /// Empties the queue once everything in it is shared.
    pub fn tidy_queue(&self) -> std::io::Result<bool> {
        self.queue.clear_if_shared(&|id| self.ids.contains(id))
    }

    /// Whether `bytes` are the line the replica has at `seq`: its hash field and the hash of its
    /// text are both the one the replica holds.
    pub fn holds(&self, seq: u64, bytes: &[u8]) -> bool {
        let Some(had) = self.hash_of(seq) else {
            return false;
        };
        let text = trim_newline(bytes);
        let field = serde_json::from_str::<Record>(text).ok().map(|r| r.hash);
        crate::timeline::chain::recompute(text).as_deref() == Some(had)
            && field.as_deref() == Some(had)
            && bytes.ends_with(b"\n")
    }

    /// Offers the store's object for event `seq`. `Err` says why it cannot be the replica's next
    /// line: it is not one valid line continuing the chain (damage: never chained over), or it
    /// differs from the event the replica already has at that seq.
    pub fn take(&mut self, seq: u64, bytes: &[u8]) -> Result<Took, Offer> {
        if self.hash_of(seq).is_some() {
            return if self.holds(seq, bytes) {
                Ok(Took::Had)
            } else {
                Err(Offer::Damage(format!(
                    "the store's event #{seq} is not the one this laptop has: one of the two was edited (sitrep verify --against the store says which chain holds)"
                )))
            };
        }
        let sealed = self.writer.append_sealed(bytes).map_err(Offer::Local)?;
        for record in sealed.foreign {
            self.know(&record);
        }
        match (sealed.appended, sealed.refused) {
            (Some(record), _) => {
                self.know(&record);
                Ok(Took::Appended(record.id))
            }
            // Another process appended meanwhile: compare with what it wrote.
            (None, _) if self.hash_of(seq).is_some() => self.take(seq, bytes),
            (None, why) => Err(Offer::Damage(format!(
                "the store's event #{seq} does not continue the chain: {}",
                why.unwrap_or_default()
            ))),
        }
    }

    /// The seq of the replica's last event: how many it has.
    pub fn last_seq(&self) -> u64 {
        self.writer.head().0
    }
}

fn trim_newline(bytes: &[u8]) -> &str {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Why an object could not go into the replica.
#[derive(Debug)]
pub enum Offer {
    /// The object is not the chain's next event: edited, foreign, or out of place.
    Damage(String),
    /// The replica could not be written.
    Local(crate::timeline::writer::TimelineError),
}
