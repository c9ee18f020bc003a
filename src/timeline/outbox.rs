//! The outbox of a shared incident's replica: this laptop's own events that the team's store has
//! not taken yet, durable, beside the replica (`<timeline>.queue`). A timeline with a
//! `<timeline>.share` link beside it is a replica: [`super::TimelineWriter`] puts appends here
//! instead of into the file, which holds only what the store took (`crate::share`). An event is acknowledged once it is here, synced; the store gives it its
//! sequence number later. The queue is only appended to, and emptied as a whole once every event
//! in it is in the replica.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Event;
use super::chain::Stamp;

/// One of our events waiting for the store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// Its id, the same in the store.
    pub id: String,
    /// When it happened.
    #[serde(with = "crate::timeline::time::ts_millis")]
    pub ts: DateTime<Utc>,
    /// Who did it.
    pub actor: String,
    /// When it was written, when that was long after `ts`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::timeline::time::ts_millis_opt"
    )]
    pub written: Option<DateTime<Utc>>,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

impl Pending {
    /// A new event by `actor` that happened at `at`, with a fresh id.
    pub fn new(at: DateTime<Utc>, actor: &str, event: Event) -> Pending {
        use chrono::SubsecRound as _;
        let now = Utc::now();
        let written = (now - at > super::LATE_WRITE).then_some(now.trunc_subsecs(3));
        Pending {
            id: new_id(),
            ts: at.trunc_subsecs(3),
            actor: actor.to_string(),
            written,
            event,
        }
    }

    /// How the cockpit shows it until the store gives it its seq: seq 0, no chain.
    pub fn provisional(&self) -> super::Record {
        super::Record {
            seq: 0,
            ts: self.ts,
            actor: self.actor.clone(),
            id: Some(self.id.clone()),
            written: self.written,
            event: self.event.clone(),
            prev: String::new(),
            hash: String::new(),
        }
    }

    /// How it is stamped when sealed.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            ts: self.ts,
            written: self.written,
            actor: self.actor.clone(),
            id: Some(self.id.clone()),
        }
    }
}

/// The queue file beside a replica.
#[derive(Debug, Clone)]
pub struct Queue {
    path: PathBuf,
}

impl Queue {
    /// The queue of the replica at `timeline`.
    pub fn beside(timeline: &Path) -> Queue {
        let mut path = timeline.as_os_str().to_owned();
        path.push(".queue");
        Queue {
            path: PathBuf::from(path),
        }
    }

    /// The queue file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an event and syncs it: once this returns, a crash does not lose it.
    pub fn push(&self, pending: &Pending) -> std::io::Result<()> {
        let mut line = serde_json::to_string(pending).map_err(std::io::Error::other)?;
        line.push('\n');
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&self.path)?;
        file.lock()?;
        let wrote = cut_torn_tail(&file).and_then(|len| {
            let wrote = (&file)
                .write_all(line.as_bytes())
                .and_then(|()| file.sync_data());
            if wrote.is_err() {
                // No half line for the next reader.
                let _ = file.set_len(len);
            }
            wrote
        });
        let _ = file.unlock();
        wrote
    }

    /// Every event in the queue, in order. A torn last line (a crash mid-push) was never
    /// acknowledged and is skipped, as is a line that does not read (said in the second list).
    pub fn read(&self) -> std::io::Result<(Vec<Pending>, Vec<String>)> {
        let file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
            Err(e) => return Err(e),
        };
        file.lock_shared()?;
        let mut text = String::new();
        let read = (&file).read_to_string(&mut text);
        let _ = file.unlock();
        read?;
        Ok(parse(&text))
    }

    /// Empties the queue when every event in it is in the replica (`shared` says which ids are).
    pub fn clear_if_shared(&self, shared: &dyn Fn(&str) -> bool) -> std::io::Result<bool> {
        let file = match OpenOptions::new().read(true).write(true).open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(e),
        };
        file.lock()?;
        let mut text = String::new();
        let result = (&file).read_to_string(&mut text).and_then(|_| {
            let (pending, problems) = parse(&text);
            if text.is_empty() {
                Ok(true)
            } else if problems.is_empty() && pending.iter().all(|p| shared(&p.id)) {
                file.set_len(0)?;
                file.sync_data()?;
                Ok(true)
            } else {
                Ok(false)
            }
        });
        let _ = file.unlock();
        result
    }
}

/// Cuts a torn last line (a push that crashed before it was synced, so never acknowledged) off the
/// queue, so the next event starts a line of its own; returns the queue's length after.
fn cut_torn_tail(file: &File) -> std::io::Result<u64> {
    use std::io::{Seek as _, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut reader = file;
    let mut last = [0u8; 1];
    reader.seek(SeekFrom::Start(len - 1))?;
    reader.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(len);
    }
    let mut bytes = Vec::with_capacity(len as usize);
    reader.seek(SeekFrom::Start(0))?;
    reader.read_to_end(&mut bytes)?;
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) as u64;
    file.set_len(keep)?;
    file.sync_data()?;
    Ok(keep)
}

fn parse(text: &str) -> (Vec<Pending>, Vec<String>) {
    let mut pending = Vec::new();
    let mut problems = Vec::new();
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    for (i, line) in whole.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Pending>(line) {
            Ok(p) => pending.push(p),
            Err(e) => problems.push(format!("queue line {}: {e}", i + 1)),
        }
    }
    (pending, problems)
}

/// Whether a timeline is a shared incident's replica: a `<timeline>.share` link is beside it.
pub fn is_replica(timeline: &Path) -> bool {
    let mut link = timeline.as_os_str().to_owned();
    link.push(".share");
    Path::new(&link).exists()
}

/// A new random id (128 bits, hex) for an event or a probe: from the standard library's random
/// hash keys (seeded by the OS), the time and a counter, so two laptops never draw the same.
pub fn new_id() -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut halves = [0u64; 2];
    for (i, half) in halves.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u64(count);
        h.write_u32(std::process::id());
        h.write_usize(i);
        *half = h.finish();
    }
    format!("{:016x}{:016x}", halves[0], halves[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_events_read_back_and_a_torn_tail_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::beside(&dir.path().join("t.jsonl"));
        assert!(queue.read().unwrap().0.is_empty(), "no file, no events");
        let a = Pending::new(Utc::now(), "alice", Event::Note { text: "a".into() });
        let b = Pending::new(Utc::now(), "alice", Event::Note { text: "b".into() });
        queue.push(&a).unwrap();
        queue.push(&b).unwrap();
        let mut f = OpenOptions::new().append(true).open(queue.path()).unwrap();
        f.write_all(br#"{"id":"x","ts":"#).unwrap();
        let (read, problems) = queue.read().unwrap();
        assert_eq!(read, vec![a.clone(), b.clone()]);
        assert!(problems.is_empty());
        assert!(!queue.clear_if_shared(&|id| id == a.id).unwrap(), "b is not shared yet");
        assert_eq!(queue.read().unwrap().0.len(), 2);
        // The next push after a crash mid-push starts its own line: it is not swallowed.
        let c = Pending::new(Utc::now(), "alice", Event::Note { text: "c".into() });
        queue.push(&c).unwrap();
        assert_eq!(queue.read().unwrap().0, vec![a.clone(), b.clone(), c.clone()]);
        assert!(!queue.clear_if_shared(&|id| id == a.id || id == b.id).unwrap());
        assert!(queue.clear_if_shared(&|id| [&a.id, &b.id, &c.id].contains(&&id.to_string())).unwrap());
        assert!(queue.read().unwrap().0.is_empty());
    }
}
