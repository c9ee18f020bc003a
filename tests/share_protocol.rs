//! The shared-timeline protocol under faults: several writers in one process, each with its own
//! replica folder, share one incident through an in-memory store (`object_store`'s `InMemory`)
//! wrapped to inject what real stores do: answers lost after the write succeeded, 412s, 409s for a
//! write in flight, errors before the write, delays. Whatever the interleaving, the store ends with
//! no gap and no seq twice, every event exactly once, every replica byte-identical to the store's
//! chain, and `verify` passing on each. An object edited behind the writers' backs is refused,
//! never chained over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use proptest::prelude::*;
use sitrep::share::queue::{Pending, Queue};
use sitrep::share::store::{Blobs, ObjectBlobs, Put, Store, StoreError, StoreResult};
use sitrep::share::sync::{self, Fault};
use sitrep::share::{self as shared, layout};
use sitrep::timeline::{Event, TimelineWriter};

/// What the store does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trouble {
    /// Answers as asked.
    None,
    /// Fails before doing anything (a timeout on the way there).
    Before,
    /// Does it, then the answer is lost (a timeout on the way back).
    LostAnswer,
    /// A create answers 409 (a concurrent write in flight) without writing.
    InFlight,
    /// Waits a while first.
    Slow,
}

fn trouble() -> impl Strategy<Value = Trouble> {
    prop_oneof![
        6 => Just(Trouble::None),
        1 => Just(Trouble::Before),
        1 => Just(Trouble::LostAnswer),
        1 => Just(Trouble::InFlight),
        2 => Just(Trouble::Slow),
    ]
}

/// An in-memory store that takes its troubles from a list, one per request, then behaves.
struct Faulty {
    inner: ObjectBlobs,
    plan: Mutex<VecDeque<Trouble>>,
}

impl Faulty {
    fn next(&self) -> Trouble {
        self.plan
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Trouble::None)
    }
}

fn lost(key: &str) -> StoreError {
    StoreError(format!("{key}: the answer was lost"))
}

impl Blobs for Faulty {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<Bytes>>> {
        Box::pin(async move {
            match self.next() {
                Trouble::Before | Trouble::LostAnswer => Err(lost(key)),
                Trouble::Slow => {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    self.inner.get(key).await
                }
                Trouble::None | Trouble::InFlight => self.inner.get(key).await,
            }
        })
    }

    fn create<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<Put>> {
        Box::pin(async move {
            match self.next() {
                Trouble::None => self.inner.create(key, body).await,
                Trouble::Before => Err(lost(key)),
                Trouble::LostAnswer => {
                    self.inner.create(key, body).await?;
                    Err(lost(key))
                }
                Trouble::InFlight => Ok(Put::Taken),
                Trouble::Slow => {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    self.inner.create(key, body).await
                }
            }
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(async move {
            if self.next() == Trouble::Before {
                return Err(lost(prefix));
            }
            self.inner.list(prefix, after).await
        })
    }

    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        self.inner.folders(prefix)
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<()>> {
        self.inner.delete(key)
    }
}

fn memory() -> ObjectBlobs {
    ObjectBlobs::new(Arc::new(object_store::memory::InMemory::new()))
}

const URL: &str = "memory://team";

/// Writer 0 starts the incident and shares it; the others fetch it. Returns each writer's replica.
async fn team(store: &Store, dirs: &[PathBuf]) -> (String, Vec<PathBuf>) {
    let first = dirs[0].join("2026-11-28T140000-payments.jsonl");
    TimelineWriter::create(
        &first,
        "w0",
        Event::IncidentOpened {
            title: "Payments".into(),
            severity: None,
        },
    )
    .unwrap();
    let id = loop {
        match shared::publish_local(store, &first).await {
            Ok(id) => break id,
            Err(Fault::Store(_)) => continue,
            Err(e) => panic!("sharing: {e}"),
        }
    };
    let mut replicas = vec![first];
    for dir in &dirs[1..] {
        let path = loop {
            match shared::fetch(store, dir, &id).await {
                Ok(p) => break p,
                Err(Fault::Store(_)) => continue,
                Err(e) => panic!("fetching: {e}"),
            }
        };
        replicas.push(path);
    }
    (id, replicas)
}

/// Runs rounds for one writer until its queue is empty, tolerating the store's troubles.
async fn drain(store: &Store, path: &Path, rounds: usize) -> usize {
    let (mut replica, _) = shared::open_replica(path).unwrap();
    let mut waiting = usize::MAX;
    for _ in 0..rounds {
        match sync::round(store, &mut replica, false).await {
            Ok(r) => {
                waiting = r.waiting;
                if waiting == 0 {
                    break;
                }
            }
            Err(Fault::Store(_)) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
        tokio::task::yield_now().await;
    }
    waiting
}

fn store_chain(blobs: &ObjectBlobs, id: &str) -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::over(Arc::new(blobs.clone()), "", URL);
        let keys = store.list(&layout::events_folder(id), None).await.unwrap();
        let mut chain = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(layout::seq_of(key), Some(i as u64 + 1), "no gap: {keys:?}");
            chain.extend_from_slice(&store.get(key).await.unwrap().unwrap());
        }
        chain
    })
}

