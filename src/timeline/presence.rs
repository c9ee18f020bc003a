//! Who has the incident open now: each cockpit rewrites a small heartbeat every [`EVERY`], kept
//! outside the chain (it is not a record, and an hour of them would drown the timeline). For a local
//! timeline the heartbeats are files in a hidden folder beside it; a shared incident keeps them in
//! the store (`share::layout::here_key`). A teammate is gone once their heartbeat has not moved for
//! [`GONE_AFTER`] by our own clock, so laptops whose clocks disagree still agree on who is here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::time::ts_millis;

/// How often a cockpit says it is here.
pub const EVERY: Duration = Duration::from_secs(10);
/// How long without a heartbeat before a teammate counts as gone.
pub const GONE_AFTER: Duration = Duration::from_secs(30);
/// The largest heartbeat read; anything bigger is not one.
const MAX_BEAT: u64 = 4096;
/// The most heartbeats read from one place (a folder filled by something else is not read whole).
const MAX_BEATS: usize = 1024;
/// A heartbeat that has not moved for this long is a killed cockpit's: any cockpit removes it.
pub const STALE_AFTER: Duration = Duration::from_secs(600);

/// One cockpit's heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beat {
    /// Who has it open.
    pub actor: String,
    /// The cockpit session's id.
    pub session: String,
    /// The machine's name, when known.
    #[serde(default)]
    pub host: String,
    /// When the session joined.
    #[serde(with = "ts_millis")]
    pub joined: DateTime<Utc>,
    /// When this heartbeat was written, on the writer's clock.
    #[serde(with = "ts_millis")]
    pub at: DateTime<Utc>,
}

impl Beat {
    /// The heartbeat as written.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// A heartbeat read back; `None` for anything that is not one (or names nobody).
    pub fn parse(bytes: &[u8]) -> Option<Beat> {
        if bytes.len() as u64 > MAX_BEAT {
            return None;
        }
        let beat: Beat = serde_json::from_slice(bytes).ok()?;
        (super::check_actor(&beat.actor).is_ok() && !beat.session.is_empty()).then_some(beat)
    }
}

/// This machine's name, for the header and the `joined` record: what `hostname` says.
pub fn host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    crate::core::sanitize::sanitize_line(name.trim())
        .chars()
        .take(64)
        .collect()
}

/// The folder of a local timeline's heartbeats: `.NAME.here` beside it.
pub fn folder(timeline: &Path) -> PathBuf {
    let name = timeline
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    timeline.with_file_name(format!(".{name}.here"))
}

/// Writes our heartbeat beside a local timeline (whole or not at all: written aside, then renamed).
pub fn beat_local(timeline: &Path, beat: &Beat) -> std::io::Result<()> {
    let dir = folder(timeline);
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(format!("{}.json", beat.session));
    let aside = dir.join(format!(".{}.tmp", beat.session));
    std::fs::write(&aside, beat.to_bytes())?;
    std::fs::rename(&aside, &file)
}

/// Removes our heartbeat (and the folder, once empty).
pub fn leave_local(timeline: &Path, session: &str) {
    let dir = folder(timeline);
    let _ = std::fs::remove_file(dir.join(format!("{session}.json")));
    let _ = std::fs::remove_dir(&dir);
}

