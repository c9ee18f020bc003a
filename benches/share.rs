//! Shared incidents, measured: how soon a teammate's event is on every laptop, what the polling
//! costs in store requests, and how long a fresh laptop takes to join a long incident.
//!
//! Run: `cargo bench --bench share`. Each responder runs as a cockpit's share thread does (its own
//! thread and runtime, a round of `share::sync` every poll, at once when its outbox gets an event)
//! with its own replica folder, and adds `SHARE_BENCH_RATE` (5) events a second to its outbox for
//! `SHARE_BENCH_SECS` (60) seconds. Measured, for 3 and 10 responders, against a folder and against
//! a local S3 server (`moto_server`, when installed; said when not):
//! 1. spread: from an event going into its writer's outbox until each other replica has it
//!    (p50, p99, max), at the default 1 s poll;
//! 2. store requests per minute per responder (every read, create and list, counted at the store);
//! 3. join: a fresh laptop fetching an incident of `SHARE_BENCH_JOIN` (10,000) events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/share_support/mod.rs"]
mod share_support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use sitrep::share::queue::{Pending, Queue};
use sitrep::share::store::{Blobs, Put, Reach, ShareUrl, Store, StoreResult};
use sitrep::share::{self as shared, sync};
use sitrep::timeline::{Event, TimelineWriter};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Counts every request that reaches the store.
struct Counted {
    inner: Arc<dyn Blobs>,
    requests: AtomicU64,
}

impl Counted {
    fn tick(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
}

impl Blobs for Counted {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<Bytes>>> {
        self.tick();
        self.inner.get(key)
    }
    fn create<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<Put>> {
        self.tick();
        self.inner.create(key, body)
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        self.tick();
        self.inner.list(prefix, after)
    }
    fn folders<'a>(&'a self, prefix: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        self.tick();
        self.inner.folders(prefix)
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<()>> {
        self.tick();
        self.inner.delete(key)
    }
}

/// The store under test: its blobs (real `object_store` clients) and its URL's prefix.
struct Backend {
    name: &'static str,
    blobs: Arc<dyn Blobs>,
    prefix: String,
    url: String,
}

fn backend(name: &'static str, url: &str, reach: &Reach) -> Backend {
    let parsed: ShareUrl = url.parse().unwrap();
    let store = Store::open(&parsed, reach).unwrap();
    // Store::open wraps the object_store client; take it apart again through `over` with the
    // same client so requests can be counted.
    Backend {
        name,
        blobs: Arc::new(StoreBlobs(store)),
        prefix: String::new(),
        url: url.to_string(),
    }
}

/// A `Store` seen as blobs (its own prefix applied inside).
struct StoreBlobs(Store);

impl Blobs for StoreBlobs {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, StoreResult<Option<Bytes>>> {
        Box::pin(self.0.get(key))
    }
    fn create<'a>(&'a self, key: &'a str, body: Bytes) -> BoxFuture<'a, StoreResult<Put>> {
        Box::pin(self.0.create(key, body))
    }
    fn list<'a>(
        &'a self,
        prefix: &'a str,
        after: Option<&'a str>,
    ) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(self.0.list(prefix, after))
    }
    fn folders<'a>(&'a self, _prefix: &'a str) -> BoxFuture<'a, StoreResult<Vec<String>>> {
        Box::pin(self.0.folders())
    }
    fn delete<'a>(&'a self, _key: &'a str) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async { Ok(()) })
    }
}

fn counted(b: &Backend) -> (Store, Arc<Counted>) {
    let counter = Arc::new(Counted {
        inner: b.blobs.clone(),
        requests: AtomicU64::new(0),
    });
    (Store::over(counter.clone(), &b.prefix, &b.url), counter)
}

/// Starts an incident on laptop 0 and shares it; the others fetch it.
fn start_incident(store: &Store, dirs: &[PathBuf], title: &str) -> Vec<PathBuf> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let first = dirs[0].join(sitrep::timeline::new_file_name(title, chrono::Utc::now()));
    TimelineWriter::create(
        &first,
        "r0",
        Event::IncidentOpened {
            title: title.into(),
            severity: None,
        },
    )
    .unwrap();
    let id = rt.block_on(shared::publish_local(store, &first)).unwrap();
    let mut replicas = vec![first];
    for dir in &dirs[1..] {
        replicas.push(rt.block_on(shared::fetch(store, dir, &id)).unwrap());
    }
    replicas
}

