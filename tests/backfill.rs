//! The hour before: at open, a source reads its lines from before the incident (a window before
//! its start, at most a number of lines), from a file and the rotated file beside it, and from
//! real journal files through journalctl; its progress and what stopped it are reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use journal_support::{entry, tools_here, write_journal};
use sitrep::tail::{
    Backfill, BackfillReport, Bound, SourceSpec, SourceStatus, TailEvent, TailOptions, spawn_source,
};
use tokio::sync::mpsc;
use tokio::time::timeout;

mod journal_support;

const PATIENCE: Duration = Duration::from_secs(30);

/// A log of one line every `step` seconds from `from` to `to` minutes ago, numbered from `first`.
fn log_lines(from: i64, to: i64, step: i64, first: usize) -> (String, usize) {
    let now = Utc::now();
    let mut text = String::new();
    let mut n = first;
    let mut at = now - TimeDelta::minutes(from);
    while at < now - TimeDelta::minutes(to) {
        let stamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        writeln!(text, "{stamp} INFO request {n} done").unwrap();
        at += TimeDelta::seconds(step);
        n += 1;
    }
    (text, n)
}

fn options(since_minutes: i64, max_lines: usize) -> TailOptions {
    TailOptions {
        backfill: Some(Backfill {
            since: Utc::now() - TimeDelta::minutes(since_minutes),
            max_lines,
        }),
        poll_interval: Duration::from_millis(50),
        restart_min: Duration::from_millis(100),
        ..TailOptions::default()
    }
}

/// Follows `spec` until its backfill says it is done; the lines and every report.
async fn backfill(spec: SourceSpec, opts: TailOptions) -> (Vec<String>, Vec<BackfillReport>) {
    let (tx, mut rx) = mpsc::channel(64);
    let _handle = spawn_source(0, spec, tx, opts);
    let (mut lines, mut reports) = (Vec::new(), Vec::<BackfillReport>::new());
    let finished = timeout(PATIENCE, async {
        while !reports.last().is_some_and(|r| r.done) {
            match rx.recv().await {
                Some(TailEvent::Lines { lines: batch, .. }) => {
                    lines.extend(batch.into_iter().map(|l| l.text));
                }
                Some(TailEvent::Status {
                    status: SourceStatus::Backfill(report),
                    ..
                }) => reports.push(report),
                Some(_) => {}
                None => break,
            }
        }
    })
    .await;
    assert!(finished.is_ok(), "no done report: {reports:?}");
    (lines, reports)
}