/// Every heartbeat beside a local timeline (none when there is no folder).
pub fn read_local(timeline: &Path) -> Vec<Beat> {
    let Ok(entries) = std::fs::read_dir(folder(timeline)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter(|e| e.metadata().is_ok_and(|m| m.is_file() && m.len() <= MAX_BEAT))
        .take(MAX_BEATS)
        .filter_map(|e| {
            use std::io::Read as _;
            let mut bytes = Vec::new();
            std::fs::File::open(e.path())
                .ok()?
                .take(MAX_BEAT + 1)
                .read_to_end(&mut bytes)
                .ok()?;
            Beat::parse(&bytes)
        })
        .collect()
}

/// Who is here, worked out from the heartbeats read over time.
#[derive(Debug, Default)]
pub struct Watch {
    /// What we saw of each session's heartbeat.
    seen: HashMap<String, Sighting>,
}

/// A session's heartbeat as watched: its last stamp, when (on our clock) it last moved, and when we
/// first saw it.
#[derive(Debug, Clone, Copy)]
struct Sighting {
    at: DateTime<Utc>,
    moved: DateTime<Utc>,
    first: DateTime<Utc>,
}

impl Watch {
    /// The heartbeats read now: those of other sessions that are alive, first joined first.
    /// A heartbeat seen for the first time counts by its own stamp; after that, by whether it
    /// moved within [`GONE_AFTER`] of our clock.
    pub fn present(&mut self, beats: Vec<Beat>, me: &str, now: DateTime<Utc>) -> Vec<Beat> {
        let gone = chrono::TimeDelta::from_std(GONE_AFTER).unwrap_or_default();
        let mut here = Vec::new();
        let mut seen = HashMap::new();
        for beat in beats {
            if beat.session == me {
                continue;
            }
            let (moved, first) = match self.seen.get(&beat.session) {
                Some(s) if s.at == beat.at => (s.moved, s.first),
                Some(s) => (now, s.first),
                None => (beat.at.min(now), now),
            };
            let at = beat.at;
            seen.insert(beat.session.clone(), Sighting { at, moved, first });
            if now - moved <= gone {
                here.push(beat);
            }
        }
        self.seen = seen;
        here.sort_by(|a, b| (a.joined, &a.session).cmp(&(b.joined, &b.session)));
        here
    }

    /// Sessions whose heartbeat we have watched not move for [`STALE_AFTER`] by our clock (not
    /// by its stamp: a laptop whose clock is behind is not stale): killed cockpits, whose
    /// heartbeats are removed so they do not pile up.
    pub fn stale(&self, now: DateTime<Utc>) -> Vec<String> {
        let stale = chrono::TimeDelta::from_std(STALE_AFTER).unwrap_or_default();
        self.seen
            .iter()
            .filter(|(_, s)| now - s.moved > stale && now - s.first > stale)
            .map(|(session, _)| session.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(actor: &str, session: &str, at: DateTime<Utc>) -> Beat {
        Beat {
            actor: actor.into(),
            session: session.into(),
            host: "jump".into(),
            joined: at,
            at,
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap_or_default()
    }

    #[test]
    fn a_teammate_is_here_while_their_heartbeat_moves_and_gone_thirty_seconds_after_it_stops() {
        let t0 = now();
        let s = |n: i64| t0 + chrono::TimeDelta::seconds(n);
        let mut watch = Watch::default();
        let here = watch.present(vec![beat("dave", "d1", s(0)), beat("me", "m1", s(0))], "m1", s(1));
        assert_eq!(here.iter().map(|b| b.actor.as_str()).collect::<Vec<_>>(), ["dave"]);
        // The heartbeat stops moving: still here at 30 s, gone after.
        assert_eq!(watch.present(vec![beat("dave", "d1", s(0))], "m1", s(30)).len(), 1);
        assert!(watch.present(vec![beat("dave", "d1", s(0))], "m1", s(32)).is_empty());
        // It moves again (a laptop woke up): here again, whatever its clock says.
        let skewed = s(-3600);
        assert_eq!(watch.present(vec![beat("dave", "d1", skewed)], "m1", s(40)).len(), 1);
        assert!(watch.stale(s(41)).is_empty(), "an hour behind by its clock is not stale");
        // Not moved for ten minutes that we watched: a killed cockpit, removed by whoever sees it.
        watch.present(vec![beat("dave", "d1", skewed)], "m1", s(700));
        assert_eq!(watch.stale(s(700)), ["d1"]);
    }

    #[test]
    fn a_stale_heartbeat_seen_first_is_not_someone_here_and_junk_is_not_a_heartbeat() {
        let now = now();
        let old = now - chrono::TimeDelta::minutes(5);
        let mut watch = Watch::default();
        assert!(watch.present(vec![beat("erin", "e1", old)], "m1", now).is_empty());
        assert_eq!(Beat::parse(b"not json"), None);
        assert_eq!(Beat::parse(&beat("sitrep", "x", now).to_bytes()), None);
        assert_eq!(Beat::parse(&beat("erin", "", now).to_bytes()), None);
        let ok = beat("erin", "e1", now);
        assert_eq!(Beat::parse(&ok.to_bytes()), Some(ok));
    }

    #[test]
    fn heartbeats_beside_a_local_timeline_are_written_read_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let timeline = dir.path().join("incident.jsonl");
        let b = beat("dave", "d1", now());
        beat_local(&timeline, &b).unwrap();
        std::fs::write(folder(&timeline).join("junk.json"), b"{").unwrap();
        assert_eq!(read_local(&timeline), vec![b]);
        std::fs::remove_file(folder(&timeline).join("junk.json")).unwrap();
        leave_local(&timeline, "d1");
        assert!(read_local(&timeline).is_empty());
        assert!(!folder(&timeline).exists(), "no folder left behind");
    }
}