fn check_outcome(
    blobs: &ObjectBlobs,
    id: &str,
    replicas: &[PathBuf],
    sent: &HashMap<String, usize>,
) {
    let chain = store_chain(blobs, id);
    let report = sitrep::timeline::reader::parse(&chain, 1, 0, "", 0);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &report.records {
        if let Some(id) = &r.id {
            *seen.entry(id.clone()).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), sent.len(), "every event is in the store");
    assert!(seen.values().all(|&n| n == 1), "no event twice: {seen:?}");
    for id in sent.keys() {
        assert!(seen.contains_key(id), "event {id} is missing");
    }
    for path in replicas {
        assert_eq!(
            std::fs::read(path).unwrap(),
            chain,
            "{} is byte-identical to the store",
            path.display()
        );
        let v = sitrep::timeline::verify(path).unwrap();
        assert!(
            v.problems.is_empty(),
            "{}: {:?}",
            path.display(),
            v.problems
        );
    }
}

fn run_case(per_writer: usize, writers: usize, plan: Vec<Trouble>) {
    let dirs: Vec<tempfile::TempDir> = (0..writers).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let blobs = memory();
    let faulty = Arc::new(Faulty {
        inner: blobs.clone(),
        plan: Mutex::new(VecDeque::new()),
    });
    let store = Store::over(faulty.clone(), "", URL);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let (id, replicas) = rt.block_on(team(&store, &paths));
    let mut sent = HashMap::new();
    // The first event has no id (it was a local incident's line); the rest are queued now.
    for (w, path) in replicas.iter().enumerate() {
        for n in 0..per_writer {
            let p = Pending::new(
                chrono::Utc::now(),
                &format!("w{w}"),
                Event::Note {
                    text: format!("w{w} n{n}"),
                },
            );
            Queue::beside(path).push(&p).unwrap();
            sent.insert(p.id, w);
        }
    }
    *faulty.plan.lock().unwrap() = plan.into();
    rt.block_on(async {
        let all = replicas.iter().map(|p| drain(&store, p, 400));
        let left = futures_util::future::join_all(all).await;
        assert!(
            left.iter().all(|&n| n == 0),
            "every queue emptied: {left:?}"
        );
        // A last round each, the store quiet now, so every replica has the others' events.
        faulty.plan.lock().unwrap().clear();
        for p in &replicas {
            let (mut replica, _) = shared::open_replica(p).unwrap();
            sync::round(&store, &mut replica, true).await.unwrap();
        }
    });
    check_outcome(&blobs, &id, &replicas, &sent);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn writers_under_store_faults_agree_on_one_chain(
        per_writer in 1usize..6,
        writers in 2usize..4,
        plan in proptest::collection::vec(trouble(), 0..120),
    ) {
        run_case(per_writer, writers, plan);
    }
}

#[test]
fn three_writers_at_once_without_faults_share_every_event_once() {
    run_case(20, 3, Vec::new());
}

/// Two writers' folders over one in-memory store without faults.
struct Two {
    _dirs: Vec<tempfile::TempDir>,
    paths: Vec<PathBuf>,
    blobs: ObjectBlobs,
    store: Store,
    rt: tokio::runtime::Runtime,
}