/// What one responder saw: when each event id reached its replica.
type Arrivals = HashMap<String, Instant>;

fn responder(
    store: Store,
    path: PathBuf,
    who: usize,
    rate: u64,
    until: Instant,
    sent: Arc<Mutex<HashMap<String, (usize, Instant)>>>,
) -> Arrivals {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let poll = sitrep::config::SHARE_POLL;
    let (mut replica, _) = shared::open_replica(&path).unwrap();
    // The responder's actions go into the outbox from a thread of their own, as the cockpit's
    // writer thread does, nudging the share thread.
    let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
    let outbox = Queue::beside(&path);
    let writer = std::thread::spawn(move || {
        if rate == 0 {
            return;
        }
        let every = Duration::from_millis(1000 / rate);
        let mut next = Instant::now() + every.mul_f64((who as f64 * 0.37) % 1.0);
        let mut n = 0u64;
        while next < until {
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
            let text = format!("r{who} n{n}");
            let p = Pending::new(chrono::Utc::now(), &format!("r{who}"), Event::Note { text });
            sent.lock()
                .unwrap()
                .insert(p.id.clone(), (who, Instant::now()));
            outbox.push(&p).unwrap();
            let _ = nudge.try_send(());
            n += 1;
            next += every;
        }
    });
    let mut arrivals = Arrivals::new();
    let mut seen = replica.last_seq();
    let mut rounds = 0u64;
    // Past the end, rounds go on until the others' last events arrive.
    let quiet_until = until + Duration::from_secs(10);
    while Instant::now() < quiet_until {
        rounds += 1;
        let _ = rt.block_on(sync::round(&store, &mut replica, rounds.is_multiple_of(60)));
        let arrived = Instant::now();
        if replica.last_seq() > seen {
            let records = sitrep::timeline::read(&path).unwrap().records;
            for r in &records[seen as usize..] {
                if let Some(id) = &r.id {
                    arrivals.entry(id.clone()).or_insert(arrived);
                }
            }
            seen = replica.last_seq();
        }
        if let Err(std::sync::mpsc::RecvTimeoutError::Disconnected) = nudged.recv_timeout(poll) {
            // The responder has stopped acting: the share thread only polls now.
            std::thread::sleep(poll);
        }
    }
    writer.join().unwrap();
    arrivals
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn spread(b: &Backend, (responders, acting): (usize, usize), secs: u64, rate: u64) {
    let (store, counter) = counted(b);
    let dirs: Vec<tempfile::TempDir> = (0..responders)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let paths: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let replicas = start_incident(&store, &paths, &format!("bench {responders} {}", b.name));
    counter.requests.store(0, Ordering::Relaxed);
    let sent = Arc::new(Mutex::new(HashMap::new()));
    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let handles: Vec<_> = replicas
        .iter()
        .enumerate()
        .map(|(who, path)| {
            let (store, path, sent) = (store.clone(), path.clone(), sent.clone());
            let rate = if who < acting { rate } else { 0 };
            std::thread::spawn(move || responder(store, path, who, rate, until, sent))
        })
        .collect();
    let arrivals: Vec<Arrivals> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let elapsed = started.elapsed();
    let requests = counter.requests.load(Ordering::Relaxed);
    let sent = sent.lock().unwrap();
    let mut delays = Vec::new();
    let mut missing = 0;
    for (id, (writer, at)) in sent.iter() {
        for (who, seen) in arrivals.iter().enumerate() {
            if who == *writer {
                continue;
            }
            match seen.get(id) {
                Some(t) => delays.push(t.saturating_duration_since(*at)),
                None => missing += 1,
            }
        }
    }
    delays.sort();
    let minutes = elapsed.as_secs_f64() / 60.0;
    let acting = if acting == responders {
        String::new()
    } else {
        format!(" ({acting} acting, the rest only polling)")
    };
    println!(
        "{:6} {responders:2} responders{acting} × {rate}/s for {secs}s: {} events, spread to every other replica p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms{}; {:.0} store requests/min per responder",
        b.name,
        sent.len(),
        percentile(&delays, 0.5).as_secs_f64() * 1000.0,
        percentile(&delays, 0.99).as_secs_f64() * 1000.0,
        delays.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        if missing > 0 {
            format!(" ({missing} arrivals MISSING)")
        } else {
            String::new()
        },
        requests as f64 / minutes / responders as f64
    );
    // No fork: every replica is a prefix of the longest (one that is behind has not caught up
    // within the quiet time, which the MISSING count above says).
    let copies: Vec<Vec<u8>> = replicas.iter().map(|r| std::fs::read(r).unwrap()).collect();
    let longest = copies.iter().max_by_key(|c| c.len()).unwrap();
    for (r, copy) in replicas.iter().zip(&copies) {
        assert!(
            longest.starts_with(copy),
            "{} forked from the others",
            r.display()
        );
    }
}

fn join(b: &Backend, events: u64) {
    let (store, counter) = counted(b);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join(sitrep::timeline::new_file_name(
        &format!("join bench {}", b.name),
        chrono::Utc::now(),
    ));
    let (mut writer, _) = TimelineWriter::create(
        &local,
        "r0",
        Event::IncidentOpened {
            title: format!("join bench {}", b.name),
            severity: None,
        },
    )
    .unwrap();
    for n in 1..events {
        writer
            .append(
                "r0",
                Event::Note {
                    text: format!("event {n}: the provider answered 502 for /v1/charges"),
                },
            )
            .unwrap();
    }
    drop(writer);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let shared_at = Instant::now();
    let id = rt.block_on(shared::publish_local(&store, &local)).unwrap();
    let publish = shared_at.elapsed();
    let fresh = tempfile::tempdir().unwrap();
    counter.requests.store(0, Ordering::Relaxed);
    let t = Instant::now();
    let path = rt
        .block_on(shared::fetch(&store, fresh.path(), &id))
        .unwrap();
    let took = t.elapsed();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&local).unwrap()
    );
    println!(
        "{:6} join: a fresh laptop fetched {events} events in {:.2} s ({} requests; sharing them from one laptop took {:.1} s)",
        b.name,
        took.as_secs_f64(),
        counter.requests.load(Ordering::Relaxed),
        publish.as_secs_f64()
    );
}

