//! Fleet sources, measured: how fast a backfill reads the hour before, and what ingesting three busy
//! sources costs the real cockpit.
//!
//! Run: `cargo bench --bench sources`. Measures, in one run:
//! 1. journal backfill: a folder of journal files holding `SOURCES_BENCH_ENTRIES` (1,000,000)
//!    entries of three hosts, made by systemd's `systemd-journal-remote` from export format, read
//!    by a journal source (one journalctl a machine) from the window's start to its end: lines/s;
//! 2. file backfill: the same number of lines in one file, for comparison;
//! 3. merged ingest: the real `sitrep open` in an 120x40 pseudo-terminal following three files,
//!    each appended 10,000 lines/s for `SOURCES_BENCH_SECS` (60) seconds: sitrep's CPU share of one
//!    core and its resident memory every 10 s (flat: the buffer is bounded).
//!
//! Without `systemd-journal-remote` (Debian: `apt-get install systemd-journal-remote`) part 1 says
//! so and the rest runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/pty/mod.rs"]
mod pty;

use std::fmt::Write as _;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, TimeDelta, Utc};
use sitrep::tail::{Backfill, SourceSpec, SourceStatus, TailEvent, TailOptions, spawn_source};

const REMOTE: &str = "/lib/systemd/systemd-journal-remote";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes `count` entries of `host`, spread over the last 50 minutes, into `file`.
fn make_journal(file: &Path, host: &str, machine: &str, count: u64) {
    let mut child = Command::new(REMOTE)
        .arg(format!("--output={}", file.display()))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("systemd-journal-remote");
    let mut stdin = std::io::BufWriter::with_capacity(1 << 20, child.stdin.take().unwrap());
    let start = Utc::now() - TimeDelta::minutes(50);
    let step = 50 * 60 * 1_000_000 / count.max(1) as i64;
    let mut entry = String::new();
    for n in 0..count {
        entry.clear();
        let at = start.timestamp_micros() + n as i64 * step;
        let status = [200, 200, 200, 502, 200, 429][n as usize % 6];
        write!(
            entry,
            "__REALTIME_TIMESTAMP={at}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n\
             _MACHINE_ID={machine}\n_HOSTNAME={host}\n_SYSTEMD_UNIT=payments.service\nSYSLOG_IDENTIFIER=payments\n\
             _PID=4242\nPRIORITY={}\nMESSAGE=charge {n} for order {} answered {status} in {} ms\n\n",
            n + 1,
            if status == 200 { 6 } else { 3 },
            n * 7 % 100_000,
            n % 997
        )
        .unwrap();
        stdin.write_all(entry.as_bytes()).unwrap();
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Follows `spec` with a backfill from 60 minutes ago until its done report: (lines, seconds).
fn backfill(spec: SourceSpec, max_lines: usize) -> (u64, f64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let opts = TailOptions {
            backfill: Some(Backfill {
                since: Utc::now() - TimeDelta::minutes(60),
                max_lines,
            }),
            ..TailOptions::default()
        };
        let started = Instant::now();
        let _handle = spawn_source(0, spec, tx, opts);
        let mut lines = 0u64;
        while let Some(event) = rx.recv().await {
            match event {
                TailEvent::Lines { lines: batch, .. } => lines += batch.len() as u64,
                TailEvent::Status {
                    status: SourceStatus::Backfill(report),
                    ..
                } if report.done => break,
                _ => {}
            }
        }
        (lines, started.elapsed().as_secs_f64())
    })
}

fn clock_ticks() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    out.ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User and system CPU seconds of process `pid`, and its resident memory in KiB.
fn usage(pid: u32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((ticks / clock_ticks(), rss))
}