fn numbers(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .filter_map(|l| l.split("request ").nth(1)?.split(' ').next()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_backfills_the_hour_before_from_itself_and_the_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.log");
    // 150 to 40 minutes ago in the rotated file, one line a second; the last 40 in the live one.
    let (old, next) = log_lines(150, 40, 1, 0);
    let (new, end) = log_lines(40, 0, 1, next);
    std::fs::write(dir.path().join("api.log.1"), old).unwrap();
    std::fs::write(&path, new).unwrap();
    let (lines, reports) = backfill(SourceSpec::File(path), options(60, 1_000_000)).await;
    let got = numbers(&lines);
    // The window: the last 60 minutes, in order, none twice, read from both files.
    let first = *got.first().unwrap();
    assert!(first < next, "the rotated file was read: {first} vs {next}");
    assert!((end - first).abs_diff(3600) <= 2, "{} lines", end - first);
    assert_eq!(got, (first..end).collect::<Vec<_>>());
    let done = reports.last().unwrap();
    assert_eq!(done.bound, Bound::Window);
    assert_eq!(done.lines as usize, got.len());
    let reached = done.reached.unwrap();
    assert!(
        (Utc::now() - TimeDelta::minutes(60) - reached)
            .num_seconds()
            .abs()
            <= 5
    );
    assert!(done.to_string().starts_with("backfilled 3,"), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_stops_at_its_line_cap_and_reports_its_progress() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.log");
    // 120,000 lines in the last 20 minutes (100 a second).
    let now = Utc::now();
    let mut text = String::new();
    for n in 0..120_000i64 {
        let at = now - TimeDelta::minutes(20) + TimeDelta::milliseconds(n * 10);
        let stamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        writeln!(text, "{stamp} INFO request {n} done").unwrap();
    }
    std::fs::write(&path, text).unwrap();
    let (lines, reports) = backfill(SourceSpec::File(path), options(60, 100_000)).await;
    let got = numbers(&lines);
    assert_eq!(
        got,
        (20_000..120_000).collect::<Vec<_>>(),
        "the newest 100,000"
    );
    let done = reports.last().unwrap();
    assert_eq!((done.bound, done.lines), (Bound::Lines, 100_000));
    assert!(
        done.to_string()
            .contains("(stopped at the line cap; older lines not read)"),
        "{done}"
    );
    // Progress on the way: at the start, then every 50,000 lines.
    assert!(reports.len() >= 3, "{reports:?}");
    assert_eq!(reports[0].lines, 0);
    assert_eq!(reports[0].total, 100_000);
    assert!(
        reports[0]
            .to_string()
            .starts_with("backfilling 0 of 100,000 lines")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_younger_than_the_window_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("young.log");
    let (text, end) = log_lines(10, 0, 2, 0);
    std::fs::write(&path, text).unwrap();
    let (lines, reports) = backfill(SourceSpec::File(path), options(60, 1_000_000)).await;
    assert_eq!(numbers(&lines), (0..end).collect::<Vec<_>>());
    assert_eq!(reports.last().unwrap().bound, Bound::Start);
}

/// A journal file of `count` entries of host `host`, one every `step` from `from` on.
fn journal(file: &Path, host: &str, from: DateTime<Utc>, step: TimeDelta, count: usize) {
    let entries: Vec<_> = (0..count)
        .map(|n| {
            let at = (from + step * n as i32).timestamp_micros();
            entry(
                host,
                n as u64 + 1,
                at,
                6,
                format!("request {n} done").as_bytes(),
            )
        })
        .collect();
    write_journal(file, &entries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_backfills_its_window_and_its_line_cap() {
    if !tools_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Two hours of entries, one every 10 s: 720 of them; the last hour holds 360.
    let from = Utc::now() - TimeDelta::minutes(120);
    journal(
        &dir.path().join("remote-a.journal"),
        "hosta",
        from,
        TimeDelta::seconds(10),
        720,
    );
    let address = format!("journal:payments.service@{}", dir.path().display());
    let spec = SourceSpec::parse(&address).unwrap();
    let (lines, reports) = backfill(spec.clone(), options(60, 1_000_000)).await;
    let got = numbers(&lines);
    assert!(got.len().abs_diff(360) <= 2, "{} entries", got.len());
    assert_eq!(*got.last().unwrap(), 719);
    assert_eq!(got, (got[0]..720).collect::<Vec<_>>());
    let done = reports.last().unwrap();
    assert_eq!(done.bound, Bound::Window);
    assert_eq!(done.lines as usize, got.len());
    // Capped at 100 lines: the newest 100, read from the cursor of the oldest of them.
    let (lines, reports) = backfill(spec, options(60, 100)).await;
    assert_eq!(numbers(&lines), (620..720).collect::<Vec<_>>());
    let done = reports.last().unwrap();
    assert_eq!((done.bound, done.lines), (Bound::Lines, 100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_globs_files_backfill_together_in_line_time_order() {
    let dir = tempfile::tempdir().unwrap();
    // Three files written side by side over the last 30 minutes: a line each second, in turn
    // (5,400 lines, each file larger than a read chunk).
    let now = Utc::now();
    let mut texts = [String::new(), String::new(), String::new()];
    for n in 0..5_400i64 {
        let at = now - TimeDelta::minutes(30) + TimeDelta::milliseconds(n * 333);
        let stamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        writeln!(texts[(n % 3) as usize], "{stamp} INFO request {n} done").unwrap();
    }
    for (i, text) in texts.iter().enumerate() {
        std::fs::write(dir.path().join(format!("api-{i}.log")), text).unwrap();
    }
    let glob = format!("{}/api-*.log", dir.path().display());
    let (lines, reports) = backfill(SourceSpec::Glob(glob), options(60, 1_000_000)).await;
    // In time order across the files, none twice, none missing.
    assert_eq!(numbers(&lines), (0..5_400).collect::<Vec<_>>());
    assert_eq!(reports.last().unwrap().lines, 5_400);
}