impl Two {
    fn new() -> Two {
        let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
        let paths = dirs.iter().map(|d| d.path().to_path_buf()).collect();
        let blobs = memory();
        let store = Store::over(Arc::new(blobs.clone()), "", URL);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        Two {
            _dirs: dirs,
            paths,
            blobs,
            store,
            rt,
        }
    }
}

#[test]
fn an_object_edited_in_the_store_is_refused_and_never_chained_over() {
    let two = Two::new();
    let (blobs, store) = (&two.blobs, &two.store);
    two.rt.block_on(async {
        let (id, replicas) = team(store, &two.paths).await;
        // Writer 0 shares a note; then someone rewrites it in the store.
        queue_note(&replicas[0], "w0", "rolled back");
        assert_eq!(drain(store, &replicas[0], 5).await, 0);
        let key = layout::event_key(&id, 2);
        let held = blobs.get(&key).await.unwrap().unwrap();
        let edited = String::from_utf8(held.to_vec())
            .unwrap()
            .replace("rolled back", "rolled forward");
        blobs.delete(&key).await.unwrap();
        blobs.create(&key, Bytes::from(edited)).await.unwrap();
        // Writer 1 has not seen #2: it refuses the edited object, and shares nothing after it.
        queue_note(&replicas[1], "w1", "mine");
        let (mut replica, _) = shared::open_replica(&replicas[1]).unwrap();
        let err = sync::round(store, &mut replica, false).await.unwrap_err();
        assert!(
            matches!(&err, Fault::Damage(why) if why.contains("#2")),
            "{err}"
        );
        assert_eq!(
            replica.last_seq(),
            1,
            "nothing chained over the edited object"
        );
        assert_eq!(
            blobs
                .list(&layout::events_folder(&id), None)
                .await
                .unwrap()
                .len(),
            2
        );
        // Writer 0, which had #2, says the store's copy is not the one it has.
        let (mut first, _) = shared::open_replica(&replicas[0]).unwrap();
        let compare = shared::compare(store, &id, &std::fs::read(&replicas[0]).unwrap())
            .await
            .unwrap();
        assert!(
            compare.problems.iter().any(|p| p.contains("event #2")),
            "{compare:?}"
        );
        // Its own round, checking its head in the store, refuses to go on too.
        let err = sync::round(store, &mut first, true).await.unwrap_err();
        assert!(
            matches!(&err, Fault::Damage(why) if why.contains("#2 is not the one")),
            "{err}"
        );
    });
}

#[test]
fn a_removed_object_is_said_when_catching_up() {
    let two = Two::new();
    let (blobs, store) = (&two.blobs, &two.store);
    two.rt.block_on(async {
        let (id, replicas) = team(store, &two.paths).await;
        for n in 0..3 {
            queue_note(&replicas[0], "w0", format!("n{n}"));
        }
        assert_eq!(drain(store, &replicas[0], 5).await, 0);
        blobs.delete(&layout::event_key(&id, 3)).await.unwrap();
        let (mut replica, _) = shared::open_replica(&replicas[1]).unwrap();
        let err = sync::round(store, &mut replica, true).await.unwrap_err();
        assert!(
            matches!(&err, Fault::Damage(why) if why.contains("#3 is missing")),
            "{err}"
        );
        assert_eq!(replica.last_seq(), 1);
    });
}

/// A store that ignores `If-None-Match` (some S3-compatible ones do): every create overwrites.
struct Lax(ObjectBlobs);

impl Blobs for Lax {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<Bytes>>> {
        self.0.get(key)
    }
    fn create<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<Put>> {
        Box::pin(async move {
            self.0.delete(key).await?;
            self.0.create(key, body).await
        })
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        self.0.list(prefix, after)
    }
    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        self.0.folders(prefix)
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<()>> {
        self.0.delete(key)
    }
}

#[test]
fn a_store_that_accepts_a_second_create_is_refused_by_name() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let lax = Store::over(Arc::new(Lax(memory())), "team", "s3://lax-bucket/team");
    let err = rt.block_on(lax.check_create_only()).unwrap_err();
    assert!(
        err.0
            .contains("s3://lax-bucket/team accepted a second create"),
        "{err}"
    );
    let strict = Store::over(Arc::new(memory()), "team", URL);
    rt.block_on(strict.check_create_only()).unwrap();
}