fn ingest(seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("[incident]\ntitle = \"Bench\"\n");
    for name in ["api", "worker", "gateway"] {
        std::fs::write(dir.path().join(format!("{name}.log")), "").unwrap();
        writeln!(config, "[[log]]\nname = \"{name}\"\npath = \"{name}.log\"").unwrap();
    }
    std::fs::write(dir.path().join("sitrep.toml"), config).unwrap();
    let tty = pty::Tty::spawn(&["open"], dir.path(), 120, 40);
    tty.wait_for("the cockpit", Duration::from_secs(30), |s| {
        s.contains("Logs")
    });
    let pid = tty.pid().expect("sitrep's pid");
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = ["api", "worker", "gateway"]
        .into_iter()
        .map(|name| {
            let path = dir.path().join(format!("{name}.log"));
            let (stop, written) = (Arc::clone(&stop), Arc::clone(&written));
            std::thread::spawn(move || {
                let mut file = OpenOptions::new().append(true).open(path).unwrap();
                let started = Instant::now();
                let mut n = 0u64;
                let mut batch = String::new();
                // 100 lines every 10 ms: 10,000 a second, paced against the clock.
                while !stop.load(Ordering::Relaxed) {
                    batch.clear();
                    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
                    for _ in 0..100 {
                        let level = if n.is_multiple_of(50) { "ERROR" } else { "INFO" };
                        writeln!(
                            batch,
                            "{now} {level} {name} request_id={n:08x} path=/v1/pay status=200 took={}ms",
                            n % 997
                        )
                        .unwrap();
                        n += 1;
                    }
                    file.write_all(batch.as_bytes()).unwrap();
                    written.fetch_add(100, Ordering::Relaxed);
                    let due = Duration::from_millis(n / 10);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            })
        })
        .collect();
    let (cpu0, _) = usage(pid).unwrap();
    let started = Instant::now();
    println!("merged ingest: 3 files x 10,000 lines/s into `sitrep open` (120x40), {seconds} s");
    println!("   t    lines written   CPU (of one core)   RSS");
    let mut last_cpu = cpu0;
    let mut last_at = Instant::now();
    let mut rss_samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_secs(10).min(Duration::from_secs(seconds)));
        let Some((cpu, rss)) = usage(pid) else {
            println!("sitrep exited");
            break;
        };
        let share = (cpu - last_cpu) / last_at.elapsed().as_secs_f64();
        (last_cpu, last_at) = (cpu, Instant::now());
        rss_samples.push(rss);
        println!(
            "{:>4.0}s {:>14} {:>14.1}% {:>10} MiB",
            started.elapsed().as_secs_f64(),
            written.load(Ordering::Relaxed),
            share * 100.0,
            rss / 1024
        );
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let _ = w.join();
    }
    let wall = started.elapsed().as_secs_f64();
    let (cpu, _) = usage(pid).unwrap_or((last_cpu, 0));
    let lines = written.load(Ordering::Relaxed);
    println!(
        "whole run: {lines} lines in {wall:.0} s ({:.0}/s), sitrep CPU {:.1}% of one core; RSS first {} MiB, last {} MiB",
        lines as f64 / wall,
        (cpu - cpu0) / wall * 100.0,
        rss_samples.first().copied().unwrap_or(0) / 1024,
        rss_samples.last().copied().unwrap_or(0) / 1024
    );
    // Kept up: the newest line on screen is one of the last written.
    std::thread::sleep(Duration::from_secs(1));
    let screen = tty.screen();
    let shown = screen.lines().nth(1).unwrap_or("");
    println!("logs panel title at the end: {}", shown.trim_end());
    let newest = screen
        .lines()
        .filter_map(|l| l.split("request_id=").nth(1)?.get(..8))
        .filter_map(|id| u64::from_str_radix(id, 16).ok())
        .max();
    println!(
        "newest request on screen: {newest:?} of {} written by each file's writer",
        lines / 3
    );
    drop(tty);
}

fn main() {
    let entries = env_number("SOURCES_BENCH_ENTRIES", 1_000_000);
    let seconds = env_number("SOURCES_BENCH_SECS", 60);
    let journal_here = Path::new(REMOTE).exists()
        && Command::new("journalctl")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if journal_here {
        let dir = tempfile::tempdir().unwrap();
        let made = Instant::now();
        let hosts = [
            ("db1", "11111111111111111111111111111111"),
            ("db2", "22222222222222222222222222222222"),
            ("db3", "33333333333333333333333333333333"),
        ];
        for (host, machine) in hosts {
            let file = dir.path().join(format!("remote-{host}.journal"));
            make_journal(&file, host, machine, entries / 3);
        }
        println!(
            "journal folder: {} entries of 3 hosts made in {:.1} s",
            entries / 3 * 3,
            made.elapsed().as_secs_f64()
        );
        let spec = SourceSpec::parse(&format!(
            "journal:payments.service@{}",
            dir.path().display()
        ))
        .unwrap();
        let (lines, secs) = backfill(spec, 1_000_000);
        println!(
            "journal backfill: {lines} lines in {secs:.2} s = {:.0} lines/s",
            lines as f64 / secs
        );
    } else {
        println!("journal backfill: skipped, {REMOTE} or journalctl is missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.log");
    let mut text = String::new();
    let start = Utc::now() - TimeDelta::minutes(50);
    let step = 50 * 60 * 1000 / entries.max(1) as i64;
    for n in 0..entries {
        let at = start + TimeDelta::milliseconds(n as i64 * step);
        writeln!(
            text,
            "{} INFO payments charge {n} for order {} answered 200 in {} ms",
            at.to_rfc3339_opts(SecondsFormat::Millis, true),
            n * 7 % 100_000,
            n % 997
        )
        .unwrap();
    }
    std::fs::write(&path, text).unwrap();
    let (lines, secs) = backfill(SourceSpec::File(path), 1_000_000);
    println!(
        "file backfill: {lines} lines in {secs:.2} s = {:.0} lines/s",
        lines as f64 / secs
    );
    ingest(seconds);
}