fn main() {
    // object_store reads S3 credentials from the environment: the bench runs itself again with
    // the local server's (it accepts any) rather than changing its own environment.
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(std::env::args_os().skip(1))
            .envs(share_support::S3_ENV.iter().copied())
            .status()
            .unwrap();
        std::process::exit(status.code().unwrap_or(1));
    }
    let secs = env_number("SHARE_BENCH_SECS", 60);
    let rate = env_number("SHARE_BENCH_RATE", 5);
    let join_events = env_number("SHARE_BENCH_JOIN", 10_000);
    let folder = tempfile::tempdir().unwrap();
    let mut backends = vec![backend(
        "folder",
        &format!("file://{}", folder.path().display()),
        &Reach::default(),
    )];
    let moto = if std::process::Command::new("moto_server")
        .arg("--help")
        .output()
        .is_ok()
    {
        share_support::Moto::start()
    } else {
        println!(
            "s3: moto_server is not installed (pip install 'moto[server]'): the S3 part did not run"
        );
        None
    };
    if let Some(moto) = &moto {
        moto.bucket("bench");
        backends.push(backend(
            "s3",
            "s3://bench/incidents",
            &Reach {
                endpoint: Some(moto.endpoint()),
                region: Some("us-east-1".into()),
                profile: None,
            },
        ));
    }
    println!(
        "sitrep share bench: poll {:?}, {} cores",
        sitrep::config::SHARE_POLL,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for b in &backends {
        for responders in [3, 10] {
            spread(b, (responders, responders), secs, rate);
        }
        // One responder acting while the others only follow: their poll sets the spread.
        spread(b, (3, 1), secs, rate);
        // Between actions a cockpit only polls: what that costs.
        spread(b, (3, 0), secs.min(30), 0);
        join(b, join_events);
    }
}