#[test]
fn a_writer_open_before_the_incident_was_shared_sends_its_next_event_to_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2026-11-28T140000-payments.jsonl");
    let (mut writer, _) = TimelineWriter::create(
        &path,
        "alice",
        Event::IncidentOpened {
            title: "Payments".into(),
            severity: None,
        },
    )
    .unwrap();
    assert!(!writer.is_replica());
    let store = Store::over(Arc::new(memory()), "", URL);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(shared::publish_local(&store, &path)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let appended = writer
        .append(
            "alice",
            Event::Note {
                text: "after sharing".into(),
            },
        )
        .unwrap();
    assert_eq!(appended.record.seq, 0, "provisional: the store numbers it");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the copy holds only what the store took"
    );
    let (queued, _) = Queue::beside(&path).read().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(rt.block_on(drain(&store, &path, 3)), 0);
    assert_eq!(note_count(&path), 1);
}

fn note_count(path: &Path) -> usize {
    sitrep::timeline::read(path)
        .unwrap()
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::Note { .. }))
        .count()
}

/// An incident started by `actor` on one laptop. Two started by one person with one title in the
/// same millisecond have one first line, and a store cannot tell them apart: the tests give each
/// laptop its own responder, as in life.
fn local_incident(dir: &Path, actor: &str, notes: &[&str]) -> PathBuf {
    let path = dir.join("2026-11-28T140000-payments.jsonl");
    let (mut writer, _) = TimelineWriter::create(
        &path,
        actor,
        Event::IncidentOpened {
            title: "Payments".into(),
            severity: None,
        },
    )
    .unwrap();
    for n in notes {
        writer
            .append(actor, Event::Note { text: (*n).into() })
            .unwrap();
    }
    path
}

#[test]
fn two_incidents_with_one_title_get_two_ids_and_a_diverged_copy_is_refused_by_name() {
    let two = Two::new();
    let a = local_incident(&two.paths[0], "alice", &["a1", "a2"]);
    let b = local_incident(&two.paths[1], "bob", &["b1"]);
    let ida = two
        .rt
        .block_on(shared::publish_local(&two.store, &a))
        .unwrap();
    let idb = two
        .rt
        .block_on(shared::publish_local(&two.store, &b))
        .unwrap();
    assert_eq!(idb, format!("{ida}-2"), "the second takes the next id");
    // A copy of the first incident's file that was written to after the copy was made.
    let third = tempfile::tempdir().unwrap();
    let copy = third.path().join("2026-11-28T140000-payments.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&a)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    std::fs::write(&copy, format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    let (mut writer, _) = TimelineWriter::open(&copy).unwrap();
    writer
        .append(
            "carol",
            Event::Note {
                text: "carol's".into(),
            },
        )
        .unwrap();
    drop(writer);
    let err = two
        .rt
        .block_on(shared::publish_local(&two.store, &copy))
        .unwrap_err();
    assert!(
        matches!(&err, Fault::Local(why) if why.contains(&format!("differs from the shared incident {ida} at event #3"))),
        "{err}"
    );
}

#[test]
fn an_incident_removed_from_the_store_is_not_recreated_by_the_next_event() {
    let two = Two::new();
    let (blobs, store) = (&two.blobs, &two.store);
    two.rt.block_on(async {
        let (id, replicas) = team(store, &two.paths).await;
        for key in blobs.list(&format!("{id}/"), None).await.unwrap() {
            blobs.delete(&key).await.unwrap();
        }
        queue_note(&replicas[1], "w1", "late");
        let (mut replica, _) = shared::open_replica(&replicas[1]).unwrap();
        let err = sync::round(store, &mut replica, false).await.unwrap_err();
        assert!(
            matches!(&err, Fault::Damage(why) if why.contains("missing from the store")),
            "{err}"
        );
        assert!(
            blobs
                .list(&format!("{id}/"), None)
                .await
                .unwrap()
                .is_empty(),
            "nothing written"
        );
    });
}

/// Queues a note in a writer's outbox, as its cockpit or `sitrep note` would.
fn queue_note(replica: &Path, who: &str, text: impl Into<String>) {
    let note = Event::Note { text: text.into() };
    Queue::beside(replica)
        .push(&Pending::new(chrono::Utc::now(), who, note))
        .unwrap();
}
