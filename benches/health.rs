//! Health probing cost and accuracy.
//!
//! 1. 500 endpoints probed every second on loopback for 20 s: CPU time of this process (the prober and a
//!    consumer feeding `EndpointHealth`), read from /proc/self/stat. Target: under 10% of one core.
//! 2. Latency measured against a server that sleeps a known time. Target: within 5 ms of it.
//!
//! The HTTP server runs in a child process (this binary with `--server`) so its CPU is not counted.
//! Run: `cargo bench --bench health` (set `HEALTH_BENCH_SECS` to change the 20 s).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sitrep::health::{EndpointHealth, EndpointSpec, Outcome, Prober, spawn_prober};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const ENDPOINTS: usize = 500;
const SLEEP_MS: u64 = 50;

fn main() {
    if std::env::args().any(|a| a == "--server") {
        serve();
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--server")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let secs: u64 = std::env::var("HEALTH_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        cpu_of_500_endpoints(port, secs).await;
        latency_accuracy(port).await;
    });
    let _ = child.kill();
    let _ = child.wait();
}

async fn cpu_of_500_endpoints(port: u16, secs: u64) {
    let prober = Prober::new();
    let (tx, mut rx) = mpsc::channel(1024);
    let handles: Vec<_> = (0..ENDPOINTS)
        .map(|i| {
            let spec = EndpointSpec {
                interval: Duration::from_secs(1),
                ..EndpointSpec::new(
                    format!("ep{i}"),
                    format!("http://127.0.0.1:{port}/health/{i}"),
                )
            };
            spawn_prober(i, spec, prober.clone(), tx.clone())
        })
        .collect();
    drop(tx);
    let results = Arc::new(AtomicU64::new(0));
    let oks = Arc::new(AtomicU64::new(0));
    let (r2, o2) = (results.clone(), oks.clone());
    // Consumes like the app does: drains in batches and feeds each endpoint's tracker.
    let consumer = tokio::spawn(async move {
        let mut health: Vec<EndpointHealth> =
            (0..ENDPOINTS).map(|_| EndpointHealth::new(2)).collect();
        let mut buf = Vec::with_capacity(256);
        while rx.recv_many(&mut buf, 256).await > 0 {
            for r in buf.drain(..) {
                health[r.endpoint].record(&r);
                r2.fetch_add(1, Ordering::Relaxed);
                o2.fetch_add(u64::from(r.outcome == Outcome::Ok), Ordering::Relaxed);
            }
        }
    });
    // Warm up: every endpoint has connected and the pool is steady.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    let (n0, ok0) = (results.load(Ordering::Relaxed), oks.load(Ordering::Relaxed));
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (cpu1, wall) = (cpu_seconds(), wall0.elapsed());
    let (n1, ok1) = (results.load(Ordering::Relaxed), oks.load(Ordering::Relaxed));
    drop(handles);
    consumer.await.unwrap();
    let cpu = cpu1 - cpu0;
    let share = cpu / wall.as_secs_f64() * 100.0;
    println!(
        "health/500-endpoints-1s: {ENDPOINTS} endpoints, {:.1} s wall, {cpu:.2} s CPU = {share:.1}% of one core \
         (target < 10%); {:.0} probes/s, {}/{} ok",
        wall.as_secs_f64(),
        (n1 - n0) as f64 / wall.as_secs_f64(),
        ok1 - ok0,
        n1 - n0,
    );
}

async fn latency_accuracy(port: u16) {
    let prober = Prober::new();
    let spec = EndpointSpec::new("sleepy", format!("http://127.0.0.1:{port}/sleep"));
    let _ = prober.probe(0, &spec).await; // open the connection
    let mut errors: Vec<f64> = Vec::new();
    for _ in 0..40 {
        let r = prober.probe(0, &spec).await;
        assert_eq!(r.outcome, Outcome::Ok);
        errors.push(r.latency.as_secs_f64() * 1000.0 - SLEEP_MS as f64);
    }
    errors.sort_by(f64::total_cmp);
    let max_abs = errors.iter().fold(0.0f64, |m, e| m.max(e.abs()));
    println!(
        "health/latency-accuracy: server sleeps {SLEEP_MS} ms; measured minus sleep over {} probes: \
         min {:+.2} ms, median {:+.2} ms, max {:+.2} ms; worst |error| {max_abs:.2} ms (target <= 5 ms)",
        errors.len(),
        errors[0],
        errors[errors.len() / 2],
        errors[errors.len() - 1],
    );
}

/// User + system CPU time of this process, from /proc/self/stat (fields 14 and 15, in clock ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on every Linux this runs on; reading sysconf would need unsafe or libc.
    ticks as f64 / 100.0
}

fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|req: Request<hyper::body::Incoming>| async move {
                    if req.uri().path() == "/sleep" {
                        tokio::time::sleep(Duration::from_millis(SLEEP_MS)).await;
                    }
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(
                        b"{\"status\":\"ok\"}",
                    ))))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}
